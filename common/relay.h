/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The host end of a process stream (docs/protocol.md): the VMM runs it for the container's
 * init, `incept exec` for an exec'd process. It carries stdin to the agent, the process's
 * output to the given fds, signals and window sizes, and returns the process's exit status
 * once every byte of output was written.
 */
#ifndef INCEPT_RELAY_H
#define INCEPT_RELAY_H

#include <stdbool.h>
#include <signal.h>
#include "error.h"
#include "proto.h"

struct relay_opts {
	int stream;	  /* connected to the agent, after the PID reply; made non-blocking */
	int in, out, err; /* -1: none. `in` is read until EOF, then STDIN_CLOSE is sent */
	int tty;	  /* -1, or a host tty whose window size is sent at start and on SIGWINCH */
	/*
	 * Signals to forward to the process (SIGNAL messages; SIGWINCH becomes RESIZE when tty
	 * is set). The caller blocks them in every thread before any thread is created.
	 */
	const sigset_t *forward;
	struct proto_exit *exit_out; /* NULL, or where the agent's EXIT is copied (timings) */
};

/* The signals a process's host-side stand-in forwards (TERM, INT, HUP, QUIT, USR1, ...). */
void relay_forward_set(sigset_t *set);

/*
 * Relays until the agent's EXIT. Returns the exit status (the code, or 128 + signal), or -1
 * with `e` set when the stream broke first (VMM or guest gone).
 */
int relay_run(const struct relay_opts *o, struct err *e);

/*
 * A stream to the agent through the VMM's socket: `CONNECT <port>\n`, then `OK <n>\n`
 * (docs/vsock.md). Waits at most timeout_ms for the answer. Returns the fd (blocking).
 */
int relay_connect_agent(const char *vmm_socket, unsigned timeout_ms, struct err *e);

/* Reads the VMM's "OK <port>" line that says the guest accepted a stream. */
int relay_expect_ok(int fd, unsigned timeout_ms, struct err *e);

#endif
