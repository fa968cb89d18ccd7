/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "util/hash.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

struct hash_entry {
	struct hash_entry *next;
	uint64_t hash;
	void *value;
	char key[]; /* inline: one allocation per entry */
};

struct hash_map {
	struct hash_entry **buckets;
	size_t bucket_count; /* a power of two */
	size_t count;
};

uint64_t hash_string(const char *s, uint64_t seed)
{
	/* FNV-1a: short keys (object names) dominate, and it has no setup cost. */
	uint64_t h = 0xcbf29ce484222325ULL ^ seed;

	for (; *s; s++) {
		h ^= (unsigned char)*s;
		h *= 0x100000001b3ULL;
	}
	return h;
}

struct hash_map *hash_map_create(void)
{
	struct hash_map *map = calloc(1, sizeof(*map));

	if (!map)
		return NULL;
	map->bucket_count = 16;
	map->buckets = calloc(map->bucket_count, sizeof(*map->buckets));
	if (!map->buckets) {
		free(map);
		return NULL;
	}
	return map;
}

void hash_map_destroy(struct hash_map *map)
{
	if (!map)
		return;
	for (size_t i = 0; i < map->bucket_count; i++) {
		struct hash_entry *e = map->buckets[i];
		while (e) {
			struct hash_entry *next = e->next;
			free(e);
			e = next;
		}
	}
	free(map->buckets);
	free(map);
}

static struct hash_entry **hash_map_slot(const struct hash_map *map, const char *key, uint64_t h)
{
	struct hash_entry **slot = &map->buckets[h & (map->bucket_count - 1)];

	while (*slot && ((*slot)->hash != h || strcmp((*slot)->key, key) != 0))
		slot = &(*slot)->next;
	return slot;
}

void *hash_map_get(const struct hash_map *map, const char *key)
{
	struct hash_entry *e = *hash_map_slot(map, key, hash_string(key, 0));

	return e ? e->value : NULL;
}

static void hash_map_grow(struct hash_map *map)
{
	size_t count = map->bucket_count * 2;
	struct hash_entry **buckets = calloc(count, sizeof(*buckets));

	if (!buckets)
		return; /* longer chains, still correct */
	for (size_t i = 0; i < map->bucket_count; i++) {
		struct hash_entry *e = map->buckets[i];
		while (e) {
			struct hash_entry *next = e->next;
			e->next = buckets[e->hash & (count - 1)];
			buckets[e->hash & (count - 1)] = e;
			e = next;
		}
	}
	free(map->buckets);
	map->buckets = buckets;
	map->bucket_count = count;
}

int hash_map_put(struct hash_map *map, const char *key, void *value)
{
	uint64_t h = hash_string(key, 0);
	struct hash_entry **slot = hash_map_slot(map, key, h);
	size_t keylen;

	if (*slot) {
		(*slot)->value = value;
		return 0;
	}
	keylen = strlen(key);
	struct hash_entry *e = malloc(sizeof(*e) + keylen + 1);
	if (!e)
		return -ENOMEM;
	e->hash = h;
	e->value = value;
	memcpy(e->key, key, keylen + 1);
	e->next = NULL;
	*slot = e;
	if (++map->count > map->bucket_count)
		hash_map_grow(map);
	return 0;
}

void *hash_map_remove(struct hash_map *map, const char *key)
{
	struct hash_entry **slot = hash_map_slot(map, key, hash_string(key, 0));
	struct hash_entry *e = *slot;
	void *value;

	if (!e)
		return NULL;
	*slot = e->next;
	value = e->value;
	free(e);
	map->count--;
	return value;
}

size_t hash_map_count(const struct hash_map *map)
{
	return map->count;
}

void hash_map_foreach(const struct hash_map *map, void (*fn)(const char *key, void *value, void *opaque),
		      void *opaque)
{
	for (size_t i = 0; i < map->bucket_count; i++)
		for (struct hash_entry *e = map->buckets[i]; e; e = e->next)
			fn(e->key, e->value, opaque);
}
