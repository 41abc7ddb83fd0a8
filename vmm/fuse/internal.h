/* SPDX-License-Identifier: Apache-2.0 */
/* The FUSE server's internals, shared by its files only. See docs/virtio-fs.md. */
#ifndef VMM_FUSE_INTERNAL_H
#define VMM_FUSE_INTERNAL_H

#include <linux/fuse.h>
#include <limits.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/stat.h>
#include <sys/types.h>
#include "vmm/fuse/fuse.h"

/* We speak 7.31 (Linux 5.4) and newer; older clients get EPROTO at INIT. */
#define VFS_MIN_MINOR 31

struct vfs_share {
	char name[NAME_MAX + 1];
	bool readonly;
	bool keep_cache; /* VFS_SHARE_KEEP_CACHE */
	unsigned index;
	int fd; /* O_PATH of the shared directory or file */
	dev_t dev;
	ino_t ino;
	mode_t type; /* S_IFDIR or S_IFREG */
};

/*
 * One object the guest knows by a node id. Keyed by (share, st_dev, st_ino): each share is its
 * own inode namespace, so an inode always knows the share it belongs to (its confinement
 * boundary and read-only flag). Node ids are never reused, so a stale id finds nothing.
 */
struct vfs_inode {
	uint64_t nodeid;
	struct vfs_share *share; /* NULL for the synthetic root */
	dev_t dev;
	ino_t ino;
	int fd;	     /* O_PATH|O_NOFOLLOW; -1 for the synthetic root */
	mode_t type; /* S_IFMT bits: fixed for the life of an inode */
	bool share_root;
	uint64_t nlookup; /* the guest's references (FUSE FORGET counts these down) */
	unsigned refs;	  /* requests in flight and open handles */
	struct vfs_inode *next_id, *next_key;
};

/* An open file or directory (FUSE fh). */
struct vfs_handle {
	uint64_t fh;
	int fd;
	struct vfs_inode *inode; /* holds a ref */
	unsigned refs;		 /* the table's + requests using it (under srv->lock) */
	bool released;
	pthread_mutex_t lock; /* a directory's seek position + getdents */
	struct vfs_handle *next;
};

struct vfs_table {
	void **buckets;
	size_t nbuckets, count;
};

struct vfs_server {
	pthread_mutex_t lock;	 /* tables, shares, counters */
	pthread_mutex_t ns_lock; /* creates, renames, removals: see docs (uid handling) */
	int proc_fd;		 /* O_PATH of /proc/self/fd, to re-open O_PATH fds */
	struct vfs_opts opts;
	struct vfs_share *shares[VFS_MAX_SHARES];
	unsigned nr_shares;
	struct vfs_inode root;
	struct vfs_table by_id, by_key, handles;
	uint64_t next_nodeid, next_fh;
	atomic_bool initialized; /* read by every request, on any thread */
	uint32_t minor;
	uint64_t requests, errors;
	struct vfs_op_stat op_stats[VFS_OP_SLOTS]; /* under lock, like the two above */
	struct timespec created;		   /* the synthetic root's times */
};

/* One request being served: parsed from `arg`, reply written to `out` after the header. */
struct vfs_req {
	struct vfs_server *srv;
	struct fuse_in_header h;
	const uint8_t *arg;
	size_t arg_len, pos;
	const struct iovec *out;
	int out_cnt;
	size_t out_cap, out_len; /* out_len: payload bytes after fuse_out_header */
};

/* A handler's result: 0 = reply with the payload written, -errno = error reply, or: */
#define VFS_NO_REPLY 1

/* request.c: argument parsing and reply building. */
int vfs_req_get(struct vfs_req *r, void *dst, size_t len);
int vfs_req_name(struct vfs_req *r, const char **name);
int vfs_req_string(struct vfs_req *r, size_t max, const char **s);
size_t vfs_req_rest(struct vfs_req *r, const uint8_t **p);
int vfs_reply(struct vfs_req *r, const void *data, size_t len);
int vfs_reply_iov(struct vfs_req *r, size_t len, struct iovec *iov, int max_iov, int *cnt);
void vfs_reply_commit(struct vfs_req *r, size_t len);
size_t vfs_reply_room(const struct vfs_req *r);
bool vfs_name_is_dot(const char *name);

/* stats.c: counts one served request (rc < 0: an error reply) that took `ns`. */
void vfs_count(struct vfs_server *srv, uint32_t opcode, int rc, uint64_t ns);

/* server.c: inode and handle tables. */
struct vfs_inode *vfs_inode_get(struct vfs_server *srv, uint64_t nodeid);
void vfs_inode_put(struct vfs_server *srv, struct vfs_inode *in);
int vfs_inode_insert(struct vfs_server *srv, struct vfs_share *share, int fd, const struct stat *st,
		     struct vfs_inode **out);
void vfs_inode_forget(struct vfs_server *srv, uint64_t nodeid, uint64_t n);
int vfs_handle_new(struct vfs_server *srv, struct vfs_inode *in, int fd, uint64_t *fh);
struct vfs_handle *vfs_handle_get(struct vfs_server *srv, uint64_t fh, uint64_t nodeid);
void vfs_handle_put(struct vfs_server *srv, struct vfs_handle *h);
int vfs_handle_release(struct vfs_server *srv, uint64_t fh);
struct vfs_share *vfs_share_find(struct vfs_server *srv, const char *name);
void vfs_forget_all(struct vfs_server *srv);
int vfs_reopen(struct vfs_server *srv, struct vfs_inode *in, int flags);
int vfs_proc_path(const struct vfs_inode *in, char *buf, size_t len);

/* node.c: lookups, attributes. */
void vfs_fill_attr(struct vfs_server *srv, const struct stat *st, struct fuse_attr *a);
int vfs_stat_inode(struct vfs_server *srv, struct vfs_inode *in, struct stat *st);
int vfs_lookup(struct vfs_server *srv, struct vfs_inode *dir, const char *name,
	       struct fuse_entry_out *eo);
bool vfs_writable(const struct vfs_inode *in);
/* Whether opens of `in` keep the guest's cached data (vfs_opts.keep_cache or its share's). */
bool vfs_keep_cache(const struct vfs_server *srv, const struct vfs_inode *in);
int vfs_open_beneath(int dirfd, const char *name);
int vfs_entry_from_fd(struct vfs_server *srv, struct vfs_share *share, int fd,
		      struct fuse_entry_out *eo);

/* dir.c: a checked parent directory for creating or removing names. */
int vfs_parent_for_write(struct vfs_req *r, uint64_t nodeid, struct vfs_inode **out);
int vfs_new_entry(struct vfs_req *r, struct vfs_inode *parent, const char *name, mode_t mode,
		  struct fuse_entry_out *eo);

/* file.c */
int vfs_kill_suidgid(int fd);

/* Handlers, by file: node.c, xattr.c, dir.c, file.c. */
int vfs_op_lookup(struct vfs_req *r);
int vfs_op_forget(struct vfs_req *r);
int vfs_op_batch_forget(struct vfs_req *r);
int vfs_op_getattr(struct vfs_req *r);
int vfs_op_setattr(struct vfs_req *r);
int vfs_op_statfs(struct vfs_req *r);
int vfs_op_readlink(struct vfs_req *r);
int vfs_op_access(struct vfs_req *r);
int vfs_op_getxattr(struct vfs_req *r);
int vfs_op_listxattr(struct vfs_req *r);
int vfs_op_setxattr(struct vfs_req *r);
int vfs_op_removexattr(struct vfs_req *r);
int vfs_op_opendir(struct vfs_req *r);
int vfs_op_readdir(struct vfs_req *r);
int vfs_op_readdirplus(struct vfs_req *r);
int vfs_op_release(struct vfs_req *r);
int vfs_op_fsync(struct vfs_req *r);
int vfs_op_mkdir(struct vfs_req *r);
int vfs_op_mknod(struct vfs_req *r);
int vfs_op_symlink(struct vfs_req *r);
int vfs_op_link(struct vfs_req *r);
int vfs_op_unlink(struct vfs_req *r);
int vfs_op_rmdir(struct vfs_req *r);
int vfs_op_rename(struct vfs_req *r);
int vfs_op_rename2(struct vfs_req *r);
int vfs_op_open(struct vfs_req *r);
int vfs_op_create(struct vfs_req *r);
int vfs_op_read(struct vfs_req *r);
int vfs_op_write(struct vfs_req *r);
int vfs_op_flush(struct vfs_req *r);
int vfs_op_fallocate(struct vfs_req *r);
int vfs_op_lseek(struct vfs_req *r);

#endif
