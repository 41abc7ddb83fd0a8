// SPDX-License-Identifier: Apache-2.0
/*
 * The agent's side of CREATE and EXEC (docs/protocol.md "create", "Streams"): the fork, the
 * child's status pipe (ready / error / EOF at execve), the process's output and stdin, and
 * its EXIT once it was reaped and its output reached EOF.
 */
#define _GNU_SOURCE
#include "server.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "container.h"
#include "fstest.h"
#include "process.h"
#include "port.h"
#include "trace.h"
#include "userns.h"

static void close_fd(int *fd)
{
	if (*fd >= 0)
		close(*fd);
	*fd = -1;
}

static struct agent_proc *proc_alloc(struct agent_server *s, struct err *e)
{
	for (size_t i = 0; i < AGENT_MAX_PROCS; i++) {
		struct agent_proc *pr = &s->procs[i];

		if (pr->pid == 0) {
			*pr = (struct agent_proc){.status_fd = -1, .start_fd = -1};
			pr->io = (struct agent_stdio){.child = {-1, -1, -1},
						      .ctty = -1,
						      .in_fd = -1,
						      .out_fd = {-1, -1},
						      .pty_fd = -1};
			return pr;
		}
	}
	err_set(e, EAGAIN, "too many processes");
	return NULL;
}

struct agent_proc *agent_proc_find(struct agent_server *s, pid_t pid)
{
	for (size_t i = 0; i < AGENT_MAX_PROCS; i++)
		if (s->procs[i].pid == pid && pid > 0)
			return &s->procs[i];
	return NULL;
}

/* The container is gone with its init (or never was): a new one may be created. */
static void container_gone(struct agent_server *s)
{
	s->init = NULL;
	s->started = false;
	close_fd(&s->ctr_pidns);
	agent_container_join_close(&s->ctr_join);
}

static void proc_free(struct agent_server *s, struct agent_proc *pr)
{
	agent_stdio_close_all(&pr->io, s->devnull);
	close_fd(&pr->status_fd);
	close_fd(&pr->start_fd);
	free(pr->in_buf);
	if (pr->conn) {
		pr->conn->proc = NULL;
		pr->conn->closing = true;
	}
	if (pr == s->init)
		container_gone(s);
	*pr = (struct agent_proc){.pid = 0, .status_fd = -1, .start_fd = -1};
}

/*
 * Pipes for the child's status records and (init) its START byte. The status channel is a
 * socket when the child passes a pty master (SCM_RIGHTS); records keep their bounds there.
 */
static int open_ctl_pipes(struct agent_proc *pr, bool init, int child_ends[2], struct err *e)
{
	int p[2];

	child_ends[0] = child_ends[1] = -1;
	if (pr->io.ctr_pty ? socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, p) < 0
			   : pipe2(p, O_CLOEXEC) < 0)
		return err_sys(e, errno, "pipe");
	pr->status_fd = p[0];
	child_ends[0] = p[1];
	if (!init)
		return 0;
	if (pipe2(p, O_CLOEXEC) < 0)
		return err_sys(e, errno, "pipe");
	child_ends[1] = p[0];
	pr->start_fd = p[1];
	return 0;
}

static int prepare_proc(struct agent_server *s, struct agent_proc *pr,
			const struct proto_process *p, bool init, int child_ends[2], struct err *e)
{
	if (agent_stdio_open(p->terminal, s->ctr_devpts, p->open_stdin, p->rows, p->cols,
			     s->devnull, &pr->io, e) < 0)
		return -1;
	return open_ctl_pipes(pr, init, child_ends, e);
}

/* After the fork (or its failure): the parent's copies of the child's ends go. */
static void close_child_ends(struct agent_server *s, struct agent_proc *pr, int child_ends[2])
{
	agent_stdio_close_child(&pr->io, s->devnull);
	close_fd(&child_ends[0]);
	close_fd(&child_ends[1]);
}

static void attach(struct agent_conn *c, struct agent_proc *pr, const struct proto_process *p)
{
	pr->host_pid = p->host_pid;
	pr->conn = c;
	c->proc = pr;
	c->stream = true;
}

static int mount_shares(struct agent_server *s, struct err *e)
{
	if (!s->guest || s->fs_mounted)
		return 0;
	if (agent_fs_mount(e) < 0)
		return -1;
	s->fs_mounted = true;
	return 0;
}

/* runc's terminal is a pty of the container's devpts; without one, the guest's (stdio.h). */
static bool has_devpts(const struct proto_container *ct)
{
	for (uint32_t i = 0; i < ct->nr_mounts; i++) {
		const struct proto_mount *m = &ct->mounts[i];

		if (m->type && strcmp(m->type, "devpts") == 0 && strcmp(m->dest, "/dev/pts") == 0)
			return true;
	}
	return false;
}

static pid_t clone_init(const struct agent_child *a, uint32_t namespaces)
{
	pid_t pid;

	agent_trace_mark(AGENT_TP_CLONE);
	/* a new user namespace comes alone (and the pid one, whose PID 1 the child must be) */
	if (namespaces & CLONE_NEWUSER)
		namespaces &= CLONE_NEWUSER | CLONE_NEWPID;
	/* fork() with CLONE_NEW*: the child runs on a copy of this stack, as after fork */
	pid = (pid_t)syscall(SYS_clone, (unsigned long)namespaces | SIGCHLD, NULL, NULL, NULL,
			     NULL);
	if (pid == 0)
		agent_container_init_child(a);
	agent_trace_mark(AGENT_TP_CLONED);
	return pid;
}

static long minflt_now(void)
{
	struct rusage ru;

	return getrusage(RUSAGE_SELF, &ru) == 0 ? ru.ru_minflt : 0;
}

/* What EXIT's guest_ns and agent_minflt count from (docs/protocol.md). */
static void note_request(struct agent_proc *pr, uint64_t t_req, long minflt_req)
{
	pr->t_req = t_req;
	pr->minflt_req = minflt_req;
}

static int create(struct agent_server *s, struct agent_conn *c, const struct proto_container *ct,
		  uint64_t t_req, long minflt_req, struct err *e)
{
	struct agent_proc *pr;
	int ends[2] = {-1, -1};
	struct agent_child a;

	if (agent_container_validate(ct, e) < 0 || mount_shares(s, e) < 0)
		return -1;
	agent_trace_mark(AGENT_TP_FS_MOUNTED);
	pr = proc_alloc(s, e);
	if (!pr)
		return -1;
	note_request(pr, t_req, minflt_req);
	s->ctr_devpts = has_devpts(ct);
	if (prepare_proc(s, pr, &ct->process, true, ends, e) < 0)
		goto fail;
	a = (struct agent_child){.c = ct,
				 .p = &ct->process,
				 .fs_root = s->fs_root,
				 .stdio = pr->io,
				 .status_fd = ends[0],
				 .start_fd = ends[1],
				 .pdeathsig = !s->guest,
				 .mounts_private = s->mounts_private};
	pr->pid = clone_init(&a, ct->namespaces);
	if (pr->pid < 0) {
		err_sys(e, errno, "clone");
		pr->pid = 0;
		goto fail;
	}
	if ((ct->namespaces & CLONE_NEWUSER) &&
	    agent_userns_map(pr->pid, ct, pr->start_fd, e) < 0) {
		kill(pr->pid, SIGKILL); /* reaped as any orphan */
		goto fail;
	}
	close_child_ends(s, pr, ends);
	pr->is_init = true;
	pr->start_now = ct->start_now;
	s->init = pr;
	s->namespaces = ct->namespaces;
	s->personality = ct->has_personality ? (long)ct->personality : -1;
	attach(c, pr, &ct->process);
	return 0;
fail:
	close_child_ends(s, pr, ends);
	proc_free(s, pr);
	return -1;
}

void agent_create(struct agent_server *s, struct agent_conn *c, const uint8_t *p, size_t len)
{
	uint64_t t_req = agent_trace_now();
	long minflt_req = minflt_now();
	struct proto_container ct;
	struct err e = {0};

	agent_trace_reset();
	agent_trace_mark(AGENT_TP_CREATE);
	agent_port_send(INCEPT_CMD_MARK, AGENT_MARK_CREATE);
	if (s->init) {
		err_set(&e, EEXIST, "container %s already exists in this guest", "(one per guest)");
		agent_conn_error(c, &e);
		return;
	}
	if (proto_decode_container(p, len, &ct, &e) < 0) {
		agent_conn_error(c, &e);
		return;
	}
	if (create(s, c, &ct, t_req, minflt_req, &e) < 0)
		agent_conn_error(c, &e);
	proto_container_free(&ct);
}

/* The container's pid namespace, for EXEC's pid_for_children. */
static int open_pidns(struct agent_server *s, struct err *e)
{
	char path[64];

	if (!(s->namespaces & CLONE_NEWPID) || s->ctr_pidns >= 0)
		return 0;
	if (s->own_pidns < 0) {
		s->own_pidns = open("/proc/self/ns/pid", O_RDONLY | O_CLOEXEC);
		if (s->own_pidns < 0)
			return err_sys(e, errno, "open /proc/self/ns/pid");
	}
	snprintf(path, sizeof(path), "/proc/%d/ns/pid", (int)s->init->pid);
	s->ctr_pidns = open(path, O_RDONLY | O_CLOEXEC);
	if (s->ctr_pidns < 0)
		return err_sys(e, errno, "open %s", path);
	return 0;
}

/* fork() into the container's pid namespace, the agent staying where it is. */
static pid_t fork_in_container(struct agent_server *s, const struct agent_child *a, struct err *e)
{
	pid_t pid;
	int err;

	if (s->ctr_pidns >= 0 && setns(s->ctr_pidns, CLONE_NEWPID) < 0)
		return err_sys(e, errno, "join the container's pid namespace");
	pid = fork();
	err = errno;
	if (pid == 0)
		agent_container_exec_child(a);
	if (s->ctr_pidns >= 0 && setns(s->own_pidns, CLONE_NEWPID) < 0) {
		/* a pid_for_children stuck in the container would put every later child there */
		struct err fatal;

		err_sys(&fatal, errno, "return to the agent's pid namespace");
		if (pid > 0)
			kill(pid, SIGKILL);
		return err_set(e, fatal.errnum, "%s", fatal.msg);
	}
	if (pid < 0)
		return err_sys(e, err, "fork into the container (has its init exited?)");
	return pid;
}

static int exec_proc(struct agent_server *s, struct agent_conn *c, const struct proto_process *p,
		     uint64_t t_req, long minflt_req, struct err *e)
{
	struct agent_proc *pr;
	int ends[2] = {-1, -1};
	struct agent_child a;

	if (!s->init || s->init->reaped || !s->init->running)
		return err_set(e, ESRCH, "cannot exec in a stopped container");
	if (agent_process_validate(p, e) < 0 || open_pidns(s, e) < 0)
		return -1;
	if (s->ctr_join.root < 0 &&
	    agent_container_join_open(s->init->pid, s->namespaces & ~(uint32_t)CLONE_NEWPID,
				      &s->ctr_join, e) < 0)
		return -1;
	pr = proc_alloc(s, e);
	if (!pr)
		return -1;
	note_request(pr, t_req, minflt_req);
	if (prepare_proc(s, pr, p, false, ends, e) < 0)
		goto fail;
	a = (struct agent_child){.p = p,
				 .fs_root = s->fs_root,
				 .stdio = pr->io,
				 .status_fd = ends[0],
				 .start_fd = -1,
				 .join = &s->ctr_join,
				 .personality = s->personality,
				 .pdeathsig = !s->guest};
	pr->pid = fork_in_container(s, &a, e);
	if (pr->pid < 0) {
		pr->pid = 0;
		goto fail;
	}
	close_child_ends(s, pr, ends);
	attach(c, pr, p);
	return 0;
fail:
	close_child_ends(s, pr, ends);
	proc_free(s, pr);
	return -1;
}

void agent_exec(struct agent_server *s, struct agent_conn *c, const uint8_t *p, size_t len)
{
	uint64_t t_req = agent_trace_now();
	long minflt_req = minflt_now();
	struct proto_process pp;
	struct err e = {0};

	if (proto_decode_process(p, len, &pp, &e) < 0) {
		agent_conn_error(c, &e);
		return;
	}
	if (exec_proc(s, c, &pp, t_req, minflt_req, &e) < 0)
		agent_conn_error(c, &e);
	proto_process_free(&pp);
}

/* The init waits on its start pipe (ready, after its setup): one byte lets it execve. */
static int start_init(struct agent_server *s, struct agent_proc *init, struct err *e)
{
	if (write(init->start_fd, "s", 1) != 1)
		return err_sys(e, errno, "start the container");
	close_fd(&init->start_fd);
	agent_trace_mark(AGENT_TP_START);
	s->started = true;
	return 0;
}

int agent_start(struct agent_server *s, struct agent_conn *c, struct err *e)
{
	struct agent_proc *init = s->init;

	if (!init)
		return err_set(e, ESRCH, "container does not exist");
	if (s->started)
		return err_set(e, EBUSY, "cannot start an already running container");
	if (init->reaped || init->status_fd < 0)
		return err_set(e, ESRCH, "cannot start a container that has stopped");
	if (!init->running)
		return err_set(e, EAGAIN, "the container is still being created");
	if (start_init(s, init, e) < 0)
		return -1;
	init->start_conn = c;
	return 0;
}

static void reply_pid(struct agent_conn *c, pid_t pid)
{
	struct err e = {0};

	if (c && proto_encode_pid(&c->out, (uint32_t)pid, &e) == 0)
		agent_conn_flush(c);
}

/*
 * The child's setup failed: its ERROR goes where the PID would have. A failed init leaves no
 * container behind, even before it is reaped (its exit, unmounting all, is slow on PVM).
 */
static void setup_failed(struct agent_server *s, struct agent_proc *pr, const struct err *e)
{
	if (pr == s->init)
		container_gone(s);
	if (pr->conn) {
		agent_conn_error(pr->conn, e);
		pr->conn->proc = NULL;
		pr->conn = NULL;
	}
	pr->failed = true;
}

static void status_eof(struct agent_server *s, struct agent_proc *pr)
{
	struct err e = {0};

	close_fd(&pr->status_fd);
	if (!pr->is_init) {
		pr->running = true; /* execve succeeded */
		reply_pid(pr->conn, pr->pid);
	} else if (!pr->running) {
		err_set(&e, ECHILD, "container init exited during setup");
		setup_failed(s, pr, &e);
	} else if (pr->start_now) {
		agent_trace_mark(AGENT_TP_EXECVE);
		pr->start_now = false; /* execve succeeded: the reply to CREATE */
		reply_pid(pr->conn, pr->pid);
	} else if (pr->start_conn) {
		struct agent_conn *c = pr->start_conn;

		agent_trace_mark(AGENT_TP_EXECVE);
		pr->start_conn = NULL;
		if (proto_encode_empty(&c->out, PROTO_OK, &e) == 0)
			c->closing = true;
		agent_conn_flush(c);
	}
	agent_proc_check_done(s, pr);
}

/* A record and, on a socket, the fd that came with it (-1: none, or not one fd). */
static ssize_t read_status(const struct agent_proc *pr, struct agent_status_rec *rec, int *fd)
{
	union {
		struct cmsghdr h;
		char buf[CMSG_SPACE(sizeof(int))];
	} u;
	struct iovec iov = {.iov_base = rec, .iov_len = sizeof(*rec)};
	struct msghdr m = {.msg_iov = &iov,
			   .msg_iovlen = 1,
			   .msg_control = u.buf,
			   .msg_controllen = sizeof(u.buf)};
	struct cmsghdr *c;
	ssize_t n;

	*fd = -1;
	if (!pr->io.ctr_pty)
		return read(pr->status_fd, rec, sizeof(*rec));
	/* more fds than fit are never installed (MSG_CTRUNC): nothing to close but this one */
	n = recvmsg(pr->status_fd, &m, MSG_CMSG_CLOEXEC | MSG_DONTWAIT);
	c = n >= 0 ? CMSG_FIRSTHDR(&m) : NULL;
	if (c && c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_RIGHTS &&
	    c->cmsg_len == CMSG_LEN(sizeof(int)))
		memcpy(fd, CMSG_DATA(c), sizeof(int));
	return n;
}

/* The master of the container's pty the child opened: the one this process relays. */
static void take_pty(struct agent_proc *pr, int fd)
{
	if (pr->io.pty_fd >= 0 || !pr->io.ctr_pty) {
		close(fd);
		return;
	}
	pr->io.pty_fd = fd;
}

void agent_proc_status(struct agent_server *s, struct agent_proc *pr)
{
	struct agent_status_rec rec;
	struct err e = {0};
	int fd;
	ssize_t n = read_status(pr, &rec, &fd);

	if (fd >= 0)
		take_pty(pr, fd);
	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return;
	if (n < (ssize_t)offsetof(struct agent_status_rec, msg)) {
		status_eof(s, pr);
		return;
	}
	rec.msg[sizeof(rec.msg) - 1] = '\0';
	if (rec.errnum == 0 && !pr->is_init)
		return; /* EXEC's pty master; its PID comes at EOF (execve) */
	if (rec.errnum == 0 && pr->is_init && !pr->running) {
		pr->running = true; /* ready: waits for START */
		agent_trace_mark(AGENT_TP_READY);
		if (!pr->start_now)
			reply_pid(pr->conn, pr->pid);
		else if (start_init(s, pr, &e) < 0)
			goto failed;
		return;
	}
	err_set(&e, rec.errnum ? rec.errnum : EINVAL, "%s", rec.msg);
failed:
	close_fd(&pr->status_fd);
	if (pr->is_init && pr->start_now) {
		/* START_NOW: the execve's error is CREATE's answer; nothing was started */
		kill(pr->pid, SIGKILL);
		setup_failed(s, pr, &e);
	} else if (pr->is_init && pr->running) {
		/* execve after START failed: START says so; the stream gets EXIT 127 */
		if (pr->start_conn)
			agent_conn_error(pr->start_conn, &e);
		pr->start_conn = NULL;
	} else {
		setup_failed(s, pr, &e);
	}
	agent_proc_check_done(s, pr);
}

static bool output_done(const struct agent_proc *pr)
{
	return pr->io.out_fd[0] < 0 && pr->io.out_fd[1] < 0 && pr->io.pty_fd < 0;
}

static void send_exit(struct agent_proc *pr)
{
	struct proto_exit x = {0};
	struct err e = {0};

	if (WIFSIGNALED(pr->wait_status))
		x.signal = (uint32_t)WTERMSIG(pr->wait_status);
	else
		x.code = (uint32_t)WEXITSTATUS(pr->wait_status);
	pr->exit_sent = true;
	if (!pr->conn)
		return;
	x.guest_ns = agent_trace_now() - pr->t_req;
	x.agent_minflt = (uint32_t)(minflt_now() - pr->minflt_req);
	proto_encode_exit(&pr->conn->out, &x, &e);
	if (pr->is_init) {
		agent_trace_mark(AGENT_TP_EXIT);
		agent_trace_print(); /* costs guest time, but after guest_ns was taken */
	}
	pr->conn->closing = true; /* EXIT is the stream's last message */
	agent_conn_flush(pr->conn);
}

/* docs/protocol.md "Streams": EXIT only after the output reached EOF. */
void agent_proc_check_done(struct agent_server *s, struct agent_proc *pr)
{
	if (pr->pid == 0 || !pr->reaped || pr->status_fd >= 0)
		return;
	if (pr->failed) {
		proc_free(s, pr);
		return;
	}
	if (!output_done(pr))
		return;
	if (!pr->exit_sent)
		send_exit(pr);
	proc_free(s, pr);
}

void agent_proc_output(struct agent_server *s, struct agent_proc *pr, int which)
{
	int *fd = which == 2 ? &pr->io.pty_fd : &pr->io.out_fd[which];
	ssize_t n = read(*fd, s->rdbuf, sizeof(s->rdbuf));
	struct err e = {0};

	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return;
	if (n <= 0) {
		/* a pty master reads EIO once no slave is left: that is its EOF */
		close_fd(fd);
		agent_proc_check_done(s, pr);
		return;
	}
	if (!pr->conn)
		return; /* nobody to tell: the stream closed */
	if (proto_encode_data(&pr->conn->out, which == 1 ? PROTO_STDERR : PROTO_STDOUT, s->rdbuf,
			      (size_t)n, &e) == 0)
		agent_conn_flush(pr->conn);
}

static int stdin_fd(const struct agent_proc *pr)
{
	return pr->io.pty_fd >= 0 ? pr->io.pty_fd : pr->io.in_fd;
}

void agent_proc_stdin_close(struct agent_proc *pr)
{
	if (pr->in_len > pr->in_off) {
		pr->in_close = true;
		return;
	}
	/* a pty has no EOF of its own to give: the process reads until it exits */
	if (pr->io.pty_fd < 0 && pr->io.in_fd >= 0) {
		close(pr->io.in_fd);
		pr->io.in_fd = -1;
	}
}

void agent_proc_stdin(struct agent_server *s, struct agent_proc *pr, const uint8_t *p, size_t len)
{
	int fd = stdin_fd(pr);
	ssize_t n = 0;

	(void)s;
	if (fd < 0 || len == 0)
		return; /* no stdin (or it was closed): the bytes have nowhere to go */
	n = write(fd, p, len);
	if (n < 0) {
		if (errno != EAGAIN && errno != EINTR)
			return; /* EPIPE: the process closed its stdin */
		n = 0;
	}
	if ((size_t)n == len)
		return;
	/* the pipe is full: keep the rest, and read nothing more from the stream until written */
	pr->in_buf = malloc(len - (size_t)n);
	if (!pr->in_buf)
		return;
	memcpy(pr->in_buf, p + n, len - (size_t)n);
	pr->in_len = len - (size_t)n;
	pr->in_off = 0;
}

void agent_proc_stdin_flush(struct agent_server *s, struct agent_proc *pr)
{
	int fd = stdin_fd(pr);
	ssize_t n = fd < 0 ? -1 : write(fd, pr->in_buf + pr->in_off, pr->in_len - pr->in_off);

	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return;
	if (n > 0)
		pr->in_off += (size_t)n;
	if (n > 0 && pr->in_off < pr->in_len)
		return;
	free(pr->in_buf);
	pr->in_buf = NULL;
	pr->in_len = pr->in_off = 0;
	if (pr->in_close)
		agent_proc_stdin_close(pr);
	if (pr->conn)
		agent_conn_parse(s, pr->conn); /* what the stream sent meanwhile */
}

void agent_reap(struct agent_server *s)
{
	int status;
	pid_t pid;

	/* every child and every orphan the guest's PID 1 inherits */
	while ((pid = waitpid(-1, &status, WNOHANG)) > 0) {
		struct agent_proc *pr = agent_proc_find(s, pid);

		if (!pr)
			continue;
		if (pr->is_init)
			agent_trace_mark(AGENT_TP_REAPED);
		pr->reaped = true;
		pr->wait_status = status;
		agent_proc_check_done(s, pr);
	}
}

/* Host test mode: the processes whose pid namespace is the container's. */
static int kill_pidns(struct agent_server *s, int signo, struct err *e)
{
	struct stat ns, st;
	struct dirent *d;
	DIR *dir;
	char path[64];

	if (fstat(s->ctr_pidns, &ns) < 0)
		return err_sys(e, errno, "fstat pid namespace");
	dir = opendir("/proc");
	if (!dir)
		return err_sys(e, errno, "opendir /proc");
	while ((d = readdir(dir)) != NULL) {
		if (d->d_name[0] < '1' || d->d_name[0] > '9')
			continue;
		snprintf(path, sizeof(path), "/proc/%.16s/ns/pid", d->d_name);
		if (stat(path, &st) == 0 && st.st_ino == ns.st_ino && st.st_dev == ns.st_dev)
			kill(atoi(d->d_name), signo);
	}
	closedir(dir);
	return 0;
}

int agent_kill_all(struct agent_server *s, int signo, struct err *e)
{
	struct err ignored;

	if (!s->init)
		return err_set(e, ESRCH, "container not running");
	/* as PID 1 of the guest, -1 is everything but the agent: the container */
	if (s->guest)
		return kill(-1, signo) < 0 && errno != ESRCH ? err_sys(e, errno, "kill -1") : 0;
	if (open_pidns(s, &ignored) == 0 && s->ctr_pidns >= 0)
		return kill_pidns(s, signo, e);
	for (size_t i = 0; i < AGENT_MAX_PROCS; i++)
		if (s->procs[i].pid > 0 && !s->procs[i].reaped)
			kill(s->procs[i].pid, signo);
	return 0;
}
