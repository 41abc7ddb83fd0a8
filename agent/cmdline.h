/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The kernel command line words the agent acts on. The kernel does not pass
 * "incept.x=y" words to init (a dot makes them module parameters), so the
 * agent reads /proc/cmdline once at boot.
 */
#ifndef AGENT_CMDLINE_H
#define AGENT_CMDLINE_H

#include <stdbool.h>
#include <stddef.h>
#include "error.h"

/* x86 COMMAND_LINE_SIZE is 2048: one read() into this always gets all of it. */
#define AGENT_CMDLINE_MAX 4096

/* Power off right after "ready" (boot tests and benchmarks). */
#define AGENT_CMDLINE_POWEROFF "incept.poweroff=1"

struct agent_cmdline {
	bool selftest;		/* incept.selftest=1 (INCEPT_CMDLINE_SELFTEST) */
	bool poweroff;		/* incept.poweroff=1 */
	bool trace;		/* incept.trace=1: per-container step times on the console */
	unsigned int unknown;	/* incept.* words not understood (typos, bad values) */
	char first_unknown[64]; /* the first of them, truncated, for a warning */
};

/*
 * Parses a kernel command line (`len` bytes, need not be NUL-terminated) the
 * way the kernel splits it: words separated by white space, double quotes
 * group and are dropped, parsing stops at "--" (what follows is init's argv).
 * Only "incept.<key>=<0|1>" words are looked at; the last one of a key wins.
 */
void agent_cmdline_parse(const char *buf, size_t len, struct agent_cmdline *out);

/* Reads `path` (/proc/cmdline) with one read() into buf (NUL-terminated); *len = bytes. */
int agent_cmdline_read(const char *path, char *buf, size_t size, size_t *len, struct err *e);

#endif
