/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The snapshot memory file: guest RAM as a sparse file of the RAM's size. Only pages the
 * guest touched (resident in the mapping, per mincore) and that are not all zero are
 * written; everything else stays a hole. Its checksum is position-aware and ignores zero
 * pages, so a hole and a page of zeros are the same thing:
 *   sum = Σ over non-zero pages i of mix(crc32c(crc32c(0, i), page))
 * A flipped byte changes its page's CRC and so the sum; a truncated file has the wrong size.
 * Verifying reads only the data extents (SEEK_DATA/SEEK_HOLE).
 */
#ifndef VMM_SNAPSHOT_MEM_H
#define VMM_SNAPSHOT_MEM_H

#include <stdint.h>
#include "error.h"
#include "memory.h"

#define VMM_PAGE_SIZE 4096u

struct vmm_snap_mem_stats {
	uint64_t sum;
	uint64_t data_pages; /* pages written */
	uint64_t zero_pages; /* resident but zero: left as holes */
};

/* Writes guest RAM to `fd` (an empty file) sparsely; fills `st`. */
int vmm_snap_mem_write(const struct vmm_mem *m, int fd, struct vmm_snap_mem_stats *st,
		       struct err *e);

/* Reads the file's data extents and checks size and sum. */
int vmm_snap_mem_verify(int fd, uint64_t size, uint64_t want_sum, struct err *e);

/* The contribution of one non-zero page (exposed for tests). */
uint64_t vmm_snap_page_sum(uint64_t index, const void *page);

#endif
