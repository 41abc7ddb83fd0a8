// SPDX-License-Identifier: Apache-2.0
/*
 * Requests to the agent (docs/protocol.md): each is a new stream to vsock port 1024 through
 * the VMM's socket (docs/vsock.md: "CONNECT 1024\n" answered by "OK <port>\n"), one request
 * message, one reply.
 */
#define _GNU_SOURCE
#include "container.h"
#include "cleanup.h"
#include "util.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/un.h>
#include <unistd.h>

/* A guest that does not answer a request in this long is treated as gone. */
#define AGENT_TIMEOUT_S 30

static int set_timeout(int fd, int secs)
{
	struct timeval tv = {.tv_sec = secs};

	if (setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)) < 0 ||
	    setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv)) < 0)
		return -1;
	return 0;
}

/* "OK <port>\n", read a byte at a time so nothing after the line is consumed. */
static int read_ok(int fd, const char *path, struct err *e)
{
	char line[64];
	size_t n = 0;

	while (n < sizeof(line) - 1) {
		ssize_t r = read(fd, line + n, 1);

		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return err_sys(e, errno, "connect to the agent through %s", path);
		if (r == 0)
			return err_set(e, ECONNREFUSED,
				       "connect to the agent through %s: the guest refused", path);
		if (line[n] == '\n')
			break;
		n++;
	}
	line[n] = '\0';
	if (strncmp(line, "OK ", 3))
		return err_set(e, EPROTO, "connect to the agent through %s: unexpected answer",
			       path);
	return 0;
}

int rt_agent_connect(const char *vmm_socket, struct err *e)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	cleanup_close int fd = -1;
	char req[32];
	int n;

	if (strlen(vmm_socket) >= sizeof(sa.sun_path))
		return err_set(e, ENAMETOOLONG, "%s: socket path too long", vmm_socket);
	strcpy(sa.sun_path, vmm_socket);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return err_sys(e, errno, "socket");
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0)
		return err_sys(e, errno, "connect %s", vmm_socket);
	if (set_timeout(fd, AGENT_TIMEOUT_S) < 0)
		return err_sys(e, errno, "setsockopt");
	n = snprintf(req, sizeof(req), "CONNECT %u\n", PROTO_AGENT_PORT);
	if (util_write_all(fd, req, (size_t)n) < 0)
		return err_sys(e, errno, "connect to the agent through %s", vmm_socket);
	if (read_ok(fd, vmm_socket, e) < 0)
		return -1;
	if (set_timeout(fd, 0) < 0) /* from here on the caller decides how long to wait */
		return err_sys(e, errno, "setsockopt");
	return steal_fd(&fd);
}

int rt_agent_reply(int fd, uint16_t want, uint8_t **payload, uint32_t *len, struct err *e)
{
	cleanup_free uint8_t *p = NULL;
	struct proto_hdr h;
	const char *msg;
	int r, errnum;

	r = proto_read_msg(fd, &h, &p, e);
	if (r < 0)
		return -1;
	if (r == 0)
		return err_set(e, EPIPE, "the container's VM closed the connection without a reply");
	if (h.type == PROTO_ERROR) {
		if (proto_decode_error(p, h.len, &errnum, &msg, e) < 0)
			return -1;
		return err_set(e, errnum > 0 ? errnum : EIO, "%s", *msg ? msg : "agent error");
	}
	if (h.type != want)
		return err_set(e, EPROTO, "unexpected reply %s (wanted %s)", proto_type_name(h.type),
			       proto_type_name(want));
	if (payload)
		*payload = steal_ptr(&p);
	if (len)
		*len = h.len;
	return 0;
}

int rt_agent_request(const char *vmm_socket, struct proto_buf *req, uint16_t want,
		     uint8_t **payload, uint32_t *len, struct err *e)
{
	cleanup_close int fd = rt_agent_connect(vmm_socket, e);

	if (fd < 0)
		return -1;
	if (set_timeout(fd, AGENT_TIMEOUT_S) < 0)
		return err_sys(e, errno, "setsockopt");
	if (proto_write_buf(fd, req, e) < 0)
		return -1;
	return rt_agent_reply(fd, want, payload, len, e);
}
