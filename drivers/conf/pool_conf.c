/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Storage pool definitions: libvirt's <pool> XML, as far as hvfs interprets
 * it. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "drivers/conf/conf_internal.h"

/* The pool types whose volumes live under a directory of the host: libvirt
 * refuses them without <target><path> ("missing storage pool target
 * path"), and a dir pool without one would have nowhere to build. */
static const char *const types_with_path[] = {"dir",   "disk", "fs",	   "iscsi", "mpath",
					      "netfs", "scsi", "vstorage", NULL};

static int check_target(xmlNodePtr root, const struct hv_pool_def *pool, struct hv_error *err)
{
	xmlNodePtr target = conf_child(root, "target");

	if (pool->target_path[0])
		return 0;
	for (const char *const *t = types_with_path; *t; t++)
		if (strcmp(pool->type, *t) == 0)
			return hv_error_set(
			    err, EINVAL, "a %s pool needs <target><path>: the directory its volumes are in",
			    pool->type);
	/* Only a logical pool's <target> may leave the path out (libvirt makes
	 * it /dev/VG). */
	if (target && strcmp(pool->type, "logical") != 0)
		return hv_error_set(err, EINVAL, "line %ld: <target> of a %s pool needs a <path>",
				    xmlGetLineNo(target), pool->type);
	return 0;
}

static int pool_def_parse(const char *xml, size_t len, const char *expected_name, bool stored,
			  struct hv_pool_def *def, struct hv_error *err)
{
	auto_xml_doc xmlDocPtr doc = NULL;
	struct hv_pool_def *parsed;
	xmlNodePtr root;
	int ret;

	/* 4 KiB of path: build it aside, so that def is only written whole. */
	parsed = calloc(1, sizeof(*parsed));
	if (!parsed)
		return hv_error_set(err, ENOMEM, "out of memory while reading the pool XML");
	ret = conf_load_definition(xml, len, HV_SCHEMA_POOL, expected_name, &doc, parsed->name, parsed->uuid,
				   err);
	root = doc ? xmlDocGetRootElement(doc) : NULL;
	if (ret == 0)
		ret = conf_attr(root, "type", parsed->type, sizeof(parsed->type), err);
	if (ret == 0)
		ret = conf_text(conf_child(conf_child(root, "target"), "path"), "the target path",
				parsed->target_path, sizeof(parsed->target_path), err);
	if (ret == 0)
		ret = conf_read_size(root, "capacity", &parsed->capacity, err);
	if (ret == 0)
		ret = conf_read_size(root, "allocation", &parsed->allocation, err);
	if (ret == 0)
		ret = conf_read_size(root, "available", &parsed->available, err);
	if (ret == 0)
		ret = check_target(root, parsed, err);
	if (ret == 0 && !stored)
		ret = conf_check_libvirt(HV_SCHEMA_POOL, doc, err);
	if (ret == 0)
		*def = *parsed;
	free(parsed);
	return ret;
}

int hv_pool_def_parse(const char *xml, size_t len, const char *expected_name, struct hv_pool_def *def,
		      struct hv_error *err)
{
	return pool_def_parse(xml, len, expected_name, false, def, err);
}

int hv_pool_def_parse_stored(const char *xml, size_t len, const char *expected_name, struct hv_pool_def *def,
			     struct hv_error *err)
{
	return pool_def_parse(xml, len, expected_name, true, def, err);
}

int hv_pool_xml_update(const char *xml, size_t len, const struct hv_pool_def *def, char **out,
		       struct hv_error *err)
{
	return conf_edit_document(xml, len, "pool", def->name, def->uuid, NULL, NULL, out, err);
}

int hv_pool_xml_default(const char *name, const char *uuid, const char *target_path, char **out)
{
	char uuid_line[CONF_UUID_LINE_SIZE];
	auto_xml_char xmlChar *path = NULL;
	struct hv_pool_def *def;
	char *text;
	int ret;

	*out = NULL;
	if (!hv_name_is_valid(name) || !target_path || target_path[0] != '/' ||
	    conf_uuid_line(uuid, uuid_line) < 0)
		return -EINVAL;
	/* A path may hold '&' or '<'. */
	path = xmlEncodeSpecialChars(NULL, BAD_CAST target_path);
	if (!path)
		return -ENOMEM;
	if (asprintf(&text,
		     "<pool type='dir'>\n"
		     "  <name>%s</name>\n"
		     "%s"
		     "  <source>\n"
		     "  </source>\n"
		     "  <target>\n"
		     "    <path>%s</path>\n"
		     "  </target>\n"
		     "</pool>\n",
		     name, uuid_line, (const char *)path) < 0)
		return -ENOMEM;
	def = malloc(sizeof(*def));
	ret = def ? hv_pool_def_parse(text, strlen(text), name, def, NULL) : -ENOMEM;
	free(def);
	return conf_finish_default(text, ret, out);
}
