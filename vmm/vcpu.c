// SPDX-License-Identifier: Apache-2.0
/* vCPU threads and exit dispatch. */
#include "vcpu.h"
#include "fixup.h"
#include "profile.h"
#include "util.h"

#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

static void kick_handler(int sig)
{
	(void)sig; /* only there to make KVM_RUN return EINTR */
}

int vmm_vcpu_signal_setup(struct err *e)
{
	struct sigaction sa = {.sa_handler = kick_handler}; /* no SA_RESTART */

	sigemptyset(&sa.sa_mask);
	if (sigaction(VCPU_KICK_SIGNAL, &sa, NULL) < 0)
		return err_sys(e, errno, "sigaction");
	return 0;
}

/* The APIC ID lives in several leaves; each vCPU sees its own. */
void vmm_cpuid_set_apic_id(struct kvm_cpuid2 *c, unsigned id)
{
	for (uint32_t i = 0; i < c->nent; i++) {
		struct kvm_cpuid_entry2 *ent = &c->entries[i];

		if (ent->function == 1)
			ent->ebx = (ent->ebx & 0x00ffffff) | (id << 24);
		else if (ent->function == 0xb || ent->function == 0x1f)
			ent->edx = id;
		else if (ent->function == 0x8000001e)
			ent->eax = id;
	}
}

void vmm_cpuid_set_hypervisor(struct kvm_cpuid2 *c)
{
	for (uint32_t i = 0; i < c->nent; i++)
		if (c->entries[i].function == 1)
			c->entries[i].ecx |= 1U << 31;
}

static int vcpu_create_one(struct vmm *vm, struct vmm_vcpu *v, unsigned id,
			   const struct kvm_cpuid2 *cpuid, struct err *e)
{
	size_t sz = sizeof(*cpuid) + cpuid->nent * sizeof(cpuid->entries[0]);
	struct kvm_cpuid2 *mine;
	int r;

	v->vm = vm;
	v->id = id;
	v->fd = ioctl(vm->kvm.vm_fd, KVM_CREATE_VCPU, (unsigned long)id);
	if (v->fd < 0)
		return err_sys(e, errno, "KVM_CREATE_VCPU %u", id);
	v->run = mmap(NULL, vm->kvm.run_mmap_size, PROT_READ | PROT_WRITE, MAP_SHARED, v->fd, 0);
	if (v->run == MAP_FAILED) {
		v->run = NULL;
		return err_sys(e, errno, "mmap kvm_run of vCPU %u", id);
	}
	mine = malloc(sz);
	if (!mine)
		return err_sys(e, ENOMEM, "cpuid");
	memcpy(mine, cpuid, sz);
	vmm_cpuid_set_apic_id(mine, id);
	r = ioctl(v->fd, KVM_SET_CPUID2, mine);
	free(mine);
	if (r < 0)
		return err_sys(e, errno, "KVM_SET_CPUID2 on vCPU %u", id);
	return 0;
}

int vmm_vcpus_create(struct vmm *vm, const struct kvm_cpuid2 *cpuid, struct err *e)
{
	vm->vcpus = calloc(vm->nr_vcpus, sizeof(*vm->vcpus));
	if (!vm->vcpus)
		return err_sys(e, ENOMEM, "vCPU array");
	for (unsigned i = 0; i < vm->nr_vcpus; i++)
		vm->vcpus[i].fd = -1;
	for (unsigned i = 0; i < vm->nr_vcpus; i++)
		if (vcpu_create_one(vm, &vm->vcpus[i], i, cpuid, e) < 0)
			return -1;
	return 0;
}

static struct kvm_segment flat_segment(uint16_t selector, uint8_t type)
{
	return (struct kvm_segment){.base = 0,
				    .limit = 0xffffffff,
				    .selector = selector,
				    .type = type,
				    .present = 1,
				    .dpl = 0,
				    .db = 1,
				    .s = 1,
				    .g = 1};
}

int vmm_vcpu_setup_pvh(struct vmm_vcpu *v, uint64_t entry, uint64_t start_info_gpa, struct err *e)
{
	struct kvm_sregs s;
	struct kvm_regs r = {.rip = entry, .rbx = start_info_gpa, .rflags = 2};

	if (ioctl(v->fd, KVM_GET_SREGS, &s) < 0)
		return err_sys(e, errno, "KVM_GET_SREGS");
	/* PVH ABI (Linux arch/x86/platform/pvh/head.S): CR0.PE only, paging off, flat
	 * 32-bit CS/DS/ES/SS, a 32-bit TSS, EFLAGS.IF/TF/VM clear, EBX = start info. */
	s.cs = flat_segment(0x8, 0xb);				    /* execute/read, accessed */
	s.ds = s.es = s.fs = s.gs = s.ss = flat_segment(0x10, 0x3); /* read/write, accessed */
	s.tr = (struct kvm_segment){
		.base = 0, .limit = 0x67, .selector = 0x18, .type = 0xb, .present = 1, .s = 0};
	s.cr0 = 0x1 | 0x10; /* PE, and ET which is fixed to 1 on every CPU since the 486 */
	s.cr3 = 0;
	s.cr4 = 0;
	s.efer = 0;
	if (ioctl(v->fd, KVM_SET_SREGS, &s) < 0)
		return err_sys(e, errno, "KVM_SET_SREGS");
	if (ioctl(v->fd, KVM_SET_REGS, &r) < 0)
		return err_sys(e, errno, "KVM_SET_REGS");
	return 0;
}

/* A triple fault, a reset request, or a crash event: the guest is gone. */
static int vcpu_guest_died(struct vmm_vcpu *v, const char *what)
{
	struct vmm *vm = v->vm;
	char tail[600], panic_line[200];
	struct err e;

	vmm_console_flush(&vm->console);
	vmm_console_tail(&vm->console, tail, sizeof(tail), 10);
	/* The panic reason comes before the backtrace: quote it on its own. */
	if (vmm_console_find_line(&vm->console, "Kernel panic - not syncing", panic_line,
				  sizeof(panic_line)))
		err_set(&e, 0, "the guest kernel panicked (%s); last console output:\n%s",
			panic_line, tail);
	else
		err_set(&e, 0, "%s; last console output:\n%s", what, tail[0] ? tail : "(none)");
	vmm_stop(vm, 1, &e);
	return 1;
}

static int vcpu_exit_io(struct vmm_vcpu *v, struct err *e)
{
	struct kvm_run *run = v->run;
	uint64_t end = run->io.data_offset + (uint64_t)run->io.count * run->io.size;
	uint8_t *data = (uint8_t *)run + run->io.data_offset;
	bool out = run->io.direction == KVM_EXIT_IO_OUT;

	if (end > (uint64_t)v->vm->kvm.run_mmap_size || run->io.size > 4)
		return err_set(e, EINVAL, "vCPU %u: malformed I/O exit", v->id);
	for (uint32_t i = 0; i < run->io.count; i++)
		if (vmm_bus_access(&v->vm->pio, run->io.port, data + i * run->io.size, run->io.size,
				   out, e) < 0)
			return -1;
	return 0;
}

static int vcpu_exit_mmio(struct vmm_vcpu *v, struct err *e)
{
	struct kvm_run *run = v->run;

	if (run->mmio.len > sizeof(run->mmio.data))
		return err_set(e, EINVAL, "vCPU %u: malformed MMIO exit", v->id);
	return vmm_bus_access(&v->vm->mmio, run->mmio.phys_addr, run->mmio.data, run->mmio.len,
			      run->mmio.is_write, e);
}

static int vcpu_exit_internal(struct vmm_vcpu *v, struct err *e)
{
	struct kvm_run *run = v->run;

	if (run->internal.suberror == KVM_INTERNAL_ERROR_EMULATION && v->vm->quirks.pvm)
		return vmm_fixup_emulation_failure(v, e);
	return vmm_fixup_describe_failure(v, e);
}

static int vcpu_system_event(struct vmm_vcpu *v)
{
	switch (v->run->system_event.type) {
	case KVM_SYSTEM_EVENT_SHUTDOWN:
		return vcpu_guest_died(v, "the guest powered off without reporting an exit status");
	case KVM_SYSTEM_EVENT_RESET:
		return vcpu_guest_died(v, "the guest reset itself");
	default:
		return vcpu_guest_died(v, "the guest crashed");
	}
}

/* 0: keep running; 1: the VM is stopping; -1: error in e. */
static int vcpu_dispatch(struct vmm_vcpu *v, struct err *e)
{
	struct kvm_run *run = v->run;

	switch (run->exit_reason) {
	case KVM_EXIT_IO:
		return vcpu_exit_io(v, e);
	case KVM_EXIT_MMIO:
		return vcpu_exit_mmio(v, e);
	case KVM_EXIT_INTR:
	case KVM_EXIT_HLT: /* with the in-kernel LAPIC only a spurious wakeup gets here */
		return 0;
	case KVM_EXIT_SHUTDOWN:
		return vcpu_guest_died(v, "the guest triple-faulted or rebooted");
	case KVM_EXIT_SYSTEM_EVENT:
		return vcpu_system_event(v);
	case KVM_EXIT_INTERNAL_ERROR:
		return vcpu_exit_internal(v, e);
	case KVM_EXIT_FAIL_ENTRY:
		return err_set(e, EIO, "vCPU %u: KVM entry failed, hardware reason 0x%llx", v->id,
			       (unsigned long long)run->fail_entry.hardware_entry_failure_reason);
	default:
		return err_set(e, EIO, "vCPU %u: unexpected KVM exit reason %u", v->id,
			       run->exit_reason);
	}
}

/*
 * Parks this vCPU for a snapshot. KVM finishes a half-done I/O or MMIO exit only on the next
 * KVM_RUN; with immediate_exit set that KVM_RUN completes it and returns at once, so the
 * state saved is consistent and no guest instruction runs (KVM API, kvm_run.immediate_exit).
 */
static void vcpu_park(struct vmm_vcpu *v)
{
	struct vmm *vm = v->vm;

	__atomic_store_n(&v->run->immediate_exit, 1, __ATOMIC_RELEASE);
	if (ioctl(v->fd, KVM_RUN, 0) == 0)
		v->exits[v->run->exit_reason < VMM_EXIT_REASONS ? v->run->exit_reason
								: VMM_EXIT_REASONS - 1]++;
	pthread_mutex_lock(&vm->lock);
	vm->nr_parked++;
	pthread_cond_broadcast(&vm->cond);
	while (vm->pausing && !vm->stopping)
		pthread_cond_wait(&vm->cond, &vm->lock);
	vm->nr_parked--;
	/* Cleared only now: whoever paused us set it after we may have parked. */
	if (!vm->stopping)
		__atomic_store_n(&v->run->immediate_exit, 0, __ATOMIC_RELEASE);
	pthread_mutex_unlock(&vm->lock);
}

void vmm_pause_locked(struct vmm *vm)
{
	__atomic_store_n(&vm->pausing, true, __ATOMIC_RELEASE);
	for (unsigned i = 0; i < vm->nr_vcpus; i++) {
		struct vmm_vcpu *v = &vm->vcpus[i];

		if (!v->thread_started)
			continue;
		__atomic_store_n(&v->run->immediate_exit, 1, __ATOMIC_RELEASE);
		pthread_kill(v->thread, VCPU_KICK_SIGNAL);
	}
	pthread_cond_broadcast(&vm->cond);
}

void vmm_pause(struct vmm *vm)
{
	pthread_mutex_lock(&vm->lock);
	vmm_pause_locked(vm);
	pthread_mutex_unlock(&vm->lock);
}

static int vcpu_loop(struct vmm_vcpu *v, struct err *e)
{
	struct vmm *vm = v->vm;
	uint64_t zero = 0;

	if (v->id == 0)
		__atomic_compare_exchange_n(&vm->timing.t_first_run, &zero, util_now_ns(), false,
					    __ATOMIC_RELAXED, __ATOMIC_RELAXED);
	for (;;) {
		int r;

		if (__atomic_load_n(&vm->stopping, __ATOMIC_ACQUIRE))
			return 0;
		if (__atomic_load_n(&vm->pausing, __ATOMIC_ACQUIRE)) {
			vcpu_park(v);
			continue;
		}
		if (ioctl(v->fd, KVM_RUN, 0) < 0) {
			if (errno == EINTR || errno == EAGAIN) {
				vmm_profile_sample(v);
				continue;
			}
			return err_sys(e, errno, "vCPU %u: KVM_RUN", v->id);
		}
		v->exits[v->run->exit_reason < VMM_EXIT_REASONS ? v->run->exit_reason
								: VMM_EXIT_REASONS - 1]++;
		r = vcpu_dispatch(v, e);
		if (r != 0)
			return r < 0 ? -1 : 0;
	}
}

static void *vcpu_thread(void *arg)
{
	struct vmm_vcpu *v = arg;
	struct err e;

	err_clear(&e);
	if (vcpu_loop(v, &e) < 0)
		vmm_stop(v->vm, 1, &e);
	return NULL;
}

int vmm_vcpus_start(struct vmm *vm, struct err *e)
{
	for (unsigned i = 0; i < vm->nr_vcpus; i++) {
		struct vmm_vcpu *v = &vm->vcpus[i];
		int r = pthread_create(&v->thread, NULL, vcpu_thread, v);

		if (r)
			return err_sys(e, r, "start vCPU %u thread", i);
		v->thread_started = true;
	}
	return 0;
}

void vmm_vcpus_stop(struct vmm *vm)
{
	for (unsigned i = 0; vm->vcpus && i < vm->nr_vcpus; i++) {
		struct vmm_vcpu *v = &vm->vcpus[i];

		if (!v->thread_started)
			continue;
		/* immediate_exit first: a thread just about to enter KVM_RUN returns at once. */
		__atomic_store_n(&v->run->immediate_exit, 1, __ATOMIC_RELEASE);
		pthread_kill(v->thread, VCPU_KICK_SIGNAL);
	}
	for (unsigned i = 0; vm->vcpus && i < vm->nr_vcpus; i++) {
		if (vm->vcpus[i].thread_started)
			pthread_join(vm->vcpus[i].thread, NULL);
		vm->vcpus[i].thread_started = false;
	}
}

void vmm_vcpus_destroy(struct vmm *vm)
{
	for (unsigned i = 0; vm->vcpus && i < vm->nr_vcpus; i++) {
		struct vmm_vcpu *v = &vm->vcpus[i];

		if (v->run)
			munmap(v->run, vm->kvm.run_mmap_size);
		if (v->fd >= 0)
			close(v->fd);
	}
	for (unsigned i = 0; vm->vcpus && i < vm->nr_vcpus; i++)
		free(vm->vcpus[i].samples);
	free(vm->vcpus);
	vm->vcpus = NULL;
}
