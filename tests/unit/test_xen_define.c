/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The Xen driver's define path (xen_domain_define) without Xen: a fake
 * hypervisor list through drv->list_read and a temporary state directory.
 * What is checked is the UUID a definition may give (docs/paths.md,
 * "UUIDs"): a definition exported elsewhere (libvirt's libxl dumpxml,
 * tests/data/domain/xen-pv-kernel.xml) is taken with its UUID by the
 * directory mkdir made; another domain's UUID, running or defined, is
 * EEXIST naming it; a running domain keeps the UUID it runs with (EBUSY).
 * Starting a guest needs a hypervisor: tests/xen covers it in dom0. */
#include <errno.h>
#include <stdlib.h>
#include <unistd.h>

#include "drivers/xen/xen_private.h"
#include "tests/unit/unit.h"
#include "util/atomic_file.h"
#include "util/cleanup.h"

/* The UUID of "run1", the guest the fake hypervisor runs (domid 3). */
#define RUNNING_UUID "0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d"

static int fake_list_read(struct xen_driver *drv, struct xen_dom_list *out, struct hv_error *err)
{
	static const uint8_t handle[16] = {0x0a, 0x1b, 0x2c, 0x3d, 0x4e, 0x5f, 0x4a, 0x6b,
					   0x8c, 0x7d, 0x9e, 0x0f, 0x1a, 0x2b, 0x3c, 0x4d};

	(void)drv, (void)err;
	*out = (struct xen_dom_list){.doms = calloc(2, sizeof(*out->doms))};
	if (!out->doms)
		return -ENOMEM;
	out->count = 2;
	out->doms[0] = (struct xen_dom){.domid = 0, .name = "Domain-0"};
	out->doms[0].info.flags = XEN_DOMINF_running;
	out->doms[1] = (struct xen_dom){.domid = 3, .name = "run1"};
	out->doms[1].info.flags = XEN_DOMINF_running;
	memcpy(out->doms[1].info.handle, handle, sizeof(handle));
	return 0;
}

static unsigned changes, last_type;
static uint32_t last_fields;

static void on_change(void *opaque, const struct hv_change *change)
{
	(void)opaque;
	changes++;
	last_type = change->type;
	last_fields = change->fields;
}

/* A file's whole text, or NULL. */
static char *slurp(const char *path)
{
	char *text = NULL;
	size_t len;

	return file_read_all(path, 1 << 20, &text, &len) == 0 ? text : NULL;
}

/* The definition of name as the state directory keeps it, or NULL. */
static char *stored_definition(struct xen_driver *drv, const char *name)
{
	struct hv_error err = {0};
	char *xml = NULL;
	size_t len;

	return xen_def_read(drv, name, &xml, &len, &err) == 0 ? xml : NULL;
}

/* text with the first "<name>…</name>" made name and, when uuid is not
 * NULL, the first "<uuid>…</uuid>" made uuid. */
static char *with_identity(const char *text, const char *name, const char *uuid)
{
	const char *n0 = strstr(text, "<name>"), *n1 = n0 ? strstr(n0, "</name>") : NULL;
	const char *u0 = strstr(text, "<uuid>"), *u1 = u0 ? strstr(u0, "</uuid>") : NULL;
	char *out = NULL;

	if (!n1 || !u1 || u0 < n1)
		return NULL;
	/* Without uuid, the element goes with the line it is on. */
	if (!uuid) {
		while (u0 > text && (u0[-1] == ' ' || u0[-1] == '\t'))
			u0--;
		u1 += strlen("</uuid>");
		if (*u1 == '\n')
			u1++;
	}
	if (asprintf(&out, "%.*s<name>%s%.*s%s%s%s", (int)(n0 - text), text, name, (int)(u0 - n1), n1,
		     uuid ? "<uuid>" : "", uuid ? uuid : "", u1) < 0)
		return NULL;
	return out;
}

static int define(struct hv_conn *conn, const char *name, const char *xml, struct hv_error *err)
{
	hv_error_clear(err);
	return xen_domain_define(conn, name, xml, xml ? strlen(xml) : 0, err);
}

static void test_uuids(struct hv_conn *conn, const char *data_dir)
{
	struct xen_driver *drv = conn->priv;
	struct hv_error err = {0};
	struct hv_domain_info info;
	char path[4096];

	snprintf(path, sizeof(path), "%s/domain/xen-pv-kernel.xml", data_dir);
	auto_free char *exported = slurp(path);
	CHECK(exported != NULL, "fixture %s", path);
	if (!exported)
		return;

	/* mkdir, then the exported document: its UUID replaces mkdir's. */
	CHECK_INT(define(conn, "pv-direct", NULL, &err), 0, "mkdir pv-direct (%s)", err.message);
	CHECK_INT(last_type, HV_CHANGE_CREATED, "mkdir: created");
	CHECK_INT(xen_domain_info(conn, "pv-direct", &info, &err), 0, "info (%s)", err.message);
	CHECK(strcmp(info.uuid, "596a5d21-71f4-8fb2-e068-e2386a5c413e") != 0, "mkdir gave a UUID of its own");
	CHECK_INT(define(conn, "pv-direct", exported, &err), 0, "the exported definition (%s)", err.message);
	CHECK_INT(last_type, HV_CHANGE_MODIFIED, "redefined: modified");
	CHECK(last_fields & HV_FIELD_UUID, "the uuid file is reported changed");
	CHECK_INT(xen_domain_info(conn, "pv-direct", &info, &err), 0, "info (%s)", err.message);
	CHECK_STR(info.uuid, "596a5d21-71f4-8fb2-e068-e2386a5c413e", "the document's UUID shows");
	auto_free char *stored = stored_definition(drv, "pv-direct");
	CHECK_STR(stored, exported, "the state directory has the document as written");

	/* Its UUID is taken now: another domain cannot have it. */
	auto_free char *copy = with_identity(exported, "pv2", "596a5d21-71f4-8fb2-e068-e2386a5c413e");
	CHECK(copy != NULL, "a copy named pv2");
	CHECK_INT(define(conn, "pv2", NULL, &err), 0, "mkdir pv2");
	unsigned before = changes;
	CHECK_INT(define(conn, "pv2", copy, &err), -EEXIST, "a defined domain's UUID");
	CHECK_STR(err.message,
		  "UUID 596a5d21-71f4-8fb2-e068-e2386a5c413e is already used by domain 'pv-direct'",
		  "the reason names the owner, not pv2");
	CHECK_INT(changes, before, "a refused definition reports nothing");
	auto_free char *kept = stored_definition(drv, "pv2");
	CHECK(kept && !strstr(kept, "596a5d21"), "pv2's definition is left as it was");

	/* A running domain's UUID (the hypervisor's handle) is its own. */
	auto_free char *stolen = with_identity(exported, "pv2", RUNNING_UUID);
	CHECK_INT(define(conn, "pv2", stolen, &err), -EEXIST, "a running domain's UUID");
	CHECK_STR(err.message, "UUID " RUNNING_UUID " is already used by domain 'run1'", "names run1");

	/* The running domain keeps its UUID until it is built again. */
	auto_free char *run1 = with_identity(exported, "run1", "5e6f7a8b-9c0d-4e1f-8a2b-3c4d5e6f7a8b");
	CHECK_INT(define(conn, "run1", run1, &err), -EBUSY, "a new UUID while running");
	CHECK_STR(
	    err.message,
	    "domain 'run1' is active with UUID " RUNNING_UUID
	    ": a new UUID (5e6f7a8b-9c0d-4e1f-8a2b-3c4d5e6f7a8b) can be given only while it is shut off",
	    "EBUSY: reason");
	auto_free char *run1_same = with_identity(exported, "run1", RUNNING_UUID);
	CHECK_INT(define(conn, "run1", run1_same, &err), 0, "its own UUID while running (%s)", err.message);
	auto_free char *run1_none = with_identity(exported, "run1", NULL);
	CHECK(run1_none && !strstr(run1_none, "<uuid>"), "a copy without <uuid>");
	CHECK_INT(define(conn, "run1", run1_none, &err), 0, "no UUID while running (%s)", err.message);

	/* Shut off, a domain takes a new UUID no other has. */
	auto_free char *fresh = with_identity(exported, "pv2", "5e6f7a8b-9c0d-4e1f-8a2b-3c4d5e6f7a8b");
	CHECK_INT(define(conn, "pv2", fresh, &err), 0, "a free UUID (%s)", err.message);
	CHECK_INT(xen_domain_info(conn, "pv2", &info, &err), 0, "info (%s)", err.message);
	CHECK_STR(info.uuid, "5e6f7a8b-9c0d-4e1f-8a2b-3c4d5e6f7a8b", "pv2's new UUID shows");
	CHECK_INT(define(conn, "Domain-0", exported, &err), -EBUSY, "Domain-0 has no definition to replace");
}

int main(int argc, char **argv)
{
	const char *data_dir = argc > 1 ? argv[1] : "tests/data";
	struct xen_driver drv = {0};
	struct hv_conn conn = {.priv = &drv, .on_change = on_change};
	char dir[] = "/tmp/hvfs-xen-define-XXXXXX";

	if (!mkdtemp(dir)) {
		perror("mkdtemp");
		return 1;
	}
	snprintf(drv.state_dir, sizeof(drv.state_dir), "%s", dir);
	drv.conn = &conn;
	drv.list_read = fake_list_read;
	pthread_mutex_init(&drv.lock, NULL);
	pthread_mutex_init(&drv.define_lock, NULL);
	test_uuids(&conn, data_dir);
	pthread_mutex_destroy(&drv.define_lock);
	pthread_mutex_destroy(&drv.lock);
	static const char *const files[] = {"pv-direct", "pv2", "run1"};
	char path[sizeof(dir) + 32];
	for (size_t i = 0; i < ARRAY_SIZE(files); i++) {
		snprintf(path, sizeof(path), "%s/domains/%s", dir, files[i]);
		unlink(path);
	}
	snprintf(path, sizeof(path), "%s/domains", dir);
	CHECK_INT(rmdir(path), 0, "nothing else was left in domains/");
	CHECK_INT(rmdir(dir), 0, "nor in the state directory");
	return UNIT_DONE();
}
