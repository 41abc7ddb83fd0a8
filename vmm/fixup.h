/* SPDX-License-Identifier: Apache-2.0 */
/*
 * What the VMM does when the host's instruction emulator gives up (PVM): read the
 * instruction at RIP, and either step over it as quirks.c says or stop with the bytes.
 */
#ifndef VMM_FIXUP_H
#define VMM_FIXUP_H

#include "vmm.h"

/* KVM_EXIT_INTERNAL_ERROR / emulation failure on a PVM host. 0 = handled, -1 = fatal. */
int vmm_fixup_emulation_failure(struct vmm_vcpu *v, struct err *e);

/* Any other internal error: always fatal, with the suberror, RIP and instruction bytes. */
int vmm_fixup_describe_failure(struct vmm_vcpu *v, struct err *e);

#endif
