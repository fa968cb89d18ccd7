/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* One mount's state (struct fs_ctx): created and released in one place,
 * so that the daemon and the in-process tests of fs/ build it alike. */
#include <errno.h>
#include <stdlib.h>

#include "fs/events.h"
#include "fs/fs.h"

int fs_ctx_init(struct fs_ctx *ctx, struct timespec now)
{
	int ret;

	ctx->mount_time = now;
	pthread_mutex_init(&ctx->handles.lock, NULL);
	ctx->handles.open = ctx->handles.polled = NULL;
	ctx->last_errors = last_errors_create();
	ctx->events = events_create();
	ctx->unlinked = fs_unlinked_create();
	ctx->scratch_budget = scratch_budget_create();
	ctx->driver_types = fs_driver_types_create();
	if (!ctx->last_errors || !ctx->events || !ctx->unlinked || !ctx->scratch_budget ||
	    !ctx->driver_types) {
		fs_ctx_finish(ctx);
		return -ENOMEM;
	}
	ret = node_table_create(&fs_root_type, now, &ctx->nodes);
	if (ret < 0)
		fs_ctx_finish(ctx);
	return ret;
}

void fs_ctx_finish(struct fs_ctx *ctx)
{
	/* The handles the kernel never released point at nodes: they go
	 * first.  Then the nodes: their scratch files give their bytes back. */
	fs_handles_free_all(ctx);
	node_table_destroy(ctx->nodes);
	ctx->nodes = NULL;
	fs_driver_types_destroy(ctx->driver_types); /* after the nodes that point at them */
	ctx->driver_types = NULL;
	scratch_budget_destroy(ctx->scratch_budget);
	ctx->scratch_budget = NULL;
	fs_unlinked_destroy(ctx->unlinked);
	ctx->unlinked = NULL;
	events_destroy(ctx->events);
	ctx->events = NULL;
	last_errors_destroy(ctx->last_errors);
	ctx->last_errors = NULL;
	pthread_mutex_destroy(&ctx->handles.lock);
}
