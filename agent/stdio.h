/* SPDX-License-Identifier: Apache-2.0 */
/*
 * A container process's stdio: pipes the agent makes before the fork (stdin only when the
 * host sends it, else /dev/null), or a pty whose slave becomes the process's controlling
 * terminal. That pty is, as under runc, one of the container's own devpts: the child opens
 * it once it is in the container's root and passes the master back over its status socket
 * (SCM_RIGHTS). Only a container without a devpts on /dev/pts gets one of the guest's devpts,
 * opened by the agent before the fork (its slave has no name inside the container). The
 * agent keeps the read ends of the output pipes (blocking: read only after poll() said so),
 * the write end of stdin (non-blocking) or the pty master (non-blocking).
 */
#ifndef AGENT_STDIO_H
#define AGENT_STDIO_H

#include <stdbool.h>
#include <stdint.h>
#include "error.h"

struct agent_stdio {
	int child[3];	     /* the process's 0, 1, 2 (may repeat one fd) */
	int ctty;	     /* pty slave to make the controlling terminal, or -1 */
	int in_fd;	     /* agent: stdin pipe's write end, or -1 */
	int out_fd[2];	     /* agent: stdout, stderr read ends, or -1 */
	int pty_fd;	     /* agent: the pty master (output and input), or -1 */
	bool ctr_pty;	     /* the child opens the pty in the container; pty_fd comes later */
	uint32_t rows, cols; /* ctr_pty: the window size the child sets */
};

/*
 * `devnull`: an open /dev/null the agent keeps (the child's stdin when there is none).
 * `ctr_devpts`: the container has its own devpts on /dev/pts (a terminal is opened there).
 */
int agent_stdio_open(bool terminal, bool ctr_devpts, bool want_stdin, uint32_t rows, uint32_t cols,
		     int devnull, struct agent_stdio *s, struct err *e);

/* The parent after the fork: closes the child's ends. */
void agent_stdio_close_child(struct agent_stdio *s, int devnull);

/* Closes everything (the fork failed). */
void agent_stdio_close_all(struct agent_stdio *s, int devnull);

/* In the child: new session, controlling tty, fds 0-2 (ctr_pty: only the session). */
int agent_stdio_child(const struct agent_stdio *s, struct err *e);

/*
 * In the child, in the container's root (ctr_pty): opens a pty of the container's devpts,
 * sets its window size, makes its slave the controlling terminal and fds 0-2 and, with
 * `console`, binds it on /dev/console (created when missing; skipped when it cannot be).
 * Returns the master (CLOEXEC, non-blocking) for the agent.
 */
int agent_stdio_container_pty(const struct agent_stdio *s, bool console, struct err *e);

/* TIOCSWINSZ on the master (0 rows or cols: left alone). */
int agent_pty_resize(int pty_fd, uint32_t rows, uint32_t cols);

#endif
