// SPDX-License-Identifier: Apache-2.0
#include "util.h"
#include "cleanup.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

int util_write_all(int fd, const void *buf, size_t len)
{
	const char *p = buf;

	while (len > 0) {
		ssize_t n = write(fd, p, len);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

ssize_t util_read_all(int fd, void *buf, size_t len)
{
	char *p = buf;
	size_t got = 0;

	while (got < len) {
		ssize_t n = read(fd, p + got, len - got);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		if (n == 0)
			break;
		got += (size_t)n;
	}
	return (ssize_t)got;
}

/* Reads into a buffer that grows as needed: /proc files report size 0. */
static int read_fd_bounded(int fd, size_t max, char **out, size_t *len)
{
	size_t cap = 4096, got = 0;
	char *buf = NULL;

	for (;;) {
		char *nb = realloc(buf, cap + 1);
		ssize_t n;

		if (!nb) {
			free(buf);
			errno = ENOMEM;
			return -1;
		}
		buf = nb;
		n = util_read_all(fd, buf + got, cap - got);
		if (n < 0) {
			free(buf);
			return -1;
		}
		got += (size_t)n;
		if (got > max) {
			free(buf);
			errno = EFBIG;
			return -1;
		}
		if (got < cap)
			break;
		cap = cap * 2 > max + 1 ? max + 1 : cap * 2;
	}
	buf[got] = '\0';
	*out = buf;
	if (len)
		*len = got;
	return 0;
}

int util_read_file(const char *path, size_t max, char **out, size_t *len, struct err *e)
{
	cleanup_close int fd = open(path, O_RDONLY | O_CLOEXEC);
	struct stat st;

	if (fd < 0)
		return err_sys(e, errno, "open %s", path);
	if (fstat(fd, &st) < 0)
		return err_sys(e, errno, "stat %s", path);
	if (S_ISDIR(st.st_mode))
		return err_sys(e, EISDIR, "read %s", path);
	if (st.st_size > 0 && (unsigned long long)st.st_size > max)
		return err_set(e, EFBIG, "%s: file too large (%lld bytes, max %zu)", path,
			       (long long)st.st_size, max);
	if (read_fd_bounded(fd, max, out, len) < 0) {
		if (errno == EFBIG)
			return err_set(e, EFBIG, "%s: file too large (max %zu bytes)", path, max);
		return err_sys(e, errno, "read %s", path);
	}
	return 0;
}

int util_write_file_atomic(const char *path, const void *buf, size_t len, mode_t mode,
			   struct err *e)
{
	char tmp[PATH_MAX];
	int fd;

	if (snprintf(tmp, sizeof(tmp), "%s.tmp.%d", path, (int)getpid()) >= (int)sizeof(tmp))
		return err_set(e, ENAMETOOLONG, "%s: path too long", path);
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
	if (fd < 0)
		return err_sys(e, errno, "open %s", tmp);
	if (util_write_all(fd, buf, len) < 0 || fsync(fd) < 0) {
		int saved = errno;

		close(fd);
		unlink(tmp);
		return err_sys(e, saved, "write %s", tmp);
	}
	close(fd);
	if (rename(tmp, path) < 0) {
		int saved = errno;

		unlink(tmp);
		return err_sys(e, saved, "rename %s", path);
	}
	return 0;
}

int util_mkdir_p(const char *path, mode_t mode, struct err *e)
{
	char buf[PATH_MAX];
	size_t n = strlen(path);

	if (n == 0 || n >= sizeof(buf))
		return err_set(e, EINVAL, "mkdir %s: invalid path", path);
	memcpy(buf, path, n + 1);
	for (char *p = buf + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(buf, mode) < 0 && errno != EEXIST)
			return err_sys(e, errno, "mkdir %s", buf);
		*p = '/';
	}
	if (mkdir(buf, mode) < 0 && errno != EEXIST)
		return err_sys(e, errno, "mkdir %s", buf);
	return 0;
}

static int rm_rf_at(int dirfd, const char *name, dev_t dev, struct err *e);

static int rm_dir_contents(int fd, dev_t dev, struct err *e)
{
	DIR *d = fdopendir(fd);
	struct dirent *de;
	int ret = 0;

	if (!d) {
		close(fd);
		return err_sys(e, errno, "opendir");
	}
	while ((de = readdir(d)) != NULL) {
		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		if (rm_rf_at(dirfd(d), de->d_name, dev, e) < 0) {
			ret = -1;
			break;
		}
	}
	closedir(d);
	return ret;
}

static int rm_rf_at(int dirfd, const char *name, dev_t dev, struct err *e)
{
	struct stat st;

	if (fstatat(dirfd, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
		return errno == ENOENT ? 0 : err_sys(e, errno, "stat %s", name);
	if (S_ISDIR(st.st_mode)) {
		int fd;

		if (st.st_dev != dev)
			return err_set(e, EXDEV, "remove %s: is a mount point", name);
		fd = openat(dirfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (fd < 0)
			return err_sys(e, errno, "open %s", name);
		if (rm_dir_contents(fd, dev, e) < 0)
			return -1;
		if (unlinkat(dirfd, name, AT_REMOVEDIR) < 0 && errno != ENOENT)
			return err_sys(e, errno, "remove %s", name);
		return 0;
	}
	if (unlinkat(dirfd, name, 0) < 0 && errno != ENOENT)
		return err_sys(e, errno, "remove %s", name);
	return 0;
}

int util_rm_rf(const char *path, struct err *e)
{
	struct stat st;

	if (lstat(path, &st) < 0)
		return errno == ENOENT ? 0 : err_sys(e, errno, "stat %s", path);
	if (rm_rf_at(AT_FDCWD, path, st.st_dev, e) < 0)
		return err_prefix(e, "remove %s", path);
	return 0;
}

int util_parse_u64(const char *s, int base, unsigned long long *out)
{
	char *end;

	if (!s || !*s || *s == '-' || *s == '+' || *s == ' ')
		return -1;
	errno = 0;
	unsigned long long v = strtoull(s, &end, base);
	if (errno || *end)
		return -1;
	*out = v;
	return 0;
}

void util_rfc3339_now(char *buf, size_t len)
{
	struct timespec ts;
	struct tm tm;
	char base[32];

	clock_gettime(CLOCK_REALTIME, &ts);
	gmtime_r(&ts.tv_sec, &tm);
	strftime(base, sizeof(base), "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(buf, len, "%s.%09ldZ", base, ts.tv_nsec);
}

unsigned long long util_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (unsigned long long)ts.tv_sec * 1000000000ull + (unsigned long long)ts.tv_nsec;
}

int util_unix_connect(const char *path, const char *verb, struct err *e)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	int fd;

	if (strlen(path) >= sizeof(sa.sun_path))
		return err_set(e, ENAMETOOLONG, "%s: socket path too long", path);
	strcpy(sa.sun_path, path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return err_sys(e, errno, "socket");
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		err_sys(e, errno, "%s %s", verb, path);
		close(fd);
		return -1;
	}
	return fd;
}

uint64_t util_fnv64(uint64_t h, const void *buf, size_t len)
{
	const uint8_t *p = buf;

	while (len--) {
		h ^= *p++;
		h *= 0x100000001b3ULL;
	}
	return h;
}
