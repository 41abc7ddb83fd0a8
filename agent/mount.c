// SPDX-License-Identifier: Apache-2.0
#include "mount.h"

#include <errno.h>
#include <stdbool.h>
#include <sys/mount.h>
#include <sys/stat.h>

#include "cleanup.h"

struct early_mount {
	const char *target;
	int parent; /* index of the entry this one sits on, -1 for "/" */
	const char *fstype;
	unsigned long flags;
	const char *data;
};

/* Parents come before their children. */
static const struct early_mount early_mounts[] = {
	{"/proc", -1, "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL},
	{"/sys", -1, "sysfs", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL},
	{"/dev", -1, "devtmpfs", MS_NOSUID, "mode=0755"},
	/* Its own instance, so the container's ptys are not the host console's. */
	{"/dev/pts", 2, "devpts", MS_NOSUID | MS_NOEXEC, "newinstance,ptmxmode=0666,mode=0620"},
	{"/run", -1, "tmpfs", MS_NOSUID | MS_NODEV, "mode=0755"},
};

/*
 * Decides whether m needs mounting. A mount point shows a different st_dev
 * than the directory it sits in: one stat() per target (and one for "/"),
 * cheaper than reading /proc/self/mountinfo, and it works before /proc exists.
 * Returns 1 (mount it), 0 (already mounted; *dev = its device) or -1.
 */
static int needs_mount(const struct early_mount *m, dev_t parent_dev, dev_t *dev, struct err *e)
{
	struct stat st;

	if (stat(m->target, &st) < 0) {
		if (errno != ENOENT)
			return err_sys(e, errno, "stat %s", m->target);
		if (mkdir(m->target, 0755) < 0 && errno != EEXIST)
			return err_sys(e, errno, "mkdir %s", m->target);
		return 1;
	}
	*dev = st.st_dev;
	return st.st_dev == parent_dev ? 1 : 0;
}

int agent_mount_early(struct err *e)
{
	dev_t dev[ARRAY_SIZE(early_mounts)] = {0};
	bool fresh[ARRAY_SIZE(early_mounts)] = {false};
	dev_t root_dev = 0;
	bool have_root = false;
	int mounted = 0;
	size_t i;

	for (i = 0; i < ARRAY_SIZE(early_mounts); i++) {
		const struct early_mount *m = &early_mounts[i];
		int r;

		if (m->parent >= 0 && fresh[m->parent]) {
			/* A filesystem we just mounted has nothing mounted below it. */
			if (mkdir(m->target, 0755) < 0 && errno != EEXIST)
				return err_sys(e, errno, "mkdir %s", m->target);
		} else {
			if (m->parent < 0 && !have_root) {
				struct stat st;

				if (stat("/", &st) < 0)
					return err_sys(e, errno, "stat /");
				root_dev = st.st_dev;
				have_root = true;
			}
			r = needs_mount(m, m->parent < 0 ? root_dev : dev[m->parent], &dev[i], e);
			if (r < 0)
				return -1;
			if (r == 0)
				continue;
		}
		if (mount(m->fstype, m->target, m->fstype, m->flags, m->data) < 0)
			return err_sys(e, errno, "mount %s on %s", m->fstype, m->target);
		fresh[i] = true;
		mounted++;
	}
	return mounted;
}
