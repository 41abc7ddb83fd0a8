/* SPDX-License-Identifier: Apache-2.0 */
/* Interrupt lines into the in-kernel PIC/IOAPIC: KVM_IRQ_LINE and irqfd. */
#ifndef VMM_IRQ_H
#define VMM_IRQ_H

#include "error.h"

/* Sets the level of GSI `gsi` (0 or 1). */
int vmm_irq_line(int vm_fd, unsigned gsi, int level, struct err *e);

/*
 * An eventfd bound to `gsi` with KVM_IRQFD: each write pulses the line (edge), from any
 * thread, without a vCPU exit. Returns the eventfd or -1.
 */
int vmm_irqfd_create(int vm_fd, unsigned gsi, struct err *e);

/* Pulses the irqfd; returns 0 or -1 with errno. */
int vmm_irqfd_trigger(int efd);

#endif
