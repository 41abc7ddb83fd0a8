// SPDX-License-Identifier: Apache-2.0
/* Host detection from recorded facts, and what each host kind gets. */
#include "unit.h"
#include "vmm/quirks.h"
#include "vmm/vcpu.h"

#include <stdlib.h>
#include <string.h>

/* This project's own machine: AMD EPYC guest, kvm_pvm loaded, no SVM exposed. */
static const struct vmm_host_facts pvm_host = {
	.kvm_pvm_module = true,
	.cpu_vendor = "AuthenticAMD",
	.cpu_hypervisor = true,
	.cpu_xsave = true,
	.kvm_offers_xsave = false,
};

/* A cloud VM with nested VT-x. */
static const struct vmm_host_facts vtx_host = {
	.kvm_intel_module = true,
	.cpu_vendor = "GenuineIntel",
	.cpu_hypervisor = true,
	.cpu_vmx = true,
	.cpu_xsave = true,
	.kvm_offers_xsave = true,
};

/* Bare-metal AMD with kvm_amd. */
static const struct vmm_host_facts amdv_host = {
	.kvm_amd_module = true,
	.cpu_vendor = "AuthenticAMD",
	.cpu_svm = true,
	.cpu_xsave = true,
	.kvm_offers_xsave = true,
};

static void test_detect_pvm(void)
{
	CHECK_INT(vmm_host_detect(&pvm_host), VMM_HOST_PVM);
	CHECK_STR(vmm_host_kind_name(vmm_host_detect(&pvm_host)), "pvm");
}

static void test_detect_vtx(void)
{
	CHECK_INT(vmm_host_detect(&vtx_host), VMM_HOST_VTX);
}

static void test_detect_amdv(void)
{
	CHECK_INT(vmm_host_detect(&amdv_host), VMM_HOST_AMDV);
}

/* kvm_pvm loaded beside a working kvm_intel: KVM offering XSAVE means hardware KVM. */
static void test_detect_pvm_module_beside_hw(void)
{
	struct vmm_host_facts f = vtx_host;

	f.kvm_pvm_module = true;
	CHECK_INT(vmm_host_detect(&f), VMM_HOST_VTX);
	f.kvm_offers_xsave = false;
	CHECK_INT(vmm_host_detect(&f), VMM_HOST_PVM);
}

/* Built-in kvm_intel/kvm_amd without a /sys/module entry: go by the CPU. */
static void test_detect_builtin(void)
{
	struct vmm_host_facts f = vtx_host;

	f.kvm_intel_module = false;
	CHECK_INT(vmm_host_detect(&f), VMM_HOST_VTX);
	f = amdv_host;
	f.kvm_amd_module = false;
	CHECK_INT(vmm_host_detect(&f), VMM_HOST_AMDV);
	memset(&f, 0, sizeof(f));
	strcpy(f.cpu_vendor, "OtherVendor");
	CHECK_INT(vmm_host_detect(&f), VMM_HOST_UNKNOWN);
}

static struct kvm_cpuid2 *cpuid_all_ones(void)
{
	static const uint32_t leaves[][2] = {{1, 0},   {7, 0},	 {7, 1},
					     {0xd, 0}, {0xd, 1}, {0x80000001, 0}};
	struct kvm_cpuid2 *c = calloc(1, sizeof(*c) + 6 * sizeof(c->entries[0]));

	c->nent = 6;
	for (unsigned i = 0; i < 6; i++) {
		c->entries[i].function = leaves[i][0];
		c->entries[i].index = leaves[i][1];
		c->entries[i].eax = c->entries[i].ebx = c->entries[i].ecx = c->entries[i].edx = ~0U;
	}
	return c;
}

static void test_cpuid_masks_pvm(void)
{
	struct vmm_quirks q;
	struct kvm_cpuid2 *c = cpuid_all_ones();

	vmm_quirks_init(&q, VMM_HOST_PVM);
	CHECK(q.pvm);
	vmm_quirks_mask_cpuid(&q, c);
	CHECK(!(c->entries[0].ecx & (1U << 13))); /* CX16 */
	CHECK(!(c->entries[0].ecx & (1U << 17))); /* PCID */
	CHECK(!(c->entries[0].ecx & (1U << 23))); /* POPCNT */
	CHECK(!(c->entries[0].ecx & (1U << 26))); /* XSAVE */
	CHECK(!(c->entries[0].ecx & (1U << 28))); /* AVX */
	CHECK(c->entries[0].ecx & (1U << 0));	  /* SSE3 stays */
	CHECK(c->entries[0].edx == ~0U);	  /* leaf 1 EDX untouched */
	CHECK(!(c->entries[1].ebx & (1U << 0)));  /* FSGSBASE */
	CHECK(!(c->entries[1].ebx & (1U << 5)));  /* AVX2 */
	CHECK(!(c->entries[1].ebx & (1U << 7)));  /* SMEP */
	CHECK(!(c->entries[1].ebx & (1U << 10))); /* INVPCID */
	CHECK(!(c->entries[1].ebx & (1U << 16))); /* AVX512F */
	CHECK(!(c->entries[1].ebx & (1U << 20))); /* SMAP */
	CHECK(!(c->entries[1].ecx & (1U << 22))); /* RDPID */
	CHECK(c->entries[1].ebx & (1U << 9));	  /* ERMS stays */
	CHECK_INT(c->entries[3].eax, 0x3);	  /* leaf 0xd.0: x87 + SSE only */
	CHECK_INT(c->entries[4].eax & 0xf, 0);	  /* XSAVEOPT/XSAVEC/XGETBV1/XSAVES */
	free(c);
}

static void test_cpuid_untouched_on_hardware(void)
{
	enum vmm_host_kind kinds[] = {VMM_HOST_VTX, VMM_HOST_AMDV, VMM_HOST_UNKNOWN};

	for (unsigned k = 0; k < 3; k++) {
		struct vmm_quirks q;
		struct kvm_cpuid2 *c = cpuid_all_ones();

		vmm_quirks_init(&q, kinds[k]);
		CHECK(!q.pvm);
		vmm_quirks_mask_cpuid(&q, c);
		for (unsigned i = 0; i < c->nent; i++)
			CHECK(c->entries[i].eax == ~0U && c->entries[i].ebx == ~0U &&
			      c->entries[i].ecx == ~0U && c->entries[i].edx == ~0U);
		CHECK_STR(vmm_quirks_cmdline(&q), "");
		free(c);
	}
}

static void test_cmdline_pvm(void)
{
	struct vmm_quirks q;
	const char *s, *cc;

	vmm_quirks_init(&q, VMM_HOST_PVM);
	s = vmm_quirks_cmdline(&q);
	CHECK(strstr(s, "noxsave") != NULL);
	CHECK(strstr(s, "noreplace-smp") != NULL);
	CHECK(strstr(s, "percpu_alloc=page") != NULL);
	CHECK(strstr(s, "cgroup_disable=memory") != NULL);
	cc = strstr(s, "clearcpuid=");
	CHECK(cc != NULL);
	if (cc) {
		/* The kernel reads at most 127 bytes of the clearcpuid value. */
		CHECK(strcspn(cc + 11, " ") < 128);
		CHECK(strstr(cc, "popcnt") && strstr(cc, "smap") && strstr(cc, "fsgsbase") &&
		      strstr(cc, "invpcid") && strstr(cc, "erms") && strstr(cc, "fsrm"));
		CHECK(strstr(cc, "rep_good") == NULL); /* rep stosq is the fast path */
	}
}

static void test_classify(void)
{
	const uint8_t int3[] = {0xcc, 0x90};
	const uint8_t fwait[] = {0x9b, 0xdb, 0xe2};
	const uint8_t popcnt[] = {0xf3, 0x48, 0x0f, 0xb8, 0xc7};
	unsigned len = 99;

	CHECK_INT(vmm_quirks_classify(int3, sizeof(int3), &len), VMM_FIXUP_INT3);
	CHECK_INT(len, 1);
	CHECK_INT(vmm_quirks_classify(fwait, sizeof(fwait), &len), VMM_FIXUP_FWAIT);
	CHECK_INT(len, 1);
	CHECK_INT(vmm_quirks_classify(popcnt, sizeof(popcnt), &len), VMM_FIXUP_NONE);
	CHECK_INT(len, 0);
	CHECK_INT(vmm_quirks_classify(int3, 0, &len), VMM_FIXUP_NONE);
}

static void test_cpuid_hypervisor_bit(void)
{
	struct kvm_cpuid2 *c = calloc(1, sizeof(*c) + 3 * sizeof(c->entries[0]));

	if (!c)
		abort();
	c->nent = 3;
	c->entries[0] = (struct kvm_cpuid_entry2){.function = 0, .ecx = 0x444d4163};
	c->entries[1] = (struct kvm_cpuid_entry2){.function = 1, .ecx = 0x00000201};
	c->entries[2] = (struct kvm_cpuid_entry2){.function = 0x40000000, .eax = 0x40000001};
	vmm_cpuid_set_hypervisor(c);
	CHECK_INT(c->entries[1].ecx, 0x80000201); /* bit 31 added, the rest kept */
	CHECK_INT(c->entries[0].ecx, 0x444d4163);
	CHECK_INT(c->entries[2].eax, 0x40000001);
	vmm_cpuid_set_hypervisor(c); /* already set: unchanged */
	CHECK_INT(c->entries[1].ecx, 0x80000201);
	free(c);
}

static void test_sregs_tr(void)
{
	enum vmm_host_kind kinds[] = {VMM_HOST_AMDV, VMM_HOST_VTX, VMM_HOST_PVM, VMM_HOST_UNKNOWN};

	for (unsigned k = 0; k < 4; k++) {
		struct vmm_quirks q;
		struct kvm_sregs s = {.tr = {.type = 11, .selector = 0x40, .limit = 0x4087}};

		vmm_quirks_init(&q, kinds[k]);
		vmm_quirks_fix_sregs(&q, &s);
		/* only AMD-V gets the VMCB's "available" type back; VMX requires busy */
		CHECK_INT(s.tr.type, kinds[k] == VMM_HOST_AMDV ? 9 : 11);
		CHECK_INT(s.tr.selector, 0x40);
		CHECK_INT(s.tr.limit, 0x4087);
	}
}

static void test_keep_cache(void)
{
	enum vmm_host_kind kinds[] = {VMM_HOST_AMDV, VMM_HOST_VTX, VMM_HOST_PVM, VMM_HOST_UNKNOWN};

	for (unsigned k = 0; k < 4; k++) {
		struct vmm_quirks q;

		vmm_quirks_init(&q, kinds[k]);
		CHECK(vmm_quirks_keep_cache_ok(&q) == (kinds[k] != VMM_HOST_PVM));
	}
}

int main(void)
{
	RUN(test_detect_pvm);
	RUN(test_detect_vtx);
	RUN(test_detect_amdv);
	RUN(test_detect_pvm_module_beside_hw);
	RUN(test_detect_builtin);
	RUN(test_cpuid_masks_pvm);
	RUN(test_cpuid_untouched_on_hardware);
	RUN(test_cmdline_pvm);
	RUN(test_classify);
	RUN(test_sregs_tr);
	RUN(test_cpuid_hypervisor_bit);
	RUN(test_keep_cache);
	return unit_done();
}
