/* The Xen driver's rescan diff (xen_watch_diff), with a fake hypervisor:
 * lists of domains built by hand stand for what libxenctrl and XenStore
 * would say, and a temporary state directory for the definitions.  Each
 * case is a sequence of snapshots and the changes each must report. */
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

static void run_steps(struct xen_driver *drv, const char *what, const struct step *steps, size_t count)
{
	xen_dom_list_finish(&drv->known);
	for (size_t s = 0; s < count; s++) {
		struct xen_dom_list now = {calloc(4, sizeof(struct xen_dom)), 0};
		struct xen_found_change found[XEN_CHANGES_MAX];
		for (size_t i = 0; i < 4 && steps[s].doms[i].name; i++) {
			struct xen_dom *d = &now.doms[now.count++];
			d->domid = steps[s].doms[i].domid;
			snprintf(d->name, sizeof(d->name), "%s", steps[s].doms[i].name);
			d->info.domain = d->domid;
			d->info.flags = steps[s].doms[i].flags;
		}
		size_t n = xen_watch_diff(drv, &now, found);
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
	snprintf(path, sizeof(path), "%s/g1.xml", dir);
	CHECK_INT(atomic_file_write(path, "<domain/>", 9, 0600), 0, "definition of g1 written");

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
		struct xen_dom_list now = {calloc(1, sizeof(struct xen_dom)), 1};
		struct xen_found_change found[XEN_CHANGES_MAX];
		xen_dom_list_finish(&drv.known);
		drv.known.doms = calloc(2, sizeof(struct xen_dom));
		drv.known.count = 2;
		drv.known.doms[0] = (struct xen_dom){.domid = 0, .name = "Domain-0"};
		drv.known.doms[1] = (struct xen_dom){.domid = 8, .name = "g1"};
		drv.known.doms[1].info.flags = XEN_DOMINF_running;
		now.doms[0] = (struct xen_dom){.domid = 0, .name = "Domain-0"};
		size_t n = xen_watch_diff(&drv, &now, found);
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

	xen_dom_list_finish(&drv.known);
	unlink(path);
	rmdir(dir);
	pthread_mutex_destroy(&drv.lock);
	return UNIT_DONE();
}
