// SPDX-License-Identifier: Apache-2.0
/* libFuzzer target: the vmlinux ELF / PVH note parser (vmm/boot.c) on arbitrary files. */
#include "vmm/boot.h"

#include <stdint.h>
#include <stdlib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct vmm_elf_info info;
	struct err e;

	if (vmm_boot_parse_elf(data, size, &info, &e) < 0)
		return 0;
	/* A successful parse only ever describes bytes inside the file. */
	for (unsigned i = 0; i < info.nr_segments; i++) {
		const struct vmm_elf_segment *s = &info.segments[i];

		if (s->offset > size || s->filesz > size - s->offset || s->filesz > s->memsz)
			abort();
	}
	return 0;
}
