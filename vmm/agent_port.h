/* SPDX-License-Identifier: Apache-2.0 */
/* The VMM's end of common/guest_abi.h: the one I/O port the agent writes to before vsock. */
#ifndef VMM_AGENT_PORT_H
#define VMM_AGENT_PORT_H

#include "vmm.h"

/* Bus handler for INCEPT_PORT; opaque = struct vmm. */
int vmm_agent_port_io(void *opaque, uint64_t offset, uint8_t *data, uint32_t len, bool is_write,
		      struct err *e);

#endif
