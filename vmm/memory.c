// SPDX-License-Identifier: Apache-2.0
/* Guest RAM: mapping, KVM slots, and bounds-checked guest-physical access. */
#include "memory.h"
#include "layout.h"
#include "cleanup.h"

#include <errno.h>
#include <stdbool.h>
#include <linux/kvm.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

void vmm_mem_layout(struct vmm_mem *m, uint8_t *base, uint64_t size)
{
	uint64_t low = size < VMM_MMIO_GAP_START ? size : VMM_MMIO_GAP_START;

	memset(m, 0, sizeof(*m));
	m->base = base;
	m->size = size;
	m->regions[0] = (struct vmm_mem_region){.gpa = 0, .size = low, .hva = base};
	m->nr_regions = 1;
	if (size > low) {
		m->regions[1] = (struct vmm_mem_region){
			.gpa = VMM_HIGH_RAM_START, .size = size - low, .hva = base + low};
		m->nr_regions = 2;
	}
}

int vmm_mem_create(struct vmm_mem *m, uint64_t size, struct err *e)
{
	void *p;

	/*
	 * MAP_NORESERVE + never touched: the guest's RAM costs the host only what the guest
	 * actually writes. MAP_PRIVATE so a later snapshot restore can map a file the same way.
	 */
	p = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE,
		 -1, 0);
	if (p == MAP_FAILED)
		return err_sys(e, errno, "mmap %llu MiB of guest memory",
			       (unsigned long long)(size >> 20));
	/* Guest pages must not end up in a core dump of the VMM. */
	madvise(p, size, MADV_DONTDUMP);
	vmm_mem_layout(m, p, size);
	return 0;
}

int vmm_mem_map_file(struct vmm_mem *m, int fd, uint64_t size, struct err *e)
{
	/* Pages load lazily from the page cache, shared by every guest restored from the file,
	 * and are copied only when this guest writes them: nothing goes back to the file. */
	void *p = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_NORESERVE, fd, 0);

	if (p == MAP_FAILED)
		return err_sys(e, errno, "mmap snapshot memory (%llu MiB)",
			       (unsigned long long)(size >> 20));
	madvise(p, size, MADV_DONTDUMP);
	vmm_mem_layout(m, p, size);
	return 0;
}

void vmm_mem_destroy(struct vmm_mem *m)
{
	if (m->base)
		munmap(m->base, m->size);
	memset(m, 0, sizeof(*m));
}

int vmm_mem_register(const struct vmm_mem *m, int vm_fd, struct err *e)
{
	for (unsigned i = 0; i < m->nr_regions; i++) {
		struct kvm_userspace_memory_region r = {
			.slot = i,
			.guest_phys_addr = m->regions[i].gpa,
			.memory_size = m->regions[i].size,
			.userspace_addr = (uintptr_t)m->regions[i].hva,
		};
		if (ioctl(vm_fd, KVM_SET_USER_MEMORY_REGION, &r) < 0)
			return err_sys(e, errno, "KVM_SET_USER_MEMORY_REGION slot %u", i);
	}
	return 0;
}

void *vmm_mem_ptr(const struct vmm_mem *m, uint64_t gpa, uint64_t len)
{
	for (unsigned i = 0; i < m->nr_regions; i++) {
		const struct vmm_mem_region *r = &m->regions[i];

		/* Written so that no sum can overflow: gpa and len are guest-controlled. */
		if (gpa < r->gpa || gpa - r->gpa > r->size)
			continue;
		if (len > r->size - (gpa - r->gpa))
			return NULL;
		return r->hva + (gpa - r->gpa);
	}
	return NULL;
}

int vmm_mem_read(const struct vmm_mem *m, uint64_t gpa, void *buf, size_t len, struct err *e)
{
	const void *p = vmm_mem_ptr(m, gpa, len);

	if (!p)
		return err_set(e, EFAULT, "guest read of %zu bytes at 0x%llx is outside RAM", len,
			       (unsigned long long)gpa);
	memcpy(buf, p, len);
	return 0;
}

int vmm_mem_write(const struct vmm_mem *m, uint64_t gpa, const void *buf, size_t len, struct err *e)
{
	void *p = vmm_mem_ptr(m, gpa, len);

	if (!p)
		return err_set(e, EFAULT, "guest write of %zu bytes at 0x%llx is outside RAM", len,
			       (unsigned long long)gpa);
	memcpy(p, buf, len);
	return 0;
}

uint64_t vmm_mem_low_end(const struct vmm_mem *m)
{
	return m->regions[0].size;
}

int vmm_mem_resident_kib(const struct vmm_mem *m, uint64_t *kib, struct err *e)
{
	cleanup_fclose FILE *f = fopen("/proc/self/smaps", "re");
	char line[256];
	bool ours = false;

	/*
	 * The Rss of the guest-memory mapping as the kernel accounts it for this process: for
	 * a restored guest this counts the snapshot's page-cache pages the guest touched (and
	 * its private copies), never pages only other processes touched. mincore() would not do:
	 * on a file mapping it reports the page cache.
	 */
	if (!f)
		return err_sys(e, errno, "open /proc/self/smaps");
	while (fgets(line, sizeof(line), f)) {
		unsigned long long start, v;

		/* Mapping lines start with a lowercase hex address, field lines ("Rss:") do not. */
		if (strchr("0123456789abcdef", line[0]) && sscanf(line, "%llx-", &start) == 1) {
			ours = start == (uintptr_t)m->base;
			continue;
		}
		if (ours && sscanf(line, "Rss: %llu kB", &v) == 1) {
			*kib = v;
			return 0;
		}
	}
	return err_set(e, ENOENT, "guest memory mapping not in /proc/self/smaps");
}
