// SPDX-License-Identifier: Apache-2.0
/*
 * vsock stream connections (virtio 1.2 §5.10.6.4-§5.10.6.6) between a guest port and the host
 * end of a Unix stream socket. Flow control both ways (§5.10.6.3): the guest never gets more
 * bytes than its buf_alloc - (tx_cnt - fwd_cnt) allows, and we advertise VSOCK_BUF_ALLOC, the
 * size of the ring we really keep for bytes the host socket could not take yet.
 */
#include "vmm/virtio/vsock.h"
#include "log.h"
#include "util.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <sys/un.h>
#include <unistd.h>

static unsigned hash(uint32_t guest_port, uint32_t host_port)
{
	return (guest_port * 2654435761u ^ host_port) % VSOCK_HASH;
}

struct vsock_conn *vsock_conn_find(struct vmm_vsock *vs, uint32_t guest_port, uint32_t host_port)
{
	struct vsock_conn *c = vs->hash[hash(guest_port, host_port)];

	while (c && (c->guest_port != guest_port || c->host_port != host_port))
		c = c->hnext;
	return c;
}

static void list_unlink(struct vmm_vsock *vs, struct vsock_conn *c)
{
	if (c->prev)
		c->prev->next = c->next;
	else
		vs->head = c->next;
	if (c->next)
		c->next->prev = c->prev;
	else
		vs->tail = c->prev;
	c->prev = c->next = NULL;
}

static void list_append(struct vmm_vsock *vs, struct vsock_conn *c)
{
	c->prev = vs->tail;
	c->next = NULL;
	if (vs->tail)
		vs->tail->next = c;
	else
		vs->head = c;
	vs->tail = c;
}

void vsock_conn_rotate(struct vmm_vsock *vs, struct vsock_conn *c)
{
	if (c->state == VSOCK_DEAD || vs->tail == c)
		return;
	list_unlink(vs, c);
	list_append(vs, c);
}

static void close_host(struct vsock_conn *c)
{
	if (c->fd >= 0)
		close(c->fd);
	c->fd = -1;
	c->host_dead = c->host_eof = true;
	c->readable = c->writable = false;
	c->buf_len = 0;
}

void vsock_conn_reset(struct vsock_conn *c)
{
	close_host(c);
	c->pending |= VSOCK_P_RST;
}

/* Forgets `c` now; its memory goes at the end of the poll round (events may still name it). */
static void kill_conn(struct vmm_vsock *vs, struct vsock_conn *c)
{
	struct vsock_conn **p = &vs->hash[hash(c->guest_port, c->host_port)];

	if (c->state == VSOCK_DEAD)
		return;
	while (*p && *p != c)
		p = &(*p)->hnext;
	if (*p)
		*p = c->hnext;
	list_unlink(vs, c);
	close_host(c);
	c->state = VSOCK_DEAD;
	c->hnext = vs->dead;
	vs->dead = c;
	vs->nr_conns--;
	log_debug("virtio-vsock: connection guest %u <-> host %u closed", c->guest_port,
		  c->host_port);
}

void vsock_conn_reap(struct vmm_vsock *vs)
{
	while (vs->dead) {
		struct vsock_conn *c = vs->dead;

		vs->dead = c->hnext;
		free(c->buf);
		free(c);
	}
}

void vsock_conn_close_all(struct vmm_vsock *vs)
{
	while (vs->head)
		kill_conn(vs, vs->head);
}

/* Decides what the connection owes the guest after any change of its state. */
static void progress(struct vsock_conn *c)
{
	uint32_t owe = 0, news;

	if (c->state != VSOCK_ESTABLISHED && c->state != VSOCK_CLOSING)
		return;
	if (c->host_dead)
		c->buf_len = 0; /* nobody to deliver it to */
	if ((c->guest_shutdown & VIRTIO_VSOCK_SHUTDOWN_SEND) && !c->buf_len && !c->shut_wr &&
	    c->fd >= 0) {
		shutdown(c->fd, SHUT_WR); /* the host client reads EOF */
		c->shut_wr = true;
	}
	/* The guest closed its socket: it waits for our RST once its data is delivered. */
	if (c->guest_shutdown == VSOCK_SHUTDOWN_BOTH && !c->buf_len) {
		c->pending |= VSOCK_P_RST;
		return;
	}
	if (c->host_eof)
		owe |= VIRTIO_VSOCK_SHUTDOWN_SEND;
	if (c->host_dead)
		owe |= VIRTIO_VSOCK_SHUTDOWN_RCV;
	news = owe & ~(c->shutdown_sent | c->shutdown_owed);
	if (news) {
		c->shutdown_owed |= news;
		c->pending |= VSOCK_P_SHUTDOWN;
	}
}

static void on_conn_event(struct vmm_vsock *vs, struct vsock_watch *w, uint32_t events)
{
	struct vsock_conn *c = (struct vsock_conn *)w;

	(void)vs;
	if (c->state == VSOCK_DEAD)
		return;
	if (events & (EPOLLIN | EPOLLRDHUP | EPOLLHUP | EPOLLERR))
		c->readable = true; /* a read tells data from EOF from an error */
	if (events & EPOLLOUT)
		c->writable = true;
	if (events & (EPOLLHUP | EPOLLERR))
		c->host_dead = true;
	progress(c);
}

static struct vsock_conn *conn_new(struct vmm_vsock *vs, int fd, uint32_t guest_port,
				   uint32_t host_port, struct err *e)
{
	struct vsock_conn *c;
	unsigned h = hash(guest_port, host_port);

	if (vs->nr_conns >= VSOCK_MAX_CONNS) {
		err_set(e, EMFILE, "%u vsock connections already", vs->nr_conns);
		return NULL;
	}
	c = calloc(1, sizeof(*c));
	if (!c) {
		err_sys(e, ENOMEM, "vsock connection");
		return NULL;
	}
	c->watch.fn = on_conn_event;
	c->fd = fd;
	c->guest_port = guest_port;
	c->host_port = host_port;
	c->writable = true; /* until a write says otherwise */
	if (vsock_watch_add(vs, fd, &c->watch, EPOLLIN | EPOLLOUT | EPOLLRDHUP | EPOLLET, e) < 0) {
		free(c);
		return NULL;
	}
	c->hnext = vs->hash[h];
	vs->hash[h] = c;
	list_append(vs, c);
	vs->nr_conns++;
	return c;
}

int vsock_conn_connect_guest(struct vmm_vsock *vs, int fd, uint32_t port, struct err *e)
{
	struct vsock_conn *c;
	uint32_t host_port;

	/* Local ports from 2^30 up, skipping pairs in use (at most nr_conns of them). */
	do {
		host_port = vs->next_host_port++;
		if (vs->next_host_port == UINT32_MAX)
			vs->next_host_port = 1U << 30;
	} while (vsock_conn_find(vs, port, host_port));
	c = conn_new(vs, fd, port, host_port, e);
	if (!c) {
		close(fd);
		return -1;
	}
	c->host_initiated = true;
	c->state = VSOCK_CONNECTING;
	c->pending = VSOCK_P_REQUEST;
	log_debug("virtio-vsock: host client -> guest port %u (local port %u)", port, host_port);
	return 0;
}

/* The guest connects to host port P: the Unix socket "<uds_path>_P", if one listens. */
static void guest_connect(struct vmm_vsock *vs, const struct vsock_hdr *h)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	struct vsock_conn *c;
	struct err e;
	int fd = -1, n;

	if (!vs->uds_path)
		goto refuse;
	n = snprintf(sa.sun_path, sizeof(sa.sun_path), "%s_%u", vs->uds_path, h->dst_port);
	if (n < 0 || (size_t)n >= sizeof(sa.sun_path))
		goto refuse;
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	/* Unix connect() completes at once or fails (EAGAIN: backlog full): no waiting. */
	if (fd < 0 || connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0)
		goto refuse;
	c = conn_new(vs, fd, h->src_port, h->dst_port, &e);
	if (!c) {
		vsock_warn(vs, "guest connection to port %u refused: %s", h->dst_port, e.msg);
		goto refuse;
	}
	c->state = VSOCK_ESTABLISHED;
	c->pending = VSOCK_P_RESPONSE;
	c->peer_buf_alloc = h->buf_alloc;
	c->peer_fwd_cnt = h->fwd_cnt;
	log_debug("virtio-vsock: guest port %u -> host port %u accepted", h->src_port, h->dst_port);
	return;
refuse:
	if (fd >= 0)
		close(fd);
	log_debug("virtio-vsock: guest port %u -> host port %u: nobody listens", h->src_port,
		  h->dst_port);
	vsock_queue_rst(vs, h->src_port, h->dst_port);
}

/* RW from the guest: into the ring; it is written to the host socket by flush. */
static void guest_data(struct vmm_vsock *vs, struct vsock_conn *c, const struct vsock_hdr *h,
		       const struct vq_elem *el)
{
	uint32_t done = 0;

	if (c->state != VSOCK_ESTABLISHED || (c->guest_shutdown & VIRTIO_VSOCK_SHUTDOWN_SEND)) {
		if (c->state != VSOCK_CLOSING) /* in CLOSING we said we receive no more */
			c->pending |= VSOCK_P_RST;
		return;
	}
	/* §5.10.6.3: the guest may only send what our last advertisement left room for. */
	if (h->len > VSOCK_BUF_ALLOC - c->buf_len) {
		vsock_warn(vs, "guest port %u sent %u bytes with room for %u; resetting",
			   c->guest_port, h->len, VSOCK_BUF_ALLOC - c->buf_len);
		c->pending |= VSOCK_P_RST;
		return;
	}
	c->rx_cnt += h->len;
	if (c->host_dead) {
		c->fwd_cnt +=
			h->len; /* dropped: the host end is gone, SHUTDOWN(RCV) is on its way */
		return;
	}
	if (!c->buf && !(c->buf = malloc(VSOCK_BUF_ALLOC))) {
		vsock_warn(vs, "out of memory for a connection buffer; resetting");
		c->pending |= VSOCK_P_RST;
		return;
	}
	while (done < h->len) {
		uint32_t tail = (c->buf_head + c->buf_len) % VSOCK_BUF_ALLOC;
		uint32_t n = VSOCK_BUF_ALLOC - tail;

		if (n > h->len - done)
			n = h->len - done;
		vsock_elem_read(el, VSOCK_HDR_SIZE + done, c->buf + tail, n);
		c->buf_len += n;
		done += n;
	}
}

static void guest_response(struct vmm_vsock *vs, struct vsock_conn *c)
{
	if (c->state != VSOCK_CONNECTING) {
		c->pending |= VSOCK_P_RST;
		return;
	}
	c->state = VSOCK_ESTABLISHED;
	c->deadline_ns = 0;
	if (vsock_mux_connected(c->fd, c->host_port) < 0) {
		c->host_dead = true;
		progress(c);
	}
	log_debug("virtio-vsock: guest port %u accepted host port %u", c->guest_port, c->host_port);
	(void)vs;
}

void vsock_conn_packet(struct vmm_vsock *vs, struct vsock_conn *c, const struct vsock_hdr *h,
		       const struct vq_elem *el)
{
	if (!c) {
		if (h->op == VIRTIO_VSOCK_OP_REQUEST)
			guest_connect(vs, h);
		else if (h->op != VIRTIO_VSOCK_OP_RST)
			vsock_queue_rst(vs, h->src_port, h->dst_port);
		return;
	}
	/* Every packet carries the sender's credit (§5.10.6.3). */
	if (h->fwd_cnt != c->peer_fwd_cnt || h->buf_alloc != c->peer_buf_alloc)
		c->credit_requested = false;
	c->peer_buf_alloc = h->buf_alloc;
	c->peer_fwd_cnt = h->fwd_cnt;
	switch (h->op) {
	case VIRTIO_VSOCK_OP_RST:
		kill_conn(vs, c);
		return;
	case VIRTIO_VSOCK_OP_RESPONSE:
		guest_response(vs, c);
		break;
	case VIRTIO_VSOCK_OP_SHUTDOWN:
		c->guest_shutdown |= h->flags;
		break;
	case VIRTIO_VSOCK_OP_RW:
		guest_data(vs, c, h, el);
		break;
	case VIRTIO_VSOCK_OP_CREDIT_REQUEST:
		c->pending |= VSOCK_P_CREDIT_UPDATE;
		break;
	case VIRTIO_VSOCK_OP_CREDIT_UPDATE:
		break;
	default: /* a REQUEST for a pair already connected */
		c->pending |= VSOCK_P_RST;
		break;
	}
	progress(c);
}

static void flush(struct vmm_vsock *vs, struct vsock_conn *c)
{
	while (c->buf_len && c->writable && !c->host_dead) {
		uint32_t n = VSOCK_BUF_ALLOC - c->buf_head;
		ssize_t w;

		if (n > c->buf_len)
			n = c->buf_len;
		w = send(c->fd, c->buf + c->buf_head, n, MSG_NOSIGNAL | MSG_DONTWAIT);
		if (w < 0) {
			if (errno == EAGAIN || errno == EWOULDBLOCK)
				c->writable = false;
			else if (errno != EINTR)
				c->host_dead = true;
			break;
		}
		c->buf_head = (c->buf_head + (uint32_t)w) % VSOCK_BUF_ALLOC;
		c->buf_len -= (uint32_t)w;
		c->fwd_cnt += (uint32_t)w;
		vs->bytes_to_host += (uint64_t)w;
	}
	/* Tell the guest about freed room before it runs short (it may be waiting for it). */
	if (c->fwd_cnt != c->fwd_cnt_sent &&
	    VSOCK_BUF_ALLOC - (c->rx_cnt - c->fwd_cnt_sent) < VSOCK_BUF_ALLOC / 2)
		c->pending |= VSOCK_P_CREDIT_UPDATE;
	progress(c);
}

void vsock_conn_flush_all(struct vmm_vsock *vs)
{
	for (struct vsock_conn *c = vs->head; c; c = c->next)
		if (c->buf_len || c->fwd_cnt != c->fwd_cnt_sent)
			flush(vs, c);
}

static bool can_send_data(const struct vsock_conn *c)
{
	return c->state == VSOCK_ESTABLISHED && c->readable && !c->host_eof &&
	       !(c->guest_shutdown & VIRTIO_VSOCK_SHUTDOWN_RCV) &&
	       vsock_peer_credit(c->peer_buf_alloc, c->peer_fwd_cnt, c->tx_cnt) > 0;
}

bool vsock_conn_has_work(const struct vsock_conn *c)
{
	return c->state != VSOCK_DEAD && (c->pending || can_send_data(c));
}

static void fill_hdr(const struct vsock_conn *c, struct vsock_hdr *h, uint16_t op, uint32_t flags,
		     uint32_t len)
{
	*h = (struct vsock_hdr){.src_cid = VSOCK_HOST_CID,
				.dst_cid = VSOCK_GUEST_CID,
				.src_port = c->host_port,
				.dst_port = c->guest_port,
				.len = len,
				.type = VIRTIO_VSOCK_TYPE_STREAM,
				.op = op,
				.flags = flags,
				.buf_alloc = VSOCK_BUF_ALLOC,
				.fwd_cnt = c->fwd_cnt};
}

uint32_t vsock_emit_ctl(struct vsock_conn *c, const struct vq_elem *el, uint16_t op, uint32_t flags)
{
	struct virtio_vsock_hdr raw;
	struct vsock_hdr h;

	fill_hdr(c, &h, op, flags, 0);
	vsock_hdr_encode(&h, &raw);
	vq_elem_write(el, &raw, VSOCK_HDR_SIZE);
	c->fwd_cnt_sent = c->fwd_cnt;
	c->pending &= ~VSOCK_P_CREDIT_UPDATE; /* every header carries fwd_cnt */
	return VSOCK_HDR_SIZE;
}

/* Reads host bytes straight into the guest's rx buffers, after the header. */
static int emit_data(struct vmm_vsock *vs, struct vsock_conn *c, const struct vq_elem *el)
{
	uint32_t credit = vsock_peer_credit(c->peer_buf_alloc, c->peer_fwd_cnt, c->tx_cnt);
	uint64_t want = el->in_len - VSOCK_HDR_SIZE, skip = VSOCK_HDR_SIZE, left;
	struct iovec iov[VQ_MAX_BUFS];
	struct virtio_vsock_hdr raw;
	struct vsock_hdr h;
	unsigned n = 0;
	ssize_t r;

	if (want > credit)
		want = credit;
	if (want > VSOCK_MAX_PAYLOAD)
		want = VSOCK_MAX_PAYLOAD;
	left = want;
	for (unsigned i = el->nr_out; i < el->nr && left; i++) {
		uint64_t len = el->bufs[i].len;

		if (skip >= len) {
			skip -= len;
			continue;
		}
		len -= skip;
		if (len > left)
			len = left;
		iov[n++] = (struct iovec){.iov_base = el->bufs[i].hva + skip, .iov_len = len};
		left -= len;
		skip = 0;
	}
	if (!n)
		return 0;
	r = readv(c->fd, iov, (int)n);
	if (r < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)) {
		c->readable = false;
		return -1;
	}
	if (r <= 0) { /* EOF, or an error that ends the host side */
		c->readable = false;
		c->host_eof = true;
		if (r < 0)
			c->host_dead = true;
		progress(c);
		return -1;
	}
	fill_hdr(c, &h, VIRTIO_VSOCK_OP_RW, 0, (uint32_t)r);
	vsock_hdr_encode(&h, &raw);
	vq_elem_write(el, &raw, VSOCK_HDR_SIZE);
	c->fwd_cnt_sent = c->fwd_cnt;
	c->pending &= ~VSOCK_P_CREDIT_UPDATE;
	c->tx_cnt += (uint32_t)r;
	vs->bytes_to_guest += (uint64_t)r;
	/* Out of credit with more to send: ask once (§5.10.6.3 CREDIT_REQUEST). */
	if (!vsock_peer_credit(c->peer_buf_alloc, c->peer_fwd_cnt, c->tx_cnt) &&
	    !c->credit_requested) {
		c->credit_requested = true;
		c->pending |= VSOCK_P_CREDIT_REQUEST;
	}
	return (int)(VSOCK_HDR_SIZE + r);
}

static uint32_t emit_shutdown(struct vsock_conn *c, const struct vq_elem *el)
{
	uint32_t flags = c->shutdown_owed;

	c->shutdown_sent |= flags;
	c->shutdown_owed = 0;
	c->pending &= ~VSOCK_P_SHUTDOWN;
	if (c->shutdown_sent == VSOCK_SHUTDOWN_BOTH && c->state == VSOCK_ESTABLISHED) {
		c->state = VSOCK_CLOSING; /* §5.10.6.6: the guest answers with RST */
		c->deadline_ns = util_now_ns() + VSOCK_CLOSE_TIMEOUT_NS;
	}
	return vsock_emit_ctl(c, el, VIRTIO_VSOCK_OP_SHUTDOWN, flags);
}

int vsock_conn_emit(struct vmm_vsock *vs, struct vsock_conn *c, const struct vq_elem *el)
{
	uint32_t n;

	if (c->pending & VSOCK_P_RST) {
		n = vsock_emit_ctl(c, el, VIRTIO_VSOCK_OP_RST, 0);
		vs->rsts_sent++;
		kill_conn(vs, c);
		return (int)n;
	}
	if (c->pending & VSOCK_P_REQUEST) {
		c->pending &= ~VSOCK_P_REQUEST;
		c->deadline_ns = util_now_ns() + VSOCK_CONNECT_TIMEOUT_NS;
		return (int)vsock_emit_ctl(c, el, VIRTIO_VSOCK_OP_REQUEST, 0);
	}
	if (c->pending & VSOCK_P_RESPONSE) {
		c->pending &= ~VSOCK_P_RESPONSE;
		return (int)vsock_emit_ctl(c, el, VIRTIO_VSOCK_OP_RESPONSE, 0);
	}
	if (can_send_data(c))
		return emit_data(vs, c, el);
	if (c->pending & VSOCK_P_CREDIT_REQUEST) {
		c->pending &= ~VSOCK_P_CREDIT_REQUEST;
		return (int)vsock_emit_ctl(c, el, VIRTIO_VSOCK_OP_CREDIT_REQUEST, 0);
	}
	if (c->pending & VSOCK_P_CREDIT_UPDATE)
		return (int)vsock_emit_ctl(c, el, VIRTIO_VSOCK_OP_CREDIT_UPDATE, 0);
	if (c->pending & VSOCK_P_SHUTDOWN)
		return (int)emit_shutdown(c, el);
	return 0;
}

void vsock_conn_expire(struct vmm_vsock *vs, uint64_t now)
{
	struct vsock_conn *c, *next;

	for (c = vs->head; c; c = next) {
		next = c->next;
		if (!c->deadline_ns || c->deadline_ns > now)
			continue;
		c->deadline_ns = 0;
		if (c->state == VSOCK_CONNECTING)
			log_debug("virtio-vsock: guest port %u did not answer; closing the client",
				  c->guest_port);
		close_host(c); /* a client waiting for OK sees EOF instead */
		if (vs->active)
			c->pending |= VSOCK_P_RST; /* the guest forgets it too */
		else
			kill_conn(vs, c);
	}
}

uint64_t vsock_conn_next_deadline(const struct vmm_vsock *vs)
{
	uint64_t d = 0;

	for (const struct vsock_conn *c = vs->head; c; c = c->next)
		if (c->deadline_ns && (!d || c->deadline_ns < d))
			d = c->deadline_ns;
	return d;
}
