// SPDX-License-Identifier: Apache-2.0
#include "error.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

void err_clear(struct err *e)
{
	e->errnum = 0;
	e->msg[0] = '\0';
}

const char *err_str(int errnum, char *buf, size_t len)
{
	if (len == 0)
		return buf;
	snprintf(buf, len, "%s", strerror(errnum));
	/* Go (and so runc) prints "no such file or directory"; keep "I/O" etc. as is. */
	if (isupper((unsigned char)buf[0]) && !isupper((unsigned char)buf[1]))
		buf[0] = (char)tolower((unsigned char)buf[0]);
	return buf;
}

int err_set(struct err *e, int errnum, const char *fmt, ...)
{
	va_list ap;

	if (!e)
		return -1; /* the caller only wants to know that it failed */
	va_start(ap, fmt);
	vsnprintf(e->msg, sizeof(e->msg), fmt, ap);
	va_end(ap);
	e->errnum = errnum;
	return -1;
}

int err_sys(struct err *e, int errnum, const char *fmt, ...)
{
	char why[128];
	va_list ap;
	size_t n;

	if (!e)
		return -1;
	va_start(ap, fmt);
	vsnprintf(e->msg, sizeof(e->msg), fmt, ap);
	va_end(ap);
	n = strlen(e->msg);
	snprintf(e->msg + n, sizeof(e->msg) - n, ": %s", err_str(errnum, why, sizeof(why)));
	e->errnum = errnum;
	return -1;
}

int err_prefix(struct err *e, const char *fmt, ...)
{
	char old[ERR_MSG_MAX];
	size_t n;
	va_list ap;

	if (!e)
		return -1;
	memcpy(old, e->msg, sizeof(old));
	va_start(ap, fmt);
	vsnprintf(e->msg, sizeof(e->msg), fmt, ap);
	va_end(ap);
	n = strlen(e->msg);
	/* Truncation keeps the prefix whole: it names where the failure happened. */
	if (n + 2 < sizeof(e->msg)) {
		memcpy(e->msg + n, ": ", 3);
		n += 2;
		size_t room = sizeof(e->msg) - n - 1;
		size_t olen = strnlen(old, sizeof(old) - 1);
		if (olen > room)
			olen = room;
		memcpy(e->msg + n, old, olen);
		e->msg[n + olen] = '\0';
	}
	return -1;
}
