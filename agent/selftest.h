/* SPDX-License-Identifier: Apache-2.0 */
/*
 * --selftest: measures what the guest kernel costs (system call, process
 * creation, file I/O) and what the guest sees (CPUs, memory), as
 * "name: value" lines. The boot tests and benchmarks parse them.
 */
#ifndef AGENT_SELFTEST_H
#define AGENT_SELFTEST_H

#include "console.h"

/* argv[1] of the child the selftest execs: it exits 0 at once. */
#define AGENT_SELFTEST_CHILD_ARG "--selftest-child"

struct agent_selftest_config {
	const char *self_exe;	  /* what to exec with AGENT_SELFTEST_CHILD_ARG */
	const char *scratch_path; /* file to write, read back and unlink */
};

/*
 * Runs every measurement and appends its lines to out, ending with
 * "selftest: ok" or "selftest: FAILED <what>". Returns the exit status: 0 or 1.
 */
int agent_selftest_run(const struct agent_selftest_config *cfg, struct agent_buf *out);

#endif
