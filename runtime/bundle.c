// SPDX-License-Identifier: Apache-2.0
/*
 * What create and run check on the host before a VMM starts: a failure here costs
 * nothing, while the same failure found in the guest costs a restore. Messages are runc's.
 */
#define _GNU_SOURCE /* asprintf */
#include "container.h"
#include "seccomp.h"
#include "cleanup.h"
#include "oci/config.h"
#include "oci/state.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

/* runc's default when process.env has no PATH. */
#define DEFAULT_PATH "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

/* runc's checkTerminal. create always detaches. */
static int check_terminal(const struct oci_config *cfg, const struct rt_create_opts *o, bool detach,
			  struct err *e)
{
	bool terminal = cfg->process && cfg->process->terminal;
	bool socket = o->console_socket && *o->console_socket;

	if (detach && terminal && !socket)
		return err_set(e, EINVAL,
			       "cannot allocate tty if incept will detach without "
			       "setting console socket");
	if ((!detach || !terminal) && socket)
		return err_set(e, EINVAL,
			       "cannot use console socket if incept will not detach "
			       "or allocate tty");
	return 0;
}

static int check_rootfs(const struct oci_config *cfg, struct rt_bundle *b, struct err *e)
{
	struct stat st;

	if (cfg->root.path[0] == '/')
		b->rootfs = strdup(cfg->root.path);
	else if (asprintf(&b->rootfs, "%s/%s", b->dir, cfg->root.path) < 0)
		b->rootfs = NULL;
	if (!b->rootfs)
		return err_sys(e, ENOMEM, "rootfs");
	if (stat(b->rootfs, &st) < 0)
		return err_sys(e, errno, "invalid rootfs: stat %s", b->rootfs);
	if (!S_ISDIR(st.st_mode))
		return err_set(e, ENOTDIR, "invalid rootfs: %s: not a directory", b->rootfs);
	return 0;
}

static bool maps_root(const struct oci_id_mapping *m, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (m[i].container_id == 0)
			return true;
	return false;
}

/*
 * Namespaces: the guest makes pid, mount, uts, ipc, cgroup and user ones; a network namespace
 * path is joined by the VMM on the host. Joining any other existing namespace would mean
 * sharing a guest with another container, which needs pods. A new user namespace must map
 * the container's root (runc's HostRootUID/HostRootGID, with its messages).
 */
static int check_namespaces(const struct oci_config *cfg, struct err *e)
{
	const struct oci_linux *l = &cfg->linux_cfg;

	for (size_t i = 0; i < l->n_namespaces; i++) {
		const struct oci_namespace *ns = &l->namespaces[i];

		if (ns->path && ns->type != OCI_NS_NETWORK)
			return err_set(e, EINVAL,
				       "%s namespace path %s: joining an existing namespace is not "
				       "supported (pods not designed yet)",
				       oci_ns_type_name(ns->type), ns->path);
	}
	/* refused rather than left out: a container asking for its own clocks must not get ours */
	if (oci_config_namespace(cfg, OCI_NS_TIME))
		return err_set(e, ENOTSUP,
			       "time namespace: not supported by incept yet (the guest kernel has "
			       "no CONFIG_TIME_NS)");
	if (!oci_config_namespace(cfg, OCI_NS_USER))
		return 0;
	if (!maps_root(l->uid_mappings, l->n_uid_mappings))
		return err_set(e, EINVAL, "User namespaces enabled, but no user mapping found.");
	if (!maps_root(l->gid_mappings, l->n_gid_mappings))
		return err_set(e, EINVAL, "User namespaces enabled, but no group mapping found.");
	return 0;
}

int rt_check_preserve_fds(long long n, struct err *e)
{
	if (n < 0)
		return err_set(e, EINVAL, "--preserve-fds: %lld is not a count", n);
	if (n > 0)
		return err_set(
			e, ENOTSUP,
			"--preserve-fds %lld: host file descriptors cannot be passed into the "
			"container's VM (not supported by incept)",
			n);
	return 0;
}

static int check_id_free(const struct rt_global *g, const char *id, struct err *e)
{
	struct oci_container *c;

	if (rt_container_open(g, id, 0, &c, e) == 0) {
		oci_container_close(c);
		return err_set(e, EEXIST, "container with given ID already exists");
	}
	if (e->errnum != ENOENT)
		return -1;
	err_clear(e);
	return 0;
}

static int open_in_root(int root, const char *path)
{
	struct open_how how = {
		.flags = O_PATH | O_CLOEXEC,
		.resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS,
	};

	return (int)syscall(SYS_openat2, root, path, &how, sizeof(how));
}

/* Go's findExecutable: exists, not a directory, some x bit. 0, or the errno. */
static int executable_at(int root, const char *path)
{
	cleanup_close int fd = open_in_root(root, path);
	struct stat st;

	if (fd < 0)
		return errno;
	if (fstat(fd, &st) < 0)
		return errno;
	if (S_ISDIR(st.st_mode) || !(st.st_mode & 0111))
		return EACCES;
	return 0;
}

/* The last PATH= wins, as when exec --env overrides the container's. */
static const char *env_path(char *const *env)
{
	const char *path = DEFAULT_PATH;

	for (; env && *env; env++)
		if (!strncmp(*env, "PATH=", 5))
			path = *env + 5;
	return path;
}

static int search_path(int root, const char *name, const char *path, struct err *e)
{
	while (path) {
		const char *colon = strchr(path, ':');
		size_t n = colon ? (size_t)(colon - path) : strlen(path);
		char full[PATH_MAX];

		if (snprintf(full, sizeof(full), "%.*s/%s", (int)n, n ? path : ".", name) <
			    (int)sizeof(full) &&
		    executable_at(root, full) == 0)
			return 0;
		path = colon ? colon + 1 : NULL;
	}
	return err_set(e, ENOENT, "exec: \"%s\": executable file not found in $PATH", name);
}

int rt_find_executable(const char *rootfs, const char *name, char *const *env, const char *cwd,
		       struct err *e)
{
	cleanup_close int root = open(rootfs, O_PATH | O_DIRECTORY | O_CLOEXEC);
	char full[PATH_MAX];
	int r;

	if (root < 0)
		return err_sys(e, errno, "open %s", rootfs);
	if (!strchr(name, '/'))
		return search_path(root, name, env_path(env), e);
	if (name[0] == '/')
		snprintf(full, sizeof(full), "%s", name);
	else if (snprintf(full, sizeof(full), "%s/%s", cwd ? cwd : "/", name) >= (int)sizeof(full))
		return err_set(e, ENAMETOOLONG, "exec: \"%s\": file name too long", name);
	r = executable_at(root, full);
	if (r == EACCES)
		return err_set(e, r, "exec: \"%s\": permission denied", name);
	if (r)
		return err_sys(e, r, "exec: \"%s\": stat %s", name, name);
	return 0;
}

static int check_process(const struct rt_bundle *b, struct err *e)
{
	const struct oci_process *p = b->cfg->process;

	if (rt_find_executable(b->rootfs, p->args.v[0], p->env.v, p->cwd, e) < 0)
		return err_prefix(e, "unable to start container process");
	return 0;
}

int rt_bundle_load(const struct rt_global *g, const struct rt_create_opts *o, bool detach,
		   const char *id, struct rt_bundle *b, struct err *e)
{
	const char *given = o->bundle && *o->bundle ? o->bundle : ".";
	struct stat st;

	memset(b, 0, sizeof(*b));
	if (oci_state_id_check(id, e) < 0 || rt_check_preserve_fds(o->preserve_fds, e) < 0)
		return -1;
	/* As runc, which chdir()s into the bundle first. */
	b->dir = rt_abs_path(given, e);
	if (!b->dir)
		return -1;
	if (stat(b->dir, &st) < 0)
		goto sys;
	if (!S_ISDIR(st.st_mode)) {
		errno = ENOTDIR;
		goto sys;
	}
	if (oci_config_load(b->dir, &b->cfg, e) < 0 ||
	    oci_config_validate_for_create(b->cfg, e) < 0 || check_rootfs(b->cfg, b, e) < 0 ||
	    check_terminal(b->cfg, o, detach, e) < 0 || check_id_free(g, id, e) < 0 ||
	    check_namespaces(b->cfg, e) < 0 || check_process(b, e) < 0)
		goto fail;
	if (asprintf(&b->seccomp_cache, "%s/" RT_SECCOMP_CACHE, g->root) < 0)
		b->seccomp_cache = NULL; /* compiled every time: no harm */
	return 0;
sys:
	err_sys(e, errno, "chdir %s", given);
fail:
	rt_bundle_free(b);
	return -1;
}

void rt_bundle_free(struct rt_bundle *b)
{
	free(b->dir);
	free(b->rootfs);
	free(b->seccomp_cache);
	oci_config_free(b->cfg);
	memset(b, 0, sizeof(*b));
}
