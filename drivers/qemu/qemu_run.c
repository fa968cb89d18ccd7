/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Runs of QEMU: starting one (the live XML, the command line, the process,
 * QMP), ending one (how it ended, the files it leaves), and finding one
 * again after hvfs restarted (docs/qemu.md, "Guests outlive hvfs"). */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <json.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/pidfd.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "drivers/lifecycle.h"
#include "drivers/qemu/qemu_command.h"
#include "drivers/qemu/qemu_private.h"
#include "util/atomic_file.h"
#include "util/cleanup.h"
#include "util/log.h"
#include "util/proc.h"

#define TERM_GRACE_MS 3000 /* QEMU quits on SIGTERM; a hung one gets SIGKILL after this */
#define KILL_WAIT_MS  10000

/* The files of a run, removed when it ends (the log stays). */
static const char *const run_files[] = {"run", "qmp", "monitor", "pid", "xml"};

static void remove_run_files(struct qemu_driver *drv, const char *name)
{
	char path[PATH_MAX];

	for (size_t i = 0; i < ARRAY_SIZE(run_files); i++)
		if (qemu_run_path(drv, name, run_files[i], path, sizeof(path)) == 0)
			atomic_file_remove(path);
}

static void run_free(struct qemu_run *run)
{
	qmp_close(run->qmp);
	if (run->pidfd >= 0)
		close(run->pidfd);
	free(run);
}

void qemu_run_ref(struct qemu_run *run)
{
	run->refs++;
}

static void run_unref_locked(struct qemu_run *run)
{
	if (run && --run->refs == 0)
		run_free(run);
}

void qemu_run_unref(struct qemu_driver *drv, struct qemu_run *run)
{
	pthread_mutex_lock(&drv->lock);
	run_unref_locked(run);
	pthread_mutex_unlock(&drv->lock);
}

int qemu_qmp_call_locked(struct qemu_driver *drv, struct qemu_run *run, const char *command,
			 struct json_object *args, struct json_object **ret, struct hv_error *err)
{
	int rc;

	if (!run->qmp) {
		json_object_put(args);
		return hv_error_set(err, EIO, "QEMU (pid %d) has no QMP connection: hvfs could not reach it",
				    (int)run->pid);
	}
	qemu_run_ref(run);
	pthread_mutex_unlock(&drv->lock);
	rc = qmp_command(run->qmp, command, args, ret, err);
	pthread_mutex_lock(&drv->lock);
	run_unref_locked(run);
	return rc;
}

/* Waits until the process behind pidfd has exited, at most ms. */
static bool wait_exit(int pidfd, int ms)
{
	struct pollfd pfd = {.fd = pidfd, .events = POLLIN};
	uint64_t deadline = qemu_now_ns() + (uint64_t)ms * 1000000ULL;

	for (;;) {
		uint64_t now = qemu_now_ns();
		int n;

		if (now >= deadline)
			return false;
		n = poll(&pfd, 1, (int)((deadline - now) / 1000000ULL) + 1);
		if (n > 0)
			return true;
		if (n < 0 && errno != EINTR)
			return false;
	}
}

/* Collects the exit status of QEMU if it is hvfs's own child: -1 unknown
 * (a QEMU a previous hvfs started has another parent). */
static int reap(pid_t pid)
{
	int status;

	return waitpid(pid, &status, WNOHANG) == pid ? status : -1;
}

void qemu_kill(struct qemu_driver *drv, struct qemu_run *run)
{
	(void)drv;
	if (run->pidfd < 0)
		return;
	/* SIGTERM is QEMU's clean quit (SHUTDOWN, reason host-signal); a
	 * QEMU that is stopped or stuck gets SIGKILL. */
	pidfd_send_signal(run->pidfd, SIGTERM, NULL, 0);
	if (!wait_exit(run->pidfd, TERM_GRACE_MS)) {
		log_warning("QEMU pid %d did not quit on SIGTERM: killing it", (int)run->pid);
		pidfd_send_signal(run->pidfd, SIGKILL, NULL, 0);
		if (!wait_exit(run->pidfd, KILL_WAIT_MS))
			log_error("QEMU pid %d survives SIGKILL", (int)run->pid);
	}
}

int qemu_persist_run(struct qemu_driver *drv, const struct qemu_domain *dom, struct hv_error *err)
{
	char path[PATH_MAX], text[128];
	int len, ret;

	qemu_run_path(drv, dom->obj.name, "run", path, sizeof(path));
	len = snprintf(text, sizeof(text), "pid %d %" PRIu64 "\nshutdown %d\n", (int)dom->run->pid,
		       dom->run->start_time, dom->run->shutdown_requested ? 1 : 0);
	ret = atomic_file_write(path, text, (size_t)len, 0600);
	if (ret < 0)
		return hv_error_set(err, -ret, "cannot write %s: %s", path, strerror(-ret));
	return 0;
}

/* The last line QEMU wrote to the log: why it refused to start. */
static void last_log_line(const char *log_path, char *out, size_t size)
{
	auto_free char *text = NULL;
	size_t len;
	char *end, *start;

	snprintf(out, size, "no message");
	if (file_read_all(log_path, 1 << 20, &text, &len) < 0 || len == 0)
		return;
	end = text + len;
	while (end > text && (end[-1] == '\n' || end[-1] == '\r'))
		end--;
	*end = '\0';
	start = strrchr(text, '\n');
	snprintf(out, size, "%s", start ? start + 1 : text);
}

struct launch {
	struct qemu_driver *drv;
	const char *name;
	char sock[PATH_MAX], peer[PATH_MAX], pidfile[PATH_MAX], log[PATH_MAX], live[PATH_MAX];
	pid_t pid;
	int pidfd;
	struct qmp *qmp;
};

static int spawn(struct launch *l, char **argv, struct hv_error *err)
{
	int log_fd, null_fd;
	char stamp[64];
	time_t now = time(NULL);

	log_fd = open(l->log, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
	if (log_fd < 0)
		return hv_error_set(err, EIO, "cannot open %s: %s", l->log, strerror(errno));
	null_fd = open("/dev/null", O_RDWR | O_CLOEXEC);
	strftime(stamp, sizeof(stamp), "%Y-%m-%dT%H:%M:%SZ", gmtime(&now));
	dprintf(log_fd, "hvfs: %s: starting %s\n", stamp, argv[0]);
	l->pid = fork();
	if (l->pid == 0) {
		/* Its own session: guests outlive hvfs and its terminal.  A
		 * FUSE worker blocks every signal, and the mask survives exec:
		 * QEMU would never see SIGTERM, its clean quit. */
		sigset_t none;
		sigemptyset(&none);
		sigprocmask(SIG_SETMASK, &none, NULL);
		for (int sig = 1; sig < NSIG; sig++)
			if (sig != SIGKILL && sig != SIGSTOP)
				signal(sig, SIG_DFL);
		setsid();
		dup2(null_fd, STDIN_FILENO);
		dup2(log_fd, STDOUT_FILENO);
		dup2(log_fd, STDERR_FILENO);
		close_range(3, ~0U, 0);
		execv(argv[0], argv);
		dprintf(STDERR_FILENO, "hvfs: cannot execute %s: %s\n", argv[0], strerror(errno));
		_exit(127);
	}
	close(log_fd);
	if (null_fd >= 0)
		close(null_fd);
	if (l->pid < 0)
		return hv_error_set(err, EIO, "cannot fork QEMU: %s", strerror(errno));
	l->pidfd = pidfd_open(l->pid, 0);
	if (l->pidfd < 0) {
		kill(l->pid, SIGKILL);
		waitpid(l->pid, NULL, 0);
		return hv_error_set(err, EIO, "cannot watch QEMU (pid %d): %s", (int)l->pid, strerror(errno));
	}
	return 0;
}

/* Waits for QEMU's QMP socket and connects: QEMU makes it early, before
 * the machine exists.  Stops at once when QEMU exits (a bad command line),
 * with the message it left in the log. */
static int connect_qmp(struct launch *l, struct hv_error *err)
{
	uint64_t deadline = qemu_now_ns() + (uint64_t)QEMU_START_TIMEOUT_MS * 1000000ULL;
	struct pollfd pfd = {.fd = l->pidfd, .events = POLLIN};
	char line[200];

	for (;;) {
		struct hv_error attempt = {0};

		if (poll(&pfd, 1, 0) > 0) {
			last_log_line(l->log, line, sizeof(line));
			return hv_error_set(err, EIO, "QEMU exited at start: %s", line);
		}
		if (access(l->sock, F_OK) == 0 &&
		    qmp_open(l->sock, l->drv->qmp_timeout_ms, &l->qmp, &attempt) == 0)
			return 0;
		if (qemu_now_ns() >= deadline)
			return hv_error_set(err, EIO, "QEMU did not open its monitor %s within %d ms%s%s",
					    l->sock, QEMU_START_TIMEOUT_MS, attempt.code ? ": " : "",
					    attempt.code ? attempt.message : "");
		/* Woken early when QEMU exits. */
		poll(&pfd, 1, 20);
	}
}

static void launch_abort(struct launch *l)
{
	qmp_close(l->qmp);
	l->qmp = NULL;
	if (l->pidfd >= 0) {
		pidfd_send_signal(l->pidfd, SIGKILL, NULL, 0);
		wait_exit(l->pidfd, KILL_WAIT_MS);
		close(l->pidfd);
		l->pidfd = -1;
	}
	if (l->pid > 0)
		waitpid(l->pid, NULL, WNOHANG);
	remove_run_files(l->drv, l->name);
}

/* A second QMP monitor, NAME.monitor, for people and tools beside hvfs
 * (QEMU serves one client per monitor): what they change, hvfs sees in the
 * events QEMU sends every monitor (docs/qemu.md, "The second monitor"). */
static int add_peer_monitor(char ***argv, const char *path, struct hv_error *err)
{
	size_t n = 0;
	char **grown, *chardev = NULL;

	while ((*argv)[n])
		n++;
	grown = realloc(*argv, (n + 5) * sizeof(*grown));
	if (grown)
		*argv = grown;
	if (!grown || asprintf(&chardev, "socket,id=peer-monitor,path=%s,server=on,wait=off", path) < 0)
		return hv_error_set(err, ENOMEM, "out of memory");
	grown[n] = strdup("-chardev");
	grown[n + 1] = chardev;
	grown[n + 2] = strdup("-mon");
	grown[n + 3] = strdup("chardev=peer-monitor,mode=control");
	grown[n + 4] = NULL;
	if (!grown[n] || !grown[n + 2] || !grown[n + 3]) {
		for (size_t i = n; i < n + 4; i++) {
			free(grown[i]);
			grown[i] = NULL;
		}
		return hv_error_set(err, ENOMEM, "out of memory");
	}
	return 0;
}

static int kvm_check(const struct hv_domain_def *def, struct hv_error *err)
{
	int fd;

	if (strcmp(def->type, "kvm") != 0)
		return 0;
	fd = open("/dev/kvm", O_RDWR | O_CLOEXEC);
	if (fd < 0)
		return hv_error_set(err, EOPNOTSUPP,
				    "<domain type='kvm'> needs /dev/kvm, which this host cannot give (%s): "
				    "use type 'qemu' (TCG emulation)",
				    strerror(errno));
	close(fd);
	return 0;
}

static void note_version(struct launch *l)
{
	struct json_object *ret = NULL, *qemu, *part;
	struct hv_error ignored = {0};
	char version[32];
	int major = 0, minor = 0, micro = 0;

	if (qmp_command(l->qmp, "query-version", NULL, &ret, &ignored) < 0)
		return;
	if (json_object_object_get_ex(ret, "qemu", &qemu)) {
		if (json_object_object_get_ex(qemu, "major", &part))
			major = json_object_get_int(part);
		if (json_object_object_get_ex(qemu, "minor", &part))
			minor = json_object_get_int(part);
		if (json_object_object_get_ex(qemu, "micro", &part))
			micro = json_object_get_int(part);
	}
	json_object_put(ret);
	snprintf(version, sizeof(version), "%d.%d.%d", major, minor, micro);
	pthread_mutex_lock(&l->drv->lock);
	snprintf(l->drv->qemu_version, sizeof(l->drv->qemu_version), "%s", version);
	pthread_mutex_unlock(&l->drv->lock);
}

int qemu_launch(struct qemu_driver *drv, const char *name, const char *xml, const struct hv_domain_def *def,
		struct qemu_run **out, char **live_xml, struct hv_error *err)
{
	struct launch l = {.drv = drv, .name = name, .pidfd = -1};
	struct qemu_launch_paths paths;
	char **argv = NULL;
	char *live = NULL;
	int ret;

	ret = kvm_check(def, err);
	if (ret == 0)
		ret = qemu_xml_assign(xml, strlen(xml), &live, err);
	qemu_run_path(drv, name, "qmp", l.sock, sizeof(l.sock));
	qemu_run_path(drv, name, "monitor", l.peer, sizeof(l.peer));
	qemu_run_path(drv, name, "pid", l.pidfile, sizeof(l.pidfile));
	qemu_run_path(drv, name, "log", l.log, sizeof(l.log));
	qemu_run_path(drv, name, "xml", l.live, sizeof(l.live));
	paths = (struct qemu_launch_paths){.emulator = drv->emulator,
					   .qmp_socket = l.sock,
					   .pidfile = l.pidfile,
					   .serial_log = l.log,
					   .accel = strcmp(def->type, "kvm") == 0 ? "kvm" : "tcg"};
	if (ret == 0)
		ret = qemu_command_build(live, strlen(live), &paths, &argv, err);
	if (ret == 0)
		ret = add_peer_monitor(&argv, l.peer, err);
	if (ret == 0) {
		/* A socket left by a run that ended unseen would be connected to. */
		remove_run_files(drv, name);
		ret = atomic_file_write(l.live, live, strlen(live), 0600);
		if (ret < 0)
			ret = hv_error_set(err, EIO, "cannot write %s: %s", l.live, strerror(-ret));
	}
	if (ret == 0)
		ret = spawn(&l, argv, err);
	qemu_argv_free(argv);
	if (ret == 0)
		ret = connect_qmp(&l, err);
	if (ret == 0)
		note_version(&l);
	/* QEMU has <memory>; the balloon takes it down to <currentMemory>
	 * before the guest runs a single instruction. */
	if (ret == 0 && def->memory_kib < def->max_memory_kib) {
		struct json_object *args = json_object_new_object();
		json_object_object_add(args, "value", json_object_new_int64((int64_t)def->memory_kib * 1024));
		ret = qmp_command(l.qmp, "balloon", args, NULL, err);
	}
	if (ret == 0)
		ret = qmp_command(l.qmp, "cont", NULL, NULL, err);
	if (ret < 0) {
		launch_abort(&l);
		free(live);
		return ret;
	}
	struct qemu_run *run = calloc(1, sizeof(*run));
	if (!run) {
		launch_abort(&l);
		free(live);
		return hv_error_set(err, ENOMEM, "out of memory");
	}
	*run = (struct qemu_run){
	    .refs = 1, .pid = l.pid, .start_time = proc_start_time(l.pid), .pidfd = l.pidfd, .qmp = l.qmp};
	log_info("domain %s: QEMU started, pid %d", name, (int)l.pid);
	*out = run;
	*live_xml = live;
	return 0;
}

/* --- the end of a run ----------------------------------------------------- */

struct ending {
	enum hv_domain_state state;
	const char *event, *detail;
	char reason[200];
};

static void classify(const struct qemu_run *run, int status, struct ending *how)
{
	*how = (struct ending){.state = HV_DOMAIN_SHUTOFF, .event = "stopped"};
	if (run->panicked) {
		how->state = HV_DOMAIN_CRASHED;
		how->detail = "crashed";
		snprintf(how->reason, sizeof(how->reason), "the guest panicked");
	} else if (run->destroying) {
		how->detail = "destroyed";
		snprintf(how->reason, sizeof(how->reason), "destroyed");
	} else if (run->guest_shutdown) {
		how->detail = "shutdown";
		snprintf(how->reason, sizeof(how->reason), "the guest powered off");
	} else if (run->timed_out) {
		how->detail = "destroyed";
		snprintf(how->reason, sizeof(how->reason), "killed: the guest did not shut down in time");
	} else if (status >= 0 && WIFEXITED(status) && WEXITSTATUS(status) == 0) {
		how->detail = "shutdown";
		snprintf(how->reason, sizeof(how->reason), "QEMU quit");
	} else {
		how->state = HV_DOMAIN_CRASHED;
		how->detail = "crashed";
		if (status >= 0 && WIFSIGNALED(status))
			snprintf(how->reason, sizeof(how->reason), "QEMU was killed by signal %d (%s)",
				 WTERMSIG(status), strsignal(WTERMSIG(status)));
		else if (status >= 0 && WIFEXITED(status))
			snprintf(how->reason, sizeof(how->reason), "QEMU exited with status %d",
				 WEXITSTATUS(status));
		else
			snprintf(how->reason, sizeof(how->reason), "QEMU ended unexpectedly");
	}
}

/* Out of the monitor's set now: the fds stay open (and readable) while a
 * caller still holds a reference. */
static void unwatch(struct qemu_driver *drv, struct qemu_run *run)
{
	if (run->qmp)
		epoll_ctl(drv->epoll_fd, EPOLL_CTL_DEL, qmp_fd(run->qmp), NULL);
	if (run->pidfd >= 0)
		epoll_ctl(drv->epoll_fd, EPOLL_CTL_DEL, run->pidfd, NULL);
}

static void settle(struct qemu_driver *drv, struct qemu_domain *dom, const struct ending *how,
		   struct hv_change_batch *changes)
{
	char path[PATH_MAX];
	struct qemu_run *run = dom->run;

	log_info("domain %s: %s: now %s", dom->obj.name, how->reason, hv_domain_state_name(how->state));
	if (run) {
		unwatch(drv, run);
		dom->run = NULL;
		run_unref_locked(run);
	}
	remove_run_files(drv, dom->obj.name);
	free(dom->live_xml);
	dom->live_xml = NULL;
	dom->state = how->state;
	snprintf(dom->last_exit, sizeof(dom->last_exit), "%s", how->reason);
	qemu_run_path(drv, dom->obj.name, "crashed", path, sizeof(path));
	if (how->state == HV_DOMAIN_CRASHED)
		atomic_file_write(path, how->reason, strlen(how->reason), 0600);
	else
		atomic_file_remove(path);
	if (changes)
		hv_batch_lifecycle(changes, HV_KIND_DOMAIN, dom->obj.name, how->event, how->detail,
				   HV_FIELD_STATE | HV_FIELD_ID | HV_FIELD_MEMORY | HV_FIELD_VCPUS |
				       HV_FIELD_DEVICES | HV_FIELD_KEYS);
}

void qemu_run_ended_locked(struct qemu_driver *drv, struct qemu_domain *dom, struct hv_change_batch *changes)
{
	struct ending how;

	classify(dom->run, reap(dom->run->pid), &how);
	settle(drv, dom, &how, changes);
}

/* --- finding a run again -------------------------------------------------- */

static bool read_run(struct qemu_driver *drv, const char *name, pid_t *pid, uint64_t *start, bool *shutdown)
{
	char path[PATH_MAX];
	auto_free char *text = NULL;
	size_t len;
	int p, s = 0;

	qemu_run_path(drv, name, "run", path, sizeof(path));
	if (file_read_all(path, 4096, &text, &len) < 0)
		return false;
	if (sscanf(text, "pid %d %" SCNu64 "\nshutdown %d", &p, start, &s) < 2 || p <= 0)
		return false;
	*pid = p;
	*shutdown = s == 1;
	return true;
}

/* What QEMU says its guest is doing. */
static const char *query_status(struct qemu_run *run, struct hv_error *err)
{
	static char status[32];
	struct json_object *ret = NULL, *field;

	if (qmp_command(run->qmp, "query-status", NULL, &ret, err) < 0)
		return NULL;
	snprintf(status, sizeof(status), "%s",
		 json_object_object_get_ex(ret, "status", &field) ? json_object_get_string(field) : "");
	json_object_put(ret);
	return status;
}

/* The balloon's size now, KiB; 0 when QEMU cannot say. */
static uint64_t query_balloon(struct qemu_run *run)
{
	struct json_object *ret = NULL, *field;
	struct hv_error ignored = {0};
	uint64_t kib = 0;

	if (qmp_command(run->qmp, "query-balloon", NULL, &ret, &ignored) < 0)
		return 0;
	if (json_object_object_get_ex(ret, "actual", &field))
		kib = (uint64_t)json_object_get_int64(field) / 1024;
	json_object_put(ret);
	return kib;
}

static unsigned query_vcpus(struct qemu_run *run)
{
	struct json_object *ret = NULL;
	struct hv_error ignored = {0};
	unsigned count = 0;

	if (qmp_command(run->qmp, "query-cpus-fast", NULL, &ret, &ignored) < 0)
		return 0;
	if (json_object_is_type(ret, json_type_array))
		count = (unsigned)json_object_array_length(ret);
	json_object_put(ret);
	return count;
}

void qemu_reattach_locked(struct qemu_driver *drv, struct qemu_domain *dom)
{
	char path[PATH_MAX];
	struct hv_error err = {0};
	struct qemu_run *run;
	struct ending how;
	const char *status;
	auto_free char *note = NULL;
	size_t len;
	pid_t pid;
	uint64_t start;
	bool shutdown;

	qemu_run_path(drv, dom->obj.name, "crashed", path, sizeof(path));
	if (file_read_all(path, sizeof(dom->last_exit) - 1, &note, &len) == 0) {
		dom->state = HV_DOMAIN_CRASHED;
		snprintf(dom->last_exit, sizeof(dom->last_exit), "%s", note);
	}
	if (!read_run(drv, dom->obj.name, &pid, &start, &shutdown)) {
		remove_run_files(drv, dom->obj.name);
		return;
	}
	run = calloc(1, sizeof(*run));
	if (!run) {
		log_error("domain %s: out of memory: its QEMU (pid %d) is not watched", dom->obj.name,
			  (int)pid);
		return;
	}
	*run = (struct qemu_run){
	    .refs = 1, .pid = pid, .start_time = start, .pidfd = -1, .shutdown_requested = shutdown};
	dom->run = run;
	/* Same pid and start time: the same process, not a stranger that got
	 * a recycled pid.  QEMU runs with -no-shutdown, so it does not go
	 * away by itself when its guest powers off: one that is gone was
	 * killed, or crashed. */
	if (proc_start_time(pid) != start || (run->pidfd = pidfd_open(pid, 0)) < 0) {
		classify(run, -1, &how);
		snprintf(how.reason, sizeof(how.reason), "QEMU (pid %d) ended while hvfs was not running",
			 (int)pid);
		settle(drv, dom, &how, NULL);
		return;
	}
	qemu_run_path(drv, dom->obj.name, "qmp", path, sizeof(path));
	/* At open: nothing else uses the driver yet, so talking to QEMU
	 * under the lock holds up no one. */
	if (qmp_open(path, drv->qmp_timeout_ms, &run->qmp, &err) < 0) {
		log_warning(
		    "domain %s: QEMU pid %d runs but its monitor does not answer (%s): it stays running, "
		    "uncontrolled until destroyed",
		    dom->obj.name, (int)pid, err.message);
		dom->state = HV_DOMAIN_RUNNING;
	} else if (!(status = query_status(run, &err))) {
		log_warning("domain %s: %s", dom->obj.name, err.message);
		dom->state = HV_DOMAIN_RUNNING;
	} else if (strcmp(status, "shutdown") == 0 || strcmp(status, "guest-panicked") == 0 ||
		   strcmp(status, "prelaunch") == 0 || strcmp(status, "inmigrate") == 0) {
		/* It ended, or never began, while hvfs was away. */
		run->guest_shutdown = strcmp(status, "shutdown") == 0;
		run->panicked = strcmp(status, "guest-panicked") == 0;
		run->destroying = !run->guest_shutdown && !run->panicked;
		qemu_kill(drv, run);
		classify(run, -1, &how);
		settle(drv, dom, &how, NULL);
		return;
	} else {
		dom->state = strcmp(status, "running") == 0
				 ? (shutdown ? HV_DOMAIN_SHUTDOWN : HV_DOMAIN_RUNNING)
				 : HV_DOMAIN_PAUSED;
	}
	if (shutdown)
		run->shutdown_deadline_ns = qemu_now_ns() + (uint64_t)drv->shutdown_timeout_ms * 1000000ULL;
	dom->live_memory_kib = dom->def.memory_kib;
	dom->live_vcpus = dom->def.vcpus;
	if (run->qmp) {
		uint64_t kib = query_balloon(run);
		unsigned vcpus = query_vcpus(run);
		if (kib)
			dom->live_memory_kib = kib;
		if (vcpus)
			dom->live_vcpus = vcpus;
	}
	qemu_run_path(drv, dom->obj.name, "xml", path, sizeof(path));
	if (file_read_all(path, HV_XML_MAX, &dom->live_xml, &len) < 0)
		log_warning("domain %s: its live definition %s is gone: devices/ shows the stored one",
			    dom->obj.name, path);
	run->serial = ++drv->next_serial;
	if (qemu_monitor_watch(drv, run) < 0)
		log_error("domain %s: QEMU pid %d is not watched: its end will go unnoticed", dom->obj.name,
			  (int)pid);
	log_info("domain %s: re-attached to QEMU pid %d (%s)", dom->obj.name, (int)pid,
		 hv_domain_state_name(dom->state));
}
