// SPDX-License-Identifier: Apache-2.0
/* Host detection (VT-x / AMD-V / PVM) and the PVM workarounds. */
#include "quirks.h"

#include <cpuid.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static bool module_loaded(const char *dir, const char *name)
{
	char path[256];

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	return access(path, F_OK) == 0;
}

void vmm_host_facts_read(struct vmm_host_facts *f, const char *sys_module_dir,
			 struct kvm_cpuid2 *kvm_supported)
{
	unsigned a, b, c, d;

	memset(f, 0, sizeof(*f));
	/* There may be no /proc/modules (PVM hosts seen so far); /sys/module always is. */
	f->kvm_pvm_module = module_loaded(sys_module_dir, "kvm_pvm");
	f->kvm_intel_module = module_loaded(sys_module_dir, "kvm_intel");
	f->kvm_amd_module = module_loaded(sys_module_dir, "kvm_amd");
	__cpuid(0, a, b, c, d);
	memcpy(f->cpu_vendor, &b, 4);
	memcpy(f->cpu_vendor + 4, &d, 4);
	memcpy(f->cpu_vendor + 8, &c, 4);
	__cpuid(1, a, b, c, d);
	f->cpu_hypervisor = c & (1U << 31);
	f->cpu_vmx = c & (1U << 5);
	f->cpu_xsave = c & (1U << 26);
	__cpuid(0x80000000, a, b, c, d);
	if (a >= 0x80000001) {
		__cpuid(0x80000001, a, b, c, d);
		f->cpu_svm = c & (1U << 2);
	}
	for (uint32_t i = 0; kvm_supported && i < kvm_supported->nent; i++)
		if (kvm_supported->entries[i].function == 1)
			f->kvm_offers_xsave = kvm_supported->entries[i].ecx & (1U << 26);
}

static bool hw_kvm(const struct vmm_host_facts *f)
{
	return (f->kvm_intel_module && f->cpu_vmx) || (f->kvm_amd_module && f->cpu_svm);
}

enum vmm_host_kind vmm_host_detect(const struct vmm_host_facts *f)
{
	/*
	 * kvm_pvm and a hardware module can in principle both be loaded. Hardware KVM always
	 * offers XSAVE when the CPU has it; PVM's emulator cannot run it and hides it, so that
	 * settles which one serves /dev/kvm.
	 */
	if (f->kvm_pvm_module && (!hw_kvm(f) || (f->cpu_xsave && !f->kvm_offers_xsave)))
		return VMM_HOST_PVM;
	if (f->kvm_intel_module && f->cpu_vmx)
		return VMM_HOST_VTX;
	if (f->kvm_amd_module && f->cpu_svm)
		return VMM_HOST_AMDV;
	/* Built-in KVM has no module directory without parameters: go by the CPU. */
	if (f->cpu_vmx || !strcmp(f->cpu_vendor, "GenuineIntel"))
		return VMM_HOST_VTX;
	if (f->cpu_svm || !strcmp(f->cpu_vendor, "AuthenticAMD") ||
	    !strcmp(f->cpu_vendor, "HygonGenuine"))
		return VMM_HOST_AMDV;
	return VMM_HOST_UNKNOWN;
}

const char *vmm_host_kind_name(enum vmm_host_kind k)
{
	switch (k) {
	case VMM_HOST_VTX:
		return "vt-x";
	case VMM_HOST_AMDV:
		return "amd-v";
	case VMM_HOST_PVM:
		return "pvm";
	default:
		return "unknown";
	}
}

void vmm_quirks_init(struct vmm_quirks *q, enum vmm_host_kind kind)
{
	q->kind = kind;
	q->pvm = kind == VMM_HOST_PVM;
}

bool vmm_quirks_keep_cache_ok(const struct vmm_quirks *q)
{
	return !q->pvm;
}

#define TSS64_AVAILABLE 9
#define TSS64_BUSY	11

void vmm_quirks_fix_sregs(const struct vmm_quirks *q, struct kvm_sregs *s)
{
	if (q->kind == VMM_HOST_AMDV && s->tr.type == TSS64_BUSY)
		s->tr.type = TSS64_AVAILABLE;
}

/* One CPUID bit the guest must not see on PVM, and why (docs/pvm-quirks.md). */
struct cpuid_mask {
	uint32_t function, index;
	int reg; /* 0 eax, 1 ebx, 2 ecx, 3 edx */
	uint32_t bits;
};

#define BIT(n) (1U << (n))
static const struct cpuid_mask pvm_masks[] = {
	/* leaf 1 ECX: FMA, CX16 (lock cmpxchg16b), PCID, POPCNT, XSAVE, OSXSAVE, AVX, F16C */
	{1, 0, 2, BIT(12) | BIT(13) | BIT(17) | BIT(23) | BIT(26) | BIT(27) | BIT(28) | BIT(29)},
	/* leaf 7.0 EBX: FSGSBASE, AVX2, SMEP, INVPCID, AVX512F/DQ/IFMA/PF/ER/CD/BW/VL, SMAP */
	{7, 0, 1,
	 BIT(0) | BIT(5) | BIT(7) | BIT(10) | BIT(16) | BIT(17) | BIT(21) | BIT(26) | BIT(27) |
		 BIT(28) | BIT(30) | BIT(31) | BIT(20)},
	/* leaf 7.0 ECX: AVX512_VBMI, AVX512_VBMI2, VAES, VPCLMULQDQ, AVX512_VNNI, BITALG,
	 * VPOPCNTDQ, RDPID */
	{7, 0, 2, BIT(1) | BIT(6) | BIT(9) | BIT(10) | BIT(11) | BIT(12) | BIT(14) | BIT(22)},
	/* leaf 7.0 EDX: AVX512_4VNNIW/4FMAPS, AVX512_VP2INTERSECT, AVX512_FP16 */
	{7, 0, 3, BIT(2) | BIT(3) | BIT(8) | BIT(23)},
	/* leaf 7.1 EAX: AVX_VNNI, AVX512_BF16 */
	{7, 1, 0, BIT(4) | BIT(5)},
	/* leaf 0xd.1 EAX: XSAVEOPT, XSAVEC, XGETBV1, XSAVES */
	{0xd, 1, 0, BIT(0) | BIT(1) | BIT(2) | BIT(3)},
	/* leaf 0x80000001 ECX: ABM (lzcnt; popcnt's sibling), XOP, FMA4 */
	{0x80000001, 0, 2, BIT(5) | BIT(11) | BIT(16)},
};

static uint32_t *cpuid_reg(struct kvm_cpuid_entry2 *ent, int reg)
{
	uint32_t *regs[] = {&ent->eax, &ent->ebx, &ent->ecx, &ent->edx};

	return regs[reg];
}

void vmm_quirks_mask_cpuid(const struct vmm_quirks *q, struct kvm_cpuid2 *c)
{
	if (!q->pvm)
		return;
	for (uint32_t i = 0; i < c->nent; i++) {
		struct kvm_cpuid_entry2 *ent = &c->entries[i];

		for (size_t m = 0; m < sizeof(pvm_masks) / sizeof(pvm_masks[0]); m++) {
			const struct cpuid_mask *mk = &pvm_masks[m];

			if (ent->function == mk->function && ent->index == mk->index)
				*cpuid_reg(ent, mk->reg) &= ~mk->bits;
		}
		/* No XSAVE means no extended state components either (leaf 0xd.0). */
		if (ent->function == 0xd && ent->index == 0) {
			ent->eax &= 0x3; /* x87 | SSE, the FXSAVE legacy area */
			ent->edx = 0;
		}
	}
}

const char *vmm_quirks_cmdline(const struct vmm_quirks *q)
{
	/*
	 * PVM overrides KVM_SET_CPUID2 for leaves 1, 7 and 0xd with the host's own bits
	 * (docs/pvm-quirks.md), so the CPUID masks alone do not hide POPCNT, XSAVE, SMAP,
	 * FSGSBASE, INVPCID, AVX*. The kernel's own switches do: `noxsave` drops XSAVE and all
	 * that depends on it (AVX*, XSAVEOPT/C/S); `clearcpuid=` the rest (at most 127 bytes
	 * of it are parsed). ERMS/FSRM are cleared for speed, not correctness: the emulator
	 * runs `rep stosb/movsb` a byte per step, `rep stosq/movsq` 8 bytes per step.
	 * noreplace-smp, also for speed: a 1-CPU kernel otherwise rewrites ~5000 `lock`
	 * prefixes with one text_poke() each (~2 s here); with more CPUs it changes nothing.
	 * percpu_alloc=page: the first per-CPU chunk in pages, not a 2 MiB block that is
	 * zeroed (memset is emulated too).
	 * clocksource=kvm-clock: guest `rdtsc` runs natively on PVM and reads the host's TSC, so
	 * the TSC a snapshot saved cannot be restored; with the TSC as clocksource a restored
	 * guest's clocks jump by the snapshot's age and it first runs every timer that expired
	 * meanwhile (measured: ~100 ms of emulated work before the agent runs, for a snapshot
	 * 20 s old). kvm-clock is continued by KVM_SET_CLOCK: the agent runs at once (~15 ms).
	 * cgroup_disable=memory, for speed: every page a container's exec brings into the page
	 * cache (busybox: ~500 pages through FUSE) is charged to a memcg and its LRU stats
	 * updated, all emulated (~8% of a `run true` profile); limits are the host cgroup's, not
	 * the guest's. Measured: guest_ms ~2360 -> ~2200 (docs/agent.md).
	 */
	return q->pvm ? "noxsave "
			"clearcpuid=popcnt,cx16,smap,smep,fsgsbase,rdpid,pcid,invpcid,erms,fsrm "
			"noreplace-smp percpu_alloc=page clocksource=kvm-clock "
			"cgroup_disable=memory"
		      : "";
}

enum vmm_fixup_kind vmm_quirks_classify(const uint8_t *insn, size_t n, unsigned *len)
{
	*len = 0;
	if (n < 1)
		return VMM_FIXUP_NONE;
	switch (insn[0]) {
	case 0xcc: /* int3 */
		*len = 1;
		return VMM_FIXUP_INT3;
	case 0x9b: /* fwait: only checks for pending x87 exceptions, which we never raise */
		*len = 1;
		return VMM_FIXUP_FWAIT;
	default:
		return VMM_FIXUP_NONE;
	}
}

const char *vmm_fixup_name(enum vmm_fixup_kind k)
{
	switch (k) {
	case VMM_FIXUP_INT3:
		return "int3";
	case VMM_FIXUP_FWAIT:
		return "fwait";
	default:
		return "none";
	}
}
