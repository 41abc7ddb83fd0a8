// SPDX-License-Identifier: Apache-2.0
/*
 * libFuzzer target: split-virtqueue chain walking (vmm/virtio/queue.c) over fake guest memory
 * that the fuzzer fills. Input: byte 0 = queue size - 1 (mod 64), byte 1 = flags (bit 0
 * indirect, bit 1 event_idx), byte 2 = ring layout selector; the rest is guest RAM from 0.
 */
#include "vmm/virtio/queue.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define RAM (64 * 1024)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static uint8_t ram[RAM];
	struct vmm_mem mem;
	struct vq q = {0};
	struct vq_elem *el;
	struct err e;

	if (size < 3)
		return 0;
	memset(ram, 0, sizeof(ram));
	memcpy(ram, data + 3, size - 3 < RAM ? size - 3 : RAM);
	vmm_mem_layout(&mem, ram, RAM);
	q.mem = &mem;
	q.size = (uint16_t)((data[0] % 64) + 1);
	q.indirect = data[1] & 1;
	q.event_idx = data[1] & 2;
	/* Either the usual layout or rings placed by the input (possibly misaligned/outside). */
	if (data[2] & 0x80) {
		q.desc_gpa = (uint64_t)(data[2] & 0x7f) << 9;
		q.avail_gpa = q.desc_gpa + 16ULL * q.size + (data[2] & 1);
		q.used_gpa = (uint64_t)RAM - 4 - 8ULL * q.size - (data[2] & 2);
	} else {
		q.desc_gpa = 0;
		q.avail_gpa = 0x1000;
		q.used_gpa = 0x2000;
	}
	if (vq_enable(&q, &e) < 0)
		return 0;
	el = malloc(sizeof(*el));
	for (int i = 0; i < 2 * q.size; i++) {
		uint16_t old = q.used_idx;
		int r = vq_pop(&q, el, &e);

		if (r <= 0)
			break;
		/* Everything the walker handed out must lie inside RAM. */
		for (unsigned b = 0; b < el->nr; b++)
			if (el->bufs[b].len && (el->bufs[b].hva < ram ||
						el->bufs[b].hva + el->bufs[b].len > ram + RAM))
				abort();
		if (el->nr_out > el->nr || el->nr > VQ_MAX_BUFS)
			abort();
		vq_elem_write(el, data, size < el->in_len ? size : el->in_len);
		vq_push(&q, el->head, (uint32_t)el->in_len);
		(void)vq_should_notify(&q, old);
	}
	free(el);
	return 0;
}
