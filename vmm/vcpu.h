/* SPDX-License-Identifier: Apache-2.0 */
/* vCPUs: creation, PVH entry state, one thread each running KVM_RUN and dispatching exits. */
#ifndef VMM_VCPU_H
#define VMM_VCPU_H

#include "vmm.h"

#include <signal.h>

/*
 * The signal that makes a vCPU thread's KVM_RUN return (pause, stop, profile samples). A
 * real-time one: SIGUSR1/2 belong to the container in container mode (forwarded to its
 * process), and a process-directed signal must never be taken by a vCPU thread instead.
 */
#define VCPU_KICK_SIGNAL (SIGRTMIN + 1)

/* Creates vm->nr_vcpus vCPUs, each with `cpuid` (per-vCPU APIC IDs patched in). */
int vmm_vcpus_create(struct vmm *vm, const struct kvm_cpuid2 *cpuid, struct err *e);

/* Puts the boot vCPU in the 32-bit protected-mode state the PVH ABI defines. */
int vmm_vcpu_setup_pvh(struct vmm_vcpu *v, uint64_t entry, uint64_t start_info_gpa, struct err *e);

/* Starts one thread per vCPU. */
int vmm_vcpus_start(struct vmm *vm, struct err *e);

/* Kicks every vCPU out of KVM_RUN and joins the threads; then closes the vCPUs. */
void vmm_vcpus_stop(struct vmm *vm);
void vmm_vcpus_destroy(struct vmm *vm);

/* Installs the (empty) signal handler used to kick vCPU threads. */
int vmm_vcpu_signal_setup(struct err *e);

/*
 * Writes APIC ID `id` into every CPUID leaf that carries one. With 0 it also makes the
 * supported list independent of the host CPU the VMM happened to run on (PVM passes leaf
 * 1 through from the host), so the snapshot key is stable.
 */
void vmm_cpuid_set_apic_id(struct kvm_cpuid2 *c, unsigned id);

/*
 * Sets CPUID.1:ECX[31], "running under a hypervisor". KVM's supported list leaves it clear on
 * VT-x/AMD-V (a VMM sets it; PVM's list has it already). Without it the guest kernel never
 * reads KVM's leaves 0x40000000+: no kvm-clock (after a failed TSC calibration it keeps
 * jiffies as its clocksource), no paravirt features, and its boot polls the absent RTC.
 */
void vmm_cpuid_set_hypervisor(struct kvm_cpuid2 *c);

#endif
