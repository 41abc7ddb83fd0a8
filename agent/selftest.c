// SPDX-License-Identifier: Apache-2.0
#define _GNU_SOURCE
#include "selftest.h"

#include <errno.h>
#include <stdbool.h>
#include <fcntl.h>
#include <sched.h>
#include <stdint.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/sysinfo.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define SYSCALL_ROUNDS 20
#define FILE_BYTES     (64 * 1024)

extern char **environ;

/* Written, read back and compared in place: 16 pages, touched only in selftest mode. */
static unsigned char file_buf[FILE_BYTES] __attribute__((aligned(4096)));

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/* Mean cost of one system call that does nothing: getppid(), raw so libc cannot cache it. */
static uint64_t measure_syscall(void)
{
	uint64_t t0;
	int i;

	syscall(SYS_getppid); /* warm: first-touch costs are not what we measure */
	t0 = now_ns();
	for (i = 0; i < SYSCALL_ROUNDS; i++)
		syscall(SYS_getppid);
	return (now_ns() - t0) / SYSCALL_ROUNDS;
}

/* Mean cost of clock_gettime(): near zero with a vDSO clock, a syscall without. */
static uint64_t measure_clock(void)
{
	uint64_t t0;
	int i;

	t0 = now_ns();
	for (i = 0; i < SYSCALL_ROUNDS; i++)
		now_ns();
	return (now_ns() - t0) / SYSCALL_ROUNDS;
}

static int check_child(pid_t pid, const char *how, struct err *e)
{
	int status;
	pid_t r;

	do {
		r = waitpid(pid, &status, 0);
	} while (r < 0 && errno == EINTR);
	if (r < 0)
		return err_sys(e, errno, "waitpid after %s", how);
	if (WIFSIGNALED(status))
		return err_set(e, 0, "%s child killed by signal %d", how, WTERMSIG(status));
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
		return err_set(e, 0, "%s child exit status %d", how, WEXITSTATUS(status));
	return 0;
}

/* Starts self_exe --selftest-child. The vfork child only execs or _exits, as vfork requires. */
static pid_t spawn_child(const char *self_exe, bool use_vfork)
{
	char *const argv[] = {(char *)self_exe, (char *)AGENT_SELFTEST_CHILD_ARG, NULL};
	pid_t pid = use_vfork ? vfork() : fork();

	if (pid == 0) {
		execve(self_exe, argv, environ);
		_exit(127);
	}
	return pid;
}

/*
 * fork (or vfork) + execve(self, --selftest-child) + waitpid: the cost of
 * starting a process. vfork skips copying the page tables, which the guest
 * kernel does instruction by instruction on PVM.
 */
static int measure_spawn(const char *self_exe, bool use_vfork, uint64_t *ns, struct err *e)
{
	const char *how = use_vfork ? "vfork" : "fork";
	uint64_t t0 = now_ns();
	pid_t pid = spawn_child(self_exe, use_vfork);

	if (pid < 0)
		return err_sys(e, errno, "%s", how);
	if (check_child(pid, how, e) < 0)
		return -1;
	*ns = now_ns() - t0;
	return 0;
}

static unsigned char pattern(size_t i)
{
	/* Differs between pages, so a page written at the wrong offset shows. */
	return (unsigned char)(i * 131u + (i >> 12) * 7u + 1u);
}

static int write_read_compare(int fd, const char *path, struct err *e)
{
	ssize_t n;
	size_t i;

	n = write(fd, file_buf, FILE_BYTES);
	if (n != FILE_BYTES)
		return err_sys(e, n < 0 ? errno : EIO, "write %s (%zd bytes)", path, n);
	memset(file_buf, 0, FILE_BYTES);
	n = pread(fd, file_buf, FILE_BYTES, 0);
	if (n != FILE_BYTES)
		return err_sys(e, n < 0 ? errno : EIO, "read back %s (%zd bytes)", path, n);
	for (i = 0; i < FILE_BYTES; i++) {
		if (file_buf[i] != pattern(i))
			return err_set(e, 0, "%s: byte %zu reads 0x%02x, wrote 0x%02x", path, i,
				       file_buf[i], pattern(i));
	}
	return 0;
}

/* Write 64 KiB, read it back, compare, unlink: the page cache path of a tmpfs. */
static int measure_file(const char *path, uint64_t *ns, struct err *e)
{
	uint64_t t0;
	size_t i;
	int fd, r;

	for (i = 0; i < FILE_BYTES; i++) /* page faults before the clock starts */
		file_buf[i] = pattern(i);
	t0 = now_ns();
	/* openat: musl's open() adds an fcntl() for O_CLOEXEC, which would be timed too. */
	fd = openat(AT_FDCWD, path, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0)
		return err_sys(e, errno, "open %s", path);
	r = write_read_compare(fd, path, e);
	close(fd);
	if (unlink(path) < 0 && r == 0)
		r = err_sys(e, errno, "unlink %s", path);
	*ns = now_ns() - t0;
	return r;
}

static void run_timed(struct agent_buf *out, const char *name, unsigned long long unit_ns, int r,
		      uint64_t ns, const struct err *e, struct err *first)
{
	if (r < 0) {
		agent_buf_printf(out, "%s: error: %s\n", name, e->msg);
		if (!first->msg[0])
			err_set(first, e->errnum, "%s: %s", name, e->msg);
		return;
	}
	agent_buf_printf(out, "%s: ", name);
	agent_buf_put_duration(out, ns, unit_ns);
	agent_buf_printf(out, "\n");
}

static void report_sizes(struct agent_buf *out, struct err *first)
{
	struct sysinfo si;
	cpu_set_t set;

	/* What musl's sysconf(_SC_NPROCESSORS_ONLN) does too: glibc would read /sys instead. */
	if (sched_getaffinity(0, sizeof(set), &set) < 0) {
		agent_buf_printf(out, "selftest_nproc: error: %s\n", strerror(errno));
		if (!first->msg[0])
			err_sys(first, errno, "selftest_nproc: sched_getaffinity");
	} else {
		agent_buf_printf(out, "selftest_nproc: %d\n", CPU_COUNT(&set));
	}
	if (sysinfo(&si) < 0) {
		agent_buf_printf(out, "selftest_mem_total_kib: error: %s\n", strerror(errno));
		if (!first->msg[0])
			err_sys(first, errno, "selftest_mem_total_kib: sysinfo");
	} else {
		agent_buf_printf(out, "selftest_mem_total_kib: %llu\n",
				 (unsigned long long)si.totalram * si.mem_unit / 1024);
	}
}

static void report_urandom(struct agent_buf *out, struct err *first)
{
	unsigned char b[16];
	int fd = open("/dev/urandom", O_RDONLY | O_CLOEXEC);
	ssize_t n = fd < 0 ? -1 : read(fd, b, sizeof(b));

	if (fd >= 0)
		close(fd);
	if (n != (ssize_t)sizeof(b)) {
		agent_buf_printf(out, "selftest_urandom: error: %s\n", strerror(errno));
		if (!first->msg[0])
			err_sys(first, errno, "selftest_urandom: read /dev/urandom");
		return;
	}
	agent_buf_printf(out, "selftest_urandom: ");
	for (size_t i = 0; i < sizeof(b); i++)
		agent_buf_printf(out, "%02x", b[i]);
	agent_buf_printf(out, "\n");
}

static void report_marker(struct agent_buf *out, const char *path, struct err *first)
{
	bool existed = access(path, F_OK) == 0;
	int fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC, 0600);

	if (fd < 0) {
		agent_buf_printf(out, "selftest_marker_before: error: %s\n", strerror(errno));
		if (!first->msg[0])
			err_sys(first, errno, "selftest_marker_before: create %s", path);
		return;
	}
	close(fd);
	agent_buf_printf(out, "selftest_marker_before: %s\n", existed ? "present" : "absent");
}

static void report_probes(const struct agent_selftest_config *cfg, struct agent_buf *out,
			  struct err *first)
{
	struct timespec ts;

	report_urandom(out, first);
	if (cfg->marker_path)
		report_marker(out, cfg->marker_path, first);
	clock_gettime(CLOCK_REALTIME, &ts);
	agent_buf_printf(out, "selftest_realtime_s: %lld\n", (long long)ts.tv_sec);
	/* Since the guest booted: after a restore, shows whether guest time jumped. */
	clock_gettime(CLOCK_MONOTONIC, &ts);
	agent_buf_printf(out, "selftest_monotonic_ms: %lld\n",
			 (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000);
}

int agent_selftest_run(const struct agent_selftest_config *cfg, struct agent_buf *out)
{
	struct err first = {0};
	struct err e = {0};
	uint64_t ns = 0;
	int r;

	run_timed(out, "selftest_getpid_us", 1000, 0, measure_syscall(), &e, &first);
	run_timed(out, "selftest_clock_gettime_us", 1000, 0, measure_clock(), &e, &first);
	r = measure_spawn(cfg->self_exe, false, &ns, &e);
	run_timed(out, "selftest_fork_exec_wait_ms", 1000000, r, ns, &e, &first);
	r = measure_spawn(cfg->self_exe, true, &ns, &e);
	run_timed(out, "selftest_vfork_exec_wait_ms", 1000000, r, ns, &e, &first);
	r = measure_file(cfg->scratch_path, &ns, &e);
	run_timed(out, "selftest_file_write_read_us", 1000, r, ns, &e, &first);
	report_sizes(out, &first);
	report_probes(cfg, out, &first);
	if (first.msg[0]) {
		agent_buf_printf(out, "selftest: FAILED %s\n", first.msg);
		return 1;
	}
	agent_buf_printf(out, "selftest: ok\n");
	return 0;
}
