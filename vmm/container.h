/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Container mode (--sync-fd N, docs/protocol.md "create"): the VMM forwards the runtime's
 * CREATE to the agent once the agent takes work, forwards the reply, and then is the host end
 * of the container's init stream: fds 0/1/2 relayed, signals forwarded, and the VMM exits with
 * the container's exit status.
 */
#ifndef INCEPT_VMM_CONTAINER_H
#define INCEPT_VMM_CONTAINER_H

#include "vmm.h"

/* Blocks the forwarded signals (call before any thread exists) and ignores SIGPIPE. */
int vmm_container_signals(struct err *e);
/* Starts the container thread; it waits for the agent by itself. */
int vmm_container_start(struct vmm *vm, int sync_fd, struct err *e);
/* The VM could not be built: the runtime gets `why` as the reply to its CREATE. */
void vmm_container_fail(int sync_fd, const struct err *why);
/* After vmm_run(): ends the relay (if still running) and joins the thread. */
void vmm_container_stop(struct vmm *vm);
/* agent_port.c: the agent reported READY(arg); wakes the container thread when it takes work. */
void vmm_container_agent_ready(struct vmm *vm, unsigned arg);

#endif
