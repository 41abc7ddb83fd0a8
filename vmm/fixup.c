// SPDX-License-Identifier: Apache-2.0
/* Emulation-failure handling: instruction fetch through the guest page tables, fixups. */
#include "fixup.h"
#include "paging.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>

#define INSN_MAX 15

struct insn {
	uint8_t bytes[INSN_MAX];
	size_t n;
	uint64_t rip;
	int cpl;
};

/* Fetches up to 15 bytes at CS:RIP; stops early at an unmapped page. */
static void fetch_from_memory(const struct vmm_mem *m, const struct kvm_sregs *s, struct insn *in)
{
	struct vmm_paging_regs pr = {s->cr0, s->cr3, s->cr4, s->efer};
	uint64_t linear = s->cs.l ? in->rip : s->cs.base + (in->rip & 0xffffffffULL);
	uint64_t gpa = 0;
	struct err e;

	in->n = 0;
	for (size_t i = 0; i < INSN_MAX; i++) {
		const uint8_t *p;

		if ((i == 0 || ((linear + i) & 0xfff) == 0) &&
		    vmm_gva_to_gpa(m, &pr, linear + i, &gpa, &e) < 0)
			return;
		p = vmm_mem_ptr(m, gpa, 1);
		if (!p)
			return;
		in->bytes[in->n++] = *p;
		gpa++;
	}
}

/*
 * Debug aid, once per process: does KVM_TRANSLATE agree with our own walk, and did KVM
 * hand over the instruction bytes? (docs/pvm-quirks.md records the answers for PVM.)
 */
static void compare_translate(struct vmm_vcpu *v, const struct kvm_sregs *s, uint64_t rip)
{
	static bool done;
	struct vmm_paging_regs pr = {s->cr0, s->cr3, s->cr4, s->efer};
	struct kvm_translation tr = {.linear_address = rip};
	uint64_t gpa = 0;
	struct err e;
	int r;

	if (done || !log_debug_enabled())
		return;
	done = true;
	r = ioctl(v->fd, KVM_TRANSLATE, &tr);
	if (vmm_gva_to_gpa(&v->vm->mem, &pr, rip, &gpa, &e) < 0)
		gpa = ~0ULL;
	log_debug("KVM_TRANSLATE(0x%llx): %s, valid=%u gpa=0x%llx; page walk gpa=0x%llx; "
		  "insn bytes from KVM: %s",
		  (unsigned long long)rip, r < 0 ? "failed" : "ok", tr.valid,
		  (unsigned long long)tr.physical_address, (unsigned long long)gpa,
		  (v->run->emulation_failure.flags &
		   KVM_INTERNAL_ERROR_EMULATION_FLAG_INSTRUCTION_BYTES)
			  ? "yes"
			  : "no");
}

static int read_insn(struct vmm_vcpu *v, struct kvm_regs *r, struct kvm_sregs *s, struct insn *in,
		     struct err *e)
{
	struct kvm_run *run = v->run;

	if (ioctl(v->fd, KVM_GET_REGS, r) < 0)
		return err_sys(e, errno, "KVM_GET_REGS");
	if (ioctl(v->fd, KVM_GET_SREGS, s) < 0)
		return err_sys(e, errno, "KVM_GET_SREGS");
	in->rip = r->rip;
	in->cpl = s->cs.dpl;
	compare_translate(v, s, r->rip);
	/* KVM hands over the bytes it fetched when it can; otherwise walk the tables. */
	if (run->internal.suberror == KVM_INTERNAL_ERROR_EMULATION &&
	    (run->emulation_failure.flags & KVM_INTERNAL_ERROR_EMULATION_FLAG_INSTRUCTION_BYTES) &&
	    run->emulation_failure.insn_size > 0) {
		in->n = run->emulation_failure.insn_size;
		if (in->n > INSN_MAX)
			in->n = INSN_MAX;
		memcpy(in->bytes, run->emulation_failure.insn_bytes, in->n);
		return 0;
	}
	fetch_from_memory(&v->vm->mem, s, in);
	return 0;
}

static void format_bytes(const struct insn *in, char *out, size_t len)
{
	size_t o = 0;

	out[0] = '\0';
	for (size_t i = 0; i < in->n && o + 4 < len; i++)
		o += snprintf(out + o, len - o, "%s%02x", i ? " " : "", in->bytes[i]);
	if (!in->n)
		snprintf(out, len, "(unreadable)");
}

static int inject_breakpoint(struct vmm_vcpu *v, struct err *e)
{
	struct kvm_vcpu_events ev;

	if (ioctl(v->fd, KVM_GET_VCPU_EVENTS, &ev) < 0)
		return err_sys(e, errno, "KVM_GET_VCPU_EVENTS");
	/* #BP is a trap: the handler sees RIP after the int3, which we already set. */
	ev.exception.injected = 1;
	ev.exception.nr = 3;
	ev.exception.has_error_code = 0;
	ev.exception.error_code = 0;
	if (ioctl(v->fd, KVM_SET_VCPU_EVENTS, &ev) < 0)
		return err_sys(e, errno, "KVM_SET_VCPU_EVENTS (#BP)");
	return 0;
}

int vmm_fixup_emulation_failure(struct vmm_vcpu *v, struct err *e)
{
	struct kvm_regs r;
	struct kvm_sregs s;
	struct insn in;
	unsigned len;
	enum vmm_fixup_kind k;

	if (read_insn(v, &r, &s, &in, e) < 0)
		return -1;
	k = vmm_quirks_classify(in.bytes, in.n, &len);
	if (k == VMM_FIXUP_NONE)
		return vmm_fixup_describe_failure(v, e);
	r.rip += len;
	if (ioctl(v->fd, KVM_SET_REGS, &r) < 0)
		return err_sys(e, errno, "KVM_SET_REGS");
	if (k == VMM_FIXUP_INT3 && inject_breakpoint(v, e) < 0)
		return -1;
	v->fixups++;
	log_debug("vCPU %u: stepped over %s at 0x%llx", v->id, vmm_fixup_name(k),
		  (unsigned long long)in.rip);
	return 0;
}

int vmm_fixup_describe_failure(struct vmm_vcpu *v, struct err *e)
{
	struct kvm_regs r;
	struct kvm_sregs s;
	struct insn in = {.n = 0};
	char bytes[3 * INSN_MAX + 16];
	struct err tmp;

	if (read_insn(v, &r, &s, &in, &tmp) < 0)
		in.rip = 0;
	format_bytes(&in, bytes, sizeof(bytes));
	return err_set(e, EIO,
		       "vCPU %u: KVM internal error (suberror %u): the host cannot emulate the "
		       "guest instruction at RIP 0x%llx (CPL %d), bytes: %s",
		       v->id, v->run->internal.suberror, (unsigned long long)in.rip, in.cpl, bytes);
}
