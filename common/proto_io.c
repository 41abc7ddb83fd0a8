// SPDX-License-Identifier: Apache-2.0
/* Blocking message I/O for common/proto.h (EINTR retried). */
#include "proto.h"

#include <errno.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <unistd.h>

/* 1: all read; 0: EOF before the first byte; -1: error or EOF part way. */
static int read_full(int fd, void *buf, size_t len, struct err *e)
{
	size_t done = 0;

	while (done < len) {
		ssize_t n = read(fd, (char *)buf + done, len - done);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return err_sys(e, errno, "reading a message");
		if (n == 0)
			return done ? err_set(e, EPROTO, "connection closed inside a message") : 0;
		done += (size_t)n;
	}
	return 1;
}

int proto_read_msg(int fd, struct proto_hdr *h, uint8_t **payload, struct err *e)
{
	uint8_t raw[PROTO_HDR_SIZE];
	int rc = read_full(fd, raw, sizeof(raw), e);

	*payload = NULL;
	if (rc <= 0)
		return rc;
	if (proto_hdr_parse(raw, h, e) < 0)
		return -1;
	*payload = malloc((size_t)h->len + 1);
	if (!*payload)
		return err_set(e, ENOMEM, "reading a message: out of memory");
	(*payload)[h->len] = 0;
	if (h->len && read_full(fd, *payload, h->len, e) != 1) {
		if (e && !e->msg[0])
			err_set(e, EPROTO, "connection closed inside a message");
		free(*payload);
		*payload = NULL;
		return -1;
	}
	return 1;
}

int proto_write_buf(int fd, struct proto_buf *b, struct err *e)
{
	size_t done = 0;
	bool sock = true; /* send(MSG_NOSIGNAL) on sockets, write() on anything else */

	while (done < b->len) {
		ssize_t n = sock ? send(fd, b->data + done, b->len - done, MSG_NOSIGNAL)
				 : write(fd, b->data + done, b->len - done);

		if (n < 0 && errno == ENOTSOCK && sock) {
			sock = false;
			continue;
		}
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			b->len = 0;
			return err_sys(e, errno, "writing a message");
		}
		done += (size_t)n;
	}
	b->len = 0;
	b->msg_start = 0;
	return 0;
}
