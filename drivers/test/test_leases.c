/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* DHCP leases of the test driver's networks, as dnsmasq would hand them
 * out: when a domain starts, each of its interfaces on an active network
 * with an IPv4 DHCP range gets the first free address of the range; the
 * lease is released when the domain stops.  A released lease is remembered
 * until it expires, so that the same MAC gets the same address again, and
 * other MACs get it only when the range has nothing else.
 *
 * Leases are not persisted: a restarted daemon gives the domains that are
 * still running their leases again, in the same deterministic order, so
 * they come back with the addresses they had unless the set of running
 * domains changed (docs/paths.md). */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "drivers/conf/device_conf.h"
#include "drivers/test/test_private.h"
#include "util/log.h"

#define LEASE_SECONDS 3600

void test_leases_format_ip(uint32_t ip, char buf[16])
{
	snprintf(buf, 16, "%u.%u.%u.%u", ip >> 24, (ip >> 16) & 0xff, (ip >> 8) & 0xff, ip & 0xff);
}

static bool parse_ip(const char *text, uint32_t *ip)
{
	struct in_addr a;

	if (inet_pton(AF_INET, text, &a) != 1)
		return false;
	*ip = ntohl(a.s_addr);
	return true;
}

static struct test_network *active_network(struct test_driver *drv, const char *name)
{
	struct hv_object *obj = hv_table_find(&drv->networks, name);
	struct test_network *net = obj ? test_container_of(obj, struct test_network, obj) : NULL;

	return net && net->active ? net : NULL;
}

const struct test_lease *test_leases_find(const struct test_driver *drv, const char *domain, const char *mac)
{
	for (size_t i = 0; mac && i < drv->lease_count; i++) {
		const struct test_lease *l = &drv->leases[i];
		if (l->active && strcmp(l->domain, domain) == 0 && strcmp(l->mac, mac) == 0)
			return l;
	}
	return NULL;
}

static void report(struct hv_change_batch *changes, const struct test_lease *lease)
{
	if (!changes)
		return;
	hv_batch_modified(changes, HV_KIND_NETWORK, lease->network, HV_FIELD_LEASES);
	hv_change_entry_sub(hv_batch_modified(changes, HV_KIND_DOMAIN, lease->domain, HV_FIELD_DEVICES),
			    lease->dev, "ip");
}

/* Forgets released leases that have expired. */
static void purge(struct test_driver *drv, uint64_t now)
{
	size_t kept = 0;

	for (size_t i = 0; i < drv->lease_count; i++)
		if (drv->leases[i].active || drv->leases[i].expiry > now)
			drv->leases[kept++] = drv->leases[i];
	drv->lease_count = kept;
}

/* Whether ip of network is in use: by an active lease, or (when
 * remembered) by a released one of another MAC. */
static bool ip_taken(const struct test_driver *drv, const char *network, uint32_t ip, const char *mac,
		     bool remembered)
{
	for (size_t i = 0; i < drv->lease_count; i++) {
		const struct test_lease *l = &drv->leases[i];
		if (l->ip == ip && strcmp(l->network, network) == 0 &&
		    (l->active || (remembered && strcmp(l->mac, mac) != 0)))
			return true;
	}
	return false;
}

static struct test_lease *lease_slot(struct test_driver *drv, const char *network, const char *mac)
{
	for (size_t i = 0; i < drv->lease_count; i++)
		if (strcmp(drv->leases[i].network, network) == 0 && strcmp(drv->leases[i].mac, mac) == 0)
			return &drv->leases[i];
	if (drv->lease_count == drv->lease_cap) {
		size_t cap = drv->lease_cap ? drv->lease_cap * 2 : 16;
		struct test_lease *grown = realloc(drv->leases, cap * sizeof(*grown));
		if (!grown)
			return NULL;
		drv->leases = grown;
		drv->lease_cap = cap;
	}
	struct test_lease *l = &drv->leases[drv->lease_count++];
	*l = (struct test_lease){0};
	snprintf(l->network, sizeof(l->network), "%s", network);
	snprintf(l->mac, sizeof(l->mac), "%s", mac);
	return l;
}

/* The address for mac: the one it had while that is free, else the first
 * address no one has or had, else the first no one has. */
static bool pick(const struct test_driver *drv, const char *network, const char *mac, uint32_t start,
		 uint32_t end, uint32_t *ip)
{
	for (size_t i = 0; i < drv->lease_count; i++) {
		const struct test_lease *l = &drv->leases[i];
		if (strcmp(l->network, network) == 0 && strcmp(l->mac, mac) == 0 &&
		    !ip_taken(drv, network, l->ip, mac, false)) {
			*ip = l->ip;
			return true;
		}
	}
	for (int remembered = 1; remembered >= 0; remembered--)
		for (uint64_t a = start; a <= end; a++)
			if (!ip_taken(drv, network, (uint32_t)a, mac, remembered)) {
				*ip = (uint32_t)a;
				return true;
			}
	return false;
}

static void acquire_one(struct test_driver *drv, const struct test_domain *dom,
			const struct hv_device_info *info, const char *network, uint64_t now,
			struct hv_change_batch *changes)
{
	const char *mac = hv_device_attr(info, "mac");
	struct test_network *net = active_network(drv, network);
	uint32_t start, end, ip;
	struct test_lease *lease;

	if (!net || !mac || !mac[0] || test_leases_find(drv, dom->obj.name, mac))
		return;
	if (!parse_ip(net->def.dhcp_start, &start) || !parse_ip(net->def.dhcp_end, &end))
		return; /* no IPv4 DHCP range: nothing hands out addresses */
	if (!pick(drv, network, mac, start, end, &ip)) {
		log_warning(
		    "network '%s': DHCP range %s-%s is exhausted: interface %s (%s) of domain '%s' gets no "
		    "address",
		    network, net->def.dhcp_start, net->def.dhcp_end, info->name, mac, dom->obj.name);
		return;
	}
	lease = lease_slot(drv, network, mac);
	if (!lease) {
		log_error("out of memory: interface %s of domain '%s' gets no lease", info->name,
			  dom->obj.name);
		return;
	}
	lease->ip = ip;
	lease->active = true;
	lease->expiry = now + LEASE_SECONDS;
	snprintf(lease->domain, sizeof(lease->domain), "%s", dom->obj.name);
	snprintf(lease->dev, sizeof(lease->dev), "%s/%s", info->cls, info->name);
	report(changes, lease);
}

void test_leases_acquire(struct test_driver *drv, const struct test_domain *dom,
			 struct hv_change_batch *changes)
{
	struct hv_device_defs defs;
	struct hv_error err = {0};
	uint64_t now = (uint64_t)time(NULL);

	/* The XML has the networks; the records the MACs hvfs allocated. */
	if (hv_domain_devices_parse(dom->obj.xml, strlen(dom->obj.xml), &defs, &err) < 0) {
		log_error("domain '%s': no leases: %s", dom->obj.name, err.message);
		return;
	}
	purge(drv, now);
	for (size_t i = 0; i < defs.count; i++) {
		if (!defs.devices[i].network[0])
			continue;
		struct hv_device_info info = defs.devices[i].info;
		char id[TEST_DEV_ID_MAX], text[HV_ADDRESS_TEXT_MAX];
		struct hv_mac_address mac;

		snprintf(id, sizeof(id), "%s/%s", info.cls, info.name);
		for (unsigned k = 0; k < dom->addr_count; k++)
			if (dom->addrs[k].kind == TEST_ADDR_MAC && strcmp(dom->addrs[k].dev, id) == 0) {
				hv_mac_address_from_tuple(&dom->addrs[k].tuple, &mac);
				hv_mac_address_format(&mac, text);
				hv_device_info_set(&info, "mac", text);
			}
		acquire_one(drv, dom, &info, defs.devices[i].network, now, changes);
	}
	hv_device_defs_finish(&defs);
}

void test_leases_release(struct test_driver *drv, const char *domain, const char *mac,
			 struct hv_change_batch *changes)
{
	for (size_t i = 0; i < drv->lease_count; i++) {
		struct test_lease *l = &drv->leases[i];
		if (!l->active || strcmp(l->domain, domain) != 0 || (mac && strcmp(l->mac, mac) != 0))
			continue;
		l->active = false;
		report(changes, l);
	}
}

void test_leases_network_stopped(struct test_driver *drv, const char *network,
				 struct hv_change_batch *changes)
{
	for (size_t i = 0; i < drv->lease_count; i++) {
		struct test_lease *l = &drv->leases[i];
		if (l->active && strcmp(l->network, network) == 0) {
			l->active = false;
			report(changes, l);
		}
	}
}

void test_leases_renamed(struct test_driver *drv, enum hv_object_kind kind, const char *old_name,
			 const char *new_name)
{
	for (size_t i = 0; i < drv->lease_count; i++) {
		char *field = kind == HV_KIND_NETWORK ? drv->leases[i].network : drv->leases[i].domain;
		if (strcmp(field, old_name) == 0)
			snprintf(field, HV_NAME_MAX + 1, "%s", new_name);
	}
}

static int leases_locked(struct test_driver *drv, const struct hv_kind_ops *ops, struct hv_object *obj,
			 void *args, struct hv_change_batch *changes, struct hv_error *err)
{
	struct hv_lease_list *out = args;
	size_t n = 0;

	out->leases = calloc(drv->lease_count ? drv->lease_count : 1, sizeof(*out->leases));
	if (!out->leases)
		return hv_error_set(err, ENOMEM, "out of memory");
	for (size_t i = 0; i < drv->lease_count; i++) {
		const struct test_lease *l = &drv->leases[i];
		if (!l->active || strcmp(l->network, obj->name) != 0)
			continue;
		struct hv_lease *lease = &out->leases[n++];
		lease->expiry = l->expiry;
		snprintf(lease->mac, sizeof(lease->mac), "%s", l->mac);
		test_leases_format_ip(l->ip, lease->ip);
		snprintf(lease->hostname, sizeof(lease->hostname), "%s", l->domain);
	}
	out->count = n;
	return 0;
}

int test_network_leases(struct hv_conn *conn, const char *network, struct hv_lease_list *out,
			struct hv_error *err)
{
	*out = (struct hv_lease_list){0};
	return test_kind_call(conn, &test_network_kind, TEST_OP_NETWORK_LEASES, network, leases_locked, out,
			      err);
}
