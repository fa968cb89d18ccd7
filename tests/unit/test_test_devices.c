/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The test driver's device trees, device addresses and DHCP leases. */
#include <stdlib.h>
#include <unistd.h>

#include "drivers/conf/conf.h"
#include "tests/unit/test_driver_helpers.h"

static const struct hv_device_info *dev_find(const struct hv_device_list *list, const char *cls,
					     const char *name)
{
	for (size_t i = 0; i < list->count; i++)
		if (strcmp(list->devices[i].cls, cls) == 0 && strcmp(list->devices[i].name, name) == 0)
			return &list->devices[i];
	return NULL;
}

/* The attribute key of device cls/name of domain, "(none)" when absent. */
static const char *dev_attr(struct hv_conn *conn, const char *domain, const char *cls, const char *name,
			    const char *key)
{
	static char value[256];
	struct hv_device_list list = {0};
	struct hv_error err = {0};
	const struct hv_device_info *dev;

	snprintf(value, sizeof(value), "(none)");
	if (hv_domain_device_list(conn, domain, &list, &err) < 0)
		printf("# device_list %s: %s\n", domain, err.message);
	dev = dev_find(&list, cls, name);
	if (dev && hv_device_attr(dev, key))
		snprintf(value, sizeof(value), "%s", hv_device_attr(dev, key));
	hv_device_list_finish(&list);
	return value;
}

static int attach(struct hv_conn *conn, const char *domain, const char *xml, struct hv_error *err)
{
	hv_error_clear(err);
	return hv_domain_device_attach(conn, domain, xml, strlen(xml), err);
}

static size_t lease_count(struct hv_conn *conn, const char *network, char ip[46])
{
	struct hv_lease_list leases = {0};
	struct hv_error err = {0};
	size_t n;

	if (hv_network_leases(conn, network, &leases, &err) < 0)
		printf("# leases %s: %s\n", network, err.message);
	n = leases.count;
	if (ip)
		snprintf(ip, 46, "%s", n ? leases.leases[0].ip : "");
	hv_lease_list_finish(&leases);
	return n;
}

static const char empty_xml[] = "<domain type='test'>\n"
				"  <name>box</name>\n"
				"  <memory>65536</memory>\n"
				"  <os><type>hvm</type></os>\n"
				"</domain>\n";

static void test_list(void)
{
	struct hv_conn *conn = conn_open("test:///default");
	struct hv_device_list list = {0};
	struct hv_error err = {0};

	CHECK_INT(hv_domain_device_list(conn, "test", &list, &err), 0, "list (%s)", err.message);
	CHECK(dev_find(&list, "disk", "vda") && dev_find(&list, "interface", "0") &&
		  dev_find(&list, "console", "0"),
	      "the demo domain's disk, interface and console");
	hv_device_list_finish(&list);
	CHECK_STR(dev_attr(conn, "test", "disk", "vda", "source"), "/var/lib/libvirt/images/test.qcow2",
		  "source");
	CHECK_STR(dev_attr(conn, "test", "disk", "vda", "format"), "qcow2", "format");
	CHECK_STR(dev_attr(conn, "test", "disk", "vda", "address"), "pci 0000:00:01.0",
		  "first free PCI slot");
	CHECK_STR(dev_attr(conn, "test", "interface", "0", "address"), "pci 0000:00:02.0", "next slot");
	CHECK_STR(dev_attr(conn, "test", "interface", "0", "mac"), "52:54:00:3b:7e:a1", "mac");
	CHECK_STR(dev_attr(conn, "test", "interface", "0", "network"), "default", "network");
	CHECK_STR(dev_attr(conn, "test", "interface", "0", "ip"), "192.168.122.2",
		  "the running demo has a lease");
	CHECK_INT(hv_domain_device_list(conn, "nosuch", &list, &err), -ENOENT, "no such domain");
	char *xml = domain_xml(conn, "test");
	CHECK(xml && !strstr(xml, "<address"), "allocated addresses are not written into a definition");
	free(xml);
	conn_close(conn);
}

static void test_attach_detach(void)
{
	struct hv_conn *conn = conn_open("test:///default");
	struct hv_error err = {0};
	size_t before;
	char *xml;

	/* Cold-plug. */
	before = events_count();
	CHECK_INT(attach(conn, "idle",
			 "<disk type='file'>\n  <source file='/img/b.raw'/>\n  <target dev='vdb' "
			 "bus='virtio'/>\n</disk>\n",
			 &err),
		  0, "cold-plug (%s)", err.message);
	CHECK_INT(events_count() - before, 2, "two changes");
	CHECK_INT(event_at(before).type, HV_CHANGE_CREATED, "the device is created");
	CHECK_STR(event_at(before).sub, "disk/vdb", "named CLASS/NAME");
	CHECK_INT(event_at(before + 1).type, HV_CHANGE_MODIFIED, "the domain changes");
	CHECK_INT(event_at(before + 1).fields, HV_FIELD_CONFIG | HV_FIELD_DEVICES, "config and devices");
	CHECK_STR(dev_attr(conn, "idle", "disk", "vdb", "address"), "pci 0000:00:02.0",
		  "allocated after vda's");
	xml = domain_xml(conn, "idle");
	CHECK(
	    xml && strstr(xml, "    <disk type='file'>\n  <source file='/img/b.raw'/>") &&
		strstr(
		    xml,
		    "  <address type='pci' domain='0x0000' bus='0x00' slot='0x02' function='0x0'/>\n</disk>"),
	    "in config.xml with its address");
	free(xml);

	/* Hot-plug, and the errors. */
	CHECK_INT(
	    attach(conn, "test", "<disk type='file'><source file='/c'/><target dev='vdc'/></disk>", &err), 0,
	    "hot-plug (%s)", err.message);
	CHECK_INT(domain(conn, "test").state, HV_DOMAIN_RUNNING, "still running");
	CHECK_INT(
	    attach(conn, "test", "<disk type='file'><source file='/d'/><target dev='vdc'/></disk>", &err),
	    -EEXIST, "duplicate target");
	CHECK(strstr(err.message, "vdc") != NULL, "names it: %s", err.message);
	CHECK_INT(attach(conn, "test",
			 "<disk type='file'><target dev='vdd'/><address type='pci' slot='0x01'/></disk>",
			 &err),
		  -EBUSY, "user-given address in use");
	CHECK_STR(err.message,
		  "pci address 0000:00:01.0 is given twice in domain test: to disk vda and to disk vdd",
		  "names the holder");
	CHECK_INT(attach(conn, "test",
			 "<disk type='file'><target dev='vdd'/><address type='pci' slot='0x00' "
			 "function='0x1'/></disk>",
			 &err),
		  -EBUSY, "the host bridge's slot");
	/* libvirt lets a domain's interfaces share a MAC (failover). */
	CHECK_INT(attach(conn, "test",
			 "<interface type='network'><mac address='52:54:00:3b:7e:a1'/>"
			 "<source network='default'/></interface>",
			 &err),
		  0, "a MAC the domain has already (%s)", err.message);
	CHECK_INT(hv_domain_device_detach(conn, "test", "interface", "1", &err), 0, "and away again (%s)",
		  err.message);
	CHECK_INT(attach(conn, "idle",
			 "<interface type='network'><mac address='52:54:00:3b:7e:a1'/>"
			 "<source network='default'/></interface>",
			 &err),
		  -EBUSY, "a MAC in use by another domain");
	CHECK(strstr(err.message, "domain test (interface 0)") != NULL, "names it: %s", err.message);
	CHECK_INT(attach(conn, "test", "<disk><target/></disk>", &err), -EINVAL, "invalid (%s)", err.message);
	CHECK_INT(attach(conn, "nosuch", "<disk><target dev='a'/></disk>", &err), -ENOENT, "no such domain");
	xml = domain_xml(conn, "test");
	CHECK(xml && !strstr(xml, "vdd"), "a failed attach leaves config.xml alone");
	free(xml);

	/* An interface gets a MAC; hot-plugged onto a network, a lease. */
	CHECK_INT(
	    attach(conn, "test", "<interface type='network'><source network='default'/></interface>", &err),
	    0, "attach an interface (%s)", err.message);
	CHECK_STR(dev_attr(conn, "test", "interface", "1", "mac"), "52:54:00:00:00:00", "first free MAC");
	CHECK_STR(dev_attr(conn, "test", "interface", "1", "ip"), "192.168.122.3", "a lease at once");
	xml = domain_xml(conn, "test");
	CHECK(xml && strstr(xml, "<mac address='52:54:00:00:00:00'/>"), "the MAC is in config.xml");
	free(xml);

	/* Detach releases. */
	before = events_count();
	CHECK_INT(hv_domain_device_detach(conn, "test", "interface", "0", &err), 0, "detach interface 0 (%s)",
		  err.message);
	CHECK_INT(event_at(before).type, HV_CHANGE_DELETED, "deleted");
	CHECK_STR(event_at(before).sub, "interface/0", "which one");
	CHECK_STR(dev_attr(conn, "test", "interface", "0", "mac"), "52:54:00:00:00:00", "the other moves up");
	CHECK_INT(attach(conn, "idle",
			 "<interface type='network'><mac address='52:54:00:3b:7e:a1'/>"
			 "<source network='default'/></interface>",
			 &err),
		  0, "its MAC is free again (%s)", err.message);
	CHECK_INT(hv_domain_device_detach(conn, "test", "disk", "vda", &err), 0, "detach vda");
	CHECK_INT(attach(conn, "test",
			 "<disk type='file'><target dev='vdd'/><address type='pci' slot='0x01'/></disk>",
			 &err),
		  0, "its address is free again (%s)", err.message);
	CHECK_INT(hv_domain_device_detach(conn, "test", "disk", "vda", &err), -ENOENT, "detach twice");
	xml = domain_xml(conn, "test");
	CHECK(xml && !strstr(xml, "test.qcow2"), "gone from config.xml");
	free(xml);
	conn_close(conn);
}

static void test_exhaustion(void)
{
	struct hv_conn *conn = conn_open("test:///default");
	struct hv_error err = {0};
	int ok = 0, ret = 0;
	char frag[128];

	hv_domain_define(conn, "box", empty_xml, strlen(empty_xml), &err);
	for (int i = 0; i < 40 && ret == 0; i++) {
		snprintf(frag, sizeof(frag), "<disk type='file'><target dev='vd%c%c' bus='virtio'/></disk>",
			 'a' + i / 26, 'a' + i % 26);
		ret = attach(conn, "box", frag, &err);
		ok += ret == 0;
	}
	CHECK_INT(ok, 31, "31 PCI slots");
	CHECK_INT(ret, -ENOSPC, "then ENOSPC (%s)", err.message);
	CHECK_INT(hv_domain_device_detach(conn, "box", "disk", "vdaj", &err), 0, "detach one");
	CHECK_INT(attach(conn, "box", "<disk type='file'><target dev='vdzz'/></disk>", &err), 0,
		  "room again");
	CHECK_STR(dev_attr(conn, "box", "disk", "vdzz", "address"), "pci 0000:00:0a.0", "the slot released");
	conn_close(conn);
}

static void test_link_state(void)
{
	struct hv_conn *conn = conn_open("test:///default");
	struct hv_error err = {0};
	size_t before = events_count();
	char *xml;

	CHECK_INT(hv_domain_device_set(conn, "test", "interface", "0", "link_state", "down", &err), 0,
		  "down (%s)", err.message);
	CHECK_STR(dev_attr(conn, "test", "interface", "0", "link_state"), "down", "reads back");
	CHECK_INT(events_count() - before, 1, "one change");
	CHECK_STR(event_last().sub, "interface/0", "of the interface");
	CHECK_INT(event_last().fields, HV_FIELD_CONFIG | HV_FIELD_DEVICES, "config and devices");
	xml = domain_xml(conn, "test");
	CHECK(xml && strstr(xml, "<link state='down'/>\n    </interface>"), "in config.xml");
	free(xml);
	CHECK_INT(hv_domain_device_set(conn, "test", "interface", "0", "link_state", "up\n", &err), 0, "up");
	xml = domain_xml(conn, "test");
	CHECK(xml && strstr(xml, "<link state='up'/>"), "edited in place");
	free(xml);
	before = events_count();
	CHECK_INT(hv_domain_device_set(conn, "test", "interface", "0", "link_state", "up", &err), 0,
		  "same value");
	CHECK_INT(events_count(), before, "no change");
	CHECK_INT(hv_domain_device_set(conn, "test", "interface", "0", "link_state", "sideways", &err),
		  -EINVAL, "bad value");
	CHECK_INT(hv_domain_device_set(conn, "test", "interface", "0", "mac", "52:54:00:00:00:01", &err),
		  -EACCES, "read-only key");
	CHECK_INT(hv_domain_device_set(conn, "test", "disk", "vda", "link_state", "up", &err), -EACCES,
		  "a disk");
	CHECK_INT(hv_domain_device_set(conn, "test", "interface", "7", "link_state", "up", &err), -ENOENT,
		  "no such interface");
	conn_close(conn);
}

static const char small_net[] = "<network>\n"
				"  <name>tiny</name>\n"
				"  <ip address='10.0.0.1' prefix='24'>\n"
				"    <dhcp><range start='10.0.0.2' end='10.0.0.2'/></dhcp>\n"
				"  </ip>\n"
				"</network>\n";

static void define_on(struct hv_conn *conn, const char *name, const char *network, const char *mac)
{
	char xml[512];
	struct hv_error err = {0};

	snprintf(
	    xml, sizeof(xml),
	    "<domain type='test'><name>%s</name><memory>1024</memory><os><type>hvm</type></os>"
	    "<devices><interface type='network'>%s%s%s<source network='%s'/></interface></devices></domain>",
	    name, mac ? "<mac address='" : "", mac ? mac : "", mac ? "'/>" : "", network);
	CHECK_INT(hv_domain_define(conn, name, xml, strlen(xml), &err), 0, "define %s (%s)", name,
		  err.message);
}

static void test_leases(void)
{
	struct hv_conn *conn = conn_open("test:///default");
	struct hv_error err = {0};
	char ip[46];
	size_t before;

	CHECK_INT(lease_count(conn, "default", ip), 1, "the running demo's lease");
	CHECK_STR(ip, "192.168.122.2", "first of the range");
	before = events_count();
	control(conn, "test", HV_DOMAIN_CMD_DESTROY, &err);
	CHECK_INT(lease_count(conn, "default", NULL), 0, "released at stop");
	CHECK_INT(events_count() - before, 3, "lifecycle, network, interface");
	CHECK_INT(event_at(before + 1).kind, HV_KIND_NETWORK, "the network's leases");
	CHECK_INT(event_at(before + 1).fields, HV_FIELD_LEASES, "leases");
	CHECK_STR(event_at(before + 2).sub, "interface/0", "the interface's ip");
	CHECK_STR(dev_attr(conn, "test", "interface", "0", "ip"), "", "no ip while stopped");

	/* Another MAC does not get the address test had. */
	define_on(conn, "other", "default", "52:54:00:11:22:33");
	control(conn, "other", HV_DOMAIN_CMD_START, &err);
	CHECK_STR(dev_attr(conn, "other", "interface", "0", "ip"), "192.168.122.3",
		  "another MAC, another address");
	control(conn, "test", HV_DOMAIN_CMD_START, &err);
	CHECK_STR(dev_attr(conn, "test", "interface", "0", "ip"), "192.168.122.2",
		  "the same MAC, the same address");
	CHECK_INT(lease_count(conn, "default", NULL), 2, "two leases");
	struct hv_lease_list leases = {0};
	hv_network_leases(conn, "default", &leases, &err);
	CHECK(leases.count == 2 && strcmp(leases.leases[0].hostname, "test") == 0 &&
		  strcmp(leases.leases[0].mac, "52:54:00:3b:7e:a1") == 0 &&
		  leases.leases[0].expiry > (uint64_t)time(NULL) + 3500,
	      "hostname, MAC and expiry");
	hv_lease_list_finish(&leases);

	/* Range exhaustion: the domain starts without an address. */
	CHECK_INT(hv_network_define(conn, "tiny", small_net, strlen(small_net), &err), 0, "define tiny (%s)",
		  err.message);
	hv_network_control(conn, "tiny", HV_NETWORK_CMD_START, &err);
	define_on(conn, "t1", "tiny", NULL);
	define_on(conn, "t2", "tiny", NULL);
	CHECK_INT(control(conn, "t1", HV_DOMAIN_CMD_START, &err), 0, "t1 starts");
	CHECK_INT(control(conn, "t2", HV_DOMAIN_CMD_START, &err), 0, "t2 starts anyway");
	CHECK_STR(dev_attr(conn, "t1", "interface", "0", "ip"), "10.0.0.2", "t1 has the one address");
	CHECK_STR(dev_attr(conn, "t2", "interface", "0", "ip"), "", "t2 has none");
	CHECK_STR(dev_attr(conn, "t2", "interface", "0", "mac"), "52:54:00:00:00:01",
		  "MACs unique across domains");
	CHECK_INT(hv_network_leases(conn, "nosuch", &leases, &err), -ENOENT, "no such network");
	conn_close(conn);
}

static void test_persistence(void)
{
	char dir[] = "/tmp/hvfs-devices-XXXXXX", uri[128], cmd[160];
	struct hv_error err = {0};
	static const char xml[] = "<domain type='test'>\n"
				  "  <name>keep</name>\n"
				  "  <memory>1024</memory>\n"
				  "  <os><type>hvm</type></os>\n"
				  "  <devices>\n"
				  "    <disk type='file'><target dev='sdb'/></disk>\n"
				  "    <interface type='bridge'><source bridge='br0'/></interface>\n"
				  "  </devices>\n"
				  "</domain>\n";
	char pci[256], mac[256], drive[256];

	if (!mkdtemp(dir))
		return;
	snprintf(uri, sizeof(uri), "test://%s/host", dir);
	struct hv_conn *conn = conn_open(uri);
	CHECK_INT(hv_domain_define(conn, "keep", xml, strlen(xml), &err), 0, "define (%s)", err.message);
	snprintf(drive, sizeof(drive), "%s", dev_attr(conn, "keep", "disk", "sdb", "address"));
	snprintf(pci, sizeof(pci), "%s", dev_attr(conn, "keep", "interface", "0", "address"));
	snprintf(mac, sizeof(mac), "%s", dev_attr(conn, "keep", "interface", "0", "mac"));
	CHECK_STR(drive, "drive 0:0:0:0", "a scsi disk gets a drive address");
	CHECK_STR(pci, "pci 0000:00:01.0", "the interface a PCI slot");
	/* Rewriting the same text keeps them. */
	CHECK_INT(hv_domain_define(conn, "keep", xml, strlen(xml), &err), 0, "define again");
	CHECK_STR(dev_attr(conn, "keep", "interface", "0", "mac"), mac, "same MAC after a rewrite");
	conn_close(conn);

	conn = conn_open(uri);
	CHECK_STR(dev_attr(conn, "keep", "disk", "sdb", "address"), drive, "drive address after a reopen");
	CHECK_STR(dev_attr(conn, "keep", "interface", "0", "address"), pci, "PCI address after a reopen");
	CHECK_STR(dev_attr(conn, "keep", "interface", "0", "mac"), mac, "MAC after a reopen");
	char *stored = domain_xml(conn, "keep");
	CHECK_STR(stored, xml, "config.xml is what the user wrote");
	free(stored);
	/* The MAC is still held: another domain cannot take it. */
	char frag[400];
	snprintf(frag, sizeof(frag),
		 "<interface type='bridge'><mac address='%s'/><source bridge='br0'/></interface>", mac);
	CHECK_INT(attach(conn, "idle", frag, &err), -EBUSY, "the MAC stays reserved (%s)", err.message);
	CHECK_INT(hv_domain_rename(conn, "keep", "kept", &err), 0, "rename");
	CHECK_INT(attach(conn, "idle", frag, &err), -EBUSY, "still reserved after a rename");
	CHECK(strstr(err.message, "domain kept") != NULL, "by its new name: %s", err.message);
	CHECK_INT(hv_domain_undefine(conn, "kept", &err), 0, "undefine");
	CHECK_INT(attach(conn, "idle", frag, &err), 0, "released by undefine (%s)", err.message);
	conn_close(conn);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	CHECK_INT(system(cmd), 0, "clean up");
}

int main(void)
{
	test_list();
	test_attach_detach();
	test_exhaustion();
	test_link_state();
	test_leases();
	test_persistence();
	hv_conf_cleanup();
	return UNIT_DONE();
}
