/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* What a read of one Xen domain costs (xen_dom_lookup): its name is found
 * in the watch thread's snapshot and only that domain is read, so a stat
 * of domains/NAME/state reads one domain whether the host runs 2 or
 * 10,000.  The hypervisor is a fake here that counts its reads (the one
 * thing this test asks of it); tests/xen runs the real one. */
#include <errno.h>
#include <stdlib.h>

#include "drivers/xen/xen_private.h"
#include "tests/unit/unit.h"

static unsigned list_reads, dom_reads;
static size_t host_domains = 2;
/* What the fake hypervisor calls domid 3 now ("run1" unless renamed). */
static const char *domid3_name = "run1";

static void fake_dom(uint32_t domid, struct xen_dom *dom)
{
	*dom = (struct xen_dom){.domid = domid};
	if (domid == 0)
		snprintf(dom->name, sizeof(dom->name), "Domain-0");
	else if (domid == 3)
		snprintf(dom->name, sizeof(dom->name), "%s", domid3_name);
	else
		snprintf(dom->name, sizeof(dom->name), "guest%u", domid);
	dom->info.domain = domid;
	dom->info.flags = XEN_DOMINF_running;
}

/* Domain-0, run1 (domid 3), then guests from domid 4 up to host_domains. */
static int fake_list_read(struct xen_driver *drv, struct xen_dom_list *out, struct hv_error *err)
{
	(void)drv, (void)err;
	list_reads++;
	*out = (struct xen_dom_list){.doms = calloc(host_domains, sizeof(*out->doms)), .count = host_domains};
	if (!out->doms)
		return -ENOMEM;
	for (size_t i = 0; i < host_domains; i++)
		fake_dom(i == 0 ? 0 : (uint32_t)i + 2, &out->doms[i]);
	return 0;
}

static int fake_dom_read(struct xen_driver *drv, uint32_t domid, struct xen_dom *out, struct hv_error *err)
{
	(void)drv, (void)err;
	dom_reads++;
	if (domid != 0 && (domid < 3 || domid >= host_domains + 2))
		return -ENOENT;
	fake_dom(domid, out);
	return 0;
}

/* The watch thread's snapshot of the fake host now (as a rescan takes it). */
static void snapshot(struct xen_driver *drv)
{
	struct xen_dom_list now;
	struct hv_error err = {0};

	CHECK_INT(fake_list_read(drv, &now, &err), 0, "the host is listed");
	xen_dom_list_finish(&drv->known);
	drv->known = now;
	xen_dom_list_index(&drv->known);
	list_reads = dom_reads = 0;
}

static void check_lookup_costs(struct xen_driver *drv, size_t domains)
{
	struct xen_dom dom;
	struct hv_error err = {0};

	host_domains = domains;
	snapshot(drv);
	CHECK_INT(xen_dom_lookup(drv, "run1", &dom, &err), 0, "%zu domains: run1 is found", domains);
	CHECK_INT(dom.domid, 3, "with its domid");
	CHECK(list_reads == 0 && dom_reads == 1, "%zu domains: one domain read, no list (%u lists, %u reads)",
	      domains, list_reads, dom_reads);
	list_reads = dom_reads = 0;
	CHECK_INT(xen_dom_lookup(drv, "nosuch", &dom, &err), -ENOENT, "%zu domains: an unknown name",
		  domains);
	CHECK(list_reads == 0 && dom_reads == 0, "costs no read at all (%u lists, %u reads)", list_reads,
	      dom_reads);
}

int main(void)
{
	struct xen_driver drv = {0};
	struct xen_dom dom;
	struct hv_error err = {0};

	pthread_mutex_init(&drv.lock, NULL);
	drv.list_read = fake_list_read;
	drv.dom_read = fake_dom_read;

	check_lookup_costs(&drv, 2);
	check_lookup_costs(&drv, 10000);

	/* Renamed behind hvfs's back, the rescan not yet run: the snapshot's
	 * domid now has another name, so the whole list is read. */
	host_domains = 2;
	snapshot(&drv);
	domid3_name = "renamed";
	CHECK_INT(xen_dom_lookup(&drv, "run1", &dom, &err), -ENOENT, "run1, renamed, is no longer found");
	CHECK_INT(list_reads, 1, "after one read of the whole list");
	list_reads = 0;
	CHECK_INT(xen_dom_lookup(&drv, "renamed", &dom, &err), -ENOENT,
		  "its new name is not in the snapshot until the rescan runs");
	snapshot(&drv);
	CHECK_INT(xen_dom_lookup(&drv, "renamed", &dom, &err), 0, "after the rescan it is");
	domid3_name = "run1";

	/* Gone since the snapshot: the domain read says so, the list confirms. */
	snapshot(&drv);
	host_domains = 1;
	CHECK_INT(xen_dom_lookup(&drv, "run1", &dom, &err), -ENOENT, "a destroyed domain is not found");

	/* Without a snapshot index (out of memory), lookups read the list. */
	host_domains = 2;
	snapshot(&drv);
	hash_map_destroy(drv.known.by_name);
	drv.known.by_name = NULL;
	CHECK_INT(xen_dom_lookup(&drv, "run1", &dom, &err), 0, "without an index run1 is found");
	CHECK_INT(list_reads, 1, "by reading the list");

	xen_dom_list_finish(&drv.known);
	pthread_mutex_destroy(&drv.lock);
	return UNIT_DONE();
}
