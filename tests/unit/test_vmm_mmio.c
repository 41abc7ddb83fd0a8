// SPDX-License-Identifier: Apache-2.0
/* virtio-mmio transport + virtio-rng, driven through the registers as Linux does. */
#include "unit.h"
#include "test_vmm_mmio_util.h"
#include "vmm/virtio/mmio.h"

#include <linux/virtio_config.h>
#include <linux/virtio_ids.h>
#include <linux/virtio_mmio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define RAM (1 << 20)

static void setup(struct vmm_virtio_mmio *t, struct vmm_mem *m)
{
	struct err e;
	void *rng = vmm_virtio_rng_create(&e);

	vmm_mem_layout(m, calloc(1, RAM), RAM);
	vmm_virtio_mmio_init(t, &vmm_virtio_rng_ops, rng, m, 0xd0000000, 5);
	t->raise_irq = count_irq;
	irqs = 0;
}

static void teardown(struct vmm_virtio_mmio *t, struct vmm_mem *m)
{
	vmm_virtio_mmio_destroy(t);
	free(m->base);
}

static void test_identity(void)
{
	struct vmm_virtio_mmio t;
	struct vmm_mem m;
	char buf[64];

	setup(&t, &m);
	CHECK_INT(rd(&t, VIRTIO_MMIO_MAGIC_VALUE), 0x74726976);
	CHECK_INT(rd(&t, VIRTIO_MMIO_VERSION), 2);
	CHECK_INT(rd(&t, VIRTIO_MMIO_DEVICE_ID), VIRTIO_ID_RNG);
	wr(&t, VIRTIO_MMIO_DEVICE_FEATURES_SEL, 1);
	CHECK_INT(rd(&t, VIRTIO_MMIO_DEVICE_FEATURES), 1); /* VERSION_1 is bit 32 */
	wr(&t, VIRTIO_MMIO_QUEUE_SEL, 1);
	CHECK_INT(rd(&t, VIRTIO_MMIO_QUEUE_NUM_MAX), 0); /* rng has one queue */
	CHECK_INT(rd(&t, VIRTIO_MMIO_SHM_LEN_LOW), 0xffffffff);
	vmm_virtio_mmio_cmdline(&t, buf, sizeof(buf));
	CHECK_STR(buf, "virtio_mmio.device=4K@0xd0000000:5");
	teardown(&t, &m);
}

static void negotiate(struct vmm_virtio_mmio *t, uint32_t hi)
{
	wr(t, VIRTIO_MMIO_STATUS, VIRTIO_CONFIG_S_ACKNOWLEDGE | VIRTIO_CONFIG_S_DRIVER);
	wr(t, VIRTIO_MMIO_DRIVER_FEATURES_SEL, 1);
	wr(t, VIRTIO_MMIO_DRIVER_FEATURES, hi);
	wr(t, VIRTIO_MMIO_DRIVER_FEATURES_SEL, 0);
	wr(t, VIRTIO_MMIO_DRIVER_FEATURES, 0);
	wr(t, VIRTIO_MMIO_STATUS,
	   VIRTIO_CONFIG_S_ACKNOWLEDGE | VIRTIO_CONFIG_S_DRIVER | VIRTIO_CONFIG_S_FEATURES_OK);
}

static void test_features(void)
{
	struct vmm_virtio_mmio t;
	struct vmm_mem m;

	setup(&t, &m);
	negotiate(&t, 0); /* a legacy driver without VERSION_1: refused */
	CHECK_INT(rd(&t, VIRTIO_MMIO_STATUS) & VIRTIO_CONFIG_S_FEATURES_OK, 0);
	wr(&t, VIRTIO_MMIO_STATUS, 0);
	negotiate(&t, 1 | 2); /* VERSION_1 + ACCESS_PLATFORM, which we did not offer */
	CHECK_INT(rd(&t, VIRTIO_MMIO_STATUS) & VIRTIO_CONFIG_S_FEATURES_OK, 0);
	wr(&t, VIRTIO_MMIO_STATUS, 0);
	CHECK_INT(rd(&t, VIRTIO_MMIO_STATUS), 0);
	negotiate(&t, 1);
	CHECK(rd(&t, VIRTIO_MMIO_STATUS) & VIRTIO_CONFIG_S_FEATURES_OK);
	teardown(&t, &m);
}

/* Queue at desc 0x1000, avail 0x2000, used 0x3000, size 4; one 32-byte writable buffer. */
static void setup_queue(struct vmm_virtio_mmio *t, struct vmm_mem *m)
{
	struct vring_desc *d = (struct vring_desc *)(m->base + 0x1000);
	struct vring_avail *a = (struct vring_avail *)(m->base + 0x2000);

	negotiate(t, 1);
	wr(t, VIRTIO_MMIO_QUEUE_SEL, 0);
	CHECK_INT(rd(t, VIRTIO_MMIO_QUEUE_NUM_MAX), 64);
	wr(t, VIRTIO_MMIO_QUEUE_NUM, 4);
	wr(t, VIRTIO_MMIO_QUEUE_DESC_LOW, 0x1000);
	wr(t, VIRTIO_MMIO_QUEUE_DESC_HIGH, 0);
	wr(t, VIRTIO_MMIO_QUEUE_AVAIL_LOW, 0x2000);
	wr(t, VIRTIO_MMIO_QUEUE_USED_LOW, 0x3000);
	wr(t, VIRTIO_MMIO_QUEUE_READY, 1);
	CHECK_INT(rd(t, VIRTIO_MMIO_QUEUE_READY), 1);
	wr(t, VIRTIO_MMIO_STATUS, 0xf); /* ... | DRIVER_OK */
	d[0] = (struct vring_desc){.addr = 0x8000, .len = 32, .flags = VRING_DESC_F_WRITE};
	a->ring[0] = 0;
	a->idx = 1;
}

static void test_rng_request(void)
{
	struct vmm_virtio_mmio t;
	struct vmm_mem m;
	struct vring_used *u;
	static const uint8_t zero[32];

	setup(&t, &m);
	setup_queue(&t, &m);
	u = (struct vring_used *)(m.base + 0x3000);
	wr(&t, VIRTIO_MMIO_QUEUE_NOTIFY, 0);
	CHECK_INT(u->idx, 1);
	CHECK_INT(u->ring[0].id, 0);
	CHECK_INT(u->ring[0].len, 32);
	CHECK(memcmp(m.base + 0x8000, zero, 32) != 0); /* random bytes arrived */
	CHECK_INT(irqs, 1);
	CHECK_INT(rd(&t, VIRTIO_MMIO_INTERRUPT_STATUS), VIRTIO_MMIO_INT_VRING);
	wr(&t, VIRTIO_MMIO_INTERRUPT_ACK, VIRTIO_MMIO_INT_VRING);
	CHECK_INT(rd(&t, VIRTIO_MMIO_INTERRUPT_STATUS), 0);
	/* A notify with nothing new does nothing. */
	wr(&t, VIRTIO_MMIO_QUEUE_NOTIFY, 0);
	CHECK_INT(irqs, 1);
	teardown(&t, &m);
}

static void test_queue_regs_locked_while_ready(void)
{
	struct vmm_virtio_mmio t;
	struct vmm_mem m;

	setup(&t, &m);
	setup_queue(&t, &m);
	wr(&t, VIRTIO_MMIO_QUEUE_DESC_LOW, 0x5000); /* ignored: queue is live */
	CHECK_INT(t.queues[0].desc_gpa, 0x1000);
	teardown(&t, &m);
}

static void test_bad_queue_layout(void)
{
	struct vmm_virtio_mmio t;
	struct vmm_mem m;

	setup(&t, &m);
	negotiate(&t, 1);
	wr(&t, VIRTIO_MMIO_QUEUE_NUM, 4);
	wr(&t, VIRTIO_MMIO_QUEUE_DESC_LOW, 0x1000);
	wr(&t, VIRTIO_MMIO_QUEUE_DESC_HIGH, 0x10); /* far outside RAM */
	wr(&t, VIRTIO_MMIO_QUEUE_AVAIL_LOW, 0x2000);
	wr(&t, VIRTIO_MMIO_QUEUE_USED_LOW, 0x3000);
	wr(&t, VIRTIO_MMIO_QUEUE_READY, 1);
	CHECK_INT(rd(&t, VIRTIO_MMIO_QUEUE_READY), 0);
	wr(&t, VIRTIO_MMIO_QUEUE_NUM, 1000); /* above QueueNumMax */
	CHECK_INT(t.queues[0].size, 0);
	teardown(&t, &m);
}

static void test_broken_chain_needs_reset(void)
{
	struct vmm_virtio_mmio t;
	struct vmm_mem m;
	struct vring_desc *d;

	setup(&t, &m);
	setup_queue(&t, &m);
	d = (struct vring_desc *)(m.base + 0x1000);
	d[0].addr = RAM - 8; /* buffer runs off the end of RAM */
	wr(&t, VIRTIO_MMIO_QUEUE_NOTIFY, 0);
	CHECK(rd(&t, VIRTIO_MMIO_STATUS) & VIRTIO_CONFIG_S_NEEDS_RESET);
	CHECK_INT(rd(&t, VIRTIO_MMIO_INTERRUPT_STATUS), VIRTIO_MMIO_INT_CONFIG);
	wr(&t, VIRTIO_MMIO_STATUS, 0); /* the driver resets: all clear */
	CHECK_INT(rd(&t, VIRTIO_MMIO_STATUS), 0);
	CHECK_INT(rd(&t, VIRTIO_MMIO_QUEUE_READY), 0);
	teardown(&t, &m);
}

/*
 * A hostile driver puts the used ring on top of the available ring: every used entry the
 * device publishes is then a new available one (used->idx is avail->idx, the ids and lengths
 * land in avail->ring). One notify must still end; alarm() fails the test rather than hang.
 */
static void test_aliased_rings_end(void)
{
	struct vmm_virtio_mmio t;
	struct vmm_mem m;
	struct vring_desc *d;

	setup(&t, &m);
	d = (struct vring_desc *)(m.base + 0x1000);
	for (unsigned i = 0; i < 4; i++) /* 2 bytes written each: ids 0 and lengths 2 are heads */
		d[i] = (struct vring_desc){.addr = 0x8000, .len = 2, .flags = VRING_DESC_F_WRITE};
	*(uint16_t *)(m.base + 0x2002) = 1; /* avail->idx == used->idx: one buffer offered */
	negotiate(&t, 1);
	wr(&t, VIRTIO_MMIO_QUEUE_NUM, 4);
	wr(&t, VIRTIO_MMIO_QUEUE_DESC_LOW, 0x1000);
	wr(&t, VIRTIO_MMIO_QUEUE_AVAIL_LOW, 0x2000);
	wr(&t, VIRTIO_MMIO_QUEUE_USED_LOW, 0x2000);
	wr(&t, VIRTIO_MMIO_QUEUE_READY, 1);
	wr(&t, VIRTIO_MMIO_STATUS, 0xf);
	CHECK_INT(rd(&t, VIRTIO_MMIO_QUEUE_READY), 1);
	alarm(10);
	wr(&t, VIRTIO_MMIO_QUEUE_NOTIFY, 0);
	alarm(0);
	/* At most one ring's worth of chains per notify. */
	CHECK((uint16_t)(t.queues[0].used_idx - 1) <= 4);
	teardown(&t, &m);
}

static void test_odd_accesses(void)
{
	struct vmm_virtio_mmio t;
	struct vmm_mem m;
	struct err e;
	uint8_t b[8];

	setup(&t, &m);
	memset(b, 0, sizeof(b));
	CHECK_INT(vmm_virtio_mmio_io(&t, VIRTIO_MMIO_MAGIC_VALUE, b, 2, false, &e), 0);
	CHECK(b[0] == 0xff && b[1] == 0xff); /* sub-word register reads are refused */
	CHECK_INT(vmm_virtio_mmio_io(&t, VIRTIO_MMIO_CONFIG, b, 8, false, &e), 0);
	CHECK(b[0] == 0 && b[7] == 0); /* rng has no config space */
	teardown(&t, &m);
}

int main(void)
{
	RUN(test_identity);
	RUN(test_features);
	RUN(test_rng_request);
	RUN(test_queue_regs_locked_while_ready);
	RUN(test_bad_queue_layout);
	RUN(test_broken_chain_needs_reset);
	RUN(test_aliased_rings_end);
	RUN(test_odd_accesses);
	return unit_done();
}
