/* SPDX-License-Identifier: Apache-2.0 */
/*
 * A virtio device model, independent of the transport: one file per device, each exporting
 * a `const struct vmm_virtio_dev_ops`. The transport (mmio.c) owns feature negotiation,
 * status, queue set-up and interrupts, and calls into the device through these hooks.
 */
#ifndef VMM_VIRTIO_VIRTIO_H
#define VMM_VIRTIO_VIRTIO_H

#include <stdint.h>
#include "error.h"

#define VMM_VIRTIO_MAX_QUEUES 8

struct vmm_virtio_mmio;

struct vmm_virtio_dev_ops {
	const char *name;   /* "rng", also the bus name */
	uint32_t device_id; /* linux/virtio_ids.h */
	unsigned nr_queues;
	uint16_t queue_max_size;
	uint64_t features;    /* device feature bits offered; the transport adds VERSION_1 */
	uint32_t config_size; /* bytes of device configuration space */

	/* Device configuration space access, `off` + `len` <= config_size (checked). */
	void (*config_read)(void *dev, uint32_t off, uint8_t *data, uint32_t len);
	void (*config_write)(void *dev, uint32_t off, const uint8_t *data, uint32_t len);

	/* The driver set DRIVER_OK: queues are ready, features final. Optional. */
	int (*activate)(void *dev, struct vmm_virtio_mmio *t, struct err *e);

	/*
	 * The driver notified queue `q`. Return -1 only when the driver broke the protocol:
	 * the transport then flags DEVICE_NEEDS_RESET.
	 */
	int (*queue_notify)(void *dev, struct vmm_virtio_mmio *t, unsigned q, struct err *e);

	/* The driver reset the device (status 0). Optional. */
	void (*reset)(void *dev);

	void (*destroy)(void *dev);
};

/* virtio/rng.c */
extern const struct vmm_virtio_dev_ops vmm_virtio_rng_ops;
void *vmm_virtio_rng_create(struct err *e);

/* virtio/vsock.c: see vsock.h */
extern const struct vmm_virtio_dev_ops vmm_virtio_vsock_ops;

#endif
