/* SPDX-License-Identifier: Apache-2.0 */
/*
 * A container's own user namespace (CREATE with CLONE_NEWUSER), made in runc's order
 * (libcontainer/nsenter/nsexec.c): the init is cloned into the new user namespace (and its pid
 * namespace, so that it is that namespace's PID 1) only; the agent, in the guest's initial user
 * namespace, sets its rlimits and oom_score_adj, writes uid_map and gid_map and then one byte
 * on its start pipe; the init becomes the namespace's root and only then unshares the others,
 * which it so owns (mqueue's root is the container's root, as under runc).
 */
#ifndef AGENT_USERNS_H
#define AGENT_USERNS_H

#include <sys/types.h>
#include "container.h"
#include "error.h"
#include "proto.h"

/* The agent: everything the init cannot do itself in its new namespace, then the byte. */
int agent_userns_map(pid_t pid, const struct proto_container *c, int start_fd, struct err *e);

/* The init: waits for that byte, becomes uid 0 of the namespace, unshares the rest. */
int agent_userns_enter(const struct agent_child *a, struct err *e);

#endif
