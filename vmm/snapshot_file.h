/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The snapshot state file: a fixed header (magic, format version, the snapshot's identity
 * key, payload length and CRC-32C, header CRC-32C) followed by tagged sections, each
 * {u32 tag, u32 len, data padded to 8 bytes}. Sections are written and read in one fixed
 * order; a reader asks for the tag it expects next, so a missing, extra or reordered section
 * is an error, never a silent misread. All lengths are checked against the file.
 */
#ifndef VMM_SNAPSHOT_FILE_H
#define VMM_SNAPSHOT_FILE_H

#include <stddef.h>
#include <stdint.h>
#include "error.h"

#define VMM_SNAP_MAGIC	     "INCSNAP1"
#define VMM_SNAP_VERSION     1
#define VMM_SNAP_MAX_SECTION (1u << 20)

/* Section tags: a kind in the high bits, an instance (vCPU, device) in the low byte. */
#define VMM_SNAP_TAG(kind, idx) (((uint32_t)(kind) << 8) | ((uint32_t)(idx)&0xff))

enum vmm_snap_kind {
	VMM_SNAP_MEMORY = 1,
	VMM_SNAP_META,
	VMM_SNAP_CLOCK,
	VMM_SNAP_IRQCHIP,
	VMM_SNAP_PIT,
	VMM_SNAP_VCPU_MP,
	VMM_SNAP_VCPU_REGS,
	VMM_SNAP_VCPU_SREGS,
	VMM_SNAP_VCPU_FPU,
	VMM_SNAP_VCPU_XSAVE,
	VMM_SNAP_VCPU_XCRS,
	VMM_SNAP_VCPU_DEBUGREGS,
	VMM_SNAP_VCPU_LAPIC,
	VMM_SNAP_VCPU_MSRS,
	VMM_SNAP_VCPU_EVENTS,
	VMM_SNAP_SERIAL,
	VMM_SNAP_AGENT,
	VMM_SNAP_VIRTIO,
	VMM_SNAP_END,
};

struct vmm_snap_header {
	char magic[8];
	uint32_t version;
	uint32_t header_size;
	uint64_t key;
	uint64_t payload_len;
	uint32_t payload_crc;
	uint32_t header_crc; /* CRC-32C of the bytes before this field */
};

struct vmm_snap_writer {
	uint8_t *buf;
	size_t len, cap;
	int error; /* first errno while appending; reported by vmm_snap_write_file() */
};

/* Appends one section; failures are remembered and reported at the end. */
void vmm_snap_put(struct vmm_snap_writer *w, uint32_t tag, const void *data, size_t len);

/* Writes header + payload to a new file `path` (O_EXCL) and fsyncs it. Frees the buffer. */
int vmm_snap_write_file(struct vmm_snap_writer *w, uint64_t key, const char *path, struct err *e);

/* Builds the file image in memory (tests and the fuzz target use this). Both free the
 * writer's buffer, on failure too: callers just return. */
int vmm_snap_image(struct vmm_snap_writer *w, uint64_t key, uint8_t **img, size_t *len,
		   struct err *e);

struct vmm_snap_reader {
	const uint8_t *payload;
	size_t len, pos;
};

/* Checks magic, version, sizes, both CRCs and the key. */
int vmm_snap_open(struct vmm_snap_reader *r, const uint8_t *img, size_t len, uint64_t key,
		  struct err *e);

/*
 * The next section must be `tag` with exactly `len` bytes; copies it to `out`. On any
 * failure (here and in vmm_snap_get_var) the reader stays where it was.
 */
int vmm_snap_get(struct vmm_snap_reader *r, uint32_t tag, void *out, size_t len, struct err *e);

/* The next section must be `tag` with at most `max` bytes; points `data` into the image. */
int vmm_snap_get_var(struct vmm_snap_reader *r, uint32_t tag, const void **data, size_t *len,
		     size_t max, struct err *e);

#endif
