// SPDX-License-Identifier: Apache-2.0
/* MP table (Intel MultiProcessor Specification 1.4, chapter 4). */
#include "mptable.h"

#include <errno.h>
#include <string.h>

struct mpf_intel {	   /* MP floating pointer structure, 4.1 */
	char signature[4]; /* "_MP_" */
	uint32_t physptr;
	uint8_t length; /* in 16-byte units */
	uint8_t specification;
	uint8_t checksum;
	uint8_t feature[5];
} __attribute__((packed));

struct mpc_table {	   /* configuration table header, 4.2 */
	char signature[4]; /* "PCMP" */
	uint16_t length;
	uint8_t spec;
	uint8_t checksum;
	char oem[8];
	char productid[12];
	uint32_t oemptr;
	uint16_t oemsize;
	uint16_t oemcount; /* entry count */
	uint32_t lapic;
	uint16_t reserved;
	uint8_t ext_checksum;
	uint8_t reserved2;
} __attribute__((packed));

struct mpc_cpu { /* 4.3.1 */
	uint8_t type;
	uint8_t apicid;
	uint8_t apicver;
	uint8_t cpuflag;
	uint32_t cpufeature; /* signature: stepping, model, family */
	uint32_t featureflag;
	uint32_t reserved[2];
} __attribute__((packed));

struct mpc_bus { /* 4.3.2 */
	uint8_t type;
	uint8_t busid;
	char bustype[6];
} __attribute__((packed));

struct mpc_ioapic { /* 4.3.3 */
	uint8_t type;
	uint8_t apicid;
	uint8_t apicver;
	uint8_t flags;
	uint32_t apicaddr;
} __attribute__((packed));

struct mpc_intsrc { /* 4.3.4 (I/O) and 4.3.5 (local) interrupt assignment */
	uint8_t type;
	uint8_t irqtype;
	uint16_t irqflag;
	uint8_t srcbus;
	uint8_t srcbusirq;
	uint8_t dstapic;
	uint8_t dstirq;
} __attribute__((packed));

enum { MP_PROCESSOR, MP_BUS, MP_IOAPIC, MP_INTSRC, MP_LINTSRC };
enum { MP_INT, MP_NMI, MP_SMI, MP_EXTINT };
#define CPU_ENABLED	  1
#define CPU_BOOTPROCESSOR 2
#define APIC_VERSION	  0x14
#define IOAPIC_VERSION	  0x11

static uint8_t checksum(const void *p, size_t len)
{
	const uint8_t *b = p;
	uint8_t sum = 0;

	for (size_t i = 0; i < len; i++)
		sum += b[i];
	return (uint8_t)-sum;
}

static size_t mptable_size(unsigned nr_cpus)
{
	return sizeof(struct mpf_intel) + sizeof(struct mpc_table) +
	       nr_cpus * sizeof(struct mpc_cpu) + sizeof(struct mpc_bus) +
	       sizeof(struct mpc_ioapic) + (VMM_IOAPIC_PINS + 2) * sizeof(struct mpc_intsrc);
}

static uint8_t *put_cpus(uint8_t *p, unsigned nr_cpus, uint32_t sig, uint32_t features)
{
	for (unsigned i = 0; i < nr_cpus; i++) {
		struct mpc_cpu c = {.type = MP_PROCESSOR,
				    .apicid = (uint8_t)i,
				    .apicver = APIC_VERSION,
				    .cpuflag = CPU_ENABLED | (i == 0 ? CPU_BOOTPROCESSOR : 0),
				    .cpufeature = sig,
				    .featureflag = features};
		memcpy(p, &c, sizeof(c));
		p += sizeof(c);
	}
	return p;
}

/* ISA bus, one IOAPIC, ISA IRQ n -> IOAPIC pin n (KVM's default GSI routing), LINT0/1. */
static uint8_t *put_bus_and_irqs(uint8_t *p, uint8_t ioapic_id)
{
	struct mpc_bus bus = {.type = MP_BUS, .busid = 0, .bustype = "ISA   "};
	struct mpc_ioapic io = {.type = MP_IOAPIC,
				.apicid = ioapic_id,
				.apicver = IOAPIC_VERSION,
				.flags = 1,
				.apicaddr = VMM_IOAPIC_ADDR};
	struct mpc_intsrc lint[2] = {
		{.type = MP_LINTSRC, .irqtype = MP_EXTINT, .dstapic = 0xff, .dstirq = 0},
		{.type = MP_LINTSRC, .irqtype = MP_NMI, .dstapic = 0xff, .dstirq = 1},
	};

	memcpy(p, &bus, sizeof(bus));
	p += sizeof(bus);
	memcpy(p, &io, sizeof(io));
	p += sizeof(io);
	for (unsigned pin = 0; pin < VMM_IOAPIC_PINS; pin++) {
		struct mpc_intsrc s = {.type = MP_INTSRC,
				       .irqtype = MP_INT,
				       .srcbus = 0,
				       .srcbusirq = (uint8_t)pin,
				       .dstapic = ioapic_id,
				       .dstirq = (uint8_t)pin};
		memcpy(p, &s, sizeof(s));
		p += sizeof(s);
	}
	memcpy(p, lint, sizeof(lint));
	return p + sizeof(lint);
}

int vmm_mptable_write(const struct vmm_mem *m, uint64_t gpa, uint64_t limit, unsigned nr_cpus,
		      uint32_t cpu_signature, uint32_t cpu_features, struct err *e)
{
	size_t size = mptable_size(nr_cpus);
	uint8_t *base = vmm_mem_ptr(m, gpa, size), *p;
	struct mpf_intel mpf = {.signature = "_MP_", .length = 1, .specification = 4};
	struct mpc_table hdr = {.signature = "PCMP",
				.spec = 4,
				.oem = "INCEPT  ",
				.productid = "incept-vmm  ",
				.lapic = VMM_LAPIC_ADDR};

	if (nr_cpus == 0 || nr_cpus > 254 || !base || size > limit - gpa)
		return err_set(e, E2BIG, "MP table for %u CPUs does not fit below 0x%llx", nr_cpus,
			       (unsigned long long)limit);
	p = put_cpus(base + sizeof(mpf) + sizeof(hdr), nr_cpus, cpu_signature, cpu_features);
	p = put_bus_and_irqs(p, (uint8_t)nr_cpus);
	hdr.length = (uint16_t)(p - (base + sizeof(mpf)));
	hdr.oemcount = (uint16_t)(nr_cpus + 2 + VMM_IOAPIC_PINS + 2);
	memcpy(base + sizeof(mpf), &hdr, sizeof(hdr));
	((struct mpc_table *)(base + sizeof(mpf)))->checksum =
		checksum(base + sizeof(mpf), hdr.length);
	mpf.physptr = (uint32_t)(gpa + sizeof(mpf));
	mpf.checksum = checksum(&mpf, sizeof(mpf));
	memcpy(base, &mpf, sizeof(mpf));
	return 0;
}
