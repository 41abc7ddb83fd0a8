// SPDX-License-Identifier: Apache-2.0
#define _GNU_SOURCE
#include "rootfs.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "cleanup.h"
#include "trace.h"
#include "util.h"

/* Flags a bind mount only gets through a remount. */
#define REMOUNT_FLAGS                                                                              \
	(MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC | MS_NOATIME | MS_NODIRATIME | MS_RELATIME | \
	 MS_STRICTATIME)
/* statvfs f_flag bits equal their MS_* counterparts for these. */
#define KEEP_FLAGS (MS_NOSUID | MS_NODEV | MS_NOEXEC | MS_NOATIME | MS_NODIRATIME | MS_RELATIME)

static int join_path(char *out, const char *a, const char *sep, const char *b, struct err *e)
{
	if (snprintf(out, PATH_MAX, "%s%s%s", a, sep, b) >= PATH_MAX)
		return err_set(e, ENAMETOOLONG, "path %s%s%s too long", a, sep, b);
	return 0;
}

static int make_dir(const char *path, struct err *e)
{
	if (mkdir(path, 0755) == 0 || errno == EEXIST)
		return 0;
	if (errno != ENOENT)
		return err_sys(e, errno, "mkdir %s", path);
	return util_mkdir_p(path, 0755, e);
}

/* A bind of a single file needs a file to mount on. */
static int make_file(const char *path, struct err *e)
{
	char parent[PATH_MAX];
	char *slash;
	int fd;

	snprintf(parent, sizeof(parent), "%s", path);
	slash = strrchr(parent, '/');
	if (slash && slash != parent) {
		*slash = '\0';
		if (make_dir(parent, e) < 0)
			return -1;
	}
	fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC | O_NOCTTY, 0644);
	if (fd < 0 && errno != EISDIR)
		return err_sys(e, errno, "create mount point %s", path);
	if (fd >= 0)
		close(fd);
	return 0;
}

static int remount_bind(const char *path, unsigned long flags, struct err *e)
{
	struct statvfs sv;

	/* keep what the mount already has (proc's nosuid,nodev,noexec) */
	if (statvfs(path, &sv) == 0)
		flags |= sv.f_flag & KEEP_FLAGS;
	if (mount(NULL, path, NULL, MS_BIND | MS_REMOUNT | flags, NULL) < 0)
		return err_sys(e, errno, "remount %s", path);
	return 0;
}

static int bind_mount(const struct proto_mount *m, const char *fs_root, const char *dst,
		      struct err *e)
{
	char src[PATH_MAX];
	struct stat st;

	if (join_path(src, fs_root, "/", m->source, e) < 0)
		return -1;
	if (stat(src, &st) < 0)
		return err_sys(e, errno, "mount %s: share %s", m->dest, m->source);
	if (mount(src, dst, NULL, MS_BIND | (m->flags & MS_REC), NULL) < 0) {
		if (errno != ENOENT)
			return err_sys(e, errno, "bind mount %s on %s", m->source, m->dest);
		if ((S_ISDIR(st.st_mode) ? make_dir(dst, e) : make_file(dst, e)) < 0)
			return -1;
		if (mount(src, dst, NULL, MS_BIND | (m->flags & MS_REC), NULL) < 0)
			return err_sys(e, errno, "bind mount %s on %s", m->source, m->dest);
	}
	if (m->flags & REMOUNT_FLAGS)
		return remount_bind(dst, m->flags & REMOUNT_FLAGS, e);
	return 0;
}

static bool is_cgroup(const char *type)
{
	return strcmp(type, "cgroup") == 0 || strcmp(type, "cgroup2") == 0;
}

/*
 * sysfs in a user namespace needs the network namespace to be the user namespace's, and the
 * container shares the guest's (runc's container gets one it owns: config.json's network
 * namespace is the VMM's here): the guest's /sys, which shows that network namespace, bound
 * instead, with the mount's flags (runc's rootless spec binds /sys the same way).
 */
static int bind_guest_sys(const char *dst, unsigned long flags, struct err *e)
{
	if (mount("/sys", dst, NULL, MS_BIND | MS_REC, NULL) < 0)
		return err_sys(e, errno, "bind the guest's /sys on %s", dst);
	return flags & REMOUNT_FLAGS ? remount_bind(dst, flags & REMOUNT_FLAGS, e) : 0;
}

static int other_mount(const struct proto_mount *m, const char *dst, struct err *e)
{
	unsigned long flags = m->flags & ~(unsigned long)(MS_BIND | MS_REC | MS_REMOUNT);

	const char *src = m->source ? m->source : m->type;

	/* the mount point usually exists: mkdir only when the mount says it does not */
	if (mount(src, dst, m->type, flags, m->data) == 0)
		return 0;
	if (errno == ENOENT) {
		if (make_dir(dst, e) < 0)
			return -1;
		if (mount(src, dst, m->type, flags, m->data) == 0)
			return 0;
	}
	if (errno == EPERM && strcmp(m->type, "sysfs") == 0)
		return bind_guest_sys(dst, flags, e);
	/* the guest has only the unified hierarchy, and maybe not all of it: best effort */
	if (is_cgroup(m->type)) {
		mount("cgroup2", dst, "cgroup2", flags, NULL);
		return 0;
	}
	return err_sys(e, errno, "mount %s on %s", m->type, m->dest);
}

static int do_mount(const struct proto_mount *m, const char *root, const char *fs_root,
		    bool *dev_tmpfs, struct err *e)
{
	bool bind = (m->flags & MS_BIND) || (m->type && strcmp(m->type, "bind") == 0);
	char dst[PATH_MAX];

	if (join_path(dst, root, "", m->dest, e) < 0)
		return -1;
	if ((bind ? bind_mount(m, fs_root, dst, e) : other_mount(m, dst, e)) < 0)
		return -1;
	if (!bind && strcmp(m->dest, "/dev") == 0 && strcmp(m->type, "tmpfs") == 0)
		*dev_tmpfs = true;
	if (m->propagation && mount(NULL, dst, NULL, m->propagation, NULL) < 0)
		return err_sys(e, errno, "set propagation of %s", m->dest);
	return 0;
}

static const struct {
	const char *name;
	unsigned major, minor;
} default_devices[] = {
	{"null", 1, 3},	  {"zero", 1, 5},    {"full", 1, 7},
	{"random", 1, 8}, {"urandom", 1, 9}, {"tty", 5, 0},
};

static const struct {
	const char *name, *target;
} default_links[] = {
	{"ptmx", "pts/ptmx"},	       {"fd", "/proc/self/fd"},	      {"stdin", "/proc/self/fd/0"},
	{"stdout", "/proc/self/fd/1"}, {"stderr", "/proc/self/fd/2"},
};

/*
 * A device node nobody may make in a user namespace: the guest's own, bound on an empty file
 * (runc's bindMountDeviceNode; the bind keeps the guest /dev's mount, which allows devices).
 */
static int bind_device(const char *name, const char *path, struct err *e)
{
	char src[PATH_MAX];
	int fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC | O_NOCTTY, 0666);

	if (fd < 0)
		return err_sys(e, errno, "create %s", path);
	close(fd);
	if (join_path(src, "/dev/", "", name, e) < 0)
		return -1;
	if (mount(src, path, NULL, MS_BIND, NULL) < 0)
		return err_sys(e, errno, "bind %s on %s", src, path);
	return 0;
}

/* runc's default devices, links and directories on a tmpfs /dev (libcontainer/rootfs). */
static int default_dev(const char *root, struct err *e)
{
	char path[PATH_MAX];

	for (size_t i = 0; i < ARRAY_SIZE(default_devices); i++) {
		dev_t dev = makedev(default_devices[i].major, default_devices[i].minor);

		if (join_path(path, root, "/dev/", default_devices[i].name, e) < 0)
			return -1;
		if (mknod(path, S_IFCHR | 0666, dev) == 0 || errno == EEXIST)
			continue;
		if (errno != EPERM)
			return err_sys(e, errno, "mknod %s", path);
		if (bind_device(default_devices[i].name, path, e) < 0)
			return -1;
	}
	for (size_t i = 0; i < ARRAY_SIZE(default_links); i++) {
		if (join_path(path, root, "/dev/", default_links[i].name, e) < 0)
			return -1;
		if (symlink(default_links[i].target, path) < 0 && errno != EEXIST)
			return err_sys(e, errno, "symlink %s", path);
	}
	if (join_path(path, root, "/dev/", "pts", e) < 0)
		return -1;
	if (mkdir(path, 0755) < 0 && errno != EEXIST)
		return err_sys(e, errno, "mkdir %s", path);
	if (join_path(path, root, "/dev/", "shm", e) < 0)
		return -1;
	if (mkdir(path, 01777) < 0 && errno != EEXIST)
		return err_sys(e, errno, "mkdir %s", path);
	return 0;
}

static int enter_root(const char *root, struct err *e)
{
	if (chdir(root) < 0)
		return err_sys(e, errno, "chdir %s", root);
	if (syscall(SYS_pivot_root, ".", ".") == 0) {
		/* the old root sits on top of the new one now: detach it */
		if (umount2(".", MNT_DETACH) < 0)
			return err_sys(e, errno, "unmount the old root");
		return 0; /* the cwd is the new root; the process's cwd comes later */
	}
	if (errno != EINVAL)
		return err_sys(e, errno, "pivot_root %s", root);
	/* the guest's root is the initramfs: what switch_root does instead */
	if (mount(root, "/", NULL, MS_MOVE, NULL) < 0)
		return err_sys(e, errno, "move %s to /", root);
	if (chroot(".") < 0)
		return err_sys(e, errno, "chroot %s", root);
	return 0;
}

static int mask_paths(const struct proto_container *c, struct err *e)
{
	for (uint32_t i = 0; i < c->nr_masked; i++) {
		const char *p = c->masked[i];
		struct stat st;
		int r;

		if (stat(p, &st) < 0) {
			if (errno == ENOENT)
				continue;
			return err_sys(e, errno, "masked path %s", p);
		}
		if (S_ISDIR(st.st_mode))
			r = mount("tmpfs", p, "tmpfs", MS_RDONLY, NULL);
		else
			r = mount("/dev/null", p, NULL, MS_BIND, NULL);
		if (r < 0)
			return err_sys(e, errno, "mask %s", p);
	}
	return 0;
}

static int readonly_paths(const struct proto_container *c, struct err *e)
{
	for (uint32_t i = 0; i < c->nr_readonly; i++) {
		const char *p = c->readonly[i];

		if (mount(p, p, NULL, MS_BIND | MS_REC, NULL) < 0) {
			if (errno == ENOENT)
				continue;
			return err_sys(e, errno, "readonly path %s", p);
		}
		if (remount_bind(p, MS_RDONLY, e) < 0)
			return -1;
	}
	return 0;
}

/* private_done: every mount the child's namespace copied is private already (the guest). */
int agent_rootfs_enter(const struct proto_container *c, const char *fs_root, bool private_done,
		       struct err *e)
{
	char root[PATH_MAX];
	bool dev_tmpfs = false;

	if (join_path(root, fs_root, "/", c->rootfs, e) < 0)
		return -1;
	/* nothing done in here may reach the agent's namespace */
	if (!private_done && mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0)
		return err_sys(e, errno, "make / private");
	if (mount(root, root, NULL, MS_BIND | MS_REC, NULL) < 0)
		return err_sys(e, errno, "bind the rootfs %s", c->rootfs);
	agent_trace_mark(AGENT_TP_ROOT_BIND);
	for (uint32_t i = 0; i < c->nr_mounts; i++) {
		if (do_mount(&c->mounts[i], root, fs_root, &dev_tmpfs, e) < 0)
			return -1;
		agent_trace_mount(i);
	}
	if (dev_tmpfs && default_dev(root, e) < 0)
		return -1;
	agent_trace_mark(AGENT_TP_MOUNTS);
	if (enter_root(root, e) < 0)
		return -1;
	agent_trace_mark(AGENT_TP_ROOT);
	return 0;
}

int agent_rootfs_finish(const struct proto_container *c, struct err *e)
{
	if (mask_paths(c, e) < 0 || readonly_paths(c, e) < 0)
		return -1;
	if (c->rootfs_ro && remount_bind("/", MS_RDONLY, e) < 0)
		return err_prefix(e, "read-only rootfs");
	return 0;
}
