/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Open attribute files.  Reading follows sysfs: the value is rendered once
 * per open into a snapshot that later offsets read from, and a read at
 * offset 0 renders afresh (so poll-then-seek-then-read sees the new value).
 * Writing is made forgiving for shells and tools: the bytes of one open are
 * gathered and handed to store() whole — as soon as a write ends a line
 * (so `echo bogus > control` fails in write(2), where the shell reports it),
 * and otherwise when the file is closed (so `printf 2 >` and writes split
 * across several write(2) calls work; close(2) returns the error).
 * XML documents (config.xml, devices/attach) are applied in the write that
 * completes them, by closing the root element (drivers/conf/xml_stream.h):
 * shells never look at close(2), so only a write can show their errors.
 * Only whitespace, comments and processing instructions may follow, and
 * nothing more is applied.  A document edited in place (opened without
 * O_TRUNC) is complete from the start, so it is applied at close, as is one
 * still incomplete (the store then says what is missing). */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "drivers/conf/xml_stream.h"
#include "fs/fs.h"
#include "util/log.h"

struct fs_handle {
	struct fs_file base;
	struct fs_handle *poll_next;		 /* in the poll registry while poll_handle is set */
	struct fs_handle *open_prev, *open_next; /* every open handle of the mount */
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
	/* A writable XML document being written afresh (pending started
	 * empty): where it ends.  NULL while editing the old value in place. */
	struct hv_xml_stream *xml;
	size_t xml_contig;   /* pending bytes written in order from its start */
	size_t xml_fed;	     /* of those, handed to xml */
	bool xml_applied;    /* a write completed the document and applied it */
	off_t xml_continues; /* then: the offset where what follows it goes */
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

/* The documents that can be written are XML (metrics is a read-only one). */
static bool is_xml(const struct fs_attr *attr)
{
	return (attr->flags & FS_ATTR_DOCUMENT) && attr->store;
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
	pthread_mutex_lock(&ctx->handles.lock);
	h->open_next = ctx->handles.open;
	if (h->open_next)
		h->open_next->open_prev = h;
	ctx->handles.open = h;
	pthread_mutex_unlock(&ctx->handles.lock);
	h->node = node;
	h->generation = node_generation(node->table, node->ino);
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
	if (writable && is_xml(attr) && h->pending.len == 0 && !(h->xml = hv_xml_stream_new())) {
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

static void poll_unregister(struct fs_handle *h)
{
	pthread_mutex_lock(&h->ctx->handles.lock);
	for (struct fs_handle **p = &h->ctx->handles.polled; *p; p = &(*p)->poll_next) {
		if (*p == h) {
			*p = h->poll_next;
			break;
		}
	}
	if (h->poll_handle)
		fuse_pollhandle_destroy(h->poll_handle);
	h->poll_handle = NULL;
	pthread_mutex_unlock(&h->ctx->handles.lock);
}

unsigned fs_handle_poll(struct fs_handle *h, struct fuse_pollhandle *ph)
{
	unsigned revents = POLLIN | POLLRDNORM;

	pthread_mutex_lock(&h->ctx->handles.lock);
	if (node_generation(h->node->table, h->node->ino) != h->generation)
		revents |= POLLPRI | POLLERR;
	if (ph) {
		if (h->poll_handle) {
			fuse_pollhandle_destroy(h->poll_handle);
		} else {
			h->poll_next = h->ctx->handles.polled;
			h->ctx->handles.polled = h;
		}
		h->poll_handle = ph;
	}
	pthread_mutex_unlock(&h->ctx->handles.lock);
	return revents;
}

void fs_handles_notify_poll(struct fs_ctx *ctx, fuse_ino_t ino)
{
	pthread_mutex_lock(&ctx->handles.lock);
	for (struct fs_handle **p = &ctx->handles.polled; *p;) {
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
	pthread_mutex_unlock(&ctx->handles.lock);
}

int fs_handle_read(struct fs_handle *h, off_t offset, size_t size, const char **data, size_t *len)
{
	struct hv_error err = {0};
	int ret = 0;

	pthread_mutex_lock(&h->lock);
	/* Offset 0 after the value changed: the kernel invalidated its pages
	 * (our own first read may never have come, the page cache served it). */
	uint32_t generation = node_generation(h->node->table, h->node->ino);
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
		struct fs_call call;
		fs_call_begin(&call, h->ctx, h->node, obj.kind, obj.name);
		ret = h->node->attr->store(h->ctx, &obj, strbuf_str(&h->pending), h->pending.len, &err);
		fs_call_end(&call);
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
	node_set_mtime(h->node->table, h->node->ino, now);
	return 0;
}

/* Forgets what the detector was fed: the document is written afresh from
 * pending's start.  Without memory for a detector, close decides. */
static void xml_restart(struct fs_handle *h)
{
	hv_xml_stream_free(h->xml);
	h->xml = hv_xml_stream_new();
	h->xml_fed = 0;
	h->xml_contig = 0;
}

/* len bytes were just written at pending offset at: the detector gets what
 * now continues the in-order prefix, and the write that completes the
 * document applies it.  0 or the write's -errno; either way the error
 * sticks (close reports it again: the kernel may have split the caller's
 * write, and the caller retries the rest). */
static int feed_document(struct fs_handle *h, size_t at, size_t len)
{
	struct hv_error err = {0};
	size_t contig = h->xml_contig;
	int ret;

	if (at < h->xml_fed) {
		xml_restart(h); /* rewritten: read it again from the start */
		if (!h->xml)
			return 0;
	}
	if (at <= contig && at + len > contig)
		contig = at + len;
	h->xml_contig = contig;
	ret = hv_xml_stream_feed(h->xml, h->pending.data + h->xml_fed, contig - h->xml_fed, &err);
	h->xml_fed = contig;
	if (ret == -ENOMEM) {
		hv_xml_stream_free(h->xml);
		h->xml = NULL;
		return 0;
	}
	if (ret < 0) {
		/* No byte that follows can make it well-formed: refuse it now. */
		h->dirty = false;
		strbuf_reset(&h->pending);
		return h->sticky_error = fs_report_error(h->ctx, h->node, h->node->attr->name, &err);
	}
	/* Written out of order (a hole before some bytes): close decides. */
	if (ret == 0 || contig != h->pending.len)
		return 0;
	h->xml_applied = true;
	h->xml_continues = h->pending_base + (off_t)h->pending.len;
	ret = apply_pending(h);
	if (ret < 0)
		h->sticky_error = ret;
	return ret;
}

/* A write after the document was applied: only whitespace, comments and
 * processing instructions may follow it, and nothing more is applied. */
static int write_after_document(struct fs_handle *h, off_t offset, const char *data, size_t len)
{
	struct hv_error why = {0}, err = {0};

	if (offset != h->xml_continues) {
		hv_error_set(
		    &err, EINVAL,
		    "the document was already applied by an earlier write: a new one needs a new open");
	} else if (hv_xml_stream_feed(h->xml, data, len, &why) >= 0) {
		h->xml_continues += (off_t)len;
		return (int)len;
	} else {
		hv_error_set(&err, why.code, "%s (after the document, which was applied)", why.message);
	}
	return h->sticky_error = fs_report_error(h->ctx, h->node, h->node->attr->name, &err);
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
	if (h->xml_applied) {
		ret = write_after_document(h, offset, data, len);
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
	if (h->xml && len > 0) {
		int done = feed_document(h, at, len);
		if (done < 0)
			ret = done;
	} else if (!(attr->flags & FS_ATTR_DOCUMENT) && len > 0 && data[len - 1] == '\n') {
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
	if (h->xml_applied) {
		/* Tools set the length they wrote: the document is in place. */
		pthread_mutex_unlock(&h->lock);
		return 0;
	}
	if (size < h->pending_base) {
		h->pending_base = size;
		strbuf_reset(&h->pending);
	} else {
		strbuf_resize(&h->pending, (size_t)(size - h->pending_base));
	}
	h->dirty = true;
	if (is_xml(h->node->attr)) {
		/* Emptied, an in-place edit becomes a document written afresh. */
		if ((!h->xml && h->pending.len == 0) || (h->xml && h->pending.len < h->xml_fed))
			xml_restart(h);
		else if (h->xml && h->pending.len < h->xml_contig)
			h->xml_contig = h->pending.len;
	}
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
		/* In place, incomplete or written out of order: the store judges
		 * the whole (an incomplete document fails here). */
		ret = apply_pending(h);
		if (h->xml)
			xml_restart(h); /* later writes through a dup'ed descriptor start anew */
	}
	pthread_mutex_unlock(&h->lock);
	return ret;
}

static void handle_free(struct fs_handle *h)
{
	if (h->poll_handle)
		fuse_pollhandle_destroy(h->poll_handle);
	strbuf_finish(&h->snapshot);
	strbuf_finish(&h->pending);
	hv_xml_stream_free(h->xml);
	pthread_mutex_destroy(&h->lock);
	free(h);
}

void fs_handle_release(struct fs_handle *h)
{
	if (!h)
		return;
	poll_unregister(h);
	pthread_mutex_lock(&h->ctx->handles.lock);
	if (h->open_prev)
		h->open_prev->open_next = h->open_next;
	else
		h->ctx->handles.open = h->open_next;
	if (h->open_next)
		h->open_next->open_prev = h->open_prev;
	pthread_mutex_unlock(&h->ctx->handles.lock);
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
	handle_free(h);
}

void fs_handles_free_all(struct fs_ctx *ctx)
{
	pthread_mutex_lock(&ctx->handles.lock);
	struct fs_handle *h = ctx->handles.open;
	ctx->handles.open = NULL;
	ctx->handles.polled = NULL;
	pthread_mutex_unlock(&ctx->handles.lock);
	while (h) {
		struct fs_handle *next = h->open_next;
		handle_free(h);
		h = next;
	}
}
