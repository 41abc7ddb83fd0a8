/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The one way to fail: every fallible function takes `struct err *` as its
 * last argument, fills it and returns a negative value (-1). The message
 * travels up unchanged and exactly one place prints it (runtime/main.c,
 * vmm/main.c, agent/main.c), in runc's text or log.json form.
 */
#ifndef INCEPT_ERROR_H
#define INCEPT_ERROR_H

#include <stddef.h>

#define ERR_MSG_MAX 1024

struct err {
	int errnum;	       /* errno of the cause, 0 when there is none */
	char msg[ERR_MSG_MAX]; /* full message, runc style, no trailing newline */
};

/* Clears the error object. */
void err_clear(struct err *e);

/* Sets a message (printf-style). errnum is kept in e->errnum only. Returns -1. */
/* `e` may be NULL: the call then only returns -1 (for callers that ignore the reason). */
int err_set(struct err *e, int errnum, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/*
 * Sets a message and appends ": <strerror(errnum)>" in Go's lower-case form
 * ("open x: no such file or directory"), as runc prints. Returns -1.
 */
int err_sys(struct err *e, int errnum, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* Prepends "<prefix>: " to the current message, keeping errnum. Returns -1. */
int err_prefix(struct err *e, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Lower-case strerror, e.g. "no such file or directory". */
const char *err_str(int errnum, char *buf, size_t len);

#endif
