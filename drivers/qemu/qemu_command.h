/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* From a domain's libvirt XML to a running QEMU, the pure part: the live
 * definition (every device's address and MAC written in) and QEMU's command
 * line.  No I/O beyond parsing, no locks, no global state: the same XML
 * always gives the same result, so a restarted hvfs computes the addresses
 * the running guest already has.
 *
 * Machines: <os><type machine='...'> pc (default), pc-i440fx-*, q35 or
 * pc-q35-*, passed to QEMU as written (a versioned name this QEMU lacks is
 * QEMU's error at start, as with libvirt).  Arch x86_64 or i686.
 *
 * Addresses (qemu_address.c; docs/addresses.md for the forms and rules).
 * PCI devices live on bus 0 only (pci.0 on pc, pcie.0 on q35): hvfs does
 * not start PCI controllers, so an address on another bus is refused by
 * qemu_command_build.  Besides slot 0 (the host bridge), the machine's own
 * functions are reserved: on pc the PIIX3 ISA bridge 01.0, IDE 01.1 and
 * power management 01.3, on q35 the ICH9 LPC 1f.0, AHCI 1f.2 and SMBus
 * 1f.3; a <controller> given one of them (libvirt writes the IDE and SATA
 * controllers there) describes that built-in function and is no clash.
 * Everything else follows the shared rules: given addresses are reserved
 * first, then devices without one get the first free slot in document
 * order.  So on pc the first device gets slot 2 (-nodefaults: no VGA),
 * on q35 slot 1.  (pcie.0 takes no hot-plug: on q35 device_add/device_del
 * of these fail; libvirt puts them behind pcie-root-ports, which hvfs does
 * not start yet.)  What gets one:
 *   - a PCI address: a virtio disk, an interface, a <memballoon
 *     model='virtio'> (also when the XML has no <memballoon>: see below),
 *     and any device with <address type='pci'/> (any address);
 *   - a drive address: an ide, sata or scsi disk (first free, not derived
 *     from the target's name as libvirt does);
 *   - a MAC: an interface without <mac>, 52:54:00 followed by three bytes
 *     of an FNV-1a hash of the domain's UUID (its name when it has none),
 *     the interface's index among the interfaces and an attempt counter,
 *     the first attempt that no other interface of the domain has.  Unique
 *     within the domain only: the driver decides what to do about other
 *     domains (or writes MACs into the stored definition at define).
 * The memballoon: libvirt always gives a guest one, and so does hvfs,
 * unless <memballoon model='none'/>.  A domain whose XML has none gets
 * <memballoon model='virtio'> with its address appended to <devices> of
 * the live XML, allocated after every device of the XML: the running guest
 * holds that slot, so what devices/ shows and what a hot-plug allocates
 * from the live XML must know it.  The pvpanic device (ISA, no address) is
 * always added to the command line and never to the XML.
 *
 * Every function returns 0 or a negative errno with one sentence in err. */
#ifndef HVFS_DRIVERS_QEMU_COMMAND_H
#define HVFS_DRIVERS_QEMU_COMMAND_H

#include <stddef.h>

#include "util/error.h"

/* What the driver decides for a run; every field is required but
 * network_bridge. */
struct qemu_launch_paths {
	/* argv[0].  Always this: a definition's <emulator> is ignored, since
	 * a definition must not choose what hvfs executes. */
	const char *emulator;
	/* The QMP socket QEMU listens on (server=on,wait=off). */
	const char *qmp_socket;
	const char *pidfile; /* -pidfile */
	/* The one serial port (and so the <console>) writes to this file,
	 * appending; present even when the XML has no <serial>. */
	const char *serial_log;
	const char *accel; /* "tcg" (-cpu max) or "kvm" (-cpu host) */
	/* <interface type='network'>: writes the bridge of the network into
	 * bridge (QEMU's bridge helper then plugs a tap into it).  NULL:
	 * such interfaces are refused. */
	int (*network_bridge)(void *opaque, const char *network, char *bridge, size_t size,
			      struct hv_error *err);
	void *opaque;
};

/* The live XML of a stored (validated) definition: the same document, the
 * user's text kept byte for byte, with an <address> written into every
 * device that gets one (see above) and has none (an <address type='pci'/>
 * asking for any is replaced), a <mac address='...'/> into every interface
 * without one, and the memballoon appended when the XML has none.
 * Idempotent: the live XML of a live XML is itself.  -EBUSY for a clash
 * (two devices, or a device and the machine, on one address), -ENOSPC for
 * a full bus, -EINVAL for an unknown machine type; the sentence names the
 * device.  *live_xml is a new heap string. */
int qemu_xml_assign(const char *xml, size_t len, char **live_xml, struct hv_error *err);

/* QEMU's argv (NULL-terminated, heap; qemu_argv_free) for a live XML.
 * QEMU starts paused (-S; the driver connects to QMP, then sends cont),
 * stays in the foreground (the driver forks it), does not exit when the
 * guest powers off (-no-shutdown: the driver decides) and has no display
 * and no default devices.  <memory> is the RAM size (the driver lets the
 * balloon bring it down to <currentMemory>); vCPUs start at current and can
 * be hot-plugged up to <vcpu>, each one a socket.  Devices:
 *   disk       type file or block, format raw or qcow2 (-blockdev, JSON),
 *              on bus virtio (virtio-blk-pci), ide on pc or sata on q35
 *              (ide-hd, ide-cd; a cdrom may be empty); <boot order>;
 *   interface  type user, bridge, network (with network_bridge); model
 *              virtio (default), e1000, e1000e, rtl8139; <boot order>;
 *              the link state is the driver's to set through QMP;
 *   serial, console  the one serial port, to serial_log;
 *   memballoon virtio-balloon-pci (none with model='none');
 *   panic      nothing: pvpanic is always there;
 *   graphics, video, sound, audio, input, controller, channel, rng,
 *              watchdog, redirdev, hub  ignored: no output (there is no
 *              display; the controllers hvfs needs are the machine's own).
 * Any other device class, a disk, interface or format not listed, a PCI
 * address off bus 0, UEFI firmware (<loader>, firmware='efi'): -EINVAL
 * with a sentence naming it, "not supported by the qemu driver yet".  The
 * QEMU id of each device is what qemu_device_id says. */
int qemu_command_build(const char *live_xml, size_t len, const struct qemu_launch_paths *paths, char ***argv,
		       struct hv_error *err);
void qemu_argv_free(char **argv);

/* The QEMU id (device_del, query-pci's qdev_id) of the device hvfs calls
 * cls/name: a disk its target (vda), interface N netN, memballoon 0
 * balloon0.  -EINVAL for a name QEMU cannot take as an id or does not fit,
 * -ENOENT for a class the command line has no device of. */
int qemu_device_id(const char *cls, const char *name, char *id, size_t size);

/* Shared by qemu_command.c and qemu_address.c ----------------------------- */

enum qemu_machine { QEMU_MACHINE_PC, QEMU_MACHINE_Q35 };

struct _xmlDoc;
struct _xmlNode;
struct hv_domain_def;
/* Checks a stored definition (hv_domain_def_parse_stored) into def and
 * parses it again for what drivers/conf does not read; *doc is the
 * caller's (xmlFreeDoc). */
int qemu_xml_read(const char *xml, size_t len, struct hv_domain_def *def, struct _xmlDoc **doc,
		  struct hv_error *err);
/* The machine of <os><type machine=...> below root, and its name as QEMU
 * takes it (size >= 64).  -EINVAL for a machine or arch hvfs cannot start. */
int qemu_machine_of(struct _xmlNode *root, enum qemu_machine *machine, char *name, size_t size,
		    struct hv_error *err);

#endif
