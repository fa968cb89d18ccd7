/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* What the container driver reads from a domain definition beyond the
 * fields every driver shares (drivers/conf), and how it names the ways a
 * container ends.  Pure: no I/O beyond parsing, no locks.
 *
 * The XML has already been parsed and validated by hv_domain_def_parse when
 * it gets here; this parses it again (with the same safety options) only to
 * pick out libvirt LXC's elements, which the shared parser does not know:
 *
 *   <domain type='lxc'>
 *     <os><type>exe</type><init>/bin/sh</init><initarg>-c</initarg>…</os>
 *     <cputune><shares>2048</shares><period>100000</period><quota>50000</quota></cputune>
 *     <features><privnet/></features>
 *     <devices>
 *       <filesystem type='mount'><source dir='/srv/c1'/><target dir='/'/></filesystem>
 *       <interface type='network'>…</interface>
 *     </devices>
 *   </domain> */
#include <errno.h>
#include <inttypes.h>
#include <libxml/parser.h>
#include <libxml/tree.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

#include "drivers/container/container_private.h"
#include "util/cleanup.h"

static xmlNodePtr child(xmlNodePtr parent, const char *name)
{
	if (!parent)
		return NULL;
	for (xmlNodePtr n = parent->children; n; n = n->next)
		if (n->type == XML_ELEMENT_NODE && strcmp((const char *)n->name, name) == 0)
			return n;
	return NULL;
}

/* The trimmed text of node into out; -EINVAL when it does not fit. */
static int text_of(xmlNodePtr node, const char *what, char *out, size_t size, struct hv_error *err)
{
	xmlChar *raw = xmlNodeGetContent(node);
	const char *s = raw ? (const char *)raw : "";
	size_t len;

	while (*s == ' ' || *s == '\t' || *s == '\n' || *s == '\r')
		s++;
	len = strlen(s);
	while (len > 0 && strchr(" \t\r\n", s[len - 1]))
		len--;
	if (len >= size) {
		xmlFree(raw);
		return hv_error_set(err, EINVAL, "<%s> is longer than %zu characters", what, size - 1);
	}
	memcpy(out, s, len);
	out[len] = '\0';
	xmlFree(raw);
	return 0;
}

static int attr_of(xmlNodePtr node, const char *attr, char *out, size_t size)
{
	xmlChar *raw = node ? xmlGetProp(node, (const xmlChar *)attr) : NULL;
	int ret = 0;

	out[0] = '\0';
	if (raw && strlen((const char *)raw) < size)
		strcpy(out, (const char *)raw);
	else if (raw)
		ret = -EINVAL;
	xmlFree(raw);
	return ret;
}

static int read_number(xmlNodePtr node, const char *what, int64_t min, int64_t max, int64_t *out,
		       struct hv_error *err)
{
	char text[32], *end;
	long long value;
	int ret = text_of(node, what, text, sizeof(text), err);

	if (ret < 0)
		return ret;
	errno = 0;
	value = strtoll(text, &end, 10);
	if (text[0] == '\0' || *end || errno || value < min || value > max)
		return hv_error_set(err, EINVAL,
				    "<cputune><%s> must be a number in %" PRId64 "..%" PRId64 ", not '%s'",
				    what, min, max, text);
	*out = value;
	return 0;
}

static int read_cputune(xmlNodePtr root, struct container_spec *spec, struct hv_error *err)
{
	xmlNodePtr cputune = child(root, "cputune"), node;
	int64_t value;
	int ret;

	if ((node = child(cputune, "shares"))) {
		/* libvirt's range for shares (cgroup v1 cpu.shares 2..262144). */
		ret = read_number(node, "shares", 2, 262144, &value, err);
		if (ret < 0)
			return ret;
		spec->cpu_shares = (uint64_t)value;
	}
	if ((node = child(cputune, "period"))) {
		ret = read_number(node, "period", 1000, 1000000, &value, err);
		if (ret < 0)
			return ret;
		spec->cpu_period_us = (uint64_t)value;
	}
	if ((node = child(cputune, "quota"))) {
		/* libvirt: -1 (or any negative) is "no limit". */
		ret = read_number(node, "quota", -1, 17592186044415LL, &value, err);
		if (ret < 0)
			return ret;
		if (value >= 0 && value < 1000)
			return hv_error_set(err, EINVAL, "<cputune><quota> must be at least 1000 (or -1)");
		spec->cpu_quota_us = value;
	}
	return 0;
}

/* <vcpu cpuset='0-1'>, and hvfs's pids limit in <metadata>
 * (<hvfs:pids_limit xmlns:hvfs='CONTAINER_METADATA_NS'>max|N</...>). */
static int read_cgroup_extras(xmlNodePtr root, struct container_spec *spec, struct hv_error *err)
{
	xmlNodePtr vcpu = child(root, "vcpu"), metadata = child(root, "metadata");
	char text[32], *end;

	if (attr_of(vcpu, "cpuset", spec->cpuset, sizeof(spec->cpuset)) < 0)
		return hv_error_set(err, EINVAL, "<vcpu cpuset> is too long");
	if (spec->cpuset[0] && strspn(spec->cpuset, "0123456789,-") != strlen(spec->cpuset))
		return hv_error_set(err, EINVAL, "<vcpu cpuset='%s'> is not a cpu list such as 0-1,3",
				    spec->cpuset);
	for (xmlNodePtr n = metadata ? metadata->children : NULL; n; n = n->next) {
		if (n->type != XML_ELEMENT_NODE || strcmp((const char *)n->name, "pids_limit") != 0 ||
		    !n->ns || strcmp((const char *)n->ns->href, CONTAINER_METADATA_NS) != 0)
			continue;
		int ret = text_of(n, "pids_limit", text, sizeof(text), err);
		if (ret < 0)
			return ret;
		errno = 0;
		unsigned long long value = strtoull(text, &end, 10);
		if (strcmp(text, "max") == 0)
			spec->pids_limit = CGCTL_UNLIMITED;
		else if (text[0] >= '0' && text[0] <= '9' && !*end && !errno && value >= 1 &&
			 value <= 4194304)
			spec->pids_limit = value;
		else
			return hv_error_set(err, EINVAL, "<hvfs:pids_limit> is max or 1..4194304, not '%s'",
					    text);
	}
	return 0;
}

/* <filesystem> with <target dir='/'> names the root; other mounts are not
 * supported and refused rather than silently ignored. */
static int read_filesystems(xmlNodePtr devices, struct container_spec *spec, struct hv_error *err)
{
	char type[32], target[1024], source[1024];

	for (xmlNodePtr n = devices ? devices->children : NULL; n; n = n->next) {
		if (n->type != XML_ELEMENT_NODE)
			continue;
		if (strcmp((const char *)n->name, "interface") == 0)
			spec->private_network = true;
		if (strcmp((const char *)n->name, "filesystem") != 0)
			continue;
		if (attr_of(n, "type", type, sizeof(type)) < 0 ||
		    attr_of(child(n, "target"), "dir", target, sizeof(target)) < 0 ||
		    attr_of(child(n, "source"), "dir", source, sizeof(source)) < 0)
			return hv_error_set(err, EINVAL, "<filesystem>: a path is too long");
		if (type[0] && strcmp(type, "mount") != 0)
			return hv_error_set(err, EINVAL,
					    "<filesystem type='%s'>: only type='mount' is supported", type);
		if (strcmp(target, "/") != 0)
			return hv_error_set(
			    err, EINVAL,
			    "<filesystem>: only the root (<target dir='/'/>) is supported, not '%s'", target);
		if (source[0] != '/')
			return hv_error_set(err, EINVAL,
					    "<filesystem>: the root needs an absolute <source dir='...'/>");
		if (spec->root[0])
			return hv_error_set(err, EINVAL, "<filesystem>: more than one root");
		snprintf(spec->root, sizeof(spec->root), "%s", source);
	}
	return 0;
}

static int read_os(xmlNodePtr root, struct container_spec *spec, struct hv_error *err)
{
	xmlNodePtr os = child(root, "os");
	char type[16];
	int ret;

	ret = text_of(child(os, "type"), "type", type, sizeof(type), err);
	if (ret < 0)
		return ret;
	if (strcmp(type, "exe") != 0)
		return hv_error_set(err, EINVAL, "a container runs a program: <os><type>exe</type>, not '%s'",
				    type);
	ret = text_of(child(os, "init"), "init", spec->init, sizeof(spec->init), err);
	if (ret < 0)
		return ret;
	if (spec->init[0] != '/')
		return hv_error_set(err, EINVAL, "<os><init> must be an absolute path, not '%s'", spec->init);
	for (xmlNodePtr n = os->children; n; n = n->next) {
		char arg[4096];

		if (n->type != XML_ELEMENT_NODE || strcmp((const char *)n->name, "initarg") != 0)
			continue;
		if (spec->initarg_count == CONTAINER_INITARGS_MAX)
			return hv_error_set(err, EINVAL, "more than %d <initarg>s", CONTAINER_INITARGS_MAX);
		/* Arguments keep their blanks: no trimming here. */
		xmlChar *raw = xmlNodeGetContent(n);
		snprintf(arg, sizeof(arg), "%s", raw ? (const char *)raw : "");
		if (raw && strlen((const char *)raw) >= sizeof(arg)) {
			xmlFree(raw);
			return hv_error_set(err, EINVAL, "an <initarg> is longer than %zu bytes",
					    sizeof(arg) - 1);
		}
		xmlFree(raw);
		if (!(spec->initargs[spec->initarg_count] = strdup(arg)))
			return hv_error_set(err, ENOMEM, "out of memory");
		spec->initarg_count++;
	}
	return 0;
}

int container_spec_parse(const char *xml, size_t len, struct container_spec *spec, struct hv_error *err)
{
	xmlDocPtr doc;
	xmlNodePtr root;
	char type[16];
	int ret;

	memset(spec, 0, sizeof(*spec));
	if (len > HV_XML_MAX)
		return hv_error_set(err, EFBIG, "the definition is larger than 1 MiB");
	doc = xmlReadMemory(xml, (int)len, "config.xml", NULL,
			    XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING);
	if (!doc)
		return hv_error_set(err, EINVAL, "the definition is not well-formed XML");
	root = xmlDocGetRootElement(doc);
	if (doc->intSubset || !root || strcmp((const char *)root->name, "domain") != 0) {
		xmlFreeDoc(doc);
		return hv_error_set(err, EINVAL, "not a <domain> definition");
	}
	ret = attr_of(root, "type", type, sizeof(type));
	if (ret == 0 && strcmp(type, "lxc") != 0)
		ret =
		    hv_error_set(err, EINVAL, "the lxc driver runs <domain type='lxc'>, not type='%s'", type);
	if (ret == 0)
		ret = read_os(root, spec, err);
	if (ret == 0)
		ret = read_cputune(root, spec, err);
	if (ret == 0)
		ret = read_cgroup_extras(root, spec, err);
	if (ret == 0)
		ret = read_filesystems(child(root, "devices"), spec, err);
	if (ret == 0 && child(child(root, "features"), "privnet"))
		spec->private_network = true;
	xmlFreeDoc(doc);
	if (ret < 0)
		container_spec_finish(spec);
	return ret;
}

void container_spec_finish(struct container_spec *spec)
{
	for (unsigned i = 0; i < spec->initarg_count; i++)
		free(spec->initargs[i]);
	spec->initarg_count = 0;
	spec->initargs[0] = NULL;
}

int container_default_xml(const char *name, const char *uuid, char **out)
{
	/* libvirt's LXC driver starts /sbin/init when <init> is left out; a
	 * definition made by mkdir says so explicitly. */
	if (asprintf(out,
		     "<domain type='lxc'>\n"
		     "  <name>%s</name>\n"
		     "  <uuid>%s</uuid>\n"
		     "  <memory unit='KiB'>131072</memory>\n"
		     "  <vcpu>1</vcpu>\n"
		     "  <os>\n"
		     "    <type>exe</type>\n"
		     "    <init>/sbin/init</init>\n"
		     "  </os>\n"
		     "</domain>\n",
		     name, uuid) < 0) {
		*out = NULL;
		return -ENOMEM;
	}
	return 0;
}

int container_shutdown_signal(const char *init)
{
	static const char *const real_inits[] = {"init", "systemd"};
	const char *base = strrchr(init, '/');

	base = base ? base + 1 : init;
	for (size_t i = 0; i < ARRAY_SIZE(real_inits); i++)
		if (strcmp(base, real_inits[i]) == 0)
			return SIGPWR;
	return SIGTERM;
}

void container_classify_exit(int status, bool requested, bool oom_killed, struct container_exit *out)
{
	out->event = "stopped";
	if (status < 0) {
		out->state = HV_DOMAIN_SHUTOFF;
		out->detail = requested ? "shutdown" : "failed";
		snprintf(out->reason, sizeof(out->reason), "init ended, how is unknown");
	} else if (WIFEXITED(status)) {
		out->state = HV_DOMAIN_SHUTOFF;
		out->detail = "shutdown";
		snprintf(out->reason, sizeof(out->reason), "init exited with status %d", WEXITSTATUS(status));
	} else if (WIFSIGNALED(status) && oom_killed && WTERMSIG(status) == SIGKILL) {
		out->state = HV_DOMAIN_CRASHED;
		out->detail = "oom-killed";
		snprintf(out->reason, sizeof(out->reason), "init was killed by the OOM killer");
	} else if (WIFSIGNALED(status) && requested) {
		/* Our SIGTERM/SIGPWR, or the SIGKILL after the timeout. */
		out->state = HV_DOMAIN_SHUTOFF;
		out->detail = "shutdown";
		snprintf(out->reason, sizeof(out->reason), "init ended on signal %s after a shutdown request",
			 sigabbrev_np(WTERMSIG(status)) ? sigabbrev_np(WTERMSIG(status)) : "?");
	} else {
		out->state = HV_DOMAIN_CRASHED;
		out->detail = "crashed";
		snprintf(out->reason, sizeof(out->reason), "init was killed by signal %d (SIG%s)",
			 WIFSIGNALED(status) ? WTERMSIG(status) : 0,
			 WIFSIGNALED(status) && sigabbrev_np(WTERMSIG(status))
			     ? sigabbrev_np(WTERMSIG(status))
			     : "?");
	}
}
