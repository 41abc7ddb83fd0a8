// SPDX-License-Identifier: Apache-2.0
/*
 * startContainer hooks (runtime-spec config.md "POSIX-platform Hooks": "called after the start
 * operation is called but before the user-specified program command is executed", in the
 * container namespace). The container's init runs them after START, as runc's init does in
 * libcontainer/standard_init_linux.go: after its setup and the seccomp filter, right before
 * execve, so a hook runs as the process will (root, namespaces, user, capabilities, filter)
 * and its path is resolved in the container's root.
 *
 * Each hook gets the container's state JSON on stdin; what it prints is kept for the error;
 * past its timeout it is killed. A hook without env gets the process's env (runc's
 * HookList.SetDefaultEnv). The errors read as runc's configs.Hooks.Run / Command.Run:
 *   error running startContainer hook #0: exit status 1, stdout: ..., stderr: ...
 *   error running startContainer hook #0: fork/exec /x: no such file or directory
 *   error running startContainer hook #0: hook ran past specified timeout of 2.0s
 */
#define _GNU_SOURCE
#include "process.h"

#include <ctype.h>
#include <fcntl.h>
#include <stdbool.h>
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#ifndef CLOSE_RANGE_CLOEXEC
#define CLOSE_RANGE_CLOEXEC (1u << 2) /* include/uapi/linux/close_range.h */
#endif

/* Of stdout and of stderr each: both and the rest fit the status record (ERR_MSG_MAX). */
#define HOOK_OUTPUT_MAX 400

static const char *const no_env[] = {NULL};

/* In the hook's child: stdio from fds[], then execve; its errno goes back on `report`. */
static __attribute__((noreturn)) void hook_child(const struct proto_hook *h, const char *const *env,
						 const int fds[3], int report)
{
	const char *def_args[] = {h->path, NULL};
	int err;

	for (int i = 0; i < 3; i++)
		if (dup2(fds[i], i) < 0)
			goto fail;
	/* nothing of the init's but 0-2 reaches the hook; `report` closes at execve */
	syscall(SYS_close_range, 3u, ~0u, CLOSE_RANGE_CLOEXEC);
	execve(h->path, (char *const *)(h->nr_args ? h->args : def_args),
	       (char *const *)(h->nr_env ? h->env : env));
fail:
	err = errno;
	if (write(report, &err, sizeof(err)) < 0)
		_exit(127);
	_exit(127);
}

static uint64_t mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

/* true once timeout seconds passed before pfd (a pidfd) said the process exited */
static bool past_deadline(int pfd, uint32_t timeout)
{
	uint64_t deadline = mono_ms() + (uint64_t)timeout * 1000;

	for (;;) {
		struct pollfd p = {.fd = pfd, .events = POLLIN};
		uint64_t now = mono_ms(), left = deadline > now ? deadline - now : 0;
		int r;

		if (!left)
			return true;
		/* poll's int milliseconds: a timeout of years is waited for an hour at a time */
		r = poll(&p, 1, left > 3600000 ? 3600000 : (int)left);
		if (r > 0 || (r < 0 && errno != EINTR))
			return false;
	}
}

/* Reaps pid, killing it past timeout seconds (0: none). 1: it timed out. */
static int hook_wait(pid_t pid, uint32_t timeout, int *status, struct err *e)
{
	bool timed_out = false;
	int pfd = -1;

	if (timeout) {
		pfd = (int)syscall(SYS_pidfd_open, pid, 0);
		if (pfd < 0) {
			err_sys(e, errno, "pidfd_open");
			kill(pid, SIGKILL);
		} else {
			timed_out = past_deadline(pfd, timeout);
			close(pfd);
		}
		if (timed_out)
			kill(pid, SIGKILL);
	}
	while (waitpid(pid, status, 0) < 0)
		if (errno != EINTR)
			return err_sys(e, errno, "wait for a hook");
	if (timeout && pfd < 0)
		return -1;
	return timed_out;
}

/* Up to HOOK_OUTPUT_MAX - 1 bytes of what the hook wrote to fd (a memfd), as a string. */
static void read_back(int fd, char *buf)
{
	ssize_t n = pread(fd, buf, HOOK_OUTPUT_MAX - 1, 0);

	buf[n > 0 ? n : 0] = '\0';
}

/* Go's ExitError text: "exit status N" or "signal: killed" (Go's names are lower case). */
static void exit_text(int status, char *buf, size_t size)
{
	if (WIFSIGNALED(status)) {
		snprintf(buf, size, "signal: %s", strsignal(WTERMSIG(status)));
		buf[8] = (char)tolower((unsigned char)buf[8]);
	} else {
		snprintf(buf, size, "exit status %d", WEXITSTATUS(status));
	}
}

/* The hook's stdin (the state) and its stdout/stderr: memfds, not pipes nobody drains. */
static int open_stdio(int fds[3], const char *state, struct err *e)
{
	size_t len = strlen(state), off = 0;

	for (int i = 0; i < 3; i++) {
		fds[i] = memfd_create("hook", MFD_CLOEXEC);
		if (fds[i] < 0)
			return err_sys(e, errno, "memfd_create");
	}
	while (off < len) {
		ssize_t n = write(fds[0], state + off, len - off);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return err_sys(e, errno, "write the state for a hook");
		off += (size_t)n;
	}
	return lseek(fds[0], 0, SEEK_SET) < 0 ? err_sys(e, errno, "lseek") : 0;
}

/* Forks the hook; 0, or its execve's errno (the hook is reaped then) in *exec_err. */
static pid_t hook_spawn(const struct proto_hook *h, const char *const *env, const int fds[3],
			int *exec_err, struct err *e)
{
	int report[2];
	pid_t pid;

	*exec_err = 0;
	if (pipe2(report, O_CLOEXEC) < 0)
		return err_sys(e, errno, "pipe");
	pid = fork();
	if (pid == 0)
		hook_child(h, env, fds, report[1]);
	close(report[1]);
	if (pid < 0) {
		close(report[0]);
		return err_sys(e, errno, "fork");
	}
	/* EOF at its execve, or the errno that stopped it */
	while (read(report[0], exec_err, sizeof(*exec_err)) < 0 && errno == EINTR)
		;
	close(report[0]);
	if (*exec_err)
		while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
			;
	return pid;
}

static int run_one(const struct proto_hook *h, const char *state, const char *const *env,
		   struct err *e)
{
	int fds[3] = {-1, -1, -1}, status = 0, r = -1, exec_err;
	char out[HOOK_OUTPUT_MAX], errout[HOOK_OUTPUT_MAX], why[64], text[128];
	pid_t pid;

	if (open_stdio(fds, state, e) < 0)
		goto done;
	pid = hook_spawn(h, env, fds, &exec_err, e);
	if (pid < 0)
		goto done;
	if (exec_err) {
		err_set(e, exec_err, "fork/exec %s: %s", h->path,
			err_str(exec_err, why, sizeof(why)));
		goto done;
	}
	r = hook_wait(pid, h->timeout, &status, e);
	if (r < 0)
		goto done;
	if (r == 1) {
		r = err_set(e, ETIMEDOUT, "hook ran past specified timeout of %u.0s", h->timeout);
		goto done;
	}
	if (status != 0) {
		read_back(fds[1], out);
		read_back(fds[2], errout);
		exit_text(status, text, sizeof(text));
		r = err_set(e, ECANCELED, "%s, stdout: %s, stderr: %s", text, out, errout);
	}
done:
	for (int i = 0; i < 3; i++)
		if (fds[i] >= 0)
			close(fds[i]);
	return r;
}

int agent_hooks_run(const struct proto_container *c, const struct proto_process *p, struct err *e)
{
	const char *const *env = p->env ? p->env : no_env;

	for (uint32_t i = 0; i < c->nr_hooks; i++)
		if (run_one(&c->hooks[i], c->state_json, env, e) < 0)
			return err_prefix(e, "error running startContainer hook #%u", i);
	return 0;
}
