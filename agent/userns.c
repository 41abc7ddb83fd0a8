// SPDX-License-Identifier: Apache-2.0
#define _GNU_SOURCE
#include "userns.h"

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "cleanup.h"
#include "process.h"

/* The kernel takes a map in one write() of less than a page (map_write()). */
#define MAP_WRITE_MAX 4096

static int write_id_map(pid_t pid, const char *name, const struct proto_id_mapping *m, uint32_t n,
			struct err *e)
{
	char buf[MAP_WRITE_MAX], path[48];
	cleanup_close int fd = -1;
	size_t len = 0;

	snprintf(path, sizeof(path), "/proc/%d/%s", (int)pid, name);
	for (uint32_t i = 0; i < n; i++) {
		int w = snprintf(buf + len, sizeof(buf) - len, "%u %u %u\n", m[i].container_id,
				 m[i].host_id, m[i].size);

		if (w < 0 || (size_t)w >= sizeof(buf) - len)
			return err_set(e, EINVAL,
				       "failed to update %s: %u mappings need more than %u bytes",
				       path, n, MAP_WRITE_MAX - 1);
		len += (size_t)w;
	}
	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0 || write(fd, buf, len) != (ssize_t)len)
		return err_sys(e, errno, "failed to update %s", path); /* runc's words */
	return 0;
}

/*
 * setgroups stays "allow": runc writes "deny" only for a rootless container, whose runtime may
 * not write gid_map otherwise; the agent is the guest's root. So setgroups(2) works in the
 * container, with mapped gids, as under runc.
 */
int agent_userns_map(pid_t pid, const struct proto_container *c, int start_fd, struct err *e)
{
	if (agent_process_early(pid, &c->process, e) < 0 ||
	    write_id_map(pid, "uid_map", c->uid_map, c->nr_uid_map, e) < 0 ||
	    write_id_map(pid, "gid_map", c->gid_map, c->nr_gid_map, e) < 0)
		return -1;
	if (write(start_fd, "u", 1) != 1)
		return err_sys(e, errno, "wake the container's init");
	return 0;
}

int agent_userns_enter(const struct agent_child *a, struct err *e)
{
	uint32_t rest = a->c->namespaces & ~(uint32_t)(CLONE_NEWUSER | CLONE_NEWPID);
	char b;

	if (read(a->start_fd, &b, 1) != 1)
		_exit(1); /* the agent gave up on this container: nobody to tell */
	/*
	 * runc's order: uid 0 of the namespace before the other namespaces exist (what they
	 * create, like mqueue's root, is the container root's), gid 0 after them (nsexec's
	 * stage 2), before anything is made on the shares, which the VMM creates with our ids.
	 */
	if (syscall(SYS_setresuid, 0, 0, 0) < 0)
		return err_sys(e, errno, "failed to become root in user namespace");
	if (rest && unshare((int)rest) < 0)
		return err_sys(e, errno, "failed to unshare remaining namespaces");
	if (syscall(SYS_setresgid, 0, 0, 0) < 0)
		return err_sys(e, errno, "setgid 0 in user namespace");
	return 0;
}
