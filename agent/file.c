// SPDX-License-Identifier: Apache-2.0
/* Small file helpers: agent/file.h. */
#include "file.h"

#include <fcntl.h>
#include <unistd.h>

ssize_t agent_read_small(int dirfd, const char *path, char *buf, size_t size)
{
	int fd = openat(dirfd, path, O_RDONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		return -1;
	n = read(fd, buf, size - 1);
	close(fd);
	if (n >= 0)
		buf[n] = '\0';
	return n;
}
