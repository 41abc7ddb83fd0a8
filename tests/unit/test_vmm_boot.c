// SPDX-License-Identifier: Apache-2.0
/* PVH loading: ELF note parsing, placement, start_info, initrd, MP table, on fake RAM. */
#include "unit.h"
#include "vmm/boot.h"
#include "vmm/layout.h"
#include "vmm/mptable.h"

#include <elf.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define RAM_MIB 32

/* Layout of the synthetic vmlinux: ehdr, 2 phdrs, note at 0x100, text at 0x200. */
#define NOTE_OFF   0x100
#define TEXT_OFF   0x200
#define TEXT_LEN   0x80
#define TEXT_PADDR 0x1000000ULL

struct image {
	uint8_t buf[0x400];
	size_t len;
};

static void put_note(uint8_t *p, uint32_t type, const void *desc, uint32_t descsz)
{
	Elf64_Nhdr nh = {.n_namesz = 4, .n_descsz = descsz, .n_type = type};

	memcpy(p, &nh, sizeof(nh));
	memcpy(p + sizeof(nh), "Xen", 4);
	memcpy(p + sizeof(nh) + 4, desc, descsz);
}

static void make_image(struct image *im, uint64_t entry)
{
	Elf64_Ehdr eh = {.e_type = ET_EXEC,
			 .e_machine = EM_X86_64,
			 .e_version = EV_CURRENT,
			 .e_phoff = sizeof(Elf64_Ehdr),
			 .e_ehsize = sizeof(Elf64_Ehdr),
			 .e_phentsize = sizeof(Elf64_Phdr),
			 .e_phnum = 2};
	Elf64_Phdr ph[2] = {
		{.p_type = PT_LOAD,
		 .p_offset = TEXT_OFF,
		 .p_paddr = TEXT_PADDR,
		 .p_vaddr = 0xffffffff81000000ULL,
		 .p_filesz = TEXT_LEN,
		 .p_memsz = 0x1000},
		{.p_type = PT_NOTE, .p_offset = NOTE_OFF, .p_filesz = 2 * (12 + 4 + 8)},
	};
	uint64_t other = 0x1234;

	memset(im, 0, sizeof(*im));
	memcpy(eh.e_ident, ELFMAG, SELFMAG);
	eh.e_ident[EI_CLASS] = ELFCLASS64;
	eh.e_ident[EI_DATA] = ELFDATA2LSB;
	memcpy(im->buf, &eh, sizeof(eh));
	memcpy(im->buf + eh.e_phoff, ph, sizeof(ph));
	/* An unrelated Xen note first (type 19, like Linux's), then the entry note. */
	put_note(im->buf + NOTE_OFF, 19, &other, 8);
	put_note(im->buf + NOTE_OFF + 24, VMM_XEN_ELFNOTE_PHYS32_ENTRY, &entry, 8);
	memset(im->buf + TEXT_OFF, 0x90, TEXT_LEN);
	im->len = TEXT_OFF + TEXT_LEN;
}

static struct vmm_mem fake_ram(void)
{
	struct vmm_mem m;

	vmm_mem_layout(&m, calloc(1, RAM_MIB << 20), (uint64_t)RAM_MIB << 20);
	return m;
}

static void test_parse_ok(void)
{
	struct image im;
	struct vmm_elf_info info;
	struct err e;

	make_image(&im, TEXT_PADDR + 0x10);
	CHECK_INT(vmm_boot_parse_elf(im.buf, im.len, &info, &e), 0);
	CHECK_INT(info.pvh_entry, TEXT_PADDR + 0x10);
	CHECK_INT(info.nr_segments, 1);
	CHECK_INT(info.segments[0].paddr, TEXT_PADDR);
	CHECK_INT(info.segments[0].filesz, TEXT_LEN);
	CHECK_INT(info.load_end, TEXT_PADDR + 0x1000);
}

static void test_parse_4byte_note(void)
{
	struct image im;
	struct vmm_elf_info info;
	struct err e;
	uint32_t entry32 = TEXT_PADDR + 4;

	make_image(&im, 0);
	put_note(im.buf + NOTE_OFF + 24, VMM_XEN_ELFNOTE_PHYS32_ENTRY, &entry32, 4);
	CHECK_INT(vmm_boot_parse_elf(im.buf, im.len, &info, &e), 0);
	CHECK_INT(info.pvh_entry, TEXT_PADDR + 4);
}

static void test_parse_errors(void)
{
	struct image im;
	struct vmm_elf_info info;
	struct err e;
	Elf64_Phdr *ph;
	Elf64_Nhdr *nh;

	make_image(&im, TEXT_PADDR);
	CHECK_INT(vmm_boot_parse_elf(im.buf, 10, &info, &e), -1); /* truncated header */
	memcpy(im.buf, "MZ", 2);				  /* a bzImage / PE */
	CHECK_INT(vmm_boot_parse_elf(im.buf, im.len, &info, &e), -1);
	CHECK(strstr(e.msg, "bzImage") != NULL);

	make_image(&im, TEXT_PADDR);
	ph = (Elf64_Phdr *)(im.buf + sizeof(Elf64_Ehdr));
	ph[0].p_filesz = 0x10000; /* past the end of the file */
	CHECK_INT(vmm_boot_parse_elf(im.buf, im.len, &info, &e), -1);

	make_image(&im, TEXT_PADDR);
	ph = (Elf64_Phdr *)(im.buf + sizeof(Elf64_Ehdr));
	ph[0].p_filesz = ph[0].p_memsz + 1; /* filesz > memsz */
	CHECK_INT(vmm_boot_parse_elf(im.buf, im.len, &info, &e), -1);

	make_image(&im, TEXT_PADDR);
	nh = (Elf64_Nhdr *)(im.buf + NOTE_OFF);
	nh->n_descsz = 0xfffffff0; /* a note claiming more than its segment */
	CHECK_INT(vmm_boot_parse_elf(im.buf, im.len, &info, &e), -1);

	make_image(&im, TEXT_PADDR);
	nh = (Elf64_Nhdr *)(im.buf + NOTE_OFF + 24);
	nh->n_type = 99; /* no PVH note at all */
	CHECK_INT(vmm_boot_parse_elf(im.buf, im.len, &info, &e), -1);
	CHECK(strstr(e.msg, "PVH") != NULL);

	make_image(&im, TEXT_PADDR);
	((Elf64_Ehdr *)im.buf)->e_phnum = 200; /* program headers past the end */
	CHECK_INT(vmm_boot_parse_elf(im.buf, im.len, &info, &e), -1);
}

static void test_placement(void)
{
	struct vmm_mem m = fake_ram();
	struct image im;
	struct vmm_elf_info info;
	struct err e;

	make_image(&im, TEXT_PADDR + 8);
	CHECK_INT(vmm_boot_parse_elf(im.buf, im.len, &info, &e), 0);
	CHECK_INT(vmm_boot_check_placement(&m, &info, &e), 0);
	info.pvh_entry = TEXT_PADDR + TEXT_LEN; /* just past the file-backed part */
	CHECK_INT(vmm_boot_check_placement(&m, &info, &e), -1);
	info.pvh_entry = TEXT_PADDR;
	info.segments[0].paddr = 0x80000; /* below 1 MiB: the boot info lives there */
	CHECK_INT(vmm_boot_check_placement(&m, &info, &e), -1);
	info.segments[0].paddr = (RAM_MIB << 20) - 0x800; /* runs past the end of RAM */
	CHECK_INT(vmm_boot_check_placement(&m, &info, &e), -1);
	CHECK(strstr(e.msg, "--memory") != NULL);
	free(m.base);
}

static char *write_temp(const void *data, size_t len)
{
	char *path = strdup("/tmp/test_vmm_boot.XXXXXX");
	int fd = mkstemp(path);

	CHECK(fd >= 0);
	CHECK(write(fd, data, len) == (ssize_t)len);
	close(fd);
	return path;
}

static void test_load_kernel_and_initrd(void)
{
	struct vmm_mem m = fake_ram();
	struct image im;
	struct vmm_elf_info info;
	struct err e;
	uint8_t initrd[5000];
	uint64_t gpa = 0, size = 0;
	char *kpath, *ipath;

	make_image(&im, TEXT_PADDR);
	kpath = write_temp(im.buf, im.len);
	CHECK_INT(vmm_boot_load_kernel(&m, kpath, &info, &e), 0);
	CHECK(m.base[TEXT_PADDR] == 0x90 && m.base[TEXT_PADDR + TEXT_LEN - 1] == 0x90);
	CHECK(m.base[TEXT_PADDR + TEXT_LEN] == 0); /* bss stays zero */
	memset(initrd, 0xab, sizeof(initrd));
	ipath = write_temp(initrd, sizeof(initrd));
	CHECK_INT(vmm_boot_load_initrd(&m, ipath, info.load_end, &gpa, &size, &e), 0);
	CHECK_INT(size, sizeof(initrd));
	CHECK_INT(gpa & 0xfff, 0);
	CHECK(gpa + size <= (RAM_MIB << 20) && gpa >= info.load_end);
	CHECK(m.base[gpa] == 0xab && m.base[gpa + size - 1] == 0xab);
	/* An initrd that would overlap the kernel is refused. */
	CHECK_INT(vmm_boot_load_initrd(&m, ipath, (RAM_MIB << 20) - 0x1000, &gpa, &size, &e), -1);
	CHECK_INT(vmm_boot_load_kernel(&m, "/nonexistent/vmlinux", &info, &e), -1);
	CHECK(strstr(e.msg, "/nonexistent/vmlinux") && strstr(e.msg, "no such file"));
	unlink(kpath);
	unlink(ipath);
	free(kpath);
	free(ipath);
	free(m.base);
}

/* Reads hvm_start_info back by its documented byte offsets (start_info.h). */
static uint64_t rd64(const uint8_t *p)
{
	uint64_t v;

	memcpy(&v, p, 8);
	return v;
}

static uint32_t rd32(const uint8_t *p)
{
	uint32_t v;

	memcpy(&v, p, 4);
	return v;
}

static void test_start_info(void)
{
	struct vmm_mem m = fake_ram();
	struct vmm_boot_params bp = {
		.cmdline = "console=ttyS0 quiet", .initrd_gpa = 0x1f00000, .initrd_size = 12345};
	struct err e;
	uint64_t si_gpa = 0;
	const uint8_t *si, *mod, *map;

	CHECK_INT(vmm_boot_write_start_info(&m, &bp, &si_gpa, &e), 0);
	CHECK_INT(si_gpa, VMM_START_INFO_GPA);
	si = m.base + si_gpa;
	CHECK_INT(rd32(si + 0), 0x336ec578); /* magic */
	CHECK_INT(rd32(si + 4), 1);	     /* version */
	CHECK_INT(rd32(si + 12), 1);	     /* nr_modules */
	CHECK_STR((const char *)m.base + rd64(si + 24), "console=ttyS0 quiet");
	CHECK_INT(rd64(si + 32), 0); /* no RSDP */
	mod = m.base + rd64(si + 16);
	CHECK_INT(rd64(mod + 0), 0x1f00000);
	CHECK_INT(rd64(mod + 8), 12345);
	CHECK_INT(rd32(si + 48), 3); /* memmap entries: low RAM, EBDA, RAM from 1 MiB */
	map = m.base + rd64(si + 40);
	CHECK_INT(rd64(map + 0), 0);
	CHECK_INT(rd64(map + 8), VMM_MPTABLE_GPA);
	CHECK_INT(rd32(map + 16), 1);
	CHECK_INT(rd32(map + 24 + 16), 2); /* reserved */
	CHECK_INT(rd64(map + 48), 0x100000);
	CHECK_INT(rd64(map + 48 + 8), (RAM_MIB << 20) - 0x100000);
	free(m.base);
}

static void test_start_info_high_ram_and_no_initrd(void)
{
	struct vmm_mem m;
	struct vmm_boot_params bp = {.cmdline = "x"};
	struct err e;
	uint64_t si_gpa;
	const uint8_t *si, *map;
	uint64_t size = VMM_MMIO_GAP_START + (256ULL << 20);

	/* Only the layout is looked at: a small real buffer stands in for the low part. */
	vmm_mem_layout(&m, calloc(1, 1 << 20), size);
	CHECK_INT(m.nr_regions, 2);
	CHECK_INT(m.regions[1].gpa, VMM_HIGH_RAM_START);
	CHECK_INT(m.regions[1].size, 256ULL << 20);
	CHECK(vmm_mem_ptr(&m, VMM_MMIO_GAP_START, 1) == NULL); /* the gap is not RAM */
	CHECK(vmm_mem_ptr(&m, VMM_MMIO_GAP_START - 1, 2) == NULL);
	CHECK(vmm_mem_ptr(&m, UINT64_MAX, 2) == NULL);
	CHECK_INT(vmm_boot_write_start_info(&m, &bp, &si_gpa, &e), 0);
	si = m.base + si_gpa;
	CHECK_INT(rd32(si + 12), 0); /* no modules */
	CHECK_INT(rd32(si + 48), 4);
	map = m.base + rd64(si + 40);
	CHECK_INT(rd64(map + 3 * 24), VMM_HIGH_RAM_START);
	CHECK_INT(rd64(map + 3 * 24 + 8), 256ULL << 20);
	free(m.base);
}

static void test_cmdline_too_long(void)
{
	struct vmm_mem m = fake_ram();
	char *big = malloc(VMM_CMDLINE_MAX + 1);
	struct vmm_boot_params bp = {.cmdline = big};
	struct err e;
	uint64_t si_gpa;

	memset(big, 'a', VMM_CMDLINE_MAX);
	big[VMM_CMDLINE_MAX] = '\0';
	CHECK_INT(vmm_boot_write_start_info(&m, &bp, &si_gpa, &e), -1);
	free(big);
	free(m.base);
}

static uint8_t sum(const uint8_t *p, size_t n)
{
	uint8_t s = 0;

	while (n--)
		s += *p++;
	return s;
}

static void test_mptable(void)
{
	struct vmm_mem m = fake_ram();
	struct err e;
	const uint8_t *mpf, *cfg;
	uint16_t len, count;

	CHECK_INT(vmm_mptable_write(&m, VMM_MPTABLE_GPA, 0xa0000, 2, 0xa10f11, 0x178bfbff, &e), 0);
	mpf = m.base + VMM_MPTABLE_GPA;
	CHECK(!memcmp(mpf, "_MP_", 4));
	CHECK_INT(sum(mpf, 16), 0);
	cfg = m.base + rd32(mpf + 4);
	CHECK(!memcmp(cfg, "PCMP", 4));
	memcpy(&len, cfg + 4, 2);
	memcpy(&count, cfg + 34, 2);
	CHECK_INT(sum(cfg, len), 0);
	CHECK_INT(count, 2 + 1 + 1 + 24 + 2);
	CHECK_INT(cfg[44], 0);	   /* first entry: processor */
	CHECK_INT(cfg[44 + 3], 3); /* enabled | boot processor */
	CHECK_INT(cfg[64 + 1], 1); /* second CPU: APIC id 1 */
	CHECK_INT(cfg[64 + 3], 1); /* enabled, not BSP */
	/* 40 CPUs no longer fit below 640 KiB. */
	CHECK_INT(vmm_mptable_write(&m, VMM_MPTABLE_GPA, 0xa0000, 40, 0, 0, &e), -1);
	free(m.base);
}

int main(void)
{
	RUN(test_parse_ok);
	RUN(test_parse_4byte_note);
	RUN(test_parse_errors);
	RUN(test_placement);
	RUN(test_load_kernel_and_initrd);
	RUN(test_start_info);
	RUN(test_start_info_high_ram_and_no_initrd);
	RUN(test_cmdline_too_long);
	RUN(test_mptable);
	return unit_done();
}
