/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* A driver's own sub-trees come as data (drivers/driver.h: domain_keys,
 * tree_dir; docs/design.md, "Driver data"): fs/ shows a domain's named
 * values and a tree at the root under the names the driver gives, with the
 * files it describes, and nothing for a driver without them.  Checked with
 * the test driver and with a description no driver has today. */
#include <errno.h>
#include <string.h>
#include <time.h>

#include "fs/fs.h"
#include "unit.h"

/* The fixed subdirectory names of type with c's driver, space-separated. */
static const char *subdir_names(const struct fs_ctx *c, const struct fs_dir_type *type)
{
	static char names[256];

	names[0] = '\0';
	for (const struct fs_subdir *s = type->subdirs; !fs_subdir_end(s); s++) {
		const char *name = fs_subdir_name(c, s);
		if (name)
			snprintf(names + strlen(names), sizeof(names) - strlen(names), "%s%s",
				 names[0] ? " " : "", name);
	}
	return names;
}

static const char *file_names(const struct fs_dir_type *type)
{
	static char names[256];

	names[0] = '\0';
	for (const struct fs_attr *a = type ? type->attrs : NULL; a && a->name; a++)
		snprintf(names + strlen(names), sizeof(names) - strlen(names), "%s%s", names[0] ? " " : "",
			 a->name);
	return names;
}

/* The new driver's values: one domain "test", two keys. */
static char weight[32] = "100";
static char asked_key[32], asked_path[64];

static int key_get(struct hv_conn *conn, const char *name, const char *key, char **value,
		   struct hv_error *err)
{
	(void)conn;
	snprintf(asked_key, sizeof(asked_key), "%s", key);
	if (strcmp(name, "test") != 0)
		return hv_error_set(err, ENOENT, "no domain %s", name);
	*value = strdup(strcmp(key, "weight") == 0 ? weight : "/slice/test");
	return *value ? 0 : -ENOMEM;
}

static int key_set(struct hv_conn *conn, const char *name, const char *key, const char *value,
		   struct hv_error *err)
{
	(void)conn;
	(void)name;
	if (strcmp(key, "weight") != 0)
		return hv_error_set(err, EACCES, "%s is read-only", key);
	snprintf(weight, sizeof(weight), "%s", value);
	return 0;
}

static int tree_list(struct hv_conn *conn, const char *path, struct hv_name_list *out, struct hv_error *err)
{
	(void)conn;
	(void)err;
	snprintf(asked_path, sizeof(asked_path), "%s", path);
	out->names = NULL;
	out->count = 0;
	return 0;
}

static const struct hv_device_key limit_keys[] = {
    {"weight", true, HV_FIELD_VCPUS},
    {"path", false, 0},
    {NULL, false, 0},
};
static const struct hv_domain_keys limits = {.dir = "limits", .keys = limit_keys};

static const struct fs_dir_type *domain_type(void)
{
	return fs_domains_type.collection->child_type;
}

static void test_a_driver_without_them(struct fs_ctx *c)
{
	CHECK_STR(subdir_names(c, &fs_root_type), "domains host networks pools", "the root: no tree");
	CHECK_STR(subdir_names(c, domain_type()), "devices stats", "a domain: no named values");
	CHECK(fs_dir_find_subdir(c, &fs_root_type, "xenstore") == NULL, "xenstore/ is not found");
	CHECK(fs_dir_find_subdir(c, domain_type(), "cgroup") == NULL, "nor cgroup/");
	CHECK(fs_domain_keys_type(c) == NULL, "and there is no type for them");
}

static void test_a_new_drivers_data(struct fs_ctx *c)
{
	struct hv_error err = {0};
	struct strbuf out = {0};

	CHECK_STR(subdir_names(c, &fs_root_type), "domains host networks pools store",
		  "the root shows the tree under the driver's name");
	CHECK(fs_dir_find_subdir(c, &fs_root_type, "store") == &fs_tree_type, "store/ is the tree");
	CHECK_STR(subdir_names(c, domain_type()), "devices stats limits", "a domain shows limits/");
	const struct fs_dir_type *type = fs_dir_find_subdir(c, domain_type(), "limits");
	CHECK(type && type == fs_domain_keys_type(c), "limits/ is the named values' type");
	CHECK(type && type->is_sub, "whose directory takes tools' scratch files (sed -i)");
	CHECK_STR(file_names(type), "path weight", "one file per key, alphabetical");

	const struct fs_attr *w = type ? fs_dir_find_attr(type, "weight") : NULL;
	const struct fs_attr *p = type ? fs_dir_find_attr(type, "path") : NULL;
	CHECK(w && w->mode == 0644 && w->store && (w->flags & FS_ATTR_KEYED), "weight is writable");
	CHECK(w && (w->fields & HV_FIELD_KEYS) && (w->fields & HV_FIELD_VCPUS),
	      "and changes with its key and with the vcpus, as the driver says");
	CHECK(p && p->mode == 0444 && !p->store, "path is read-only");

	struct fs_object obj = {
	    .kind = HV_KIND_DOMAIN, .name = "test", .sub_count = 2, .sub = {"limits", "weight"}};
	CHECK_INT(w ? w->show(c, &obj, &out, &err) : -1, 0, "cat weight");
	CHECK_STR(out.data, "100\n", "shows the driver's value");
	CHECK_STR(asked_key, "weight", "asked for the file's own key");
	strbuf_finish(&out);
	CHECK_INT(w ? w->store(c, &obj, "250 \n", 5, &err) : -1, 0, "echo 250 > weight");
	CHECK_STR(weight, "250", "the driver got it trimmed");
	CHECK_INT(w ? w->store(c, &obj, "2\n5\n", 4, &err) : -1, -EINVAL, "two lines are refused");
	CHECK(strstr(err.message, "one line") != NULL, "and fs/ says why: %s", err.message);
	hv_error_clear(&err);

	char *value = NULL;
	CHECK_INT(hv_domain_key_get(c->conn, "test", "cpuset", &value, &err), -EINVAL,
		  "a key the driver does not list is refused before it is asked");
	CHECK(strstr(err.message, "limits") != NULL, "naming the directory: %s", err.message);
	hv_error_clear(&err);

	struct fs_object node = {.kind = HV_KIND_HOST, .sub_count = 2, .sub = {"local", "domain"}};
	char path[HV_TREE_PATH_MAX + 1];
	CHECK_INT(fs_tree_path(&node, "0", path, sizeof(path)), 0, "a tree node's path");
	CHECK_STR(path, "/local/domain/0", "is the chain of its names");
	struct hv_name_list names = {0};
	CHECK_INT(fs_tree_type.collection->list(c, &node, &names, &err), 0, "listing a tree node");
	CHECK_STR(asked_path, "/local/domain", "asks the driver for that path");
	hv_name_list_finish(&names);
}

int main(void)
{
	struct fs_ctx ctx = {0}, other = {0};
	struct hv_error err = {0};
	struct timespec now;

	clock_gettime(CLOCK_REALTIME, &now);
	CHECK(fs_ctx_init(&ctx, now) == 0, "context");
	CHECK(hv_conn_open("test:///default", NULL, NULL, &ctx.conn, &err) == 0, "open: %s", err.message);
	test_a_driver_without_them(&ctx);

	struct hv_driver_ops ops = *ctx.conn->ops;
	struct hv_conn conn = *ctx.conn;
	ops.domain_keys = &limits;
	ops.domain_key_get = key_get;
	ops.domain_key_set = key_set;
	ops.tree_dir = "store";
	ops.tree_list = tree_list;
	conn.ops = &ops;
	other.conn = &conn;
	CHECK(fs_ctx_init(&other, now) == 0, "a second context");
	test_a_new_drivers_data(&other);
	fs_ctx_finish(&other);

	hv_conn_close(ctx.conn);
	fs_ctx_finish(&ctx);
	return UNIT_DONE();
}
