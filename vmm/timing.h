/* SPDX-License-Identifier: Apache-2.0 */
/* Where boot time goes: timestamps of each phase, printed as `name: value` with --timing. */
#ifndef VMM_TIMING_H
#define VMM_TIMING_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#define VMM_TIMING_STEPS 12

struct vmm;

struct vmm_timing {
	uint64_t t_start;	 /* first thing in main() */
	uint64_t t_built;	 /* VM assembled, about to start the vCPUs */
	uint64_t kvm_setup_ns;	 /* build steps that talk to KVM (VM, memory, vCPUs) */
	uint64_t kernel_load_ns; /* kernel + initrd + boot info into guest memory */
	unsigned nr_steps;
	struct {
		const char *name;
		uint64_t ns;
	} steps[VMM_TIMING_STEPS];
	uint64_t t_first_run; /* first KVM_RUN of the boot vCPU */
	uint64_t t_ready;     /* agent wrote INCEPT_CMD_READY */
	uint64_t t_end;	      /* VM stopped */
	bool rss_valid;
	uint64_t rss_kib;	     /* whole process, at ready */
	uint64_t guest_resident_kib; /* of which guest RAM */
};

static inline uint64_t vmm_ms(uint64_t from, uint64_t to)
{
	return to > from ? (to - from) / 1000000 : 0;
}

/* Samples the process RSS and the guest-RAM part of it (called when the agent is ready). */
void vmm_timing_sample_rss(struct vmm *vm);

/* Prints every `name: value` line. */
void vmm_timing_print(struct vmm *vm, FILE *out);

#endif
