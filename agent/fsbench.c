// SPDX-License-Identifier: Apache-2.0
/*
 * The file system benchmark of agent/fstest.h: N small files (create, stat, read, unlink),
 * sequential write/read in 1 MiB calls, and `busybox tar -x` of a rootfs. The same code runs
 * in the guest (over virtio-fs) and on the host (the shared directory itself), so the two
 * sets of numbers differ only in where they ran. In the guest each phase ends with
 * INCEPT_CMD_FS_STATS, so the VMM's log tells how many FUSE requests it made (bench/fs.sh).
 */
#define _GNU_SOURCE
#include "fstest.h"
#include "port.h"

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define BENCH_SMALL_BYTES 4096
#define BENCH_CHUNK	  (1u << 20)
#define BENCH_TAR_DIR	  "fsbench-tar"

/* One 1 MiB buffer, touched only when the benchmark runs. */
static char chunk[BENCH_CHUNK] __attribute__((aligned(4096)));

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/* Ends a phase: the VMM logs its FUSE requests; "fsbench_phase: <n> <name> <us>". */
static void phase_end(struct agent_buf *out, enum agent_fs_phase phase, const char *name,
		      uint64_t t0)
{
	uint64_t ns = now_ns() - t0;

	agent_port_send(INCEPT_CMD_FS_STATS, phase);
	agent_buf_printf(out, "fsbench_phase: %u %s %llu\n", (unsigned)phase, name,
			 (unsigned long long)(ns / 1000));
}

/* "fsbench_<name>_us: <mean microseconds per round>" */
static void put_us(struct agent_buf *out, const char *name, uint64_t ns, unsigned rounds)
{
	agent_buf_printf(out, "fsbench_%s_us: ", name);
	agent_buf_put_duration(out, ns / rounds, 1000);
	agent_buf_printf(out, "\n");
}

/* "fsbench_<name>_mib_s: <MiB per second>" with three decimals */
static void put_rate(struct agent_buf *out, const char *name, uint64_t bytes, uint64_t ns)
{
	uint64_t bytes_s = ns ? bytes * 1000000000ull / ns : 0;
	uint64_t milli = bytes_s * 1000 / (1u << 20);

	agent_buf_printf(out, "fsbench_%s_mib_s: %llu.%03llu\n", name,
			 (unsigned long long)(milli / 1000), (unsigned long long)(milli % 1000));
}

void agent_fsbench_conf_default(struct agent_fsbench_conf *c)
{
	*c = (struct agent_fsbench_conf){.seq_mib = 256, .files = 10000};
}

/* One "key=value" line (no newline, NUL-terminated). */
static int conf_line(const char *line, struct agent_fsbench_conf *c, struct err *e)
{
	static const struct {
		const char *key;
		size_t offset;
		unsigned long max;
	} keys[] = {{"seq_mib", offsetof(struct agent_fsbench_conf, seq_mib), 65536},
		    {"files", offsetof(struct agent_fsbench_conf, files), 1000000}};
	const char *eq = strchr(line, '=');
	unsigned long v;
	char *end;

	for (size_t i = 0; eq && i < sizeof(keys) / sizeof(keys[0]); i++) {
		if (strlen(keys[i].key) != (size_t)(eq - line) ||
		    strncmp(line, keys[i].key, (size_t)(eq - line)) != 0)
			continue;
		errno = 0;
		v = strtoul(eq + 1, &end, 10);
		if (eq[1] < '0' || eq[1] > '9' || *end || errno || v < 1 || v > keys[i].max)
			return err_set(e, EINVAL, "%s: %s: want 1..%lu", AGENT_FSBENCH_CONF, line,
				       keys[i].max);
		*(unsigned *)((char *)c + keys[i].offset) = (unsigned)v;
		return 0;
	}
	return err_set(e, EINVAL, "%s: unknown line \"%.64s\"", AGENT_FSBENCH_CONF, line);
}

int agent_fsbench_conf_parse(const char *buf, size_t len, struct agent_fsbench_conf *c,
			     struct err *e)
{
	char line[128];

	agent_fsbench_conf_default(c);
	for (size_t pos = 0; pos < len;) {
		const char *nl = memchr(buf + pos, '\n', len - pos);
		size_t n = nl ? (size_t)(nl - (buf + pos)) : len - pos;

		if (n >= sizeof(line) || memchr(buf + pos, '\0', n))
			return err_set(e, EINVAL, "%s: line too long or with a NUL",
				       AGENT_FSBENCH_CONF);
		memcpy(line, buf + pos, n);
		line[n] = '\0';
		pos += n + 1;
		if (n && line[0] != '#' && conf_line(line, c, e) < 0)
			return -1;
	}
	return 0;
}

/* The conf file in `dir`, or the defaults when there is none. */
static int read_conf(int dir, struct agent_fsbench_conf *c, struct err *e)
{
	char buf[1024];
	int fd = openat(dir, AGENT_FSBENCH_CONF, O_RDONLY | O_CLOEXEC);
	ssize_t n;

	agent_fsbench_conf_default(c);
	if (fd < 0)
		return errno == ENOENT ? 0 : err_sys(e, errno, "open %s", AGENT_FSBENCH_CONF);
	n = read(fd, buf, sizeof(buf));
	close(fd);
	if (n < 0)
		return err_sys(e, errno, "read %s", AGENT_FSBENCH_CONF);
	if ((size_t)n == sizeof(buf))
		return err_set(e, EFBIG, "%s: over %zu bytes", AGENT_FSBENCH_CONF, sizeof(buf) - 1);
	return agent_fsbench_conf_parse(buf, (size_t)n, c, e);
}

static void file_name(char *buf, size_t size, unsigned i)
{
	snprintf(buf, size, "f%u", i);
}

/* create + write 4 KiB + close, N times */
static int files_create(int dir, unsigned n, struct err *e)
{
	char name[32];

	for (unsigned i = 0; i < n; i++) {
		int fd;

		file_name(name, sizeof(name), i);
		fd = openat(dir, name, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
		if (fd < 0)
			return err_sys(e, errno, "create %s", name);
		if (write(fd, chunk, BENCH_SMALL_BYTES) != BENCH_SMALL_BYTES) {
			close(fd);
			return err_sys(e, errno ? errno : EIO, "write %s", name);
		}
		if (close(fd) < 0)
			return err_sys(e, errno, "close %s", name);
	}
	return 0;
}

/* stat each file once: its entry, not one cached entry N times */
static int files_stat(int dir, unsigned n, struct err *e)
{
	char name[32];
	struct stat st;

	for (unsigned i = 0; i < n; i++) {
		file_name(name, sizeof(name), i);
		if (fstatat(dir, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
			return err_sys(e, errno, "stat %s", name);
		if (!S_ISREG(st.st_mode) || st.st_size != BENCH_SMALL_BYTES)
			return err_set(e, EIO, "stat %s: size %lld", name, (long long)st.st_size);
	}
	return 0;
}

/* open + read 4 KiB + close, checking what came back */
static int files_read(int dir, unsigned n, struct err *e)
{
	char name[32];

	for (unsigned i = 0; i < n; i++) {
		ssize_t got;
		int fd;

		file_name(name, sizeof(name), i);
		fd = openat(dir, name, O_RDONLY | O_CLOEXEC);
		if (fd < 0)
			return err_sys(e, errno, "open %s", name);
		got = read(fd, chunk + BENCH_SMALL_BYTES, BENCH_SMALL_BYTES);
		close(fd);
		if (got != BENCH_SMALL_BYTES ||
		    memcmp(chunk, chunk + BENCH_SMALL_BYTES, BENCH_SMALL_BYTES) != 0)
			return err_set(e, EIO, "read %s: %zd bytes, or not what was written", name,
				       got);
	}
	return 0;
}

static int files_unlink(int dir, unsigned n, struct err *e)
{
	char name[32];

	for (unsigned i = 0; i < n; i++) {
		file_name(name, sizeof(name), i);
		if (unlinkat(dir, name, 0) < 0)
			return err_sys(e, errno, "unlink %s", name);
	}
	return 0;
}

/* The small-file phase: each step timed on its own and as a whole (fsbench_files_us). */
static int small_files(int dir, unsigned n, struct agent_buf *out, struct err *e)
{
	static const struct {
		int (*fn)(int dir, unsigned n, struct err *e);
		enum agent_fs_phase phase;
		const char *name, *metric;
	} steps[] = {
		{files_create, AGENT_FS_PHASE_CREATE, "create", "create_write_4k"},
		{files_stat, AGENT_FS_PHASE_STAT, "stat", "stat"},
		{files_read, AGENT_FS_PHASE_READ, "read", "open_read_4k"},
		{files_unlink, AGENT_FS_PHASE_UNLINK, "unlink", "unlink"},
	};
	uint64_t total = 0;

	agent_buf_printf(out, "fsbench_files: %u\n", n);
	for (size_t i = 0; i < sizeof(steps) / sizeof(steps[0]); i++) {
		uint64_t t0 = now_ns();

		if (steps[i].fn(dir, n, e) < 0)
			return -1;
		total += now_ns() - t0;
		put_us(out, steps[i].metric, now_ns() - t0, n);
		phase_end(out, steps[i].phase, steps[i].name, t0);
	}
	agent_buf_printf(out, "fsbench_files_us: %llu\n", (unsigned long long)(total / 1000));
	return 0;
}

static int seq_write(int dir, uint64_t bytes, struct agent_buf *out, struct err *e)
{
	int fd = openat(dir, "seq", O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	uint64_t t0 = now_ns();

	if (fd < 0)
		return err_sys(e, errno, "create seq");
	for (uint64_t done = 0; done < bytes; done += BENCH_CHUNK)
		if (write(fd, chunk, BENCH_CHUNK) != BENCH_CHUNK) {
			err_sys(e, errno ? errno : EIO, "write seq at %llu",
				(unsigned long long)done);
			close(fd);
			return -1;
		}
	if (fsync(fd) < 0) {
		err_sys(e, errno, "fsync seq");
		close(fd);
		return -1;
	}
	put_rate(out, "seq_write", bytes, now_ns() - t0);
	phase_end(out, AGENT_FS_PHASE_SEQ_WRITE, "seq_write", t0);
	/* Read it back cold: drop its cached pages (the page cache of this kernel only). */
	posix_fadvise(fd, 0, 0, POSIX_FADV_DONTNEED);
	return close(fd) < 0 ? err_sys(e, errno, "close seq") : 0;
}

static int seq_read(int dir, uint64_t bytes, struct agent_buf *out, struct err *e)
{
	int fd = openat(dir, "seq", O_RDONLY | O_CLOEXEC);
	uint64_t t0 = now_ns(), done = 0;
	ssize_t n;

	if (fd < 0)
		return err_sys(e, errno, "open seq");
	while ((n = read(fd, chunk, BENCH_CHUNK)) > 0)
		done += (uint64_t)n;
	close(fd);
	if (n < 0 || done != bytes)
		return err_sys(e, n < 0 ? errno : EIO, "read seq: %llu of %llu bytes",
			       (unsigned long long)done, (unsigned long long)bytes);
	put_rate(out, "seq_read", done, now_ns() - t0);
	phase_end(out, AGENT_FS_PHASE_SEQ_READ, "seq_read", t0);
	return 0;
}

/* fork + exec + wait: argv[0] is the program's path. */
static int run_child(char *const argv[], struct err *e)
{
	char *const envp[] = {NULL};
	int status;
	pid_t pid = fork();

	if (pid < 0)
		return err_sys(e, errno, "fork");
	if (pid == 0) {
		execve(argv[0], argv, envp);
		_exit(127);
	}
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return err_sys(e, errno, "waitpid");
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
		return err_set(e, EIO, "%s %s: exit status 0x%x", argv[0], argv[1], status);
	return 0;
}

/*
 * `busybox tar -x` of path/rootfs.tar into path/fsbench-tar, timed from fork to exit (the
 * exec of busybox included: in the guest it is read through the share too, as a container's
 * would be). Skipped, returning 0, when path holds no busybox or rootfs.tar.
 */
static int tar_x(const char *path, int parent, struct agent_buf *out, struct err *e)
{
	char busybox[512], tarball[512], dest[512];
	char *argv[] = {busybox, "tar", "-x", "-f", tarball, "-C", dest, NULL};
	uint64_t t0;

	if (faccessat(parent, "busybox", X_OK, 0) < 0 || faccessat(parent, "rootfs.tar", R_OK, 0))
		return 0;
	if ((size_t)snprintf(dest, sizeof(dest), "%s/%s", path, BENCH_TAR_DIR) >= sizeof(dest))
		return err_set(e, ENAMETOOLONG, "%s: path too long", path);
	snprintf(busybox, sizeof(busybox), "%s/busybox", path);
	snprintf(tarball, sizeof(tarball), "%s/rootfs.tar", path);
	if (mkdirat(parent, BENCH_TAR_DIR, 0755) < 0)
		return err_sys(e, errno, "mkdir %s", dest);
	t0 = now_ns();
	if (run_child(argv, e) < 0)
		return -1;
	agent_buf_printf(out, "fsbench_tar_x_ms: %llu\n",
			 (unsigned long long)((now_ns() - t0) / 1000000));
	phase_end(out, AGENT_FS_PHASE_TAR, "tar_x", t0);
	return 0;
}

static int run_phases(const char *path, int parent, int dir, const struct agent_fsbench_conf *c,
		      struct agent_buf *out, struct err *e)
{
	uint64_t bytes = (uint64_t)c->seq_mib << 20;

	if (small_files(dir, c->files, out, e) < 0 || seq_write(dir, bytes, out, e) < 0 ||
	    seq_read(dir, bytes, out, e) < 0)
		return -1;
	unlinkat(dir, "seq", 0);
	return tar_x(path, parent, out, e);
}

int agent_fsbench_run(const char *path, struct agent_buf *out)
{
	int parent = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	struct agent_fsbench_conf conf;
	uint64_t t0 = now_ns();
	struct err e = {0};
	int dir = -1, r = -1;

	memset(chunk, 'b', sizeof(chunk));
	if (parent < 0) {
		err_sys(&e, errno, "open %s", path);
		goto out;
	}
	if (read_conf(parent, &conf, &e) < 0)
		goto out;
	agent_buf_printf(out, "fsbench_seq_mib: %u\n", conf.seq_mib);
	if (mkdirat(parent, "fsbench", 0755) < 0 ||
	    (dir = openat(parent, "fsbench", O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0) {
		err_sys(&e, errno, "mkdir %s/fsbench", path);
		goto out;
	}
	r = run_phases(path, parent, dir, &conf, out, &e);
out:
	if (r < 0)
		agent_buf_printf(out, "fsbench: FAILED %s\n", e.msg);
	if (dir >= 0) {
		unlinkat(dir, "seq", 0);
		close(dir);
		unlinkat(parent, "fsbench", AT_REMOVEDIR);
	}
	if (parent >= 0)
		close(parent);
	agent_buf_printf(out, "fsbench_total_ms: %llu\n",
			 (unsigned long long)((now_ns() - t0) / 1000000));
	return r < 0 ? 1 : 0;
}
