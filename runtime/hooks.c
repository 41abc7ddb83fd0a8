// SPDX-License-Identifier: Apache-2.0
/*
 * OCI hooks (runtime-spec config.md "POSIX-platform Hooks"), run on the host: the hook's
 * path, args and env, the container's state JSON on stdin, its timeout. What it prints is
 * kept for the error, which reads as runc's.
 */
#define _GNU_SOURCE
#include "container.h"
#include "cleanup.h"
#include "oci/config.h"
#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#define HOOK_OUTPUT_MAX 1024 /* of stdout and of stderr, in the error message */

static __attribute__((noreturn)) void hook_child(const struct oci_hook *h, int in, int out, int err)
{
	char *const no_env[] = {NULL};
	char *const def_args[] = {h->path, NULL};

	if (dup2(in, 0) < 0 || dup2(out, 1) < 0 || dup2(err, 2) < 0)
		_exit(127);
	syscall(SYS_close_range, 3, ~0u, 0);
	execve(h->path, h->args.n ? h->args.v : def_args, h->env.n ? h->env.v : no_env);
	dprintf(2, "exec %s: %s", h->path, strerror(errno));
	_exit(127);
}

/* Waits for pid, up to timeout seconds (0: forever). Returns its wait status or -1 (timeout). */
static int hook_wait(pid_t pid, int timeout)
{
	int pfd = (int)syscall(SYS_pidfd_open, pid, 0), status;

	if (pfd >= 0 && timeout > 0) {
		struct pollfd p = {.fd = pfd, .events = POLLIN};
		int r;

		do
			r = poll(&p, 1, timeout * 1000);
		while (r < 0 && errno == EINTR);
		if (r == 0)
			kill(pid, SIGKILL);
		close(pfd);
		while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
			;
		return r == 0 ? -1 : status;
	}
	if (pfd >= 0)
		close(pfd);
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	return status;
}

static void read_back(int fd, char *buf, size_t len)
{
	ssize_t n = pread(fd, buf, len - 1, 0);

	buf[n > 0 ? n : 0] = '\0';
}

static int run_one(const struct oci_hook *h, const char *kind, size_t i, const char *state,
		   struct err *e)
{
	cleanup_close int in = memfd_create("hook-stdin", MFD_CLOEXEC);
	cleanup_close int out = memfd_create("hook-stdout", MFD_CLOEXEC);
	cleanup_close int errfd = memfd_create("hook-stderr", MFD_CLOEXEC);
	char so[HOOK_OUTPUT_MAX], se[HOOK_OUTPUT_MAX], why[64];
	int status;
	pid_t pid;

	if (in < 0 || out < 0 || errfd < 0)
		return err_sys(e, errno, "memfd_create");
	if (util_write_all(in, state, strlen(state)) < 0 || lseek(in, 0, SEEK_SET) < 0)
		return err_sys(e, errno, "hook stdin");
	pid = fork();
	if (pid < 0)
		return err_sys(e, errno, "fork");
	if (pid == 0)
		hook_child(h, in, out, errfd);
	status = hook_wait(pid, h->has_timeout ? h->timeout : 0);
	if (status == 0)
		return 0;
	read_back(out, so, sizeof(so));
	read_back(errfd, se, sizeof(se));
	if (status < 0)
		snprintf(why, sizeof(why), "hook ran past specified timeout of %d.0s", h->timeout);
	else if (WIFSIGNALED(status))
		snprintf(why, sizeof(why), "signal: %s", strsignal(WTERMSIG(status)));
	else
		snprintf(why, sizeof(why), "exit status %d", WEXITSTATUS(status));
	return err_set(e, ECANCELED, "error running %s hook #%zu: %s, stdout: %s, stderr: %s", kind,
		       i, why, so, se);
}

int rt_hooks_run(const struct oci_hook_list *l, const char *kind, const char *state_json,
		 struct err *e)
{
	for (size_t i = 0; i < l->n; i++)
		if (run_one(&l->v[i], kind, i, state_json, e) < 0)
			return -1;
	return 0;
}
