/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* A client of QEMU's QMP monitor: one struct qmp per QEMU process, shared by
 * the worker threads that send commands and the monitor thread that waits
 * for events.
 *
 * Every wait is bounded by the connection's timeout: a QEMU that hangs (or is
 * stopped with SIGSTOP) costs a caller at most about twice timeout_ms (the
 * wait for the connection, then the wait for the reply), never a hung FUSE
 * request.  A reply that comes too late is recognised by its id and dropped.
 *
 * Events: whoever reads the socket queues the events it finds.  The monitor
 * thread watches qmp_fd() with a level-triggered epoll (EPOLLIN, not
 * EPOLLET: qmp_poll() may leave data behind for a command in progress),
 * calls qmp_poll() and then drains qmp_next_event().  Events that came in
 * with a command's reply were already read from the socket, so the notify
 * callback wakes the monitor thread for them.  Events queued by qmp_open()
 * (before a callback could be set) are waiting in the queue. */
#ifndef HVFS_DRIVERS_QEMU_QMP_H
#define HVFS_DRIVERS_QEMU_QMP_H

#include <stdbool.h>

#include "util/error.h"

struct json_object;
struct qmp;

/* Connects to QEMU's QMP UNIX socket at path, reads the greeting and
 * negotiates (qmp_capabilities).  timeout_ms bounds every wait of this
 * connection (connect, greeting, each command's reply). */
int qmp_open(const char *path, unsigned timeout_ms, struct qmp **out, struct hv_error *err);
/* No other thread may be using qmp.  NULL is ok. */
void qmp_close(struct qmp *qmp);
/* The socket, for a monitor thread's epoll: readable when events arrive. */
int qmp_fd(const struct qmp *qmp);

/* Runs command with args (a json object or NULL; ownership is taken either
 * way).  On success *ret (when ret is not NULL) is the reply's "return"
 * value, which the caller json_object_put()s.  Errors, all with a sentence
 * in err:
 *  - QEMU answered with an error: CommandNotFound and KVMMissingCap give
 *    -EOPNOTSUPP, DeviceNotFound -ENOENT, DeviceNotActive -EBUSY, any other
 *    class -EIO; the sentence quotes QEMU's description;
 *  - no answer within timeout_ms, or another thread held the connection
 *    longer than that: -EIO;
 *  - QEMU closed the monitor (or broke the protocol beyond repair): -EIO,
 *    and qmp_closed() is true from then on. */
int qmp_command(struct qmp *qmp, const char *command, struct json_object *args, struct json_object **ret,
		struct hv_error *err);

/* Reads whatever is available without blocking and queues the events.  When
 * a thread is inside qmp_command(), returns 0 at once: that thread reads and
 * queues.  -EIO when QEMU has closed the monitor (qmp_closed() then true:
 * stop watching the fd, it stays readable). */
int qmp_poll(struct qmp *qmp, struct hv_error *err);

/* Takes the oldest queued event: *name heap-allocated ("SHUTDOWN"), *data
 * its "data" member (caller puts; NULL when none).  Returns 1 when one was
 * taken, 0 when the queue is empty.  Never waits for a command in flight. */
int qmp_next_event(struct qmp *qmp, char **name, struct json_object **data);

/* fn(opaque) is called, on the thread of a qmp_command() and holding none of
 * the connection's locks, after that command queued events. */
void qmp_set_event_notify(struct qmp *qmp, void (*fn)(void *opaque), void *opaque);

bool qmp_closed(const struct qmp *qmp);

#endif
