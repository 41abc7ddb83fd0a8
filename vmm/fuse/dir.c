// SPDX-License-Identifier: Apache-2.0
/*
 * Directories: OPENDIR, READDIR, READDIRPLUS and the operations that add or remove names
 * (MKDIR, MKNOD, SYMLINK, LINK, UNLINK, RMDIR, RENAME, RENAME2). Names are single components
 * checked by vfs_req_name() and used only with *at() calls on the parent's O_PATH fd.
 */
#define _GNU_SOURCE
#include "vmm/fuse/internal.h"
#include "cleanup.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/sysmacros.h>
#include <unistd.h>

int vfs_parent_for_write(struct vfs_req *r, uint64_t nodeid, struct vfs_inode **out)
{
	struct vfs_inode *in = vfs_inode_get(r->srv, nodeid);

	if (!in)
		return -ENOENT;
	if (!vfs_writable(in)) { /* the synthetic root and ro shares */
		vfs_inode_put(r->srv, in);
		return -EROFS;
	}
	if (in->type != S_IFDIR) {
		vfs_inode_put(r->srv, in);
		return -ENOTDIR;
	}
	*out = in;
	return 0;
}

/*
 * The server runs as root and creates everything as root; this gives a new name (called with
 * srv->ns_lock held, so no guest rename can swap it meanwhile) the caller's uid and gid (the
 * parent's gid in a set-group-id directory, as the kernel would) and the exact mode asked for
 * (our umask and chown's clearing of set-id bits undone), then looks it up. `mode` 0: a
 * symlink or hard link, whose mode is not ours to set.
 */
int vfs_new_entry(struct vfs_req *r, struct vfs_inode *parent, const char *name, mode_t mode,
		  struct fuse_entry_out *eo)
{
	int fd = vfs_open_beneath(parent->fd, name);
	struct stat pst, st;
	gid_t gid = r->h.gid;
	char proc[16];
	int rc;

	if (fd < 0)
		return fd;
	if (fstat(parent->fd, &pst) == 0 && (pst.st_mode & S_ISGID))
		gid = (gid_t)-1;
	if (fchownat(fd, "", r->h.uid, gid, AT_EMPTY_PATH | AT_SYMLINK_NOFOLLOW) < 0)
		goto fail;
	if (mode && fstat(fd, &st) == 0 && (st.st_mode & 07777) != (mode & 07777) &&
	    !S_ISLNK(st.st_mode)) {
		snprintf(proc, sizeof(proc), "%d", fd);
		if (fchmodat(r->srv->proc_fd, proc, mode & 07777, 0) < 0)
			goto fail;
	}
	return vfs_entry_from_fd(r->srv, parent->share, fd, eo);
fail:
	rc = -errno;
	close(fd);
	return rc;
}

/* Replies with a new entry; if it cannot be sent, the guest never saw it: undo its lookup. */
static int reply_entry(struct vfs_req *r, int rc, const struct fuse_entry_out *eo)
{
	if (rc < 0)
		return rc;
	rc = vfs_reply(r, eo, sizeof(*eo));
	if (rc < 0)
		vfs_inode_forget(r->srv, eo->nodeid, 1);
	return rc;
}

int vfs_op_mkdir(struct vfs_req *r)
{
	struct fuse_mkdir_in mi;
	struct fuse_entry_out eo;
	struct vfs_inode *parent;
	const char *name;
	int rc;

	if (vfs_req_get(r, &mi, sizeof(mi)) < 0 || vfs_req_name(r, &name) < 0)
		return -EINVAL;
	if (vfs_name_is_dot(name))
		return -EEXIST;
	rc = vfs_parent_for_write(r, r->h.nodeid, &parent);
	if (rc < 0)
		return rc;
	pthread_mutex_lock(&r->srv->ns_lock);
	if (mkdirat(parent->fd, name, mi.mode & 07777) < 0)
		rc = -errno;
	else
		rc = vfs_new_entry(r, parent, name, S_IFDIR | (mi.mode & 07777), &eo);
	pthread_mutex_unlock(&r->srv->ns_lock);
	vfs_inode_put(r->srv, parent);
	return reply_entry(r, rc, &eo);
}

int vfs_op_mknod(struct vfs_req *r)
{
	struct fuse_mknod_in mi;
	struct fuse_entry_out eo;
	struct vfs_inode *parent;
	const char *name;
	dev_t dev;
	int rc;

	if (vfs_req_get(r, &mi, sizeof(mi)) < 0 || vfs_req_name(r, &name) < 0)
		return -EINVAL;
	if (vfs_name_is_dot(name))
		return -EEXIST;
	switch (mi.mode & S_IFMT) {
	case S_IFREG:
	case S_IFCHR:
	case S_IFBLK:
	case S_IFIFO:
	case S_IFSOCK:
		break;
	default:
		return -EINVAL;
	}
	/* the kernel's new_encode_dev() layout */
	dev = makedev((mi.rdev & 0xfff00) >> 8, (mi.rdev & 0xff) | ((mi.rdev >> 12) & 0xfff00));
	rc = vfs_parent_for_write(r, r->h.nodeid, &parent);
	if (rc < 0)
		return rc;
	pthread_mutex_lock(&r->srv->ns_lock);
	if (mknodat(parent->fd, name, mi.mode & (S_IFMT | 07777), dev) < 0)
		rc = -errno;
	else
		rc = vfs_new_entry(r, parent, name, mi.mode, &eo);
	pthread_mutex_unlock(&r->srv->ns_lock);
	vfs_inode_put(r->srv, parent);
	return reply_entry(r, rc, &eo);
}

int vfs_op_symlink(struct vfs_req *r)
{
	struct fuse_entry_out eo;
	struct vfs_inode *parent;
	const char *name, *target;
	int rc;

	/* FUSE sends the new name first, then the link text (which may hold any path). */
	if (vfs_req_name(r, &name) < 0 || vfs_req_string(r, PATH_MAX - 1, &target) < 0 || !*target)
		return -EINVAL;
	if (vfs_name_is_dot(name))
		return -EEXIST;
	rc = vfs_parent_for_write(r, r->h.nodeid, &parent);
	if (rc < 0)
		return rc;
	pthread_mutex_lock(&r->srv->ns_lock);
	if (symlinkat(target, parent->fd, name) < 0)
		rc = -errno;
	else
		rc = vfs_new_entry(r, parent, name, 0, &eo);
	pthread_mutex_unlock(&r->srv->ns_lock);
	vfs_inode_put(r->srv, parent);
	return reply_entry(r, rc, &eo);
}

int vfs_op_link(struct vfs_req *r)
{
	struct fuse_link_in li;
	struct fuse_entry_out eo;
	struct vfs_inode *parent, *old;
	const char *name;
	int rc;

	if (vfs_req_get(r, &li, sizeof(li)) < 0 || vfs_req_name(r, &name) < 0)
		return -EINVAL;
	if (vfs_name_is_dot(name))
		return -EEXIST;
	rc = vfs_parent_for_write(r, r->h.nodeid, &parent);
	if (rc < 0)
		return rc;
	old = vfs_inode_get(r->srv, li.oldnodeid);
	if (!old)
		rc = -ENOENT;
	else if (old->share != parent->share)
		rc = -EXDEV;
	else if (old->type == S_IFDIR)
		rc = -EPERM;
	if (rc == 0) {
		pthread_mutex_lock(&r->srv->ns_lock);
		/* AT_EMPTY_PATH: link the very object we hold, whatever its name is now. */
		if (linkat(old->fd, "", parent->fd, name, AT_EMPTY_PATH) < 0)
			rc = -errno;
		else
			rc = vfs_entry_from_fd(r->srv, parent->share,
					       vfs_open_beneath(parent->fd, name), &eo);
		pthread_mutex_unlock(&r->srv->ns_lock);
	}
	vfs_inode_put(r->srv, old);
	vfs_inode_put(r->srv, parent);
	return reply_entry(r, rc, &eo);
}

static int remove_name(struct vfs_req *r, int flags)
{
	struct vfs_inode *parent;
	const char *name;
	int rc;

	if (vfs_req_name(r, &name) < 0 || vfs_name_is_dot(name))
		return -EINVAL;
	rc = vfs_parent_for_write(r, r->h.nodeid, &parent);
	if (rc < 0)
		return rc;
	pthread_mutex_lock(&r->srv->ns_lock);
	if (unlinkat(parent->fd, name, flags) < 0)
		rc = -errno;
	pthread_mutex_unlock(&r->srv->ns_lock);
	vfs_inode_put(r->srv, parent);
	return rc;
}

int vfs_op_unlink(struct vfs_req *r)
{
	return remove_name(r, 0);
}

int vfs_op_rmdir(struct vfs_req *r)
{
	return remove_name(r, AT_REMOVEDIR);
}

static int do_rename(struct vfs_req *r, uint64_t newdir, unsigned flags)
{
	struct vfs_inode *from, *to;
	const char *oldname, *newname;
	int rc;

	if (flags & ~(RENAME_NOREPLACE | RENAME_EXCHANGE | RENAME_WHITEOUT))
		return -EINVAL;
	if (vfs_req_name(r, &oldname) < 0 || vfs_req_name(r, &newname) < 0 ||
	    vfs_name_is_dot(oldname) || vfs_name_is_dot(newname))
		return -EINVAL;
	rc = vfs_parent_for_write(r, r->h.nodeid, &from);
	if (rc < 0)
		return rc;
	rc = vfs_parent_for_write(r, newdir, &to);
	if (rc < 0) {
		vfs_inode_put(r->srv, from);
		return rc;
	}
	if (from->share != to->share) {
		rc = -EXDEV;
	} else {
		pthread_mutex_lock(&r->srv->ns_lock);
		if (renameat2(from->fd, oldname, to->fd, newname, flags) < 0)
			rc = -errno;
		pthread_mutex_unlock(&r->srv->ns_lock);
	}
	vfs_inode_put(r->srv, to);
	vfs_inode_put(r->srv, from);
	return rc;
}

int vfs_op_rename(struct vfs_req *r)
{
	struct fuse_rename_in ri;

	if (vfs_req_get(r, &ri, sizeof(ri)) < 0)
		return -EINVAL;
	return do_rename(r, ri.newdir, 0);
}

int vfs_op_rename2(struct vfs_req *r)
{
	struct fuse_rename2_in ri;

	if (vfs_req_get(r, &ri, sizeof(ri)) < 0)
		return -EINVAL;
	return do_rename(r, ri.newdir, ri.flags);
}

int vfs_op_opendir(struct vfs_req *r)
{
	struct fuse_open_in oi;
	struct fuse_open_out oo = {0};
	struct vfs_inode *in;
	int fd = -1, rc = 0;

	if (vfs_req_get(r, &oi, sizeof(oi)) < 0)
		return -EINVAL;
	in = vfs_inode_get(r->srv, r->h.nodeid);
	if (!in)
		return -ENOENT;
	if (in->type != S_IFDIR) {
		rc = -ENOTDIR;
	} else if (in != &r->srv->root) { /* the synthetic root is listed from the share table */
		fd = vfs_reopen(r->srv, in, O_RDONLY | O_DIRECTORY);
		rc = fd < 0 ? fd : 0;
	}
	if (rc < 0) {
		vfs_inode_put(r->srv, in);
		return rc;
	}
	if (vfs_keep_cache(r->srv, in))
		oo.open_flags = FOPEN_CACHE_DIR;
	rc = vfs_handle_new(r->srv, in, fd, &oo.fh);
	vfs_inode_put(r->srv, in); /* the handle holds its own reference */
	if (rc < 0)
		return rc;
	rc = vfs_reply(r, &oo, sizeof(oo));
	if (rc < 0)
		vfs_handle_release(r->srv, oo.fh);
	return rc;
}
