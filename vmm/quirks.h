/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Differences between hosts. The VMM works out by itself whether /dev/kvm is hardware KVM
 * (VT-x, AMD-V) or software nested KVM ("PVM", module kvm_pvm), from facts it records once
 * (vmm_host_facts_read), with a pure decision function the unit tests drive. On PVM only it
 * masks CPUID features the host's instruction emulator cannot run, adds `noxsave`, and
 * steps over the few instructions the emulator gives up on. docs/pvm-quirks.md has the
 * evidence for each.
 */
#ifndef VMM_QUIRKS_H
#define VMM_QUIRKS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <linux/kvm.h>
#include "error.h"

enum vmm_host_kind {
	VMM_HOST_UNKNOWN, /* hardware KVM of an unrecognised vendor: no quirks */
	VMM_HOST_VTX,
	VMM_HOST_AMDV,
	VMM_HOST_PVM,
};

struct vmm_host_facts {
	bool kvm_pvm_module;   /* /sys/module/kvm_pvm exists */
	bool kvm_intel_module; /* /sys/module/kvm_intel */
	bool kvm_amd_module;   /* /sys/module/kvm_amd */
	char cpu_vendor[13];   /* host CPUID leaf 0 */
	bool cpu_hypervisor;   /* host CPUID.1:ECX[31]: we are a guest ourselves */
	bool cpu_vmx;	       /* host CPUID.1:ECX[5] */
	bool cpu_svm;	       /* host CPUID.80000001h:ECX[2] */
	bool cpu_xsave;	       /* host CPUID.1:ECX[26] */
	bool kvm_offers_xsave; /* KVM_GET_SUPPORTED_CPUID.1:ECX[26] */
};

/* Reads the facts: module directory (normally /sys/module), the host CPUID, KVM's CPUID. */
void vmm_host_facts_read(struct vmm_host_facts *f, const char *sys_module_dir,
			 struct kvm_cpuid2 *kvm_supported);

/* Pure: what kind of host these facts describe. */
enum vmm_host_kind vmm_host_detect(const struct vmm_host_facts *f);
const char *vmm_host_kind_name(enum vmm_host_kind k);

struct vmm_quirks {
	enum vmm_host_kind kind;
	bool pvm; /* apply the PVM workarounds */
};

void vmm_quirks_init(struct vmm_quirks *q, enum vmm_host_kind kind);

/* Clears the CPUID bits the host cannot run (PVM only; a no-op elsewhere). */
void vmm_quirks_mask_cpuid(const struct vmm_quirks *q, struct kvm_cpuid2 *c);

/*
 * Segment state for KVM_SET_SREGS at a restore. AMD-V: KVM_GET_SREGS reports TR as a busy TSS
 * (type 11) although SVM keeps it "available" (9) in the VMCB (KVM's workaround for SVM not
 * exposing the busy bit); an emulated SVM (QEMU TCG) then refuses every user `in`/`out`
 * (#GP), which kills the agent. Puts back the VMCB's own type. A no-op on other hosts (VMX
 * requires 11).
 */
void vmm_quirks_fix_sregs(const struct vmm_quirks *q, struct kvm_sregs *s);

/*
 * Whether a share may keep its file data cached in the guest (`--share ...:keep`). Not on PVM:
 * busybox processes died by SIGSEGV now and then with it there, never on AMD-V
 * (docs/pvm-quirks.md 14).
 */
bool vmm_quirks_keep_cache_ok(const struct vmm_quirks *q);

/* Extra kernel command line words ("" when none). */
const char *vmm_quirks_cmdline(const struct vmm_quirks *q);

/* What to do about an instruction the host's emulator refused. */
enum vmm_fixup_kind {
	VMM_FIXUP_NONE,	 /* unknown: stop the VM */
	VMM_FIXUP_INT3,	 /* skip it and inject #BP */
	VMM_FIXUP_FWAIT, /* skip it */
};

/* Pure: classifies the instruction bytes at RIP; *len gets the bytes to skip. */
enum vmm_fixup_kind vmm_quirks_classify(const uint8_t *insn, size_t n, unsigned *len);
const char *vmm_fixup_name(enum vmm_fixup_kind k);

#endif
