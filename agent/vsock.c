// SPDX-License-Identifier: Apache-2.0
/*
 * vsock echo server and guest -> host hello (INCEPT_TASK_VSOCK_ECHO): what the VMM's
 * virtio-vsock device and its Unix socket are tested against. One poll() loop, no threads
 * and no fork: each fork is ~200 ms of emulated guest-kernel work on PVM.
 */
#define _GNU_SOURCE /* accept4 */
#include "vsock.h"

#include <errno.h>
#include <poll.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

/* musl ships no <linux/vm_sockets.h>: the ABI from include/uapi/linux/vm_sockets.h. */
#ifndef AF_VSOCK
#define AF_VSOCK 40
#endif
#define AGENT_VMADDR_CID_ANY  0xffffffffu
#define AGENT_VMADDR_CID_HOST 2u

struct agent_sockaddr_vm {
	unsigned short svm_family;
	unsigned short svm_reserved1;
	unsigned int svm_port;
	unsigned int svm_cid;
	unsigned char svm_zero[4]; /* pads to sizeof(struct sockaddr) */
};

#define ECHO_MAX_CLIENTS 16
#define ECHO_BUF	 16384

struct echo_client {
	int fd; /* -1: free */
	unsigned len, off;
	unsigned char buf[ECHO_BUF];
};

static struct echo_client clients[ECHO_MAX_CLIENTS];

static struct agent_sockaddr_vm vm_addr(unsigned cid, unsigned port)
{
	struct agent_sockaddr_vm sa;

	memset(&sa, 0, sizeof(sa));
	sa.svm_family = AF_VSOCK;
	sa.svm_cid = cid;
	sa.svm_port = port;
	return sa;
}

int agent_vsock_listen(unsigned port, struct err *e)
{
	struct agent_sockaddr_vm sa = vm_addr(AGENT_VMADDR_CID_ANY, port);
	int fd = socket(AF_VSOCK, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);

	if (fd < 0)
		return err_sys(e, errno, "vsock socket");
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 || listen(fd, ECHO_MAX_CLIENTS) < 0) {
		err_sys(e, errno, "vsock port %u", port);
		close(fd);
		return -1;
	}
	return fd;
}

int agent_vsock_send_host(unsigned port, const char *msg, struct err *e)
{
	struct agent_sockaddr_vm sa = vm_addr(AGENT_VMADDR_CID_HOST, port);
	size_t len = strlen(msg);
	int fd = socket(AF_VSOCK, SOCK_STREAM | SOCK_CLOEXEC, 0);
	int r = 0;

	if (fd < 0)
		return err_sys(e, errno, "vsock socket");
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0)
		r = err_sys(e, errno, "connect to host port %u", port);
	else if (write(fd, msg, len) != (ssize_t)len)
		r = err_sys(e, errno, "write to host port %u", port);
	close(fd);
	return r;
}

static void drop(struct echo_client *c)
{
	close(c->fd);
	c->fd = -1;
}

static void accept_all(int listen_fd)
{
	for (;;) {
		int fd = accept4(listen_fd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);
		unsigned i;

		if (fd < 0)
			return;
		for (i = 0; i < ECHO_MAX_CLIENTS && clients[i].fd >= 0; i++)
			;
		if (i == ECHO_MAX_CLIENTS) {
			close(fd); /* the host sees its stream reset */
			continue;
		}
		clients[i].fd = fd;
		clients[i].len = clients[i].off = 0;
	}
}

/* Reads only into an empty buffer: the sender waits while we cannot write back. */
static void serve(struct echo_client *c, short revents)
{
	ssize_t n;

	if (c->len == 0 && (revents & (POLLIN | POLLHUP | POLLERR))) {
		n = read(c->fd, c->buf, sizeof(c->buf));
		if (n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR)) {
			drop(c); /* EOF: all of it was echoed; close answers the half-close */
			return;
		}
		if (n > 0) {
			c->len = (unsigned)n;
			c->off = 0;
		}
	}
	while (c->off < c->len) {
		n = write(c->fd, c->buf + c->off, c->len - c->off);
		if (n < 0) {
			if (errno != EAGAIN && errno != EINTR)
				drop(c);
			return;
		}
		c->off += (unsigned)n;
	}
	c->len = c->off = 0;
}

void agent_vsock_echo_forever(int listen_fd)
{
	struct pollfd fds[1 + ECHO_MAX_CLIENTS];
	struct echo_client *who[1 + ECHO_MAX_CLIENTS];

	for (unsigned i = 0; i < ECHO_MAX_CLIENTS; i++)
		clients[i].fd = -1;
	for (;;) {
		nfds_t n = 1;

		fds[0] = (struct pollfd){.fd = listen_fd, .events = POLLIN};
		for (unsigned i = 0; i < ECHO_MAX_CLIENTS; i++) {
			if (clients[i].fd < 0)
				continue;
			who[n] = &clients[i];
			fds[n++] = (struct pollfd){.fd = clients[i].fd,
						   .events = clients[i].len ? POLLOUT : POLLIN};
		}
		if (poll(fds, n, -1) < 0)
			continue; /* EINTR */
		if (fds[0].revents)
			accept_all(listen_fd);
		for (nfds_t i = 1; i < n; i++)
			if (fds[i].revents)
				serve(who[i], fds[i].revents);
	}
}
