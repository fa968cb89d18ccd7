/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Bus address bookkeeping: one allocator for every kind of address a device
 * has.  A PCI address (domain, bus, slot, function), a drive address
 * (controller, bus, target, unit) and a MAC (six bytes) are all fixed-length
 * tuples of integers, each component within a range, so one space type
 * serves them all.  A space holds the tuples reserved in one scope (a
 * domain's PCI buses, the host's MACs), each with its holder, so that a
 * clash can say who has the address.
 *
 * Holders: an owner (whose addresses they are, e.g. "domain web1"; what
 * release_owner drops and rename_owner renames) and a device label
 * ("interface 0", may be NULL).  Messages name them as "domain web1
 * (interface 0)".
 *
 * Allocation hands out whole units: a unit is a tuple's first spec.unit
 * components (PCI: domain, bus, slot), and a unit is free only when no tuple
 * in it is reserved or excluded, so a device never gets a slot another one
 * already uses a function of.  The remaining components of an allocated
 * tuple are the minimum of their allocation range.  "First free" means the
 * first free unit in lexicographic order within the allocation ranges.
 *
 * Cost, for n reserved tuples of which m are inside the allocation ranges:
 * reserve, release and lookup are O(1) expected (a hash of tuples) plus, for
 * a tuple inside the allocation ranges, an insert into or removal from a
 * sorted, blocked index of its unit, O(log m + B) with blocks of B = 256
 * units.  allocate is O(log m) when the units from the start of the range
 * are not all taken, and at worst O((m / B) log B) for a dense run of taken
 * units (it skips whole blocks), plus a constant step per exclusion block it
 * crosses.  release_owner is O(k) in the owner's k tuples.  Memory is about
 * 80 bytes per reserved tuple plus its device label, plus 16 bytes per unit
 * in the index; nothing is proportional to the size of the space, so a
 * 2^24 MAC space costs what its reservations cost.
 *
 * Not thread-safe: the caller serialises every call on a space, lookups
 * included.  Drivers already hold their own lock while they define domains
 * and attach devices, and a second lock here could only be taken in the
 * wrong order. */
#ifndef HVFS_UTIL_ADDR_ALLOC_H
#define HVFS_UTIL_ADDR_ALLOC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "util/error.h"

#define ADDR_MAX_COMPONENTS 6
#define ADDR_TEXT_MAX	    96 /* room for any formatted tuple */

/* Components beyond the space's count are ignored. */
struct addr_tuple {
	uint32_t v[ADDR_MAX_COMPONENTS];
};

struct addr_range {
	uint32_t min, max;
};

/* The tuples inside every range are never allocated, and reserving one is
 * refused as "reserved for REASON" -- unless alloc_only, when only
 * allocation avoids them (a PCI bus no controller provides: libvirt adds the
 * controller for an address a user gives there, but never allocates one). */
struct addr_exclusion {
	struct addr_range range[ADDR_MAX_COMPONENTS];
	const char *reason; /* "the host bridge" */
	bool alloc_only;
};

/* Writes tuple as users write that kind of address ("0000:00:03.0"). */
typedef void addr_format_fn(const struct addr_tuple *tuple, char *buf, size_t size);

/* A space keeps pointers to the strings (kind, names, reasons): use literals.
 * The exclusions are copied. */
struct addr_space_spec {
	const char *kind; /* "pci address": starts every message */
	unsigned components;
	const char *names[ADDR_MAX_COMPONENTS];	      /* "slot", for range errors */
	bool hex;				      /* range errors show values as 0x.. */
	struct addr_range valid[ADDR_MAX_COMPONENTS]; /* what reserve accepts */
	struct addr_range alloc[ADDR_MAX_COMPONENTS]; /* where allocate looks, within valid */
	unsigned unit;				      /* 1..components; see above */
	const struct addr_exclusion *exclusions;
	size_t exclusion_count;
	addr_format_fn *format; /* NULL: decimal components joined by ':' */
	/* One owner may reserve a tuple it already holds, for another device
	 * (MACs: libvirt lets a domain's interfaces share one, for failover
	 * with <teaming>).  Another owner still gets EBUSY. */
	bool owner_may_share;
};

struct addr_space;

/* 0, or -EINVAL for an inconsistent spec (the reason in err), -ENOMEM. */
int addr_space_create(const struct addr_space_spec *spec, struct addr_space **out, struct hv_error *err);
/* Frees the space and every reservation in it.  destroy(NULL) is a no-op. */
void addr_space_destroy(struct addr_space *space);

/* Reserves tuple as given.  -EINVAL when a component is outside its valid
 * range or owner is NULL or empty; -EBUSY when the tuple is excluded or
 * already reserved (by anyone, the same holder included, unless the spec
 * says owner_may_share), with the holder in err: "pci address 0000:00:03.0
 * is in use by domain web1 (interface 0)", or, when the owner holds it
 * already, "pci address 0000:00:03.0 is given twice in domain web1: to
 * interface 0 and to disk vda"; -ENOMEM.  Nothing changes on failure. */
int addr_space_reserve(struct addr_space *space, const struct addr_tuple *tuple, const char *owner,
		       const char *device, struct hv_error *err);
/* Reserves the first free unit (see above) for the holder and returns its
 * tuple in out.  -ENOSPC when every unit in the allocation ranges is taken;
 * -EINVAL for a missing owner; -ENOMEM. */
int addr_space_allocate(struct addr_space *space, const char *owner, const char *device,
			struct addr_tuple *out, struct hv_error *err);
/* Releases one holding of tuple (a shared one stays with its other
 * devices).  0, or -ENOENT when tuple was not reserved. */
int addr_space_release(struct addr_space *space, const struct addr_tuple *tuple);
/* Releases everything owner holds; returns how many tuples that was. */
size_t addr_space_release_owner(struct addr_space *space, const char *owner);
/* Hands everything from holds to to (a domain renamed).  -ENOENT when from
 * holds nothing, -EEXIST when to already holds something, -ENOMEM. */
int addr_space_rename_owner(struct addr_space *space, const char *from, const char *to);

/* true when tuple is reserved; then *owner and *device (either may be
 * NULL) point into the space until its next change; *device is "" when the
 * holder gave none. */
bool addr_space_lookup(const struct addr_space *space, const struct addr_tuple *tuple, const char **owner,
		       const char **device);
size_t addr_space_count(const struct addr_space *space);
/* Calls fn for each tuple owner holds, in the order they were reserved, so
 * that a driver can save them and reserve them again to undo a failed
 * redefinition.  fn must not change the space. */
void addr_space_foreach_owned(const struct addr_space *space, const char *owner,
			      void (*fn)(const struct addr_tuple *tuple, const char *device, void *opaque),
			      void *opaque);
/* The tuple as the space's users write it (its format function). */
void addr_space_format(const struct addr_space *space, const struct addr_tuple *tuple, char *buf,
		       size_t size);

#endif
