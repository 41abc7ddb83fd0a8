// SPDX-License-Identifier: Apache-2.0
/* Building the VMM's command line and running it to completion. */
#define _GNU_SOURCE /* pipe2 */
#include "vmm.h"
#include "cleanup.h"
#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

void rt_vmm_cmd_add(struct rt_vmm_cmd *c, const char *arg)
{
	if (c->argc < RT_VMM_MAX_ARGS)
		c->argv[c->argc++] = arg;
	c->argv[c->argc] = NULL;
}

void rt_vmm_cmd_init(struct rt_vmm_cmd *c, const struct rt_config *cfg, unsigned vcpus,
		     unsigned long long memory_mib)
{
	memset(c, 0, sizeof(*c));
	snprintf(c->vcpus, sizeof(c->vcpus), "%u", vcpus);
	snprintf(c->memory, sizeof(c->memory), "%llu", memory_mib);
	rt_vmm_cmd_add(c, cfg->vmm);
	rt_vmm_cmd_add(c, "--kernel");
	rt_vmm_cmd_add(c, cfg->kernel);
	rt_vmm_cmd_add(c, "--initrd");
	rt_vmm_cmd_add(c, cfg->initrd);
	rt_vmm_cmd_add(c, "--vcpus");
	rt_vmm_cmd_add(c, c->vcpus);
	rt_vmm_cmd_add(c, "--memory");
	rt_vmm_cmd_add(c, c->memory);
	if (cfg->cmdline_append[0]) {
		rt_vmm_cmd_add(c, "--append");
		rt_vmm_cmd_add(c, cfg->cmdline_append);
	}
}

int rt_self_dir(char *buf, size_t len, struct err *e)
{
	ssize_t n = readlink("/proc/self/exe", buf, len - 1);
	char *slash;

	if (n < 0)
		return err_sys(e, errno, "readlink /proc/self/exe");
	buf[n] = '\0';
	slash = strrchr(buf, '/');
	if (slash)
		*slash = '\0';
	return 0;
}

static void child(const struct rt_vmm_cmd *c, int out_fd)
{
	if (dup2(out_fd, STDOUT_FILENO) < 0)
		_exit(127);
	execv(c->argv[0], (char *const *)c->argv);
	fprintf(stderr, "incept: exec %s: %s\n", c->argv[0], strerror(errno));
	_exit(127);
}

/* Reads the child's stdout until EOF, printing the progress line once it is late. */
static void collect(int fd, char *out, size_t len, unsigned progress_ms, const char *progress)
{
	unsigned long long start = util_now_ns();
	bool said = !progress;
	size_t have = 0;

	for (;;) {
		struct pollfd p = {.fd = fd, .events = POLLIN};
		int r = poll(&p, 1, said ? -1 : 100);
		char discard[256];
		bool room = have + 1 < len;
		ssize_t n;

		if (!said && (util_now_ns() - start) / 1000000 >= progress_ms) {
			fprintf(stderr, "%s\n", progress);
			said = true;
		}
		if (r <= 0)
			continue;
		/* Past `len` the output is read and dropped, so the child never blocks on us. */
		n = room ? read(fd, out + have, len - 1 - have)
			 : read(fd, discard, sizeof(discard));
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		if (room)
			have += (size_t)n;
	}
	out[have] = '\0';
}

int rt_vmm_run(const struct rt_vmm_cmd *c, char *out, size_t len, unsigned progress_ms,
	       const char *progress, struct err *e)
{
	int fds[2], status;
	pid_t pid;

	if (access(c->argv[0], X_OK) < 0)
		return err_sys(e, errno, "VMM %s", c->argv[0]);
	if (pipe2(fds, O_CLOEXEC) < 0)
		return err_sys(e, errno, "pipe");
	pid = fork();
	if (pid < 0) {
		close(fds[0]);
		close(fds[1]);
		return err_sys(e, errno, "fork");
	}
	if (pid == 0)
		child(c, fds[1]);
	close(fds[1]);
	collect(fds[0], out, len, progress_ms, progress);
	close(fds[0]);
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return err_sys(e, errno, "waitpid");
	if (WIFSIGNALED(status))
		return err_set(e, EINTR, "%s was killed by signal %d", c->argv[0],
			       WTERMSIG(status));
	return WEXITSTATUS(status);
}
