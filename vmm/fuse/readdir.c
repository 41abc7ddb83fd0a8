// SPDX-License-Identifier: Apache-2.0
/*
 * READDIR and READDIRPLUS. The offset the guest passes back is the d_off cookie the host
 * filesystem gave us (getdents64), so every call seeks to it: deletions between calls (the
 * guest's "rm -rf" pattern) neither skip nor repeat entries beyond what the host's own
 * readdir allows. The synthetic root lists ".", ".." and the shares (offset = index + 1).
 */
#define _GNU_SOURCE
#include "vmm/fuse/internal.h"
#include "cleanup.h"

#include <dirent.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define DENTS_BUF   32768
#define READDIR_MAX (1u << 20)

struct dir_out {
	uint8_t *buf;
	size_t size, used;
	bool plus;
};

/* Bytes one entry takes in the reply (fuse.h: 8-byte aligned records). */
static size_t entry_size(const struct dir_out *o, size_t namelen)
{
	return o->plus ? FUSE_DIRENT_ALIGN(FUSE_NAME_OFFSET_DIRENTPLUS + namelen)
		       : FUSE_DIRENT_ALIGN(FUSE_NAME_OFFSET + namelen);
}

/*
 * Appends one entry; returns 0, or 1 when it does not fit (nothing counted then). For
 * READDIRPLUS the entry is looked up (one guest lookup counted, as for LOOKUP) except "."
 * and "..", whose zero node id tells the kernel not to instantiate them.
 */
static int emit(struct vfs_server *srv, struct dir_out *o, struct vfs_inode *dir, uint64_t ino,
		uint64_t off, unsigned type, const char *name)
{
	size_t namelen = strlen(name), size = entry_size(o, namelen);
	struct fuse_dirent d = {.ino = ino, .off = off, .namelen = (uint32_t)namelen, .type = type};
	uint8_t *p = o->buf + o->used;

	if (size > o->size - o->used)
		return 1;
	memset(p, 0, size);
	if (o->plus) {
		struct fuse_entry_out eo = {0};

		if (!vfs_name_is_dot(name) && vfs_lookup(srv, dir, name, &eo) < 0)
			memset(&eo, 0, sizeof(eo)); /* gone meanwhile: a plain entry */
		memcpy(p, &eo, sizeof(eo));
		p += sizeof(eo);
	}
	memcpy(p, &d, FUSE_NAME_OFFSET);
	memcpy(p + FUSE_NAME_OFFSET, name, namelen);
	o->used += size;
	return 0;
}

static int list_root(struct vfs_server *srv, struct dir_out *o, uint64_t off)
{
	for (uint64_t i = off;; i++) {
		char name[NAME_MAX + 1];
		uint64_t ino = FUSE_ROOT_ID;
		unsigned type = DT_DIR;

		if (i < 2) {
			strcpy(name, i ? ".." : ".");
		} else {
			struct vfs_share *s = NULL;

			pthread_mutex_lock(&srv->lock);
			if (i - 2 < srv->nr_shares)
				s = srv->shares[i - 2];
			pthread_mutex_unlock(&srv->lock);
			if (!s)
				return 0;
			memcpy(name, s->name, sizeof(name));
			ino = s->ino;
			type = s->type == S_IFDIR ? DT_DIR : DT_REG;
		}
		if (emit(srv, o, &srv->root, ino, i + 1, type, name))
			return 0;
	}
}

/* Walks one getdents64 batch; returns 1 when the reply is full. */
static int emit_batch(struct vfs_server *srv, struct dir_out *o, struct vfs_inode *dir,
		      const uint8_t *dents, size_t n)
{
	for (size_t pos = 0; pos + offsetof(struct dirent64, d_name) < n;) {
		const struct dirent64 *d = (const struct dirent64 *)(dents + pos);

		if (d->d_reclen == 0 || d->d_reclen > n - pos)
			return -EIO;
		if (emit(srv, o, dir, d->d_ino, (uint64_t)d->d_off, d->d_type, d->d_name))
			return 1;
		pos += d->d_reclen;
	}
	return 0;
}

static int list_dir_with(struct vfs_server *srv, struct dir_out *o, struct vfs_handle *h,
			 uint64_t off, uint8_t *dents)
{
	int rc = 0;

	if (off > INT64_MAX || lseek(h->fd, (off_t)off, SEEK_SET) < 0)
		return -EINVAL;
	while (rc == 0) {
		ssize_t n = getdents64(h->fd, dents, DENTS_BUF);

		if (n < 0)
			return -errno;
		if (n == 0)
			break;
		rc = emit_batch(srv, o, h->inode, dents, (size_t)n);
	}
	return rc < 0 ? rc : 0;
}

static int list_dir(struct vfs_server *srv, struct dir_out *o, struct vfs_handle *h, uint64_t off)
{
	uint8_t *dents = malloc(DENTS_BUF);
	int rc;

	if (!dents)
		return -ENOMEM;
	rc = list_dir_with(srv, o, h, off, dents);
	free(dents);
	return rc;
}

static int do_readdir(struct vfs_req *r, bool plus)
{
	struct fuse_read_in ri;
	struct vfs_handle *h;
	struct dir_out o = {.plus = plus};
	int rc;

	if (vfs_req_get(r, &ri, sizeof(ri)) < 0)
		return -EINVAL;
	h = vfs_handle_get(r->srv, ri.fh, r->h.nodeid);
	if (!h)
		return -EBADF;
	o.size = ri.size;
	if (o.size > READDIR_MAX)
		o.size = READDIR_MAX;
	if (o.size > vfs_reply_room(r))
		o.size = vfs_reply_room(r);
	o.buf = malloc(o.size ? o.size : 1);
	if (!o.buf) {
		vfs_handle_put(r->srv, h);
		return -ENOMEM;
	}
	pthread_mutex_lock(&h->lock); /* seek + getdents must not interleave */
	if (h->inode->type != S_IFDIR)
		rc = -ENOTDIR;
	else if (h->inode == &r->srv->root)
		rc = list_root(r->srv, &o, ri.offset);
	else
		rc = list_dir(r->srv, &o, h, ri.offset);
	pthread_mutex_unlock(&h->lock);
	vfs_handle_put(r->srv, h);
	if (rc == 0)
		rc = vfs_reply(r, o.buf, o.used);
	free(o.buf);
	return rc;
}

int vfs_op_readdir(struct vfs_req *r)
{
	return do_readdir(r, false);
}

int vfs_op_readdirplus(struct vfs_req *r)
{
	return do_readdir(r, true);
}
