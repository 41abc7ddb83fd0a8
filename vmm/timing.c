// SPDX-License-Identifier: Apache-2.0
/* Boot timing, exit statistics, and the VMM's own memory use. */
#include "timing.h"
#include "vmm.h"

#include <stdio.h>
#include <unistd.h>

static const char *const exit_names[VMM_EXIT_REASONS] = {
	[KVM_EXIT_UNKNOWN] = "unknown",
	[KVM_EXIT_EXCEPTION] = "exception",
	[KVM_EXIT_IO] = "io",
	[KVM_EXIT_HYPERCALL] = "hypercall",
	[KVM_EXIT_DEBUG] = "debug",
	[KVM_EXIT_HLT] = "hlt",
	[KVM_EXIT_MMIO] = "mmio",
	[KVM_EXIT_IRQ_WINDOW_OPEN] = "irq_window_open",
	[KVM_EXIT_SHUTDOWN] = "shutdown",
	[KVM_EXIT_FAIL_ENTRY] = "fail_entry",
	[KVM_EXIT_INTR] = "intr",
	[KVM_EXIT_NMI] = "nmi",
	[KVM_EXIT_INTERNAL_ERROR] = "internal_error",
	[KVM_EXIT_SYSTEM_EVENT] = "system_event",
	[KVM_EXIT_IOAPIC_EOI] = "ioapic_eoi",
	[KVM_EXIT_X86_RDMSR] = "x86_rdmsr",
	[KVM_EXIT_X86_WRMSR] = "x86_wrmsr",
	[KVM_EXIT_NOTIFY] = "notify",
};

void vmm_timing_sample_rss(struct vmm *vm)
{
	unsigned long long size, resident;
	uint64_t guest_kib;
	struct err e;
	FILE *f = fopen("/proc/self/statm", "re");
	int n;

	if (!f)
		return;
	n = fscanf(f, "%llu %llu", &size, &resident);
	fclose(f);
	if (n != 2 || vmm_mem_resident_kib(&vm->mem, &guest_kib, &e) < 0)
		return;
	vm->timing.rss_kib = resident * (unsigned long long)(sysconf(_SC_PAGESIZE) / 1024);
	vm->timing.guest_resident_kib = guest_kib;
	vm->timing.rss_valid = true;
}

static void print_exits(struct vmm *vm, FILE *out)
{
	uint64_t fixups = 0;

	for (unsigned r = 0; r < VMM_EXIT_REASONS; r++) {
		uint64_t n = 0;

		for (unsigned i = 0; i < vm->nr_vcpus; i++)
			n += vm->vcpus[i].exits[r];
		if (n)
			fprintf(out, "exits_%s: %llu\n", exit_names[r] ? exit_names[r] : "other",
				(unsigned long long)n);
	}
	for (unsigned i = 0; i < vm->nr_vcpus; i++)
		fixups += vm->vcpus[i].fixups;
	fprintf(out, "emulation_fixups: %llu\n", (unsigned long long)fixups);
	for (unsigned i = 0; i < vm->pio.nr; i++)
		fprintf(out, "exits_io_%s: %llu\n", vm->pio.ranges[i].name,
			(unsigned long long)vm->pio.ranges[i].exits);
	fprintf(out, "exits_io_unclaimed: %llu\n", (unsigned long long)vm->pio.unclaimed);
	for (unsigned i = 0; i < vm->mmio.nr; i++)
		fprintf(out, "exits_mmio_%s: %llu\n", vm->mmio.ranges[i].name,
			(unsigned long long)vm->mmio.ranges[i].exits);
	fprintf(out, "exits_mmio_unclaimed: %llu\n", (unsigned long long)vm->mmio.unclaimed);
}

void vmm_timing_print(struct vmm *vm, FILE *out)
{
	const struct vmm_timing *t = &vm->timing;

	fprintf(out, "host_kind: %s\n", vmm_host_kind_name(vm->quirks.kind));
	fprintf(out, "kvm_setup_ms: %.3f\n", t->kvm_setup_ns / 1e6);
	fprintf(out, "kernel_load_ms: %.3f\n", t->kernel_load_ns / 1e6);
	for (unsigned i = 0; i < t->nr_steps; i++)
		fprintf(out, "build_%s_ms: %.3f\n", t->steps[i].name, t->steps[i].ns / 1e6);
	fprintf(out, "built_ms: %llu\n", (unsigned long long)vmm_ms(t->t_start, t->t_built));
	fprintf(out, "first_run_ms: %llu\n",
		(unsigned long long)vmm_ms(t->t_start, t->t_first_run));
	if (t->t_ready) {
		fprintf(out, "run_to_ready_ms: %llu\n",
			(unsigned long long)vmm_ms(t->t_first_run, t->t_ready));
		fprintf(out, "ready_ms: %llu\n",
			(unsigned long long)vmm_ms(t->t_start, t->t_ready));
	}
	fprintf(out, "total_ms: %llu\n", (unsigned long long)vmm_ms(t->t_start, t->t_end));
	if (t->rss_valid) {
		fprintf(out, "rss_kib: %llu\n", (unsigned long long)t->rss_kib);
		fprintf(out, "guest_resident_kib: %llu\n",
			(unsigned long long)t->guest_resident_kib);
		fprintf(out, "vmm_rss_kib: %llu\n",
			(unsigned long long)(t->rss_kib > t->guest_resident_kib
						     ? t->rss_kib - t->guest_resident_kib
						     : 0));
	}
	fprintf(out, "console_bytes: %llu\n", (unsigned long long)vm->console.bytes);
	print_exits(vm, out);
}
