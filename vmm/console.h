/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Where the guest's serial output goes: a log file (--console-log), stderr (--console), and
 * always a ring of the last VMM_CONSOLE_RING bytes, quoted in error messages when the guest
 * dies. Output is written a line at a time.
 */
#ifndef VMM_CONSOLE_H
#define VMM_CONSOLE_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "error.h"

#define VMM_CONSOLE_RING 4096
#define VMM_CONSOLE_LINE 512

struct vmm_console {
	pthread_mutex_t lock;
	int log_fd; /* -1: none */
	bool to_stderr;
	char ring[VMM_CONSOLE_RING];
	size_t ring_pos; /* next write position */
	bool ring_full;
	char line[VMM_CONSOLE_LINE];
	size_t line_len;
	uint64_t bytes; /* total bytes seen */
};

int vmm_console_init(struct vmm_console *c, const char *log_path, bool to_stderr, struct err *e);
void vmm_console_destroy(struct vmm_console *c);

/* Serial sink: one byte of guest output. */
void vmm_console_putc(void *opaque, uint8_t ch);

/* Writes out a partial line. */
void vmm_console_flush(struct vmm_console *c);

/*
 * Copies the last `max_lines` lines of output (at most `len`-1 bytes, whole lines when
 * possible, unprintable bytes replaced) into `out`.
 */
void vmm_console_tail(struct vmm_console *c, char *out, size_t len, unsigned max_lines);

/* True if the ring holds `needle` (e.g. "Kernel panic"). */
bool vmm_console_contains(struct vmm_console *c, const char *needle);

/* Copies the last line holding `needle` (without the newline) into `out`; false if none. */
bool vmm_console_find_line(struct vmm_console *c, const char *needle, char *out, size_t len);

#endif
