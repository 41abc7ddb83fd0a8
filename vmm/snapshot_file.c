// SPDX-License-Identifier: Apache-2.0
/* Snapshot state file: header, tagged sections, checksums. */
#include "snapshot_file.h"
#include "cleanup.h"
#include "hash.h"
#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

struct section_hdr {
	uint32_t tag;
	uint32_t len;
};

static size_t pad8(size_t v)
{
	return (v + 7) & ~(size_t)7;
}

static int reserve(struct vmm_snap_writer *w, size_t more)
{
	size_t cap = w->cap ? w->cap : 4096;
	uint8_t *p;

	if (w->len + more <= w->cap)
		return 0;
	while (cap < w->len + more)
		cap *= 2;
	p = realloc(w->buf, cap);
	if (!p)
		return -1;
	w->buf = p;
	w->cap = cap;
	return 0;
}

void vmm_snap_put(struct vmm_snap_writer *w, uint32_t tag, const void *data, size_t len)
{
	struct section_hdr h = {.tag = tag, .len = (uint32_t)len};

	if (w->error)
		return;
	if (len > VMM_SNAP_MAX_SECTION) {
		w->error = EFBIG;
		return;
	}
	if (reserve(w, sizeof(h) + pad8(len)) < 0) {
		w->error = ENOMEM;
		return;
	}
	memcpy(w->buf + w->len, &h, sizeof(h));
	if (len)
		memcpy(w->buf + w->len + sizeof(h), data, len);
	memset(w->buf + w->len + sizeof(h) + len, 0, pad8(len) - len);
	w->len += sizeof(h) + pad8(len);
}

static void make_header(struct vmm_snap_header *h, uint64_t key, const uint8_t *payload, size_t len)
{
	memset(h, 0, sizeof(*h));
	memcpy(h->magic, VMM_SNAP_MAGIC, sizeof(h->magic));
	h->version = VMM_SNAP_VERSION;
	h->header_size = sizeof(*h);
	h->key = key;
	h->payload_len = len;
	h->payload_crc = vmm_crc32c(0, payload, len);
	h->header_crc = vmm_crc32c(0, h, offsetof(struct vmm_snap_header, header_crc));
}

int vmm_snap_image(struct vmm_snap_writer *w, uint64_t key, uint8_t **img, size_t *len,
		   struct err *e)
{
	struct vmm_snap_header h;
	uint8_t *p;

	vmm_snap_put(w, VMM_SNAP_TAG(VMM_SNAP_END, 0), NULL, 0);
	p = w->error ? NULL : malloc(sizeof(h) + w->len);
	if (!p) {
		int err = w->error ? w->error : ENOMEM;

		/* The buffer is ours to free on every path (callers just return). */
		free(w->buf);
		memset(w, 0, sizeof(*w));
		return err_sys(e, err, "snapshot state");
	}
	make_header(&h, key, w->buf, w->len);
	memcpy(p, &h, sizeof(h));
	memcpy(p + sizeof(h), w->buf, w->len);
	*img = p;
	*len = sizeof(h) + w->len;
	free(w->buf);
	memset(w, 0, sizeof(*w));
	return 0;
}

int vmm_snap_write_file(struct vmm_snap_writer *w, uint64_t key, const char *path, struct err *e)
{
	cleanup_free uint8_t *img = NULL;
	cleanup_close int fd = -1;
	size_t len;

	if (vmm_snap_image(w, key, &img, &len, e) < 0)
		return -1;
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (fd < 0)
		return err_sys(e, errno, "create %s", path);
	if (util_write_all(fd, img, len) < 0)
		return err_sys(e, errno, "write %s", path);
	if (fsync(fd) < 0)
		return err_sys(e, errno, "fsync %s", path);
	return 0;
}

int vmm_snap_open(struct vmm_snap_reader *r, const uint8_t *img, size_t len, uint64_t key,
		  struct err *e)
{
	struct vmm_snap_header h;

	memset(r, 0, sizeof(*r));
	if (len < sizeof(h))
		return err_set(e, EINVAL, "state file truncated (%zu bytes)", len);
	memcpy(&h, img, sizeof(h));
	if (memcmp(h.magic, VMM_SNAP_MAGIC, sizeof(h.magic)) != 0)
		return err_set(e, EINVAL, "state file: bad magic");
	if (h.header_crc != vmm_crc32c(0, &h, offsetof(struct vmm_snap_header, header_crc)))
		return err_set(e, EINVAL, "state file: header checksum mismatch");
	if (h.version != VMM_SNAP_VERSION)
		return err_set(e, EINVAL, "state file: format version %u, this VMM reads %u",
			       h.version, VMM_SNAP_VERSION);
	if (h.header_size != sizeof(h))
		return err_set(e, EINVAL, "state file: header of %u bytes, this VMM reads %zu",
			       h.header_size, sizeof(h));
	if (h.key != key)
		return err_set(e, EINVAL, "state file: key %016llx, want %016llx",
			       (unsigned long long)h.key, (unsigned long long)key);
	if (h.payload_len != len - sizeof(h))
		return err_set(e, EINVAL, "state file: %zu payload bytes, header says %llu",
			       len - sizeof(h), (unsigned long long)h.payload_len);
	if (h.payload_crc != vmm_crc32c(0, img + sizeof(h), len - sizeof(h)))
		return err_set(e, EINVAL, "state file: payload checksum mismatch");
	r->payload = img + sizeof(h);
	r->len = len - sizeof(h);
	return 0;
}

int vmm_snap_get_var(struct vmm_snap_reader *r, uint32_t tag, const void **data, size_t *len,
		     size_t max, struct err *e)
{
	struct section_hdr h;

	if (r->len - r->pos < sizeof(h))
		return err_set(e, EINVAL, "state file: section 0x%x missing", tag);
	memcpy(&h, r->payload + r->pos, sizeof(h));
	if (h.tag != tag)
		return err_set(e, EINVAL, "state file: section 0x%x where 0x%x belongs", h.tag,
			       tag);
	if (h.len > max || pad8(h.len) > r->len - r->pos - sizeof(h))
		return err_set(e, EINVAL, "state file: section 0x%x has a bad length %u", tag,
			       h.len);
	*data = r->payload + r->pos + sizeof(h);
	*len = h.len;
	r->pos += sizeof(h) + pad8(h.len);
	return 0;
}

int vmm_snap_get(struct vmm_snap_reader *r, uint32_t tag, void *out, size_t len, struct err *e)
{
	size_t pos = r->pos, got;
	const void *data;

	if (vmm_snap_get_var(r, tag, &data, &got, len, e) < 0)
		return -1;
	if (got != len) {
		r->pos = pos; /* like every other refusal: nothing consumed */
		return err_set(e, EINVAL, "state file: section 0x%x has %zu bytes, want %zu", tag,
			       got, len);
	}
	if (len)
		memcpy(out, data, len);
	return 0;
}
