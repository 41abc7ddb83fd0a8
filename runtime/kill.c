// SPDX-License-Identifier: Apache-2.0
/*
 * `incept kill [--all] ID [SIGNAL]`: runc's argument and status rules; the agent delivers
 * the signal to the container's init (or, with --all, every process of the container).
 */
#include "container.h"
#include "cleanup.h"
#include "oci/state.h"

#include <ctype.h>
#include <errno.h>
#include <signal.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/types.h>

struct kill_opts {
	bool all;
};

/* golang.org/x/sys/unix's signal names for Linux, which runc's parseSignal looks up. */
static const struct {
	const char *name;
	int sig;
} signal_names[] = {
	{"SIGHUP", SIGHUP},	  {"SIGINT", SIGINT},	    {"SIGQUIT", SIGQUIT},
	{"SIGILL", SIGILL},	  {"SIGTRAP", SIGTRAP},	    {"SIGABRT", SIGABRT},
	{"SIGBUS", SIGBUS},	  {"SIGFPE", SIGFPE},	    {"SIGKILL", SIGKILL},
	{"SIGUSR1", SIGUSR1},	  {"SIGSEGV", SIGSEGV},	    {"SIGUSR2", SIGUSR2},
	{"SIGPIPE", SIGPIPE},	  {"SIGALRM", SIGALRM},	    {"SIGTERM", SIGTERM},
	{"SIGSTKFLT", SIGSTKFLT}, {"SIGCHLD", SIGCHLD},	    {"SIGCONT", SIGCONT},
	{"SIGSTOP", SIGSTOP},	  {"SIGTSTP", SIGTSTP},	    {"SIGTTIN", SIGTTIN},
	{"SIGTTOU", SIGTTOU},	  {"SIGURG", SIGURG},	    {"SIGXCPU", SIGXCPU},
	{"SIGXFSZ", SIGXFSZ},	  {"SIGVTALRM", SIGVTALRM}, {"SIGPROF", SIGPROF},
	{"SIGWINCH", SIGWINCH},	  {"SIGIO", SIGIO},	    {"SIGPWR", SIGPWR},
	{"SIGSYS", SIGSYS},
};

/* strconv.Atoi: optional sign, then decimal digits only. */
static int parse_decimal(const char *s, long long *out)
{
	bool neg = *s == '-';
	long long v = 0;

	if (*s == '-' || *s == '+')
		s++;
	if (!*s)
		return -1;
	for (; *s; s++) {
		if (!isdigit((unsigned char)*s) || v > (INT32_MAX - (*s - '0')) / 10)
			return -1; /* beyond int32 is no signal either: treat as a name, then
				      unknown */
		v = v * 10 + (*s - '0');
	}
	*out = neg ? -v : v;
	return 0;
}

int rt_parse_signal(const char *s, int *sig, struct err *e)
{
	char name[32];
	long long n;
	size_t len;

	if (parse_decimal(s, &n) == 0) {
		*sig = (int)n; /* runc takes any number; the kernel judges it */
		return 0;
	}
	len = strlen(s);
	if (len + 4 > sizeof(name))
		return err_set(e, EINVAL, "unknown signal \"%s\"", s);
	for (size_t i = 0; i <= len; i++)
		name[i] = (char)toupper((unsigned char)s[i]);
	if (strncmp(name, "SIG", 3)) {
		memmove(name + 3, name, len + 1);
		memcpy(name, "SIG", 3);
	}
	for (size_t i = 0; i < ARRAY_SIZE(signal_names); i++) {
		if (!strcmp(name, signal_names[i].name)) {
			*sig = signal_names[i].sig;
			return 0;
		}
	}
	return err_set(e, EINVAL, "unknown signal \"%s\"", s);
}

static int send_signal(const struct oci_container *c, int sig, bool all, struct err *e)
{
	struct proto_signal s = {.pid = 0, .signo = (uint32_t)sig, .all = all};
	struct proto_buf req;
	int r;

	/* proto.h allows 1..64; runc hands any number to kill(2), which refuses the same ones */
	if (sig < 1 || sig > 64)
		return err_set(e, EINVAL, "invalid argument");
	proto_buf_init(&req);
	r = proto_encode_signal(&req, &s, e);
	if (r == 0)
		r = rt_agent_request(c->state.vmm_socket, &req, PROTO_OK, NULL, NULL, e);
	proto_buf_free(&req);
	return r;
}

/*
 * A paused guest runs nothing, so the agent cannot take a signal now. As under runc's freezer,
 * where a signal stays pending in the frozen process: SIGKILL needs no agent, the VMM dies and
 * the container with it (status 137); any other signal is handed to the VMM, which holds it
 * and gives it to the agent right after the vCPUs run again, before RESUME answers
 * (docs/runtime.md "pause and resume").
 */
static int kill_paused(const struct oci_container *c, int sig, bool all, struct err *e)
{
	char request[32];

	if (sig == SIGKILL) {
		if (oci_pid_alive(c->state.pid, c->state.pid_start) &&
		    kill(c->state.pid, SIGKILL) < 0 && errno != ESRCH)
			return err_sys(e, errno, "kill %d", c->state.pid);
		return 0;
	}
	if (sig < 1 || sig > 64)
		return err_set(e, EINVAL, "invalid argument");
	snprintf(request, sizeof(request), "SIGNAL %d%s", sig, all ? " all" : "");
	return rt_vmm_control(c->state.vmm_socket, request, e);
}

static int kill_run(const struct rt_global *g, void *opts, int argc, char **argv, struct err *e)
{
	const struct kill_opts *o = opts;
	struct oci_container *c;
	enum oci_status status;
	int sig, r;

	if (rt_container_open(g, argv[0], OCI_OPEN_LOCK, &c, e) < 0)
		return -1;
	r = rt_parse_signal(argc > 1 ? argv[1] : "SIGTERM", &sig, e);
	if (r < 0)
		goto out;
	status = oci_container_status(c);
	if (status == OCI_STATUS_STOPPED) {
		/* runc: --all on a stopped container has nobody to signal, and that is fine. */
		r = o->all ? 0 : err_set(e, ESRCH, "container not running");
		goto out;
	}
	if (status == OCI_STATUS_PAUSED)
		r = kill_paused(c, sig, o->all, e);
	else
		r = send_signal(c, sig, o->all, e);
out:
	oci_container_close(c);
	return r;
}

static const struct rt_flag kill_flags[] = {
	{"all, a", RT_FLAG_BOOL, offsetof(struct kill_opts, all),
	 "send the specified signal to all processes inside the container", NULL},
	{NULL, 0, 0, NULL, NULL},
};

const struct rt_verb rt_verb_kill = {
	.name = "kill",
	.usage = "kill sends the specified signal (default: SIGTERM) to the container's init "
		 "process",
	.args_usage = "<container-id> [signal]\n"
		      "\n"
		      "Where \"<container-id>\" is the name for the instance of the container and\n"
		      "\"[signal]\" is the signal to be sent to the init process.\n"
		      "\n"
		      "EXAMPLE:\n"
		      "For example, if the container id is \"ubuntu01\" the following will send a "
		      "\"KILL\"\n"
		      "signal to the init process of the \"ubuntu01\" container:\n"
		      "\n"
		      "       # incept kill ubuntu01 KILL",
	.flags = kill_flags,
	.opts_size = sizeof(struct kill_opts),
	.min_args = 1,
	.max_args = 2,
	.run = kill_run,
};
