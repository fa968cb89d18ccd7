/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The test driver's host devices (host/devices/): a simulated small
 * server, or with host_devices=sysfs (or =/PATH) the real host's tree read
 * from sysfs (or from a tree of the same shape at PATH), so that the
 * filesystem side can be tested against a real machine before the real
 * drivers exist.
 *
 * The simulated server, as libvirt would show it:
 *
 *   computer
 *     pci_0000_00_00_0          host bridge
 *     pci_0000_00_14_0          USB 3 controller (xhci_hcd)
 *       usb_usb1                root hub
 *         usb_1_4               hub
 *           usb_1_4_1           keyboard
 *     pci_0000_00_17_0          SATA controller (ahci)
 *       scsi_host0 - block_sda_WD_WCC6Y0KX1234
 *       scsi_host1 - block_sdb_WD_WCC6Y0KX5678
 *     pci_0000_00_1c_0          PCI Express root port (pcieport)
 *       pci_0000_01_00_0 - net_eno1_a0_36_9f_12_34_56    I350 port 0 (igb)
 *       pci_0000_01_00_1 - net_eno2_a0_36_9f_12_34_57    I350 port 1 (igb)
 *     net_lo_00_00_00_00_00_00
 *
 * It never changes, so it needs no lock. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "drivers/nodedev/nodedev.h"
#include "drivers/nodedev/sysfs.h"
#include "drivers/test/test_private.h"

struct sim_device {
	const char *name, *parent, *driver, *capability;
	const char *attrs; /* "key=value|key=value" */
};

/* Parents before children; the order listings follow. */
static const struct sim_device sim_devices[] = {
    {HV_NODEDEV_COMPUTER, "", "", "system", "product=hvfs simulated server|vendor=hvfs"},
    {"pci_0000_00_00_0", "computer", "", "pci",
     "address=0000:00:00.0|class=0x060000|product_id=0x3e0f|vendor_id=0x8086"},
    {"pci_0000_00_14_0", "computer", "xhci_hcd", "pci",
     "address=0000:00:14.0|class=0x0c0330|product_id=0xa12f|vendor_id=0x8086"},
    {"pci_0000_00_17_0", "computer", "ahci", "pci",
     "address=0000:00:17.0|class=0x010601|product_id=0xa102|vendor_id=0x8086"},
    {"pci_0000_00_1c_0", "computer", "pcieport", "pci",
     "address=0000:00:1c.0|class=0x060400|product_id=0xa110|vendor_id=0x8086"},
    {"pci_0000_01_00_0", "pci_0000_00_1c_0", "igb", "pci",
     "address=0000:01:00.0|class=0x020000|product_id=0x1521|vendor_id=0x8086"},
    {"pci_0000_01_00_1", "pci_0000_00_1c_0", "igb", "pci",
     "address=0000:01:00.1|class=0x020000|product_id=0x1521|vendor_id=0x8086"},
    {"usb_usb1", "pci_0000_00_14_0", "usb", "usb_device",
     "bus=1|device=1|product_id=0x0002|vendor_id=0x1d6b"},
    {"usb_1_4", "usb_usb1", "usb", "usb_device", "bus=1|device=2|product_id=0x0608|vendor_id=0x05e3"},
    {"usb_1_4_1", "usb_1_4", "usb", "usb_device", "bus=1|device=3|product_id=0xc31c|vendor_id=0x046d"},
    {"scsi_host0", "pci_0000_00_17_0", "", "scsi_host", "host=0"},
    {"scsi_host1", "pci_0000_00_17_0", "", "scsi_host", "host=1"},
    {"net_eno1_a0_36_9f_12_34_56", "pci_0000_01_00_0", "", "net", "interface=eno1|mac=a0:36:9f:12:34:56"},
    {"net_eno2_a0_36_9f_12_34_57", "pci_0000_01_00_1", "", "net", "interface=eno2|mac=a0:36:9f:12:34:57"},
    {"net_lo_00_00_00_00_00_00", "computer", "", "net", "interface=lo|mac=00:00:00:00:00:00"},
    {"block_sda_WD_WCC6Y0KX1234", "scsi_host0", "", "storage",
     "block=/dev/sda|model=WDC WD10EZEX-00B|size=1000204886016"},
    {"block_sdb_WD_WCC6Y0KX5678", "scsi_host1", "", "storage",
     "block=/dev/sdb|model=WDC WD20EZRZ-00Z|size=2000398934016"},
};

#define SIM_COUNT (sizeof(sim_devices) / sizeof(sim_devices[0]))

int test_nodedev_list(struct hv_conn *conn, struct hv_name_list *out, struct hv_error *err)
{
	struct test_driver *drv = conn->priv;
	struct hv_name_list list = {0};

	if (drv->nodedev_root)
		return nodedev_sysfs_list(drv->nodedev_root, out, err);
	for (size_t i = 0; i < SIM_COUNT; i++) {
		if (hv_nodedev_list_add(&list, sim_devices[i].name) < 0) {
			hv_name_list_finish(&list);
			return hv_error_set(err, ENOMEM, "out of memory");
		}
	}
	*out = list;
	return 0;
}

int test_nodedev_info(struct hv_conn *conn, const char *name, struct hv_nodedev_info *info,
		      struct hv_error *err)
{
	struct test_driver *drv = conn->priv;

	if (drv->nodedev_root)
		return nodedev_sysfs_info(drv->nodedev_root, name, info, err);
	for (size_t i = 0; i < SIM_COUNT; i++) {
		const struct sim_device *d = &sim_devices[i];
		if (strcmp(d->name, name) != 0)
			continue;
		*info = (struct hv_nodedev_info){0};
		snprintf(info->name, sizeof(info->name), "%s", d->name);
		snprintf(info->parent, sizeof(info->parent), "%s", d->parent);
		snprintf(info->driver, sizeof(info->driver), "%s", d->driver);
		snprintf(info->capability, sizeof(info->capability), "%s", d->capability);
		for (const char *p = d->attrs; *p;) {
			char key[32], value[128];
			size_t klen = strcspn(p, "="), vlen;
			const char *v = p + klen + (p[klen] == '=');
			vlen = strcspn(v, "|");
			snprintf(key, sizeof(key), "%.*s", (int)klen, p);
			snprintf(value, sizeof(value), "%.*s", (int)vlen, v);
			hv_nodedev_set_attr(info, key, value);
			p = v + vlen + (v[vlen] == '|');
		}
		return 0;
	}
	return hv_error_set(err, ENOENT, "no host device '%s'", name);
}
