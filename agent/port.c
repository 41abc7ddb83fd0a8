// SPDX-License-Identifier: Apache-2.0
#include "port.h"

#include <errno.h>
#include <sys/io.h>

static bool port_open;

int agent_port_open(struct err *e)
{
	/* 4 ports: outl writes INCEPT_PORT..INCEPT_PORT+3, each needs its permission bit. */
	if (ioperm(INCEPT_PORT, 4, 1) < 0)
		return err_sys(e, errno, "ioperm 0x%x", INCEPT_PORT);
	port_open = true;
	return 0;
}

bool agent_port_available(void)
{
	return port_open;
}

void agent_port_send(enum incept_port_cmd cmd, unsigned int arg)
{
	/* Without ioperm() the outl would kill us with SIGSEGV (#GP). */
	if (port_open)
		outl(INCEPT_PORT_VALUE(cmd, arg), INCEPT_PORT);
}

unsigned int agent_port_query(enum incept_query what)
{
	if (!port_open)
		return 0;
	outl(INCEPT_PORT_VALUE(INCEPT_CMD_QUERY, what), INCEPT_PORT);
	return inl(INCEPT_PORT);
}
