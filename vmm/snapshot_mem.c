// SPDX-License-Identifier: Apache-2.0
/* Sparse guest-memory file: write, checksum, verify. */
#define _GNU_SOURCE
#include "snapshot_mem.h"
#include "cleanup.h"
#include "hash.h"

#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#define CHUNK_PAGES 256u /* 1 MiB per mincore()/pread() step */

static bool page_is_zero(const uint8_t *p)
{
	uint64_t acc = 0;

	for (unsigned i = 0; i < VMM_PAGE_SIZE; i += 8) {
		uint64_t v;

		memcpy(&v, p + i, 8);
		acc |= v;
	}
	return acc == 0;
}

uint64_t vmm_snap_page_sum(uint64_t index, const void *page)
{
	uint32_t c = vmm_crc32c(vmm_crc32c(0, &index, sizeof(index)), page, VMM_PAGE_SIZE);

	/* Multiplying by an odd constant is a bijection: a changed CRC changes the sum. */
	return ((uint64_t)c << 32 | (uint32_t)~c) * 0x9e3779b97f4a7c15ULL;
}

static int write_chunk(const struct vmm_mem *m, int fd, uint64_t first, unsigned n,
		       struct vmm_snap_mem_stats *st, struct err *e)
{
	unsigned char vec[CHUNK_PAGES];
	uint8_t *base = m->base + first * VMM_PAGE_SIZE;

	if (mincore(base, (size_t)n * VMM_PAGE_SIZE, vec) < 0)
		return err_sys(e, errno, "mincore guest memory");
	for (unsigned i = 0; i < n; i++) {
		const uint8_t *p = base + (size_t)i * VMM_PAGE_SIZE;
		off_t off = (off_t)((first + i) * VMM_PAGE_SIZE);

		if (!(vec[i] & 1))
			continue;
		if (page_is_zero(p)) {
			st->zero_pages++;
			continue;
		}
		if (pwrite(fd, p, VMM_PAGE_SIZE, off) != (ssize_t)VMM_PAGE_SIZE)
			return err_sys(e, errno ? errno : EIO, "write snapshot memory");
		st->sum += vmm_snap_page_sum(first + i, p);
		st->data_pages++;
	}
	return 0;
}

int vmm_snap_mem_write(const struct vmm_mem *m, int fd, struct vmm_snap_mem_stats *st,
		       struct err *e)
{
	uint64_t pages = m->size / VMM_PAGE_SIZE;

	memset(st, 0, sizeof(*st));
	if (ftruncate(fd, (off_t)m->size) < 0)
		return err_sys(e, errno, "size snapshot memory file");
	for (uint64_t i = 0; i < pages; i += CHUNK_PAGES) {
		unsigned n = pages - i < CHUNK_PAGES ? (unsigned)(pages - i) : CHUNK_PAGES;

		if (write_chunk(m, fd, i, n, st, e) < 0)
			return -1;
	}
	return 0;
}

/* Sums the pages of [start, end) (page aligned) of the file. */
static int sum_extent(int fd, uint8_t *buf, off_t start, off_t end, uint64_t *sum, struct err *e)
{
	for (off_t off = start; off < end;) {
		size_t want = (size_t)(end - off) < CHUNK_PAGES * VMM_PAGE_SIZE
				      ? (size_t)(end - off)
				      : CHUNK_PAGES * VMM_PAGE_SIZE;
		ssize_t got = pread(fd, buf, want, off);

		if (got < 0)
			return err_sys(e, errno, "read snapshot memory");
		if ((size_t)got != want)
			return err_set(e, EIO, "snapshot memory: short read at %lld",
				       (long long)off);
		for (size_t i = 0; i < want; i += VMM_PAGE_SIZE)
			if (!page_is_zero(buf + i))
				*sum += vmm_snap_page_sum(
					(uint64_t)(off + (off_t)i) / VMM_PAGE_SIZE, buf + i);
		off += (off_t)want;
	}
	return 0;
}

int vmm_snap_mem_verify(int fd, uint64_t size, uint64_t want_sum, struct err *e)
{
	cleanup_free uint8_t *buf = NULL;
	uint64_t sum = 0;
	struct stat st;
	off_t off = 0;

	if (fstat(fd, &st) < 0)
		return err_sys(e, errno, "stat snapshot memory");
	if ((uint64_t)st.st_size != size)
		return err_set(e, EINVAL, "memory file has %lld bytes, want %llu",
			       (long long)st.st_size, (unsigned long long)size);
	buf = malloc(CHUNK_PAGES * VMM_PAGE_SIZE);
	if (!buf)
		return err_sys(e, ENOMEM, "verify buffer");
	for (;;) {
		off_t data = lseek(fd, off, SEEK_DATA), hole;

		if (data < 0 && errno == ENXIO)
			break;
		if (data < 0)
			return err_sys(e, errno, "SEEK_DATA in snapshot memory");
		hole = lseek(fd, data, SEEK_HOLE);
		if (hole < 0)
			return err_sys(e, errno, "SEEK_HOLE in snapshot memory");
		data &= ~(off_t)(VMM_PAGE_SIZE - 1);
		hole = (hole + VMM_PAGE_SIZE - 1) & ~(off_t)(VMM_PAGE_SIZE - 1);
		if (hole > st.st_size)
			hole = st.st_size;
		if (data < off)
			data = off; /* never count a page twice */
		if (sum_extent(fd, buf, data, hole, &sum, e) < 0)
			return -1;
		off = hole;
	}
	if (sum != want_sum)
		return err_set(e, EINVAL, "memory file checksum mismatch");
	return 0;
}
