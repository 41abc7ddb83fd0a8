// SPDX-License-Identifier: Apache-2.0
/*
 * `incept ps [--format table|json] ID [ps options]`: the container's processes as the host
 * sees them, which are the VMM (the init) and the relays of exec'd processes (the agent's
 * PS lists their host pids). The table is `ps -ef` (or the given options) cut down to those
 * rows, as runc cuts it to the container's cgroup.
 */
#include "container.h"
#include "cleanup.h"
#include "oci/state.h"

#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#define PS_OUTPUT_MAX (16u << 20)

struct ps_opts {
	const char *format;
};

/* The VMM's pid, then the agent's list: *pids malloc'd. */
static int container_pids(const struct oci_container *c, uint32_t **pids, uint32_t *n,
			  struct err *e)
{
	cleanup_free uint8_t *payload = NULL;
	cleanup_free uint32_t *relays = NULL;
	struct proto_buf req;
	uint32_t len = 0, nr = 0;
	int r;

	proto_buf_init(&req);
	r = proto_encode_empty(&req, PROTO_PS, e);
	if (r == 0)
		r = rt_agent_request(c->state.vmm_socket, &req, PROTO_PIDS, &payload, &len, e);
	proto_buf_free(&req);
	if (r < 0 || proto_decode_pids(payload, len, &relays, &nr, e) < 0)
		return -1;
	*pids = calloc(nr + 1, sizeof(**pids));
	if (!*pids)
		return err_sys(e, ENOMEM, "ps");
	(*pids)[0] = (uint32_t)c->state.pid;
	if (nr)
		memcpy(*pids + 1, relays, nr * sizeof(*relays));
	*n = nr + 1;
	return 0;
}

/* Runs ps with `args` (NULL-terminated after argv[0] = "ps"), its stdout into *out. */
static int run_ps(char **args, char **out, struct err *e)
{
	size_t have = 0, cap = 0;
	int fds[2], status;
	pid_t pid;

	if (pipe(fds) < 0)
		return err_sys(e, errno, "pipe");
	pid = fork();
	if (pid < 0)
		return err_sys(e, errno, "fork");
	if (pid == 0) {
		dup2(fds[1], 1);
		close(fds[0]);
		close(fds[1]);
		execvp("ps", args);
		_exit(127);
	}
	close(fds[1]);
	*out = NULL;
	for (;;) {
		ssize_t r;

		if (cap - have < 4096) {
			char *p = cap < PS_OUTPUT_MAX ? realloc(*out, cap + 65536) : NULL;

			if (!p)
				break;
			*out = p;
			cap += 65536;
		}
		r = read(fds[0], *out + have, cap - have - 1);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		have += (size_t)r;
	}
	close(fds[0]);
	if (*out)
		(*out)[have] = '\0';
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	if (!*out || !WIFEXITED(status) || WEXITSTATUS(status))
		return err_set(e, EIO, "ps: exit status %d: %s", WEXITSTATUS(status),
			       *out ? *out : "");
	return 0;
}

/* Index of the PID column in ps's header, as runc finds it. */
static int pid_column(const char *header)
{
	int i = 0;

	for (const char *p = header; *p;) {
		size_t n;

		p += strspn(p, " \t");
		n = strcspn(p, " \t");
		if (n == 3 && !strncmp(p, "PID", 3))
			return i;
		if (!n)
			break;
		p += n;
		i++;
	}
	return -1;
}

static long field(const char *line, int idx)
{
	for (const char *p = line;; idx--) {
		p += strspn(p, " \t");
		if (!*p)
			return -1;
		if (!idx)
			return strtol(p, NULL, 10);
		p += strcspn(p, " \t");
	}
}

static int print_table(char **args, const uint32_t *pids, uint32_t n, struct err *e)
{
	cleanup_free char *out = NULL;
	char *line, *save = NULL;
	int col;

	if (run_ps(args, &out, e) < 0)
		return -1;
	line = strtok_r(out, "\n", &save);
	col = line ? pid_column(line) : -1;
	if (col < 0)
		return err_set(e, EINVAL, "couldn't find PID field in ps output");
	printf("%s\n", line);
	while ((line = strtok_r(NULL, "\n", &save)) != NULL) {
		long pid = field(line, col);

		for (uint32_t i = 0; i < n; i++)
			if (pid == (long)pids[i]) {
				printf("%s\n", line);
				break;
			}
	}
	return 0;
}

static int ps_list(const struct ps_opts *o, const struct oci_container *c, int argc, char **argv,
		   struct err *e)
{
	cleanup_free uint32_t *pids = NULL;
	cleanup_free char **args = NULL;
	uint32_t n = 0;

	if (oci_container_status(c) == OCI_STATUS_STOPPED)
		return err_set(e, ESRCH, "container not running");
	/* The agent lists the processes, and a paused guest runs no agent (docs/runtime.md). */
	if (oci_container_status(c) == OCI_STATUS_PAUSED)
		return err_set(e, EBUSY, "container is paused: resume it to list its processes");
	if (container_pids(c, &pids, &n, e) < 0)
		return -1;
	if (!strcmp(o->format, "json")) {
		printf("[");
		for (uint32_t i = 0; i < n; i++)
			printf("%s%u", i ? "," : "", pids[i]);
		printf("]\n");
		return 0;
	}
	args = calloc((size_t)argc + 2, sizeof(*args));
	if (!args)
		return err_sys(e, ENOMEM, "ps");
	args[0] = "ps";
	for (int i = 1; i < argc; i++)
		args[i] = argv[i];
	if (argc == 1)
		args[1] = "-ef";
	return print_table(args, pids, n, e);
}

static int ps_run(const struct rt_global *g, void *opts, int argc, char **argv, struct err *e)
{
	const struct ps_opts *o = opts;
	struct oci_container *c;
	int r;

	if (rt_container_open(g, argv[0], 0, &c, e) < 0)
		return -1;
	if (strcmp(o->format, "table") && strcmp(o->format, "json"))
		r = err_set(e, EINVAL, "invalid format option");
	else
		r = ps_list(o, c, argc, argv, e);
	oci_container_close(c);
	return r;
}

static const struct rt_flag ps_flags[] = {
	{"format, f", RT_FLAG_STRING, offsetof(struct ps_opts, format),
	 "select one of: table or json", "table"},
	{NULL, 0, 0, NULL, NULL},
};

const struct rt_verb rt_verb_ps = {
	.name = "ps",
	.usage = "ps displays the processes running inside a container",
	.args_usage = "<container-id> [ps options]",
	.flags = ps_flags,
	.opts_size = sizeof(struct ps_opts),
	.min_args = 1,
	.max_args = -1,
	.run = ps_run,
};
