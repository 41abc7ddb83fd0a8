/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The virtio-mmio transport, modern (version 2) register layout only (virtio 1.2 §4.2.2).
 * Each device occupies 4 KiB of guest-physical space and one ISA IRQ, and is announced to
 * the guest kernel with `virtio_mmio.device=4K@<base>:<irq>` on its command line.
 */
#ifndef VMM_VIRTIO_MMIO_H
#define VMM_VIRTIO_MMIO_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "error.h"
#include "vmm/memory.h"
#include "vmm/virtio/queue.h"
#include "vmm/virtio/virtio.h"

struct vmm;

struct vmm_virtio_mmio {
	const struct vmm_virtio_dev_ops *ops;
	void *dev;
	uint64_t base;
	unsigned irq;
	int irq_fd; /* irqfd; -1 in tests, where raise_irq is used instead */
	void (*raise_irq)(struct vmm_virtio_mmio *t);
	pthread_mutex_t lock;
	uint32_t status;
	uint32_t dev_features_sel, drv_features_sel, queue_sel, shm_sel;
	uint64_t driver_features;
	uint32_t interrupt_status;
	uint32_t config_generation;
	struct vq queues[VMM_VIRTIO_MAX_QUEUES];
	uint64_t irqs; /* interrupts raised */
	unsigned warnings;
};

/* The transport's state in a snapshot (virtio 1.2 §4.2.2 registers + our ring indices). */
struct vmm_virtio_queue_state {
	uint64_t desc_gpa, avail_gpa, used_gpa;
	uint16_t size, last_avail, used_idx;
	uint8_t ready, reserved;
};

struct vmm_virtio_mmio_state {
	uint32_t device_id, nr_queues;
	uint32_t status, dev_features_sel, drv_features_sel, queue_sel, shm_sel;
	uint32_t interrupt_status, config_generation, reserved;
	uint64_t driver_features;
	struct vmm_virtio_queue_state queues[VMM_VIRTIO_MAX_QUEUES];
};

void vmm_virtio_mmio_save(struct vmm_virtio_mmio *t, struct vmm_virtio_mmio_state *st);

/*
 * Loads a saved state into a freshly created transport of the same device type: checks it
 * (the file is only trusted as far as its checksum goes), re-validates each ready queue
 * against guest memory, and activates the device when the driver had set DRIVER_OK.
 */
int vmm_virtio_mmio_restore(struct vmm_virtio_mmio *t, const struct vmm_virtio_mmio_state *st,
			    struct err *e);

/* Sets up a transport for `dev` at `base`; no KVM involved (tests use this directly). */
void vmm_virtio_mmio_init(struct vmm_virtio_mmio *t, const struct vmm_virtio_dev_ops *ops,
			  void *dev, const struct vmm_mem *mem, uint64_t base, unsigned irq);
void vmm_virtio_mmio_destroy(struct vmm_virtio_mmio *t);

/* Bus handler (opaque = transport). */
int vmm_virtio_mmio_io(void *opaque, uint64_t offset, uint8_t *data, uint32_t len, bool is_write,
		       struct err *e);

/*
 * For devices that work off the vCPU threads (with t->lock held): the driver broke the
 * protocol; §2.1.2 DEVICE_NEEDS_RESET and a configuration interrupt.
 */
void vmm_virtio_mmio_needs_reset(struct vmm_virtio_mmio *t, const struct err *why);

/* For devices: used buffers were added to queue `q` since `old_used_idx`; interrupt if due. */
void vmm_virtio_mmio_used(struct vmm_virtio_mmio *t, unsigned q, uint16_t old_used_idx);

/* "virtio_mmio.device=4K@0xd0000000:5" */
void vmm_virtio_mmio_cmdline(const struct vmm_virtio_mmio *t, char *buf, size_t len);

/* Creates the VM's virtio devices (rng, vsock, fs) on vm->mmio with irqfds; and frees them. */
int vmm_virtio_devices_create(struct vmm *vm, struct err *e);
/* Adds the --share entries of vm->cfg to the virtio-fs server (at every start, not saved). */
int vmm_virtio_fs_add_shares(struct vmm *vm, struct err *e);
void vmm_virtio_devices_destroy(struct vmm *vm);

#endif
