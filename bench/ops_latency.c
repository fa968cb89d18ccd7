/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* ops_latency OP N PATH...: times one syscall sequence N times on each
 * PATH, alternating between the paths iteration by iteration, so that the
 * subjects share whatever load the machine has at that moment.
 *
 *   read     open, read to the end, close (a state file, metrics)
 *   stat     stat(2)
 *   list     open the directory, getdents64 to the end, close
 *   control  open O_WRONLY|O_TRUNC, write "suspend\n" or "resume\n"
 *            (alternately, per path), close
 *   replace  what configuration tools do: write a temporary file next to
 *            the target with the target's content, rename it over the target
 *   exec     run the command after "--" (its output to /dev/null); one
 *            sample per process, for references that are processes (virsh)
 *   mount    MNT LOCKDIR -- CMD...: run CMD (a daemonizing hvfs that returns
 *            once mounted), stat MNT/domains; the time from exec to the
 *            answer; then unmount MNT and wait for the daemon to let go of
 *            LOCKDIR (the test driver holds a flock on its state directory)
 *
 * Prints one line per subject, in the order given:
 *   median_us p99_us samples
 * A failing operation ends the run with a message on stderr and status 1:
 * a benchmark that silently times errors would lie. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define BUF_SIZE     (4u << 20)
#define MAX_SUBJECTS 8

static char *buf;

static double now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e6 + (double)ts.tv_nsec / 1e3;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

static void report(double *v, int n)
{
	qsort(v, (size_t)n, sizeof(*v), cmp_double);
	int p99 = (int)(n * 0.99);
	if (p99 >= n)
		p99 = n - 1;
	printf("%.1f %.1f %d\n", n ? v[n / 2] : 0, n ? v[p99] : 0, n);
}

static int fail(const char *what, const char *path)
{
	fprintf(stderr, "ops_latency: %s %s: %s\n", what, path, strerror(errno));
	return -1;
}

static int op_read(const char *path)
{
	int fd = open(path, O_RDONLY);
	ssize_t n;

	if (fd < 0)
		return fail("open", path);
	while ((n = read(fd, buf, 131072)) > 0)
		;
	close(fd);
	return n < 0 ? fail("read", path) : 0;
}

static int op_stat(const char *path)
{
	struct stat st;

	return stat(path, &st) < 0 ? fail("stat", path) : 0;
}

static int op_list(const char *path)
{
	int fd = open(path, O_RDONLY | O_DIRECTORY);
	long n;

	if (fd < 0)
		return fail("opendir", path);
	while ((n = syscall(SYS_getdents64, fd, buf, 65536)) > 0)
		;
	close(fd);
	return n < 0 ? fail("getdents64", path) : 0;
}

static int op_control(const char *path, int iteration)
{
	const char *word = iteration % 2 ? "resume\n" : "suspend\n";
	int fd = open(path, O_WRONLY | O_TRUNC);

	if (fd < 0)
		return fail("open", path);
	if (write(fd, word, strlen(word)) < 0) {
		close(fd);
		return fail("write", path);
	}
	return close(fd) < 0 ? fail("close", path) : 0;
}

/* The content each replace writes back: the target's own, read once. */
static struct {
	char *data;
	size_t len;
} contents[MAX_SUBJECTS];

static int load_content(int i, const char *path)
{
	int fd = open(path, O_RDONLY);
	ssize_t n;
	size_t len = 0;

	if (fd < 0)
		return fail("open", path);
	while ((n = read(fd, buf + len, BUF_SIZE - len)) > 0)
		len += (size_t)n;
	close(fd);
	if (n < 0)
		return fail("read", path);
	contents[i].data = malloc(len ? len : 1);
	if (!contents[i].data)
		return fail("malloc", path);
	memcpy(contents[i].data, buf, len);
	contents[i].len = len;
	return 0;
}

static int op_replace(const char *path, int i)
{
	char tmp[PATH_MAX];
	const char *slash = strrchr(path, '/');
	int dir_len = slash ? (int)(slash - path) : 1;
	int fd;

	snprintf(tmp, sizeof(tmp), "%.*s/.bench.%d.tmp", dir_len, slash ? path : ".", (int)getpid());
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	if (fd < 0)
		return fail("create", tmp);
	if (write(fd, contents[i].data, contents[i].len) != (ssize_t)contents[i].len) {
		close(fd);
		unlink(tmp);
		return fail("write", tmp);
	}
	if (close(fd) < 0 || rename(tmp, path) < 0) {
		unlink(tmp);
		return fail("rename over", path);
	}
	return 0;
}

static int run_wait(char **argv)
{
	pid_t pid = fork();
	int status;

	if (pid < 0)
		return fail("fork", argv[0]);
	if (pid == 0) {
		int null = open("/dev/null", O_WRONLY);
		if (null >= 0) {
			dup2(null, STDOUT_FILENO);
			dup2(null, STDERR_FILENO);
		}
		execvp(argv[0], argv);
		_exit(127);
	}
	if (waitpid(pid, &status, 0) < 0)
		return fail("waitpid", argv[0]);
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
		fprintf(stderr, "ops_latency: %s failed (status %d)\n", argv[0], status);
		return -1;
	}
	return 0;
}

/* One mount: the time from exec to MNT/domains answering, in *took. */
static int op_mount(const char *mnt, const char *lockdir, char **argv, double *took)
{
	char domains[PATH_MAX];
	char *umount_argv[] = {"fusermount3", "-u", (char *)mnt, NULL};
	struct stat st;
	double start = now_us();

	snprintf(domains, sizeof(domains), "%s/domains", mnt);
	if (run_wait(argv) < 0 || stat(domains, &st) < 0)
		return fail("mount", mnt);
	*took = now_us() - start;
	if (run_wait(umount_argv) < 0)
		return -1;
	/* The daemon exits after the unmount; the next mount needs its lock. */
	int fd = open(lockdir, O_RDONLY | O_DIRECTORY);
	if (fd < 0)
		return fail("open", lockdir);
	int ret = flock(fd, LOCK_EX);
	close(fd);
	return ret < 0 ? fail("flock", lockdir) : 0;
}

static char **after_dashes(int argc, char **argv, int from)
{
	for (int i = from; i < argc; i++)
		if (strcmp(argv[i], "--") == 0 && i + 1 < argc)
			return argv + i + 1;
	return NULL;
}

int main(int argc, char **argv)
{
	if (argc < 4) {
		fprintf(stderr,
			"usage: %s read|stat|list|control|replace N PATH...\n"
			"       %s exec N -- CMD...\n"
			"       %s mount N MNT LOCKDIR -- CMD...\n",
			argv[0], argv[0], argv[0]);
		return 2;
	}
	const char *op = argv[1];
	int n = atoi(argv[2]);
	buf = malloc(BUF_SIZE);
	if (n <= 0 || !buf)
		return 2;

	if (strcmp(op, "exec") == 0 || strcmp(op, "mount") == 0) {
		int is_mount = op[0] == 'm';
		char **cmd = after_dashes(argc, argv, 3);
		double *v = calloc((size_t)n, sizeof(*v));
		if (!cmd || !v || (is_mount && argc < 7))
			return 2;
		for (int i = 0; i < n; i++) {
			double start = now_us();
			int ret = is_mount ? op_mount(argv[3], argv[4], cmd, &v[i]) : run_wait(cmd);
			if (ret < 0)
				return 1;
			if (!is_mount)
				v[i] = now_us() - start;
		}
		report(v, n);
		return 0;
	}

	int count = argc - 3;
	char **paths = argv + 3;
	if (count > MAX_SUBJECTS)
		return 2;
	double *v[MAX_SUBJECTS];
	for (int s = 0; s < count; s++) {
		v[s] = calloc((size_t)n, sizeof(double));
		if (!v[s] || (strcmp(op, "replace") == 0 && load_content(s, paths[s]) < 0))
			return 1;
	}
	/* One untimed round first: the first touch of a path pays for lookups
	 * and cold caches that the steady state does not. */
	for (int i = -1; i < n; i++) {
		for (int s = 0; s < count; s++) {
			double start = now_us();
			int ret;
			if (strcmp(op, "read") == 0)
				ret = op_read(paths[s]);
			else if (strcmp(op, "stat") == 0)
				ret = op_stat(paths[s]);
			else if (strcmp(op, "list") == 0)
				ret = op_list(paths[s]);
			else if (strcmp(op, "control") == 0)
				ret = op_control(paths[s], i + 1);
			else if (strcmp(op, "replace") == 0)
				ret = op_replace(paths[s], s);
			else {
				fprintf(stderr, "ops_latency: unknown operation %s\n", op);
				return 2;
			}
			double took = now_us() - start;
			if (ret < 0)
				return 1;
			if (i >= 0)
				v[s][i] = took;
		}
	}
	for (int s = 0; s < count; s++)
		report(v[s], n);
	return 0;
}
