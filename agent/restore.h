/* SPDX-License-Identifier: Apache-2.0 */
/*
 * After READY: ask the VMM whether this guest's memory may be shared with other guests (a
 * snapshot was saved from it or it was restored from one). If so, the kernel RNG state is
 * shared too: mix in fresh host entropy and force a reseed (RNDADDENTROPY +
 * RNDRESEEDCRNG), set the wall clock from the host's, and report READY(generation). Only
 * then is the guest ready for work.
 */
#ifndef AGENT_RESTORE_H
#define AGENT_RESTORE_H

#include "error.h"
#include "guest_abi.h"

/*
 * Before READY(0): opens /dev/urandom for the reseed, so the open's path walk is in the
 * snapshot and not on every restored container's start path.
 */
void agent_restore_prepare(void);

/* Returns the generation (0: a cold boot, nothing to do). */
int agent_restore_check(unsigned *generation, struct err *e);

/* INCEPT_QUERY_TASK, or INCEPT_TASK_IDLE without the port. */
enum incept_task agent_restore_task(void);

#endif
