/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Machine state in and out of a snapshot: per VM the kvm-clock, PIC/IOAPIC and PIT; per
 * vCPU MP state, registers, special registers, FPU (XSAVE area and XCRs where the host has
 * them: VT-x/AMD-V; PVM hides XSAVE, so there it is the legacy FPU image), debug registers,
 * LAPIC, every MSR KVM lists that reads back, and pending events; then the UART, the agent
 * port and each virtio transport. The vCPUs must be paused with no exit half-handled.
 */
#ifndef VMM_SNAPSHOT_STATE_H
#define VMM_SNAPSHOT_STATE_H

#include "snapshot_file.h"
#include "vmm.h"

int vmm_state_save(struct vmm *vm, struct vmm_snap_writer *w, struct err *e);

/* Into a VM built for restoring (memory mapped, devices and vCPUs created, not running). */
int vmm_state_restore(struct vmm *vm, struct vmm_snap_reader *r, struct err *e);

#endif
