/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The guest-physical memory layout, in one place.
 *
 *   0x0000_0000  real-mode IVT / BDA (RAM, left to the kernel)
 *   0x0000_7000  hvm_start_info, module list, memory map (one page)
 *   0x0000_8000  kernel command line (VMM_CMDLINE_MAX bytes)
 *   0x0009_fc00  MP floating pointer + MP table (the "EBDA": reserved, not RAM)
 *   0x000a_0000  legacy VGA/ROM hole up to 1 MiB (reserved, not RAM)
 *   0x0010_0000  RAM; the kernel's PT_LOAD segments go at their p_paddr (16 MiB by default)
 *   ...          the initrd, page aligned, at the top of low RAM
 *   0xd000_0000  virtio-mmio devices, 4 KiB each (the start of the 32-bit MMIO gap)
 *   0xfffb_d000  KVM's TSS (VT-x without unrestricted guest needs 3 pages somewhere)
 *   0x1_0000_0000 RAM above 4 GiB when --memory is larger than the low part
 */
#ifndef VMM_LAYOUT_H
#define VMM_LAYOUT_H

#define VMM_START_INFO_GPA  0x7000ULL
#define VMM_CMDLINE_GPA	    0x8000ULL
#define VMM_CMDLINE_MAX	    4096
#define VMM_MPTABLE_GPA	    0x9fc00ULL
#define VMM_LEGACY_HOLE_END 0x100000ULL
#define VMM_MMIO_GAP_START  0xd0000000ULL
#define VMM_HIGH_RAM_START  0x100000000ULL
#define VMM_TSS_GPA	    0xfffbd000ULL

#define VMM_VIRTIO_MMIO_BASE VMM_MMIO_GAP_START
#define VMM_VIRTIO_MMIO_SIZE 0x1000ULL
#define VMM_VIRTIO_IRQ_BASE  5 /* ISA IRQs 5, 6, 7, ... (4 is the serial port) */
#define VMM_MAX_VIRTIO	     4

#define VMM_SERIAL_PORT 0x3f8
#define VMM_SERIAL_IRQ	4

#define VMM_MAX_VCPUS	   32 /* what the MP table fits in the 1 KiB below 640 KiB */
#define VMM_MIN_MEMORY_MIB 16ULL
#define VMM_MAX_MEMORY_MIB (1024ULL * 1024) /* 1 TiB */

#endif
