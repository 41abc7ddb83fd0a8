// SPDX-License-Identifier: Apache-2.0
/* KVM and device state to and from the snapshot state file, in KVM's required order. */
#include "snapshot_state.h"
#include "cleanup.h"
#include "virtio/mmio.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>

#define MAX_MSRS 512

struct snap_meta {
	uint32_t nr_vcpus, nr_virtio;
	uint64_t memory_size;
	uint32_t tsc_khz;    /* the guest calibrated against this; restore only at the same rate */
	uint32_t xsave_size; /* 0: legacy FPU image */
	uint32_t has_xcrs;
	uint32_t generation;
};

static uint32_t xsave_size(const struct vmm *vm)
{
	int n = ioctl(vm->kvm.kvm_fd, KVM_CHECK_EXTENSION, KVM_CAP_XSAVE2);

	if (n >= (int)sizeof(struct kvm_xsave))
		return (uint32_t)n;
	if (ioctl(vm->kvm.kvm_fd, KVM_CHECK_EXTENSION, KVM_CAP_XSAVE) > 0)
		return sizeof(struct kvm_xsave);
	return 0;
}

static void meta_fill(struct vmm *vm, struct snap_meta *m)
{
	int khz = ioctl(vm->vcpus[0].fd, KVM_GET_TSC_KHZ, 0);

	*m = (struct snap_meta){
		.nr_vcpus = vm->nr_vcpus,
		.nr_virtio = vm->nr_virtio,
		.memory_size = vm->mem.size,
		.tsc_khz = khz > 0 ? (uint32_t)khz : 0,
		.xsave_size = xsave_size(vm),
		.has_xcrs = ioctl(vm->kvm.kvm_fd, KVM_CHECK_EXTENSION, KVM_CAP_XCRS) > 0,
		.generation = vm->generation};
}

/* KVM_GET_MSR_INDEX_LIST, keeping only the MSRs this vCPU can read back. */
static int msr_list(struct vmm *vm, struct kvm_msrs **out, struct err *e)
{
	struct kvm_msr_list *l = calloc(1, sizeof(*l) + MAX_MSRS * sizeof(uint32_t));
	/* One MSR at a time; on the heap, as a struct ending in a flexible array must be. */
	struct kvm_msrs *one = calloc(1, sizeof(*one) + sizeof(one->entries[0]));
	struct kvm_msrs *m = NULL;
	int r = -1;

	if (!l || !one) {
		err_sys(e, ENOMEM, "MSR list");
		goto out;
	}
	l->nmsrs = MAX_MSRS;
	if (ioctl(vm->kvm.kvm_fd, KVM_GET_MSR_INDEX_LIST, l) < 0) {
		err_sys(e, errno, "KVM_GET_MSR_INDEX_LIST");
		goto out;
	}
	m = calloc(1, sizeof(*m) + l->nmsrs * sizeof(m->entries[0]));
	if (!m) {
		err_sys(e, ENOMEM, "MSR list");
		goto out;
	}
	for (uint32_t i = 0; i < l->nmsrs; i++) {
		one->nmsrs = 1;
		one->entries[0] = (struct kvm_msr_entry){.index = l->indices[i]};
		if (ioctl(vm->vcpus[0].fd, KVM_GET_MSRS, one) == 1)
			m->entries[m->nmsrs++].index = l->indices[i];
	}
	*out = m;
	r = 0;
out:
	free(l);
	free(one);
	return r;
}

static int save_ioctl(struct vmm_snap_writer *w, int fd, unsigned long req, const char *name,
		      uint32_t tag, void *buf, size_t len, struct err *e)
{
	if (ioctl(fd, req, buf) < 0)
		return err_sys(e, errno, "%s", name);
	vmm_snap_put(w, tag, buf, len);
	return 0;
}

#define SAVE(w, fd, req, kind, i, var, e)                                                          \
	save_ioctl(w, fd, req, #req, VMM_SNAP_TAG(kind, i), &(var), sizeof(var), e)

static int save_fpu(struct vmm_snap_writer *w, const struct snap_meta *m, struct vmm_vcpu *v,
		    struct err *e)
{
	cleanup_free struct kvm_xsave *xs = NULL;
	struct kvm_fpu fpu;

	if (!m->xsave_size)
		return SAVE(w, v->fd, KVM_GET_FPU, VMM_SNAP_VCPU_FPU, v->id, fpu, e);
	xs = calloc(1, m->xsave_size);
	if (!xs)
		return err_sys(e, ENOMEM, "XSAVE area");
	if (ioctl(v->fd, m->xsave_size > sizeof(*xs) ? KVM_GET_XSAVE2 : KVM_GET_XSAVE, xs) < 0)
		return err_sys(e, errno, "KVM_GET_XSAVE");
	vmm_snap_put(w, VMM_SNAP_TAG(VMM_SNAP_VCPU_XSAVE, v->id), xs, m->xsave_size);
	return 0;
}

static int save_vcpu(struct vmm_snap_writer *w, const struct snap_meta *m, struct vmm_vcpu *v,
		     struct kvm_msrs *msrs, struct err *e)
{
	struct kvm_mp_state mp;
	struct kvm_regs regs;
	struct kvm_sregs sregs;
	struct kvm_xcrs xcrs;
	struct kvm_debugregs dregs;
	struct kvm_lapic_state lapic;
	struct kvm_vcpu_events events;
	unsigned i = v->id;
	int n;

	if (SAVE(w, v->fd, KVM_GET_MP_STATE, VMM_SNAP_VCPU_MP, i, mp, e) < 0 ||
	    SAVE(w, v->fd, KVM_GET_REGS, VMM_SNAP_VCPU_REGS, i, regs, e) < 0 ||
	    SAVE(w, v->fd, KVM_GET_SREGS, VMM_SNAP_VCPU_SREGS, i, sregs, e) < 0 ||
	    save_fpu(w, m, v, e) < 0)
		return -1;
	if (m->has_xcrs && SAVE(w, v->fd, KVM_GET_XCRS, VMM_SNAP_VCPU_XCRS, i, xcrs, e) < 0)
		return -1;
	if (SAVE(w, v->fd, KVM_GET_DEBUGREGS, VMM_SNAP_VCPU_DEBUGREGS, i, dregs, e) < 0 ||
	    SAVE(w, v->fd, KVM_GET_LAPIC, VMM_SNAP_VCPU_LAPIC, i, lapic, e) < 0)
		return -1;
	n = ioctl(v->fd, KVM_GET_MSRS, msrs);
	if (n < 0 || (uint32_t)n != msrs->nmsrs)
		return err_sys(e, n < 0 ? errno : EIO, "KVM_GET_MSRS on vCPU %u (%d of %u)", i, n,
			       msrs->nmsrs);
	vmm_snap_put(w, VMM_SNAP_TAG(VMM_SNAP_VCPU_MSRS, i), msrs,
		     sizeof(*msrs) + msrs->nmsrs * sizeof(msrs->entries[0]));
	return SAVE(w, v->fd, KVM_GET_VCPU_EVENTS, VMM_SNAP_VCPU_EVENTS, i, events, e);
}

static int save_vm(struct vmm *vm, struct vmm_snap_writer *w, struct err *e)
{
	struct kvm_clock_data clock = {0};
	struct kvm_pit_state2 pit;

	if (SAVE(w, vm->kvm.vm_fd, KVM_GET_CLOCK, VMM_SNAP_CLOCK, 0, clock, e) < 0)
		return -1;
	for (unsigned chip = 0; chip < 3; chip++) {
		struct kvm_irqchip c = {.chip_id = chip};

		if (SAVE(w, vm->kvm.vm_fd, KVM_GET_IRQCHIP, VMM_SNAP_IRQCHIP, chip, c, e) < 0)
			return -1;
	}
	return SAVE(w, vm->kvm.vm_fd, KVM_GET_PIT2, VMM_SNAP_PIT, 0, pit, e);
}

static void save_devices(struct vmm *vm, struct vmm_snap_writer *w)
{
	struct vmm_serial_state ser;

	vmm_serial_save(&vm->serial, &ser);
	vmm_snap_put(w, VMM_SNAP_TAG(VMM_SNAP_SERIAL, 0), &ser, sizeof(ser));
	for (unsigned i = 0; i < vm->nr_virtio; i++) {
		struct vmm_virtio_mmio_state st;

		vmm_virtio_mmio_save(vm->virtio[i], &st);
		vmm_snap_put(w, VMM_SNAP_TAG(VMM_SNAP_VIRTIO, i), &st, sizeof(st));
	}
}

int vmm_state_save(struct vmm *vm, struct vmm_snap_writer *w, struct err *e)
{
	cleanup_free struct kvm_msrs *msrs = NULL;
	struct snap_meta m;

	meta_fill(vm, &m);
	vmm_snap_put(w, VMM_SNAP_TAG(VMM_SNAP_META, 0), &m, sizeof(m));
	if (save_vm(vm, w, e) < 0 || msr_list(vm, &msrs, e) < 0)
		return -1;
	for (unsigned i = 0; i < vm->nr_vcpus; i++)
		if (save_vcpu(w, &m, &vm->vcpus[i], msrs, e) < 0)
			return -1;
	save_devices(vm, w);
	return 0;
}

/* ---- restore ---- */

static int load_ioctl(struct vmm_snap_reader *r, int fd, unsigned long req, const char *name,
		      uint32_t tag, void *buf, size_t len, struct err *e)
{
	if (vmm_snap_get(r, tag, buf, len, e) < 0)
		return -1;
	if (ioctl(fd, req, buf) < 0)
		return err_sys(e, errno, "%s", name);
	return 0;
}

#define LOAD(r, fd, req, kind, i, var, e)                                                          \
	load_ioctl(r, fd, req, #req, VMM_SNAP_TAG(kind, i), &(var), sizeof(var), e)

static int check_meta(struct vmm *vm, const struct snap_meta *m, struct err *e)
{
	struct snap_meta here;

	meta_fill(vm, &here);
	if (m->nr_vcpus != here.nr_vcpus || m->nr_virtio != here.nr_virtio ||
	    m->memory_size != here.memory_size)
		return err_set(e, EINVAL, "snapshot is of another machine shape");
	if (m->xsave_size != here.xsave_size || m->has_xcrs != here.has_xcrs)
		return err_set(e, EINVAL, "snapshot was taken with other FPU state support");
	if (m->tsc_khz && here.tsc_khz != m->tsc_khz &&
	    ioctl(vm->vcpus[0].fd, KVM_SET_TSC_KHZ, m->tsc_khz) < 0)
		return err_set(e, EINVAL, "snapshot TSC runs at %u kHz, this host at %u kHz",
			       m->tsc_khz, here.tsc_khz);
	return 0;
}

static int load_vm(struct vmm *vm, struct vmm_snap_reader *r, struct err *e)
{
	struct kvm_clock_data clock;
	struct kvm_pit_state2 pit;

	if (vmm_snap_get(r, VMM_SNAP_TAG(VMM_SNAP_CLOCK, 0), &clock, sizeof(clock), e) < 0)
		return -1;
	clock.flags = 0; /* continue the guest's clock where it stopped */
	if (ioctl(vm->kvm.vm_fd, KVM_SET_CLOCK, &clock) < 0)
		return err_sys(e, errno, "KVM_SET_CLOCK");
	for (unsigned chip = 0; chip < 3; chip++) {
		struct kvm_irqchip c;

		if (LOAD(r, vm->kvm.vm_fd, KVM_SET_IRQCHIP, VMM_SNAP_IRQCHIP, chip, c, e) < 0)
			return -1;
	}
	return LOAD(r, vm->kvm.vm_fd, KVM_SET_PIT2, VMM_SNAP_PIT, 0, pit, e);
}

static int load_fpu(struct vmm_snap_reader *r, const struct snap_meta *m, struct vmm_vcpu *v,
		    struct err *e)
{
	cleanup_free struct kvm_xsave *xs = NULL;
	struct kvm_fpu fpu;

	if (!m->xsave_size)
		return LOAD(r, v->fd, KVM_SET_FPU, VMM_SNAP_VCPU_FPU, v->id, fpu, e);
	xs = calloc(1, m->xsave_size);
	if (!xs)
		return err_sys(e, ENOMEM, "XSAVE area");
	if (vmm_snap_get(r, VMM_SNAP_TAG(VMM_SNAP_VCPU_XSAVE, v->id), xs, m->xsave_size, e) < 0)
		return -1;
	/* KVM_SET_XSAVE takes the larger KVM_GET_XSAVE2 buffer as well. */
	if (ioctl(v->fd, KVM_SET_XSAVE, xs) < 0)
		return err_sys(e, errno, "KVM_SET_XSAVE");
	return 0;
}

static int load_msrs(struct vmm_snap_reader *r, struct vmm_vcpu *v, struct err *e)
{
	struct kvm_msrs head;
	struct kvm_msrs *msrs;
	const void *data;
	size_t len;
	int n;

	if (vmm_snap_get_var(r, VMM_SNAP_TAG(VMM_SNAP_VCPU_MSRS, v->id), &data, &len,
			     sizeof(head) + MAX_MSRS * sizeof(head.entries[0]), e) < 0)
		return -1;
	if (len >= sizeof(head))
		memcpy(&head, data, sizeof(head));
	if (len < sizeof(head) || len != sizeof(head) + head.nmsrs * sizeof(head.entries[0]))
		return err_set(e, EINVAL, "state file: MSR section of vCPU %u is malformed", v->id);
	msrs = malloc(len);
	if (!msrs)
		return err_sys(e, ENOMEM, "MSRs");
	memcpy(msrs, data, len);
	n = ioctl(v->fd, KVM_SET_MSRS, msrs);
	if (n >= 0 && (uint32_t)n != msrs->nmsrs)
		err_set(e, EIO, "KVM_SET_MSRS on vCPU %u: MSR 0x%x refused", v->id,
			msrs->entries[n].index);
	else if (n < 0)
		err_sys(e, errno, "KVM_SET_MSRS on vCPU %u", v->id);
	free(msrs);
	return n >= 0 && (uint32_t)n == head.nmsrs ? 0 : -1;
}

/* Firecracker's order: LAPIC before MSRs (TSC deadline needs the timer mode), events last. */
static int load_vcpu(struct vmm_snap_reader *r, const struct snap_meta *m,
		     const struct vmm_quirks *q, struct vmm_vcpu *v, struct err *e)
{
	struct kvm_mp_state mp;
	struct kvm_regs regs;
	struct kvm_sregs sregs;
	struct kvm_xcrs xcrs;
	struct kvm_debugregs dregs;
	struct kvm_lapic_state lapic;
	struct kvm_vcpu_events events;
	unsigned i = v->id;

	if (LOAD(r, v->fd, KVM_SET_MP_STATE, VMM_SNAP_VCPU_MP, i, mp, e) < 0 ||
	    LOAD(r, v->fd, KVM_SET_REGS, VMM_SNAP_VCPU_REGS, i, regs, e) < 0 ||
	    vmm_snap_get(r, VMM_SNAP_TAG(VMM_SNAP_VCPU_SREGS, i), &sregs, sizeof(sregs), e) < 0)
		return -1;
	vmm_quirks_fix_sregs(q, &sregs);
	if (ioctl(v->fd, KVM_SET_SREGS, &sregs) < 0)
		return err_sys(e, errno, "KVM_SET_SREGS");
	if (load_fpu(r, m, v, e) < 0)
		return -1;
	if (m->has_xcrs && LOAD(r, v->fd, KVM_SET_XCRS, VMM_SNAP_VCPU_XCRS, i, xcrs, e) < 0)
		return -1;
	if (LOAD(r, v->fd, KVM_SET_DEBUGREGS, VMM_SNAP_VCPU_DEBUGREGS, i, dregs, e) < 0 ||
	    LOAD(r, v->fd, KVM_SET_LAPIC, VMM_SNAP_VCPU_LAPIC, i, lapic, e) < 0 ||
	    load_msrs(r, v, e) < 0)
		return -1;
	return LOAD(r, v->fd, KVM_SET_VCPU_EVENTS, VMM_SNAP_VCPU_EVENTS, i, events, e);
}

static int load_devices(struct vmm *vm, struct vmm_snap_reader *r, struct err *e)
{
	struct vmm_serial_state ser;

	if (vmm_snap_get(r, VMM_SNAP_TAG(VMM_SNAP_SERIAL, 0), &ser, sizeof(ser), e) < 0)
		return -1;
	vmm_serial_restore(&vm->serial, &ser);
	for (unsigned i = 0; i < vm->nr_virtio; i++) {
		struct vmm_virtio_mmio_state st;

		if (vmm_snap_get(r, VMM_SNAP_TAG(VMM_SNAP_VIRTIO, i), &st, sizeof(st), e) < 0 ||
		    vmm_virtio_mmio_restore(vm->virtio[i], &st, e) < 0)
			return -1;
	}
	return vmm_snap_get(r, VMM_SNAP_TAG(VMM_SNAP_END, 0), NULL, 0, e);
}

int vmm_state_restore(struct vmm *vm, struct vmm_snap_reader *r, struct err *e)
{
	struct snap_meta m;

	if (vmm_snap_get(r, VMM_SNAP_TAG(VMM_SNAP_META, 0), &m, sizeof(m), e) < 0 ||
	    check_meta(vm, &m, e) < 0 || load_vm(vm, r, e) < 0)
		return -1;
	for (unsigned i = 0; i < vm->nr_vcpus; i++)
		if (load_vcpu(r, &m, &vm->quirks, &vm->vcpus[i], e) < 0)
			return err_prefix(e, "vCPU %u", i);
	if (load_devices(vm, r, e) < 0)
		return -1;
	vm->generation = m.generation + 1;
	return 0;
}
