/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* cgroupctl against the real cgroup filesystem: needs root, and fails
 * (never skips) when the host cannot do what a container domain needs.
 * Every claim is checked independently of cgroupctl, through /proc and
 * the cgroup files.  Whatever happens, the child and the cgroup are gone
 * at exit: cleanup() runs from atexit and from fatal signals. */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "cgroupctl/cgroupctl.h"
#include "tests/unit/unit.h"

#ifndef CGROUP2_SUPER_MAGIC
#define CGROUP2_SUPER_MAGIC 0x63677270
#endif

/* What cleanup() needs, prepared beforehand so that a signal handler can
 * use it with async-signal-safe calls only. */
static volatile pid_t child_pid = -1;
static char dirs[CGCTL_NCONTROLLERS + 1][PATH_MAX + 80];
static char freezer_state[PATH_MAX + 100], unified_freeze[PATH_MAX + 100];
static char v2_dir[PATH_MAX + 80], v2_freeze[PATH_MAX + 100]; /* test_unified_only */

static void write_quiet(const char *path, const char *text)
{
	int fd;

	if (!path[0] || (fd = open(path, O_WRONLY)) < 0)
		return;
	if (write(fd, text, strlen(text)) < 0) {
		/* best effort: cleanup goes on */
	}
	close(fd);
}

/* A frozen task ignores SIGKILL until thawed, and a cgroup with a task
 * cannot be removed: thaw, kill, reap, then rmdir. */
static void cleanup(void)
{
	pid_t pid = child_pid;

	write_quiet(freezer_state, "THAWED");
	write_quiet(unified_freeze, "0");
	write_quiet(v2_freeze, "0");
	if (pid > 0) {
		kill(pid, SIGKILL);
		waitpid(pid, NULL, 0);
		child_pid = -1;
	}
	for (int i = 0; i <= CGCTL_NCONTROLLERS; i++)
		if (dirs[i][0])
			rmdir(dirs[i]);
	if (v2_dir[0])
		rmdir(v2_dir);
}

static void on_signal(int sig)
{
	cleanup();
	signal(sig, SIG_DFL);
	raise(sig);
}

static bool dir_exists(const char *path)
{
	struct stat st;
	return path && stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

static int slurp(const char *path, char *buf, size_t size)
{
	int fd = open(path, O_RDONLY);
	ssize_t n;

	buf[0] = '\0';
	if (fd < 0)
		return -errno;
	n = read(fd, buf, size - 1);
	close(fd);
	if (n < 0)
		return -errno;
	buf[n] = '\0';
	return 0;
}

/* The child's state letter from /proc/PID/stat (after the "(comm)"). */
static char proc_state(pid_t pid)
{
	char path[64], buf[512], *p;

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	if (slurp(path, buf, sizeof(buf)) < 0 || !(p = strrchr(buf, ')')))
		return '?';
	return p[2];
}

/* Whether /proc/PID/cgroup has a line "N:<list containing ctl>:/<rel>",
 * or "0::/<rel>" when ctl is NULL. */
static bool proc_in_cgroup(pid_t pid, const char *ctl, const char *rel)
{
	char path[64], buf[4096], want[PATH_MAX + 64], *line, *save = NULL;

	snprintf(path, sizeof(path), "/proc/%d/cgroup", (int)pid);
	if (slurp(path, buf, sizeof(buf)) < 0)
		return false;
	for (line = strtok_r(buf, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		char *list = strchr(line, ':');
		if (!list)
			continue;
		if (!ctl) {
			snprintf(want, sizeof(want), "0::/%s", rel);
			if (strcmp(line, want) == 0)
				return true;
			continue;
		}
		char *end = strchr(list + 1, ':');
		if (!end || strcmp(end + 1, "/") == 0)
			continue;
		size_t len = strlen(ctl);
		for (char *p = list + 1; p < end && (p = strstr(p, ctl)) && p < end; p += len)
			if ((p[-1] == ':' || p[-1] == ',') && (p[len] == ',' || p[len] == ':'))
				return strcmp(end + 2, rel) == 0;
	}
	return false;
}

/* The child waits for a byte, touches 4 MiB (so that the new cgroup is
 * charged memory and cpu time after the move), says so, and sleeps. */
static pid_t spawn_child(int *go, int *done)
{
	int a[2], b[2];
	pid_t pid;

	if (pipe(a) < 0 || pipe(b) < 0)
		return -1;
	pid = fork();
	if (pid == 0) {
		char c;
		/* The handlers clean up for the parent, not for this child. */
		signal(SIGINT, SIG_DFL);
		signal(SIGTERM, SIG_DFL);
		close(a[1]);
		close(b[0]);
		if (read(a[0], &c, 1) == 1) {
			size_t size = 4 << 20;
			volatile char *mem = malloc(size);
			for (int round = 0; mem && round < 20; round++)
				for (size_t i = 0; i < size; i += 64)
					mem[i] = (char)(i + round);
			if (write(b[1], "x", 1) < 0)
				_exit(1);
		}
		for (;;)
			pause();
	}
	close(a[0]);
	close(b[1]);
	*go = a[1];
	*done = b[0];
	return pid;
}

/* A fresh error for each call: hv_error keeps the first message. */
#define E (hv_error_clear(&err), &err)

static void test_detect(struct cgctl_layout *layout)
{
	struct hv_error err = {0};
	struct statfs fs;
	int r = cgctl_detect(layout, E);

	CHECK_INT(r, 0, "detect the cgroup layout (%s)", err.message);
	/* An independent verdict: what /sys/fs/cgroup itself is. */
	CHECK(statfs("/sys/fs/cgroup", &fs) == 0, "statfs /sys/fs/cgroup");
	enum cgctl_mode want = (unsigned long)fs.f_type == CGROUP2_SUPER_MAGIC ? CGCTL_V2
			       : dir_exists("/sys/fs/cgroup/unified")	       ? CGCTL_HYBRID
									       : CGCTL_V1;
	CHECK_STR(cgctl_mode_name(layout->mode), cgctl_mode_name(want), "layout mode is %s",
		  cgctl_mode_name(want));
	/* What a container domain cannot do without. */
	CHECK(layout->controller[CGCTL_MEMORY].present, "the memory controller is present");
	CHECK(layout->controller[CGCTL_PIDS].present, "the pids controller is present");
	CHECK(layout->controller[CGCTL_FREEZER].present || layout->unified[0],
	      "a freezer (v1 controller or cgroup.freeze) is present");
	for (int c = 0; c < CGCTL_NCONTROLLERS; c++) {
		const struct cgctl_controller_info *ci = &layout->controller[c];
		if (ci->present)
			printf("# %s: %s at %s\n", cgctl_controller_name(c), ci->v2 ? "v2" : "v1", ci->mount);
	}
}

static void test_bad_arguments(const struct cgctl_layout *layout)
{
	struct hv_error err = {0};
	struct cgctl_group *g;

	g = cgctl_group_create(layout, "", "a/b", E);
	CHECK(!g && err.code == EINVAL, "a name with a slash is EINVAL (%s)", err.message);
	hv_error_clear(E);
	g = cgctl_group_create(layout, "", "..", E);
	CHECK(!g && err.code == EINVAL, "'..' is EINVAL (%s)", err.message);
	hv_error_clear(E);
	g = cgctl_group_create(layout, "hvfs-no-such-parent-cgroup", "x", E);
	CHECK(!g && err.code == ENOENT, "a missing parent is ENOENT (%s)", err.message);
	CHECK(!dir_exists("/sys/fs/cgroup/memory/hvfs-no-such-parent-cgroup") &&
		  !dir_exists("/sys/fs/cgroup/hvfs-no-such-parent-cgroup"),
	      "a failed create leaves nothing behind");
}

/* cpu weight, quota and cpuset, each read back through the file the
 * host has as well as through cgroupctl. */
static void test_cpu_tunables(const struct cgctl_layout *layout, struct cgctl_group *g)
{
	struct hv_error err = {0};
	bool v2 = layout->controller[CGCTL_CPU].v2;
	char path[PATH_MAX + 120], buf[256], parent_cpus[256];
	uint64_t v = 0, quota = 0, period = 0;
	int r;

	r = cgctl_set_cpu_weight(g, 50, E);
	CHECK_INT(r, 0, "set cpu weight 50 (%s)", err.message);
	CHECK(cgctl_get_cpu_weight(g, &v, E) == 0 && v == 50, "cpu weight reads back 50 (%llu)",
	      (unsigned long long)v);
	snprintf(path, sizeof(path), "%s/%s", dirs[CGCTL_CPU], v2 ? "cpu.weight" : "cpu.shares");
	CHECK(slurp(path, buf, sizeof(buf)) == 0 && strcmp(buf, v2 ? "50\n" : "512\n") == 0, "%s holds %s",
	      path, v2 ? "50" : "512");
	CHECK(cgctl_set_cpu_weight(g, 33, E) == 0 && cgctl_get_cpu_weight(g, &v, E) == 0 && v == 33,
	      "cpu weight 33 round-trips (%llu)", (unsigned long long)v);
	CHECK(cgctl_set_cpu_weight(g, 0, E) == -ERANGE, "cpu weight 0 is ERANGE (%s)", err.message);

	r = cgctl_set_cpu_quota(g, 50000, 100000, E);
	CHECK_INT(r, 0, "set cpu quota 50000/100000 (%s)", err.message);
	CHECK(cgctl_get_cpu_quota(g, &quota, &period, E) == 0 && quota == 50000 && period == 100000,
	      "cpu quota reads back (%llu/%llu)", (unsigned long long)quota, (unsigned long long)period);
	snprintf(path, sizeof(path), "%s/%s", dirs[CGCTL_CPU], v2 ? "cpu.max" : "cpu.cfs_quota_us");
	CHECK(slurp(path, buf, sizeof(buf)) == 0 && strcmp(buf, v2 ? "50000 100000\n" : "50000\n") == 0,
	      "%s holds the quota", path);
	r = cgctl_set_cpu_quota(g, CGCTL_UNLIMITED, 100000, E);
	CHECK(r == 0 && slurp(path, buf, sizeof(buf)) == 0 && strcmp(buf, v2 ? "max 100000\n" : "-1\n") == 0,
	      "cpu quota back to unlimited (%s)", err.message);
	CHECK(cgctl_get_cpu_quota(g, &quota, &period, E) == 0 && quota == CGCTL_UNLIMITED,
	      "unlimited quota reads back as CGCTL_UNLIMITED");
	CHECK(cgctl_set_cpu_quota(g, 50000, 10, E) == -ERANGE, "a 10 us period is ERANGE (%s)", err.message);

	snprintf(path, sizeof(path), "%s/cpuset.cpus", layout->controller[CGCTL_CPUSET].mount);
	CHECK(slurp(path, parent_cpus, sizeof(parent_cpus)) == 0, "read the root's cpuset.cpus");
	parent_cpus[strcspn(parent_cpus, "\n")] = '\0';
	CHECK(cgctl_get_cpuset(g, buf, sizeof(buf), E) == 0 && strcmp(buf, parent_cpus) == 0,
	      "a new group has its parent's cpus (%s, want %s)", buf, parent_cpus);
	r = cgctl_set_cpuset(g, "0", E);
	CHECK_INT(r, 0, "set cpuset 0 (%s)", err.message);
	snprintf(path, sizeof(path), "%s/cpuset.cpus", dirs[CGCTL_CPUSET]);
	CHECK(slurp(path, buf, sizeof(buf)) == 0 && strcmp(buf, "0\n") == 0, "%s holds 0", path);
	CHECK(cgctl_set_cpuset(g, "zero", E) == -EINVAL, "cpuset 'zero' is EINVAL (%s)", err.message);
	r = cgctl_set_cpuset(g, parent_cpus, E);
	CHECK(r == 0 && cgctl_get_cpuset(g, buf, sizeof(buf), E) == 0 && strcmp(buf, parent_cpus) == 0,
	      "cpuset back to %s (%s)", parent_cpus, err.message);
}

static void test_lifecycle(const struct cgctl_layout *layout)
{
	struct hv_error err = {0};
	struct cgctl_group *g;
	char name[64], buf[256], path[PATH_MAX + 120];
	uint64_t v = 0, cpu = 0;
	bool frozen = true;
	int go = -1, done = -1, r;

	snprintf(name, sizeof(name), "hvfs-test-%d-%lx", (int)getpid(), (unsigned long)time(NULL));
	/* Known before create, so that cleanup() covers a create that fails
	 * half-way. */
	for (int c = 0; c < CGCTL_NCONTROLLERS; c++)
		if (layout->controller[c].present)
			snprintf(dirs[c], sizeof(dirs[c]), "%s/%s", layout->controller[c].mount, name);
	if (layout->unified[0])
		snprintf(dirs[CGCTL_NCONTROLLERS], sizeof(dirs[0]), "%s/%s", layout->unified, name);
	if (layout->controller[CGCTL_FREEZER].present && !layout->controller[CGCTL_FREEZER].v2)
		snprintf(freezer_state, sizeof(freezer_state), "%s/freezer.state", dirs[CGCTL_FREEZER]);
	else if (layout->unified[0])
		snprintf(unified_freeze, sizeof(unified_freeze), "%s/cgroup.freeze",
			 dirs[CGCTL_NCONTROLLERS]);

	g = cgctl_group_create(layout, "/", name, E);
	CHECK(g != NULL, "create cgroup %s (%s)", name, err.message);
	if (!g)
		return;
	for (int c = 0; c < CGCTL_NCONTROLLERS; c++)
		if (layout->controller[c].present)
			CHECK(dir_exists(cgctl_group_path(g, c)) &&
				  strcmp(cgctl_group_path(g, c), dirs[c]) == 0,
			      "%s directory %s exists", cgctl_controller_name(c), dirs[c]);
	if (layout->unified[0])
		CHECK(dir_exists(cgctl_group_unified_path(g)), "unified directory %s exists",
		      dirs[CGCTL_NCONTROLLERS]);

	/* A restarted hvfs re-creates the group it finds. */
	struct cgctl_group *again = cgctl_group_create(layout, "", name, E);
	CHECK(again != NULL, "creating an existing group succeeds (%s)", err.message);
	cgctl_group_destroy(again);

	child_pid = spawn_child(&go, &done);
	CHECK(child_pid > 0, "fork a child");
	if (child_pid <= 0)
		goto out;
	r = cgctl_group_attach(g, child_pid, E);
	CHECK_INT(r, 0, "attach the child (%s)", err.message);
	for (int c = 0; c < CGCTL_NCONTROLLERS; c++)
		if (layout->controller[c].present && !layout->controller[c].v2)
			CHECK(proc_in_cgroup(child_pid, cgctl_controller_name(c), name),
			      "/proc/PID/cgroup puts the child in %s:/%s", cgctl_controller_name(c), name);
	if (layout->unified[0])
		CHECK(proc_in_cgroup(child_pid, NULL, name), "/proc/PID/cgroup puts the child in 0::/%s",
		      name);

	/* Let the child use memory and cpu inside the group. */
	CHECK(write(go, "x", 1) == 1 && read(done, buf, 1) == 1, "the child touched its memory");

	r = cgctl_pids_current(g, &v, E);
	CHECK(r == 0 && v == 1, "pids.current is 1 (r=%d v=%llu %s)", r, (unsigned long long)v, err.message);
	r = cgctl_memory_usage(g, &v, E);
	CHECK(r == 0 && v >= (4 << 20), "memory usage %llu >= 4 MiB (%s)", (unsigned long long)v,
	      err.message);
	r = cgctl_cpu_usage(g, &cpu, E);
	CHECK(r == 0 && cpu > 0, "cpu usage %llu ns > 0 (%s)", (unsigned long long)cpu, err.message);

	/* Limits, read back through cgroupctl and through the file. */
	r = cgctl_set_memory_limit(g, 256 << 20, E);
	CHECK_INT(r, 0, "set memory limit 256 MiB (%s)", err.message);
	r = cgctl_get_memory_limit(g, &v, E);
	CHECK(r == 0 && v == 256 << 20, "memory limit reads back 256 MiB (%llu)", (unsigned long long)v);
	snprintf(path, sizeof(path), "%s/%s", dirs[CGCTL_MEMORY],
		 layout->controller[CGCTL_MEMORY].v2 ? "memory.max" : "memory.limit_in_bytes");
	CHECK(slurp(path, buf, sizeof(buf)) == 0 && strtoull(buf, NULL, 10) == 256 << 20,
	      "%s holds 268435456", path);
	r = cgctl_set_memory_limit(g, CGCTL_UNLIMITED, E);
	CHECK(r == 0 && cgctl_get_memory_limit(g, &v, E) == 0 && v == CGCTL_UNLIMITED,
	      "memory limit back to unlimited (%s)", err.message);

	r = cgctl_set_pids_limit(g, 16, E);
	CHECK_INT(r, 0, "set pids limit 16 (%s)", err.message);
	snprintf(path, sizeof(path), "%s/pids.max", dirs[CGCTL_PIDS]);
	CHECK(cgctl_get_pids_limit(g, &v, E) == 0 && v == 16 && slurp(path, buf, sizeof(buf)) == 0 &&
		  strcmp(buf, "16\n") == 0,
	      "pids limit reads back 16, and pids.max holds it");
	r = cgctl_set_pids_limit(g, CGCTL_UNLIMITED, E);
	CHECK(r == 0 && slurp(path, buf, sizeof(buf)) == 0 && strcmp(buf, "max\n") == 0,
	      "pids limit back to max (%s)", err.message);
	r = cgctl_set_pids_limit(g, (uint64_t)1 << 40, E);
	CHECK(r == -ERANGE, "an absurd pids limit is ERANGE (%s)", err.message);
	hv_error_clear(E);

	test_cpu_tunables(layout, g);

	/* Removing a group with a process in it must refuse, not evict. */
	r = cgctl_group_remove(g, E);
	CHECK(r == -EBUSY && dir_exists(dirs[CGCTL_MEMORY]) && proc_in_cgroup(child_pid, "memory", name),
	      "remove with a process inside is EBUSY and changes nothing (%s)", err.message);
	hv_error_clear(E);

	/* Freeze: the kernel's view, not just cgroupctl's. */
	r = cgctl_freeze(g, E);
	CHECK_INT(r, 0, "freeze (%s)", err.message);
	CHECK(cgctl_is_frozen(g, &frozen, E) == 0 && frozen, "cgroupctl says frozen");
	if (freezer_state[0]) {
		CHECK(slurp(freezer_state, buf, sizeof(buf)) == 0 && strcmp(buf, "FROZEN\n") == 0,
		      "freezer.state says FROZEN");
		CHECK(proc_state(child_pid) == 'D', "the frozen child is in state D (got %c)",
		      proc_state(child_pid));
	} else {
		snprintf(path, sizeof(path), "%s/cgroup.events", dirs[CGCTL_NCONTROLLERS]);
		CHECK(slurp(path, buf, sizeof(buf)) == 0 && strstr(buf, "frozen 1"),
		      "cgroup.events says frozen 1");
	}
	/* Proves the worst case of cleanup by hand: dying with the child
	 * frozen must still leave nothing behind. */
	if (getenv("HVFS_TEST_DIE_FROZEN"))
		raise(SIGTERM);
	r = cgctl_thaw(g, E);
	CHECK_INT(r, 0, "thaw (%s)", err.message);
	CHECK(cgctl_is_frozen(g, &frozen, E) == 0 && !frozen, "cgroupctl says thawed");
	if (freezer_state[0])
		CHECK(slurp(freezer_state, buf, sizeof(buf)) == 0 && strcmp(buf, "THAWED\n") == 0,
		      "freezer.state says THAWED");
	/* Waking from the freezer passes through R; give it a moment. */
	for (int i = 0; i < 100 && proc_state(child_pid) != 'S'; i++)
		usleep(10000);
	CHECK(proc_state(child_pid) == 'S', "the thawed child sleeps again (state %c)",
	      proc_state(child_pid));

	kill(child_pid, SIGKILL);
	CHECK(waitpid(child_pid, NULL, 0) == child_pid, "the child is killed and reaped");
	child_pid = -1;

	r = cgctl_group_remove(g, E);
	CHECK_INT(r, 0, "remove the empty group (%s)", err.message);
	bool gone = true;
	for (int i = 0; i <= CGCTL_NCONTROLLERS; i++)
		if (dirs[i][0] && dir_exists(dirs[i])) {
			printf("# left behind: %s\n", dirs[i]);
			gone = false;
		}
	CHECK(gone, "no directory of the group is left");
	r = cgctl_group_remove(g, E);
	CHECK_INT(r, 0, "removing again is a no-op (%s)", err.message);
	r = cgctl_pids_current(g, &v, E);
	CHECK(r == -ENOENT, "reading a removed group is ENOENT (%d)", r);
out:
	if (go >= 0)
		close(go);
	if (done >= 0)
		close(done);
	cgctl_group_destroy(g);
}

/* This hybrid host binds every controller hvfs uses to v1, so the v2 code
 * paths run here only on the unified hierarchy alone: a layout with the
 * v1 controllers hidden is what a pure v2 host without controllers
 * enabled looks like.  Creation, attach, cgroup.freeze, cpu.stat and
 * removal are v2-only paths; limits must say ENOTSUP, not pretend. */
static void test_unified_only(const struct cgctl_layout *layout)
{
	struct hv_error err = {0};
	struct cgctl_layout l2 = *layout;
	struct cgctl_group *g;
	char name[64], path[PATH_MAX + 120], buf[256];
	uint64_t v = 0;
	bool frozen = false;
	int go = -1, done = -1, r;

	CHECK(layout->unified[0], "the host has a cgroup2 hierarchy");
	if (!layout->unified[0])
		return;
	for (int c = 0; c < CGCTL_NCONTROLLERS; c++)
		if (!l2.controller[c].v2)
			l2.controller[c].present = false;
	l2.mode = CGCTL_V2;
	snprintf(name, sizeof(name), "hvfs-test-v2-%d-%lx", (int)getpid(), (unsigned long)time(NULL));
	snprintf(v2_dir, sizeof(v2_dir), "%s/%s", layout->unified, name);
	snprintf(v2_freeze, sizeof(v2_freeze), "%s/cgroup.freeze", v2_dir);

	g = cgctl_group_create(&l2, "", name, E);
	CHECK(g && dir_exists(v2_dir), "create unified-only cgroup %s (%s)", name, err.message);
	if (!g)
		return;
	child_pid = spawn_child(&go, &done);
	CHECK(child_pid > 0, "fork a second child");
	if (child_pid <= 0)
		goto out;
	r = cgctl_group_attach(g, child_pid, E);
	CHECK(r == 0 && proc_in_cgroup(child_pid, NULL, name), "attach puts the child in 0::/%s (%s)", name,
	      err.message);
	CHECK(write(go, "x", 1) == 1 && read(done, buf, 1) == 1, "the second child touched its memory");
	r = cgctl_cpu_usage(g, &v, E);
	CHECK(r == 0 && v > 0, "cpu usage from cpu.stat %llu ns > 0 (%s)", (unsigned long long)v,
	      err.message);
	CHECK(cgctl_set_memory_limit(g, 1 << 30, E) == -ENOTSUP,
	      "a memory limit without the controller is ENOTSUP (%s)", err.message);
	CHECK(cgctl_pids_current(g, &v, E) == -ENOTSUP, "pids without the controller is ENOTSUP (%s)",
	      err.message);

	r = cgctl_freeze(g, E);
	CHECK_INT(r, 0, "freeze through cgroup.freeze (%s)", err.message);
	snprintf(path, sizeof(path), "%s/cgroup.events", v2_dir);
	CHECK(slurp(path, buf, sizeof(buf)) == 0 && strstr(buf, "frozen 1"), "cgroup.events says frozen 1");
	CHECK(cgctl_is_frozen(g, &frozen, E) == 0 && frozen, "cgroupctl says frozen");
	r = cgctl_thaw(g, E);
	CHECK(r == 0 && slurp(path, buf, sizeof(buf)) == 0 && strstr(buf, "frozen 0"),
	      "thaw: cgroup.events says frozen 0 (%s)", err.message);

	kill(child_pid, SIGKILL);
	CHECK(waitpid(child_pid, NULL, 0) == child_pid, "the second child is killed and reaped");
	child_pid = -1;
	r = cgctl_group_remove(g, E);
	CHECK(r == 0 && !dir_exists(v2_dir), "remove the unified-only group (%s)", err.message);
out:
	if (go >= 0)
		close(go);
	if (done >= 0)
		close(done);
	cgctl_group_destroy(g);
}

int main(void)
{
	struct cgctl_layout layout;

	atexit(cleanup);
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	signal(SIGSEGV, on_signal);
	signal(SIGABRT, on_signal);

	CHECK(geteuid() == 0, "runs as root (cgroups need it; this test does not skip)");
	if (geteuid() != 0)
		return UNIT_DONE();
	test_detect(&layout);
	test_bad_arguments(&layout);
	test_lifecycle(&layout);
	test_unified_only(&layout);
	cleanup();
	return UNIT_DONE();
}
