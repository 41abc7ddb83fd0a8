// SPDX-License-Identifier: Apache-2.0
/*
 * Terminals: the host pty of a terminal:true container or exec (its master goes to the
 * caller over --console-socket, as runc sends it), and the caller's own tty in raw mode when
 * `run` or `exec -t` relay it themselves.
 */
#define _GNU_SOURCE
#include "container.h"
#include "cleanup.h"
#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <pty.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <termios.h>
#include <unistd.h>

_Static_assert(sizeof(struct termios) <= sizeof(((struct rt_tty_saved *)0)->termios),
	       "rt_tty_saved too small");

int rt_pty_open(int *master, int *slave, unsigned rows, unsigned cols, struct err *e)
{
	struct termios t;
	int m, s;

	if (openpty(&m, &s, NULL, NULL, NULL) < 0)
		return err_sys(e, errno, "openpty");
	/* The guest has its own pty with its own line discipline: the host one passes bytes. */
	if (tcgetattr(s, &t) == 0) {
		cfmakeraw(&t);
		tcsetattr(s, TCSANOW, &t);
	}
	if (rows && cols) {
		struct winsize ws = {.ws_row = (unsigned short)rows,
				     .ws_col = (unsigned short)cols};

		ioctl(m, TIOCSWINSZ, &ws);
	}
	fcntl(m, F_SETFD, FD_CLOEXEC);
	fcntl(s, F_SETFD, FD_CLOEXEC);
	*master = m;
	*slave = s;
	return 0;
}

/* runc's utils.SendFd: one byte of payload naming the fd ("/dev/ptmx"), the fd as SCM_RIGHTS. */
int rt_console_send(const char *path, int fd, struct err *e)
{
	cleanup_close int sock = -1;
	char name[] = "/dev/ptmx";
	union {
		char buf[CMSG_SPACE(sizeof(int))];
		struct cmsghdr align;
	} u;
	struct iovec iov = {.iov_base = name, .iov_len = sizeof(name) - 1};
	struct msghdr msg = {.msg_iov = &iov,
			     .msg_iovlen = 1,
			     .msg_control = u.buf,
			     .msg_controllen = sizeof(u.buf)};
	struct cmsghdr *c;

	sock = util_unix_connect(path, "dial unix", e);
	if (sock < 0)
		return -1; /* runc's own words: dial unix PATH: ... */
	memset(u.buf, 0, sizeof(u.buf));
	c = CMSG_FIRSTHDR(&msg);
	c->cmsg_level = SOL_SOCKET;
	c->cmsg_type = SCM_RIGHTS;
	c->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(c), &fd, sizeof(int));
	if (sendmsg(sock, &msg, MSG_NOSIGNAL) < 0)
		return err_sys(e, errno, "send console to %s", path);
	return 0;
}

void rt_tty_raw(int fd, struct rt_tty_saved *s)
{
	struct termios t;

	memset(s, 0, sizeof(*s));
	s->fd = fd;
	if (!isatty(fd) || tcgetattr(fd, &t) < 0)
		return;
	memcpy(s->termios, &t, sizeof(t));
	s->saved = true;
	cfmakeraw(&t);
	/* keep output processing off too: the guest pty already turned \n into \r\n */
	tcsetattr(fd, TCSANOW, &t);
}

void rt_tty_restore(struct rt_tty_saved *s)
{
	struct termios t;

	if (!s->saved)
		return;
	memcpy(&t, s->termios, sizeof(t));
	tcsetattr(s->fd, TCSANOW, &t);
	s->saved = false;
}
