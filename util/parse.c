/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "util/parse.h"

#include <errno.h>
#include <string.h>
#include <strings.h>

/* Drops one trailing newline; the value then must not be empty. */
static size_t value_length(const char *text, size_t len)
{
	if (len > 0 && text[len - 1] == '\n')
		len--;
	return len;
}

int parse_u64(const char *text, size_t len, uint64_t max, uint64_t *out)
{
	uint64_t value = 0;

	len = value_length(text, len);
	if (len == 0)
		return -EINVAL;
	for (size_t i = 0; i < len; i++) {
		if (text[i] < '0' || text[i] > '9')
			return -EINVAL;
		unsigned digit = (unsigned)(text[i] - '0');
		if (value > (UINT64_MAX - digit) / 10)
			return -ERANGE;
		value = value * 10 + digit;
	}
	if (value > max)
		return -ERANGE;
	*out = value;
	return 0;
}

int parse_word(const char *text, size_t len, char *out, size_t outsz)
{
	len = value_length(text, len);
	if (memchr(text, '\n', len) || memchr(text, '\0', len))
		return -EINVAL;
	if (len >= outsz)
		return -EFBIG;
	memcpy(out, text, len);
	out[len] = '\0';
	return 0;
}

int parse_bool(const char *text, size_t len, bool *out)
{
	static const struct {
		const char *word;
		bool value;
	} words[] = {
	    {"0", false},   {"1", true},  {"false", false}, {"no", false},
	    {"off", false}, {"on", true}, {"true", true},   {"yes", true},
	};
	char word[8];

	if (parse_word(text, len, word, sizeof(word)) < 0)
		return -EINVAL;
	for (size_t i = 0; i < sizeof(words) / sizeof(words[0]); i++) {
		if (strcasecmp(word, words[i].word) == 0) {
			*out = words[i].value;
			return 0;
		}
	}
	return -EINVAL;
}

int parse_size(const char *text, size_t len, uint64_t *bytes)
{
	static const struct {
		const char *suffix;
		unsigned shift;
	} suffixes[] = {
	    {"", 0},	 {"b", 0},  {"g", 30},	 {"gib", 30}, {"k", 10},
	    {"kib", 10}, {"m", 20}, {"mib", 20}, {"t", 40},   {"tib", 40},
	};
	char word[64];
	size_t digits;
	uint64_t value;
	int ret = parse_word(text, len, word, sizeof(word));

	if (ret < 0)
		return ret == -EFBIG ? -ERANGE : ret;
	digits = strspn(word, "0123456789");
	if (digits == 0)
		return -EINVAL;
	if (parse_u64(word, digits, UINT64_MAX, &value) < 0)
		return -ERANGE;
	for (size_t i = 0; i < sizeof(suffixes) / sizeof(suffixes[0]); i++) {
		if (strcasecmp(word + digits, suffixes[i].suffix) != 0)
			continue;
		if (suffixes[i].shift && value > (UINT64_MAX >> suffixes[i].shift))
			return -ERANGE;
		*bytes = value << suffixes[i].shift;
		return 0;
	}
	return -EINVAL;
}
