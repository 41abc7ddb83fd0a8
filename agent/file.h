/* SPDX-License-Identifier: Apache-2.0 */
/* Small file helpers of the agent (each guest system call is emulated on PVM: keep them few). */
#ifndef INCEPT_AGENT_FILE_H
#define INCEPT_AGENT_FILE_H

#include <sys/types.h>

/*
 * Reads up to size - 1 bytes of dirfd/path with one openat, one read and one close, and
 * NUL-terminates them. Returns the length, or -1 (errno set) if it could not open or read.
 */
ssize_t agent_read_small(int dirfd, const char *path, char *buf, size_t size);

#endif
