/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The container side of CREATE and EXEC, run in the child between fork and execve.
 *
 * CREATE: the child (cloned into the CLONE_NEW* namespaces of the request, PID 1 of its pid
 * namespace; with a user namespace, agent/userns.h first) makes every mount private, binds the
 * rootfs share, does the config's mounts in order, creates runc's default /dev when /dev is a
 * tmpfs, changes root, opens its terminal (a pty of the container's devpts, bound on /dev/console
 * too), masks and write-protects paths, sets sysctls and the host name, applies the process spec,
 * tells the agent it is ready and waits for START before execve.
 *
 * EXEC: the child (forked into the container's pid namespace by the agent) sets its rlimits,
 * joins the other namespaces of the container's init (its user namespace first, then as its
 * root) and its root, opens its terminal there, applies the process spec and execs.
 */
#ifndef AGENT_CONTAINER_H
#define AGENT_CONTAINER_H

#include <stdbool.h>
#include <sys/types.h>
#include "error.h"
#include "proto.h"
#include "stdio.h"

/* Namespaces the agent can create (a user namespace with its maps: agent/userns.h). */
#define AGENT_NS_SUPPORTED                                                                         \
	(CLONE_NEWNS | CLONE_NEWUTS | CLONE_NEWIPC | CLONE_NEWPID | CLONE_NEWNET |                 \
	 CLONE_NEWCGROUP | CLONE_NEWUSER)

/*
 * What an EXEC child joins: the init's namespaces other than pid (in join order, the user
 * namespace first as in runc's nsexec, -1 for one the container does not have) and its root.
 * The agent opens these once per container and keeps them: each open of /proc/<init>/ns/...
 * is a procfs path walk, emulated on PVM.
 */
#define AGENT_JOIN_NS 6
struct agent_join {
	int ns[AGENT_JOIN_NS];
	int root; /* -1: not open */
};

/* Opens j's fds for the container of init_pid (CLOEXEC). */
int agent_container_join_open(pid_t init_pid, uint32_t namespaces, struct agent_join *j,
			      struct err *e);
void agent_container_join_close(struct agent_join *j);

struct agent_child {
	const struct proto_container *c; /* CREATE */
	const struct proto_process *p;
	const char *fs_root; /* the shares: <fs_root>/<share name> */
	struct agent_stdio stdio;
	int status_fd;		       /* CLOEXEC: struct agent_status_rec records, EOF at execve */
	int start_fd;		       /* CREATE: one byte = START; EOF = give up */
	const struct agent_join *join; /* EXEC: the container's namespaces and root */
	long personality;	       /* EXEC: the container's personality domain; -1: none */
	bool pdeathsig;		       /* host test mode: die with the agent */
	bool mounts_private; /* CREATE: the agent's mounts (the child's copies) are private */
};

/* 1 if name can be a share: not empty, no '/', not "." or "..". */
bool agent_share_name_valid(const char *name);

/* 1 if path is absolute, has no ".." component and is shorter than PATH_MAX / 2. */
bool agent_container_path_valid(const char *path);

/* Everything about a CREATE request that is checked before the fork. */
int agent_container_validate(const struct proto_container *c, struct err *e);

/*
 * agent/hooks.c: c's startContainer hooks, in order, in the init after START (runc's point:
 * right before execve), with the env of p when a hook has none; the first failure stops.
 */
int agent_hooks_run(const struct proto_container *c, const struct proto_process *p, struct err *e);

__attribute__((noreturn)) void agent_container_init_child(const struct agent_child *a);
__attribute__((noreturn)) void agent_container_exec_child(const struct agent_child *a);

#endif
