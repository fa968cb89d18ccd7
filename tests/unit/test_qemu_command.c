/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The QEMU driver's pure part (drivers/qemu/qemu_command.h): the live XML
 * (addresses and MACs written in, given ones kept, clashes and full buses
 * refused naming the device), the command line token by token, what it
 * refuses, and a real QEMU that accepts it: started with the argv, asked
 * over QMP where its PCI devices are, and killed.  That last part is
 * skipped without qemu-system-x86_64.  Meant to run clean under
 * -fsanitize=address,undefined and valgrind --leak-check=full. */
#include <errno.h>
#include <fcntl.h>
#include <json.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "drivers/conf/conf.h"
#include "drivers/conf/device_conf.h"
#include "drivers/qemu/qemu_command.h"
#include "tests/unit/unit.h"
#include "util/cleanup.h"

#define UUID "6f1c0e6a-3b5e-4a1c-9d3e-2a8b7c9d0e1f"

/* A pc guest: a virtio disk to place, one placed by hand, an IDE cdrom,
 * an interface to give a MAC and one with its own, no memballoon, and
 * devices the command line leaves out.  A comment and double quotes that
 * must survive. */
static const char sample_xml[] =
    "<domain type='kvm'>\n"
    "  <name>web1</name>\n"
    "  <uuid>" UUID "</uuid>\n"
    "  <memory unit='MiB'>64</memory>\n"
    "  <currentMemory unit='MiB'>32</currentMemory>\n"
    "  <vcpu current='1'>2</vcpu>\n"
    "  <os>\n"
    "    <type arch='x86_64' machine='pc'>hvm</type>\n"
    "    <kernel>/boot/vmlinuz</kernel>\n"
    "    <initrd>/boot/initrd.img</initrd>\n"
    "    <cmdline>console=ttyS0 root=/dev/vda</cmdline>\n"
    "  </os>\n"
    "  <devices>\n"
    "    <!-- the system disk -->\n"
    "    <disk type=\"file\" device=\"disk\">\n"
    "      <driver name='qemu' type='qcow2'/>\n"
    "      <source file='/img/a, \"b\".qcow2'/>\n"
    "      <target dev='vda' bus='virtio'/>\n"
    "    </disk>\n"
    "    <disk type='file' device='disk'>\n"
    "      <driver name='qemu' type='raw'/>\n"
    "      <source file='/img/data.raw'/>\n"
    "      <target dev='vdb' bus='virtio'/>\n"
    "      <readonly/>\n"
    "      <address type='pci' domain='0x0000' bus='0x00' slot='0x05' function='0x0'/>\n"
    "    </disk>\n"
    "    <disk type='file' device='cdrom'>\n"
    "      <source file='/img/cd.iso'/>\n"
    "      <target dev='hdc' bus='ide'/>\n"
    "      <readonly/>\n"
    "    </disk>\n"
    "    <interface type='user'>\n"
    "      <model type='e1000'/>\n"
    "      <address type='pci'/>\n"
    "    </interface>\n"
    "    <interface type='bridge'>\n"
    "      <mac address='52:54:00:12:34:56'/>\n"
    "      <source bridge='br0'/>\n"
    "      <boot order='1'/>\n"
    "    </interface>\n"
    "    <serial type='pty'/>\n"
    "    <console type='pty'/>\n"
    "    <video><model type='vga'/></video>\n"
    "    <graphics type='vnc'/>\n"
    "  </devices>\n"
    "</domain>\n";

/* Device cls/name of a live XML, "(none)" when absent. */
static const char *dev_attr(const char *xml, const char *cls, const char *name, const char *key)
{
	static char value[4][256];
	static unsigned next;
	char *out = value[next++ % 4];
	struct hv_device_defs defs;
	struct hv_error err = {0};

	snprintf(out, 256, "(none)");
	if (!xml)
		return out;
	if (hv_domain_devices_parse(xml, strlen(xml), &defs, &err) < 0) {
		printf("# devices: %s\n", err.message);
		return out;
	}
	for (size_t i = 0; i < defs.count; i++) {
		const struct hv_device_info *info = &defs.devices[i].info;
		if (strcmp(info->cls, cls) == 0 && strcmp(info->name, name) == 0 && hv_device_attr(info, key))
			snprintf(out, 256, "%s", hv_device_attr(info, key));
	}
	hv_device_defs_finish(&defs);
	return out;
}

static int assign(const char *xml, char **live, struct hv_error *err)
{
	hv_error_clear(err);
	*live = NULL;
	return qemu_xml_assign(xml, strlen(xml), live, err);
}

static bool contains(const char *haystack, const char *needle)
{
	return haystack && strstr(haystack, needle);
}

/* --- the live XML --------------------------------------------------------- */

static void test_assign(void)
{
	struct hv_error err = {0};
	struct hv_domain_def def;
	char *live = NULL, *again = NULL, *twice = NULL;
	int ret = assign(sample_xml, &live, &err);

	CHECK_INT(ret, 0, "assign: the sample (%s)", err.message);
	if (ret < 0)
		return;
	CHECK_STR(dev_attr(live, "disk", "vda", "address"), "pci 0000:00:02.0",
		  "vda: the first free slot on pc");
	CHECK_STR(dev_attr(live, "disk", "vdb", "address"), "pci 0000:00:05.0",
		  "vdb: the given slot is kept");
	CHECK_STR(dev_attr(live, "disk", "hdc", "address"), "drive 0:0:0:0", "hdc: the first free IDE unit");
	CHECK_STR(dev_attr(live, "interface", "0", "address"), "pci 0000:00:03.0",
		  "interface 0: <address type='pci'/> filled in");
	CHECK_STR(dev_attr(live, "interface", "1", "address"), "pci 0000:00:04.0", "interface 1: next free");
	CHECK_STR(dev_attr(live, "memballoon", "0", "address"), "pci 0000:00:06.0",
		  "memballoon: added after every device of the XML");
	CHECK_STR(dev_attr(live, "interface", "1", "mac"), "52:54:00:12:34:56", "the given MAC is kept");
	const char *mac = dev_attr(live, "interface", "0", "mac");
	CHECK(strncmp(mac, "52:54:00:", 9) == 0 && strlen(mac) == 17, "a MAC is derived: %s", mac);
	CHECK(!contains(live, "<address type='pci'/>"), "the request for any address is replaced");
	CHECK(contains(live, "<!-- the system disk -->\n    <disk type=\"file\" device=\"disk\">"),
	      "the user's text is kept");
	CHECK(contains(live, "</video>\n    <graphics type='vnc'/>\n    <memballoon model='virtio'>\n      "
			     "<address type='pci' domain='0x0000' bus='0x00' slot='0x06' function='0x0'/>\n"
			     "    </memballoon>\n  </devices>"),
	      "the memballoon is written in, after the last device");
	CHECK_STR(dev_attr(live, "video", "0", "address"), "", "video gets no address");
	hv_error_clear(&err);
	CHECK_INT(hv_domain_def_parse(live, strlen(live), "web1", &def, &err), 0,
		  "the live XML is a valid definition (%s)", err.message);

	ret = assign(sample_xml, &again, &err);
	CHECK(ret == 0 && again && strcmp(again, live) == 0, "the same XML gives the same live XML");
	ret = assign(live, &twice, &err);
	CHECK(ret == 0 && twice && strcmp(twice, live) == 0, "the live XML of a live XML is itself");
	free(live);
	free(again);
	free(twice);
}

static const char q35_xml[] =
    "<domain type='qemu'>\n"
    "  <name>q</name>\n"
    "  <memory unit='MiB'>64</memory>\n"
    "  <os><type machine='pc-q35-7.2'>hvm</type></os>\n"
    "  <devices>\n"
    "    <controller type='sata' index='0'>\n"
    "      <address type='pci' domain='0x0000' bus='0x00' slot='0x1f' function='0x2'/>\n"
    "    </controller>\n"
    "    <disk type='file' device='cdrom'>\n"
    "      <target dev='sda' bus='sata'/>\n"
    "    </disk>\n"
    "    <interface type='user'><model type='e1000e'/></interface>\n"
    "    <memballoon model='none'/>\n"
    "  </devices>\n"
    "</domain>\n";

static void test_assign_q35(void)
{
	struct hv_error err = {0};
	char *live = NULL;
	int ret = assign(q35_xml, &live, &err);

	CHECK_INT(ret, 0, "assign: q35, the SATA controller at the AHCI's own function (%s)", err.message);
	if (ret < 0)
		return;
	CHECK_STR(dev_attr(live, "interface", "0", "address"), "pci 0000:00:01.0", "q35: slot 1 is free");
	CHECK_STR(dev_attr(live, "disk", "sda", "address"), "drive 0:0:0:0", "sda: the first AHCI port");
	CHECK(!contains(live, "<memballoon model='virtio'"), "model='none': no memballoon added");
	CHECK_STR(dev_attr(live, "memballoon", "0", "address"), "", "model='none': no address either");
	free(live);
}

/* A domain whose <devices> are devices, with n interfaces before them. */
static char *domain_with(const char *devices, unsigned interfaces)
{
	char *text = NULL;
	size_t size = 0;
	FILE *f = open_memstream(&text, &size);

	fprintf(f, "<domain type='kvm'><name>d</name><uuid>" UUID "</uuid><memory>65536</memory>"
		   "<os><type>hvm</type></os><devices>");
	for (unsigned i = 0; i < interfaces; i++)
		fprintf(f, "<interface type='user'/>");
	fprintf(f, "%s</devices></domain>", devices);
	fclose(f);
	return text;
}

struct fail_case {
	const char *devices;
	unsigned interfaces;
	int ret;
	const char *says[2];
};

static void test_assign_errors(void)
{
	static const struct fail_case cases[] = {
	    {"<disk type='file'><source file='/a'/><target dev='vda' bus='virtio'/>"
	     "<address type='pci' slot='3'/></disk>"
	     "<interface type='user'><address type='pci' slot='0x3'/></interface>",
	     0,
	     -EBUSY,
	     {"disk vda", "interface 0"}},
	    {"<interface type='user'><address type='pci' slot='0x1'/></interface>",
	     0,
	     -EBUSY,
	     {"interface 0: ", "PIIX3 ISA bridge"}},
	    {"<disk type='file'><source file='/a'/><target dev='hda' bus='ide'/>"
	     "<address type='drive' controller='0' bus='0' target='0' unit='0'/></disk>"
	     "<disk type='file'><source file='/b'/><target dev='hdb' bus='ide'/>"
	     "<address type='drive' controller='0' bus='0' target='0' unit='0'/></disk>",
	     0,
	     -EBUSY,
	     {"disk hda", "disk hdb"}},
	    {"", 31, -ENOSPC, {"interface 30", "no free pci address"}},
	    {"", 30, -ENOSPC, {"memballoon 0", "no free pci address"}},
	};
	struct hv_error err = {0};
	char *live;

	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		char *xml = domain_with(cases[i].devices, cases[i].interfaces);
		int ret = assign(xml, &live, &err);
		CHECK(ret == cases[i].ret && !live && contains(err.message, cases[i].says[0]) &&
			  contains(err.message, cases[i].says[1]),
		      "assign refuses case %zu: %d %s", i, ret, err.message);
		free(live);
		free(xml);
	}

	const char *machine = "<domain type='kvm'><name>d</name><memory>65536</memory>"
			      "<os><type machine='isapc'>hvm</type></os></domain>";
	int ret = assign(machine, &live, &err);
	CHECK(ret == -EINVAL && contains(err.message, "isapc"), "an unknown machine: %s", err.message);
	free(live);
	machine = "<domain type='kvm'><name>d</name><memory>65536</memory>"
		  "<os><type machine='pc-q35-7.2,usb=on'>hvm</type></os></domain>";
	ret = assign(machine, &live, &err);
	CHECK(ret == -EINVAL && !live, "a machine with options (the schema's or ours): %s", err.message);
	free(live);
}

/* The derived MAC of interface 0 given to interface 1: interface 0 gets
 * another; and every interface its own. */
static void test_macs(void)
{
	struct hv_error err = {0};
	char *xml = domain_with("", 3), *live = NULL, *live2 = NULL, first[32], devices[128];

	CHECK_INT(assign(xml, &live, &err), 0, "three interfaces without MACs (%s)", err.message);
	struct hv_domain_def def;
	hv_error_clear(&err);
	CHECK(live && hv_domain_def_parse(live, strlen(live), "d", &def, &err) == 0,
	      "childless elements on one line are opened where they stand (%s)", err.message);
	snprintf(first, sizeof(first), "%s", dev_attr(live ? live : "", "interface", "0", "mac"));
	CHECK(strcmp(first, dev_attr(live, "interface", "1", "mac")) != 0 &&
		  strcmp(first, dev_attr(live, "interface", "2", "mac")) != 0 &&
		  strcmp(dev_attr(live, "interface", "1", "mac"), dev_attr(live, "interface", "2", "mac")) !=
		      0,
	      "each interface its own MAC");
	free(xml);
	snprintf(devices, sizeof(devices),
		 "<interface type='user'/><interface type='user'><mac address='%s'/>"
		 "</interface>",
		 first);
	xml = domain_with(devices, 0);
	CHECK_INT(assign(xml, &live2, &err), 0, "interface 1 has interface 0's MAC (%s)", err.message);
	CHECK(live2 && strcmp(dev_attr(live2, "interface", "0", "mac"), first) != 0 &&
		  strncmp(dev_attr(live2, "interface", "0", "mac"), "52:54:00:", 9) == 0,
	      "interface 0 derives another: %s", live2 ? dev_attr(live2, "interface", "0", "mac") : "");
	free(xml);
	free(live);
	free(live2);

	const char *quoted = "<domain type=\"kvm\">\n  <name>d</name>\n  <memory>65536</memory>\n"
			     "  <os><type>hvm</type></os>\n  <devices>\n    <memballoon model=\"virtio\"/>\n"
			     "  </devices>\n</domain>\n";
	CHECK_INT(assign(quoted, &live, &err), 0, "a document in double quotes (%s)", err.message);
	CHECK(contains(live, "<memballoon model=\"virtio\">\n      <address type=\"pci\" domain=\"0x0000\" "
			     "bus=\"0x00\" slot=\"0x02\" function=\"0x0\"/>\n    </memballoon>"),
	      "the address on a line of its own, in the document's quotes");
	free(live);
}

/* --- the command line ----------------------------------------------------- */

static const struct qemu_launch_paths sample_paths = {
    .emulator = "/usr/bin/qemu-system-x86_64",
    .qmp_socket = "/run/hvfs,q/web1.qmp",
    .pidfile = "/run/hvfs/web1.pid",
    .serial_log = "/run/hvfs/web1.log",
    .accel = "tcg",
};

/* The argument after the n-th (from 1) occurrence of option, or NULL. */
static const char *after(char **argv, const char *option, int n)
{
	for (size_t i = 0; argv && argv[i]; i++)
		if (strcmp(argv[i], option) == 0 && --n == 0)
			return argv[i + 1];
	return NULL;
}

static bool has(char **argv, const char *token)
{
	for (size_t i = 0; argv && argv[i]; i++)
		if (strcmp(argv[i], token) == 0)
			return true;
	return false;
}

static const char *json_str(json_object *obj, const char *key)
{
	json_object *v = NULL;

	return json_object_object_get_ex(obj, key, &v) ? json_object_get_string(v) : "(none)";
}

static bool json_true(json_object *obj, const char *key)
{
	json_object *v = NULL;

	return json_object_object_get_ex(obj, key, &v) && json_object_get_boolean(v);
}

static void test_build(void)
{
	struct hv_error err = {0};
	char *live = NULL, **argv = NULL, mac[128];
	int ret = assign(sample_xml, &live, &err);

	if (ret == 0)
		ret = qemu_command_build(live, strlen(live), &sample_paths, &argv, &err);
	CHECK_INT(ret, 0, "build: the sample (%s)", err.message);
	if (ret < 0) {
		free(live);
		return;
	}
	printf("# argv:");
	for (size_t i = 0; argv[i]; i++)
		printf(" %s", argv[i]);
	printf("\n");
	CHECK_STR(argv[0], "/usr/bin/qemu-system-x86_64", "argv[0] is the emulator");
	CHECK_STR(after(argv, "-name", 1), "guest=web1", "-name");
	CHECK_STR(after(argv, "-uuid", 1), UUID, "-uuid");
	CHECK_STR(after(argv, "-machine", 1), "pc,accel=tcg", "-machine");
	CHECK_STR(after(argv, "-cpu", 1), "max", "-cpu for tcg");
	CHECK_STR(after(argv, "-m", 1), "size=65536k", "-m is <memory>, not currentMemory");
	CHECK_STR(after(argv, "-smp", 1), "1,maxcpus=2,sockets=2,cores=1,threads=1", "-smp");
	CHECK(has(argv, "-nodefaults") && has(argv, "-no-user-config") && has(argv, "-S") &&
		  has(argv, "-no-shutdown") && !has(argv, "-daemonize"),
	      "-nodefaults -no-user-config -S -no-shutdown, no -daemonize");
	CHECK_STR(after(argv, "-display", 1), "none", "-display none");
	CHECK_STR(after(argv, "-pidfile", 1), "/run/hvfs/web1.pid", "-pidfile");
	CHECK_STR(after(argv, "-chardev", 1),
		  "socket,id=monitor,path=/run/hvfs,,q/web1.qmp,server=on,wait=off",
		  "the QMP chardev, its comma doubled");
	CHECK_STR(after(argv, "-mon", 1), "chardev=monitor,mode=control", "-mon");
	CHECK_STR(after(argv, "-kernel", 1), "/boot/vmlinuz", "-kernel");
	CHECK_STR(after(argv, "-initrd", 1), "/boot/initrd.img", "-initrd");
	CHECK_STR(after(argv, "-append", 1), "console=ttyS0 root=/dev/vda", "-append");
	CHECK(!has(argv, "-boot"), "no -boot with a kernel");

	json_object *file = json_tokener_parse(after(argv, "-blockdev", 1) ?: "");
	json_object *drive = json_tokener_parse(after(argv, "-blockdev", 2) ?: "");
	CHECK_STR(json_str(file, "driver"), "file", "vda's protocol node");
	CHECK_STR(json_str(file, "filename"), "/img/a, \"b\".qcow2", "the path comes back from the JSON");
	CHECK_STR(json_str(file, "node-name"), "file-vda", "its node name");
	CHECK_STR(json_str(drive, "driver"), "qcow2", "vda's format node");
	CHECK_STR(json_str(drive, "file"), "file-vda", "on the protocol node");
	CHECK_STR(json_str(drive, "node-name"), "drive-vda", "its node name");
	CHECK(!json_true(drive, "read-only"), "vda is writable");
	json_object_put(file);
	json_object_put(drive);
	drive = json_tokener_parse(after(argv, "-blockdev", 4) ?: "");
	CHECK(json_true(drive, "read-only") && strcmp(json_str(drive, "driver"), "raw") == 0,
	      "vdb: raw, read-only");
	json_object_put(drive);

	CHECK_STR(after(argv, "-device", 1), "virtio-blk-pci,bus=pci.0,addr=0x2,drive=drive-vda,id=vda",
		  "vda");
	CHECK_STR(after(argv, "-device", 2), "virtio-blk-pci,bus=pci.0,addr=0x5,drive=drive-vdb,id=vdb",
		  "vdb");
	CHECK_STR(after(argv, "-device", 3), "ide-cd,bus=ide.0,unit=0,drive=drive-hdc,id=hdc", "hdc");
	CHECK_STR(after(argv, "-netdev", 1), "user,id=hostnet0", "interface 0's backend");
	snprintf(mac, sizeof(mac), "e1000,netdev=hostnet0,id=net0,mac=%s,bus=pci.0,addr=0x3",
		 dev_attr(live, "interface", "0", "mac"));
	CHECK_STR(after(argv, "-device", 4), mac, "interface 0");
	CHECK_STR(after(argv, "-netdev", 2), "bridge,br=br0,id=hostnet1", "interface 1's backend");
	CHECK_STR(
	    after(argv, "-device", 5),
	    "virtio-net-pci,netdev=hostnet1,id=net1,mac=52:54:00:12:34:56,bus=pci.0,addr=0x4,bootindex=1",
	    "interface 1");
	CHECK_STR(after(argv, "-device", 6), "virtio-balloon-pci,id=balloon0,bus=pci.0,addr=0x6",
		  "memballoon");
	CHECK_STR(after(argv, "-chardev", 2), "file,id=serial0,path=/run/hvfs/web1.log,append=on",
		  "serial log");
	CHECK_STR(after(argv, "-serial", 1), "chardev:serial0", "-serial");
	CHECK_STR(after(argv, "-device", 7), "pvpanic", "pvpanic");
	CHECK(after(argv, "-device", 8) == NULL, "nothing for serial, console, video, graphics");
	qemu_argv_free(argv);
	free(live);

	char id[32];
	CHECK(qemu_device_id("interface", "3", id, sizeof(id)) == 0 && strcmp(id, "net3") == 0, "id: net3");
	CHECK(qemu_device_id("disk", "vda", id, sizeof(id)) == 0 && strcmp(id, "vda") == 0, "id: vda");
	CHECK_INT(qemu_device_id("video", "0", id, sizeof(id)), -ENOENT, "id: video has none");
	CHECK_INT(qemu_device_id("disk", "1x", id, sizeof(id)), -EINVAL, "id: not a QEMU id");
}

static int bridge_of(void *opaque, const char *network, char *bridge, size_t size, struct hv_error *err)
{
	if (strcmp(network, "default") != 0)
		return hv_error_set(err, ENOENT, "no network %s", network);
	snprintf(bridge, size, "virbr0");
	return 0;
}

struct build_case {
	const char *os, *devices;
	int ret;
	const char *says; /* in the message, or the argument that must be there */
};

static const struct build_case build_cases[] = {
    {"", "<disk type='file'><driver type='vmdk'/><source file='/a'/><target dev='vda' bus='virtio'/></disk>",
     -EINVAL, "disk vda: disk format 'vmdk' is not supported by the qemu driver yet"},
    {"",
     "<disk type='network'><source protocol='nbd' name='x'><host name='h'/></source>"
     "<target dev='vda' bus='virtio'/></disk>",
     -EINVAL, "disk type 'network'"},
    {"", "<disk type='file'><source file='/a'/><target dev='sda' bus='scsi'/></disk>", -EINVAL,
     "disk bus 'scsi'"},
    {"", "<disk type='file'><source file='/a'/><target dev='sda' bus='sata'/></disk>", -EINVAL,
     "use ide on pc and sata on q35"},
    {"", "<disk type='file'><source file='/a'/><target dev='hda' bus='ide'/><readonly/></disk>", -EINVAL,
     "read-only"},
    {"", "<disk type='file'><target dev='vda' bus='virtio'/></disk>", -EINVAL, "only a cdrom can be empty"},
    {"", "<interface type='direct'><source dev='eth0'/></interface>", -EINVAL,
     "interface 0: interface type 'direct'"},
    {"", "<interface type='user'><model type='ne2k_pci'/></interface>", -EINVAL, "model 'ne2k_pci'"},
    {"", "<interface type='network'><source network='default'/></interface>", 0,
     "bridge,br=virbr0,id=hostnet0"},
    {"", "<interface type='network'><source network='other'/></interface>", -ENOENT, "no network other"},
    {"", "<interface type='user'><address type='pci' bus='0x01' slot='0x01'/></interface>", -EINVAL,
     "pci address 0000:01:01.0 is not supported"},
    {"",
     "<interface type='user'><address type='pci' slot='0x03' function='0x1' multifunction='on'/>"
     "</interface>",
     0, "bus=pci.0,addr=0x3.0x1,multifunction=on"},
    {"",
     "<hostdev mode='subsystem' type='pci'><source><address domain='0' bus='1' slot='0' function='0'/>"
     "</source></hostdev>",
     -EINVAL, "<hostdev> devices are not supported"},
    {"", "<memballoon model='xen'/>", -EINVAL, "memballoon model 'xen'"},
    {"",
     "<disk type='file'><source file='/a'/><target dev='vda' bus='virtio'/>"
     "<address type='drive' controller='0' bus='0' target='0' unit='0'/></disk>",
     -EINVAL, "disk vda: its <address> is not the PCI address it needs"},
    {"<loader readonly='yes' type='pflash'>/usr/share/OVMF/OVMF_CODE.fd</loader>", "", -EINVAL,
     "firmware other than the BIOS"},
    {"<boot dev='cdrom'/><boot dev='hd'/>", "", 0, "order=dc"},
    {"<boot dev='floppy'/>", "", -EINVAL, "boot dev 'floppy'"},
};

static void test_build_errors(void)
{
	struct qemu_launch_paths paths = sample_paths;
	struct hv_error err = {0};
	char **argv = NULL, *live = NULL;
	int ret;

	paths.network_bridge = bridge_of;
	for (size_t i = 0; i < ARRAY_SIZE(build_cases); i++) {
		const struct build_case *c = &build_cases[i];
		char *xml = NULL;
		bool found = false;

		if (asprintf(
			&xml,
			"<domain type='kvm'><name>d</name><memory>65536</memory><os><type>hvm</type>%s</os>"
			"<devices>%s</devices></domain>",
			c->os, c->devices) < 0)
			abort();
		ret = assign(xml, &live, &err);
		if (ret == 0)
			ret = qemu_command_build(live, strlen(live), &paths, &argv, &err);
		for (size_t k = 0; ret == 0 && argv[k]; k++)
			found |= contains(argv[k], c->says);
		CHECK(ret == c->ret && (ret < 0 ? contains(err.message, c->says) && !argv : found),
		      "build case %zu: %d %s", i, ret, ret < 0 ? err.message : c->says);
		qemu_argv_free(argv);
		argv = NULL;
		free(live);
		free(xml);
	}

	/* Not a live XML: a virtio disk without its address. */
	const char *stored =
	    "<domain type='kvm'><name>d</name><memory>65536</memory><os><type>hvm</type></os>"
	    "<devices><disk type='file'><source file='/a'/><target dev='vda'/></disk></devices>"
	    "</domain>";
	hv_error_clear(&err);
	ret = qemu_command_build(stored, strlen(stored), &paths, &argv, &err);
	CHECK(ret == -EINVAL && contains(err.message, "disk vda has no PCI address"), "stored XML: %s",
	      err.message);
	paths.accel = "xen";
	hv_error_clear(&err);
	ret = qemu_command_build(stored, strlen(stored), &paths, &argv, &err);
	CHECK(ret == -EINVAL && contains(err.message, "neither tcg nor kvm"), "accel: %s", err.message);
}

/* --- a real QEMU ---------------------------------------------------------- */

static int64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static char *program_path(const char *name)
{
	const char *path = getenv("PATH");
	char *copy = strdup(path ? path : "/usr/bin:/bin"), *save = NULL, *found = NULL;

	for (char *dir = strtok_r(copy, ":", &save); dir && !found; dir = strtok_r(NULL, ":", &save)) {
		char *candidate = NULL;
		if (asprintf(&candidate, "%s/%s", dir, name) < 0)
			abort();
		if (access(candidate, X_OK) == 0)
			found = candidate;
		else
			free(candidate);
	}
	free(copy);
	return found;
}

/* One JSON message of QMP that is not an event, by the deadline. */
static json_object *qmp_read(int fd, char *buf, size_t size, size_t *used, int64_t deadline)
{
	for (;;) {
		char *nl = memchr(buf, '\n', *used);
		if (nl) {
			*nl = '\0';
			json_object *msg = json_tokener_parse(buf);
			*used -= (size_t)(nl + 1 - buf);
			memmove(buf, nl + 1, *used);
			if (msg && !json_object_object_get_ex(msg, "event", NULL))
				return msg;
			json_object_put(msg);
			continue;
		}
		struct pollfd p = {.fd = fd, .events = POLLIN};
		int64_t left = deadline - now_ms();
		if (left <= 0 || *used + 1 >= size || poll(&p, 1, (int)left) <= 0)
			return NULL;
		ssize_t n = read(fd, buf + *used, size - *used - 1);
		if (n <= 0)
			return NULL;
		*used += (size_t)n;
	}
}

static json_object *qmp_call(int fd, const char *command, char *buf, size_t size, size_t *used,
			     int64_t deadline)
{
	char line[128];
	int n = snprintf(line, sizeof(line), "{\"execute\":\"%s\"}\n", command);

	if (write(fd, line, (size_t)n) != n)
		return NULL;
	return qmp_read(fd, buf, size, used, deadline);
}

/* Connects to QEMU's QMP socket while QEMU lives, by the deadline. */
static int qmp_connect(const char *path, pid_t pid, int64_t deadline, int *status)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};

	if (strlen(path) >= sizeof(sa.sun_path))
		return -ENAMETOOLONG;
	memcpy(sa.sun_path, path, strlen(path) + 1);
	while (now_ms() < deadline) {
		if (waitpid(pid, status, WNOHANG) == pid)
			return -ECHILD;
		int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
		if (fd >= 0 && connect(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0)
			return fd;
		if (fd >= 0)
			close(fd);
		poll(NULL, 0, 20); /* QEMU is still starting: look again */
	}
	return -ETIMEDOUT;
}

static void print_file(const char *path)
{
	char line[512];
	FILE *f = fopen(path, "r");

	while (f && fgets(line, sizeof(line), f))
		printf("#   %s", line);
	if (f)
		fclose(f);
}

/* Where QEMU put qdev_id, from query-pci; -1 when it has no such device. */
static int slot_of(json_object *pci, const char *qdev_id)
{
	json_object *bus = json_object_array_get_idx(pci, 0), *devices = NULL, *v = NULL;

	if (!bus || !json_object_object_get_ex(bus, "devices", &devices))
		return -1;
	for (size_t i = 0; i < json_object_array_length(devices); i++) {
		json_object *dev = json_object_array_get_idx(devices, i);
		if (strcmp(json_str(dev, "qdev_id"), qdev_id) == 0 &&
		    json_object_object_get_ex(dev, "slot", &v))
			return json_object_get_int(v);
	}
	return -1;
}

/* Every disk, interface and memballoon of live where the XML says. */
static void check_slots(const char *what, const char *live, json_object *pci)
{
	struct hv_device_defs defs;
	struct hv_error err = {0};
	unsigned checked = 0;

	if (hv_domain_devices_parse(live, strlen(live), &defs, &err) < 0)
		return;
	for (size_t i = 0; i < defs.count; i++) {
		const struct hv_device_def *dev = &defs.devices[i];
		char id[64];
		if (dev->address.type != HV_ADDRESS_PCI ||
		    qemu_device_id(dev->info.cls, dev->info.name, id, sizeof(id)) < 0)
			continue;
		CHECK_INT(slot_of(pci, id), dev->address.pci.slot, "%s: QEMU has %s at slot 0x%x", what, id,
			  dev->address.pci.slot);
		checked++;
	}
	CHECK(checked >= 3, "%s: %u PCI devices checked", what, checked);
	hv_device_defs_finish(&defs);
}

static void run_qemu(const char *what, const char *dir, const char *xml, const char *emulator)
{
	char qmp[256], pidfile[256], log[256], out[256], buf[65536];
	struct qemu_launch_paths paths = {.accel = "tcg", .emulator = emulator};
	struct hv_error err = {0};
	char *live = NULL, **argv = NULL;
	size_t used = 0;
	int status = 0, ret;
	pid_t pid;

	snprintf(qmp, sizeof(qmp), "%s/%s.qmp", dir, what);
	snprintf(pidfile, sizeof(pidfile), "%s/%s.pid", dir, what);
	snprintf(log, sizeof(log), "%s/%s.log", dir, what);
	snprintf(out, sizeof(out), "%s/%s.stderr", dir, what);
	paths.qmp_socket = qmp;
	paths.pidfile = pidfile;
	paths.serial_log = log;
	ret = assign(xml, &live, &err);
	if (ret == 0)
		ret = qemu_command_build(live, strlen(live), &paths, &argv, &err);
	CHECK_INT(ret, 0, "%s: live XML and argv (%s)", what, err.message);
	if (ret < 0) {
		free(live);
		return;
	}

	fflush(stdout);
	pid = fork();
	if (pid == 0) {
		int fd = open(out, O_WRONLY | O_CREAT | O_TRUNC, 0600);
		dup2(fd, 1);
		dup2(fd, 2);
		execv(argv[0], argv);
		_exit(127);
	}
	int64_t deadline = now_ms() + 20000;
	int fd = qmp_connect(qmp, pid, deadline, &status);
	json_object *greeting = fd >= 0 ? qmp_read(fd, buf, sizeof(buf), &used, deadline) : NULL;
	CHECK(greeting && json_object_object_get_ex(greeting, "QMP", NULL),
	      "%s: QEMU accepts the command line and greets on QMP (%s)", what,
	      fd == -ECHILD ? "it exited"
	      : fd < 0	    ? "no socket in time"
			    : "connected");
	if (!greeting)
		print_file(out);
	json_object_put(greeting);
	json_object *caps =
	    fd >= 0 ? qmp_call(fd, "qmp_capabilities", buf, sizeof(buf), &used, deadline) : NULL;
	json_object *reply = caps ? qmp_call(fd, "query-pci", buf, sizeof(buf), &used, deadline) : NULL;
	json_object *pci = NULL;
	CHECK(reply && json_object_object_get_ex(reply, "return", &pci), "%s: query-pci answers", what);
	if (pci)
		check_slots(what, live, pci);
	json_object_put(caps);
	json_object_put(reply);

	FILE *f = fopen(pidfile, "r");
	long written = 0;
	CHECK(f && fscanf(f, "%ld", &written) == 1 && written == pid, "%s: the pidfile names QEMU", what);
	if (f)
		fclose(f);
	if (fd >= 0)
		close(fd);
	if (fd != -ECHILD) {
		kill(pid, SIGKILL);
		waitpid(pid, &status, 0);
	}
	qemu_argv_free(argv);
	free(live);
}

static const char live_pc_xml[] =
    "<domain type='qemu'>\n"
    "  <name>live-pc</name>\n"
    "  <uuid>" UUID "</uuid>\n"
    "  <memory unit='MiB'>64</memory>\n"
    "  <vcpu current='1'>2</vcpu>\n"
    "  <os><type arch='x86_64' machine='pc'>hvm</type><boot dev='hd'/><boot dev='cdrom'/></os>\n"
    "  <clock offset='localtime'/>\n"
    "  <devices>\n"
    "    <controller type='ide' index='0'>\n"
    "      <address type='pci' domain='0x0000' bus='0x00' slot='0x01' function='0x1'/>\n"
    "    </controller>\n"
    "    <disk type='file' device='disk'>\n"
    "      <source file='DIR/disk.raw'/>\n"
    "      <target dev='vda' bus='virtio'/>\n"
    "      <address type='pci' domain='0x0000' bus='0x00' slot='0x07' function='0x0'/>\n"
    "    </disk>\n"
    "    QCOW2\n"
    "    <disk type='file' device='cdrom'>\n"
    "      <source file='DIR/cd.iso'/>\n"
    "      <target dev='hdc' bus='ide'/>\n"
    "    </disk>\n"
    "    <disk type='file' device='cdrom'>\n"
    "      <target dev='hdd' bus='ide'/>\n"
    "    </disk>\n"
    "    <interface type='user'/>\n"
    "    <interface type='user'><model type='e1000'/><boot order='2'/></interface>\n"
    "    <serial type='pty'/>\n"
    "    <console type='pty'/>\n"
    "  </devices>\n"
    "</domain>\n";

static const char qcow2_disk[] = "<disk type='file' device='disk'>"
				 "<driver name='qemu' type='qcow2'/><source file='DIR/disk.qcow2'/>"
				 "<target dev='vdb' bus='virtio'/></disk>";

static const char live_q35_xml[] = "<domain type='qemu'>\n"
				   "  <name>live-q35</name>\n"
				   "  <memory unit='MiB'>64</memory>\n"
				   "  <os><type machine='q35'>hvm</type></os>\n"
				   "  <devices>\n"
				   "    <disk type='file' device='disk'>\n"
				   "      <driver name='qemu' type='raw'/>\n"
				   "      <source file='DIR/disk.raw'/>\n"
				   "      <target dev='vda' bus='virtio'/>\n"
				   "      <readonly/>\n"
				   "    </disk>\n"
				   "    <disk type='file' device='cdrom'>\n"
				   "      <source file='DIR/cd.iso'/>\n"
				   "      <target dev='sdb' bus='sata'/>\n"
				   "    </disk>\n"
				   "    <interface type='user'><model type='e1000e'/></interface>\n"
				   "    <memballoon model='virtio'/>\n"
				   "  </devices>\n"
				   "</domain>\n";

/* text with every DIR replaced by dir and QCOW2 by qcow2 (a disk or ""). */
static char *instantiate(const char *text, const char *dir, const char *qcow2)
{
	char *out = NULL;
	size_t size = 0;
	FILE *f = open_memstream(&out, &size);

	for (const char *p = text; *p;) {
		if (strncmp(p, "DIR", 3) == 0) {
			fputs(dir, f);
			p += 3;
		} else if (strncmp(p, "QCOW2", 5) == 0) {
			char *disk = instantiate(qcow2, dir, "");
			fputs(disk, f);
			free(disk);
			p += 5;
		} else {
			fputc(*p++, f);
		}
	}
	fclose(f);
	return out;
}

static bool make_image(const char *path)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	bool ok = fd >= 0 && ftruncate(fd, 1 << 20) == 0;

	if (fd >= 0)
		close(fd);
	return ok;
}

static void test_live_qemu(void)
{
	char *emulator = program_path("qemu-system-x86_64"), *qemu_img = program_path("qemu-img");
	char dir[] = "/tmp/hvfs-qemu-XXXXXX", path[256], *command = NULL;
	bool qcow2 = false;

	if (!emulator) {
		CHECK(1, "# SKIP qemu-system-x86_64 is not installed");
		free(qemu_img);
		return;
	}
	if (!mkdtemp(dir)) {
		CHECK(0, "mkdtemp: %s", strerror(errno));
		free(emulator);
		free(qemu_img);
		return;
	}
	snprintf(path, sizeof(path), "%s/disk.raw", dir);
	CHECK(make_image(path), "a 1 MiB raw disk");
	snprintf(path, sizeof(path), "%s/cd.iso", dir);
	CHECK(make_image(path), "a 1 MiB raw cdrom image");
	if (qemu_img && asprintf(&command, "'%s' create -q -f qcow2 '%s/disk.qcow2' 1M", qemu_img, dir) > 0)
		qcow2 = system(command) == 0;
	free(command);
	if (!qcow2)
		CHECK(1, "# SKIP qcow2: qemu-img is not installed");

	char *pc = instantiate(live_pc_xml, dir, qcow2 ? qcow2_disk : "");
	char *q35 = instantiate(live_q35_xml, dir, "");
	run_qemu("pc", dir, pc, emulator);
	run_qemu("q35", dir, q35, emulator);
	free(pc);
	free(q35);

	if (asprintf(&command, "rm -rf '%s'", dir) > 0 && system(command) != 0)
		printf("# could not remove %s\n", dir);
	free(command);
	free(emulator);
	free(qemu_img);
}

int main(void)
{
	test_assign();
	test_assign_q35();
	test_assign_errors();
	test_macs();
	test_build();
	test_build_errors();
	test_live_qemu();
	hv_conf_cleanup();
	return UNIT_DONE();
}
