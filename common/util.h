/* SPDX-License-Identifier: Apache-2.0 */
/* Small file and string helpers shared by runtime, VMM and agent. */
#ifndef INCEPT_UTIL_H
#define INCEPT_UTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include "error.h"

/* Reads a whole file (at most `max` bytes, else EFBIG) into a NUL-terminated malloc'd buffer. */
int util_read_file(const char *path, size_t max, char **out, size_t *len, struct err *e);

/* Writes via a temp file in the same directory + fsync + rename: readers see old or new. */
int util_write_file_atomic(const char *path, const void *buf, size_t len, mode_t mode,
			   struct err *e);

/* mkdir -p. */
int util_mkdir_p(const char *path, mode_t mode, struct err *e);

/* rm -rf of a directory tree (does not follow symlinks, stays on one filesystem). */
int util_rm_rf(const char *path, struct err *e);

/* Full write/read loops that retry on EINTR and short counts. */
int util_write_all(int fd, const void *buf, size_t len);
ssize_t util_read_all(int fd, void *buf, size_t len);

/* Parses a decimal/hex/octal unsigned number strictly (whole string, no sign). */
int util_parse_u64(const char *s, int base, unsigned long long *out);

/* Current wall time as RFC 3339 with nanoseconds, UTC ("2026-11-24T19:07:19.123456789Z"). */
void util_rfc3339_now(char *buf, size_t len);

/* FNV-1a 64 of `buf`, continuing from `h` (UTIL_FNV64_INIT to start): short identity keys. */
#define UTIL_FNV64_INIT 0xcbf29ce484222325ULL
uint64_t util_fnv64(uint64_t h, const void *buf, size_t len);

/* Monotonic clock in nanoseconds. */
unsigned long long util_now_ns(void);

/*
 * A connected AF_UNIX stream socket to `path` (CLOEXEC). Errors: "<path>: socket path too
 * long", or "<verb> <path>: <strerror>" when connect() fails (runc says "dial unix").
 */
int util_unix_connect(const char *path, const char *verb, struct err *e);

#endif
