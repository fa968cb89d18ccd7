#include "util/uri.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/cleanup.h"
#include "util/parse.h"

static int uri_add_param(struct uri *uri, const char *pair, size_t len)
{
	const char *eq = memchr(pair, '=', len);
	struct uri_param *params = realloc(uri->params, (uri->param_count + 1) * sizeof(*params));

	if (!params)
		return -ENOMEM;
	uri->params = params;
	struct uri_param *p = &params[uri->param_count];
	if (eq) {
		p->key = strndup(pair, (size_t)(eq - pair));
		p->value = strndup(eq + 1, len - (size_t)(eq - pair) - 1);
	} else {
		p->key = strndup(pair, len);
		p->value = strdup("");
	}
	if (!p->key || !p->value) {
		free(p->key);
		free(p->value);
		return -ENOMEM;
	}
	uri->param_count++;
	return 0;
}

int uri_parse(const char *text, struct uri *out, const char **why)
{
	const char *sep = strstr(text, "://");
	const char *rest, *query;
	const char *ignored;
	int ret;

	if (!why)
		why = &ignored;
	memset(out, 0, sizeof(*out));
	if (!sep || sep == text) {
		*why = "a URI looks like scheme:///path, e.g. test:///default";
		return -EINVAL;
	}
	rest = sep + 3;
	if (*rest != '/' && *rest != '\0' && *rest != '?') {
		/* scheme://host/... names a remote host; hvfs serves the local one. */
		*why = "remote hosts are not supported: use scheme:///path";
		return -EINVAL;
	}
	out->scheme = strndup(text, (size_t)(sep - text));
	query = strchr(rest, '?');
	out->path = query ? strndup(rest, (size_t)(query - rest)) : strdup(rest);
	if (!out->scheme || !out->path) {
		uri_finish(out);
		return -ENOMEM;
	}
	for (const char *p = query ? query + 1 : NULL; p && *p;) {
		const char *amp = strchr(p, '&');
		size_t len = amp ? (size_t)(amp - p) : strlen(p);
		if (len > 0 && (ret = uri_add_param(out, p, len)) < 0) {
			uri_finish(out);
			return ret;
		}
		p = amp ? amp + 1 : NULL;
	}
	return 0;
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
