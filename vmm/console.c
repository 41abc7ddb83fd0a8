// SPDX-License-Identifier: Apache-2.0
/* Guest console sink: log file, stderr, and a ring of recent output for error messages. */
#define _GNU_SOURCE /* memmem */
#include "console.h"
#include "cleanup.h"
#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

int vmm_console_init(struct vmm_console *c, const char *log_path, bool to_stderr, struct err *e)
{
	memset(c, 0, sizeof(*c));
	pthread_mutex_init(&c->lock, NULL);
	c->log_fd = -1;
	c->to_stderr = to_stderr;
	if (log_path) {
		c->log_fd = open(log_path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
		if (c->log_fd < 0)
			return err_sys(e, errno, "open console log %s", log_path);
	}
	return 0;
}

void vmm_console_destroy(struct vmm_console *c)
{
	vmm_console_flush(c);
	if (c->log_fd >= 0)
		close(c->log_fd);
	c->log_fd = -1;
	pthread_mutex_destroy(&c->lock);
}

static void console_flush_locked(struct vmm_console *c)
{
	if (!c->line_len)
		return;
	/* Console output is best effort: a full disk must not stop the guest. */
	if (c->log_fd >= 0)
		(void)util_write_all(c->log_fd, c->line, c->line_len);
	if (c->to_stderr)
		(void)util_write_all(STDERR_FILENO, c->line, c->line_len);
	c->line_len = 0;
}

void vmm_console_flush(struct vmm_console *c)
{
	pthread_mutex_lock(&c->lock);
	console_flush_locked(c);
	pthread_mutex_unlock(&c->lock);
}

void vmm_console_putc(void *opaque, uint8_t ch)
{
	struct vmm_console *c = opaque;

	pthread_mutex_lock(&c->lock);
	c->bytes++;
	c->ring[c->ring_pos++] = (char)ch;
	if (c->ring_pos == VMM_CONSOLE_RING) {
		c->ring_pos = 0;
		c->ring_full = true;
	}
	c->line[c->line_len++] = (char)ch;
	if (ch == '\n' || c->line_len == VMM_CONSOLE_LINE)
		console_flush_locked(c);
	pthread_mutex_unlock(&c->lock);
}

/* Linearizes the ring (oldest first) into buf; returns the length. */
static size_t console_linear(struct vmm_console *c, char *buf)
{
	size_t n = 0;

	if (c->ring_full) {
		n = VMM_CONSOLE_RING - c->ring_pos;
		memcpy(buf, c->ring + c->ring_pos, n);
	}
	memcpy(buf + n, c->ring, c->ring_pos);
	return n + c->ring_pos;
}

void vmm_console_tail(struct vmm_console *c, char *out, size_t len, unsigned max_lines)
{
	cleanup_free char *buf = NULL;
	size_t n, start, o = 0;
	unsigned lines = 0;

	if (!len)
		return;
	out[0] = '\0';
	buf = malloc(VMM_CONSOLE_RING);
	if (!buf)
		return;
	pthread_mutex_lock(&c->lock);
	n = console_linear(c, buf);
	pthread_mutex_unlock(&c->lock);
	while (n && (buf[n - 1] == '\n' || buf[n - 1] == '\r'))
		n--;
	/* Walk back over whole lines until either limit is reached. */
	start = n;
	while (start > 0 && lines < max_lines && n - start < len - 1) {
		start--;
		if (buf[start] == '\n' && ++lines == max_lines) {
			start++;
			break;
		}
	}
	if (n - start > len - 1)
		start = n - (len - 1);
	for (size_t i = start; i < n; i++) {
		char ch = buf[i];

		if (ch == '\r')
			continue;
		out[o++] = (ch == '\n' || (ch >= 0x20 && ch < 0x7f)) ? ch : '?';
	}
	out[o] = '\0';
}

bool vmm_console_contains(struct vmm_console *c, const char *needle)
{
	cleanup_free char *buf = malloc(VMM_CONSOLE_RING + 1);
	size_t n;

	if (!buf)
		return false;
	pthread_mutex_lock(&c->lock);
	n = console_linear(c, buf);
	pthread_mutex_unlock(&c->lock);
	buf[n] = '\0';
	return memmem(buf, n, needle, strlen(needle)) != NULL;
}

bool vmm_console_find_line(struct vmm_console *c, const char *needle, char *out, size_t len)
{
	cleanup_free char *buf = malloc(VMM_CONSOLE_RING + 1);
	char *hit = NULL, *p, *start, *end;
	size_t n;

	if (!buf || !len)
		return false;
	pthread_mutex_lock(&c->lock);
	n = console_linear(c, buf);
	pthread_mutex_unlock(&c->lock);
	buf[n] = '\0';
	for (p = buf; (p = strstr(p, needle)) != NULL; p++)
		hit = p;
	if (!hit)
		return false;
	for (start = hit; start > buf && start[-1] != '\n';)
		start--;
	end = strchr(hit, '\n');
	n = end ? (size_t)(end - start) : strlen(start);
	while (n && start[n - 1] == '\r')
		n--;
	if (n > len - 1)
		n = len - 1;
	for (size_t i = 0; i < n; i++)
		out[i] = (start[i] >= 0x20 && start[i] < 0x7f) ? start[i] : '?';
	out[n] = '\0';
	return true;
}
