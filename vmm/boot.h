/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Direct boot of an uncompressed ELF vmlinux through its PVH entry point: no real mode, no
 * decompressor, no boot_params. The loader reads the kernel's XEN_ELFNOTE_PHYS32_ENTRY note,
 * copies the PT_LOAD segments to their physical addresses and passes a struct
 * hvm_start_info (command line, initrd module, memory map) in EBX.
 */
#ifndef VMM_BOOT_H
#define VMM_BOOT_H

#include <stddef.h>
#include <stdint.h>
#include "error.h"
#include "memory.h"

#define VMM_ELF_MAX_SEGMENTS 16
#define VMM_MEMMAP_MAX	     8

/* Linux's include/xen/interface/elfnote.h: physical 32-bit PVH entry point. */
#define VMM_XEN_ELFNOTE_PHYS32_ENTRY 18

struct vmm_elf_segment {
	uint64_t offset; /* in the file */
	uint64_t filesz;
	uint64_t paddr;
	uint64_t memsz;
};

struct vmm_elf_info {
	uint64_t pvh_entry; /* guest-physical, 32-bit */
	unsigned nr_segments;
	struct vmm_elf_segment segments[VMM_ELF_MAX_SEGMENTS];
	uint64_t load_end;    /* highest paddr + memsz over all segments */
	uint8_t build_id[32]; /* the GNU build-id note, when the image has one */
	unsigned build_id_len;
};

/*
 * Parses an ELF64 x86-64 image held in memory: PT_LOAD segments and the PVH entry note.
 * Every offset and size is checked against `len` (the file is untrusted input).
 */
int vmm_boot_parse_elf(const uint8_t *img, size_t len, struct vmm_elf_info *info, struct err *e);

/* Checks that the segments fit in guest RAM above 1 MiB and the entry lies inside one. */
int vmm_boot_check_placement(const struct vmm_mem *m, const struct vmm_elf_info *info,
			     struct err *e);

/* Maps `path`, parses it, and copies the segments into guest memory. */
int vmm_boot_load_kernel(const struct vmm_mem *m, const char *path, struct vmm_elf_info *info,
			 struct err *e);

/*
 * A stable identity for the kernel at `path` without loading it: "build-id <hex>" from its
 * GNU build-id note, or "crc32c <hex>" of the whole file when it has none.
 */
int vmm_boot_kernel_id(const char *path, char *out, size_t len, struct err *e);

/* Reads the initrd to the top of low RAM, above `kernel_end`. */
int vmm_boot_load_initrd(const struct vmm_mem *m, const char *path, uint64_t kernel_end,
			 uint64_t *gpa, uint64_t *size, struct err *e);

struct vmm_boot_params {
	const char *cmdline;
	uint64_t initrd_gpa; /* 0 = no initrd */
	uint64_t initrd_size;
};

/*
 * Writes hvm_start_info (+ module list, memory map, command line) at VMM_START_INFO_GPA
 * and VMM_CMDLINE_GPA. Returns the start_info gpa (for EBX) in *start_info_gpa.
 */
int vmm_boot_write_start_info(const struct vmm_mem *m, const struct vmm_boot_params *p,
			      uint64_t *start_info_gpa, struct err *e);

#endif
