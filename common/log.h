/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Logging as runc does it: text lines, or log.json lines of the form
 * {"level":"error","msg":"...","time":"2026-11-24T19:07:19Z"} that containerd
 * reads back. No json-c here: the VMM and the static agent use this too.
 */
#ifndef INCEPT_LOG_H
#define INCEPT_LOG_H

#include <stdbool.h>
#include "error.h"

enum log_level { LOG_LVL_ERROR, LOG_LVL_WARN, LOG_LVL_INFO, LOG_LVL_DEBUG };
enum log_format { LOG_FMT_TEXT, LOG_FMT_JSON };

/*
 * Sends log lines to `path` (appended; NULL = stderr only) in `format`.
 * With `debug`, debug lines are written too. Safe to call again.
 */
int log_open(const char *path, enum log_format format, bool debug, struct err *e);
void log_close(void);

/* Writes one line at `level` to the log (and never fails loudly). */
void log_msg(enum log_level level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

bool log_debug_enabled(void);

#define log_error(...) log_msg(LOG_LVL_ERROR, __VA_ARGS__)
#define log_warn(...)  log_msg(LOG_LVL_WARN, __VA_ARGS__)
#define log_info(...)  log_msg(LOG_LVL_INFO, __VA_ARGS__)
#define log_debug(...)                                                                             \
	do {                                                                                       \
		if (log_debug_enabled())                                                           \
			log_msg(LOG_LVL_DEBUG, __VA_ARGS__);                                       \
	} while (0)

/*
 * The one place an error is reported: writes e->msg at level error to the log
 * and, as runc does, also to stderr (unless the log already is stderr in text form).
 */
void log_report(const struct err *e);

/* Appends `s` to `out` as JSON string content (no quotes). Returns bytes written or -1. */
int log_json_escape(char *out, size_t outlen, const char *s);

#endif
