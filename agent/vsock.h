/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The agent's vsock test path (INCEPT_TASK_VSOCK_ECHO): an echo server on vsock port
 * AGENT_VSOCK_ECHO_PORT for host clients of the VMM's --vsock-socket, and one connection from
 * the guest to the host's port AGENT_VSOCK_HELLO_PORT.
 */
#ifndef AGENT_VSOCK_H
#define AGENT_VSOCK_H

#include "error.h"

#define AGENT_VSOCK_ECHO_PORT  1024
#define AGENT_VSOCK_HELLO_PORT 1025
#define AGENT_VSOCK_HELLO      "hello from the guest\n"

/* A listening vsock stream socket on `port` (any CID), non-blocking. */
int agent_vsock_listen(unsigned port, struct err *e);

/* Connects to the host (CID 2) at `port` and writes `msg`; -1 when nobody listens there. */
int agent_vsock_send_host(unsigned port, const char *msg, struct err *e);

/* Serves echo on `listen_fd` forever: many connections at once, each until its EOF. */
__attribute__((noreturn)) void agent_vsock_echo_forever(int listen_fd);

#endif
