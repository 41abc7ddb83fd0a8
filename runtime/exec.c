// SPDX-License-Identifier: Apache-2.0
/*
 * `incept exec [flags] ID [COMMAND...]` or `exec --process P.json ID`: runc's flags, checks
 * and messages ("exec failed: ...", exit status 255). The process starts in the container's
 * guest (EXEC to the agent); its host end is a relay (common/relay.c): incept itself in the
 * foreground, exiting with the process's status, or with --detach a child that outlives us
 * (its own session, only its stdio and the stream open), whose pid is the process's pid.
 */
#define _GNU_SOURCE
#include "container.h"
#include "cleanup.h"
#include "oci/config.h"
#include "oci/state.h"
#include "relay.h"
#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

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

/* The process to run and what its proto form borrows. */
struct exec_proc {
	struct oci_process *oci; /* --process, or the container's config.json process */
	struct oci_config *cfg;	 /* the container's config.json (state directory copy) */
	struct rt_seccomp seccomp;
	struct proto_process p;
	const char **env; /* base env + --env */
	uint32_t *gids;
	char **argv; /* NULL-terminated copy of the command line's command */
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

/* runc's checkTerminal, with exec's own --detach. */
static int check_terminal(const struct exec_opts *o, bool terminal, struct err *e)
{
	bool socket = o->console_socket && *o->console_socket;

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

/* --user uid[:gid] */
static int parse_user(const char *s, struct proto_process *p, struct err *e)
{
	unsigned long long uid, gid;
	cleanup_free char *copy = strdup(s);
	char *colon;

	if (!copy)
		return err_sys(e, ENOMEM, "user");
	colon = strchr(copy, ':');
	if (colon)
		*colon++ = '\0';
	if (util_parse_u64(copy, 10, &uid) < 0 || uid > UINT32_MAX ||
	    (colon && (util_parse_u64(colon, 10, &gid) < 0 || gid > UINT32_MAX)))
		return err_set(e, EINVAL, "invalid user \"%s\" (want <uid>[:<gid>])", s);
	p->uid = (uint32_t)uid;
	if (colon)
		p->gid = (uint32_t)gid;
	return 0;
}

/* runc's exec options on top of the container's process (runc's getProcess). */
static int apply_flags(const struct exec_opts *o, int argc, char **argv, struct exec_proc *x,
		       struct err *e)
{
	struct proto_process *p = &x->p;
	size_t n = p->nr_env;

	x->argv = calloc((size_t)argc, sizeof(*x->argv));
	x->env = calloc(n + o->env.n + 1, sizeof(*x->env));
	x->gids = calloc(p->nr_gids + o->additional_gids.n + 1, sizeof(*x->gids));
	if (!x->argv || !x->env || !x->gids)
		return err_sys(e, ENOMEM, "exec");
	for (int i = 1; i < argc; i++)
		x->argv[i - 1] = argv[i];
	p->args = (const char **)x->argv;
	p->nr_args = (uint32_t)argc - 1;
	if (n) /* memcpy from NULL is undefined even for 0 bytes */
		memcpy(x->env, p->env, n * sizeof(*x->env));
	for (size_t i = 0; i < o->env.n; i++)
		x->env[n++] = o->env.v[i];
	p->env = x->env;
	p->nr_env = (uint32_t)n;
	if (p->nr_gids)
		memcpy(x->gids, p->gids, p->nr_gids * sizeof(*x->gids));
	for (size_t i = 0; i < o->additional_gids.n; i++)
		x->gids[p->nr_gids++] = (uint32_t)strtoul(o->additional_gids.v[i], NULL, 0);
	p->gids = x->gids;
	p->terminal = o->tty;
	if (o->cwd && *o->cwd)
		p->cwd = o->cwd;
	if (o->no_new_privs)
		p->no_new_privs = true;
	if (o->cap.n) {
		uint64_t add = rt_caps_mask((char *const *)o->cap.v, o->cap.n);

		p->has_caps = true;
		for (int i = 0; i < 4; i++) /* bounding, effective, inheritable, permitted */
			p->caps[i] |= add;
	}
	return o->user && *o->user ? parse_user(o->user, p, e) : 0;
}

/*
 * runc applies the container's linux.seccomp to exec'd processes too: the filter create
 * stored, or, for a container made before create stored it, config.json's compiled again.
 */
static int load_seccomp(const struct oci_container *c, struct exec_proc *x, struct err *e)
{
	int r = rt_seccomp_load(c->dir, &x->seccomp, e);

	if (r < 0)
		return -1;
	if (r == 1) {
		log_debug("no stored seccomp filter: compiling config.json's");
		if (!x->cfg && !(x->cfg = rt_container_config(c, e)))
			return -1;
		return rt_proto_seccomp(x->cfg, NULL, &x->seccomp, &x->p, e);
	}
	x->p.seccomp_bpf = x->seccomp.bpf;
	x->p.seccomp_len = (uint32_t)x->seccomp.len;
	x->p.seccomp_flags = x->seccomp.flags;
	return 0;
}

static int load_process(const struct exec_opts *o, const struct oci_container *c, int argc,
			char **argv, struct exec_proc *x, struct err *e)
{
	bool from_file = o->process && *o->process;
	bool stdin_open;

	if (from_file) {
		if (oci_process_load(o->process, &x->oci, e) < 0)
			return -1;
	} else if (argc < 2) {
		return err_set(e, EINVAL, "process args cannot be empty");
	}
	if (check_terminal(o, from_file ? x->oci->terminal : o->tty, e) < 0)
		return -1;
	/* config.json's process is the base of a command line's (runc's getProcess) */
	if (!from_file && !(x->cfg = rt_container_config(c, e)))
		return -1;
	stdin_open = (from_file ? x->oci->terminal : o->tty) || !rt_fd_is_devnull(0);
	if (rt_proto_process(from_file ? x->oci : x->cfg->process, stdin_open, &x->p, e) < 0 ||
	    load_seccomp(c, x, e) < 0)
		return -1;
	if (!from_file && apply_flags(o, argc, argv, x, e) < 0)
		return -1;
	if (!x->p.cwd)
		x->p.cwd = "/";
	if (rt_find_executable(c->state.rootfs, x->p.args[0], (char *const *)x->p.env, x->p.cwd,
			       e) < 0)
		return err_prefix(e, "unable to start container process");
	return 0;
}

static void exec_proc_free(struct exec_proc *x)
{
	rt_proto_process_free(&x->p);
	rt_seccomp_free(&x->seccomp);
	oci_process_free(x->oci);
	oci_config_free(x->cfg);
	free(x->env);
	free(x->gids);
	free(x->argv);
}

/* EXEC on `stream`, naming `relay` as the process's host pid; waits for PID or ERROR. */
static int send_exec(int stream, struct proto_process *p, pid_t relay, struct err *e)
{
	struct proto_buf b;
	int r;

	p->host_pid = (uint32_t)relay;
	proto_buf_init(&b);
	r = proto_encode_process(&b, PROTO_EXEC, p, e);
	if (r == 0)
		r = proto_write_buf(stream, &b, e);
	proto_buf_free(&b);
	return r < 0 ? -1 : rt_agent_reply(stream, PROTO_PID, NULL, NULL, e);
}

static int write_pid_file(const char *path, pid_t pid, struct err *e)
{
	char digits[16];
	int n = snprintf(digits, sizeof(digits), "%d", (int)pid);

	if (!path || !*path)
		return 0;
	return util_write_file_atomic(path, digits, (size_t)n, 0644, e);
}

static int relay(int stream, int in, int out, int errfd, int tty, struct err *e)
{
	struct relay_opts r = {.stream = stream, .in = in, .out = out, .err = errfd, .tty = tty};
	sigset_t set;

	relay_forward_set(&set);
	sigprocmask(SIG_BLOCK, &set, NULL);
	r.forward = &set;
	return relay_run(&r, e);
}

static int exec_foreground(const struct exec_opts *o, int stream, struct exec_proc *x,
			   struct err *e)
{
	struct rt_tty_saved tty = {0};
	int status;

	if (send_exec(stream, &x->p, getpid(), e) < 0 ||
	    write_pid_file(o->pid_file, getpid(), e) < 0)
		return -1;
	if (x->p.terminal)
		rt_tty_raw(0, &tty);
	status =
		relay(stream, 0, 1, x->p.terminal ? -1 : 2, x->p.terminal && isatty(0) ? 0 : -1, e);
	rt_tty_restore(&tty);
	return status;
}

/*
 * The detached relay: its own session, nothing open but its stdio (the pty slave, as its
 * controlling tty, when there is one), the stream and the pipe that says go.
 */
static __attribute__((noreturn)) void relay_child(int stream, int go, int pty_slave)
{
	struct err e;
	char byte;
	int status;

	setsid();
	if (pty_slave >= 0) {
		for (int i = 0; i < 3; i++)
			dup2(pty_slave, i);
		ioctl(0, TIOCSCTTY, 0);
	}
	/* via fds above 10: stream and go may themselves be 3 or 4 */
	stream = fcntl(stream, F_DUPFD, 10);
	go = fcntl(go, F_DUPFD, 10);
	if (stream < 0 || go < 0 || dup2(stream, 3) < 0 || dup2(go, 4) < 0)
		_exit(255);
	syscall(SYS_close_range, 5, ~0u, 0);
	if (read(4, &byte, 1) != 1)
		_exit(255); /* the parent gave up: the agent kills the process when we close */
	close(4);
	status = relay(3, 0, 1, pty_slave >= 0 ? -1 : 2, pty_slave >= 0 ? 0 : -1, &e);
	_exit(status < 0 ? 255 : status);
}

static int exec_detached(const struct exec_opts *o, int stream, struct exec_proc *x, struct err *e)
{
	int go[2], master = -1, slave = -1, r;
	pid_t pid;

	if (x->p.terminal && (rt_pty_open(&master, &slave, x->p.rows, x->p.cols, e) < 0 ||
			      rt_console_send(o->console_socket, master, e) < 0))
		goto fail_pty;
	if (pipe2(go, O_CLOEXEC) < 0) {
		err_sys(e, errno, "pipe");
		goto fail_pty;
	}
	pid = fork();
	if (pid == 0)
		relay_child(stream, go[0], slave);
	close(go[0]);
	r = pid < 0 ? err_sys(e, errno, "fork") : 0;
	if (r == 0)
		r = send_exec(stream, &x->p, pid, e);
	if (r == 0)
		r = write_pid_file(o->pid_file, pid, e);
	/* a relay that died already (EPIPE, not SIGPIPE: see exec_run) fails the exec */
	if (r == 0 && write(go[1], "g", 1) != 1)
		r = err_sys(e, errno, "start the relay");
	close(go[1]);
	if (r < 0 && pid > 0)
		waitpid(pid, NULL, 0); /* it exits when the pipe closes without a byte */
	if (master >= 0)
		close(master);
	if (slave >= 0)
		close(slave);
	return r < 0 ? -1 : 0;
fail_pty:
	if (master >= 0)
		close(master);
	if (slave >= 0)
		close(slave);
	return -1;
}

static int exec_run(const struct rt_global *g, void *opts, int argc, char **argv, struct err *e)
{
	const struct exec_opts *o = opts;
	struct exec_proc x = {0};
	cleanup_close int stream = -1;
	struct oci_container *c;
	int r;

	if (rt_container_open(g, argv[0], 0, &c, e) < 0)
		return err_prefix(e, "exec failed");
	signal(SIGPIPE, SIG_IGN);
	r = rt_check_preserve_fds(o->preserve_fds, e);
	if (r == 0)
		r = check_status(c, o, e);
	if (r == 0)
		r = load_process(o, c, argc, argv, &x, e);
	if (r == 0 && (stream = rt_agent_connect(c->state.vmm_socket, e)) < 0)
		r = -1;
	oci_container_close(c);
	if (r == 0)
		r = o->detach ? exec_detached(o, stream, &x, e) : exec_foreground(o, stream, &x, e);
	exec_proc_free(&x);
	return r < 0 ? err_prefix(e, "exec failed") : r;
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
