// SPDX-License-Identifier: Apache-2.0
/* 16550A UART emulation (register model from the PC16550D data sheet). */
#include "serial.h"

#include <string.h>

enum {
	REG_RBR_THR_DLL = 0,
	REG_IER_DLM = 1,
	REG_IIR_FCR = 2,
	REG_LCR = 3,
	REG_MCR = 4,
	REG_LSR = 5,
	REG_MSR = 6,
	REG_SCR = 7,
};

#define IER_RDI	     0x01 /* received data available */
#define IER_THRI     0x02 /* THR empty */
#define IIR_NO_INT   0x01
#define IIR_THRI     0x02
#define IIR_RDI	     0x04
#define IIR_FIFO_ON  0xc0
#define FCR_ENABLE   0x01
#define FCR_CLEAR_RX 0x02
#define LCR_DLAB     0x80
#define MCR_DTR	     0x01
#define MCR_RTS	     0x02
#define MCR_OUT1     0x04
#define MCR_OUT2     0x08
#define MCR_LOOP     0x10
#define LSR_DR	     0x01
#define LSR_THRE     0x20
#define LSR_TEMT     0x40
#define MSR_CTS	     0x10
#define MSR_DSR	     0x20
#define MSR_RI	     0x40
#define MSR_DCD	     0x80

void vmm_serial_init(struct vmm_serial *s, void (*out)(void *, uint8_t), void *out_opaque,
		     void (*set_irq)(void *, int), void *irq_opaque)
{
	memset(s, 0, sizeof(*s));
	pthread_mutex_init(&s->lock, NULL);
	s->out = out;
	s->out_opaque = out_opaque;
	s->set_irq = set_irq;
	s->irq_opaque = irq_opaque;
	s->mcr = MCR_OUT2;
	s->dll = 12; /* 9600 baud, the power-on divisor */
}

void vmm_serial_destroy(struct vmm_serial *s)
{
	pthread_mutex_destroy(&s->lock);
}

static uint8_t serial_iir(const struct vmm_serial *s)
{
	uint8_t fifo = (s->fcr & FCR_ENABLE) ? IIR_FIFO_ON : 0;

	if ((s->ier & IER_RDI) && s->rx_count)
		return fifo | IIR_RDI;
	if ((s->ier & IER_THRI) && s->thre_pending)
		return fifo | IIR_THRI;
	return fifo | IIR_NO_INT;
}

/* The INTR pin: high while an enabled interrupt is pending (edge-triggered at the IOAPIC). */
static void serial_update_irq(struct vmm_serial *s)
{
	int level = !(serial_iir(s) & IIR_NO_INT);

	if (level != s->irq_level) {
		s->irq_level = level;
		if (s->set_irq)
			s->set_irq(s->irq_opaque, level);
	}
}

static void serial_rx_push(struct vmm_serial *s, uint8_t c)
{
	if (s->rx_count == VMM_SERIAL_FIFO)
		return; /* overrun: the byte is lost, as on hardware */
	s->rx[(s->rx_head + s->rx_count) % VMM_SERIAL_FIFO] = c;
	s->rx_count++;
}

static uint8_t serial_rx_pop(struct vmm_serial *s)
{
	uint8_t c;

	if (!s->rx_count)
		return 0;
	c = s->rx[s->rx_head];
	s->rx_head = (s->rx_head + 1) % VMM_SERIAL_FIFO;
	s->rx_count--;
	return c;
}

/* Transmission is instantaneous, so THR is empty again right after every write. */
static void serial_write_thr(struct vmm_serial *s, uint8_t c)
{
	if (s->mcr & MCR_LOOP)
		serial_rx_push(s, c);
	else if (s->out)
		s->out(s->out_opaque, c);
	s->thre_pending = true;
}

static uint8_t serial_msr(const struct vmm_serial *s)
{
	uint8_t m = 0;

	if (!(s->mcr & MCR_LOOP))
		return MSR_DCD | MSR_DSR | MSR_CTS; /* a cable with the other side ready */
	/* Loopback wires the modem outputs to the inputs; the 8250 probe checks this. */
	if (s->mcr & MCR_RTS)
		m |= MSR_CTS;
	if (s->mcr & MCR_DTR)
		m |= MSR_DSR;
	if (s->mcr & MCR_OUT1)
		m |= MSR_RI;
	if (s->mcr & MCR_OUT2)
		m |= MSR_DCD;
	return m;
}

static void serial_write(struct vmm_serial *s, unsigned reg, uint8_t v)
{
	bool dlab = s->lcr & LCR_DLAB;

	switch (reg) {
	case REG_RBR_THR_DLL:
		if (dlab)
			s->dll = v;
		else
			serial_write_thr(s, v);
		break;
	case REG_IER_DLM:
		if (dlab) {
			s->dlm = v;
			break;
		}
		/* Enabling THRI while THR is empty raises the interrupt at once. */
		if ((v & IER_THRI) && !(s->ier & IER_THRI))
			s->thre_pending = true;
		s->ier = v & 0x0f;
		break;
	case REG_IIR_FCR:
		s->fcr = v & 0xc9; /* the trigger level and enable bits are kept */
		if (v & FCR_CLEAR_RX)
			s->rx_head = s->rx_count = 0;
		break;
	case REG_LCR:
		s->lcr = v;
		break;
	case REG_MCR:
		s->mcr = v & 0x1f;
		break;
	case REG_SCR:
		s->scr = v;
		break;
	default: /* LSR and MSR are read-only */
		break;
	}
}

static uint8_t serial_read(struct vmm_serial *s, unsigned reg)
{
	bool dlab = s->lcr & LCR_DLAB;
	uint8_t v;

	switch (reg) {
	case REG_RBR_THR_DLL:
		return dlab ? s->dll : serial_rx_pop(s);
	case REG_IER_DLM:
		return dlab ? s->dlm : s->ier;
	case REG_IIR_FCR:
		v = serial_iir(s);
		/* Reading IIR while it reports THR-empty acknowledges that interrupt. */
		if ((v & 0x0f) == IIR_THRI)
			s->thre_pending = false;
		return v;
	case REG_LCR:
		return s->lcr;
	case REG_MCR:
		return s->mcr;
	case REG_LSR:
		return LSR_THRE | LSR_TEMT | (s->rx_count ? LSR_DR : 0);
	case REG_MSR:
		return serial_msr(s);
	default:
		return s->scr;
	}
}

int vmm_serial_io(void *opaque, uint64_t offset, uint8_t *data, uint32_t len, bool is_write,
		  struct err *e)
{
	struct vmm_serial *s = opaque;

	(void)e;
	pthread_mutex_lock(&s->lock);
	for (uint32_t i = 0; i < len; i++) {
		unsigned reg = (unsigned)((offset + i) & 7);

		if (is_write)
			serial_write(s, reg, data[i]);
		else
			data[i] = serial_read(s, reg);
	}
	serial_update_irq(s);
	pthread_mutex_unlock(&s->lock);
	return 0;
}

void vmm_serial_save(struct vmm_serial *s, struct vmm_serial_state *st)
{
	pthread_mutex_lock(&s->lock);
	*st = (struct vmm_serial_state){.ier = s->ier,
					.lcr = s->lcr,
					.mcr = s->mcr,
					.scr = s->scr,
					.dll = s->dll,
					.dlm = s->dlm,
					.fcr = s->fcr,
					.thre_pending = s->thre_pending,
					.irq_level = s->irq_level};
	pthread_mutex_unlock(&s->lock);
}

/* The IRQ line's level itself comes back with the irqchip state; only our copy is set. */
void vmm_serial_restore(struct vmm_serial *s, const struct vmm_serial_state *st)
{
	pthread_mutex_lock(&s->lock);
	s->ier = st->ier;
	s->lcr = st->lcr;
	s->mcr = st->mcr;
	s->scr = st->scr;
	s->dll = st->dll;
	s->dlm = st->dlm;
	s->fcr = st->fcr;
	s->thre_pending = st->thre_pending != 0;
	s->irq_level = st->irq_level != 0;
	s->rx_head = s->rx_count = 0;
	pthread_mutex_unlock(&s->lock);
}
