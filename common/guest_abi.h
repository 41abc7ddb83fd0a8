/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The small fixed ABI between incept-vmm and the guest (agent + kernel) that
 * exists before vsock: one I/O port the agent writes 32-bit values to.
 *
 *   outl(INCEPT_PORT_VALUE(cmd, arg), INCEPT_PORT)
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
};

/* Kernel command line words the agent understands (it reads /proc/cmdline). */
#define INCEPT_CMDLINE_SELFTEST "incept.selftest=1"
/* Power off right after ready (boot tests and benchmarks). */
#define INCEPT_CMDLINE_POWEROFF "incept.poweroff=1"

#endif
