/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Domain definitions: libvirt's <domain> XML, as far as hvfs interprets it. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "drivers/conf/conf_internal.h"
#include "util/cleanup.h"

/* Far above any hypervisor's limit; only keeps the counts in an unsigned. */
#define DOMAIN_VCPU_LIMIT 16384

static int read_memory(xmlNodePtr node, const char *what, uint64_t *kib, struct hv_error *err)
{
	char value[64], unit[16];
	int ret;

	ret = conf_text(node, what, value, sizeof(value), err);
	if (ret < 0)
		return ret;
	ret = conf_attr(node, "unit", unit, sizeof(unit), err);
	if (ret < 0)
		return ret;
	ret = hv_conf_parse_memory(value, unit, kib);
	if (ret == -ERANGE)
		return hv_error_set(err, EINVAL, "%s %s %s is too large", what, value,
				    unit[0] ? unit : "KiB");
	if (ret < 0)
		return hv_error_set(err, EINVAL, "%s '%s' with unit '%s' is not a memory size", what, value,
				    unit[0] ? unit : "KiB");
	if (*kib == 0)
		return hv_error_set(err, EINVAL, "%s must be at least 1 KiB", what);
	return 0;
}

/* <memory>, or as libvirt takes it when that is missing: the sum of the
 * NUMA cells' memory. */
static int read_max_memory(xmlNodePtr root, uint64_t *kib, struct hv_error *err)
{
	xmlNodePtr node = conf_child(root, "memory");
	int ret;

	if (node)
		return read_memory(node, "memory", kib, err);
	ret = conf_numa_memory(root, kib, err);
	if (ret == 0 && *kib == 0)
		return hv_error_set(err, EINVAL,
				    "a domain needs its memory size: in <memory>, or in the memory of "
				    "its NUMA cells (<cpu><numa><cell memory=...>)");
	return ret;
}

static int read_count(const char *text, const char *what, unsigned *count, struct hv_error *err)
{
	uint64_t value;

	if (conf_parse_uint(text, DOMAIN_VCPU_LIMIT, &value) < 0 || value == 0)
		return hv_error_set(err, EINVAL, "%s '%s' is not a number from 1 to %d", what, text,
				    DOMAIN_VCPU_LIMIT);
	*count = (unsigned)value;
	return 0;
}

static int read_vcpus(xmlNodePtr root, struct hv_domain_def *def, struct hv_error *err)
{
	xmlNodePtr node = conf_child(root, "vcpu");
	char text[32];
	int ret;

	def->max_vcpus = def->vcpus = 1; /* libvirt's default */
	if (!node)
		return 0;
	ret = conf_text(node, "vcpu", text, sizeof(text), err);
	if (ret < 0)
		return ret;
	ret = read_count(text, "vcpu", &def->max_vcpus, err);
	if (ret < 0)
		return ret;
	ret = conf_attr(node, "current", text, sizeof(text), err);
	if (ret < 0)
		return ret;
	if (!text[0]) {
		def->vcpus = def->max_vcpus;
		return 0;
	}
	ret = read_count(text, "vcpu current", &def->vcpus, err);
	if (ret < 0)
		return ret;
	if (def->vcpus > def->max_vcpus)
		return hv_error_set(err, EINVAL, "vcpu current='%u' exceeds vcpu %u", def->vcpus,
				    def->max_vcpus);
	return 0;
}

static int read_action(xmlNodePtr root, const char *name, const char *fallback, char *out, size_t size,
		       struct hv_error *err)
{
	xmlNodePtr node = conf_child(root, name);

	if (!node) {
		snprintf(out, size, "%s", fallback);
		return 0;
	}
	return conf_text(node, name, out, size, err);
}

static int domain_def_parse(const char *xml, size_t len, const char *expected_name, bool stored,
			    struct hv_domain_def *def, struct hv_error *err)
{
	auto_xml_doc xmlDocPtr doc = NULL;
	struct hv_domain_def parsed = {0};
	xmlNodePtr root, node, devices;
	int ret;

	ret = conf_load_definition(xml, len, HV_SCHEMA_DOMAIN, expected_name, &doc, parsed.name, parsed.uuid,
				   err);
	if (ret < 0)
		return ret;
	root = xmlDocGetRootElement(doc);
	ret = conf_attr(root, "type", parsed.type, sizeof(parsed.type), err);
	if (ret < 0)
		return ret;
	node = conf_child(conf_child(root, "os"), "type");
	ret = conf_text(node, "os type", parsed.os_type, sizeof(parsed.os_type), err);
	if (ret < 0)
		return ret;

	ret = read_max_memory(root, &parsed.max_memory_kib, err);
	if (ret < 0)
		return ret;
	node = conf_child(root, "currentMemory");
	if (node) {
		ret = read_memory(node, "currentMemory", &parsed.memory_kib, err);
		if (ret < 0)
			return ret;
		if (parsed.memory_kib > parsed.max_memory_kib)
			return hv_error_set(err, EINVAL,
					    "currentMemory %" PRIu64 " KiB exceeds memory %" PRIu64 " KiB",
					    parsed.memory_kib, parsed.max_memory_kib);
	} else {
		parsed.memory_kib = parsed.max_memory_kib;
	}
	ret = read_vcpus(root, &parsed, err);
	if (ret < 0)
		return ret;

	/* libvirt's defaults when the elements are left out. */
	ret =
	    read_action(root, "on_poweroff", "destroy", parsed.on_poweroff, sizeof(parsed.on_poweroff), err);
	if (ret == 0)
		ret = read_action(root, "on_reboot", "restart", parsed.on_reboot, sizeof(parsed.on_reboot),
				  err);
	if (ret == 0)
		ret = read_action(root, "on_crash", "destroy", parsed.on_crash, sizeof(parsed.on_crash), err);
	if (ret < 0)
		return ret;

	ret = conf_check_devices(root, err);
	if (ret < 0)
		return ret;
	devices = conf_child(root, "devices");
	parsed.disk_count = conf_count_children(devices, "disk");
	parsed.interface_count = conf_count_children(devices, "interface");
	ret = stored ? 0 : conf_check_libvirt(HV_SCHEMA_DOMAIN, doc, err);
	if (ret < 0)
		return ret;
	*def = parsed;
	return 0;
}

int hv_domain_def_parse(const char *xml, size_t len, const char *expected_name, struct hv_domain_def *def,
			struct hv_error *err)
{
	return domain_def_parse(xml, len, expected_name, false, def, err);
}

int hv_domain_def_parse_stored(const char *xml, size_t len, const char *expected_name,
			       struct hv_domain_def *def, struct hv_error *err)
{
	return domain_def_parse(xml, len, expected_name, true, def, err);
}

static int check_def(const struct hv_domain_def *def, struct hv_error *err)
{
	if (def->max_memory_kib == 0 || def->memory_kib == 0)
		return hv_error_set(err, EINVAL, "memory must be at least 1 KiB");
	if (def->memory_kib > def->max_memory_kib)
		return hv_error_set(err, EINVAL,
				    "currentMemory %" PRIu64 " KiB exceeds memory %" PRIu64 " KiB",
				    def->memory_kib, def->max_memory_kib);
	if (def->max_vcpus == 0 || def->vcpus == 0 || def->max_vcpus > DOMAIN_VCPU_LIMIT)
		return hv_error_set(err, EINVAL, "vcpu counts must be from 1 to %d", DOMAIN_VCPU_LIMIT);
	if (def->vcpus > def->max_vcpus)
		return hv_error_set(err, EINVAL, "vcpu current='%u' exceeds vcpu %u", def->vcpus,
				    def->max_vcpus);
	return 0;
}

static bool memory_equals(xmlNodePtr node, uint64_t kib)
{
	auto_xml_char xmlChar *value = xmlNodeGetContent(node);
	auto_xml_char xmlChar *unit = xmlGetNoNsProp(node, BAD_CAST "unit");
	uint64_t current;

	return hv_conf_parse_memory((const char *)value, (const char *)unit, &current) == 0 && current == kib;
}

/* Where elements go when they are missing, libvirt's order. */
static const char *const after_identity[] = {"uuid", "name", NULL};
static const char *const after_memory[] = {"memory", NULL};
static const char *const after_memories[] = {"currentMemory", "memory", NULL};

/* Writes kib into <NAME> (node, NULL when missing).  A unit the user gave
 * becomes KiB with the number, as libvirt writes it; without one the number
 * is already in KiB.  A missing element is added with unit='KiB'. */
static int write_memory(struct splice_doc *doc, xmlNodePtr node, const char *name, const char *const *after,
			uint64_t kib, struct hv_error *err)
{
	char path[32], text[32];
	int ret;

	snprintf(path, sizeof(path), "domain/%s", name);
	snprintf(text, sizeof(text), "%" PRIu64, kib);
	if (node)
		ret = splice_set_text(doc, path, text, err);
	else
		ret = splice_insert(doc, "domain", after, name, text, err);
	if (ret == 0 && (!node || xmlHasNsProp(node, BAD_CAST "unit", NULL)))
		ret = splice_set_attr(doc, path, "unit", "KiB", err);
	return ret;
}

static int update_memory(xmlNodePtr root, struct splice_doc *doc, const struct hv_domain_def *def,
			 struct hv_error *err)
{
	xmlNodePtr memory = conf_child(root, "memory"), current = conf_child(root, "currentMemory");
	int ret;

	if (!memory || !memory_equals(memory, def->max_memory_kib)) {
		ret = write_memory(doc, memory, "memory", after_identity, def->max_memory_kib, err);
		if (ret < 0)
			return ret;
	}
	/* Absent means "all of memory"; it only appears when that changes. */
	if (current ? memory_equals(current, def->memory_kib) : def->memory_kib == def->max_memory_kib)
		return 0;
	return write_memory(doc, current, "currentMemory", after_memory, def->memory_kib, err);
}

static bool count_equals(const xmlChar *text, unsigned count)
{
	uint64_t value;

	return text && conf_parse_uint((const char *)text, UINT64_MAX, &value) == 0 && value == count;
}

static int update_vcpus(xmlNodePtr root, struct splice_doc *doc, const struct hv_domain_def *def,
			struct hv_error *err)
{
	xmlNodePtr vcpu = conf_child(root, "vcpu");
	auto_xml_char xmlChar *count = vcpu ? xmlNodeGetContent(vcpu) : NULL;
	auto_xml_char xmlChar *current = vcpu ? xmlGetNoNsProp(vcpu, BAD_CAST "current") : NULL;
	char text[16];
	int ret = 0;

	/* Absent means one vCPU. */
	if (!vcpu && def->max_vcpus == 1 && def->vcpus == 1)
		return 0;
	snprintf(text, sizeof(text), "%u", def->max_vcpus);
	if (!vcpu)
		ret = splice_insert(doc, "domain", after_memories, "vcpu", text, err);
	else if (!count_equals(count, def->max_vcpus))
		ret = splice_set_text(doc, "domain/vcpu", text, err);
	if (ret < 0)
		return ret;
	/* Absent means all of them. */
	if (current ? count_equals(current, def->vcpus) : def->vcpus == def->max_vcpus)
		return 0;
	snprintf(text, sizeof(text), "%u", def->vcpus);
	return splice_set_attr(doc, "domain/vcpu", "current", text, err);
}

/* The values an attribute file can change: memory and vcpus. */
static int update_values(xmlNodePtr root, struct splice_doc *doc, const void *data, struct hv_error *err)
{
	const struct hv_domain_def *def = data;
	int ret = update_memory(root, doc, def, err);

	return ret < 0 ? ret : update_vcpus(root, doc, def, err);
}

int hv_domain_xml_update(const char *xml, size_t len, const struct hv_domain_def *def, char **out,
			 struct hv_error *err)
{
	int ret;

	*out = NULL;
	ret = check_def(def, err);
	if (ret < 0)
		return ret;
	return conf_edit_document(xml, len, "domain", def->name, def->uuid, update_values, def, out, err);
}

int hv_domain_xml_default(const char *name, const char *uuid, const char *domain_type, char **out)
{
	char uuid_line[CONF_UUID_LINE_SIZE];
	struct hv_domain_def def;
	const char *os;
	char *text;

	*out = NULL;
	if (!domain_type)
		domain_type = "test";
	if (!hv_name_is_valid(name) ||
	    strspn(domain_type, "abcdefghijklmnopqrstuvwxyz") != strlen(domain_type) ||
	    conf_uuid_line(uuid, uuid_line) < 0)
		return -EINVAL;
	/* A container runs a program, not an operating system (docs/container.md). */
	if (strcmp(domain_type, "lxc") == 0)
		os = "    <type>exe</type>\n"
		     "    <init>/sbin/init</init>\n";
	else
		os = "    <type>hvm</type>\n";
	if (asprintf(&text,
		     "<domain type='%s'>\n"
		     "  <name>%s</name>\n"
		     "%s"
		     "  <memory unit='KiB'>131072</memory>\n"
		     "  <currentMemory unit='KiB'>131072</currentMemory>\n"
		     "  <vcpu placement='static'>1</vcpu>\n"
		     "  <os>\n"
		     "%s"
		     "  </os>\n"
		     "  <on_poweroff>destroy</on_poweroff>\n"
		     "  <on_reboot>restart</on_reboot>\n"
		     "  <on_crash>destroy</on_crash>\n"
		     "</domain>\n",
		     domain_type, name, uuid_line, os) < 0)
		return -ENOMEM;
	/* The schema is the judge of the type (and of everything else). */
	return conf_finish_default(text, hv_domain_def_parse(text, strlen(text), name, &def, NULL), out);
}
