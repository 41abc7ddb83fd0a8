// SPDX-License-Identifier: Apache-2.0
/*
 * The small file system benchmark of agent/fstest.h: per-operation latency of stat, open+read
 * and create of small files, and sequential write/read of a 64 MiB file in 1 MiB calls. The
 * same code runs in the guest (over virtio-fs) and on the host (the shared directory itself),
 * so the two sets of numbers differ only in where they ran.
 */
#define _GNU_SOURCE
#include "fstest.h"

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define BENCH_SMALL_ROUNDS 100
#define BENCH_SMALL_BYTES  4096
#define BENCH_CHUNK	   (1u << 20)
#define BENCH_SEQ_BYTES	   (64ull << 20)

/* One 1 MiB buffer, touched only when the benchmark runs. */
static char chunk[BENCH_CHUNK] __attribute__((aligned(4096)));

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
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

static int small_files(int dir, struct agent_buf *out)
{
	char name[32];
	struct stat st;
	uint64_t t0;
	int fd;

	t0 = now_ns();
	for (unsigned i = 0; i < BENCH_SMALL_ROUNDS; i++) {
		snprintf(name, sizeof(name), "s%u", i);
		fd = openat(dir, name, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
		if (fd < 0)
			return -1;
		if (write(fd, chunk, BENCH_SMALL_BYTES) != BENCH_SMALL_BYTES) {
			close(fd);
			return -1;
		}
		close(fd);
	}
	put_us(out, "create_write_4k", now_ns() - t0, BENCH_SMALL_ROUNDS);
	t0 = now_ns();
	for (unsigned i = 0; i < BENCH_SMALL_ROUNDS; i++)
		if (fstatat(dir, "s0", &st, 0) < 0)
			return -1;
	put_us(out, "stat", now_ns() - t0, BENCH_SMALL_ROUNDS);
	t0 = now_ns();
	for (unsigned i = 0; i < BENCH_SMALL_ROUNDS; i++) {
		snprintf(name, sizeof(name), "s%u", i);
		fd = openat(dir, name, O_RDONLY | O_CLOEXEC);
		if (fd < 0)
			return -1;
		if (read(fd, chunk, BENCH_SMALL_BYTES) != BENCH_SMALL_BYTES) {
			close(fd);
			return -1;
		}
		close(fd);
	}
	put_us(out, "open_read_4k", now_ns() - t0, BENCH_SMALL_ROUNDS);
	t0 = now_ns();
	for (unsigned i = 0; i < BENCH_SMALL_ROUNDS; i++) {
		snprintf(name, sizeof(name), "s%u", i);
		if (unlinkat(dir, name, 0) < 0)
			return -1;
	}
	put_us(out, "unlink", now_ns() - t0, BENCH_SMALL_ROUNDS);
	return 0;
}

static int seq_write(int dir, struct agent_buf *out)
{
	int fd = openat(dir, "seq", O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	uint64_t t0 = now_ns();

	if (fd < 0)
		return -1;
	for (uint64_t done = 0; done < BENCH_SEQ_BYTES; done += BENCH_CHUNK)
		if (write(fd, chunk, BENCH_CHUNK) != BENCH_CHUNK) {
			close(fd);
			return -1;
		}
	if (fsync(fd) < 0) {
		close(fd);
		return -1;
	}
	put_rate(out, "seq_write", BENCH_SEQ_BYTES, now_ns() - t0);
	/* Read it back cold: drop its cached pages (the page cache of this kernel only). */
	posix_fadvise(fd, 0, 0, POSIX_FADV_DONTNEED);
	return close(fd);
}

static int seq_read(int dir, struct agent_buf *out)
{
	int fd = openat(dir, "seq", O_RDONLY | O_CLOEXEC);
	uint64_t t0 = now_ns(), done = 0;
	ssize_t n;

	if (fd < 0)
		return -1;
	while ((n = read(fd, chunk, BENCH_CHUNK)) > 0)
		done += (uint64_t)n;
	close(fd);
	if (n < 0 || done != BENCH_SEQ_BYTES)
		return -1;
	put_rate(out, "seq_read", done, now_ns() - t0);
	return 0;
}

int agent_fsbench_run(const char *path, struct agent_buf *out)
{
	int parent = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	uint64_t t0 = now_ns();
	int dir = -1, r = -1;

	memset(chunk, 'b', sizeof(chunk));
	if (parent < 0 || mkdirat(parent, "fsbench", 0755) < 0 ||
	    (dir = openat(parent, "fsbench", O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0)
		goto out;
	if (small_files(dir, out) < 0 || seq_write(dir, out) < 0 || seq_read(dir, out) < 0)
		goto out;
	r = 0;
out:
	if (r < 0)
		agent_buf_printf(out, "fsbench: FAILED %s\n", strerror(errno));
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
