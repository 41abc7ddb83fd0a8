/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Checksums for snapshot files: CRC-32C (Castagnoli; SSE4.2 `crc32` when the CPU has it, a
 * table otherwise, same result). FNV-1a 64 for short identity strings is common/util.h's.
 */
#ifndef VMM_HASH_H
#define VMM_HASH_H

#include <stddef.h>
#include <stdint.h>

/* CRC-32C of `buf`, continuing from `crc` (0 to start). */
uint32_t vmm_crc32c(uint32_t crc, const void *buf, size_t len);

/* The table-driven version, for tests that compare both paths. */
uint32_t vmm_crc32c_sw(uint32_t crc, const void *buf, size_t len);

#endif
