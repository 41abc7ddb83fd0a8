// SPDX-License-Identifier: Apache-2.0
/*
 * `incept exec [flags] ID [COMMAND...]` or `exec --process P.json ID`: runc's
 * flags, checks and messages ("exec failed: ...", exit status 255); running
 * the process in the guest needs the VMM.
 */
#include "rt.h"
#include "oci/config.h"
#include "oci/state.h"

#include <errno.h>
#include <stddef.h>

struct exec_opts {
	const char *console_socket;
	const char *cwd;
	struct rt_strv env;
	bool tty;
	const char *user;
	struct rt_strv additional_gids;
	const char *process;
	bool detach;
	const char *pid_file;
	const char *process_label;
	const char *apparmor;
	bool no_new_privs;
	struct rt_strv cap;
	long long preserve_fds;
	struct rt_strv cgroup;
	bool ignore_paused;
};

static int check_status(const struct oci_container *c, const struct exec_opts *o, struct err *e)
{
	enum oci_status status = oci_container_status(c);

	if (status == OCI_STATUS_STOPPED)
		return err_set(e, EINVAL, "cannot exec in a stopped container");
	if (status == OCI_STATUS_PAUSED && !o->ignore_paused)
		return err_set(
			e, EINVAL,
			"cannot exec in a paused container (use --ignore-paused to override)");
	return 0;
}

/* The process: --process P.json parsed and validated, or the command line's. */
static int check_process(const struct exec_opts *o, int argc, struct err *e)
{
	struct oci_process *p = NULL;
	bool terminal = o->tty;
	bool socket = o->console_socket && *o->console_socket;

	if (o->process && *o->process) {
		if (oci_process_load(o->process, &p, e) < 0)
			return -1;
		terminal = p->terminal;
		oci_process_free(p);
	} else if (argc < 2) {
		return err_set(e, EINVAL, "process args cannot be empty");
	}
	/* runc's checkTerminal, with exec's own --detach. */
	if (o->detach && terminal && !socket)
		return err_set(e, EINVAL,
			       "cannot allocate tty if incept will detach without "
			       "setting console socket");
	if ((!o->detach || !terminal) && socket)
		return err_set(e, EINVAL,
			       "cannot use console socket if incept will not detach "
			       "or allocate tty");
	return 0;
}

static int exec_run(const struct rt_global *g, void *opts, int argc, char **argv, struct err *e)
{
	const struct exec_opts *o = opts;
	struct oci_container *c;
	int r;

	if (rt_container_open(g, argv[0], 0, &c, e) < 0)
		return err_prefix(e, "exec failed");
	r = check_status(c, o, e);
	if (r == 0)
		r = check_process(o, argc, e);
	if (r == 0)
		r = rt_not_implemented("exec", e);
	oci_container_close(c);
	return r < 0 ? err_prefix(e, "exec failed") : 0;
}

static const struct rt_flag exec_flags[] = {
	{"console-socket", RT_FLAG_STRING, offsetof(struct exec_opts, console_socket),
	 "path to an AF_UNIX socket which will receive a file descriptor referencing the master "
	 "end of the console's pseudoterminal",
	 NULL},
	{"cwd", RT_FLAG_STRING, offsetof(struct exec_opts, cwd),
	 "current working directory in the container", NULL},
	{"env, e", RT_FLAG_STRINGS, offsetof(struct exec_opts, env), "set environment variables",
	 NULL},
	{"tty, t", RT_FLAG_BOOL, offsetof(struct exec_opts, tty), "allocate a pseudo-TTY", NULL},
	{"user, u", RT_FLAG_STRING, offsetof(struct exec_opts, user), "UID (format: <uid>[:<gid>])",
	 NULL},
	{"additional-gids, g", RT_FLAG_INTS, offsetof(struct exec_opts, additional_gids),
	 "additional gids", NULL},
	{"process, p", RT_FLAG_STRING, offsetof(struct exec_opts, process),
	 "path to the process.json", NULL},
	{"detach, d", RT_FLAG_BOOL, offsetof(struct exec_opts, detach),
	 "detach from the container's process", NULL},
	{"pid-file", RT_FLAG_STRING, offsetof(struct exec_opts, pid_file),
	 "specify the file to write the process id to", NULL},
	{"process-label", RT_FLAG_STRING, offsetof(struct exec_opts, process_label),
	 "set the asm process label for the process commonly used with selinux", NULL},
	{"apparmor", RT_FLAG_STRING, offsetof(struct exec_opts, apparmor),
	 "set the apparmor profile for the process", NULL},
	{"no-new-privs", RT_FLAG_BOOL, offsetof(struct exec_opts, no_new_privs),
	 "set the no new privileges value for the process", NULL},
	{"cap, c", RT_FLAG_STRINGS, offsetof(struct exec_opts, cap),
	 "add a capability to the bounding set for the process", NULL},
	{"preserve-fds", RT_FLAG_INT, offsetof(struct exec_opts, preserve_fds),
	 "Pass N additional file descriptors to the container (stdio + $LISTEN_FDS + N in total)",
	 "0"},
	{"cgroup", RT_FLAG_STRINGS, offsetof(struct exec_opts, cgroup),
	 "run the process in an (existing) sub-cgroup(s). Format is [<controller>:]<cgroup>.",
	 NULL},
	{"ignore-paused", RT_FLAG_BOOL, offsetof(struct exec_opts, ignore_paused),
	 "allow exec in a paused container", NULL},
	{NULL, 0, 0, NULL, NULL},
};

const struct rt_verb rt_verb_exec = {
	.name = "exec",
	.usage = "execute new process inside the container",
	.args_usage =
		"<container-id> <command> [command options]  || -p process.json <container-id>\n"
		"\n"
		"Where \"<container-id>\" is the name for the instance of the container and\n"
		"\"<command>\" is the command to be executed in the container.\n"
		"\"<command>\" can't be empty unless a \"-p\" flag provided.\n"
		"\n"
		"EXAMPLE:\n"
		"For example, if the container is configured to run the linux ps command the\n"
		"following will output a list of processes running in the container:\n"
		"\n"
		"       # incept exec <container-id> ps",
	.flags = exec_flags,
	.opts_size = sizeof(struct exec_opts),
	.min_args = 1,
	.max_args = -1,
	.no_reorder = true,
	.fail_status = 255,
	.run = exec_run,
};
