/* SPDX-License-Identifier: Apache-2.0 */
/* Driving a virtio-mmio transport from a unit test: 32-bit register access and an IRQ count. */
#ifndef TEST_VMM_MMIO_UTIL_H
#define TEST_VMM_MMIO_UTIL_H

#include <stdint.h>
#include "unit.h"
#include "vmm/virtio/mmio.h"

static unsigned irqs __attribute__((unused)); /* counted by count_irq() */

static inline void count_irq(struct vmm_virtio_mmio *t)
{
	(void)t;
	irqs++;
}

static inline uint32_t rd(struct vmm_virtio_mmio *t, uint64_t off)
{
	struct err e;
	uint32_t v = 0;

	CHECK_INT(vmm_virtio_mmio_io(t, off, (uint8_t *)&v, 4, false, &e), 0);
	return v;
}

static inline void wr(struct vmm_virtio_mmio *t, uint64_t off, uint32_t v)
{
	struct err e;

	CHECK_INT(vmm_virtio_mmio_io(t, off, (uint8_t *)&v, 4, true, &e), 0);
}

#endif
