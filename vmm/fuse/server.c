// SPDX-License-Identifier: Apache-2.0
/*
 * The FUSE server's state: shares, the inode table (node id -> O_PATH fd, and (share, dev,
 * ino) -> inode so one host object has one node id per share), and open file handles.
 * All tables are guarded by srv->lock; requests hold a reference on the inodes they use.
 */
#define _GNU_SOURCE
#include "vmm/fuse/internal.h"
#include "cleanup.h"
#include "error.h"

#include <errno.h>
#include <fcntl.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define TABLE_MIN 64

static uint64_t mix64(uint64_t x)
{
	/* splitmix64's finalizer: node ids and inode numbers are far from random. */
	x ^= x >> 30;
	x *= 0xbf58476d1ce4e5b9ull;
	x ^= x >> 27;
	x *= 0x94d049bb133111ebull;
	return x ^ (x >> 31);
}

static uint64_t key_hash(const struct vfs_share *share, dev_t dev, ino_t ino)
{
	return mix64((uint64_t)ino ^ mix64((uint64_t)dev ^ ((uint64_t)share->index << 48)));
}

/* Intrusive chained tables: `off` is the offset of the chain pointer inside an object. */
static void **chain(void *obj, size_t off)
{
	return (void **)((char *)obj + off);
}

typedef uint64_t (*hash_fn)(const void *obj);

static int table_grow(struct vfs_table *t, size_t off, hash_fn hash)
{
	size_t n = t->nbuckets ? t->nbuckets * 2 : TABLE_MIN;
	void **b = calloc(n, sizeof(*b));

	if (!b)
		return -ENOMEM;
	for (size_t i = 0; i < t->nbuckets; i++) {
		void *obj = t->buckets[i];

		while (obj) {
			void *next = *chain(obj, off);
			size_t slot = hash(obj) & (n - 1);

			*chain(obj, off) = b[slot];
			b[slot] = obj;
			obj = next;
		}
	}
	free(t->buckets);
	t->buckets = b;
	t->nbuckets = n;
	return 0;
}

static int table_insert(struct vfs_table *t, void *obj, size_t off, hash_fn hash)
{
	size_t slot;

	if (t->count >= t->nbuckets && table_grow(t, off, hash) < 0 && !t->nbuckets)
		return -ENOMEM;
	slot = hash(obj) & (t->nbuckets - 1);
	*chain(obj, off) = t->buckets[slot];
	t->buckets[slot] = obj;
	t->count++;
	return 0;
}

static void table_remove(struct vfs_table *t, void *obj, size_t off, hash_fn hash)
{
	void **pp = &t->buckets[hash(obj) & (t->nbuckets - 1)];

	while (*pp && *pp != obj)
		pp = chain(*pp, off);
	if (*pp) {
		*pp = *chain(obj, off);
		t->count--;
	}
}

static uint64_t inode_id_hash(const void *obj)
{
	return mix64(((const struct vfs_inode *)obj)->nodeid);
}

static uint64_t inode_key_hash(const void *obj)
{
	const struct vfs_inode *in = obj;

	return key_hash(in->share, in->dev, in->ino);
}

static uint64_t handle_hash(const void *obj)
{
	return mix64(((const struct vfs_handle *)obj)->fh);
}

#define ID_OFF	   offsetof(struct vfs_inode, next_id)
#define KEY_OFF	   offsetof(struct vfs_inode, next_key)
#define HANDLE_OFF offsetof(struct vfs_handle, next)

static struct vfs_inode *find_id(struct vfs_server *srv, uint64_t nodeid)
{
	struct vfs_inode *in;

	if (nodeid == FUSE_ROOT_ID)
		return &srv->root;
	if (!srv->by_id.nbuckets)
		return NULL;
	in = srv->by_id.buckets[mix64(nodeid) & (srv->by_id.nbuckets - 1)];
	while (in && in->nodeid != nodeid)
		in = in->next_id;
	return in;
}

struct vfs_inode *vfs_inode_get(struct vfs_server *srv, uint64_t nodeid)
{
	struct vfs_inode *in;

	pthread_mutex_lock(&srv->lock);
	in = find_id(srv, nodeid);
	if (in)
		in->refs++;
	pthread_mutex_unlock(&srv->lock);
	return in;
}

/* Called with srv->lock held: frees an inode nobody references any more. */
static void inode_maybe_free(struct vfs_server *srv, struct vfs_inode *in)
{
	if (in == &srv->root || in->nlookup || in->refs)
		return;
	table_remove(&srv->by_id, in, ID_OFF, inode_id_hash);
	table_remove(&srv->by_key, in, KEY_OFF, inode_key_hash);
	close(in->fd);
	free(in);
}

void vfs_inode_put(struct vfs_server *srv, struct vfs_inode *in)
{
	if (!in)
		return;
	pthread_mutex_lock(&srv->lock);
	in->refs--;
	inode_maybe_free(srv, in);
	pthread_mutex_unlock(&srv->lock);
}

static struct vfs_inode *find_key(struct vfs_server *srv, struct vfs_share *share, dev_t dev,
				  ino_t ino)
{
	struct vfs_inode *in;

	if (!srv->by_key.nbuckets)
		return NULL;
	in = srv->by_key.buckets[key_hash(share, dev, ino) & (srv->by_key.nbuckets - 1)];
	while (in && !(in->share == share && in->dev == dev && in->ino == ino))
		in = in->next_key;
	return in;
}

/*
 * Finds or adds the inode for the object `fd` (O_PATH, ours to give away) refers to, counts one
 * guest lookup on it and returns it with a reference held. Consumes `fd` either way.
 */
int vfs_inode_insert(struct vfs_server *srv, struct vfs_share *share, int fd, const struct stat *st,
		     struct vfs_inode **out)
{
	bool share_root = st->st_dev == share->dev && st->st_ino == share->ino;
	struct vfs_inode *in;

	pthread_mutex_lock(&srv->lock);
	in = find_key(srv, share, st->st_dev, st->st_ino);
	if (in && (in->type != (st->st_mode & S_IFMT) || in->share_root != share_root))
		in = NULL; /* inode number reused under a stale entry, or a root seen inside */
	if (in) {
		close(fd);
	} else {
		in = calloc(1, sizeof(*in));
		if (!in) {
			pthread_mutex_unlock(&srv->lock);
			close(fd);
			return -ENOMEM;
		}
		*in = (struct vfs_inode){.nodeid = srv->next_nodeid++,
					 .share = share,
					 .dev = st->st_dev,
					 .ino = st->st_ino,
					 .fd = fd,
					 .type = st->st_mode & S_IFMT,
					 .share_root = share_root};
		if (table_insert(&srv->by_id, in, ID_OFF, inode_id_hash) < 0 ||
		    table_insert(&srv->by_key, in, KEY_OFF, inode_key_hash) < 0) {
			table_remove(&srv->by_id, in, ID_OFF, inode_id_hash);
			pthread_mutex_unlock(&srv->lock);
			close(fd);
			free(in);
			return -ENOMEM;
		}
	}
	in->nlookup++;
	in->refs++;
	*out = in;
	pthread_mutex_unlock(&srv->lock);
	return 0;
}

void vfs_inode_forget(struct vfs_server *srv, uint64_t nodeid, uint64_t n)
{
	struct vfs_inode *in;

	pthread_mutex_lock(&srv->lock);
	in = find_id(srv, nodeid);
	if (in && in != &srv->root) {
		/* A guest forgetting more than it looked up just drops to zero. */
		in->nlookup = n > in->nlookup ? 0 : in->nlookup - n;
		inode_maybe_free(srv, in);
	}
	pthread_mutex_unlock(&srv->lock);
}

int vfs_handle_new(struct vfs_server *srv, struct vfs_inode *in, int fd, uint64_t *fh)
{
	struct vfs_handle *h = calloc(1, sizeof(*h));

	if (!h) {
		close(fd);
		return -ENOMEM;
	}
	pthread_mutex_init(&h->lock, NULL);
	h->fd = fd;
	h->inode = in;
	h->refs = 1;
	pthread_mutex_lock(&srv->lock);
	h->fh = srv->next_fh++;
	if (table_insert(&srv->handles, h, HANDLE_OFF, handle_hash) < 0) {
		pthread_mutex_unlock(&srv->lock);
		close(fd);
		free(h);
		return -ENOMEM;
	}
	in->refs++;
	*fh = h->fh;
	pthread_mutex_unlock(&srv->lock);
	return 0;
}

/* The handle `fh` if it exists and belongs to `nodeid` (0: any), with a reference held. */
struct vfs_handle *vfs_handle_get(struct vfs_server *srv, uint64_t fh, uint64_t nodeid)
{
	struct vfs_handle *h = NULL;

	pthread_mutex_lock(&srv->lock);
	if (srv->handles.nbuckets) {
		h = srv->handles.buckets[mix64(fh) & (srv->handles.nbuckets - 1)];
		while (h && h->fh != fh)
			h = h->next;
	}
	if (h && nodeid && h->inode->nodeid != nodeid)
		h = NULL;
	if (h)
		h->refs++;
	pthread_mutex_unlock(&srv->lock);
	return h;
}

/* Drops a reference; the last one closes the fd, so no request ever sees it reused. */
void vfs_handle_put(struct vfs_server *srv, struct vfs_handle *h)
{
	bool last;

	pthread_mutex_lock(&srv->lock);
	last = --h->refs == 0;
	pthread_mutex_unlock(&srv->lock);
	if (!last)
		return;
	close(h->fd);
	pthread_mutex_destroy(&h->lock);
	vfs_inode_put(srv, h->inode);
	free(h);
}

int vfs_handle_release(struct vfs_server *srv, uint64_t fh)
{
	struct vfs_handle *h = vfs_handle_get(srv, fh, 0);

	if (!h)
		return -EBADF;
	pthread_mutex_lock(&srv->lock);
	if (!h->released) {
		h->released = true;
		table_remove(&srv->handles, h, HANDLE_OFF, handle_hash);
		h->refs--; /* the table's */
	}
	pthread_mutex_unlock(&srv->lock);
	vfs_handle_put(srv, h);
	return 0;
}

struct vfs_share *vfs_share_find(struct vfs_server *srv, const char *name)
{
	struct vfs_share *s = NULL;

	pthread_mutex_lock(&srv->lock);
	for (unsigned i = 0; i < srv->nr_shares && !s; i++)
		if (!strcmp(srv->shares[i]->name, name))
			s = srv->shares[i];
	pthread_mutex_unlock(&srv->lock);
	return s;
}

static int share_check_name(const char *name, struct err *e)
{
	size_t len = strlen(name);

	if (!len || len > NAME_MAX || strchr(name, '/') || vfs_name_is_dot(name))
		return err_set(e, EINVAL, "share name \"%s\": must be one path component", name);
	return 0;
}

int vfs_share_add(struct vfs_server *srv, const char *name, const char *host_path, unsigned flags,
		  struct err *e)
{
	cleanup_close int fd = -1;
	struct vfs_share *s;
	struct stat st;

	if (share_check_name(name, e) < 0)
		return -1;
	fd = open(host_path, O_PATH | O_CLOEXEC);
	if (fd < 0 || fstat(fd, &st) < 0)
		return err_sys(e, errno, "share %s: %s", name, host_path);
	if (!S_ISDIR(st.st_mode) && !S_ISREG(st.st_mode))
		return err_set(e, EINVAL, "share %s: %s is neither a directory nor a file", name,
			       host_path);
	s = calloc(1, sizeof(*s));
	if (!s)
		return err_sys(e, ENOMEM, "share %s", name);
	snprintf(s->name, sizeof(s->name), "%s", name);
	s->readonly = flags & VFS_SHARE_RO;
	s->keep_cache = flags & VFS_SHARE_KEEP_CACHE;
	s->dev = st.st_dev;
	s->ino = st.st_ino;
	s->type = st.st_mode & S_IFMT;
	pthread_mutex_lock(&srv->lock);
	for (unsigned i = 0; i < srv->nr_shares; i++) {
		if (!strcmp(srv->shares[i]->name, name)) {
			pthread_mutex_unlock(&srv->lock);
			free(s);
			return err_set(e, EEXIST, "share %s: already exists", name);
		}
	}
	if (srv->nr_shares == VFS_MAX_SHARES) {
		pthread_mutex_unlock(&srv->lock);
		free(s);
		return err_set(e, ENOSPC, "share %s: more than %d shares", name, VFS_MAX_SHARES);
	}
	s->index = srv->nr_shares;
	s->fd = steal_fd(&fd);
	srv->shares[srv->nr_shares++] = s;
	pthread_mutex_unlock(&srv->lock);
	return 0;
}

/* DESTROY (or a new INIT): the guest's lookups and handles are gone with its mount. */
void vfs_forget_all(struct vfs_server *srv)
{
	for (;;) {
		struct vfs_handle *h = NULL;
		uint64_t fh = 0;

		pthread_mutex_lock(&srv->lock);
		for (size_t i = 0; i < srv->handles.nbuckets && !h; i++)
			h = srv->handles.buckets[i];
		if (h)
			fh = h->fh;
		pthread_mutex_unlock(&srv->lock);
		if (!h)
			break;
		vfs_handle_release(srv, fh);
	}
	pthread_mutex_lock(&srv->lock);
	for (size_t i = 0; i < srv->by_id.nbuckets; i++) {
		struct vfs_inode *in = srv->by_id.buckets[i];

		while (in) {
			struct vfs_inode *next = in->next_id;

			in->nlookup = 0;
			inode_maybe_free(srv, in);
			in = next;
		}
	}
	pthread_mutex_unlock(&srv->lock);
}

/*
 * Opens the object behind an inode's O_PATH fd through /proc/self/fd: the magic link jumps to
 * exactly that object, with no path walk. Only directories and regular files: re-opening an
 * O_PATH fd of a symlink this way would follow the link's target, and device nodes are not
 * for the server to open.
 */
int vfs_reopen(struct vfs_server *srv, struct vfs_inode *in, int flags)
{
	char name[16];
	int fd;

	if (in->fd < 0 || (in->type != S_IFDIR && in->type != S_IFREG))
		return -EACCES;
	snprintf(name, sizeof(name), "%d", in->fd);
	fd = openat(srv->proc_fd, name, (flags & ~(O_NOFOLLOW | O_CREAT | O_EXCL)) | O_CLOEXEC);
	return fd < 0 ? -errno : fd;
}

/* "/proc/self/fd/N" for path-only calls (xattrs) on an inode that is not a symlink. */
int vfs_proc_path(const struct vfs_inode *in, char *buf, size_t len)
{
	if (in->fd < 0 || in->type == S_IFLNK)
		return -EPERM;
	snprintf(buf, len, "/proc/self/fd/%d", in->fd);
	return 0;
}

int vfs_server_create(const struct vfs_opts *opts, struct vfs_server **out, struct err *e)
{
	struct vfs_server *srv = calloc(1, sizeof(*srv));

	if (!srv)
		return err_sys(e, ENOMEM, "fuse server");
	srv->proc_fd = open("/proc/self/fd", O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (srv->proc_fd < 0) {
		int saved = errno;

		free(srv);
		return err_sys(e, saved, "open /proc/self/fd");
	}
	pthread_mutex_init(&srv->lock, NULL);
	pthread_mutex_init(&srv->ns_lock, NULL);
	srv->opts = *opts;
	srv->root = (struct vfs_inode){.nodeid = FUSE_ROOT_ID, .fd = -1, .type = S_IFDIR};
	srv->next_nodeid = FUSE_ROOT_ID + 1;
	srv->next_fh = 1;
	clock_gettime(CLOCK_REALTIME, &srv->created);
	*out = srv;
	return 0;
}

void vfs_server_destroy(struct vfs_server *srv)
{
	if (!srv)
		return;
	vfs_forget_all(srv);
	/* Nothing should be left; free it anyway. */
	for (size_t i = 0; i < srv->by_id.nbuckets; i++) {
		struct vfs_inode *in = srv->by_id.buckets[i];

		while (in) {
			struct vfs_inode *next = in->next_id;

			close(in->fd);
			free(in);
			in = next;
		}
	}
	for (unsigned i = 0; i < srv->nr_shares; i++) {
		close(srv->shares[i]->fd);
		free(srv->shares[i]);
	}
	free(srv->by_id.buckets);
	free(srv->by_key.buckets);
	free(srv->handles.buckets);
	close(srv->proc_fd);
	pthread_mutex_destroy(&srv->lock);
	pthread_mutex_destroy(&srv->ns_lock);
	free(srv);
}

void vfs_stats(struct vfs_server *srv, struct vfs_stats *st)
{
	pthread_mutex_lock(&srv->lock);
	*st = (struct vfs_stats){.requests = srv->requests,
				 .errors = srv->errors,
				 .inodes = srv->by_id.count,
				 .handles = srv->handles.count};
	pthread_mutex_unlock(&srv->lock);
}
