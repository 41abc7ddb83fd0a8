// SPDX-License-Identifier: Apache-2.0
/*
 * `incept run`: create + start; with --detach that is all. In the foreground the VMM is
 * our child: signals we get are passed on to it (it turns them into SIGNAL/RESIZE for the
 * guest), we exit with its status, and the container is removed unless --keep, as runc run.
 */
#include "container.h"
#include "oci/config.h"
#include "oci/state.h"
#include "relay.h"

#include <errno.h>
#include <signal.h>
#include <stddef.h>
#include <string.h>
#include <sys/wait.h>

static volatile pid_t forward_to;

static void forward(int sig)
{
	if (forward_to > 0)
		kill(forward_to, sig);
}

/* The signals the VMM turns into SIGNAL (and WINCH into RESIZE): common/relay.c's set. */
static void forward_signals(bool on)
{
	struct sigaction sa;
	sigset_t set;

	relay_forward_set(&set);
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on ? forward : SIG_DFL;
	sa.sa_flags = SA_RESTART;
	sigemptyset(&sa.sa_mask);
	for (int sig = 1; sig < NSIG; sig++)
		if (sigismember(&set, sig))
			sigaction(sig, &sa, NULL);
}

static int wait_vmm(pid_t pid)
{
	int status;

	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return 255;
	if (WIFSIGNALED(status))
		return 128 + WTERMSIG(status);
	return WEXITSTATUS(status);
}

/* After the VMM exited: poststop hooks, cgroup, state directory (unless --keep). */
static void remove_container(const struct rt_global *g, const char *id)
{
	struct oci_container *c;
	struct err e;

	if (rt_container_open(g, id, OCI_OPEN_LOCK, &c, &e) < 0)
		return; /* somebody deleted it already */
	if (rt_container_cleanup(c, &e) < 0)
		log_report(&e);
	oci_container_close(c);
}

/* start failed: the container goes, as runc run destroys it. */
static void abort_run(const struct rt_global *g, const char *id, struct rt_created *cr)
{
	rt_vmm_kill_reap(cr->pid);
	oci_container_close(cr->c);
	remove_container(g, id);
}

static int start(struct rt_created *cr, struct err *e)
{
	return cr->started ? rt_container_started(cr->c, e) : rt_container_start(cr->c, e);
}

static int run_foreground(const struct rt_global *g, const struct rt_create_opts *o, const char *id,
			  struct rt_created *cr, struct err *e)
{
	bool own_tty = cr->cfg->process->terminal && !(o->console_socket && *o->console_socket);
	struct rt_tty_saved tty = {0};
	int status;

	forward_to = cr->pid;
	forward_signals(true);
	if (own_tty)
		rt_tty_raw(0, &tty);
	if (start(cr, e) < 0) {
		rt_tty_restore(&tty);
		forward_signals(false);
		abort_run(g, id, cr);
		return -1;
	}
	/* let `kill`, `exec` and the rest lock it while it runs */
	oci_container_close(cr->c);
	status = wait_vmm(cr->pid);
	rt_tty_restore(&tty);
	forward_signals(false);
	if (!o->keep)
		remove_container(g, id);
	return status;
}

static int run_run(const struct rt_global *g, void *opts, int argc, char **argv, struct err *e)
{
	struct rt_create_opts *o = opts;
	struct rt_created cr;
	int r;

	(void)argc;
	o->start_now = true;
	if (rt_container_create(g, o, o->detach, argv[0], &cr, e) < 0)
		return err_prefix(e, "incept run failed");
	if (!o->detach) {
		r = run_foreground(g, o, argv[0], &cr, e);
	} else {
		r = start(&cr, e);
		if (r < 0)
			abort_run(g, argv[0], &cr);
		else
			oci_container_close(cr.c);
	}
	oci_config_free(cr.cfg);
	return r < 0 ? err_prefix(e, "incept run failed") : r;
}

static const struct rt_flag run_flags[] = {
	RT_CREATE_FLAG_BUNDLE,
	RT_CREATE_FLAG_CONSOLE_SOCKET,
	{"detach, d", RT_FLAG_BOOL, offsetof(struct rt_create_opts, detach),
	 "detach from the container's process", NULL},
	{"keep", RT_FLAG_BOOL, offsetof(struct rt_create_opts, keep),
	 "do not delete the container after it exits", NULL},
	RT_CREATE_FLAG_PID_FILE,
	{"no-subreaper", RT_FLAG_BOOL, offsetof(struct rt_create_opts, no_subreaper),
	 "disable the use of the subreaper used to reap reparented processes", NULL},
	RT_CREATE_FLAG_NO_PIVOT,
	RT_CREATE_FLAG_NO_NEW_KEYRING,
	RT_CREATE_FLAG_PRESERVE_FDS,
	RT_CREATE_FLAG_NO_SNAPSHOT,
	{NULL, 0, 0, NULL, NULL},
};

const struct rt_verb rt_verb_run = {
	.name = "run",
	.usage = "create and run a container",
	.args_usage = rt_create_args_usage,
	.description =
		"The run command creates an instance of a container for a bundle. The bundle\n"
		"is a directory with a specification file named \"config.json\" and a root\n"
		"filesystem.\n"
		"\n"
		"The specification file includes an args parameter. The args parameter is used\n"
		"to specify command(s) that get run when the container is started. To change the\n"
		"command(s) that get executed on start, edit the args parameter of the spec. See\n"
		"\"incept spec --help\" for more explanation.",
	.flags = run_flags,
	.opts_size = sizeof(struct rt_create_opts),
	.min_args = 1,
	.max_args = 1,
	.run = run_run,
};
