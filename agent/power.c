// SPDX-License-Identifier: Apache-2.0
#include "power.h"

#include <errno.h>
#include <string.h>
#include <sys/reboot.h>
#include <termios.h>
#include <unistd.h>

#include "console.h"
#include "port.h"

void agent_poweroff(int status)
{
	agent_say_flush();
	/*
	 * write() to the console returns once the tty layer has the bytes; the UART driver
	 * sends them later, interrupt by interrupt. Wait for that, or the VMM exits on EXIT
	 * while the last lines (e.g. "selftest: ok") are still in the guest's tty buffer.
	 */
	tcdrain(STDOUT_FILENO);
	tcdrain(STDERR_FILENO);
	sync();
	agent_port_send(INCEPT_CMD_EXIT, (unsigned int)status & 0xff);
	/* Still running: nobody acted on the port, so the console must tell the status. */
	agent_say("power off, exit status %d", status & 0xff);
	agent_say_flush();
	/* As PID 1 of a pid namespace (host tests) this ends the namespace instead. */
	reboot(RB_POWER_OFF);
	agent_say("reboot(RB_POWER_OFF): %s; halting", strerror(errno));
	agent_say_flush();
	for (;;)
		pause();
}

void agent_panic(const struct err *e)
{
	agent_say_error(e);
	agent_port_send(INCEPT_CMD_PANIC, (unsigned int)e->errnum);
	agent_poweroff(1);
}
