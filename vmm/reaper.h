/* SPDX-License-Identifier: Apache-2.0 */
/* The VM's last teardown, off the path between the container's exit and its parent's wait. */
#ifndef VMM_REAPER_H
#define VMM_REAPER_H

#include "error.h"

#include <sys/types.h>

/*
 * Starts a process that shares this one's memory and holds copies of only the fds in keep[]
 * (n of them), and that exits as soon as this process is gone: the last references to the
 * memory and to those fds are then its own, so this process's exit drops references only.
 * Returns its pid; it is not our child to wait for (no exit signal) and is reparented when we
 * exit. Returns once it has closed every other fd, so nothing else outlives us.
 */
pid_t vmm_reaper_start(const int *keep, unsigned n, struct err *e);

#endif
