/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Console output without stdio: lines are collected in a buffer and written
 * with one write(), because in the guest every system call is emulated
 * (~360 us on PVM) and every byte to the serial console is a VM exit.
 */
#ifndef AGENT_CONSOLE_H
#define AGENT_CONSOLE_H

#include <stdbool.h>
#include <stddef.h>
#include "error.h"

struct agent_buf {
	char *data;
	size_t cap;	/* bytes in data, including room for the NUL */
	size_t len;	/* bytes used, data[len] == '\0' */
	bool truncated; /* something did not fit */
};

#define AGENT_BUF_INIT(array)                                                                      \
	{                                                                                          \
		.data = (array), .cap = sizeof(array), .len = 0, .truncated = false                \
	}

/* Appends printf-style text; on overflow keeps what fits and sets truncated. */
void agent_buf_printf(struct agent_buf *b, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* Appends a duration in nanoseconds as a decimal number of `unit_ns` units with 3 decimals. */
void agent_buf_put_duration(struct agent_buf *b, unsigned long long ns, unsigned long long unit_ns);

/* Writes all of b to fd (retrying short writes) and empties it. Returns 0 or -1 (errno). */
int agent_buf_flush(struct agent_buf *b, int fd);

/* The agent's own console buffer (fd 1): "incept-agent: ..." lines wait here until flushed. */
void agent_say(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
int agent_say_flush(void);

/* Writes "incept-agent: error: <msg>" to fd 2 now, after flushing what agent_say() holds. */
void agent_say_error(const struct err *e);

/*
 * Makes sure fds 0, 1 and 2 are open: any that is closed gets /dev/console
 * (the kernel opens it for init only when the initrd has the node). Costs one
 * poll() when all three are open.
 */
int agent_console_setup(struct err *e);

#endif
