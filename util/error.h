/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* An error as reported to the user: an errno and one human sentence.  The
 * sentence ends up in the object's last_error file and in the log. */
#ifndef HVFS_UTIL_ERROR_H
#define HVFS_UTIL_ERROR_H

#define HV_ERROR_MESSAGE_MAX 512

struct hv_error {
	int code; /* positive errno, 0 when unset */
	char message[HV_ERROR_MESSAGE_MAX];
};

/* Records code and the formatted sentence in err (which may be NULL) and
 * returns -code, so that callers can write `return hv_error_set(err, EBUSY, ...)`.
 * A message already recorded is kept: the first, innermost reason wins. */
int hv_error_set(struct hv_error *err, int code, const char *format, ...)
    __attribute__((format(printf, 3, 4)));
void hv_error_clear(struct hv_error *err);

#endif
