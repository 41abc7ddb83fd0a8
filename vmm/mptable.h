/* SPDX-License-Identifier: Apache-2.0 */
/*
 * An Intel MultiProcessor Specification 1.4 table: how a guest without ACPI learns its CPUs,
 * its IOAPIC and the ISA interrupt routing. Placed at 639 KiB, where Linux looks second.
 */
#ifndef VMM_MPTABLE_H
#define VMM_MPTABLE_H

#include <stdint.h>
#include "error.h"
#include "memory.h"

#define VMM_IOAPIC_ADDR 0xfec00000U
#define VMM_LAPIC_ADDR	0xfee00000U
#define VMM_IOAPIC_PINS 24

/* Writes the floating pointer and configuration table for `nr_cpus` CPUs at `gpa`. */
int vmm_mptable_write(const struct vmm_mem *m, uint64_t gpa, uint64_t limit, unsigned nr_cpus,
		      uint32_t cpu_signature, uint32_t cpu_features, struct err *e);

#endif
