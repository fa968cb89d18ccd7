/* Driver changes -> the kernel's caches.  The driver's callback may come
 * from any thread, including a FUSE worker in the middle of a request whose
 * inode the kernel holds locked; telling the kernel to invalidate from there
 * could deadlock.  So the callback only queues, and one notifier thread
 * talks to the kernel.  The queue is bounded: past the bound, changes
 * collapse into "invalidate everything", which is always correct. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fs/fs.h"
#include "util/log.h"

#define QUEUE_MAX 4096

struct queued_change {
	struct queued_change *next;
	enum hv_object_kind kind;
	enum hv_change_type type;
	char name[HV_NAME_MAX + 1];
	char new_name[HV_NAME_MAX + 1];
};

struct notifier {
	pthread_t thread;
	pthread_mutex_t lock;
	pthread_cond_t wake;
	struct queued_change *head, **tail;
	size_t length;
	bool overflowed;
	bool stopping;
};

static void copy_name(char *dst, const char *src)
{
	snprintf(dst, HV_NAME_MAX + 1, "%s", src ? src : "");
}

void fs_on_change(void *opaque, const struct hv_change *change)
{
	struct fs_ctx *ctx = opaque;
	struct notifier *n = ctx->notifier;

	/* Bookkeeping that must be in place before the next request. */
	if (change->type == HV_CHANGE_DELETED && change->name)
		last_errors_forget(ctx->last_errors, change->kind, change->name);
	if (change->type == HV_CHANGE_RENAMED && change->name && change->new_name)
		last_errors_rename(ctx->last_errors, change->kind, change->name, change->new_name);
	if (!n)
		return;

	struct queued_change *q = calloc(1, sizeof(*q));
	pthread_mutex_lock(&n->lock);
	if (!q || n->length >= QUEUE_MAX) {
		n->overflowed = true;
		free(q);
	} else {
		q->kind = change->kind;
		q->type = change->type;
		copy_name(q->name, change->name);
		copy_name(q->new_name, change->new_name);
		*n->tail = q;
		n->tail = &q->next;
		n->length++;
	}
	pthread_cond_signal(&n->wake);
	pthread_mutex_unlock(&n->lock);
}

static void invalidate_inode(fuse_ino_t ino, void *opaque)
{
	struct fs_ctx *ctx = opaque;
	int ret = fuse_lowlevel_notify_inval_inode(ctx->session, ino, 0, 0);

	/* -ENOENT: the kernel has already forgotten it, which is fine. */
	if (ret < 0 && ret != -ENOENT)
		log_debug("inval_inode %lu: %s", (unsigned long)ino, strerror(-ret));
}

static void invalidate_entry(struct fs_ctx *ctx, fuse_ino_t parent, const char *name)
{
	int ret = fuse_lowlevel_notify_inval_entry(ctx->session, parent, name, strlen(name));

	if (ret < 0 && ret != -ENOENT)
		log_debug("inval_entry %s: %s", name, strerror(-ret));
}

static void apply_change(struct fs_ctx *ctx, const struct queued_change *q)
{
	struct node *root = node_root();

	if (q->kind == HV_KIND_HOST) {
		node_foreach_under(root, "host", invalidate_inode, ctx);
		return;
	}
	const char *dir = hv_object_kind_dir(q->kind);
	fuse_ino_t dir_ino = node_child_ino(root, dir);
	struct node *collection = dir_ino ? node_get(dir_ino) : NULL;
	if (!collection)
		return; /* the kernel has looked nothing up there yet */

	switch (q->type) {
	case HV_CHANGE_CREATED:
	case HV_CHANGE_DELETED:
		invalidate_entry(ctx, dir_ino, q->name);
		invalidate_inode(dir_ino, ctx);
		break;
	case HV_CHANGE_RENAMED:
		invalidate_entry(ctx, dir_ino, q->name);
		invalidate_entry(ctx, dir_ino, q->new_name);
		invalidate_inode(dir_ino, ctx);
		node_foreach_under(collection, q->new_name, invalidate_inode, ctx);
		break;
	case HV_CHANGE_MODIFIED:
	case HV_CHANGE_LIFECYCLE:
		node_foreach_under(collection, q->name, invalidate_inode, ctx);
		break;
	}
}

static void invalidate_everything(struct fs_ctx *ctx)
{
	static const char *const dirs[] = {"domains", "host", "networks", "pools"};

	for (size_t i = 0; i < sizeof(dirs) / sizeof(dirs[0]); i++)
		node_foreach_under(node_root(), dirs[i], invalidate_inode, ctx);
}

static void *notifier_main(void *opaque)
{
	struct fs_ctx *ctx = opaque;
	struct notifier *n = ctx->notifier;

	pthread_mutex_lock(&n->lock);
	while (!n->stopping) {
		if (!n->head && !n->overflowed) {
			pthread_cond_wait(&n->wake, &n->lock);
			continue;
		}
		struct queued_change *batch = n->head;
		bool overflowed = n->overflowed;
		n->head = NULL;
		n->tail = &n->head;
		n->length = 0;
		n->overflowed = false;
		pthread_mutex_unlock(&n->lock);

		if (overflowed)
			invalidate_everything(ctx);
		while (batch) {
			struct queued_change *next = batch->next;
			if (!overflowed)
				apply_change(ctx, batch);
			free(batch);
			batch = next;
		}
		pthread_mutex_lock(&n->lock);
	}
	pthread_mutex_unlock(&n->lock);
	return NULL;
}

int notifier_start(struct fs_ctx *ctx)
{
	struct notifier *n = calloc(1, sizeof(*n));
	int ret;

	if (!n)
		return -ENOMEM;
	pthread_mutex_init(&n->lock, NULL);
	pthread_cond_init(&n->wake, NULL);
	n->tail = &n->head;
	ctx->notifier = n;
	ret = pthread_create(&n->thread, NULL, notifier_main, ctx);
	if (ret != 0) {
		ctx->notifier = NULL;
		pthread_cond_destroy(&n->wake);
		pthread_mutex_destroy(&n->lock);
		free(n);
		return -ret;
	}
	return 0;
}

void notifier_stop(struct fs_ctx *ctx)
{
	struct notifier *n = ctx->notifier;

	if (!n)
		return;
	pthread_mutex_lock(&n->lock);
	n->stopping = true;
	pthread_cond_signal(&n->wake);
	pthread_mutex_unlock(&n->lock);
	pthread_join(n->thread, NULL);
	ctx->notifier = NULL;
	while (n->head) {
		struct queued_change *next = n->head->next;
		free(n->head);
		n->head = next;
	}
	pthread_cond_destroy(&n->wake);
	pthread_mutex_destroy(&n->lock);
	free(n);
}
