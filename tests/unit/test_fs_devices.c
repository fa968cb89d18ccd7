/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* domains/NAME/devices/ is made from what the driver describes: one file
 * per key of each class (hv_driver_ops.device_classes), nothing in fs/
 * knowing a driver.  Checked in-process with the test driver, and with a
 * description no driver has today, as a new driver would bring one. */
#include <errno.h>
#include <string.h>
#include <time.h>

#include "fs/fs.h"
#include "unit.h"

static struct fs_ctx ctx;

/* The directory type of domains/DOMAIN/devices/CLASS/NAME in c. */
static const struct fs_dir_type *device_type(struct fs_ctx *c, const char *domain, const char *cls,
					     const char *name)
{
	const struct fs_dir_type *class_type = fs_devices_type.collection->child_type;
	struct fs_object obj = {.kind = HV_KIND_DOMAIN, .name = domain, .sub_count = 1, .sub = {cls}};

	return class_type->collection->type_of(c, &obj, name);
}

/* The type's file names, space-separated. */
static const char *file_names(const struct fs_dir_type *type)
{
	static char names[512];

	names[0] = '\0';
	for (const struct fs_attr *a = type->attrs; a && a->name; a++)
		snprintf(names + strlen(names), sizeof(names) - strlen(names), "%s%s", names[0] ? " " : "",
			 a->name);
	return names;
}

/* What cat of domains/DOMAIN/devices/CLS/NAME/KEY shows, or NULL. */
static char *show(const struct fs_dir_type *type, const char *domain, const char *cls, const char *name,
		  const char *key)
{
	const struct fs_attr *attr = fs_dir_find_attr(type, key);
	struct fs_object obj = {
	    .kind = HV_KIND_DOMAIN, .name = domain, .sub_count = 3, .sub = {cls, name, key}};
	struct strbuf out = {0};
	struct hv_error err = {0};

	if (!attr || !(attr->flags & FS_ATTR_KEYED) || attr->show(&ctx, &obj, &out, &err) < 0) {
		strbuf_finish(&out);
		return NULL;
	}
	return strbuf_steal(&out);
}

static int store(const struct fs_dir_type *type, const char *domain, const char *cls, const char *name,
		 const char *key, const char *value, struct hv_error *err)
{
	const struct fs_attr *attr = fs_dir_find_attr(type, key);
	struct fs_object obj = {
	    .kind = HV_KIND_DOMAIN, .name = domain, .sub_count = 3, .sub = {cls, name, key}};

	if (!attr || !attr->store)
		return -EACCES;
	return attr->store(&ctx, &obj, value, strlen(value), err);
}

static void test_libvirt_classes(void)
{
	const struct fs_dir_type *disk = device_type(&ctx, "test", "disk", "vda");
	const struct fs_dir_type *iface = device_type(&ctx, "test", "interface", "0");
	const struct fs_dir_type *controller = device_type(&ctx, "test", "controller", "pci.0");

	CHECK_STR(file_names(disk), "address bus format readonly source", "a disk's files");
	CHECK_STR(file_names(iface), "address ip link_state mac model network", "an interface's files");
	CHECK_STR(file_names(controller), "address model type", "any other class: the driver's \"*\"");
	CHECK(device_type(&ctx, "test", "disk", "vdb") == disk, "one type per class, the same every lookup");

	const struct fs_attr *link = fs_dir_find_attr(iface, "link_state");
	const struct fs_attr *ip = fs_dir_find_attr(iface, "ip");
	const struct fs_attr *mac = fs_dir_find_attr(iface, "mac");
	CHECK(link && link->mode == 0644 && link->store, "link_state is writable, as the driver says");
	CHECK(mac && mac->mode == 0444 && !mac->store, "mac is read-only");
	CHECK(ip && (ip->fields & HV_FIELD_LEASES) && (ip->fields & HV_FIELD_DEVICES),
	      "ip changes with the leases as well as the devices");
}

static void test_values_come_from_the_driver(void)
{
	const struct fs_dir_type *iface = device_type(&ctx, "test", "interface", "0");
	struct hv_device_list list = {0};
	struct hv_error err = {0};
	const char *want = NULL;

	CHECK(hv_domain_device_list(ctx.conn, "test", &list, &err) == 0, "device list: %s", err.message);
	for (size_t i = 0; i < list.count; i++)
		if (strcmp(list.devices[i].cls, "interface") == 0 && strcmp(list.devices[i].name, "0") == 0)
			want = hv_device_attr(&list.devices[i], "mac");
	char *mac = show(iface, "test", "interface", "0", "mac");
	CHECK(want && mac && strncmp(mac, want, strlen(want)) == 0 && mac[strlen(want)] == '\n',
	      "mac shows the driver's value: %s", mac ? mac : "(none)");
	free(mac);
	hv_device_list_finish(&list);

	CHECK_INT(store(iface, "test", "interface", "0", "link_state", "down\n", &err), 0,
		  "link_state down: %s", err.message);
	char *link = show(iface, "test", "interface", "0", "link_state");
	CHECK_STR(link, "down\n", "and it shows down");
	free(link);
	CHECK_INT(store(iface, "test", "interface", "0", "link_state", "sideways", &err), -EINVAL,
		  "the driver refuses a bad value");
	CHECK(strstr(err.message, "sideways") != NULL, "and says why: %s", err.message);
	hv_error_clear(&err);
	CHECK_INT(store(iface, "test", "interface", "0", "link_state", "up", &err), 0, "link_state up again");
}

/* A driver fs/ has never seen: its classes and keys in any order. */
static const struct hv_device_key tpm_keys[] = {
    {"version", false, 0},
    {"model", false, 0},
    {"backend", true, HV_FIELD_STATE},
    {NULL, false, 0},
};
static const struct hv_device_class new_driver_classes[] = {
    {"tpm", tpm_keys},
    {NULL, NULL},
};

static void test_a_new_drivers_description(void)
{
	struct hv_driver_ops ops = *ctx.conn->ops;
	struct hv_conn conn = *ctx.conn;
	struct fs_ctx other = {.conn = &conn};
	struct timespec now;

	ops.device_classes = new_driver_classes;
	conn.ops = &ops;
	clock_gettime(CLOCK_REALTIME, &now);
	CHECK(fs_ctx_init(&other, now) == 0, "a second context");
	const struct fs_dir_type *tpm = device_type(&other, "test", "tpm", "0");
	CHECK_STR(file_names(tpm), "backend model version", "its keys as files, alphabetical");
	const struct fs_attr *backend = fs_dir_find_attr(tpm, "backend");
	CHECK(backend && backend->mode == 0644 && (backend->fields & HV_FIELD_STATE),
	      "with the mode and fields it gives");
	CHECK_STR(file_names(device_type(&other, "test", "rng", "0")), "",
		  "a class it does not describe has no files (no \"*\")");
	CHECK(device_type(&other, "test", "disk", "vda") != device_type(&ctx, "test", "disk", "vda"),
	      "each context has types of its own driver");
	fs_ctx_finish(&other);
}

int main(void)
{
	struct hv_error err = {0};
	struct timespec now;

	clock_gettime(CLOCK_REALTIME, &now);
	CHECK(fs_ctx_init(&ctx, now) == 0, "context");
	CHECK(hv_conn_open("test:///default", NULL, NULL, &ctx.conn, &err) == 0, "open: %s", err.message);

	test_libvirt_classes();
	test_values_come_from_the_driver();
	test_a_new_drivers_description();

	hv_conn_close(ctx.conn);
	fs_ctx_finish(&ctx);
	return UNIT_DONE();
}
