// SPDX-License-Identifier: Apache-2.0
/*
 * libFuzzer target: the snapshot state file (vmm/snapshot_file.c) and the virtio-mmio state
 * restore (vmm/virtio/mmio.c), both as a VMM meets them when it restores a snapshot.
 *
 * 1. The input is a state file. Its own key is taken from the header bytes, so the fuzzer
 *    gets past the key check. A header CRC of 0 asks the target to fill in both CRCs first
 *    (the checks themselves are still fuzzed through inputs with a non-zero one), so that
 *    mutated sections get read at all. Then the sections are read in vmm_state_restore's
 *    order until one is refused. Where
 *    that order depends on the META section (vCPU count, XSAVE or legacy FPU, XCRs), both
 *    branches are tried, which a refusal allows since it consumes nothing. Serial and
 *    virtio sections of the right size are restored into real device models.
 * 2. The input's first bytes are a struct vmm_virtio_mmio_state, restored into a fresh rng
 *    transport over a small guest RAM that holds the rest of the input.
 */
#include "log.h"
#include "vmm/hash.h"
#include "vmm/serial.h"
#include "vmm/snapshot_file.h"
#include "vmm/virtio/mmio.h"

#include <linux/kvm.h>
#include <linux/virtio_mmio.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define RAM	 (64 * 1024)
#define MAX_MSRS 512 /* snapshot_state.c's bound on the MSR section */

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static uint8_t ram[RAM];

static void no_irq(struct vmm_virtio_mmio *t)
{
	(void)t;
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	struct err e;

	(void)argc;
	(void)argv;
	/* Rejected guest state is logged as a warning; thousands a second would be noise. */
	log_open("/dev/null", LOG_FMT_TEXT, false, &e);
	return 0;
}

/* One section; a success must point inside the payload, a refusal must not move the reader. */
static int get(struct vmm_snap_reader *r, uint32_t kind, unsigned idx, size_t max,
	       const void **data, size_t *len)
{
	size_t pos = r->pos;
	struct err e;

	if (vmm_snap_get_var(r, VMM_SNAP_TAG(kind, idx), data, len, max, &e) < 0) {
		if (r->pos != pos)
			abort();
		return -1;
	}
	if (*len > max || (const uint8_t *)*data < r->payload ||
	    (const uint8_t *)*data + *len > r->payload + r->pos || r->pos > r->len)
		abort();
	return 0;
}

static int get_vcpu(struct vmm_snap_reader *r, unsigned i)
{
	const void *d;
	size_t n;

	if (get(r, VMM_SNAP_VCPU_MP, i, sizeof(struct kvm_mp_state), &d, &n) < 0 ||
	    get(r, VMM_SNAP_VCPU_REGS, i, sizeof(struct kvm_regs), &d, &n) < 0 ||
	    get(r, VMM_SNAP_VCPU_SREGS, i, sizeof(struct kvm_sregs), &d, &n) < 0)
		return -1;
	if (get(r, VMM_SNAP_VCPU_FPU, i, sizeof(struct kvm_fpu), &d, &n) < 0 &&
	    get(r, VMM_SNAP_VCPU_XSAVE, i, VMM_SNAP_MAX_SECTION, &d, &n) < 0)
		return -1;
	(void)get(r, VMM_SNAP_VCPU_XCRS, i, sizeof(struct kvm_xcrs), &d, &n);
	if (get(r, VMM_SNAP_VCPU_DEBUGREGS, i, sizeof(struct kvm_debugregs), &d, &n) < 0 ||
	    get(r, VMM_SNAP_VCPU_LAPIC, i, sizeof(struct kvm_lapic_state), &d, &n) < 0 ||
	    get(r, VMM_SNAP_VCPU_MSRS, i,
		sizeof(struct kvm_msrs) + MAX_MSRS * sizeof(struct kvm_msr_entry), &d, &n) < 0)
		return -1;
	return get(r, VMM_SNAP_VCPU_EVENTS, i, sizeof(struct kvm_vcpu_events), &d, &n);
}

static void restore_serial(const void *d)
{
	struct vmm_serial s;
	struct vmm_serial_state st;
	struct err e;
	uint8_t b[8];

	memcpy(&st, d, sizeof(st));
	vmm_serial_init(&s, NULL, NULL, NULL, NULL);
	vmm_serial_restore(&s, &st);
	vmm_serial_io(&s, 0, b, sizeof(b), false, &e);
	vmm_serial_destroy(&s);
}

/*
 * Restore into a fresh rng transport; a state that is accepted must survive save + restore
 * unchanged (a fixed point), and the restored queue must then behave like a live one.
 */
static void fuzz_mmio(const struct vmm_virtio_mmio_state *st)
{
	struct vmm_virtio_mmio_state s1, s2;
	struct vmm_virtio_mmio t, u;
	struct vmm_mem mem;
	struct err e;
	uint32_t v = 0;
	int ok;

	vmm_mem_layout(&mem, ram, RAM);
	vmm_virtio_mmio_init(&t, &vmm_virtio_rng_ops, vmm_virtio_rng_create(&e), &mem, 0xd0000000,
			     5);
	t.raise_irq = no_irq;
	ok = vmm_virtio_mmio_restore(&t, st, &e) == 0;
	if (ok) {
		vmm_virtio_mmio_save(&t, &s1);
		vmm_virtio_mmio_init(&u, &vmm_virtio_rng_ops, vmm_virtio_rng_create(&e), &mem,
				     0xd0000000, 5);
		if (vmm_virtio_mmio_restore(&u, &s1, &e) < 0)
			abort();
		vmm_virtio_mmio_save(&u, &s2);
		if (memcmp(&s1, &s2, sizeof(s1)) != 0)
			abort();
		vmm_virtio_mmio_destroy(&u);
		vmm_virtio_mmio_io(&t, VIRTIO_MMIO_QUEUE_NOTIFY, (uint8_t *)&v, 4, true, &e);
		vmm_virtio_mmio_io(&t, VIRTIO_MMIO_QUEUE_READY, (uint8_t *)&v, 4, false, &e);
	}
	vmm_virtio_mmio_destroy(&t);
}

static int get_devices(struct vmm_snap_reader *r)
{
	struct vmm_virtio_mmio_state st;
	struct err e;
	const void *d;
	size_t n;

	if (get(r, VMM_SNAP_SERIAL, 0, sizeof(struct vmm_serial_state), &d, &n) < 0)
		return -1;
	if (n == sizeof(struct vmm_serial_state))
		restore_serial(d);
	for (unsigned i = 0; get(r, VMM_SNAP_VIRTIO, i, sizeof(st), &d, &n) == 0; i++) {
		if (n != sizeof(st))
			continue;
		memcpy(&st, d, sizeof(st));
		memset(ram, 0, sizeof(ram));
		fuzz_mmio(&st);
	}
	return vmm_snap_get(r, VMM_SNAP_TAG(VMM_SNAP_END, 0), NULL, 0, &e);
}

/* Fills in payload and header CRC of a copy of the input when its header CRC is 0. */
static uint8_t *sealed_copy(const uint8_t *data, size_t size)
{
	const size_t hdr = sizeof(struct vmm_snap_header);
	const size_t hcrc = offsetof(struct vmm_snap_header, header_crc);
	const size_t pcrc = offsetof(struct vmm_snap_header, payload_crc);
	uint32_t crc;
	uint8_t *p;

	if (size < hdr || memcmp(data + hcrc, "\0\0\0\0", 4) != 0)
		return NULL;
	p = malloc(size);
	if (!p)
		return NULL;
	memcpy(p, data, size);
	crc = vmm_crc32c(0, p + hdr, size - hdr);
	memcpy(p + pcrc, &crc, sizeof(crc));
	crc = vmm_crc32c(0, p, hcrc);
	memcpy(p + hcrc, &crc, sizeof(crc));
	return p;
}

static void fuzz_state_file(const uint8_t *data, size_t size)
{
	struct vmm_snap_reader r;
	uint64_t key = 0;
	const void *d;
	struct err e;
	size_t n;

	if (size >= offsetof(struct vmm_snap_header, key) + sizeof(key))
		memcpy(&key, data + offsetof(struct vmm_snap_header, key), sizeof(key));
	if (vmm_snap_open(&r, data, size, key, &e) < 0)
		return;
	if (r.payload != data + sizeof(struct vmm_snap_header) || r.pos != 0 ||
	    r.len != size - sizeof(struct vmm_snap_header))
		abort();
	if (get(&r, VMM_SNAP_MEMORY, 0, 64, &d, &n) < 0 ||
	    get(&r, VMM_SNAP_META, 0, 64, &d, &n) < 0 ||
	    get(&r, VMM_SNAP_CLOCK, 0, sizeof(struct kvm_clock_data), &d, &n) < 0)
		return;
	for (unsigned chip = 0; chip < 3; chip++)
		if (get(&r, VMM_SNAP_IRQCHIP, chip, sizeof(struct kvm_irqchip), &d, &n) < 0)
			return;
	if (get(&r, VMM_SNAP_PIT, 0, sizeof(struct kvm_pit_state2), &d, &n) < 0)
		return;
	for (unsigned i = 0; i < 256 && get_vcpu(&r, i) == 0; i++)
		;
	(void)get_devices(&r);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint8_t *sealed = sealed_copy(data, size);
	struct vmm_virtio_mmio_state st;

	fuzz_state_file(data, size);
	if (sealed)
		fuzz_state_file(sealed, size);
	free(sealed);
	if (size >= sizeof(st)) {
		size_t rest = size - sizeof(st);

		memcpy(&st, data, sizeof(st));
		memset(ram, 0, sizeof(ram));
		memcpy(ram, data + sizeof(st), rest < RAM ? rest : RAM);
		fuzz_mmio(&st);
	}
	return 0;
}
