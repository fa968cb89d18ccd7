/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* cgroupctl_procs.c against the real cgroup filesystem (needs root): the
 * process listing, signalling and killing the container driver's destroy
 * relies on, and the OOM kill count that tells an OOM kill from another
 * SIGKILL.  Each claim is checked through /proc and waitpid, not through
 * cgroupctl.  The group and the children are gone at exit, pass or fail. */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "cgroupctl/cgroupctl.h"
#include "tests/unit/unit.h"

#define CHILDREN 3

static pid_t children[CHILDREN + 1];
static struct cgctl_group *group, *parent;

static void cleanup(void)
{
	if (group) {
		cgctl_group_kill_all(group, 2000, NULL);
		for (int i = 0; i <= CHILDREN; i++)
			if (children[i] > 0)
				waitpid(children[i], NULL, 0);
		cgctl_group_remove(group, NULL);
		cgctl_group_destroy(group);
		group = NULL;
	}
	if (parent) {
		cgctl_group_remove(parent, NULL);
		cgctl_group_destroy(parent);
		parent = NULL;
	}
}

static pid_t spawn_sleeper(void)
{
	pid_t pid = fork();

	if (pid == 0) {
		for (;;)
			pause();
	}
	return pid;
}

static bool listed(const pid_t *pids, size_t count, pid_t pid)
{
	for (size_t i = 0; i < count; i++)
		if (pids[i] == pid)
			return true;
	return false;
}

static void test_pids_and_signal(void)
{
	pid_t *pids = NULL;
	size_t count = 99, signalled = 0;
	int status = 0;

	CHECK_INT(cgctl_group_pids(group, &pids, &count, NULL), 0, "pids: an empty group lists");
	CHECK_INT(count, 0, "pids: nothing in a new group");
	free(pids);

	for (int i = 0; i < CHILDREN; i++) {
		children[i] = spawn_sleeper();
		CHECK_INT(cgctl_group_attach(group, children[i], NULL), 0, "pids: child %d attached", i);
	}
	CHECK_INT(cgctl_group_pids(group, &pids, &count, NULL), 0, "pids: listed");
	CHECK_INT(count, CHILDREN, "pids: every child, nothing else");
	for (int i = 0; i < CHILDREN; i++)
		CHECK(listed(pids, count, children[i]), "pids: child %d (pid %d) is listed", i,
		      (int)children[i]);
	CHECK(!listed(pids, count, getpid()), "pids: this process is not");
	free(pids);

	/* SIGTERM reaches every one of them: each dies of it. */
	CHECK_INT(cgctl_group_signal(group, SIGTERM, &signalled, NULL), 0, "signal: sent");
	CHECK_INT(signalled, CHILDREN, "signal: to every process");
	for (int i = 0; i < CHILDREN; i++) {
		CHECK_INT(waitpid(children[i], &status, 0), children[i], "signal: child %d reaped", i);
		CHECK(WIFSIGNALED(status) && WTERMSIG(status) == SIGTERM, "signal: child %d died of SIGTERM",
		      i);
		children[i] = 0;
	}
	CHECK_INT(cgctl_group_pids(group, &pids, &count, NULL), 0, "pids: listed after");
	CHECK_INT(count, 0, "pids: the dead are not listed");
	free(pids);
}

static void test_kill_all_frozen(void)
{
	pid_t *pids = NULL;
	size_t count = 99;
	int status = 0;

	for (int i = 0; i < CHILDREN; i++) {
		children[i] = spawn_sleeper();
		cgctl_group_attach(group, children[i], NULL);
	}
	CHECK_INT(cgctl_freeze(group, NULL), 0, "kill_all: group frozen first");
	CHECK_INT(cgctl_group_kill_all(group, 2000, NULL), 0, "kill_all: a frozen group empties");
	CHECK_INT(cgctl_group_pids(group, &pids, &count, NULL), 0, "kill_all: listed");
	CHECK_INT(count, 0, "kill_all: nothing left");
	free(pids);
	for (int i = 0; i < CHILDREN; i++) {
		CHECK_INT(waitpid(children[i], &status, 0), children[i], "kill_all: child %d reaped", i);
		CHECK(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL,
		      "kill_all: child %d died of SIGKILL", i);
		children[i] = 0;
	}
	cgctl_thaw(group, NULL);
	CHECK_INT(cgctl_group_remove(group, NULL), 0, "kill_all: then the group can go");
	cgctl_group_destroy(group);
	group = NULL;
}

static void test_oom_kills(const struct cgctl_layout *layout, const char *parent_name)
{
	struct hv_error err = {0};
	uint64_t before = 99, after = 0;
	int status = 0, pipefd[2];
	char go;

	group = cgctl_group_create(layout, parent_name, "oom", &err);
	CHECK(group != NULL, "oom: group made (%s)", err.message);
	if (!group)
		return;
	CHECK_INT(cgctl_oom_kills(group, &before, &err), 0, "oom: counted (%s)", err.message);
	CHECK_INT(before, 0, "oom: none in a new group");
	CHECK_INT(cgctl_set_memory_limit(group, 8 << 20, NULL), 0, "oom: 8 MiB limit");
	if (pipe(pipefd) < 0)
		return;
	children[CHILDREN] = fork();
	if (children[CHILDREN] == 0) {
		/* Wait until placed, then touch 64 MiB. */
		if (read(pipefd[0], &go, 1) != 1)
			_exit(2);
		size_t size = 64 << 20;
		char *p = malloc(size);
		for (size_t i = 0; p && i < size; i += 4096)
			p[i] = 1;
		_exit(0);
	}
	close(pipefd[0]);
	CHECK_INT(cgctl_group_attach(group, children[CHILDREN], NULL), 0, "oom: child attached");
	if (write(pipefd[1], "g", 1) != 1)
		return;
	close(pipefd[1]);
	waitpid(children[CHILDREN], &status, 0);
	children[CHILDREN] = 0;
	CHECK(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL, "oom: the child was SIGKILLed");
	CHECK_INT(cgctl_oom_kills(group, &after, NULL), 0, "oom: counted after");
	CHECK_INT(after, before + 1, "oom: one OOM kill counted");
}

int main(void)
{
	struct cgctl_layout layout;
	struct hv_error err = {0};
	char parent_name[64];

	if (geteuid() != 0) {
		printf("1..0 # SKIP needs root for the cgroup filesystem\n");
		return 0;
	}
	atexit(cleanup);
	snprintf(parent_name, sizeof(parent_name), "hvfs-unit-procs-%d", (int)getpid());
	CHECK_INT(cgctl_detect(&layout, &err), 0, "layout detected (%s)", err.message);
	parent = cgctl_group_create(&layout, "", parent_name, &err);
	CHECK(parent != NULL, "parent group made (%s)", err.message);
	if (!parent)
		return UNIT_DONE();
	group = cgctl_group_create(&layout, parent_name, "procs", &err);
	CHECK(group != NULL, "group made (%s)", err.message);
	if (!group)
		return UNIT_DONE();
	test_pids_and_signal();
	test_kill_all_frozen();
	test_oom_kills(&layout, parent_name);
	cleanup();
	return UNIT_DONE();
}
