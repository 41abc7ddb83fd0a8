// SPDX-License-Identifier: Apache-2.0
/*
 * Open files: OPEN, CREATE, READ, WRITE, FLUSH, FSYNC(DIR), RELEASE(DIR), FALLOCATE, LSEEK.
 * READ goes straight into the transport's reply buffers (preadv), with no bounce copy.
 */
#define _GNU_SOURCE
#include "vmm/fuse/internal.h"
#include "cleanup.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/xattr.h>
#include <unistd.h>

/* open(2) flags a guest may pass on; O_CREAT/O_EXCL/O_NOFOLLOW/O_PATH etc. are ours to set. */
#define VFS_OPEN_FLAGS                                                                             \
	(O_ACCMODE | O_APPEND | O_TRUNC | O_NONBLOCK | O_DIRECT | O_SYNC | O_DSYNC | O_NOATIME |   \
	 O_LARGEFILE)
#define READ_IOV 64

/*
 * FUSE_HANDLE_KILLPRIV_V2: a write, truncate or O_TRUNC open by a guest caller without
 * CAP_FSETID must drop set-user-id, set-group-id (when group-executable) and file
 * capabilities, as the VFS would; the host kernel does not, since we act with CAP_FSETID.
 * Negotiating it spares the guest a GETXATTR(security.capability) round trip per write.
 */
int vfs_kill_suidgid(int fd)
{
	struct stat st;
	mode_t mode;

	if (fstat(fd, &st) < 0)
		return -errno;
	mode = st.st_mode & 07777 & ~(mode_t)S_ISUID;
	if ((st.st_mode & (S_ISGID | S_IXGRP)) == (S_ISGID | S_IXGRP))
		mode &= ~(mode_t)S_ISGID;
	if (mode != (st.st_mode & 07777) && fchmod(fd, mode) < 0)
		return -errno;
	if (fremovexattr(fd, "security.capability") < 0 && errno != ENODATA && errno != ENOTSUP)
		return -errno;
	return 0;
}

static int open_flags(uint32_t guest, bool writable, int *flags)
{
	*flags = (int)(guest & VFS_OPEN_FLAGS);
	if ((*flags & O_ACCMODE) == O_ACCMODE)
		return -EINVAL;
	if (!writable && ((*flags & O_ACCMODE) != O_RDONLY || (*flags & O_TRUNC)))
		return -EROFS;
	return 0;
}

/* Wraps `fd` (consumed) in a handle of `in` and replies; `entry`: CREATE's entry first. */
static int reply_open(struct vfs_req *r, struct vfs_inode *in, int fd,
		      const struct fuse_entry_out *entry)
{
	/* NOFLUSH: FLUSH does nothing here (no locks, nothing buffered); spare its round trip */
	struct fuse_open_out oo = {
		.open_flags = FOPEN_NOFLUSH | (vfs_keep_cache(r->srv, in) ? FOPEN_KEEP_CACHE : 0)};
	int rc = vfs_handle_new(r->srv, in, fd, &oo.fh);

	if (rc < 0)
		return rc;
	if (entry)
		rc = vfs_reply(r, entry, sizeof(*entry));
	if (rc == 0)
		rc = vfs_reply(r, &oo, sizeof(oo));
	if (rc < 0)
		vfs_handle_release(r->srv, oo.fh);
	return rc;
}

int vfs_op_open(struct vfs_req *r)
{
	struct fuse_open_in oi;
	struct vfs_inode *in;
	int flags, fd = -1, rc;

	if (vfs_req_get(r, &oi, sizeof(oi)) < 0)
		return -EINVAL;
	in = vfs_inode_get(r->srv, r->h.nodeid);
	if (!in)
		return -ENOENT;
	rc = open_flags(oi.flags, vfs_writable(in), &flags);
	if (rc == 0 && in->type == S_IFDIR)
		rc = -EISDIR;
	else if (rc == 0 && in->type != S_IFREG) /* devices are the guest kernel's business */
		rc = -EACCES;
	if (rc == 0) {
		fd = vfs_reopen(r->srv, in, flags);
		rc = fd < 0 ? fd : 0;
	}
	if (rc == 0 && (oi.open_flags & FUSE_OPEN_KILL_SUIDGID) && (flags & O_TRUNC))
		rc = vfs_kill_suidgid(fd);
	if (rc == 0)
		rc = reply_open(r, in, fd, NULL);
	else if (fd >= 0)
		close(fd);
	vfs_inode_put(r->srv, in);
	return rc;
}

/* Creates (or, without O_EXCL, opens) `name` in `parent`; ns_lock held. Returns an fd. */
static int create_file(struct vfs_req *r, struct vfs_inode *parent, const char *name,
		       const struct fuse_create_in *ci, int flags, struct fuse_entry_out *eo)
{
	int fd = openat(parent->fd, name, flags | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
			ci->mode & 07777);
	int rc;

	if (fd >= 0) {
		rc = vfs_new_entry(r, parent, name, S_IFREG | (ci->mode & 07777), eo);
	} else if (errno == EEXIST && !(ci->flags & O_EXCL)) {
		fd = openat(parent->fd, name, flags | O_NOFOLLOW | O_CLOEXEC);
		if (fd < 0)
			return -errno;
		rc = vfs_entry_from_fd(r->srv, parent->share, vfs_open_beneath(parent->fd, name),
				       eo);
	} else {
		return -errno;
	}
	if (rc < 0) {
		close(fd);
		return rc;
	}
	return fd;
}

int vfs_op_create(struct vfs_req *r)
{
	struct fuse_create_in ci;
	struct fuse_entry_out eo;
	struct vfs_inode *parent, *in;
	const char *name;
	int flags, fd, rc;

	if (vfs_req_get(r, &ci, sizeof(ci)) < 0 || vfs_req_name(r, &name) < 0)
		return -EINVAL;
	if (vfs_name_is_dot(name))
		return -EISDIR;
	rc = vfs_parent_for_write(r, r->h.nodeid, &parent);
	if (rc < 0)
		return rc;
	rc = open_flags(ci.flags, true, &flags);
	if (rc == 0) {
		pthread_mutex_lock(&r->srv->ns_lock);
		fd = create_file(r, parent, name, &ci, flags, &eo);
		pthread_mutex_unlock(&r->srv->ns_lock);
		rc = fd < 0 ? fd : 0;
	}
	vfs_inode_put(r->srv, parent);
	if (rc < 0)
		return rc;
	in = vfs_inode_get(r->srv, eo.nodeid);
	if (!in) { /* forgotten already: a guest racing itself */
		close(fd);
		return -ENOENT;
	}
	rc = reply_open(r, in, fd, &eo);
	vfs_inode_put(r->srv, in);
	if (rc < 0)
		vfs_inode_forget(r->srv, eo.nodeid, 1);
	return rc;
}

static int valid_range(uint64_t off, uint64_t len)
{
	return off <= INT64_MAX && len <= INT64_MAX - off ? 0 : -EINVAL;
}

static int read_into_reply(struct vfs_req *r, int fd, uint64_t off, size_t size)
{
	while (size) {
		struct iovec iov[READ_IOV];
		int cnt, rc = vfs_reply_iov(r, size, iov, READ_IOV, &cnt);
		ssize_t n;

		if (rc < 0)
			return rc;
		n = preadv(fd, iov, cnt, (off_t)off);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return r->out_len ? 0 : -errno; /* what we have is a short read */
		if (n == 0)
			break;
		vfs_reply_commit(r, (size_t)n);
		off += (uint64_t)n;
		size -= (size_t)n;
	}
	return 0;
}

int vfs_op_read(struct vfs_req *r)
{
	struct fuse_read_in ri;
	struct vfs_handle *h;
	size_t size;
	int rc;

	if (vfs_req_get(r, &ri, sizeof(ri)) < 0 || valid_range(ri.offset, ri.size) < 0)
		return -EINVAL;
	h = vfs_handle_get(r->srv, ri.fh, r->h.nodeid);
	if (!h)
		return -EBADF;
	size = ri.size < VFS_MAX_WRITE ? ri.size : VFS_MAX_WRITE;
	if (size > vfs_reply_room(r))
		size = vfs_reply_room(r);
	rc = h->fd < 0 ? -EISDIR : read_into_reply(r, h->fd, ri.offset, size);
	vfs_handle_put(r->srv, h);
	return rc;
}

int vfs_op_write(struct vfs_req *r)
{
	struct fuse_write_in wi;
	struct fuse_write_out wo = {0};
	struct vfs_handle *h;
	const uint8_t *data;
	size_t have;
	int rc = 0;

	if (vfs_req_get(r, &wi, sizeof(wi)) < 0 || valid_range(wi.offset, wi.size) < 0)
		return -EINVAL;
	have = vfs_req_rest(r, &data);
	if (wi.size > have || wi.size > VFS_MAX_WRITE)
		return -EINVAL;
	h = vfs_handle_get(r->srv, wi.fh, r->h.nodeid);
	if (!h)
		return -EBADF;
	if (!vfs_writable(h->inode))
		rc = -EROFS;
	else if (wi.write_flags & FUSE_WRITE_KILL_SUIDGID)
		rc = vfs_kill_suidgid(h->fd);
	while (rc == 0 && wo.size < wi.size) {
		ssize_t n = pwrite(h->fd, data + wo.size, wi.size - wo.size,
				   (off_t)(wi.offset + wo.size));

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			if (!wo.size)
				rc = n < 0 ? -errno : -EIO;
			break;
		}
		wo.size += (uint32_t)n;
	}
	vfs_handle_put(r->srv, h);
	return rc < 0 ? rc : vfs_reply(r, &wo, sizeof(wo));
}

int vfs_op_release(struct vfs_req *r)
{
	struct fuse_release_in ri;
	struct vfs_handle *h;

	if (vfs_req_get(r, &ri, sizeof(ri)) < 0)
		return -EINVAL;
	h = vfs_handle_get(r->srv, ri.fh, r->h.nodeid);
	if (!h)
		return -EBADF;
	vfs_handle_put(r->srv, h);
	return vfs_handle_release(r->srv, ri.fh);
}

/* Close-time flush: nothing is buffered here (POSIX locks stay in the guest kernel). */
int vfs_op_flush(struct vfs_req *r)
{
	struct fuse_flush_in fi;
	struct vfs_handle *h;

	if (vfs_req_get(r, &fi, sizeof(fi)) < 0)
		return -EINVAL;
	h = vfs_handle_get(r->srv, fi.fh, r->h.nodeid);
	if (!h)
		return -EBADF;
	vfs_handle_put(r->srv, h);
	return 0;
}

int vfs_op_fsync(struct vfs_req *r)
{
	struct fuse_fsync_in fi;
	struct vfs_handle *h;
	int rc = 0;

	if (vfs_req_get(r, &fi, sizeof(fi)) < 0)
		return -EINVAL;
	h = vfs_handle_get(r->srv, fi.fh, r->h.nodeid);
	if (!h)
		return -EBADF;
	if (h->fd >= 0 &&
	    ((fi.fsync_flags & FUSE_FSYNC_FDATASYNC) ? fdatasync(h->fd) : fsync(h->fd)))
		rc = -errno;
	vfs_handle_put(r->srv, h);
	return rc;
}

int vfs_op_fallocate(struct vfs_req *r)
{
	struct fuse_fallocate_in fi;
	struct vfs_handle *h;
	int rc = 0;

	if (vfs_req_get(r, &fi, sizeof(fi)) < 0 || valid_range(fi.offset, fi.length) < 0)
		return -EINVAL;
	h = vfs_handle_get(r->srv, fi.fh, r->h.nodeid);
	if (!h)
		return -EBADF;
	if (!vfs_writable(h->inode))
		rc = -EROFS;
	else if (fallocate(h->fd, (int)fi.mode, (off_t)fi.offset, (off_t)fi.length) < 0)
		rc = -errno;
	vfs_handle_put(r->srv, h);
	return rc;
}

int vfs_op_lseek(struct vfs_req *r)
{
	struct fuse_lseek_in li;
	struct fuse_lseek_out lo;
	struct vfs_handle *h;
	off_t pos;

	if (vfs_req_get(r, &li, sizeof(li)) < 0 || li.offset > INT64_MAX)
		return -EINVAL;
	if (li.whence != SEEK_DATA && li.whence != SEEK_HOLE)
		return -EINVAL; /* the kernel does SET/CUR/END itself */
	h = vfs_handle_get(r->srv, li.fh, r->h.nodeid);
	if (!h)
		return -EBADF;
	/* lseek moves the shared offset, which no other operation here uses (all p*()). */
	pos = lseek(h->fd, (off_t)li.offset, (int)li.whence);
	vfs_handle_put(r->srv, h);
	if (pos < 0)
		return -errno;
	lo.offset = (uint64_t)pos;
	return vfs_reply(r, &lo, sizeof(lo));
}
