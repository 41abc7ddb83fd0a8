// SPDX-License-Identifier: Apache-2.0
/*
 * virtio-vsock packets (virtio 1.2 §5.10.6): the header the guest wrote is copied out of its
 * chain once, converted from little endian, and checked before anything acts on it.
 */
#include "vmm/virtio/vsock.h"

#include <endian.h>
#include <errno.h>
#include <string.h>

uint32_t vsock_elem_read(const struct vq_elem *el, uint64_t off, void *dst, uint32_t len)
{
	uint8_t *out = dst;
	uint32_t done = 0;

	for (unsigned i = 0; i < el->nr_out && done < len; i++) {
		uint64_t n = el->bufs[i].len;

		if (off >= n) {
			off -= n;
			continue;
		}
		n -= off;
		if (n > len - done)
			n = len - done;
		memcpy(out + done, el->bufs[i].hva + off, n);
		done += (uint32_t)n;
		off = 0;
	}
	return done;
}

int vsock_pkt_parse(const struct vq_elem *el, struct vsock_hdr *h, struct err *e)
{
	struct virtio_vsock_hdr raw;

	/* §5.10.6.2: the header may be split over several descriptors; gather it. */
	if (el->out_len < VSOCK_HDR_SIZE ||
	    vsock_elem_read(el, 0, &raw, VSOCK_HDR_SIZE) != VSOCK_HDR_SIZE)
		return err_set(e, EINVAL, "tx chain of %llu bytes holds no header",
			       (unsigned long long)el->out_len);
	h->src_cid = le64toh(raw.src_cid);
	h->dst_cid = le64toh(raw.dst_cid);
	h->src_port = le32toh(raw.src_port);
	h->dst_port = le32toh(raw.dst_port);
	h->len = le32toh(raw.len);
	h->type = le16toh(raw.type);
	h->op = le16toh(raw.op);
	h->flags = le32toh(raw.flags);
	h->buf_alloc = le32toh(raw.buf_alloc);
	h->fwd_cnt = le32toh(raw.fwd_cnt);
	return 0;
}

static bool known_op(uint16_t op)
{
	return op >= VIRTIO_VSOCK_OP_REQUEST && op <= VIRTIO_VSOCK_OP_CREDIT_REQUEST;
}

enum vsock_verdict vsock_pkt_check(const struct vsock_hdr *h, uint64_t guest_cid,
				   uint64_t chain_len, struct err *e)
{
	/* A packet not from our guest's CID to the host cannot be answered meaningfully. */
	if (h->src_cid != guest_cid) {
		err_set(e, EINVAL, "source CID %llu is not the guest's",
			(unsigned long long)h->src_cid);
		return VSOCK_PKT_DROP;
	}
	/* Never answer an RST with an RST (§5.10.6.5 would ping-pong). */
	if (h->op == VIRTIO_VSOCK_OP_RST && h->dst_cid == VSOCK_HOST_CID)
		return h->len == 0 ? VSOCK_PKT_OK : VSOCK_PKT_DROP;
	if (h->dst_cid != VSOCK_HOST_CID) {
		err_set(e, EHOSTUNREACH, "destination CID %llu: only the host (2) is reachable",
			(unsigned long long)h->dst_cid);
		return h->op == VIRTIO_VSOCK_OP_RST ? VSOCK_PKT_DROP : VSOCK_PKT_RST;
	}
	if (h->type != VIRTIO_VSOCK_TYPE_STREAM) {
		err_set(e, EPROTONOSUPPORT, "socket type %u (only streams)", h->type);
		return VSOCK_PKT_RST;
	}
	if (!known_op(h->op)) {
		err_set(e, EINVAL, "unknown op %u", h->op);
		return VSOCK_PKT_RST;
	}
	if (h->op != VIRTIO_VSOCK_OP_RW && h->len) {
		err_set(e, EINVAL, "%s with %u payload bytes", vsock_op_name(h->op), h->len);
		return VSOCK_PKT_RST;
	}
	if (h->op == VIRTIO_VSOCK_OP_RW &&
	    (h->len > VSOCK_MAX_PAYLOAD || h->len > chain_len - VSOCK_HDR_SIZE)) {
		err_set(e, EMSGSIZE, "RW of %u bytes in a chain of %llu", h->len,
			(unsigned long long)chain_len);
		return VSOCK_PKT_RST;
	}
	if (h->op == VIRTIO_VSOCK_OP_SHUTDOWN && (h->flags & ~VSOCK_SHUTDOWN_BOTH)) {
		err_set(e, EINVAL, "SHUTDOWN flags 0x%x", h->flags);
		return VSOCK_PKT_RST;
	}
	return VSOCK_PKT_OK;
}

void vsock_hdr_encode(const struct vsock_hdr *h, struct virtio_vsock_hdr *out)
{
	out->src_cid = htole64(h->src_cid);
	out->dst_cid = htole64(h->dst_cid);
	out->src_port = htole32(h->src_port);
	out->dst_port = htole32(h->dst_port);
	out->len = htole32(h->len);
	out->type = htole16(h->type);
	out->op = htole16(h->op);
	out->flags = htole32(h->flags);
	out->buf_alloc = htole32(h->buf_alloc);
	out->fwd_cnt = htole32(h->fwd_cnt);
}

uint32_t vsock_peer_credit(uint32_t peer_buf_alloc, uint32_t peer_fwd_cnt, uint32_t tx_cnt)
{
	/*
	 * Counters wrap (u32). A peer whose fwd_cnt runs ahead of what we sent makes the
	 * difference huge: it gets no credit rather than more than it has room for.
	 */
	uint32_t in_flight = tx_cnt - peer_fwd_cnt;

	return in_flight >= peer_buf_alloc ? 0 : peer_buf_alloc - in_flight;
}

const char *vsock_op_name(uint16_t op)
{
	static const char *const names[] = {
		[VIRTIO_VSOCK_OP_INVALID] = "INVALID",
		[VIRTIO_VSOCK_OP_REQUEST] = "REQUEST",
		[VIRTIO_VSOCK_OP_RESPONSE] = "RESPONSE",
		[VIRTIO_VSOCK_OP_RST] = "RST",
		[VIRTIO_VSOCK_OP_SHUTDOWN] = "SHUTDOWN",
		[VIRTIO_VSOCK_OP_RW] = "RW",
		[VIRTIO_VSOCK_OP_CREDIT_UPDATE] = "CREDIT_UPDATE",
		[VIRTIO_VSOCK_OP_CREDIT_REQUEST] = "CREDIT_REQUEST",
	};

	return op < sizeof(names) / sizeof(names[0]) ? names[op] : "unknown";
}
