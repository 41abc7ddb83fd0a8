// SPDX-License-Identifier: Apache-2.0
/*
 * The container's compiled seccomp filter, kept in its state directory: create compiles
 * linux.seccomp once (libseccomp takes host milliseconds for a Docker-like profile) and every
 * exec reads the program back instead of compiling config.json's copy again.
 *
 * File `seccomp.bpf`: a 16-byte header (magic "INCBPF1\n", u32 flags, u32 instruction count,
 * this host's byte order: the file never leaves it) and the struct sock_filter[]. A count of
 * 0 records that the container has no filter, so a missing file means "made by an incept
 * that did not store it" (exec then compiles, as before), never "no filter".
 */
#include "seccomp.h"
#include "cleanup.h"
#include "proto.h"
#include "util.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define STORE_MAGIC "INCBPF1\n"

struct store_header {
	char magic[8];
	uint32_t flags;
	uint32_t n_insns;
};
_Static_assert(sizeof(struct store_header) == 16, "seccomp.bpf header");

#define STORE_MAX (sizeof(struct store_header) + PROTO_SECCOMP_MAX_INSNS * PROTO_SECCOMP_INSN_SIZE)

static int store_path(const char *dir, char *path, size_t size, struct err *e)
{
	if ((size_t)snprintf(path, size, "%s/" RT_SECCOMP_STORE, dir) >= size)
		return err_set(e, ENAMETOOLONG, "%s: path too long", dir);
	return 0;
}

int rt_seccomp_store(const char *dir, const struct rt_seccomp *sc, struct err *e)
{
	struct store_header h = {.magic = STORE_MAGIC, .flags = sc->len ? sc->flags : 0};
	char path[PATH_MAX];
	uint8_t *buf;
	int r;

	if (sc->len % PROTO_SECCOMP_INSN_SIZE ||
	    sc->len / PROTO_SECCOMP_INSN_SIZE > PROTO_SECCOMP_MAX_INSNS)
		return err_set(e, EINVAL, "seccomp: a filter of %zu bytes cannot be stored",
			       sc->len);
	if (store_path(dir, path, sizeof(path), e) < 0)
		return -1;
	buf = malloc(sizeof(h) + sc->len);
	if (!buf)
		return err_sys(e, ENOMEM, "seccomp filter");
	h.n_insns = (uint32_t)(sc->len / PROTO_SECCOMP_INSN_SIZE);
	memcpy(buf, &h, sizeof(h));
	if (sc->len)
		memcpy(buf + sizeof(h), sc->bpf, sc->len);
	r = util_write_file_atomic(path, buf, sizeof(h) + sc->len, 0600, e);
	free(buf);
	return r;
}

/* What proto_decode_process accepts, so the agent never sees a program it would refuse. */
int rt_seccomp_check(const char *path, uint32_t flags, uint32_t n_insns, size_t body, struct err *e)
{
	if (body % PROTO_SECCOMP_INSN_SIZE || body / PROTO_SECCOMP_INSN_SIZE != n_insns)
		return err_set(e, EINVAL, "%s: %zu bytes of program for %u instructions", path,
			       body, n_insns);
	if (n_insns > PROTO_SECCOMP_MAX_INSNS)
		return err_set(e, EINVAL, "%s: %u instructions, at most %u", path, n_insns,
			       PROTO_SECCOMP_MAX_INSNS);
	if (flags & ~PROTO_SECCOMP_FLAGS)
		return err_set(e, EINVAL, "%s: unknown seccomp flags %#x", path, flags);
	if (!n_insns && flags)
		return err_set(e, EINVAL, "%s: flags without a filter", path);
	return 0;
}

static int check(const char *path, const struct store_header *h, size_t body, struct err *e)
{
	if (memcmp(h->magic, STORE_MAGIC, sizeof(h->magic)))
		return err_set(e, EINVAL, "%s: not a stored seccomp filter", path);
	return rt_seccomp_check(path, h->flags, h->n_insns, body, e);
}

int rt_seccomp_load(const char *dir, struct rt_seccomp *out, struct err *e)
{
	cleanup_free char *text = NULL;
	char path[PATH_MAX];
	struct store_header h;
	size_t len;

	memset(out, 0, sizeof(*out));
	if (store_path(dir, path, sizeof(path), e) < 0)
		return -1;
	if (util_read_file(path, STORE_MAX, &text, &len, e) < 0)
		return e->errnum == ENOENT ? 1 : -1;
	if (len < sizeof(h))
		return err_set(e, EINVAL, "%s: %zu bytes, shorter than its header", path, len);
	memcpy(&h, text, sizeof(h));
	if (check(path, &h, len - sizeof(h), e) < 0)
		return -1;
	if (!h.n_insns)
		return 0;
	out->len = len - sizeof(h);
	out->flags = h.flags;
	out->bpf = malloc(out->len);
	if (!out->bpf) {
		memset(out, 0, sizeof(*out));
		return err_sys(e, ENOMEM, "seccomp filter");
	}
	memcpy(out->bpf, text + sizeof(h), out->len);
	return 0;
}
