// SPDX-License-Identifier: Apache-2.0
/* agent/console.c: output buffers, and opening /dev/console on closed stdio fds. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdlib.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "unit.h"
#include "agent/console.h"

static void skip(const char *name, const char *why)
{
	printf("ok %d - %s # SKIP %s\n", ++unit_count, name, why);
}

static void test_buf_printf(void)
{
	char data[16];
	struct agent_buf b = AGENT_BUF_INIT(data);

	agent_buf_printf(&b, "%s=%d;", "a", 1);
	agent_buf_printf(&b, "%s", "bc");
	CHECK_STR(b.data, "a=1;bc");
	CHECK_INT(b.len, 6);
	CHECK(!b.truncated);
	agent_buf_printf(&b, "%s", "0123456789abcdef");
	CHECK_INT(b.len, 15);
	CHECK(b.truncated);
	CHECK_STR(b.data, "a=1;bc012345678");
	agent_buf_printf(&b, "more");
	CHECK_INT(b.len, 15);
}

static void test_buf_duration(void)
{
	char data[64];
	struct agent_buf b = AGENT_BUF_INIT(data);

	agent_buf_put_duration(&b, 1234567, 1000);
	agent_buf_printf(&b, " ");
	agent_buf_put_duration(&b, 1234567, 1000000);
	agent_buf_printf(&b, " ");
	agent_buf_put_duration(&b, 0, 1000);
	agent_buf_printf(&b, " ");
	agent_buf_put_duration(&b, 999, 1000);
	agent_buf_printf(&b, " ");
	agent_buf_put_duration(&b, 360000, 1000);
	CHECK_STR(b.data, "1234.567 1.234 0.000 0.999 360.000");
}

static void test_buf_flush(void)
{
	char data[32];
	char got[64] = {0};
	struct agent_buf b = AGENT_BUF_INIT(data);
	int p[2];

	CHECK(pipe(p) == 0);
	agent_buf_printf(&b, "line 1\nline 2\n");
	CHECK_INT(agent_buf_flush(&b, p[1]), 0);
	CHECK_INT(b.len, 0);
	CHECK_STR(b.data, "");
	/* Nothing buffered: no write at all (the pipe stays as it was). */
	CHECK_INT(agent_buf_flush(&b, p[1]), 0);
	close(p[1]);
	CHECK_INT(read(p[0], got, sizeof(got) - 1), 14);
	CHECK_STR(got, "line 1\nline 2\n");
	close(p[0]);

	agent_buf_printf(&b, "x");
	CHECK_INT(agent_buf_flush(&b, -1), -1);
	CHECK_INT(errno, EBADF);
	CHECK_INT(b.len, 0);
}

/*
 * Runs fn in a child inside a private mount namespace, chrooted to a fresh
 * directory that has dev/console as a regular file (when with_console).
 * Returns the child's exit status (fn's result), or -1.
 */
static int in_root(int (*fn)(void), int with_console, char *console_out, size_t outlen)
{
	char root[] = "/tmp/test_agent_console.XXXXXX";
	char path[128];
	int status = -1;
	pid_t pid;

	if (!mkdtemp(root))
		return -1;
	snprintf(path, sizeof(path), "%s/dev", root);
	mkdir(path, 0755);
	snprintf(path, sizeof(path), "%s/dev/console", root);
	if (with_console)
		close(open(path, O_CREAT | O_WRONLY, 0600));
	fflush(stdout);
	pid = fork();
	if (pid == 0) {
		if (unshare(CLONE_NEWNS) < 0 ||
		    mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0 || chroot(root) < 0 ||
		    chdir("/") < 0)
			_exit(100);
		_exit(fn());
	}
	if (pid > 0 && waitpid(pid, &status, 0) == pid)
		status = WIFEXITED(status) ? WEXITSTATUS(status) : 200 + WTERMSIG(status);
	if (console_out) {
		int fd = open(path, O_RDONLY);
		ssize_t n = fd >= 0 ? read(fd, console_out, outlen - 1) : -1;

		console_out[n > 0 ? n : 0] = '\0';
		if (fd >= 0)
			close(fd);
	}
	unlink(path);
	snprintf(path, sizeof(path), "%s/dev", root);
	rmdir(path);
	rmdir(root);
	return status;
}

/* The fd the next open() would get: shows whether a call left an fd behind. */
static int lowest_free_fd(void)
{
	int fd = dup(0);

	close(fd);
	return fd;
}

/* Child: 1 and 2 closed, 0 open -> 1 and 2 become the console, 0 is untouched. */
static int child_closed_fds(void)
{
	struct err e = {0};
	struct stat s0, s1, s2, sc;
	int fd0 = open("/", O_RDONLY); /* something recognisable on 0 */
	int free_fd;

	if (dup2(fd0, 0) < 0 || close(fd0) < 0)
		return 10;
	free_fd = lowest_free_fd();
	close(1);
	close(2);
	if (agent_console_setup(&e) < 0)
		return 11;
	if (fstat(0, &s0) < 0 || fstat(1, &s1) < 0 || fstat(2, &s2) < 0 ||
	    stat("/dev/console", &sc) < 0)
		return 12;
	if (!S_ISDIR(s0.st_mode))
		return 13; /* fd 0 was replaced */
	if (s1.st_ino != sc.st_ino || s2.st_ino != sc.st_ino)
		return 14;
	if (lowest_free_fd() != free_fd)
		return 15; /* the console fd leaked */
	if (write(1, "out\n", 4) != 4 || write(2, "err\n", 4) != 4)
		return 16;
	return 0;
}

/* Child: all three open -> nothing changes, no fd opened. */
static int child_all_open(void)
{
	struct err e = {0};
	struct stat before, after;
	int free_fd = lowest_free_fd();

	if (fstat(1, &before) < 0 || agent_console_setup(&e) < 0 || fstat(1, &after) < 0)
		return 20;
	if (before.st_ino != after.st_ino || before.st_dev != after.st_dev)
		return 21;
	if (lowest_free_fd() != free_fd)
		return 22;
	return 0;
}

/* Child: no /dev/console -> error naming it, ENOENT. */
static int child_no_console(void)
{
	struct err e = {0};

	close(2);
	if (agent_console_setup(&e) != -1)
		return 30;
	if (e.errnum != ENOENT || !strstr(e.msg, "open /dev/console"))
		return 31;
	return 0;
}

static void test_console_setup(void)
{
	char out[64];

	CHECK_INT(in_root(child_closed_fds, 1, out, sizeof(out)), 0);
	CHECK_STR(out, "out\nerr\n");
	CHECK_INT(in_root(child_all_open, 1, NULL, 0), 0);
	CHECK_INT(in_root(child_no_console, 0, NULL, 0), 0);
}

int main(void)
{
	RUN(test_buf_printf);
	RUN(test_buf_duration);
	RUN(test_buf_flush);
	if (geteuid() == 0)
		RUN(test_console_setup);
	else
		skip("test_console_setup", "needs root (mount namespace, chroot)");
	return unit_done();
}
