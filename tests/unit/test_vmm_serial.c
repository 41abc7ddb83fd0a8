// SPDX-License-Identifier: Apache-2.0
/* 16550A register behaviour as Linux's 8250 driver relies on it. */
#include "unit.h"
#include "vmm/serial.h"

struct sink {
	char out[256];
	unsigned n;
	int irq_level;
	unsigned irq_changes;
};

static void sink_putc(void *opaque, uint8_t c)
{
	struct sink *s = opaque;

	if (s->n < sizeof(s->out) - 1)
		s->out[s->n++] = (char)c;
}

static void sink_irq(void *opaque, int level)
{
	struct sink *s = opaque;

	s->irq_level = level;
	s->irq_changes++;
}

static void wr(struct vmm_serial *u, unsigned reg, uint8_t v)
{
	struct err e;

	CHECK_INT(vmm_serial_io(u, reg, &v, 1, true, &e), 0);
}

static uint8_t rd(struct vmm_serial *u, unsigned reg)
{
	struct err e;
	uint8_t v = 0;

	CHECK_INT(vmm_serial_io(u, reg, &v, 1, false, &e), 0);
	return v;
}

static void setup(struct vmm_serial *u, struct sink *s)
{
	*s = (struct sink){0};
	vmm_serial_init(u, sink_putc, s, sink_irq, s);
}

static void test_transmit(void)
{
	struct vmm_serial u;
	struct sink s;

	setup(&u, &s);
	CHECK_INT(rd(&u, 5) & 0x60, 0x60); /* THRE | TEMT: always ready */
	wr(&u, 0, 'h');
	wr(&u, 0, 'i');
	s.out[s.n] = '\0';
	CHECK_STR(s.out, "hi");
	CHECK_INT(rd(&u, 5) & 0x61, 0x60); /* no data ready */
	vmm_serial_destroy(&u);
}

static void test_divisor_latch(void)
{
	struct vmm_serial u;
	struct sink s;

	setup(&u, &s);
	wr(&u, 3, 0x83); /* DLAB | 8N1 */
	wr(&u, 0, 0x01); /* DLL: 115200 */
	wr(&u, 1, 0x00); /* DLM */
	CHECK_INT(rd(&u, 0), 0x01);
	CHECK_INT(rd(&u, 1), 0x00);
	CHECK_INT(s.n, 0); /* divisor writes are not output */
	wr(&u, 3, 0x03);
	CHECK_INT(rd(&u, 3), 0x03);
	CHECK_INT(rd(&u, 1), 0x00); /* IER again */
	wr(&u, 7, 0x5a);
	CHECK_INT(rd(&u, 7), 0x5a); /* scratch */
	vmm_serial_destroy(&u);
}

/* serial8250's autoconfig: MCR = LOOP|OUT2|RTS must read back MSR = DCD|CTS (0x90). */
static void test_loopback_probe(void)
{
	struct vmm_serial u;
	struct sink s;

	setup(&u, &s);
	wr(&u, 4, 0x1a);
	CHECK_INT(rd(&u, 6) & 0xf0, 0x90);
	wr(&u, 0, 'x');
	CHECK_INT(s.n, 0); /* looped back, not sent */
	CHECK_INT(rd(&u, 5) & 0x01, 0x01);
	CHECK_INT(rd(&u, 0), 'x');
	CHECK_INT(rd(&u, 5) & 0x01, 0x00);
	wr(&u, 4, 0x0b); /* normal: DTR|RTS|OUT2 */
	CHECK_INT(rd(&u, 6) & 0xb0, 0xb0);
	vmm_serial_destroy(&u);
}

static void test_fifo_iir(void)
{
	struct vmm_serial u;
	struct sink s;

	setup(&u, &s);
	CHECK_INT(rd(&u, 2), 0x01); /* no interrupt, no FIFO */
	wr(&u, 2, 0x07);	    /* enable + clear FIFOs */
	CHECK_INT(rd(&u, 2), 0xc1); /* 16550A: FIFO bits set */
	vmm_serial_destroy(&u);
}

/* The tty layer enables THRI and waits for the interrupt to push more bytes. */
static void test_thre_interrupt(void)
{
	struct vmm_serial u;
	struct sink s;

	setup(&u, &s);
	wr(&u, 1, 0x02); /* IER = THRI while THR is empty: raises at once */
	CHECK_INT(s.irq_level, 1);
	CHECK_INT(rd(&u, 2) & 0x0f, 0x02);
	CHECK_INT(s.irq_level, 0); /* reading IIR acknowledged it */
	CHECK_INT(rd(&u, 2) & 0x0f, 0x01);
	wr(&u, 0, 'a'); /* THR empties again at once */
	CHECK_INT(s.irq_level, 1);
	CHECK_INT(rd(&u, 2) & 0x0f, 0x02);
	wr(&u, 1, 0x00); /* disabled: no further interrupt */
	wr(&u, 0, 'b');
	CHECK_INT(s.irq_level, 0);
	CHECK_INT(s.irq_changes, 4);
	vmm_serial_destroy(&u);
}

static void test_rx_interrupt_priority(void)
{
	struct vmm_serial u;
	struct sink s;

	setup(&u, &s);
	wr(&u, 4, 0x10);
	wr(&u, 1, 0x03);		   /* RDI | THRI */
	wr(&u, 0, 'q');			   /* loops back into RX */
	CHECK_INT(rd(&u, 2) & 0x0f, 0x04); /* data available outranks THR empty */
	CHECK_INT(rd(&u, 0), 'q');
	CHECK_INT(rd(&u, 2) & 0x0f, 0x02);
	vmm_serial_destroy(&u);
}

static void test_multibyte_access(void)
{
	struct vmm_serial u;
	struct sink s;
	struct err e;
	uint8_t two[2] = {'o', 0x02}, back[2] = {0, 0};

	setup(&u, &s);
	/* A 2-byte write at offset 0 is THR then IER, as on a byte-wide bus. */
	CHECK_INT(vmm_serial_io(&u, 0, two, 2, true, &e), 0);
	CHECK_INT(s.n, 1);
	CHECK_INT(s.out[0], 'o');
	CHECK_INT(rd(&u, 1), 0x02);
	CHECK_INT(s.irq_level, 1);
	/* A 2-byte read at offset 6 is MSR then SCR. */
	wr(&u, 7, 0x42);
	CHECK_INT(vmm_serial_io(&u, 6, back, 2, false, &e), 0);
	CHECK_INT(back[0] & 0xb0, 0xb0);
	CHECK_INT(back[1], 0x42);
	vmm_serial_destroy(&u);
}

int main(void)
{
	RUN(test_transmit);
	RUN(test_divisor_latch);
	RUN(test_loopback_probe);
	RUN(test_fifo_iir);
	RUN(test_thre_interrupt);
	RUN(test_rx_interrupt_priority);
	RUN(test_multibyte_access);
	return unit_done();
}
