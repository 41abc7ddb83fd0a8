/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The small fixed ABI between incept-vmm and the guest (agent + kernel) that
 * exists before vsock: one I/O port the agent writes 32-bit values to.
 *
 *   outl(INCEPT_PORT_VALUE(cmd, arg), INCEPT_PORT)
 *
 * and reads answers back with inl(INCEPT_PORT) after an INCEPT_CMD_QUERY:
 *
 *   outl(INCEPT_PORT_VALUE(INCEPT_CMD_QUERY, INCEPT_QUERY_GENERATION), INCEPT_PORT);
 *   generation = inl(INCEPT_PORT);
 *
 * Port I/O always exits to the VMM (on VT-x and on PVM), costs one exit, and
 * needs no device model in the guest. The agent gets access with ioperm()
 * (CONFIG_X86_IOPL_IOPERM).
 */
#ifndef INCEPT_GUEST_ABI_H
#define INCEPT_GUEST_ABI_H

/* An unused ISA port range: no Linux driver in our config probes it. */
#define INCEPT_PORT 0x0f40

#define INCEPT_PORT_CMD(v) (((v) >> 24) & 0xff)
#define INCEPT_PORT_ARG(v) ((v)&0xffffff)
#define INCEPT_PORT_VALUE(cmd, arg)                                                                \
	((((unsigned int)(cmd)&0xff) << 24) | ((unsigned int)(arg)&0xffffff))

enum incept_port_cmd {
	INCEPT_CMD_READY = 1, /* agent is up, arg = 0; the VMM logs the boot time */
	INCEPT_CMD_EXIT = 2,  /* guest is done; arg = exit status (0..255); VMM exits with it */
	INCEPT_CMD_MARK = 3,  /* timing mark, arg = an agent-defined step number (VMM logs time) */
	INCEPT_CMD_PANIC = 4, /* agent hit a fatal error; VMM exits 1 with the console tail */
	INCEPT_CMD_QUERY = 5, /* arg = enum incept_query; the next inl() returns the answer */
	/*
	 * arg = a label (1..0xffffff) of the agent's choosing: the VMM logs the virtio-fs
	 * requests it served since the previous FS_STATS, per opcode, with its time on them
	 * (vmm_virtio_fs_log_stats). bench/fs.sh uses it to split its phases.
	 */
	INCEPT_CMD_FS_STATS = 6,
};

/*
 * READY's arg: 0 when the agent first comes up (a snapshot is taken right there, before any
 * container exists), then the generation it handled after a restore (see below).
 */

enum incept_query {
	/*
	 * 0 after a cold boot; > 0 once this guest's memory may be shared with other guests (a
	 * snapshot was saved from it, or it was restored from one). The agent then reseeds the
	 * kernel RNG from INCEPT_QUERY_ENTROPY, sets the clock from INCEPT_QUERY_TIME_*, and
	 * reports READY(generation) before it accepts work.
	 */
	INCEPT_QUERY_GENERATION = 1,
	INCEPT_QUERY_ENTROPY = 2,     /* 32 fresh random bits from the host, each read */
	INCEPT_QUERY_TIME_SEC_LO = 3, /* host CLOCK_REALTIME, sampled at this query */
	INCEPT_QUERY_TIME_SEC_HI = 4,
	INCEPT_QUERY_TIME_NSEC = 5,
	INCEPT_QUERY_TASK = 6, /* enum incept_task */
};

/* What the agent does once ready (until vsock carries real requests). */
enum incept_task {
	INCEPT_TASK_IDLE = 0,	  /* wait for work */
	INCEPT_TASK_SELFTEST = 1, /* run the selftest, report its status, power off */
	INCEPT_TASK_POWEROFF = 2, /* power off with status 0 */
	/*
	 * vsock test path: echo every stream accepted on vsock port 1024 back to its sender;
	 * once, connect to the host (CID 2) port 1025 and write "hello from the guest\n".
	 */
	INCEPT_TASK_VSOCK_ECHO = 3,
	INCEPT_TASK_FS_TEST = 4, /* mount INCEPT_FS_TAG, run the file system test, power off */
};

/* The virtio-fs tag of the VMM's one FUSE device; its root holds one entry per share. */
#define INCEPT_FS_TAG "incept"

/* Kernel command line words the agent understands (it reads /proc/cmdline). */
#define INCEPT_CMDLINE_SELFTEST "incept.selftest=1"
/* Power off right after ready (boot tests and benchmarks). */
#define INCEPT_CMDLINE_POWEROFF "incept.poweroff=1"

#endif
