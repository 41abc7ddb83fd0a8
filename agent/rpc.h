/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The agent's server (docs/protocol.md): one poll() loop over the listening socket (vsock
 * port PROTO_AGENT_PORT in a guest, a Unix socket in the host test mode), every connection,
 * every process's pipes or pty and a signalfd for SIGCHLD.
 */
#ifndef AGENT_RPC_H
#define AGENT_RPC_H

#include <stdbool.h>
#include "error.h"

struct agent_rpc_config {
	const char *fs_root; /* shares are <fs_root>/<name> */
	bool guest;	     /* PID 1 of a VM: mount virtio-fs on fs_root first, power off */
	bool mounts_private; /* every mount of the agent is private: containers need not redo it */
	bool trace;	     /* incept.trace=1: per-step timestamps on the console (trace.h) */
};

/* The Unix socket of the host test mode (--serve=PATH), non-blocking, CLOEXEC. */
int agent_rpc_listen_unix(const char *path, struct err *e);

/*
 * The server's state (signal mask, signalfd, /dev/null, the warm input buffers touched once).
 * A guest does this before READY(0), so it is in the snapshot: after a restore each system
 * call and each first touch of a page is emulated guest-kernel work (~5-40 ms each on PVM).
 */
int agent_rpc_prepare(int listen_fd, const struct agent_rpc_config *cfg, struct err *e);

/* Undoes agent_rpc_prepare for a guest that got another task than serving. */
void agent_rpc_unprepare(void);

/*
 * Serves until SHUTDOWN (then: a guest powers off, a host returns 0) or a fatal error;
 * agent_rpc_prepare first.
 */
int agent_rpc_serve(struct err *e);

#endif
