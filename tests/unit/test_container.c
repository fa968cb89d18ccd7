/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The container driver's pure pieces: what it reads from a definition
 * (container_conf.c), how it names the ways init ends, which signal asks
 * an init to stop, and the /proc start time that tells a process from a
 * stranger with its recycled pid. */
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "drivers/conf/conf.h"
#include "drivers/container/container_private.h"
#include "tests/unit/unit.h"

#define HEAD "<domain type='lxc'><name>c</name><memory>65536</memory>"

struct spec_case {
	const char *what;
	const char *xml;
	int ret;
	const char *init, *arg0, *arg2, *root, *message;
	unsigned args;
	bool private_network;
	uint64_t shares, period;
	int64_t quota;
};

static const struct spec_case spec_cases[] = {
    {"init and arguments, blanks kept",
     HEAD "<os><type>exe</type><init> /bin/sh </init><initarg>-c</initarg><initarg>x</initarg>"
	  "<initarg> a b </initarg></os></domain>",
     0, "/bin/sh", "-c", " a b ", "", NULL, 3, false, 0, 0, 0},
    {"a root filesystem and an interface",
     HEAD "<os><type>exe</type><init>/sbin/init</init></os><devices><filesystem type='mount'>"
	  "<source dir='/srv/c'/><target dir='/'/></filesystem><interface type='network'>"
	  "<source network='default'/></interface></devices></domain>",
     0, "/sbin/init", NULL, NULL, "/srv/c", NULL, 0, true, 0, 0, 0},
    {"privnet asks for a network namespace",
     HEAD "<os><type>exe</type><init>/sbin/init</init></os><features><privnet/></features></domain>", 0,
     "/sbin/init", NULL, NULL, "", NULL, 0, true, 0, 0, 0},
    {"cputune",
     HEAD "<os><type>exe</type><init>/a</init></os><cputune><shares>2048</shares><period>50000</period>"
	  "<quota>25000</quota></cputune></domain>",
     0, "/a", NULL, NULL, "", NULL, 0, false, 2048, 50000, 25000},
    {"quota -1 is unlimited",
     HEAD "<os><type>exe</type><init>/a</init></os><cputune><quota>-1</quota></cputune></domain>", 0, "/a",
     NULL, NULL, "", NULL, 0, false, 0, 0, -1},
    {"not lxc", "<domain type='kvm'><name>c</name><os><type>hvm</type></os></domain>", -EINVAL, NULL, NULL,
     NULL, NULL, "type='lxc'", 0, false, 0, 0, 0},
    {"not exe", HEAD "<os><type>hvm</type></os></domain>", -EINVAL, NULL, NULL, NULL, NULL, "<type>exe", 0,
     false, 0, 0, 0},
    {"relative init", HEAD "<os><type>exe</type><init>sh</init></os></domain>", -EINVAL, NULL, NULL, NULL,
     NULL, "absolute", 0, false, 0, 0, 0},
    {"no init", HEAD "<os><type>exe</type></os></domain>", -EINVAL, NULL, NULL, NULL, NULL, "absolute", 0,
     false, 0, 0, 0},
    {"a mount other than the root",
     HEAD "<os><type>exe</type><init>/a</init></os><devices><filesystem><source dir='/x'/>"
	  "<target dir='/data'/></filesystem></devices></domain>",
     -EINVAL, NULL, NULL, NULL, NULL, "only the root", 0, false, 0, 0, 0},
    {"a relative root",
     HEAD "<os><type>exe</type><init>/a</init></os><devices><filesystem><source dir='x'/>"
	  "<target dir='/'/></filesystem></devices></domain>",
     -EINVAL, NULL, NULL, NULL, NULL, "absolute", 0, false, 0, 0, 0},
    {"shares out of range",
     HEAD "<os><type>exe</type><init>/a</init></os><cputune><shares>1</shares></cputune></domain>", -EINVAL,
     NULL, NULL, NULL, NULL, "shares", 0, false, 0, 0, 0},
    {"quota below 1 ms",
     HEAD "<os><type>exe</type><init>/a</init></os><cputune><quota>10</quota></cputune></domain>", -EINVAL,
     NULL, NULL, NULL, NULL, "at least 1000", 0, false, 0, 0, 0},
    {"not XML", "<domain", -EINVAL, NULL, NULL, NULL, NULL, "well-formed", 0, false, 0, 0, 0},
    {"a DOCTYPE", "<!DOCTYPE domain [<!ENTITY x 'y'>]><domain type='lxc'/>", -EINVAL, NULL, NULL, NULL, NULL,
     "not a <domain>", 0, false, 0, 0, 0},
};

static void test_spec(void)
{
	for (size_t i = 0; i < sizeof(spec_cases) / sizeof(spec_cases[0]); i++) {
		const struct spec_case *c = &spec_cases[i];
		struct container_spec spec;
		struct hv_error err = {0};
		int ret = container_spec_parse(c->xml, strlen(c->xml), &spec, &err);

		CHECK_INT(ret, c->ret, "spec: %s: result", c->what);
		if (c->ret < 0) {
			CHECK(strstr(err.message, c->message) != NULL, "spec: %s: message '%s' names '%s'",
			      c->what, err.message, c->message);
			continue;
		}
		CHECK_STR(spec.init, c->init, "spec: %s: init", c->what);
		CHECK_INT(spec.initarg_count, c->args, "spec: %s: argument count", c->what);
		CHECK(spec.initargs[spec.initarg_count] == NULL, "spec: %s: arguments NULL-terminated",
		      c->what);
		if (c->arg0)
			CHECK_STR(spec.initargs[0], c->arg0, "spec: %s: first argument", c->what);
		if (c->arg2)
			CHECK_STR(spec.initargs[2], c->arg2, "spec: %s: third argument", c->what);
		CHECK_STR(spec.root, c->root, "spec: %s: root", c->what);
		CHECK_INT(spec.private_network, c->private_network, "spec: %s: network namespace", c->what);
		CHECK_INT(spec.cpu_shares, c->shares, "spec: %s: shares", c->what);
		CHECK_INT(spec.cpu_period_us, c->period, "spec: %s: period", c->what);
		CHECK_INT(spec.cpu_quota_us, c->quota, "spec: %s: quota", c->what);
		container_spec_finish(&spec);
	}
}

/* <vcpu cpuset> and hvfs's pids limit in <metadata> (cgroup/ files). */
#define OS     "<os><type>exe</type><init>/a</init></os>"
#define HVFSNS "xmlns:hvfs='" CONTAINER_METADATA_NS "'"
static const struct {
	const char *what, *xml;
	int ret;
	const char *cpuset; /* or the message */
	uint64_t pids_limit;
} cgroup_cases[] = {
    {"nothing configured", HEAD "<vcpu>2</vcpu>" OS "</domain>", 0, "", 0},
    {"a cpuset", HEAD "<vcpu cpuset='0-1,3'>2</vcpu>" OS "</domain>", 0, "0-1,3", 0},
    {"a pids limit",
     HEAD "<metadata><hvfs:pids_limit " HVFSNS ">50</hvfs:pids_limit></metadata>" OS "</domain>", 0, "", 50},
    {"any prefix of hvfs's namespace",
     HEAD "<metadata><x:pids_limit xmlns:x='" CONTAINER_METADATA_NS "'>7</x:pids_limit></metadata>" OS
	  "</domain>",
     0, "", 7},
    {"pids limit max",
     HEAD "<metadata><hvfs:pids_limit " HVFSNS "> max </hvfs:pids_limit></metadata>" OS "</domain>", 0, "",
     CGCTL_UNLIMITED},
    {"another namespace's pids_limit is not ours",
     HEAD "<metadata><o:pids_limit xmlns:o='urn:other'>zz</o:pids_limit></metadata>" OS "</domain>", 0, "",
     0},
    {"a bad cpuset", HEAD "<vcpu cpuset='all'>2</vcpu>" OS "</domain>", -EINVAL, "not a cpu list", 0},
    {"a pids limit of 0",
     HEAD "<metadata><hvfs:pids_limit " HVFSNS ">0</hvfs:pids_limit></metadata>" OS "</domain>", -EINVAL,
     "max or 1..4194304", 0},
    {"a negative pids limit",
     HEAD "<metadata><hvfs:pids_limit " HVFSNS ">-2</hvfs:pids_limit></metadata>" OS "</domain>", -EINVAL,
     "max or 1..4194304", 0},
};

static void test_spec_cgroup(void)
{
	for (size_t i = 0; i < sizeof(cgroup_cases) / sizeof(cgroup_cases[0]); i++) {
		struct container_spec spec;
		struct hv_error err = {0};
		const char *xml = cgroup_cases[i].xml, *what = cgroup_cases[i].what;
		int ret = container_spec_parse(xml, strlen(xml), &spec, &err);

		CHECK_INT(ret, cgroup_cases[i].ret, "cgroup: %s: result (%s)", what, err.message);
		if (ret < 0) {
			CHECK(strstr(err.message, cgroup_cases[i].cpuset) != NULL, "cgroup: %s: message '%s'",
			      what, err.message);
			continue;
		}
		CHECK_STR(spec.cpuset, cgroup_cases[i].cpuset, "cgroup: %s: cpuset", what);
		CHECK(spec.pids_limit == cgroup_cases[i].pids_limit, "cgroup: %s: pids limit %llu", what,
		      (unsigned long long)spec.pids_limit);
		container_spec_finish(&spec);
	}
}

static void test_default_xml(void)
{
	char *xml = NULL;
	struct hv_domain_def def;
	struct container_spec spec;
	struct hv_error err = {0};

	CHECK_INT(container_default_xml("box", "4a1f1c5e-0d7e-4c36-9a3b-1f2e3d4c5b6a", &xml), 0,
		  "default: made");
	CHECK_INT(hv_domain_def_parse(xml, strlen(xml), "box", &def, &err), 0, "default: valid (%s)",
		  err.message);
	CHECK_STR(def.type, "lxc", "default: type lxc");
	CHECK_STR(def.os_type, "exe", "default: os type exe");
	CHECK_INT(def.memory_kib, 131072, "default: 128 MiB");
	CHECK_INT(container_spec_parse(xml, strlen(xml), &spec, &err), 0, "default: a container spec");
	CHECK_STR(spec.init, "/sbin/init", "default: /sbin/init");
	container_spec_finish(&spec);
	free(xml);
}

/* waitpid statuses, built as the kernel encodes them. */
#define EXITED(code)  ((code) << 8)
#define SIGNALED(sig) (sig)

static void test_classify(void)
{
	static const struct {
		const char *what;
		int status;
		bool requested, oom;
		enum hv_domain_state state;
		const char *detail, *reason;
	} cases[] = {
	    {"exit 0", EXITED(0), false, false, HV_DOMAIN_SHUTOFF, "shutdown", "status 0"},
	    {"exit 3", EXITED(3), false, false, HV_DOMAIN_SHUTOFF, "shutdown", "status 3"},
	    {"exit after a request", EXITED(0), true, false, HV_DOMAIN_SHUTOFF, "shutdown", "status 0"},
	    {"SIGKILL by the OOM killer", SIGNALED(SIGKILL), false, true, HV_DOMAIN_CRASHED, "oom-killed",
	     "OOM"},
	    {"SIGKILL, no OOM", SIGNALED(SIGKILL), false, false, HV_DOMAIN_CRASHED, "crashed", "SIGKILL"},
	    {"SIGSEGV", SIGNALED(SIGSEGV), false, false, HV_DOMAIN_CRASHED, "crashed", "SIGSEGV"},
	    {"SIGSEGV with an OOM kill elsewhere", SIGNALED(SIGSEGV), false, true, HV_DOMAIN_CRASHED,
	     "crashed", "SIGSEGV"},
	    {"SIGTERM we sent", SIGNALED(SIGTERM), true, false, HV_DOMAIN_SHUTOFF, "shutdown", "TERM"},
	    {"SIGKILL at the shutdown deadline", SIGNALED(SIGKILL), true, false, HV_DOMAIN_SHUTOFF,
	     "shutdown", "KILL"},
	    {"unknown", -1, false, false, HV_DOMAIN_SHUTOFF, "failed", "unknown"},
	    {"unknown after a request", -1, true, false, HV_DOMAIN_SHUTOFF, "shutdown", "unknown"},
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct container_exit how;

		container_classify_exit(cases[i].status, cases[i].requested, cases[i].oom, &how);
		CHECK_INT(how.state, cases[i].state, "classify: %s: state", cases[i].what);
		CHECK_STR(how.event, "stopped", "classify: %s: event", cases[i].what);
		CHECK_STR(how.detail, cases[i].detail, "classify: %s: detail", cases[i].what);
		CHECK(strstr(how.reason, cases[i].reason) != NULL, "classify: %s: reason '%s' says '%s'",
		      cases[i].what, how.reason, cases[i].reason);
	}
}

static void test_shutdown_signal(void)
{
	CHECK_INT(container_shutdown_signal("/sbin/init"), SIGPWR, "signal: /sbin/init takes SIGPWR");
	CHECK_INT(container_shutdown_signal("/lib/systemd/systemd"), SIGPWR, "signal: systemd takes SIGPWR");
	CHECK_INT(container_shutdown_signal("/bin/busybox"), SIGTERM, "signal: a program gets SIGTERM");
	CHECK_INT(container_shutdown_signal("/usr/bin/initialize"), SIGTERM, "signal: only the exact name");
}

static void test_start_time(void)
{
	uint64_t mine = proc_start_time(getpid());
	pid_t child = fork();

	if (child == 0) {
		pause();
		_exit(0);
	}
	uint64_t theirs = proc_start_time(child);
	CHECK(mine > 0, "start time: of this process");
	CHECK(theirs >= mine, "start time: a child starts no earlier (%llu >= %llu)",
	      (unsigned long long)theirs, (unsigned long long)mine);
	CHECK_INT(proc_start_time(getpid()), mine, "start time: stable");
	kill(child, SIGKILL);
	/* Not reaped yet: a zombie is no longer the process. */
	for (int i = 0; i < 200 && proc_start_time(child) != 0; i++)
		usleep(5000);
	CHECK_INT(proc_start_time(child), 0, "start time: 0 for a zombie");
	waitpid(child, NULL, 0);
	CHECK_INT(proc_start_time(child), 0, "start time: 0 for a process that is gone");
	CHECK_INT(proc_start_time(0), 0, "start time: 0 for pid 0");
}

int main(void)
{
	test_spec();
	test_spec_cgroup();
	test_default_xml();
	test_classify();
	test_shutdown_signal();
	test_start_time();
	hv_conf_cleanup();
	return UNIT_DONE();
}
