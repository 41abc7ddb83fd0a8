/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The container's file system view, built in its new mount namespace (runtime-spec
 * config-linux.md "Mounts", "Devices", "Masked Paths", "Readonly Paths"; runc's defaults for
 * /dev): every share the host exported is <fs_root>/<name>.
 */
#ifndef AGENT_ROOTFS_H
#define AGENT_ROOTFS_H

#include "error.h"
#include "proto.h"

/*
 * Mounts private, rootfs bound, config mounts in order, default /dev when /dev is a tmpfs,
 * root changed (pivot_root, or MS_MOVE + chroot when the old root is the initramfs, which
 * cannot be pivoted away from). The console comes next (runc sets it up here too: after
 * every mount, before anything is made read-only), then agent_rootfs_finish().
 */
int agent_rootfs_enter(const struct proto_container *c, const char *fs_root, bool private_done,
		       struct err *e);

/* In the new root: masked and readonly paths, the rootfs read-only if asked. */
int agent_rootfs_finish(const struct proto_container *c, struct err *e);

#endif
