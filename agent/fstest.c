// SPDX-License-Identifier: Apache-2.0
/*
 * The in-guest virtio-fs conformance test (agent/fstest.h). Every FUSE operation the server
 * implements is reached at least once through the guest kernel's own file system calls, and
 * confinement is checked by what the guest can see. Each guest system call costs ~0.3 ms on
 * PVM and each FUSE round trip more, so every test does few calls; the 1000-entry directory
 * uses mknod (one round trip per entry) rather than open+close.
 */
#define _GNU_SOURCE
#include "fstest.h"
#include "file.h"
#include "guest_abi.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/syscall.h>
#include <sys/xattr.h>
#include <time.h>
#include <unistd.h>

/* include/uapi/linux/fs.h: renameat2 flags (musl ships no kernel headers). */
#define FSTEST_RENAME_NOREPLACE (1u << 0)
#define FSTEST_RENAME_EXCHANGE	(1u << 1)
/* include/uapi/linux/falloc.h */
#define FSTEST_FALLOC_KEEP_SIZE	 0x01
#define FSTEST_FALLOC_PUNCH_HOLE 0x02

#define BIGDIR_ENTRIES 1000
#define SPARSE_OFFSET  (5ull << 30)

struct fstest {
	const struct agent_fstest_config *cfg;
	int root, rw, ro; /* O_DIRECTORY fds */
	char why[160];
};

/* Records why a test failed (with errno when set) and returns -1. */
__attribute__((format(printf, 3, 4))) static int fail(struct fstest *t, int line, const char *fmt,
						      ...)
{
	int saved = errno;
	size_t n;
	va_list ap;

	n = (size_t)snprintf(t->why, sizeof(t->why), "line %d: ", line);
	va_start(ap, fmt);
	if (n < sizeof(t->why))
		vsnprintf(t->why + n, sizeof(t->why) - n, fmt, ap);
	va_end(ap);
	n = strlen(t->why);
	if (saved && n < sizeof(t->why))
		snprintf(t->why + n, sizeof(t->why) - n, " (errno %d %s)", saved, strerror(saved));
	return -1;
}

/* CHECK(cond, what): fail the test unless cond holds. errno is cleared first. */
#define CHECK(cond, ...)                                                                           \
	do {                                                                                       \
		errno = 0;                                                                         \
		if (!(cond))                                                                       \
			return fail(t, __LINE__, __VA_ARGS__);                                     \
	} while (0)

/* The call must fail with exactly this errno. */
#define CHECK_ERR(call, err, what)                                                                 \
	do {                                                                                       \
		errno = 0;                                                                         \
		if ((call) >= 0)                                                                   \
			return fail(t, __LINE__, "%s succeeded, want %s", what, strerror(err));    \
		if (errno != (err))                                                                \
			return fail(t, __LINE__, "%s: want %s", what, strerror(err));              \
	} while (0)

static int write_file(int dir, const char *name, const char *data, mode_t mode)
{
	size_t len = strlen(data);
	int fd = openat(dir, name, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
	int r = 0;

	if (fd < 0)
		return -1;
	if (write(fd, data, len) != (ssize_t)len)
		r = -1;
	if (close(fd) < 0)
		r = -1;
	return r;
}

static bool same_inode(const struct stat *a, const struct stat *b)
{
	return a->st_dev == b->st_dev && a->st_ino == b->st_ino;
}

/* create, write, read, truncate, fallocate, lseek, append, fsync, fdatasync. */
static int test_file_io(struct fstest *t)
{
	static char buf[65536], back[65536];
	struct stat st;
	off_t data;
	int fd;

	for (size_t i = 0; i < sizeof(buf); i++)
		buf[i] = (char)('a' + i % 23);
	fd = openat(t->rw, "io", O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	CHECK(fd >= 0, "create io");
	CHECK(write(fd, buf, sizeof(buf)) == (ssize_t)sizeof(buf), "write 64 KiB");
	CHECK(pread(fd, back, sizeof(back), 0) == (ssize_t)sizeof(back), "pread");
	CHECK(!memcmp(buf, back, sizeof(buf)), "read back differs");
	CHECK(ftruncate(fd, 10) == 0, "truncate to 10");
	CHECK(fstat(fd, &st) == 0 && st.st_size == 10, "size after truncate %lld",
	      (long long)st.st_size);
	CHECK(ftruncate(fd, 8192) == 0, "extend to 8192");
	CHECK(pread(fd, back, 100, 4000) == 100 && !back[0] && !back[99], "extension not zeros");
	CHECK(fallocate(fd, 0, 0, 1 << 20) == 0, "fallocate 1 MiB");
	CHECK(fstat(fd, &st) == 0 && st.st_size == 1 << 20, "size after fallocate");
	CHECK(fallocate(fd, FSTEST_FALLOC_PUNCH_HOLE | FSTEST_FALLOC_KEEP_SIZE, 0, 4096) == 0,
	      "punch hole");
	CHECK(lseek(fd, 0, SEEK_END) == 1 << 20, "SEEK_END");
	data = lseek(fd, 0, SEEK_DATA);
	CHECK(data >= 0 && data < 1 << 20, "SEEK_DATA gave %lld", (long long)data);
	CHECK(lseek(fd, 0, SEEK_HOLE) == 0, "SEEK_HOLE at a punched start");
	CHECK(fsync(fd) == 0 && fdatasync(fd) == 0, "fsync/fdatasync");
	CHECK(close(fd) == 0, "close");
	fd = openat(t->rw, "io", O_WRONLY | O_APPEND | O_CLOEXEC);
	CHECK(fd >= 0 && write(fd, "tail", 4) == 4, "append");
	close(fd);
	CHECK(fstatat(t->rw, "io", &st, 0) == 0 && st.st_size == (1 << 20) + 4,
	      "size after append");
	CHECK(agent_read_small(t->rw, "io", back, 5) == 4 && back[0] == 0,
	      "read of the punched hole");
	CHECK(unlinkat(t->rw, "io", 0) == 0, "unlink");
	CHECK_ERR(fstatat(t->rw, "io", &st, 0), ENOENT, "stat after unlink");
	return 0;
}

/* rename, rename over a file, RENAME_NOREPLACE, RENAME_EXCHANGE, a directory with contents. */
static int test_rename(struct fstest *t)
{
	char buf[32];

	CHECK(write_file(t->rw, "ra", "A", 0644) == 0 && write_file(t->rw, "rb", "B", 0644) == 0,
	      "create ra rb");
	CHECK(renameat(t->rw, "ra", t->rw, "rc") == 0, "rename ra rc");
	CHECK(agent_read_small(t->rw, "rc", buf, sizeof(buf)) == 1 && buf[0] == 'A', "rc content");
	CHECK(renameat(t->rw, "rc", t->rw, "rb") == 0, "rename rc over rb");
	CHECK(agent_read_small(t->rw, "rb", buf, sizeof(buf)) == 1 && buf[0] == 'A',
	      "rb not replaced");
	CHECK_ERR(faccessat(t->rw, "rc", F_OK, 0), ENOENT, "old name after rename");
	CHECK(write_file(t->rw, "rd", "D", 0644) == 0, "create rd");
	CHECK_ERR(syscall(SYS_renameat2, t->rw, "rd", t->rw, "rb", FSTEST_RENAME_NOREPLACE), EEXIST,
		  "RENAME_NOREPLACE onto a file");
	CHECK(syscall(SYS_renameat2, t->rw, "rd", t->rw, "rb", FSTEST_RENAME_EXCHANGE) == 0,
	      "RENAME_EXCHANGE");
	CHECK(agent_read_small(t->rw, "rb", buf, sizeof(buf)) == 1 && buf[0] == 'D',
	      "rb after exchange");
	CHECK(agent_read_small(t->rw, "rd", buf, sizeof(buf)) == 1 && buf[0] == 'A',
	      "rd after exchange");
	CHECK(mkdirat(t->rw, "rdir", 0755) == 0 && renameat(t->rw, "rd", t->rw, "rdir/in") == 0,
	      "move into a directory");
	CHECK(renameat(t->rw, "rdir", t->rw, "rdir2") == 0, "rename a directory");
	CHECK(agent_read_small(t->rw, "rdir2/in", buf, sizeof(buf)) == 1 && buf[0] == 'A',
	      "content after the directory moved");
	CHECK(mkdirat(t->rw, "rempty", 0755) == 0, "mkdir rempty");
	CHECK(renameat(t->rw, "rempty", t->rw, "rdir2") < 0 &&
		      (errno == ENOTEMPTY || errno == EEXIST),
	      "rename over a non-empty directory");
	CHECK(unlinkat(t->rw, "rdir2/in", 0) == 0 && renameat(t->rw, "rempty", t->rw, "rdir2") == 0,
	      "rename over an empty directory");
	CHECK(unlinkat(t->rw, "rdir2", AT_REMOVEDIR) == 0 && unlinkat(t->rw, "rb", 0) == 0,
	      "clean up");
	return 0;
}

/* Counts the entries of dir/name other than . and ..; marks names "<prefix><n>" in seen. */
static long list_dir(int dir, const char *name, const char *prefix, unsigned char *seen,
		     unsigned nseen)
{
	int fd = openat(dir, name, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	size_t plen = strlen(prefix);
	struct dirent *d;
	long count = 0;
	DIR *dp;

	if (fd < 0 || !(dp = fdopendir(fd))) {
		if (fd >= 0)
			close(fd);
		return -1;
	}
	while ((d = readdir(dp))) {
		unsigned long n;
		char *end;

		if (!strcmp(d->d_name, ".") || !strcmp(d->d_name, ".."))
			continue;
		count++;
		if (seen && !strncmp(d->d_name, prefix, plen)) {
			n = strtoul(d->d_name + plen, &end, 10);
			if (!*end && n < nseen && seen[n] < 255)
				seen[n]++;
		}
	}
	closedir(dp);
	return count;
}

/* mkdir, rmdir, readdir, and a directory of BIGDIR_ENTRIES entries (rw/big, kept). */
static int test_dir(struct fstest *t)
{
	static unsigned char seen[BIGDIR_ENTRIES];
	char name[32];
	long n;

	CHECK(mkdirat(t->rw, "d", 0750) == 0, "mkdir");
	CHECK_ERR(mkdirat(t->rw, "d", 0750), EEXIST, "mkdir of an existing name");
	CHECK(write_file(t->rw, "d/f", "x", 0644) == 0, "file in d");
	CHECK_ERR(unlinkat(t->rw, "d", AT_REMOVEDIR), ENOTEMPTY, "rmdir of a non-empty dir");
	CHECK(list_dir(t->rw, "d", "", NULL, 0) == 1, "readdir of d");
	CHECK(unlinkat(t->rw, "d/f", 0) == 0 && unlinkat(t->rw, "d", AT_REMOVEDIR) == 0, "rmdir");
	CHECK(mkdirat(t->rw, "big", 0755) == 0, "mkdir big");
	for (unsigned i = 0; i < BIGDIR_ENTRIES; i++) {
		snprintf(name, sizeof(name), "big/e%u", i);
		CHECK(mknodat(t->rw, name, S_IFREG | 0644, 0) == 0, "mknod %s", name);
	}
	memset(seen, 0, sizeof(seen));
	n = list_dir(t->rw, "big", "e", seen, BIGDIR_ENTRIES);
	CHECK(n == BIGDIR_ENTRIES, "readdir of big: %ld entries", n);
	for (unsigned i = 0; i < BIGDIR_ENTRIES; i++)
		CHECK(seen[i] == 1, "entry e%u seen %u times", i, seen[i]);
	/* left in place (unlink is tested above): the harness counts them on the host */
	return 0;
}

/* Hard links: one inode under two names. */
static int test_link(struct fstest *t)
{
	struct stat a, b;
	char buf[16];

	CHECK(write_file(t->rw, "l1", "one", 0644) == 0, "create l1");
	CHECK(linkat(t->rw, "l1", t->rw, "l2", 0) == 0, "link");
	CHECK(fstatat(t->rw, "l1", &a, 0) == 0 && fstatat(t->rw, "l2", &b, 0) == 0, "stat");
	CHECK(same_inode(&a, &b) && a.st_nlink == 2, "links: nlink %lu", (unsigned long)a.st_nlink);
	CHECK(write_file(t->rw, "l2", "two", 0644) == 0, "write through l2");
	CHECK(agent_read_small(t->rw, "l1", buf, sizeof(buf)) == 3 && !strcmp(buf, "two"),
	      "l1 content");
	CHECK(unlinkat(t->rw, "l1", 0) == 0, "unlink l1");
	CHECK(fstatat(t->rw, "l2", &b, 0) == 0 && b.st_nlink == 1, "nlink after unlink");
	CHECK(unlinkat(t->rw, "l2", 0) == 0, "unlink l2");
	return 0;
}

static int test_symlink(struct fstest *t)
{
	struct stat st;
	char buf[64];
	ssize_t n;

	CHECK(write_file(t->rw, "starget", "target", 0644) == 0, "create target");
	CHECK(symlinkat("starget", t->rw, "slink") == 0, "symlink");
	n = readlinkat(t->rw, "slink", buf, sizeof(buf));
	CHECK(n == 7 && !memcmp(buf, "starget", 7), "readlink");
	CHECK(fstatat(t->rw, "slink", &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISLNK(st.st_mode),
	      "lstat");
	CHECK(agent_read_small(t->rw, "slink", buf, sizeof(buf)) == 6 && !strcmp(buf, "target"),
	      "read through the link");
	CHECK(symlinkat("missing/x", t->rw, "sdangling") == 0, "dangling symlink");
	CHECK_ERR(faccessat(t->rw, "sdangling", F_OK, 0), ENOENT, "follow a dangling link");
	CHECK(unlinkat(t->rw, "slink", 0) == 0 && unlinkat(t->rw, "sdangling", 0) == 0 &&
		      unlinkat(t->rw, "starget", 0) == 0,
	      "clean up");
	return 0;
}

/* Paths for the xattr calls, which have no *at() form. */
static const char *rw_path(struct fstest *t, const char *name, char *buf, size_t size)
{
	snprintf(buf, size, "%s/rw/%s", t->cfg->root, name);
	return buf;
}

static int test_xattr(struct fstest *t)
{
	char p[256], list[256], val[32];
	ssize_t n;
	bool found = false;

	rw_path(t, "x", p, sizeof(p));
	CHECK(write_file(t->rw, "x", "", 0644) == 0, "create x");
	CHECK(setxattr(p, "user.incept", "v1", 2, XATTR_CREATE) == 0, "setxattr");
	CHECK_ERR(setxattr(p, "user.incept", "v2", 2, XATTR_CREATE), EEXIST, "XATTR_CREATE twice");
	CHECK(setxattr(p, "user.incept", "v22", 3, XATTR_REPLACE) == 0, "XATTR_REPLACE");
	n = getxattr(p, "user.incept", val, sizeof(val));
	CHECK(n == 3 && !memcmp(val, "v22", 3), "getxattr gave %zd bytes", n);
	CHECK(getxattr(p, "user.incept", NULL, 0) == 3, "getxattr size probe");
	n = listxattr(p, list, sizeof(list));
	CHECK(n > 0, "listxattr");
	for (ssize_t off = 0; off < n; off += (ssize_t)strlen(list + off) + 1)
		found |= !strcmp(list + off, "user.incept");
	CHECK(found, "listxattr lacks user.incept");
	CHECK(setxattr(p, "trusted.incept", "x", 1, 0) < 0, "trusted.* must be refused");
	CHECK(removexattr(p, "user.incept") == 0, "removexattr");
	CHECK_ERR(getxattr(p, "user.incept", val, sizeof(val)), ENODATA, "getxattr after remove");
	CHECK(unlinkat(t->rw, "x", 0) == 0, "unlink x");
	return 0;
}

/* chmod, chown, utimes, statfs; leaves rw/guest/ for the host-side checks of the harness. */
static int test_attr(struct fstest *t)
{
	struct timespec ts[2] = {{.tv_sec = 1000000000, .tv_nsec = 5000},
				 {.tv_sec = 1234567890, .tv_nsec = 0}};
	struct statfs sf;
	struct stat st;

	CHECK(mkdirat(t->rw, "guest", 0755) == 0, "mkdir guest");
	CHECK(write_file(t->rw, "guest/file", "written by the guest\n", 0600) == 0, "create");
	CHECK(fchmodat(t->rw, "guest/file", 0640, 0) == 0, "chmod");
	CHECK(fchownat(t->rw, "guest/file", 1000, 1001, 0) == 0, "chown");
	CHECK(utimensat(t->rw, "guest/file", ts, 0) == 0, "utimensat");
	CHECK(fstatat(t->rw, "guest/file", &st, 0) == 0, "stat");
	CHECK((st.st_mode & 07777) == 0640, "mode %o", st.st_mode & 07777);
	CHECK(st.st_uid == 1000 && st.st_gid == 1001, "owner %u:%u", st.st_uid, st.st_gid);
	CHECK(st.st_atim.tv_sec == ts[0].tv_sec && st.st_mtim.tv_sec == ts[1].tv_sec,
	      "times %lld %lld", (long long)st.st_atim.tv_sec, (long long)st.st_mtim.tv_sec);
	CHECK(symlinkat("file", t->rw, "guest/sym") == 0, "symlink in guest/");
	CHECK(fchownat(t->rw, "guest/sym", 1002, 1003, AT_SYMLINK_NOFOLLOW) == 0, "lchown");
	CHECK(fstatfs(t->rw, &sf) == 0, "statfs");
	CHECK(sf.f_bsize > 0 && sf.f_blocks > 0 && sf.f_namelen > 0,
	      "statfs: bsize %ld blocks %llu", (long)sf.f_bsize, (unsigned long long)sf.f_blocks);
	CHECK(fsync(t->rw) == 0, "fsync of a directory");
	return 0;
}

/* A sparse file past 4 GiB: 32-bit offsets anywhere on the path would show here. */
static int test_sparse(struct fstest *t)
{
	static const char tail[] = "five gibibytes in";
	char buf[sizeof(tail)];
	struct stat st;
	int fd = openat(t->rw, "sparse", O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0644);

	CHECK(fd >= 0, "create sparse");
	CHECK(pwrite(fd, tail, sizeof(tail), SPARSE_OFFSET) == (ssize_t)sizeof(tail),
	      "write at 5 GiB");
	CHECK(close(fd) == 0, "close");
	CHECK(fstatat(t->rw, "sparse", &st, 0) == 0, "stat");
	CHECK(st.st_size == (off_t)(SPARSE_OFFSET + sizeof(tail)), "size %lld",
	      (long long)st.st_size);
	CHECK(st.st_blocks < 1024, "not sparse: %lld blocks", (long long)st.st_blocks);
	fd = openat(t->rw, "sparse", O_RDONLY | O_CLOEXEC);
	CHECK(fd >= 0, "open sparse");
	CHECK(pread(fd, buf, sizeof(buf), SPARSE_OFFSET) == (ssize_t)sizeof(buf) &&
		      !memcmp(buf, tail, sizeof(tail)),
	      "read back at 5 GiB");
	CHECK(pread(fd, buf, 8, 4ull << 30) == 8 && !memcmp(buf, "\0\0\0\0\0\0\0\0", 8),
	      "the hole at 4 GiB is not zeros");
	CHECK(lseek(fd, 0, SEEK_DATA) >= (off_t)(4ull << 30), "SEEK_DATA before the data");
	close(fd);
	CHECK(unlinkat(t->rw, "sparse", 0) == 0, "unlink sparse");
	return 0;
}

/* An unlinked file stays usable through the fd that holds it. */
static int test_unlink_open(struct fstest *t)
{
	char buf[16];
	struct stat st;
	int fd = openat(t->rw, "uo", O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0644);

	CHECK(fd >= 0, "create uo");
	CHECK(write(fd, "before", 6) == 6, "write");
	CHECK(unlinkat(t->rw, "uo", 0) == 0, "unlink while open");
	CHECK_ERR(faccessat(t->rw, "uo", F_OK, 0), ENOENT, "name after unlink");
	CHECK(fstat(fd, &st) == 0 && st.st_nlink == 0, "nlink %lu", (unsigned long)st.st_nlink);
	CHECK(pwrite(fd, "after", 5, 6) == 5, "write after unlink");
	CHECK(pread(fd, buf, 11, 0) == 11 && !memcmp(buf, "beforeafter", 11), "read after unlink");
	CHECK(close(fd) == 0, "close");
	return 0;
}

static int stat_path(const char *path, struct stat *st)
{
	return stat(path, st);
}

/* `..` at the mount root and at the share root, as the guest's path walk sees them. */
static int test_confine_dotdot(struct fstest *t)
{
	char p[256], parent[256];
	struct stat root, rw, st, up;
	char *slash;

	snprintf(parent, sizeof(parent), "%s", t->cfg->root);
	slash = strrchr(parent, '/');
	CHECK(slash != NULL, "root %s has no parent", t->cfg->root);
	*(slash == parent ? slash + 1 : slash) = '\0';
	CHECK(fstat(t->root, &root) == 0 && fstat(t->rw, &rw) == 0 && stat_path(parent, &up) == 0,
	      "stat roots");
	CHECK(fstatat(t->rw, "..", &st, 0) == 0 && same_inode(&st, &root), "rw/.. is not the root");
	CHECK(fstatat(t->rw, "../rw/../rw", &st, 0) == 0 && same_inode(&st, &rw), "rw/../rw");
	snprintf(p, sizeof(p), "%s/..", t->cfg->root);
	CHECK(stat_path(p, &st) == 0 && same_inode(&st, &up), "%s is not %s", p, parent);
	CHECK(fstatat(t->rw, "../..", &st, 0) == 0 && same_inode(&st, &up), "rw/../.. not %s",
	      parent);
	CHECK(fstatat(t->ro, "../rw", &st, 0) == 0 && same_inode(&st, &rw), "ro/../rw");
	return 0;
}

/*
 * Symlinks pointing out resolve in the guest's own tree: "/" and "../../.." reach the guest's
 * root, and links to a host file outside the shares (fixtures) do not reach it at all.
 */
static int test_confine_symlink(struct fstest *t)
{
	struct stat slash, st;
	char buf[256];
	ssize_t n;
	int err;

	CHECK(stat("/", &slash) == 0, "stat /");
	CHECK(symlinkat("/", t->rw, "to_root") == 0 && symlinkat("../../..", t->rw, "to_up") == 0,
	      "create links");
	CHECK(fstatat(t->rw, "to_root", &st, 0) == 0 && same_inode(&st, &slash),
	      "a link to / is not this system's /");
	CHECK(fstatat(t->rw, "to_up/", &st, 0) == 0, "stat to_up");
	CHECK(same_inode(&st, &slash) || !t->cfg->in_guest, "../../.. is not the guest's /");
	CHECK(unlinkat(t->rw, "to_root", 0) == 0 && unlinkat(t->rw, "to_up", 0) == 0, "clean up");
	if (!t->cfg->in_guest)
		return 0;
	for (int i = 0; i < 2; i++) {
		const char *name = i ? "secret_rel" : "secret_abs";

		CHECK(fstatat(t->rw, name, &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISLNK(st.st_mode),
		      "fixture rw/%s missing", name);
		errno = 0;
		n = agent_read_small(t->rw, name, buf, sizeof(buf));
		err = errno;
		/* never print what was read: the harness checks the secret is not on the console */
		CHECK(n < 0, "rw/%s gave %zd bytes of a host file outside the shares", name, n);
		CHECK(err == ENOENT, "rw/%s: want ENOENT, got %s", name, strerror(err));
	}
	return 0;
}

/* Every kind of change to the ro share and the synthetic root is EROFS, for root too. */
static int test_readonly(struct fstest *t)
{
	struct timespec ts[2] = {{.tv_nsec = UTIME_NOW}, {.tv_nsec = UTIME_NOW}};
	char buf[64], p[256];

	CHECK(agent_read_small(t->ro, "hello", buf, sizeof(buf)) > 0, "read ro/hello");
	CHECK_ERR(openat(t->ro, "new", O_WRONLY | O_CREAT | O_CLOEXEC, 0644), EROFS, "create");
	CHECK_ERR(openat(t->ro, "hello", O_WRONLY | O_CLOEXEC), EROFS, "open for writing");
	CHECK_ERR(openat(t->ro, "hello", O_RDONLY | O_TRUNC | O_CLOEXEC), EROFS, "O_TRUNC");
	CHECK_ERR(mkdirat(t->ro, "dir", 0755), EROFS, "mkdir");
	CHECK_ERR(mknodat(t->ro, "node", S_IFREG | 0644, 0), EROFS, "mknod");
	CHECK_ERR(unlinkat(t->ro, "hello", 0), EROFS, "unlink");
	CHECK_ERR(renameat(t->ro, "hello", t->ro, "moved"), EROFS, "rename");
	CHECK_ERR(linkat(t->ro, "hello", t->ro, "hard", 0), EROFS, "link");
	CHECK_ERR(symlinkat("hello", t->ro, "soft"), EROFS, "symlink");
	CHECK_ERR(fchmodat(t->ro, "hello", 0777, 0), EROFS, "chmod");
	CHECK_ERR(fchownat(t->ro, "hello", 1, 1, 0), EROFS, "chown");
	CHECK_ERR(utimensat(t->ro, "hello", ts, 0), EROFS, "utimensat");
	snprintf(p, sizeof(p), "%s/ro/hello", t->cfg->root);
	CHECK_ERR(truncate(p, 0), EROFS, "truncate");
	CHECK_ERR(setxattr(p, "user.x", "1", 1, 0), EROFS, "setxattr");
	CHECK_ERR(mkdirat(t->root, "newshare", 0755), EROFS, "mkdir in the root");
	CHECK_ERR(renameat(t->root, "ro", t->root, "ro2"), EROFS, "rename a share");
	return 0;
}

/* The synthetic root lists the shares: in a guest exactly rw, ro and maybe bench. */
static int test_root(struct fstest *t)
{
	long want = 2 + (faccessat(t->root, AGENT_FS_BENCH_SHARE, F_OK, 0) == 0);
	long n = list_dir(t->root, ".", "", NULL, 0);
	struct stat st;

	CHECK(fstat(t->root, &st) == 0 && S_ISDIR(st.st_mode), "stat root");
	CHECK(n == want || (!t->cfg->in_guest && n > want), "root lists %ld entries, want %ld", n,
	      want);
	CHECK(fstatat(t->root, "ro", &st, 0) == 0 && S_ISDIR(st.st_mode), "ro share");
	return 0;
}

struct fstest_case {
	const char *name;
	int (*fn)(struct fstest *t);
};

static const struct fstest_case cases[] = {
	{"root", test_root},
	{"file_io", test_file_io},
	{"rename", test_rename},
	{"dir", test_dir},
	{"link", test_link},
	{"symlink", test_symlink},
	{"xattr", test_xattr},
	{"attr", test_attr},
	{"sparse", test_sparse},
	{"unlink_open", test_unlink_open},
	{"confine_dotdot", test_confine_dotdot},
	{"confine_symlink", test_confine_symlink},
	{"readonly", test_readonly},
};

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static int open_dirs(struct fstest *t, struct agent_buf *out)
{
	t->root = open(t->cfg->root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	t->rw = t->root < 0 ? -1 : openat(t->root, "rw", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	t->ro = t->root < 0 ? -1 : openat(t->root, "ro", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (t->root >= 0 && t->rw >= 0 && t->ro >= 0)
		return 0;
	agent_buf_printf(out, "fstest: FAILED cannot open %s, %s/rw and %s/ro: %s\n", t->cfg->root,
			 t->cfg->root, t->cfg->root, strerror(errno));
	return -1;
}

int agent_fstest_run(const struct agent_fstest_config *cfg, struct agent_buf *out)
{
	struct fstest t = {.cfg = cfg, .root = -1, .rw = -1, .ro = -1};
	uint64_t t0 = now_ns(), ms[sizeof(cases) / sizeof(cases[0])];
	unsigned failed = 0;

	if (open_dirs(&t, out) < 0)
		return 1;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		uint64_t t1 = now_ns();
		int r;

		t.why[0] = '\0';
		r = cases[i].fn(&t);
		ms[i] = (now_ns() - t1) / 1000000;
		if (r == 0) {
			agent_buf_printf(out, "fstest_%s: ok\n", cases[i].name);
		} else {
			agent_buf_printf(out, "fstest_%s: FAILED %s\n", cases[i].name, t.why);
			failed++;
		}
	}
	/* one line: on PVM each console line costs ~100 ms of emulated guest-kernel work */
	agent_buf_printf(out, "fstest_ms:");
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		agent_buf_printf(out, " %s=%llu", cases[i].name, (unsigned long long)ms[i]);
	agent_buf_printf(out, "\nfstest_total_ms: %llu\n",
			 (unsigned long long)((now_ns() - t0) / 1000000));
	if (failed)
		agent_buf_printf(out, "fstest: FAILED %u test(s)\n", failed);
	else
		agent_buf_printf(out, "fstest: ok\n");
	close(t.root);
	close(t.rw);
	close(t.ro);
	return failed ? 1 : 0;
}

int agent_fs_mount(struct err *e)
{
	if (mkdir("/mnt", 0755) < 0 && errno != EEXIST)
		return err_sys(e, errno, "mkdir /mnt");
	if (mkdir(AGENT_FS_MOUNT, 0755) < 0 && errno != EEXIST)
		return err_sys(e, errno, "mkdir " AGENT_FS_MOUNT);
	if (mount(INCEPT_FS_TAG, AGENT_FS_MOUNT, "virtiofs", MS_NOSUID | MS_NODEV, NULL) < 0)
		return err_sys(e, errno, "mount virtiofs %s on " AGENT_FS_MOUNT, INCEPT_FS_TAG);
	return 0;
}
