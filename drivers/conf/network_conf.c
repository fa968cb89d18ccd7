/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Virtual network definitions: libvirt's <network> XML, as far as hvfs
 * interprets it.  The schema checks the shape of addresses; inet_pton(3)
 * and the checks here make sure they also agree with each other: address,
 * netmask or prefix, and DHCP ranges inside the network they serve. */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "drivers/conf/conf_internal.h"

struct address {
	int family; /* AF_INET, AF_INET6 */
	unsigned char bytes[16];
};

static size_t address_size(int family)
{
	return family == AF_INET ? 4 : 16;
}

static const char *family_name(int family)
{
	return family == AF_INET ? "IPv4" : "IPv6";
}

static int parse_address(const char *text, struct address *address)
{
	address->family = strchr(text, ':') ? AF_INET6 : AF_INET;
	memset(address->bytes, 0, sizeof(address->bytes));
	return inet_pton(address->family, text, address->bytes) == 1 ? 0 : -EINVAL;
}

static int read_address(xmlNodePtr node, const char *attr, const char *what, struct address *address,
			char *text, size_t size, struct hv_error *err)
{
	int ret = conf_attr(node, attr, text, size, err);

	if (ret < 0 || !text[0])
		return ret;
	if (parse_address(text, address) < 0)
		return hv_error_set(err, EINVAL, "%s '%s' is not a valid IP address", what, text);
	return 0;
}

static void prefix_mask(int family, unsigned prefix, unsigned char mask[16])
{
	memset(mask, 0, 16);
	for (unsigned i = 0; i < address_size(family); i++) {
		unsigned bits = prefix >= 8 * (i + 1) ? 8 : prefix > 8 * i ? prefix - 8 * i : 0;

		mask[i] = (unsigned char)(0xff00u >> bits);
	}
}

/* A netmask must be ones followed by zeros: 255.255.0.0, not 255.0.255.0. */
static bool mask_is_contiguous(const unsigned char mask[4])
{
	uint32_t value = (uint32_t)mask[0] << 24 | (uint32_t)mask[1] << 16 | (uint32_t)mask[2] << 8 | mask[3];
	uint32_t inverted = ~value;

	return (inverted & (inverted + 1)) == 0;
}

static bool same_network(const struct address *a, const struct address *b, const unsigned char mask[16])
{
	for (size_t i = 0; i < address_size(a->family); i++) {
		if ((a->bytes[i] & mask[i]) != (b->bytes[i] & mask[i]))
			return false;
	}
	return true;
}

/* One <ip>: its address and mask, and its DHCP ranges.  The first <ip> and
 * the first range of the document fill def. */
static int read_ip(xmlNodePtr ip, bool first_ip, struct hv_network_def *def, struct hv_error *err)
{
	char address_text[64], netmask[64], prefix_text[8], family[8], start_text[64], end_text[64];
	struct address address = {0}, netmask_address, start, end;
	unsigned char mask[16];
	bool has_mask = false;
	int ret;

	ret = read_address(ip, "address", "ip address", &address, address_text, sizeof(address_text), err);
	if (ret == 0)
		ret = conf_attr(ip, "family", family, sizeof(family), err);
	if (ret == 0)
		ret = conf_attr(ip, "netmask", netmask, sizeof(netmask), err);
	if (ret == 0)
		ret = conf_attr(ip, "prefix", prefix_text, sizeof(prefix_text), err);
	if (ret < 0)
		return ret;
	if (!address_text[0])
		address.family = strcmp(family, "ipv6") == 0 ? AF_INET6 : AF_INET;
	else if (family[0] && (strcmp(family, "ipv6") == 0) != (address.family == AF_INET6))
		return hv_error_set(err, EINVAL, "ip address '%s' does not belong to family '%s'",
				    address_text, family);

	if (netmask[0]) {
		if (address.family != AF_INET)
			return hv_error_set(err, EINVAL, "netmask '%s' is for IPv4 only: use prefix for %s",
					    netmask, address_text);
		if (parse_address(netmask, &netmask_address) < 0 || netmask_address.family != AF_INET ||
		    !mask_is_contiguous(netmask_address.bytes))
			return hv_error_set(err, EINVAL, "netmask '%s' is not a valid IPv4 netmask", netmask);
		memset(mask, 0, sizeof(mask));
		memcpy(mask, netmask_address.bytes, 4);
		has_mask = true;
	} else if (prefix_text[0]) {
		uint64_t prefix;
		unsigned limit = address.family == AF_INET ? 32 : 128;

		if (conf_parse_uint(prefix_text, limit, &prefix) < 0)
			return hv_error_set(err, EINVAL, "prefix '%s' is not from 0 to %u for an %s network",
					    prefix_text, limit, family_name(address.family));
		prefix_mask(address.family, (unsigned)prefix, mask);
		has_mask = true;
	}
	if (first_ip) {
		snprintf(def->ip_address, sizeof(def->ip_address), "%s", address_text);
		if (has_mask)
			inet_ntop(address.family, mask, def->ip_netmask, sizeof(def->ip_netmask));
	}

	for (xmlNodePtr range = conf_child(conf_child(ip, "dhcp"), "range"); range; range = range->next) {
		if (range->type != XML_ELEMENT_NODE || range->ns ||
		    !xmlStrEqual(range->name, BAD_CAST "range"))
			continue;
		ret = read_address(range, "start", "DHCP range start", &start, start_text, sizeof(start_text),
				   err);
		if (ret == 0)
			ret = read_address(range, "end", "DHCP range end", &end, end_text, sizeof(end_text),
					   err);
		if (ret < 0)
			return ret;
		if (start.family != address.family || end.family != address.family)
			return hv_error_set(err, EINVAL,
					    "DHCP range %s-%s is not an %s range like its network",
					    start_text, end_text, family_name(address.family));
		if (memcmp(start.bytes, end.bytes, address_size(start.family)) > 0)
			return hv_error_set(err, EINVAL, "DHCP range start %s is after its end %s",
					    start_text, end_text);
		if (address_text[0] && has_mask &&
		    (!same_network(&start, &address, mask) || !same_network(&end, &address, mask)))
			return hv_error_set(err, EINVAL, "DHCP range %s-%s is outside the network of %s",
					    start_text, end_text, address_text);
		if (!def->dhcp_start[0]) {
			snprintf(def->dhcp_start, sizeof(def->dhcp_start), "%s", start_text);
			snprintf(def->dhcp_end, sizeof(def->dhcp_end), "%s", end_text);
		}
	}
	return 0;
}

static int network_def_parse(const char *xml, size_t len, const char *expected_name, bool stored,
			     struct hv_network_def *def, struct hv_error *err)
{
	auto_xml_doc xmlDocPtr doc = NULL;
	struct hv_network_def parsed = {0};
	xmlNodePtr root, forward;
	bool first_ip = true;
	int ret;

	ret = conf_load_definition(xml, len, HV_SCHEMA_NETWORK, expected_name, &doc, parsed.name, parsed.uuid,
				   err);
	if (ret < 0)
		return ret;
	root = xmlDocGetRootElement(doc);
	ret = conf_attr(conf_child(root, "bridge"), "name", parsed.bridge, sizeof(parsed.bridge), err);
	if (ret < 0)
		return ret;
	forward = conf_child(root, "forward");
	if (forward) {
		ret = conf_attr(forward, "mode", parsed.forward_mode, sizeof(parsed.forward_mode), err);
		if (ret < 0)
			return ret;
		if (!parsed.forward_mode[0]) /* libvirt's default mode */
			snprintf(parsed.forward_mode, sizeof(parsed.forward_mode), "nat");
	}
	for (xmlNodePtr ip = root->children; ip; ip = ip->next) {
		if (ip->type != XML_ELEMENT_NODE || ip->ns || !xmlStrEqual(ip->name, BAD_CAST "ip"))
			continue;
		ret = read_ip(ip, first_ip, &parsed, err);
		if (ret < 0)
			return ret;
		first_ip = false;
	}
	ret = stored ? 0 : conf_check_libvirt(HV_SCHEMA_NETWORK, doc, err);
	if (ret < 0)
		return ret;
	*def = parsed;
	return 0;
}

int hv_network_def_parse(const char *xml, size_t len, const char *expected_name, struct hv_network_def *def,
			 struct hv_error *err)
{
	return network_def_parse(xml, len, expected_name, false, def, err);
}

int hv_network_def_parse_stored(const char *xml, size_t len, const char *expected_name,
				struct hv_network_def *def, struct hv_error *err)
{
	return network_def_parse(xml, len, expected_name, true, def, err);
}

int hv_network_xml_update(const char *xml, size_t len, const struct hv_network_def *def, char **out,
			  struct hv_error *err)
{
	return conf_edit_document(xml, len, "network", def->name, def->uuid, NULL, NULL, out, err);
}

int hv_network_xml_default(const char *name, const char *uuid, const char *bridge_name, char **out)
{
	char uuid_line[CONF_UUID_LINE_SIZE], bridge_line[64] = "";
	struct hv_network_def def;
	char *text;

	*out = NULL;
	if (!hv_name_is_valid(name) || conf_uuid_line(uuid, uuid_line) < 0)
		return -EINVAL;
	if (bridge_name) {
		size_t len = strlen(bridge_name);

		/* Kept out of the markup unless it is a plain interface name. */
		if (len == 0 || len >= sizeof(def.bridge) ||
		    strspn(bridge_name,
			   "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_.:-") != len)
			return -EINVAL;
		snprintf(bridge_line, sizeof(bridge_line), "  <bridge name='%s' stp='on' delay='0'/>\n",
			 bridge_name);
	}
	if (asprintf(&text,
		     "<network>\n"
		     "  <name>%s</name>\n"
		     "%s%s"
		     "</network>\n",
		     name, uuid_line, bridge_line) < 0)
		return -ENOMEM;
	return conf_finish_default(text, hv_network_def_parse(text, strlen(text), name, &def, NULL), out);
}
