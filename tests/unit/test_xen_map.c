/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The Xen driver's pure mappings, without Xen: hypervisor flags -> states,
 * XenbusState numbers -> names, domain XML -> the guest given to libxl, the
 * definitions shown for domains hvfs did not define; and that opening
 * xen:/// on a host without Xen fails with EIO and says why. */
#include <errno.h>
#include <stdlib.h>
#include <unistd.h>

#include "drivers/xen/xen_map.h"
#include "drivers/xen/xen_private.h"
#include "tests/unit/unit.h"
#include "util/cleanup.h"

extern const struct hv_driver_ops hv_test_driver_ops;
extern const struct hv_driver_ops hv_xen_driver_ops;

#define SHUT(reason) (XEN_MAP_SHUTDOWN | ((unsigned)(reason) << XEN_MAP_SHUTDOWN_SHIFT))

static const struct {
	uint32_t flags;
	enum hv_domain_state state;
	const char *why;
} state_cases[] = {
    {XEN_MAP_RUNNING, HV_DOMAIN_RUNNING, "running on a CPU"},
    {0, HV_DOMAIN_RUNNING, "runnable, waiting for a CPU"},
    {XEN_MAP_BLOCKED, HV_DOMAIN_BLOCKED, "blocked on an event"},
    {XEN_MAP_PAUSED | XEN_MAP_BLOCKED, HV_DOMAIN_PAUSED, "paused wins over blocked"},
    {XEN_MAP_PAUSED | XEN_MAP_RUNNING, HV_DOMAIN_PAUSED, "paused wins over running"},
    {SHUT(XEN_SHUTDOWN_POWEROFF), HV_DOMAIN_SHUTOFF, "powered off"},
    {SHUT(XEN_SHUTDOWN_POWEROFF) | XEN_MAP_BLOCKED, HV_DOMAIN_SHUTOFF, "powered off, stale blocked bit"},
    {SHUT(XEN_SHUTDOWN_CRASH), HV_DOMAIN_CRASHED, "crashed"},
    {SHUT(XEN_SHUTDOWN_WATCHDOG), HV_DOMAIN_CRASHED, "watchdog fired"},
    {SHUT(XEN_SHUTDOWN_REBOOT), HV_DOMAIN_SHUTDOWN, "rebooting"},
    {SHUT(XEN_SHUTDOWN_SOFT_RESET), HV_DOMAIN_SHUTDOWN, "soft reset"},
    {SHUT(XEN_SHUTDOWN_SUSPEND), HV_DOMAIN_PMSUSPENDED, "suspended to memory"},
    {XEN_MAP_DYING, HV_DOMAIN_SHUTDOWN, "dying"},
    {XEN_MAP_DYING | SHUT(XEN_SHUTDOWN_CRASH), HV_DOMAIN_SHUTDOWN, "dying wins over crashed"},
    {XEN_MAP_DYING | XEN_MAP_PAUSED, HV_DOMAIN_SHUTDOWN, "dying wins over paused"},
    {SHUT(XEN_SHUTDOWN_POWEROFF) | XEN_MAP_PAUSED, HV_DOMAIN_SHUTOFF, "shut down wins over paused"},
};

static void check_states(void)
{
	for (size_t i = 0; i < ARRAY_SIZE(state_cases); i++)
		CHECK_STR(hv_domain_state_name(xen_state_from_flags(state_cases[i].flags)),
			  hv_domain_state_name(state_cases[i].state), "state: %s (flags 0x%x)",
			  state_cases[i].why, state_cases[i].flags);
	CHECK_INT(xen_shutdown_reason(SHUT(XEN_SHUTDOWN_CRASH) | XEN_MAP_BLOCKED), XEN_SHUTDOWN_CRASH,
		  "the shutdown reason is read from bits 16-23");
}

static void check_xenbus(void)
{
	static const char *const names[] = {"Unknown",	   "Initialising",  "InitWait",
					    "Initialised", "Connected",	    "Closing",
					    "Closed",	   "Reconfiguring", "Reconfigured"};

	for (long i = 0; i < (long)ARRAY_SIZE(names); i++)
		CHECK_STR(xen_xenbus_state_name(i), names[i], "XenbusState %ld", i);
	CHECK_STR(xen_xenbus_state_name(9), "Unknown", "XenbusState beyond the last");
	CHECK_STR(xen_xenbus_state_name(-1), "Unknown", "negative XenbusState");
	CHECK_STR(xen_xenbus_state_text("4"), "Connected", "XenStore value 4");
	CHECK_STR(xen_xenbus_state_text("6"), "Closed", "XenStore value 6");
	CHECK_STR(xen_xenbus_state_text(""), "Unknown", "empty value");
	CHECK_STR(xen_xenbus_state_text(NULL), "Unknown", "missing node");
	CHECK_STR(xen_xenbus_state_text("4x"), "Unknown", "trailing garbage");
	CHECK_STR(xen_xenbus_state_text("99999999999999999999"), "Unknown", "overflow");
}

static const char full_guest[] = "<domain type='xen'>\n"
				 "  <name>g1</name>\n"
				 "  <uuid>4dea22b3-1d52-d8f3-2516-782e98a23fa0</uuid>\n"
				 "  <memory unit='MiB'>256</memory>\n"
				 "  <currentMemory unit='MiB'>128</currentMemory>\n"
				 "  <vcpu current='1'>2</vcpu>\n"
				 "  <os>\n"
				 "    <type>xen</type>\n"
				 "    <kernel>/guest/vmlinuz</kernel>\n"
				 "    <initrd>/guest/initrd</initrd>\n"
				 "    <cmdline>console=hvc0 quiet</cmdline>\n"
				 "  </os>\n"
				 "  <devices>\n"
				 "    <disk type='file' device='disk'>\n"
				 "      <source file='/var/lib/xen/g1.img'/>\n"
				 "      <target dev='xvda' bus='xen'/>\n"
				 "    </disk>\n"
				 "    <disk type='block' device='disk'>\n"
				 "      <source dev='/dev/vg/data'/>\n"
				 "      <target dev='xvdb' bus='xen'/>\n"
				 "      <readonly/>\n"
				 "    </disk>\n"
				 "    <interface type='bridge'>\n"
				 "      <mac address='00:16:3e:12:34:56'/>\n"
				 "      <source bridge='xenbr0'/>\n"
				 "    </interface>\n"
				 "  </devices>\n"
				 "</domain>\n";

static void check_guest_full(void)
{
	struct xen_guest_def guest;
	struct hv_error err = {0};
	int ret = xen_guest_def_parse(full_guest, sizeof(full_guest) - 1, "g1", false, &guest, &err);

	CHECK_INT(ret, 0, "a full PV guest parses (%s)", err.message);
	CHECK_STR(guest.kernel, "/guest/vmlinuz", "kernel");
	CHECK_STR(guest.initrd, "/guest/initrd", "initrd");
	CHECK_STR(guest.cmdline, "console=hvc0 quiet", "cmdline");
	CHECK_INT(guest.def.max_memory_kib, 256 * 1024, "max memory in KiB");
	CHECK_INT(guest.def.memory_kib, 128 * 1024, "current memory in KiB");
	CHECK_INT(guest.def.max_vcpus, 2, "max vcpus");
	CHECK_INT(guest.def.vcpus, 1, "current vcpus");
	CHECK_STR(guest.def.uuid, "4dea22b3-1d52-d8f3-2516-782e98a23fa0", "uuid");
	CHECK_INT(guest.disk_count, 2, "two disks");
	CHECK_STR(guest.disks[0].source, "/var/lib/xen/g1.img", "file disk source");
	CHECK_STR(guest.disks[0].target, "xvda", "file disk target");
	CHECK(!guest.disks[0].readonly, "file disk writable");
	CHECK_STR(guest.disks[1].source, "/dev/vg/data", "block disk source");
	CHECK(guest.disks[1].readonly, "block disk read-only");
	CHECK_INT(guest.nic_count, 1, "one interface");
	CHECK_STR(guest.nics[0].mac, "00:16:3e:12:34:56", "interface mac");
	CHECK_STR(guest.nics[0].bridge, "xenbr0", "interface bridge");
}

static const struct {
	const char *xml;
	const char *expected_name;
	const char *why; /* a word the error must contain */
} bad_guests[] = {
    {"<domain "
     "type='kvm'><name>g1</name><memory>1024</memory><vcpu>1</vcpu><os><type>xen</type></os></domain>",
     "g1", "type='xen'"},
    {"<domain "
     "type='xen'><name>g1</name><memory>1024</memory><vcpu>1</vcpu><os><type>hvm</type></os></domain>",
     "g1", "paravirtualized"},
    {"<domain "
     "type='xen'><name>g2</name><memory>1024</memory><vcpu>1</vcpu><os><type>xen</type></os></domain>",
     "g1", "g2"},
    {"<domain type='xen'><name>g1</name>", "g1", "line"},
    {"<domain type='xen'><name>g1</name><memory>1024</memory><vcpu>1</vcpu><os><type>xen</type></os>"
     "<devices><disk type='file'><target dev='xvda'/></disk></devices></domain>",
     "g1", "source"},
};

static void check_guest_bad(void)
{
	for (size_t i = 0; i < ARRAY_SIZE(bad_guests); i++) {
		struct xen_guest_def guest;
		struct hv_error err = {0};
		int ret = xen_guest_def_parse(bad_guests[i].xml, strlen(bad_guests[i].xml),
					      bad_guests[i].expected_name, false, &guest, &err);
		CHECK_INT(ret, -EINVAL, "bad guest %zu is refused", i);
		CHECK(strstr(err.message, bad_guests[i].why) != NULL, "bad guest %zu says '%s': %s", i,
		      bad_guests[i].why, err.message);
	}
}

/* What mkdir and xl-made domains show must be definitions this driver
 * itself accepts. */
static void check_generated_xml(void)
{
	struct xen_guest_def guest;
	struct hv_error err = {0};
	struct hv_domain_info info = {
	    .name = "web",
	    .uuid = "4dea22b3-1d52-d8f3-2516-782e98a23fa0",
	    .os_type = "xen",
	    .id = 3,
	    .memory_kib = 65536,
	    .max_memory_kib = 131072,
	    .vcpus = 1,
	    .max_vcpus = 2,
	};
	auto_free char *synth = NULL;
	auto_free char *dflt = NULL;

	CHECK_INT(xen_domain_xml_synth(&info, &synth), 0, "synthesised definition");
	CHECK_INT(xen_guest_def_parse(synth, strlen(synth), "web", false, &guest, &err), 0,
		  "synthesised definition parses (%s)", err.message);
	CHECK_INT(guest.def.memory_kib, 65536, "synthesised current memory");
	CHECK_INT(guest.def.max_memory_kib, 131072, "synthesised max memory");
	CHECK_INT(guest.def.vcpus, 1, "synthesised vcpus");
	CHECK_INT(guest.def.max_vcpus, 2, "synthesised max vcpus");
	CHECK_STR(guest.def.uuid, info.uuid, "synthesised uuid");

	CHECK_INT(xen_domain_xml_default("new1", info.uuid, &dflt), 0, "default definition");
	CHECK_INT(xen_guest_def_parse(dflt, strlen(dflt), "new1", false, &guest, &err), 0,
		  "default definition parses (%s)", err.message);
	CHECK_STR(guest.kernel, "", "the default has no kernel yet");
	CHECK_INT(guest.def.max_memory_kib, 131072, "default memory 128 MiB");
}

/* What any driver's tree path must be (hv_tree_path_is_valid), and what
 * XenStore adds (xen_store_path_is_valid): its own character set. */
static void check_xenstore_paths(void)
{
	static const struct {
		const char *path;
		bool tree, xenstore;
	} cases[] = {
	    {"/", true, true},
	    {"/local/domain/0/name", true, true},
	    {"/local/domain/0/device/vbd/51712/state", true, true},
	    {"/vm/4dea22b3-1d52-d8f3-2516-782e98a23fa0/image", true, true},
	    {"/a_b-c@d.e", true, true},
	    {"", false, false},
	    {"local/domain", false, false},
	    {"/local//domain", false, false},
	    {"/local/domain/", false, false},
	    {"/local/../etc", false, false},
	    {"/local/./domain", false, false},
	    {"/local/dom ain", true, false},
	    {"/local/dom$ain", true, false},
	};
	char long_path[HV_TREE_PATH_MAX + 2];

	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		CHECK_INT(hv_tree_path_is_valid(cases[i].path), cases[i].tree, "tree path '%s'",
			  cases[i].path);
		CHECK_INT(xen_store_path_is_valid(cases[i].path), cases[i].xenstore, "xenstore path '%s'",
			  cases[i].path);
	}
	CHECK(!hv_tree_path_is_valid("/local/dom\nain"), "a control character is refused");
	CHECK(!hv_tree_path_is_valid(NULL), "NULL is no path");
	CHECK(!xen_store_path_is_valid(NULL), "NULL is no XenStore path");
	memset(long_path, 'a', sizeof(long_path) - 1);
	long_path[0] = '/';
	long_path[sizeof(long_path) - 1] = '\0';
	CHECK(!hv_tree_path_is_valid(long_path), "a path over %d bytes", HV_TREE_PATH_MAX);
	long_path[HV_TREE_PATH_MAX] = '\0';
	CHECK(hv_tree_path_is_valid(long_path), "a path of exactly %d bytes", HV_TREE_PATH_MAX);

	/* The driver names its tree; fs/ knows no name of its own for it. */
	CHECK_STR(hv_xen_driver_ops.tree_dir, "xenstore", "xen:/// shows its tree as xenstore/");
	CHECK(hv_test_driver_ops.tree_dir == NULL, "test:/// has no tree");
}

static void check_open_without_xen(void)
{
	struct hv_conn *conn = NULL;
	struct hv_error err = {0};

	if (access("/dev/xen/privcmd", F_OK) == 0 || access("/proc/xen/capabilities", F_OK) == 0) {
		printf("# skip: this host runs Xen, the no-Xen case cannot be checked here\n");
		return;
	}
	CHECK_INT(hv_conn_open("xen:///", NULL, NULL, &conn, &err), -EIO, "xen:/// without Xen is EIO");
	CHECK(strstr(err.message, "no Xen hypervisor") != NULL, "and says why: %s", err.message);
	hv_error_clear(&err);
	CHECK_INT(hv_conn_open("xen:///?nonsense=1", NULL, NULL, &conn, &err), -EINVAL,
		  "unknown knob is EINVAL");
	hv_error_clear(&err);
	CHECK_INT(hv_conn_open("xen:///?state_dir=relative", NULL, NULL, &conn, &err), -EINVAL,
		  "a relative state_dir is EINVAL");
}

int main(void)
{
	check_states();
	check_xenbus();
	check_guest_full();
	check_guest_bad();
	check_generated_xml();
	check_xenstore_paths();
	check_open_without_xen();
	hv_conf_cleanup();
	return UNIT_DONE();
}
