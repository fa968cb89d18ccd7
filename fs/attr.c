/* Open attribute files.  Reading follows sysfs: the value is rendered once
 * per open into a snapshot that later offsets read from, and a read at
 * offset 0 renders afresh (so poll-then-seek-then-read sees the new value).
 * Writing is made forgiving for shells and tools: the bytes of one open are
 * gathered and handed to store() whole — as soon as a write ends a line
 * (so `echo bogus > control` fails in write(2), where the shell reports it),
 * and otherwise when the file is closed (so `printf 2 >` and writes split
 * across several write(2) calls work; close(2) returns the error).
 * Documents (config.xml) are applied only at close. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fs/fs.h"
#include "util/log.h"

struct fs_handle {
	struct fs_file base;
	struct fs_handle *poll_next; /* in the poll registry while poll_handle is set */
	struct fuse_pollhandle *poll_handle;
	uint32_t generation; /* of the value the snapshot shows */
	struct fs_ctx *ctx;
	struct node *node; /* the kernel keeps it alive while the file is open */
	pthread_mutex_t lock;
	struct strbuf snapshot;
	/* Render afresh at offset 0 only after the reader has seen the end of
	 * the previous snapshot: the kernel's page cache may re-read offset 0
	 * in the middle of a read, and that must not tear the value. */
	bool snapshot_consumed;
	struct strbuf pending; /* written bytes for file offsets [pending_base, +len) */
	off_t pending_base;
	bool dirty;
	bool readable;
	bool writable;
	int sticky_error; /* a write failed: close(2) reports it too */
};

/* Volatile statistics are never cached.  Documents span several pages,
 * and the page cache may re-fetch one page in the middle of a reader's
 * sequence of reads; bypassing it is what makes one open one snapshot.
 * Small attributes fit one page, which the kernel fills with one read. */
static bool direct_io_attr(const struct fs_attr *attr)
{
	return attr->flags & (FS_ATTR_VOLATILE | FS_ATTR_DOCUMENT);
}

static size_t value_limit(const struct fs_attr *attr)
{
	return (attr->flags & FS_ATTR_DOCUMENT) ? FS_XML_VALUE_MAX : FS_ATTR_VALUE_MAX;
}

int fs_report_error(struct fs_ctx *ctx, struct node *node, const char *what, struct hv_error *err)
{
	char path[512];
	struct fs_object_names name;
	struct fs_object obj;

	if (err->code == 0)
		err->code = EIO;
	if (err->message[0] == '\0')
		snprintf(err->message, sizeof(err->message), "%s", strerror(err->code));
	node_path(node, path, sizeof(path));
	log_warning("%s: %s failed: %s (%s)", path, what, err->message, strerrorname_np(err->code));
	if (node_object(node, &obj, &name) == 0) {
		char line[HV_ERROR_MESSAGE_MAX + 64];
		snprintf(line, sizeof(line), "%s: %s", what, err->message);
		last_errors_set(ctx->last_errors, &obj, line);
		if (obj.kind != HV_KIND_HOST)
			fs_notify_last_error(ctx, &obj);
	}
	return -err->code;
}

int fs_attr_render(struct fs_ctx *ctx, struct node *node, struct strbuf *out, struct hv_error *err)
{
	struct fs_object_names name;
	struct fs_object obj;
	int ret;

	strbuf_reset(out);
	if (!node->attr->show)
		return 0;
	ret = node_object(node, &obj, &name);
	if (ret < 0)
		obj = (struct fs_object){.kind = HV_KIND_HOST, .name = NULL};
	ret = node->attr->show(ctx, &obj, out, err);
	if (ret < 0 && err->code == 0)
		hv_error_set(err, -ret, "%s", strerror(-ret));
	return ret;
}

int fs_handle_open(struct fs_ctx *ctx, struct node *node, int flags, struct fs_handle **out)
{
	const struct fs_attr *attr = node->attr;
	int access = flags & O_ACCMODE;
	bool readable = access != O_WRONLY, writable = access != O_RDONLY;
	struct hv_error err = {0};
	int ret;

	/* As sysfs: root passes the mode check, but a value that cannot be
	 * read (control) or written (state) still cannot. */
	if ((readable && !attr->show) || (writable && !attr->store))
		return -EACCES;
	struct fs_handle *h = calloc(1, sizeof(*h));
	if (!h)
		return -ENOMEM;
	h->base.type = FS_FILE_ATTR;
	h->ctx = ctx;
	h->node = node;
	h->generation = node_generation(node->ino);
	h->readable = readable;
	h->writable = writable;
	pthread_mutex_init(&h->lock, NULL);
	if (readable || (writable && !(flags & O_TRUNC) && attr->show)) {
		ret = fs_attr_render(ctx, node, &h->snapshot, &err);
		if (ret < 0) {
			fs_handle_release(h);
			return ret;
		}
	}
	/* Without O_TRUNC a writer edits the current value in place (dd
	 * conv=notrunc, editors that rewrite from offset 0). */
	if (writable && !(flags & O_TRUNC) && attr->show &&
	    strbuf_append(&h->pending, strbuf_str(&h->snapshot), h->snapshot.len) < 0) {
		fs_handle_release(h);
		return -ENOMEM;
	}
	*out = h;
	return 0;
}

bool fs_handle_direct_io(const struct fs_handle *handle)
{
	return direct_io_attr(handle->node->attr);
}

/* A file only read needs no FLUSH at close (one round trip less per cat):
 * nothing is pending and no error can be left to report. */
bool fs_handle_no_flush(const struct fs_handle *handle)
{
	return !handle->writable;
}

/* A stable value stays in the page cache across opens: every change
 * touches the node (new mtime) and invalidates its attributes, and the
 * kernel (auto_inval_data) then drops the pages before the next read. */
bool fs_handle_keep_cache(const struct fs_handle *handle)
{
	return !fs_handle_direct_io(handle);
}

static struct {
	pthread_mutex_t lock;
	struct fs_handle *head;
} pollers = {.lock = PTHREAD_MUTEX_INITIALIZER};

static void poll_unregister(struct fs_handle *h)
{
	pthread_mutex_lock(&pollers.lock);
	for (struct fs_handle **p = &pollers.head; *p; p = &(*p)->poll_next) {
		if (*p == h) {
			*p = h->poll_next;
			break;
		}
	}
	if (h->poll_handle)
		fuse_pollhandle_destroy(h->poll_handle);
	h->poll_handle = NULL;
	pthread_mutex_unlock(&pollers.lock);
}

unsigned fs_handle_poll(struct fs_handle *h, struct fuse_pollhandle *ph)
{
	unsigned revents = POLLIN | POLLRDNORM;

	pthread_mutex_lock(&pollers.lock);
	if (node_generation(h->node->ino) != h->generation)
		revents |= POLLPRI | POLLERR;
	if (ph) {
		if (h->poll_handle) {
			fuse_pollhandle_destroy(h->poll_handle);
		} else {
			h->poll_next = pollers.head;
			pollers.head = h;
		}
		h->poll_handle = ph;
	}
	pthread_mutex_unlock(&pollers.lock);
	return revents;
}

void fs_handles_notify_poll(fuse_ino_t ino)
{
	pthread_mutex_lock(&pollers.lock);
	for (struct fs_handle **p = &pollers.head; *p;) {
		struct fs_handle *h = *p;
		if (h->node->ino != ino) {
			p = &h->poll_next;
			continue;
		}
		fuse_lowlevel_notify_poll(h->poll_handle);
		fuse_pollhandle_destroy(h->poll_handle);
		h->poll_handle = NULL;
		*p = h->poll_next;
	}
	pthread_mutex_unlock(&pollers.lock);
}

int fs_handle_read(struct fs_handle *h, off_t offset, size_t size, const char **data, size_t *len)
{
	struct hv_error err = {0};
	int ret = 0;

	pthread_mutex_lock(&h->lock);
	/* Offset 0 after the value changed: the kernel invalidated its pages
	 * (our own first read may never have come, the page cache served it). */
	uint32_t generation = node_generation(h->node->ino);
	if (offset == 0 && (h->snapshot_consumed || generation != h->generation)) {
		h->generation = generation;
		ret = fs_attr_render(h->ctx, h->node, &h->snapshot, &err);
		h->snapshot_consumed = false;
	}
	if (ret == 0) {
		size_t available = (size_t)offset < h->snapshot.len ? h->snapshot.len - (size_t)offset : 0;
		*len = size < available ? size : available;
		*data = strbuf_str(&h->snapshot) + (available ? offset : 0);
		if (*len == available)
			h->snapshot_consumed = true;
	}
	if (ret < 0)
		pthread_mutex_unlock(&h->lock);
	return ret;
}

void fs_handle_read_done(struct fs_handle *h)
{
	pthread_mutex_unlock(&h->lock);
}

static int apply_pending(struct fs_handle *h)
{
	struct hv_error err = {0};
	struct fs_object_names name;
	struct fs_object obj;
	int ret;

	h->dirty = false;
	ret = node_object(h->node, &obj, &name);
	if (ret == 0) {
		fs_request_node = h->node;
		ret = h->node->attr->store(h->ctx, &obj, strbuf_str(&h->pending), h->pending.len, &err);
		fs_request_node = NULL;
	} else {
		hv_error_set(&err, ENOENT, "the object is gone");
	}
	/* Later writes on this descriptor are new values (sysfs semantics). */
	h->pending_base += (off_t)h->pending.len;
	strbuf_reset(&h->pending);
	if (ret < 0) {
		if (err.code == 0)
			hv_error_set(&err, -ret, "%s", strerror(-ret));
		return fs_report_error(h->ctx, h->node, h->node->attr->name, &err);
	}
	struct timespec now;
	clock_gettime(CLOCK_REALTIME, &now);
	node_set_mtime(h->node->ino, now);
	return 0;
}

int fs_handle_write(struct fs_handle *h, off_t offset, const char *data, size_t len)
{
	const struct fs_attr *attr = h->node->attr;
	size_t limit = value_limit(attr);
	int ret = (int)len;

	pthread_mutex_lock(&h->lock);
	if (h->sticky_error) {
		ret = h->sticky_error;
		goto out;
	}
	if (offset < h->pending_base) {
		h->pending_base = offset;
		strbuf_reset(&h->pending);
	}
	size_t at = (size_t)(offset - h->pending_base);
	if (at > limit || len > limit - at) {
		struct hv_error err = {0};
		hv_error_set(&err, EFBIG, "the value is larger than %zu bytes", limit);
		/* The kernel splits large writes: an earlier part may have been
		 * accepted, so the whole value must fail at close too. */
		h->dirty = false;
		strbuf_reset(&h->pending);
		ret = h->sticky_error = fs_report_error(h->ctx, h->node, attr->name, &err);
		goto out;
	}
	if (at + len > h->pending.len && strbuf_resize(&h->pending, at + len) < 0) {
		ret = -ENOMEM;
		goto out;
	}
	memcpy(h->pending.data + at, data, len);
	h->dirty = true;
	if (!(attr->flags & FS_ATTR_DOCUMENT) && len > 0 && data[len - 1] == '\n') {
		int applied = apply_pending(h);
		if (applied < 0)
			ret = applied;
	}
out:
	pthread_mutex_unlock(&h->lock);
	return ret;
}

int fs_handle_truncate(struct fs_handle *h, off_t size)
{
	pthread_mutex_lock(&h->lock);
	if (size < h->pending_base) {
		h->pending_base = size;
		strbuf_reset(&h->pending);
	} else {
		strbuf_resize(&h->pending, (size_t)(size - h->pending_base));
	}
	h->dirty = true;
	pthread_mutex_unlock(&h->lock);
	return 0;
}

int fs_handle_flush(struct fs_handle *h)
{
	int ret = 0;

	pthread_mutex_lock(&h->lock);
	if (h->sticky_error) {
		ret = h->sticky_error;
		h->sticky_error = 0;
	} else if (h->dirty) {
		ret = apply_pending(h);
	}
	pthread_mutex_unlock(&h->lock);
	return ret;
}

void fs_handle_release(struct fs_handle *h)
{
	if (!h)
		return;
	poll_unregister(h);
	/* The RELEASE can overtake the end of a READ: the kernel wakes the
	 * reader as soon as our reply is copied, and a reader without a FLUSH
	 * (noflush) closes at once, while the READ's thread still holds the
	 * lock and has yet to call fs_handle_read_done().  Taking the lock
	 * waits for it; no other request comes for this handle after RELEASE. */
	pthread_mutex_lock(&h->lock);
	/* A writer that never flushed (the kernel flushes on every close, so
	 * only a dying process): apply anyway, the error goes to last_error. */
	if (h->dirty)
		apply_pending(h);
	pthread_mutex_unlock(&h->lock);
	strbuf_finish(&h->snapshot);
	strbuf_finish(&h->pending);
	pthread_mutex_destroy(&h->lock);
	free(h);
}
