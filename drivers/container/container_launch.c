/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Starting a container: the process dance, kept apart because everything
 * between fork() and exec() is special (only async-signal-safe calls: hvfs
 * is multi-threaded, so malloc, locks and stdio are off limits there).
 *
 *   hvfs ──fork──> intermediate ──fork──> supervisor ──fork (new pid ns)──> init
 *                  (exits at once,        (setsid; waits for init and      (waits for "go",
 *                   reaped by hvfs)        writes NAME.exit; not in the     unshares mount, UTS,
 *                                          container's cgroup)              IPC [, net], execs)
 *
 * The intermediate's exit makes the supervisor an orphan adopted by the
 * system's init (or a subreaper), so containers outlive hvfs; the supervisor
 * survives a destroy, which kills only the cgroup, so the exit status is
 * always recorded.  init runs none of its own code before hvfs has put it in
 * the domain's cgroup: it blocks on the "go" pipe until then.
 *
 * The report pipe carries, from the supervisor, its pid and init's (or a
 * negative errno), then from init a positive errno if exec failed; it is
 * close-on-exec in init, so EOF after the pids means init is running its
 * program. */
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "drivers/container/container_private.h"
#include "util/cleanup.h"
#include "util/log.h"

/* Fixed descriptors in the children, after close_range. */
enum { FD_REPORT = 3, FD_GO = 4, FD_FIRST_FREE = 5 };

/* hvfs mounts the container must not see (a container on the host's root
 * would otherwise find the daemon's control files, and would keep the
 * mounts alive after hvfs unmounts them). */
#define HIDDEN_MOUNTS_MAX 32

/* Everything the children need, prepared before fork (no malloc after). */
struct launch_plan {
	char (*hidden)[PATH_MAX];
	unsigned hidden_count;
	const char *hostname;
	const char *root; /* "" = the host's */
	const char *init;
	char *const *argv;
	const char *exit_path, *exit_tmp, *log_path;
	int namespaces;
};

static void write_all(int fd, const void *data, size_t len)
{
	const char *p = data;

	while (len > 0) {
		ssize_t n = write(fd, p, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return;
		p += n;
		len -= (size_t)n;
	}
}

static bool read_all(int fd, void *data, size_t len)
{
	char *p = data;

	while (len > 0) {
		ssize_t n = read(fd, p, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return false;
		p += n;
		len -= (size_t)n;
	}
	return true;
}

/* Decimal of a non-negative or negative int, async-signal-safe. */
static size_t format_int(int value, char *out)
{
	char digits[16];
	size_t n = 0, len = 0;
	unsigned magnitude = value < 0 ? -(unsigned)value : (unsigned)value;

	do {
		digits[n++] = (char)('0' + magnitude % 10);
		magnitude /= 10;
	} while (magnitude);
	if (value < 0)
		out[len++] = '-';
	while (n)
		out[len++] = digits[--n];
	out[len++] = '\n';
	return len;
}

static void reset_signals(void)
{
	sigset_t none;

	/* hvfs ignores SIGPIPE and its threads block signals; exec keeps
	 * both, so the container would inherit them. */
	for (int sig = 1; sig < NSIG; sig++)
		if (sig != SIGKILL && sig != SIGSTOP)
			signal(sig, SIG_DFL);
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
}

static __attribute__((noreturn)) void init_fail(int code)
{
	write_all(FD_REPORT, &code, sizeof(code));
	_exit(127);
}

static __attribute__((noreturn)) void run_init(const struct launch_plan *plan)
{
	static char *const envp[] = {"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
				     "container=lxc", "TERM=linux", NULL};
	char go;

	if (!read_all(FD_GO, &go, 1))
		_exit(127); /* hvfs gave up (or died) before placing us */
	close(FD_GO);
	fcntl(FD_REPORT, F_SETFD, FD_CLOEXEC);
	if (unshare(plan->namespaces) < 0)
		init_fail(errno);
	/* Nothing mounted from here on may leak to the host. */
	if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0)
		init_fail(errno);
	/* Innermost first; one that is gone already is no matter. */
	for (unsigned i = plan->hidden_count; i-- > 0;)
		umount2(plan->hidden[i], MNT_DETACH);
	if (plan->root[0] && (chdir(plan->root) < 0 || chroot(".") < 0))
		init_fail(errno);
	/* A /proc of the new pid namespace; a root without /proc goes without. */
	mount("proc", "/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL);
	if (sethostname(plan->hostname, strlen(plan->hostname)) < 0)
		init_fail(errno);
	if (chdir("/") < 0)
		init_fail(errno);
	setsid();
	reset_signals();
	execve(plan->init, plan->argv, envp);
	init_fail(errno);
}

static __attribute__((noreturn)) void run_supervisor(const struct launch_plan *plan)
{
	int ids[2] = {getpid(), 0}, status = 0, fd;
	char text[16];
	pid_t init;

	/* Only SIGKILL should end the one process that records how init
	 * ended; ps shows it by name rather than as a second hvfs. */
	signal(SIGHUP, SIG_IGN);
	signal(SIGINT, SIG_IGN);
	signal(SIGTERM, SIG_IGN);
	signal(SIGPIPE, SIG_IGN);
	prctl(PR_SET_NAME, "hvfs-lxc-sv", 0, 0, 0);

	if (unshare(CLONE_NEWPID) < 0) {
		ids[1] = -errno;
		write_all(FD_REPORT, ids, sizeof(ids));
		_exit(1);
	}
	init = fork();
	if (init == 0)
		run_init(plan);
	ids[1] = init < 0 ? -errno : init;
	write_all(FD_REPORT, ids, sizeof(ids));
	close(FD_REPORT);
	close(FD_GO);
	if (init < 0)
		_exit(1);
	while (waitpid(init, &status, 0) < 0)
		if (errno != EINTR) {
			status = -1;
			break;
		}
	/* Written under a temporary name and renamed, so hvfs reads a whole
	 * status or none. */
	fd = open(plan->exit_tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd >= 0) {
		write_all(fd, text, format_int(status, text));
		fsync(fd);
		close(fd);
		rename(plan->exit_tmp, plan->exit_path);
	}
	_exit(0);
}

static __attribute__((noreturn)) void run_intermediate(const struct launch_plan *plan, int report, int go)
{
	int null;
	pid_t pid;

	/* Fixed numbers for the pipes, and nothing else of hvfs's (above all
	 * not /dev/fuse). */
	/* Up out of the way first: report may be 4 and go 3, and dup2
	 * straight down would overwrite one with the other. */
	report = fcntl(report, F_DUPFD, FD_FIRST_FREE + 5);
	go = fcntl(go, F_DUPFD, FD_FIRST_FREE + 5);
	if (report < 0 || go < 0 || dup2(report, FD_REPORT) < 0 || dup2(go, FD_GO) < 0)
		_exit(1);
	close_range(FD_FIRST_FREE, ~0U, 0);
	null = open("/dev/null", O_RDWR);
	if (null >= 0) {
		dup2(null, 0);
		dup2(null, 1);
		dup2(null, 2);
		if (null > 2)
			close(null);
	}
	int log = open(plan->log_path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
	if (log >= 0) {
		dup2(log, 1);
		dup2(log, 2);
		close(log);
	}
	setsid();
	pid = fork();
	if (pid == 0)
		run_supervisor(plan);
	_exit(pid < 0 ? 1 : 0);
}

/* mountinfo escapes blanks, tabs, newlines and backslashes as \ooo. */
static void unescape_mountinfo(char *s)
{
	char *out = s;

	for (; *s; s++) {
		if (s[0] == '\\' && s[1] >= '0' && s[1] <= '3' && s[2] >= '0' && s[2] <= '7' && s[3] >= '0' &&
		    s[3] <= '7') {
			*out++ = (char)((s[1] - '0') * 64 + (s[2] - '0') * 8 + (s[3] - '0'));
			s += 3;
		} else {
			*out++ = *s;
		}
	}
	*out = '\0';
}

/* The mount points of every hvfs in this mount namespace. */
static unsigned find_hvfs_mounts(char (*out)[PATH_MAX])
{
	auto_fclose FILE *file = fopen("/proc/self/mountinfo", "re");
	auto_free char *line = NULL;
	size_t size = 0;
	unsigned count = 0;

	while (file && count < HIDDEN_MOUNTS_MAX && getline(&line, &size, file) > 0) {
		char point[PATH_MAX], fstype[64];
		const char *sep = strstr(line, " - ");

		/* ID PARENT MAJ:MIN ROOT POINT OPTIONS [TAGS...] - FSTYPE SOURCE ... */
		if (!sep || sscanf(sep + 3, "%63s", fstype) != 1 || strcmp(fstype, "fuse.hvfs") != 0)
			continue;
		if (sscanf(line, "%*s %*s %*s %*s %4095s", point) != 1)
			continue;
		unescape_mountinfo(point);
		memcpy(out[count++], point, sizeof(point));
	}
	return count;
}

int container_launch(struct container_launch *launch, struct hv_error *err)
{
	auto_free char(*hidden)[PATH_MAX] = calloc(HIDDEN_MOUNTS_MAX, PATH_MAX);
	const struct container_spec *spec = launch->spec;
	char *argv[CONTAINER_INITARGS_MAX + 2];
	char exit_tmp[PATH_MAX], log_path[PATH_MAX];
	int report[2] = {-1, -1}, go[2] = {-1, -1}, ids[2], status, code, ret;
	pid_t first;

	argv[0] = (char *)spec->init;
	for (unsigned i = 0; i < spec->initarg_count; i++)
		argv[i + 1] = spec->initargs[i];
	argv[spec->initarg_count + 1] = NULL;
	snprintf(exit_tmp, sizeof(exit_tmp), "%s.tmp", launch->exit_path);
	snprintf(log_path, sizeof(log_path), "%.*s.log", (int)(strlen(launch->exit_path) - strlen(".exit")),
		 launch->exit_path);
	if (!hidden)
		return hv_error_set(err, ENOMEM, "out of memory");
	struct launch_plan plan = {
	    .hidden = hidden,
	    .hidden_count = find_hvfs_mounts(hidden),
	    .hostname = launch->name,
	    .root = spec->root,
	    .init = spec->init,
	    .argv = argv,
	    .exit_path = launch->exit_path,
	    .exit_tmp = exit_tmp,
	    .log_path = log_path,
	    .namespaces =
		CLONE_NEWNS | CLONE_NEWUTS | CLONE_NEWIPC | (spec->private_network ? CLONE_NEWNET : 0),
	};
	unlink(launch->exit_path);

	if (pipe2(report, O_CLOEXEC) < 0 || pipe2(go, O_CLOEXEC) < 0) {
		ret = hv_error_set(err, errno, "cannot make a pipe: %s", strerror(errno));
		goto out;
	}
	first = fork();
	if (first < 0) {
		ret = hv_error_set(err, errno, "cannot fork: %s", strerror(errno));
		goto out;
	}
	if (first == 0)
		run_intermediate(&plan, report[1], go[0]);
	close(report[1]);
	close(go[0]);
	report[1] = go[0] = -1;
	while (waitpid(first, &status, 0) < 0 && errno == EINTR)
		;
	if (!read_all(report[0], ids, sizeof(ids))) {
		ret = hv_error_set(err, EIO, "the container's supervisor did not start");
		goto out;
	}
	if (ids[1] < 0) {
		ret =
		    hv_error_set(err, -ids[1], "cannot start the container's init in a new pid namespace: %s",
				 strerror(-ids[1]));
		goto out;
	}
	launch->supervisor_pid = ids[0];
	launch->init_pid = ids[1];
	ret = cgctl_group_attach(launch->group, launch->init_pid, err);
	if (ret < 0) {
		kill(launch->init_pid, SIGKILL);
		goto out;
	}
	if (write(go[1], "g", 1) != 1) {
		ret = hv_error_set(err, EIO, "init of the container went away before it started");
		kill(launch->init_pid, SIGKILL);
		goto out;
	}
	close(go[1]);
	go[1] = -1;
	/* EOF: exec worked.  A number: why it did not (init has exited 127). */
	if (read_all(report[0], &code, sizeof(code))) {
		ret = hv_error_set(err, code > 0 ? code : EIO, "cannot run %s in the container: %s",
				   spec->init, strerror(code > 0 ? code : EIO));
		goto out;
	}
	ret = 0;
out:
	for (int i = 0; i < 2; i++) {
		if (report[i] >= 0)
			close(report[i]);
		if (go[i] >= 0)
			close(go[i]);
	}
	return ret;
}
