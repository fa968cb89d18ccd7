/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The notifier's decisions, in-process: for each change the test driver
 * reports, which files and directories the notifier would report itself
 * (mkdir/rmdir/rename/IN_MODIFY through the mount) and which the kernel
 * reports for the request that caused it.  The origin comes from the call
 * scope (drivers/driver.h), never from the thread alone: a change of
 * another object, or from another thread, is the notifier's to report. */
#include <errno.h>
#include <pthread.h>
#include <string.h>
#include <time.h>

#include "fs/fs.h"
#include "unit.h"

static struct fs_ctx ctx;

/* What the notifier holds now, one line a report; the queue is emptied. */
static char *take_queue(void)
{
	struct strbuf out = {0};

	CHECK(notifier_describe(&ctx, &out) == 0, "the queue is described");
	notifier_stop(&ctx);
	notifier_init(&ctx);
	return strbuf_steal(&out) ?: strdup("");
}

static int count_lines(const char *text, const char *line)
{
	int count = 0;
	size_t len = strlen(line);

	for (const char *p = text; (p = strstr(p, line)); p += len)
		if ((p == text || p[-1] == '\n') && (p[len] == '\n' || p[len] == '\0'))
			count++;
	return count;
}

static bool has_line(const char *text, const char *line)
{
	return count_lines(text, line) > 0;
}

#define CHECK_LINE(queue, line, ...)	CHECK(has_line(queue, line), __VA_ARGS__)
#define CHECK_NO_LINE(queue, line, ...) CHECK(!has_line(queue, line), __VA_ARGS__)

/* A node of domains/NAME/ATTR as a request would hold it. */
static struct node domain_file(const char *attr)
{
	const struct fs_dir_type *domain = fs_domains_type.collection->child_type;

	return (struct node){.attr = fs_dir_find_attr(domain, attr)};
}

static void test_backend_change(void)
{
	struct hv_error err = {0};

	CHECK(hv_domain_set_memory(ctx.conn, "test", 524288, &err) == 0, "set memory: %s", err.message);
	char *q = take_queue();
	CHECK_LINE(q, "modify domains/test/memory", "a change nobody's write caused: IN_MODIFY on memory");
	CHECK_LINE(q, "modify domains/test/config.xml", "... and on config.xml, which shows it");
	CHECK_NO_LINE(q, "modify domains/test/uuid", "files that do not show it are left alone");
	free(q);
}

static void test_write_of_the_file(void)
{
	struct hv_error err = {0};
	struct node memory = domain_file("memory");
	struct fs_call call;

	fs_call_begin(&call, &ctx, &memory, HV_KIND_DOMAIN, "test");
	CHECK(hv_domain_set_memory(ctx.conn, "test", 262144, &err) == 0, "set memory: %s", err.message);
	fs_call_end(&call);
	char *q = take_queue();
	CHECK_LINE(q, "kernel domains/test/memory", "the writer's own write(2) reports memory");
	CHECK_LINE(q, "modify domains/test/config.xml", "the notifier reports config.xml");
	free(q);
}

static void test_write_of_another_file(void)
{
	struct hv_error err = {0};
	struct node max_memory = domain_file("max_memory");
	struct fs_call call;

	fs_call_begin(&call, &ctx, &max_memory, HV_KIND_DOMAIN, "test");
	CHECK(hv_domain_set_memory(ctx.conn, "test", 393216, &err) == 0, "set memory: %s", err.message);
	fs_call_end(&call);
	char *q = take_queue();
	CHECK_LINE(q, "modify domains/test/memory", "a write of another file: memory is the notifier's");
	free(q);
}

/* The same file of another object: the thread is the writer's, the object
 * is not. */
static void test_write_of_another_object(void)
{
	struct hv_error err = {0};
	struct node memory = domain_file("memory");
	struct fs_call call;

	fs_call_begin(&call, &ctx, &memory, HV_KIND_DOMAIN, "other");
	CHECK(hv_domain_set_memory(ctx.conn, "test", 524288, &err) == 0, "set memory: %s", err.message);
	fs_call_end(&call);
	char *q = take_queue();
	CHECK_LINE(q, "modify domains/test/memory", "a write of other/memory does not report test/memory");
	CHECK_NO_LINE(q, "kernel domains/test/memory", "... so the notifier reports it");
	free(q);
}

static void test_mkdir_and_rmdir(void)
{
	struct hv_error err = {0};
	struct fs_call call;

	fs_call_begin(&call, &ctx, NULL, HV_KIND_DOMAIN, "made");
	CHECK(hv_domain_define(ctx.conn, "made", NULL, 0, &err) == 0, "define: %s", err.message);
	fs_call_end(&call);
	CHECK(hv_domain_define(ctx.conn, "behind", NULL, 0, &err) == 0, "define: %s", err.message);
	char *q = take_queue();
	CHECK_NO_LINE(q, "mkdir domains/made", "mkdir's IN_CREATE is the kernel's");
	CHECK_LINE(q, "mkdir domains/behind", "a domain defined behind hvfs's back: the notifier's mkdir");
	free(q);

	fs_call_begin(&call, &ctx, NULL, HV_KIND_DOMAIN, "made");
	CHECK(hv_domain_rename(ctx.conn, "made", "moved", &err) == 0, "rename: %s", err.message);
	fs_call_end(&call);
	CHECK(hv_domain_rename(ctx.conn, "behind", "elsewhere", &err) == 0, "rename: %s", err.message);
	q = take_queue();
	CHECK_NO_LINE(q, "rename domains/made domains/moved", "rename(2)'s IN_MOVED_* are the kernel's");
	CHECK_LINE(q, "rename domains/behind domains/elsewhere", "a rename behind hvfs's back");
	free(q);

	fs_call_begin(&call, &ctx, NULL, HV_KIND_DOMAIN, "moved");
	CHECK(hv_domain_undefine(ctx.conn, "moved", &err) == 0, "undefine: %s", err.message);
	fs_call_end(&call);
	CHECK(hv_domain_undefine(ctx.conn, "elsewhere", &err) == 0, "undefine: %s", err.message);
	q = take_queue();
	CHECK_NO_LINE(q, "rmdir domains/moved", "rmdir's IN_DELETE is the kernel's");
	CHECK_LINE(q, "rmdir domains/elsewhere", "undefined behind hvfs's back: the notifier's rmdir");
	free(q);
}

/* A control write whose rescan finds another domain created and one gone
 * (as the xen driver's does): those are the notifier's to report. */
static void test_rescan_during_a_write(void)
{
	struct node control = domain_file("control");
	struct fs_call call;

	fs_call_begin(&call, &ctx, &control, HV_KIND_DOMAIN, "test");
	hv_conn_emit(ctx.conn,
		     &(struct hv_change){.kind = HV_KIND_DOMAIN, .type = HV_CHANGE_CREATED, .name = "ghost"});
	hv_conn_emit(ctx.conn,
		     &(struct hv_change){.kind = HV_KIND_DOMAIN, .type = HV_CHANGE_DELETED, .name = "gone"});
	hv_conn_emit(ctx.conn, &(struct hv_change){.kind = HV_KIND_DOMAIN,
						   .type = HV_CHANGE_LIFECYCLE,
						   .name = "test",
						   .event = "suspended",
						   .fields = HV_FIELD_STATE});
	fs_call_end(&call);
	char *q = take_queue();
	CHECK_LINE(q, "mkdir domains/ghost", "a domain the rescan found: IN_CREATE from the notifier");
	CHECK_LINE(q, "rmdir domains/gone", "a domain the rescan lost: IN_DELETE from the notifier");
	CHECK_LINE(q, "modify domains/test/state", "the written domain's state: the notifier's IN_MODIFY");
	free(q);
}

/* A change a file write asked for that is a directory entry (a device
 * attached through devices/attach): no kernel event for the entry. */
static void test_entry_made_by_a_write(void)
{
	struct node attach = {.attr = NULL};
	struct fs_call call;

	fs_call_begin(&call, &ctx, &attach, HV_KIND_DOMAIN, "test");
	hv_conn_emit(ctx.conn, &(struct hv_change){.kind = HV_KIND_DOMAIN,
						   .type = HV_CHANGE_CREATED,
						   .name = "test",
						   .sub = "disk/vdq"});
	fs_call_end(&call);
	fs_call_begin(&call, &ctx, NULL, HV_KIND_DOMAIN, "test");
	hv_conn_emit(ctx.conn, &(struct hv_change){.kind = HV_KIND_DOMAIN,
						   .type = HV_CHANGE_CREATED,
						   .name = "test",
						   .sub = "disk/vdr"});
	fs_call_end(&call);
	char *q = take_queue();
	CHECK_LINE(q, "mkdir domains/test/devices/disk/vdq", "attached by a write: the notifier's mkdir");
	CHECK_NO_LINE(q, "mkdir domains/test/devices/disk/vdr", "made by mkdir(2): the kernel's IN_CREATE");
	free(q);
}

static void *emit_memory(void *opaque)
{
	hv_conn_emit(ctx.conn, &(struct hv_change){.kind = HV_KIND_DOMAIN,
						   .type = HV_CHANGE_MODIFIED,
						   .name = "test",
						   .fields = HV_FIELD_MEMORY});
	return opaque;
}

/* A timer or watch thread reports a change while a request on the same
 * file is in flight on another thread: nobody's write reported it. */
static void test_other_thread(void)
{
	struct node memory = domain_file("memory");
	struct fs_call call;
	pthread_t thread;

	fs_call_begin(&call, &ctx, &memory, HV_KIND_DOMAIN, "test");
	CHECK(pthread_create(&thread, NULL, emit_memory, NULL) == 0, "thread");
	pthread_join(thread, NULL);
	fs_call_end(&call);
	char *q = take_queue();
	CHECK_LINE(q, "modify domains/test/memory", "another thread's change: the notifier's IN_MODIFY");
	free(q);
}

static void test_scope_ends(void)
{
	struct hv_error err = {0};
	struct node memory = domain_file("memory");
	struct fs_call call;

	fs_call_begin(&call, &ctx, &memory, HV_KIND_DOMAIN, "test");
	fs_call_end(&call);
	CHECK(hv_domain_set_memory(ctx.conn, "test", 262144, &err) == 0, "set memory: %s", err.message);
	char *q = take_queue();
	CHECK_LINE(q, "modify domains/test/memory",
		   "after the request, its thread's changes are the backend's");
	free(q);
}

static void test_bursts_coalesce(void)
{
	struct hv_error err = {0};

	CHECK(hv_domain_set_memory(ctx.conn, "test", 524288, &err) == 0, "set memory: %s", err.message);
	CHECK(hv_domain_set_memory(ctx.conn, "test", 262144, &err) == 0, "set memory: %s", err.message);
	CHECK(hv_domain_set_vcpus(ctx.conn, "test", 1, &err) == 0, "set vcpus: %s", err.message);
	char *q = take_queue();
	CHECK(count_lines(q, "modify domains/test/memory") == 1, "two changes of memory: one IN_MODIFY");
	CHECK_LINE(q, "modify domains/test/vcpus", "and vcpus joins the same report");
	free(q);
}

int main(void)
{
	struct hv_error err = {0};
	struct timespec now;

	clock_gettime(CLOCK_REALTIME, &now);
	CHECK(fs_ctx_init(&ctx, now) == 0 && notifier_init(&ctx) == 0, "context");
	CHECK(hv_conn_open("test:///default", fs_on_change, &ctx, &ctx.conn, &err) == 0, "open: %s",
	      err.message);
	free(take_queue());

	test_backend_change();
	test_write_of_the_file();
	test_write_of_another_file();
	test_write_of_another_object();
	test_mkdir_and_rmdir();
	test_rescan_during_a_write();
	test_entry_made_by_a_write();
	test_other_thread();
	test_scope_ends();
	test_bursts_coalesce();

	hv_conn_close(ctx.conn);
	notifier_stop(&ctx);
	fs_ctx_finish(&ctx);
	return UNIT_DONE();
}
