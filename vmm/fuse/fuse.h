/* SPDX-License-Identifier: Apache-2.0 */
/*
 * A FUSE passthrough server, independent of its transport: it takes one request as FUSE
 * delivers it (struct fuse_in_header + arguments, <linux/fuse.h>) and writes one reply into
 * caller-supplied buffers. virtio-fs (vmm/virtio/fs.c) and the host test mode
 * (vmm/fuse/host_main.c, /dev/fuse) both drive it. See docs/virtio-fs.md.
 *
 * The filesystem root (FUSE_ROOT_ID) is a synthetic read-only directory whose entries are the
 * shares, added at any time with vfs_share_add(): a share is a host directory or a single
 * host file. Everything the guest reaches is confined to the shares.
 */
#ifndef VMM_FUSE_FUSE_H
#define VMM_FUSE_FUSE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/uio.h>
#include "error.h"

/* Largest WRITE payload we negotiate (FUSE INIT max_write) and READ we serve. */
#define VFS_MAX_WRITE (1u << 20)
/* Room for the request header and arguments ahead of a max_write payload. */
#define VFS_MAX_REQUEST (VFS_MAX_WRITE + 4096)
#define VFS_MAX_SHARES	1024

struct vfs_server;

struct vfs_opts {
	/* How long the guest kernel may cache entries and attributes (FUSE entry/attr_valid). */
	uint32_t cache_secs;
	/*
	 * The guest keeps file data and directory listings cached across opens (FOPEN_KEEP_CACHE,
	 * FOPEN_CACHE_DIR): right when only this guest changes the share, as for a rootfs.
	 */
	bool keep_cache;
};

int vfs_server_create(const struct vfs_opts *opts, struct vfs_server **out, struct err *e);
void vfs_server_destroy(struct vfs_server *srv);

/* vfs_share_add flags (1 is read-only, so a bool `readonly` reads the same). */
enum {
	VFS_SHARE_RO = 1u,
	/*
	 * The guest keeps this share's file data cached across opens (FOPEN_KEEP_CACHE), still
	 * dropping it when it sees a file's mtime or size change (FUSE_AUTO_INVAL_DATA, after the
	 * attribute timeout): for a container's rootfs, which only its own guest changes. Without
	 * it every open drops the file's pages: each exec of busybox re-read all 1.9 MB through
	 * FUSE (~1 s of emulated guest kernel on PVM).
	 */
	VFS_SHARE_KEEP_CACHE = 2u,
};

/*
 * Adds the root entry `name` for the host directory or regular file `host_path` (followed if
 * it is a symlink: the path comes from the host's configuration, not from the guest).
 * Thread-safe; may be called while requests are being served.
 */
int vfs_share_add(struct vfs_server *srv, const char *name, const char *host_path, unsigned flags,
		  struct err *e);

/*
 * Serves one request: `in`/`in_len` hold the whole request (it is parsed from this buffer
 * only, so a transport that copies guest memory once defeats double-fetch races). The reply
 * (fuse_out_header + payload) is written into `out`. Returns the reply length, or 0 when the
 * request takes no reply (FORGET, BATCH_FORGET, INTERRUPT, or a request too broken to answer).
 * Thread-safe: several transport threads may call it at once.
 */
size_t vfs_handle(struct vfs_server *srv, const void *in, size_t in_len, const struct iovec *out,
		  int out_cnt);

/* Counters for tests and the debug log. */
struct vfs_stats {
	uint64_t requests, errors;
	uint64_t inodes, handles; /* live now */
};
void vfs_stats(struct vfs_server *srv, struct vfs_stats *st);

/*
 * Per-opcode counters (vmm/fuse/stats.c): FUSE opcodes below VFS_OP_SLOTS have their own
 * slot; slot 0 (no FUSE opcode is 0) counts every other, CUSE_INIT included. `ns` is the
 * time vfs_handle() spent on them (host system calls, table locks), not the guest's.
 */
#define VFS_OP_SLOTS 64
struct vfs_op_stat {
	uint64_t count, errors, ns;
};
/* Copies all VFS_OP_SLOTS counters since the server was created, at one instant. */
void vfs_stats_ops(struct vfs_server *srv, struct vfs_op_stat out[VFS_OP_SLOTS]);
/* The slot's name in lower case ("lookup", "getattr", "other" for slot 0), or NULL. */
const char *vfs_op_name(unsigned slot);

#endif
