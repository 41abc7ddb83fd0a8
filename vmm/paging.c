// SPDX-License-Identifier: Apache-2.0
/* Guest page-table walker (Intel SDM vol. 3, 4.4 PAE paging and 4.5 4/5-level paging). */
#include "paging.h"

#include <errno.h>

#define CR0_PG	 (1ULL << 31)
#define CR4_PAE	 (1ULL << 5)
#define CR4_LA57 (1ULL << 12)
#define EFER_LMA (1ULL << 10)
#define PTE_P	 1ULL
#define PTE_PS	 (1ULL << 7)
#define PTE_ADDR 0x000ffffffffff000ULL

static int walk(const struct vmm_mem *m, uint64_t table, int levels, uint64_t gva, uint64_t *gpa,
		struct err *e)
{
	for (int level = levels; level >= 1; level--) {
		unsigned shift = 12 + 9 * (level - 1);
		uint64_t idx = (gva >> shift) & 0x1ff, pte;

		if (vmm_mem_read(m, table + idx * 8, &pte, 8, e) < 0)
			return err_prefix(e, "page walk for 0x%llx", (unsigned long long)gva);
		if (!(pte & PTE_P))
			return err_set(e, EFAULT, "guest address 0x%llx is not mapped (level %d)",
				       (unsigned long long)gva, level);
		/* 1 GiB and 2 MiB pages; the PAT bit (12) is below the frame of a large page. */
		if ((level == 2 || level == 3) && (pte & PTE_PS)) {
			uint64_t size = 1ULL << shift;

			*gpa = (pte & PTE_ADDR & ~(size - 1)) | (gva & (size - 1));
			return 0;
		}
		table = pte & PTE_ADDR;
	}
	*gpa = table | (gva & 0xfff);
	return 0;
}

int vmm_gva_to_gpa(const struct vmm_mem *m, const struct vmm_paging_regs *r, uint64_t gva,
		   uint64_t *gpa, struct err *e)
{
	if (!(r->cr0 & CR0_PG)) {
		*gpa = gva & 0xffffffffULL;
		return 0;
	}
	if (r->efer & EFER_LMA)
		return walk(m, r->cr3 & PTE_ADDR, (r->cr4 & CR4_LA57) ? 5 : 4, gva, gpa, e);
	if (r->cr4 & CR4_PAE) {
		/* PAE: CR3 points at 4 PDPTEs (32-byte aligned), then a 2-level walk. */
		uint64_t pdpte, va = gva & 0xffffffffULL;

		if (vmm_mem_read(m, (r->cr3 & 0xffffffe0ULL) + ((va >> 30) & 3) * 8, &pdpte, 8, e) <
		    0)
			return -1;
		if (!(pdpte & PTE_P))
			return err_set(e, EFAULT, "guest address 0x%llx is not mapped (PDPTE)",
				       (unsigned long long)gva);
		return walk(m, pdpte & PTE_ADDR, 2, va, gpa, e);
	}
	return err_set(e, ENOTSUP, "32-bit non-PAE guest paging is not supported");
}
