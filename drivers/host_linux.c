/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "drivers/host_linux.h"

#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "util/cleanup.h"
#include "util/strbuf.h"

static uint64_t meminfo_kib(const char *key)
{
	auto_fclose FILE *file = fopen("/proc/meminfo", "re");
	char line[256];
	size_t len = strlen(key);
	uint64_t value = 0;

	while (file && fgets(line, sizeof(line), file))
		if (strncmp(line, key, len) == 0 && line[len] == ':') {
			sscanf(line + len + 1, "%" SCNu64, &value);
			break;
		}
	return value;
}

static void cpu_model(char *out, size_t size)
{
	auto_fclose FILE *file = fopen("/proc/cpuinfo", "re");
	char line[512];

	snprintf(out, size, "unknown");
	while (file && fgets(line, sizeof(line), file)) {
		char *colon = strchr(line, ':');
		if (strncmp(line, "model name", 10) != 0 || !colon)
			continue;
		colon++;
		while (*colon == ' ' || *colon == '\t')
			colon++;
		colon[strcspn(colon, "\n")] = '\0';
		snprintf(out, size, "%s", colon);
		return;
	}
}

/* The host's UUID: /etc/machine-id in UUID form (DMI's product_uuid is
 * root-only and absent in VMs). */
static void host_uuid(char out[HV_UUID_STRLEN + 1])
{
	auto_fclose FILE *file = fopen("/etc/machine-id", "re");
	char id[64] = "";

	if (!file || !fgets(id, sizeof(id), file) || strspn(id, "0123456789abcdef") < 32) {
		snprintf(out, HV_UUID_STRLEN + 1, "00000000-0000-0000-0000-000000000000");
		return;
	}
	snprintf(out, HV_UUID_STRLEN + 1, "%.8s-%.4s-%.4s-%.4s-%.12s", id, id + 8, id + 12, id + 16, id + 20);
}

int hv_linux_host_info(struct hv_host_info *info, const char *hypervisor_version, struct hv_error *err)
{
	long cpus = sysconf(_SC_NPROCESSORS_ONLN);

	memset(info, 0, sizeof(*info));
	if (gethostname(info->hostname, sizeof(info->hostname) - 1) < 0)
		return hv_error_set(err, errno, "gethostname: %s", strerror(errno));
	cpu_model(info->cpu_model, sizeof(info->cpu_model));
	snprintf(info->hypervisor_version, sizeof(info->hypervisor_version), "%s", hypervisor_version);
	info->cpus = cpus > 0 ? (unsigned)cpus : 1;
	info->memory_kib = meminfo_kib("MemTotal");
	info->free_memory_kib = meminfo_kib("MemFree");
	return 0;
}

int hv_linux_host_capabilities(const char *os_type, const char *const *domain_types, char **xml,
			       struct hv_error *err)
{
	struct strbuf sb = STRBUF_INIT;
	struct utsname uts;
	char uuid[HV_UUID_STRLEN + 1], model[128];
	long cpus = sysconf(_SC_NPROCESSORS_ONLN);

	host_uuid(uuid);
	cpu_model(model, sizeof(model));
	if (uname(&uts) < 0)
		snprintf(uts.machine, sizeof(uts.machine), "x86_64");
	for (char *p = uts.machine; *p; p++)
		if (!isalnum((unsigned char)*p) && *p != '_')
			*p = '_';
	/* The model goes in as text: escape what XML needs escaped. */
	struct strbuf esc = STRBUF_INIT;
	for (const char *p = model; *p; p++)
		strbuf_puts(&esc, *p == '<'   ? "&lt;"
				  : *p == '>' ? "&gt;"
				  : *p == '&' ? "&amp;"
					      : (char[]){*p, 0});
	int ret = strbuf_printf(&sb,
				"<capabilities>\n"
				"  <host>\n"
				"    <uuid>%s</uuid>\n"
				"    <cpu>\n"
				"      <arch>%s</arch>\n"
				"      <model>%s</model>\n"
				"      <topology sockets='1' cores='%ld' threads='1'/>\n"
				"    </cpu>\n"
				"  </host>\n"
				"  <guest>\n"
				"    <os_type>%s</os_type>\n"
				"    <arch name='%s'>\n"
				"      <wordsize>%d</wordsize>\n",
				uuid, uts.machine, strbuf_str(&esc), cpus > 0 ? cpus : 1, os_type,
				uts.machine, (int)(sizeof(long) * 8));
	for (size_t i = 0; ret >= 0 && domain_types[i]; i++)
		ret = strbuf_printf(&sb, "      <domain type='%s'/>\n", domain_types[i]);
	if (ret >= 0)
		ret = strbuf_puts(&sb, "    </arch>\n  </guest>\n</capabilities>\n");
	strbuf_finish(&esc);
	if (ret < 0) {
		strbuf_finish(&sb);
		return hv_error_set(err, ENOMEM, "out of memory");
	}
	*xml = strbuf_steal(&sb);
	return 0;
}
