/* SPDX-License-Identifier: Apache-2.0 */
/* /dev/kvm, the VM file descriptor, and what this host's KVM can do. */
#ifndef VMM_KVM_H
#define VMM_KVM_H

#include <stdbool.h>
#include <stdint.h>
#include <linux/kvm.h>
#include "error.h"

struct vmm_kvm {
	int kvm_fd;
	int vm_fd;
	int run_mmap_size;  /* size of each vCPU's struct kvm_run mapping */
	int max_vcpus;	    /* KVM_CAP_MAX_VCPUS (or NR_VCPUS) */
	bool has_translate; /* KVM_TRANSLATE worked on a probe (set by the quirks code) */
	struct kvm_cpuid2 *supported_cpuid; /* KVM_GET_SUPPORTED_CPUID, malloc'd */
};

/* Opens the KVM device at `path`, checks the API version and the capabilities we require. */
int vmm_kvm_open(struct vmm_kvm *k, const char *path, struct err *e);

/* KVM_CREATE_VM + TSS + in-kernel irqchip (PIC, IOAPIC, LAPICs) + PIT. */
int vmm_kvm_create_vm(struct vmm_kvm *k, struct err *e);

/* Fills k->supported_cpuid. */
int vmm_kvm_get_supported_cpuid(struct vmm_kvm *k, struct err *e);

/* Finds a CPUID entry (function, index) in a list; NULL if absent. */
struct kvm_cpuid_entry2 *vmm_cpuid_find(struct kvm_cpuid2 *c, uint32_t function, uint32_t index);

void vmm_kvm_close(struct vmm_kvm *k);

#endif
