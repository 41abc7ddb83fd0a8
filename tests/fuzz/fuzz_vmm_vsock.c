// SPDX-License-Identifier: Apache-2.0
/*
 * libFuzzer target: virtio-vsock tx packets (vmm/virtio/vsock*.c) as a hostile guest writes
 * them. The device runs behind a real mmio transport with valid rings; the input is a list of
 * raw packets, each placed in a two-descriptor chain split at an input-chosen point:
 *
 *   u8 split, u16 len (le), len bytes (header + payload, unchecked), ...
 *
 * Guest connections to host port 1025 reach a Unix socket this target listens on (accepted
 * and closed each round), so the connection state machine runs too. Every packet the device
 * puts in the rx queue must be a well-formed header within the buffer.
 */
#include "vmm/virtio/mmio.h"
#include "vmm/virtio/vsock.h"

#include <linux/virtio_mmio.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#define RAM	(1u << 20)
#define QSIZE	32
#define RX_BUF	(4096 + 44)
#define RX_BASE 0x20000u
#define TX_BASE 0x80000u

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static uint8_t ram[RAM];
static char sock_path[96];
static int listen_fd = -1;

static const uint64_t qbase[3] = {0x1000, 0x4000, 0x7000};

static void wr(struct vmm_virtio_mmio *t, uint64_t off, uint32_t v)
{
	struct err e;

	vmm_virtio_mmio_io(t, off, (uint8_t *)&v, 4, true, &e);
}

static void noirq(struct vmm_virtio_mmio *t)
{
	(void)t;
}

static char dir[] = "/tmp/fuzz-vsock-XXXXXX";

/* The scratch directory goes when the fuzzer exits. */
static void remove_dir(void)
{
	char path[128];

	snprintf(path, sizeof(path), "%s_1025", sock_path);
	unlink(path);
	rmdir(dir);
}

static void once(void)
{
	char path[128];
	struct sockaddr_un sa = {.sun_family = AF_UNIX};

	if (listen_fd >= 0 || !mkdtemp(dir))
		return;
	atexit(remove_dir);
	snprintf(sock_path, sizeof(sock_path), "%s/v", dir);
	snprintf(path, sizeof(path), "%s_1025", sock_path);
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", path);
	listen_fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0);
	if (bind(listen_fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 || listen(listen_fd, 64) < 0)
		abort();
}

static void bring_up(struct vmm_virtio_mmio *t)
{
	struct vring_avail *rx_avail = (struct vring_avail *)(ram + qbase[0] + 0x1000);
	struct vring_desc *rx_desc = (struct vring_desc *)(ram + qbase[0]);

	wr(t, VIRTIO_MMIO_STATUS, 3);
	wr(t, VIRTIO_MMIO_DRIVER_FEATURES_SEL, 1);
	wr(t, VIRTIO_MMIO_DRIVER_FEATURES, 1);
	wr(t, VIRTIO_MMIO_STATUS, 0xb);
	for (unsigned q = 0; q < 3; q++) {
		wr(t, VIRTIO_MMIO_QUEUE_SEL, q);
		wr(t, VIRTIO_MMIO_QUEUE_NUM, QSIZE);
		wr(t, VIRTIO_MMIO_QUEUE_DESC_LOW, (uint32_t)qbase[q]);
		wr(t, VIRTIO_MMIO_QUEUE_AVAIL_LOW, (uint32_t)qbase[q] + 0x1000);
		wr(t, VIRTIO_MMIO_QUEUE_USED_LOW, (uint32_t)qbase[q] + 0x2000);
		wr(t, VIRTIO_MMIO_QUEUE_READY, 1);
	}
	wr(t, VIRTIO_MMIO_STATUS, 0xf);
	for (uint16_t i = 0; i < QSIZE; i++) {
		rx_desc[i] = (struct vring_desc){
			.addr = RX_BASE + i * 0x1100u, .len = RX_BUF, .flags = VRING_DESC_F_WRITE};
		rx_avail->ring[i] = i;
	}
	rx_avail->idx = QSIZE;
}

/* Checks and re-posts every rx buffer the device used. */
static void drain_rx(uint16_t *seen)
{
	struct vring_used *u = (struct vring_used *)(ram + qbase[0] + 0x2000);
	struct vring_avail *a = (struct vring_avail *)(ram + qbase[0] + 0x1000);

	while (*seen != u->idx) {
		struct vring_used_elem el = u->ring[*seen % QSIZE];
		struct virtio_vsock_hdr h;

		if (el.id >= QSIZE || el.len > RX_BUF || (el.len && el.len < VSOCK_HDR_SIZE))
			abort();
		if (el.len) {
			memcpy(&h, ram + RX_BASE + el.id * 0x1100u, sizeof(h));
			if (h.src_cid != VSOCK_HOST_CID || h.dst_cid != VSOCK_GUEST_CID ||
			    h.len != el.len - VSOCK_HDR_SIZE || h.type != VIRTIO_VSOCK_TYPE_STREAM)
				abort();
		}
		a->ring[a->idx % QSIZE] = (uint16_t)el.id;
		a->idx++;
		(*seen)++;
	}
}

static void put_packet(uint16_t *avail_idx, const uint8_t *pkt, size_t len, size_t split)
{
	struct vring_desc *d = (struct vring_desc *)(ram + qbase[1]);
	struct vring_avail *a = (struct vring_avail *)(ram + qbase[1] + 0x1000);
	uint16_t i = (uint16_t)((*avail_idx % (QSIZE / 2)) * 2);
	uint64_t gpa = TX_BASE + (*avail_idx % (QSIZE / 2)) * 0x2000u;

	memcpy(ram + gpa, pkt, len);
	d[i] = (struct vring_desc){.addr = gpa, .len = (uint32_t)split};
	if (split < len) {
		d[i].flags = VRING_DESC_F_NEXT;
		d[i].next = i + 1;
		d[i + 1] = (struct vring_desc){.addr = gpa + split, .len = (uint32_t)(len - split)};
	}
	a->ring[*avail_idx % QSIZE] = i;
	a->idx = ++*avail_idx;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct vmm_virtio_mmio t;
	struct vmm_vsock *vs;
	struct vmm_mem mem;
	struct err e;
	uint16_t tx_idx = 0, rx_seen = 0;

	once();
	memset(ram, 0, 0x80000 + (QSIZE / 2) * 0x2000u);
	vmm_mem_layout(&mem, ram, RAM);
	vs = vmm_vsock_create(sock_path, &e);
	if (!vs)
		abort();
	vmm_virtio_mmio_init(&t, &vmm_virtio_vsock_ops, vs, &mem, 0xd0001000, 6);
	t.raise_irq = noirq;
	bring_up(&t);
	while (size >= 3) {
		size_t len = (size_t)(data[1] | data[2] << 8) % 0x2000, split;

		if (len > size - 3)
			len = size - 3;
		split = len ? data[0] % (len + 1) : 0;
		put_packet(&tx_idx, data + 3, len, split);
		data += 3 + len;
		size -= 3 + len;
		wr(&t, VIRTIO_MMIO_QUEUE_NOTIFY, 1);
		vmm_vsock_poll(vs, 0);
		drain_rx(&rx_seen);
		wr(&t, VIRTIO_MMIO_QUEUE_NOTIFY, 0);
		vmm_vsock_poll(vs, 0);
		drain_rx(&rx_seen);
	}
	for (int fd; (fd = accept(listen_fd, NULL, NULL)) >= 0;)
		close(fd);
	vmm_virtio_mmio_destroy(&t);
	return 0;
}
