// SPDX-License-Identifier: Apache-2.0
/* virtio-mmio transport, version 2 register layout (virtio 1.2 §4.2.2). */
#include "vmm/virtio/mmio.h"
#include "vmm/virtio/vsock.h"
#include "vmm/virtio/fs.h"
#include "guest_abi.h"
#include "vmm/irq.h"
#include "vmm/layout.h"
#include "log.h"
#include "vmm/vmm.h"

#include <errno.h>
#include <linux/virtio_config.h>
#include <linux/virtio_mmio.h>
#include <stdio.h>
#include <endian.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define VIRTIO_MMIO_MAGIC	   0x74726976 /* "virt" */
#define VIRTIO_MMIO_VERSION_MODERN 2
#define VMM_VIRTIO_VENDOR	   0x50434e49 /* "INCP" */

static void raise_irqfd(struct vmm_virtio_mmio *t)
{
	if (vmm_irqfd_trigger(t->irq_fd) < 0)
		log_warn("virtio-%s: irqfd write failed", t->ops->name);
}

void vmm_virtio_mmio_init(struct vmm_virtio_mmio *t, const struct vmm_virtio_dev_ops *ops,
			  void *dev, const struct vmm_mem *mem, uint64_t base, unsigned irq)
{
	memset(t, 0, sizeof(*t));
	pthread_mutex_init(&t->lock, NULL);
	t->ops = ops;
	t->dev = dev;
	t->base = base;
	t->irq = irq;
	t->irq_fd = -1;
	t->raise_irq = raise_irqfd;
	for (unsigned i = 0; i < VMM_VIRTIO_MAX_QUEUES; i++)
		t->queues[i].mem = mem;
}

void vmm_virtio_mmio_destroy(struct vmm_virtio_mmio *t)
{
	if (t->ops && t->ops->destroy && t->dev)
		t->ops->destroy(t->dev);
	t->dev = NULL;
	if (t->irq_fd >= 0)
		close(t->irq_fd);
	t->irq_fd = -1;
	pthread_mutex_destroy(&t->lock);
}

static uint64_t offered_features(const struct vmm_virtio_mmio *t)
{
	return t->ops->features | (1ULL << VIRTIO_F_VERSION_1);
}

/* Guest-triggered warnings are rate limited: a hostile driver must not flood the log. */
#define MMIO_MAX_WARNINGS 8

static void warn(struct vmm_virtio_mmio *t, const char *what, const struct err *why)
{
	if (t->warnings++ < MMIO_MAX_WARNINGS)
		log_warn("virtio-%s: %s%s", t->ops->name, what, why->msg);
}

static void raise_interrupt(struct vmm_virtio_mmio *t, uint32_t why)
{
	t->interrupt_status |= why;
	t->irqs++;
	t->raise_irq(t);
}

/* The driver broke the protocol: §2.1.2 DEVICE_NEEDS_RESET plus a config interrupt. */
void vmm_virtio_mmio_needs_reset(struct vmm_virtio_mmio *t, const struct err *why)
{
	warn(t, "device needs a reset: ", why);
	t->status |= VIRTIO_CONFIG_S_NEEDS_RESET;
	for (unsigned i = 0; i < VMM_VIRTIO_MAX_QUEUES; i++)
		t->queues[i].ready = false;
	if (t->status & VIRTIO_CONFIG_S_DRIVER_OK)
		raise_interrupt(t, VIRTIO_MMIO_INT_CONFIG);
}

static void device_reset(struct vmm_virtio_mmio *t)
{
	for (unsigned i = 0; i < VMM_VIRTIO_MAX_QUEUES; i++)
		vq_reset(&t->queues[i]);
	t->status = 0;
	t->driver_features = 0;
	t->dev_features_sel = t->drv_features_sel = t->queue_sel = 0;
	t->interrupt_status = 0;
	if (t->ops->reset)
		t->ops->reset(t->dev);
}

static struct vq *selected_queue(struct vmm_virtio_mmio *t)
{
	return t->queue_sel < t->ops->nr_queues ? &t->queues[t->queue_sel] : NULL;
}

static uint32_t read_reg(struct vmm_virtio_mmio *t, uint64_t off)
{
	struct vq *q = selected_queue(t);

	switch (off) {
	case VIRTIO_MMIO_MAGIC_VALUE:
		return VIRTIO_MMIO_MAGIC;
	case VIRTIO_MMIO_VERSION:
		return VIRTIO_MMIO_VERSION_MODERN;
	case VIRTIO_MMIO_DEVICE_ID:
		return t->ops->device_id;
	case VIRTIO_MMIO_VENDOR_ID:
		return VMM_VIRTIO_VENDOR;
	case VIRTIO_MMIO_DEVICE_FEATURES:
		return t->dev_features_sel < 2
			       ? (uint32_t)(offered_features(t) >> (32 * t->dev_features_sel))
			       : 0;
	case VIRTIO_MMIO_QUEUE_NUM_MAX:
		return q ? t->ops->queue_max_size : 0;
	case VIRTIO_MMIO_QUEUE_READY:
		return q ? q->ready : 0;
	case VIRTIO_MMIO_INTERRUPT_STATUS:
		return t->interrupt_status;
	case VIRTIO_MMIO_STATUS:
		return t->status;
	case VIRTIO_MMIO_SHM_LEN_LOW:
	case VIRTIO_MMIO_SHM_LEN_HIGH:
		return 0xffffffff; /* §4.2.2: no shared memory region with this id */
	case VIRTIO_MMIO_CONFIG_GENERATION:
		return t->config_generation;
	default:
		return 0;
	}
}

/* Queue registers are writable only while the queue is not ready (§4.2.2.2). */
static void write_queue_reg(struct vmm_virtio_mmio *t, struct vq *q, uint64_t off, uint32_t v)
{
	if (q->ready)
		return;
	switch (off) {
	case VIRTIO_MMIO_QUEUE_NUM:
		q->size = v <= t->ops->queue_max_size ? (uint16_t)v : 0;
		break;
	case VIRTIO_MMIO_QUEUE_DESC_LOW:
		q->desc_gpa = (q->desc_gpa & ~0xffffffffULL) | v;
		break;
	case VIRTIO_MMIO_QUEUE_DESC_HIGH:
		q->desc_gpa = (q->desc_gpa & 0xffffffffULL) | ((uint64_t)v << 32);
		break;
	case VIRTIO_MMIO_QUEUE_AVAIL_LOW:
		q->avail_gpa = (q->avail_gpa & ~0xffffffffULL) | v;
		break;
	case VIRTIO_MMIO_QUEUE_AVAIL_HIGH:
		q->avail_gpa = (q->avail_gpa & 0xffffffffULL) | ((uint64_t)v << 32);
		break;
	case VIRTIO_MMIO_QUEUE_USED_LOW:
		q->used_gpa = (q->used_gpa & ~0xffffffffULL) | v;
		break;
	case VIRTIO_MMIO_QUEUE_USED_HIGH:
		q->used_gpa = (q->used_gpa & 0xffffffffULL) | ((uint64_t)v << 32);
		break;
	}
}

static void queue_set_ready(struct vmm_virtio_mmio *t, struct vq *q, uint32_t v)
{
	struct err e;

	if (!v) {
		q->ready = false;
		return;
	}
	if (q->ready)
		return;
	q->indirect = t->driver_features & (1ULL << VIRTIO_RING_F_INDIRECT_DESC);
	q->event_idx = t->driver_features & (1ULL << VIRTIO_RING_F_EVENT_IDX);
	/* A bad layout leaves the queue not ready, which the driver reads back as failure. */
	if (vq_enable(q, &e) < 0)
		warn(t, "queue not enabled: ", &e);
}

static void set_status(struct vmm_virtio_mmio *t, uint32_t v)
{
	struct err e;

	if (v == 0) {
		device_reset(t);
		return;
	}
	/* §2.2.2: FEATURES_OK only for a subset of what we offered that includes VERSION_1. */
	if ((v & VIRTIO_CONFIG_S_FEATURES_OK) && !(t->status & VIRTIO_CONFIG_S_FEATURES_OK) &&
	    ((t->driver_features & ~offered_features(t)) ||
	     !(t->driver_features & (1ULL << VIRTIO_F_VERSION_1))))
		v &= ~VIRTIO_CONFIG_S_FEATURES_OK;
	if ((v & VIRTIO_CONFIG_S_DRIVER_OK) && !(t->status & VIRTIO_CONFIG_S_DRIVER_OK)) {
		t->status = v;
		if (t->ops->activate && t->ops->activate(t->dev, t, &e) < 0)
			vmm_virtio_mmio_needs_reset(t, &e);
		return;
	}
	t->status = v | (t->status & VIRTIO_CONFIG_S_NEEDS_RESET);
}

static void queue_notify(struct vmm_virtio_mmio *t, uint32_t idx)
{
	struct err e;

	if (idx >= t->ops->nr_queues || !t->queues[idx].ready ||
	    !(t->status & VIRTIO_CONFIG_S_DRIVER_OK) || (t->status & VIRTIO_CONFIG_S_NEEDS_RESET))
		return;
	if (t->ops->queue_notify(t->dev, t, idx, &e) < 0)
		vmm_virtio_mmio_needs_reset(t, &e);
}

static void write_features(struct vmm_virtio_mmio *t, uint32_t v)
{
	/* Features are fixed once FEATURES_OK is set (§3.1.1). */
	if (t->drv_features_sel >= 2 || (t->status & VIRTIO_CONFIG_S_FEATURES_OK))
		return;
	t->driver_features &= ~(0xffffffffULL << (32 * t->drv_features_sel));
	t->driver_features |= (uint64_t)v << (32 * t->drv_features_sel);
}

static void write_reg(struct vmm_virtio_mmio *t, uint64_t off, uint32_t v)
{
	struct vq *q = selected_queue(t);

	switch (off) {
	case VIRTIO_MMIO_DEVICE_FEATURES_SEL:
		t->dev_features_sel = v;
		break;
	case VIRTIO_MMIO_DRIVER_FEATURES:
		write_features(t, v);
		break;
	case VIRTIO_MMIO_DRIVER_FEATURES_SEL:
		t->drv_features_sel = v;
		break;
	case VIRTIO_MMIO_QUEUE_SEL:
		t->queue_sel = v;
		break;
	case VIRTIO_MMIO_QUEUE_READY:
		if (q)
			queue_set_ready(t, q, v);
		break;
	case VIRTIO_MMIO_QUEUE_NOTIFY:
		queue_notify(t, v);
		break;
	case VIRTIO_MMIO_INTERRUPT_ACK:
		t->interrupt_status &= ~v;
		break;
	case VIRTIO_MMIO_STATUS:
		set_status(t, v);
		break;
	case VIRTIO_MMIO_SHM_SEL:
		t->shm_sel = v;
		break;
	default:
		if (q)
			write_queue_reg(t, q, off, v);
		break;
	}
}

static void config_access(struct vmm_virtio_mmio *t, uint64_t off, uint8_t *data, uint32_t len,
			  bool is_write)
{
	if (off > t->ops->config_size || len > t->ops->config_size - off) {
		if (!is_write)
			memset(data, 0, len);
		return;
	}
	if (is_write) {
		if (t->ops->config_write)
			t->ops->config_write(t->dev, (uint32_t)off, data, len);
	} else if (t->ops->config_read) {
		t->ops->config_read(t->dev, (uint32_t)off, data, len);
	} else {
		memset(data, 0, len);
	}
}

int vmm_virtio_mmio_io(void *opaque, uint64_t offset, uint8_t *data, uint32_t len, bool is_write,
		       struct err *e)
{
	struct vmm_virtio_mmio *t = opaque;
	uint32_t v;

	(void)e;
	pthread_mutex_lock(&t->lock);
	if (offset >= VIRTIO_MMIO_CONFIG) {
		config_access(t, offset - VIRTIO_MMIO_CONFIG, data, len, is_write);
	} else if (len != 4 || (offset & 3)) {
		/* §4.2.2.2: the driver uses 32-bit aligned accesses for registers. */
		if (!is_write)
			memset(data, 0xff, len);
	} else if (is_write) {
		memcpy(&v, data, 4);
		write_reg(t, offset, le32toh(v));
	} else {
		v = htole32(read_reg(t, offset));
		memcpy(data, &v, 4);
	}
	pthread_mutex_unlock(&t->lock);
	return 0;
}

void vmm_virtio_mmio_used(struct vmm_virtio_mmio *t, unsigned q, uint16_t old_used_idx)
{
	if (q < VMM_VIRTIO_MAX_QUEUES && t->queues[q].used_idx != old_used_idx &&
	    vq_should_notify(&t->queues[q], old_used_idx))
		raise_interrupt(t, VIRTIO_MMIO_INT_VRING);
}

void vmm_virtio_mmio_save(struct vmm_virtio_mmio *t, struct vmm_virtio_mmio_state *st)
{
	pthread_mutex_lock(&t->lock);
	memset(st, 0, sizeof(*st));
	st->device_id = t->ops->device_id;
	st->nr_queues = t->ops->nr_queues;
	st->status = t->status;
	st->dev_features_sel = t->dev_features_sel;
	st->drv_features_sel = t->drv_features_sel;
	st->queue_sel = t->queue_sel;
	st->shm_sel = t->shm_sel;
	st->interrupt_status = t->interrupt_status;
	st->config_generation = t->config_generation;
	st->driver_features = t->driver_features;
	for (unsigned i = 0; i < VMM_VIRTIO_MAX_QUEUES; i++) {
		const struct vq *q = &t->queues[i];

		st->queues[i] = (struct vmm_virtio_queue_state){.desc_gpa = q->desc_gpa,
								.avail_gpa = q->avail_gpa,
								.used_gpa = q->used_gpa,
								.size = q->size,
								.last_avail = q->last_avail,
								.used_idx = q->used_idx,
								.ready = q->ready};
	}
	pthread_mutex_unlock(&t->lock);
}

static int restore_queue(struct vmm_virtio_mmio *t, struct vq *q,
			 const struct vmm_virtio_queue_state *s, struct err *e)
{
	q->desc_gpa = s->desc_gpa;
	q->avail_gpa = s->avail_gpa;
	q->used_gpa = s->used_gpa;
	q->size = s->size <= t->ops->queue_max_size ? s->size : 0;
	if (!s->ready)
		return 0;
	q->indirect = t->driver_features & (1ULL << VIRTIO_RING_F_INDIRECT_DESC);
	q->event_idx = t->driver_features & (1ULL << VIRTIO_RING_F_EVENT_IDX);
	if (vq_enable(q, e) < 0)
		return -1;
	q->last_avail = s->last_avail;
	q->used_idx = s->used_idx;
	return 0;
}

int vmm_virtio_mmio_restore(struct vmm_virtio_mmio *t, const struct vmm_virtio_mmio_state *st,
			    struct err *e)
{
	if (st->device_id != t->ops->device_id || st->nr_queues != t->ops->nr_queues)
		return err_set(e, EINVAL, "virtio-%s: saved state is for device %u with %u queues",
			       t->ops->name, st->device_id, st->nr_queues);
	if (st->driver_features & ~offered_features(t))
		return err_set(e, EINVAL, "virtio-%s: saved features 0x%llx were never offered",
			       t->ops->name, (unsigned long long)st->driver_features);
	t->status = st->status;
	t->dev_features_sel = st->dev_features_sel;
	t->drv_features_sel = st->drv_features_sel;
	t->queue_sel = st->queue_sel;
	t->shm_sel = st->shm_sel;
	t->interrupt_status = st->interrupt_status;
	t->config_generation = st->config_generation;
	t->driver_features = st->driver_features;
	for (unsigned i = 0; i < t->ops->nr_queues; i++)
		if (restore_queue(t, &t->queues[i], &st->queues[i], e) < 0)
			return err_prefix(e, "virtio-%s queue %u", t->ops->name, i);
	if ((t->status & VIRTIO_CONFIG_S_DRIVER_OK) && t->ops->activate &&
	    t->ops->activate(t->dev, t, e) < 0)
		return err_prefix(e, "virtio-%s", t->ops->name);
	return 0;
}

void vmm_virtio_mmio_cmdline(const struct vmm_virtio_mmio *t, char *buf, size_t len)
{
	snprintf(buf, len, "virtio_mmio.device=4K@0x%llx:%u", (unsigned long long)t->base, t->irq);
}

static int add_device(struct vmm *vm, const struct vmm_virtio_dev_ops *ops, void *dev,
		      struct err *e)
{
	unsigned i = vm->nr_virtio;
	struct vmm_virtio_mmio *t;

	if (i == VMM_MAX_VIRTIO) {
		ops->destroy(dev);
		return err_set(e, ENOSPC, "too many virtio devices");
	}
	t = calloc(1, sizeof(*t));
	if (!t) {
		ops->destroy(dev);
		return err_sys(e, ENOMEM, "virtio transport");
	}
	vmm_virtio_mmio_init(t, ops, dev, &vm->mem, VMM_VIRTIO_MMIO_BASE + i * VMM_VIRTIO_MMIO_SIZE,
			     VMM_VIRTIO_IRQ_BASE + i);
	vm->virtio[vm->nr_virtio++] = t;
	t->irq_fd = vmm_irqfd_create(vm->kvm.vm_fd, t->irq, e);
	if (t->irq_fd < 0)
		return -1;
	return vmm_bus_add(&vm->mmio, t->base, VMM_VIRTIO_MMIO_SIZE, ops->name, vmm_virtio_mmio_io,
			   t, e);
}

/*
 * The virtio-fs device exists in every VM, with an empty synthetic root, so that it is part of
 * every snapshot; shares are added to its server at each start (vmm_virtio_fs_add_shares).
 */
static int add_fs(struct vmm *vm, struct err *e)
{
	const struct vfs_opts opts = {.cache_secs = vm->cfg->share_cache_secs};
	void *fs = vmm_virtio_fs_create(INCEPT_FS_TAG, &opts, e);

	if (!fs)
		return -1;
	vm->fs = fs;
	return add_device(vm, &vmm_virtio_fs_ops, fs, e);
}

int vmm_virtio_devices_create(struct vmm *vm, struct err *e)
{
	void *rng = vmm_virtio_rng_create(e);
	struct vmm_vsock *vsock;

	if (!rng || add_device(vm, &vmm_virtio_rng_ops, rng, e) < 0)
		return -1;
	/* Every guest has vsock, so every snapshot does (docs/vsock.md). */
	vsock = vmm_vsock_create(vm->cfg->vsock_socket, e);
	if (!vsock || add_device(vm, &vmm_virtio_vsock_ops, vsock, e) < 0)
		return -1;
	vm->vsock = vsock;
	return add_fs(vm, e);
}

int vmm_virtio_fs_add_shares(struct vmm *vm, struct err *e)
{
	for (unsigned i = 0; i < vm->cfg->nr_shares; i++) {
		const struct vmm_share *s = &vm->cfg->shares[i];

		bool keep = s->keep_cache && vmm_quirks_keep_cache_ok(&vm->quirks);
		unsigned flags =
			(s->readonly ? VFS_SHARE_RO : 0) | (keep ? VFS_SHARE_KEEP_CACHE : 0);

		if (vfs_share_add(vmm_virtio_fs_server(vm->fs), s->name, s->path, flags, e) < 0)
			return err_prefix(e, "--share");
		log_debug("virtio-fs: share %s = %s%s%s", s->name, s->path,
			  s->readonly ? " (read-only)" : "",
			  keep		  ? " (kept cache)"
			  : s->keep_cache ? " (kept cache refused on this host)"
					  : "");
	}
	return 0;
}

void vmm_virtio_devices_destroy(struct vmm *vm)
{
	for (unsigned i = 0; i < vm->nr_virtio; i++) {
		vmm_virtio_mmio_destroy(vm->virtio[i]);
		free(vm->virtio[i]);
		vm->virtio[i] = NULL;
	}
	vm->nr_virtio = 0;
	vm->vsock = NULL;
	vm->fs = NULL;
}
