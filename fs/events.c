/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The events ring.  See events.h for the contract.
 *
 * Sequence numbers start at 1.  With RING slots, event s lives in slot
 * s % RING while s > next - RING.  Example with RING = 4: after events 1..6,
 * slots hold 5, 6, 3, 4; the oldest held is 3; a reader whose cursor is 2
 * has lost event 2 and gets "2 TS / overflow", then 3, 4, 5, 6. */
#include "fs/events.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "util/log.h"

struct event_record {
	uint16_t len;
	char line[EVENTS_LINE_MAX];
};

struct events_reader {
	struct fs_file base;
	struct events_reader *next;
	uint64_t cursor;		     /* next sequence number to deliver */
	size_t offset;			     /* bytes of the cursor's line already delivered */
	char overflow_line[EVENTS_LINE_MAX]; /* pending overflow notice, if any */
	uint16_t overflow_len;
	fuse_req_t parked; /* a blocking read waiting for an event */
	size_t parked_size;
	struct fuse_pollhandle *poll_handle;
};

struct events {
	pthread_mutex_t lock;
	struct fuse_session *session;
	uint64_t next_seq;
	struct events_reader *readers;
	struct event_record ring[EVENTS_RING_SIZE];
};

struct events *events_create(void)
{
	struct events *events = calloc(1, sizeof(*events));

	if (!events)
		return NULL;
	pthread_mutex_init(&events->lock, NULL);
	events->next_seq = 1;
	return events;
}

void events_set_session(struct events *events, struct fuse_session *session)
{
	pthread_mutex_lock(&events->lock);
	events->session = session;
	pthread_mutex_unlock(&events->lock);
}

static uint64_t oldest_held(const struct events *events)
{
	return events->next_seq > EVENTS_RING_SIZE ? events->next_seq - EVENTS_RING_SIZE : 1;
}

static int format_line(char *buf, uint64_t seq, const char *path, const char *event, const char *detail)
{
	struct timespec now;
	int n;

	clock_gettime(CLOCK_REALTIME, &now);
	n = snprintf(buf, EVENTS_LINE_MAX, "%llu %lld.%06ld %s %s%s%s\n", (unsigned long long)seq,
		     (long long)now.tv_sec, now.tv_nsec / 1000, path, event, detail ? " " : "",
		     detail ? detail : "");
	if (n >= EVENTS_LINE_MAX) {
		/* Truncated: keep it a line. */
		buf[EVENTS_LINE_MAX - 2] = '\n';
		n = EVENTS_LINE_MAX - 1;
	}
	return n;
}

/* Copies whole lines (or the rest of a partly read one) into buf.
 * Returns the byte count; advances the reader.  Lock held. */
static size_t fill_locked(struct events *events, struct events_reader *r, char *buf, size_t size)
{
	size_t used = 0;

	if (r->cursor < oldest_held(events) && r->overflow_len == 0) {
		r->overflow_len = (uint16_t)format_line(r->overflow_line, r->cursor, "/", "overflow", NULL);
		r->offset = 0;
	}
	while (used < size) {
		const char *line;
		size_t len;
		if (r->overflow_len) {
			line = r->overflow_line;
			len = r->overflow_len;
		} else if (r->cursor < events->next_seq) {
			const struct event_record *rec = &events->ring[r->cursor % EVENTS_RING_SIZE];
			line = rec->line;
			len = rec->len;
		} else {
			break;
		}
		size_t rest = len - r->offset;
		/* Whole lines, except when a buffer too small for one line
		 * asks: then the line is delivered in pieces. */
		if (rest > size - used && used > 0)
			break;
		size_t n = rest < size - used ? rest : size - used;
		memcpy(buf + used, line + r->offset, n);
		used += n;
		r->offset += n;
		if (r->offset < len)
			break;
		r->offset = 0;
		if (r->overflow_len) {
			r->overflow_len = 0;
			r->cursor = oldest_held(events);
		} else {
			r->cursor++;
		}
	}
	return used;
}

static bool readable_locked(const struct events *events, const struct events_reader *r)
{
	return r->overflow_len || r->cursor < events->next_seq;
}

struct parked_reply {
	fuse_req_t req;
	char *buf;
	size_t len;
};

void events_append(struct events *events, const char *path, const char *event, const char *detail)
{
	struct parked_reply replies[16];
	size_t count = 0;

	pthread_mutex_lock(&events->lock);
	uint64_t seq = events->next_seq;
	struct event_record *rec = &events->ring[seq % EVENTS_RING_SIZE];
	rec->len = (uint16_t)format_line(rec->line, seq, path, event, detail);
	events->next_seq++;
	for (struct events_reader *r = events->readers; r; r = r->next) {
		if (r->poll_handle && events->session) {
			fuse_lowlevel_notify_poll(r->poll_handle);
			fuse_pollhandle_destroy(r->poll_handle);
			r->poll_handle = NULL;
		}
		if (!r->parked || count == sizeof(replies) / sizeof(replies[0]))
			continue;
		char *buf = malloc(r->parked_size);
		if (!buf)
			continue; /* stays parked; the next event retries */
		replies[count].req = r->parked;
		replies[count].buf = buf;
		replies[count].len = fill_locked(events, r, buf, r->parked_size);
		count++;
		r->parked = NULL;
	}
	pthread_mutex_unlock(&events->lock);
	/* Reply outside the lock: a reply may block briefly on the device. */
	for (size_t i = 0; i < count; i++) {
		fuse_reply_buf(replies[i].req, replies[i].buf, replies[i].len);
		free(replies[i].buf);
	}
}

int events_open(struct events *events, struct events_reader **out)
{
	struct events_reader *r = calloc(1, sizeof(*r));

	if (!r)
		return -ENOMEM;
	r->base.type = FS_FILE_EVENTS;
	pthread_mutex_lock(&events->lock);
	r->cursor = events->next_seq;
	r->next = events->readers;
	events->readers = r;
	pthread_mutex_unlock(&events->lock);
	*out = r;
	return 0;
}

static void on_interrupt(fuse_req_t req, void *data)
{
	struct events_reader *r = data;
	struct events *events =
	    fuse_req_userdata(req) ? ((struct fs_ctx *)fuse_req_userdata(req))->events : NULL;
	bool mine = false;

	if (!events)
		return;
	pthread_mutex_lock(&events->lock);
	if (r->parked == req) {
		r->parked = NULL;
		mine = true;
	}
	pthread_mutex_unlock(&events->lock);
	if (mine)
		fuse_reply_err(req, EINTR);
}

void events_read(struct events *events, struct events_reader *r, fuse_req_t req, size_t size, int flags)
{
	char *buf = malloc(size ? size : 1);
	size_t len;

	if (!buf) {
		fuse_reply_err(req, ENOMEM);
		return;
	}
	pthread_mutex_lock(&events->lock);
	len = fill_locked(events, r, buf, size);
	if (len == 0 && r->parked) {
		pthread_mutex_unlock(&events->lock);
		free(buf);
		fuse_reply_err(req, EBUSY); /* one blocking read per open at a time */
		return;
	}
	pthread_mutex_unlock(&events->lock);
	if (len > 0 || size == 0) {
		fuse_reply_buf(req, buf, len);
		free(buf);
		return;
	}
	free(buf);
	if (flags & O_NONBLOCK) {
		fuse_reply_err(req, EAGAIN);
		return;
	}
	/* Register for interrupts before parking: if the reader was already
	 * interrupted, the callback runs now and finds nothing parked. */
	fuse_req_interrupt_func(req, on_interrupt, r);
	if (fuse_req_interrupted(req)) {
		fuse_reply_err(req, EINTR);
		return;
	}
	pthread_mutex_lock(&events->lock);
	if (readable_locked(events, r)) {
		/* An event arrived in between: answer now. */
		pthread_mutex_unlock(&events->lock);
		events_read(events, r, req, size, flags | O_NONBLOCK);
		return;
	}
	r->parked = req;
	r->parked_size = size;
	pthread_mutex_unlock(&events->lock);
}

unsigned events_poll(struct events *events, struct events_reader *r, struct fuse_pollhandle *ph)
{
	unsigned revents;

	pthread_mutex_lock(&events->lock);
	revents = readable_locked(events, r) ? POLLIN | POLLRDNORM : 0;
	if (ph) {
		if (r->poll_handle)
			fuse_pollhandle_destroy(r->poll_handle);
		r->poll_handle = ph;
	}
	pthread_mutex_unlock(&events->lock);
	return revents;
}

static void unlink_reader_locked(struct events *events, struct events_reader *r)
{
	for (struct events_reader **p = &events->readers; *p; p = &(*p)->next) {
		if (*p == r) {
			*p = r->next;
			break;
		}
	}
}

void events_release(struct events *events, struct events_reader *r)
{
	fuse_req_t parked;

	pthread_mutex_lock(&events->lock);
	unlink_reader_locked(events, r);
	parked = r->parked;
	r->parked = NULL;
	pthread_mutex_unlock(&events->lock);
	if (parked)
		fuse_reply_err(parked, EINTR);
	if (r->poll_handle)
		fuse_pollhandle_destroy(r->poll_handle);
	free(r);
}

void events_wake_all(struct events *events)
{
	fuse_req_t parked[64];
	size_t count;

	if (!events)
		return;
	do {
		count = 0;
		pthread_mutex_lock(&events->lock);
		for (struct events_reader *r = events->readers; r && count < 64; r = r->next) {
			if (r->parked) {
				parked[count++] = r->parked;
				r->parked = NULL;
			}
		}
		pthread_mutex_unlock(&events->lock);
		for (size_t i = 0; i < count; i++)
			fuse_reply_err(parked[i], EINTR);
	} while (count == 64);
}

void events_destroy(struct events *events)
{
	if (!events)
		return;
	events_wake_all(events);
	while (events->readers) {
		struct events_reader *r = events->readers;
		events->readers = r->next;
		if (r->poll_handle)
			fuse_pollhandle_destroy(r->poll_handle);
		free(r);
	}
	pthread_mutex_destroy(&events->lock);
	free(events);
}
