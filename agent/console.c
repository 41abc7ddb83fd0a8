// SPDX-License-Identifier: Apache-2.0
#include "console.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

void agent_buf_printf(struct agent_buf *b, const char *fmt, ...)
{
	size_t room = b->cap - b->len;
	va_list ap;
	int n;

	if (room == 0)
		return;
	va_start(ap, fmt);
	n = vsnprintf(b->data + b->len, room, fmt, ap);
	va_end(ap);
	if (n < 0) {
		b->data[b->len] = '\0';
		b->truncated = true;
	} else if ((size_t)n >= room) {
		b->len = b->cap - 1;
		b->truncated = true;
	} else {
		b->len += (size_t)n;
	}
}

void agent_buf_put_duration(struct agent_buf *b, unsigned long long ns, unsigned long long unit_ns)
{
	/* Fixed point instead of %f: no floating point, exact thousandths. */
	unsigned long long milli = unit_ns >= 1000 ? ns / (unit_ns / 1000) : ns * 1000 / unit_ns;

	agent_buf_printf(b, "%llu.%03llu", milli / 1000, milli % 1000);
}

int agent_buf_flush(struct agent_buf *b, int fd)
{
	size_t off = 0;

	while (off < b->len) {
		ssize_t n = write(fd, b->data + off, b->len - off);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			int saved = n < 0 ? errno : EIO;

			b->len = 0;
			b->data[0] = '\0';
			errno = saved;
			return -1;
		}
		off += (size_t)n;
	}
	b->len = 0;
	b->data[0] = '\0';
	b->truncated = false;
	return 0;
}

/* One page: the agent's lines until the next flush. */
static char say_data[4096];
static struct agent_buf say_buf = AGENT_BUF_INIT(say_data);

void agent_say(const char *fmt, ...)
{
	char line[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	agent_buf_printf(&say_buf, "incept-agent: %s\n", line);
}

int agent_say_flush(void)
{
	return agent_buf_flush(&say_buf, STDOUT_FILENO);
}

void agent_say_error(const struct err *e)
{
	char data[ERR_MSG_MAX + 64];
	struct agent_buf b = AGENT_BUF_INIT(data);

	agent_say_flush();
	agent_buf_printf(&b, "incept-agent: error: %s\n", e->msg);
	agent_buf_flush(&b, STDERR_FILENO);
}

int agent_console_setup(struct err *e)
{
	struct pollfd fds[3] = {{.fd = 0}, {.fd = 1}, {.fd = 2}};
	int console = -1;
	int i;

	/* One syscall tells which of 0-2 are closed: poll() marks those POLLNVAL. */
	if (poll(fds, 3, 0) < 0)
		return err_sys(e, errno, "poll stdio");
	for (i = 0; i < 3; i++) {
		if (!(fds[i].revents & POLLNVAL))
			continue;
		if (console < 0) {
			/* Lands on the lowest closed fd, which is fds[i].fd. */
			console = open("/dev/console", O_RDWR | O_NOCTTY);
			if (console < 0)
				return err_sys(e, errno, "open /dev/console");
		}
		if (console != i && dup2(console, i) < 0)
			return err_sys(e, errno, "dup2 /dev/console to %d", i);
	}
	return 0;
}
