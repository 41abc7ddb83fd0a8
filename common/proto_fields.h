/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The field readers common/proto_decode.c and common/proto_decode_container.c share: every
 * length is checked before a value is read. Internal to the decoder; not part of proto.h.
 */
#ifndef INCEPT_PROTO_FIELDS_H
#define INCEPT_PROTO_FIELDS_H

#include "proto.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#define FIELD_HDR 6

static inline uint32_t rd32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static inline uint64_t rd64(const uint8_t *p)
{
	return (uint64_t)rd32(p) | (uint64_t)rd32(p + 4) << 32;
}

/* Calls fn for every field of a list: 0 at its end, -1 as soon as fn or the list fails. */
typedef int (*field_fn)(void *ctx, uint16_t tag, const uint8_t *v, uint32_t l, struct err *e);

static inline int each_field(const uint8_t *p, size_t len, field_fn fn, void *ctx, struct err *e)
{
	struct proto_reader r = {p, len};
	const uint8_t *v;
	uint16_t tag;
	uint32_t l;
	int rc;

	while ((rc = proto_next(&r, &tag, &v, &l, e)) > 0)
		if (fn(ctx, tag, v, l, e) < 0)
			return -1;
	return rc;
}

/* ---- typed field values ---- */

static inline int want_u32(uint16_t tag, const uint8_t *v, uint32_t len, uint32_t *out,
			   struct err *e)
{
	if (len != 4)
		return err_set(e, EPROTO, "field %u: %u bytes, expected 4", tag, len);
	*out = rd32(v);
	return 0;
}

static inline int want_u64(uint16_t tag, const uint8_t *v, uint32_t len, uint64_t *out,
			   struct err *e)
{
	if (len != 8)
		return err_set(e, EPROTO, "field %u: %u bytes, expected 8", tag, len);
	*out = rd64(v);
	return 0;
}

static inline int want_bool(uint16_t tag, const uint8_t *v, uint32_t len, bool *out, struct err *e)
{
	uint32_t x = 0;

	if (want_u32(tag, v, len, &x, e) < 0)
		return -1;
	if (x > 1)
		return err_set(e, EPROTO, "field %u: %u is not a boolean", tag, x);
	*out = x;
	return 0;
}

/* A string: its NUL is the last byte and the only one. */
static inline int want_str(uint16_t tag, const uint8_t *v, uint32_t len, const char **out,
			   struct err *e)
{
	if (len == 0 || v[len - 1] != 0 || memchr(v, 0, len - 1))
		return err_set(e, EPROTO, "field %u: not a NUL-terminated string", tag);
	*out = (const char *)v;
	return 0;
}

/* ---- string lists: counted first, then filled (one calloc, NULL-terminated) ---- */

static inline int count_tag(const uint8_t *p, size_t len, uint16_t want, uint32_t max, uint32_t *n,
			    struct err *e)
{
	struct proto_reader r = {p, len};
	const uint8_t *v;
	uint16_t tag;
	uint32_t l;
	int rc;

	*n = 0;
	while ((rc = proto_next(&r, &tag, &v, &l, e)) > 0) {
		if (tag == want && ++*n > max)
			return err_set(e, EPROTO, "field %u: more than %u entries", want, max);
	}
	return rc;
}

static inline int alloc_strv(const uint8_t *p, size_t len, uint16_t tag, uint32_t max,
			     const char ***v, struct err *e)
{
	uint32_t n;

	if (count_tag(p, len, tag, max, &n, e) < 0)
		return -1;
	*v = NULL;
	if (n == 0)
		return 0;
	*v = calloc((size_t)n + 1, sizeof(**v));
	return *v ? 0 : err_set(e, ENOMEM, "decoding a message: out of memory");
}

static inline int add_str(const char **v, uint32_t *n, uint16_t tag, const uint8_t *val,
			  uint32_t len, struct err *e)
{
	return want_str(tag, val, len, &v[(*n)++], e);
}

#endif
