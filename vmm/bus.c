// SPDX-License-Identifier: Apache-2.0
/* Port I/O and MMIO dispatch. */
#include "bus.h"
#include "log.h"

#include <errno.h>
#include <string.h>

int vmm_bus_add(struct vmm_bus *b, uint64_t base, uint64_t len, const char *name, vmm_bus_io_fn io,
		void *opaque, struct err *e)
{
	if (len == 0 || base + len < base)
		return err_set(e, EINVAL, "%s bus: bad range for %s", b->name, name);
	for (unsigned i = 0; i < b->nr; i++) {
		const struct vmm_bus_range *r = &b->ranges[i];

		if (base < r->base + r->len && r->base < base + len)
			return err_set(e, EEXIST, "%s bus: %s overlaps %s", b->name, name, r->name);
	}
	if (b->nr == VMM_BUS_MAX)
		return err_set(e, ENOSPC, "%s bus: too many devices", b->name);
	b->ranges[b->nr++] = (struct vmm_bus_range){
		.base = base, .len = len, .name = name, .io = io, .opaque = opaque};
	return 0;
}

int vmm_bus_access(struct vmm_bus *b, uint64_t addr, uint8_t *data, uint32_t len, bool is_write,
		   struct err *e)
{
	for (unsigned i = 0; i < b->nr; i++) {
		struct vmm_bus_range *r = &b->ranges[i];

		if (addr < r->base || addr - r->base >= r->len)
			continue;
		__atomic_fetch_add(&r->exits, 1, __ATOMIC_RELAXED);
		if (len > r->len - (addr - r->base))
			break; /* straddles the end of the device: treat as unclaimed */
		return r->io(r->opaque, addr - r->base, data, len, is_write, e);
	}
	if (__atomic_fetch_add(&b->unclaimed, 1, __ATOMIC_RELAXED) < 64)
		log_debug("%s bus: unclaimed %s of %u bytes at 0x%llx", b->name,
			  is_write ? "write" : "read", len, (unsigned long long)addr);
	if (!is_write)
		memset(data, 0xff, len);
	return 0;
}
