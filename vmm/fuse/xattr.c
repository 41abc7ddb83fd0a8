// SPDX-License-Identifier: Apache-2.0
/*
 * Extended attributes: GETXATTR, LISTXATTR, SETXATTR, REMOVEXATTR. The calls go through
 * /proc/self/fd/N of the inode's O_PATH fd (the f*xattr calls refuse O_PATH fds); symlink
 * inodes are refused (they would be followed) and have no user xattrs on Linux anyway.
 * "trusted.*" is refused: a root-owned server would otherwise let the guest plant attributes
 * the host trusts (overlayfs' trusted.overlay.* among them).
 */
#define _GNU_SOURCE
#include "vmm/fuse/internal.h"
#include "cleanup.h"

#include <errno.h>
#include <linux/limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/xattr.h>

static bool name_allowed(const char *name)
{
	return *name && strncmp(name, "trusted.", 8) != 0;
}

/* The inode of the request, its /proc path, and a read-only check for modifications. */
static int xattr_target(struct vfs_req *r, bool modify, struct vfs_inode **in, char *path,
			size_t len)
{
	int rc;

	*in = vfs_inode_get(r->srv, r->h.nodeid);
	if (!*in)
		return -ENOENT;
	if (modify && !vfs_writable(*in))
		rc = -EROFS;
	else if (*in == &r->srv->root)
		rc = modify ? -EROFS : -ENODATA;
	else
		rc = vfs_proc_path(*in, path, len);
	if (rc < 0) {
		vfs_inode_put(r->srv, *in);
		*in = NULL;
	}
	return rc;
}

/* GETXATTR and LISTXATTR: size 0 asks for the length only (fuse_getxattr_out). */
static int reply_sized(struct vfs_req *r, uint32_t size, const void *buf, ssize_t n)
{
	struct fuse_getxattr_out go = {.size = (uint32_t)n};

	if (n < 0)
		return -errno;
	if (!size)
		return vfs_reply(r, &go, sizeof(go));
	return vfs_reply(r, buf, (size_t)n);
}

int vfs_op_getxattr(struct vfs_req *r)
{
	struct fuse_getxattr_in gi;
	struct vfs_inode *in;
	const char *name;
	char path[32];
	cleanup_free char *buf = NULL;
	ssize_t n;
	int rc;

	if (vfs_req_get(r, &gi, sizeof(gi)) < 0 || vfs_req_string(r, XATTR_NAME_MAX, &name) < 0)
		return -EINVAL;
	if (!name_allowed(name))
		return -ENODATA;
	if (gi.size > XATTR_SIZE_MAX)
		gi.size = XATTR_SIZE_MAX;
	rc = xattr_target(r, false, &in, path, sizeof(path));
	if (rc < 0)
		return rc == -EPERM ? -ENODATA : rc;
	buf = gi.size ? malloc(gi.size) : NULL;
	if (gi.size && !buf)
		n = (errno = ENOMEM, -1);
	else
		n = getxattr(path, name, buf, gi.size);
	rc = reply_sized(r, gi.size, buf, n);
	vfs_inode_put(r->srv, in);
	return rc;
}

/* Drops "trusted.*" names from a listing, in place; returns the new length. */
static size_t filter_list(char *list, size_t len)
{
	size_t in = 0, out = 0;

	while (in < len) {
		size_t n = strnlen(list + in, len - in) + 1;

		if (name_allowed(list + in)) {
			memmove(list + out, list + in, n);
			out += n;
		}
		in += n;
	}
	return out;
}

/* Listed in full, then filtered, so a size-0 probe and the real call agree. */
static ssize_t list_filtered(const char *path, char *buf)
{
	ssize_t n = listxattr(path, buf, XATTR_LIST_MAX);

	return n < 0 ? n : (ssize_t)filter_list(buf, (size_t)n);
}

int vfs_op_listxattr(struct vfs_req *r)
{
	struct fuse_getxattr_in gi;
	struct vfs_inode *in;
	char path[32];
	char *buf;
	ssize_t n = 0;
	int rc;

	if (vfs_req_get(r, &gi, sizeof(gi)) < 0)
		return -EINVAL;
	rc = xattr_target(r, false, &in, path, sizeof(path));
	if (rc < 0 && rc != -EPERM && rc != -ENODATA)
		return rc;
	buf = malloc(XATTR_LIST_MAX);
	if (rc == 0) { /* else symlinks and the root: an empty list */
		n = buf ? list_filtered(path, buf) : (errno = ENOMEM, -1);
		vfs_inode_put(r->srv, in);
	}
	if (n >= 0 && gi.size && (size_t)n > gi.size)
		rc = -ERANGE;
	else
		rc = reply_sized(r, gi.size, buf, n);
	free(buf);
	return rc;
}

int vfs_op_setxattr(struct vfs_req *r)
{
	struct fuse_setxattr_in si;
	struct vfs_inode *in;
	const char *name;
	const uint8_t *value;
	char path[32];
	int rc;

	/* FUSE_SETXATTR_EXT is not negotiated: the 7.x compat layout (size, flags). */
	if (vfs_req_get(r, &si, FUSE_COMPAT_SETXATTR_IN_SIZE) < 0 ||
	    vfs_req_string(r, XATTR_NAME_MAX, &name) < 0)
		return -EINVAL;
	if (si.size > XATTR_SIZE_MAX || vfs_req_rest(r, &value) < si.size)
		return -EINVAL;
	if (!name_allowed(name))
		return -EPERM;
	if (si.flags & ~(uint32_t)(XATTR_CREATE | XATTR_REPLACE))
		return -EINVAL;
	rc = xattr_target(r, true, &in, path, sizeof(path));
	if (rc < 0)
		return rc;
	if (setxattr(path, name, value, si.size, (int)si.flags) < 0)
		rc = -errno;
	vfs_inode_put(r->srv, in);
	return rc;
}

int vfs_op_removexattr(struct vfs_req *r)
{
	struct vfs_inode *in;
	const char *name;
	char path[32];
	int rc;

	if (vfs_req_string(r, XATTR_NAME_MAX, &name) < 0)
		return -EINVAL;
	if (!name_allowed(name))
		return -EPERM;
	rc = xattr_target(r, true, &in, path, sizeof(path));
	if (rc < 0)
		return rc;
	if (removexattr(path, name) < 0)
		rc = -errno;
	vfs_inode_put(r->srv, in);
	return rc;
}
