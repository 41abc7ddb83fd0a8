/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Dispatch of port I/O and MMIO exits to device models. Ranges are registered while the VM
 * is assembled and never change afterwards, so lookups need no lock.
 */
#ifndef VMM_BUS_H
#define VMM_BUS_H

#include <stdbool.h>
#include <stdint.h>
#include "error.h"

#define VMM_BUS_MAX 16

/* Returns 0, or -1 with `e` set when the access is a fatal guest error. */
typedef int (*vmm_bus_io_fn)(void *opaque, uint64_t offset, uint8_t *data, uint32_t len,
			     bool is_write, struct err *e);

struct vmm_bus_range {
	uint64_t base, len;
	const char *name;
	vmm_bus_io_fn io;
	void *opaque;
	uint64_t exits; /* updated atomically */
};

struct vmm_bus {
	const char *name;
	unsigned nr;
	struct vmm_bus_range ranges[VMM_BUS_MAX];
	uint64_t unclaimed; /* accesses nobody handles (updated atomically) */
};

int vmm_bus_add(struct vmm_bus *b, uint64_t base, uint64_t len, const char *name, vmm_bus_io_fn io,
		void *opaque, struct err *e);

/*
 * Performs one access. Unclaimed reads return all ones and unclaimed writes are dropped,
 * as on a PC bus with nothing decoding the address.
 */
int vmm_bus_access(struct vmm_bus *b, uint64_t addr, uint8_t *data, uint32_t len, bool is_write,
		   struct err *e);

#endif
