/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Guest RAM: one anonymous mapping, registered with KVM as up to two slots (below the
 * 32-bit MMIO gap, and above 4 GiB). Every guest-physical access goes through
 * vmm_mem_ptr(), which checks the whole range.
 */
#ifndef VMM_MEMORY_H
#define VMM_MEMORY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "error.h"

#define VMM_MEM_MAX_REGIONS 2

struct vmm_mem_region {
	uint64_t gpa;
	uint64_t size;
	uint8_t *hva;
};

struct vmm_mem {
	uint8_t *base; /* the whole mapping */
	uint64_t size; /* bytes of guest RAM */
	unsigned nr_regions;
	struct vmm_mem_region regions[VMM_MEM_MAX_REGIONS];
};

/* Lays out `size` bytes of RAM over the regions (pure; used by tests with a fake base). */
void vmm_mem_layout(struct vmm_mem *m, uint8_t *base, uint64_t size);

/* mmap()s the guest RAM (MAP_NORESERVE, never touched here) and lays it out. */
int vmm_mem_create(struct vmm_mem *m, uint64_t size, struct err *e);
/* Maps `size` bytes of the file `fd` copy-on-write (MAP_PRIVATE) as guest RAM: a restore. */
int vmm_mem_map_file(struct vmm_mem *m, int fd, uint64_t size, struct err *e);
void vmm_mem_destroy(struct vmm_mem *m);

/* Registers the regions as KVM memory slots. */
int vmm_mem_register(const struct vmm_mem *m, int vm_fd, struct err *e);

/* Host pointer for [gpa, gpa+len) if it lies wholly inside one region, else NULL. */
void *vmm_mem_ptr(const struct vmm_mem *m, uint64_t gpa, uint64_t len);

/* Copies out of / into guest memory; -1 with an error when the range is not RAM. */
int vmm_mem_read(const struct vmm_mem *m, uint64_t gpa, void *buf, size_t len, struct err *e);
int vmm_mem_write(const struct vmm_mem *m, uint64_t gpa, const void *buf, size_t len,
		  struct err *e);

/* End of the RAM below the MMIO gap (the highest usable low address + 1). */
uint64_t vmm_mem_low_end(const struct vmm_mem *m);

/* KiB of the guest-memory mapping resident in this process (Rss in /proc/self/smaps). */
int vmm_mem_resident_kib(const struct vmm_mem *m, uint64_t *kib, struct err *e);

#endif
