/* SPDX-License-Identifier: Apache-2.0 */
/* The guest's early mounts: /proc, /sys, /dev, /dev/pts, /run. */
#ifndef AGENT_MOUNT_H
#define AGENT_MOUNT_H

#include "error.h"

/*
 * Mounts each early filesystem that is not mounted yet (creating its directory
 * if missing), relative to the current root. Idempotent. Returns the number
 * of filesystems it mounted, or -1.
 */
int agent_mount_early(struct err *e);

#endif
