// SPDX-License-Identifier: Apache-2.0
/*
 * virtio-vsock: header parsing and validation, credit arithmetic, and the device end to end
 * through the mmio transport with a fake driver (rings in a calloc'ed "guest RAM"), real Unix
 * sockets for the host side, and vmm_vsock_poll() driven by hand instead of the I/O thread.
 */
#include "unit.h"
#include "test_vmm_mmio_util.h"
#include "vmm/virtio/mmio.h"
#include "vmm/virtio/vsock.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/virtio_config.h>
#include <linux/virtio_ids.h>
#include <linux/virtio_mmio.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#define RAM	  (4u << 20)
#define QSIZE	  64
#define RX_BUF	  (4096 + 44)
#define RX_BASE	  0x100000u /* rx buffer i at RX_BASE + i * 0x2000 */
#define TX_BASE	  0x200000u /* tx slot i: header at TX_BASE + i * 0x10000, payload after */
#define HOST_PORT (1u << 30)

/* The fake driver: the queues' layouts and where it is in each ring. */
struct drv {
	struct vmm_virtio_mmio t;
	struct vmm_mem m;
	struct vmm_vsock *vs;
	uint16_t rx_avail, rx_used_seen, tx_avail;
	char dir[64], sock[96];
};

static const uint64_t qbase[3] = {0x1000, 0x4000, 0x7000}; /* desc; avail +0x1000; used +0x2000 */

static void noirq(struct vmm_virtio_mmio *t)
{
	(void)t;
}

static struct vring_desc *desc(struct drv *d, unsigned q)
{
	return (struct vring_desc *)(d->m.base + qbase[q]);
}

static struct vring_avail *avail(struct drv *d, unsigned q)
{
	return (struct vring_avail *)(d->m.base + qbase[q] + 0x1000);
}

static struct vring_used *used(struct drv *d, unsigned q)
{
	return (struct vring_used *)(d->m.base + qbase[q] + 0x2000);
}

static void post_rx(struct drv *d, uint16_t id)
{
	desc(d, 0)[id] = (struct vring_desc){
		.addr = RX_BASE + id * 0x2000u, .len = RX_BUF, .flags = VRING_DESC_F_WRITE};
	avail(d, 0)->ring[d->rx_avail % QSIZE] = id;
	d->rx_avail++;
	__atomic_store_n(&avail(d, 0)->idx, d->rx_avail, __ATOMIC_RELEASE);
}

static void pump(struct drv *d)
{
	for (int i = 0; i < 4; i++)
		vmm_vsock_poll(d->vs, 0);
}

/* Driver bring-up as Linux does it; `rx` buffers posted. `uds` may be false: no socket. */
static void setup(struct drv *d, bool uds, unsigned rx)
{
	struct err e;

	memset(d, 0, sizeof(*d));
	strcpy(d->dir, "/tmp/test-vsock-XXXXXX");
	CHECK(mkdtemp(d->dir) != NULL);
	snprintf(d->sock, sizeof(d->sock), "%s/v", d->dir);
	d->vs = vmm_vsock_create(uds ? d->sock : NULL, &e);
	CHECK(d->vs != NULL);
	CHECK_INT(vmm_vsock_listen(d->vs, &e), 0);
	vmm_mem_layout(&d->m, calloc(1, RAM), RAM);
	vmm_virtio_mmio_init(&d->t, &vmm_virtio_vsock_ops, d->vs, &d->m, 0xd0001000, 6);
	d->t.raise_irq = noirq;
	wr(&d->t, VIRTIO_MMIO_STATUS, VIRTIO_CONFIG_S_ACKNOWLEDGE | VIRTIO_CONFIG_S_DRIVER);
	wr(&d->t, VIRTIO_MMIO_DRIVER_FEATURES_SEL, 1);
	wr(&d->t, VIRTIO_MMIO_DRIVER_FEATURES, 1);
	wr(&d->t, VIRTIO_MMIO_STATUS, 0xb); /* ACK | DRIVER | FEATURES_OK */
	for (unsigned q = 0; q < 3; q++) {
		wr(&d->t, VIRTIO_MMIO_QUEUE_SEL, q);
		wr(&d->t, VIRTIO_MMIO_QUEUE_NUM, QSIZE);
		wr(&d->t, VIRTIO_MMIO_QUEUE_DESC_LOW, (uint32_t)qbase[q]);
		wr(&d->t, VIRTIO_MMIO_QUEUE_AVAIL_LOW, (uint32_t)qbase[q] + 0x1000);
		wr(&d->t, VIRTIO_MMIO_QUEUE_USED_LOW, (uint32_t)qbase[q] + 0x2000);
		wr(&d->t, VIRTIO_MMIO_QUEUE_READY, 1);
		CHECK_INT(rd(&d->t, VIRTIO_MMIO_QUEUE_READY), 1);
	}
	wr(&d->t, VIRTIO_MMIO_STATUS, 0xf);
	for (unsigned i = 0; i < rx; i++)
		post_rx(d, (uint16_t)i);
}

static void teardown(struct drv *d)
{
	vmm_virtio_mmio_destroy(&d->t);
	free(d->m.base);
	rmdir(d->dir);
}

static struct vsock_hdr hdr(uint16_t op, uint32_t src_port, uint32_t dst_port, uint32_t len)
{
	return (struct vsock_hdr){.src_cid = VSOCK_GUEST_CID,
				  .dst_cid = VSOCK_HOST_CID,
				  .src_port = src_port,
				  .dst_port = dst_port,
				  .len = len,
				  .type = VIRTIO_VSOCK_TYPE_STREAM,
				  .op = op,
				  .buf_alloc = 65536};
}

/* One tx packet: header and payload in two descriptors (as Linux sends RW). */
static void send_pkt_raw(struct drv *d, const void *h, uint32_t hlen, const void *data,
			 uint32_t len)
{
	unsigned slot = d->tx_avail % (QSIZE / 2);
	uint64_t gpa = TX_BASE + slot * 0x10000ull;
	uint16_t i = (uint16_t)(slot * 2);

	memcpy(d->m.base + gpa, h, hlen);
	if (len)
		memcpy(d->m.base + gpa + 64, data, len);
	desc(d, 1)[i] = (struct vring_desc){
		.addr = gpa, .len = hlen, .flags = len ? VRING_DESC_F_NEXT : 0, .next = i + 1};
	desc(d, 1)[i + 1] = (struct vring_desc){.addr = gpa + 64, .len = len};
	avail(d, 1)->ring[d->tx_avail % QSIZE] = i;
	d->tx_avail++;
	__atomic_store_n(&avail(d, 1)->idx, d->tx_avail, __ATOMIC_RELEASE);
	wr(&d->t, VIRTIO_MMIO_QUEUE_NOTIFY, 1);
	pump(d);
}

static void send_pkt(struct drv *d, struct vsock_hdr h, const void *data, uint32_t len)
{
	struct virtio_vsock_hdr raw;

	vsock_hdr_encode(&h, &raw);
	send_pkt_raw(d, &raw, sizeof(raw), data, len);
}

/* The next packet the device put in the rx queue (re-posting its buffer): 1, or 0 if none. */
static int recv_pkt(struct drv *d, struct vsock_hdr *h, uint8_t *data, uint32_t *len)
{
	struct vring_used *u = used(d, 0);
	struct vring_used_elem el;
	struct vq_elem fake = {.nr = 1, .nr_out = 1};

	if (__atomic_load_n(&u->idx, __ATOMIC_ACQUIRE) == d->rx_used_seen)
		return 0;
	el = u->ring[d->rx_used_seen++ % QSIZE];
	fake.bufs[0] = (struct vq_buf){.hva = d->m.base + RX_BASE + el.id * 0x2000u, .len = el.len};
	fake.out_len = el.len;
	CHECK(el.len >= VSOCK_HDR_SIZE);
	if (el.len < VSOCK_HDR_SIZE)
		return 0;
	struct err e;
	CHECK_INT(vsock_pkt_parse(&fake, h, &e), 0);
	*len = el.len - VSOCK_HDR_SIZE;
	CHECK_INT(h->len, *len);
	if (data)
		memcpy(data, fake.bufs[0].hva + VSOCK_HDR_SIZE, *len);
	post_rx(d, (uint16_t)el.id);
	return 1;
}

static int expect_pkt(struct drv *d, uint16_t op, struct vsock_hdr *h)
{
	uint32_t len;
	struct vsock_hdr tmp;

	if (!h)
		h = &tmp;
	if (!recv_pkt(d, h, NULL, &len)) {
		printf("# no packet, wanted %s\n", vsock_op_name(op));
		return -1;
	}
	if (h->op != op)
		printf("# got %s, wanted %s\n", vsock_op_name(h->op), vsock_op_name(op));
	return h->op == op ? 0 : -1;
}

/* Reads what the host end has: bytes, 0 at EOF, -1 on an error, -2 when nothing came. */
static ssize_t host_read(int fd, void *buf, size_t len)
{
	struct pollfd p = {.fd = fd, .events = POLLIN};

	if (poll(&p, 1, 200) <= 0)
		return -2;
	return read(fd, buf, len);
}

static int unix_listen(const char *path)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	int fd = socket(AF_UNIX, SOCK_STREAM, 0);

	strcpy(sa.sun_path, path);
	CHECK_INT(bind(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	CHECK_INT(listen(fd, 4), 0);
	return fd;
}

static int unix_connect(const char *path)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	int fd = socket(AF_UNIX, SOCK_STREAM, 0);

	strcpy(sa.sun_path, path);
	CHECK_INT(connect(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	return fd;
}

/* ---- packets ---- */

static void test_parse_split_header(void)
{
	struct vsock_hdr h = hdr(VIRTIO_VSOCK_OP_RW, 1234, 5678, 3), got;
	struct virtio_vsock_hdr raw;
	uint8_t a[10], b[64];
	struct vq_elem el = {.nr = 2, .nr_out = 2, .out_len = 10 + 37};
	struct err e;
	char pay[4] = {0};

	h.flags = 0;
	h.fwd_cnt = 0x01020304;
	vsock_hdr_encode(&h, &raw);
	memcpy(a, &raw, 10);
	memcpy(b, (uint8_t *)&raw + 10, 34);
	memcpy(b + 34, "xyz", 3);
	el.bufs[0] = (struct vq_buf){.hva = a, .len = 10};
	el.bufs[1] = (struct vq_buf){.hva = b, .len = 37};
	CHECK_INT(vsock_pkt_parse(&el, &got, &e), 0);
	CHECK_INT(got.src_cid, 3);
	CHECK_INT(got.dst_cid, 2);
	CHECK_INT(got.src_port, 1234);
	CHECK_INT(got.dst_port, 5678);
	CHECK_INT(got.len, 3);
	CHECK_INT(got.type, VIRTIO_VSOCK_TYPE_STREAM);
	CHECK_INT(got.op, VIRTIO_VSOCK_OP_RW);
	CHECK_INT(got.buf_alloc, 65536);
	CHECK_INT(got.fwd_cnt, 0x01020304);
	CHECK_INT(vsock_elem_read(&el, VSOCK_HDR_SIZE, pay, 3), 3);
	CHECK_STR(pay, "xyz");
	CHECK_INT(vsock_pkt_check(&got, VSOCK_GUEST_CID, el.out_len, &e), VSOCK_PKT_OK);
	el.out_len = 43; /* one byte short of a header */
	el.bufs[1].len = 33;
	CHECK_INT(vsock_pkt_parse(&el, &got, &e), -1);
}

static void test_check_rejects(void)
{
	struct vsock_hdr h;
	struct err e;
	uint64_t chain = VSOCK_HDR_SIZE + 100;

#define VERDICT(field_set, want)                                                                   \
	do {                                                                                       \
		h = hdr(VIRTIO_VSOCK_OP_RW, 1, 2, 10);                                             \
		field_set;                                                                         \
		CHECK_INT(vsock_pkt_check(&h, VSOCK_GUEST_CID, chain, &e), want);                  \
	} while (0)
	VERDICT((void)0, VSOCK_PKT_OK);
	VERDICT(h.src_cid = 7, VSOCK_PKT_DROP); /* spoofed source */
	VERDICT(h.dst_cid = 5, VSOCK_PKT_RST);	/* another guest: unreachable */
	VERDICT((h.dst_cid = 5, h.op = VIRTIO_VSOCK_OP_RST, h.len = 0), VSOCK_PKT_DROP);
	VERDICT(h.type = 2, VSOCK_PKT_RST);			/* SEQPACKET was not offered */
	VERDICT(h.op = 0, VSOCK_PKT_RST);			/* INVALID */
	VERDICT(h.op = 8, VSOCK_PKT_RST);			/* beyond CREDIT_REQUEST */
	VERDICT(h.op = VIRTIO_VSOCK_OP_REQUEST, VSOCK_PKT_RST); /* payload on a REQUEST */
	VERDICT(h.len = 101, VSOCK_PKT_RST);			/* longer than the chain */
	VERDICT((h.len = VSOCK_MAX_PAYLOAD + 1, chain = 1 << 20), VSOCK_PKT_RST);
	chain = VSOCK_HDR_SIZE + 100;
	VERDICT((h.op = VIRTIO_VSOCK_OP_SHUTDOWN, h.len = 0, h.flags = 4), VSOCK_PKT_RST);
	VERDICT((h.op = VIRTIO_VSOCK_OP_SHUTDOWN, h.len = 0, h.flags = 3), VSOCK_PKT_OK);
	VERDICT((h.op = VIRTIO_VSOCK_OP_RST, h.len = 0), VSOCK_PKT_OK);
	VERDICT((h.op = VIRTIO_VSOCK_OP_RST, h.len = 1), VSOCK_PKT_DROP); /* never RST an RST */
#undef VERDICT
}

static void test_credit(void)
{
	CHECK_INT(vsock_peer_credit(1000, 0, 0), 1000);
	CHECK_INT(vsock_peer_credit(1000, 0, 400), 600);
	CHECK_INT(vsock_peer_credit(1000, 400, 1000), 400);
	CHECK_INT(vsock_peer_credit(1000, 0, 1000), 0);
	CHECK_INT(vsock_peer_credit(1000, 0, 5000), 0); /* over-sent (buf_alloc shrank) */
	/* Counters wrap at 2^32. */
	CHECK_INT(vsock_peer_credit(1000, 0xfffffff0u, 0x10), 1000 - 0x20);
	/* A peer claiming to have consumed more than we sent gets nothing. */
	CHECK_INT(vsock_peer_credit(1000, 600, 500), 0);
	CHECK_INT(vsock_peer_credit(0, 0, 0), 0);
}

/* ---- the device ---- */

static void test_config_and_identity(void)
{
	struct drv d;
	uint8_t cid[8];
	struct err e;

	setup(&d, false, 0);
	CHECK_INT(rd(&d.t, VIRTIO_MMIO_DEVICE_ID), VIRTIO_ID_VSOCK);
	CHECK_INT(rd(&d.t, VIRTIO_MMIO_CONFIG), 3);	/* guest_cid, le64, low word */
	CHECK_INT(rd(&d.t, VIRTIO_MMIO_CONFIG + 4), 0); /* high word */
	CHECK_INT(vmm_virtio_mmio_io(&d.t, VIRTIO_MMIO_CONFIG, cid, 8, false, &e), 0);
	CHECK_INT(cid[0], 3);
	CHECK_INT(rd(&d.t, VIRTIO_MMIO_CONFIG + 8), 0); /* past the 8 bytes: zeros */
	wr(&d.t, VIRTIO_MMIO_QUEUE_SEL, 3);
	CHECK_INT(rd(&d.t, VIRTIO_MMIO_QUEUE_NUM_MAX), 0); /* three queues only */
	teardown(&d);
}

static void test_guest_connect_refused(void)
{
	struct drv d;
	struct vsock_hdr h;

	setup(&d, true, 4);
	send_pkt(&d, hdr(VIRTIO_VSOCK_OP_REQUEST, 5000, 1025, 0), NULL, 0);
	CHECK_INT(expect_pkt(&d, VIRTIO_VSOCK_OP_RST, &h), 0);
	CHECK_INT(h.src_cid, 2);
	CHECK_INT(h.dst_cid, 3);
	CHECK_INT(h.src_port, 1025);
	CHECK_INT(h.dst_port, 5000);
	/* A packet for no connection gets an RST too; an RST gets nothing. */
	send_pkt(&d, hdr(VIRTIO_VSOCK_OP_RW, 5000, 1025, 2), "hi", 2);
	CHECK_INT(expect_pkt(&d, VIRTIO_VSOCK_OP_RST, NULL), 0);
	send_pkt(&d, hdr(VIRTIO_VSOCK_OP_RST, 5000, 1025, 0), NULL, 0);
	CHECK_INT(recv_pkt(&d, &h, NULL, &(uint32_t){0}), 0);
	teardown(&d);
}

/* Guest port 5000 connects to host port 1025 where the test listens; returns the host end. */
static int guest_connects(struct drv *d, int *lfd)
{
	char path[128];
	struct vsock_hdr h;
	int fd;

	snprintf(path, sizeof(path), "%s_1025", d->sock);
	*lfd = unix_listen(path);
	send_pkt(d, hdr(VIRTIO_VSOCK_OP_REQUEST, 5000, 1025, 0), NULL, 0);
	CHECK_INT(expect_pkt(d, VIRTIO_VSOCK_OP_RESPONSE, &h), 0);
	CHECK_INT(h.buf_alloc, VSOCK_BUF_ALLOC); /* what we really buffer */
	CHECK_INT(h.fwd_cnt, 0);
	fd = accept(*lfd, NULL, NULL);
	CHECK(fd >= 0);
	unlink(path);
	return fd;
}

static void test_guest_connect_data_both_ways(void)
{
	struct drv d;
	struct vsock_hdr h;
	uint8_t buf[64];
	uint32_t len;
	int lfd, fd;

	setup(&d, true, 8);
	fd = guest_connects(&d, &lfd);
	send_pkt(&d, hdr(VIRTIO_VSOCK_OP_RW, 5000, 1025, 5), "hello", 5);
	CHECK_INT(host_read(fd, buf, sizeof(buf)), 5);
	CHECK(memcmp(buf, "hello", 5) == 0);
	CHECK_INT(write(fd, "world!", 6), 6);
	pump(&d);
	CHECK_INT(recv_pkt(&d, &h, buf, &len), 1);
	CHECK_INT(h.op, VIRTIO_VSOCK_OP_RW);
	CHECK_INT(len, 6);
	CHECK(memcmp(buf, "world!", 6) == 0);
	CHECK_INT(h.fwd_cnt, 5); /* the 5 bytes reached the host socket */
	/* The guest closes: SHUTDOWN(both) -> the host reads EOF, the guest gets its RST. */
	h = hdr(VIRTIO_VSOCK_OP_SHUTDOWN, 5000, 1025, 0);
	h.flags = VSOCK_SHUTDOWN_BOTH;
	send_pkt(&d, h, NULL, 0);
	CHECK_INT(expect_pkt(&d, VIRTIO_VSOCK_OP_RST, NULL), 0);
	CHECK_INT(host_read(fd, buf, sizeof(buf)), 0);
	CHECK(vsock_conn_find(d.vs, 5000, 1025) == NULL);
	close(fd);
	close(lfd);
	teardown(&d);
}

static void test_half_close(void)
{
	struct drv d;
	struct vsock_hdr h;
	uint8_t buf[64];
	uint32_t len;
	int lfd, fd;

	setup(&d, true, 8);
	fd = guest_connects(&d, &lfd);
	/* The host stops sending: SHUTDOWN(SEND) reaches the guest, which can still send. */
	shutdown(fd, SHUT_WR);
	pump(&d);
	CHECK_INT(expect_pkt(&d, VIRTIO_VSOCK_OP_SHUTDOWN, &h), 0);
	CHECK_INT(h.flags, VIRTIO_VSOCK_SHUTDOWN_SEND);
	send_pkt(&d, hdr(VIRTIO_VSOCK_OP_RW, 5000, 1025, 4), "late", 4);
	CHECK_INT(host_read(fd, buf, sizeof(buf)), 4);
	/* The guest stops too: the host reads EOF; nothing can flow, so we say RCV as well. */
	h = hdr(VIRTIO_VSOCK_OP_SHUTDOWN, 5000, 1025, 0);
	h.flags = VIRTIO_VSOCK_SHUTDOWN_SEND;
	send_pkt(&d, h, NULL, 0);
	CHECK_INT(host_read(fd, buf, sizeof(buf)), 0);
	close(fd);
	pump(&d);
	CHECK_INT(expect_pkt(&d, VIRTIO_VSOCK_OP_SHUTDOWN, &h), 0);
	CHECK_INT(h.flags, VIRTIO_VSOCK_SHUTDOWN_RCV);
	/* The guest's RST ends it. */
	send_pkt(&d, hdr(VIRTIO_VSOCK_OP_RST, 5000, 1025, 0), NULL, 0);
	CHECK(vsock_conn_find(d.vs, 5000, 1025) == NULL);
	(void)len;
	close(lfd);
	teardown(&d);
}

static void test_host_connect(void)
{
	struct drv d;
	struct vsock_hdr h;
	char line[64] = {0};
	int fd;

	setup(&d, true, 8);
	fd = unix_connect(d.sock);
	CHECK_INT(write(fd, "CONNECT 1024\nearly", 18), 18);
	pump(&d);
	CHECK_INT(expect_pkt(&d, VIRTIO_VSOCK_OP_REQUEST, &h), 0);
	CHECK_INT(h.dst_port, 1024);
	CHECK_INT(h.src_port, HOST_PORT);
	/* Nothing flows before the guest accepts: "early" waits in the socket. */
	CHECK_INT(recv_pkt(&d, &h, NULL, &(uint32_t){0}), 0);
	send_pkt(&d, hdr(VIRTIO_VSOCK_OP_RESPONSE, 1024, HOST_PORT, 0), NULL, 0);
	CHECK_INT(host_read(fd, line, sizeof(line) - 1), 14);
	CHECK_STR(line, "OK 1073741824\n");
	CHECK_INT(expect_pkt(&d, VIRTIO_VSOCK_OP_RW, &h), 0);
	CHECK_INT(h.len, 5);
	/* The guest resets it: the client sees EOF. */
	send_pkt(&d, hdr(VIRTIO_VSOCK_OP_RST, 1024, HOST_PORT, 0), NULL, 0);
	CHECK_INT(host_read(fd, line, sizeof(line)), 0);
	close(fd);
	/* A guest that refuses: RST instead of RESPONSE, the client is closed without OK. */
	fd = unix_connect(d.sock);
	CHECK_INT(write(fd, "CONNECT 7\n", 10), 10);
	pump(&d);
	CHECK_INT(expect_pkt(&d, VIRTIO_VSOCK_OP_REQUEST, &h), 0);
	send_pkt(&d, hdr(VIRTIO_VSOCK_OP_RST, 7, h.src_port, 0), NULL, 0);
	CHECK_INT(host_read(fd, line, sizeof(line)), 0);
	close(fd);
	/* Anything but CONNECT as the first line is refused. */
	fd = unix_connect(d.sock);
	CHECK_INT(write(fd, "CONNECT x\n", 10), 10);
	pump(&d);
	CHECK_INT(host_read(fd, line, sizeof(line)), 0);
	close(fd);
	teardown(&d);
}

/* The guest advertises 100 bytes: it never gets more until it reports them consumed. */
static void test_flow_control_to_guest(void)
{
	struct drv d;
	struct vsock_hdr h, q = hdr(VIRTIO_VSOCK_OP_REQUEST, 5000, 1025, 0);
	uint8_t big[1000], buf[RX_BUF];
	uint32_t len, got = 0;
	int lfd, fd, n = 0;
	char path[128];

	setup(&d, true, 16);
	snprintf(path, sizeof(path), "%s_1025", d.sock);
	lfd = unix_listen(path);
	q.buf_alloc = 100;
	send_pkt(&d, q, NULL, 0);
	CHECK_INT(expect_pkt(&d, VIRTIO_VSOCK_OP_RESPONSE, NULL), 0);
	fd = accept(lfd, NULL, NULL);
	memset(big, 'a', sizeof(big));
	CHECK_INT(write(fd, big, sizeof(big)), 1000);
	pump(&d);
	while (recv_pkt(&d, &h, buf, &len)) {
		if (h.op == VIRTIO_VSOCK_OP_RW)
			got += len;
		else
			CHECK_INT(h.op, VIRTIO_VSOCK_OP_CREDIT_REQUEST);
		n++;
	}
	CHECK_INT(got, 100);
	/* The guest read 60 of them: 60 more may come. */
	q = hdr(VIRTIO_VSOCK_OP_CREDIT_UPDATE, 5000, 1025, 0);
	q.buf_alloc = 100;
	q.fwd_cnt = 60;
	send_pkt(&d, q, NULL, 0);
	got = 0;
	while (recv_pkt(&d, &h, buf, &len))
		got += h.op == VIRTIO_VSOCK_OP_RW ? len : 0;
	CHECK_INT(got, 60);
	close(fd);
	close(lfd);
	unlink(path);
	teardown(&d);
}

/* A guest that ignores our buf_alloc is reset, and only once it really overran the buffer. */
static void test_guest_overruns_credit(void)
{
	static uint8_t chunk[VSOCK_MAX_PAYLOAD];
	struct drv d;
	struct vsock_hdr h;
	uint64_t sent = 0;
	int lfd, fd, rst = 0;
	uint32_t len;

	setup(&d, true, 8);
	fd = guest_connects(&d, &lfd);
	/* The host never reads: the socket buffer fills, then our 256 KiB ring. */
	for (int i = 0; i < 64 && !rst; i++) {
		send_pkt(&d, hdr(VIRTIO_VSOCK_OP_RW, 5000, 1025, sizeof(chunk)), chunk,
			 sizeof(chunk));
		sent += sizeof(chunk);
		while (recv_pkt(&d, &h, NULL, &len))
			rst |= h.op == VIRTIO_VSOCK_OP_RST;
	}
	CHECK(rst);
	CHECK(sent > VSOCK_BUF_ALLOC);
	close(fd);
	close(lfd);
	teardown(&d);
}

static void test_malformed_and_broken_ring(void)
{
	struct drv d;
	struct vsock_hdr h;
	uint8_t junk[20] = {1, 2, 3};
	int lfd, fd;

	setup(&d, true, 8);
	fd = guest_connects(&d, &lfd);
	send_pkt_raw(&d, junk, sizeof(junk), NULL, 0); /* shorter than a header: dropped */
	CHECK_INT(recv_pkt(&d, &h, NULL, &(uint32_t){0}), 0);
	/* An RW claiming more payload than its chain carries: that connection is reset. */
	h = hdr(VIRTIO_VSOCK_OP_RW, 5000, 1025, 100);
	{
		struct virtio_vsock_hdr raw;

		vsock_hdr_encode(&h, &raw);
		send_pkt_raw(&d, &raw, sizeof(raw), "abc", 3);
	}
	CHECK_INT(expect_pkt(&d, VIRTIO_VSOCK_OP_RST, &h), 0);
	CHECK_INT(h.dst_port, 5000);
	CHECK(vsock_conn_find(d.vs, 5000, 1025) == NULL);
	CHECK_INT(host_read(fd, junk, sizeof(junk)), 0); /* the host end was closed */
	/* An avail index that jumps past the ring: DEVICE_NEEDS_RESET, nothing touched. */
	avail(&d, 1)->idx = (uint16_t)(d.tx_avail + QSIZE + 1);
	wr(&d.t, VIRTIO_MMIO_QUEUE_NOTIFY, 1);
	pump(&d);
	CHECK(rd(&d.t, VIRTIO_MMIO_STATUS) & VIRTIO_CONFIG_S_NEEDS_RESET);
	close(fd);
	close(lfd);
	teardown(&d);
}

/* A driver reset drops every connection: the host ends see EOF. */
static void test_reset_closes_everything(void)
{
	struct drv d;
	char buf[8];
	int lfd, fd;

	setup(&d, true, 8);
	fd = guest_connects(&d, &lfd);
	wr(&d.t, VIRTIO_MMIO_STATUS, 0);
	pump(&d);
	CHECK_INT(host_read(fd, buf, sizeof(buf)), 0);
	CHECK_INT(d.vs->nr_conns, 0);
	close(fd);
	close(lfd);
	teardown(&d);
}

/* Deadlines, forced: a guest that never answers a REQUEST, a client that never sends a line. */
static void test_timeouts(void)
{
	struct drv d;
	struct vsock_hdr h;
	char buf[8];
	int fd, idle;

	setup(&d, true, 8);
	fd = unix_connect(d.sock);
	CHECK_INT(write(fd, "CONNECT 1024\n", 13), 13);
	idle = unix_connect(d.sock);
	CHECK_INT(write(idle, "CONN", 4), 4); /* no newline, ever */
	pump(&d);
	CHECK_INT(expect_pkt(&d, VIRTIO_VSOCK_OP_REQUEST, &h), 0);
	CHECK(vsock_conn_next_deadline(d.vs) != 0);
	CHECK(vsock_mux_next_deadline(d.vs) != 0);
	vsock_conn_expire(d.vs, UINT64_MAX);
	vsock_mux_expire(d.vs, UINT64_MAX);
	pump(&d);
	CHECK_INT(host_read(fd, buf, sizeof(buf)), 0); /* closed without OK */
	/* Dropped: EOF, or ECONNRESET since "CONN" was never read. */
	CHECK(host_read(idle, buf, sizeof(buf)) >= -1 && host_read(idle, buf, sizeof(buf)) <= 0);
	CHECK_INT(expect_pkt(&d, VIRTIO_VSOCK_OP_RST, &h), 0); /* the guest forgets it too */
	CHECK_INT(h.dst_port, 1024);
	CHECK_INT(d.vs->nr_conns, 0);
	close(fd);
	close(idle);
	teardown(&d);
}

/* A socket file nobody listens on is replaced; a live one is not taken over. */
static void test_socket_path_in_use(void)
{
	struct drv d;
	struct err e;
	struct vmm_vsock *other;
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	int fd;

	setup(&d, true, 0);
	other = vmm_vsock_create(d.sock, &e);
	CHECK(other == NULL);
	CHECK(strstr(e.msg, "another process listens") != NULL);
	teardown(&d);
	/* A stale file: bound, never unlinked. */
	strcpy(sa.sun_path, d.sock);
	CHECK(mkdir(d.dir, 0700) == 0);
	fd = socket(AF_UNIX, SOCK_STREAM, 0);
	CHECK_INT(bind(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	close(fd);
	other = vmm_vsock_create(d.sock, &e);
	CHECK(other != NULL);
	if (other)
		vmm_virtio_vsock_ops.destroy(other);
	CHECK_INT(access(d.sock, F_OK), -1);
	rmdir(d.dir);
}

static void test_socket_file_removed(void)
{
	struct drv d;
	struct stat st;

	setup(&d, true, 0);
	CHECK_INT(lstat(d.sock, &st), 0);
	CHECK(S_ISSOCK(st.st_mode));
	teardown(&d);
	CHECK_INT(lstat(d.sock, &st), -1);
}

int main(void)
{
	RUN(test_parse_split_header);
	RUN(test_check_rejects);
	RUN(test_credit);
	RUN(test_config_and_identity);
	RUN(test_guest_connect_refused);
	RUN(test_guest_connect_data_both_ways);
	RUN(test_half_close);
	RUN(test_host_connect);
	RUN(test_flow_control_to_guest);
	RUN(test_guest_overruns_credit);
	RUN(test_malformed_and_broken_ring);
	RUN(test_reset_closes_everything);
	RUN(test_timeouts);
	RUN(test_socket_path_in_use);
	RUN(test_socket_file_removed);
	return unit_done();
}
