/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The QMP client (drivers/qemu/qmp.h) against a real QEMU, TCG with -M none
 * (no guest, no KVM needed), and against fake monitors in this file that
 * break the protocol the ways a real one never does on cue.  Meant to run
 * clean under AddressSanitizer and valgrind --leak-check=full.
 *
 * No fixed sleeps: every wait is for a condition, with a generous ceiling
 * (the machine may be loaded).  Every QEMU started is killed and reaped at
 * exit, and PR_SET_PDEATHSIG kills it should the test itself crash. */
#include <errno.h>
#include <json.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "drivers/qemu/qmp.h"
#include "tests/unit/unit.h"

#define CEILING_MS 30000
#define QEMU_NAME  "hvfs-qmp-test"

static char dir[] = "/tmp/hvfs-qmp-XXXXXX";
static pid_t qemus[4];
static unsigned qemu_count;

static int64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void path_in_dir(char *buf, size_t size, const char *name)
{
	snprintf(buf, size, "%s/%s", dir, name);
}

/* Waits for pid to exit, SIGKILLing it after ms; returns its wait status. */
static int reap(pid_t pid, int64_t ms)
{
	int64_t deadline = now_ms() + ms;
	int status = 0;

	while (waitpid(pid, &status, WNOHANG) == 0) {
		if (now_ms() >= deadline) {
			kill(pid, SIGKILL);
			waitpid(pid, &status, 0);
			break;
		}
		poll(NULL, 0, 10);
	}
	for (unsigned i = 0; i < qemu_count; i++)
		if (qemus[i] == pid)
			qemus[i] = 0;
	return status;
}

static void cleanup(void)
{
	char path[128];

	for (unsigned i = 0; i < qemu_count; i++)
		if (qemus[i] > 0)
			reap(qemus[i], 0);
	for (const char *const *name =
		 (const char *const[]){"a.sock", "b.sock", "fake.sock", "mute.sock", NULL};
	     *name; name++) {
		path_in_dir(path, sizeof(path), *name);
		unlink(path);
	}
	rmdir(dir);
}

static pid_t start_qemu(const char *sock)
{
	char chardev[160];
	pid_t parent = getpid(), pid;

	snprintf(chardev, sizeof(chardev), "unix:%s,server=on,wait=off", sock);
	pid = fork();
	if (pid == 0) {
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		if (getppid() != parent)
			_exit(127);
		execlp("qemu-system-x86_64", "qemu-system-x86_64", "-M", "none", "-nodefaults", "-display",
		       "none", "-S", "-name", QEMU_NAME, "-qmp", chardev, (char *)NULL);
		_exit(127);
	}
	if (pid > 0)
		qemus[qemu_count++] = pid;
	return pid;
}

/* QEMU creates its socket some time after the fork: retry until it answers. */
static int connect_qemu(pid_t pid, const char *sock, unsigned timeout_ms, struct qmp **qmp)
{
	int64_t deadline = now_ms() + CEILING_MS;
	struct hv_error err = {0};
	int r, status;

	for (;;) {
		hv_error_clear(&err);
		r = qmp_open(sock, timeout_ms, qmp, &err);
		if (r == 0 || now_ms() >= deadline || waitpid(pid, &status, WNOHANG) != 0)
			break;
		poll(NULL, 0, 10);
	}
	if (r < 0)
		printf("# cannot connect to QEMU at %s: %s\n", sock, err.message);
	return r;
}

/* Takes queued events until one named want, waiting on the socket as a
 * monitor thread would; others are dropped. */
static int wait_event(struct qmp *qmp, const char *want, struct json_object **data)
{
	int64_t deadline = now_ms() + CEILING_MS;
	struct hv_error err = {0};
	struct json_object *got;
	char *name;

	for (;;) {
		while (qmp_next_event(qmp, &name, &got) == 1) {
			bool match = strcmp(name, want) == 0;
			free(name);
			if (match && data)
				*data = got;
			else
				json_object_put(got);
			if (match)
				return 0;
		}
		int64_t left = deadline - now_ms();
		if (left <= 0)
			return -ETIMEDOUT;
		poll(&(struct pollfd){.fd = qmp_fd(qmp), .events = POLLIN}, 1, (int)left);
		int r = qmp_poll(qmp, &err);
		if (r < 0)
			return r;
	}
}

static const char *member_string(struct json_object *obj, const char *key)
{
	struct json_object *value;

	return json_object_object_get_ex(obj, key, &value) ? json_object_get_string(value) : NULL;
}

static atomic_int notified;

static void count_notify(void *opaque)
{
	atomic_fetch_add((atomic_int *)opaque, 1);
}

struct worker {
	struct qmp *qmp;
	int rounds, right, result;
	int64_t ms;
};

/* Alternates two commands whose answers differ, so that a reply handed to
 * the wrong thread shows. */
static void *worker_run(void *arg)
{
	struct worker *w = arg;

	for (int i = 0; i < w->rounds; i++) {
		struct hv_error err = {0};
		struct json_object *ret = NULL;
		bool name = i % 2;
		int r = qmp_command(w->qmp, name ? "query-name" : "query-status", NULL, &ret, &err);
		if (r == 0 && (name ? json_object_object_get_ex(ret, "name", NULL) &&
					  !json_object_object_get_ex(ret, "status", NULL)
				    : json_object_object_get_ex(ret, "status", NULL)))
			w->right++;
		json_object_put(ret);
	}
	return NULL;
}

/* A command that QEMU will not answer in time: result and duration. */
static void *stuck_run(void *arg)
{
	struct worker *w = arg;
	struct hv_error err = {0};
	int64_t start = now_ms();

	w->result = qmp_command(w->qmp, "query-status", NULL, NULL, &err);
	w->ms = now_ms() - start;
	return NULL;
}

static void test_qemu(void)
{
	struct hv_error err = {0};
	struct json_object *ret = NULL, *data = NULL;
	struct qmp *qmp = NULL;
	char sock[128];
	int r;

	path_in_dir(sock, sizeof(sock), "a.sock");
	pid_t pid = start_qemu(sock);
	CHECK(pid > 0, "QEMU started");
	r = connect_qemu(pid, sock, 10000, &qmp);
	CHECK_INT(r, 0, "qmp_open: greeting read, capabilities negotiated");
	if (r < 0)
		return;
	CHECK(qmp_fd(qmp) >= 0 && !qmp_closed(qmp), "an open connection has a socket");

	r = qmp_command(qmp, "query-status", NULL, &ret, &err);
	CHECK_INT(r, 0, "query-status");
	CHECK_STR(member_string(ret, "status"), "prelaunch", "-S: QEMU waits in prelaunch");
	CHECK_STR(member_string(ret, "running"), "false", "and is not running");
	json_object_put(ret);

	qmp_set_event_notify(qmp, count_notify, &notified);
	CHECK_INT(qmp_command(qmp, "cont", NULL, NULL, &err), 0, "cont works on -M none");
	CHECK_INT(wait_event(qmp, "RESUME", NULL), 0, "cont: RESUME event");
	qmp_command(qmp, "query-status", NULL, &ret, &err);
	CHECK_STR(member_string(ret, "status"), "running", "after cont QEMU runs");
	json_object_put(ret);
	CHECK_INT(qmp_command(qmp, "stop", NULL, NULL, &err), 0, "stop");
	CHECK_INT(wait_event(qmp, "STOP", NULL), 0, "stop: STOP event");
	qmp_set_event_notify(qmp, NULL, NULL);

	r = qmp_command(qmp, "no-such-command", NULL, &ret, &err);
	CHECK_INT(r, -EOPNOTSUPP, "an unknown command: EOPNOTSUPP");
	CHECK_STR(err.message,
		  "QEMU: 'no-such-command' failed: The command no-such-command has not been found",
		  "with QEMU's description");
	CHECK(ret == NULL, "and no return value");
	hv_error_clear(&err);
	r = qmp_command(qmp, "query-status", json_tokener_parse("{\"bogus\": 1}"), &ret, &err);
	CHECK_INT(r, -EIO, "an unexpected argument: GenericError is EIO");
	CHECK(strstr(err.message, "'query-status' failed: ") && strstr(err.message, "'bogus'"), "%s",
	      err.message);
	hv_error_clear(&err);
	r = qmp_command(qmp, "device_del", json_tokener_parse("{\"id\": \"nodev\"}"), NULL, &err);
	CHECK_INT(r, -ENOENT, "device_del of no device: DeviceNotFound is ENOENT");
	CHECK(strstr(err.message, "nodev") != NULL, "%s", err.message);
	hv_error_clear(&err);
	CHECK_INT(qmp_command(qmp, "query-name", NULL, NULL, &err), 0, "the return value may be left unread");

	struct worker w[2] = {{.qmp = qmp, .rounds = 100}, {.qmp = qmp, .rounds = 100}};
	pthread_t t[2];
	for (int i = 0; i < 2; i++)
		pthread_create(&t[i], NULL, worker_run, &w[i]);
	for (int i = 0; i < 2; i++)
		pthread_join(t[i], NULL);
	CHECK(w[0].right == 100 && w[1].right == 100,
	      "two threads at once: every command got its own answer (%d, %d)", w[0].right, w[1].right);

	CHECK_INT(qmp_command(qmp, "quit", NULL, NULL, &err), 0, "quit");
	CHECK_INT(wait_event(qmp, "SHUTDOWN", &data), 0, "quit: SHUTDOWN event");
	CHECK_STR(member_string(data, "reason"), "host-qmp-quit", "with its data");
	json_object_put(data);
	int status = reap(pid, CEILING_MS);
	CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0, "QEMU exited by itself, status 0 (%#x)", status);
	r = qmp_command(qmp, "query-status", NULL, NULL, &err);
	CHECK(r == -EIO && qmp_closed(qmp), "the next command: EIO, and the connection is closed");
	CHECK_STR(err.message, "QEMU closed its monitor", "a closed monitor is said so");
	hv_error_clear(&err);
	CHECK_INT(qmp_poll(qmp, &err), -EIO, "qmp_poll of a closed connection: EIO");
	qmp_close(qmp);
}

/* A QEMU that hangs (SIGSTOP) costs a caller its timeout, not more, and
 * the replies it sends when it wakes up reach no one but their callers. */
static void test_qemu_stopped(void)
{
	struct hv_error err = {0};
	struct json_object *ret = NULL;
	struct qmp *qmp = NULL;
	char sock[128];
	int status;

	path_in_dir(sock, sizeof(sock), "b.sock");
	pid_t pid = start_qemu(sock);
	if (connect_qemu(pid, sock, 500, &qmp) < 0) {
		CHECK(0, "qmp_open with a 500 ms timeout");
		return;
	}
	kill(pid, SIGSTOP);
	waitpid(pid, &status, WUNTRACED);
	CHECK(WIFSTOPPED(status), "QEMU stopped");

	int64_t start = now_ms();
	int r = qmp_command(qmp, "query-status", NULL, NULL, &err);
	int64_t ms = now_ms() - start;
	CHECK_INT(r, -EIO, "a stopped QEMU: EIO");
	CHECK(ms >= 450 && ms <= 20 * 500, "after about the timeout (%lld ms)", (long long)ms);
	CHECK_STR(err.message, "QEMU did not answer 'query-status' within 500 ms", "the sentence says why");
	CHECK(!qmp_closed(qmp), "a timeout does not close the connection");

	/* One waits for QEMU, the other for the connection. */
	struct worker w[2] = {{.qmp = qmp}, {.qmp = qmp}};
	pthread_t t[2];
	for (int i = 0; i < 2; i++)
		pthread_create(&t[i], NULL, stuck_run, &w[i]);
	start = now_ms();
	hv_error_clear(&err);
	r = qmp_poll(qmp, &err);
	ms = now_ms() - start;
	CHECK(r == 0 && ms < 250, "qmp_poll does not wait for a command in flight (%lld ms)", (long long)ms);
	for (int i = 0; i < 2; i++)
		pthread_join(t[i], NULL);
	CHECK(w[0].result == -EIO && w[1].result == -EIO && w[0].ms <= 20 * 500 && w[1].ms <= 20 * 500,
	      "two threads on a stopped QEMU: both EIO, bounded (%lld, %lld ms)", (long long)w[0].ms,
	      (long long)w[1].ms);

	kill(pid, SIGCONT);
	hv_error_clear(&err);
	r = qmp_command(qmp, "query-name", NULL, &ret, &err);
	CHECK_INT(r, 0, "after SIGCONT the next command succeeds%s%s", r ? ": " : "", err.message);
	CHECK(member_string(ret, "name") && strcmp(member_string(ret, "name"), QEMU_NAME) == 0 &&
		  !json_object_object_get_ex(ret, "status", NULL),
	      "with its own answer, not a late query-status reply: %s", json_object_to_json_string(ret));
	json_object_put(ret);

	kill(pid, SIGKILL);
	reap(pid, CEILING_MS);
	hv_error_clear(&err);
	r = qmp_command(qmp, "query-status", NULL, NULL, &err);
	CHECK(r == -EIO && qmp_closed(qmp), "QEMU killed: EIO, closed (%s)", err.message);
	qmp_close(qmp);
}

/* --- fake monitors ---------------------------------------------------------- */

static int listen_at(const char *path)
{
	struct sockaddr_un addr = {.sun_family = AF_UNIX};
	/* A fake whose client failed early must not wait for it forever. */
	struct timeval tv = {.tv_sec = CEILING_MS / 1000};
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);

	snprintf(addr.sun_path, sizeof(addr.sun_path), "%s", path);
	unlink(path);
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	if (bind(fd, (struct sockaddr *)&addr, sizeof(addr)) < 0 || listen(fd, 4) < 0) {
		close(fd);
		return -1;
	}
	return fd;
}

static void fake_send(int fd, const char *text, size_t len)
{
	for (size_t off = 0; off < len;) {
		ssize_t n = send(fd, text + off, len - off, MSG_NOSIGNAL);
		if (n <= 0)
			return;
		off += (size_t)n;
	}
}

static void fake_say(int fd, const char *line)
{
	fake_send(fd, line, strlen(line));
}

/* Reads one command line, returns its id (or -1). */
static long fake_command(int fd)
{
	char line[4096];
	size_t len = 0;
	long id = -1;

	while (len + 1 < sizeof(line) && read(fd, &line[len], 1) == 1 && line[len] != '\n')
		len++;
	line[len] = '\0';
	struct json_object *cmd = json_tokener_parse(line), *value;
	if (json_object_object_get_ex(cmd, "id", &value))
		id = (long)json_object_get_int64(value);
	json_object_put(cmd);
	return id;
}

static void fake_reply(int fd, long id, const char *value)
{
	char line[256];

	snprintf(line, sizeof(line), "{\"return\": %s, \"id\": %ld}\r\n", value, id);
	fake_say(fd, line);
}

#define GREETING "{\"QMP\": {\"version\": {}, \"capabilities\": []}}\r\n"
#define BIG	 (1u << 20)

/* Every kind of line a client must survive, then a large reply, then a
 * line beyond any limit. */
static void *fake_garbage(void *arg)
{
	int fd = accept(*(int *)arg, NULL, NULL);
	long id;

	fake_say(fd, "hello, I am not QEMU\r\n" GREETING);
	id = fake_command(fd);
	fake_say(
	    fd,
	    "not json at all\r\n[1, 2, 3]\r\n42\r\nnull\r\n\r\n{\"unterminated\r\n{\"neither\": 1}\r\n"
	    "{\"return\": {}} trailing\r\n\x01\x02\xff\r\n{\"return\": {}, \"id\": 999}\r\n{\"QMP\": {}}\r\n"
	    "{\"event\": \"EARLY\", \"data\": {\"n\": 1}}\r\n");
	fake_reply(fd, id, "{}");

	/* An event arriving with the reply, then a reply split over many reads. */
	id = fake_command(fd);
	fake_say(fd, "{\"event\": \"WITH_REPLY\"}\r\n{\"return\": {\"s\": \"");
	char *big = malloc(BIG);
	memset(big, 'x', BIG);
	fake_send(fd, big, BIG);
	char tail[64];
	snprintf(tail, sizeof(tail), "\"}, \"id\": %ld}\r\n", id);
	fake_say(fd, tail);
	fake_say(fd, "{\"event\": \"LATER\"}\r\n");

	/* Until the client gives up on it. */
	fake_command(fd);
	for (unsigned i = 0; i < 32; i++)
		fake_send(fd, big, BIG);
	free(big);
	close(fd);
	return NULL;
}

static void *fake_hangup(void *arg)
{
	int fd = accept(*(int *)arg, NULL, NULL);

	fake_say(fd, GREETING);
	close(fd);
	return NULL;
}

static void test_fake(void)
{
	struct hv_error err = {0};
	struct json_object *ret = NULL, *data = NULL;
	struct qmp *qmp = NULL;
	char sock[128];
	pthread_t t;
	int r;

	path_in_dir(sock, sizeof(sock), "fake.sock");
	int lfd = listen_at(sock);
	CHECK(lfd >= 0, "a fake monitor listens");
	pthread_create(&t, NULL, fake_garbage, &lfd);
	r = qmp_open(sock, 10000, &qmp, &err);
	CHECK_INT(r, 0, "garbage before the greeting and around the reply is skipped%s%s", r ? ": " : "",
		  err.message);
	if (r == 0) {
		CHECK_INT(wait_event(qmp, "EARLY", &data), 0,
			  "an event among the capabilities' reply is queued");
		CHECK_STR(member_string(data, "n"), "1", "with its data");
		json_object_put(data);

		atomic_store(&notified, 0);
		qmp_set_event_notify(qmp, count_notify, &notified);
		r = qmp_command(qmp, "big", NULL, &ret, &err);
		CHECK_INT(r, 0, "a 1 MiB reply");
		CHECK_INT(strlen(member_string(ret, "s") ?: ""), BIG, "arrives whole");
		json_object_put(ret);
		CHECK(atomic_load(&notified) >= 1, "events read with a reply are notified");
		struct json_object *placeholder = json_object_new_object();
		data = placeholder;
		CHECK_INT(wait_event(qmp, "WITH_REPLY", &data), 0, "and queued");
		CHECK(data == NULL, "an event without data has none");
		json_object_put(placeholder);
		CHECK_INT(wait_event(qmp, "LATER", NULL), 0, "an event after a reply is queued");

		hv_error_clear(&err);
		r = qmp_command(qmp, "huge", NULL, NULL, &err);
		CHECK(r == -EIO && qmp_closed(qmp), "a line beyond 16 MiB breaks the connection: %s",
		      err.message);
		hv_error_clear(&err);
		CHECK_INT(qmp_command(qmp, "query-status", NULL, NULL, &err), -EIO, "for good");
		qmp_close(qmp);
	}
	pthread_join(t, NULL);

	pthread_create(&t, NULL, fake_hangup, &lfd);
	hv_error_clear(&err);
	r = qmp_open(sock, 10000, &qmp, &err);
	CHECK(r == -EIO && qmp == NULL, "a monitor that hangs up after its greeting: EIO");
	CHECK_STR(err.message, "QEMU closed its monitor", "closed, it says");
	pthread_join(t, NULL);
	close(lfd);

	/* Connected (the backlog accepts) but never greeted. */
	path_in_dir(sock, sizeof(sock), "mute.sock");
	lfd = listen_at(sock);
	hv_error_clear(&err);
	int64_t start = now_ms();
	r = qmp_open(sock, 300, &qmp, &err);
	int64_t ms = now_ms() - start;
	CHECK_INT(r, -EIO, "a monitor that never greets: EIO");
	CHECK(ms >= 250 && ms <= 20 * 300, "after about the timeout (%lld ms)", (long long)ms);
	CHECK(strstr(err.message, "no greeting within 300 ms") != NULL, "%s", err.message);
	close(lfd);

	path_in_dir(sock, sizeof(sock), "none.sock");
	hv_error_clear(&err);
	r = qmp_open(sock, 300, &qmp, &err);
	CHECK(r == -EIO && strstr(err.message, sock), "no socket: EIO naming it (%s)", err.message);
}

int main(void)
{
	if (!mkdtemp(dir)) {
		perror("mkdtemp");
		return 1;
	}
	atexit(cleanup);
	/* Output of the test and of its QEMUs interleaves sensibly. */
	setvbuf(stdout, NULL, _IOLBF, 0);

	int64_t start = now_ms();
	test_qemu();
	test_qemu_stopped();
	test_fake();
	printf("# %lld ms\n", (long long)(now_ms() - start));
	return UNIT_DONE();
}
