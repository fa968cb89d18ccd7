/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Devices of the test driver's domains and the addresses they hold.
 *
 * A domain's devices are read from its stored XML whenever they are needed
 * (device_conf.h): the XML is the truth, and reading it costs less than
 * keeping a second model in step with every define.  What the XML does not
 * say is kept per domain in struct test_dev_addr records: every address its
 * devices hold, and whether the user wrote it ("given") or hvfs allocated
 * it.  Allocated ones live only in the records and the persisted header,
 * because a define stores the user's text byte for byte (docs/paths.md,
 * "Devices"); attach, detach and link_state are hvfs's own edits, so what
 * they allocate is written into the XML and becomes given.
 *
 * Uniqueness: MACs across the host, in drv->macs, owned by "domain NAME".
 * PCI and drive addresses only within a domain, so their spaces are built
 * for each operation from the domain's devices; they never outlive it.
 * Assignment is in three passes so that what users wrote always wins:
 * given addresses first, then the addresses a device held before (a
 * redefine with the same devices changes nothing), then the first free. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "drivers/conf/device_conf.h"
#include "drivers/conf/xml_splice.h"
#include "drivers/lifecycle.h"
#include "drivers/test/test_private.h"
#include "util/cleanup.h"
#include "util/log.h"

#define OWNER_MAX (HV_NAME_MAX + 8)

static struct test_domain *domain_of(struct hv_object *obj)
{
	return test_container_of(obj, struct test_domain, obj);
}

int test_devices_init(struct test_driver *drv, struct hv_error *err)
{
	return hv_mac_space_create(&drv->macs, err);
}

void test_devices_finish(struct test_driver *drv)
{
	addr_space_destroy(drv->macs);
	drv->macs = NULL;
	free(drv->leases);
	drv->leases = NULL;
	drv->lease_count = drv->lease_cap = 0;
}

void test_domain_destroy(struct hv_object *obj)
{
	if (obj)
		free(domain_of(obj)->addrs);
	hv_kind_destroy(obj);
}

static void owner_of(const char *domain, char owner[OWNER_MAX])
{
	snprintf(owner, OWNER_MAX, "domain %s", domain);
}

/* "disk/vda" as messages name a holder: "disk vda". */
static void label_of(const char *id, char label[TEST_DEV_ID_MAX])
{
	snprintf(label, TEST_DEV_ID_MAX, "%s", id);
	char *slash = strchr(label, '/');
	if (slash)
		*slash = ' ';
}

static void dev_id(const struct hv_device_info *info, char id[TEST_DEV_ID_MAX])
{
	snprintf(id, TEST_DEV_ID_MAX, "%s/%s", info->cls, info->name);
}

static const char *const kind_words[] = {
    [TEST_ADDR_PCI] = "pci", [TEST_ADDR_DRIVE] = "drive", [TEST_ADDR_MAC] = "mac"};
static const char *const bus_words[] = {
    [HV_DRIVE_BUS_IDE] = "ide", [HV_DRIVE_BUS_SATA] = "sata", [HV_DRIVE_BUS_SCSI] = "scsi"};

static void record_text(const struct test_dev_addr *a, char text[HV_ADDRESS_TEXT_MAX])
{
	struct hv_pci_address pci;
	struct hv_drive_address drive;
	struct hv_mac_address mac;

	switch (a->kind) {
	case TEST_ADDR_PCI:
		hv_pci_address_from_tuple(&a->tuple, &pci);
		hv_pci_address_format(&pci, text);
		break;
	case TEST_ADDR_DRIVE:
		hv_drive_address_from_tuple(&a->tuple, &drive);
		hv_drive_address_format(&drive, text);
		break;
	default:
		hv_mac_address_from_tuple(&a->tuple, &mac);
		hv_mac_address_format(&mac, text);
		break;
	}
}

static const struct test_dev_addr *record_find(const struct test_dev_addr *addrs, unsigned count,
					       const char *id, enum test_addr_kind kind)
{
	for (unsigned i = 0; i < count; i++)
		if (addrs[i].kind == kind && strcmp(addrs[i].dev, id) == 0)
			return &addrs[i];
	return NULL;
}

/* --- assignment ----------------------------------------------------------- */

struct records {
	struct test_dev_addr *items;
	unsigned count, cap;
};

static int records_add(struct records *r, const char *id, enum test_addr_kind kind, unsigned bus, bool given,
		       const struct addr_tuple *tuple, struct hv_error *err)
{
	if (r->count == r->cap) {
		unsigned cap = r->cap ? r->cap * 2 : 8;
		struct test_dev_addr *items = realloc(r->items, cap * sizeof(*items));
		if (!items)
			return hv_error_set(err, ENOMEM, "out of memory");
		r->items = items;
		r->cap = cap;
	}
	struct test_dev_addr *a = &r->items[r->count++];
	*a = (struct test_dev_addr){
	    .kind = (uint8_t)kind, .bus = (uint8_t)bus, .given = given, .tuple = *tuple};
	snprintf(a->dev, sizeof(a->dev), "%s", id);
	return 0;
}

/* One operation's view of a domain's addresses. */
struct assignment {
	struct test_driver *drv;
	char owner[OWNER_MAX];
	const unsigned *controllers;
	const struct hv_pci_buses *pci_buses;
	struct addr_space *pci, *drive[3];
	const struct test_dev_addr *hints;
	unsigned hint_count;
	const char *newcomer; /* "disk/vdb" being attached, or NULL */
	struct records r;
};

static int space_for(struct assignment *as, enum test_addr_kind kind, unsigned bus, struct addr_space **out,
		     struct hv_error *err)
{
	int ret = 0;

	if (kind == TEST_ADDR_MAC) {
		*out = as->drv->macs;
		return 0;
	}
	if (kind == TEST_ADDR_PCI && !as->pci)
		ret = hv_pci_space_create_buses(as->pci_buses, &as->pci, err);
	else if (kind == TEST_ADDR_DRIVE && !as->drive[bus])
		ret =
		    hv_drive_space_create((enum hv_drive_bus)bus, as->controllers[bus], &as->drive[bus], err);
	*out = kind == TEST_ADDR_PCI ? as->pci : as->drive[bus];
	return ret;
}

static int reserve(struct assignment *as, const char *id, enum test_addr_kind kind, unsigned bus, bool given,
		   const struct addr_tuple *tuple, struct hv_error *err)
{
	struct addr_space *space;
	char label[TEST_DEV_ID_MAX];
	int ret = space_for(as, kind, bus, &space, err);

	label_of(id, label);
	if (ret == 0)
		ret = addr_space_reserve(space, tuple, as->owner, label, err);
	if (ret == 0)
		ret = records_add(&as->r, id, kind, bus, given, tuple, err);
	return ret;
}

/* Passes 1 and 3 for a device without such an address: the one it held
 * before when that is still free, else the first free one. */
static int take_free(struct assignment *as, const char *id, enum test_addr_kind kind, unsigned bus, int pass,
		     struct hv_error *err)
{
	const struct test_dev_addr *hint;
	struct addr_space *space;
	char label[TEST_DEV_ID_MAX];
	struct addr_tuple tuple;
	struct hv_error ignored = {0};
	int ret;

	if (pass == 1) {
		hint = record_find(as->hints, as->hint_count, id, kind);
		if (!hint || (kind == TEST_ADDR_DRIVE && hint->bus != bus))
			return 0;
		ret = reserve(as, id, kind, bus, false, &hint->tuple, &ignored);
		/* Taken by a device the user placed since: pass 2 finds another. */
		return ret == -ENOMEM ? hv_error_set(err, ENOMEM, "out of memory") : 0;
	}
	if (record_find(as->r.items, as->r.count, id, kind))
		return 0;
	label_of(id, label);
	ret = space_for(as, kind, bus, &space, err);
	if (ret == 0)
		ret = addr_space_allocate(space, as->owner, label, &tuple, err);
	if (ret == 0)
		ret = records_add(&as->r, id, kind, bus, false, &tuple, err);
	return ret;
}

/* Passes: 0 what the user wrote, 1 what devices held before, 2 what the
 * user wrote for a device being attached (it must not move the others),
 * 3 the first free for the rest. */
static int assign_device(struct assignment *as, const struct hv_device_def *dev, int pass,
			 struct hv_error *err)
{
	enum test_addr_kind kind = dev->wants == HV_ADDRESS_DRIVE ? TEST_ADDR_DRIVE : TEST_ADDR_PCI;
	char id[TEST_DEV_ID_MAX];
	struct addr_tuple tuple;
	int given_pass, ret = 0;

	dev_id(&dev->info, id);
	given_pass = as->newcomer && strcmp(id, as->newcomer) == 0 ? 2 : 0;
	if (dev->address.type == HV_ADDRESS_PCI && pass == given_pass) {
		hv_pci_address_to_tuple(&dev->address.pci, &tuple);
		ret = reserve(as, id, TEST_ADDR_PCI, 0, true, &tuple, err);
	} else if (dev->address.type == HV_ADDRESS_DRIVE && pass == given_pass) {
		hv_drive_address_to_tuple(&dev->address.drive, &tuple);
		ret = reserve(as, id, TEST_ADDR_DRIVE, dev->drive_bus, true, &tuple, err);
	} else if (dev->address.type == HV_ADDRESS_NONE && dev->wants != HV_ADDRESS_NONE && pass % 2 == 1) {
		ret = take_free(as, id, kind, dev->drive_bus, pass, err);
	}
	if (ret < 0 || !dev->is_interface)
		return ret;
	if (dev->has_mac && pass == given_pass) {
		hv_mac_address_to_tuple(&dev->mac, &tuple);
		return reserve(as, id, TEST_ADDR_MAC, 0, true, &tuple, err);
	}
	return !dev->has_mac && pass % 2 == 1 ? take_free(as, id, TEST_ADDR_MAC, 0, pass, err) : 0;
}

/* Gives domain's devices their addresses: the domain's MACs in the host
 * space become exactly the ones in *out.  On failure the domain holds no
 * MAC at all: the caller restores what it had (macs_restore). */
static int assign(struct test_driver *drv, const char *domain, const struct hv_device_defs *defs,
		  const struct test_dev_addr *hints, unsigned hint_count, const char *newcomer,
		  struct records *out, struct hv_error *err)
{
	struct assignment as = {.drv = drv,
				.controllers = defs->drive_controllers,
				.pci_buses = &defs->pci_buses,
				.hints = hints,
				.hint_count = hint_count,
				.newcomer = newcomer};
	int ret = 0;

	owner_of(domain, as.owner);
	addr_space_release_owner(drv->macs, as.owner);
	for (int pass = 0; pass < 4 && ret == 0; pass++)
		for (size_t i = 0; i < defs->count && ret == 0; i++)
			ret = assign_device(&as, &defs->devices[i], pass, err);
	addr_space_destroy(as.pci);
	for (int bus = 0; bus < 3; bus++)
		addr_space_destroy(as.drive[bus]);
	if (ret < 0) {
		addr_space_release_owner(drv->macs, as.owner);
		free(as.r.items);
		return ret;
	}
	*out = as.r;
	return 0;
}

/* Makes the host's MACs of domain exactly those of addrs.  They were held
 * before, so nothing should clash; if something does (a hand-edited
 * persisted file), it is logged and the rest still counts. */
static void macs_restore(struct test_driver *drv, const char *domain, const struct test_dev_addr *addrs,
			 unsigned count)
{
	char owner[OWNER_MAX], label[TEST_DEV_ID_MAX];

	owner_of(domain, owner);
	addr_space_release_owner(drv->macs, owner);
	for (unsigned i = 0; i < count; i++) {
		struct hv_error err = {0};
		if (addrs[i].kind != TEST_ADDR_MAC)
			continue;
		label_of(addrs[i].dev, label);
		if (addr_space_reserve(drv->macs, &addrs[i].tuple, owner, label, &err) < 0)
			log_error("domain '%s': %s", domain, err.message);
	}
}

static int parse_devices(const struct hv_object *obj, struct hv_device_defs *defs, struct hv_error *err)
{
	return hv_domain_devices_parse(obj->xml, strlen(obj->xml), defs, err);
}

/* --- the kind's hooks ----------------------------------------------------- */

int test_devices_adopt(void *driver, struct hv_object *staged, const struct hv_object *prev,
		       struct hv_error *err)
{
	struct test_driver *drv = driver;
	const struct test_domain *old = prev ? test_container_of(prev, const struct test_domain, obj) : NULL;
	struct hv_device_defs defs;
	struct records r;
	int ret = parse_devices(staged, &defs, err);

	if (ret == 0)
		ret = assign(drv, staged->name, &defs, old ? old->addrs : NULL, old ? old->addr_count : 0,
			     NULL, &r, err);
	hv_device_defs_finish(&defs);
	if (ret < 0) {
		if (old)
			macs_restore(drv, prev->name, old->addrs, old->addr_count);
		return ret;
	}
	domain_of(staged)->addrs = r.items;
	domain_of(staged)->addr_count = r.count;
	return 0;
}

void test_devices_adopt_end(void *driver, struct hv_object *obj, struct hv_object *dropped, bool kept)
{
	struct test_driver *drv = driver;
	free(domain_of(dropped)->addrs);
	domain_of(dropped)->addrs = NULL;
	if (!kept)
		macs_restore(drv, obj->name, domain_of(obj)->addrs, domain_of(obj)->addr_count);
}

void test_devices_forget(void *driver, struct hv_object *obj)
{
	struct test_driver *drv = driver;
	char owner[OWNER_MAX];

	owner_of(obj->name, owner);
	addr_space_release_owner(drv->macs, owner);
	free(domain_of(obj)->addrs);
	domain_of(obj)->addrs = NULL;
	domain_of(obj)->addr_count = 0;
}

int test_devices_renamed(void *driver, const char *old_name, const char *new_name, struct hv_error *err)
{
	struct test_driver *drv = driver;
	char from[OWNER_MAX], to[OWNER_MAX];
	int ret;

	owner_of(old_name, from);
	owner_of(new_name, to);
	ret = addr_space_rename_owner(drv->macs, from, to);
	if (ret == -ENOENT)
		ret = 0;
	if (ret < 0)
		return hv_error_set(err, -ret, "cannot hand the MAC addresses of %s to %s", from, to);
	test_leases_renamed(drv, HV_KIND_DOMAIN, old_name, new_name);
	return 0;
}

/* --- persistence ---------------------------------------------------------- */

int test_devices_render(const struct test_domain *dom, struct strbuf *sb)
{
	char text[HV_ADDRESS_TEXT_MAX];
	int ret = strbuf_printf(sb, "devices %u\n", dom->addr_count);

	for (unsigned i = 0; i < dom->addr_count && ret == 0; i++) {
		const struct test_dev_addr *a = &dom->addrs[i];
		record_text(a, text);
		ret = strbuf_printf(sb, "address %s %s %s %s\n", a->dev,
				    a->kind == TEST_ADDR_DRIVE ? bus_words[a->bus] : kind_words[a->kind],
				    text, a->given ? "given" : "auto");
	}
	return ret;
}

bool test_devices_parse_line(const char *value, struct test_dev_addr *out)
{
	char dev[TEST_DEV_ID_MAX], word[8], text[HV_ADDRESS_TEXT_MAX], given[8];
	enum hv_drive_bus bus;
	int ret = -EINVAL;

	if (sscanf(value, "%94s %7s %47s %7s", dev, word, text, given) != 4 || !strchr(dev, '/'))
		return false;
	*out = (struct test_dev_addr){.given = strcmp(given, "given") == 0};
	snprintf(out->dev, sizeof(out->dev), "%s", dev);
	if (strcmp(word, "pci") == 0) {
		struct hv_pci_address pci;
		out->kind = TEST_ADDR_PCI;
		ret = hv_pci_address_parse(text, strlen(text), &pci, NULL);
		if (ret == 0)
			hv_pci_address_to_tuple(&pci, &out->tuple);
	} else if (strcmp(word, "mac") == 0) {
		struct hv_mac_address mac;
		out->kind = TEST_ADDR_MAC;
		ret = hv_mac_address_parse(text, strlen(text), &mac, NULL);
		if (ret == 0)
			hv_mac_address_to_tuple(&mac, &out->tuple);
	} else if (hv_drive_bus_parse(word, &bus) == 0) {
		struct hv_drive_address drive;
		out->kind = TEST_ADDR_DRIVE;
		out->bus = (uint8_t)bus;
		ret = hv_drive_address_parse(text, strlen(text), &drive, NULL);
		if (ret == 0)
			hv_drive_address_to_tuple(&drive, &out->tuple);
	}
	return ret == 0;
}

void test_devices_load(struct test_driver *drv, struct test_domain *dom, bool trusted)
{
	struct hv_device_defs defs;
	struct hv_error err = {0};
	struct records r;
	int ret;

	if (trusted) {
		macs_restore(drv, dom->obj.name, dom->addrs, dom->addr_count);
		return;
	}
	/* The text changed behind our back (or predates the records): what
	 * the header says are hints, the XML decides, and the result is saved
	 * so that what was allocated now stays. */
	ret = parse_devices(&dom->obj, &defs, &err);
	if (ret == 0)
		ret = assign(drv, dom->obj.name, &defs, dom->addrs, dom->addr_count, NULL, &r, &err);
	hv_device_defs_finish(&defs);
	if (ret < 0) {
		log_error("domain '%s': its device addresses cannot be assigned: %s", dom->obj.name,
			  err.message);
		macs_restore(drv, dom->obj.name, dom->addrs, dom->addr_count);
		return;
	}
	free(dom->addrs);
	dom->addrs = r.items;
	dom->addr_count = r.count;
	if (test_persist_object(drv, HV_KIND_DOMAIN, &dom->obj, &err) < 0)
		log_error("domain '%s': %s", dom->obj.name, err.message);
}

/* --- listing -------------------------------------------------------------- */

/* What the records and the leases add to what the XML says. */
static void complete_info(struct test_driver *drv, const struct test_domain *dom,
			  const struct hv_device_def *dev, struct hv_device_info *info)
{
	char id[TEST_DEV_ID_MAX], text[HV_ADDRESS_TEXT_MAX], value[HV_ADDRESS_TEXT_MAX + 8];
	const struct test_dev_addr *a;
	const struct test_lease *lease;

	dev_id(&dev->info, id);
	*info = dev->info;
	for (unsigned i = 0; i < dom->addr_count; i++) {
		a = &dom->addrs[i];
		if (a->given || strcmp(a->dev, id) != 0)
			continue;
		record_text(a, text);
		if (a->kind == TEST_ADDR_MAC) {
			hv_device_info_set(info, "mac", text);
			continue;
		}
		snprintf(value, sizeof(value), "%s %s", kind_words[a->kind], text);
		hv_device_info_set(info, "address", value);
	}
	if (!dev->is_interface)
		return;
	lease = test_leases_find(drv, dom->obj.name, hv_device_attr(info, "mac"));
	if (lease) {
		test_leases_format_ip(lease->ip, text);
		hv_device_info_set(info, "ip", text);
	}
}

static int list_locked(struct test_driver *drv, const struct hv_kind_ops *ops, struct hv_object *obj,
		       void *args, struct hv_change_batch *changes, struct hv_error *err)
{
	struct hv_device_list *out = args;
	struct hv_device_defs defs;
	int ret = parse_devices(obj, &defs, err);

	if (ret < 0)
		return ret;
	out->devices = calloc(defs.count ? defs.count : 1, sizeof(*out->devices));
	if (!out->devices) {
		hv_device_defs_finish(&defs);
		return hv_error_set(err, ENOMEM, "out of memory");
	}
	for (size_t i = 0; i < defs.count; i++)
		complete_info(drv, domain_of(obj), &defs.devices[i], &out->devices[i]);
	out->count = defs.count;
	hv_device_defs_finish(&defs);
	return 0;
}

int test_domain_device_list(struct hv_conn *conn, const char *domain, struct hv_device_list *out,
			    struct hv_error *err)
{
	*out = (struct hv_device_list){0};
	return test_kind_call(conn, &test_domain_kind, TEST_OP_DOMAIN_DEVICE_LIST, domain, list_locked, out,
			      err);
}

/* --- changing the stored definition ---------------------------------------- */

/* Commits text (consumed) and addrs (taken on success) as the domain's
 * definition and addresses; on failure restores its MACs.  Reports the
 * change of sub (type) and of the domain. */
static int commit_edit(struct test_driver *drv, struct hv_object *obj, char *text, struct records *r,
		       const char *sub, enum hv_change_type type, struct hv_change_batch *changes,
		       struct hv_error *err)
{
	struct test_domain *dom = domain_of(obj), staged = *dom;
	struct test_dev_addr *old = dom->addrs;
	struct hv_domain_def def;
	int ret = hv_domain_def_parse(text, strlen(text), obj->name, &def, err);

	if (ret == 0) {
		if (!def.uuid[0])
			snprintf(def.uuid, sizeof(def.uuid), "%s", dom->def.uuid);
		staged.obj.xml = text;
		staged.def = def;
		staged.addrs = r->items;
		staged.addr_count = r->count;
		ret = hv_kind_commit(&drv->kinds, &test_domain_kind, obj, &staged.obj, err);
		text = NULL; /* hv_kind_commit consumed it */
	}
	free(text);
	if (ret < 0) {
		free(r->items);
		macs_restore(drv, obj->name, dom->addrs, dom->addr_count);
		return ret;
	}
	free(old);
	if (type == HV_CHANGE_MODIFIED) {
		/* link_state: the one live-tunable attribute */
		hv_change_entry_sub(
		    hv_batch_modified(changes, HV_KIND_DOMAIN, obj->name, HV_FIELD_CONFIG | HV_FIELD_DEVICES),
		    sub, "link_state");
		return 0;
	}
	hv_change_entry_sub(hv_batch_add(changes, HV_KIND_DOMAIN, type, obj->name, NULL), sub, NULL);
	hv_batch_modified(changes, HV_KIND_DOMAIN, obj->name, HV_FIELD_CONFIG | HV_FIELD_DEVICES);
	return 0;
}

static const struct hv_device_def *find_device(const struct hv_device_defs *defs, const char *cls,
					       const char *name)
{
	for (size_t i = 0; i < defs->count; i++)
		if (strcmp(defs->devices[i].info.cls, cls) == 0 &&
		    strcmp(defs->devices[i].info.name, name) == 0)
			return &defs->devices[i];
	return NULL;
}

/* --- attach --------------------------------------------------------------- */

struct attach_args {
	struct hv_device_def dev;
	char *element;
};

/* Where <devices> goes in a domain that has none, libvirt's order. */
static const char *const after_devices[] = {"on_crash", "on_reboot", "on_poweroff", "pm",
					    "clock",	"features",  "os",	    NULL};

/* The element with the addresses it was given written in. */
static int complete_element(const char *element, const struct hv_device_def *dev, const char *id,
			    struct records *r, char **out, struct hv_error *err)
{
	struct splice_doc doc;
	int ret = splice_open(&doc, element, strlen(element), err);

	for (unsigned i = 0; ret == 0 && i < r->count; i++) {
		struct test_dev_addr *a = &r->items[i];
		char xml[HV_ADDRESS_XML_MAX], text[HV_ADDRESS_TEXT_MAX];
		struct hv_device_address address = {.type = HV_ADDRESS_PCI};

		if (a->given || strcmp(a->dev, id) != 0)
			continue;
		if (a->kind == TEST_ADDR_MAC) {
			record_text(a, text);
			snprintf(xml, sizeof(xml), "<mac address='%s'/>", text);
		} else {
			if (a->kind == TEST_ADDR_PCI) {
				hv_pci_address_from_tuple(&a->tuple, &address.pci);
			} else {
				address.type = HV_ADDRESS_DRIVE;
				hv_drive_address_from_tuple(&a->tuple, &address.drive);
			}
			hv_device_address_format_xml(&address, xml);
		}
		/* An <address type='pci'/> asking for any address is replaced. */
		char path[HV_DEVICE_CLASS_MAX + 16];
		snprintf(path, sizeof(path), "%s/address", dev->info.cls);
		if (a->kind != TEST_ADDR_MAC && splice_exists(&doc, path))
			ret = splice_remove(&doc, path, err);
		if (ret == 0)
			ret = splice_append_raw(&doc, dev->info.cls, xml, err);
		a->given = true; /* in the XML from now on */
	}
	*out = ret == 0 ? splice_take(&doc) : NULL;
	splice_close(&doc);
	return ret;
}

static unsigned count_class(const struct hv_device_defs *defs, const char *cls)
{
	unsigned n = 0;

	for (size_t i = 0; i < defs->count; i++)
		n += strcmp(defs->devices[i].info.cls, cls) == 0;
	return n;
}

static int attach_locked(struct test_driver *drv, const struct hv_kind_ops *ops, struct hv_object *obj,
			 void *args, struct hv_change_batch *changes, struct hv_error *err)
{
	struct attach_args *attach = args;
	struct hv_device_def *dev = &attach->dev;
	struct test_domain *dom = domain_of(obj);
	struct hv_device_defs defs;
	struct records r = {0};
	char id[TEST_DEV_ID_MAX];
	auto_free char *element = NULL;
	struct splice_doc doc = {0};
	char *text = NULL;
	int ret = parse_devices(obj, &defs, err);

	if (ret < 0)
		return ret;
	/* Devices named by position take the next one. */
	if (strcmp(dev->info.cls, "disk") != 0 && strcmp(dev->info.cls, "controller") != 0)
		snprintf(dev->info.name, sizeof(dev->info.name), "%u", count_class(&defs, dev->info.cls));
	dev->position = count_class(&defs, dev->info.cls) + 1;
	dev_id(&dev->info, id);
	if (find_device(&defs, dev->info.cls, dev->info.name)) {
		hv_device_defs_finish(&defs);
		return hv_error_set(err, EEXIST, "domain '%s' already has a %s called %s", obj->name,
				    dev->info.cls, dev->info.name);
	}
	struct hv_device_def *grown = realloc(defs.devices, (defs.count + 1) * sizeof(*grown));
	if (!grown) {
		hv_device_defs_finish(&defs);
		return hv_error_set(err, ENOMEM, "out of memory");
	}
	defs.devices = grown;
	defs.devices[defs.count++] = *dev;
	ret = assign(drv, obj->name, &defs, dom->addrs, dom->addr_count, id, &r, err);
	hv_device_defs_finish(&defs);
	if (ret < 0) {
		macs_restore(drv, obj->name, dom->addrs, dom->addr_count);
		return ret;
	}

	ret = complete_element(attach->element, dev, id, &r, &element, err);
	if (ret == 0)
		ret = splice_open(&doc, obj->xml, strlen(obj->xml), err);
	if (ret == 0 && !splice_exists(&doc, "domain/devices"))
		ret = splice_insert(&doc, "domain", after_devices, "devices", "", err);
	if (ret == 0)
		ret = splice_append_raw(&doc, "domain/devices", element, err);
	if (ret == 0)
		text = splice_take(&doc);
	splice_close(&doc);
	if (ret < 0) {
		free(r.items);
		macs_restore(drv, obj->name, dom->addrs, dom->addr_count);
		return ret;
	}
	ret = commit_edit(drv, obj, text, &r, id, HV_CHANGE_CREATED, changes, err);
	/* Hot-plugged onto a network: the guest asks for a lease at once. */
	if (ret == 0 && dev->is_interface && hv_domain_state_is_active(dom->state))
		test_leases_acquire(drv, dom, changes);
	return ret;
}

int test_domain_device_attach(struct hv_conn *conn, const char *domain, const char *xml, size_t len,
			      struct hv_error *err)
{
	struct attach_args args = {0};
	int ret = test_fault(conn->priv, TEST_OP_DOMAIN_DEVICE_ATTACH, err);

	/* Parsing and validation need no model: outside the lock. */
	if (ret == 0)
		ret = hv_device_fragment_parse(xml, len, &args.dev, &args.element, err);
	if (ret == 0)
		ret = test_kind_call(conn, &test_domain_kind, TEST_OP_DOMAIN_DEVICE_ATTACH, domain,
				     attach_locked, &args, err);
	free(args.element);
	return ret;
}

/* --- detach --------------------------------------------------------------- */

struct device_ref {
	const char *cls, *name, *key, *value;
};

/* The device ref names in obj's stored XML: its id, its XPath, its name
 * and link state (what detach and device_set need); -ENOENT without one. */
struct located {
	char id[TEST_DEV_ID_MAX];
	char path[HV_DEVICE_CLASS_MAX + 32];
	char name[HV_DEVICE_NAME_MAX + 1];
	char link_state[8];
};

static int locate(const struct hv_object *obj, const char *cls, const char *name, struct located *out,
		  struct hv_error *err)
{
	const struct hv_device_def *dev;
	struct hv_device_defs defs;
	const char *link;
	int ret = parse_devices(obj, &defs, err);

	if (ret < 0)
		return ret;
	dev = find_device(&defs, cls, name);
	if (dev) {
		dev_id(&dev->info, out->id);
		snprintf(out->path, sizeof(out->path), "domain/devices/%s[%u]", dev->info.cls, dev->position);
		snprintf(out->name, sizeof(out->name), "%s", dev->info.name);
		link = hv_device_attr(&dev->info, "link_state");
		snprintf(out->link_state, sizeof(out->link_state), "%s", link ? link : "");
	}
	hv_device_defs_finish(&defs);
	return dev ? 0 : hv_error_set(err, ENOENT, "domain '%s' has no device %s/%s", obj->name, cls, name);
}

/* Devices named by position move up when one before them goes. */
static void renumber(struct test_dev_addr *a, const char *cls, unsigned removed)
{
	size_t len = strlen(cls);
	unsigned long index;
	char *end;

	if (strncmp(a->dev, cls, len) != 0 || a->dev[len] != '/')
		return;
	index = strtoul(a->dev + len + 1, &end, 10);
	if (*end == '\0' && end != a->dev + len + 1 && index > removed)
		snprintf(a->dev, sizeof(a->dev), "%s/%lu", cls, index - 1);
}

static int detach_locked(struct test_driver *drv, const struct hv_kind_ops *ops, struct hv_object *obj,
			 void *args, struct hv_change_batch *changes, struct hv_error *err)
{
	const struct device_ref *ref = args;
	struct test_domain *dom = domain_of(obj);
	struct splice_doc doc = {0};
	struct records r = {0};
	struct located dev;
	char mac[HV_ADDRESS_TEXT_MAX] = "";
	bool by_position = strcmp(ref->cls, "disk") != 0 && strcmp(ref->cls, "controller") != 0;
	char *text = NULL;
	int ret = locate(obj, ref->cls, ref->name, &dev, err);

	if (ret < 0)
		return ret;
	unsigned removed = (unsigned)strtoul(dev.name, NULL, 10);

	r.items = calloc(dom->addr_count ? dom->addr_count : 1, sizeof(*r.items));
	if (!r.items)
		return hv_error_set(err, ENOMEM, "out of memory");
	for (unsigned i = 0; i < dom->addr_count; i++) {
		if (strcmp(dom->addrs[i].dev, dev.id) == 0) {
			if (dom->addrs[i].kind == TEST_ADDR_MAC)
				record_text(&dom->addrs[i], mac);
			continue;
		}
		r.items[r.count] = dom->addrs[i];
		if (by_position)
			renumber(&r.items[r.count], ref->cls, removed);
		r.count++;
	}
	ret = splice_open(&doc, obj->xml, strlen(obj->xml), err);
	if (ret == 0)
		ret = splice_remove(&doc, dev.path, err);
	if (ret == 0)
		text = splice_take(&doc);
	splice_close(&doc);
	if (ret < 0) {
		free(r.items);
		return ret;
	}
	/* The MACs' holders are renamed with their devices. */
	macs_restore(drv, obj->name, r.items, r.count);
	ret = commit_edit(drv, obj, text, &r, dev.id, HV_CHANGE_DELETED, changes, err);
	if (ret == 0 && mac[0])
		test_leases_release(drv, obj->name, mac, changes);
	return ret;
}

int test_domain_device_detach(struct hv_conn *conn, const char *domain, const char *cls, const char *name,
			      struct hv_error *err)
{
	struct device_ref ref = {.cls = cls, .name = name};

	return test_kind_call(conn, &test_domain_kind, TEST_OP_DOMAIN_DEVICE_DETACH, domain, detach_locked,
			      &ref, err);
}

/* --- live attributes ------------------------------------------------------ */

static int set_locked(struct test_driver *drv, const struct hv_kind_ops *ops, struct hv_object *obj,
		      void *args, struct hv_change_batch *changes, struct hv_error *err)
{
	const struct device_ref *ref = args;
	struct test_domain *dom = domain_of(obj);
	struct splice_doc doc = {0};
	struct records r = {0};
	struct located dev;
	char link[HV_DEVICE_CLASS_MAX + 40], xml[40];
	char *text = NULL;
	int ret = locate(obj, ref->cls, ref->name, &dev, err);

	if (ret < 0)
		return ret;
	if (strcmp(dev.link_state, ref->value) == 0)
		return 0;

	snprintf(link, sizeof(link), "%s/link", dev.path);
	ret = splice_open(&doc, obj->xml, strlen(obj->xml), err);
	if (ret == 0 && splice_exists(&doc, link)) {
		ret = splice_set_attr(&doc, link, "state", ref->value, err);
	} else if (ret == 0) {
		snprintf(xml, sizeof(xml), "<link state=%c%s%c/>", doc.quote, ref->value, doc.quote);
		ret = splice_append_raw(&doc, dev.path, xml, err);
	}
	if (ret == 0)
		text = splice_take(&doc);
	splice_close(&doc);
	if (ret < 0)
		return ret;
	r.items = malloc((dom->addr_count ? dom->addr_count : 1) * sizeof(*r.items));
	if (!r.items) {
		free(text);
		return hv_error_set(err, ENOMEM, "out of memory");
	}
	memcpy(r.items, dom->addrs, dom->addr_count * sizeof(*r.items));
	r.count = dom->addr_count;
	return commit_edit(drv, obj, text, &r, dev.id, HV_CHANGE_MODIFIED, changes, err);
}

int test_domain_device_set(struct hv_conn *conn, const char *domain, const char *cls, const char *name,
			   const char *key, const char *value, struct hv_error *err)
{
	struct device_ref ref = {.cls = cls, .name = name, .key = key};
	int ret = test_fault(conn->priv, TEST_OP_DOMAIN_DEVICE_SET, err);

	if (ret < 0)
		return ret;
	if (strcmp(cls, "interface") != 0 || !key || strcmp(key, "link_state") != 0)
		return hv_error_set(err, EACCES,
				    "%s of %s/%s cannot be changed: only an interface's link_state can",
				    key ? key : "", cls, name);
	if (value && (strcmp(value, "up") == 0 || strcmp(value, "up\n") == 0))
		ref.value = "up";
	else if (value && (strcmp(value, "down") == 0 || strcmp(value, "down\n") == 0))
		ref.value = "down";
	else
		return hv_error_set(err, EINVAL, "link_state '%.40s' is neither up nor down",
				    value ? value : "");
	return test_kind_call(conn, &test_domain_kind, TEST_OP_DOMAIN_DEVICE_SET, domain, set_locked, &ref,
			      err);
}
