/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The driver interface: the one table of operations behind which every
 * hypervisor backend (test, container, xen) lives.
 *
 * Contract, for every slot:
 *  - returns 0 on success or a negative errno, and on failure fills *err with
 *    the same errno and one human sentence (for last_error and the log);
 *  - a NULL slot means the driver cannot do it: the dispatch wrappers in
 *    driver.c answer -EOPNOTSUPP;
 *  - may block (a hypervisor, XenStore, a process); the caller is one of
 *    several worker threads and must hold no lock of its own across the call;
 *  - is thread-safe: the driver serialises internally;
 *  - strings returned through char ** are heap-allocated and owned by the caller.
 *
 * Change reporting: a driver calls hv_conn_emit() once for every change of
 * its model, whatever caused it (a write through the mount, a timer, the
 * hypervisor), after the change is visible to the read slots and while it
 * holds none of its own locks (the callback may call back into the driver).
 * A change that a slot call asked for is emitted on the calling thread
 * before the slot returns, so that it carries the call's origin.
 *
 * Errno vocabulary (docs/paths.md, conventions): EINVAL bad value/command/XML/name, EBUSY wrong
 * state, EEXIST duplicate name or UUID, ENOENT no such object, EOPNOTSUPP the
 * driver cannot, EIO the backend failed.
 */
#ifndef HVFS_DRIVERS_DRIVER_H
#define HVFS_DRIVERS_DRIVER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "util/error.h"
#include "util/names.h"
#include "util/uuid.h"

struct uri;

enum hv_object_kind {
	HV_KIND_HOST,
	HV_KIND_DOMAIN,
	HV_KIND_NETWORK,
	HV_KIND_POOL,
};

/* libvirt's virDomainState, same order. */
enum hv_domain_state {
	HV_DOMAIN_NOSTATE,
	HV_DOMAIN_RUNNING,
	HV_DOMAIN_BLOCKED,
	HV_DOMAIN_PAUSED,
	HV_DOMAIN_SHUTDOWN, /* being shut down */
	HV_DOMAIN_SHUTOFF,
	HV_DOMAIN_CRASHED,
	HV_DOMAIN_PMSUSPENDED,
};

/* Commands are HV_*_CMD_*, states HV_DOMAIN_* / HV_POOL_*: the words overlap
 * (shutdown is both), the enumerators must not. */
enum hv_domain_command {
	HV_DOMAIN_CMD_START,
	HV_DOMAIN_CMD_SHUTDOWN,
	HV_DOMAIN_CMD_REBOOT,
	HV_DOMAIN_CMD_RESET,
	HV_DOMAIN_CMD_DESTROY,
	HV_DOMAIN_CMD_SUSPEND,
	HV_DOMAIN_CMD_RESUME,
};

/* libvirt's storage pool states. */
enum hv_pool_state {
	HV_POOL_INACTIVE,
	HV_POOL_BUILDING,
	HV_POOL_RUNNING,
	HV_POOL_DEGRADED,
	HV_POOL_INACCESSIBLE,
};

enum hv_pool_command {
	HV_POOL_CMD_BUILD,
	HV_POOL_CMD_START,
	HV_POOL_CMD_STOP,
	HV_POOL_CMD_REFRESH,
	HV_POOL_CMD_DELETE,
};

enum hv_network_command {
	HV_NETWORK_CMD_START,
	HV_NETWORK_CMD_STOP,
};

struct hv_host_info {
	char hostname[256];
	char cpu_model[128];
	char hypervisor_version[64]; /* e.g. "test 1.0.0", "xen 4.17.3" */
	unsigned cpus;
	uint64_t memory_kib;
	uint64_t free_memory_kib;
};

struct hv_domain_info {
	char name[HV_NAME_MAX + 1];
	char uuid[HV_UUID_STRLEN + 1];
	char os_type[16]; /* hvm, xen, linux, exe */
	int id;		  /* -1 while inactive */
	enum hv_domain_state state;
	uint64_t memory_kib;
	uint64_t max_memory_kib;
	unsigned vcpus;
	unsigned max_vcpus;
	bool autostart;
	bool persistent;
};

/* Volatile counters; a field the driver cannot measure is UINT64_MAX. */
struct hv_domain_stats {
	uint64_t cpu_time_ns;
	uint64_t memory_rss_kib;
};

struct hv_network_info {
	char name[HV_NAME_MAX + 1];
	char uuid[HV_UUID_STRLEN + 1];
	char bridge[16]; /* IFNAMSIZ; "" when none */
	bool active;
	bool autostart;
	bool persistent;
};

struct hv_pool_info {
	char name[HV_NAME_MAX + 1];
	char uuid[HV_UUID_STRLEN + 1];
	char type[16]; /* dir, logical, ... */
	enum hv_pool_state state;
	bool autostart;
	bool persistent;
	uint64_t capacity; /* bytes */
	uint64_t allocation;
	uint64_t available;
};

/* A storage volume (pools/NAME/volumes/VOL).  Sizes in bytes, read from
 * the volume itself where it is real (a file of a dir pool). */
struct hv_volume_info {
	char name[HV_NAME_MAX + 1];
	char path[1024];     /* where it lives: the file of a dir pool */
	char format[16];     /* raw, qcow2, ... */
	uint64_t capacity;   /* what the guest sees */
	uint64_t allocation; /* what it uses on the host (blocks) */
};

/* A device of a domain (domains/NAME/devices/CLASS/DEV/).  class is the
 * element name (disk, interface, controller, console, ...); name is what
 * users know it by: a disk's target dev (vda), an interface's index among
 * the interfaces (0, 1, ...), a controller's TYPE.INDEX (pci.0), others
 * their index within the class.  Its attributes are key/value pairs, one
 * file each: a disk has source, bus, format, readonly, address; an
 * interface mac, network, model, link_state (up/down), address, ip (its
 * current lease; "" without one); every device address ("" when it has
 * none).  Addresses are written as in docs/addresses.md ("pci
 * 0000:00:03.0", "drive 0:0:0:1"). */
#define HV_DEVICE_CLASS_MAX 31
#define HV_DEVICE_NAME_MAX  63
#define HV_DEVICE_ATTRS_MAX 12
struct hv_device_info {
	char cls[HV_DEVICE_CLASS_MAX + 1];
	char name[HV_DEVICE_NAME_MAX + 1];
	unsigned attr_count;
	struct {
		char key[32];
		char value[256];
	} attrs[HV_DEVICE_ATTRS_MAX];
};

/* What a driver's device classes show (domains/NAME/devices/CLASS/DEV/):
 * fs/ makes one file per key, so a driver describes its devices as data
 * and fs/ needs no line for a new one (docs/design.md, "Devices").  A
 * writable key is changed through domain_device_set, which validates the
 * value; fields are the enum hv_field bits besides HV_FIELD_DEVICES whose
 * changes also change the file (an interface's ip: HV_FIELD_LEASES). */
struct hv_device_key {
	const char *key; /* NULL ends a table */
	bool writable;
	uint32_t fields;
};
/* A class and its keys; cls "*" describes every class not listed (a
 * table without one shows such devices with no files); {NULL} ends it. */
struct hv_device_class {
	const char *cls;
	const struct hv_device_key *keys;
};
/* The classes of libvirt's domain XML as drivers/conf reads them (disk,
 * interface, and the address/model/type every other device has). */
extern const struct hv_device_class hv_libvirt_device_classes[];

/* A domain's named values shown as domains/NAME/DIR/KEY (driver slot
 * domain_keys): the keys are described as a device class's are, their
 * fields the other enum hv_field bits, besides HV_FIELD_KEYS, whose
 * changes also change the file (a cgroup's memory limit and memory). */
struct hv_domain_keys {
	const char *dir;		  /* "cgroup" */
	const struct hv_device_key *keys; /* ended by {NULL} */
};

struct hv_device_list {
	struct hv_device_info *devices;
	size_t count;
};
void hv_device_list_finish(struct hv_device_list *list);
/* The value of key in dev, or NULL. */
const char *hv_device_attr(const struct hv_device_info *dev, const char *key);

/* A DHCP lease of a network (networks/NAME/leases). */
struct hv_lease {
	uint64_t expiry; /* seconds since the epoch */
	char mac[18];
	char ip[46];
	char hostname[HV_NAME_MAX + 1]; /* the domain's name */
};

struct hv_lease_list {
	struct hv_lease *leases;
	size_t count;
};
void hv_lease_list_finish(struct hv_lease_list *list);

/* A host device (host/devices/), as libvirt's node devices: a tree rooted
 * at "computer", each device naming its parent. */
#define HV_NODEDEV_NAME_MAX  127
#define HV_NODEDEV_ATTRS_MAX 12
struct hv_nodedev_info {
	char name[HV_NODEDEV_NAME_MAX + 1];   /* unique: pci_0000_00_1f_2, net_eth0_52_54_00_... */
	char parent[HV_NODEDEV_NAME_MAX + 1]; /* "" for computer */
	char driver[64];		      /* "" when none is bound */
	char capability[32];		      /* system, pci, usb_device, usb, net, storage, scsi_host, ... */
	/* The capability's identifying attributes, one file each: address,
	 * vendor_id, product_id, mac, interface, size, ... */
	unsigned attr_count;
	struct {
		char key[32];
		char value[128];
	} attrs[HV_NODEDEV_ATTRS_MAX];
};

/* A change of the driver's model, as handed to the change callback.
 * Lifecycle events carry libvirt's event names (defined, undefined, started,
 * suspended, resumed, stopped, shutdown, crashed) and a detail word
 * (booted, destroyed, shutdown, paused, ...). */
enum hv_change_type {
	HV_CHANGE_CREATED,   /* an object appeared */
	HV_CHANGE_DELETED,   /* an object went */
	HV_CHANGE_RENAMED,   /* name -> new_name */
	HV_CHANGE_MODIFIED,  /* some attribute or the definition changed */
	HV_CHANGE_LIFECYCLE, /* a lifecycle transition (also implies MODIFIED) */
};

/* What a MODIFIED or LIFECYCLE change touched, so that only the files that
 * show it are reported changed.  0 means "anything may have changed". */
enum hv_field {
	HV_FIELD_STATE = 1u << 0, /* state */
	HV_FIELD_ID = 1u << 1,
	HV_FIELD_CONFIG = 1u << 2, /* the stored definition (config.xml) */
	HV_FIELD_MEMORY = 1u << 3,
	HV_FIELD_MAX_MEMORY = 1u << 4,
	HV_FIELD_VCPUS = 1u << 5,
	HV_FIELD_MAX_VCPUS = 1u << 6,
	HV_FIELD_AUTOSTART = 1u << 7,
	HV_FIELD_UUID = 1u << 8,
	HV_FIELD_OS_TYPE = 1u << 9,
	HV_FIELD_BRIDGE = 1u << 10,
	HV_FIELD_POOL_SIZES = 1u << 11, /* capacity, allocation, available */
	HV_FIELD_TYPE = 1u << 12,
	HV_FIELD_PERSISTENT = 1u << 13,
	HV_FIELD_DEVICES = 1u << 14, /* a domain's devices (attached, detached, changed) */
	HV_FIELD_LEASES = 1u << 15,  /* a network's leases, and the ip of interfaces */
	HV_FIELD_KEYS = 1u << 16,    /* a domain's domain_keys values (detail: the key, NULL any) */
};
/* The fields whose change's detail names the one file (key) that shows it. */
#define HV_FIELDS_KEYED ((uint32_t)HV_FIELD_KEYS)

struct hv_change {
	enum hv_object_kind kind;
	enum hv_change_type type;
	const char *name;     /* the object; NULL for the host */
	const char *new_name; /* RENAMED only */
	const char *event;    /* LIFECYCLE: "started", ...; else NULL */
	const char *detail;   /* LIFECYCLE: "booted", ...; may be NULL.  MODIFIED of a
			       * sub-object: the one attribute that changed
			       * ("link_state", "ip"), NULL for any */
	/* A change of a sub-object rather than the object itself: CREATED,
	 * DELETED or MODIFIED of "disk/vda" (a domain's device) or of a pool's
	 * volume "vol1"; NULL otherwise. */
	const char *sub;
	uint32_t fields; /* MODIFIED, LIFECYCLE: enum hv_field bits; 0 = unknown */
	/* kind HV_KIND_HOST only: a node of the driver's tree
	 * ("/local/domain/0/name") was written (MODIFIED) or removed
	 * (DELETED); NULL otherwise. */
	const char *tree_path;
	/* Who caused it: the caller's call that asked for this change of this
	 * object, or NULL when anything else did (a timer, the hypervisor,
	 * another tool, a rescan that found other objects changed).  Drivers
	 * leave it NULL: hv_conn_emit() sets it from the call scope (below). */
	const struct hv_origin *origin;
};

/* Change origin (docs/design.md, "Change flow").  A caller that asks a
 * driver to change object (kind, name) wraps the call in a scope, giving
 * an origin of its own (opaque here: fs/ records the file written).
 * hv_conn_emit() stamps that origin on the changes of that very object
 * which the driver emits on the calling thread while the scope is open;
 * changes of other objects, and all changes from other threads, keep
 * origin NULL.  Scopes nest (the innermost wins) and must be ended in
 * reverse order on the thread that began them. */
struct hv_origin;
struct hv_call_scope {
	const struct hv_conn *conn;
	const struct hv_origin *origin;
	enum hv_object_kind kind;
	const char *name; /* NULL for the host */
	struct hv_call_scope *outer;
};
void hv_call_begin(struct hv_call_scope *scope, const struct hv_conn *conn, const struct hv_origin *origin,
		   enum hv_object_kind kind, const char *name);
void hv_call_end(struct hv_call_scope *scope);

struct hv_conn;
typedef void (*hv_change_fn)(void *opaque, const struct hv_change *change);

/* Arrays of names: `names[count]`, each and the array heap-allocated. */
struct hv_name_list {
	char **names;
	size_t count;
};
void hv_name_list_finish(struct hv_name_list *list);

struct hv_driver_ops {
	const char *name;   /* "test" */
	const char *scheme; /* URI scheme it serves */

	/* Connection.  open() sets conn->priv; it receives the parsed URI. */
	int (*open)(struct hv_conn *conn, const struct uri *uri, struct hv_error *err);
	/* Releases everything; called once, after which no slot is called.
	 * Stops the driver's threads; emits no change after returning. */
	void (*close)(struct hv_conn *conn);

	/* Host */
	int (*host_info)(struct hv_conn *conn, struct hv_host_info *info, struct hv_error *err);
	int (*host_capabilities)(struct hv_conn *conn, char **xml, struct hv_error *err);

	/* Domains.  define() with a name that does not exist creates the
	 * domain (shut off); with an existing name replaces its persistent
	 * definition.  xml == NULL means "sensible defaults" (mkdir). */
	int (*domain_list)(struct hv_conn *conn, struct hv_name_list *out, struct hv_error *err);
	int (*domain_info)(struct hv_conn *conn, const char *name, struct hv_domain_info *info,
			   struct hv_error *err);
	int (*domain_stats)(struct hv_conn *conn, const char *name, struct hv_domain_stats *stats,
			    struct hv_error *err);
	int (*domain_get_xml)(struct hv_conn *conn, const char *name, char **xml, struct hv_error *err);
	int (*domain_define)(struct hv_conn *conn, const char *name, const char *xml, size_t len,
			     struct hv_error *err);
	int (*domain_undefine)(struct hv_conn *conn, const char *name, struct hv_error *err);
	int (*domain_rename)(struct hv_conn *conn, const char *name, const char *new_name,
			     struct hv_error *err);
	int (*domain_control)(struct hv_conn *conn, const char *name, enum hv_domain_command command,
			      struct hv_error *err);
	int (*domain_set_memory)(struct hv_conn *conn, const char *name, uint64_t kib, struct hv_error *err);
	int (*domain_set_max_memory)(struct hv_conn *conn, const char *name, uint64_t kib,
				     struct hv_error *err);
	int (*domain_set_vcpus)(struct hv_conn *conn, const char *name, unsigned vcpus, struct hv_error *err);
	int (*domain_set_max_vcpus)(struct hv_conn *conn, const char *name, unsigned vcpus,
				    struct hv_error *err);
	int (*domain_set_autostart)(struct hv_conn *conn, const char *name, bool autostart,
				    struct hv_error *err);

	/* Networks */
	int (*network_list)(struct hv_conn *conn, struct hv_name_list *out, struct hv_error *err);
	int (*network_info)(struct hv_conn *conn, const char *name, struct hv_network_info *info,
			    struct hv_error *err);
	int (*network_get_xml)(struct hv_conn *conn, const char *name, char **xml, struct hv_error *err);
	int (*network_define)(struct hv_conn *conn, const char *name, const char *xml, size_t len,
			      struct hv_error *err);
	int (*network_undefine)(struct hv_conn *conn, const char *name, struct hv_error *err);
	int (*network_rename)(struct hv_conn *conn, const char *name, const char *new_name,
			      struct hv_error *err);
	int (*network_control)(struct hv_conn *conn, const char *name, enum hv_network_command command,
			       struct hv_error *err);
	int (*network_set_autostart)(struct hv_conn *conn, const char *name, bool autostart,
				     struct hv_error *err);

	/* Storage pools */
	int (*pool_list)(struct hv_conn *conn, struct hv_name_list *out, struct hv_error *err);
	int (*pool_info)(struct hv_conn *conn, const char *name, struct hv_pool_info *info,
			 struct hv_error *err);
	int (*pool_get_xml)(struct hv_conn *conn, const char *name, char **xml, struct hv_error *err);
	int (*pool_define)(struct hv_conn *conn, const char *name, const char *xml, size_t len,
			   struct hv_error *err);
	int (*pool_undefine)(struct hv_conn *conn, const char *name, struct hv_error *err);
	int (*pool_rename)(struct hv_conn *conn, const char *name, const char *new_name,
			   struct hv_error *err);
	int (*pool_control)(struct hv_conn *conn, const char *name, enum hv_pool_command command,
			    struct hv_error *err);
	int (*pool_set_autostart)(struct hv_conn *conn, const char *name, bool autostart,
				  struct hv_error *err);

	/* Storage volumes of a pool.  create() with xml == NULL makes an empty
	 * raw volume; with a volume XML, one of its capacity and format, or,
	 * when the volume exists, applies the XML to it (its config.xml).
	 * delete() is EBUSY while a running domain uses the volume. */
	int (*volume_list)(struct hv_conn *conn, const char *pool, struct hv_name_list *out,
			   struct hv_error *err);
	int (*volume_info)(struct hv_conn *conn, const char *pool, const char *name,
			   struct hv_volume_info *info, struct hv_error *err);
	int (*volume_get_xml)(struct hv_conn *conn, const char *pool, const char *name, char **xml,
			      struct hv_error *err);
	int (*volume_create)(struct hv_conn *conn, const char *pool, const char *name, const char *xml,
			     size_t len, struct hv_error *err);
	int (*volume_delete)(struct hv_conn *conn, const char *pool, const char *name, struct hv_error *err);
	int (*volume_resize)(struct hv_conn *conn, const char *pool, const char *name, uint64_t capacity,
			     struct hv_error *err);

	/* Devices of a domain.  attach() takes one libvirt device element
	 * (<disk>, <interface>, ...): hot-plug while the domain runs, cold-plug
	 * while shut off; it is validated like config.xml, gets free addresses
	 * (and a MAC) where it has none, and appears in the stored definition.
	 * EEXIST duplicate target, EBUSY an address in use (the message names
	 * the holder), ENOSPC no free address.  detach() removes it and
	 * releases its addresses.  device_set() changes one live-tunable
	 * attribute (an interface's link_state); others are EACCES. */
	int (*domain_device_list)(struct hv_conn *conn, const char *domain, struct hv_device_list *out,
				  struct hv_error *err);
	int (*domain_device_attach)(struct hv_conn *conn, const char *domain, const char *xml, size_t len,
				    struct hv_error *err);
	int (*domain_device_detach)(struct hv_conn *conn, const char *domain, const char *cls,
				    const char *name, struct hv_error *err);
	int (*domain_device_set)(struct hv_conn *conn, const char *domain, const char *cls, const char *name,
				 const char *key, const char *value, struct hv_error *err);
	/* The classes domain_device_list reports, and their keys. */
	const struct hv_device_class *device_classes;

	/* The leases a network's DHCP server handed out. */
	int (*network_leases)(struct hv_conn *conn, const char *network, struct hv_lease_list *out,
			      struct hv_error *err);

	/* Host devices: every device of the host (names unique). */
	int (*nodedev_list)(struct hv_conn *conn, struct hv_name_list *out, struct hv_error *err);
	int (*nodedev_info)(struct hv_conn *conn, const char *name, struct hv_nodedev_info *info,
			    struct hv_error *err);

	/* A domain's named values, one file each: domains/NAME/<dir>/KEY (the
	 * container driver's cgroup tunables; docs/design.md, "Driver data").
	 * NULL: no such directory.  get: the value now (the live one of an
	 * active domain), one line without newline, heap.  set: value is one
	 * trimmed line; applies and stores it, both or neither (EINVAL a bad
	 * value, EACCES a read-only key, EIO the backend refused), and reports
	 * HV_CHANGE_MODIFIED with HV_FIELD_KEYS and detail = key.  The wrappers
	 * check that key is one of domain_keys. */
	const struct hv_domain_keys *domain_keys;
	int (*domain_key_get)(struct hv_conn *conn, const char *name, const char *key, char **value,
			      struct hv_error *err);
	int (*domain_key_set)(struct hv_conn *conn, const char *name, const char *key, const char *value,
			      struct hv_error *err);

	/* A tree of nodes shown at the top of the mount as directories and
	 * files: tree_dir/PATH (the xen driver's XenStore as xenstore/).  NULL
	 * tree_dir: none.  path is absolute ("/local/domain/0/name"), checked
	 * by the wrappers (hv_tree_path_is_valid) and by the driver for its own
	 * rules.  Errors: ENOENT no such node, EACCES its permissions forbid,
	 * EINVAL, EIO.  list: the names of the node's children (none for a
	 * leaf); read: its value, NUL-terminated (*len excludes the NUL);
	 * write: sets the value, creating the node (and missing parents);
	 * mkdir: creates an empty node; remove: the node and all below it.  A
	 * node changed by anyone is reported as a change of kind HV_KIND_HOST
	 * with tree_path set. */
	const char *tree_dir;
	int (*tree_list)(struct hv_conn *conn, const char *path, struct hv_name_list *out,
			 struct hv_error *err);
	int (*tree_read)(struct hv_conn *conn, const char *path, char **value, size_t *len,
			 struct hv_error *err);
	int (*tree_write)(struct hv_conn *conn, const char *path, const char *value, size_t len,
			  struct hv_error *err);
	int (*tree_mkdir)(struct hv_conn *conn, const char *path, struct hv_error *err);
	int (*tree_remove)(struct hv_conn *conn, const char *path, struct hv_error *err);
};

struct hv_conn {
	const struct hv_driver_ops *ops;
	void *priv; /* the driver's */
	char *uri;  /* as given */
	hv_change_fn on_change;
	void *on_change_opaque;
};

/* Parses the URI, finds the driver for its scheme and opens it.  The change
 * callback may be called from any thread from the moment open() returns. */
int hv_conn_open(const char *uri, hv_change_fn on_change, void *opaque, struct hv_conn **out,
		 struct hv_error *err);
/* The URI schemes this build has drivers for, space-separated ("test lxc
 * xen"): the optional ones are left out without their libraries.  A scheme
 * left out makes hv_conn_open() fail with EOPNOTSUPP and says so. */
const char *hv_built_drivers(void);
/* Closes the driver and frees the connection.  close(NULL) is a no-op. */
void hv_conn_close(struct hv_conn *conn);
void hv_conn_emit(struct hv_conn *conn, const struct hv_change *change);

/* Dispatch: each wrapper calls the slot or answers -EOPNOTSUPP, and
 * validates object names first (-EINVAL). */
int hv_host_info(struct hv_conn *conn, struct hv_host_info *info, struct hv_error *err);
int hv_host_capabilities(struct hv_conn *conn, char **xml, struct hv_error *err);

int hv_domain_list(struct hv_conn *conn, struct hv_name_list *out, struct hv_error *err);
int hv_domain_info(struct hv_conn *conn, const char *name, struct hv_domain_info *info, struct hv_error *err);
int hv_domain_stats(struct hv_conn *conn, const char *name, struct hv_domain_stats *stats,
		    struct hv_error *err);
int hv_domain_get_xml(struct hv_conn *conn, const char *name, char **xml, struct hv_error *err);
int hv_domain_define(struct hv_conn *conn, const char *name, const char *xml, size_t len,
		     struct hv_error *err);
int hv_domain_undefine(struct hv_conn *conn, const char *name, struct hv_error *err);
int hv_domain_rename(struct hv_conn *conn, const char *name, const char *new_name, struct hv_error *err);
int hv_domain_control(struct hv_conn *conn, const char *name, enum hv_domain_command command,
		      struct hv_error *err);
int hv_domain_set_memory(struct hv_conn *conn, const char *name, uint64_t kib, struct hv_error *err);
int hv_domain_set_max_memory(struct hv_conn *conn, const char *name, uint64_t kib, struct hv_error *err);
int hv_domain_set_vcpus(struct hv_conn *conn, const char *name, unsigned vcpus, struct hv_error *err);
int hv_domain_set_max_vcpus(struct hv_conn *conn, const char *name, unsigned vcpus, struct hv_error *err);
int hv_domain_set_autostart(struct hv_conn *conn, const char *name, bool autostart, struct hv_error *err);

int hv_network_list(struct hv_conn *conn, struct hv_name_list *out, struct hv_error *err);
int hv_network_info(struct hv_conn *conn, const char *name, struct hv_network_info *info,
		    struct hv_error *err);
int hv_network_get_xml(struct hv_conn *conn, const char *name, char **xml, struct hv_error *err);
int hv_network_define(struct hv_conn *conn, const char *name, const char *xml, size_t len,
		      struct hv_error *err);
int hv_network_undefine(struct hv_conn *conn, const char *name, struct hv_error *err);
int hv_network_rename(struct hv_conn *conn, const char *name, const char *new_name, struct hv_error *err);
int hv_network_control(struct hv_conn *conn, const char *name, enum hv_network_command command,
		       struct hv_error *err);
int hv_network_set_autostart(struct hv_conn *conn, const char *name, bool autostart, struct hv_error *err);

int hv_pool_list(struct hv_conn *conn, struct hv_name_list *out, struct hv_error *err);
int hv_pool_info(struct hv_conn *conn, const char *name, struct hv_pool_info *info, struct hv_error *err);
int hv_pool_get_xml(struct hv_conn *conn, const char *name, char **xml, struct hv_error *err);
int hv_pool_define(struct hv_conn *conn, const char *name, const char *xml, size_t len, struct hv_error *err);
int hv_pool_undefine(struct hv_conn *conn, const char *name, struct hv_error *err);
int hv_pool_rename(struct hv_conn *conn, const char *name, const char *new_name, struct hv_error *err);
int hv_pool_control(struct hv_conn *conn, const char *name, enum hv_pool_command command,
		    struct hv_error *err);
int hv_pool_set_autostart(struct hv_conn *conn, const char *name, bool autostart, struct hv_error *err);

int hv_domain_device_list(struct hv_conn *conn, const char *domain, struct hv_device_list *out,
			  struct hv_error *err);
int hv_domain_device_attach(struct hv_conn *conn, const char *domain, const char *xml, size_t len,
			    struct hv_error *err);
int hv_domain_device_detach(struct hv_conn *conn, const char *domain, const char *cls, const char *name,
			    struct hv_error *err);
int hv_domain_device_set(struct hv_conn *conn, const char *domain, const char *cls, const char *name,
			 const char *key, const char *value, struct hv_error *err);
/* The description of class cls (its own, else the driver's "*"), or NULL. */
const struct hv_device_class *hv_device_class_find(const struct hv_conn *conn, const char *cls);
int hv_network_leases(struct hv_conn *conn, const char *network, struct hv_lease_list *out,
		      struct hv_error *err);
int hv_volume_list(struct hv_conn *conn, const char *pool, struct hv_name_list *out, struct hv_error *err);
int hv_volume_info(struct hv_conn *conn, const char *pool, const char *name, struct hv_volume_info *info,
		   struct hv_error *err);
int hv_volume_get_xml(struct hv_conn *conn, const char *pool, const char *name, char **xml,
		      struct hv_error *err);
int hv_volume_create(struct hv_conn *conn, const char *pool, const char *name, const char *xml, size_t len,
		     struct hv_error *err);
int hv_volume_delete(struct hv_conn *conn, const char *pool, const char *name, struct hv_error *err);
int hv_volume_resize(struct hv_conn *conn, const char *pool, const char *name, uint64_t capacity,
		     struct hv_error *err);
/* Node device names are not object names: any non-empty name without '/'. */
int hv_nodedev_list(struct hv_conn *conn, struct hv_name_list *out, struct hv_error *err);
int hv_nodedev_info(struct hv_conn *conn, const char *name, struct hv_nodedev_info *info,
		    struct hv_error *err);
/* A domain's named values (slot domain_keys): get/set, key checked. */
int hv_domain_key_get(struct hv_conn *conn, const char *name, const char *key, char **value,
		      struct hv_error *err);
int hv_domain_key_set(struct hv_conn *conn, const char *name, const char *key, const char *value,
		      struct hv_error *err);

/* Paths of the driver's tree (slot tree_dir): absolute, no empty
 * component, none "." or "..", no control characters, at most
 * HV_TREE_PATH_MAX bytes; the driver may refuse more (XenStore's own
 * character set). */
#define HV_TREE_PATH_MAX 3072
bool hv_tree_path_is_valid(const char *path);
int hv_tree_list(struct hv_conn *conn, const char *path, struct hv_name_list *out, struct hv_error *err);
int hv_tree_read(struct hv_conn *conn, const char *path, char **value, size_t *len, struct hv_error *err);
int hv_tree_write(struct hv_conn *conn, const char *path, const char *value, size_t len,
		  struct hv_error *err);
int hv_tree_mkdir(struct hv_conn *conn, const char *path, struct hv_error *err);
int hv_tree_remove(struct hv_conn *conn, const char *path, struct hv_error *err);

/* By-kind dispatch for what domains, networks and pools have alike (the
 * files config.xml and autostart, mkdir/rmdir/rename of the object).
 * HV_KIND_HOST is -EINVAL. */
int hv_object_list(struct hv_conn *conn, enum hv_object_kind kind, struct hv_name_list *out,
		   struct hv_error *err);
/* 0 when it exists, -ENOENT when not. */
int hv_object_exists(struct hv_conn *conn, enum hv_object_kind kind, const char *name, struct hv_error *err);
int hv_object_get_xml(struct hv_conn *conn, enum hv_object_kind kind, const char *name, char **xml,
		      struct hv_error *err);
int hv_object_define(struct hv_conn *conn, enum hv_object_kind kind, const char *name, const char *xml,
		     size_t len, struct hv_error *err);
int hv_object_undefine(struct hv_conn *conn, enum hv_object_kind kind, const char *name,
		       struct hv_error *err);
int hv_object_rename(struct hv_conn *conn, enum hv_object_kind kind, const char *name, const char *new_name,
		     struct hv_error *err);
int hv_object_set_autostart(struct hv_conn *conn, enum hv_object_kind kind, const char *name, bool autostart,
			    struct hv_error *err);
const char *hv_object_kind_name(enum hv_object_kind kind); /* "domain" */
const char *hv_object_kind_dir(enum hv_object_kind kind);  /* "domains" */

/* Names <-> enums, for the files that show and accept them. */
const char *hv_domain_state_name(enum hv_domain_state state);
const char *hv_pool_state_name(enum hv_pool_state state);
/* Return 0 or -EINVAL. */
int hv_domain_command_parse(const char *word, enum hv_domain_command *out);
int hv_network_command_parse(const char *word, enum hv_network_command *out);
int hv_pool_command_parse(const char *word, enum hv_pool_command *out);
const char *hv_domain_command_name(enum hv_domain_command command);

#endif
