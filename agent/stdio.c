// SPDX-License-Identifier: Apache-2.0
#define _GNU_SOURCE
#include "stdio.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <termios.h>
#include <unistd.h>

/* include/uapi/asm-generic/ioctls.h: open the slave of this master (Linux 4.13) */
#ifndef TIOCGPTPEER
#define TIOCGPTPEER _IO('T', 0x41)
#endif

/* The guest's devpts is its own instance (agent/mount.c), ptmxmode=0666. */
#define AGENT_PTMX "/dev/pts/ptmx"

static void close_fd(int *fd)
{
	if (*fd >= 0)
		close(*fd);
	*fd = -1;
}

int agent_pty_resize(int pty_fd, uint32_t rows, uint32_t cols)
{
	struct winsize ws = {.ws_row = (unsigned short)rows, .ws_col = (unsigned short)cols};

	if (pty_fd < 0 || rows == 0 || cols == 0 || rows > 0xffff || cols > 0xffff)
		return 0;
	return ioctl(pty_fd, TIOCSWINSZ, &ws);
}

static int open_pty(uint32_t rows, uint32_t cols, struct agent_stdio *s, struct err *e)
{
	int unlock = 0, slave;

	s->pty_fd = open(AGENT_PTMX, O_RDWR | O_NOCTTY | O_CLOEXEC | O_NONBLOCK);
	if (s->pty_fd < 0)
		return err_sys(e, errno, "open " AGENT_PTMX);
	if (ioctl(s->pty_fd, TIOCSPTLCK, &unlock) < 0)
		return err_sys(e, errno, "unlock pty");
	slave = ioctl(s->pty_fd, TIOCGPTPEER, O_RDWR | O_NOCTTY | O_CLOEXEC);
	if (slave < 0)
		return err_sys(e, errno, "open pty slave");
	s->child[0] = s->child[1] = s->child[2] = s->ctty = slave;
	agent_pty_resize(s->pty_fd, rows, cols);
	return 0;
}

static int open_pipes(bool want_stdin, int devnull, struct agent_stdio *s, struct err *e)
{
	int p[2];

	s->child[0] = devnull;
	if (want_stdin) {
		if (pipe2(p, O_CLOEXEC) < 0)
			return err_sys(e, errno, "pipe");
		s->child[0] = p[0];
		s->in_fd = p[1];
		if (fcntl(s->in_fd, F_SETFL, O_WRONLY | O_NONBLOCK) < 0)
			return err_sys(e, errno, "fcntl O_NONBLOCK");
	}
	for (int i = 0; i < 2; i++) {
		if (pipe2(p, O_CLOEXEC) < 0)
			return err_sys(e, errno, "pipe");
		s->out_fd[i] = p[0];
		s->child[i + 1] = p[1];
	}
	return 0;
}

int agent_stdio_open(bool terminal, bool ctr_devpts, bool want_stdin, uint32_t rows, uint32_t cols,
		     int devnull, struct agent_stdio *s, struct err *e)
{
	int r;

	*s = (struct agent_stdio){
		.child = {-1, -1, -1}, .ctty = -1, .in_fd = -1, .out_fd = {-1, -1}, .pty_fd = -1};
	if (terminal && ctr_devpts) {
		s->ctr_pty = true;
		s->rows = rows;
		s->cols = cols;
		return 0;
	}
	r = terminal ? open_pty(rows, cols, s, e) : open_pipes(want_stdin, devnull, s, e);
	if (r < 0)
		agent_stdio_close_all(s, devnull);
	return r;
}

void agent_stdio_close_child(struct agent_stdio *s, int devnull)
{
	if (s->ctty >= 0) {
		close_fd(&s->ctty);
		s->child[0] = s->child[1] = s->child[2] = -1;
		return;
	}
	for (int i = 0; i < 3; i++) {
		if (s->child[i] != devnull)
			close_fd(&s->child[i]);
		s->child[i] = -1;
	}
}

void agent_stdio_close_all(struct agent_stdio *s, int devnull)
{
	agent_stdio_close_child(s, devnull);
	close_fd(&s->in_fd);
	close_fd(&s->out_fd[0]);
	close_fd(&s->out_fd[1]);
	close_fd(&s->pty_fd);
}

int agent_stdio_child(const struct agent_stdio *s, struct err *e)
{
	if (setsid() < 0)
		return err_sys(e, errno, "setsid");
	if (s->ctty >= 0 && ioctl(s->ctty, TIOCSCTTY, 0) < 0)
		return err_sys(e, errno, "set the controlling terminal");
	if (s->ctr_pty)
		return 0; /* agent_stdio_container_pty() does the rest */
	/* The sources are all >= 3 (the agent keeps 0-2 open), so no dup2 clobbers another. */
	for (int i = 0; i < 3; i++)
		if (dup2(s->child[i], i) < 0)
			return err_sys(e, errno, "dup2 stdio %d", i);
	return 0;
}

/* runc's mountConsole: the slave, bound on a /dev/console made for it when there is none. */
static int mount_console(int master, struct err *e)
{
	unsigned int n;
	char path[32];

	if (mknod("/dev/console", S_IFREG | 0666, 0) < 0 && errno != EEXIST)
		return 0; /* a read-only /dev without a console: there is none to be */
	if (ioctl(master, TIOCGPTN, &n) < 0)
		return err_sys(e, errno, "pty number");
	snprintf(path, sizeof(path), "/dev/pts/%u", n);
	if (mount(path, "/dev/console", NULL, MS_BIND, NULL) < 0)
		return err_sys(e, errno, "bind %s on /dev/console", path);
	return 0;
}

/*
 * /dev/ptmx is runc's link to pts/ptmx, or a ptmx node whose devpts is the "pts" beside it
 * (Linux 4.7); /dev/pts/ptmx when /dev has neither. The child exits on failure: no close.
 */
int agent_stdio_container_pty(const struct agent_stdio *s, bool console, struct err *e)
{
	const int flags = O_RDWR | O_NOCTTY | O_CLOEXEC | O_NONBLOCK;
	int unlock = 0, master, slave;

	master = open("/dev/ptmx", flags);
	if (master < 0 && errno == ENOENT)
		master = open(AGENT_PTMX, flags);
	if (master < 0)
		return err_sys(e, errno, "open /dev/ptmx in the container");
	if (ioctl(master, TIOCSPTLCK, &unlock) < 0)
		return err_sys(e, errno, "unlock pty");
	/* no lookup of /dev/pts/N: the peer of this master, on the devpts it came from */
	slave = ioctl(master, TIOCGPTPEER, O_RDWR | O_NOCTTY | O_CLOEXEC);
	if (slave < 0)
		return err_sys(e, errno, "open pty slave");
	agent_pty_resize(slave, s->rows, s->cols);
	if (ioctl(slave, TIOCSCTTY, 0) < 0)
		return err_sys(e, errno, "set the controlling terminal");
	for (int i = 0; i < 3; i++)
		if (dup2(slave, i) < 0)
			return err_sys(e, errno, "dup2 stdio %d", i);
	/* the slave's own fd goes at execve (CLOEXEC): a close() would cost a system call */
	if (console && mount_console(master, e) < 0)
		return -1;
	return master;
}
