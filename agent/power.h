/* SPDX-License-Identifier: Apache-2.0 */
/* How the guest ends: PID 1 must never exit (the kernel would panic), it powers off. */
#ifndef AGENT_POWER_H
#define AGENT_POWER_H

#include "error.h"

/*
 * sync(), then INCEPT_CMD_EXIT with `status` (0..255) on the port, on which
 * the VMM exits. If that returns (no port, no VMM listening), reboot(RB_POWER_OFF);
 * if even that fails, sleeps forever.
 */
__attribute__((noreturn)) void agent_poweroff(int status);

/* Prints e, reports INCEPT_CMD_PANIC (arg = errno) and powers off with status 1. */
__attribute__((noreturn)) void agent_panic(const struct err *e);

#endif
