// SPDX-License-Identifier: Apache-2.0
/*
 * The host end of virtio-vsock: one Unix stream socket (--vsock-socket PATH). A client says
 * what it wants in its first line (docs/vsock.md):
 *
 *   CONNECT <port>\n   -> a stream to guest port <port>; "OK <local port>\n" once the guest
 *                         accepted, then raw bytes both ways; closed on RST or timeout
 *
 *   PAUSE\n, RESUME\n  -> the VMM's control requests (../control.c): "OK\n" or "ERR <msg>\n"
 *
 * Every other first line is refused (closed). Runs on the vsock device's I/O thread, under
 * vs->lock.
 */
#define _GNU_SOURCE /* accept4 */
#include "vmm/virtio/vsock.h"
#include "log.h"
#include "util.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#define MUX_MAX_PENDING	 64 /* clients that have not finished their first line */
#define MUX_LINE_MAX	 64
#define MUX_LINE_TIMEOUT (5ULL * 1000000000)
#define MUX_CONNECT	 "CONNECT "

struct mux_client {
	struct vsock_watch watch; /* first: the epoll data pointer */
	int fd;			  /* -1: free slot */
	uint64_t deadline_ns;
};

struct vsock_mux {
	struct vsock_watch watch;
	struct vmm_vsock *vs;
	int fd;
	bool started;
	char path[sizeof(((struct sockaddr_un *)0)->sun_path)];
	struct mux_client clients[MUX_MAX_PENDING];
};

static void drop_client(struct mux_client *cl)
{
	close(cl->fd);
	cl->fd = -1;
	cl->deadline_ns = 0;
}

/* "CONNECT <port>": the port in decimal, no sign, no leading junk, at most UINT32_MAX. */
static int parse_connect(const char *line, uint32_t *port)
{
	unsigned long long v;

	if (strncmp(line, MUX_CONNECT, strlen(MUX_CONNECT)) != 0)
		return -1;
	line += strlen(MUX_CONNECT);
	if (*line < '0' || *line > '9' || util_parse_u64(line, 10, &v) < 0 || v > UINT32_MAX)
		return -1;
	*port = (uint32_t)v;
	return 0;
}

/* The client's fd leaves the mux: its new owner closes it. */
static void hand_over(struct vmm_vsock *vs, struct mux_client *cl)
{
	epoll_ctl(vs->epoll_fd, EPOLL_CTL_DEL, cl->fd, NULL);
	cl->fd = -1;
	cl->deadline_ns = 0;
}

/* The first line, peeked and then consumed up to its '\n': what follows is payload. */
static void client_line(struct vmm_vsock *vs, struct mux_client *cl)
{
	char line[MUX_LINE_MAX + 1];
	struct err e;
	uint32_t port;
	ssize_t n = recv(cl->fd, line, MUX_LINE_MAX, MSG_PEEK | MSG_DONTWAIT);
	char *nl;
	int fd;

	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return;
	if (n <= 0)
		goto drop;
	line[n] = '\0';
	nl = memchr(line, '\n', (size_t)n);
	if (!nl) {
		if (n == MUX_LINE_MAX)
			goto drop; /* no request line is this long */
		return;
	}
	if (recv(cl->fd, line, (size_t)(nl - line + 1), MSG_DONTWAIT) != nl - line + 1)
		goto drop;
	*nl = '\0';
	if (nl > line && nl[-1] == '\r')
		nl[-1] = '\0';
	fd = cl->fd;
	if (parse_connect(line, &port) < 0) {
		if (!vs->control)
			goto refuse;
		hand_over(vs, cl);
		if (vs->control(vs->control_ctx, line, fd) < 0) {
			close(fd);
			goto refuse;
		}
		return;
	}
	hand_over(vs, cl);
	if (vsock_conn_connect_guest(vs, fd, port, &e) < 0)
		vsock_warn(vs, "CONNECT %u: %s", port, e.msg);
	return;
refuse:
	log_debug("vsock socket: refused first line \"%.40s\"", line);
	if (cl->fd < 0)
		return;
drop:
	drop_client(cl);
}

static void on_client(struct vmm_vsock *vs, struct vsock_watch *w, uint32_t events)
{
	struct mux_client *cl = (struct mux_client *)w;

	(void)events;
	if (cl->fd >= 0)
		client_line(vs, cl);
}

static struct mux_client *free_slot(struct vsock_mux *m)
{
	for (unsigned i = 0; i < MUX_MAX_PENDING; i++)
		if (m->clients[i].fd < 0)
			return &m->clients[i];
	return NULL;
}

static void on_accept(struct vmm_vsock *vs, struct vsock_watch *w, uint32_t events)
{
	struct vsock_mux *m = (struct vsock_mux *)w;
	struct err e;

	(void)events;
	for (;;) {
		int fd = accept4(m->fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
		struct mux_client *cl;

		if (fd < 0)
			return; /* EAGAIN, or a client that left already */
		cl = free_slot(m);
		if (!cl) {
			vsock_warn(vs, "%d clients are still sending their first line; refusing",
				   MUX_MAX_PENDING);
			close(fd);
			continue;
		}
		cl->fd = fd;
		cl->deadline_ns = util_now_ns() + MUX_LINE_TIMEOUT;
		/* Edge-triggered: a peeked, incomplete line must not wake us again and again. */
		if (vsock_watch_add(vs, fd, &cl->watch, EPOLLIN | EPOLLRDHUP | EPOLLET, &e) < 0) {
			vsock_warn(vs, "%s", e.msg);
			drop_client(cl);
		}
	}
}

/* A path where a live VMM listens is in use; a leftover socket file from a dead one is not. */
static int clear_stale(const char *path, const struct sockaddr_un *sa, struct err *e)
{
	struct stat st;
	int fd, r;

	if (lstat(path, &st) < 0)
		return errno == ENOENT ? 0 : err_sys(e, errno, "--vsock-socket %s", path);
	if (!S_ISSOCK(st.st_mode))
		return err_set(e, EEXIST, "--vsock-socket %s: exists and is not a socket", path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return err_sys(e, errno, "socket");
	r = connect(fd, (const struct sockaddr *)sa, sizeof(*sa));
	close(fd);
	if (r == 0)
		return err_set(e, EADDRINUSE, "--vsock-socket %s: another process listens there",
			       path);
	if (unlink(path) < 0 && errno != ENOENT)
		return err_sys(e, errno, "unlink %s", path);
	return 0;
}

static int mux_bind(struct vsock_mux *m, const char *path, struct err *e)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};

	/* Guest ports append "_<port>" (up to 11 bytes) to the same path. */
	if (strlen(path) + 11 >= sizeof(sa.sun_path))
		return err_set(e, ENAMETOOLONG, "--vsock-socket %s: longer than %zu bytes", path,
			       sizeof(sa.sun_path) - 12);
	strcpy(sa.sun_path, path);
	if (clear_stale(path, &sa, e) < 0)
		return -1;
	m->fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (m->fd < 0)
		return err_sys(e, errno, "socket");
	if (bind(m->fd, (struct sockaddr *)&sa, sizeof(sa)) < 0)
		return err_sys(e, errno, "bind %s", path);
	strcpy(m->path, path); /* ours to unlink from here on */
	if (listen(m->fd, 128) < 0)
		return err_sys(e, errno, "listen %s", path);
	return 0;
}

int vsock_mux_create(struct vmm_vsock *vs, const char *path, struct err *e)
{
	struct vsock_mux *m = calloc(1, sizeof(*m));

	if (!m)
		return err_sys(e, ENOMEM, "vsock socket");
	m->vs = vs;
	m->fd = -1;
	m->watch.fn = on_accept;
	for (unsigned i = 0; i < MUX_MAX_PENDING; i++) {
		m->clients[i].fd = -1;
		m->clients[i].watch.fn = on_client;
	}
	vs->mux = m;
	if (mux_bind(m, path, e) < 0)
		return -1; /* vsock_mux_destroy (from the device's destroy) cleans up */
	log_debug("vsock socket %s bound", path);
	return 0;
}

int vsock_mux_start(struct vsock_mux *m, struct err *e)
{
	if (m->started)
		return 0;
	if (vsock_watch_add(m->vs, m->fd, &m->watch, EPOLLIN, e) < 0)
		return -1;
	m->started = true;
	return 0;
}

void vsock_mux_expire(struct vmm_vsock *vs, uint64_t now)
{
	if (!vs->mux)
		return;
	for (unsigned i = 0; i < MUX_MAX_PENDING; i++) {
		struct mux_client *cl = &vs->mux->clients[i];

		if (cl->fd >= 0 && cl->deadline_ns <= now) {
			log_debug("vsock socket: a client sent no request line in time");
			drop_client(cl);
		}
	}
}

uint64_t vsock_mux_next_deadline(const struct vmm_vsock *vs)
{
	uint64_t d = 0;

	if (!vs->mux)
		return 0;
	for (unsigned i = 0; i < MUX_MAX_PENDING; i++) {
		const struct mux_client *cl = &vs->mux->clients[i];

		if (cl->fd >= 0 && (!d || cl->deadline_ns < d))
			d = cl->deadline_ns;
	}
	return d;
}

int vsock_mux_connected(int fd, uint32_t host_port)
{
	char line[32];
	int n = snprintf(line, sizeof(line), "OK %u\n", host_port);

	/* A fresh socket's buffer always takes a short line: a short write means it is gone. */
	return send(fd, line, (size_t)n, MSG_NOSIGNAL | MSG_DONTWAIT) == n ? 0 : -1;
}

void vsock_mux_destroy(struct vsock_mux *m)
{
	if (!m)
		return;
	for (unsigned i = 0; i < MUX_MAX_PENDING; i++)
		if (m->clients[i].fd >= 0)
			drop_client(&m->clients[i]);
	if (m->fd >= 0)
		close(m->fd);
	if (m->path[0] && unlink(m->path) < 0 && errno != ENOENT)
		log_warn("unlink %s: %s", m->path, strerror(errno));
	free(m);
}
