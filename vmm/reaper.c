// SPDX-License-Identifier: Apache-2.0
/*
 * The VM's last teardown off the exit path (docs/pvm-quirks.md section 13).
 *
 * A process's exit closes its files and drops its memory before its parent can wait for it,
 * so everything the last close of a KVM VM does (kvm_destroy_vm: ~17 ms on PVM) and the unmap
 * of guest RAM sat between the container's exit and the moment containerd (or the shell of
 * `incept run`) learnt its status. The reaper takes those last references: it is a clone that
 * shares our memory (CLONE_VM, so our exit does not unmap it) and a copy of our fd table in
 * which it keeps only the KVM fds. Our exit then closes our copies (not the last) and returns
 * at once; the reaper waits on a pidfd for that and exits, and the kernel tears the VM down in
 * its exit. It leaves the container's cgroup first, so delete's rmdir need not wait for it.
 */
#define _GNU_SOURCE /* clone, pipe2 */
#include "reaper.h"
#include "cleanup.h"
#include "log.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#define REAPER_STACK   (64 * 1024)
#define REAPER_MAX_FDS 64

struct reaper_args {
	int keep[REAPER_MAX_FDS + 2]; /* sorted ascending */
	unsigned n;
	int pidfd;  /* of the process that started us */
	int ack_fd; /* write end: one byte once the other fds are closed */
};

static int cmp_int(const void *a, const void *b)
{
	int x = *(const int *)a, y = *(const int *)b;

	return (x > y) - (x < y);
}

/* close_range() over the gaps between the kept fds (sorted). */
static void close_all_but(const int *keep, unsigned n)
{
	unsigned lo = 0;

	for (unsigned i = 0; i < n; i++) {
		if ((unsigned)keep[i] > lo)
			syscall(SYS_close_range, lo, (unsigned)keep[i] - 1, 0);
		lo = (unsigned)keep[i] + 1;
	}
	syscall(SYS_close_range, lo, ~0U, 0);
}

/*
 * Runs on its own stack in our memory: raw system calls only, no libc state (no malloc, no
 * stdio, no errno, and nothing a sanitizer's interceptors would track per thread).
 */
static int reaper_main(void *arg)
{
	struct reaper_args *a = arg;
	struct pollfd p = {.fd = a->pidfd, .events = POLLIN};
	char one = 1;

	close_all_but(a->keep, a->n);
	/* the pidfd and ack fd are in keep[] for now; a failed write is an EOF to the starter */
	syscall(SYS_write, a->ack_fd, &one, 1);
	syscall(SYS_close, a->ack_fd);
	/*
	 * Every signal is blocked, so this returns at our exit. Were it to fail, leaving early is
	 * safe: the last references are then ours again and our exit tears the VM down.
	 */
	syscall(SYS_poll, &p, 1, -1);
	syscall(SYS_exit, 0); /* this task only: its exit drops the last references */
	return 0;
}

/*
 * Moves the reaper out of the container's cgroup into the root of the v2 hierarchy (the one
 * cgroup the no-internal-processes rule spares): `delete` removes the container's cgroup as
 * soon as the VMM is gone and must not wait out the VM's teardown. What the reaper frees is
 * uncharged from the container's cgroup all the same (charges stay with the pages). Best
 * effort: where it cannot move (a cgroup namespace, no v2), delete waits as before.
 */
static void leave_cgroup(pid_t pid)
{
	static const char *const roots[] = {"/sys/fs/cgroup/cgroup.procs",
					    "/sys/fs/cgroup/unified/cgroup.procs"};
	char num[16];
	int len = snprintf(num, sizeof(num), "%d", (int)pid);

	for (size_t i = 0; i < sizeof(roots) / sizeof(roots[0]); i++) {
		int fd = open(roots[i], O_WRONLY | O_CLOEXEC);
		bool moved;

		if (fd < 0)
			continue;
		moved = write(fd, num, (size_t)len) == len;
		close(fd);
		if (moved)
			return;
	}
	log_debug("reaper: stays in the container's cgroup: %s", strerror(errno));
}

pid_t vmm_reaper_start(const int *keep, unsigned n, struct err *e)
{
	static struct reaper_args a;
	static char stack[REAPER_STACK] __attribute__((aligned(16)));
	cleanup_close int ack_r = -1;
	sigset_t all, old;
	int pfd[2], pidfd;
	pid_t pid;
	char c;

	if (n > REAPER_MAX_FDS)
		return err_set(e, E2BIG, "reaper: at most %d fds, got %u", REAPER_MAX_FDS, n);
	pidfd = (int)syscall(SYS_pidfd_open, getpid(), 0);
	if (pidfd < 0)
		return err_sys(e, errno, "reaper: pidfd_open");
	if (pipe2(pfd, O_CLOEXEC) < 0) {
		int err = errno;

		close(pidfd);
		return err_sys(e, err, "reaper: pipe");
	}
	ack_r = pfd[0];
	for (unsigned i = 0; i < n; i++)
		a.keep[i] = keep[i];
	a.keep[n] = pidfd;
	a.keep[n + 1] = a.ack_fd = pfd[1];
	a.n = n + 2;
	a.pidfd = pidfd;
	qsort(a.keep, a.n, sizeof(a.keep[0]), cmp_int);
	/*
	 * No CLONE_FILES: a copy of the table, of which the reaper keeps the KVM fds only. It
	 * starts with every signal blocked: it has copies of our handlers, which must never run
	 * on its stack against memory our threads are still using.
	 */
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	pid = clone(reaper_main, stack + sizeof(stack), CLONE_VM, &a);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	close(pfd[1]);
	close(pidfd);
	if (pid < 0)
		return err_sys(e, errno, "reaper: clone");
	leave_cgroup(pid);
	/* EOF without the byte: it died before closing the rest (it cannot: nothing to fail) */
	while (read(ack_r, &c, 1) < 0 && errno == EINTR)
		;
	return pid;
}
