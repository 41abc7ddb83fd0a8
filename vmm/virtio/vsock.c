// SPDX-License-Identifier: Apache-2.0
/*
 * virtio-vsock device (virtio 1.2 §5.10): queues 0 rx (device -> driver), 1 tx (driver ->
 * device), 2 event; configuration space = the guest's CID (le64). All packet work happens on
 * the device's I/O thread; a queue notification from a vCPU only writes the wake eventfd.
 */
#include "vmm/virtio/vsock.h"
#include "vmm/virtio/mmio.h"
#include "vmm/virtio/virtio.h"
#include "log.h"
#include "util.h"

#include <endian.h>
#include <errno.h>
#include <sys/socket.h>
#include <fcntl.h>
#include <linux/virtio_config.h>
#include <linux/virtio_ids.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <unistd.h>

#define VSOCK_MAX_WARNINGS 16 /* guest-triggered warnings: rate limited */

void vsock_warn(struct vmm_vsock *vs, const char *fmt, ...)
{
	char msg[256];
	va_list ap;

	if (vs->warnings++ >= VSOCK_MAX_WARNINGS)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	log_warn("virtio-vsock: %s%s", msg,
		 vs->warnings == VSOCK_MAX_WARNINGS ? " (further warnings suppressed)" : "");
}

int vsock_watch_add(struct vmm_vsock *vs, int fd, struct vsock_watch *w, uint32_t events,
		    struct err *e)
{
	struct epoll_event ev = {.events = events, .data.ptr = w};

	if (epoll_ctl(vs->epoll_fd, EPOLL_CTL_ADD, fd, &ev) < 0)
		return err_sys(e, errno, "epoll_ctl");
	return 0;
}

void vsock_queue_rst(struct vmm_vsock *vs, uint32_t guest_port, uint32_t host_port)
{
	unsigned i;

	if (vs->rst_len == VSOCK_RST_RING)
		return; /* tx processing stops before this can happen */
	i = (vs->rst_head + vs->rst_len++) % VSOCK_RST_RING;
	vs->rst[i].guest_port = guest_port;
	vs->rst[i].host_port = host_port;
}

/* One guest packet from the tx queue. */
static void tx_packet(struct vmm_vsock *vs, const struct vq_elem *el)
{
	struct vsock_hdr h;
	struct err e;
	enum vsock_verdict v;

	vs->pkts_rx++;
	if (vsock_pkt_parse(el, &h, &e) < 0) {
		vsock_warn(vs, "dropped a packet: %s", e.msg);
		return;
	}
	v = vsock_pkt_check(&h, vs->guest_cid, el->out_len, &e);
	if (v == VSOCK_PKT_DROP) {
		if (h.op != VIRTIO_VSOCK_OP_RST)
			vsock_warn(vs, "dropped a %s packet: %s", vsock_op_name(h.op), e.msg);
		return;
	}
	if (v == VSOCK_PKT_RST) {
		struct vsock_conn *c = vsock_conn_find(vs, h.src_port, h.dst_port);

		vsock_warn(vs, "port %u -> %u: %s; resetting", h.src_port, h.dst_port, e.msg);
		if (c && h.dst_cid == VSOCK_HOST_CID) {
			vsock_conn_reset(c);
		} else {
			vsock_queue_rst(vs, h.src_port, h.dst_port);
		}
		return;
	}
	vsock_conn_packet(vs, vsock_conn_find(vs, h.src_port, h.dst_port), &h, el);
}

/* Drains the tx queue; -1 when the driver broke the ring. */
static int tx_process(struct vmm_vsock *vs, struct vmm_virtio_mmio *t, struct err *e)
{
	struct vq *q = &t->queues[VSOCK_QUEUE_TX];
	uint16_t old = q->used_idx;
	int r = 0;

	/*
	 * At most one ring's worth per call: a driver whose used ring overlays its available
	 * ring would otherwise keep us here for ever. Each packet may owe an RST: stop while
	 * the ring of them could overflow.
	 */
	for (unsigned n = 0; n < q->size && vs->rst_len < VSOCK_RST_RING; n++) {
		r = vq_pop(q, vs->el, e);
		if (r <= 0)
			break;
		tx_packet(vs, vs->el);
		vq_push(q, vs->el->head, 0);
	}
	vmm_virtio_mmio_used(t, VSOCK_QUEUE_TX, old);
	return r < 0 ? -1 : 0;
}

static uint32_t emit_rst(struct vmm_vsock *vs, const struct vq_elem *el)
{
	struct vsock_conn fake = {.guest_port = vs->rst[vs->rst_head].guest_port,
				  .host_port = vs->rst[vs->rst_head].host_port};

	vs->rst_head = (vs->rst_head + 1) % VSOCK_RST_RING;
	vs->rst_len--;
	vs->rsts_sent++;
	return vsock_emit_ctl(&fake, el, VIRTIO_VSOCK_OP_RST, 0);
}

static struct vsock_conn *next_with_work(struct vmm_vsock *vs)
{
	for (struct vsock_conn *c = vs->head; c; c = c->next)
		if (vsock_conn_has_work(c))
			return c;
	return NULL;
}

static bool rx_has_buffer(const struct vq *q)
{
	return q->ready &&
	       le16toh(__atomic_load_n(&q->avail->idx, __ATOMIC_ACQUIRE)) != q->last_avail;
}

/* Gives the chain vq_pop just returned back to the ring (nothing was written into it). */
static void rx_unpop(struct vq *q)
{
	q->last_avail--;
}

/* One packet into the rx queue: 1 sent, 0 nothing to send, -1 ring broken. */
static int rx_one(struct vmm_vsock *vs, struct vq *q, struct err *e)
{
	struct vsock_conn *c = NULL;
	int n, r;

	if (!vs->rst_len && !(c = next_with_work(vs)))
		return 0;
	r = vq_pop(q, vs->el, e);
	if (r <= 0)
		return r;
	if (vs->el->in_len < VSOCK_HDR_SIZE) {
		vsock_warn(vs, "rx buffer of %llu bytes is smaller than a header",
			   (unsigned long long)vs->el->in_len);
		vq_push(q, vs->el->head, 0);
		return 1;
	}
	if (!c) {
		vq_push(q, vs->el->head, emit_rst(vs, vs->el));
		return 1;
	}
	n = vsock_conn_emit(vs, c, vs->el);
	vsock_conn_rotate(vs, c);
	if (n <= 0) {
		rx_unpop(q); /* the host socket had nothing after all */
		return 1;    /* has_work changed: look again */
	}
	vs->pkts_tx++;
	vq_push(q, vs->el->head, (uint32_t)n);
	return 1;
}

static int rx_fill(struct vmm_vsock *vs, struct vmm_virtio_mmio *t, struct err *e)
{
	struct vq *q = &t->queues[VSOCK_QUEUE_RX];
	uint16_t old = q->used_idx;
	int r = 0;

	/* Bounded: each round either fills a buffer or clears a connection's readiness. */
	for (unsigned i = 0; i < 4u * q->size + VSOCK_RST_RING && rx_has_buffer(q); i++)
		if ((r = rx_one(vs, q, e)) <= 0)
			break;
	vmm_virtio_mmio_used(t, VSOCK_QUEUE_RX, old);
	return r < 0 ? -1 : 0;
}

/* Moves packets both ways until nothing more can move. Called with both locks held. */
static void pump(struct vmm_vsock *vs, struct vmm_virtio_mmio *t)
{
	struct err e;

	for (int round = 0; round < 64; round++) {
		uint64_t before = vs->pkts_rx + vs->pkts_tx;

		if (tx_process(vs, t, &e) < 0)
			goto broken;
		vsock_conn_flush_all(vs);
		if (rx_fill(vs, t, &e) < 0)
			goto broken;
		if (vs->pkts_rx + vs->pkts_tx == before)
			return;
	}
	return;
broken:
	vmm_virtio_mmio_needs_reset(t, &e);
}

static void on_wake(struct vmm_vsock *vs, struct vsock_watch *w, uint32_t events)
{
	uint64_t v;

	(void)vs;
	(void)w;
	(void)events;
	if (read(vs->wake_fd, &v, sizeof(v)) < 0 && errno != EAGAIN)
		log_warn("virtio-vsock: eventfd read: %s", strerror(errno));
}

static void wake(struct vmm_vsock *vs)
{
	uint64_t one = 1;

	if (write(vs->wake_fd, &one, sizeof(one)) < 0 && errno != EAGAIN)
		log_warn("virtio-vsock: eventfd write: %s", strerror(errno));
}

int vmm_vsock_connect_local(struct vmm_vsock *vs, uint32_t port, struct err *e)
{
	int sv[2], rc;

	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0)
		return err_sys(e, errno, "vsock: socketpair");
	/* the device's end is non-blocking, as every accepted client's is */
	if (fcntl(sv[1], F_SETFL, O_NONBLOCK) < 0) {
		err_sys(e, errno, "vsock: non-blocking socket");
		close(sv[0]);
		close(sv[1]);
		return -1;
	}
	pthread_mutex_lock(&vs->lock);
	rc = vsock_conn_connect_guest(vs, sv[1], port, e); /* takes sv[1] */
	pthread_mutex_unlock(&vs->lock);
	if (rc < 0) {
		close(sv[0]);
		return -1;
	}
	wake(vs);
	return sv[0];
}

static int next_timeout_ms(const struct vmm_vsock *vs, int max_ms)
{
	uint64_t d = vsock_conn_next_deadline(vs), m = vsock_mux_next_deadline(vs), now;
	int64_t ms;

	if (!d || (m && m < d))
		d = m;
	if (!d)
		return max_ms;
	now = util_now_ns();
	ms = d <= now ? 0 : (int64_t)((d - now) / 1000000 + 1);
	return max_ms >= 0 && max_ms < ms ? max_ms : (int)ms;
}

int vmm_vsock_poll(struct vmm_vsock *vs, int timeout_ms)
{
	struct epoll_event evs[32];
	struct vmm_virtio_mmio *t;
	int n;

	pthread_mutex_lock(&vs->lock);
	timeout_ms = next_timeout_ms(vs, timeout_ms);
	pthread_mutex_unlock(&vs->lock);
	n = epoll_wait(vs->epoll_fd, evs, 32, timeout_ms);
	if (n < 0 && errno != EINTR)
		return -1;
	t = __atomic_load_n(&vs->t, __ATOMIC_ACQUIRE);
	if (t)
		pthread_mutex_lock(&t->lock);
	pthread_mutex_lock(&vs->lock);
	for (int i = 0; i < n; i++) {
		struct vsock_watch *w = evs[i].data.ptr;

		w->fn(vs, w, evs[i].events);
	}
	vsock_conn_expire(vs, util_now_ns());
	vsock_mux_expire(vs, util_now_ns());
	if (t && vs->active && !(t->status & VIRTIO_CONFIG_S_NEEDS_RESET))
		pump(vs, t);
	vsock_conn_reap(vs);
	pthread_mutex_unlock(&vs->lock);
	if (t)
		pthread_mutex_unlock(&t->lock);
	return n;
}

static void *io_thread(void *arg)
{
	struct vmm_vsock *vs = arg;

	while (!__atomic_load_n(&vs->stop, __ATOMIC_ACQUIRE))
		if (vmm_vsock_poll(vs, -1) < 0) {
			log_error("virtio-vsock: epoll_wait: %s", strerror(errno));
			break;
		}
	return NULL;
}

int vmm_vsock_start(struct vmm_vsock *vs, struct err *e)
{
	int r = pthread_create(&vs->thread, NULL, io_thread, vs);

	if (r)
		return err_sys(e, r, "virtio-vsock: pthread_create");
	vs->thread_started = true;
	return 0;
}

void vmm_vsock_stop(struct vmm_vsock *vs)
{
	if (!vs->thread_started)
		return;
	__atomic_store_n(&vs->stop, true, __ATOMIC_RELEASE);
	wake(vs);
	pthread_join(vs->thread, NULL);
	vs->thread_started = false;
}

static void vsock_destroy(void *dev)
{
	struct vmm_vsock *vs = dev;

	vmm_vsock_stop(vs);
	vsock_conn_close_all(vs);
	vsock_conn_reap(vs);
	vsock_mux_destroy(vs->mux);
	if (vs->epoll_fd >= 0)
		close(vs->epoll_fd);
	if (vs->wake_fd >= 0)
		close(vs->wake_fd);
	pthread_mutex_destroy(&vs->lock);
	free(vs->el);
	free(vs->uds_path);
	free(vs);
}

static int vsock_init(struct vmm_vsock *vs, const char *uds_path, struct err *e)
{
	vs->epoll_fd = epoll_create1(EPOLL_CLOEXEC);
	if (vs->epoll_fd < 0)
		return err_sys(e, errno, "virtio-vsock: epoll_create1");
	vs->wake_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (vs->wake_fd < 0)
		return err_sys(e, errno, "virtio-vsock: eventfd");
	vs->wake_watch.fn = on_wake;
	if (vsock_watch_add(vs, vs->wake_fd, &vs->wake_watch, EPOLLIN, e) < 0)
		return -1;
	vs->el = malloc(sizeof(*vs->el));
	if (!vs->el)
		return err_sys(e, ENOMEM, "virtio-vsock");
	if (uds_path && !(vs->uds_path = strdup(uds_path)))
		return err_sys(e, ENOMEM, "virtio-vsock");
	return uds_path ? vsock_mux_create(vs, uds_path, e) : 0;
}

struct vmm_vsock *vmm_vsock_create(const char *uds_path, struct err *e)
{
	struct vmm_vsock *vs = calloc(1, sizeof(*vs));

	if (!vs) {
		err_sys(e, ENOMEM, "virtio-vsock");
		return NULL;
	}
	pthread_mutex_init(&vs->lock, NULL);
	vs->epoll_fd = vs->wake_fd = -1;
	vs->guest_cid = VSOCK_GUEST_CID;
	vs->next_host_port = 1U << 30; /* host-initiated local ports: far from the guest's */
	if (vsock_init(vs, uds_path, e) < 0) {
		vsock_destroy(vs);
		return NULL;
	}
	return vs;
}

int vmm_vsock_listen(struct vmm_vsock *vs, struct err *e)
{
	int r = 0;

	pthread_mutex_lock(&vs->lock);
	if (vs->mux)
		r = vsock_mux_start(vs->mux, e);
	pthread_mutex_unlock(&vs->lock);
	return r;
}

void vmm_vsock_set_control(struct vmm_vsock *vs, int (*fn)(void *ctx, const char *line, int fd),
			   void *ctx)
{
	pthread_mutex_lock(&vs->lock);
	vs->control = fn;
	vs->control_ctx = ctx;
	pthread_mutex_unlock(&vs->lock);
}

static void vsock_config_read(void *dev, uint32_t off, uint8_t *data, uint32_t len)
{
	struct vmm_vsock *vs = dev;
	uint64_t cid = htole64(vs->guest_cid); /* §5.10.4: le64 guest_cid */
	uint8_t cfg[8];

	memcpy(cfg, &cid, sizeof(cfg));
	memcpy(data, cfg + off, len); /* off + len <= config_size, checked by the transport */
}

/* Called with t->lock held (from a vCPU, or from a snapshot restore). */
static int vsock_activate(void *dev, struct vmm_virtio_mmio *t, struct err *e)
{
	struct vmm_vsock *vs = dev;

	(void)e;
	pthread_mutex_lock(&vs->lock);
	__atomic_store_n(&vs->t, t, __ATOMIC_RELEASE);
	vs->active = true;
	pthread_mutex_unlock(&vs->lock);
	wake(vs);
	return 0;
}

static int vsock_queue_notify(void *dev, struct vmm_virtio_mmio *t, unsigned q, struct err *e)
{
	(void)t;
	(void)q;
	(void)e;
	wake(dev); /* rx: new buffers; tx: new packets; event: buffers we keep for later */
	return 0;
}

/* The driver reset the device: every connection is gone for it (§5.10.6.6). */
static void vsock_reset(void *dev)
{
	struct vmm_vsock *vs = dev;

	pthread_mutex_lock(&vs->lock);
	vs->active = false;
	vsock_conn_close_all(vs);
	vs->rst_head = vs->rst_len = 0;
	pthread_mutex_unlock(&vs->lock);
}

const struct vmm_virtio_dev_ops vmm_virtio_vsock_ops = {
	.name = "vsock",
	.device_id = VIRTIO_ID_VSOCK,
	.nr_queues = 3,
	.queue_max_size = 256,
	.features = 0, /* streams only: no VIRTIO_VSOCK_F_SEQPACKET */
	.config_size = 8,
	.config_read = vsock_config_read,
	.activate = vsock_activate,
	.queue_notify = vsock_queue_notify,
	.reset = vsock_reset,
	.destroy = vsock_destroy,
};
