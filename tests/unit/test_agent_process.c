// SPDX-License-Identifier: Apache-2.0
/* agent/process.c and agent/container.c: PATH lookup with runc's texts, env, validation. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <sched.h>
#include <stdlib.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include "agent/container.h"
#include "agent/process.h"
#include "unit.h"
#include "util.h"

static char dir[PATH_MAX];

static void make(const char *name, mode_t mode)
{
	char path[PATH_MAX * 2];
	int fd;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	if (S_ISDIR(mode)) {
		mkdir(path, mode & 07777);
		return;
	}
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, mode & 07777);
	if (fd >= 0)
		close(fd);
	chmod(path, mode & 07777);
}

static void test_env_get(void)
{
	const char *env[] = {"PATHX=no", "PATH=/bin:/usr/bin", "A=", NULL};

	CHECK_STR(agent_env_get(env, "PATH"), "/bin:/usr/bin");
	CHECK_STR(agent_env_get(env, "A"), "");
	CHECK(agent_env_get(env, "B") == NULL);
	CHECK(agent_env_get(NULL, "PATH") == NULL);
}

static void test_lookup_path(void)
{
	char path[PATH_MAX * 3], out[PATH_MAX], want[PATH_MAX * 2];
	struct err e = {0};

	make("bin", S_IFDIR | 0755);
	make("bin/tool", S_IFREG | 0755);
	make("bin/data", S_IFREG | 0644);
	make("bin/sub", S_IFDIR | 0755);
	make("other", S_IFDIR | 0755);
	snprintf(path, sizeof(path), "%s/other:%s/bin", dir, dir);
	CHECK_INT(agent_path_lookup("tool", path, out, sizeof(out), &e), 0);
	snprintf(want, sizeof(want), "%s/bin/tool", dir);
	CHECK_STR(out, want);
	/* not executable, a directory, missing: all "not found in $PATH" */
	CHECK_INT(agent_path_lookup("data", path, out, sizeof(out), &e), -1);
	CHECK_STR(e.msg, "exec: \"data\": executable file not found in $PATH");
	CHECK_INT(e.errnum, ENOENT);
	CHECK_INT(agent_path_lookup("sub", path, out, sizeof(out), &e), -1);
	CHECK_INT(agent_path_lookup("nosuch", path, out, sizeof(out), &e), -1);
	CHECK_STR(e.msg, "exec: \"nosuch\": executable file not found in $PATH");
	/* no PATH at all: no search (Go's filepath.SplitList("") is empty) */
	CHECK_INT(agent_path_lookup("tool", NULL, out, sizeof(out), &e), -1);
	CHECK_INT(agent_path_lookup("", path, out, sizeof(out), &e), -1);
}

static void test_lookup_dot(void)
{
	char out[PATH_MAX], cwd[PATH_MAX], bin[PATH_MAX * 2];
	struct err e = {0};

	/* an empty element means the current directory */
	CHECK(getcwd(cwd, sizeof(cwd)) != NULL);
	snprintf(bin, sizeof(bin), "%s/bin", dir);
	CHECK_INT(chdir(bin), 0);
	CHECK_INT(agent_path_lookup("tool", "/nonexistent:", out, sizeof(out), &e), 0);
	CHECK_STR(out, "./tool");
	CHECK_INT(chdir(cwd), 0);
}

static void test_lookup_explicit(void)
{
	char file[PATH_MAX * 2], out[PATH_MAX], want[PATH_MAX * 3];
	struct err e = {0};

	snprintf(file, sizeof(file), "%s/bin/tool", dir);
	CHECK_INT(agent_path_lookup(file, NULL, out, sizeof(out), &e), 0);
	CHECK_STR(out, file);
	CHECK_INT(agent_path_lookup("/x", "/bin", out, sizeof(out), &e), -1);
	CHECK_STR(e.msg, "exec: \"/x\": stat /x: no such file or directory");
	snprintf(file, sizeof(file), "%s/bin/data", dir);
	CHECK_INT(agent_path_lookup(file, "/bin", out, sizeof(out), &e), -1);
	snprintf(want, sizeof(want), "exec: \"%s\": permission denied", file);
	CHECK_STR(e.msg, want);
	CHECK_INT(e.errnum, EACCES);
}

static void test_paths_and_shares(void)
{
	CHECK(agent_container_path_valid("/"));
	CHECK(agent_container_path_valid("/a/b..c/..d"));
	CHECK(!agent_container_path_valid("a/b"));
	CHECK(!agent_container_path_valid("/a/../b"));
	CHECK(!agent_container_path_valid("/a/.."));
	CHECK(!agent_container_path_valid(NULL));
	CHECK(agent_share_name_valid("rootfs"));
	CHECK(agent_share_name_valid("..."));
	CHECK(!agent_share_name_valid(""));
	CHECK(!agent_share_name_valid(".."));
	CHECK(!agent_share_name_valid("."));
	CHECK(!agent_share_name_valid("a/b"));
	CHECK(!agent_share_name_valid(NULL));
}

static const char *args[] = {"sh", NULL};

static struct proto_container base(void)
{
	struct proto_container c = {.rootfs = "rootfs", .namespaces = CLONE_NEWNS | CLONE_NEWPID};

	c.process.args = args;
	c.process.nr_args = 1;
	return c;
}

static void test_validate(void)
{
	const char *bad_sysctl[] = {"kernel..x=1"}, *good_sysctl[] = {"net.ipv4.ip_forward=1"};
	struct proto_mount m = {.dest = "/data", .type = "bind", .source = "../etc"};
	struct proto_id_mapping map = {0, 100000, 65536};
	struct proto_container c = base();
	struct err e = {0};

	CHECK_INT(agent_container_validate(&c, &e), 0);
	c.namespaces = CLONE_NEWPID;
	CHECK_INT(agent_container_validate(&c, &e), -1);
	/* a user namespace comes with both maps, and maps with a user namespace */
	c = base();
	c.namespaces |= CLONE_NEWUSER;
	CHECK_INT(agent_container_validate(&c, &e), -1);
	c.uid_map = c.gid_map = &map;
	c.nr_uid_map = c.nr_gid_map = 1;
	CHECK_INT(agent_container_validate(&c, &e), 0);
	c.namespaces &= ~(uint32_t)CLONE_NEWUSER;
	CHECK_INT(agent_container_validate(&c, &e), -1);
	c = base();
	c.hostname = "h";
	CHECK_INT(agent_container_validate(&c, &e), -1);
	CHECK_STR(e.msg, "unable to set hostname without a private UTS namespace");
	c = base();
	c.rootfs = "../x";
	CHECK_INT(agent_container_validate(&c, &e), -1);
	c = base();
	c.mounts = &m;
	c.nr_mounts = 1;
	CHECK_INT(agent_container_validate(&c, &e), -1);
	m.source = "data";
	CHECK_INT(agent_container_validate(&c, &e), 0);
	m.dest = "/a/../../etc";
	CHECK_INT(agent_container_validate(&c, &e), -1);
	c = base();
	c.sysctl = bad_sysctl;
	c.nr_sysctl = 1;
	CHECK_INT(agent_container_validate(&c, &e), -1);
	c.sysctl = good_sysctl;
	CHECK_INT(agent_container_validate(&c, &e), 0);
	c = base();
	c.process.nr_args = 0;
	CHECK_INT(agent_container_validate(&c, &e), -1);
	c = base();
	c.process.cwd = "relative";
	CHECK_INT(agent_container_validate(&c, &e), -1);
	c = base();
	c.process.has_umask = true;
	c.process.umask = 01000;
	CHECK_INT(agent_container_validate(&c, &e), -1);
}

int main(void)
{
	struct err e = {0};

	snprintf(dir, sizeof(dir), "%s/test_agent_process.XXXXXX",
		 getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
	if (!mkdtemp(dir))
		return 1;
	RUN(test_env_get);
	RUN(test_lookup_path);
	RUN(test_lookup_dot);
	RUN(test_lookup_explicit);
	RUN(test_paths_and_shares);
	RUN(test_validate);
	util_rm_rf(dir, &e);
	return unit_done();
}
