// SPDX-License-Identifier: Apache-2.0
/*
 * `incept prepare [--vcpus N] [--memory-mib M] [--prune]` (incept's own verb, not runc's):
 * builds the booted-guest snapshot every `create` restores, so no container waits for a
 * cold boot; several racing builders are serialised by the VMM's lock. --prune removes
 * snapshots made from another kernel, initrd, command line, VMM build or host, and the debris
 * of interrupted builds.
 */
#define _GNU_SOURCE
#include "rt.h"
#include "cleanup.h"
#include "config.h"
#include "util.h"
#include "vmm.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

struct prepare_opts {
	bool prune;
	long long vcpus;
	long long memory_mib;
};

static int load_config(struct rt_config *cfg, struct err *e)
{
	char self[PATH_MAX];

	if (rt_self_dir(self, sizeof(self), e) < 0)
		return -1;
	return rt_config_load(cfg, self, e);
}

static int shape(const struct prepare_opts *o, const struct rt_config *cfg, unsigned *vcpus,
		 unsigned long long *mib, struct err *e)
{
	*vcpus = o->vcpus ? (unsigned)o->vcpus : cfg->vcpus;
	*mib = o->memory_mib ? (unsigned long long)o->memory_mib : cfg->memory_mib;
	if (o->vcpus < 0 || o->vcpus > 32)
		return err_set(e, EINVAL, "--vcpus: want 1..32, got %lld", o->vcpus);
	if (o->memory_mib < 0 || (o->memory_mib && o->memory_mib < 64))
		return err_set(e, EINVAL, "--memory-mib: want at least 64, got %lld",
			       o->memory_mib);
	return 0;
}

static int build(const struct rt_config *cfg, unsigned vcpus, unsigned long long mib, struct err *e)
{
	struct rt_vmm_cmd c;
	char out[PATH_MAX + 2];
	int status;

	rt_vmm_cmd_init(&c, cfg, vcpus, mib);
	rt_vmm_cmd_add(&c, "--snapshot-dir");
	rt_vmm_cmd_add(&c, cfg->snapshot_dir);
	rt_vmm_cmd_add(&c, "--snapshot-only");
	status = rt_vmm_run(&c, out, sizeof(out), 1000,
			    "incept: booting the guest once to build its snapshot (containers "
			    "will start from it)...",
			    e);
	if (status < 0)
		return -1;
	if (status != 0)
		return err_set(e, EIO, "building the snapshot failed (incept-vmm exit status %d)",
			       status);
	printf("snapshot ready: %s", out);
	return 0;
}

/* `key: value` lines of a meta text that say where a snapshot came from (not its shape). */
static bool same_origin(const char *a, const char *b)
{
	static const char *const keys[] = {"incept snapshot format",
					   "kernel:",
					   "initrd:",
					   "cmdline:",
					   "vmm:",
					   "host:",
					   "cpuid:"};

	for (size_t i = 0; i < ARRAY_SIZE(keys); i++) {
		const char *la = strstr(a, keys[i]), *lb = strstr(b, keys[i]);
		size_t na, nb;

		if (!la || !lb)
			return false;
		na = strcspn(la, "\n");
		nb = strcspn(lb, "\n");
		if (na != nb || memcmp(la, lb, na))
			return false;
	}
	return true;
}

/* A temporary build directory "<key>.tmp-<pid>" whose builder is gone. */
static bool dead_build(const char *name)
{
	const char *t = strstr(name, ".tmp-");
	unsigned long long pid;

	if (!t || util_parse_u64(t + 5, 10, &pid) < 0)
		return false;
	return kill((pid_t)pid, 0) < 0 && errno == ESRCH;
}

/* "<key>.lock": removed when nobody holds it and its snapshot "<key>" is not there. */
static int prune_lock(const char *path, size_t key_len, struct err *e)
{
	cleanup_close int fd = open(path, O_RDWR | O_CLOEXEC);
	char snap[PATH_MAX * 2];

	snprintf(snap, sizeof(snap), "%.*s", (int)key_len, path);
	if (fd < 0 || access(snap, F_OK) == 0 || flock(fd, LOCK_EX | LOCK_NB) < 0)
		return 0;
	if (unlink(path) < 0)
		return err_sys(e, errno, "remove %s", path);
	return 0;
}

static int prune_entry(const struct rt_config *cfg, const char *current, const char *name,
		       unsigned *removed, struct err *e)
{
	char path[PATH_MAX * 2], meta_path[PATH_MAX * 2 + 8];
	cleanup_free char *meta = NULL;
	size_t len = strlen(name);
	bool stale;

	snprintf(path, sizeof(path), "%s/%s", cfg->snapshot_dir, name);
	if (len > 5 && !strcmp(name + len - 5, ".lock"))
		return prune_lock(path, strlen(path) - 5, e);
	if (strstr(name, ".tmp-")) {
		stale = dead_build(name);
	} else {
		snprintf(meta_path, sizeof(meta_path), "%s/meta", path);
		stale = util_read_file(meta_path, 1 << 16, &meta, &len, NULL) < 0 ||
			!same_origin(meta, current);
	}
	if (!stale)
		return 0;
	if (util_rm_rf(path, e) < 0)
		return -1;
	printf("removed %s\n", path);
	(*removed)++;
	return 0;
}

/* Whether two files have the same bytes (a cached kernel vs the one the config uses). */
static bool same_file(const char *a, const char *b)
{
	cleanup_free char *x = NULL, *y = NULL;
	size_t lx, ly;

	if (util_read_file(a, 1u << 30, &x, &lx, NULL) < 0 ||
	    util_read_file(b, 1u << 30, &y, &ly, NULL) < 0)
		return false;
	return lx == ly && memcmp(x, y, lx) == 0;
}

/*
 * The guest-kernel build cache (guest-kernel/build.sh: $INCEPT_CACHE/kernel/<key>/, default
 * /var/cache/incept/kernel): every entry whose vmlinux is not the kernel the config uses.
 * Builds in progress ("tmp.*") are build.sh's own business.
 */
static int prune_kernels(const struct rt_config *cfg, struct err *e)
{
	const char *root = getenv("INCEPT_CACHE");
	char cache[PATH_MAX], path[PATH_MAX * 2], vmlinux[PATH_MAX * 2 + 16];
	unsigned removed = 0;
	struct dirent *d;
	struct stat st;
	DIR *dir;
	int r = 0;

	snprintf(cache, sizeof(cache), "%s/kernel", root && *root ? root : "/var/cache/incept");
	dir = opendir(cache);
	if (!dir)
		return errno == ENOENT ? 0 : err_sys(e, errno, "open %s", cache);
	while (r == 0 && (d = readdir(dir))) {
		if (d->d_name[0] == '.' || !strncmp(d->d_name, "tmp.", 4))
			continue;
		snprintf(path, sizeof(path), "%s/%s", cache, d->d_name);
		snprintf(vmlinux, sizeof(vmlinux), "%s/vmlinux", path);
		if (stat(path, &st) < 0 || !S_ISDIR(st.st_mode) || same_file(vmlinux, cfg->kernel))
			continue;
		r = util_rm_rf(path, e);
		if (r == 0) {
			printf("removed %s\n", path);
			removed++;
		}
	}
	closedir(dir);
	if (r == 0)
		printf("pruned %u cached kernel(s) in %s\n", removed, cache);
	return r;
}

static int prune(const struct rt_config *cfg, unsigned vcpus, unsigned long long mib, struct err *e)
{
	char current[8192];
	struct rt_vmm_cmd c;
	unsigned removed = 0;
	struct dirent *d;
	DIR *dir;
	int status, r = 0;

	rt_vmm_cmd_init(&c, cfg, vcpus, mib);
	rt_vmm_cmd_add(&c, "--print-snapshot-meta");
	status = rt_vmm_run(&c, current, sizeof(current), 0, NULL, e);
	if (status != 0)
		return status < 0 ? -1 : err_set(e, EIO, "incept-vmm --print-snapshot-meta failed");
	dir = opendir(cfg->snapshot_dir);
	if (!dir)
		return errno == ENOENT ? 0 : err_sys(e, errno, "open %s", cfg->snapshot_dir);
	while (r == 0 && (d = readdir(dir)))
		if (d->d_name[0] != '.')
			r = prune_entry(cfg, current, d->d_name, &removed, e);
	closedir(dir);
	if (r == 0)
		printf("pruned %u snapshot(s) in %s\n", removed, cfg->snapshot_dir);
	return r < 0 ? -1 : prune_kernels(cfg, e);
}

static int prepare_run(const struct rt_global *g, void *opts, int argc, char **argv, struct err *e)
{
	const struct prepare_opts *o = opts;
	struct rt_config cfg;
	unsigned long long mib;
	unsigned vcpus;

	(void)g;
	(void)argc;
	(void)argv;
	if (load_config(&cfg, e) < 0 || shape(o, &cfg, &vcpus, &mib, e) < 0)
		return -1;
	if (o->prune)
		return prune(&cfg, vcpus, mib, e) < 0 ? -1 : 0;
	return build(&cfg, vcpus, mib, e) < 0 ? -1 : 0;
}

static const struct rt_flag prepare_flags[] = {
	{"prune", RT_FLAG_BOOL, offsetof(struct prepare_opts, prune),
	 "remove snapshots no longer usable with this kernel, initrd, VMM and host, and cached "
	 "guest kernels other than the one in use",
	 NULL},
	{"vcpus", RT_FLAG_INT, offsetof(struct prepare_opts, vcpus),
	 "vCPUs of the guest to snapshot (default: the runtime config's)", NULL},
	{"memory-mib", RT_FLAG_INT, offsetof(struct prepare_opts, memory_mib),
	 "guest memory in MiB (default: the runtime config's)", NULL},
	{NULL, 0, 0, NULL, NULL},
};

const struct rt_verb rt_verb_prepare = {
	.name = "prepare",
	.usage = "build the guest snapshot containers start from (incept only)",
	.description = "The prepare command boots the guest once and saves the snapshot every "
		       "create restores,\nso no container waits for a cold boot. It is quick "
		       "when the snapshot exists.\n",
	.flags = prepare_flags,
	.opts_size = sizeof(struct prepare_opts),
	.min_args = 0,
	.max_args = 0,
	.run = prepare_run,
};
