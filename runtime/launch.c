// SPDX-License-Identifier: Apache-2.0
/*
 * Starting a container's VMM (docs/protocol.md "create"): incept-vmm with the container's
 * stdio as fds 0-2 and one end of a socketpair as fd 3 (--sync-fd 3), nothing else open, in
 * its own session, in the container's cgroup and network namespace. The runtime writes one
 * CREATE on the socketpair and reads one reply, PID or ERROR.
 */
#define _GNU_SOURCE
#include "container.h"
#include "cleanup.h"
#include "config.h"
#include "util.h"
#include "vmm.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/close_range.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#define SYNC_FD		 3
#define PROGRESS_MS	 5000
#define CGROUP_V2_ROOT	 "/sys/fs/cgroup"
#define CGROUP_HYBRID_V2 "/sys/fs/cgroup/unified"

static int build_cmd(const struct rt_launch *l, const struct rt_config *cfg, struct rt_vmm_cmd *c,
		     struct err *e)
{
	rt_vmm_cmd_init(c, cfg, l->vcpus, l->memory_mib);
	if (c->argc + 2 * l->nr_shares + 8 > RT_VMM_MAX_ARGS)
		return err_set(e, E2BIG, "too many bind mounts (%zu)", l->nr_shares - 1);
	if (l->snapshot_dir) {
		rt_vmm_cmd_add(c, "--snapshot-dir");
		rt_vmm_cmd_add(c, l->snapshot_dir);
	}
	rt_vmm_cmd_add(c, "--vsock-socket");
	rt_vmm_cmd_add(c, l->vsock_socket);
	rt_vmm_cmd_add(c, "--log");
	rt_vmm_cmd_add(c, l->log_path);
	if (l->debug)
		rt_vmm_cmd_add(c, "--debug");
	for (size_t i = 0; i < l->nr_shares; i++) {
		rt_vmm_cmd_add(c, "--share");
		rt_vmm_cmd_add(c, l->shares[i]);
	}
	rt_vmm_cmd_add(c, "--sync-fd");
	rt_vmm_cmd_add(c, "3");
	return 0;
}

/* In the child: reports a failure before exec as the VMM would, an ERROR on the sync fd. */
static __attribute__((noreturn)) void child_fail(int sync, int errnum, const char *what)
{
	struct proto_buf b;
	char msg[512];
	struct err e;

	snprintf(msg, sizeof(msg), "%s: %s", what, strerror(errnum));
	proto_buf_init(&b);
	if (proto_encode_error(&b, errnum, msg, &e) == 0)
		proto_write_buf(sync, &b, &e);
	_exit(127);
}

static void child_cgroup(const char *dir, int sync)
{
	char path[PATH_MAX];
	int fd;

	snprintf(path, sizeof(path), "%s/cgroup.procs", dir);
	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0 || write(fd, "0", 1) != 1)
		child_fail(sync, errno, "join cgroup");
	close(fd);
}

/* Moves fds 0..3 into place; the sources may themselves be any of 0..3. */
static void child_fds(const struct rt_launch *l, int sync)
{
	int src[4] = {l->stdio[0], l->stdio[1], l->stdio[2], sync};
	int tmp[4];

	for (int i = 0; i < 4; i++) {
		tmp[i] = fcntl(src[i], F_DUPFD, 10);
		if (tmp[i] < 0)
			child_fail(sync, errno, "dup");
	}
	for (int i = 0; i < 4; i++)
		if (dup2(tmp[i], i) < 0)
			child_fail(sync, errno, "dup2");
	syscall(SYS_close_range, 4, ~0u, 0);
}

static __attribute__((noreturn)) void child(const struct rt_launch *l, const struct rt_vmm_cmd *c,
					    int sync, const int go[2])
{
	sigset_t none;
	char byte;

	/* placed from outside: nothing runs before the parent says so (EOF: it failed) */
	if (go[0] >= 0) {
		close(go[1]);
		if (util_read_all(go[0], &byte, 1) != 1)
			_exit(127);
	}
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	if (setsid() < 0)
		child_fail(sync, errno, "setsid");
	if (l->cgroup_dir && !l->place)
		child_cgroup(l->cgroup_dir, sync);
	if (l->netns_fd >= 0 && setns(l->netns_fd, CLONE_NEWNET) < 0)
		child_fail(sync, errno, "join the network namespace");
	/*
	 * As runc makes one for the container: here it holds the VMM, which then reaches no host
	 * network at all (the guest has no NIC without one; vmm.sock is a path, not an address).
	 */
	if (l->new_netns && unshare(CLONE_NEWNET) < 0)
		child_fail(sync, errno, "new network namespace");
	child_fds(l, sync);
	execv(c->argv[0], (char *const *)c->argv);
	child_fail(SYNC_FD, errno, c->argv[0]);
}

/*
 * Waits for the reply, saying once that it is slow: the VMM may be booting to build the
 * snapshot (~10 s on nested KVM). Not after 1 s: on PVM the guest's own part of a create
 * (mounts, namespaces, fork) takes seconds. Through the log, not straight to stderr: under
 * containerd create's stderr is the container's and the log is --log's file.
 */
static int wait_reply(int fd, struct err *e)
{
	struct pollfd p = {.fd = fd, .events = POLLIN};
	int r;

	do
		r = poll(&p, 1, PROGRESS_MS);
	while (r < 0 && errno == EINTR);
	if (r == 0)
		log_info("the microVM is still starting (the first start on a host builds the "
			 "guest snapshot)...");
	return rt_agent_reply(fd, PROTO_PID, NULL, NULL, e);
}

void rt_vmm_kill_reap(pid_t pid)
{
	if (pid <= 0)
		return;
	kill(pid, SIGKILL);
	while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
		;
}

int rt_launch_vmm(const struct rt_launch *l, rt_create_encoder encode, void *arg, pid_t *pid,
		  struct err *e)
{
	struct proto_buf create;
	struct rt_vmm_cmd c;
	int sv[2], go[2] = {-1, -1}, r;
	pid_t p;

	if (build_cmd(l, l->cfg, &c, e) < 0)
		return -1;
	if (access(c.argv[0], X_OK) < 0)
		return err_sys(e, errno, "VMM %s", c.argv[0]);
	if (l->place && pipe2(go, O_CLOEXEC) < 0)
		return err_sys(e, errno, "pipe");
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0) {
		r = err_sys(e, errno, "socketpair");
		goto close_go;
	}
	p = fork();
	if (p < 0) {
		close(sv[0]);
		close(sv[1]);
		r = err_sys(e, errno, "fork");
		goto close_go;
	}
	if (p == 0)
		child(l, &c, sv[1], go);
	close(sv[1]);
	if (l->place) {
		close(go[0]);
		r = l->place(l->place_arg, p, e);
		if (r == 0 && util_write_all(go[1], "g", 1) < 0)
			r = err_sys(e, errno, "start the VMM");
		close(go[1]);
		if (r < 0) {
			close(sv[0]);
			rt_vmm_kill_reap(p);
			return -1;
		}
	}
	/* while the child execs the VMM */
	proto_buf_init(&create);
	r = encode(arg, p, &create, e);
	if (r == 0)
		r = proto_write_buf(sv[0], &create, e);
	proto_buf_free(&create);
	if (r < 0 || wait_reply(sv[0], e) < 0) {
		close(sv[0]);
		rt_vmm_kill_reap(p);
		return -1;
	}
	close(sv[0]);
	*pid = p;
	return 0;
close_go:
	if (go[0] >= 0) {
		close(go[0]);
		close(go[1]);
	}
	return r;
}

/* The cgroup v2 hierarchy: /sys/fs/cgroup, or its "unified" mount on hybrid hosts. */
const char *rt_cgroup_root(void)
{
	if (access(CGROUP_V2_ROOT "/cgroup.procs", F_OK) == 0)
		return CGROUP_V2_ROOT;
	if (access(CGROUP_HYBRID_V2 "/cgroup.procs", F_OK) == 0)
		return CGROUP_HYBRID_V2;
	return NULL;
}

static int cgroup_dir(const char *cgroups_path, char **dir, struct err *e)
{
	const char *root = rt_cgroup_root();

	*dir = NULL;
	if (!cgroups_path || !*cgroups_path)
		return 0;
	/* "slice:prefix:name" is systemd's only with --systemd-cgroup; else a path, as in runc */
	if (strstr(cgroups_path, ".."))
		return err_set(e, EINVAL, "cgroupsPath %s: must not contain \"..\"", cgroups_path);
	if (!root)
		return err_set(e, ENOENT, "cgroupsPath %s: no cgroup v2 hierarchy on this host",
			       cgroups_path);
	if (asprintf(dir, "%s/%s", root, cgroups_path + (cgroups_path[0] == '/')) < 0) {
		*dir = NULL;
		return err_sys(e, ENOMEM, "cgroup");
	}
	return 0;
}

int rt_cgroup_prepare(const char *cgroups_path, char **dir, struct err *e)
{
	if (cgroup_dir(cgroups_path, dir, e) < 0)
		return -1;
	if (*dir && util_mkdir_p(*dir, 0755, e) < 0) {
		free(*dir);
		*dir = NULL;
		return err_prefix(e, "cgroup");
	}
	return 0;
}

/*
 * Best effort: only the leaf, and only once empty. A VMM that was killed stays a zombie until
 * its parent (the shim) reaps it, and keeps the cgroup populated until then: give it a second.
 */
void rt_cgroup_remove_dir(const char *dir)
{
	for (int i = 0; i < 100 && rmdir(dir) < 0 && errno == EBUSY; i++)
		usleep(10000);
}

void rt_cgroup_remove(const char *cgroups_path)
{
	cleanup_free char *dir = NULL;
	struct err e;

	if (cgroup_dir(cgroups_path, &dir, &e) < 0 || !dir)
		return;
	rt_cgroup_remove_dir(dir);
}
