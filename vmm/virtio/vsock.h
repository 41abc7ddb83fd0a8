/* SPDX-License-Identifier: Apache-2.0 */
/*
 * virtio-vsock (virtio 1.2 §5.10), device side, stream sockets only. The guest is CID 3, the
 * host (this VMM) CID 2. One I/O thread per device runs an epoll loop over the host ends of
 * every connection (Unix stream sockets) and the device's queues; the vCPU threads only wake
 * it through an eventfd when the driver notifies a queue.
 *
 *   vsock_pkt.c   header parsing and validation, credit arithmetic (pure; unit tested, fuzzed)
 *   vsock.c       the device: ops, the I/O thread, tx queue (guest -> host), rx queue filling
 *   vsock_conn.c  connections: table, state machine, host socket I/O
 *   ../vsock_mux.c  the Unix socket host processes connect to (`CONNECT <port>\n`; other
 *                   request lines go to the VMM's control hook, ../control.c)
 *
 * Locking: the transport calls the device ops with t->lock held; the I/O thread takes
 * t->lock (once the driver activated the device) and then vs->lock. Everything below is
 * touched only with vs->lock held.
 */
#ifndef VMM_VIRTIO_VSOCK_H
#define VMM_VIRTIO_VSOCK_H

#include <linux/virtio_vsock.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include "error.h"
#include "vmm/virtio/queue.h"

#define VSOCK_HOST_CID	2 /* VMADDR_CID_HOST */
#define VSOCK_GUEST_CID 3 /* every guest: the first CID that is not reserved */

#define VSOCK_HDR_SIZE		 ((uint32_t)sizeof(struct virtio_vsock_hdr)) /* 44 */
#define VSOCK_MAX_PAYLOAD	 (64u * 1024)  /* Linux's VIRTIO_VSOCK_MAX_PKT_BUF_SIZE */
#define VSOCK_BUF_ALLOC		 (256u * 1024) /* guest -> host bytes buffered per connection */
#define VSOCK_MAX_CONNS		 1024
#define VSOCK_RST_RING		 256 /* RSTs for packets that belong to no connection */
#define VSOCK_HASH		 256
#define VSOCK_CONNECT_TIMEOUT_NS (5ULL * 1000000000) /* REQUEST delivered -> RESPONSE */
#define VSOCK_CLOSE_TIMEOUT_NS	 (2ULL * 1000000000) /* SHUTDOWN(both) sent -> guest's RST */

#define VSOCK_QUEUE_RX	  0
#define VSOCK_QUEUE_TX	  1
#define VSOCK_QUEUE_EVENT 2

#define VSOCK_SHUTDOWN_BOTH (VIRTIO_VSOCK_SHUTDOWN_RCV | VIRTIO_VSOCK_SHUTDOWN_SEND)

struct vmm_vsock;
struct vmm_virtio_mmio;
struct vsock_mux;

/* What a guest packet's header means for us (vsock_pkt_check). */
enum vsock_verdict {
	VSOCK_PKT_OK,
	VSOCK_PKT_DROP, /* not addressed from our guest to us: nobody to answer */
	VSOCK_PKT_RST,	/* malformed but addressed: the guest's socket gets an RST */
};

/* A header in host byte order. */
struct vsock_hdr {
	uint64_t src_cid, dst_cid;
	uint32_t src_port, dst_port;
	uint32_t len;
	uint16_t type, op;
	uint32_t flags, buf_alloc, fwd_cnt;
};

/* vsock_pkt.c */
int vsock_pkt_parse(const struct vq_elem *el, struct vsock_hdr *h, struct err *e);
enum vsock_verdict vsock_pkt_check(const struct vsock_hdr *h, uint64_t guest_cid,
				   uint64_t chain_len, struct err *e);
void vsock_hdr_encode(const struct vsock_hdr *h, struct virtio_vsock_hdr *out);
/* Copies `len` bytes starting `off` bytes into the readable part of `el`; returns the count. */
uint32_t vsock_elem_read(const struct vq_elem *el, uint64_t off, void *dst, uint32_t len);
/* §5.10.6.3: what the peer can still take: buf_alloc - (tx_cnt - fwd_cnt), never negative. */
uint32_t vsock_peer_credit(uint32_t peer_buf_alloc, uint32_t peer_fwd_cnt, uint32_t tx_cnt);
const char *vsock_op_name(uint16_t op);

/* An fd in the device's epoll set; `fn` runs on the I/O thread with vs->lock held. */
struct vsock_watch {
	void (*fn)(struct vmm_vsock *vs, struct vsock_watch *w, uint32_t events);
};

enum vsock_state {
	VSOCK_CONNECTING,  /* host-initiated: REQUEST pending or sent, waiting for RESPONSE */
	VSOCK_ESTABLISHED, /* RESPONSE exchanged */
	VSOCK_CLOSING,	   /* we sent SHUTDOWN(both) and wait for the guest's RST */
	VSOCK_DEAD,	   /* freed at the end of this poll round */
};

/* Control packets a connection still owes the guest (vsock_conn.pending). */
enum {
	VSOCK_P_REQUEST = 1 << 0,
	VSOCK_P_RESPONSE = 1 << 1,
	VSOCK_P_CREDIT_UPDATE = 1 << 2,
	VSOCK_P_CREDIT_REQUEST = 1 << 3,
	VSOCK_P_SHUTDOWN = 1 << 4, /* flags in shutdown_owed */
	VSOCK_P_RST = 1 << 5,	   /* the last packet; the connection is freed once it is sent */
};

struct vsock_conn {
	struct vsock_watch watch;	/* first: the epoll data pointer */
	struct vsock_conn *hnext;	/* hash chain */
	struct vsock_conn *prev, *next; /* all connections, served round-robin */
	int fd;				/* host end; -1 once closed */
	uint32_t guest_port, host_port;
	enum vsock_state state;
	bool host_initiated;
	unsigned pending;	 /* VSOCK_P_* */
	uint32_t shutdown_owed;	 /* SHUTDOWN flags to send */
	uint32_t shutdown_sent;	 /* SHUTDOWN flags sent */
	uint32_t guest_shutdown; /* SHUTDOWN flags the guest sent */
	uint64_t deadline_ns;	 /* CONNECTING/CLOSING timeout, 0 = none */

	/* guest -> host: a ring of VSOCK_BUF_ALLOC bytes, allocated on first use */
	uint8_t *buf;
	uint32_t buf_head, buf_len;
	uint32_t rx_cnt;       /* bytes received from the guest */
	uint32_t fwd_cnt;      /* bytes written to the host socket */
	uint32_t fwd_cnt_sent; /* fwd_cnt the guest last heard from us */

	/* host -> guest */
	uint32_t tx_cnt; /* bytes put in the guest's rx queue */
	uint32_t peer_buf_alloc, peer_fwd_cnt;
	bool credit_requested; /* sent CREDIT_REQUEST, no update since */

	bool readable, writable; /* edge-triggered epoll state of fd */
	bool host_eof;		 /* read() returned 0: the host sends no more */
	bool host_dead;		 /* the host end can take no more data (HUP, EPIPE, error) */
	bool shut_wr;		 /* shutdown(fd, SHUT_WR) done */
};

struct vmm_vsock {
	pthread_mutex_t lock;
	struct vmm_virtio_mmio *t; /* set once, at activation */
	uint64_t guest_cid;
	bool active; /* DRIVER_OK and not reset since */
	int epoll_fd, wake_fd;
	struct vsock_watch wake_watch;
	pthread_t thread;
	bool thread_started, stop;

	struct vsock_conn *hash[VSOCK_HASH];
	struct vsock_conn *head, *tail; /* round-robin order */
	struct vsock_conn *dead;	/* freed at the end of the poll round */
	unsigned nr_conns;
	uint32_t next_host_port;
	struct {
		uint32_t guest_port, host_port;
	} rst[VSOCK_RST_RING];
	unsigned rst_head, rst_len;

	struct vq_elem *el; /* scratch chain (large) */
	struct vsock_mux *mux;
	/* First lines other than CONNECT (the VMM's PAUSE / RESUME): takes fd when it returns 0. */
	int (*control)(void *ctx, const char *line, int fd);
	void *control_ctx;
	char *uds_path; /* guest-initiated connections to port P go to "<uds_path>_P" */
	unsigned warnings;
	uint64_t pkts_rx, pkts_tx, bytes_to_guest, bytes_to_host, rsts_sent;
};

/* vsock.c (the ops table is vmm_virtio_vsock_ops, virtio.h) */
/*
 * Creates the device. `uds_path` (may be NULL) is the --vsock-socket path: host processes
 * connect there, and guest-initiated connections go to "<uds_path>_<port>". Nothing moves
 * until vmm_vsock_start() starts the I/O thread, or the caller drives vmm_vsock_poll() (tests).
 */
struct vmm_vsock *vmm_vsock_create(const char *uds_path, struct err *e);
int vmm_vsock_start(struct vmm_vsock *vs, struct err *e);
/* Joins the I/O thread (guest memory must outlive it). */
void vmm_vsock_stop(struct vmm_vsock *vs);
/* One round of the I/O loop: wait up to `timeout_ms` (-1: until the next deadline). */
int vmm_vsock_poll(struct vmm_vsock *vs, int timeout_ms);
/* Starts accepting host clients on the Unix socket (after a snapshot is saved, if one is). */
int vmm_vsock_listen(struct vmm_vsock *vs, struct err *e);
/* Who gets the socket's other request lines (see struct vmm_vsock.control). */
void vmm_vsock_set_control(struct vmm_vsock *vs, int (*fn)(void *ctx, const char *line, int fd),
			   void *ctx);
/*
 * A stream from inside the VMM to guest port `port`: the returned fd (blocking) reads
 * "OK <local port>\n" once the guest accepted, then carries the stream, as a client of the
 * --vsock-socket would see it (docs/vsock.md).
 */
int vmm_vsock_connect_local(struct vmm_vsock *vs, uint32_t port, struct err *e);
int vsock_watch_add(struct vmm_vsock *vs, int fd, struct vsock_watch *w, uint32_t events,
		    struct err *e);
void vsock_warn(struct vmm_vsock *vs, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void vsock_queue_rst(struct vmm_vsock *vs, uint32_t guest_port, uint32_t host_port);

/* vsock_conn.c */
struct vsock_conn *vsock_conn_find(struct vmm_vsock *vs, uint32_t guest_port, uint32_t host_port);
/* A host client asked for guest port `port`: takes `fd` (closed on failure). */
int vsock_conn_connect_guest(struct vmm_vsock *vs, int fd, uint32_t port, struct err *e);
/* A guest packet for connection `c` (or for none: c == NULL). Payload at offset 44 of `el`. */
void vsock_conn_packet(struct vmm_vsock *vs, struct vsock_conn *c, const struct vsock_hdr *h,
		       const struct vq_elem *el);
/* Ends `c` at once: the host end is closed, the guest gets an RST. */
void vsock_conn_reset(struct vsock_conn *c);
/* Writes buffered guest data to the host sockets. */
void vsock_conn_flush_all(struct vmm_vsock *vs);
/*
 * The next packet for the guest from connection `c`, written into `el` (header first). Returns
 * bytes written, 0 when `c` has nothing to send now, -1 when `c` would send data but the
 * host socket had none (the caller gives the chain back).
 */
int vsock_conn_emit(struct vmm_vsock *vs, struct vsock_conn *c, const struct vq_elem *el);
bool vsock_conn_has_work(const struct vsock_conn *c);
void vsock_conn_expire(struct vmm_vsock *vs, uint64_t now);
uint64_t vsock_conn_next_deadline(const struct vmm_vsock *vs);
void vsock_conn_close_all(struct vmm_vsock *vs);
void vsock_conn_reap(struct vmm_vsock *vs);
/* Moves `c` to the end of the round-robin list. */
void vsock_conn_rotate(struct vmm_vsock *vs, struct vsock_conn *c);
/* Writes one packet with no payload from `c` to `el`; returns bytes written. */
uint32_t vsock_emit_ctl(struct vsock_conn *c, const struct vq_elem *el, uint16_t op,
			uint32_t flags);

/* ../vsock_mux.c */
int vsock_mux_create(struct vmm_vsock *vs, const char *path, struct err *e);
int vsock_mux_start(struct vsock_mux *m, struct err *e);
void vsock_mux_expire(struct vmm_vsock *vs, uint64_t now);
uint64_t vsock_mux_next_deadline(const struct vmm_vsock *vs);
void vsock_mux_destroy(struct vsock_mux *m);
/* The OK line once the guest accepted a host client's connection. */
int vsock_mux_connected(int fd, uint32_t host_port);

#endif
