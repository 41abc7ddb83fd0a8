// SPDX-License-Identifier: Apache-2.0
/*
 * The VMM's own requests on <root>/<id>/vmm.sock (docs/protocol.md "VMM socket"): one line,
 * `PAUSE` or `RESUME`, answered by `OK` or `ERR <message>`; then the VMM closes the stream.
 */
#define _GNU_SOURCE
#include "container.h"
#include "cleanup.h"
#include "util.h"

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

/* Parking the vCPUs takes microseconds; a VMM that does not answer in this long is stuck. */
#define CONTROL_TIMEOUT_MS 10000
#define CONTROL_LINE_MAX   256

static int control_connect(const char *path, struct err *e)
{
	if (!path)
		return err_set(e, ENOTCONN,
			       "the container has no VMM socket (not made by incept create?)");
	return util_unix_connect(path, "connect", e);
}

/* The reply line, up to its '\n' (the VMM closes right after it), within the deadline. */
static int read_line(int fd, char *line, size_t size, struct err *e)
{
	unsigned long long deadline = util_now_ns() + CONTROL_TIMEOUT_MS * 1000000ull;
	size_t have = 0;

	while (have + 1 < size) {
		struct pollfd p = {.fd = fd, .events = POLLIN};
		unsigned long long now = util_now_ns();
		ssize_t n;

		if (now >= deadline)
			return err_set(e, ETIMEDOUT, "the VMM did not answer in %d ms",
				       CONTROL_TIMEOUT_MS);
		if (poll(&p, 1, (int)((deadline - now) / 1000000 + 1)) <= 0)
			continue;
		n = read(fd, line + have, size - 1 - have);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		have += (size_t)n;
		if (memchr(line, '\n', have))
			break;
	}
	line[have] = '\0';
	if (!memchr(line, '\n', have))
		return err_set(e, EPROTO, "the VMM closed the connection without a reply");
	*strchr(line, '\n') = '\0';
	return 0;
}

int rt_vmm_control(const char *vmm_socket, const char *request, struct err *e)
{
	cleanup_close int fd = control_connect(vmm_socket, e);
	char line[CONTROL_LINE_MAX];
	int n;

	if (fd < 0)
		return -1;
	n = snprintf(line, sizeof(line), "%s\n", request);
	if (send(fd, line, (size_t)n, MSG_NOSIGNAL) != n)
		return err_sys(e, errno, "writing to %s", vmm_socket);
	if (read_line(fd, line, sizeof(line), e) < 0)
		return err_prefix(e, "%s", request);
	if (!strcmp(line, "OK"))
		return 0;
	if (!strncmp(line, "ERR ", 4))
		return err_set(e, EIO, "%s: %s", request, line + 4);
	return err_set(e, EPROTO, "%s: unexpected reply \"%.40s\"", request, line);
}
