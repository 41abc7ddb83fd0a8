// SPDX-License-Identifier: Apache-2.0
/* Split virtqueue, device side (virtio 1.2 §2.7), with every guest value checked. */
#include "queue.h"

#include <endian.h>
#include <errno.h>
#include <string.h>

void vq_reset(struct vq *q)
{
	const struct vmm_mem *mem = q->mem;

	memset(q, 0, sizeof(*q));
	q->mem = mem;
}

static bool aligned(uint64_t v, uint64_t a)
{
	return (v & (a - 1)) == 0;
}

int vq_enable(struct vq *q, struct err *e)
{
	uint64_t extra = q->event_idx ? 2 : 0; /* used_event / avail_event trailers */
	uint64_t desc_len = 16ULL * q->size;
	uint64_t avail_len = 4 + 2ULL * q->size + extra;
	uint64_t used_len = 4 + 8ULL * q->size + extra;

	if (q->size == 0 || q->size > VQ_MAX_SIZE)
		return err_set(e, EINVAL, "virtqueue size %u", q->size);
	/* §2.7: descriptor table 16-byte, available ring 2-byte, used ring 4-byte aligned. */
	if (!aligned(q->desc_gpa, 16) || !aligned(q->avail_gpa, 2) || !aligned(q->used_gpa, 4))
		return err_set(e, EINVAL, "virtqueue rings are misaligned");
	q->desc = vmm_mem_ptr(q->mem, q->desc_gpa, desc_len);
	q->avail = vmm_mem_ptr(q->mem, q->avail_gpa, avail_len);
	q->used = vmm_mem_ptr(q->mem, q->used_gpa, used_len);
	if (!q->desc || !q->avail || !q->used)
		return err_set(e, EFAULT, "virtqueue rings are outside guest RAM");
	q->last_avail = 0;
	q->used_idx = le16toh(__atomic_load_n(&q->used->idx, __ATOMIC_RELAXED));
	q->ready = true;
	return 0;
}

/* Reads descriptor `i` of a table once; the guest can rewrite it any time. */
static struct vring_desc read_desc(const uint8_t *table, uint32_t i)
{
	struct vring_desc d;

	memcpy(&d, table + 16ULL * i, sizeof(d));
	d.addr = le64toh(d.addr);
	d.len = le32toh(d.len);
	d.flags = le16toh(d.flags);
	d.next = le16toh(d.next);
	return d;
}

static int add_buf(struct vq *q, struct vq_elem *el, const struct vring_desc *d, struct err *e)
{
	bool writable = d->flags & VRING_DESC_F_WRITE;
	uint8_t *hva = NULL;

	if (d->len) {
		hva = vmm_mem_ptr(q->mem, d->addr, d->len);
		if (!hva)
			return err_set(e, EFAULT, "descriptor buffer 0x%llx+%u is outside RAM",
				       (unsigned long long)d->addr, d->len);
	}
	/* §2.7.4.2: device-writable descriptors come after all device-readable ones. */
	if (!writable && el->nr > el->nr_out)
		return err_set(e, EINVAL, "device-readable descriptor after a writable one");
	if (el->nr == VQ_MAX_BUFS)
		return err_set(e, E2BIG, "descriptor chain longer than %d", VQ_MAX_BUFS);
	el->bufs[el->nr++] = (struct vq_buf){.hva = hva, .len = d->len, .writable = writable};
	if (writable)
		el->in_len += d->len;
	else {
		el->nr_out++;
		el->out_len += d->len;
	}
	return 0;
}

/* Switches the walk into an indirect table (§2.7.5.3). */
static int enter_indirect(struct vq *q, const struct vring_desc *d, const uint8_t **table,
			  uint32_t *table_len, struct err *e)
{
	if (!q->indirect)
		return err_set(e, EINVAL,
			       "indirect descriptor without VIRTIO_RING_F_INDIRECT_DESC");
	if (d->flags & VRING_DESC_F_NEXT)
		return err_set(e, EINVAL, "descriptor has both INDIRECT and NEXT");
	if (d->len == 0 || d->len % 16 || d->len / 16 > VQ_MAX_SIZE)
		return err_set(e, EINVAL, "indirect table length %u", d->len);
	*table = vmm_mem_ptr(q->mem, d->addr, d->len);
	if (!*table)
		return err_set(e, EFAULT, "indirect table outside RAM");
	*table_len = d->len / 16;
	return 0;
}

static int walk_chain(struct vq *q, uint16_t head, struct vq_elem *el, struct err *e)
{
	const uint8_t *table = (const uint8_t *)q->desc;
	uint32_t table_len = q->size, i = head, seen = 0;
	bool in_indirect = false;

	for (;;) {
		struct vring_desc d;

		/* A chain visits each descriptor of its table at most once: no loops. */
		if (i >= table_len || seen++ >= table_len)
			return err_set(e, EINVAL, "descriptor index %u out of range or looping", i);
		d = read_desc(table, i);
		if (d.flags & VRING_DESC_F_INDIRECT) {
			if (in_indirect)
				return err_set(e, EINVAL, "nested indirect descriptor");
			if (enter_indirect(q, &d, &table, &table_len, e) < 0)
				return -1;
			in_indirect = true;
			i = 0;
			seen = 0;
			continue;
		}
		if (add_buf(q, el, &d, e) < 0)
			return -1;
		if (!(d.flags & VRING_DESC_F_NEXT))
			return 0;
		i = d.next;
	}
}

int vq_pop(struct vq *q, struct vq_elem *el, struct err *e)
{
	uint16_t avail_idx, head;

	if (!q->ready)
		return 0;
	/* Acquire: the ring entries and descriptors are read after the index. */
	avail_idx = le16toh(__atomic_load_n(&q->avail->idx, __ATOMIC_ACQUIRE));
	if ((uint16_t)(avail_idx - q->last_avail) > q->size)
		return err_set(e, EINVAL, "available index moved by %u on a queue of %u",
			       (uint16_t)(avail_idx - q->last_avail), q->size);
	if (avail_idx == q->last_avail)
		return 0;
	head = le16toh(__atomic_load_n(&q->avail->ring[q->last_avail % q->size], __ATOMIC_RELAXED));
	el->head = head;
	el->nr = el->nr_out = 0;
	el->in_len = el->out_len = 0;
	if (walk_chain(q, head, el, e) < 0)
		return -1;
	q->last_avail++;
	if (q->event_idx) /* avail_event: tell the driver how far we have read */
		__atomic_store_n((uint16_t *)&q->used->ring[q->size], htole16(q->last_avail),
				 __ATOMIC_RELAXED);
	return 1;
}

void vq_push(struct vq *q, uint16_t head, uint32_t written)
{
	struct vring_used_elem *u = &q->used->ring[q->used_idx % q->size];

	u->id = htole32(head);
	u->len = htole32(written);
	q->used_idx++;
	/* Release: the element is visible before the index that publishes it. */
	__atomic_store_n(&q->used->idx, htole16(q->used_idx), __ATOMIC_RELEASE);
}

bool vq_should_notify(struct vq *q, uint16_t old_used_idx)
{
	/* The used index store must be visible before we read the driver's suppression. */
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	if (q->event_idx) {
		uint16_t ev = le16toh(__atomic_load_n(&q->avail->ring[q->size],
						      __ATOMIC_RELAXED)); /* used_event */

		return vring_need_event(ev, q->used_idx, old_used_idx);
	}
	return !(le16toh(__atomic_load_n(&q->avail->flags, __ATOMIC_RELAXED)) &
		 VRING_AVAIL_F_NO_INTERRUPT);
}

uint64_t vq_elem_write(const struct vq_elem *el, const void *data, uint64_t len)
{
	const uint8_t *src = data;
	uint64_t done = 0;

	for (unsigned i = el->nr_out; i < el->nr && done < len; i++) {
		uint64_t n = el->bufs[i].len;

		if (n > len - done)
			n = len - done;
		if (n)
			memcpy(el->bufs[i].hva, src + done, n);
		done += n;
	}
	return done;
}
