/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* A minimal table-friendly test harness that speaks TAP, so that
 * tests/run.sh can count results the same way for C and bats. */
#ifndef HVFS_TESTS_UNIT_H
#define HVFS_TESTS_UNIT_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* hvfs's own rules are what the unit tests check, the same on every host:
 * libvirt's schemas (schema/validate.h), when installed, are left out
 * unless the environment names them.  test_schema turns them on itself. */
__attribute__((constructor)) static void unit_without_libvirt_schemas_(void)
{
	setenv("HVFS_LIBVIRT_SCHEMAS", "none", 0);
}

static int unit_count_;
static int unit_failed_;

/* One TAP line per check; the message names the case on failure. */
#define CHECK(cond, ...)                                                                                     \
	do {                                                                                                 \
		unit_count_++;                                                                               \
		if (cond) {                                                                                  \
			printf("ok %d - ", unit_count_);                                                     \
		} else {                                                                                     \
			unit_failed_++;                                                                      \
			printf("not ok %d - %s:%d: ", unit_count_, __FILE__, __LINE__);                      \
		}                                                                                            \
		printf(__VA_ARGS__);                                                                         \
		printf("\n");                                                                                \
	} while (0)

#define CHECK_STR(got, want, ...)                                                                            \
	do {                                                                                                 \
		const char *got_ = (got), *want_ = (want);                                                   \
		CHECK(got_ &&want_ &&strcmp(got_, want_) == 0, __VA_ARGS__);                                 \
		if (!(got_ && want_ && strcmp(got_, want_) == 0))                                            \
			printf("#   got '%s', want '%s'\n", got_ ? got_ : "(null)", want_);                  \
	} while (0)

#define CHECK_INT(got, want, ...)                                                                            \
	do {                                                                                                 \
		long long got_ = (long long)(got), want_ = (long long)(want);                                \
		CHECK(got_ == want_, __VA_ARGS__);                                                           \
		if (got_ != want_)                                                                           \
			printf("#   got %lld, want %lld\n", got_, want_);                                    \
	} while (0)

/* Ends main(): prints the plan and returns the exit status. */
#define UNIT_DONE()                                                                                          \
	({                                                                                                   \
		printf("1..%d\n", unit_count_);                                                              \
		unit_failed_ ? 1 : 0;                                                                        \
	})

#endif
