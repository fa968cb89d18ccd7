/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The `events` file: one fixed-size ring of preformatted lines
 *   SEQ TIMESTAMP PATH EVENT [DETAIL]\n
 * with a cursor per open.  A reader sees what happened after it opened; one
 * that falls more than the ring's size behind reads "SEQ TIMESTAMP / overflow"
 * (SEQ = the first event it lost) and continues with the oldest event held.
 * A blocking read with nothing to read is parked and answered by the next
 * append, so no worker thread ever waits; a slow reader holds nothing but its
 * cursor, so it never blocks the daemon or the other readers. */
#ifndef HVFS_FS_EVENTS_H
#define HVFS_FS_EVENTS_H

#include "fs/fs.h"

#define EVENTS_RING_SIZE 4096
#define EVENTS_LINE_MAX	 256

struct events;
struct events_reader;

struct events *events_create(void);
/* Answers parked reads (EINTR) and frees everything.  destroy(NULL) is a no-op. */
void events_destroy(struct events *events);
/* Set once the session exists, for poll notifications. */
void events_set_session(struct events *events, struct fuse_session *session);
/* Answers every parked read with EINTR: called when the session ends. */
void events_wake_all(struct events *events);

/* Thread-safe; never allocates; may reply to parked reads.  detail may be NULL. */
void events_append(struct events *events, const char *path, const char *event, const char *detail);

int events_open(struct events *events, struct events_reader **out);
/* Replies to req itself (now, or later when an event arrives). */
void events_read(struct events *events, struct events_reader *reader, fuse_req_t req, size_t size, int flags);
/* POLLIN|POLLRDNORM when there is something to read; ph (may be NULL) is
 * kept and notified at the next append. */
unsigned events_poll(struct events *events, struct events_reader *reader, struct fuse_pollhandle *ph);
void events_release(struct events *events, struct events_reader *reader);

#endif
