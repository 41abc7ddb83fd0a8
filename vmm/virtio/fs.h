/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The virtio-fs device (virtio 1.2 §5.11) over the FUSE server of vmm/fuse/. Shares are
 * added to vmm_virtio_fs_server(dev) with vfs_share_add(), at any time (after a snapshot
 * restore, before the agent mounts the tag).
 */
#ifndef VMM_VIRTIO_FS_H
#define VMM_VIRTIO_FS_H

#include <stdint.h>
#include "error.h"
#include "vmm/fuse/fuse.h"
#include "vmm/virtio/virtio.h"

/* Request queues besides the high-priority one; each is served by its own thread. */
#define VMM_VIRTIO_FS_REQUEST_QUEUES 2

extern const struct vmm_virtio_dev_ops vmm_virtio_fs_ops;

/* `tag` is what the guest mounts (mount -t virtiofs TAG /dir), at most 36 bytes. */
void *vmm_virtio_fs_create(const char *tag, const struct vfs_opts *opts, struct err *e);
struct vfs_server *vmm_virtio_fs_server(void *dev);

/* Chains served on `queue` so far (tests, debug log). */
uint64_t vmm_virtio_fs_served(void *dev, unsigned queue);

/*
 * Logs (info) the FUSE requests served since the previous call, or since start: "virtio-fs
 * stats LABEL: requests=N errors=E host_us=T <op>=<count>/<errors>/<us>..." where us is the
 * server's time on them. The agent asks with INCEPT_CMD_FS_STATS (bench/fs.sh's phases);
 * after the first call, the device logs the rest as label 0 when it is destroyed.
 */
void vmm_virtio_fs_log_stats(void *dev, unsigned label);

#endif
