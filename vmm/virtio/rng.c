// SPDX-License-Identifier: Apache-2.0
/* virtio-rng (virtio 1.2 §5.4): one request queue, filled from the host's getrandom(). */
#include "vmm/virtio/mmio.h"
#include "vmm/virtio/virtio.h"
#include "log.h"

#include <errno.h>
#include <linux/virtio_ids.h>
#include <stdlib.h>
#include <sys/random.h>

/* Bytes handed out per request: the driver asks for small amounts; this bounds the work. */
#define RNG_MAX_PER_REQUEST 4096

struct vmm_virtio_rng {
	uint64_t bytes; /* handed to the guest */
};

void *vmm_virtio_rng_create(struct err *e)
{
	struct vmm_virtio_rng *r = calloc(1, sizeof(*r));

	if (!r)
		err_sys(e, ENOMEM, "virtio-rng");
	return r;
}

static void rng_destroy(void *dev)
{
	free(dev);
}

/* Fills the writable buffers of one chain; returns the bytes written. */
static uint32_t rng_fill(struct vmm_virtio_rng *r, const struct vq_elem *el)
{
	uint32_t total = 0;

	for (unsigned i = el->nr_out; i < el->nr && total < RNG_MAX_PER_REQUEST; i++) {
		uint32_t want = el->bufs[i].len;
		ssize_t n;

		if (want > RNG_MAX_PER_REQUEST - total)
			want = RNG_MAX_PER_REQUEST - total;
		if (!want)
			continue;
		n = getrandom(el->bufs[i].hva, want, 0);
		if (n <= 0)
			break;
		total += (uint32_t)n;
		if ((uint32_t)n < want)
			break;
	}
	r->bytes += total;
	return total;
}

static int rng_queue_notify(void *dev, struct vmm_virtio_mmio *t, unsigned qi, struct err *e)
{
	struct vq *q = &t->queues[qi];
	uint16_t old = q->used_idx;
	struct vq_elem *el = malloc(sizeof(*el));
	int r = 0;

	if (!el)
		return err_sys(e, ENOMEM, "virtio-rng element");
	/*
	 * At most one ring's worth per notify: a driver that lays the used ring over the
	 * available one (or a buffer over avail->idx) makes every push a new available entry
	 * and would keep this vCPU thread here for ever. Nothing is stranded: EVENT_IDX is not
	 * offered and we never set VRING_USED_F_NO_NOTIFY, so every buffer added is notified.
	 */
	for (unsigned n = 0; n < q->size && (r = vq_pop(q, el, e)) > 0; n++)
		vq_push(q, el->head, rng_fill(dev, el));
	free(el);
	vmm_virtio_mmio_used(t, qi, old);
	return r < 0 ? -1 : 0;
}

const struct vmm_virtio_dev_ops vmm_virtio_rng_ops = {
	.name = "rng",
	.device_id = VIRTIO_ID_RNG,
	.nr_queues = 1,
	.queue_max_size = 64,
	.features = 0,
	.config_size = 0,
	.queue_notify = rng_queue_notify,
	.destroy = rng_destroy,
};
