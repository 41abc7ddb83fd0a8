// SPDX-License-Identifier: Apache-2.0
#include "reap.h"

#include <errno.h>
#include <signal.h>
#include <string.h>
#include <sys/wait.h>

/* The mask to sleep with: the current one minus SIGCHLD. */
static sigset_t wait_mask;

static void on_sigchld(int sig)
{
	/* Only wakes sigsuspend(); the reaping happens in the loop. */
	(void)sig;
}

int agent_reap_setup(struct err *e)
{
	struct sigaction sa;
	sigset_t block;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_sigchld;
	sa.sa_flags = SA_NOCLDSTOP;
	sigemptyset(&sa.sa_mask);
	/* PID 1 gets no signal it has no handler for, so SIGCHLD needs one. */
	if (sigaction(SIGCHLD, &sa, NULL) < 0)
		return err_sys(e, errno, "sigaction SIGCHLD");
	sigemptyset(&block);
	sigaddset(&block, SIGCHLD);
	if (sigprocmask(SIG_BLOCK, &block, &wait_mask) < 0)
		return err_sys(e, errno, "sigprocmask");
	sigdelset(&wait_mask, SIGCHLD);
	return 0;
}

void agent_reap_forever(void)
{
	for (;;) {
		int status;

		/* 0: children left, none exited; -1 ECHILD: no children at all. */
		while (waitpid(-1, &status, WNOHANG) > 0)
			;
		sigsuspend(&wait_mask);
	}
}
