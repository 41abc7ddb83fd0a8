// SPDX-License-Identifier: Apache-2.0
/*
 * Requests to the agent (docs/protocol.md): each is a new stream to vsock port 1024 through
 * the VMM's socket (common/relay.c does the CONNECT exchange), one request message, one reply.
 */
#define _GNU_SOURCE
#include "container.h"
#include "cleanup.h"
#include "relay.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
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

int rt_agent_connect(const char *vmm_socket, struct err *e)
{
	if (!vmm_socket)
		return err_set(e, ENOTCONN,
			       "the container has no VMM socket (not made by incept "
			       "create?)");
	return relay_connect_agent(vmm_socket, AGENT_TIMEOUT_S * 1000, e);
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
		return err_set(e, EPIPE,
			       "the container's VM closed the connection without a reply");
	if (h.type == PROTO_ERROR) {
		if (proto_decode_error(p, h.len, &errnum, &msg, e) < 0)
			return -1;
		return err_set(e, errnum > 0 ? errnum : EIO, "%s", *msg ? msg : "agent error");
	}
	if (h.type != want)
		return err_set(e, EPROTO, "unexpected reply %s (wanted %s)",
			       proto_type_name(h.type), proto_type_name(want));
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
