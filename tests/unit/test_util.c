/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* util/ through its headers: object names, the attribute parsers, URIs, the
 * hash map, UUIDs, strbuf and crash-safe files.  Each area is a table of
 * cases walked by a loop, so a new case is one line.  Meant to run clean
 * under valgrind --leak-check=full. */
#include <dirent.h>
#include <errno.h>
#include <ftw.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "tests/unit/unit.h"
#include "util/atomic_file.h"
#include "util/cleanup.h"
#include "util/hash.h"
#include "util/names.h"
#include "util/parse.h"
#include "util/proc.h"
#include "util/strbuf.h"
#include "util/uri.h"
#include "util/uuid.h"

/* A case's input made printable for its TAP line: a raw "\n" would end
 * the line and confuse the TAP reader. */
static const char *show(char *buf, size_t size, const char *text, size_t len)
{
	size_t used = 0, i;

	if (!text) {
		snprintf(buf, size, "(null)");
		return buf;
	}
	buf[0] = '\0';
	/* Room for the longest escape, "\xff", and "..." after it. */
	for (i = 0; i < len && used + 8 < size; i++) {
		unsigned char c = (unsigned char)text[i];
		if (c == '\n')
			used += (size_t)snprintf(buf + used, size - used, "\\n");
		else if (c < 0x20 || c >= 0x7f)
			used += (size_t)snprintf(buf + used, size - used, "\\x%02x", c);
		else
			used += (size_t)snprintf(buf + used, size - used, "%c", c);
	}
	if (i < len)
		snprintf(buf + used, size - used, "...");
	return buf;
}

/* Most cases give a NUL-terminated text; a length of 0 means strlen(text). */
static size_t case_len(const char *text, size_t len)
{
	return len ? len : strlen(text);
}

/* --- names ---------------------------------------------------------------- */

static void test_names(void)
{
	char max_name[HV_NAME_MAX + 1], long_name[HV_NAME_MAX + 2], shown[96];

	memset(max_name, 'a', HV_NAME_MAX);
	max_name[HV_NAME_MAX] = '\0';
	memset(long_name, 'b', HV_NAME_MAX + 1);
	long_name[HV_NAME_MAX + 1] = '\0';

	const struct {
		const char *name;
		bool valid;
	} cases[] = {
	    {"a", true},    {"web1", true},  {"a.b+c_d-e", true}, {"A0", true},	       {"_x", true},
	    {"+x", true},   {"x.", true},    {"x..y", true},	  {max_name, true},    {"", false},
	    {".x", false},  {"-x", false},   {"..", false},	  {".", false},	       {"a/b", false},
	    {"/a", false},  {"a b", false},  {long_name, false},  {"\xc3\xa9", false}, {"a\xc3\xa9", false},
	    {"a\n", false}, {"a\tb", false}, {"a:b", false},	  {"a*", false},       {NULL, false},
	};

	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		const char *name = cases[i].name;
		CHECK(hv_name_is_valid(name) == cases[i].valid, "name '%s' (%zu chars) is %s",
		      show(shown, sizeof(shown), name, name ? strlen(name) : 0), name ? strlen(name) : 0,
		      cases[i].valid ? "valid" : "invalid");
	}
}

/* --- parsers -------------------------------------------------------------- */

static void test_parse_u64(void)
{
	static const struct {
		const char *text;
		size_t len;
		uint64_t max;
		int ret;
		uint64_t value;
	} cases[] = {
	    {"0", 0, UINT64_MAX, 0, 0},
	    {"42", 0, UINT64_MAX, 0, 42},
	    {"42\n", 0, UINT64_MAX, 0, 42},
	    {"007", 0, UINT64_MAX, 0, 7},
	    {"123", 2, UINT64_MAX, 0, 12}, /* only len bytes are read */
	    {"100", 0, 100, 0, 100},
	    {"100\n", 0, 100, 0, 100},
	    {"101", 0, 100, -ERANGE, 0},
	    {"1", 0, 0, -ERANGE, 0},
	    {"18446744073709551615", 0, UINT64_MAX, 0, UINT64_MAX},
	    {"18446744073709551616", 0, UINT64_MAX, -ERANGE, 0},
	    {"99999999999999999999999", 0, UINT64_MAX, -ERANGE, 0},
	    {"", 0, UINT64_MAX, -EINVAL, 0},
	    {"\n", 0, UINT64_MAX, -EINVAL, 0},
	    {"12abc", 0, UINT64_MAX, -EINVAL, 0},
	    {"-1", 0, UINT64_MAX, -EINVAL, 0},
	    {"+1", 0, UINT64_MAX, -EINVAL, 0},
	    {" 1", 0, UINT64_MAX, -EINVAL, 0},
	    {"1 ", 0, UINT64_MAX, -EINVAL, 0},
	    {"1\n\n", 0, UINT64_MAX, -EINVAL, 0},
	    {"\n1", 0, UINT64_MAX, -EINVAL, 0},
	    {"0x10", 0, UINT64_MAX, -EINVAL, 0},
	    {"1\0002", 3, UINT64_MAX, -EINVAL, 0},
	};
	char shown[96];

	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		size_t len = case_len(cases[i].text, cases[i].len);
		uint64_t value = 0;
		int ret = parse_u64(cases[i].text, len, cases[i].max, &value);

		show(shown, sizeof(shown), cases[i].text, len);
		CHECK_INT(ret, cases[i].ret, "parse_u64 '%s' (max %llu)", shown,
			  (unsigned long long)cases[i].max);
		if (cases[i].ret == 0)
			CHECK(ret == 0 && value == cases[i].value, "parse_u64 '%s' = %llu (got %llu)", shown,
			      (unsigned long long)cases[i].value, (unsigned long long)value);
	}
}

static void test_parse_bool(void)
{
	static const struct {
		const char *text;
		int ret;
		bool value;
	} cases[] = {
	    {"0", 0, false},
	    {"1", 0, true},
	    {"no", 0, false},
	    {"yes", 0, true},
	    {"false", 0, false},
	    {"true", 0, true},
	    {"off", 0, false},
	    {"on", 0, true},
	    {"YES", 0, true},
	    {"No", 0, false},
	    {"TRUE", 0, true},
	    {"fAlSe", 0, false},
	    {"ON", 0, true},
	    {"Off", 0, false},
	    {"1\n", 0, true},
	    {"off\n", 0, false},
	    {"2", -EINVAL, false},
	    {"", -EINVAL, false},
	    {"\n", -EINVAL, false},
	    {" 1", -EINVAL, false},
	    {"1 ", -EINVAL, false},
	    {"y", -EINVAL, false},
	    {"yess", -EINVAL, false},
	    {"1\n\n", -EINVAL, false},
	    {"truefalse", -EINVAL, false},
	    {"-1", -EINVAL, false},
	};
	char shown[64];

	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		size_t len = strlen(cases[i].text);
		bool value = !cases[i].value;
		int ret = parse_bool(cases[i].text, len, &value);

		show(shown, sizeof(shown), cases[i].text, len);
		CHECK_INT(ret, cases[i].ret, "parse_bool '%s'", shown);
		if (cases[i].ret == 0)
			CHECK(ret == 0 && value == cases[i].value, "parse_bool '%s' is %s", shown,
			      cases[i].value ? "true" : "false");
	}
}

static void test_parse_word(void)
{
	static const struct {
		const char *text;
		size_t len;
		size_t outsz;
		int ret;
		const char *want;
	} cases[] = {
	    {"abc", 0, 16, 0, "abc"},
	    {"abc\n", 0, 16, 0, "abc"},
	    {"two words", 0, 16, 0, "two words"},
	    {"abc", 0, 4, 0, "abc"},	  /* exactly fits with its NUL */
	    {"abc\n", 0, 4, 0, "abc"},	  /* the newline does not count */
	    {"abcdef", 3, 4, 0, "abc"},	  /* only len bytes are read */
	    {"abcd", 0, 4, -EFBIG, NULL}, /* one too long */
	    {"abcd\n", 0, 4, -EFBIG, NULL},
	    {"a\nb", 0, 16, -EINVAL, NULL},
	    {"a\nb\n", 0, 16, -EINVAL, NULL},
	    {"abc\n\n", 0, 16, -EINVAL, NULL},
	    {"\nabc", 0, 16, -EINVAL, NULL},
	    {"a\0b", 3, 16, -EINVAL, NULL},
	    {"a\nbcdefgh", 0, 4, -EINVAL, NULL}, /* malformed wins over too long */
	};
	char shown[64];

	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		size_t len = case_len(cases[i].text, cases[i].len);
		char out[16];
		int ret = parse_word(cases[i].text, len, out, cases[i].outsz);

		show(shown, sizeof(shown), cases[i].text, len);
		CHECK_INT(ret, cases[i].ret, "parse_word '%s' into %zu bytes", shown, cases[i].outsz);
		if (cases[i].want)
			CHECK_STR(ret == 0 ? out : NULL, cases[i].want, "parse_word '%s' copies the value",
				  shown);
	}
}

static void test_parse_size(void)
{
	static const struct {
		const char *text;
		int ret;
		uint64_t bytes;
	} cases[] = {
	    {"0", 0, 0},
	    {"512", 0, 512},
	    {"512\n", 0, 512},
	    {"512b", 0, 512},
	    {"512B", 0, 512},
	    {"1K", 0, 1024},
	    {"1k", 0, 1024},
	    {"2M", 0, 2ULL << 20},
	    {"2m", 0, 2ULL << 20},
	    {"3G", 0, 3ULL << 30},
	    {"10g\n", 0, 10ULL << 30},
	    {"4T", 0, 4ULL << 40},
	    {"4t", 0, 4ULL << 40},
	    {"1KiB", 0, 1024},
	    {"1kib", 0, 1024},
	    {"1KIB", 0, 1024},
	    {"5MiB", 0, 5ULL << 20},
	    {"6GiB", 0, 6ULL << 30},
	    {"7TiB\n", 0, 7ULL << 40},
	    {"0G", 0, 0},
	    {"16777215T", 0, 16777215ULL << 40}, /* the largest T that fits */
	    {"18446744073709551615", 0, UINT64_MAX},
	    {"b", -EINVAL, 0},
	    {"K", -EINVAL, 0},
	    {"", -EINVAL, 0},
	    {"\n", -EINVAL, 0},
	    {"1X", -EINVAL, 0},
	    {"1P", -EINVAL, 0},
	    {"1KB", -EINVAL, 0},
	    {"1Ki", -EINVAL, 0},
	    {"1 K", -EINVAL, 0},
	    {" 1K", -EINVAL, 0},
	    {"1.5G", -EINVAL, 0},
	    {"-1", -EINVAL, 0},
	    {"1K\n\n", -EINVAL, 0},
	    {"16777216T", -ERANGE, 0},	  /* 2^64 */
	    {"17179869184G", -ERANGE, 0}, /* 2^64 */
	    {"18446744073709551615K", -ERANGE, 0},
	    {"18446744073709551616", -ERANGE, 0},
	    {"184467440737095516150000000000000", -ERANGE, 0}, /* long digits: range, not syntax */
	    {"00000000000000000000000000000001K", 0, 1024},
	};
	char shown[64];

	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		size_t len = strlen(cases[i].text);
		uint64_t bytes = 0;
		int ret = parse_size(cases[i].text, len, &bytes);

		show(shown, sizeof(shown), cases[i].text, len);
		CHECK_INT(ret, cases[i].ret, "parse_size '%s'", shown);
		if (cases[i].ret == 0)
			CHECK(ret == 0 && bytes == cases[i].bytes, "parse_size '%s' = %llu (got %llu)", shown,
			      (unsigned long long)cases[i].bytes, (unsigned long long)bytes);
	}
}

/* --- URIs ----------------------------------------------------------------- */

static void test_uri(void)
{
	static const struct {
		const char *text;
		int ret;
		const char *scheme;
		const char *path;
		size_t param_count;
		/* up to two lookups; a NULL value means the key is absent */
		struct {
			const char *key;
			const char *value;
		} get[2];
	} cases[] = {
	    {"test:///default", 0, "test", "/default", 0, {{"a", NULL}}},
	    {"test:///abs/path?a=1&b=2", 0, "test", "/abs/path", 2, {{"a", "1"}, {"b", "2"}}},
	    {"test:///default?a=1&a=2", 0, "test", "/default", 2, {{"a", "2"}, {"b", NULL}}},
	    {"test:///default?a=1&b=x&a=3", 0, "test", "/default", 3, {{"a", "3"}, {"b", "x"}}},
	    {"test:///default?", 0, "test", "/default", 0, {{"", NULL}}},
	    {"test:///default?&&", 0, "test", "/default", 0, {{"", NULL}}},
	    {"test:///x?flag&k=", 0, "test", "/x", 2, {{"flag", ""}, {"k", ""}}},
	    {"test:///x?a=b=c", 0, "test", "/x", 1, {{"a", "b=c"}}},
	    {"test:///?a=1", 0, "test", "/", 1, {{"a", "1"}}},
	    {"test://", 0, "test", "", 0, {{"a", NULL}}},
	    {"lxc:///var/lib/x", 0, "lxc", "/var/lib/x", 0, {{"a", NULL}}},
	    /* percent-decoding: the path, and each key and value ('+' a space) */
	    {"test:///var/lib/hv%20fs", 0, "test", "/var/lib/hv fs", 0, {{"a", NULL}}},
	    {"lxc:///?state_dir=%2Fsrv%2Fmy%20box&a+b=c+d",
	     0,
	     "lxc",
	     "/",
	     2,
	     {{"state_dir", "/srv/my box"}, {"a b", "c d"}}},
	    {"test:///x?k=%26%3D", 0, "test", "/x", 1, {{"k", "&="}}},
	    {"test:///a b", -EINVAL, NULL, NULL, 0, {{NULL, NULL}}},
	    {"test:///x%zz", -EINVAL, NULL, NULL, 0, {{NULL, NULL}}},
	    {"test://user@/x", -EINVAL, NULL, NULL, 0, {{NULL, NULL}}},
	    {"test://:22/x", -EINVAL, NULL, NULL, 0, {{NULL, NULL}}},
	    {"", -EINVAL, NULL, NULL, 0, {{NULL, NULL}}},
	    {"/default", -EINVAL, NULL, NULL, 0, {{NULL, NULL}}},
	    {"://default", -EINVAL, NULL, NULL, 0, {{NULL, NULL}}},
	    {":///default", -EINVAL, NULL, NULL, 0, {{NULL, NULL}}},
	    {"test:/default", -EINVAL, NULL, NULL, 0, {{NULL, NULL}}},
	    {"test:default", -EINVAL, NULL, NULL, 0, {{NULL, NULL}}},
	    {"test://host/x", -EINVAL, NULL, NULL, 0, {{NULL, NULL}}},
	    {"test://host", -EINVAL, NULL, NULL, 0, {{NULL, NULL}}},
	};

	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		const char *text = cases[i].text;
		struct uri uri;
		const char *why = NULL;
		int ret = uri_parse(text, &uri, &why);

		CHECK_INT(ret, cases[i].ret, "uri_parse '%s'", text);
		if (cases[i].ret < 0) {
			CHECK(why && *why, "uri_parse '%s' says why: %s", text, why ? why : "(null)");
			CHECK(!uri.scheme && !uri.path && !uri.params && uri.param_count == 0,
			      "uri_parse '%s' leaves nothing to free", text);
			uri_finish(&uri);
			continue;
		}
		if (ret < 0)
			continue;
		CHECK_STR(uri.scheme, cases[i].scheme, "uri '%s': scheme", text);
		CHECK_STR(uri.path, cases[i].path, "uri '%s': path", text);
		CHECK_INT(uri.param_count, cases[i].param_count, "uri '%s': parameter count", text);
		for (size_t g = 0; g < ARRAY_SIZE(cases[i].get) && cases[i].get[g].key; g++) {
			const char *key = cases[i].get[g].key, *want = cases[i].get[g].value;
			const char *got = uri_get(&uri, key);
			if (want)
				CHECK_STR(got, want, "uri '%s': %s", text, key);
			else
				CHECK(got == NULL, "uri '%s': no '%s'", text, key);
		}
		uri_finish(&uri);
		CHECK(!uri.scheme && !uri.path && !uri.params, "uri_finish '%s' clears the struct", text);
	}

	/* why is optional, and a remote host gets its own reason. */
	struct uri uri;
	CHECK_INT(uri_parse("test://host/x", &uri, NULL), -EINVAL, "uri_parse with why NULL");
	uri_finish(&uri);
	const char *why = NULL;
	uri_parse("test://host/x", &uri, &why);
	CHECK(why && strstr(why, "remote"), "a host is refused as remote: %s", why ? why : "(null)");

	/* Knobs: every driver checks them with the same two helpers. */
	static const char *const known[] = {"a_ms", "dir", NULL};
	struct hv_error err = {0};
	uint64_t ms = 7;
	CHECK_INT(uri_parse("xen:///?dir=/x&a_ms=12", &uri, NULL), 0, "knob uri parses");
	CHECK_INT(uri_check_knobs(&uri, known, &err), 0, "known knobs pass");
	CHECK_INT(uri_knob_u64(&uri, "a_ms", 100, &ms, &err), 0, "a number knob is read");
	CHECK_INT(ms, 12, "its value");
	CHECK_INT(uri_knob_u64(&uri, "absent", 100, &ms, &err), 0, "an absent knob is no error");
	CHECK_INT(ms, 12, "and leaves the value as it was");
	CHECK_INT(uri_knob_u64(&uri, "a_ms", 10, &ms, &err), -EINVAL, "a number over max is EINVAL");
	CHECK_STR(err.message, "xen URI: a_ms=12 is not a number from 0 to 10", "and says so");
	uri_finish(&uri);
	hv_error_clear(&err);
	CHECK_INT(uri_parse("lxc:///?dir=/x&bogus=1", &uri, NULL), 0, "bad knob uri parses");
	CHECK_INT(uri_check_knobs(&uri, known, &err), -EINVAL, "an unknown knob is EINVAL");
	CHECK_STR(err.message, "lxc URI: unknown option 'bogus' (known: a_ms, dir)",
		  "naming it and the known ones");
	uri_finish(&uri);
	uri_finish(&uri);
}

/* --- the hash map --------------------------------------------------------- */

enum hash_op { HASH_PUT, HASH_GET, HASH_REMOVE };

static void test_hash_semantics(void)
{
	static int values[4];
	/* value and want index values[]; -1 is NULL */
	static const struct {
		enum hash_op op;
		const char *key;
		int value;
		int want;
		size_t count;
	} steps[] = {
	    {HASH_GET, "a", -1, -1, 0},	   {HASH_REMOVE, "a", -1, -1, 0}, {HASH_PUT, "a", 0, -1, 1},
	    {HASH_GET, "a", -1, 0, 1},	   {HASH_GET, "A", -1, -1, 1},	  {HASH_GET, "ab", -1, -1, 1},
	    {HASH_PUT, "b", 1, -1, 2},	   {HASH_PUT, "a", 2, -1, 2}, /* replace */
	    {HASH_GET, "a", -1, 2, 2},	   {HASH_GET, "b", -1, 1, 2},	  {HASH_REMOVE, "a", -1, 2, 1},
	    {HASH_REMOVE, "a", -1, -1, 1}, {HASH_GET, "a", -1, -1, 1},	  {HASH_GET, "b", -1, 1, 1},
	    {HASH_PUT, "", 3, -1, 2},	   {HASH_GET, "", -1, 3, 2},	  {HASH_REMOVE, "b", -1, 1, 1},
	    {HASH_REMOVE, "", -1, 3, 0},   {HASH_PUT, "a", 0, -1, 1},
	};
	static const char *const op_names[] = {"put", "get", "remove"};
	struct hash_map *map = hash_map_create();

	CHECK(map != NULL, "hash_map_create");
	if (!map)
		return;
	for (size_t i = 0; i < ARRAY_SIZE(steps); i++) {
		void *value = steps[i].value < 0 ? NULL : &values[steps[i].value];
		void *want = steps[i].want < 0 ? NULL : &values[steps[i].want];
		void *got = NULL;

		switch (steps[i].op) {
		case HASH_PUT:
			CHECK_INT(hash_map_put(map, steps[i].key, value), 0, "step %zu: put '%s'", i,
				  steps[i].key);
			break;
		case HASH_GET:
			got = hash_map_get(map, steps[i].key);
			break;
		case HASH_REMOVE:
			got = hash_map_remove(map, steps[i].key);
			break;
		}
		if (steps[i].op != HASH_PUT) {
			char what[32] = "NULL";
			if (want)
				snprintf(what, sizeof(what), "values[%d]", steps[i].want);
			CHECK(got == want, "step %zu: %s '%s' returns %s", i, op_names[steps[i].op],
			      steps[i].key, what);
		}
		CHECK_INT(hash_map_count(map), steps[i].count, "step %zu: count after %s '%s'", i,
			  op_names[steps[i].op], steps[i].key);
	}
	hash_map_destroy(map);
	hash_map_destroy(NULL);

	CHECK(hash_string("web1", 0) == hash_string("web1", 0), "hash_string is deterministic");
	CHECK(hash_string("web1", 0) != hash_string("web2", 0), "hash_string tells web1 from web2");
	CHECK(hash_string("web1", 0) != hash_string("web1", 1), "hash_string depends on the seed");
}

#define HASH_KEYS 10000

static int hash_values[HASH_KEYS], hash_alt[HASH_KEYS];

struct hash_visit {
	size_t calls;
	size_t wrong;
	unsigned char seen[HASH_KEYS];
};

/* The value a key should have after the replace pass. */
static void *hash_expected(int i)
{
	return i % 3 == 0 ? &hash_alt[i] : &hash_values[i];
}

static void hash_visit_entry(const char *key, void *value, void *opaque)
{
	struct hash_visit *visit = opaque;
	int i;

	visit->calls++;
	if (sscanf(key, "key-%d", &i) != 1 || i < 0 || i >= HASH_KEYS || value != hash_expected(i) ||
	    visit->seen[i]++)
		visit->wrong++;
}

/* Enough keys to grow the table many times over (16 buckets at first). */
static void test_hash_growth(void)
{
	struct hash_map *map = hash_map_create();
	size_t put_failed = 0, get_wrong = 0, replace_failed = 0, remove_wrong = 0;
	char key[32];

	CHECK(map != NULL, "hash_map_create for %d keys", HASH_KEYS);
	if (!map)
		return;
	/* The key buffer is reused: the map must keep its own copies. */
	for (int i = 0; i < HASH_KEYS; i++) {
		snprintf(key, sizeof(key), "key-%05d", i);
		if (hash_map_put(map, key, &hash_values[i]) != 0)
			put_failed++;
	}
	CHECK_INT(put_failed, 0, "%d puts succeed", HASH_KEYS);
	CHECK_INT(hash_map_count(map), HASH_KEYS, "count is %d", HASH_KEYS);
	for (int i = 0; i < HASH_KEYS; i++) {
		snprintf(key, sizeof(key), "key-%05d", i);
		if (hash_map_get(map, key) != &hash_values[i])
			get_wrong++;
	}
	CHECK_INT(get_wrong, 0, "every key finds its value after growing");
	CHECK(hash_map_get(map, "key-10000") == NULL && hash_map_get(map, "key-") == NULL,
	      "keys never put are absent");

	for (int i = 0; i < HASH_KEYS; i += 3) {
		snprintf(key, sizeof(key), "key-%05d", i);
		if (hash_map_put(map, key, &hash_alt[i]) != 0)
			replace_failed++;
	}
	CHECK_INT(replace_failed, 0, "replacing every third key succeeds");
	CHECK_INT(hash_map_count(map), HASH_KEYS, "replacing does not change the count");

	struct hash_visit *visit = calloc(1, sizeof(*visit));
	if (visit) {
		hash_map_foreach(map, hash_visit_entry, visit);
		CHECK_INT(visit->calls, HASH_KEYS, "foreach visits every entry");
		CHECK_INT(visit->wrong, 0, "once each, with its current value");
	}

	for (int i = 0; i < HASH_KEYS; i += 2) {
		snprintf(key, sizeof(key), "key-%05d", i);
		if (hash_map_remove(map, key) != hash_expected(i))
			remove_wrong++;
	}
	CHECK_INT(remove_wrong, 0, "remove returns the value of every even key");
	CHECK_INT(hash_map_count(map), HASH_KEYS / 2, "half the keys remain");
	get_wrong = 0;
	for (int i = 0; i < HASH_KEYS; i++) {
		snprintf(key, sizeof(key), "key-%05d", i);
		if (hash_map_get(map, key) != (i % 2 ? hash_expected(i) : NULL))
			get_wrong++;
	}
	CHECK_INT(get_wrong, 0, "removed keys are gone, the others stay");
	CHECK(hash_map_remove(map, "key-00000") == NULL, "removing a removed key returns NULL");
	CHECK_INT(hash_map_count(map), HASH_KEYS / 2, "and changes nothing");
	if (visit) {
		memset(visit, 0, sizeof(*visit));
		hash_map_foreach(map, hash_visit_entry, visit);
		CHECK_INT(visit->calls, HASH_KEYS / 2, "foreach after removals visits the rest");
		CHECK_INT(visit->wrong, 0, "once each");
		free(visit);
	}
	hash_map_destroy(map);
}

/* --- UUIDs ---------------------------------------------------------------- */

static bool uuid_is_canonical(const char *s)
{
	if (strlen(s) != HV_UUID_STRLEN)
		return false;
	for (int i = 0; i < HV_UUID_STRLEN; i++) {
		bool dash = i == 8 || i == 13 || i == 18 || i == 23;
		if (dash ? s[i] != '-' : !strchr("0123456789abcdef", s[i]) || s[i] == '\0')
			return false;
	}
	return true;
}

static void test_uuid(void)
{
	char a[HV_UUID_STRLEN + 1], b[HV_UUID_STRLEN + 1], out[HV_UUID_STRLEN + 1];

	CHECK_INT(hv_uuid_generate(a), 0, "generate");
	CHECK_INT(hv_uuid_generate(b), 0, "generate again");
	CHECK(uuid_is_canonical(a), "canonical lower-case form: %s", a);
	CHECK(a[14] == '4', "version nibble 4: %s", a);
	CHECK(strchr("89ab", a[19]) && a[19] != '\0', "RFC 4122 variant: %s", a);
	CHECK(strcmp(a, b) != 0, "two UUIDs differ: %s %s", a, b);
	CHECK(hv_uuid_normalize(a, out) == 0 && strcmp(out, a) == 0, "a generated UUID is already normal");

	static const struct {
		const char *in;
		int ret;
		const char *want;
	} cases[] = {
	    {"3e1c0b7a-9d24-4c61-8f53-a2b6e0d9c417", 0, "3e1c0b7a-9d24-4c61-8f53-a2b6e0d9c417"},
	    {"3E1C0B7A-9D24-4C61-8F53-A2B6E0D9C417", 0, "3e1c0b7a-9d24-4c61-8f53-a2b6e0d9c417"},
	    {"3e1C0b7A-9d24-4C61-8f53-A2b6e0D9c417", 0, "3e1c0b7a-9d24-4c61-8f53-a2b6e0d9c417"},
	    {"3e1c0b7a9d244c618f53a2b6e0d9c417", 0, "3e1c0b7a-9d24-4c61-8f53-a2b6e0d9c417"},
	    {"3E1C0B7A9D244C618F53A2B6E0D9C417", 0, "3e1c0b7a-9d24-4c61-8f53-a2b6e0d9c417"},
	    {"00000000-0000-0000-0000-000000000000", 0, "00000000-0000-0000-0000-000000000000"},
	    {"ffffffffffffffffffffffffffffffff", 0, "ffffffff-ffff-ffff-ffff-ffffffffffff"},
	    {"", -EINVAL, NULL},
	    {"3e1c0b7a-9d24-4c61-8f53-a2b6e0d9c41", -EINVAL, NULL},   /* 35 */
	    {"3e1c0b7a-9d24-4c61-8f53-a2b6e0d9c4170", -EINVAL, NULL}, /* 37 */
	    {"3e1c0b7a9d244c618f53a2b6e0d9c41", -EINVAL, NULL},	      /* 31 */
	    {"3e1c0b7a9d244c618f53a2b6e0d9c4170", -EINVAL, NULL},     /* 33 */
	    {"3e1c0b7a-9d24-4c61-8f53-a2b6e0d9c41g", -EINVAL, NULL},
	    {"3e1c0b7a9d244c618f53a2b6e0d9c41g", -EINVAL, NULL},
	    {"3e1c0b7a-9d24-4c61-8f53-a2b6e0d9", -EINVAL, NULL},     /* 32 with dashes */
	    {"3e1c0b7a09d2404c6108f530a2b6e0d9c417", -EINVAL, NULL}, /* 36 without */
	    {"3e1c0b7a9-d24-4c61-8f53-a2b6e0d9c417", -EINVAL, NULL}, /* dash moved */
	    {"{3e1c0b7a-9d24-4c61-8f53-a2b6e0d9c4}", -EINVAL, NULL},
	    {" 3e1c0b7a9d244c618f53a2b6e0d9c41", -EINVAL, NULL},
	    {"3e1c0b7a-9d24-4c61-8f53-a2b6e0d9c41\n", -EINVAL, NULL},
	};

	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		char shown[64];
		memset(out, 0, sizeof(out));
		int ret = hv_uuid_normalize(cases[i].in, out);

		show(shown, sizeof(shown), cases[i].in, strlen(cases[i].in));
		CHECK_INT(ret, cases[i].ret, "normalize '%s'", shown);
		if (cases[i].want)
			CHECK_STR(ret == 0 ? out : NULL, cases[i].want, "normalize '%s'", shown);
	}
}

/* --- strbuf --------------------------------------------------------------- */

#define TEXT70 "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ+-*/=!?#"

enum sb_op { SB_APPEND, SB_PUTS, SB_PRINTF, SB_RESIZE, SB_RESET };

/* Each step applies op and then expects the whole buffer, NUL included. */
static void test_strbuf_steps(void)
{
	static const struct {
		enum sb_op op;
		const char *arg;
		size_t n;
		const char *want;
		size_t want_len;
	} steps[] = {
	    {SB_RESIZE, NULL, 0, "", 0}, /* on an empty buffer */
	    {SB_APPEND, "abcXYZ", 3, "abc", 3},
	    {SB_APPEND, "", 0, "abc", 3},
	    {SB_PUTS, "def", 0, "abcdef", 6},
	    {SB_PRINTF, "g", 7, "abcdefg=7;", 10},
	    /* past the first 64 bytes */
	    {SB_PRINTF, TEXT70, 123, "abcdefg=7;" TEXT70 "=123;", 85},
	    {SB_RESIZE, NULL, 3, "abc", 3},
	    /* up again over the old "defg=...": new bytes are zero */
	    {SB_RESIZE, NULL, 8, "abc\0\0\0\0\0", 8},
	    {SB_APPEND, "\0x", 2, "abc\0\0\0\0\0\0x", 10},
	    {SB_RESIZE, NULL, 10, "abc\0\0\0\0\0\0x", 10},
	    {SB_RESET, NULL, 0, "", 0},
	    {SB_PUTS, "again", 0, "again", 5},
	    {SB_RESIZE, NULL, 200, "again", 5}, /* checked below: 195 zeros */
	    {SB_RESIZE, NULL, 0, "", 0},
	};
	static const char *const op_names[] = {"append", "puts", "printf", "resize", "reset"};
	struct strbuf sb = STRBUF_INIT;

	CHECK(strbuf_str(&sb) && strcmp(strbuf_str(&sb), "") == 0 && sb.len == 0,
	      "an empty strbuf reads as \"\"");
	for (size_t i = 0; i < ARRAY_SIZE(steps); i++) {
		int ret = 0;

		switch (steps[i].op) {
		case SB_APPEND:
			ret = strbuf_append(&sb, steps[i].arg, steps[i].n);
			break;
		case SB_PUTS:
			ret = strbuf_puts(&sb, steps[i].arg);
			break;
		case SB_PRINTF:
			ret = strbuf_printf(&sb, "%s=%zu;", steps[i].arg, steps[i].n);
			break;
		case SB_RESIZE:
			ret = strbuf_resize(&sb, steps[i].n);
			break;
		case SB_RESET:
			strbuf_reset(&sb);
			break;
		}
		size_t want_len = steps[i].op == SB_RESIZE ? steps[i].n : steps[i].want_len;
		const char *got = strbuf_str(&sb);
		bool same = sb.len == want_len && memcmp(got, steps[i].want, steps[i].want_len) == 0;
		for (size_t j = steps[i].want_len; same && j < want_len; j++)
			same = got[j] == '\0';
		CHECK_INT(ret, 0, "step %zu: %s", i, op_names[steps[i].op]);
		CHECK_INT(sb.len, want_len, "step %zu: %s: length", i, op_names[steps[i].op]);
		CHECK(same && got[sb.len] == '\0', "step %zu: %s: content and terminating NUL", i,
		      op_names[steps[i].op]);
		CHECK(sb.len == 0 || sb.cap > sb.len, "step %zu: %s: capacity %zu holds %zu + NUL", i,
		      op_names[steps[i].op], sb.cap, sb.len);
	}
	strbuf_finish(&sb);
	CHECK(sb.data == NULL && sb.len == 0 && sb.cap == 0, "finish empties the strbuf");
	strbuf_finish(&sb);
}

static void test_strbuf_more(void)
{
	struct strbuf sb = STRBUF_INIT;
	char want[301];

	/* One printf far larger than the first allocation. */
	CHECK_INT(strbuf_printf(&sb, "%0300d", 7), 0, "printf 300 bytes into an empty strbuf");
	snprintf(want, sizeof(want), "%0300d", 7);
	CHECK_INT(sb.len, 300, "length 300");
	CHECK_STR(strbuf_str(&sb), want, "300 bytes come out");
	/* Many small ones across several doublings. */
	strbuf_reset(&sb);
	CHECK(sb.cap >= 301 && sb.len == 0 && strbuf_str(&sb)[0] == '\0', "reset keeps the memory, empties");
	size_t expect = 0;
	bool same = true;
	for (int i = 0; i < 500; i++) {
		char piece[16];
		int n = snprintf(piece, sizeof(piece), "%d,", i);
		if (strbuf_printf(&sb, "%d,", i) != 0 || memcmp(sb.data + expect, piece, (size_t)n) != 0)
			same = false;
		expect += (size_t)n;
	}
	CHECK(same && sb.len == expect && sb.data[sb.len] == '\0', "500 printfs append in order (%zu bytes)",
	      sb.len);
	CHECK_INT(strbuf_printf(&sb, "%s", ""), 0, "printf of nothing");
	CHECK_INT(sb.len, expect, "adds nothing");

	/* steal */
	strbuf_reset(&sb);
	strbuf_puts(&sb, "hello");
	char *stolen = strbuf_steal(&sb);
	CHECK_STR(stolen, "hello", "steal hands over the text");
	CHECK(sb.data == NULL && sb.len == 0 && sb.cap == 0, "and resets the strbuf");
	CHECK_STR(strbuf_str(&sb), "", "which reads as \"\"");
	free(stolen);
	stolen = strbuf_steal(&sb);
	CHECK(stolen && stolen[0] == '\0', "steal of an empty strbuf gives \"\", not NULL");
	free(stolen);
	CHECK_INT(strbuf_resize(&sb, 4), 0, "resize an empty strbuf up");
	CHECK(sb.len == 4 && sb.data && memcmp(sb.data, "\0\0\0\0", 5) == 0, "to four zero bytes");
	strbuf_finish(&sb);
}

/* --- files ---------------------------------------------------------------- */

static int remove_entry(const char *path, const struct stat *st, int type, struct FTW *ftw)
{
	return remove(path);
}

static void remove_tree(const char *dir)
{
	if (nftw(dir, remove_entry, 16, FTW_DEPTH | FTW_PHYS) != 0)
		printf("# could not remove %s\n", dir);
}

static int count_temp_files(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	int count = 0;

	if (!d)
		return -1;
	while ((e = readdir(d)))
		if (strncmp(e->d_name, ".tmp-", 5) == 0)
			count++;
	closedir(d);
	return count;
}

static void test_atomic_file(void)
{
	char dir[] = "/tmp/hvfs-test-util-XXXXXX";
	char path[4096], shown[64];

	if (!mkdtemp(dir)) {
		CHECK(false, "mkdtemp: %s", strerror(errno));
		return;
	}
	/* The second write replaces the first, with another mode. */
	static const struct {
		const char *rel;
		const char *data;
		size_t len;
		unsigned mode;
	} writes[] = {
	    {"a", "hello\n", 6, 0644},	     {"a", "replaced", 8, 0600},     {"empty", "", 0, 0640},
	    {"binary", "x\0y\n\0", 5, 0400}, {"b", "<domain/>\n", 10, 0644},
	};

	for (size_t i = 0; i < ARRAY_SIZE(writes); i++) {
		char *data = NULL;
		size_t len = 0;
		struct stat st;

		snprintf(path, sizeof(path), "%s/%s", dir, writes[i].rel);
		show(shown, sizeof(shown), writes[i].data, writes[i].len);
		CHECK_INT(atomic_file_write(path, writes[i].data, writes[i].len, writes[i].mode), 0,
			  "write '%s' to %s", shown, writes[i].rel);
		CHECK_INT(file_read_all(path, 4096, &data, &len), 0, "read %s back", writes[i].rel);
		CHECK(data && len == writes[i].len && memcmp(data, writes[i].data, len) == 0 &&
			  data[len] == '\0',
		      "%s round-trips '%s' (%zu bytes) NUL-terminated", writes[i].rel, shown, writes[i].len);
		free(data);
		CHECK(stat(path, &st) == 0 && (st.st_mode & 07777) == writes[i].mode,
		      "%s has mode %04o (%04o)", writes[i].rel, writes[i].mode,
		      (unsigned)(st.st_mode & 07777));
		CHECK_INT(count_temp_files(dir), 0, "no .tmp-* left after writing %s", writes[i].rel);
	}

	/* A large file, and file_read_all's bound. */
	size_t big_len = 200000;
	char *big = malloc(big_len);
	if (big) {
		for (size_t i = 0; i < big_len; i++)
			big[i] = (char)('a' + i % 26);
		snprintf(path, sizeof(path), "%s/big", dir);
		CHECK_INT(atomic_file_write(path, big, big_len, 0600), 0, "write %zu bytes", big_len);
		char *data = NULL;
		size_t len = 0;
		CHECK(file_read_all(path, big_len, &data, &len) == 0 && len == big_len &&
			  memcmp(data, big, big_len) == 0,
		      "read %zu bytes back with max exactly the size", big_len);
		free(data);
		free(big);
	}

	static const struct {
		const char *rel;
		size_t max;
		int ret;
	} reads[] = {
	    {"a", 8, 0},
	    {"a", 7, -EFBIG},
	    {"a", 0, -EFBIG},
	    {"empty", 0, 0},
	    {"big", 199999, -EFBIG},
	    {"missing", 4096, -ENOENT},
	    {"nodir/a", 4096, -ENOENT},
	};
	for (size_t i = 0; i < ARRAY_SIZE(reads); i++) {
		char *data = NULL;
		size_t len = 12345;

		snprintf(path, sizeof(path), "%s/%s", dir, reads[i].rel);
		CHECK_INT(file_read_all(path, reads[i].max, &data, &len), reads[i].ret,
			  "read %s with max %zu", reads[i].rel, reads[i].max);
		if (reads[i].ret < 0)
			CHECK(data == NULL, "a failed read of %s hands back nothing", reads[i].rel);
		free(data);
	}
	char *data = NULL;
	snprintf(path, sizeof(path), "%s/a", dir);
	CHECK(file_read_all(path, 4096, &data, NULL) == 0 && data && strcmp(data, "replaced") == 0,
	      "file_read_all with len NULL");
	/* procfs files say size 0 and hold more: the bound still holds. */
	free(data);
	data = NULL;
	CHECK_INT(file_read_all("/proc/self/status", 64, &data, NULL), -EFBIG,
		  "file_read_all bounds a file larger than fstat says");
	free(data);

	/* Failures clean up after themselves. */
	snprintf(path, sizeof(path), "%s/nodir/x", dir);
	CHECK_INT(atomic_file_write(path, "x", 1, 0600), -ENOENT, "write into a missing directory");
	snprintf(path, sizeof(path), "%s/sub", dir);
	CHECK_INT(mkdir(path, 0700), 0, "mkdir sub");
	CHECK_INT(atomic_file_write(path, "x", 1, 0600), -EISDIR, "write over a directory fails at rename");
	CHECK_INT(count_temp_files(dir), 0, "and removes its temporary file");

	/* remove */
	static const struct {
		const char *rel;
		bool existed;
	} removes[] = {
	    {"a", true}, {"a", false}, {"missing", false}, {"nodir/x", false}, {"binary", true},
	};
	for (size_t i = 0; i < ARRAY_SIZE(removes); i++) {
		snprintf(path, sizeof(path), "%s/%s", dir, removes[i].rel);
		CHECK_INT(atomic_file_remove(path), 0, "remove %s (%s)", removes[i].rel,
			  removes[i].existed ? "exists" : "missing");
		CHECK(access(path, F_OK) != 0 && errno == ENOENT, "%s is gone", removes[i].rel);
	}
	CHECK_INT(count_temp_files(dir), 0, "no .tmp-* left at the end");
	remove_tree(dir);
}

static void test_mkdir_parents(void)
{
	char dir[] = "/tmp/hvfs-test-util-XXXXXX";
	char path[4096];

	if (!mkdtemp(dir)) {
		CHECK(false, "mkdtemp: %s", strerror(errno));
		return;
	}
	static const struct {
		const char *rel;
		int ret;
		const char *made; /* a directory that must exist afterwards */
	} cases[] = {
	    {"p", 0, "p"},
	    {"p/q/r", 0, "p/q/r"},
	    {"p/q/r", 0, "p/q/r"}, /* again: it exists */
	    {"p/q/r/", 0, "p/q/r"},
	    {"x//y", 0, "x/y"},
	    {"s/t/u/v/w", 0, "s/t/u/v/w"},
	    {"file/below", -ENOTDIR, NULL}, /* a component is a regular file */
	    {"file", -ENOTDIR, NULL},	    /* the path itself is a regular file */
	};

	snprintf(path, sizeof(path), "%s/file", dir);
	CHECK_INT(atomic_file_write(path, "f", 1, 0600), 0, "a regular file to build on");
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		struct stat st;

		snprintf(path, sizeof(path), "%s/%s", dir, cases[i].rel);
		CHECK_INT(mkdir_parents(path), cases[i].ret, "mkdir_parents %s", cases[i].rel);
		if (!cases[i].made)
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, cases[i].made);
		CHECK(stat(path, &st) == 0 && S_ISDIR(st.st_mode), "%s is a directory", cases[i].made);
		CHECK((st.st_mode & 0777) == 0700, "%s has mode 0700 (%04o)", cases[i].made,
		      (unsigned)(st.st_mode & 0777));
	}
	char *chdir_back = getcwd(NULL, 0);
	if (chdir_back && chdir(dir) == 0) {
		CHECK_INT(mkdir_parents("rel/a/b"), 0, "mkdir_parents with a relative path");
		struct stat st;
		CHECK(stat("rel/a/b", &st) == 0 && S_ISDIR(st.st_mode), "rel/a/b is a directory");
		CHECK_INT(chdir(chdir_back), 0, "back to the old directory");
	}
	free(chdir_back);
	remove_tree(dir);
}

/* util/proc.c: this very process, a child after it is reaped, no process. */
static void test_proc(void)
{
	volatile uint64_t spin = 0;
	uint64_t before = proc_cpu_time_ns(getpid()), after;
	pid_t child;

	CHECK(proc_start_time(getpid()) > 0, "proc_start_time of this process");
	CHECK(before != UINT64_MAX, "proc_cpu_time_ns of this process");
	/* Enough work for the clock tick (10 ms) to count some. */
	do {
		for (int i = 0; i < 10000000; i++)
			spin += (uint64_t)i;
		after = proc_cpu_time_ns(getpid());
	} while (after == before);
	CHECK(after > before && after % 1000000 == 0, "cpu time advances with work, in whole ticks (%llu ns)",
	      (unsigned long long)after);
	CHECK(proc_rss_kib(getpid()) > 100 && proc_rss_kib(getpid()) != UINT64_MAX,
	      "proc_rss_kib of this process");
	child = fork();
	if (child == 0)
		_exit(0);
	waitpid(child, NULL, 0);
	CHECK_INT(proc_start_time(child), 0, "proc_start_time of a reaped child: 0");
	CHECK(proc_cpu_time_ns(child) == UINT64_MAX, "proc_cpu_time_ns of a reaped child: unknown");
	CHECK(proc_rss_kib(child) == UINT64_MAX, "proc_rss_kib of a reaped child: unknown");
}

int main(void)
{
	test_names();
	test_parse_u64();
	test_parse_bool();
	test_parse_word();
	test_parse_size();
	test_uri();
	test_hash_semantics();
	test_hash_growth();
	test_uuid();
	test_strbuf_steps();
	test_strbuf_more();
	test_atomic_file();
	test_mkdir_parents();
	test_proc();
	return UNIT_DONE();
}
