// SPDX-License-Identifier: Apache-2.0
/* Guest page-table walker (used to fetch the instruction at RIP) on fake RAM. */
#include "unit.h"
#include "vmm/paging.h"

#include <stdlib.h>
#include <string.h>

#define RAM (4 << 20)
#define P   1ULL
#define RW  2ULL
#define PS  (1ULL << 7)

static struct vmm_mem mem;

static void set(uint64_t gpa, uint64_t v)
{
	memcpy(mem.base + gpa, &v, 8);
}

static const struct vmm_paging_regs long_mode = {
	.cr0 = 0x80050033, .cr3 = 0x1000, .cr4 = 0x20, .efer = 0x500};

static int walk(const struct vmm_paging_regs *r, uint64_t gva, uint64_t *gpa)
{
	struct err e;

	return vmm_gva_to_gpa(&mem, r, gva, gpa, &e);
}

static void test_long_mode(void)
{
	const uint64_t va = 0xffffffff81000123ULL; /* PML4 511, PDPT 510, PD 8, PT 0 */
	uint64_t gpa = 0;

	memset(mem.base, 0, RAM);
	set(0x1000 + 511 * 8, 0x2000 | P | RW);
	set(0x2000 + 510 * 8, 0x3000 | P | RW);
	set(0x3000 + 8 * 8, 0x4000 | P | RW);
	set(0x4000 + 0 * 8, 0x123000 | P | RW | (1ULL << 63)); /* NX bit must be masked off */
	CHECK_INT(walk(&long_mode, va, &gpa), 0);
	CHECK_INT(gpa, 0x123123);
	/* A 2 MiB page at PD entry 9; bit 12 (PAT) is not part of the frame. */
	set(0x3000 + 9 * 8, 0x200000 | P | RW | PS | (1ULL << 12));
	CHECK_INT(walk(&long_mode, va + 0x200000 + 0x456, &gpa), 0);
	CHECK_INT(gpa, 0x200000 + 0x123 + 0x456);
	/* A 1 GiB page at PDPT entry 0 of PML4 entry 0. */
	set(0x1000, 0x5000 | P);
	set(0x5000, 0x40000000ULL | P | PS);
	CHECK_INT(walk(&long_mode, 0x1234567, &gpa), 0);
	CHECK_INT(gpa, 0x40000000ULL + 0x1234567);
}

static void test_faults(void)
{
	uint64_t gpa;

	memset(mem.base, 0, RAM);
	CHECK_INT(walk(&long_mode, 0x1000, &gpa), -1); /* not present */
	set(0x1000, 0x7fff0000000ULL | P);	       /* next table outside RAM */
	CHECK_INT(walk(&long_mode, 0x1000, &gpa), -1);
	struct vmm_paging_regs bad = long_mode;

	bad.cr3 = 0xffffffff000ULL; /* CR3 itself outside RAM */
	CHECK_INT(walk(&bad, 0x1000, &gpa), -1);
}

static void test_other_modes(void)
{
	struct vmm_paging_regs off = {.cr0 = 0x11},
			       pae = {.cr0 = 0x80000011, .cr3 = 0x1000, .cr4 = 0x20},
			       legacy = {.cr0 = 0x80000011, .cr3 = 0x1000};
	uint64_t gpa = 0;

	CHECK_INT(walk(&off, 0x1000123, &gpa), 0); /* paging off: linear = physical */
	CHECK_INT(gpa, 0x1000123);
	memset(mem.base, 0, RAM);
	set(0x1000 + 3 * 8, 0x2000 | P); /* PDPTE 3 */
	set(0x2000 + 1 * 8, 0x3000 | P); /* PDE 1 */
	set(0x3000 + 2 * 8, 0x9000 | P); /* PTE 2 */
	CHECK_INT(walk(&pae, 0xc0202010, &gpa), 0);
	CHECK_INT(gpa, 0x9010);
	CHECK_INT(walk(&legacy, 0x1000, &gpa), -1); /* 2-level paging: refused, not guessed */
}

int main(void)
{
	vmm_mem_layout(&mem, calloc(1, RAM), RAM);
	RUN(test_long_mode);
	RUN(test_faults);
	RUN(test_other_modes);
	free(mem.base);
	return unit_done();
}
