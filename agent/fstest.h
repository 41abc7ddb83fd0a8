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
#include <stddef.h>
#include "console.h"
#include "error.h"

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
 * What the benchmark does, from the optional file AGENT_FSBENCH_CONF in its directory: lines
 * "seq_mib=N" (sequential write/read size, 1..65536 MiB, default 256) and "files=N" (the
 * small-file phase, 1..1000000 files of 4 KiB, default 10000); blank lines and '#' comments.
 * A file, not a kernel command line word: a restored guest's command line is the snapshot's.
 */
#define AGENT_FSBENCH_CONF "fsbench.conf"
struct agent_fsbench_conf {
	unsigned seq_mib;
	unsigned files;
};
void agent_fsbench_conf_default(struct agent_fsbench_conf *c);
/* Parses `len` bytes of a conf file into c (defaults first); -1 with e set on a bad line. */
int agent_fsbench_conf_parse(const char *buf, size_t len, struct agent_fsbench_conf *c,
			     struct err *e);

/*
 * Benchmark phases, in order. After each the agent sends INCEPT_CMD_FS_STATS(phase) so the
 * VMM logs the FUSE requests that phase made, and prints "fsbench_phase: <n> <name> <us>".
 */
enum agent_fs_phase {
	AGENT_FS_PHASE_MOUNT = 1,
	AGENT_FS_PHASE_FSTEST,
	AGENT_FS_PHASE_CREATE,
	AGENT_FS_PHASE_STAT,
	AGENT_FS_PHASE_READ,
	AGENT_FS_PHASE_UNLINK,
	AGENT_FS_PHASE_SEQ_WRITE,
	AGENT_FS_PHASE_SEQ_READ,
	AGENT_FS_PHASE_TAR,
};

/*
 * Times file operations in the writable directory `dir`: the small-file phase (create +
 * write 4 KiB, stat, open + read, unlink of N files in one directory), sequential write and
 * read, and, when `dir` holds "busybox" and "rootfs.tar", `busybox tar -x` of it into
 * dir/fsbench-tar (left there for the caller to check). Its own subdirectory is removed
 * afterwards. Prints "fsbench_<name>: <value>" lines. Returns 0 or 1.
 */
int agent_fsbench_run(const char *dir, struct agent_buf *out);

/* Mounts INCEPT_FS_TAG (virtiofs) on AGENT_FS_MOUNT, creating the directory. */
int agent_fs_mount(struct err *e);

#endif
