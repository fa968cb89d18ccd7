/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The Xen driver's rescan diff (xen_watch_diff), with a fake hypervisor:
 * lists of domains built by hand stand for what libxenctrl and XenStore
 * would say, and a temporary state directory for the definitions.  Each
 * case is a sequence of snapshots and the changes each must report. */
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <unistd.h>

#include "drivers/xen/xen_private.h"
#include "tests/unit/unit.h"
#include "util/atomic_file.h"
#include "util/cleanup.h"

#define SHUT(reason) (XEN_DOMINF_shutdown | ((unsigned)(reason) << XEN_DOMINF_shutdownshift))

struct fake_dom {
	uint32_t domid;
	const char *name;
	uint32_t flags;
};

/* One snapshot: up to 4 domains, and the changes expected against the
 * previous one, as "TYPE NAME [EVENT DETAIL]" strings. */
struct step {
	struct fake_dom doms[4];
	const char *expect[4];
};

static const char *type_word(enum hv_change_type type)
{
	switch (type) {
	case HV_CHANGE_CREATED:
		return "created";
	case HV_CHANGE_DELETED:
		return "deleted";
	case HV_CHANGE_RENAMED:
		return "renamed";
	case HV_CHANGE_MODIFIED:
		return "modified";
	case HV_CHANGE_LIFECYCLE:
		return "lifecycle";
	}
	return "?";
}

/* A change found, copied out of the batch (which owns the names). */
struct found {
	enum hv_change_type type;
	char name[HV_NAME_MAX + 1];
	const char *event, *detail;
	uint32_t fields;
};
#define FOUND_MAX 64

static size_t diff(struct xen_driver *drv, struct xen_dom_list *now, struct found *out)
{
	struct hv_change_batch batch = {0};
	size_t n = xen_watch_diff(drv, now, &batch), i = 0;

	CHECK_INT(batch.count, n, "the diff counts the changes it adds");
	for (const struct hv_change_entry *e = batch.head; e && i < FOUND_MAX; e = e->next, i++) {
		out[i] = (struct found){.type = e->change.type,
					.event = e->change.event,
					.detail = e->change.detail,
					.fields = e->change.fields};
		snprintf(out[i].name, sizeof(out[i].name), "%s", e->change.name);
	}
	hv_batch_discard(&batch);
	return n;
}

static void run_steps(struct xen_driver *drv, const char *what, const struct step *steps, size_t count)
{
	xen_dom_list_finish(&drv->known);
	for (size_t s = 0; s < count; s++) {
		struct xen_dom_list now = {.doms = calloc(4, sizeof(struct xen_dom)), .count = 0};
		struct found found[FOUND_MAX];
		for (size_t i = 0; i < 4 && steps[s].doms[i].name; i++) {
			struct xen_dom *d = &now.doms[now.count++];
			d->domid = steps[s].doms[i].domid;
			snprintf(d->name, sizeof(d->name), "%s", steps[s].doms[i].name);
			d->info.domain = d->domid;
			d->info.flags = steps[s].doms[i].flags;
		}
		size_t n = diff(drv, &now, found);
		size_t want = 0;
		while (want < 4 && steps[s].expect[want])
			want++;
		CHECK_INT(n, want, "%s, step %zu: number of changes", what, s);
		for (size_t i = 0; i < n && i < want; i++) {
			char line[256];
			snprintf(line, sizeof(line), "%s %s%s%s%s%s", type_word(found[i].type), found[i].name,
				 found[i].event ? " " : "", found[i].event ? found[i].event : "",
				 found[i].detail ? " " : "", found[i].detail ? found[i].detail : "");
			CHECK_STR(line, steps[s].expect[i], "%s, step %zu, change %zu", what, s, i);
		}
		free(now.doms);
	}
}

/* Concurrent rescans (the watch thread and workers whose control write
 * acted), through drv->list_read: each read is a new snapshot, Domain-0
 * and one guest "dN" with domid N, so each rescan must report dN created
 * and d(N-1) gone, each exactly once, whichever thread compared.
 * `make check-tsan` builds this test with -fsanitize=thread, which checks
 * the locking itself (the plain build runs it under valgrind's memcheck).
 * rescan() is exercised whole except its Xen read; reap_shut_down() and
 * the libxl calls need a hypervisor and are tested in dom0 (tests/xen). */
#define RACE_THREADS 4
#define RACE_ROUNDS  300

static atomic_uint race_generation;
static pthread_mutex_t race_seen_lock = PTHREAD_MUTEX_INITIALIZER;
static unsigned char race_created[RACE_THREADS * RACE_ROUNDS + 2];
static unsigned char race_deleted[RACE_THREADS * RACE_ROUNDS + 2];
static unsigned race_other;

static int race_list_read(struct xen_driver *drv, struct xen_dom_list *out, struct hv_error *err)
{
	unsigned gen = atomic_fetch_add(&race_generation, 1) + 1;

	(void)drv, (void)err;
	*out = (struct xen_dom_list){.doms = calloc(2, sizeof(*out->doms))};
	if (!out->doms)
		return -ENOMEM;
	out->count = 2;
	out->doms[0] = (struct xen_dom){.domid = 0, .name = "Domain-0"};
	out->doms[0].info.flags = XEN_DOMINF_running;
	out->doms[1] = (struct xen_dom){.domid = gen};
	snprintf(out->doms[1].name, sizeof(out->doms[1].name), "d%u", gen);
	out->doms[1].info.flags = XEN_DOMINF_running;
	return 0;
}

/* The change callback: may call back into the driver (driver.h), which
 * deadlocks if the emitter held drv->lock; copies the name, which ASan or
 * TSan flag if it pointed into a list another rescan freed. */
static void race_on_change(void *opaque, const struct hv_change *change)
{
	struct xen_driver *drv = opaque;
	char name[HV_NAME_MAX + 1];
	unsigned n;

	snprintf(name, sizeof(name), "%s", change->name);
	(void)xen_watch_shutdown_pending(drv, 1);
	pthread_mutex_lock(&race_seen_lock);
	if (sscanf(name, "d%u", &n) == 1 && n < ARRAY_SIZE(race_created) && change->type == HV_CHANGE_CREATED)
		race_created[n]++;
	else if (sscanf(name, "d%u", &n) == 1 && n < ARRAY_SIZE(race_deleted) &&
		 change->type == HV_CHANGE_DELETED)
		race_deleted[n]++;
	else if (strcmp(name, "Domain-0") != 0)
		race_other++;
	pthread_mutex_unlock(&race_seen_lock);
}

static void *race_thread(void *opaque)
{
	struct xen_driver *drv = opaque;

	for (unsigned i = 0; i < RACE_ROUNDS; i++) {
		xen_watch_rescan(drv);
		/* What control writes do meanwhile: arm and look up shutdowns. */
		xen_watch_pending_add(drv, 1000 + i % 7, "x", i % 2);
		(void)xen_watch_shutdown_pending(drv, 1000 + i % 7);
	}
	return NULL;
}

static void test_concurrent_rescans(struct xen_driver *drv)
{
	struct hv_conn conn = {.on_change = race_on_change, .on_change_opaque = drv};
	pthread_t threads[RACE_THREADS];
	unsigned last, bad = 0, first_bad = 0;

	xen_dom_list_finish(&drv->known);
	drv->conn = &conn;
	drv->list_read = race_list_read;
	pthread_mutex_init(&drv->rescan_lock, NULL);
	for (int i = 0; i < RACE_THREADS; i++)
		CHECK_INT(pthread_create(&threads[i], NULL, race_thread, drv), 0, "rescan thread %d", i);
	for (int i = 0; i < RACE_THREADS; i++)
		pthread_join(threads[i], NULL);
	last = atomic_load(&race_generation);
	CHECK_INT(last, RACE_THREADS * RACE_ROUNDS, "every rescan read the domains once");
	for (unsigned n = 1; n <= last && n < ARRAY_SIZE(race_created); n++) {
		if (race_created[n] == 1 && race_deleted[n] == (n < last ? 1 : 0))
			continue;
		if (!bad++)
			first_bad = n;
	}
	CHECK_INT(bad, 0, "every snapshot's guest created and deleted once (first wrong: d%u, %u/%u)",
		  first_bad, race_created[first_bad], race_deleted[first_bad]);
	CHECK_INT(race_other, 0, "no change of an unknown name");
	while (drv->pending) {
		struct xen_pending *next = drv->pending->next;
		free(drv->pending);
		drv->pending = next;
	}
	xen_dom_list_finish(&drv->known);
	pthread_mutex_destroy(&drv->rescan_lock);
	drv->conn = NULL;
}

/* One snapshot of Domain-0 and tiny (domid 5) with tiny's flags and
 * online vCPUs; returns the number of changes found. */
static size_t diff_tiny(struct xen_driver *drv, uint32_t flags, uint32_t vcpus, struct found *found)
{
	struct xen_dom_list now = {.doms = calloc(2, sizeof(struct xen_dom)), .count = 2};

	now.doms[0] = (struct xen_dom){.domid = 0, .name = "Domain-0"};
	now.doms[0].info.flags = XEN_DOMINF_running;
	now.doms[1] = (struct xen_dom){.domid = 5, .name = "tiny"};
	now.doms[1].info.flags = flags;
	now.doms[1].info.nr_online_vcpus = vcpus;
	size_t n = diff(drv, &now, found);
	free(now.doms);
	return n;
}

/* A guest bringing a vCPU up writes nothing to XenStore: no watch fires,
 * so the rescan alone can tell the cached vcpus file that it is stale. */
static void check_hypervisor_only_changes(struct xen_driver *drv)
{
	struct found found[FOUND_MAX];

	xen_dom_list_finish(&drv->known);
	CHECK_INT(diff_tiny(drv, XEN_DOMINF_blocked, 1, found), 2, "vCPUs: Domain-0 and tiny appear");
	CHECK_INT(diff_tiny(drv, XEN_DOMINF_blocked, 2, found), 1,
		  "vCPUs: one change when tiny brings one up");
	CHECK_INT(found[0].type, HV_CHANGE_MODIFIED, "vCPUs: it is a modification");
	CHECK_INT(found[0].fields, HV_FIELD_VCPUS, "vCPUs: of vcpus alone");
	CHECK_INT(diff_tiny(drv, XEN_DOMINF_paused, 1, found), 1,
		  "vCPUs: paused and down to one: one change");
	CHECK_INT(found[0].type, HV_CHANGE_LIFECYCLE, "vCPUs: the pause is a lifecycle change");
	CHECK(found[0].fields & HV_FIELD_VCPUS, "vCPUs: which also says vcpus changed");
	CHECK_INT(diff_tiny(drv, XEN_DOMINF_paused, 1, found), 0, "vCPUs: nothing changed, nothing reported");
}

int main(void)
{
	struct xen_driver drv = {0};
	char dir[] = "/tmp/hvfs-test-xen.XXXXXX";
	char path[PATH_MAX];

	if (!mkdtemp(dir)) {
		perror("mkdtemp");
		return 1;
	}
	snprintf(drv.state_dir, sizeof(drv.state_dir), "%s", dir);
	pthread_mutex_init(&drv.lock, NULL);
	/* g1 has a definition (hvfs's); tiny has none (made by xl). */
	struct hv_error err = {0};
	CHECK_INT(xen_def_write(&drv, "g1", "<domain/>", 9, &err), 0, "definition of g1 written");
	snprintf(path, sizeof(path), "%s/domains/g1", dir);

	const struct step xl_made[] = {
	    {{{0, "Domain-0", XEN_DOMINF_running}}, {"created Domain-0"}},
	    /* xl create: built paused, then unpaused (xl's doing, not hvfs's). */
	    {{{0, "Domain-0", XEN_DOMINF_running}, {5, "tiny", XEN_DOMINF_paused}}, {"created tiny"}},
	    {{{0, "Domain-0", XEN_DOMINF_blocked}, {5, "tiny", XEN_DOMINF_running}},
	     {"lifecycle tiny resumed unpaused"}},
	    /* running <-> blocked is no change */
	    {{{0, "Domain-0", XEN_DOMINF_running}, {5, "tiny", XEN_DOMINF_blocked}}, {NULL}},
	    {{{0, "Domain-0", XEN_DOMINF_running}, {5, "tiny", XEN_DOMINF_paused}},
	     {"lifecycle tiny suspended paused"}},
	    {{{0, "Domain-0", XEN_DOMINF_running}, {5, "tiny", XEN_DOMINF_blocked}},
	     {"lifecycle tiny resumed unpaused"}},
	    {{{0, "Domain-0", XEN_DOMINF_running}}, {"deleted tiny"}},
	};
	run_steps(&drv, "a domain made by xl", xl_made, ARRAY_SIZE(xl_made));
	check_hypervisor_only_changes(&drv);

	/* hvfs builds g1: libxl's pause and unpause are its start. */
	snprintf(drv.starting[3], sizeof(drv.starting[3]), "g1");
	const struct step defined[] = {
	    {{{0, "Domain-0", XEN_DOMINF_running}}, {"created Domain-0"}},
	    {{{0, "Domain-0", XEN_DOMINF_running}, {7, "g1", XEN_DOMINF_paused}},
	     {"lifecycle g1 started booted"}},
	    {{{0, "Domain-0", XEN_DOMINF_running}, {7, "g1", XEN_DOMINF_running}}, {"modified g1"}},
	    {{{0, "Domain-0", XEN_DOMINF_running}, {7, "g1", SHUT(XEN_SHUTDOWN_POWEROFF)}},
	     {"lifecycle g1 stopped shutdown"}},
	    {{{0, "Domain-0", XEN_DOMINF_running}}, {"lifecycle g1 stopped destroyed"}},
	    {{{0, "Domain-0", XEN_DOMINF_running}, {8, "g1", XEN_DOMINF_paused}},
	     {"lifecycle g1 started booted"}},
	    {{{0, "Domain-0", XEN_DOMINF_running}, {8, "g1", SHUT(XEN_SHUTDOWN_CRASH)}},
	     {"lifecycle g1 crashed panicked"}},
	};
	run_steps(&drv, "a domain hvfs defined", defined, ARRAY_SIZE(defined));
	drv.starting[3][0] = '\0';

	/* A shutdown asked through hvfs: its end says "shutdown", not "destroyed". */
	xen_watch_pending_add(&drv, 8, "g1", false);
	{
		struct xen_dom_list now = {.doms = calloc(1, sizeof(struct xen_dom)), .count = 1};
		struct found found[FOUND_MAX];
		xen_dom_list_finish(&drv.known);
		drv.known.doms = calloc(2, sizeof(struct xen_dom));
		drv.known.count = 2;
		drv.known.doms[0] = (struct xen_dom){.domid = 0, .name = "Domain-0"};
		drv.known.doms[1] = (struct xen_dom){.domid = 8, .name = "g1"};
		drv.known.doms[1].info.flags = XEN_DOMINF_running;
		now.doms[0] = (struct xen_dom){.domid = 0, .name = "Domain-0"};
		size_t n = diff(&drv, &now, found);
		CHECK_INT(n, 1, "one change when the shut-down domain goes");
		CHECK_STR(found[0].event, "stopped", "the domain stopped");
		CHECK_STR(found[0].detail, "shutdown", "its detail is shutdown, not destroyed");
		CHECK(drv.pending == NULL, "the pending shutdown is consumed");
		free(now.doms);
	}

	const struct step renamed[] = {
	    {{{0, "Domain-0", XEN_DOMINF_running}, {9, "old", XEN_DOMINF_running}},
	     {"created Domain-0", "created old"}},
	    {{{0, "Domain-0", XEN_DOMINF_running}, {9, "new", XEN_DOMINF_running}},
	     {"deleted old", "created new"}},
	};
	run_steps(&drv, "xl rename", renamed, ARRAY_SIZE(renamed));

	test_concurrent_rescans(&drv);

	xen_dom_list_finish(&drv.known);
	unlink(path);
	snprintf(path, sizeof(path), "%s/domains", dir);
	rmdir(path);
	rmdir(dir);
	pthread_mutex_destroy(&drv.lock);
	return UNIT_DONE();
}
