// SPDX-License-Identifier: Apache-2.0
#include "log.h"
#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static int log_fd = -1; /* -1: stderr */
static enum log_format log_fmt = LOG_FMT_TEXT;
static bool log_dbg;

static const char *const level_names[] = {"error", "warning", "info", "debug"};

int log_open(const char *path, enum log_format format, bool debug, struct err *e)
{
	log_close();
	log_fmt = format;
	log_dbg = debug;
	if (!path || !*path)
		return 0;
	log_fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
	if (log_fd < 0)
		return err_sys(e, errno, "open log file %s", path);
	return 0;
}

void log_close(void)
{
	if (log_fd >= 0)
		close(log_fd);
	log_fd = -1;
}

bool log_debug_enabled(void)
{
	return log_dbg;
}

int log_json_escape(char *out, size_t outlen, const char *s)
{
	size_t n = 0;

	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;
		char tmp[8];
		const char *rep = tmp;

		if (c == '"')
			rep = "\\\"";
		else if (c == '\\')
			rep = "\\\\";
		else if (c == '\n')
			rep = "\\n";
		else if (c == '\t')
			rep = "\\t";
		else if (c == '\r')
			rep = "\\r";
		else if (c < 0x20)
			snprintf(tmp, sizeof(tmp), "\\u%04x", c);
		else {
			tmp[0] = (char)c;
			tmp[1] = '\0';
		}
		size_t r = strlen(rep);
		if (n + r + 1 > outlen)
			return -1;
		memcpy(out + n, rep, r);
		n += r;
	}
	if (n >= outlen)
		return -1;
	out[n] = '\0';
	return (int)n;
}

/* logrus' default timestamp: RFC 3339, seconds, UTC. */
static void log_time_now(char *buf, size_t len)
{
	time_t t = time(NULL);
	struct tm tm;

	gmtime_r(&t, &tm);
	strftime(buf, len, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

/* Formats one line: logrus' text form or runc's log.json form. */
static size_t log_format_line(char *line, size_t len, enum log_level level, const char *msg)
{
	char esc[2 * ERR_MSG_MAX];
	char now[64];
	int n;

	log_time_now(now, sizeof(now));
	if (log_json_escape(esc, sizeof(esc), msg) < 0)
		snprintf(esc, sizeof(esc), "(message too long)");
	if (log_fmt == LOG_FMT_JSON)
		n = snprintf(line, len, "{\"level\":\"%s\",\"msg\":\"%s\",\"time\":\"%s\"}\n",
			     level_names[level], esc, now);
	else
		n = snprintf(line, len, "time=\"%s\" level=%s msg=\"%s\"\n", now,
			     level_names[level], esc);
	if (n < 0)
		return 0;
	return (size_t)n < len ? (size_t)n : len - 1;
}

void log_msg(enum log_level level, const char *fmt, ...)
{
	char msg[ERR_MSG_MAX];
	char line[3 * ERR_MSG_MAX];
	int saved = errno;
	va_list ap;
	size_t n;

	if (level == LOG_LVL_DEBUG && !log_dbg)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	n = log_format_line(line, sizeof(line), level, msg);
	util_write_all(log_fd >= 0 ? log_fd : STDERR_FILENO, line, n);
	errno = saved;
}

void log_report(const struct err *e)
{
	const char *msg = e->msg[0] ? e->msg : "unknown error";

	log_msg(LOG_LVL_ERROR, "%s", msg);
	/* runc prints the error on stderr as well, whatever the log goes to. */
	if (log_fd >= 0 || log_fmt == LOG_FMT_JSON) {
		char line[ERR_MSG_MAX + 8];
		int n = snprintf(line, sizeof(line), "%s\n", msg);

		if (n > 0)
			util_write_all(STDERR_FILENO, line,
				       (size_t)n < sizeof(line) ? (size_t)n : sizeof(line) - 1);
	}
}
