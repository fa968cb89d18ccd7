/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The allocator behind util/addr_alloc.h.  Three structures, each serving
 * one question fast:
 *   - a hash of reserved tuples: "who holds this address?" (reserve, release,
 *     lookup);
 *   - per owner, a list of its tuples: "drop everything web1 held";
 *   - a sorted, blocked index of the taken units inside the allocation
 *     ranges, each unit numbered by its rank in the ranges: "what is the
 *     first free one?" becomes "the first integer missing from a sorted
 *     set", a binary search instead of a walk over the space. */
#include "util/addr_alloc.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/hash.h"

struct addr_owner;

struct addr_entry {
	struct addr_entry *hash_next;
	struct addr_entry *owner_prev, *owner_next;
	struct addr_owner *owner;
	struct addr_tuple tuple;
	char device[]; /* "" when none */
};

struct addr_owner {
	struct addr_entry *first, *last;
	size_t count;
	char name[];
};

/* Units per block of the index: large enough that a dense run of thousands
 * of MACs is crossed in a few dozen steps, small enough that an insert's
 * memmove stays in L1.  Blocks start small and grow, because most spaces
 * (one domain's PCI bus) hold a handful of units. */
#define UNIT_BLOCK_MAX	 256
#define UNIT_BLOCK_FIRST 4

struct unit_slot {
	uint64_t unit;
	uint32_t refs; /* reserved tuples in this unit (PCI functions of a slot) */
};

struct unit_block {
	size_t count, cap;
	struct unit_slot slot[];
};

struct unit_index {
	struct unit_block **blocks; /* sorted, none empty */
	size_t count, cap;
};

struct addr_space {
	struct addr_space_spec spec;
	struct addr_exclusion *exclusions; /* spec.exclusions points here */
	uint64_t stride[ADDR_MAX_COMPONENTS];
	uint64_t unit_total; /* units inside the allocation ranges */
	struct addr_entry **buckets;
	size_t bucket_count; /* a power of two */
	size_t count;
	struct hash_map *owners; /* name -> struct addr_owner */
	struct unit_index index;
};

/* --- tuples -------------------------------------------------------------- */

static uint64_t tuple_hash(const struct addr_space *space, const struct addr_tuple *t)
{
	uint64_t h = 0x9e3779b97f4a7c15ULL;

	for (unsigned i = 0; i < space->spec.components; i++) {
		h ^= t->v[i];
		h *= 0xbf58476d1ce4e5b9ULL;
		h ^= h >> 31;
	}
	return h;
}

static bool tuple_equal(const struct addr_space *space, const struct addr_tuple *a,
			const struct addr_tuple *b)
{
	for (unsigned i = 0; i < space->spec.components; i++)
		if (a->v[i] != b->v[i])
			return false;
	return true;
}

/* Copies the space's components only, so that stray values past them can
 * never make two equal addresses look different. */
static struct addr_tuple tuple_clean(const struct addr_space *space, const struct addr_tuple *t)
{
	struct addr_tuple out = {{0}};

	memcpy(out.v, t->v, space->spec.components * sizeof(out.v[0]));
	return out;
}

static void format_default(const struct addr_tuple *t, unsigned components, char *buf, size_t size)
{
	size_t used = 0;

	buf[0] = '\0';
	for (unsigned i = 0; i < components && used < size; i++)
		used += (size_t)snprintf(buf + used, size - used, "%s%u", i ? ":" : "", t->v[i]);
}

void addr_space_format(const struct addr_space *space, const struct addr_tuple *tuple, char *buf, size_t size)
{
	struct addr_tuple t = tuple_clean(space, tuple);

	if (space->spec.format)
		space->spec.format(&t, buf, size);
	else
		format_default(&t, space->spec.components, buf, size);
}

static bool in_range(const struct addr_range *r, uint32_t v)
{
	return v >= r->min && v <= r->max;
}

static bool tuple_in_ranges(const struct addr_range *ranges, unsigned n, const struct addr_tuple *t)
{
	for (unsigned i = 0; i < n; i++)
		if (!in_range(&ranges[i], t->v[i]))
			return false;
	return true;
}

/* --- units: a tuple's first spec.unit components, ranked in the ranges --- */

static bool unit_in_box(const struct addr_space *space, const struct addr_tuple *t)
{
	return tuple_in_ranges(space->spec.alloc, space->spec.unit, t);
}

static uint64_t unit_encode(const struct addr_space *space, const struct addr_tuple *t)
{
	uint64_t x = 0;

	for (unsigned i = 0; i < space->spec.unit; i++)
		x += (uint64_t)(t->v[i] - space->spec.alloc[i].min) * space->stride[i];
	return x;
}

/* The unit's tuple: the rest of the components at the bottom of their
 * allocation range, which is what allocate hands out. */
static struct addr_tuple unit_decode(const struct addr_space *space, uint64_t x)
{
	struct addr_tuple t = {{0}};

	for (unsigned i = 0; i < space->spec.components; i++) {
		if (i < space->spec.unit) {
			t.v[i] = space->spec.alloc[i].min + (uint32_t)(x / space->stride[i]);
			x %= space->stride[i];
		} else {
			t.v[i] = space->spec.alloc[i].min;
		}
	}
	return t;
}

/* --- the unit index ------------------------------------------------------ */

static size_t block_lower_bound(const struct unit_block *b, uint64_t x)
{
	size_t lo = 0, hi = b->count;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (b->slot[mid].unit < x)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/* The last block whose first unit is <= x, or 0: the only block that can
 * hold x.  The index must not be empty. */
static size_t index_find_block(const struct unit_index *ix, uint64_t x)
{
	size_t lo = 0, hi = ix->count;

	while (hi - lo > 1) {
		size_t mid = lo + (hi - lo) / 2;
		if (ix->blocks[mid]->slot[0].unit <= x)
			lo = mid;
		else
			hi = mid;
	}
	return lo;
}

static struct unit_block *block_new(size_t cap)
{
	struct unit_block *b = malloc(sizeof(*b) + cap * sizeof(b->slot[0]));

	if (b) {
		b->count = 0;
		b->cap = cap;
	}
	return b;
}

static int index_insert_block(struct unit_index *ix, size_t at, struct unit_block *b)
{
	if (ix->count == ix->cap) {
		size_t cap = ix->cap ? ix->cap * 2 : 1;
		struct unit_block **blocks = realloc(ix->blocks, cap * sizeof(*blocks));
		if (!blocks)
			return -ENOMEM;
		ix->blocks = blocks;
		ix->cap = cap;
	}
	memmove(ix->blocks + at + 1, ix->blocks + at, (ix->count - at) * sizeof(*ix->blocks));
	ix->blocks[at] = b;
	ix->count++;
	return 0;
}

/* Makes room for one more slot in block *bi, at *pos; a full block at its
 * maximum size is split in two, which may move the position to the new
 * half.  0 or -ENOMEM, with the index unchanged. */
static int index_make_room(struct unit_index *ix, size_t *bi, size_t *pos)
{
	struct unit_block *b = ix->blocks[*bi], *upper;
	size_t half;

	if (b->count < b->cap)
		return 0;
	if (b->cap < UNIT_BLOCK_MAX) {
		size_t cap = b->cap * 2 > UNIT_BLOCK_MAX ? UNIT_BLOCK_MAX : b->cap * 2;
		b = realloc(b, sizeof(*b) + cap * sizeof(b->slot[0]));
		if (!b)
			return -ENOMEM;
		b->cap = cap;
		ix->blocks[*bi] = b;
		return 0;
	}
	/* Appending past a full block starts a new one instead of splitting:
	 * allocation fills units in order, and its runs then stay in full
	 * blocks, half as many to walk. */
	upper = block_new(*pos == b->count ? UNIT_BLOCK_FIRST : UNIT_BLOCK_MAX);
	if (!upper || index_insert_block(ix, *bi + 1, upper) < 0) {
		free(upper);
		return -ENOMEM;
	}
	if (*pos == b->count) {
		*pos = 0;
		(*bi)++;
		return 0;
	}
	half = b->count / 2;
	upper->count = b->count - half;
	memcpy(upper->slot, b->slot + half, upper->count * sizeof(b->slot[0]));
	b->count = half;
	if (*pos > half) {
		*pos -= half;
		(*bi)++;
	}
	return 0;
}

static int index_add(struct unit_index *ix, uint64_t x)
{
	struct unit_block *b;
	size_t bi, pos;
	int ret;

	if (ix->count == 0) {
		b = block_new(UNIT_BLOCK_FIRST);
		if (!b || index_insert_block(ix, 0, b) < 0) {
			free(b);
			return -ENOMEM;
		}
	}
	bi = index_find_block(ix, x);
	b = ix->blocks[bi];
	pos = block_lower_bound(b, x);
	if (pos < b->count && b->slot[pos].unit == x) {
		b->slot[pos].refs++;
		return 0;
	}
	ret = index_make_room(ix, &bi, &pos);
	if (ret < 0)
		return ret;
	b = ix->blocks[bi];
	memmove(b->slot + pos + 1, b->slot + pos, (b->count - pos) * sizeof(b->slot[0]));
	b->slot[pos].unit = x;
	b->slot[pos].refs = 1;
	b->count++;
	return 0;
}

static void index_remove(struct unit_index *ix, uint64_t x)
{
	size_t bi, pos;
	struct unit_block *b;

	if (ix->count == 0)
		return;
	bi = index_find_block(ix, x);
	b = ix->blocks[bi];
	pos = block_lower_bound(b, x);
	if (pos == b->count || b->slot[pos].unit != x || --b->slot[pos].refs > 0)
		return;
	memmove(b->slot + pos, b->slot + pos + 1, (b->count - pos - 1) * sizeof(b->slot[0]));
	if (--b->count > 0)
		return;
	/* index_find_block relies on every block having a first unit. */
	free(b);
	memmove(ix->blocks + bi, ix->blocks + bi + 1, (ix->count - bi - 1) * sizeof(*ix->blocks));
	ix->count--;
}

/* The smallest unit >= x that is not in the index.  Within a block the
 * units are distinct and sorted, so unit - position never decreases, and
 * the end of a run of consecutive units is a binary search away. */
static uint64_t index_first_missing(const struct unit_index *ix, uint64_t x)
{
	if (ix->count == 0)
		return x;
	for (size_t bi = index_find_block(ix, x); bi < ix->count; bi++) {
		const struct unit_block *b = ix->blocks[bi];
		/* Past the first block, x is usually the next block's first unit. */
		size_t pos = x <= b->slot[0].unit ? 0 : block_lower_bound(b, x), lo, hi;

		if (pos == b->count)
			continue; /* x lies past this block; the next may start with it */
		if (b->slot[pos].unit != x)
			return x;
		if (b->slot[b->count - 1].unit - x == b->count - 1 - pos) {
			x = b->slot[b->count - 1].unit + 1; /* dense to the end: one look, not a search */
			continue;
		}
		lo = pos;
		hi = b->count - 1;
		while (lo < hi) {
			size_t mid = lo + (hi - lo + 1) / 2;
			if (b->slot[mid].unit - b->slot[pos].unit == mid - pos)
				lo = mid;
			else
				hi = mid - 1;
		}
		x = b->slot[lo].unit + 1;
		if (lo + 1 < b->count)
			return x;
	}
	return x;
}

static void index_finish(struct unit_index *ix)
{
	for (size_t i = 0; i < ix->count; i++)
		free(ix->blocks[i]);
	free(ix->blocks);
	memset(ix, 0, sizeof(*ix));
}

/* --- exclusions ---------------------------------------------------------- */

/* What reserve refuses: the exclusions that are not for allocation only. */
static const struct addr_exclusion *excluded_tuple(const struct addr_space *space, const struct addr_tuple *t)
{
	for (size_t e = 0; e < space->spec.exclusion_count; e++)
		if (!space->exclusions[e].alloc_only &&
		    tuple_in_ranges(space->exclusions[e].range, space->spec.components, t))
			return &space->exclusions[e];
	return NULL;
}

/* A unit with any excluded tuple in it is not free, like one with any
 * reserved tuple in it. */
static const struct addr_exclusion *excluded_unit(const struct addr_space *space, const struct addr_tuple *t)
{
	for (size_t e = 0; e < space->spec.exclusion_count; e++)
		if (tuple_in_ranges(space->exclusions[e].range, space->spec.unit, t))
			return &space->exclusions[e];
	return NULL;
}

/* Moves unit t (inside exclusion e) to the smallest unit after it that is
 * outside e, in one step rather than one unit at a time: an exclusion may
 * cover millions of units.  Trying the components from the last one up,
 * the first increment that leaves e, or jumps just past e's range, is the
 * answer; a component e covers to the top of the allocation range carries
 * into the one before.  false when no unit is left. */
static bool skip_exclusion(const struct addr_space *space, const struct addr_exclusion *e,
			   struct addr_tuple *t)
{
	const struct addr_range *box = space->spec.alloc;

	for (unsigned i = space->spec.unit; i-- > 0;) {
		struct addr_tuple next = *t;

		if (t->v[i] >= box[i].max)
			continue;
		next.v[i] = t->v[i] + 1;
		for (unsigned j = i + 1; j < space->spec.unit; j++)
			next.v[j] = box[j].min;
		if (!tuple_in_ranges(e->range, space->spec.unit, &next)) {
			*t = next;
			return true;
		}
		if (e->range[i].max < box[i].max) {
			next.v[i] = e->range[i].max + 1;
			*t = next;
			return true;
		}
	}
	return false;
}

/* --- creation ------------------------------------------------------------ */

static int check_spec(const struct addr_space_spec *spec, struct hv_error *err)
{
	const char *kind = spec->kind ? spec->kind : "address";
	unsigned __int128 total = 1;

	if (!spec->kind || !spec->kind[0])
		return hv_error_set(err, EINVAL, "an address space needs a kind");
	if (spec->components < 1 || spec->components > ADDR_MAX_COMPONENTS)
		return hv_error_set(err, EINVAL, "%s space: %u components, want 1 to %d", kind,
				    spec->components, ADDR_MAX_COMPONENTS);
	if (spec->unit < 1 || spec->unit > spec->components)
		return hv_error_set(err, EINVAL, "%s space: a unit of %u components, want 1 to %u", kind,
				    spec->unit, spec->components);
	for (unsigned i = 0; i < spec->components; i++) {
		const struct addr_range *v = &spec->valid[i], *a = &spec->alloc[i];

		if (v->min > v->max || a->min > a->max)
			return hv_error_set(err, EINVAL, "%s space: component %u has an empty range", kind,
					    i);
		if (a->min < v->min || a->max > v->max)
			return hv_error_set(
			    err, EINVAL, "%s space: component %u allocates outside its valid range", kind, i);
		if (i < spec->unit)
			total *= (unsigned __int128)(a->max - a->min) + 1;
	}
	/* Unit ranks are uint64_t, and one past the last must still fit. */
	if (total > UINT64_MAX)
		return hv_error_set(err, EINVAL, "%s space: more than 2^64 units to allocate from", kind);
	for (size_t e = 0; e < spec->exclusion_count; e++) {
		const struct addr_exclusion *x = &spec->exclusions[e];

		if (!x->reason || !x->reason[0])
			return hv_error_set(err, EINVAL, "%s space: exclusion %zu gives no reason", kind, e);
		for (unsigned i = 0; i < spec->components; i++)
			if (x->range[i].min > x->range[i].max)
				return hv_error_set(err, EINVAL, "%s space: exclusion %zu has an empty range",
						    kind, e);
	}
	return 0;
}

int addr_space_create(const struct addr_space_spec *spec, struct addr_space **out, struct hv_error *err)
{
	struct addr_space *space;
	int ret = check_spec(spec, err);

	if (ret < 0)
		return ret;
	space = calloc(1, sizeof(*space));
	if (!space)
		return hv_error_set(err, ENOMEM, "out of memory");
	space->spec = *spec;
	space->bucket_count = 16;
	space->buckets = calloc(space->bucket_count, sizeof(*space->buckets));
	space->owners = hash_map_create();
	if (spec->exclusion_count) {
		space->exclusions = calloc(spec->exclusion_count, sizeof(*space->exclusions));
		if (space->exclusions)
			memcpy(space->exclusions, spec->exclusions,
			       spec->exclusion_count * sizeof(*space->exclusions));
	}
	if (!space->buckets || !space->owners || (spec->exclusion_count && !space->exclusions)) {
		addr_space_destroy(space);
		return hv_error_set(err, ENOMEM, "out of memory");
	}
	space->spec.exclusions = space->exclusions;
	space->stride[spec->unit - 1] = 1;
	for (unsigned i = spec->unit - 1; i-- > 0;)
		space->stride[i] =
		    space->stride[i + 1] * ((uint64_t)spec->alloc[i + 1].max - spec->alloc[i + 1].min + 1);
	space->unit_total = space->stride[0] * ((uint64_t)spec->alloc[0].max - spec->alloc[0].min + 1);
	*out = space;
	return 0;
}

static void free_owner(const char *name, void *value, void *opaque)
{
	free(value);
}

void addr_space_destroy(struct addr_space *space)
{
	if (!space)
		return;
	for (size_t i = 0; space->buckets && i < space->bucket_count; i++) {
		struct addr_entry *e = space->buckets[i];
		while (e) {
			struct addr_entry *next = e->hash_next;
			free(e);
			e = next;
		}
	}
	free(space->buckets);
	if (space->owners) {
		hash_map_foreach(space->owners, free_owner, NULL);
		hash_map_destroy(space->owners);
	}
	index_finish(&space->index);
	free(space->exclusions);
	free(space);
}

/* --- reservations -------------------------------------------------------- */

static struct addr_entry **entry_slot(const struct addr_space *space, const struct addr_tuple *t)
{
	struct addr_entry **slot = &space->buckets[tuple_hash(space, t) & (space->bucket_count - 1)];

	while (*slot && !tuple_equal(space, &(*slot)->tuple, t))
		slot = &(*slot)->hash_next;
	return slot;
}

/* The link that points to e itself, which may share its tuple with
 * another holding of its owner. */
static struct addr_entry **entry_slot_of(const struct addr_space *space, const struct addr_entry *e)
{
	struct addr_entry **slot = &space->buckets[tuple_hash(space, &e->tuple) & (space->bucket_count - 1)];

	while (*slot != e)
		slot = &(*slot)->hash_next;
	return slot;
}

static void grow_buckets(struct addr_space *space)
{
	size_t count = space->bucket_count * 2;
	struct addr_entry **buckets = calloc(count, sizeof(*buckets));

	if (!buckets)
		return; /* longer chains, still correct */
	for (size_t i = 0; i < space->bucket_count; i++) {
		struct addr_entry *e = space->buckets[i];
		while (e) {
			struct addr_entry *next = e->hash_next;
			struct addr_entry **end = &buckets[tuple_hash(space, &e->tuple) & (count - 1)];
			/* In order, so that the first holder of a shared tuple stays first. */
			while (*end)
				end = &(*end)->hash_next;
			e->hash_next = NULL;
			*end = e;
			e = next;
		}
	}
	free(space->buckets);
	space->buckets = buckets;
	space->bucket_count = count;
}

static const char *text_or_empty(const char *s)
{
	return s ? s : "";
}

/* "domain web1 (interface 0)", or "domain web1" without a device. */
static void describe_holder(const char *owner, const char *device, char *buf, size_t size)
{
	if (device && device[0])
		snprintf(buf, size, "%s (%s)", owner, device);
	else
		snprintf(buf, size, "%s", owner);
}

static int check_owner(const struct addr_space *space, const char *owner, struct hv_error *err)
{
	if (!owner || !owner[0])
		return hv_error_set(err, EINVAL, "a %s needs a holder", space->spec.kind);
	return 0;
}

static int check_valid(const struct addr_space *space, const struct addr_tuple *t, struct hv_error *err)
{
	const struct addr_space_spec *spec = &space->spec;
	char text[ADDR_TEXT_MAX], name[24]; /* "component 4294967295" */

	for (unsigned i = 0; i < spec->components; i++) {
		const struct addr_range *r = &spec->valid[i];

		if (in_range(r, t->v[i]))
			continue;
		addr_space_format(space, t, text, sizeof(text));
		if (!spec->names[i])
			snprintf(name, sizeof(name), "component %u", i);
		if (spec->hex)
			return hv_error_set(
			    err, EINVAL, "%s %s is out of range: %s 0x%x is not within 0x%x-0x%x", spec->kind,
			    text, spec->names[i] ? spec->names[i] : name, t->v[i], r->min, r->max);
		return hv_error_set(err, EINVAL, "%s %s is out of range: %s %u is not within %u-%u",
				    spec->kind, text, spec->names[i] ? spec->names[i] : name, t->v[i], r->min,
				    r->max);
	}
	return 0;
}

static struct addr_owner *owner_get(struct addr_space *space, const char *name, bool *created)
{
	struct addr_owner *o = hash_map_get(space->owners, name);
	size_t len;

	*created = false;
	if (o)
		return o;
	len = strlen(name);
	o = calloc(1, sizeof(*o) + len + 1);
	if (!o)
		return NULL;
	memcpy(o->name, name, len + 1);
	if (hash_map_put(space->owners, name, o) < 0) {
		free(o);
		return NULL;
	}
	*created = true;
	return o;
}

static void owner_drop_if_empty(struct addr_space *space, struct addr_owner *o)
{
	if (o->count > 0)
		return;
	hash_map_remove(space->owners, o->name);
	free(o);
}

/* Adds an entry for t, which the caller checked is valid and free. */
static int insert(struct addr_space *space, const struct addr_tuple *t, const char *owner, const char *device,
		  struct hv_error *err)
{
	size_t dlen = strlen(text_or_empty(device));
	struct addr_entry *e = malloc(sizeof(*e) + dlen + 1);
	bool created, boxed = unit_in_box(space, t);
	struct addr_owner *o;

	if (!e)
		return hv_error_set(err, ENOMEM, "out of memory");
	o = owner_get(space, owner, &created);
	if (!o || (boxed && index_add(&space->index, unit_encode(space, t)) < 0)) {
		if (o && created)
			owner_drop_if_empty(space, o);
		free(e);
		return hv_error_set(err, ENOMEM, "out of memory");
	}
	e->tuple = tuple_clean(space, t);
	memcpy(e->device, text_or_empty(device), dlen + 1);
	e->owner = o;
	e->owner_next = NULL;
	e->owner_prev = o->last;
	if (o->last)
		o->last->owner_next = e;
	else
		o->first = e;
	o->last = e;
	o->count++;
	/* At the end of its chain, after any holding of the same tuple (an
	 * owner's shared one): lookups find the first holder. */
	struct addr_entry **end = &space->buckets[tuple_hash(space, &e->tuple) & (space->bucket_count - 1)];
	while (*end)
		end = &(*end)->hash_next;
	e->hash_next = NULL;
	*end = e;
	if (++space->count > space->bucket_count)
		grow_buckets(space);
	return 0;
}

int addr_space_reserve(struct addr_space *space, const struct addr_tuple *tuple, const char *owner,
		       const char *device, struct hv_error *err)
{
	struct addr_tuple t = tuple_clean(space, tuple);
	const struct addr_exclusion *x;
	const struct addr_entry *held;
	char text[ADDR_TEXT_MAX], holder[HV_ERROR_MESSAGE_MAX];
	int ret;

	ret = check_owner(space, owner, err);
	if (ret == 0)
		ret = check_valid(space, &t, err);
	if (ret < 0)
		return ret;
	x = excluded_tuple(space, &t);
	held = *entry_slot(space, &t);
	if (!x && (!held || (space->spec.owner_may_share && strcmp(held->owner->name, owner) == 0)))
		return insert(space, &t, owner, device, err);
	addr_space_format(space, &t, text, sizeof(text));
	if (x)
		return hv_error_set(err, EBUSY, "%s %s is reserved for %s", space->spec.kind, text,
				    x->reason);
	/* Not "in use by domain web1" to the one defining web1. */
	if (strcmp(held->owner->name, owner) == 0 && strcmp(held->device, text_or_empty(device)) == 0)
		return hv_error_set(err, EBUSY, "%s %s is given twice to %s%s%s", space->spec.kind, text,
				    held->device, held->device[0] ? " of " : "", owner);
	if (strcmp(held->owner->name, owner) == 0)
		return hv_error_set(
		    err, EBUSY, "%s %s is given twice in %s: to %s and to %s", space->spec.kind, text, owner,
		    held->device[0] ? held->device : "one device", device && device[0] ? device : "another");
	describe_holder(held->owner->name, held->device, holder, sizeof(holder));
	return hv_error_set(err, EBUSY, "%s %s is in use by %s", space->spec.kind, text, holder);
}

int addr_space_allocate(struct addr_space *space, const char *owner, const char *device,
			struct addr_tuple *out, struct hv_error *err)
{
	char holder[HV_ERROR_MESSAGE_MAX], first[ADDR_TEXT_MAX], last[ADDR_TEXT_MAX];
	struct addr_tuple t;
	uint64_t x = 0;
	int ret = check_owner(space, owner, err);

	if (ret < 0)
		return ret;
	for (;;) {
		const struct addr_exclusion *e;

		x = index_first_missing(&space->index, x);
		if (x >= space->unit_total)
			break;
		t = unit_decode(space, x);
		e = excluded_unit(space, &t);
		if (!e) {
			ret = insert(space, &t, owner, device, err);
			if (ret == 0)
				*out = t;
			return ret;
		}
		if (!skip_exclusion(space, e, &t))
			break;
		x = unit_encode(space, &t);
	}
	describe_holder(owner, device, holder, sizeof(holder));
	t = unit_decode(space, 0);
	addr_space_format(space, &t, first, sizeof(first));
	t = unit_decode(space, space->unit_total - 1);
	addr_space_format(space, &t, last, sizeof(last));
	return hv_error_set(err, ENOSPC, "no free %s for %s: every one from %s to %s is in use or reserved",
			    space->spec.kind, holder, first, last);
}

/* Unlinks and frees e, which slot points to. */
static void remove_entry(struct addr_space *space, struct addr_entry **slot)
{
	struct addr_entry *e = *slot;
	struct addr_owner *o = e->owner;

	*slot = e->hash_next;
	space->count--;
	if (unit_in_box(space, &e->tuple))
		index_remove(&space->index, unit_encode(space, &e->tuple));
	if (e->owner_prev)
		e->owner_prev->owner_next = e->owner_next;
	else
		o->first = e->owner_next;
	if (e->owner_next)
		e->owner_next->owner_prev = e->owner_prev;
	else
		o->last = e->owner_prev;
	o->count--;
	free(e);
	owner_drop_if_empty(space, o);
}

int addr_space_release(struct addr_space *space, const struct addr_tuple *tuple)
{
	struct addr_tuple t = tuple_clean(space, tuple);
	struct addr_entry **slot = entry_slot(space, &t);

	if (!*slot)
		return -ENOENT;
	remove_entry(space, slot);
	return 0;
}

size_t addr_space_release_owner(struct addr_space *space, const char *owner)
{
	struct addr_owner *o = owner ? hash_map_get(space->owners, owner) : NULL;
	size_t released;

	if (!o)
		return 0;
	released = o->count;
	/* The owner record goes with its last entry, so count down rather
	 * than test o afterwards. */
	for (size_t i = 0; i < released; i++)
		remove_entry(space, entry_slot_of(space, o->first));
	return released;
}

int addr_space_rename_owner(struct addr_space *space, const char *from, const char *to)
{
	struct addr_owner *old = from ? hash_map_get(space->owners, from) : NULL, *o;
	size_t len;

	if (!old)
		return -ENOENT;
	if (!to || !to[0])
		return -EINVAL;
	if (hash_map_get(space->owners, to))
		return -EEXIST;
	len = strlen(to);
	o = malloc(sizeof(*o) + len + 1);
	if (!o)
		return -ENOMEM;
	memcpy(o->name, to, len + 1);
	if (hash_map_put(space->owners, to, o) < 0) {
		free(o);
		return -ENOMEM;
	}
	o->first = old->first;
	o->last = old->last;
	o->count = old->count;
	for (struct addr_entry *e = o->first; e; e = e->owner_next)
		e->owner = o;
	hash_map_remove(space->owners, from);
	free(old);
	return 0;
}

bool addr_space_lookup(const struct addr_space *space, const struct addr_tuple *tuple, const char **owner,
		       const char **device)
{
	struct addr_tuple t = tuple_clean(space, tuple);
	const struct addr_entry *e = *entry_slot(space, &t);

	if (!e)
		return false;
	if (owner)
		*owner = e->owner->name;
	if (device)
		*device = e->device;
	return true;
}

size_t addr_space_count(const struct addr_space *space)
{
	return space->count;
}

void addr_space_foreach_owned(const struct addr_space *space, const char *owner,
			      void (*fn)(const struct addr_tuple *tuple, const char *device, void *opaque),
			      void *opaque)
{
	const struct addr_owner *o = owner ? hash_map_get(space->owners, owner) : NULL;

	for (const struct addr_entry *e = o ? o->first : NULL; e; e = e->owner_next)
		fn(&e->tuple, e->device, opaque);
}
