// SPDX-License-Identifier: Apache-2.0
/*
 * Name lookup and attributes: LOOKUP, FORGET, BATCH_FORGET, GETATTR, SETATTR, STATFS,
 * READLINK, ACCESS. Every lookup is one path component resolved relative to the parent's
 * O_PATH fd without following symlinks, so nothing outside a share is ever reached.
 */
#define _GNU_SOURCE
#include "vmm/fuse/internal.h"
#include "cleanup.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <stdio.h>
#include <string.h>
#include <sys/statfs.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <unistd.h>

/* Longest symlink we let the guest stat or the server read back. */
#define VFS_LINK_MAX PATH_MAX

bool vfs_writable(const struct vfs_inode *in)
{
	return in->share && !in->share->readonly;
}

bool vfs_keep_cache(const struct vfs_server *srv, const struct vfs_inode *in)
{
	return srv->opts.keep_cache || (in->share && in->share->keep_cache);
}

void vfs_fill_attr(struct vfs_server *srv, const struct stat *st, struct fuse_attr *a)
{
	unsigned maj = major(st->st_rdev), min = minor(st->st_rdev);

	(void)srv;
	*a = (struct fuse_attr){
		.ino = st->st_ino,
		.size = (uint64_t)st->st_size,
		.blocks = (uint64_t)st->st_blocks,
		.atime = (uint64_t)st->st_atim.tv_sec,
		.mtime = (uint64_t)st->st_mtim.tv_sec,
		.ctime = (uint64_t)st->st_ctim.tv_sec,
		.atimensec = (uint32_t)st->st_atim.tv_nsec,
		.mtimensec = (uint32_t)st->st_mtim.tv_nsec,
		.ctimensec = (uint32_t)st->st_ctim.tv_nsec,
		.mode = st->st_mode,
		.nlink = (uint32_t)st->st_nlink,
		.uid = st->st_uid,
		.gid = st->st_gid,
		/* the kernel's new_decode_dev() layout */
		.rdev = (min & 0xff) | (maj << 8) | ((min & ~0xffu) << 12),
		.blksize = (uint32_t)st->st_blksize,
	};
}

int vfs_stat_inode(struct vfs_server *srv, struct vfs_inode *in, struct stat *st)
{
	if (in == &srv->root) {
		/* The synthetic root: a read-only directory owned by root. */
		*st = (struct stat){.st_ino = FUSE_ROOT_ID,
				    .st_mode = S_IFDIR | 0755,
				    .st_nlink = 2,
				    .st_blksize = 4096,
				    .st_atim = srv->created,
				    .st_mtim = srv->created,
				    .st_ctim = srv->created};
		return 0;
	}
	if (fstatat(in->fd, "", st, AT_EMPTY_PATH | AT_SYMLINK_NOFOLLOW) < 0)
		return -errno;
	return 0;
}

static void fill_entry(struct vfs_server *srv, struct vfs_inode *in, const struct stat *st,
		       struct fuse_entry_out *eo)
{
	*eo = (struct fuse_entry_out){.nodeid = in->nodeid,
				      .entry_valid = srv->opts.cache_secs,
				      .attr_valid = srv->opts.cache_secs};
	vfs_fill_attr(srv, st, &eo->attr);
}

/* One component, no symlink followed, never above `dirfd` (openat2 where the kernel has it). */
int vfs_open_beneath(int dirfd, const char *name)
{
	struct open_how how = {.flags = O_PATH | O_NOFOLLOW | O_CLOEXEC,
			       .resolve = RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS};
	int fd = (int)syscall(SYS_openat2, dirfd, name, &how, sizeof(how));

	if (fd < 0 && errno == ENOSYS) /* pre-5.6: same effect for a '/'-free name */
		fd = openat(dirfd, name, O_PATH | O_NOFOLLOW | O_CLOEXEC);
	return fd < 0 ? -errno : fd;
}

static int dup_fd(int fd)
{
	int r = fcntl(fd, F_DUPFD_CLOEXEC, 0);

	return r < 0 ? -errno : r;
}

static bool same_object(const struct stat *a, dev_t dev, ino_t ino)
{
	return a->st_dev == dev && a->st_ino == ino;
}

/*
 * The parent of a directory that is not its share's root, if that parent is still inside the
 * share (a host process may have moved the directory out since the guest looked it up).
 */
static int open_parent_in_share(const struct vfs_inode *dir)
{
	cleanup_close int parent = openat(dir->fd, "..", O_PATH | O_DIRECTORY | O_CLOEXEC);
	int cur;

	if (parent < 0)
		return -errno;
	cur = fcntl(parent, F_DUPFD_CLOEXEC, 0);
	for (int depth = 0; cur >= 0 && depth < 4096; depth++) {
		struct stat st, up_st;
		int up;

		if (fstat(cur, &st) < 0)
			break;
		if (same_object(&st, dir->share->dev, dir->share->ino)) {
			close(cur);
			return steal_fd(&parent);
		}
		up = openat(cur, "..", O_PATH | O_DIRECTORY | O_CLOEXEC);
		if (up < 0 || fstat(up, &up_st) < 0 || same_object(&up_st, st.st_dev, st.st_ino)) {
			if (up >= 0)
				close(up);
			break; /* reached the host's root without meeting the share's */
		}
		close(cur);
		cur = up;
	}
	if (cur >= 0)
		close(cur);
	return -EACCES;
}

static int lookup_in_root(struct vfs_server *srv, const char *name, struct fuse_entry_out *eo)
{
	struct vfs_share *share;
	struct stat st;
	int fd;

	if (vfs_name_is_dot(name)) {
		vfs_stat_inode(srv, &srv->root, &st);
		fill_entry(srv, &srv->root, &st, eo);
		return 0;
	}
	share = vfs_share_find(srv, name);
	if (!share)
		return -ENOENT;
	fd = dup_fd(share->fd);
	if (fd < 0)
		return fd;
	return vfs_entry_from_fd(srv, share, fd, eo);
}

/* Makes `fd` (consumed) a guest-visible inode of `share` with one lookup counted. */
int vfs_entry_from_fd(struct vfs_server *srv, struct vfs_share *share, int fd,
		      struct fuse_entry_out *eo)
{
	struct vfs_inode *in;
	struct stat st;
	int rc;

	if (fd < 0)
		return fd;
	if (fstatat(fd, "", &st, AT_EMPTY_PATH | AT_SYMLINK_NOFOLLOW) < 0) {
		rc = -errno;
		close(fd);
		return rc;
	}
	rc = vfs_inode_insert(srv, share, fd, &st, &in);
	if (rc < 0)
		return rc;
	fill_entry(srv, in, &st, eo);
	vfs_inode_put(srv, in);
	return 0;
}

/*
 * Looks `name` up in `dir` and counts one guest lookup on the result. "." is `dir`, ".." of a
 * share root is that root (as "/.." is "/"); "." and ".." of the synthetic root are the root.
 */
int vfs_lookup(struct vfs_server *srv, struct vfs_inode *dir, const char *name,
	       struct fuse_entry_out *eo)
{
	int fd;

	if (dir == &srv->root)
		return lookup_in_root(srv, name, eo);
	if (dir->type != S_IFDIR)
		return -ENOTDIR;
	if (!strcmp(name, ".") || (!strcmp(name, "..") && dir->share_root))
		fd = dup_fd(dir->fd);
	else if (!strcmp(name, ".."))
		fd = open_parent_in_share(dir);
	else
		fd = vfs_open_beneath(dir->fd, name);
	if (fd < 0)
		return fd;
	return vfs_entry_from_fd(srv, dir->share, fd, eo);
}

int vfs_op_lookup(struct vfs_req *r)
{
	struct vfs_inode *dir;
	struct fuse_entry_out eo;
	const char *name;
	int rc = vfs_req_name(r, &name);

	if (rc < 0)
		return rc;
	dir = vfs_inode_get(r->srv, r->h.nodeid);
	if (!dir)
		return -ENOENT;
	rc = vfs_lookup(r->srv, dir, name, &eo);
	vfs_inode_put(r->srv, dir);
	if (rc == -ENOENT && r->srv->opts.cache_secs && r->h.nodeid != FUSE_ROOT_ID) {
		/*
		 * Node id 0: a negative entry the guest may cache (ld.so and imports probe a lot).
		 * Not in the synthetic root, where shares appear at run time.
		 */
		eo = (struct fuse_entry_out){.entry_valid = r->srv->opts.cache_secs};
		return vfs_reply(r, &eo, sizeof(eo));
	}
	if (rc < 0)
		return rc;
	rc = vfs_reply(r, &eo, sizeof(eo));
	if (rc < 0) /* the guest will never forget what it never saw */
		vfs_inode_forget(r->srv, eo.nodeid, 1);
	return rc;
}

int vfs_op_forget(struct vfs_req *r)
{
	struct fuse_forget_in in;

	if (vfs_req_get(r, &in, sizeof(in)) == 0)
		vfs_inode_forget(r->srv, r->h.nodeid, in.nlookup);
	return VFS_NO_REPLY;
}

int vfs_op_batch_forget(struct vfs_req *r)
{
	struct fuse_batch_forget_in in;
	struct fuse_forget_one one;

	if (vfs_req_get(r, &in, sizeof(in)) < 0)
		return VFS_NO_REPLY;
	/* `count` is the guest's word; the request's length bounds what we read. */
	for (uint32_t i = 0; i < in.count && vfs_req_get(r, &one, sizeof(one)) == 0; i++)
		vfs_inode_forget(r->srv, one.nodeid, one.nlookup);
	return VFS_NO_REPLY;
}

static int reply_attr(struct vfs_req *r, struct vfs_inode *in)
{
	struct fuse_attr_out ao = {.attr_valid = r->srv->opts.cache_secs};
	struct stat st;
	int rc = vfs_stat_inode(r->srv, in, &st);

	if (rc < 0)
		return rc;
	vfs_fill_attr(r->srv, &st, &ao.attr);
	return vfs_reply(r, &ao, sizeof(ao));
}

int vfs_op_getattr(struct vfs_req *r)
{
	struct fuse_getattr_in gi;
	struct vfs_inode *in;
	int rc;

	if (vfs_req_get(r, &gi, sizeof(gi)) < 0)
		return -EINVAL;
	in = vfs_inode_get(r->srv, r->h.nodeid);
	if (!in)
		return -ENOENT;
	rc = reply_attr(r, in);
	vfs_inode_put(r->srv, in);
	return rc;
}

static int set_size(struct vfs_server *srv, struct vfs_inode *in, const struct fuse_setattr_in *sa)
{
	struct vfs_handle *h = NULL;
	int fd, rc = 0;

	if (in->type == S_IFDIR)
		return -EISDIR;
	if (in->type != S_IFREG)
		return -EINVAL;
	if (sa->size > INT64_MAX)
		return -EFBIG;
	if (sa->valid & FATTR_FH)
		h = vfs_handle_get(srv, sa->fh, in->nodeid);
	fd = h ? h->fd : vfs_reopen(srv, in, O_WRONLY);
	if (fd < 0)
		return fd;
	if (sa->valid & FATTR_KILL_SUIDGID)
		rc = vfs_kill_suidgid(fd);
	if (rc == 0 && ftruncate(fd, (off_t)sa->size) < 0)
		rc = -errno;
	if (h)
		vfs_handle_put(srv, h);
	else
		close(fd);
	return rc;
}

static int set_times(struct vfs_inode *in, const struct fuse_setattr_in *sa)
{
	struct timespec ts[2] = {{.tv_nsec = UTIME_OMIT}, {.tv_nsec = UTIME_OMIT}};

	if (sa->atimensec >= 1000000000u || sa->mtimensec >= 1000000000u)
		return -EINVAL;
	if (sa->valid & FATTR_ATIME_NOW)
		ts[0].tv_nsec = UTIME_NOW;
	else if (sa->valid & FATTR_ATIME)
		ts[0] = (struct timespec){(time_t)sa->atime, sa->atimensec};
	if (sa->valid & FATTR_MTIME_NOW)
		ts[1].tv_nsec = UTIME_NOW;
	else if (sa->valid & FATTR_MTIME)
		ts[1] = (struct timespec){(time_t)sa->mtime, sa->mtimensec};
	/* On the O_PATH fd itself: works for symlinks too (lutimes), follows nothing. */
	if (utimensat(in->fd, "", ts, AT_EMPTY_PATH | AT_SYMLINK_NOFOLLOW) < 0)
		return -errno;
	return 0;
}

/* Owner first: chown clears set-id bits, which an explicit mode in the same call restores. */
static int setattr_apply(struct vfs_server *srv, struct vfs_inode *in,
			 const struct fuse_setattr_in *sa)
{
	char name[16];
	int rc;

	if (sa->valid & (FATTR_UID | FATTR_GID)) {
		uid_t uid = sa->valid & FATTR_UID ? sa->uid : (uid_t)-1;
		gid_t gid = sa->valid & FATTR_GID ? sa->gid : (gid_t)-1;

		if (fchownat(in->fd, "", uid, gid, AT_EMPTY_PATH | AT_SYMLINK_NOFOLLOW) < 0)
			return -errno;
	}
	if (sa->valid & FATTR_MODE) {
		if (in->type == S_IFLNK)
			return -EOPNOTSUPP;
		snprintf(name, sizeof(name), "%d", in->fd);
		if (fchmodat(srv->proc_fd, name, sa->mode & 07777, 0) < 0)
			return -errno;
	}
	if (sa->valid & FATTR_SIZE) {
		rc = set_size(srv, in, sa);
		if (rc < 0)
			return rc;
	}
	if (sa->valid & (FATTR_ATIME | FATTR_MTIME | FATTR_ATIME_NOW | FATTR_MTIME_NOW))
		return set_times(in, sa);
	return 0;
}

int vfs_op_setattr(struct vfs_req *r)
{
	struct fuse_setattr_in sa;
	struct vfs_inode *in;
	int rc;

	if (vfs_req_get(r, &sa, sizeof(sa)) < 0)
		return -EINVAL;
	in = vfs_inode_get(r->srv, r->h.nodeid);
	if (!in)
		return -ENOENT;
	rc = vfs_writable(in) ? setattr_apply(r->srv, in, &sa) : -EROFS;
	if (rc == 0)
		rc = reply_attr(r, in);
	vfs_inode_put(r->srv, in);
	return rc;
}

int vfs_op_statfs(struct vfs_req *r)
{
	struct fuse_statfs_out so = {0};
	struct vfs_inode *in = vfs_inode_get(r->srv, r->h.nodeid);
	struct statfs sf;
	int rc = 0;

	if (!in)
		return -ENOENT;
	if (in == &r->srv->root) {
		so.st = (struct fuse_kstatfs){.bsize = 4096, .frsize = 4096, .namelen = NAME_MAX};
	} else if (fstatfs(in->fd, &sf) < 0) {
		rc = -errno;
	} else {
		so.st = (struct fuse_kstatfs){.blocks = sf.f_blocks,
					      .bfree = sf.f_bfree,
					      .bavail = sf.f_bavail,
					      .files = sf.f_files,
					      .ffree = sf.f_ffree,
					      .bsize = (uint32_t)sf.f_bsize,
					      .namelen = (uint32_t)sf.f_namelen,
					      .frsize = (uint32_t)sf.f_frsize};
	}
	vfs_inode_put(r->srv, in);
	return rc ? rc : vfs_reply(r, &so, sizeof(so));
}

int vfs_op_readlink(struct vfs_req *r)
{
	struct vfs_inode *in = vfs_inode_get(r->srv, r->h.nodeid);
	char buf[VFS_LINK_MAX];
	ssize_t n = -EINVAL;

	if (!in)
		return -ENOENT;
	if (in->type == S_IFLNK) {
		n = readlinkat(in->fd, "", buf, sizeof(buf));
		if (n < 0)
			n = -errno;
	}
	vfs_inode_put(r->srv, in);
	return n < 0 ? (int)n : vfs_reply(r, buf, (size_t)n);
}

/* Mode bits against the caller's uid/gid (only used without default_permissions). */
static int check_access(const struct stat *st, uint32_t mask, uid_t uid, gid_t gid)
{
	mode_t bits;

	if (uid == 0) {
		bool exec_ok = S_ISDIR(st->st_mode) || (st->st_mode & 0111);

		return (mask & X_OK) && !exec_ok ? -EACCES : 0;
	}
	if (st->st_uid == uid)
		bits = (st->st_mode >> 6) & 7;
	else if (st->st_gid == gid)
		bits = (st->st_mode >> 3) & 7;
	else
		bits = st->st_mode & 7;
	return (mask & 7 & ~bits) ? -EACCES : 0;
}

int vfs_op_access(struct vfs_req *r)
{
	struct fuse_access_in ai;
	struct vfs_inode *in;
	struct stat st;
	int rc;

	if (vfs_req_get(r, &ai, sizeof(ai)) < 0)
		return -EINVAL;
	in = vfs_inode_get(r->srv, r->h.nodeid);
	if (!in)
		return -ENOENT;
	rc = vfs_stat_inode(r->srv, in, &st);
	if (rc == 0 && (ai.mask & W_OK) && !vfs_writable(in))
		rc = -EROFS;
	if (rc == 0)
		rc = check_access(&st, ai.mask, r->h.uid, r->h.gid);
	vfs_inode_put(r->srv, in);
	return rc;
}
