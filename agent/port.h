/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The agent's side of the I/O port ABI (common/guest_abi.h): ioperm() once,
 * then one outl() per message. Without the port (not PID 1, ioperm failed,
 * --no-port) every send is a no-op and the console is the only signal.
 */
#ifndef AGENT_PORT_H
#define AGENT_PORT_H

#include <stdbool.h>
#include "error.h"
#include "guest_abi.h"

/* Timing marks (INCEPT_CMD_MARK arguments): where the agent is on its way to ready. */
enum agent_mark {
	AGENT_MARK_START = 1,	   /* main() entered, port usable */
	AGENT_MARK_MOUNTED = 2,	   /* early mounts done, console set up */
	AGENT_MARK_READY = 3,	   /* about to report ready */
	AGENT_MARK_GENERATION = 4, /* after a restore: generation read */
	AGENT_MARK_RESEEDED = 5,   /* after a restore: RNG reseeded */
	AGENT_MARK_CREATE = 6,	   /* a CREATE arrived (bench/lifecycle.sh's breakdown) */
};

/* ioperm(INCEPT_PORT, 4, 1). Needs CAP_SYS_RAWIO and CONFIG_X86_IOPL_IOPERM. */
int agent_port_open(struct err *e);

bool agent_port_available(void);

/* outl(INCEPT_PORT_VALUE(cmd, arg), INCEPT_PORT) when the port is open; else nothing. */
void agent_port_send(enum incept_port_cmd cmd, unsigned int arg);

/* INCEPT_CMD_QUERY then inl(): the VMM's answer; 0 when the port is not open. */
unsigned int agent_port_query(enum incept_query what);

#endif
