// SPDX-License-Identifier: Apache-2.0
/* PVH direct boot: ELF parsing, segment loading, initrd, hvm_start_info. */
#include "boot.h"
#include "cleanup.h"
#include "layout.h"
#include "hash.h"

#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

/*
 * The PVH boot ABI has no uapi header. These mirror, field for field, the layout that
 * xen/include/public/arch-x86/hvm/start_info.h documents (Linux's copy:
 * include/xen/interface/hvm/start_info.h, version 1 of the structure).
 */
#define HVM_START_MAGIC_VALUE	 0x336ec578
#define HVM_MEMMAP_TYPE_RAM	 1
#define HVM_MEMMAP_TYPE_RESERVED 2

struct hvm_start_info {
	uint32_t magic;		 /*  0: HVM_START_MAGIC_VALUE ("xEn3" | 0x80 in 'E') */
	uint32_t version;	 /*  4: 1: has the memmap fields */
	uint32_t flags;		 /*  8: SIF_xxx, none for us */
	uint32_t nr_modules;	 /* 12 */
	uint64_t modlist_paddr;	 /* 16: array of struct hvm_modlist_entry */
	uint64_t cmdline_paddr;	 /* 24: NUL-terminated ASCII */
	uint64_t rsdp_paddr;	 /* 32: ACPI RSDP, 0 = none */
	uint64_t memmap_paddr;	 /* 40: array of struct hvm_memmap_table_entry */
	uint32_t memmap_entries; /* 48 */
	uint32_t reserved;	 /* 52: must be zero */
};

struct hvm_modlist_entry {
	uint64_t paddr;		/* 0 */
	uint64_t size;		/* 8 */
	uint64_t cmdline_paddr; /* 16 */
	uint64_t reserved;	/* 24 */
};

struct hvm_memmap_table_entry {
	uint64_t addr;	   /* 0 */
	uint64_t size;	   /* 8 */
	uint32_t type;	   /* 16: ACPI address range type */
	uint32_t reserved; /* 20 */
};

_Static_assert(sizeof(struct hvm_start_info) == 56, "hvm_start_info layout");
_Static_assert(sizeof(struct hvm_modlist_entry) == 32, "hvm_modlist_entry layout");
_Static_assert(sizeof(struct hvm_memmap_table_entry) == 24, "hvm_memmap_table_entry layout");

/* Offsets inside the boot-info page. */
#define MODLIST_OFF 0x40
#define MEMMAP_OFF  0x80

static uint64_t align4(uint64_t v)
{
	return (v + 3) & ~3ULL;
}

/* One note: the PVH entry (Linux emits it with _ASM_PTR: 8 bytes on x86-64) or the build id. */
static int parse_note(const Elf64_Nhdr *nh, const uint8_t *name, const uint8_t *d,
		      struct vmm_elf_info *info, bool *have_entry)
{
	if (nh->n_type == VMM_XEN_ELFNOTE_PHYS32_ENTRY && nh->n_namesz == 4 &&
	    memcmp(name, "Xen", 4) == 0) {
		uint32_t v32;
		uint64_t v64;

		if (nh->n_descsz == 8) {
			memcpy(&v64, d, 8);
			info->pvh_entry = v64;
		} else if (nh->n_descsz == 4) {
			memcpy(&v32, d, 4);
			info->pvh_entry = v32;
		} else {
			return -1;
		}
		*have_entry = true;
	} else if (nh->n_type == NT_GNU_BUILD_ID && nh->n_namesz == 4 &&
		   memcmp(name, "GNU", 4) == 0 && nh->n_descsz <= sizeof(info->build_id)) {
		memcpy(info->build_id, d, nh->n_descsz);
		info->build_id_len = nh->n_descsz;
	}
	return 0;
}

/* Walks the notes in [off, off+size) of the file. */
static int parse_notes(const uint8_t *img, uint64_t off, uint64_t size, struct vmm_elf_info *info,
		       bool *have_entry)
{
	uint64_t pos = 0;

	while (size - pos >= sizeof(Elf64_Nhdr)) {
		Elf64_Nhdr nh;
		uint64_t name_len, desc_len;

		memcpy(&nh, img + off + pos, sizeof(nh));
		pos += sizeof(nh);
		name_len = align4(nh.n_namesz);
		desc_len = align4(nh.n_descsz);
		if (name_len > size - pos || desc_len > size - pos - name_len)
			return -1;
		if (parse_note(&nh, img + off + pos, img + off + pos + name_len, info, have_entry) <
		    0)
			return -1;
		pos += name_len + desc_len;
	}
	return 0;
}

static int check_ehdr(const uint8_t *img, size_t len, Elf64_Ehdr *eh, struct err *e)
{
	if (len < sizeof(*eh) || memcmp(img, ELFMAG, SELFMAG) != 0)
		return err_set(e, ENOEXEC,
			       "not an ELF file (a bzImage cannot be booted; use the vmlinux ELF)");
	memcpy(eh, img, sizeof(*eh));
	if (eh->e_ident[EI_CLASS] != ELFCLASS64 || eh->e_ident[EI_DATA] != ELFDATA2LSB ||
	    eh->e_machine != EM_X86_64)
		return err_set(e, ENOEXEC, "not a 64-bit little-endian x86-64 ELF");
	if (eh->e_phentsize != sizeof(Elf64_Phdr) || eh->e_phnum == 0 || eh->e_phoff > len ||
	    (uint64_t)eh->e_phnum * sizeof(Elf64_Phdr) > len - eh->e_phoff)
		return err_set(e, ENOEXEC, "ELF program headers out of bounds");
	return 0;
}

static int add_segment(struct vmm_elf_info *info, const Elf64_Phdr *ph, size_t len, struct err *e)
{
	struct vmm_elf_segment *s;

	if (ph->p_filesz > ph->p_memsz || ph->p_offset > len || ph->p_filesz > len - ph->p_offset)
		return err_set(e, ENOEXEC, "ELF PT_LOAD segment out of bounds");
	if (ph->p_paddr > UINT64_MAX - ph->p_memsz)
		return err_set(e, ENOEXEC, "ELF PT_LOAD segment address overflows");
	if (info->nr_segments == VMM_ELF_MAX_SEGMENTS)
		return err_set(e, ENOEXEC, "more than %d ELF PT_LOAD segments",
			       VMM_ELF_MAX_SEGMENTS);
	s = &info->segments[info->nr_segments++];
	*s = (struct vmm_elf_segment){.offset = ph->p_offset,
				      .filesz = ph->p_filesz,
				      .paddr = ph->p_paddr,
				      .memsz = ph->p_memsz};
	if (s->paddr + s->memsz > info->load_end)
		info->load_end = s->paddr + s->memsz;
	return 0;
}

int vmm_boot_parse_elf(const uint8_t *img, size_t len, struct vmm_elf_info *info, struct err *e)
{
	Elf64_Ehdr eh;
	bool have_entry = false;

	memset(info, 0, sizeof(*info));
	if (check_ehdr(img, len, &eh, e) < 0)
		return -1;
	for (unsigned i = 0; i < eh.e_phnum; i++) {
		Elf64_Phdr ph;

		memcpy(&ph, img + eh.e_phoff + (uint64_t)i * sizeof(ph), sizeof(ph));
		if (ph.p_type == PT_LOAD && ph.p_memsz > 0) {
			if (add_segment(info, &ph, len, e) < 0)
				return -1;
		} else if (ph.p_type == PT_NOTE) {
			if (ph.p_offset > len || ph.p_filesz > len - ph.p_offset)
				return err_set(e, ENOEXEC, "ELF PT_NOTE segment out of bounds");
			if (parse_notes(img, ph.p_offset, ph.p_filesz, info, &have_entry) < 0)
				return err_set(e, ENOEXEC, "malformed ELF note");
		}
	}
	if (info->nr_segments == 0)
		return err_set(e, ENOEXEC, "ELF has no PT_LOAD segments");
	if (!have_entry)
		return err_set(e, ENOEXEC,
			       "kernel has no PVH entry note (XEN_ELFNOTE_PHYS32_ENTRY); build it "
			       "with CONFIG_PVH=y");
	return 0;
}

int vmm_boot_check_placement(const struct vmm_mem *m, const struct vmm_elf_info *info,
			     struct err *e)
{
	bool entry_ok = false;

	for (unsigned i = 0; i < info->nr_segments; i++) {
		const struct vmm_elf_segment *s = &info->segments[i];

		if (s->paddr < VMM_LEGACY_HOLE_END || !vmm_mem_ptr(m, s->paddr, s->memsz))
			return err_set(e, ENOMEM,
				       "kernel segment 0x%llx+0x%llx does not fit in guest RAM "
				       "(%llu MiB); give the VM more --memory",
				       (unsigned long long)s->paddr, (unsigned long long)s->memsz,
				       (unsigned long long)(m->size >> 20));
		if (info->pvh_entry >= s->paddr && info->pvh_entry - s->paddr < s->filesz)
			entry_ok = true;
	}
	if (!entry_ok || info->pvh_entry > UINT32_MAX)
		return err_set(e, ENOEXEC, "PVH entry 0x%llx is not inside a loaded segment",
			       (unsigned long long)info->pvh_entry);
	return 0;
}

int vmm_boot_load_kernel(const struct vmm_mem *m, const char *path, struct vmm_elf_info *info,
			 struct err *e)
{
	cleanup_close int fd = open(path, O_RDONLY | O_CLOEXEC);
	struct stat st;
	uint8_t *img;
	int r = -1;

	if (fd < 0)
		return err_sys(e, errno, "open kernel %s", path);
	if (fstat(fd, &st) < 0)
		return err_sys(e, errno, "stat kernel %s", path);
	if (!S_ISREG(st.st_mode) || st.st_size == 0)
		return err_set(e, EINVAL, "kernel %s is not a regular non-empty file", path);
	img = mmap(NULL, st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
	if (img == MAP_FAILED)
		return err_sys(e, errno, "mmap kernel %s", path);
	if (vmm_boot_parse_elf(img, st.st_size, info, e) < 0 ||
	    vmm_boot_check_placement(m, info, e) < 0) {
		err_prefix(e, "kernel %s", path);
		goto out;
	}
	/* The tail (memsz - filesz) is already zero: guest RAM is fresh anonymous memory. */
	for (unsigned i = 0; i < info->nr_segments; i++) {
		const struct vmm_elf_segment *s = &info->segments[i];

		memcpy(vmm_mem_ptr(m, s->paddr, s->memsz), img + s->offset, s->filesz);
	}
	r = 0;
out:
	munmap(img, st.st_size);
	return r;
}

static void hex(const uint8_t *b, unsigned n, char *out)
{
	for (unsigned i = 0; i < n; i++)
		snprintf(out + 2 * i, 3, "%02x", b[i]);
}

int vmm_boot_kernel_id(const char *path, char *out, size_t len, struct err *e)
{
	cleanup_close int fd = open(path, O_RDONLY | O_CLOEXEC);
	struct vmm_elf_info info;
	char id[2 * sizeof(info.build_id) + 1] = "";
	struct stat st;
	uint8_t *img;
	int r;

	if (fd < 0)
		return err_sys(e, errno, "open kernel %s", path);
	if (fstat(fd, &st) < 0 || st.st_size == 0)
		return err_set(e, EINVAL, "kernel %s is empty or unreadable", path);
	img = mmap(NULL, st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
	if (img == MAP_FAILED)
		return err_sys(e, errno, "mmap kernel %s", path);
	r = vmm_boot_parse_elf(img, st.st_size, &info, e);
	if (r == 0 && info.build_id_len) {
		hex(info.build_id, info.build_id_len, id);
		snprintf(out, len, "build-id %s size %lld", id, (long long)st.st_size);
	} else if (r == 0) {
		snprintf(out, len, "crc32c %08x size %lld", vmm_crc32c(0, img, st.st_size),
			 (long long)st.st_size);
	}
	munmap(img, st.st_size);
	return r < 0 ? err_prefix(e, "kernel %s", path) : 0;
}

static ssize_t read_full_at(int fd, uint8_t *buf, size_t len)
{
	size_t done = 0;

	while (done < len) {
		ssize_t n = pread(fd, buf + done, len - done, (off_t)done);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return n < 0 ? -1 : (ssize_t)done;
		done += n;
	}
	return (ssize_t)done;
}

int vmm_boot_load_initrd(const struct vmm_mem *m, const char *path, uint64_t kernel_end,
			 uint64_t *gpa, uint64_t *size, struct err *e)
{
	cleanup_close int fd = open(path, O_RDONLY | O_CLOEXEC);
	uint64_t top = vmm_mem_low_end(m), addr;
	struct stat st;
	ssize_t n;

	if (fd < 0)
		return err_sys(e, errno, "open initrd %s", path);
	if (fstat(fd, &st) < 0)
		return err_sys(e, errno, "stat initrd %s", path);
	if (!S_ISREG(st.st_mode) || st.st_size == 0)
		return err_set(e, EINVAL, "initrd %s is not a regular non-empty file", path);
	if ((uint64_t)st.st_size > top || ((top - st.st_size) & ~0xfffULL) < kernel_end)
		return err_set(e, ENOMEM, "initrd %s (%lld KiB) does not fit above the kernel",
			       path, (long long)st.st_size / 1024);
	addr = (top - st.st_size) & ~0xfffULL;
	n = read_full_at(fd, vmm_mem_ptr(m, addr, st.st_size), st.st_size);
	if (n != st.st_size)
		return err_sys(e, n < 0 ? errno : EIO, "read initrd %s", path);
	*gpa = addr;
	*size = st.st_size;
	return 0;
}

/* RAM below the EBDA, RAM from 1 MiB to the MMIO gap, RAM above 4 GiB. */
static unsigned build_memmap(const struct vmm_mem *m, struct hvm_memmap_table_entry *map)
{
	unsigned n = 0;

	map[n++] = (struct hvm_memmap_table_entry){0, VMM_MPTABLE_GPA, HVM_MEMMAP_TYPE_RAM, 0};
	map[n++] = (struct hvm_memmap_table_entry){VMM_MPTABLE_GPA, 0xa0000 - VMM_MPTABLE_GPA,
						   HVM_MEMMAP_TYPE_RESERVED, 0};
	map[n++] = (struct hvm_memmap_table_entry){VMM_LEGACY_HOLE_END,
						   vmm_mem_low_end(m) - VMM_LEGACY_HOLE_END,
						   HVM_MEMMAP_TYPE_RAM, 0};
	for (unsigned i = 1; i < m->nr_regions; i++)
		map[n++] = (struct hvm_memmap_table_entry){m->regions[i].gpa, m->regions[i].size,
							   HVM_MEMMAP_TYPE_RAM, 0};
	return n;
}

int vmm_boot_write_start_info(const struct vmm_mem *m, const struct vmm_boot_params *p,
			      uint64_t *start_info_gpa, struct err *e)
{
	struct hvm_memmap_table_entry map[VMM_MEMMAP_MAX];
	struct hvm_start_info si = {.magic = HVM_START_MAGIC_VALUE, .version = 1};
	size_t cmdlen = strlen(p->cmdline) + 1;

	if (cmdlen > VMM_CMDLINE_MAX)
		return err_set(e, E2BIG, "kernel command line is %zu bytes, limit %d", cmdlen - 1,
			       VMM_CMDLINE_MAX - 1);
	if (vmm_mem_write(m, VMM_CMDLINE_GPA, p->cmdline, cmdlen, e) < 0)
		return -1;
	si.cmdline_paddr = VMM_CMDLINE_GPA;
	si.memmap_entries = build_memmap(m, map);
	si.memmap_paddr = VMM_START_INFO_GPA + MEMMAP_OFF;
	if (vmm_mem_write(m, si.memmap_paddr, map, si.memmap_entries * sizeof(map[0]), e) < 0)
		return -1;
	if (p->initrd_gpa) {
		struct hvm_modlist_entry mod = {.paddr = p->initrd_gpa, .size = p->initrd_size};

		si.nr_modules = 1;
		si.modlist_paddr = VMM_START_INFO_GPA + MODLIST_OFF;
		if (vmm_mem_write(m, si.modlist_paddr, &mod, sizeof(mod), e) < 0)
			return -1;
	}
	if (vmm_mem_write(m, VMM_START_INFO_GPA, &si, sizeof(si), e) < 0)
		return -1;
	*start_info_gpa = VMM_START_INFO_GPA;
	return 0;
}
