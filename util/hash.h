/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* A string-keyed hash map (separate chaining, grows at load 1).  Not
 * thread-safe: the owner locks.  Keys are copied; values are borrowed. */
#ifndef HVFS_UTIL_HASH_H
#define HVFS_UTIL_HASH_H

#include <stddef.h>
#include <stdint.h>

struct hash_map;

struct hash_map *hash_map_create(void);
/* Frees the map and its keys, not the values. destroy(NULL) is a no-op. */
void hash_map_destroy(struct hash_map *map);
void *hash_map_get(const struct hash_map *map, const char *key);
/* Inserts or replaces.  Returns 0 or -ENOMEM. */
int hash_map_put(struct hash_map *map, const char *key, void *value);
/* Returns the removed value, or NULL. */
void *hash_map_remove(struct hash_map *map, const char *key);
size_t hash_map_count(const struct hash_map *map);
/* Calls fn for every entry, in no particular order; fn must not modify the map. */
void hash_map_foreach(const struct hash_map *map, void (*fn)(const char *key, void *value, void *opaque),
		      void *opaque);

uint64_t hash_string(const char *s, uint64_t seed);

#endif
