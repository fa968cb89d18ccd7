/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* poll_wait FILE pri|in TIMEOUT_MS: the C side of the poll(2) tests.
 * Opens FILE, reads it to the end (as a sysfs poller does), prints
 * "ready", then polls for POLLPRI (attribute files) or POLLIN (events).
 * On wake-up it prints the revents, seeks to 0 when polling an attribute,
 * and prints what it reads next; on timeout it prints "timeout". */
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static void drain(int fd, int print)
{
	char buf[4096];
	ssize_t n;

	while ((n = read(fd, buf, sizeof(buf))) > 0)
		if (print)
			fwrite(buf, 1, (size_t)n, stdout);
}

int main(int argc, char **argv)
{
	if (argc != 4 || (strcmp(argv[2], "pri") != 0 && strcmp(argv[2], "in") != 0)) {
		fprintf(stderr, "usage: %s FILE pri|in TIMEOUT_MS\n", argv[0]);
		return 2;
	}
	int attribute = strcmp(argv[2], "pri") == 0;
	int fd = open(argv[1], O_RDONLY | (attribute ? 0 : O_NONBLOCK));
	if (fd < 0) {
		perror(argv[1]);
		return 1;
	}
	if (attribute)
		drain(fd, 0);
	printf("ready\n");
	fflush(stdout);
	struct pollfd pfd = {.fd = fd, .events = attribute ? POLLPRI : POLLIN};
	int n = poll(&pfd, 1, atoi(argv[3]));
	if (n < 0) {
		perror("poll");
		return 1;
	}
	if (n == 0) {
		printf("timeout\n");
		return 3;
	}
	printf("revents%s%s%s\n", pfd.revents & POLLIN ? " POLLIN" : "",
	       pfd.revents & POLLPRI ? " POLLPRI" : "", pfd.revents & POLLERR ? " POLLERR" : "");
	if (attribute && lseek(fd, 0, SEEK_SET) < 0) {
		perror("lseek");
		return 1;
	}
	drain(fd, 1);
	fflush(stdout);
	close(fd);
	return 0;
}
