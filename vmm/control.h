/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The runtime's control requests on the VMM socket (docs/protocol.md "VMM socket"): a first
 * line of `PAUSE`, `RESUME` or `SIGNAL <signo> [all]` instead of `CONNECT <port>`. The vsock
 * I/O thread hands such a client over (vmm_control_line); the main thread carries the request
 * out and answers `OK\n` or `ERR <message>\n` (vmm_control_step). A SIGNAL is held (answered
 * at once) and sent to the agent by a thread of its own once the guest runs; RESUME answers
 * after the agent took every held signal.
 */
#ifndef VMM_CONTROL_H
#define VMM_CONTROL_H

#include "vmm.h"

/* Lets the VMM socket take control requests for `vm` (before it listens). */
void vmm_control_attach(struct vmm *vm);

/*
 * A first line that is not CONNECT (`ctx` is the vm). Takes `fd` and returns 0 for a known
 * request; -1 for anything else (the caller closes fd). Any thread; takes vm->lock.
 */
int vmm_control_line(void *ctx, const char *line, int fd);

/* Main thread, vm->lock held: moves the pending request on, answering once it is done. */
void vmm_control_step(struct vmm *vm);

/*
 * The VM is ending: a client still waiting gets ERR; a signal delivery under way is cut short
 * and joined (vm->lock is dropped meanwhile). vm->lock held; before the vsock device goes.
 */
void vmm_control_abort(struct vmm *vm);

#endif
