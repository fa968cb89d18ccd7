/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The QMP client (drivers/qemu/qmp.h).
 *
 * The stream is framed by lines before json-c sees it: QEMU writes one
 * object per "\r\n"-terminated line and escapes newlines inside strings, so
 * a broken line can be skipped whole, where a tokener fed the raw stream
 * could read an unterminated string on into the lines after it.
 *
 * Two locks: lock owns the socket and the receive buffer and is held across
 * a command's round trip; queue_lock owns only the event queue, so that the
 * monitor thread can take events while a command is waiting for QEMU. */
#include "drivers/qemu/qmp.h"

#include <errno.h>
#include <json.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "util/log.h"

/* QEMU's largest replies (query-qmp-schema) are a few hundred KiB; a line
 * this long means the peer is not a sane QEMU. */
#define QMP_LINE_MAX   (16u << 20)
#define QMP_READ_CHUNK 65536u
/* A monitor thread that stopped draining must not cost unbounded memory. */
#define QMP_EVENTS_MAX 4096u
/* What qmp_poll() reads at most per call, so one flooding QEMU cannot keep
 * the monitor thread from its other connections (epoll calls again). */
#define QMP_POLL_READS 64

/* The line handler's wish: the greeting, nothing (replies are late ones), or
 * the reply carrying an id > 0. */
#define WANT_GREETING 0
#define WANT_NOTHING  (-1)

struct qmp_event {
	struct qmp_event *next;
	char *name;
	struct json_object *data;
};

struct qmp {
	pthread_mutex_t lock;
	int fd;
	unsigned timeout_ms;
	int64_t last_id;
	struct json_tokener *tok;
	char *buf; /* received bytes not yet consumed: a line's beginning */
	size_t len, cap;
	size_t scanned; /* buf[0..scanned) holds no '\n' */

	pthread_mutex_t queue_lock;
	struct qmp_event *head, *tail;
	unsigned queued;
	void (*notify)(void *opaque);
	void *notify_opaque;

	atomic_bool closed;
};

static int64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* 1 when fd is ready, 0 when the deadline passed first, or -errno. */
static int wait_fd(int fd, short events, int64_t deadline)
{
	struct pollfd pfd = {.fd = fd, .events = events};

	for (;;) {
		int64_t left = deadline - now_ms();
		if (left <= 0)
			return 0;
		int n = poll(&pfd, 1, (int)left);
		if (n > 0)
			return 1;
		if (n < 0 && errno != EINTR)
			return -errno;
	}
}

static int set_closed(struct qmp *qmp, struct hv_error *err)
{
	atomic_store(&qmp->closed, true);
	return hv_error_set(err, EIO, "QEMU closed its monitor");
}

/* After a protocol breach the stream cannot be trusted again.  Shutting the
 * socket down keeps it readable (EOF), so a monitor thread calls qmp_poll(),
 * learns that it is closed and stops watching it. */
static void set_broken(struct qmp *qmp)
{
	atomic_store(&qmp->closed, true);
	shutdown(qmp->fd, SHUT_RDWR);
}

static void free_event(struct qmp_event *ev)
{
	json_object_put(ev->data);
	free(ev->name);
	free(ev);
}

static void queue_event(struct qmp *qmp, struct json_object *obj, const char *name)
{
	struct qmp_event *ev = calloc(1, sizeof(*ev)), *dropped = NULL;
	struct json_object *data;

	if (!ev || !(ev->name = strdup(name))) {
		log_error("out of memory: QEMU event %s lost", name);
		free(ev);
		return;
	}
	if (json_object_object_get_ex(obj, "data", &data))
		ev->data = json_object_get(data);
	pthread_mutex_lock(&qmp->queue_lock);
	if (qmp->queued == QMP_EVENTS_MAX) {
		dropped = qmp->head;
		qmp->head = dropped->next;
		qmp->queued--;
	}
	if (qmp->tail)
		qmp->tail->next = ev;
	else
		qmp->head = ev;
	qmp->tail = ev;
	qmp->queued++;
	pthread_mutex_unlock(&qmp->queue_lock);
	if (dropped) {
		log_warning("QEMU event queue full: dropped the oldest event, %s", dropped->name);
		free_event(dropped);
	}
}

static void log_bad_line(const char *line, size_t len, const char *what)
{
	/* json-c escapes control characters and quotes, which keeps one log line one line. */
	struct json_object *shown = json_object_new_string_len(line, len > 160 ? 160 : (int)len);

	log_warning("ignoring a line from QEMU's monitor that is %s: %s%s", what,
		    shown ? json_object_to_json_string(shown) : "?", len > 160 ? "..." : "");
	json_object_put(shown);
}

/* One line, "\r\n" included: an event is queued (*queued set), the line
 * wanted is handed to *found, anything else is dropped. */
static void handle_line(struct qmp *qmp, const char *line, size_t len, int64_t want,
			struct json_object **found, bool *queued)
{
	struct json_object *obj, *member;
	size_t end;

	json_tokener_reset(qmp->tok);
	obj = json_tokener_parse_ex(qmp->tok, line, (int)len);
	end = json_tokener_get_error(qmp->tok) == json_tokener_success ? json_tokener_get_parse_end(qmp->tok)
								       : 0;
	while (end && end < len && strchr(" \t\r\n", line[end]))
		end++;
	if (end != len || !json_object_is_type(obj, json_type_object)) {
		log_bad_line(line, len, "not a JSON object");
	} else if (json_object_object_get_ex(obj, "event", &member) &&
		   json_object_is_type(member, json_type_string)) {
		queue_event(qmp, obj, json_object_get_string(member));
		*queued = true;
	} else if (json_object_object_get_ex(obj, "QMP", NULL)) {
		if (want == WANT_GREETING && !*found) {
			*found = obj;
			return;
		}
		log_warning("ignoring an unexpected greeting from QEMU's monitor");
	} else if (json_object_object_get_ex(obj, "return", NULL) ||
		   json_object_object_get_ex(obj, "error", NULL)) {
		/* A reply to a command that timed out: its caller is gone. */
		if (want > 0 && !*found && json_object_object_get_ex(obj, "id", &member) &&
		    json_object_is_type(member, json_type_int) && json_object_get_int64(member) == want) {
			*found = obj;
			return;
		}
		log_debug("dropping a late reply from QEMU's monitor: %s", json_object_to_json_string(obj));
	} else {
		log_bad_line(line, len, "neither an event nor a reply");
	}
	json_object_put(obj);
}

/* Consumes every complete line of the buffer. */
static int handle_lines(struct qmp *qmp, int64_t want, struct json_object **found, bool *queued,
			struct hv_error *err)
{
	size_t start = 0;
	char *nl;

	while ((nl = memchr(qmp->buf + qmp->scanned, '\n', qmp->len - qmp->scanned))) {
		size_t end = (size_t)(nl - qmp->buf) + 1;
		handle_line(qmp, qmp->buf + start, end - start, want, found, queued);
		start = qmp->scanned = end;
	}
	memmove(qmp->buf, qmp->buf + start, qmp->len - start);
	qmp->len -= start;
	qmp->scanned = qmp->len;
	if (qmp->len > QMP_LINE_MAX) {
		set_broken(qmp);
		return hv_error_set(err, EIO, "QEMU's monitor sent a line longer than %u MiB",
				    QMP_LINE_MAX >> 20);
	}
	return 0;
}

/* One read: 1 when bytes came, 0 when none were there, -EIO when the peer
 * is gone. */
static int read_some(struct qmp *qmp, struct hv_error *err)
{
	ssize_t n;

	if (qmp->cap - qmp->len < QMP_READ_CHUNK) {
		size_t cap =
		    qmp->cap * 2 > qmp->len + QMP_READ_CHUNK ? qmp->cap * 2 : qmp->len + QMP_READ_CHUNK;
		char *buf = realloc(qmp->buf, cap);
		if (!buf)
			return hv_error_set(err, ENOMEM, "out of memory reading QEMU's monitor");
		qmp->buf = buf;
		qmp->cap = cap;
	}
	n = read(qmp->fd, qmp->buf + qmp->len, qmp->cap - qmp->len);
	if (n > 0) {
		qmp->len += (size_t)n;
		return 1;
	}
	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return 0;
	if (n < 0 && errno != ECONNRESET)
		log_warning("reading QEMU's monitor: %s", strerror(errno));
	return set_closed(qmp, err);
}

/* Reads until the line wanted came in.  -ETIMEDOUT, with err untouched, when
 * the deadline passed first: the caller knows what was awaited. */
static int read_until(struct qmp *qmp, int64_t want, int64_t deadline, struct json_object **found,
		      bool *queued, struct hv_error *err)
{
	while (!*found) {
		int r = wait_fd(qmp->fd, POLLIN, deadline);
		if (r == 0)
			return -ETIMEDOUT;
		if (r < 0)
			return hv_error_set(err, EIO, "cannot wait for QEMU's monitor: %s", strerror(-r));
		r = read_some(qmp, err);
		if (r > 0)
			r = handle_lines(qmp, want, found, queued, err);
		if (r < 0)
			return r;
	}
	return 0;
}

static int send_line(struct qmp *qmp, const char *command, const char *line, int64_t deadline,
		     struct hv_error *err)
{
	size_t len = strlen(line), off = 0;

	while (off < len) {
		ssize_t n = send(qmp->fd, line + off, len - off, MSG_NOSIGNAL);
		if (n >= 0) {
			off += (size_t)n;
			continue;
		}
		if (errno == EINTR)
			continue;
		if (errno != EAGAIN)
			return set_closed(qmp, err);
		int r = wait_fd(qmp->fd, POLLOUT, deadline);
		if (r > 0)
			continue;
		/* Half a command in the stream would garble the next one. */
		if (off > 0)
			set_broken(qmp);
		return hv_error_set(err, EIO, "QEMU did not take '%s' within %u ms", command,
				    qmp->timeout_ms);
	}
	return 0;
}

static int error_errno(const char *cls)
{
	if (cls && (strcmp(cls, "CommandNotFound") == 0 || strcmp(cls, "KVMMissingCap") == 0))
		return EOPNOTSUPP;
	if (cls && strcmp(cls, "DeviceNotFound") == 0)
		return ENOENT;
	return cls && strcmp(cls, "DeviceNotActive") == 0 ? EBUSY : EIO;
}

/* The connection is held across a whole round trip; the wait for it is
 * bounded like any other, so a QEMU that hangs holds each caller up for
 * about two timeouts at most. */
static int lock_connection(struct qmp *qmp, const char *command, struct hv_error *err)
{
	struct timespec abs;
	int64_t ns;

	clock_gettime(CLOCK_REALTIME, &abs);
	ns = abs.tv_nsec + (int64_t)(qmp->timeout_ms % 1000) * 1000000;
	abs.tv_sec += qmp->timeout_ms / 1000 + ns / 1000000000;
	abs.tv_nsec = ns % 1000000000;
	if (pthread_mutex_timedlock(&qmp->lock, &abs) == 0)
		return 0;
	return hv_error_set(err, EIO,
			    "QEMU's monitor stayed busy with another command for %u ms, '%s' not sent",
			    qmp->timeout_ms, command);
}

int qmp_command(struct qmp *qmp, const char *command, struct json_object *args, struct json_object **ret,
		struct hv_error *err)
{
	struct json_object *msg = json_object_new_object(), *reply = NULL, *value;
	char *line = NULL;
	bool queued = false;
	int64_t id, deadline;
	int r;

	if (ret)
		*ret = NULL;
	if (!msg) {
		json_object_put(args);
		return hv_error_set(err, ENOMEM, "out of memory sending '%s' to QEMU", command);
	}
	json_object_object_add(msg, "execute", json_object_new_string(command));
	if (args)
		json_object_object_add(msg, "arguments", args);
	r = lock_connection(qmp, command, err);
	if (r < 0)
		goto out;
	if (atomic_load(&qmp->closed)) {
		r = set_closed(qmp, err);
		goto unlock;
	}
	id = ++qmp->last_id;
	json_object_object_add(msg, "id", json_object_new_int64(id));
	if (asprintf(&line, "%s\r\n", json_object_to_json_string_ext(msg, JSON_C_TO_STRING_PLAIN)) < 0) {
		line = NULL;
		r = hv_error_set(err, ENOMEM, "out of memory sending '%s' to QEMU", command);
		goto unlock;
	}
	deadline = now_ms() + qmp->timeout_ms;
	r = send_line(qmp, command, line, deadline, err);
	if (r == 0)
		r = read_until(qmp, id, deadline, &reply, &queued, err);
	if (r == -ETIMEDOUT)
		r = hv_error_set(err, EIO, "QEMU did not answer '%s' within %u ms", command, qmp->timeout_ms);
unlock:
	pthread_mutex_unlock(&qmp->lock);
	if (r == 0 && json_object_object_get_ex(reply, "error", &value)) {
		struct json_object *cls = json_object_object_get(value, "class");
		struct json_object *desc = json_object_object_get(value, "desc");
		r = hv_error_set(err, error_errno(json_object_get_string(cls)), "QEMU: '%s' failed: %s",
				 command, desc ? json_object_get_string(desc) : "(no description)");
	} else if (r == 0 && ret && json_object_object_get_ex(reply, "return", &value)) {
		*ret = json_object_get(value);
	}
	if (queued) {
		pthread_mutex_lock(&qmp->queue_lock);
		void (*notify)(void *opaque) = qmp->notify;
		void *opaque = qmp->notify_opaque;
		pthread_mutex_unlock(&qmp->queue_lock);
		if (notify)
			notify(opaque);
	}
out:
	free(line);
	json_object_put(reply);
	json_object_put(msg);
	return r;
}

static int connect_socket(struct qmp *qmp, const char *path, int64_t deadline, struct hv_error *err)
{
	struct sockaddr_un addr = {.sun_family = AF_UNIX};

	if (strlen(path) >= sizeof(addr.sun_path))
		return hv_error_set(err, EINVAL, "QEMU's monitor path is too long for a socket: %s", path);
	strcpy(addr.sun_path, path);
	/* A UNIX socket connects at once or not at all, even non-blocking:
	 * EAGAIN is a full listen backlog (QEMU slow to accept), and nothing can
	 * be polled for that. */
	while (connect(qmp->fd, (struct sockaddr *)&addr, sizeof(addr)) < 0) {
		if ((errno != EAGAIN && errno != EINTR) || now_ms() >= deadline)
			return hv_error_set(err, EIO, "cannot connect to QEMU's monitor %s: %s", path,
					    strerror(errno));
		poll(NULL, 0, 10);
	}
	return 0;
}

int qmp_open(const char *path, unsigned timeout_ms, struct qmp **out, struct hv_error *err)
{
	struct qmp *qmp = calloc(1, sizeof(*qmp));
	struct json_object *greeting = NULL;
	bool queued = false;
	int64_t deadline = now_ms() + timeout_ms;
	int r;

	*out = NULL;
	if (!qmp)
		return hv_error_set(err, ENOMEM, "out of memory connecting to QEMU");
	pthread_mutex_init(&qmp->lock, NULL);
	pthread_mutex_init(&qmp->queue_lock, NULL);
	qmp->timeout_ms = timeout_ms;
	qmp->tok = json_tokener_new();
	qmp->fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (!qmp->tok || qmp->fd < 0)
		r = hv_error_set(err, EIO, "cannot create a socket for QEMU's monitor: %s", strerror(errno));
	else
		r = connect_socket(qmp, path, deadline, err);
	if (r == 0)
		r = read_until(qmp, WANT_GREETING, deadline, &greeting, &queued, err);
	if (r == -ETIMEDOUT)
		r = hv_error_set(err, EIO, "QEMU's monitor %s sent no greeting within %u ms", path,
				 timeout_ms);
	json_object_put(greeting);
	if (r == 0)
		r = qmp_command(qmp, "qmp_capabilities", NULL, NULL, err);
	if (r < 0)
		goto fail;
	*out = qmp;
	return 0;
fail:
	qmp_close(qmp);
	return r;
}

void qmp_close(struct qmp *qmp)
{
	struct qmp_event *ev;

	if (!qmp)
		return;
	if (qmp->fd >= 0)
		close(qmp->fd);
	while ((ev = qmp->head)) {
		qmp->head = ev->next;
		free_event(ev);
	}
	if (qmp->tok)
		json_tokener_free(qmp->tok);
	free(qmp->buf);
	pthread_mutex_destroy(&qmp->queue_lock);
	pthread_mutex_destroy(&qmp->lock);
	free(qmp);
}

int qmp_fd(const struct qmp *qmp)
{
	return qmp->fd;
}

bool qmp_closed(const struct qmp *qmp)
{
	return atomic_load(&qmp->closed);
}

int qmp_poll(struct qmp *qmp, struct hv_error *err)
{
	struct json_object *none = NULL;
	bool queued = false;
	int r = 0;

	if (atomic_load(&qmp->closed))
		return set_closed(qmp, err);
	/* The command in flight reads, queues and notifies for us. */
	if (pthread_mutex_trylock(&qmp->lock) != 0)
		return 0;
	for (int i = 0; i < QMP_POLL_READS && r == 0; i++) {
		r = read_some(qmp, err);
		if (r == 0)
			break;
		if (r > 0)
			r = handle_lines(qmp, WANT_NOTHING, &none, &queued, err);
	}
	pthread_mutex_unlock(&qmp->lock);
	return r;
}

int qmp_next_event(struct qmp *qmp, char **name, struct json_object **data)
{
	struct qmp_event *ev;

	pthread_mutex_lock(&qmp->queue_lock);
	ev = qmp->head;
	if (ev) {
		qmp->head = ev->next;
		if (!qmp->head)
			qmp->tail = NULL;
		qmp->queued--;
	}
	pthread_mutex_unlock(&qmp->queue_lock);
	if (!ev)
		return 0;
	*name = ev->name;
	*data = ev->data;
	free(ev);
	return 1;
}

void qmp_set_event_notify(struct qmp *qmp, void (*fn)(void *opaque), void *opaque)
{
	pthread_mutex_lock(&qmp->queue_lock);
	qmp->notify = fn;
	qmp->notify_opaque = opaque;
	pthread_mutex_unlock(&qmp->queue_lock);
}
