/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Snapshot files on disk and when to use them (`--snapshot-dir DIR`):
 *
 *   DIR/<key>/state     machine + device state (snapshot_file.h), checksummed
 *   DIR/<key>/memory    guest RAM, sparse (snapshot_mem.h)
 *   DIR/<key>/meta      what the key covers, in words (for people and `incept prepare`)
 *   DIR/<key>/memory.ok (inode, size, mtime, ctime, sum) of a memory file already verified
 *   DIR/<key>.lock      flock()ed by the one VMM building that snapshot
 *
 * <key> is FNV-1a 64 of the meta text: kernel build id, initrd CRC, the whole kernel command
 * line, vCPUs, memory, this VMM's build id, the kind of KVM and the CPUID the guest gets. A
 * snapshot from another build, host or shape has another key and is never looked at.
 *
 * A VMM whose key has a valid snapshot restores it. Otherwise it takes the lock (waiting
 * while another VMM builds), looks again, and if still nothing valid is there, removes what
 * is there, boots, and saves the snapshot when the agent reports ready: written into a
 * temporary directory, fsynced, renamed into place. Invalid means anything: short file,
 * bad magic or version, checksum mismatch, another key.
 */
#ifndef VMM_SNAPSHOT_H
#define VMM_SNAPSHOT_H

#include <limits.h>
#include <stdbool.h>
#include <stdint.h>
#include "error.h"
#include "snapshot_file.h"

struct vmm;

struct vmm_snapshot {
	bool restoring; /* a valid snapshot was found and is being restored */
	bool building;	/* cold boot; save at the agent's first READY */
	bool requested; /* READY seen: the vCPUs are pausing for the save */
	bool taken;
	uint64_t key;
	char meta[4096];
	char dir[PATH_MAX];
	int lock_fd;
	int mem_fd;
	char *state;
	size_t state_len;
	struct vmm_snap_reader reader; /* after open: positioned at the machine state */
	uint64_t verify_ns, save_ns;
};

/* Computes the key and decides: restore (a valid snapshot) or build (lock held). */
int vmm_snapshot_prepare(struct vmm *vm, struct err *e);

/* Only computes the meta text and key (for --print-snapshot-meta). */
int vmm_snapshot_meta(struct vmm *vm, struct err *e);

/* Maps the memory file copy-on-write as guest RAM (restore only). */
int vmm_snapshot_map_memory(struct vmm *vm, struct err *e);

/* Loads machine and device state into the freshly created vCPUs and devices. */
int vmm_snapshot_restore(struct vmm *vm, struct err *e);

/* Saves the paused VM, atomically. */
int vmm_snapshot_save(struct vmm *vm, struct err *e);

void vmm_snapshot_release(struct vmm_snapshot *s);

/* "<hex key>" of a meta text (exposed for tests). */
uint64_t vmm_snapshot_key_of(const char *meta);

#endif
