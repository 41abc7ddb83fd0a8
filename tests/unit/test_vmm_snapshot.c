// SPDX-License-Identifier: Apache-2.0
/*
 * Snapshot building blocks without KVM: CRC-32C and FNV-1a 64 (vmm/hash.c), the state file
 * (vmm/snapshot_file.c) with every way it refuses a bad file, the sparse memory file
 * (vmm/snapshot_mem.c), the snapshot key, and the save/restore of the virtio-mmio transport
 * and the UART.
 */
#define _GNU_SOURCE
#include "unit.h"
#include "test_vmm_mmio_util.h"
#include "cleanup.h"
#include "util.h"
#include "vmm/hash.h"
#include "vmm/serial.h"
#include "vmm/snapshot.h"
#include "vmm/snapshot_file.h"
#include "vmm/snapshot_mem.h"
#include "vmm/virtio/mmio.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/virtio_config.h>
#include <linux/virtio_ids.h>
#include <linux/virtio_mmio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#define HDR sizeof(struct vmm_snap_header)

static uint64_t rng_state = 0x9e3779b97f4a7c15ULL;

/* xorshift64: a fixed sequence, so a failure reproduces. */
static uint64_t next_rand(void)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return rng_state;
}

static void fill_rand(uint8_t *p, size_t len)
{
	for (size_t i = 0; i < len; i++)
		p[i] = (uint8_t)next_rand();
}

/* ---- hash.c ---- */

/* CRC-32C by its definition, one bit at a time: the oracle for both library paths. */
static uint32_t crc32c_bitwise(uint32_t crc, const uint8_t *p, size_t len)
{
	crc = ~crc;
	while (len--) {
		crc ^= *p++;
		for (int k = 0; k < 8; k++)
			crc = (crc >> 1) ^ (0x82f63b78u & -(crc & 1u));
	}
	return ~crc;
}

static void check_crc(const void *buf, size_t len, uint32_t want)
{
	CHECK_INT(vmm_crc32c(0, buf, len), want);
	CHECK_INT(vmm_crc32c_sw(0, buf, len), want);
	CHECK_INT(crc32c_bitwise(0, buf, len), want);
}

static void test_crc32c_vectors(void)
{
	/* RFC 3720 §B.4, CRC as a number (the RFC lists the bytes little-endian). */
	static const uint8_t read_pdu[48] = {0x01,	  0xc0,	       [16] = 0x14, [22] = 0x04,
					     [27] = 0x14, [31] = 0x18, [32] = 0x28, [40] = 0x02};
	uint8_t buf[32];

	check_crc("123456789", 9, 0xe3069283);
	check_crc("", 0, 0);
	memset(buf, 0, sizeof(buf));
	check_crc(buf, sizeof(buf), 0x8a9136aa);
	memset(buf, 0xff, sizeof(buf));
	check_crc(buf, sizeof(buf), 0x62a8ab43);
	for (unsigned i = 0; i < 32; i++)
		buf[i] = (uint8_t)i;
	check_crc(buf, sizeof(buf), 0x46dd794e);
	for (unsigned i = 0; i < 32; i++)
		buf[i] = (uint8_t)(31 - i);
	check_crc(buf, sizeof(buf), 0x113fdb5c);
	check_crc(read_pdu, sizeof(read_pdu), 0xd9963a56);
	/* Continuing from a previous CRC is the CRC of the concatenation. */
	CHECK_INT(vmm_crc32c(vmm_crc32c(0, "1234", 4), "56789", 5), 0xe3069283);
	CHECK_INT(vmm_crc32c_sw(vmm_crc32c_sw(0, "12345", 5), "6789", 4), 0xe3069283);
}

/* Odd lengths and unaligned starts: the 8-byte SSE4.2 loop and its byte tail must agree. */
static void test_crc32c_hw_equals_sw(void)
{
	enum { MAX = 4099 };
	uint8_t *buf = malloc(MAX + 8);
	unsigned bad = 0;

	printf("# SSE4.2 crc32 instruction: %s\n",
	       __builtin_cpu_supports("sse4.2") ? "yes" : "no (both paths are the table)");
	fill_rand(buf, MAX + 8);
	for (unsigned round = 0; round < 400; round++) {
		size_t off = next_rand() % 8, len = next_rand() % MAX;
		uint32_t seed = round & 1 ? (uint32_t)next_rand() : 0;
		uint32_t hw;

		if (round < 16)
			len = round * 2 + 1; /* every tail length around the 8-byte step */
		hw = vmm_crc32c(seed, buf + off, len);
		if (hw != vmm_crc32c_sw(seed, buf + off, len) ||
		    hw != crc32c_bitwise(seed, buf + off, len))
			bad++;
	}
	CHECK_INT(bad, 0);
	free(buf);
}

/* ---- snapshot_file.c ---- */

#define TAG_A VMM_SNAP_TAG(VMM_SNAP_META, 0)
#define TAG_B VMM_SNAP_TAG(VMM_SNAP_VCPU_REGS, 1)
#define TAG_C VMM_SNAP_TAG(VMM_SNAP_VIRTIO, 3)
#define KEY   0x0123456789abcdefULL

static const size_t sec_len[] = {0, 1, 7, 8, 13, 4099};

static uint8_t *sec_data(unsigned i)
{
	static uint8_t data[ARRAY_SIZE(sec_len)][4099];

	memset(data[i], (int)(0xa0 + i), sec_len[i]);
	data[i][0] = (uint8_t)i; /* make each distinct even when short */
	return data[i];
}

static uint32_t sec_tag(unsigned i)
{
	return VMM_SNAP_TAG(VMM_SNAP_VCPU_MP + i, i);
}

/* An image with the sections of sec_len[] and the END section. */
static uint8_t *make_image(size_t *len)
{
	struct vmm_snap_writer w = {0};
	uint8_t *img = NULL;
	struct err e;

	for (unsigned i = 0; i < ARRAY_SIZE(sec_len); i++)
		vmm_snap_put(&w, sec_tag(i), sec_data(i), sec_len[i]);
	CHECK_INT(vmm_snap_image(&w, KEY, &img, len, &e), 0);
	CHECK(w.buf == NULL);
	return img;
}

static void set_u32(uint8_t *img, size_t off, uint32_t v)
{
	memcpy(img + off, &v, sizeof(v));
}

static void set_u64(uint8_t *img, size_t off, uint64_t v)
{
	memcpy(img + off, &v, sizeof(v));
}

/* Recomputes both CRCs after an edit, so only the edit itself can be refused. */
static void reseal(uint8_t *img, size_t len)
{
	set_u32(img, offsetof(struct vmm_snap_header, payload_crc),
		vmm_crc32c(0, img + HDR, len - HDR));
	set_u32(img, offsetof(struct vmm_snap_header, header_crc),
		vmm_crc32c(0, img, offsetof(struct vmm_snap_header, header_crc)));
}

static void test_file_round_trip(void)
{
	size_t len, want = HDR + 8, got_len;
	uint8_t *img = make_image(&len);
	struct vmm_snap_reader r;
	const void *got;
	struct err e;

	for (unsigned i = 0; i < ARRAY_SIZE(sec_len); i++)
		want += 8 + ((sec_len[i] + 7) & ~(size_t)7);
	CHECK_INT(len, want);
	CHECK(memcmp(img, VMM_SNAP_MAGIC, 8) == 0);
	CHECK_INT(vmm_snap_open(&r, img, len, KEY, &e), 0);
	CHECK_INT(r.len, len - HDR);
	for (unsigned i = 0; i < ARRAY_SIZE(sec_len); i++) {
		size_t pad = ((sec_len[i] + 7) & ~(size_t)7) - sec_len[i];
		static const uint8_t zero[8];

		CHECK_INT(vmm_snap_get_var(&r, sec_tag(i), &got, &got_len, 1u << 20, &e), 0);
		CHECK_INT(got_len, sec_len[i]);
		CHECK(got_len == 0 || memcmp(got, sec_data(i), got_len) == 0);
		CHECK_INT(((uintptr_t)got - (uintptr_t)(img + HDR)) % 8, 0); /* 8-byte aligned */
		CHECK(memcmp((const uint8_t *)got + got_len, zero, pad) == 0);
	}
	CHECK_INT(vmm_snap_get(&r, VMM_SNAP_TAG(VMM_SNAP_END, 0), NULL, 0, &e), 0);
	CHECK_INT(r.pos, r.len);
	CHECK_INT(vmm_snap_get(&r, TAG_A, NULL, 0, &e), -1);
	CHECK_STR(e.msg, "state file: section 0x200 missing");
	free(img);
}

static void test_file_write_file(void)
{
	char dir[] = "/tmp/test_vmm_snapshot.XXXXXX", path[64];
	struct vmm_snap_writer w = {0};
	cleanup_free char *back = NULL;
	size_t len, back_len;
	uint8_t *img = make_image(&len);
	struct err e;

	CHECK(mkdtemp(dir) != NULL);
	snprintf(path, sizeof(path), "%s/state", dir);
	for (unsigned i = 0; i < ARRAY_SIZE(sec_len); i++)
		vmm_snap_put(&w, sec_tag(i), sec_data(i), sec_len[i]);
	CHECK_INT(vmm_snap_write_file(&w, KEY, path, &e), 0);
	CHECK(w.buf == NULL);
	CHECK_INT(util_read_file(path, 1 << 20, &back, &back_len, &e), 0);
	CHECK(back_len == len && memcmp(back, img, len) == 0);
	/* O_EXCL: an existing file is never overwritten. */
	vmm_snap_put(&w, TAG_A, "x", 1);
	CHECK_INT(vmm_snap_write_file(&w, KEY, path, &e), -1);
	CHECK(strstr(e.msg, "/state: file exists") != NULL);
	CHECK(w.buf == NULL);
	unlink(path);
	rmdir(dir);
	free(img);
}

static void test_file_writer_errors(void)
{
	struct vmm_snap_writer w = {0};
	uint8_t *img = NULL;
	size_t len;
	struct err e;

	vmm_snap_put(&w, TAG_A, "ok", 2);
	vmm_snap_put(&w, TAG_B, NULL, VMM_SNAP_MAX_SECTION + 1);
	CHECK_INT(w.error, EFBIG);
	vmm_snap_put(&w, TAG_C, "later", 5); /* ignored after the first error */
	CHECK_INT(w.len, 16);
	CHECK_INT(vmm_snap_image(&w, KEY, &img, &len, &e), -1);
	CHECK_STR(e.msg, "snapshot state: file too large");
	CHECK(img == NULL);
	CHECK(w.buf == NULL); /* freed on failure too */
}

static void expect_open_error(const uint8_t *img, size_t len, uint64_t key, const char *msg)
{
	struct vmm_snap_reader r;
	struct err e;

	CHECK_INT(vmm_snap_open(&r, img, len, key, &e), -1);
	CHECK_STR(e.msg, msg);
	CHECK(r.payload == NULL);
}

static void test_file_header_errors(void)
{
	size_t len;
	uint8_t *img = make_image(&len), *copy = malloc(len + 1);
	char msg[128];

	expect_open_error(img, HDR - 1, KEY, "state file truncated (39 bytes)");
	expect_open_error(img, 0, KEY, "state file truncated (0 bytes)");

	memcpy(copy, img, len);
	copy[7] = '2'; /* INCSNAP2 */
	expect_open_error(copy, len, KEY, "state file: bad magic");

	memcpy(copy, img, len);
	copy[offsetof(struct vmm_snap_header, key)] ^= 1;
	expect_open_error(copy, len, KEY, "state file: header checksum mismatch");

	memcpy(copy, img, len);
	set_u32(copy, offsetof(struct vmm_snap_header, version), 2);
	reseal(copy, len);
	expect_open_error(copy, len, KEY, "state file: format version 2, this VMM reads 1");

	memcpy(copy, img, len);
	set_u32(copy, offsetof(struct vmm_snap_header, header_size), HDR + 8);
	reseal(copy, len);
	expect_open_error(copy, len, KEY, "state file: header of 48 bytes, this VMM reads 40");

	snprintf(msg, sizeof(msg), "state file: key %016llx, want %016llx", (unsigned long long)KEY,
		 (unsigned long long)(KEY + 1));
	expect_open_error(img, len, KEY + 1, msg);

	/* One byte more or less than the header says. */
	memcpy(copy, img, len);
	copy[len] = 0;
	snprintf(msg, sizeof(msg), "state file: %zu payload bytes, header says %zu", len + 1 - HDR,
		 len - HDR);
	expect_open_error(copy, len + 1, KEY, msg);
	snprintf(msg, sizeof(msg), "state file: %zu payload bytes, header says %zu", len - 1 - HDR,
		 len - HDR);
	expect_open_error(copy, len - 1, KEY, msg);

	memcpy(copy, img, len);
	copy[len - 20] ^= 0x40;
	expect_open_error(copy, len, KEY, "state file: payload checksum mismatch");
	free(copy);
	free(img);
}

static void test_file_section_errors(void)
{
	size_t len, got_len;
	uint8_t *img = make_image(&len);
	struct vmm_snap_reader r;
	const void *got;
	uint8_t out[16];
	struct err e;

	CHECK_INT(vmm_snap_open(&r, img, len, KEY, &e), 0);
	/* The wrong tag, and a reader that stays where it was. */
	CHECK_INT(vmm_snap_get_var(&r, sec_tag(1), &got, &got_len, 64, &e), -1);
	CHECK_STR(e.msg, "state file: section 0x600 where 0x701 belongs");
	CHECK_INT(r.pos, 0);
	CHECK_INT(vmm_snap_get(&r, sec_tag(0), NULL, 0, &e), 0);
	/* Longer than `max`: section 1 has 1 byte. */
	CHECK_INT(vmm_snap_get_var(&r, sec_tag(1), &got, &got_len, 0, &e), -1);
	CHECK_STR(e.msg, "state file: section 0x701 has a bad length 1");
	CHECK_INT(vmm_snap_get(&r, sec_tag(1), out, 1, &e), 0);
	/* Exact size: 7 bytes are there, 8 asked for; and 9 asked of an 8-byte section. */
	CHECK_INT(vmm_snap_get(&r, sec_tag(2), out, 8, &e), -1);
	CHECK_STR(e.msg, "state file: section 0x802 has 7 bytes, want 8");
	CHECK_INT(r.pos, 24); /* sections 0 and 1 read; 2 not consumed by the refusal */
	CHECK_INT(vmm_snap_get(&r, sec_tag(2), out, 7, &e), 0);
	CHECK_INT(vmm_snap_get(&r, sec_tag(3), out, 4, &e), -1);
	CHECK_STR(e.msg, "state file: section 0x903 has a bad length 8");
	free(img);
}

/* A section header whose length runs past the end of the (correctly sealed) file. */
static void test_file_section_beyond_end(void)
{
	static const uint32_t bad[] = {8 + 4099 + 8, 0x7fffffff, 0xffffffff};
	size_t len, got_len;
	uint8_t *img = make_image(&len);
	struct vmm_snap_reader r;
	struct err e;
	const void *got;
	char msg[96];
	/* Section 5 (4099 bytes) is last before END: its length field. */
	size_t field = len - 8 - (8 + 4104) + 4;

	CHECK_INT(((uint32_t *)(img + field))[0], 4099);
	for (unsigned i = 0; i < ARRAY_SIZE(bad); i++) {
		set_u32(img, field, bad[i]);
		reseal(img, len);
		CHECK_INT(vmm_snap_open(&r, img, len, KEY, &e), 0);
		for (unsigned k = 0; k < 5; k++)
			CHECK_INT(vmm_snap_get_var(&r, sec_tag(k), &got, &got_len, 8192, &e), 0);
		CHECK_INT(vmm_snap_get_var(&r, sec_tag(5), &got, &got_len, SIZE_MAX, &e), -1);
		snprintf(msg, sizeof(msg), "state file: section 0x%x has a bad length %u",
			 sec_tag(5), bad[i]);
		CHECK_STR(e.msg, msg);
	}
	/* A file cut inside the END section's header (8 bytes needed, 4 left), resealed. */
	set_u32(img, field, 4099);
	set_u64(img, offsetof(struct vmm_snap_header, payload_len), len - 4 - HDR);
	reseal(img, len - 4);
	CHECK_INT(vmm_snap_open(&r, img, len - 4, KEY, &e), 0);
	for (unsigned k = 0; k < 6; k++)
		CHECK_INT(vmm_snap_get_var(&r, sec_tag(k), &got, &got_len, 8192, &e), 0);
	CHECK_INT(vmm_snap_get(&r, VMM_SNAP_TAG(VMM_SNAP_END, 0), NULL, 0, &e), -1);
	CHECK_STR(e.msg, "state file: section 0x1300 missing");
	free(img);
}

/* ---- snapshot_mem.c ---- */

#define MEM_PAGES 600u /* more than two CHUNK_PAGES steps, ending in a partial one */
#define MEM_SIZE  ((size_t)MEM_PAGES * VMM_PAGE_SIZE)

static const unsigned data_page[] = {0, 3, 255, 256, 599};

/*
 * Guest RAM as the VMM has it: anonymous, MAP_NORESERVE. Pages of data_page[] hold data
 * (page 3 a single byte at its very end), page 5 was written with zeros, page 7 only read;
 * the rest was never touched.
 */
static uint8_t *make_guest(struct vmm_mem *m, uint64_t *sum)
{
	uint8_t *p = mmap(NULL, MEM_SIZE, PROT_READ | PROT_WRITE,
			  MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	volatile uint8_t *v = p;

	CHECK(p != MAP_FAILED);
	vmm_mem_layout(m, p, MEM_SIZE);
	*sum = 0;
	for (unsigned i = 0; i < ARRAY_SIZE(data_page); i++) {
		uint8_t *page = p + (size_t)data_page[i] * VMM_PAGE_SIZE;

		if (data_page[i] == 3)
			page[VMM_PAGE_SIZE - 1] = 1;
		else
			fill_rand(page, VMM_PAGE_SIZE);
		*sum += vmm_snap_page_sum(data_page[i], page);
	}
	memset(p + 5 * VMM_PAGE_SIZE, 0, VMM_PAGE_SIZE);
	(void)v[7 * VMM_PAGE_SIZE];
	return p;
}

static int temp_file(void)
{
	char path[] = "/tmp/test_vmm_snapshot_mem.XXXXXX";
	int fd = mkstemp(path);

	CHECK(fd >= 0);
	unlink(path);
	return fd;
}

static void pwrite_byte(int fd, off_t off, uint8_t b)
{
	CHECK_INT(pwrite(fd, &b, 1, off), 1);
}

static uint8_t pread_byte(int fd, off_t off)
{
	uint8_t b = 0;

	CHECK_INT(pread(fd, &b, 1, off), 1);
	return b;
}

static void expect_verify(int fd, uint64_t size, uint64_t sum, const char *msg)
{
	struct err e;

	if (!msg) {
		CHECK_INT(vmm_snap_mem_verify(fd, size, sum, &e), 0);
		return;
	}
	CHECK_INT(vmm_snap_mem_verify(fd, size, sum, &e), -1);
	CHECK_STR(e.msg, msg);
}

static void test_mem_write_sparse(void)
{
	struct vmm_snap_mem_stats st;
	struct vmm_mem m;
	uint64_t sum;
	uint8_t *p = make_guest(&m, &sum), page[VMM_PAGE_SIZE];
	cleanup_close int fd = temp_file();
	struct stat sb;
	struct err e;

	CHECK_INT(vmm_snap_mem_write(&m, fd, &st, &e), 0);
	CHECK_INT(st.data_pages, ARRAY_SIZE(data_page));
	CHECK(st.zero_pages >= 1); /* page 5; page 7 too where mincore counts the zero page */
	CHECK(st.sum == sum);
	CHECK_INT(fstat(fd, &sb), 0);
	CHECK_INT(sb.st_size, MEM_SIZE);
	/* Only the data pages take space (some slack for the file system's own blocks). */
	printf("# memory file: %lld bytes, %lld allocated\n", (long long)sb.st_size,
	       (long long)sb.st_blocks * 512);
	CHECK((uint64_t)sb.st_blocks * 512 >= ARRAY_SIZE(data_page) * VMM_PAGE_SIZE);
	CHECK((uint64_t)sb.st_blocks * 512 <= 2 * ARRAY_SIZE(data_page) * VMM_PAGE_SIZE);
	CHECK_INT(lseek(fd, 0, SEEK_HOLE), VMM_PAGE_SIZE); /* page 1 is a hole */
	CHECK_INT(pread(fd, page, sizeof(page), 256 * VMM_PAGE_SIZE), sizeof(page));
	CHECK(memcmp(page, p + 256 * VMM_PAGE_SIZE, sizeof(page)) == 0);
	CHECK_INT(pread_byte(fd, 4 * VMM_PAGE_SIZE - 1), 1);
	munmap(p, MEM_SIZE);
}

static void test_mem_verify(void)
{
	struct vmm_snap_mem_stats st;
	struct vmm_mem m;
	uint64_t sum;
	uint8_t *p = make_guest(&m, &sum), b, page[VMM_PAGE_SIZE];
	cleanup_close int fd = temp_file();
	const off_t data = 256 * VMM_PAGE_SIZE + 17, hole = 400 * VMM_PAGE_SIZE + 123;
	char msg[96];
	struct err e;

	CHECK_INT(vmm_snap_mem_write(&m, fd, &st, &e), 0);
	expect_verify(fd, MEM_SIZE, sum, NULL);
	expect_verify(fd, MEM_SIZE, sum + 1, "memory file checksum mismatch");
	/* A flipped bit in a data page; then put back. */
	b = pread_byte(fd, data);
	pwrite_byte(fd, data, b ^ 0x10);
	expect_verify(fd, MEM_SIZE, sum, "memory file checksum mismatch");
	pwrite_byte(fd, data, b);
	expect_verify(fd, MEM_SIZE, sum, NULL);
	/* Data where a hole was; a page of zeros there is the same as the hole. */
	pwrite_byte(fd, hole, 0x01);
	expect_verify(fd, MEM_SIZE, sum, "memory file checksum mismatch");
	pwrite_byte(fd, hole, 0);
	expect_verify(fd, MEM_SIZE, sum, NULL);
	/* The same page at another index (moved from 256 to 257) is another sum. */
	memset(page, 0, sizeof(page));
	CHECK_INT(pwrite(fd, p + 256 * VMM_PAGE_SIZE, VMM_PAGE_SIZE, 257 * VMM_PAGE_SIZE),
		  VMM_PAGE_SIZE);
	CHECK_INT(pwrite(fd, page, VMM_PAGE_SIZE, 256 * VMM_PAGE_SIZE), VMM_PAGE_SIZE);
	expect_verify(fd, MEM_SIZE, sum, "memory file checksum mismatch");
	/* Truncated by a page: the size is refused before any page is read. */
	CHECK_INT(ftruncate(fd, MEM_SIZE - VMM_PAGE_SIZE), 0);
	snprintf(msg, sizeof(msg), "memory file has %zu bytes, want %zu", MEM_SIZE - VMM_PAGE_SIZE,
		 MEM_SIZE);
	expect_verify(fd, MEM_SIZE, sum, msg);
	munmap(p, MEM_SIZE);
}

static void test_mem_page_sum(void)
{
	uint8_t a[VMM_PAGE_SIZE], b[VMM_PAGE_SIZE];

	fill_rand(a, sizeof(a));
	memcpy(b, a, sizeof(b));
	CHECK(vmm_snap_page_sum(7, a) == vmm_snap_page_sum(7, b));
	CHECK(vmm_snap_page_sum(7, a) != vmm_snap_page_sum(8, a));
	CHECK(vmm_snap_page_sum(0, a) != vmm_snap_page_sum(1ULL << 32, a));
	b[VMM_PAGE_SIZE - 1] ^= 0x80;
	CHECK(vmm_snap_page_sum(7, a) != vmm_snap_page_sum(7, b));
	/* Two pages swapped must not sum the same as before (the index is in each term). */
	CHECK(vmm_snap_page_sum(1, a) + vmm_snap_page_sum(2, b) !=
	      vmm_snap_page_sum(1, b) + vmm_snap_page_sum(2, a));
}

/* ---- snapshot.c ---- */

static void test_key_of(void)
{
	const char *meta = "incept snapshot format 1\nkernel: x\nvcpus: 1\nmemory_mib: 64\n";
	const char *other = "incept snapshot format 1\nkernel: x\nvcpus: 2\nmemory_mib: 64\n";

	CHECK(vmm_snapshot_key_of(meta) == vmm_snapshot_key_of(meta));
	CHECK(vmm_snapshot_key_of(meta) == util_fnv64(UTIL_FNV64_INIT, meta, strlen(meta)));
	CHECK(vmm_snapshot_key_of(meta) != vmm_snapshot_key_of(other));
	CHECK(vmm_snapshot_key_of("foobar") == 0x85944171f73967e8ULL);
	CHECK(vmm_snapshot_key_of("") == UTIL_FNV64_INIT);
}

/* ---- virtio/mmio.c ---- */

#define RAM (1 << 20)

/* A fresh rng transport over `m` (the VMM creates one like this before a restore). */
static void transport(struct vmm_virtio_mmio *t, const struct vmm_mem *m)
{
	struct err e;
	void *rng = vmm_virtio_rng_create(&e);

	CHECK(rng != NULL);
	vmm_virtio_mmio_init(t, &vmm_virtio_rng_ops, rng, m, 0xd0000000, 5);
	t->raise_irq = count_irq;
}

/* Offers one 32-byte writable buffer at 0x8000 in avail slot `slot`. */
static void offer(struct vmm_mem *m, uint16_t slot)
{
	struct vring_desc *d = (struct vring_desc *)(m->base + 0x1000);
	struct vring_avail *a = (struct vring_avail *)(m->base + 0x2000);

	d[0] = (struct vring_desc){.addr = 0x8000, .len = 32, .flags = VRING_DESC_F_WRITE};
	a->ring[slot % 4] = 0;
	a->idx = slot + 1;
}

/* The Linux driver's sequence: features, queue 0 (size 4) at 0x1000/0x2000/0x3000, DRIVER_OK. */
static void drive(struct vmm_virtio_mmio *t)
{
	wr(t, VIRTIO_MMIO_STATUS, VIRTIO_CONFIG_S_ACKNOWLEDGE | VIRTIO_CONFIG_S_DRIVER);
	wr(t, VIRTIO_MMIO_DRIVER_FEATURES_SEL, 1);
	wr(t, VIRTIO_MMIO_DRIVER_FEATURES, 1); /* VERSION_1 */
	wr(t, VIRTIO_MMIO_DRIVER_FEATURES_SEL, 0);
	wr(t, VIRTIO_MMIO_DRIVER_FEATURES, 0);
	wr(t, VIRTIO_MMIO_STATUS, 0xb); /* ... | FEATURES_OK */
	wr(t, VIRTIO_MMIO_QUEUE_SEL, 0);
	wr(t, VIRTIO_MMIO_QUEUE_NUM, 4);
	wr(t, VIRTIO_MMIO_QUEUE_DESC_LOW, 0x1000);
	wr(t, VIRTIO_MMIO_QUEUE_AVAIL_LOW, 0x2000);
	wr(t, VIRTIO_MMIO_QUEUE_USED_LOW, 0x3000);
	wr(t, VIRTIO_MMIO_QUEUE_READY, 1);
	wr(t, VIRTIO_MMIO_STATUS, 0xf); /* ... | DRIVER_OK */
}

/* A driven transport that served one request, saved into `st`. */
static void saved_state(struct vmm_mem *m, struct vmm_virtio_mmio_state *st)
{
	struct vmm_virtio_mmio t;

	transport(&t, m);
	drive(&t);
	offer(m, 0);
	wr(&t, VIRTIO_MMIO_QUEUE_NOTIFY, 0);
	vmm_virtio_mmio_save(&t, st);
	vmm_virtio_mmio_destroy(&t);
}

static void test_mmio_round_trip(void)
{
	struct vmm_virtio_mmio_state st, again;
	struct vmm_virtio_mmio t;
	struct vring_used *u;
	struct vmm_mem m;
	struct err e;

	vmm_mem_layout(&m, calloc(1, RAM), RAM);
	u = (struct vring_used *)(m.base + 0x3000);
	saved_state(&m, &st);
	CHECK_INT(st.device_id, VIRTIO_ID_RNG);
	CHECK_INT(st.nr_queues, 1);
	CHECK_INT(st.status, 0xf);
	CHECK(st.driver_features == 1ULL << VIRTIO_F_VERSION_1);
	CHECK(st.queues[0].desc_gpa == 0x1000 && st.queues[0].avail_gpa == 0x2000 &&
	      st.queues[0].used_gpa == 0x3000);
	CHECK_INT(st.queues[0].size, 4);
	CHECK_INT(st.queues[0].ready, 1);
	CHECK_INT(st.queues[0].last_avail, 1);
	CHECK_INT(st.queues[0].used_idx, 1);
	CHECK_INT(u->idx, 1);

	/* Into a new transport over the same memory, as a restored VMM does. */
	transport(&t, &m);
	CHECK_INT(vmm_virtio_mmio_restore(&t, &st, &e), 0);
	vmm_virtio_mmio_save(&t, &again);
	CHECK(memcmp(&st, &again, sizeof(st)) == 0);
	CHECK_INT(rd(&t, VIRTIO_MMIO_STATUS), 0xf);
	CHECK_INT(rd(&t, VIRTIO_MMIO_QUEUE_READY), 1);
	/* The restored queue carries on from where it stopped: slot 1, used index 2. */
	irqs = 0;
	offer(&m, 1);
	memset(m.base + 0x8000, 0, 32);
	wr(&t, VIRTIO_MMIO_QUEUE_NOTIFY, 0);
	CHECK_INT(u->idx, 2);
	CHECK_INT(u->ring[1].len, 32);
	CHECK_INT(irqs, 1);
	CHECK_INT(rd(&t, VIRTIO_MMIO_STATUS) & VIRTIO_CONFIG_S_NEEDS_RESET, 0);
	vmm_virtio_mmio_destroy(&t);
	free(m.base);
}

static void expect_restore_error(const struct vmm_mem *m, const struct vmm_virtio_mmio_state *st,
				 const char *msg)
{
	struct vmm_virtio_mmio t;
	struct err e;

	transport(&t, m);
	CHECK_INT(vmm_virtio_mmio_restore(&t, st, &e), -1);
	CHECK_STR(e.msg, msg);
	vmm_virtio_mmio_destroy(&t);
}

static void test_mmio_restore_errors(void)
{
	struct vmm_virtio_mmio_state good, st;
	struct vmm_mem m;

	vmm_mem_layout(&m, calloc(1, RAM), RAM);
	saved_state(&m, &good);

	st = good;
	st.device_id = VIRTIO_ID_NET;
	expect_restore_error(&m, &st, "virtio-rng: saved state is for device 1 with 1 queues");
	st = good;
	st.nr_queues = 2;
	expect_restore_error(&m, &st, "virtio-rng: saved state is for device 4 with 2 queues");
	st = good;
	st.driver_features |= 1ULL << VIRTIO_RING_F_INDIRECT_DESC;
	expect_restore_error(&m, &st, "virtio-rng: saved features 0x110000000 were never offered");

	st = good;
	st.queues[0].used_gpa = RAM - 8; /* the used ring of 4 entries needs 36 bytes */
	expect_restore_error(&m, &st, "virtio-rng queue 0: virtqueue rings are outside guest RAM");
	st = good;
	st.queues[0].desc_gpa = 0x1000ULL << 32;
	expect_restore_error(&m, &st, "virtio-rng queue 0: virtqueue rings are outside guest RAM");
	st = good;
	st.queues[0].avail_gpa = 0x2001;
	expect_restore_error(&m, &st, "virtio-rng queue 0: virtqueue rings are misaligned");
	st = good;
	st.queues[0].size = 65; /* above the rng's QueueNumMax */
	expect_restore_error(&m, &st, "virtio-rng queue 0: virtqueue size 0");
	free(m.base);
}

/* A queue that was not ready is taken as it is: its addresses are checked when it becomes so. */
static void test_mmio_restore_not_ready(void)
{
	struct vmm_virtio_mmio_state st;
	struct vmm_virtio_mmio t;
	struct vmm_mem m;
	struct err e;

	vmm_mem_layout(&m, calloc(1, RAM), RAM);
	saved_state(&m, &st);
	st.status = VIRTIO_CONFIG_S_ACKNOWLEDGE | VIRTIO_CONFIG_S_DRIVER;
	st.queues[0].ready = 0;
	st.queues[0].desc_gpa = 0x1000ULL << 32;
	transport(&t, &m);
	CHECK_INT(vmm_virtio_mmio_restore(&t, &st, &e), 0);
	CHECK_INT(rd(&t, VIRTIO_MMIO_QUEUE_READY), 0);
	wr(&t, VIRTIO_MMIO_QUEUE_READY, 1); /* refused by the same check as a live driver */
	CHECK_INT(rd(&t, VIRTIO_MMIO_QUEUE_READY), 0);
	vmm_virtio_mmio_destroy(&t);
	free(m.base);
}

/* ---- serial.c ---- */

static void sio_wr(struct vmm_serial *s, unsigned reg, uint8_t v)
{
	struct err e;

	CHECK_INT(vmm_serial_io(s, reg, &v, 1, true, &e), 0);
}

static uint8_t sio_rd(struct vmm_serial *s, unsigned reg)
{
	struct err e;
	uint8_t v = 0;

	CHECK_INT(vmm_serial_io(s, reg, &v, 1, false, &e), 0);
	return v;
}

static void test_serial_round_trip(void)
{
	struct vmm_serial a, b;
	struct vmm_serial_state st, again;

	vmm_serial_init(&a, NULL, NULL, NULL, NULL);
	sio_wr(&a, 3, 0x80); /* DLAB: divisor 0x0201 */
	sio_wr(&a, 0, 0x01);
	sio_wr(&a, 1, 0x02);
	sio_wr(&a, 3, 0x03); /* 8N1 */
	sio_wr(&a, 2, 0xc7); /* FIFO on, clear both */
	sio_wr(&a, 4, 0x1b); /* loopback + DTR/RTS/OUT2 */
	sio_wr(&a, 7, 0x5a);
	sio_wr(&a, 0, 'x');  /* loops back into the receive FIFO */
	sio_wr(&a, 1, 0x02); /* THR-empty interrupt: pending at once */
	vmm_serial_save(&a, &st);
	CHECK(st.lcr == 0x03 && st.dll == 0x01 && st.dlm == 0x02 && st.ier == 0x02);
	CHECK(st.mcr == 0x1b && st.scr == 0x5a && st.fcr == 0xc1);
	CHECK_INT(st.thre_pending, 1);
	CHECK_INT(st.irq_level, 1);

	vmm_serial_init(&b, NULL, NULL, NULL, NULL);
	vmm_serial_restore(&b, &st);
	vmm_serial_save(&b, &again);
	CHECK(memcmp(&st, &again, sizeof(st)) == 0);
	CHECK_INT(sio_rd(&b, 3), 0x03);
	CHECK_INT(sio_rd(&b, 4), 0x1b);
	CHECK_INT(sio_rd(&b, 7), 0x5a);
	CHECK_INT(sio_rd(&b, 5) & 0x01, 0); /* no received byte survives a snapshot */
	CHECK_INT(sio_rd(&b, 2), 0xc2);	    /* FIFO on, THR empty pending; reading acknowledges */
	CHECK_INT(sio_rd(&b, 2), 0xc1);
	sio_wr(&b, 3, 0x83);
	CHECK_INT(sio_rd(&b, 0), 0x01);
	CHECK_INT(sio_rd(&b, 1), 0x02);
	/* A restored state with the receive FIFO holding a byte comes back empty too. */
	vmm_serial_restore(&a, &st);
	CHECK_INT(sio_rd(&a, 5) & 0x01, 0);
	vmm_serial_destroy(&a);
	vmm_serial_destroy(&b);
}

int main(void)
{
	RUN(test_crc32c_vectors);
	RUN(test_crc32c_hw_equals_sw);
	RUN(test_file_round_trip);
	RUN(test_file_write_file);
	RUN(test_file_writer_errors);
	RUN(test_file_header_errors);
	RUN(test_file_section_errors);
	RUN(test_file_section_beyond_end);
	RUN(test_mem_write_sparse);
	RUN(test_mem_verify);
	RUN(test_mem_page_sum);
	RUN(test_key_of);
	RUN(test_mmio_round_trip);
	RUN(test_mmio_restore_errors);
	RUN(test_mmio_restore_not_ready);
	RUN(test_serial_round_trip);
	return unit_done();
}
