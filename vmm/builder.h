/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Assembles a VM in a fixed order of steps (KVM, VM, memory, console, devices, boot image,
 * vCPUs), runs it, and tears it down in the reverse order.
 */
#ifndef VMM_BUILDER_H
#define VMM_BUILDER_H

#include "vmm.h"

/* Builds everything; on failure whatever was built is torn down again. */
int vmm_build(struct vmm *vm, const struct vmm_config *cfg, struct err *e);

/*
 * Starts the vCPUs and waits until the VM stops. Returns the guest's exit status, or -1
 * with `e` set when the VM failed (guest panic, unhandled exit, ...).
 */
int vmm_run(struct vmm *vm, struct err *e);

void vmm_teardown(struct vmm *vm);

/*
 * vmm_teardown(), but the last references to the KVM fds and to guest RAM go to a reaper
 * (vmm/reaper.c) that drops them once this process has exited, so that the exit is not held
 * up by the VM's destruction. Falls back to a plain teardown when no reaper can be started.
 */
void vmm_teardown_deferred(struct vmm *vm);

#endif
