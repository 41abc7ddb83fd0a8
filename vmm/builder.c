// SPDX-License-Identifier: Apache-2.0
/* VM assembly in a fixed order, the run/stop protocol, and teardown in reverse. */
#include "builder.h"
#include "agent_port.h"
#include "cleanup.h"
#include "cmdline.h"
#include "control.h"
#include "guest_abi.h"
#include "irq.h"
#include "mptable.h"
#include "profile.h"
#include "reaper.h"
#include "snapshot.h"
#include "util.h"
#include "vcpu.h"
#include "virtio/mmio.h"
#include "virtio/vsock.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

struct build_step {
	const char *name;
	int (*init)(struct vmm *vm, struct err *e);
	void (*fini)(struct vmm *vm);
	bool kvm_setup; /* counted in kvm_setup_ms */
};

void vmm_stop(struct vmm *vm, int status, const struct err *why)
{
	pthread_mutex_lock(&vm->lock);
	if (!vm->stopping) {
		vm->exit_status = status;
		if (why) {
			vm->failed = true;
			vm->exit_err = *why;
		}
		vm->timing.t_end = util_now_ns();
		__atomic_store_n(&vm->stopping, true, __ATOMIC_RELEASE);
		pthread_cond_broadcast(&vm->cond);
	}
	pthread_mutex_unlock(&vm->lock);
}

/* Fail on a missing kernel or initrd before any KVM work, with the path in the message. */
static int step_files(struct vmm *vm, struct err *e)
{
	if (access(vm->cfg->kernel, R_OK) < 0)
		return err_sys(e, errno, "kernel %s", vm->cfg->kernel);
	if (vm->cfg->initrd && access(vm->cfg->initrd, R_OK) < 0)
		return err_sys(e, errno, "initrd %s", vm->cfg->initrd);
	return 0;
}

static int step_kvm(struct vmm *vm, struct err *e)
{
	if (vmm_kvm_open(&vm->kvm, vm->cfg->kvm_device, e) < 0 ||
	    vmm_kvm_get_supported_cpuid(&vm->kvm, e) < 0)
		return -1;
	if (vm->nr_vcpus > (unsigned)vm->kvm.max_vcpus)
		return err_set(e, EINVAL, "--vcpus %u: this host's KVM allows at most %d",
			       vm->nr_vcpus, vm->kvm.max_vcpus);
	vmm_host_facts_read(&vm->facts, "/sys/module", vm->kvm.supported_cpuid);
	vmm_quirks_init(&vm->quirks, vmm_host_detect(&vm->facts));
	/* The supported list becomes the guest's CPUID once the host's quirks are applied. */
	vmm_quirks_mask_cpuid(&vm->quirks, vm->kvm.supported_cpuid);
	vmm_cpuid_set_hypervisor(vm->kvm.supported_cpuid);
	vmm_cpuid_set_apic_id(vm->kvm.supported_cpuid, 0);
	log_debug("host: %s (kvm_pvm module %s, cpu %s)", vmm_host_kind_name(vm->quirks.kind),
		  vm->facts.kvm_pvm_module ? "loaded" : "absent", vm->facts.cpu_vendor);
	return 0;
}

static void fini_kvm(struct vmm *vm)
{
	vmm_kvm_close(&vm->kvm);
}

static int step_vm(struct vmm *vm, struct err *e)
{
	return vmm_kvm_create_vm(&vm->kvm, e);
}

static int step_memory(struct vmm *vm, struct err *e)
{
	if (vm->snap.restoring ? vmm_snapshot_map_memory(vm, e) < 0
			       : vmm_mem_create(&vm->mem, vm->mem_size, e) < 0)
		return -1;
	return vmm_mem_register(&vm->mem, vm->kvm.vm_fd, e);
}

static void fini_memory(struct vmm *vm)
{
	if (!vm->mem_to_reaper)
		vmm_mem_destroy(&vm->mem);
}

static void serial_set_irq(void *opaque, int level)
{
	struct vmm *vm = opaque;
	struct err e;

	if (vmm_irq_line(vm->kvm.vm_fd, VMM_SERIAL_IRQ, level, &e) < 0)
		log_warn("serial: %s", e.msg);
}

static int step_console(struct vmm *vm, struct err *e)
{
	if (vmm_console_init(&vm->console, vm->cfg->console_log, vm->cfg->console, e) < 0)
		return -1;
	vmm_serial_init(&vm->serial, vmm_console_putc, &vm->console, serial_set_irq, vm);
	vm->pio.name = "io";
	vm->mmio.name = "mmio";
	if (vmm_bus_add(&vm->pio, VMM_SERIAL_PORT, 8, "serial", vmm_serial_io, &vm->serial, e) < 0)
		return -1;
	return vmm_bus_add(&vm->pio, INCEPT_PORT, 4, "agent", vmm_agent_port_io, vm, e);
}

static void fini_console(struct vmm *vm)
{
	vmm_console_destroy(&vm->console);
	vmm_serial_destroy(&vm->serial);
}

static int step_virtio(struct vmm *vm, struct err *e)
{
	if (vmm_virtio_devices_create(vm, e) < 0)
		return -1;
	/* Before any vCPU runs; the server's shares are not guest state, so never saved. */
	return vmm_virtio_fs_add_shares(vm, e);
}

static void fini_virtio(struct vmm *vm)
{
	vmm_virtio_devices_destroy(vm);
}

static int build_cmdline(struct vmm *vm, struct err *e)
{
	const char *words[VMM_MAX_VIRTIO];
	char dev[VMM_MAX_VIRTIO][64];

	for (unsigned i = 0; i < vm->nr_virtio; i++) {
		vmm_virtio_mmio_cmdline(vm->virtio[i], dev[i], sizeof(dev[i]));
		words[i] = dev[i];
	}
	return vmm_cmdline_build(vm->cmdline, sizeof(vm->cmdline),
				 vm->cfg->cmdline ? vm->cfg->cmdline : vmm_default_cmdline,
				 vmm_quirks_cmdline(&vm->quirks), words, vm->nr_virtio,
				 vm->cfg->append, e);
}

static int write_mptable(struct vmm *vm, struct err *e)
{
	struct kvm_cpuid_entry2 *leaf1 = vmm_cpuid_find(vm->kvm.supported_cpuid, 1, 0);

	return vmm_mptable_write(&vm->mem, VMM_MPTABLE_GPA, 0xa0000, vm->nr_vcpus,
				 leaf1 ? leaf1->eax : 0, leaf1 ? leaf1->edx : 0, e);
}

static int step_cmdline(struct vmm *vm, struct err *e)
{
	if (build_cmdline(vm, e) < 0)
		return -1;
	log_debug("kernel command line: %s", vm->cmdline);
	return 0;
}

static int step_snapshot(struct vmm *vm, struct err *e)
{
	vm->snap.lock_fd = vm->snap.mem_fd = -1;
	if (vm->cfg->print_snapshot_meta)
		return vmm_snapshot_meta(vm, e);
	return vm->cfg->snapshot_dir ? vmm_snapshot_prepare(vm, e) : 0;
}

static void fini_snapshot(struct vmm *vm)
{
	vmm_snapshot_release(&vm->snap);
}

static int step_boot(struct vmm *vm, struct err *e)
{
	struct vmm_boot_params bp = {0};

	if (vm->snap.restoring)
		return 0; /* the kernel is in the snapshot's memory, already running */
	if (vmm_boot_load_kernel(&vm->mem, vm->cfg->kernel, &vm->kernel, e) < 0)
		return -1;
	if (vm->cfg->initrd && vmm_boot_load_initrd(&vm->mem, vm->cfg->initrd, vm->kernel.load_end,
						    &vm->initrd_gpa, &vm->initrd_size, e) < 0)
		return -1;
	bp.cmdline = vm->cmdline;
	bp.initrd_gpa = vm->initrd_gpa;
	bp.initrd_size = vm->initrd_size;
	if (vmm_boot_write_start_info(&vm->mem, &bp, &vm->start_info_gpa, e) < 0)
		return -1;
	return write_mptable(vm, e);
}

static int step_vcpus(struct vmm *vm, struct err *e)
{
	struct kvm_cpuid2 *c = vm->kvm.supported_cpuid;

	if (vmm_vcpu_signal_setup(e) < 0 || vmm_vcpus_create(vm, c, e) < 0)
		return -1;
	if (vm->snap.restoring)
		return vmm_snapshot_restore(vm, e);
	return vmm_vcpu_setup_pvh(&vm->vcpus[0], vm->kernel.pvh_entry, vm->start_info_gpa, e);
}

static void fini_vcpus(struct vmm *vm)
{
	vmm_vcpus_destroy(vm);
}

/*
 * Device I/O threads (vsock) start once the VM is complete and stop first on teardown: they
 * touch guest memory, which goes away in fini_memory.
 */
static int step_io(struct vmm *vm, struct err *e)
{
	return vm->vsock ? vmm_vsock_start(vm->vsock, e) : 0;
}

static void fini_io(struct vmm *vm)
{
	if (vm->vsock)
		vmm_vsock_stop(vm->vsock);
}

static const struct build_step steps[] = {
	{"files", step_files, NULL, false},
	{"kvm", step_kvm, fini_kvm, true},
	{"vm", step_vm, NULL, true},
	{"console", step_console, fini_console, false},
	{"virtio", step_virtio, fini_virtio, true},
	{"cmdline", step_cmdline, NULL, false},
	{"snapshot", step_snapshot, fini_snapshot, false},
	{"memory", step_memory, fini_memory, true},
	{"boot", step_boot, NULL, false},
	{"vcpus", step_vcpus, fini_vcpus, true},
	{"io", step_io, fini_io, false},
};
_Static_assert(sizeof(steps) / sizeof(steps[0]) <= VMM_TIMING_STEPS, "timing slots");

static unsigned steps_done;

int vmm_build(struct vmm *vm, const struct vmm_config *cfg, struct err *e)
{
	vm->cfg = cfg;
	vm->nr_vcpus = cfg->vcpus;
	vm->mem_size = cfg->memory_mib << 20;
	vm->snap.lock_fd = vm->snap.mem_fd = -1;
	vm->ctl_fd = -1;
	pthread_mutex_init(&vm->lock, NULL);
	pthread_cond_init(&vm->cond, NULL);
	for (steps_done = 0; steps_done < sizeof(steps) / sizeof(steps[0]); steps_done++) {
		const struct build_step *s = &steps[steps_done];
		uint64_t t = util_now_ns();

		if (s->init(vm, e) < 0) {
			steps_done++; /* every fini copes with a half-done init */
			vmm_teardown(vm);
			return -1;
		}
		t = util_now_ns() - t;
		vm->timing.steps[vm->timing.nr_steps].name = s->name;
		vm->timing.steps[vm->timing.nr_steps++].ns = t;
		if (s->kvm_setup)
			vm->timing.kvm_setup_ns += t;
		else if (!strcmp(s->name, "boot"))
			vm->timing.kernel_load_ns += t;
	}
	vm->timing.t_built = util_now_ns();
	return 0;
}

/* All vCPUs are parked: save, then resume the guest (or end the VM for `--snapshot-only`). */
static void take_snapshot(struct vmm *vm)
{
	struct err e;

	if (vmm_snapshot_save(vm, &e) < 0) {
		vmm_stop(vm, 1, &e);
		return;
	}
	/* Other VMMs may restore it now; this guest's memory is no longer its own secret. */
	vmm_snapshot_release(&vm->snap);
	vm->generation = 1;
	if (vm->cfg->snapshot_only) {
		vmm_stop(vm, 0, NULL);
		return;
	}
	if (vm->vsock && vmm_vsock_listen(vm->vsock, &e) < 0) {
		vmm_stop(vm, 1, &e);
		return;
	}
	pthread_mutex_lock(&vm->lock);
	__atomic_store_n(&vm->pausing, false, __ATOMIC_RELEASE);
	pthread_cond_broadcast(&vm->cond);
	pthread_mutex_unlock(&vm->lock);
}

int vmm_run(struct vmm *vm, struct err *e)
{
	struct err start_err;

	if (vm->cfg->snapshot_only && vm->snap.restoring) {
		log_info("snapshot %s is ready", vm->snap.dir);
		return 0;
	}
	/*
	 * Host clients reach the guest only once a snapshot being built is saved: a snapshot
	 * must hold no vsock connection (docs/vsock.md). Until then they wait in the backlog.
	 */
	vmm_control_attach(vm);
	if (vm->vsock && !vm->snap.building && vmm_vsock_listen(vm->vsock, e) < 0)
		return -1;
	if (vmm_vcpus_start(vm, &start_err) < 0 ||
	    (vm->cfg->profile && vmm_profile_start(vm, &start_err) < 0))
		vmm_stop(vm, 1, &start_err);
	pthread_mutex_lock(&vm->lock);
	while (!vm->stopping) {
		if (vm->snap.requested && !vm->snap.taken && vm->nr_parked == vm->nr_vcpus) {
			pthread_mutex_unlock(&vm->lock);
			take_snapshot(vm);
			pthread_mutex_lock(&vm->lock);
			continue;
		}
		vmm_control_step(vm);
		pthread_cond_wait(&vm->cond, &vm->lock);
	}
	vmm_control_abort(vm);
	pthread_mutex_unlock(&vm->lock);
	vmm_profile_stop(vm);
	vmm_vcpus_stop(vm);
	vmm_console_flush(&vm->console);
	if (vm->cfg->profile && vmm_profile_write(vm, vm->cfg->profile, &start_err) < 0)
		log_warn("%s", start_err.msg);
	if (vm->failed) {
		*e = vm->exit_err;
		return -1;
	}
	return vm->exit_status;
}

void vmm_teardown(struct vmm *vm)
{
	while (steps_done > 0) {
		const struct build_step *s = &steps[--steps_done];

		if (s->fini)
			s->fini(vm);
	}
}

void vmm_teardown_deferred(struct vmm *vm)
{
	int fds[2 + VMM_MAX_VCPUS];
	unsigned n = 0;
	struct err e;

	if (vm->kvm.kvm_fd >= 0)
		fds[n++] = vm->kvm.kvm_fd;
	if (vm->kvm.vm_fd >= 0)
		fds[n++] = vm->kvm.vm_fd;
	for (unsigned i = 0; vm->vcpus && i < vm->nr_vcpus && n < ARRAY_SIZE(fds); i++)
		if (vm->vcpus[i].fd >= 0)
			fds[n++] = vm->vcpus[i].fd;
	if (vmm_reaper_start(fds, n, &e) < 0)
		log_debug("%s: the VM is torn down before the exit", e.msg);
	else
		vm->mem_to_reaper = true;
	vmm_teardown(vm);
}
