/* SPDX-License-Identifier: Apache-2.0 */
/*
 * --selftest: measures what the guest kernel costs (system call, process
 * creation, file I/O) and what the guest sees (CPUs, memory), as
 * "name: value" lines. The boot tests and benchmarks parse them. It also
 * prints 16 bytes from the kernel RNG, the wall clock, and whether the marker
 * file existed, for the snapshot tests.
 */
#ifndef AGENT_SELFTEST_H
#define AGENT_SELFTEST_H

#include "console.h"

/* argv[1] of the child the selftest execs: it exits 0 at once. */
#define AGENT_SELFTEST_CHILD_ARG "--selftest-child"

struct agent_selftest_config {
	const char *self_exe;	  /* what to exec with AGENT_SELFTEST_CHILD_ARG */
	const char *scratch_path; /* file to write, read back and unlink */
	/*
	 * A file the selftest looks for and then creates, to show what this guest's memory
	 * holds from before: a guest restored from a snapshot must never see the file another
	 * guest restored from the same snapshot created (tmpfs lives in guest RAM).
	 */
	const char *marker_path;
};

/*
 * Runs every measurement and appends its lines to out, ending with
 * "selftest: ok" or "selftest: FAILED <what>". Returns the exit status: 0 or 1.
 */
int agent_selftest_run(const struct agent_selftest_config *cfg, struct agent_buf *out);

#endif
