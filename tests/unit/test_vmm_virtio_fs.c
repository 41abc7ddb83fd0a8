// SPDX-License-Identifier: Apache-2.0
/*
 * virtio-fs device: config space, FUSE requests through split descriptor chains on fake guest
 * RAM, served by the queue worker threads; the high-priority queue; broken chains and reset.
 */
#define _GNU_SOURCE
#include "unit.h"
#include "util.h"
#include "vmm/virtio/fs.h"
#include "vmm/virtio/mmio.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/fuse.h>
#include <linux/virtio_config.h>
#include <linux/virtio_fs.h>
#include <linux/virtio_ids.h>
#include <linux/virtio_mmio.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define RAM   (4 << 20)
#define QSIZE 8
#define REQ   0x100000 /* request bytes */
#define REPLY 0x200000 /* reply buffers */

static atomic_uint irqs;
static struct vmm_virtio_mmio t;
static struct vmm_mem m;
static void *dev;
static char dir[64];
static uint16_t avail_idx[3];
static uint64_t unique;

static void count_irq(struct vmm_virtio_mmio *tr)
{
	(void)tr;
	atomic_fetch_add(&irqs, 1);
}

static uint32_t rd(uint64_t off)
{
	struct err e = {0};
	uint32_t v = 0;

	vmm_virtio_mmio_io(&t, off, (uint8_t *)&v, 4, false, &e);
	return v;
}

static void wr(uint64_t off, uint32_t v)
{
	struct err e = {0};

	vmm_virtio_mmio_io(&t, off, (uint8_t *)&v, 4, true, &e);
}

static uint64_t ring_base(unsigned q)
{
	return 0x10000 + q * 0x4000;
}

static void setup_queue(unsigned q)
{
	wr(VIRTIO_MMIO_QUEUE_SEL, q);
	CHECK_INT(rd(VIRTIO_MMIO_QUEUE_NUM_MAX), 256);
	wr(VIRTIO_MMIO_QUEUE_NUM, QSIZE);
	wr(VIRTIO_MMIO_QUEUE_DESC_LOW, (uint32_t)ring_base(q));
	wr(VIRTIO_MMIO_QUEUE_AVAIL_LOW, (uint32_t)ring_base(q) + 0x1000);
	wr(VIRTIO_MMIO_QUEUE_USED_LOW, (uint32_t)ring_base(q) + 0x2000);
	wr(VIRTIO_MMIO_QUEUE_READY, 1);
	CHECK_INT(rd(VIRTIO_MMIO_QUEUE_READY), 1);
	avail_idx[q] = 0;
}

static void start_driver(void)
{
	wr(VIRTIO_MMIO_STATUS, VIRTIO_CONFIG_S_ACKNOWLEDGE | VIRTIO_CONFIG_S_DRIVER);
	wr(VIRTIO_MMIO_DRIVER_FEATURES_SEL, 1);
	wr(VIRTIO_MMIO_DRIVER_FEATURES, 1); /* VERSION_1 */
	wr(VIRTIO_MMIO_DRIVER_FEATURES_SEL, 0);
	wr(VIRTIO_MMIO_DRIVER_FEATURES, 0);
	wr(VIRTIO_MMIO_STATUS,
	   VIRTIO_CONFIG_S_ACKNOWLEDGE | VIRTIO_CONFIG_S_DRIVER | VIRTIO_CONFIG_S_FEATURES_OK);
	for (unsigned q = 0; q < 3; q++)
		setup_queue(q);
	wr(VIRTIO_MMIO_STATUS, 0xf);
}

static struct vring_used *used_ring(unsigned q)
{
	return (struct vring_used *)(m.base + ring_base(q) + 0x2000);
}

/* Waits until queue q's used index reaches `want` (the worker thread runs meanwhile). */
static bool wait_used(unsigned q, uint16_t want)
{
	for (int i = 0; i < 2000; i++) {
		if (__atomic_load_n(&used_ring(q)->idx, __ATOMIC_ACQUIRE) == want)
			return true;
		usleep(1000);
	}
	return false;
}

/*
 * Makes header + body available on queue q as the Linux driver does, the request split over
 * two readable descriptors and the reply over three writable ones (16 + 20 + rest bytes),
 * without a notify; the reply will be at m.base + REPLY.
 */
static void post(unsigned q, uint32_t op, uint64_t nodeid, const void *body, size_t len)
{
	struct vring_desc *d = (struct vring_desc *)(m.base + ring_base(q));
	struct vring_avail *a = (struct vring_avail *)(m.base + ring_base(q) + 0x1000);
	struct fuse_in_header h = {
		.len = (uint32_t)(sizeof(h) + len), .opcode = op, .nodeid = nodeid};

	h.unique = ++unique;
	memcpy(m.base + REQ, &h, sizeof(h));
	memcpy(m.base + REQ + sizeof(h), body, len);
	memset(m.base + REPLY, 0, 0x110000);
	d[0] = (struct vring_desc){REQ, 16, VRING_DESC_F_NEXT, 1};
	d[1] = (struct vring_desc){REQ + 16, (uint32_t)(sizeof(h) + len - 16), VRING_DESC_F_NEXT,
				   2};
	d[2] = (struct vring_desc){REPLY, 16, VRING_DESC_F_WRITE | VRING_DESC_F_NEXT, 3};
	d[3] = (struct vring_desc){REPLY + 16, 20, VRING_DESC_F_WRITE | VRING_DESC_F_NEXT, 4};
	d[4] = (struct vring_desc){REPLY + 36, 0x100000, VRING_DESC_F_WRITE, 0};
	a->ring[avail_idx[q] % QSIZE] = 0;
	__atomic_store_n(&a->idx, ++avail_idx[q], __ATOMIC_RELEASE);
}

/* Waits for the last chain posted on q; returns its used length, or -1 on timeout. */
static int64_t wait_reply(unsigned q)
{
	if (!wait_used(q, avail_idx[q]))
		return -1;
	return used_ring(q)->ring[(avail_idx[q] - 1) % QSIZE].len;
}

/* post() + notify + wait_reply() */
static int64_t send(unsigned q, uint32_t op, uint64_t nodeid, const void *body, size_t len)
{
	post(q, op, nodeid, body, len);
	wr(VIRTIO_MMIO_QUEUE_NOTIFY, q);
	return wait_reply(q);
}

static const struct fuse_out_header *reply_header(void)
{
	return (const struct fuse_out_header *)(m.base + REPLY);
}

static void test_config_space(void)
{
	struct virtio_fs_config c;
	struct err e = {0};

	CHECK_INT(rd(VIRTIO_MMIO_DEVICE_ID), VIRTIO_ID_FS);
	vmm_virtio_mmio_io(&t, VIRTIO_MMIO_CONFIG, (uint8_t *)&c, sizeof(c), false, &e);
	CHECK(!memcmp(c.tag, "incept\0", 7));
	CHECK_INT(le32toh(c.num_request_queues), VMM_VIRTIO_FS_REQUEST_QUEUES);
	wr(VIRTIO_MMIO_QUEUE_SEL, 1 + VMM_VIRTIO_FS_REQUEST_QUEUES);
	CHECK_INT(rd(VIRTIO_MMIO_QUEUE_NUM_MAX), 0);
	CHECK(vmm_virtio_fs_create("", &(struct vfs_opts){0}, &e) == NULL);
	CHECK(vmm_virtio_fs_create("0123456789012345678901234567890123456", &(struct vfs_opts){0},
				   &e) == NULL);
}

static uint64_t do_init_lookup(unsigned q)
{
	struct fuse_init_in in = {.major = 7, .minor = 38, .max_readahead = 65536};
	const struct fuse_entry_out *eo;

	CHECK_INT(send(q, FUSE_INIT, 0, &in, sizeof(in)),
		  sizeof(struct fuse_out_header) + sizeof(struct fuse_init_out));
	CHECK_INT(reply_header()->error, 0);
	CHECK_INT(((const struct fuse_init_out *)(m.base + REPLY + 16))->max_write, 1 << 20);
	CHECK_INT(send(q, FUSE_LOOKUP, FUSE_ROOT_ID, "s", 2),
		  sizeof(struct fuse_out_header) + sizeof(*eo));
	CHECK_INT(reply_header()->error, 0);
	CHECK(reply_header()->unique == unique);
	eo = (const struct fuse_entry_out *)(m.base + REPLY + 16);
	CHECK_INT(eo->attr.mode & S_IFMT, S_IFDIR);
	return eo->nodeid;
}

static void test_requests_on_both_queues(void)
{
	unsigned before = atomic_load(&irqs);

	CHECK(do_init_lookup(1) > FUSE_ROOT_ID);
	CHECK(do_init_lookup(2) > FUSE_ROOT_ID);
	CHECK(vmm_virtio_fs_served(dev, 1) >= 2 && vmm_virtio_fs_served(dev, 2) >= 2);
	CHECK(atomic_load(&irqs) > before);
}

static void test_read_into_split_buffers(void)
{
	static char data[10000];
	uint64_t s = do_init_lookup(1), file, fh;
	struct fuse_open_in oi = {.flags = O_RDONLY};
	struct fuse_read_in ri = {.size = sizeof(data)};
	char path[128];
	struct err e = {0};

	for (size_t i = 0; i < sizeof(data); i++)
		data[i] = (char)(i * 7);
	snprintf(path, sizeof(path), "%s/f", dir);
	CHECK_INT(util_write_file_atomic(path, data, sizeof(data), 0644, &e), 0);
	send(1, FUSE_LOOKUP, s, "f", 2);
	file = ((const struct fuse_entry_out *)(m.base + REPLY + 16))->nodeid;
	send(1, FUSE_OPEN, file, &oi, sizeof(oi));
	fh = ((const struct fuse_open_out *)(m.base + REPLY + 16))->fh;
	ri.fh = fh;
	CHECK_INT(send(1, FUSE_READ, file, &ri, sizeof(ri)), 16 + sizeof(data));
	CHECK_INT(reply_header()->len, 16 + sizeof(data));
	CHECK(!memcmp(m.base + REPLY + 16, data, sizeof(data)));
}

static void test_hiprio_forget(void)
{
	struct fuse_forget_in fi = {.nlookup = 1};

	CHECK_INT(send(0, FUSE_FORGET, 2, &fi, sizeof(fi)), 0); /* completed, no reply bytes */
	CHECK(vmm_virtio_fs_served(dev, 0) >= 1);
}

static void test_broken_chain_then_reset(void)
{
	struct vring_desc *d = (struct vring_desc *)(m.base + ring_base(1));
	struct vring_avail *a = (struct vring_avail *)(m.base + ring_base(1) + 0x1000);
	bool needs_reset = false;

	d[0] = (struct vring_desc){RAM - 8, 64, 0, 0}; /* runs off the end of RAM */
	a->ring[avail_idx[1] % QSIZE] = 0;
	__atomic_store_n(&a->idx, ++avail_idx[1], __ATOMIC_RELEASE);
	for (int i = 0; i < 2000 && !needs_reset; i++) {
		wr(VIRTIO_MMIO_QUEUE_NOTIFY, 1);
		needs_reset = rd(VIRTIO_MMIO_STATUS) & VIRTIO_CONFIG_S_NEEDS_RESET;
		usleep(1000);
	}
	CHECK(needs_reset);
	/* the driver resets and starts over: everything works again */
	wr(VIRTIO_MMIO_STATUS, 0);
	memset(m.base + 0x10000, 0, 3 * 0x4000);
	start_driver();
	CHECK(do_init_lookup(1) > FUSE_ROOT_ID);
}

/*
 * A snapshot restore: the VMM creates a fresh device (fresh FUSE server, no shares) and loads
 * the saved transport. Its workers must serve what the ring holds without a new notify, and
 * the new server must accept the guest's INIT (the saved session never had one, or is gone).
 */
static void test_restore(void)
{
	struct fuse_init_in in = {.major = 7, .minor = 38, .max_readahead = 65536};
	struct vmm_virtio_mmio_state st;
	struct err e = {0};

	vmm_virtio_mmio_save(&t, &st);
	post(1, FUSE_INIT, 0, &in, sizeof(in)); /* available after the save, never notified */
	vmm_virtio_mmio_destroy(&t);
	dev = vmm_virtio_fs_create("incept", &(struct vfs_opts){.cache_secs = 1}, &e);
	CHECK(dev != NULL);
	vmm_virtio_mmio_init(&t, &vmm_virtio_fs_ops, dev, &m, 0xd0000000, 5);
	t.raise_irq = count_irq;
	CHECK_INT(vmm_virtio_mmio_restore(&t, &st, &e), 0);
	CHECK_INT(wait_reply(1), sizeof(struct fuse_out_header) + sizeof(struct fuse_init_out));
	CHECK_INT(reply_header()->error, 0);
	/* shares are never saved: none until added after the restore */
	CHECK_INT(send(1, FUSE_LOOKUP, FUSE_ROOT_ID, "s", 2), sizeof(struct fuse_out_header));
	CHECK_INT(reply_header()->error, -ENOENT);
	CHECK_INT(vfs_share_add(vmm_virtio_fs_server(dev), "s", dir, false, &e), 0);
	CHECK(do_init_lookup(2) > FUSE_ROOT_ID);
}

int main(void)
{
	struct err e = {0};

	snprintf(dir, sizeof(dir), "/tmp/incept-virtio-fs.XXXXXX");
	dev = vmm_virtio_fs_create("incept", &(struct vfs_opts){.cache_secs = 1}, &e);
	if (!dev || !mkdtemp(dir) ||
	    vfs_share_add(vmm_virtio_fs_server(dev), "s", dir, false, &e)) {
		printf("Bail out! virtio-fs fixture\n");
		return 1;
	}
	vmm_mem_layout(&m, calloc(1, RAM), RAM);
	vmm_virtio_mmio_init(&t, &vmm_virtio_fs_ops, dev, &m, 0xd0000000, 5);
	t.raise_irq = count_irq;
	start_driver();
	RUN(test_config_space);
	RUN(test_requests_on_both_queues);
	RUN(test_read_into_split_buffers);
	RUN(test_hiprio_forget);
	RUN(test_broken_chain_then_reset);
	RUN(test_restore);
	vmm_virtio_mmio_destroy(&t);
	free(m.base);
	util_rm_rf(dir, &e);
	return unit_done();
}
