/* SPDX-License-Identifier: Apache-2.0 */
/*
 * A sampling profiler of the guest (--profile FILE, a debugging aid): a thread kicks every
 * vCPU out of KVM_RUN every millisecond with a signal; the vCPU thread records its RIP.
 * At exit the samples are written as "count rip" lines, most frequent first, for
 * symbolizing against vmlinux (`nm -n`). This is how the boot-time hot spots in
 * docs/vmm.md were found: on PVM every guest kernel instruction is emulated.
 */
#ifndef VMM_PROFILE_H
#define VMM_PROFILE_H

#include <stdint.h>
#include "error.h"

struct vmm;
struct vmm_vcpu;

int vmm_profile_start(struct vmm *vm, struct err *e);
void vmm_profile_stop(struct vmm *vm);

/* Called by a vCPU thread after a signal made KVM_RUN return EINTR. */
void vmm_profile_sample(struct vmm_vcpu *v);

int vmm_profile_write(struct vmm *vm, const char *path, struct err *e);

#endif
