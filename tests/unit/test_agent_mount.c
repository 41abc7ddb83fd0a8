// SPDX-License-Identifier: Apache-2.0
/*
 * agent/mount.c: the early mounts, done for real inside a private mount
 * namespace, chrooted into an empty directory (needs root).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdlib.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <unistd.h>

#include "unit.h"
#include "agent/mount.h"

#define PROC_SUPER_MAGIC   0x9fa0
#define SYSFS_MAGIC	   0x62656572
#define DEVPTS_SUPER_MAGIC 0x1cd1
#define TMPFS_MAGIC	   0x01021994

static void skip(const char *name, const char *why)
{
	printf("ok %d - %s # SKIP %s\n", ++unit_count, name, why);
}

/* The child reports its first failed check as "# ..." and exits with its line number. */
#define CHILD_CHECK(cond)                                                                          \
	do {                                                                                       \
		if (!(cond)) {                                                                     \
			printf("# child %s:%d: CHECK(%s) failed (errno %d)\n", __FILE__, __LINE__, \
			       #cond, errno);                                                      \
			fflush(stdout);                                                            \
			return __LINE__ % 200 + 1;                                                 \
		}                                                                                  \
	} while (0)

static char root[64];

/* Runs fn in a child: private mount namespace (nothing leaks to the host), chroot(root). */
static int in_root(int (*fn)(void))
{
	int status = -1;
	pid_t pid;

	fflush(stdout);
	pid = fork();
	if (pid == 0) {
		if (unshare(CLONE_NEWNS) < 0 ||
		    mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0 || chroot(root) < 0 ||
		    chdir("/") < 0)
			_exit(250);
		_exit(fn());
	}
	if (pid > 0 && waitpid(pid, &status, 0) == pid)
		status = WIFEXITED(status) ? WEXITSTATUS(status) : 200 + WTERMSIG(status);
	return status;
}

static long fs_type(const char *path)
{
	struct statfs s;

	return statfs(path, &s) < 0 ? -1 : (long)s.f_type;
}

/* An empty root with only /proc: everything is mounted, missing directories are made. */
static int child_fresh(void)
{
	struct err e = {0};
	struct stat st, root_st;

	CHILD_CHECK(agent_mount_early(&e) == 5);
	CHILD_CHECK(fs_type("/proc") == PROC_SUPER_MAGIC);
	CHILD_CHECK(stat("/proc/self/mountinfo", &st) == 0);
	CHILD_CHECK(fs_type("/sys") == SYSFS_MAGIC);
	CHILD_CHECK(stat("/sys/kernel", &st) == 0 && S_ISDIR(st.st_mode));
	CHILD_CHECK(stat("/dev/null", &st) == 0 && S_ISCHR(st.st_mode));
	CHILD_CHECK(fs_type("/dev/pts") == DEVPTS_SUPER_MAGIC);
	CHILD_CHECK(stat("/dev/pts/ptmx", &st) == 0 && (st.st_mode & 0777) == 0666);
	CHILD_CHECK(fs_type("/run") == TMPFS_MAGIC);
	CHILD_CHECK(stat("/run", &st) == 0 && (st.st_mode & 07777) == 0755);
	CHILD_CHECK(stat("/", &root_st) == 0 && st.st_dev != root_st.st_dev);
	/* Options: no exec from /proc, no device nodes in /run. */
	CHILD_CHECK(access("/proc/self/exe", F_OK) == 0);
	CHILD_CHECK(mknod("/run/null", S_IFCHR | 0600, makedev(1, 3)) == 0);
	CHILD_CHECK(open("/run/null", O_WRONLY) < 0 && errno == EACCES);
	/* Idempotent: a second run finds all five and mounts nothing. */
	CHILD_CHECK(agent_mount_early(&e) == 0);
	return 0;
}

/* /run already mounted (with a file in it): left alone, the other four mounted. */
static int child_partial(void)
{
	struct err e = {0};
	struct stat st;

	CHILD_CHECK(mkdir("/run", 0700) == 0);
	CHILD_CHECK(mount("tmpfs", "/run", "tmpfs", 0, "mode=0700") == 0);
	CHILD_CHECK(close(open("/run/marker", O_CREAT | O_WRONLY, 0600)) == 0);
	CHILD_CHECK(agent_mount_early(&e) == 4);
	CHILD_CHECK(stat("/run/marker", &st) == 0);
	CHILD_CHECK(stat("/run", &st) == 0 && (st.st_mode & 07777) == 0700);
	CHILD_CHECK(agent_mount_early(&e) == 0);
	return 0;
}

/* /sys is a file: the error names the mount and the cause. */
static int child_error(void)
{
	struct err e = {0};

	CHILD_CHECK(close(open("/sys", O_CREAT | O_WRONLY, 0600)) == 0);
	CHILD_CHECK(agent_mount_early(&e) == -1);
	CHILD_CHECK(e.errnum == ENOTDIR);
	CHILD_CHECK(strcmp(e.msg, "mount sysfs on /sys: not a directory") == 0);
	return 0;
}

static void run_in_fresh_root(const char *name, int (*fn)(void))
{
	char cmd[128];

	snprintf(root, sizeof(root), "/tmp/test_agent_mount.XXXXXX");
	if (!mkdtemp(root)) {
		printf("# mkdtemp: %s\n", strerror(errno));
		unit_cur_failed = 1;
		unit_report(name);
		return;
	}
	snprintf(cmd, sizeof(cmd), "%s/proc", root);
	mkdir(cmd, 0555);
	CHECK_INT(in_root(fn), 0);
	/* The mounts died with the child's namespace; only plain directories are left. */
	snprintf(cmd, sizeof(cmd), "rm -rf --one-file-system '%s'", root);
	CHECK_INT(system(cmd), 0);
	unit_report(name);
}

int main(void)
{
	if (geteuid() != 0) {
		skip("fresh", "needs root");
		skip("partial", "needs root");
		skip("error", "needs root");
		return unit_done();
	}
	run_in_fresh_root("fresh root: all five mounted, idempotent", child_fresh);
	run_in_fresh_root("/run already mounted: left alone", child_partial);
	run_in_fresh_root("/sys not a directory: clear error", child_error);
	return unit_done();
}
