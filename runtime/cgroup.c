// SPDX-License-Identifier: Apache-2.0
/*
 * Writing a cgroup plan (cgroup_plan.c) into the VMM's cgroup v2 directory: the controllers
 * enabled down the path first (as runc's fs2 CreateCgroupPath does), then one write per file,
 * multi-line values line by line. Errors carry runc's messages.
 */
#define _GNU_SOURCE
#include "container.h"
#include "cleanup.h"
#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int rt_cgroup_v2_of(pid_t pid, char **out, struct err *e)
{
	cleanup_free char *text = NULL;
	char path[64];
	size_t len;

	*out = NULL;
	if (pid > 0)
		snprintf(path, sizeof(path), "/proc/%d/cgroup", (int)pid);
	else
		snprintf(path, sizeof(path), "/proc/self/cgroup");
	if (util_read_file(path, 1 << 16, &text, &len, e) < 0)
		return -1;
	for (char *line = strtok(text, "\n"); line; line = strtok(NULL, "\n"))
		if (!strncmp(line, "0::", 3))
			return (*out = strdup(line + 3)) ? 0 : err_sys(e, ENOMEM, "cgroup");
	return 0;
}

int rt_cgroup_default_path(const char *id, char **path, struct err *e)
{
	cleanup_free char *own = NULL;
	char *slash;

	*path = NULL;
	if (rt_cgroup_v2_of(0, &own, e) < 0)
		return -1;
	if (!own || own[0] != '/')
		return err_set(e, ENOENT, "no cgroup v2 entry in /proc/self/cgroup");
	slash = strrchr(own, '/');
	*slash = '\0'; /* "/a/b" -> "/a", "/" -> "" */
	if (asprintf(path, "%s/%s", own, id) < 0) {
		*path = NULL;
		return err_sys(e, ENOMEM, "cgroup");
	}
	return 0;
}

/* "+ctrl" into one cgroup.subtree_control; a controller it cannot enable fails later, where
 * its file is written, with a clearer message. */
static void enable_in(const char *dir, const char *ctrl)
{
	char path[PATH_MAX], word[RT_CGROUP_FILE_MAX + 1];
	cleanup_close int fd = -1;
	int n;

	if (snprintf(path, sizeof(path), "%s/cgroup.subtree_control", dir) >= (int)sizeof(path))
		return;
	fd = open(path, O_WRONLY | O_CLOEXEC);
	n = snprintf(word, sizeof(word), "+%s", ctrl);
	if (fd >= 0 && write(fd, word, (size_t)n) != n)
		log_debug("%s: %s: %s", path, word, strerror(errno));
}

/* The controller a file belongs to: what comes before its first '.'. */
static void controller_of(const char *file, char *out, size_t len)
{
	size_t n = strcspn(file, ".");

	if (n >= len)
		n = len - 1;
	memcpy(out, file, n);
	out[n] = '\0';
}

static void enable_all(const char *dir, const struct rt_cgroup_plan *p)
{
	char ctrl[RT_CGROUP_FILE_MAX];

	for (size_t i = 0; i < p->n; i++) {
		controller_of(p->v[i].file, ctrl, sizeof(ctrl));
		if (strcmp(ctrl, "cgroup") != 0)
			enable_in(dir, ctrl);
	}
}

void rt_cgroup_enable(const char *dir, const struct rt_cgroup_plan *p)
{
	const char *root = rt_cgroup_root();
	char path[PATH_MAX];
	size_t rl;

	if (!root || strncmp(dir, root, (rl = strlen(root))) || dir[rl] != '/' ||
	    strlen(dir) >= sizeof(path))
		return;
	strcpy(path, dir);
	/* every ancestor from the root down to the parent of dir */
	for (char *s = path + rl; s; s = strchr(s + 1, '/')) {
		char saved = *s;

		*s = '\0';
		enable_all(*path ? path : "/", p);
		*s = saved;
	}
}

/* One write(2) per line: cgroup files take one setting per write. 0 or -errno. */
static int write_one(int dfd, const struct rt_cgroup_write *w, bool *opened)
{
	cleanup_close int fd = openat(dfd, w->file, O_WRONLY | O_NOFOLLOW | O_CLOEXEC);
	const char *v = w->value;

	*opened = fd >= 0;
	if (fd < 0)
		return -errno;
	do {
		size_t n = strcspn(v, "\n");

		if ((n || !*v) && write(fd, v, n) < 0)
			return -errno;
		v += n + (v[n] == '\n');
	} while (*v);
	return 0;
}

static bool controller_listed(const char *dir, const char *ctrl)
{
	char path[PATH_MAX];
	cleanup_free char *text = NULL;
	struct err ignored;
	size_t len;

	snprintf(path, sizeof(path), "%s/cgroup.controllers", dir);
	if (util_read_file(path, 4096, &text, &len, &ignored) < 0)
		return false;
	for (char *t = strtok(text, " \n"); t; t = strtok(NULL, " \n"))
		if (!strcmp(t, ctrl))
			return true;
	return false;
}

/*
 * Hybrid hosts (this project's among them) keep cpu, memory, pids, io in cgroup v1 and only
 * a few controllers in the v2 hierarchy incept uses. A limit for a controller that is not in
 * the v2 hierarchy at all is skipped with a warning: failing would refuse every container
 * containerd and Docker make (their specs always carry cpu shares), and runc would apply it
 * through v1, which incept does not drive. A controller the hierarchy has but `dir` lacks is
 * a real error, as under runc.
 */
static bool skip_missing_controller(const char *dir, const struct rt_cgroup_write *w)
{
	const char *root = rt_cgroup_root();
	char ctrl[RT_CGROUP_FILE_MAX];
	size_t rl;

	if (!root || (w->flags & RT_CGW_UNIFIED) || strncmp(dir, root, (rl = strlen(root))) ||
	    dir[rl] != '/')
		return false;
	controller_of(w->file, ctrl, sizeof(ctrl));
	if (controller_listed(root, ctrl))
		return false;
	log_warn("linux.resources: %s not set: this host's cgroup v2 hierarchy has no %s "
		 "controller (cgroup v1 hierarchies are not supported)",
		 w->file, ctrl);
	return true;
}

static int report(const char *dir, const struct rt_cgroup_write *w, int errnum, bool opened,
		  struct err *e)
{
	char ctrl[RT_CGROUP_FILE_MAX];

	controller_of(w->file, ctrl, sizeof(ctrl));
	if ((w->flags & RT_CGW_UNIFIED) && (errnum == ENOENT || errnum == EPERM) &&
	    strcmp(ctrl, "cgroup") && !controller_listed(dir, ctrl))
		return err_set(e, errnum,
			       "unified resource \"%s\" can't be set: controller \"%s\" not "
			       "available",
			       w->file, ctrl);
	if (w->flags & RT_CGW_UNIFIED)
		return err_sys(e, errnum, "unable to set unified resource \"%s\"", w->file);
	if (!opened && errnum == ENOENT && !controller_listed(dir, ctrl))
		return err_set(e, errnum,
			       "cannot set %s: the %s controller is not available in cgroup %s "
			       "(cgroup v2)",
			       w->file, ctrl, dir);
	if (!opened)
		return err_sys(e, errnum, "openat2 %s/%s", dir, w->file);
	return err_sys(e, errnum, "failed to write \"%s\": write %s/%s", w->value, dir, w->file);
}

int rt_cgroup_apply(const char *dir, const struct rt_cgroup_plan *p, struct err *e)
{
	cleanup_close int dfd = open(dir, O_PATH | O_DIRECTORY | O_CLOEXEC);

	if (dfd < 0)
		return err_sys(e, errno, "open cgroup %s", dir);
	for (size_t i = 0; i < p->n; i++) {
		const struct rt_cgroup_write *w = &p->v[i];
		bool opened;
		int r = write_one(dfd, w, &opened);

		if ((w->flags & RT_CGW_ALT_NEXT) && i + 1 < p->n) {
			i++; /* the alternative: only when this file does not exist */
			if (r == -ENOENT && !opened)
				r = write_one(dfd, (w = &p->v[i]), &opened);
		}
		if (r == -ENOENT && !opened &&
		    ((w->flags & RT_CGW_OPTIONAL) || skip_missing_controller(dir, w)))
			continue;
		if (r < 0)
			return report(dir, w, -r, opened, e);
		log_debug("cgroup %s: %s = %s", dir, w->file, w->value);
	}
	return 0;
}

/* A *.max style value: "max" is -1. */
static int64_t read_max(const char *s, char **end)
{
	if (!strncmp(s, "max", 3)) {
		*end = (char *)s + 3;
		return -1;
	}
	return strtoll(s, end, 10);
}

void rt_cgroup_read_ctx(const char *dir, struct rt_cgroup_plan_ctx *ctx)
{
	char path[PATH_MAX];
	cleanup_free char *mem = NULL;
	cleanup_free char *cpu = NULL;
	struct err ignored;
	size_t len;
	char *end;

	memset(ctx, 0, sizeof(*ctx));
	snprintf(path, sizeof(path), "%s/memory.max", dir);
	if (util_read_file(path, 64, &mem, &len, &ignored) == 0)
		ctx->memory_max = read_max(mem, &end);
	snprintf(path, sizeof(path), "%s/cpu.max", dir);
	if (util_read_file(path, 64, &cpu, &len, &ignored) == 0) {
		ctx->cpu_quota = read_max(cpu, &end);
		ctx->cpu_period = strtoull(end, NULL, 10);
	}
}
