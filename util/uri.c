/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "util/uri.h"

#include <errno.h>
#include <libxml/uri.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/cleanup.h"
#include "util/parse.h"

/* A fresh copy of text[0..len) with %XX decoded and '+' read as a space;
 * NULL when out of memory. */
static char *uri_unescape(const char *text, size_t len)
{
	char *copy = strndup(text, len);
	if (!copy)
		return NULL;
	for (char *c = copy; *c; c++)
		if (*c == '+')
			*c = ' ';
	char *decoded = xmlURIUnescapeString(copy, 0, NULL);
	free(copy);
	if (!decoded)
		return NULL;
	char *result = strdup(decoded); /* ours to free(), not xmlFree() */
	xmlFree(decoded);
	return result;
}

/* One "key=value" of the query, each side percent-decoded ('+' is a space,
 * as in a form: libvirt's own URI parameters read the same way). */
static int uri_add_param(struct uri *uri, const char *pair, size_t len)
{
	const char *eq = memchr(pair, '=', len);
	size_t key_len = eq ? (size_t)(eq - pair) : len;
	struct uri_param *params = realloc(uri->params, (uri->param_count + 1) * sizeof(*params));

	if (!params)
		return -ENOMEM;
	uri->params = params;
	struct uri_param *p = &params[uri->param_count];
	p->key = uri_unescape(pair, key_len);
	p->value = eq ? uri_unescape(eq + 1, len - key_len - 1) : strdup("");
	if (!p->key || !p->value) {
		free(p->key);
		free(p->value);
		return -ENOMEM;
	}
	uri->param_count++;
	return 0;
}

/* libxml2 parses (RFC 3986, percent-decoding the path); what is checked here
 * is hvfs's own rule: a scheme, "://" and an empty authority (no host, user
 * or port). */
int uri_parse(const char *text, struct uri *out, const char **why)
{
	const char *sep = strstr(text, "://");
	const char *ignored;
	int ret;

	if (!why)
		why = &ignored;
	memset(out, 0, sizeof(*out));
	if (!sep || sep == text) {
		*why = "a URI looks like scheme:///path, e.g. test:///default";
		return -EINVAL;
	}
	xmlURIPtr parsed = xmlParseURI(text);
	if (!parsed || !parsed->scheme || strlen(parsed->scheme) != (size_t)(sep - text)) {
		xmlFreeURI(parsed);
		*why = "not a valid URI: a URI looks like scheme:///path, e.g. test:///default";
		return -EINVAL;
	}
	if (!strchr("/?", sep[3])) {
		/* scheme://host/... names a remote host; hvfs serves the local one. */
		xmlFreeURI(parsed);
		*why = "remote hosts are not supported: use scheme:///path";
		return -EINVAL;
	}
	out->scheme = strdup(parsed->scheme);
	out->path = strdup(parsed->path ? parsed->path : "");
	ret = out->scheme && out->path ? 0 : -ENOMEM;
	for (const char *p = parsed->query_raw; ret == 0 && p && *p;) {
		size_t len = strcspn(p, "&");
		if (len > 0)
			ret = uri_add_param(out, p, len);
		p += len + (p[len] == '&');
	}
	xmlFreeURI(parsed);
	if (ret < 0) {
		uri_finish(out);
		*why = "out of memory";
	}
	return ret;
}

void uri_finish(struct uri *uri)
{
	for (size_t i = 0; i < uri->param_count; i++) {
		free(uri->params[i].key);
		free(uri->params[i].value);
	}
	free(uri->params);
	free(uri->scheme);
	free(uri->path);
	memset(uri, 0, sizeof(*uri));
}

const char *uri_get(const struct uri *uri, const char *key)
{
	const char *value = NULL;

	for (size_t i = 0; i < uri->param_count; i++)
		if (strcmp(uri->params[i].key, key) == 0)
			value = uri->params[i].value;
	return value;
}

int uri_check_knobs(const struct uri *uri, const char *const *known, struct hv_error *err)
{
	for (size_t i = 0; i < uri->param_count; i++) {
		const char *key = uri->params[i].key;
		bool found = false;

		for (const char *const *k = known; *k && !found; k++)
			found = strcmp(*k, key) == 0;
		if (found)
			continue;
		char list[256] = "";
		size_t used = 0;
		for (const char *const *k = known; *k && used < sizeof(list); k++)
			used += (size_t)snprintf(list + used, sizeof(list) - used, "%s%s",
						 k == known ? "" : ", ", *k);
		return hv_error_set(err, EINVAL, "%s URI: unknown option '%s' (known: %s)", uri->scheme, key,
				    list);
	}
	return 0;
}

int uri_knob_u64(const struct uri *uri, const char *key, uint64_t max, uint64_t *out, struct hv_error *err)
{
	const char *value = uri_get(uri, key);

	if (value && parse_u64(value, strlen(value), max, out) < 0)
		return hv_error_set(err, EINVAL, "%s URI: %s=%s is not a number from 0 to %llu", uri->scheme,
				    key, value, (unsigned long long)max);
	return 0;
}
