// SPDX-License-Identifier: Apache-2.0
/*
 * The event loop and the connections of the agent's server. Each connection starts with
 * one request that decides what it is (docs/protocol.md): CREATE and EXEC make it a stream,
 * START/SIGNAL/PS/STATS get one reply, SHUTDOWN ends the agent. Messages are framed here and
 * decoded by common/proto.c with all of its checks.
 *
 * Back-pressure: a process's output is not read while its stream has AGENT_CONN_OUT_CAP
 * queued; a stream is not read while its process's stdin pipe holds back bytes.
 */
#define _GNU_SOURCE
#include "rpc.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include "power.h"
#include "server.h"
#include "stats.h"
#include "stdio.h"
#include "trace.h"

#define CONN_IN_MIN 4096

/*
 * The first connections' input buffers (the init stream's CREATE, a START, an exec): static
 * and touched before the snapshot, so a restored guest neither allocates nor faults them in
 * on a container's start path (a malloc + first touch measured ~45 ms there on PVM).
 */
#define CONN_WARM      4
#define CONN_WARM_SIZE 16384
static uint8_t warm_in[CONN_WARM][CONN_WARM_SIZE];

enum src_kind { SRC_LISTEN, SRC_SIG, SRC_CONN, SRC_STATUS, SRC_OUT0, SRC_OUT1, SRC_PTY, SRC_STDIN };

struct src {
	enum src_kind kind;
	void *ptr;
};

#define MAX_POLL (2 + AGENT_MAX_CONNS + 4 * AGENT_MAX_PROCS)

static struct agent_server server;
static struct pollfd pfds[MAX_POLL];
static struct src srcs[MAX_POLL];
static bool shutdown_requested;

int agent_rpc_listen_unix(const char *path, struct err *e)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	int fd;

	if (strlen(path) >= sizeof(sa.sun_path))
		return err_set(e, ENAMETOOLONG, "socket path %s too long", path);
	strcpy(sa.sun_path, path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0)
		return err_sys(e, errno, "socket");
	unlink(path);
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 || listen(fd, 64) < 0) {
		err_sys(e, errno, "listen on %s", path);
		close(fd);
		return -1;
	}
	return fd;
}

void agent_conn_flush(struct agent_conn *c)
{
	while (c->out_off < c->out.len) {
		ssize_t n = write(c->fd, c->out.data + c->out_off, c->out.len - c->out_off);

		if (n < 0) {
			if (errno == EAGAIN)
				return;
			if (errno == EINTR)
				continue;
			c->dead = true; /* EPIPE, ECONNRESET: the host end is gone */
			return;
		}
		c->out_off += (size_t)n;
	}
	c->out.len = c->out_off = 0;
}

void agent_conn_error(struct agent_conn *c, const struct err *e)
{
	struct err ignored;

	proto_encode_error(&c->out, e->errnum ? e->errnum : EINVAL, e->msg, &ignored);
	c->closing = true;
	agent_conn_flush(c);
}

static void reply_empty(struct agent_conn *c, enum proto_type type)
{
	struct err ignored;

	proto_encode_empty(&c->out, type, &ignored);
	c->closing = true;
	agent_conn_flush(c);
}

static bool conn_in_warm(const struct agent_conn *c)
{
	const uint8_t *first = &warm_in[0][0];

	return c->in && c->in >= first && c->in < first + sizeof(warm_in);
}

static void conn_destroy(struct agent_conn *c)
{
	struct agent_proc *pr = c->proc;

	if (pr) {
		/* docs/protocol.md: a stream closed before its EXIT kills its process */
		if (!pr->exit_sent && !pr->reaped)
			kill(pr->pid, SIGKILL);
		pr->conn = NULL;
	}
	for (size_t i = 0; i < AGENT_MAX_PROCS; i++)
		if (server.procs[i].start_conn == c)
			server.procs[i].start_conn = NULL;
	close(c->fd);
	if (!conn_in_warm(c))
		free(c->in);
	proto_buf_free(&c->out);
	*c = (struct agent_conn){.fd = -1};
}

static void handle_signal(struct agent_conn *c, const uint8_t *p, size_t len)
{
	struct proto_signal sig;
	struct agent_proc *pr;
	struct err e = {0};
	int r;

	if (proto_decode_signal(p, len, &sig, &e) < 0) {
		if (!c->stream)
			agent_conn_error(c, &e);
		return;
	}
	if (c->stream) {
		/* on a stream: to that stream's process, no reply */
		if (c->proc && !c->proc->reaped)
			kill(c->proc->pid, (int)sig.signo);
		return;
	}
	if (!server.init || server.init->reaped) {
		err_set(&e, ESRCH, "container not running");
		agent_conn_error(c, &e);
		return;
	}
	if (sig.all) {
		r = agent_kill_all(&server, (int)sig.signo, &e);
	} else {
		pr = sig.pid == 0 ? server.init : agent_proc_find(&server, (pid_t)sig.pid);
		r = !pr || pr->reaped ? err_set(&e, ESRCH, "process %u not found", sig.pid)
				      : kill(pr->pid, (int)sig.signo);
		if (r < 0 && !e.msg[0])
			err_sys(&e, errno, "kill %u", sig.pid);
	}
	if (r < 0)
		agent_conn_error(c, &e);
	else
		reply_empty(c, PROTO_OK);
}

static void handle_ps(struct agent_conn *c)
{
	struct err ignored;

	proto_begin(&c->out, PROTO_PIDS);
	for (size_t i = 0; i < AGENT_MAX_PROCS; i++) {
		const struct agent_proc *pr = &server.procs[i];

		if (pr->pid > 0 && !pr->is_init && pr->running && !pr->reaped && pr->host_pid)
			proto_put_u32(&c->out, PROTO_T_HOST_PID, pr->host_pid);
	}
	proto_end(&c->out, &ignored);
	c->closing = true;
	agent_conn_flush(c);
}

/* STATS: the numbers come from /proc at this moment (agent/stats.c). */
static void handle_stats(struct agent_conn *c)
{
	struct proto_stats st;
	struct err e = {0};
	int r;

	if (!server.init || server.init->reaped)
		r = err_set(&e, ESRCH, "container not running");
	else
		r = agent_stats_collect(&st, &e);
	if (r == 0)
		r = proto_encode_stats(&c->out, &st, &e);
	if (r < 0) {
		agent_conn_error(c, &e);
		return;
	}
	c->closing = true;
	agent_conn_flush(c);
}

static void handle_stream(struct agent_conn *c, const struct proto_hdr *h, const uint8_t *p)
{
	struct agent_proc *pr = c->proc;
	uint32_t rows, cols;
	struct err e = {0};

	if (h->type == PROTO_SIGNAL) {
		handle_signal(c, p, h->len);
		return;
	}
	if (!pr)
		return; /* the process is gone; its EXIT is on the way */
	if (h->type == PROTO_STDIN)
		agent_proc_stdin(&server, pr, p, h->len);
	else if (h->type == PROTO_STDIN_CLOSE)
		agent_proc_stdin_close(pr);
	else if (h->type == PROTO_RESIZE && proto_decode_resize(p, h->len, &rows, &cols, &e) == 0)
		agent_pty_resize(pr->io.pty_fd, rows, cols);
	/* anything else has no meaning on a stream: ignored */
}

static void handle_first(struct agent_conn *c, const struct proto_hdr *h, const uint8_t *p)
{
	struct err e = {0};

	c->started = true;
	switch (h->type) {
	case PROTO_CREATE:
		agent_create(&server, c, p, h->len);
		return;
	case PROTO_EXEC:
		agent_exec(&server, c, p, h->len);
		return;
	case PROTO_START:
		if (agent_start(&server, c, &e) < 0)
			agent_conn_error(c, &e);
		return;
	case PROTO_SIGNAL:
		handle_signal(c, p, h->len);
		return;
	case PROTO_PS:
		handle_ps(c);
		return;
	case PROTO_STATS:
		handle_stats(c);
		return;
	case PROTO_SHUTDOWN:
		shutdown_requested = true;
		reply_empty(c, PROTO_OK);
		return;
	default:
		err_set(&e, EPROTO, "%s cannot start a conversation", proto_type_name(h->type));
		agent_conn_error(c, &e);
	}
}

static bool conn_blocked(const struct agent_conn *c)
{
	return c->closing || c->dead || (c->proc && c->proc->in_len > 0) ||
	       (c->started && !c->stream);
}

/* Handles every whole message in c->in while the connection may take more. */
void agent_conn_parse(struct agent_server *s, struct agent_conn *c)
{
	(void)s;
	while (!conn_blocked(c) && c->in_len - c->in_off >= PROTO_HDR_SIZE) {
		const uint8_t *raw = c->in + c->in_off;
		struct proto_hdr h;
		struct err e = {0};

		if (proto_hdr_parse(raw, &h, &e) < 0) {
			agent_conn_error(c, &e);
			c->in_off = c->in_len = 0;
			return;
		}
		if (c->in_len - c->in_off < PROTO_HDR_SIZE + (size_t)h.len)
			break;
		c->in_off += PROTO_HDR_SIZE + (size_t)h.len;
		if (c->started)
			handle_stream(c, &h, raw + PROTO_HDR_SIZE);
		else
			handle_first(c, &h, raw + PROTO_HDR_SIZE);
	}
	if (c->in_off == c->in_len)
		c->in_off = c->in_len = 0;
}

/* Room for at least the rest of the message being received. */
static int conn_make_room(struct agent_conn *c)
{
	size_t need = CONN_IN_MIN;
	uint8_t *p;

	if (c->in_off > 0) {
		memmove(c->in, c->in + c->in_off, c->in_len - c->in_off);
		c->in_len -= c->in_off;
		c->in_off = 0;
	}
	if (c->in_len >= PROTO_HDR_SIZE) {
		uint32_t len = (uint32_t)c->in[0] | (uint32_t)c->in[1] << 8 |
			       (uint32_t)c->in[2] << 16 | (uint32_t)c->in[3] << 24;

		/* proto_hdr_parse refuses more than PROTO_MAX_PAYLOAD before this grows */
		if (len <= PROTO_MAX_PAYLOAD && need < PROTO_HDR_SIZE + (size_t)len)
			need = PROTO_HDR_SIZE + (size_t)len;
	}
	if (!c->in && c - server.conns < CONN_WARM) {
		c->in = warm_in[c - server.conns];
		c->in_cap = CONN_WARM_SIZE;
	}
	if (c->in_cap >= need && c->in_cap > c->in_len)
		return 0;
	if (need <= c->in_cap)
		need = c->in_cap * 2;
	if (conn_in_warm(c)) {
		p = malloc(need);
		if (p)
			memcpy(p, c->in, c->in_len);
	} else {
		p = realloc(c->in, need);
	}
	if (!p)
		return -1;
	c->in = p;
	c->in_cap = need;
	return 0;
}

static void conn_read(struct agent_conn *c)
{
	ssize_t n;

	if (conn_make_room(c) < 0) {
		c->dead = true;
		return;
	}
	n = read(c->fd, c->in + c->in_len, c->in_cap - c->in_len);
	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return;
	if (n <= 0) {
		c->dead = true; /* EOF or reset: the host end closed */
		return;
	}
	c->in_len += (size_t)n;
	agent_conn_parse(&server, c);
}

/*
 * One connection per wake-up: the listener stays readable while more wait, and a second
 * accept4() only to see EAGAIN is ~5 ms of emulated guest kernel on PVM.
 */
static void accept_one(void)
{
	int fd = accept4(server.listen_fd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);
	size_t i;

	if (fd < 0)
		return;
	for (i = 0; i < AGENT_MAX_CONNS && server.conns[i].fd >= 0; i++)
		;
	if (i == AGENT_MAX_CONNS) {
		close(fd); /* the host sees its stream reset */
		return;
	}
	server.conns[i] = (struct agent_conn){.fd = fd};
	proto_buf_init(&server.conns[i].out);
	/*
	 * The VMM and the runtime write their request as soon as the stream is open, so it is
	 * usually here already: read it now instead of after another poll() (EAGAIN is fine).
	 */
	conn_read(&server.conns[i]);
}

static void on_sigchld(void)
{
	struct signalfd_siginfo si[8];

	/* one read empties it: what matters is that waitpid() runs, not how many came */
	while (read(server.sig_fd, si, sizeof(si)) == (ssize_t)sizeof(si))
		;
	agent_reap(&server);
}

static nfds_t add(nfds_t n, int fd, short events, enum src_kind kind, void *ptr)
{
	pfds[n] = (struct pollfd){.fd = fd, .events = events};
	srcs[n] = (struct src){.kind = kind, .ptr = ptr};
	return n + 1;
}

static nfds_t add_proc(nfds_t n, struct agent_proc *pr)
{
	bool out_ok = pr->running && (!pr->conn || pr->conn->out.len < AGENT_CONN_OUT_CAP);
	bool in_wait = pr->in_len > pr->in_off;

	if (pr->status_fd >= 0)
		n = add(n, pr->status_fd, POLLIN, SRC_STATUS, pr);
	if (pr->io.pty_fd >= 0 && (out_ok || in_wait))
		n = add(n, pr->io.pty_fd, (short)((out_ok ? POLLIN : 0) | (in_wait ? POLLOUT : 0)),
			SRC_PTY, pr);
	if (out_ok && pr->io.out_fd[0] >= 0)
		n = add(n, pr->io.out_fd[0], POLLIN, SRC_OUT0, pr);
	if (out_ok && pr->io.out_fd[1] >= 0)
		n = add(n, pr->io.out_fd[1], POLLIN, SRC_OUT1, pr);
	if (in_wait && pr->io.in_fd >= 0)
		n = add(n, pr->io.in_fd, POLLOUT, SRC_STDIN, pr);
	return n;
}

/* Closes what is done; then one pollfd per thing that may move. */
static nfds_t build_poll_set(void)
{
	nfds_t n = 0;

	n = add(n, server.listen_fd, POLLIN, SRC_LISTEN, NULL);
	n = add(n, server.sig_fd, POLLIN, SRC_SIG, NULL);
	for (size_t i = 0; i < AGENT_MAX_CONNS; i++) {
		struct agent_conn *c = &server.conns[i];
		short ev = 0;

		if (c->fd < 0)
			continue;
		if (c->dead || (c->closing && c->out.len == 0)) {
			conn_destroy(c);
			continue;
		}
		if (!conn_blocked(c))
			ev |= POLLIN;
		if (c->out.len > c->out_off)
			ev |= POLLOUT;
		n = add(n, c->fd, ev, SRC_CONN, c);
	}
	for (size_t i = 0; i < AGENT_MAX_PROCS; i++)
		if (server.procs[i].pid > 0)
			n = add_proc(n, &server.procs[i]);
	return n;
}

/* The fd an entry was made for may have been closed by an earlier entry of this round. */
static bool still_open(const struct src *src, int fd)
{
	const struct agent_conn *c = src->ptr;
	const struct agent_proc *pr = src->ptr;

	switch (src->kind) {
	case SRC_CONN:
		return c->fd == fd && !c->dead;
	case SRC_STATUS:
		return pr->pid > 0 && pr->status_fd == fd;
	case SRC_OUT0:
		return pr->pid > 0 && pr->io.out_fd[0] == fd;
	case SRC_OUT1:
		return pr->pid > 0 && pr->io.out_fd[1] == fd;
	case SRC_PTY:
		return pr->pid > 0 && pr->io.pty_fd == fd;
	case SRC_STDIN:
		return pr->pid > 0 && pr->io.in_fd == fd;
	default:
		return true;
	}
}

static void dispatch(const struct pollfd *p, const struct src *src)
{
	struct agent_conn *c = src->ptr;
	struct agent_proc *pr = src->ptr;
	bool in = p->revents & (POLLIN | POLLHUP | POLLERR);

	switch (src->kind) {
	case SRC_LISTEN:
		accept_one();
		break;
	case SRC_SIG:
		on_sigchld();
		break;
	case SRC_CONN:
		if (p->revents & POLLOUT)
			agent_conn_flush(c);
		if (in && (p->events & POLLIN))
			conn_read(c);
		else if (p->revents & (POLLHUP | POLLERR))
			c->dead = true;
		break;
	case SRC_STATUS:
		agent_proc_status(&server, pr);
		break;
	case SRC_OUT0:
	case SRC_OUT1:
		agent_proc_output(&server, pr, src->kind == SRC_OUT0 ? 0 : 1);
		break;
	case SRC_PTY:
		if ((p->revents & POLLOUT) || ((p->revents & POLLERR) && pr->in_len))
			agent_proc_stdin_flush(&server, pr);
		if (in && (p->events & POLLIN) && pr->pid > 0 && pr->io.pty_fd == p->fd)
			agent_proc_output(&server, pr, 2);
		break;
	case SRC_STDIN:
		agent_proc_stdin_flush(&server, pr);
		break;
	}
}

int agent_rpc_prepare(int listen_fd, const struct agent_rpc_config *cfg, struct err *e)
{
	sigset_t mask;

	server.fs_root = cfg->fs_root;
	server.guest = cfg->guest;
	server.mounts_private = cfg->mounts_private;
	server.listen_fd = listen_fd;
	if (cfg->trace && !agent_trace_enable())
		return err_sys(e, errno, "map the trace page");
	server.own_pidns = server.ctr_pidns = -1;
	server.personality = -1;
	for (size_t i = 0; i < AGENT_JOIN_NS; i++)
		server.ctr_join.ns[i] = -1;
	server.ctr_join.root = -1;
	for (size_t i = 0; i < AGENT_MAX_CONNS; i++)
		server.conns[i].fd = -1;
	/* SIGPIPE blocked: a write to a closed stream returns EPIPE instead */
	sigemptyset(&mask);
	sigaddset(&mask, SIGCHLD);
	sigaddset(&mask, SIGPIPE);
	if (sigprocmask(SIG_BLOCK, &mask, NULL) < 0)
		return err_sys(e, errno, "sigprocmask");
	sigdelset(&mask, SIGPIPE);
	server.sig_fd = signalfd(-1, &mask, SFD_CLOEXEC | SFD_NONBLOCK);
	if (server.sig_fd < 0)
		return err_sys(e, errno, "signalfd");
	server.devnull = open("/dev/null", O_RDWR | O_CLOEXEC);
	if (server.devnull < 0)
		return err_sys(e, errno, "open /dev/null");
	for (size_t i = 0; i < sizeof(warm_in); i += 4096)
		((volatile uint8_t *)warm_in[0])[i] = 0;
	return 0;
}

void agent_rpc_unprepare(void)
{
	sigset_t mask;

	close(server.sig_fd);
	close(server.devnull);
	sigemptyset(&mask);
	sigaddset(&mask, SIGCHLD);
	sigaddset(&mask, SIGPIPE);
	sigprocmask(SIG_UNBLOCK, &mask, NULL);
}

/* SHUTDOWN: the container's processes die first, the OK goes out, then the agent ends. */
static void finish(void)
{
	struct err ignored;

	if (server.init)
		agent_kill_all(&server, SIGKILL, &ignored);
	for (size_t i = 0; i < AGENT_MAX_CONNS; i++) {
		struct agent_conn *c = &server.conns[i];

		if (c->fd < 0 || c->out.len == 0)
			continue;
		fcntl(c->fd, F_SETFL, O_RDWR); /* blocking: the reply must get out */
		agent_conn_flush(c);
	}
	if (server.guest)
		agent_poweroff(0);
	while (waitpid(-1, NULL, 0) > 0 || errno == EINTR)
		;
}

int agent_rpc_serve(struct err *e)
{
	/* children that exited before the signalfd existed */
	agent_reap(&server);
	while (!shutdown_requested) {
		nfds_t n = build_poll_set();

		if (poll(pfds, n, -1) < 0) {
			if (errno == EINTR)
				continue;
			return err_sys(e, errno, "poll");
		}
		for (nfds_t i = 0; i < n && !shutdown_requested; i++)
			if (pfds[i].revents && still_open(&srcs[i], pfds[i].fd))
				dispatch(&pfds[i], &srcs[i]);
	}
	finish();
	return 0;
}
