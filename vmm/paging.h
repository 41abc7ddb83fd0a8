/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Guest-virtual to guest-physical translation by walking the guest's own page tables in
 * guest memory (KVM_TRANSLATE is not relied upon: see docs/pvm-quirks.md). The tables are
 * guest-controlled, so every read is bounds-checked.
 */
#ifndef VMM_PAGING_H
#define VMM_PAGING_H

#include <stdint.h>
#include "error.h"
#include "memory.h"

struct vmm_paging_regs {
	uint64_t cr0, cr3, cr4, efer;
};

/* Long mode (4- or 5-level), PAE, or paging off. Legacy 2-level 32-bit paging is refused. */
int vmm_gva_to_gpa(const struct vmm_mem *m, const struct vmm_paging_regs *r, uint64_t gva,
		   uint64_t *gpa, struct err *e);

#endif
