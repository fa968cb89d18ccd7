/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* notify_latency MNT DOMAIN N: latency from a driver-originated change to
 * the inotify event and to the `events` line.
 *
 * The driver-originated change is the test driver completing a shutdown on
 * its own timer thread (mount with shutdown_delay_ms=0).  Its moment is the
 * timestamp the daemon writes into the events line (taken when the change
 * is reported); the arrivals are CLOCK_REALTIME when the inotify event on
 * DOMAIN/id (id changes only at completion) and the events line are read.
 * Prints one line per measure: NAME median_us p99_us samples. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <time.h>
#include <unistd.h>

static double now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (double)ts.tv_sec * 1e6 + (double)ts.tv_nsec / 1e3;
}

static int command(const char *control, const char *word)
{
	int fd = open(control, O_WRONLY | O_TRUNC);

	if (fd < 0)
		return -1;
	ssize_t n = write(fd, word, strlen(word));
	close(fd);
	return n < 0 ? -1 : 0;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

static void report(const char *name, double *v, int n)
{
	qsort(v, (size_t)n, sizeof(*v), cmp_double);
	printf("%s %.1f %.1f %d\n", name, n ? v[n / 2] : 0, n ? v[(int)(n * 0.99)] : 0, n);
}

/* Reads events lines until one contains needle; returns its timestamp (µs). */
static double wait_event_line(int fd, const char *needle, double *arrival)
{
	static char buf[1 << 16];
	static size_t have;

	for (;;) {
		char *nl;
		while ((nl = memchr(buf, '\n', have))) {
			*nl = '\0';
			double ts = 0;
			int match = strstr(buf, needle) != NULL;
			if (match) {
				char *sp = strchr(buf, ' ');
				ts = sp ? atof(sp + 1) * 1e6 : 0;
			}
			size_t used = (size_t)(nl - buf) + 1;
			memmove(buf, nl + 1, have - used);
			have -= used;
			if (match)
				return ts;
		}
		struct pollfd p = {.fd = fd, .events = POLLIN};
		if (poll(&p, 1, 5000) <= 0)
			return -1;
		ssize_t n = read(fd, buf + have, sizeof(buf) - have - 1);
		*arrival = now_us();
		if (n <= 0)
			return -1;
		have += (size_t)n;
	}
}

int main(int argc, char **argv)
{
	char control[4096], id[4096], events[4096], needle[256];

	if (argc != 4) {
		fprintf(stderr, "usage: %s MNT DOMAIN N\n", argv[0]);
		return 2;
	}
	int n = atoi(argv[3]);
	snprintf(control, sizeof(control), "%s/domains/%s/control", argv[1], argv[2]);
	snprintf(id, sizeof(id), "%s/domains/%s/id", argv[1], argv[2]);
	snprintf(events, sizeof(events), "%s/events", argv[1]);
	snprintf(needle, sizeof(needle), "domains/%s stopped shutdown", argv[2]);

	int in = inotify_init1(IN_NONBLOCK);
	int ev = open(events, O_RDONLY | O_NONBLOCK);
	if (in < 0 || ev < 0 || inotify_add_watch(in, id, IN_MODIFY) < 0) {
		perror("setup");
		return 1;
	}
	double *to_inotify = calloc((size_t)n, sizeof(double));
	double *to_events = calloc((size_t)n, sizeof(double));
	int got_inotify = 0, got_events = 0;
	char ibuf[4096];

	for (int i = 0; i < n; i++) {
		if (command(control, "start\n") < 0) {
			perror("start");
			return 1;
		}
		usleep(2000); /* let the start's own notifications pass */
		while (read(in, ibuf, sizeof(ibuf)) > 0)
			;
		if (command(control, "shutdown\n") < 0) {
			perror("shutdown");
			return 1;
		}
		double arrival = 0;
		double change = wait_event_line(ev, needle, &arrival);
		if (change > 0)
			to_events[got_events++] = arrival - change;
		/* The id file changes only when the shutdown completes. */
		struct pollfd p = {.fd = in, .events = POLLIN};
		if (poll(&p, 1, 5000) > 0 && read(in, ibuf, sizeof(ibuf)) > 0 && change > 0)
			to_inotify[got_inotify++] = now_us() - change;
	}
	report("change_to_inotify_us", to_inotify, got_inotify);
	report("change_to_events_us", to_events, got_events);
	free(to_inotify);
	free(to_events);
	return 0;
}
