// SPDX-License-Identifier: Apache-2.0
/*
 * Per-opcode request counters of the FUSE server: how many requests of each kind the guest
 * sent, how many failed, and the time the server spent on them. bench/fs.sh prints them per
 * benchmark phase (the VMM logs them when the agent asks, vmm_virtio_fs_log_stats).
 */
#include "vmm/fuse/internal.h"
#include "cleanup.h"

#include <string.h>

/* <linux/fuse.h> enum fuse_opcode; the numbers missing there (7, 19) count as "other". */
static const char *const op_names[VFS_OP_SLOTS] = {
	[0] = "other",
	[FUSE_LOOKUP] = "lookup",
	[FUSE_FORGET] = "forget",
	[FUSE_GETATTR] = "getattr",
	[FUSE_SETATTR] = "setattr",
	[FUSE_READLINK] = "readlink",
	[FUSE_SYMLINK] = "symlink",
	[FUSE_MKNOD] = "mknod",
	[FUSE_MKDIR] = "mkdir",
	[FUSE_UNLINK] = "unlink",
	[FUSE_RMDIR] = "rmdir",
	[FUSE_RENAME] = "rename",
	[FUSE_LINK] = "link",
	[FUSE_OPEN] = "open",
	[FUSE_READ] = "read",
	[FUSE_WRITE] = "write",
	[FUSE_STATFS] = "statfs",
	[FUSE_RELEASE] = "release",
	[FUSE_FSYNC] = "fsync",
	[FUSE_SETXATTR] = "setxattr",
	[FUSE_GETXATTR] = "getxattr",
	[FUSE_LISTXATTR] = "listxattr",
	[FUSE_REMOVEXATTR] = "removexattr",
	[FUSE_FLUSH] = "flush",
	[FUSE_INIT] = "init",
	[FUSE_OPENDIR] = "opendir",
	[FUSE_READDIR] = "readdir",
	[FUSE_RELEASEDIR] = "releasedir",
	[FUSE_FSYNCDIR] = "fsyncdir",
	[FUSE_GETLK] = "getlk",
	[FUSE_SETLK] = "setlk",
	[FUSE_SETLKW] = "setlkw",
	[FUSE_ACCESS] = "access",
	[FUSE_CREATE] = "create",
	[FUSE_INTERRUPT] = "interrupt",
	[FUSE_BMAP] = "bmap",
	[FUSE_DESTROY] = "destroy",
	[FUSE_IOCTL] = "ioctl",
	[FUSE_POLL] = "poll",
	[FUSE_NOTIFY_REPLY] = "notify_reply",
	[FUSE_BATCH_FORGET] = "batch_forget",
	[FUSE_FALLOCATE] = "fallocate",
	[FUSE_READDIRPLUS] = "readdirplus",
	[FUSE_RENAME2] = "rename2",
	[FUSE_LSEEK] = "lseek",
	[FUSE_COPY_FILE_RANGE] = "copy_file_range",
	[FUSE_SETUPMAPPING] = "setupmapping",
	[FUSE_REMOVEMAPPING] = "removemapping",
	[FUSE_SYNCFS] = "syncfs",
	[FUSE_TMPFILE] = "tmpfile",
};

const char *vfs_op_name(unsigned slot)
{
	return slot < ARRAY_SIZE(op_names) ? op_names[slot] : NULL;
}

void vfs_count(struct vfs_server *srv, uint32_t opcode, int rc, uint64_t ns)
{
	/* the opcode is the guest's: only a named one below VFS_OP_SLOTS picks its own slot */
	unsigned slot = opcode < VFS_OP_SLOTS && op_names[opcode] ? opcode : 0;
	struct vfs_op_stat *s = &srv->op_stats[slot];

	pthread_mutex_lock(&srv->lock);
	srv->requests++;
	srv->errors += rc < 0;
	s->count++;
	s->errors += rc < 0;
	s->ns += ns;
	pthread_mutex_unlock(&srv->lock);
}

void vfs_stats_ops(struct vfs_server *srv, struct vfs_op_stat out[VFS_OP_SLOTS])
{
	pthread_mutex_lock(&srv->lock);
	memcpy(out, srv->op_stats, sizeof(srv->op_stats));
	pthread_mutex_unlock(&srv->lock);
}
