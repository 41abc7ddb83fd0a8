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
 * cannot be pivoted away from), masked and readonly paths, rootfs read-only if asked.
 */
int agent_rootfs_setup(const struct proto_container *c, const char *fs_root, bool private_done,
		       struct err *e);

#endif
