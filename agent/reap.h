/* SPDX-License-Identifier: Apache-2.0 */
/*
 * PID 1 adopts every orphan in the guest and must reap them all. SIGCHLD is
 * blocked except while the agent sleeps in sigsuspend(), so no exit is missed
 * and no signalfd (often compiled out of small kernels) is needed.
 */
#ifndef AGENT_REAP_H
#define AGENT_REAP_H

#include "error.h"

/* Installs the SIGCHLD handler and blocks SIGCHLD. */
int agent_reap_setup(struct err *e);

/* Reaps every exited child, sleeps until the next SIGCHLD, again, forever. */
__attribute__((noreturn)) void agent_reap_forever(void);

#endif
