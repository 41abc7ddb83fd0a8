/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Split virtqueues, device side (virtio 1.2 §2.7). The rings live in guest memory and the
 * guest may change them at any moment: every index, address and length is validated, and
 * each descriptor is copied out once before it is looked at.
 */
#ifndef VMM_VIRTIO_QUEUE_H
#define VMM_VIRTIO_QUEUE_H

#include <stdbool.h>
#include <stdint.h>
#include <linux/virtio_ring.h>
#include "error.h"
#include "vmm/memory.h"

#define VQ_MAX_SIZE 32768 /* §2.7: the largest Queue Size */
#define VQ_MAX_BUFS 256	  /* longest chain a device accepts */

struct vq_buf {
	uint8_t *hva; /* NULL when len == 0 */
	uint32_t len;
	bool writable; /* device-writable (VRING_DESC_F_WRITE) */
};

/* One popped descriptor chain: device-readable buffers first, then device-writable ones. */
struct vq_elem {
	uint16_t head;
	unsigned nr, nr_out; /* all buffers; device-readable ones */
	uint64_t out_len, in_len;
	struct vq_buf bufs[VQ_MAX_BUFS];
};

struct vq {
	const struct vmm_mem *mem;
	uint16_t size; /* Queue Size the driver chose */
	uint64_t desc_gpa, avail_gpa, used_gpa;
	bool ready;
	bool indirect;	/* VIRTIO_RING_F_INDIRECT_DESC negotiated */
	bool event_idx; /* VIRTIO_RING_F_EVENT_IDX negotiated */
	struct vring_desc *desc;
	struct vring_avail *avail;
	struct vring_used *used;
	uint16_t last_avail; /* next avail ring slot to consume */
	uint16_t used_idx;   /* our copy of used->idx */
};

/* Forgets everything (device reset); `mem` stays. */
void vq_reset(struct vq *q);

/*
 * Checks size and ring addresses (alignment, inside RAM) and makes the queue usable.
 * Called when the driver writes QueueReady = 1.
 */
int vq_enable(struct vq *q, struct err *e);

/*
 * Takes the next available chain. Returns 1 with `el` filled, 0 when the ring is empty, -1
 * when the driver broke the rules (the device must then need a reset).
 */
int vq_pop(struct vq *q, struct vq_elem *el, struct err *e);

/* Returns a chain to the driver with `written` bytes written into its writable buffers. */
void vq_push(struct vq *q, uint16_t head, uint32_t written);

/* Whether the driver wants an interrupt for the used entries since `old_used_idx`. */
bool vq_should_notify(struct vq *q, uint16_t old_used_idx);

/* Copies up to `len` bytes into the writable buffers of `el`; returns bytes copied. */
uint64_t vq_elem_write(const struct vq_elem *el, const void *data, uint64_t len);

#endif
