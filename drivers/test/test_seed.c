/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The demo host (after libvirt's test driver: one running guest, one shut
 * off, a NAT network and a directory pool) and the generated domains of
 * ?domains=N.
 *
 * The demo definitions are XML texts parsed like any user's, so they are
 * also a standing check that what we ship validates.  Generated domains
 * are built directly (definition struct + text from one template): parsing
 * 10,000 documents would make opening take seconds. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "drivers/test/test_private.h"
#include "util/cleanup.h"

struct seed_domain {
	const char *xml;
	bool running;
};

static const struct seed_domain seed_domains[] = {
    {
	.running = true,
	.xml = "<domain type='test'>\n"
	       "  <name>test</name>\n"
	       "  <uuid>1f3a6c2e-8d47-4b90-a5e1-6c0d2b9f7e13</uuid>\n"
	       "  <memory unit='KiB'>8388608</memory>\n"
	       "  <currentMemory unit='KiB'>2097152</currentMemory>\n"
	       "  <vcpu placement='static'>2</vcpu>\n"
	       "  <os>\n"
	       "    <type arch='x86_64'>hvm</type>\n"
	       "    <boot dev='hd'/>\n"
	       "  </os>\n"
	       "  <on_poweroff>destroy</on_poweroff>\n"
	       "  <on_reboot>restart</on_reboot>\n"
	       "  <on_crash>destroy</on_crash>\n"
	       "  <devices>\n"
	       "    <disk type='file' device='disk'>\n"
	       "      <driver name='qemu' type='qcow2'/>\n"
	       "      <source file='/var/lib/libvirt/images/test.qcow2'/>\n"
	       "      <target dev='vda' bus='virtio'/>\n"
	       "    </disk>\n"
	       "    <interface type='network'>\n"
	       "      <mac address='52:54:00:3b:7e:a1'/>\n"
	       "      <source network='default'/>\n"
	       "      <model type='virtio'/>\n"
	       "    </interface>\n"
	       "    <console type='pty'>\n"
	       "      <target type='serial' port='0'/>\n"
	       "    </console>\n"
	       "  </devices>\n"
	       "</domain>\n",
    },
    {
	.running = false,
	.xml = "<domain type='test'>\n"
	       "  <name>idle</name>\n"
	       "  <uuid>5b8e0d94-2c71-4f3a-9e06-d4a7c81b3f52</uuid>\n"
	       "  <memory unit='KiB'>1048576</memory>\n"
	       "  <currentMemory unit='KiB'>1048576</currentMemory>\n"
	       "  <vcpu placement='static'>1</vcpu>\n"
	       "  <os>\n"
	       "    <type arch='x86_64'>hvm</type>\n"
	       "    <boot dev='hd'/>\n"
	       "  </os>\n"
	       "  <on_poweroff>destroy</on_poweroff>\n"
	       "  <on_reboot>restart</on_reboot>\n"
	       "  <on_crash>destroy</on_crash>\n"
	       "  <devices>\n"
	       "    <disk type='file' device='disk'>\n"
	       "      <driver name='qemu' type='qcow2'/>\n"
	       "      <source file='/var/lib/libvirt/images/idle.qcow2'/>\n"
	       "      <target dev='vda' bus='virtio'/>\n"
	       "    </disk>\n"
	       "  </devices>\n"
	       "</domain>\n",
    },
};

static const char seed_network[] = "<network>\n"
				   "  <name>default</name>\n"
				   "  <uuid>9c4d2a71-6e3b-4f08-b5d9-0a1e7c3f6b24</uuid>\n"
				   "  <forward mode='nat'/>\n"
				   "  <bridge name='virbr0' stp='on' delay='0'/>\n"
				   "  <mac address='52:54:00:0a:4c:d2'/>\n"
				   "  <ip address='192.168.122.1' netmask='255.255.255.0'>\n"
				   "    <dhcp>\n"
				   "      <range start='192.168.122.2' end='192.168.122.254'/>\n"
				   "    </dhcp>\n"
				   "  </ip>\n"
				   "</network>\n";

static const char seed_pool[] = "<pool type='dir'>\n"
				"  <name>default-pool</name>\n"
				"  <uuid>e2a8f5c3-1b94-4d6e-8f07-3c5b9a1d4e68</uuid>\n"
				"  <capacity unit='bytes'>107374182400</capacity>\n"
				"  <allocation unit='bytes'>21474836480</allocation>\n"
				"  <available unit='bytes'>85899345920</available>\n"
				"  <source/>\n"
				"  <target>\n"
				"    <path>" TEST_SEED_POOL_PATH "</path>\n"
				"  </target>\n"
				"</pool>\n";

/* Generated domains: 128 MiB and one vCPU, like a fresh mkdir. */
#define GENERATED_MEMORY_KIB 131072

static const char generated_template[] = "<domain type='test'>\n"
					 "  <name>%s</name>\n"
					 "  <uuid>%s</uuid>\n"
					 "  <memory unit='KiB'>%d</memory>\n"
					 "  <currentMemory unit='KiB'>%d</currentMemory>\n"
					 "  <vcpu placement='static'>1</vcpu>\n"
					 "  <os>\n"
					 "    <type arch='x86_64'>hvm</type>\n"
					 "  </os>\n"
					 "  <on_poweroff>destroy</on_poweroff>\n"
					 "  <on_reboot>restart</on_reboot>\n"
					 "  <on_crash>destroy</on_crash>\n"
					 "</domain>\n";

/* What every generated domain has; the name and UUID are its own. */
static const struct hv_domain_def generated_def = {
    .type = "test",
    .os_type = "hvm",
    .max_memory_kib = GENERATED_MEMORY_KIB,
    .memory_kib = GENERATED_MEMORY_KIB,
    .max_vcpus = 1,
    .vcpus = 1,
    .on_poweroff = "destroy",
    .on_reboot = "restart",
    .on_crash = "destroy",
};

/* Adds one object to the model, started when start says so. */
static int seed_add(struct test_driver *drv, const struct hv_kind_ops *ops, union test_def *def, char *text,
		    bool start, uint64_t now, struct hv_object **out, struct hv_error *err)
{
	int ret = hv_kind_insert(&drv->kinds, ops, def, text, out, err);

	if (ret == 0 && start)
		ops->boot(drv, *out, now);
	return ret;
}

/* The demo definitions are parsed like anyone's. */
static int seed_demo_object(struct test_driver *drv, const struct hv_kind_ops *ops, const char *xml,
			    bool start, bool autostart, uint64_t now, struct hv_error *err)
{
	struct hv_object *obj;
	union test_def def;
	char *copy;
	int ret = ops->parse(xml, strlen(xml), NULL, true, &def, err);

	if (ret < 0)
		return ret;
	copy = strdup(xml);
	if (!copy)
		return hv_error_set(err, ENOMEM, "out of memory");
	ret = seed_add(drv, ops, &def, copy, start, now, &obj, err);
	/* Their devices get addresses like anyone's (generated domains have
	 * none). */
	if (ret == 0 && ops->adopt)
		ret = ops->adopt(drv, obj, NULL, err);
	if (ret == 0)
		obj->autostart = autostart;
	return ret;
}

int test_seed_demo(struct test_driver *drv, struct hv_error *err)
{
	uint64_t now = test_now_ns();
	int ret = 0;

	for (size_t i = 0; i < ARRAY_SIZE(seed_domains) && ret == 0; i++)
		ret = seed_demo_object(drv, &test_domain_kind, seed_domains[i].xml, seed_domains[i].running,
				       false, now, err);
	if (ret == 0)
		ret = seed_demo_object(drv, &test_network_kind, seed_network, true, true, now, err);
	if (ret == 0)
		ret = seed_demo_object(drv, &test_pool_kind, seed_pool, true, true, now, err);
	return ret;
}

int test_seed_generated(struct test_driver *drv, unsigned count, struct hv_error *err)
{
	uint64_t now = test_now_ns();

	for (unsigned i = 1; i <= count; i++) {
		union test_def def = {.domain = generated_def};
		struct hv_domain_def *domain = &def.domain;
		struct hv_object *obj;
		char *xml = NULL;
		int ret;

		snprintf(domain->name, sizeof(domain->name), "dom-%05u", i);
		/* Deterministic UUIDs keep benchmark runs comparable. */
		snprintf(domain->uuid, sizeof(domain->uuid), "00000000-0000-4000-8000-%012x", i);
		if (hv_table_find(&drv->domains, domain->name))
			continue;
		if (asprintf(&xml, generated_template, domain->name, domain->uuid, GENERATED_MEMORY_KIB,
			     GENERATED_MEMORY_KIB) < 0)
			return hv_error_set(err, ENOMEM, "out of memory");
		ret = seed_add(drv, &test_domain_kind, &def, xml, i % 10 == 0, now, &obj, err);
		if (ret < 0)
			return ret;
	}
	return 0;
}
