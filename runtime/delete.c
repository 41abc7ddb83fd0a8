// SPDX-License-Identifier: Apache-2.0
/*
 * `incept delete [--force] ID`, with runc's rules: a stopped container is
 * removed; a created one is killed first; a running or paused one only with
 * --force; --force on an id that does not exist succeeds (containerd relies
 * on that when it cleans up after a failed create). Poststop hooks run, the
 * container's cgroup directory goes.
 */
#include "container.h"
#include "cleanup.h"
#include "oci/state.h"
#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

struct delete_opts {
	bool force;
};

/*
 * Kills the container's VMM (which takes the guest and everything in it
 * along) and waits for it to be gone, as runc's killContainer does: up to
 * 10 s. A zombie counts as gone; its parent, the shim, reaps it.
 */
static int kill_vmm(const struct oci_container *c, struct err *e)
{
	const struct oci_state *s = &c->state;
	unsigned long long waited_ns = 0, step_ns = 1000000;

	if (!oci_pid_alive(s->pid, s->pid_start))
		return 0;
	if (kill(s->pid, SIGKILL) < 0 && errno != ESRCH)
		return err_sys(e, errno, "kill %d", s->pid);
	while (oci_pid_alive(s->pid, s->pid_start)) {
		struct timespec ts = {0, (long)step_ns};

		if (waited_ns >= 10000000000ull)
			return err_set(e, EBUSY, "container init still running");
		nanosleep(&ts, NULL);
		waited_ns += step_ns;
		if (step_ns < 100000000)
			step_ns *= 2;
	}
	return 0;
}

/*
 * runc removes <root>/<id> even when it holds no state.json (what an aborted
 * create could leave). Ours always appear with their state.json, so this is
 * only for leftovers; it locks and looks again so it never removes a
 * container that was created meanwhile.
 */
static void remove_leftover_dir(const struct rt_global *g, const char *id)
{
	char dir[PATH_MAX];
	cleanup_close int fd = -1;
	struct stat a, b;
	struct err e;

	if (snprintf(dir, sizeof(dir), "%s/%s", g->root, id) >= (int)sizeof(dir))
		return;
	fd = open(dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0 || flock(fd, LOCK_EX) < 0)
		return;
	if (faccessat(fd, OCI_STATE_FILE, F_OK, AT_SYMLINK_NOFOLLOW) == 0 || errno != ENOENT)
		return;
	if (fstat(fd, &a) < 0 || stat(dir, &b) < 0 || a.st_ino != b.st_ino || a.st_dev != b.st_dev)
		return; /* not the directory we locked any more */
	if (util_rm_rf(dir, &e) < 0)
		fprintf(stderr, "remove %s: %s\n", dir, e.msg);
}

static int delete_run(const struct rt_global *g, void *opts, int argc, char **argv, struct err *e)
{
	const struct delete_opts *o = opts;
	const char *id = argv[0];
	struct oci_container *c;
	enum oci_status status;
	int r;

	(void)argc;
	if (rt_container_open(g, id, OCI_OPEN_LOCK, &c, e) < 0) {
		if (e->errnum != ENOENT)
			return -1;
		remove_leftover_dir(g, id);
		return o->force ? 0 : -1;
	}
	status = oci_container_status(c);
	if (!o->force && status != OCI_STATUS_CREATED && status != OCI_STATUS_STOPPED) {
		r = err_set(e, EBUSY, "cannot delete container %s that is not stopped: %s", id,
			    oci_status_name(status));
		goto out;
	}
	r = kill_vmm(c, e);
	if (r == 0)
		r = rt_container_cleanup(c, e);
out:
	oci_container_close(c);
	return r < 0 ? -1 : 0;
}

static const struct rt_flag delete_flags[] = {
	{"force, f", RT_FLAG_BOOL, offsetof(struct delete_opts, force),
	 "Forcibly deletes the container if it is still running (uses SIGKILL)", NULL},
	{NULL, 0, 0, NULL, NULL},
};

const struct rt_verb rt_verb_delete = {
	.name = "delete",
	.usage = "delete any resources held by the container often used with detached container",
	.args_usage = "<container-id>\n"
		      "\n"
		      "Where \"<container-id>\" is the name for the instance of the container.\n"
		      "\n"
		      "EXAMPLE:\n"
		      "For example, if the container id is \"ubuntu01\" and incept list currently "
		      "shows the\n"
		      "status of \"ubuntu01\" as \"stopped\" the following will delete resources "
		      "held for\n"
		      "\"ubuntu01\" removing \"ubuntu01\" from the incept list of containers:\n"
		      "\n"
		      "       # incept delete ubuntu01",
	.flags = delete_flags,
	.opts_size = sizeof(struct delete_opts),
	.min_args = 1,
	.max_args = 1,
	.run = delete_run,
};
