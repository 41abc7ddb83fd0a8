// SPDX-License-Identifier: Apache-2.0
/* The host end of a process stream: common/relay.h, docs/protocol.md. */
#define _GNU_SOURCE
#include "relay.h"
#include "proto.h"
#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <termios.h>
#include <unistd.h>

#define RELAY_OUT_MAX (256u << 10) /* stdin bytes queued for the stream before we stop reading */

struct relay {
	const struct relay_opts *o;
	int sigfd;
	bool in_open;
	struct proto_buf tx; /* to the agent, sent as the socket takes it */
	size_t tx_off;
	uint8_t *rx; /* from the agent: one message assembled at a time */
	size_t rx_len, rx_cap;
	bool done;
	int status;
};

void relay_forward_set(sigset_t *set)
{
	static const int sigs[] = {SIGTERM, SIGINT,  SIGHUP,  SIGQUIT,	SIGUSR1,
				   SIGUSR2, SIGALRM, SIGCONT, SIGWINCH, SIGPWR};

	sigemptyset(set);
	for (size_t i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++)
		sigaddset(set, sigs[i]);
}

/* Writes all of buf to a blocking fd; a reader that went away loses the rest (as under runc). */
static void write_out(int fd, const uint8_t *buf, size_t len)
{
	while (fd >= 0 && len) {
		ssize_t n = write(fd, buf, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EAGAIN) { /* someone made the shared file non-blocking */
			struct pollfd p = {fd, POLLOUT, 0};

			poll(&p, 1, -1);
			continue;
		}
		if (n <= 0)
			return;
		buf += n;
		len -= (size_t)n;
	}
}

static int send_resize(struct relay *r, struct err *e)
{
	struct winsize ws;

	if (r->o->tty < 0 || ioctl(r->o->tty, TIOCGWINSZ, &ws) < 0)
		return 0;
	return proto_encode_resize(&r->tx, ws.ws_row, ws.ws_col, e);
}

static int on_signal(struct relay *r, struct err *e)
{
	struct signalfd_siginfo si;
	struct proto_signal s = {0};

	while (read(r->sigfd, &si, sizeof(si)) == sizeof(si)) {
		if (si.ssi_signo == SIGWINCH && r->o->tty >= 0) {
			if (send_resize(r, e) < 0)
				return -1;
			continue;
		}
		s.signo = si.ssi_signo;
		if (proto_encode_signal(&r->tx, &s, e) < 0)
			return -1;
	}
	return 0;
}

static int on_stdin(struct relay *r, struct err *e)
{
	uint8_t buf[PROTO_DATA_CHUNK];
	ssize_t n = read(r->o->in, buf, sizeof(buf));

	if (n < 0 && (errno == EINTR || errno == EAGAIN))
		return 0;
	if (n <= 0) { /* EOF, or an fd that cannot be read (EIO of a hung-up tty): stdin ends */
		r->in_open = false;
		return proto_encode_empty(&r->tx, PROTO_STDIN_CLOSE, e);
	}
	return proto_encode_data(&r->tx, PROTO_STDIN, buf, (size_t)n, e);
}

static int on_message(struct relay *r, const struct proto_hdr *h, const uint8_t *p, struct err *e)
{
	struct proto_exit x;

	switch (h->type) {
	case PROTO_STDOUT:
		write_out(r->o->out, p, h->len);
		return 0;
	case PROTO_STDERR:
		write_out(r->o->err, p, h->len);
		return 0;
	case PROTO_EXIT:
		if (proto_decode_exit(p, h->len, &x, e) < 0)
			return err_prefix(e, "agent");
		r->status = proto_exit_status(&x);
		if (r->o->exit_out)
			*r->o->exit_out = x;
		r->done = true;
		return 0;
	}
	return err_set(e, EPROTO, "agent sent %s on a process stream", proto_type_name(h->type));
}

/* Reads what the stream has and handles every whole message in it. */
static int on_stream(struct relay *r, struct err *e)
{
	struct proto_hdr h;
	ssize_t n;

	if (r->rx_cap - r->rx_len < PROTO_DATA_CHUNK) {
		size_t cap = r->rx_cap ? r->rx_cap * 2 : 2 * PROTO_DATA_CHUNK;
		uint8_t *p;

		if (cap > 2 * (PROTO_HDR_SIZE + (size_t)PROTO_MAX_PAYLOAD))
			return err_set(e, EPROTO, "agent message too large");
		p = realloc(r->rx, cap);
		if (!p)
			return err_set(e, ENOMEM, "relay: out of memory");
		r->rx = p;
		r->rx_cap = cap;
	}
	n = read(r->o->stream, r->rx + r->rx_len, r->rx_cap - r->rx_len);
	if (n < 0 && (errno == EINTR || errno == EAGAIN))
		return 0;
	if (n < 0)
		return err_sys(e, errno, "reading from the agent");
	if (n == 0)
		return err_set(e, EPIPE,
			       "the connection to the agent closed before the exit status");
	r->rx_len += (size_t)n;
	while (!r->done && r->rx_len >= PROTO_HDR_SIZE) {
		size_t whole;

		if (proto_hdr_parse(r->rx, &h, e) < 0)
			return err_prefix(e, "agent");
		whole = PROTO_HDR_SIZE + h.len;
		if (r->rx_len < whole)
			break;
		if (on_message(r, &h, r->rx + PROTO_HDR_SIZE, e) < 0)
			return -1;
		memmove(r->rx, r->rx + whole, r->rx_len - whole);
		r->rx_len -= whole;
	}
	return 0;
}

static int flush_tx(struct relay *r, struct err *e)
{
	while (r->tx_off < r->tx.len) {
		ssize_t n = send(r->o->stream, r->tx.data + r->tx_off, r->tx.len - r->tx_off,
				 MSG_NOSIGNAL);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EAGAIN)
			return 0;
		if (n < 0)
			return err_sys(e, errno, "writing to the agent");
		r->tx_off += (size_t)n;
	}
	r->tx.len = r->tx_off = 0;
	r->tx.msg_start = 0;
	return 0;
}

static int relay_step(struct relay *r, struct err *e)
{
	struct pollfd p[3] = {{r->o->stream, POLLIN, 0}, {r->sigfd, POLLIN, 0}, {-1, POLLIN, 0}};

	if (r->tx.len > r->tx_off)
		p[0].events |= POLLOUT;
	/* stdin waits while the agent has not taken what we have */
	if (r->in_open && r->tx.len - r->tx_off < RELAY_OUT_MAX)
		p[2].fd = r->o->in;
	if (poll(p, 3, -1) < 0)
		return errno == EINTR ? 0 : err_sys(e, errno, "relay: poll");
	if (p[1].revents && on_signal(r, e) < 0)
		return -1;
	if (p[2].revents && on_stdin(r, e) < 0)
		return -1;
	if (p[0].revents & (POLLIN | POLLHUP | POLLERR) && on_stream(r, e) < 0)
		return -1;
	return flush_tx(r, e);
}

int relay_run(const struct relay_opts *o, struct err *e)
{
	struct relay r = {.o = o, .sigfd = -1, .in_open = o->in >= 0, .status = -1};
	sigset_t none;
	int rc = 0;

	proto_buf_init(&r.tx);
	sigemptyset(&none);
	r.sigfd = signalfd(-1, o->forward ? o->forward : &none, SFD_NONBLOCK | SFD_CLOEXEC);
	if (r.sigfd < 0)
		return err_sys(e, errno, "relay: signalfd");
	if (fcntl(o->stream, F_SETFL, fcntl(o->stream, F_GETFL) | O_NONBLOCK) < 0)
		rc = err_sys(e, errno, "relay: non-blocking stream");
	if (!rc)
		rc = send_resize(&r, e);
	while (!rc && !r.done)
		rc = relay_step(&r, e);
	close(r.sigfd);
	proto_buf_free(&r.tx);
	free(r.rx);
	return rc < 0 ? -1 : r.status;
}

/* Reads the answer line byte by byte: what follows it is the agent's. */
static int read_line(int fd, char *line, size_t len, unsigned timeout_ms, struct err *e)
{
	size_t n = 0;

	while (n + 1 < len) {
		struct pollfd p = {fd, POLLIN, 0};
		int rc = poll(&p, 1, (int)timeout_ms);
		ssize_t got;

		if (rc < 0 && errno == EINTR)
			continue;
		if (rc <= 0)
			return err_set(e, ETIMEDOUT, "no answer from the VMM");
		got = read(fd, line + n, 1);
		if (got < 0 && errno == EINTR)
			continue;
		if (got <= 0)
			return err_set(e, ECONNRESET,
				       "the VMM closed the connection (agent not listening?)");
		if (line[n] == '\n') {
			line[n] = 0;
			return 0;
		}
		n++;
	}
	return err_set(e, EPROTO, "the VMM's answer is too long");
}

int relay_expect_ok(int fd, unsigned timeout_ms, struct err *e)
{
	char line[64];

	if (read_line(fd, line, sizeof(line), timeout_ms, e) < 0)
		return -1;
	if (strncmp(line, "OK ", 3) != 0)
		return err_set(e, EPROTO, "the VMM answered \"%.32s\"", line);
	return 0;
}

int relay_connect_agent(const char *vmm_socket, unsigned timeout_ms, struct err *e)
{
	char line[64];
	int fd = util_unix_connect(vmm_socket, "connect", e), n;

	if (fd < 0)
		return -1;
	n = snprintf(line, sizeof(line), "CONNECT %u\n", PROTO_AGENT_PORT);
	if (send(fd, line, (size_t)n, MSG_NOSIGNAL) != n) {
		err_sys(e, errno, "writing to %s", vmm_socket);
		goto fail;
	}
	if (relay_expect_ok(fd, timeout_ms, e) < 0)
		goto fail;
	return fd;
fail:
	close(fd);
	return -1;
}
