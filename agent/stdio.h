/* SPDX-License-Identifier: Apache-2.0 */
/*
 * A container process's stdio as the agent sets it up before the fork: pipes (stdin only
 * when the host sends it, else /dev/null), or a pty from the guest's own devpts whose slave
 * becomes the process's controlling terminal. The agent keeps the read ends of the output
 * pipes (blocking: read only after poll() said so), the write end of stdin (non-blocking)
 * or the pty master (non-blocking).
 */
#ifndef AGENT_STDIO_H
#define AGENT_STDIO_H

#include <stdbool.h>
#include <stdint.h>
#include "error.h"

struct agent_stdio {
	int child[3];  /* the process's 0, 1, 2 (may repeat one fd) */
	int ctty;      /* pty slave to make the controlling terminal, or -1 */
	int in_fd;     /* agent: stdin pipe's write end, or -1 */
	int out_fd[2]; /* agent: stdout, stderr read ends, or -1 */
	int pty_fd;    /* agent: the pty master (output and input), or -1 */
};

/* `devnull`: an open /dev/null the agent keeps (the child's stdin when there is none). */
int agent_stdio_open(bool terminal, bool want_stdin, uint32_t rows, uint32_t cols, int devnull,
		     struct agent_stdio *s, struct err *e);

/* The parent after the fork: closes the child's ends. */
void agent_stdio_close_child(struct agent_stdio *s, int devnull);

/* Closes everything (the fork failed). */
void agent_stdio_close_all(struct agent_stdio *s, int devnull);

/* In the child: new session, controlling tty, fds 0-2. */
int agent_stdio_child(const struct agent_stdio *s, struct err *e);

/* TIOCSWINSZ on the master (0 rows or cols: left alone). */
int agent_pty_resize(int pty_fd, uint32_t rows, uint32_t cols);

#endif
