/* SPDX-License-Identifier: Apache-2.0 */
/*
 * A 16550A UART, enough of it for Linux's 8250 driver: THR/RBR, IER, IIR/FCR, LCR, MCR, LSR,
 * MSR, SCR, DLL/DLM, the loopback the driver's probe checks, and the THR-empty interrupt the
 * tty layer waits for. Output is handed to a sink callback byte by byte; there is no input
 * from the host (the guest's stdin goes over vsock).
 */
#ifndef VMM_SERIAL_H
#define VMM_SERIAL_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include "error.h"

#define VMM_SERIAL_FIFO 16

struct vmm_serial {
	pthread_mutex_t lock;
	uint8_t ier, lcr, mcr, scr, dll, dlm, fcr;
	bool thre_pending; /* THR-empty interrupt raised and not yet acknowledged */
	uint8_t rx[VMM_SERIAL_FIFO];
	unsigned rx_head, rx_count;
	int irq_level;
	void (*out)(void *opaque, uint8_t c);
	void *out_opaque;
	void (*set_irq)(void *opaque, int level);
	void *irq_opaque;
};

/* What a snapshot keeps of the UART (the receive FIFO is always empty: no host input). */
struct vmm_serial_state {
	uint8_t ier, lcr, mcr, scr, dll, dlm, fcr, thre_pending;
	int32_t irq_level;
	uint32_t reserved;
};

void vmm_serial_save(struct vmm_serial *s, struct vmm_serial_state *st);
void vmm_serial_restore(struct vmm_serial *s, const struct vmm_serial_state *st);

void vmm_serial_init(struct vmm_serial *s, void (*out)(void *, uint8_t), void *out_opaque,
		     void (*set_irq)(void *, int), void *irq_opaque);
void vmm_serial_destroy(struct vmm_serial *s);

/* Port I/O at `offset` (0..7) from the base; a bus handler (see bus.h). */
int vmm_serial_io(void *opaque, uint64_t offset, uint8_t *data, uint32_t len, bool is_write,
		  struct err *e);

#endif
