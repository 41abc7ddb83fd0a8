/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The virtio-fs conformance test the agent runs inside a guest (INCEPT_TASK_FS_TEST), and the
 * small benchmark that goes with it. Both also run on a host directory (incept-agent --fstest,
 * --fsbench) so the same code gives the host-side numbers and can be tried on a host FUSE
 * mount (build/incept-fuse-host).
 *
 * Output is "fstest_<name>: ok" or "fstest_<name>: FAILED <why>" per test, then
 * "fstest: ok" or "fstest: FAILED <n> test(s)"; the benchmark prints "fsbench_<name>: <value>".
 */
#ifndef AGENT_FSTEST_H
#define AGENT_FSTEST_H

#include <stdbool.h>
#include "console.h"

/* Where the agent mounts the virtio-fs tag INCEPT_FS_TAG in the guest. */
#define AGENT_FS_MOUNT "/mnt/incept"
/* The fs-test task also runs the benchmark when the host shares a directory by this name. */
#define AGENT_FS_BENCH_SHARE "bench"

struct agent_fstest_config {
	/*
	 * The mounted tag: its root holds the shares "rw" (read-write) and "ro" (read-only), and
	 * "bench" or nothing else. The
	 * test harness puts fixtures there: ro/hello (any content), and rw/secret_abs and
	 * rw/secret_rel, symlinks to a host file outside every share.
	 */
	const char *root;
	/*
	 * Running in a guest: the secret links must not resolve (the host path does not exist in
	 * the guest's view). On a host FUSE mount they do, so that check is left out there.
	 */
	bool in_guest;
};

/* Runs every test; appends its lines to out. Returns the exit status: 0 or 1. */
int agent_fstest_run(const struct agent_fstest_config *cfg, struct agent_buf *out);

/*
 * Times small-file and sequential operations in the writable directory `dir` (its own
 * subdirectory, removed afterwards): "fsbench_<name>: <value>" lines. Returns 0 or 1.
 */
int agent_fsbench_run(const char *dir, struct agent_buf *out);

/* Mounts INCEPT_FS_TAG (virtiofs) on AGENT_FS_MOUNT, creating the directory. */
int agent_fs_mount(struct err *e);

#endif
