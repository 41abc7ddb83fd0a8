// SPDX-License-Identifier: Apache-2.0
/*
 * virtio-fs (virtio 1.2 §5.11): queue 0 is the high-priority queue (FORGET, INTERRUPT), queues
 * 1..N carry FUSE requests. Each queue has its own worker thread; a guest notify only kicks
 * that thread's eventfd, so vCPU threads never wait for the filesystem. Requests are served
 * by the transport-independent FUSE server in vmm/fuse/ (docs/virtio-fs.md).
 */
#define _GNU_SOURCE
#include "vmm/virtio/fs.h"
#include "vmm/virtio/mmio.h"
#include "log.h"

#include <errno.h>
#include <linux/virtio_fs.h>
#include <linux/virtio_ids.h>
#include <linux/virtio_ring.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

#define FS_NR_QUEUES (1 + VMM_VIRTIO_FS_REQUEST_QUEUES)

/*
 * 256 entries: Linux (fs/fuse/virtio_fs.c, FUSE_HEADER_OVERHEAD) limits a request to queue
 * size - 4 pages, so its longest chain (headers + pages) is 256 buffers, which is what
 * vq_pop() accepts (VQ_MAX_BUFS).
 */
#define FS_QUEUE_SIZE 256

struct fs_queue {
	struct vmm_virtio_fs *fs;
	unsigned index;
	int kick_fd; /* eventfd: the guest notified this queue */
	pthread_t thread;
	bool started;
	bool broken; /* the driver broke the ring protocol; under the transport lock */
	struct vq_elem *el;
	uint8_t *in; /* the request, copied out of guest memory once */
	size_t in_cap;
	struct iovec *out; /* the chain's device-writable buffers */
	_Atomic uint64_t served;
};

struct vmm_virtio_fs {
	struct vfs_server *srv;
	struct virtio_fs_config config;
	_Atomic(struct vmm_virtio_mmio *) transport; /* known from the first activate/notify */
	atomic_bool stop;
	unsigned generation; /* bumped by a device reset; under the transport lock */
	struct fs_queue queues[FS_NR_QUEUES];
	pthread_mutex_t stats_lock;		     /* last_stats: any vCPU may ask for a dump */
	bool stats_asked;			     /* a dump was asked for: one more at exit */
	struct vfs_op_stat last_stats[VFS_OP_SLOTS]; /* at the previous dump */
};

/*
 * Copies the chain's device-readable part into q->in (a longer request is cut short, and the
 * server then answers EINVAL: its header's len exceeds what it got); returns the length.
 */
static size_t gather_request(struct fs_queue *q, const struct vq_elem *el)
{
	size_t len = 0;

	for (unsigned i = 0; i < el->nr_out && len < q->in_cap; i++) {
		size_t n = el->bufs[i].len;

		if (n > q->in_cap - len)
			n = q->in_cap - len;
		if (n)
			memcpy(q->in + len, el->bufs[i].hva, n);
		len += n;
	}
	return len;
}

/* Serves one chain; returns the bytes written into its device-writable buffers. */
static uint32_t serve_chain(struct fs_queue *q, const struct vq_elem *el)
{
	size_t len = gather_request(q, el);
	int cnt = 0;

	for (unsigned i = el->nr_out; i < el->nr; i++)
		q->out[cnt++] = (struct iovec){el->bufs[i].hva, el->bufs[i].len};
	atomic_fetch_add(&q->served, 1);
	/* the reply fits the writable buffers, whose lengths are 32-bit */
	return (uint32_t)vfs_handle(q->fs->srv, q->in, len, q->out, cnt);
}

/*
 * Pops and serves every available chain of one queue. The rings are touched only under the
 * transport lock (a vCPU may reset the device at any time); the FUSE work runs without it.
 */
static void drain(struct vmm_virtio_fs *fs, struct fs_queue *q, struct vmm_virtio_mmio *t)
{
	struct vq *vq = &t->queues[q->index];
	struct err e = {0};

	pthread_mutex_lock(&t->lock);
	while (!q->broken) {
		unsigned gen = fs->generation;
		uint16_t old = vq->used_idx;
		uint32_t written;
		int r = vq_pop(vq, q->el, &e);

		if (r < 0) {
			/* reported to the transport at the next notify (queue_notify) */
			q->broken = true;
			log_warn("virtio-fs queue %u: %s", q->index, e.msg);
		}
		if (r <= 0)
			break;
		pthread_mutex_unlock(&t->lock);
		written = serve_chain(q, q->el);
		pthread_mutex_lock(&t->lock);
		if (gen != fs->generation)
			continue; /* reset meanwhile: the chain belongs to a ring that is gone */
		vq_push(vq, q->el->head, written);
		vmm_virtio_mmio_used(t, q->index, old);
	}
	pthread_mutex_unlock(&t->lock);
}

static void *worker(void *arg)
{
	struct fs_queue *q = arg;
	struct vmm_virtio_fs *fs = q->fs;

	for (;;) {
		uint64_t kicks;
		struct vmm_virtio_mmio *t;

		if (read(q->kick_fd, &kicks, sizeof(kicks)) < 0 && errno != EINTR)
			return NULL;
		if (atomic_load(&fs->stop))
			return NULL;
		t = atomic_load(&fs->transport);
		if (t)
			drain(fs, q, t);
	}
}

static int queue_init(struct vmm_virtio_fs *fs, unsigned i, struct err *e)
{
	struct fs_queue *q = &fs->queues[i];

	q->fs = fs;
	q->index = i;
	q->kick_fd = eventfd(0, EFD_CLOEXEC);
	if (q->kick_fd < 0)
		return err_sys(e, errno, "virtio-fs eventfd");
	q->el = malloc(sizeof(*q->el));
	q->out = calloc(VQ_MAX_BUFS, sizeof(*q->out));
	/* the high-priority queue carries only FORGET/INTERRUPT: small requests */
	q->in_cap = i ? VFS_MAX_REQUEST : 4096;
	q->in = malloc(q->in_cap);
	if (!q->el || !q->out || !q->in)
		return err_sys(e, ENOMEM, "virtio-fs queue");
	if (pthread_create(&q->thread, NULL, worker, q) != 0)
		return err_set(e, EAGAIN, "virtio-fs: cannot start the queue %u thread", i);
	q->started = true;
	return 0;
}

/* Appends " name=count/errors/us" for every slot that served requests since `last`. */
static size_t stats_ops_text(const struct vfs_op_stat *now, const struct vfs_op_stat *last,
			     char *buf, size_t size, struct vfs_op_stat *sum)
{
	size_t len = 0;

	for (unsigned i = 0; i < VFS_OP_SLOTS; i++) {
		struct vfs_op_stat d = {now[i].count - last[i].count,
					now[i].errors - last[i].errors, now[i].ns - last[i].ns};
		int n;

		if (!d.count)
			continue;
		sum->count += d.count;
		sum->errors += d.errors;
		sum->ns += d.ns;
		n = snprintf(buf + len, size - len, " %s=%llu/%llu/%llu", vfs_op_name(i),
			     (unsigned long long)d.count, (unsigned long long)d.errors,
			     (unsigned long long)(d.ns / 1000));
		if (n < 0 || (size_t)n >= size - len)
			break; /* cut short: the totals still count every slot */
		len += (size_t)n;
	}
	return len;
}

void vmm_virtio_fs_log_stats(void *dev, unsigned label)
{
	struct vmm_virtio_fs *fs = dev;
	struct vfs_op_stat now[VFS_OP_SLOTS], sum = {0};
	char ops[768];

	ops[0] = '\0';
	vfs_stats_ops(fs->srv, now);
	pthread_mutex_lock(&fs->stats_lock);
	stats_ops_text(now, fs->last_stats, ops, sizeof(ops), &sum);
	memcpy(fs->last_stats, now, sizeof(now));
	fs->stats_asked = true;
	pthread_mutex_unlock(&fs->stats_lock);
	log_info("virtio-fs stats %u: requests=%llu errors=%llu host_us=%llu%s", label,
		 (unsigned long long)sum.count, (unsigned long long)sum.errors,
		 (unsigned long long)(sum.ns / 1000), ops);
}

static void fs_destroy(void *dev)
{
	struct vmm_virtio_fs *fs = dev;
	uint64_t one = 1;

	struct vfs_stats st;

	if (!fs)
		return;
	if (fs->srv) {
		/* after the guest unmounted (DESTROY), nothing is left open */
		vfs_stats(fs->srv, &st);
		log_debug("virtio-fs: served %llu requests (%llu errors); %llu inodes and %llu "
			  "handles open at exit",
			  (unsigned long long)st.requests, (unsigned long long)st.errors,
			  (unsigned long long)st.inodes, (unsigned long long)st.handles);
		/* the requests after the agent's last dump (DESTROY, late RELEASEs), as label 0 */
		if (fs->stats_asked)
			vmm_virtio_fs_log_stats(fs, 0);
	}
	atomic_store(&fs->stop, true);
	for (unsigned i = 0; i < FS_NR_QUEUES; i++) {
		struct fs_queue *q = &fs->queues[i];

		if (q->started && write(q->kick_fd, &one, sizeof(one)) == sizeof(one))
			pthread_join(q->thread, NULL);
		if (q->kick_fd >= 0)
			close(q->kick_fd);
		free(q->el);
		free(q->out);
		free(q->in);
	}
	vfs_server_destroy(fs->srv);
	pthread_mutex_destroy(&fs->stats_lock);
	free(fs);
}

void *vmm_virtio_fs_create(const char *tag, const struct vfs_opts *opts, struct err *e)
{
	struct vmm_virtio_fs *fs = calloc(1, sizeof(*fs));
	size_t taglen = strlen(tag);

	if (!fs) {
		err_sys(e, ENOMEM, "virtio-fs");
		return NULL;
	}
	pthread_mutex_init(&fs->stats_lock, NULL);
	for (unsigned i = 0; i < FS_NR_QUEUES; i++)
		fs->queues[i].kick_fd = -1;
	/* §5.11.4: the tag is UTF-8, not NUL-terminated, padded with NULs */
	if (!taglen || taglen > sizeof(fs->config.tag)) {
		err_set(e, EINVAL, "virtio-fs tag \"%s\": 1 to %zu bytes", tag,
			sizeof(fs->config.tag));
		goto fail;
	}
	memcpy(fs->config.tag, tag, taglen);
	fs->config.num_request_queues = htole32(VMM_VIRTIO_FS_REQUEST_QUEUES);
	if (vfs_server_create(opts, &fs->srv, e) < 0)
		goto fail;
	for (unsigned i = 0; i < FS_NR_QUEUES; i++)
		if (queue_init(fs, i, e) < 0)
			goto fail;
	return fs;
fail:
	fs_destroy(fs);
	return NULL;
}

struct vfs_server *vmm_virtio_fs_server(void *dev)
{
	return ((struct vmm_virtio_fs *)dev)->srv;
}

uint64_t vmm_virtio_fs_served(void *dev, unsigned queue)
{
	struct vmm_virtio_fs *fs = dev;

	return queue < FS_NR_QUEUES ? atomic_load(&fs->queues[queue].served) : 0;
}

static void fs_config_read(void *dev, uint32_t off, uint8_t *data, uint32_t len)
{
	struct vmm_virtio_fs *fs = dev;

	memcpy(data, (const uint8_t *)&fs->config + off, len); /* bounds: the transport's */
}

/*
 * DRIVER_OK, or a restore of a transport that had it. The workers run from create on (a
 * restored VMM creates the device afresh); kicking each one makes it look at its ring, so a
 * chain the driver made available before the snapshot, whose notify the saved VM already
 * consumed, is still served. With nothing available the kick costs one empty pass.
 */
static int fs_activate(void *dev, struct vmm_virtio_mmio *t, struct err *e)
{
	struct vmm_virtio_fs *fs = dev;
	uint64_t one = 1;

	atomic_store(&fs->transport, t);
	for (unsigned i = 0; i < FS_NR_QUEUES; i++)
		if (write(fs->queues[i].kick_fd, &one, sizeof(one)) != sizeof(one))
			return err_sys(e, errno, "virtio-fs queue %u: kick", i);
	return 0;
}

/* On the vCPU thread, transport lock held: only a kick. */
static int fs_queue_notify(void *dev, struct vmm_virtio_mmio *t, unsigned qi, struct err *e)
{
	struct vmm_virtio_fs *fs = dev;
	struct fs_queue *q = &fs->queues[qi];
	uint64_t one = 1;

	if (q->broken)
		return err_set(e, EINVAL, "virtio-fs queue %u: malformed descriptor chain", qi);
	atomic_store(&fs->transport, t);
	if (write(q->kick_fd, &one, sizeof(one)) != sizeof(one))
		log_warn("virtio-fs queue %u: kick failed", qi);
	return 0;
}

/* Transport lock held: in-flight chains are dropped when they finish (generation). */
static void fs_reset(void *dev)
{
	struct vmm_virtio_fs *fs = dev;

	fs->generation++;
	for (unsigned i = 0; i < FS_NR_QUEUES; i++)
		fs->queues[i].broken = false;
}

const struct vmm_virtio_dev_ops vmm_virtio_fs_ops = {
	.name = "fs",
	.device_id = VIRTIO_ID_FS,
	.nr_queues = FS_NR_QUEUES,
	.queue_max_size = FS_QUEUE_SIZE,
	.features = (1ULL << VIRTIO_RING_F_INDIRECT_DESC) | (1ULL << VIRTIO_RING_F_EVENT_IDX),
	.config_size = sizeof(struct virtio_fs_config),
	.config_read = fs_config_read,
	.activate = fs_activate,
	.queue_notify = fs_queue_notify,
	.reset = fs_reset,
	.destroy = fs_destroy,
};
