// SPDX-License-Identifier: Apache-2.0
/*
 * The request side of the FUSE server: checks the header, parses arguments from the one copy
 * of the request the transport handed us, dispatches by opcode and writes the reply
 * (fuse_out_header + payload) into the caller's buffers. FUSE protocol: <linux/fuse.h> and
 * Documentation/filesystems/fuse.rst; "7.x" below is the protocol minor version.
 */
#define _GNU_SOURCE
#include "vmm/fuse/internal.h"
#include "cleanup.h"
#include "util.h"

#include <errno.h>
#include <stddef.h>
#include <string.h>

bool vfs_name_is_dot(const char *name)
{
	return !strcmp(name, ".") || !strcmp(name, "..");
}

/* Copies a fixed-size argument out of the request (never a pointer into it: alignment). */
int vfs_req_get(struct vfs_req *r, void *dst, size_t len)
{
	if (r->arg_len - r->pos < len)
		return -EINVAL;
	memcpy(dst, r->arg + r->pos, len);
	r->pos += len;
	return 0;
}

/* A NUL-terminated string that must end inside the request, at most `max` bytes long. */
int vfs_req_string(struct vfs_req *r, size_t max, const char **s)
{
	const uint8_t *p = r->arg + r->pos;
	const uint8_t *nul = memchr(p, 0, r->arg_len - r->pos);
	size_t len;

	if (!nul)
		return -EINVAL;
	len = (size_t)(nul - p);
	if (len > max)
		return -ENAMETOOLONG;
	*s = (const char *)p;
	r->pos += len + 1;
	return 0;
}

/* A directory entry name: one non-empty path component ("." and ".." are the caller's call). */
int vfs_req_name(struct vfs_req *r, const char **name)
{
	int rc = vfs_req_string(r, NAME_MAX, name);

	if (rc < 0)
		return rc;
	if (!**name || strchr(*name, '/'))
		return -EINVAL;
	return 0;
}

size_t vfs_req_rest(struct vfs_req *r, const uint8_t **p)
{
	size_t n = r->arg_len - r->pos;

	*p = r->arg + r->pos;
	r->pos = r->arg_len;
	return n;
}

static size_t iov_write_at(const struct iovec *iov, int cnt, size_t off, const void *data,
			   size_t len)
{
	const uint8_t *src = data;
	size_t done = 0;

	for (int i = 0; i < cnt && done < len; i++) {
		size_t n;

		if (off >= iov[i].iov_len) {
			off -= iov[i].iov_len;
			continue;
		}
		n = iov[i].iov_len - off;
		if (n > len - done)
			n = len - done;
		memcpy((uint8_t *)iov[i].iov_base + off, src + done, n);
		done += n;
		off = 0;
	}
	return done;
}

size_t vfs_reply_room(const struct vfs_req *r)
{
	return r->out_cap - sizeof(struct fuse_out_header) - r->out_len;
}

/* Appends `len` payload bytes to the reply; -ERANGE when the guest's buffers are too small. */
int vfs_reply(struct vfs_req *r, const void *data, size_t len)
{
	if (len > vfs_reply_room(r))
		return -ERANGE;
	iov_write_at(r->out, r->out_cnt, sizeof(struct fuse_out_header) + r->out_len, data, len);
	r->out_len += len;
	return 0;
}

/*
 * Describes the next `len` bytes of reply space as iovecs (for preadv straight into the
 * transport's buffers); vfs_reply_commit() then counts what was actually filled.
 */
int vfs_reply_iov(struct vfs_req *r, size_t len, struct iovec *iov, int max_iov, int *cnt)
{
	size_t off = sizeof(struct fuse_out_header) + r->out_len;

	if (len > vfs_reply_room(r))
		return -ERANGE;
	*cnt = 0;
	for (int i = 0; i < r->out_cnt && len; i++) {
		size_t n;

		if (off >= r->out[i].iov_len) {
			off -= r->out[i].iov_len;
			continue;
		}
		if (*cnt == max_iov)
			break; /* short read: FUSE allows it, the kernel asks again */
		n = r->out[i].iov_len - off;
		if (n > len)
			n = len;
		iov[(*cnt)++] = (struct iovec){(uint8_t *)r->out[i].iov_base + off, n};
		len -= n;
		off = 0;
	}
	return 0;
}

void vfs_reply_commit(struct vfs_req *r, size_t len)
{
	r->out_len += len;
}

/* Flags we accept from the kernel's offer (7.x INIT), all in the first 32 bits. */
#define VFS_INIT_FLAGS                                                                             \
	(FUSE_ASYNC_READ | FUSE_ATOMIC_O_TRUNC | FUSE_BIG_WRITES | FUSE_AUTO_INVAL_DATA |          \
	 FUSE_DO_READDIRPLUS | FUSE_READDIRPLUS_AUTO | FUSE_PARALLEL_DIROPS | FUSE_MAX_PAGES |     \
	 FUSE_CACHE_SYMLINKS | FUSE_HANDLE_KILLPRIV_V2)

static int op_init(struct vfs_req *r)
{
	struct fuse_init_in in;
	struct fuse_init_out o = {.major = FUSE_KERNEL_VERSION};

	/* The first four fields are in every version; flags2 and the rest (7.36) we ignore. */
	if (vfs_req_get(r, &in, offsetof(struct fuse_init_in, flags2)) < 0)
		return -EINVAL;
	if (in.major > FUSE_KERNEL_VERSION) /* answer with ours only; the kernel asks again */
		return vfs_reply(r, &o, FUSE_COMPAT_INIT_OUT_SIZE);
	if (in.major < FUSE_KERNEL_VERSION || in.minor < VFS_MIN_MINOR)
		return -EPROTO;
	if (atomic_load(&r->srv->initialized))
		vfs_forget_all(r->srv); /* a new session: the last one's state is void */
	o.minor = in.minor < FUSE_KERNEL_MINOR_VERSION ? in.minor : FUSE_KERNEL_MINOR_VERSION;
	o.max_readahead = in.max_readahead;
	o.flags = in.flags & VFS_INIT_FLAGS;
	o.max_background = 64;
	o.congestion_threshold = 48;
	o.max_write = VFS_MAX_WRITE;
	o.time_gran = 1;
	o.max_pages = VFS_MAX_WRITE / 4096;
	r->srv->minor = o.minor;
	atomic_store(&r->srv->initialized, true);
	return vfs_reply(r, &o, sizeof(o));
}

static int op_destroy(struct vfs_req *r)
{
	vfs_forget_all(r->srv);
	atomic_store(&r->srv->initialized, false);
	return 0;
}

static int op_no_reply(struct vfs_req *r)
{
	(void)r;
	return VFS_NO_REPLY; /* INTERRUPT: every request is answered promptly anyway */
}

static int op_notty(struct vfs_req *r)
{
	(void)r;
	return -ENOTTY;
}

typedef int (*vfs_op_fn)(struct vfs_req *r);

/*
 * Locks (GETLK/SETLK/SETLKW) are absent on purpose: without FUSE_POSIX_LOCKS the guest kernel
 * keeps POSIX and flock locks itself, which is right for a share only this guest writes.
 */
static const vfs_op_fn ops[] = {
	[FUSE_LOOKUP] = vfs_op_lookup,
	[FUSE_FORGET] = vfs_op_forget,
	[FUSE_GETATTR] = vfs_op_getattr,
	[FUSE_SETATTR] = vfs_op_setattr,
	[FUSE_READLINK] = vfs_op_readlink,
	[FUSE_SYMLINK] = vfs_op_symlink,
	[FUSE_MKNOD] = vfs_op_mknod,
	[FUSE_MKDIR] = vfs_op_mkdir,
	[FUSE_UNLINK] = vfs_op_unlink,
	[FUSE_RMDIR] = vfs_op_rmdir,
	[FUSE_RENAME] = vfs_op_rename,
	[FUSE_LINK] = vfs_op_link,
	[FUSE_OPEN] = vfs_op_open,
	[FUSE_READ] = vfs_op_read,
	[FUSE_WRITE] = vfs_op_write,
	[FUSE_STATFS] = vfs_op_statfs,
	[FUSE_RELEASE] = vfs_op_release,
	[FUSE_FSYNC] = vfs_op_fsync,
	[FUSE_SETXATTR] = vfs_op_setxattr,
	[FUSE_GETXATTR] = vfs_op_getxattr,
	[FUSE_LISTXATTR] = vfs_op_listxattr,
	[FUSE_REMOVEXATTR] = vfs_op_removexattr,
	[FUSE_FLUSH] = vfs_op_flush,
	[FUSE_INIT] = op_init,
	[FUSE_OPENDIR] = vfs_op_opendir,
	[FUSE_READDIR] = vfs_op_readdir,
	[FUSE_RELEASEDIR] = vfs_op_release,
	[FUSE_FSYNCDIR] = vfs_op_fsync,
	[FUSE_ACCESS] = vfs_op_access,
	[FUSE_CREATE] = vfs_op_create,
	[FUSE_INTERRUPT] = op_no_reply,
	[FUSE_DESTROY] = op_destroy,
	[FUSE_IOCTL] = op_notty,
	[FUSE_BATCH_FORGET] = vfs_op_batch_forget,
	[FUSE_FALLOCATE] = vfs_op_fallocate,
	[FUSE_READDIRPLUS] = vfs_op_readdirplus,
	[FUSE_RENAME2] = vfs_op_rename2,
	[FUSE_LSEEK] = vfs_op_lseek,
};

static int dispatch(struct vfs_req *r)
{
	uint32_t op = r->h.opcode;

	if (op >= ARRAY_SIZE(ops) || !ops[op])
		return op == FUSE_FORGET || op == FUSE_BATCH_FORGET ? VFS_NO_REPLY : -ENOSYS;
	if (op != FUSE_INIT && !atomic_load(&r->srv->initialized))
		return op == FUSE_FORGET || op == FUSE_BATCH_FORGET ? VFS_NO_REPLY : -EIO;
	return ops[op](r);
}

static size_t iov_total(const struct iovec *iov, int cnt)
{
	size_t total = 0;

	for (int i = 0; i < cnt; i++) {
		if (iov[i].iov_len > SIZE_MAX - total)
			return SIZE_MAX;
		total += iov[i].iov_len;
	}
	return total;
}

size_t vfs_handle(struct vfs_server *srv, const void *in, size_t in_len, const struct iovec *out,
		  int out_cnt)
{
	struct vfs_req r = {.srv = srv, .out = out, .out_cnt = out_cnt};
	struct fuse_out_header oh;
	uint64_t t0;
	int rc;

	if (in_len < sizeof(r.h))
		return 0; /* not even a unique id to answer to */
	memcpy(&r.h, in, sizeof(r.h));
	r.out_cap = iov_total(out, out_cnt);
	if (r.out_cap < sizeof(oh))
		return 0;
	r.arg = (const uint8_t *)in + sizeof(r.h);
	t0 = util_now_ns();
	if (r.h.len < sizeof(r.h) || r.h.len > in_len) {
		rc = -EINVAL;
	} else {
		r.arg_len = r.h.len - sizeof(r.h);
		rc = dispatch(&r);
	}
	vfs_count(srv, r.h.opcode, rc, util_now_ns() - t0);
	if (rc == VFS_NO_REPLY)
		return 0;
	if (rc < 0)
		r.out_len = 0;
	oh = (struct fuse_out_header){.len = (uint32_t)(sizeof(oh) + r.out_len),
				      .error = rc < 0 ? rc : 0,
				      .unique = r.h.unique};
	iov_write_at(out, out_cnt, 0, &oh, sizeof(oh));
	return oh.len;
}
