// SPDX-License-Identifier: Apache-2.0
/* Split virtqueue: chain walking and validation against a hostile driver, on fake RAM. */
#include "unit.h"
#include "vmm/virtio/queue.h"

#include <stdlib.h>
#include <string.h>

#define RAM	  (1 << 20)
#define QSIZE	  8
#define DESC_GPA  0x1000
#define AVAIL_GPA 0x2000
#define USED_GPA  0x3000
#define BUF_GPA	  0x10000

struct fixture {
	struct vmm_mem mem;
	struct vq q;
	struct vring_desc *desc;
	struct vring_avail *avail;
	struct vring_used *used;
};

static void setup(struct fixture *f, bool indirect, bool event_idx)
{
	struct err e;

	vmm_mem_layout(&f->mem, calloc(1, RAM), RAM);
	f->q = (struct vq){.mem = &f->mem};
	vq_reset(&f->q);
	f->q.size = QSIZE;
	f->q.desc_gpa = DESC_GPA;
	f->q.avail_gpa = AVAIL_GPA;
	f->q.used_gpa = USED_GPA;
	f->q.indirect = indirect;
	f->q.event_idx = event_idx;
	CHECK_INT(vq_enable(&f->q, &e), 0);
	f->desc = (struct vring_desc *)(f->mem.base + DESC_GPA);
	f->avail = (struct vring_avail *)(f->mem.base + AVAIL_GPA);
	f->used = (struct vring_used *)(f->mem.base + USED_GPA);
}

static void teardown(struct fixture *f)
{
	free(f->mem.base);
}

static void set_desc(struct vring_desc *d, uint64_t addr, uint32_t len, uint16_t flags,
		     uint16_t next)
{
	d->addr = addr;
	d->len = len;
	d->flags = flags;
	d->next = next;
}

/* Makes `head` available in the next ring slot. */
static void offer(struct fixture *f, uint16_t head)
{
	f->avail->ring[f->avail->idx % QSIZE] = head;
	f->avail->idx++;
}

static int pop(struct fixture *f, struct vq_elem *el)
{
	struct err e;

	return vq_pop(&f->q, el, &e);
}

static void test_simple_chain(void)
{
	struct fixture f;
	struct vq_elem el;

	setup(&f, false, false);
	CHECK_INT(pop(&f, &el), 0); /* empty */
	set_desc(&f.desc[3], BUF_GPA, 16, VRING_DESC_F_NEXT, 5);
	set_desc(&f.desc[5], BUF_GPA + 0x100, 64, VRING_DESC_F_WRITE, 0);
	offer(&f, 3);
	CHECK_INT(pop(&f, &el), 1);
	CHECK_INT(el.head, 3);
	CHECK_INT(el.nr, 2);
	CHECK_INT(el.nr_out, 1);
	CHECK_INT(el.out_len, 16);
	CHECK_INT(el.in_len, 64);
	CHECK(el.bufs[0].hva == f.mem.base + BUF_GPA && !el.bufs[0].writable);
	CHECK(el.bufs[1].hva == f.mem.base + BUF_GPA + 0x100 && el.bufs[1].writable);
	CHECK_INT(pop(&f, &el), 0);
	teardown(&f);
}

static void test_push_and_notify(void)
{
	struct fixture f;
	struct vq_elem el;
	uint16_t old;

	setup(&f, false, false);
	set_desc(&f.desc[0], BUF_GPA, 8, VRING_DESC_F_WRITE, 0);
	offer(&f, 0);
	CHECK_INT(pop(&f, &el), 1);
	old = f.q.used_idx;
	vq_push(&f.q, el.head, 8);
	CHECK_INT(f.used->idx, 1);
	CHECK_INT(f.used->ring[0].id, 0);
	CHECK_INT(f.used->ring[0].len, 8);
	CHECK(vq_should_notify(&f.q, old));
	f.avail->flags = VRING_AVAIL_F_NO_INTERRUPT;
	CHECK(!vq_should_notify(&f.q, old));
	teardown(&f);
}

static void test_event_idx(void)
{
	struct fixture f;
	struct vq_elem el;
	uint16_t *used_event, *avail_event;

	setup(&f, false, true);
	used_event = &f.avail->ring[QSIZE];
	avail_event = (uint16_t *)&f.used->ring[QSIZE];
	for (int i = 0; i < 3; i++) {
		set_desc(&f.desc[i], BUF_GPA, 8, VRING_DESC_F_WRITE, 0);
		offer(&f, (uint16_t)i);
	}
	CHECK_INT(pop(&f, &el), 1);
	CHECK_INT(*avail_event, 1); /* we tell the driver how far we have read */
	*used_event = 1;	    /* driver: interrupt me once used idx passes 1 */
	vq_push(&f.q, el.head, 0);  /* used idx 0 -> 1: not past 1 yet */
	CHECK(!vq_should_notify(&f.q, 0));
	CHECK_INT(pop(&f, &el), 1);
	vq_push(&f.q, el.head, 0); /* 1 -> 2: crosses the event */
	CHECK(vq_should_notify(&f.q, 1));
	teardown(&f);
}

static void test_bad_indices(void)
{
	struct fixture f;
	struct vq_elem el;

	setup(&f, false, false);
	offer(&f, QSIZE); /* head out of range */
	CHECK_INT(pop(&f, &el), -1);
	teardown(&f);

	setup(&f, false, false);
	f.avail->idx = QSIZE + 1; /* more new entries than the ring holds */
	CHECK_INT(pop(&f, &el), -1);
	teardown(&f);

	setup(&f, false, false);
	set_desc(&f.desc[0], BUF_GPA, 8, VRING_DESC_F_NEXT, 9); /* next out of range */
	offer(&f, 0);
	CHECK_INT(pop(&f, &el), -1);
	teardown(&f);
}

static void test_loop(void)
{
	struct fixture f;
	struct vq_elem el;

	setup(&f, false, false);
	set_desc(&f.desc[0], BUF_GPA, 8, VRING_DESC_F_NEXT, 1);
	set_desc(&f.desc[1], BUF_GPA, 8, VRING_DESC_F_NEXT, 0);
	offer(&f, 0);
	CHECK_INT(pop(&f, &el), -1);
	teardown(&f);
}

static void test_bad_buffers(void)
{
	struct fixture f;
	struct vq_elem el;

	setup(&f, false, false);
	set_desc(&f.desc[0], RAM - 4, 8, 0, 0); /* runs past the end of RAM */
	offer(&f, 0);
	CHECK_INT(pop(&f, &el), -1);
	teardown(&f);

	setup(&f, false, false);
	set_desc(&f.desc[0], UINT64_MAX - 3, 100, 0, 0); /* address + length wraps */
	offer(&f, 0);
	CHECK_INT(pop(&f, &el), -1);
	teardown(&f);

	setup(&f, false, false);
	set_desc(&f.desc[0], BUF_GPA, 8, VRING_DESC_F_WRITE | VRING_DESC_F_NEXT, 1);
	set_desc(&f.desc[1], BUF_GPA, 8, 0, 0); /* readable after writable */
	offer(&f, 0);
	CHECK_INT(pop(&f, &el), -1);
	teardown(&f);

	setup(&f, false, false);
	set_desc(&f.desc[0], 0xdeadbeef000ULL, 0, VRING_DESC_F_WRITE, 0); /* empty: no access */
	offer(&f, 0);
	CHECK_INT(pop(&f, &el), 1);
	CHECK(el.bufs[0].hva == NULL && el.bufs[0].len == 0);
	teardown(&f);
}

static void test_indirect(void)
{
	struct fixture f;
	struct vq_elem el;
	struct vring_desc *table;

	/* Not negotiated: refused. */
	setup(&f, false, false);
	set_desc(&f.desc[0], BUF_GPA + 0x1000, 32, VRING_DESC_F_INDIRECT, 0);
	offer(&f, 0);
	CHECK_INT(pop(&f, &el), -1);
	teardown(&f);

	setup(&f, true, false);
	table = (struct vring_desc *)(f.mem.base + BUF_GPA + 0x1000);
	set_desc(&table[0], BUF_GPA, 4, VRING_DESC_F_NEXT, 1);
	set_desc(&table[1], BUF_GPA + 4, 4, VRING_DESC_F_WRITE, 0);
	set_desc(&f.desc[0], BUF_GPA + 0x1000, 32, VRING_DESC_F_INDIRECT, 0);
	offer(&f, 0);
	CHECK_INT(pop(&f, &el), 1);
	CHECK_INT(el.nr, 2);
	CHECK_INT(el.in_len, 4);

	set_desc(&table[1], BUF_GPA + 0x1000, 16, VRING_DESC_F_INDIRECT, 0); /* nested */
	offer(&f, 0);
	CHECK_INT(pop(&f, &el), -1);
	teardown(&f);

	setup(&f, true, false);
	set_desc(&f.desc[0], BUF_GPA + 0x1000, 24, VRING_DESC_F_INDIRECT, 0); /* not *16 */
	offer(&f, 0);
	CHECK_INT(pop(&f, &el), -1);
	teardown(&f);

	setup(&f, true, false);
	set_desc(&f.desc[0], BUF_GPA + 0x1000, 32, VRING_DESC_F_INDIRECT | VRING_DESC_F_NEXT, 1);
	offer(&f, 0);
	CHECK_INT(pop(&f, &el), -1);
	teardown(&f);

	setup(&f, true, false);
	table = (struct vring_desc *)(f.mem.base + BUF_GPA + 0x1000);
	set_desc(&table[0], BUF_GPA, 4, VRING_DESC_F_NEXT, 1);
	set_desc(&table[1], BUF_GPA, 4, VRING_DESC_F_NEXT, 0); /* loop inside the table */
	set_desc(&f.desc[0], BUF_GPA + 0x1000, 32, VRING_DESC_F_INDIRECT, 0);
	offer(&f, 0);
	CHECK_INT(pop(&f, &el), -1);
	teardown(&f);
}

static void test_enable_checks(void)
{
	struct vmm_mem mem;
	struct vq q = {0};
	struct err e;

	vmm_mem_layout(&mem, calloc(1, RAM), RAM);
	q.mem = &mem;
	q.size = 0;
	CHECK_INT(vq_enable(&q, &e), -1);
	q.size = 8;
	q.desc_gpa = 0x1008; /* not 16-byte aligned */
	q.avail_gpa = 0x2000;
	q.used_gpa = 0x3000;
	CHECK_INT(vq_enable(&q, &e), -1);
	q.desc_gpa = 0x1000;
	q.used_gpa = 0x3002; /* not 4-byte aligned */
	CHECK_INT(vq_enable(&q, &e), -1);
	q.used_gpa = RAM - 16; /* runs past the end of RAM */
	CHECK_INT(vq_enable(&q, &e), -1);
	CHECK(!q.ready);
	q.used_gpa = 0x3000;
	CHECK_INT(vq_enable(&q, &e), 0);
	CHECK(q.ready);
	free(mem.base);
}

static void test_elem_write(void)
{
	struct fixture f;
	struct vq_elem el;
	const char msg[] = "0123456789";

	setup(&f, false, false);
	set_desc(&f.desc[0], BUF_GPA, 4, VRING_DESC_F_NEXT, 1);
	set_desc(&f.desc[1], BUF_GPA + 0x100, 3, VRING_DESC_F_WRITE | VRING_DESC_F_NEXT, 2);
	set_desc(&f.desc[2], BUF_GPA + 0x200, 3, VRING_DESC_F_WRITE, 0);
	offer(&f, 0);
	CHECK_INT(pop(&f, &el), 1);
	CHECK_INT(vq_elem_write(&el, msg, 10), 6); /* only 6 writable bytes */
	CHECK(!memcmp(f.mem.base + BUF_GPA + 0x100, "012", 3));
	CHECK(!memcmp(f.mem.base + BUF_GPA + 0x200, "345", 3));
	CHECK_INT(f.mem.base[BUF_GPA], 0); /* readable buffer untouched */
	teardown(&f);
}

int main(void)
{
	RUN(test_simple_chain);
	RUN(test_push_and_notify);
	RUN(test_event_idx);
	RUN(test_bad_indices);
	RUN(test_loop);
	RUN(test_bad_buffers);
	RUN(test_indirect);
	RUN(test_enable_checks);
	RUN(test_elem_write);
	return unit_done();
}
