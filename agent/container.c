// SPDX-License-Identifier: Apache-2.0
#define _GNU_SOURCE
#include "container.h"
#include "cleanup.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/personality.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "process.h"
#include "rootfs.h"
#include "trace.h"
#include "userns.h"
#include "util.h"

bool agent_share_name_valid(const char *name)
{
	return name && *name && !strchr(name, '/') && strcmp(name, ".") != 0 &&
	       strcmp(name, "..") != 0 && strlen(name) < NAME_MAX;
}

bool agent_container_path_valid(const char *path)
{
	const char *p = path;

	if (!path || path[0] != '/' || strlen(path) >= PATH_MAX / 2)
		return false;
	while ((p = strstr(p, "..")) != NULL) {
		if (p[-1] == '/' && (p[2] == '/' || p[2] == '\0'))
			return false;
		p += 2;
	}
	return true;
}

static bool sysctl_valid(const char *kv)
{
	const char *eq = strchr(kv, '=');

	if (!eq || eq == kv || kv[0] == '.' || kv[0] == '/')
		return false;
	for (const char *p = kv; p < eq; p++)
		if (!(*p == '.' || *p == '_' || *p == '-' || *p == '/' ||
		      (*p >= '0' && *p <= '9') || (*p >= 'a' && *p <= 'z') ||
		      (*p >= 'A' && *p <= 'Z')))
			return false;
	return !memmem(kv, (size_t)(eq - kv), "..", 2);
}

static int validate_mounts(const struct proto_container *c, struct err *e)
{
	for (uint32_t i = 0; i < c->nr_mounts; i++) {
		const struct proto_mount *m = &c->mounts[i];
		bool bind = (m->flags & MS_BIND) || (m->type && strcmp(m->type, "bind") == 0);

		if (!agent_container_path_valid(m->dest))
			return err_set(e, EINVAL,
				       "mount destination \"%s\" is not a clean absolute path",
				       m->dest ? m->dest : "");
		if (bind && !agent_share_name_valid(m->source))
			return err_set(e, EINVAL, "bind mount source \"%s\" is not a share name",
				       m->source ? m->source : "");
		if (!bind && (!m->type || !*m->type))
			return err_set(e, EINVAL, "mount on %s has no type", m->dest);
	}
	return 0;
}

static int validate_paths(const char *what, const char **paths, uint32_t n, struct err *e)
{
	for (uint32_t i = 0; i < n; i++)
		if (!agent_container_path_valid(paths[i]))
			return err_set(e, EINVAL, "%s path \"%s\" is not a clean absolute path",
				       what, paths[i]);
	return 0;
}

int agent_container_validate(const struct proto_container *c, struct err *e)
{
	if (!agent_share_name_valid(c->rootfs))
		return err_set(e, EINVAL, "rootfs \"%s\" is not a share name",
			       c->rootfs ? c->rootfs : "");
	if (!(c->namespaces & CLONE_NEWNS))
		return err_set(e, EINVAL, "a container needs its own mount namespace");
	if (c->namespaces & ~(uint32_t)AGENT_NS_SUPPORTED)
		return err_set(e, EINVAL, "namespaces %#x are not supported in the guest",
			       c->namespaces & ~(uint32_t)AGENT_NS_SUPPORTED);
	if (c->hostname && !(c->namespaces & CLONE_NEWUTS))
		return err_set(e, EINVAL, "unable to set hostname without a private UTS namespace");
	if (c->domainname && !(c->namespaces & CLONE_NEWUTS))
		return err_set(e, EINVAL,
			       "unable to set domainname without a private UTS namespace");
	if (!(c->namespaces & CLONE_NEWUSER) != !c->uid_map)
		return err_set(e, EINVAL,
			       "a user namespace needs its uid and gid maps, and maps "
			       "need a user namespace");
	for (uint32_t i = 0; i < c->nr_sysctl; i++)
		if (!sysctl_valid(c->sysctl[i]))
			return err_set(e, EINVAL, "sysctl \"%s\" is not key=value", c->sysctl[i]);
	if (validate_mounts(c, e) < 0 || validate_paths("masked", c->masked, c->nr_masked, e) < 0 ||
	    validate_paths("readonly", c->readonly, c->nr_readonly, e) < 0)
		return -1;
	return agent_process_validate(&c->process, e);
}

/*
 * Keeps only what the child needs past this point: 0-2, the status and start pipes. Every
 * other fd is CLOEXEC anyway, but the init child waits for START for a while, and a copy of
 * a connection or pipe held that long would hide its EOF from the other side.
 */
static void close_others(int a, int b)
{
	int lo = a < b ? a : b, hi = a < b ? b : a;

	if (lo < 0)
		lo = hi;
	if (lo > 3)
		syscall(SYS_close_range, 3u, (unsigned)lo - 1, 0u);
	if (hi > lo + 1)
		syscall(SYS_close_range, (unsigned)lo + 1, (unsigned)hi - 1, 0u);
	syscall(SYS_close_range, (unsigned)hi + 1, ~0u, 0u);
}

/* What both children do first: the agent's blocked signals and umask are not theirs. */
static int child_prelude(const struct agent_child *a, struct err *e)
{
	sigset_t none;

	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	umask(0);
	if (agent_stdio_child(&a->stdio, e) < 0)
		return -1;
	close_others(a->status_fd, a->start_fd);
	return 0;
}

static int set_names(const struct proto_container *c, struct err *e)
{
	if (c->hostname && sethostname(c->hostname, strlen(c->hostname)) < 0)
		return err_sys(e, errno, "sethostname");
	if (c->domainname && setdomainname(c->domainname, strlen(c->domainname)) < 0)
		return err_sys(e, errno, "setdomainname");
	return 0;
}

static int write_str(const char *path, const char *s, struct err *e)
{
	size_t len = strlen(s);
	int fd = open(path, O_WRONLY | O_CLOEXEC);
	int r = 0;

	if (fd < 0)
		return err_sys(e, errno, "open %s", path);
	if (write(fd, s, len) != (ssize_t)len)
		r = err_sys(e, errno, "write %s", path);
	close(fd);
	return r;
}

static int set_sysctls(const struct proto_container *c, struct err *e)
{
	for (uint32_t i = 0; i < c->nr_sysctl; i++) {
		const char *kv = c->sysctl[i], *eq = strchr(kv, '=');
		char path[PATH_MAX];
		int n = snprintf(path, sizeof(path), "/proc/sys/%.*s", (int)(eq - kv), kv);

		for (char *p = path + strlen("/proc/sys/"); *p; p++)
			if (*p == '.')
				*p = '/';
		if (n >= (int)sizeof(path) || write_str(path, eq + 1, e) < 0)
			return err_prefix(e, "sysctl %s", kv);
	}
	return 0;
}

/* linux.personality for the init and, as runc's setns init does, for exec'd processes. */
static int set_personality(long domain, struct err *e)
{
	if (domain >= 0 && personality((unsigned long)domain) < 0)
		return err_sys(e, errno, "personality %#lx", (unsigned long)domain);
	return 0;
}

void agent_container_init_child(const struct agent_child *a)
{
	const struct proto_container *c = a->c;
	struct err e = {0};
	char exe[PATH_MAX];
	int master = -1;
	char b;

	agent_trace_mark(AGENT_TP_CHILD);
	if (child_prelude(a, &e) < 0)
		agent_child_fail(a->status_fd, &e);
	/* in its own user namespace the agent set the rlimits: this child cannot raise them */
	if ((c->namespaces & CLONE_NEWUSER ? agent_userns_enter(a, &e)
					   : agent_process_early(0, a->p, &e)) < 0)
		agent_child_fail(a->status_fd, &e);
	agent_trace_mark(AGENT_TP_PRELUDE);
	if (agent_rootfs_enter(c, a->fs_root, a->mounts_private, &e) < 0)
		agent_child_fail(a->status_fd, &e);
	/* runc's order: the console after the mounts, before anything is made read-only */
	if (a->stdio.ctr_pty) {
		master = agent_stdio_container_pty(&a->stdio, true, &e);
		if (master < 0)
			agent_child_fail(a->status_fd, &e);
	}
	if (agent_rootfs_finish(c, &e) < 0 || set_sysctls(c, &e) < 0 || set_names(c, &e) < 0)
		agent_child_fail(a->status_fd, &e);
	/* runc's order: before the user and capabilities change and before any filter */
	if (set_personality(c->has_personality ? (long)c->personality : -1, &e) < 0)
		agent_child_fail(a->status_fd, &e);
	agent_trace_mark(AGENT_TP_NAMES);
	if (agent_process_setup(a->p, exe, sizeof(exe), &e) < 0)
		agent_child_fail(a->status_fd, &e);
	agent_trace_mark(AGENT_TP_LOOKUP);
	if (a->pdeathsig)
		prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0);
	/* ready, and the pty master in the same message */
	agent_status_send(a->status_fd, NULL, master);
	/* START: one byte; EOF means the agent gave up on this container */
	if (read(a->start_fd, &b, 1) != 1)
		_exit(1);
	agent_trace_mark(AGENT_TP_WOKEN);
	/*
	 * runc's order (standard_init_linux.go): the late filter, then the startContainer hooks
	 * (under it, as every filter), then execve. A failed hook is START's (or, START_NOW,
	 * CREATE's) error, and this init exits 127 without running the process.
	 */
	if (agent_seccomp_late(a->p, &e) < 0 || agent_hooks_run(c, a->p, &e) < 0)
		agent_child_fail(a->status_fd, &e);
	agent_child_execve(a->status_fd, exe, a->p);
}

static const struct {
	uint32_t flag;
	const char *name;
} join_order[] = {
	/* user first: the others are owned by it; mnt last: the others are looked up in the
	 * guest's /proc */
	{CLONE_NEWUSER, "user"}, {CLONE_NEWIPC, "ipc"},	      {CLONE_NEWUTS, "uts"},
	{CLONE_NEWNET, "net"},	 {CLONE_NEWCGROUP, "cgroup"}, {CLONE_NEWNS, "mnt"},
};

_Static_assert(ARRAY_SIZE(join_order) == AGENT_JOIN_NS, "agent_join.ns follows join_order");

void agent_container_join_close(struct agent_join *j)
{
	for (size_t i = 0; i < AGENT_JOIN_NS; i++)
		if (j->ns[i] >= 0)
			close(j->ns[i]);
	if (j->root >= 0)
		close(j->root);
	for (size_t i = 0; i < AGENT_JOIN_NS; i++)
		j->ns[i] = -1;
	j->root = -1;
}

int agent_container_join_open(pid_t init_pid, uint32_t namespaces, struct agent_join *j,
			      struct err *e)
{
	char path[64];

	for (size_t i = 0; i < AGENT_JOIN_NS; i++)
		j->ns[i] = -1;
	for (size_t i = 0; i < AGENT_JOIN_NS; i++) {
		if (!(namespaces & join_order[i].flag))
			continue;
		snprintf(path, sizeof(path), "/proc/%d/ns/%s", (int)init_pid, join_order[i].name);
		j->ns[i] = open(path, O_RDONLY | O_CLOEXEC);
		if (j->ns[i] < 0)
			goto fail;
	}
	snprintf(path, sizeof(path), "/proc/%d/root", (int)init_pid);
	j->root = open(path, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (j->root >= 0)
		return 0;
fail:
	err_sys(e, errno, "open %s", path);
	agent_container_join_close(j);
	return -1;
}

/* Before the prelude closes every fd but the status and start pipes: j's are among them. */
static int join_container(const struct agent_join *j, struct err *e)
{
	for (size_t i = 0; i < AGENT_JOIN_NS; i++)
		if (j->ns[i] >= 0 && setns(j->ns[i], (int)join_order[i].flag) < 0)
			return err_sys(e, errno, "join the container's %s namespace",
				       join_order[i].name);
	/*
	 * The guest's root is nobody in there: be the container's root, as runc's nsexec is
	 * before its init code runs (a pty opened now is the container root's).
	 */
	if (j->ns[0] >= 0 && /* join_order[0]: the user namespace */
	    (syscall(SYS_setresgid, 0, 0, 0) < 0 || syscall(SYS_setresuid, 0, 0, 0) < 0))
		return err_sys(e, errno, "become root in the container's user namespace");
	/* init's root, whether it got there by pivot_root or by MS_MOVE + chroot */
	if (fchdir(j->root) < 0 || chroot(".") < 0)
		return err_sys(e, errno, "enter the container's root");
	return 0;
}

void agent_container_exec_child(const struct agent_child *a)
{
	struct err e = {0};
	char exe[PATH_MAX];
	int master;

	/* rlimits first: in the container's user namespace a hard limit cannot be raised */
	if (agent_process_early(0, a->p, &e) < 0 || join_container(a->join, &e) < 0 ||
	    child_prelude(a, &e) < 0)
		agent_child_fail(a->status_fd, &e);
	if (a->stdio.ctr_pty) {
		/* a pty of the container's devpts (runc exec's too); no console: that is init's */
		master = agent_stdio_container_pty(&a->stdio, false, &e);
		if (master < 0)
			agent_child_fail(a->status_fd, &e);
		agent_status_send(a->status_fd, NULL, master);
	}
	if (set_personality(a->personality, &e) < 0 ||
	    agent_process_setup(a->p, exe, sizeof(exe), &e) < 0)
		agent_child_fail(a->status_fd, &e);
	if (a->pdeathsig)
		prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0);
	agent_child_exec(a->status_fd, exe, a->p);
}
