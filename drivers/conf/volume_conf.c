/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Storage volume XML (libvirt's <volume>), and the one thing volumes need
 * to know of domains: which files their disks use. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "drivers/conf/conf_internal.h"

int hv_volume_def_parse(const char *xml, size_t len, const char *expected_name, struct hv_volume_def *def,
			struct hv_error *err)
{
	auto_xml_doc xmlDocPtr doc = NULL;
	char uuid[HV_UUID_STRLEN + 1];
	struct hv_volume_def *parsed;
	xmlNodePtr root, target;
	int ret;

	/* 4 KiB of path: build it aside, so that def is only written whole. */
	parsed = calloc(1, sizeof(*parsed));
	if (!parsed)
		return hv_error_set(err, ENOMEM, "out of memory while reading the volume XML");
	ret = conf_load_definition(xml, len, HV_SCHEMA_VOLUME, expected_name, &doc, parsed->name, uuid, err);
	root = doc ? xmlDocGetRootElement(doc) : NULL;
	parsed->has_capacity = conf_child(root, "capacity") != NULL;
	if (ret == 0)
		ret = conf_read_size(root, "capacity", &parsed->capacity, err);
	target = conf_child(root, "target");
	if (ret == 0)
		ret = conf_attr(conf_child(target, "format"), "type", parsed->format, sizeof(parsed->format),
				err);
	if (ret == 0)
		ret = conf_text(conf_child(target, "path"), "the target path", parsed->target_path,
				sizeof(parsed->target_path), err);
	if (ret == 0)
		*def = *parsed;
	free(parsed);
	return ret;
}

int hv_volume_xml_format(const struct hv_volume_state *state, char **out)
{
	/* A path may hold '&' or '<'; a name cannot (util/names.h). */
	auto_xml_char xmlChar *path = xmlEncodeSpecialChars(NULL, BAD_CAST state->path);

	*out = NULL;
	if (!path)
		return -ENOMEM;
	if (asprintf(out,
		     "<volume type='file'>\n"
		     "  <name>%s</name>\n"
		     "  <key>%s</key>\n"
		     "  <capacity unit='bytes'>%" PRIu64 "</capacity>\n"
		     "  <allocation unit='bytes'>%" PRIu64 "</allocation>\n"
		     "  <target>\n"
		     "    <path>%s</path>\n"
		     "    <format type='%s'/>\n"
		     "  </target>\n"
		     "</volume>\n",
		     state->name, (const char *)path, state->capacity, state->allocation, (const char *)path,
		     state->format) < 0) {
		*out = NULL;
		return -ENOMEM;
	}
	return 0;
}

static void free_files(char **files, size_t count)
{
	for (size_t i = 0; i < count; i++)
		free(files[i]);
	free(files);
}

int hv_domain_disk_files(const char *xml, size_t len, char ***files, size_t *count, struct hv_error *err)
{
	auto_xml_doc xmlDocPtr doc = NULL;
	xmlNodePtr devices;
	char **list = NULL;
	size_t n = 0;
	int ret;

	*files = NULL;
	*count = 0;
	ret = conf_parse(xml, len, &doc, err);
	if (ret < 0)
		return ret;
	devices = conf_child(xmlDocGetRootElement(doc), "devices");
	for (xmlNodePtr disk = devices ? devices->children : NULL; disk; disk = disk->next) {
		xmlNodePtr source;
		xmlChar *file;
		char **grown;

		if (disk->type != XML_ELEMENT_NODE || disk->ns || !xmlStrEqual(disk->name, BAD_CAST "disk"))
			continue;
		/* Only a file disk's source is a file: a block disk's dev= is
		 * a device node, a network disk's name= is remote. */
		source = conf_child(disk, "source");
		file = source ? xmlGetNoNsProp(source, BAD_CAST "file") : NULL;
		if (!file)
			continue;
		grown = realloc(list, (n + 1) * sizeof(*list));
		if (grown) {
			list = grown;
			list[n] = strdup((const char *)file);
		}
		xmlFree(file);
		if (!grown || !list[n]) {
			free_files(list, n);
			return hv_error_set(err, ENOMEM, "out of memory while reading the domain's disks");
		}
		n++;
	}
	*files = list;
	*count = n;
	return 0;
}
