/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The filesystem side of hvfs: the only code that knows FUSE.  It maps
 * paths to driver objects through a small type system in the spirit of
 * configfs: a directory type lists its attribute files (name, mode, show,
 * store), its fixed subdirectories, and, for a collection such as domains/,
 * how to list, create, remove and rename the objects it holds. */
#ifndef HVFS_FS_FS_H
#define HVFS_FS_FS_H

#define FUSE_USE_VERSION 314

#include <fuse_lowlevel.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <time.h>

#include "drivers/driver.h"
#include "util/strbuf.h"

#define FS_ATTR_VALUE_MAX 4096		/* EFBIG above, for attributes (docs/paths.md) */
#define FS_XML_VALUE_MAX  (1024 * 1024) /* and for XML documents */

struct fs_ctx;
struct notifier;
struct last_errors;
struct events;
struct scratch;

/* What fi->fh points at: every open file starts with this. */
enum fs_file_type {
	FS_FILE_ATTR,
	FS_FILE_EVENTS,
	FS_FILE_SCRATCH,
};

struct fs_file {
	enum fs_file_type type;
};

/* The object a node belongs to: found by walking up to the nearest
 * directory whose type is an object type. */
/* Deep enough for the paths of a driver's tree (fs/node_tree.c). */
#define FS_SUB_MAX 16

struct fs_object {
	enum hv_object_kind kind;
	const char *name; /* NULL for the host */
	/* The sub-objects between the object and the node, outermost first:
	 * {"disk", "vda"} below domains/web/devices/, {"vol1"} below
	 * pools/p/volumes/.  Deeper trees (host/devices/) keep the innermost
	 * FS_SUB_MAX, so sub[sub_count - 1] is always the node's own
	 * sub-object (or the symlink's name, FS_ATTR_LINK). */
	unsigned sub_count;
	const char *sub[FS_SUB_MAX];
};

/* Where node_object() copies the names an fs_object points at. */
struct fs_object_names {
	char name[HV_NAME_MAX + 1];
	char sub[FS_SUB_MAX][256];
};

enum fs_attr_flags {
	FS_ATTR_VOLATILE = 1 << 0, /* statistics: never cached, direct_io */
	FS_ATTR_DOCUMENT = 1 << 1, /* 1 MiB bound; writable ones are XML, applied once complete (attr.c) */
	FS_ATTR_EVENTS = 1 << 2,   /* the event stream, not a value */
	FS_ATTR_LINK = 1 << 3,	   /* a symlink: show renders its target (no newline) */
	FS_ATTR_MEMBER = 1 << 4,   /* a file that is a collection member: its name is the innermost sub */
	FS_ATTR_KEYED = 1 << 5,	   /* one of a driver's keys: its name is the innermost sub (device.c) */
};

typedef int (*fs_show_fn)(struct fs_ctx *ctx, const struct fs_object *obj, struct strbuf *out,
			  struct hv_error *err);
typedef int (*fs_store_fn)(struct fs_ctx *ctx, const struct fs_object *obj, const char *value, size_t len,
			   struct hv_error *err);

struct fs_attr {
	const char *name;
	mode_t mode; /* permission bits for root; --group adds the group's */
	unsigned flags;
	uint32_t fields; /* enum hv_field bits this file shows: it changes when they do */
	/* Renders the whole value, newline-terminated, into out. */
	fs_show_fn show;
	/* Receives the whole value written (maybe with a trailing newline). */
	fs_store_fn store;
};

struct fs_dir_type;

/* A fixed subdirectory: name and type, or, for one the driver describes
 * (drivers/driver.h: domain_keys, tree_dir), the functions that give them:
 * name_of is NULL when this driver has no such directory (it is then
 * neither listed nor found).  {NULL} ends a table. */
struct fs_subdir {
	const char *name;
	const struct fs_dir_type *type;
	const char *(*name_of)(const struct fs_ctx *ctx);
	const struct fs_dir_type *(*type_of)(const struct fs_ctx *ctx);
};

/* Children that are driver objects (domains/NAME ...): listed, created,
 * removed and renamed through the by-kind calls of drivers/driver.h.
 * Sub-object collections (a domain's devices, a pool's volumes) have list
 * set instead: obj is the object the collection directory belongs to, with
 * its sub-object names; mkdir/rmdir call create/remove (EPERM if NULL);
 * their members cannot be renamed. */
struct fs_collection {
	enum hv_object_kind kind;
	const struct fs_dir_type *child_type;
	int (*list)(struct fs_ctx *ctx, const struct fs_object *obj, struct hv_name_list *out,
		    struct hv_error *err);
	/* The member's type when it depends on obj or name (else child_type). */
	const struct fs_dir_type *(*type_of)(struct fs_ctx *ctx, const struct fs_object *obj,
					     const char *name);
	int (*create)(struct fs_ctx *ctx, const struct fs_object *obj, const char *name,
		      struct hv_error *err);
	int (*remove)(struct fs_ctx *ctx, const struct fs_object *obj, const char *name,
		      struct hv_error *err);
	/* Set when the members are symlinks rather than directories (an index
	 * such as host/devices/by-name/): each member is a node of this
	 * attribute, whose show gets the member's name as the innermost sub. */
	const struct fs_attr *link;
	/* Set when some members are files and others directories (a driver's tree's
	 * leaves and inner nodes): the member's attribute (FS_ATTR_MEMBER)
	 * when it is a file, NULL when a directory.  remove then also serves
	 * unlink, and create_file makes a file member (open with O_CREAT). */
	const struct fs_attr *(*attr_of)(struct fs_ctx *ctx, const struct fs_object *obj, const char *name);
	int (*create_file)(struct fs_ctx *ctx, const struct fs_object *obj, const char *name,
			   struct hv_error *err);
};

struct fs_dir_type {
	const char *name;			/* for logs: "domain" */
	bool is_object;				/* a node of this type names an object */
	bool is_sub;				/* ... or a sub-object (fs_object.sub) */
	enum hv_object_kind kind;		/* when is_object */
	const struct fs_attr *attrs;		/* terminated by {NULL}; alphabetical */
	const struct fs_subdir *subdirs;	/* terminated by {NULL}, may be NULL */
	const struct fs_collection *collection; /* may be NULL */
	/* Its entries and files are never cached by the kernel (timeouts 0):
	 * for trees whose driver reports no changes, such as the host's
	 * devices, which come and go with hot-plug. */
	bool uncached;
};

/* One inode.  Lifetime: a node lives while the kernel holds lookups on it
 * (nlookup > 0) or a child node exists (children > 0); ino is never
 * reused.  All fields but nlookup/children/name are immutable after
 * creation; those three are guarded by the node table's lock. */
struct node_table;

struct node {
	struct node_table *table; /* the table it lives in (fs_ctx.nodes) */
	fuse_ino_t ino;
	struct node *parent; /* NULL for the root; holds a child count on it */
	char *name;
	const struct fs_dir_type *dir; /* exactly one of dir/attr is set */
	const struct fs_attr *attr;
	uint64_t nlookup;
	unsigned children;
	bool stale; /* replaced or renamed away: no longer found by name */
	struct timespec mtime;
	uint32_t generation; /* bumped at every change of the value (poll) */
	/* Scratch files and directories (scratch.c): dir is NULL (a file) or
	 * &fs_scratch_dir_type, attr NULL.  Renaming one over an attribute
	 * turns it into that attribute's node (attr set; scratch kept for the
	 * files still open on it).  A linked scratch node is pinned: it lives
	 * while its name does, whatever the kernel remembers. */
	struct scratch *scratch;
	bool pinned;
	unsigned scratch_count;	   /* of a directory: its linked scratch entries */
	struct node *scratch_next; /* siblings, from the parent's scratch_head */
	struct node *scratch_head;
	struct node *ino_next; /* hash chains */
	struct node *name_next;
};

struct fs_options {
	char *uri;
	gid_t group; /* with --group: members may write; else 0 */
	bool has_group;
	double entry_timeout;
	double attr_timeout;
};

/* The open attribute files of a mount (attr.c): all of them, freed at
 * unmount if the kernel never released them, and those a poll(2) waits on. */
struct fs_handles {
	pthread_mutex_t lock;
	struct fs_handle *open;
	struct fs_handle *polled;
};

/* One mount: everything fs/ keeps lives here, nothing in globals, so that
 * a process may serve several (fs_ctx_init, fs_ctx_finish). */
struct fs_ctx {
	struct hv_conn *conn;
	struct node_table *nodes;
	struct fs_handles handles;
	struct fs_unlinked *unlinked;
	struct scratch_budget *scratch_budget;
	struct fuse_session *session;
	struct fs_options options;
	struct notifier *notifier;
	struct fs_driver_types *driver_types; /* the types the driver describes (driver_types.c) */
	struct last_errors *last_errors;
	struct events *events;
	struct timespec mount_time;
	char *mountpoint; /* absolute: the notifier acts on its own mount */
	/* Cleared (atomically) when the session loop ends: from then on no
	 * notification may be written to the device, which unmount closes. */
	bool serving;
};

/* --- ctx.c: one mount's state ------------------------------------------ */
/* Everything but conn, session, notifier, options and mountpoint, which
 * the caller sets.  -ENOMEM (and nothing left allocated). */
int fs_ctx_init(struct fs_ctx *ctx, struct timespec now);
void fs_ctx_finish(struct fs_ctx *ctx);

/* --- node.c: the inode table ----------------------------------------- */
/* attr may be set once after creation (node_scratch_become_attr). */
static inline const struct fs_attr *node_attr(const struct node *node)
{
	return __atomic_load_n(&node->attr, __ATOMIC_ACQUIRE);
}
/* A scratch file or directory (not one since renamed over an attribute). */
static inline bool node_is_scratch(const struct node *node)
{
	return node->scratch && !node_attr(node);
}

int node_table_create(const struct fs_dir_type *root_type, struct timespec now, struct node_table **out);
void node_table_destroy(struct node_table *table);
struct node *node_root(struct node_table *table);
/* The node for ino, or NULL; the caller must know the kernel holds it. */
struct node *node_get(struct node_table *table, fuse_ino_t ino);
/* The directory type of ino (NULL if none, or not a directory), read under
 * the table's lock: for threads that do not serve a request on ino (the
 * change callback, the notifier), which the kernel may forget meanwhile. */
const struct fs_dir_type *node_dir_type(struct node_table *table, fuse_ino_t ino);
/* Finds or creates the child and counts one kernel lookup on it. */
struct node *node_lookup_child(struct node *parent, const char *name, const struct fs_dir_type *dir,
			       const struct fs_attr *attr);
/* The existing child, or NULL; no lookup counted.  Only valid while the
 * table lock is not needed past the call (used for hints). */
fuse_ino_t node_child_ino(struct node *parent, const char *name);
void node_forget(struct node_table *table, fuse_ino_t ino, uint64_t nlookup);
/* Re-keys a node after its object was renamed. */
void node_rename(struct node *parent, const char *old_name, const char *new_name);
/* Calls fn(ino, opaque) for every node below the object dir parent/name
 * (the dir included): used to invalidate what the kernel may cache. */
void node_foreach_under(struct node *parent, const char *name, void (*fn)(fuse_ino_t ino, void *opaque),
			void *opaque);
void node_set_mtime(struct node_table *table, fuse_ino_t ino, struct timespec when);
/* The value behind ino changed: new mtime (so the kernel, which revalidates
 * with auto_inval_data, drops its cached pages) and a new generation (poll). */
void node_touch(struct node_table *table, fuse_ino_t ino);
uint32_t node_generation(struct node_table *table, fuse_ino_t ino);
/* The node at dir/name/attr (attr or name may be NULL), or 0 if the kernel
 * has not looked it up. */
fuse_ino_t node_find(struct node_table *table, const char *dir, const char *name, const char *attr);
/* The node at root/parts[0]/.../parts[count-1], or 0. */
fuse_ino_t node_find_path(struct node_table *table, const char *const *parts, size_t count);
/* An object went: its name no longer leads to its old node (a new object of
 * the same name gets a new inode). */
void node_detach(struct node *parent, const char *name);
/* Fills obj from the nearest object ancestor (or the node itself) and the
 * sub-object directories on the way; the names are copied into names under
 * the table lock (safe against a concurrent rename). */
int node_object(struct node *node, struct fs_object *obj, struct fs_object_names *names);
/* Writes "domains/test/state" style path into buf for logs. */
void node_path(struct node *node, char *buf, size_t size);

/* Scratch entries in the node table.  All count one kernel lookup on the
 * node they return.  -EEXIST, -ENOSPC (FS_SCRATCH_PER_DIR), -ENOMEM. */
int node_scratch_add(struct node *parent, const char *name, struct scratch *scratch, bool is_dir,
		     struct node **out);
/* The linked scratch entry parent/name, or NULL. */
struct node *node_scratch_lookup(struct node *parent, const char *name);
/* A new reference to the scratch of parent/name, or NULL. */
struct scratch *node_scratch_get(struct node *parent, const char *name, bool *is_dir);
/* unlink (want_dir false) or rmdir (true): -ENOENT, -EISDIR, -ENOTDIR, -ENOTEMPTY. */
int node_scratch_remove(struct node *parent, const char *name, bool want_dir);
/* rename between scratch names; replaces a scratch target of the same kind
 * unless noreplace (-EEXIST).  -ENOENT, -EISDIR, -ENOTDIR, -ENOTEMPTY, -EINVAL
 * (a directory into itself). */
int node_scratch_move(struct node *parent, const char *name, struct node *new_parent, const char *new_name,
		      bool noreplace);
/* The scratch file parent/name becomes new_parent's attribute attr (after
 * its content was applied): the old node of that attribute goes stale. */
int node_scratch_become_attr(struct node *parent, const char *name, struct node *new_parent,
			     const struct fs_attr *attr, fuse_ino_t *ino);
/* Calls fn for each linked scratch entry of parent, under the table lock:
 * fn must not call out. */
int node_scratch_foreach(struct node *parent, int (*fn)(const char *name, bool is_dir, void *opaque),
			 void *opaque);

/* --- scratch.c: temporary files of editors and configuration tools ----- */
#define FS_SCRATCH_PER_DIR     64
#define FS_SCRATCH_TOTAL_BYTES (64u << 20)
extern const struct fs_dir_type fs_scratch_dir_type;
/* Object directories (and scratch directories) take scratch entries. */
bool fs_dir_accepts_scratch(const struct fs_dir_type *type);
/* The bytes all scratch files of a mount hold (FS_SCRATCH_TOTAL_BYTES). */
struct scratch_budget;
struct scratch_budget *scratch_budget_create(void);
void scratch_budget_destroy(struct scratch_budget *budget);
struct scratch *scratch_new(struct scratch_budget *budget, mode_t mode, uid_t uid, gid_t gid);
void scratch_ref(struct scratch *scratch);
void scratch_unref(struct scratch *scratch);
void scratch_stat(struct scratch *scratch, struct stat *st);
int scratch_setattr(struct scratch *scratch, const struct stat *attr, int to_set);
/* A NUL-terminated heap copy of the content. */
int scratch_contents(struct scratch *scratch, char **data, size_t *len);
int scratch_open(struct scratch *scratch, int flags, struct fs_file **out);
void scratch_release(struct fs_file *file);
ssize_t scratch_read(struct fs_file *file, off_t offset, char *buf, size_t size);
ssize_t scratch_write(struct fs_file *file, off_t offset, const char *data, size_t len);
int scratch_setxattr(struct scratch *scratch, const char *name, const char *value, size_t size, int flags);
ssize_t scratch_getxattr(struct scratch *scratch, const char *name, char *buf, size_t size);
ssize_t scratch_listxattr(struct scratch *scratch, char *buf, size_t size);
int scratch_removexattr(struct scratch *scratch, const char *name);
/* A writable attribute unlinked by pid (install(1)): hidden from that pid
 * for a few seconds, and its next create by it writes the attribute. */
struct fs_unlinked;
struct fs_unlinked *fs_unlinked_create(void);
void fs_unlinked_destroy(struct fs_unlinked *unlinked);
void fs_unlinked_add(struct fs_unlinked *unlinked, fuse_ino_t parent, const struct fs_attr *attr, pid_t pid);
/* Whether attr is hidden from pid; take ends the hiding. */
bool fs_unlinked_check(struct fs_unlinked *unlinked, fuse_ino_t parent, const struct fs_attr *attr, pid_t pid,
		       bool take);
/* After the create: pid's chmod/chown of the new file (install -m) are
 * accepted, and change nothing. */
bool fs_unlinked_replacing(struct fs_unlinked *unlinked, fuse_ino_t parent, const struct fs_attr *attr,
			   pid_t pid);

/* --- tree.c: the directory types ------------------------------------- */
extern const struct fs_dir_type fs_root_type;
const struct fs_attr *fs_dir_find_attr(const struct fs_dir_type *type, const char *name);
/* The fixed subdirectory name of type with this driver, or NULL. */
const struct fs_dir_type *fs_dir_find_subdir(const struct fs_ctx *ctx, const struct fs_dir_type *type,
					     const char *name);
/* Walks type's fixed subdirectories: s from type->subdirs while
 * !fs_subdir_end(s); fs_subdir_name() is NULL for one this driver lacks. */
bool fs_subdir_end(const struct fs_subdir *s);
const char *fs_subdir_name(const struct fs_ctx *ctx, const struct fs_subdir *s);
const struct fs_dir_type *fs_subdir_type(const struct fs_ctx *ctx, const struct fs_subdir *s);
/* Attribute tables, one per object kind (host.c, domain.c, network.c, pool.c). */
extern const struct fs_dir_type fs_host_type;
extern const struct fs_dir_type fs_domains_type;
extern const struct fs_dir_type fs_networks_type;
extern const struct fs_dir_type fs_pools_type;
extern const struct fs_dir_type fs_devices_type; /* domains/NAME/devices/ (device.c) */
/* A device's file (device.c): the key is the file's name (FS_ATTR_KEYED). */
int fs_show_device_key(struct fs_ctx *ctx, const struct fs_object *obj, struct strbuf *out,
		       struct hv_error *err);
int fs_store_device_key(struct fs_ctx *ctx, const struct fs_object *obj, const char *value, size_t len,
			struct hv_error *err);
/* The directory types the driver describes, one set per context
 * (driver_types.c): a device class's (one with no files for a class the
 * driver does not describe). */
struct fs_driver_types *fs_driver_types_create(void);
void fs_driver_types_destroy(struct fs_driver_types *types);
const struct fs_dir_type *fs_device_class_type(const struct fs_ctx *ctx, const char *cls);
extern const struct fs_dir_type fs_volumes_type;      /* pools/NAME/volumes/ (volume.c) */
extern const struct fs_dir_type fs_host_devices_type; /* host/devices/ (nodedev.c) */
/* domains/NAME/<dir>/, the driver's domain_keys (driver_types.c). */
const char *fs_domain_keys_dir(const struct fs_ctx *ctx);
const struct fs_dir_type *fs_domain_keys_type(const struct fs_ctx *ctx);
/* <tree_dir>/ at the root, the driver's tree (node_tree.c). */
const char *fs_tree_dir(const struct fs_ctx *ctx);
extern const struct fs_dir_type fs_tree_type;
/* The driver's path of a node of the tree ("/local/domain/0"), from obj's
 * subs plus name (may be NULL).  -ENAMETOOLONG when deeper than the view
 * goes. */
int fs_tree_path(const struct fs_object *obj, const char *name, char *buf, size_t size);

/* Shared show/store helpers for attribute tables (attr_helpers.c). */
int fs_show_u64(struct strbuf *out, uint64_t value);
int fs_show_str(struct strbuf *out, const char *value);
int fs_show_last_error(struct fs_ctx *ctx, const struct fs_object *obj, struct strbuf *out,
		       struct hv_error *err);
/* metrics (metrics.c): Prometheus text for every object. */
int fs_show_metrics(struct fs_ctx *ctx, const struct fs_object *obj, struct strbuf *out,
		    struct hv_error *err);
/* config.xml, autostart: the same for every object kind. */
int fs_show_config(struct fs_ctx *ctx, const struct fs_object *obj, struct strbuf *out, struct hv_error *err);
int fs_store_config(struct fs_ctx *ctx, const struct fs_object *obj, const char *value, size_t len,
		    struct hv_error *err);
int fs_store_autostart(struct fs_ctx *ctx, const struct fs_object *obj, const char *value, size_t len,
		       struct hv_error *err);
int fs_parse_u64(const char *value, size_t len, uint64_t max, uint64_t *out, const char *what,
		 struct hv_error *err);
int fs_parse_bool(const char *value, size_t len, bool *out, struct hv_error *err);
int fs_parse_word(const char *value, size_t len, char *out, size_t size, struct hv_error *err);

/* --- last_error.c ------------------------------------------------------ */
struct last_errors *last_errors_create(void);
void last_errors_destroy(struct last_errors *errors);
void last_errors_set(struct last_errors *errors, const struct fs_object *obj, const char *message);
/* Copies the message (or "") into out. */
int last_errors_get(struct last_errors *errors, const struct fs_object *obj, struct strbuf *out);
void last_errors_rename(struct last_errors *errors, enum hv_object_kind kind, const char *name,
			const char *new_name);
void last_errors_forget(struct last_errors *errors, enum hv_object_kind kind, const char *name);

/* --- notify.c: changes -> kernel caches, inotify, poll, events ---------- */
/* The hv_change_fn handed to the driver; opaque is the fs_ctx. */
void fs_on_change(void *opaque, const struct hv_change *change);
/* last_error of obj changed (a write failed). */
void fs_notify_last_error(struct fs_ctx *ctx, const struct fs_object *obj);
int notifier_start(struct fs_ctx *ctx);
void notifier_stop(struct fs_ctx *ctx);
/* For tests of the notifier's decisions (tests/unit/test_fs_notify.c): a
 * notifier whose queue no thread drains, and its queue, one line a change
 * (notify.c). */
int notifier_init(struct fs_ctx *ctx);
int notifier_describe(struct fs_ctx *ctx, struct strbuf *out);

/* The origin a request gives the driver calls it makes (drivers/driver.h,
 * docs/design.md "Change flow"): the kernel itself produces the inotify
 * event of the operation a request performs, so the notifier leaves that
 * one out.  file is the attribute file whose write made the call (its
 * IN_MODIFY is the kernel's); NULL for an operation on a directory entry
 * (mkdir, rmdir, rename, unlink, O_CREAT), whose IN_CREATE, IN_DELETE or
 * IN_MOVED_* is the kernel's. */
struct hv_origin {
	const struct node *file;
};
struct fs_call {
	struct hv_call_scope scope;
	struct hv_origin origin;
};
/* Opens the scope of the driver calls a request makes on object (kind,
 * name); end it before the request's reply. */
void fs_call_begin(struct fs_call *call, struct fs_ctx *ctx, const struct node *file,
		   enum hv_object_kind kind, const char *name);
void fs_call_end(struct fs_call *call);

/* The notifier acts on its own mount to produce inotify events; handlers
 * ask how to treat its requests. */
enum fs_self_answer {
	FS_SELF_NONE,	 /* not the notifier, or nothing special: handle normally */
	FS_SELF_ABSENT,	 /* lookup: answer ENOENT (the name is about to be created) */
	FS_SELF_PRESENT, /* lookup: answer a directory (the name is about to go) */
};
bool fs_request_is_self(struct fs_ctx *ctx, fuse_req_t req);
enum fs_self_answer fs_self_lookup(struct fs_ctx *ctx, const struct node *parent, const char *name);

/* --- attr.c: open files ------------------------------------------------ */
struct fs_handle;
int fs_handle_open(struct fs_ctx *ctx, struct node *node, int flags, struct fs_handle **out);
/* On success the handle stays locked so that *data stays valid: reply,
 * then call fs_handle_read_done().  On failure it is unlocked. */
int fs_handle_read(struct fs_handle *handle, off_t offset, size_t size, const char **data, size_t *len);
void fs_handle_read_done(struct fs_handle *handle);
int fs_handle_write(struct fs_handle *handle, off_t offset, const char *data, size_t len);
int fs_handle_truncate(struct fs_handle *handle, off_t size);
int fs_handle_flush(struct fs_handle *handle);
void fs_handle_release(struct fs_handle *handle);
bool fs_handle_direct_io(const struct fs_handle *handle);
bool fs_handle_keep_cache(const struct fs_handle *handle);
bool fs_handle_no_flush(const struct fs_handle *handle);
/* poll(2) on an attribute: POLLPRI|POLLERR once the value changed since it
 * was last read (sysfs semantics); ph is kept and notified at the change. */
unsigned fs_handle_poll(struct fs_handle *handle, struct fuse_pollhandle *ph);
/* Frees the handles still open when the session ended (no RELEASE comes
 * then), without applying what they hold: the driver is closed. */
void fs_handles_free_all(struct fs_ctx *ctx);
/* Wakes pollers of ino; called after the kernel's cache was invalidated. */
void fs_handles_notify_poll(struct fs_ctx *ctx, fuse_ino_t ino);
/* Renders the node's value (for getattr's st_size and for reads). */
int fs_attr_render(struct fs_ctx *ctx, struct node *node, struct strbuf *out, struct hv_error *err);
/* Records a failed operation on obj: last_error, log line.  Returns -err->code. */
int fs_report_error(struct fs_ctx *ctx, struct node *node, const char *what, struct hv_error *err);

#endif
