// SPDX-License-Identifier: Apache-2.0
/*
 * The strict decoder of common/proto.h: every length, count, string and value is checked
 * before use (a message may come from a compromised guest), and blocking message I/O.
 */
#include "proto.h"
#include "cleanup.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/personality.h>
#include <unistd.h>

#define FIELD_HDR 6

static uint32_t rd32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static uint64_t rd64(const uint8_t *p)
{
	return (uint64_t)rd32(p) | (uint64_t)rd32(p + 4) << 32;
}

static const char *const type_names[] = {
	[PROTO_CREATE] = "CREATE",
	[PROTO_START] = "START",
	[PROTO_EXEC] = "EXEC",
	[PROTO_SIGNAL] = "SIGNAL",
	[PROTO_RESIZE] = "RESIZE",
	[PROTO_STDIN] = "STDIN",
	[PROTO_STDIN_CLOSE] = "STDIN_CLOSE",
	[PROTO_PS] = "PS",
	[PROTO_SHUTDOWN] = "SHUTDOWN",
	[PROTO_STATS] = "STATS",
	[PROTO_OK] = "OK",
	[PROTO_ERROR] = "ERROR",
	[PROTO_PID] = "PID",
	[PROTO_STDOUT] = "STDOUT",
	[PROTO_STDERR] = "STDERR",
	[PROTO_EXIT] = "EXIT",
	[PROTO_PIDS] = "PIDS",
	[PROTO_STATS_REPLY] = "STATS_REPLY",
};

const char *proto_type_name(uint16_t type)
{
	if (type < sizeof(type_names) / sizeof(type_names[0]) && type_names[type])
		return type_names[type];
	return NULL;
}

void proto_hdr_encode(const struct proto_hdr *h, uint8_t raw[PROTO_HDR_SIZE])
{
	for (int i = 0; i < 4; i++)
		raw[i] = (uint8_t)(h->len >> (8 * i));
	raw[4] = (uint8_t)h->type;
	raw[5] = (uint8_t)(h->type >> 8);
	raw[6] = h->version;
	raw[7] = h->flags;
}

int proto_hdr_parse(const uint8_t raw[PROTO_HDR_SIZE], struct proto_hdr *h, struct err *e)
{
	h->len = rd32(raw);
	h->type = (uint16_t)(raw[4] | raw[5] << 8);
	h->version = raw[6];
	h->flags = raw[7];
	if (h->version != PROTO_VERSION)
		return err_set(e, EPROTO, "protocol version %u, expected %u", h->version,
			       PROTO_VERSION);
	if (h->flags)
		return err_set(e, EPROTO, "message flags 0x%x are reserved", h->flags);
	if (!proto_type_name(h->type))
		return err_set(e, EPROTO, "unknown message type %u", h->type);
	if (h->len > PROTO_MAX_PAYLOAD)
		return err_set(e, EPROTO, "%s message of %u bytes (max %u)",
			       proto_type_name(h->type), h->len, PROTO_MAX_PAYLOAD);
	return 0;
}

int proto_next(struct proto_reader *r, uint16_t *tag, const uint8_t **val, uint32_t *len,
	       struct err *e)
{
	uint32_t n;

	if (r->left == 0)
		return 0;
	if (r->left < FIELD_HDR)
		return err_set(e, EPROTO, "truncated field header");
	*tag = (uint16_t)(r->p[0] | r->p[1] << 8);
	n = rd32(r->p + 2);
	if (n > r->left - FIELD_HDR)
		return err_set(e, EPROTO, "field %u: %u bytes, only %zu left", *tag, n,
			       r->left - FIELD_HDR);
	*val = r->p + FIELD_HDR;
	*len = n;
	r->p += FIELD_HDR + n;
	r->left -= FIELD_HDR + n;
	return 1;
}

/* Calls fn for every field of a list: 0 at its end, -1 as soon as fn or the list fails. */
typedef int (*field_fn)(void *ctx, uint16_t tag, const uint8_t *v, uint32_t l, struct err *e);

static int each_field(const uint8_t *p, size_t len, field_fn fn, void *ctx, struct err *e)
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

static int want_u32(uint16_t tag, const uint8_t *v, uint32_t len, uint32_t *out, struct err *e)
{
	if (len != 4)
		return err_set(e, EPROTO, "field %u: %u bytes, expected 4", tag, len);
	*out = rd32(v);
	return 0;
}

static int want_u64(uint16_t tag, const uint8_t *v, uint32_t len, uint64_t *out, struct err *e)
{
	if (len != 8)
		return err_set(e, EPROTO, "field %u: %u bytes, expected 8", tag, len);
	*out = rd64(v);
	return 0;
}

static int want_bool(uint16_t tag, const uint8_t *v, uint32_t len, bool *out, struct err *e)
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
static int want_str(uint16_t tag, const uint8_t *v, uint32_t len, const char **out, struct err *e)
{
	if (len == 0 || v[len - 1] != 0 || memchr(v, 0, len - 1))
		return err_set(e, EPROTO, "field %u: not a NUL-terminated string", tag);
	*out = (const char *)v;
	return 0;
}

/* ---- string lists: counted first, then filled (one calloc, NULL-terminated) ---- */

static int count_tag(const uint8_t *p, size_t len, uint16_t want, uint32_t max, uint32_t *n,
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

static int alloc_strv(const uint8_t *p, size_t len, uint16_t tag, uint32_t max, const char ***v,
		      struct err *e)
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

static int add_str(const char **v, uint32_t *n, uint16_t tag, const uint8_t *val, uint32_t len,
		   struct err *e)
{
	return want_str(tag, val, len, &v[(*n)++], e);
}

/* ---- process ---- */

static int decode_rlimit(const uint8_t *p, uint32_t len, struct proto_rlimit *rl, struct err *e)
{
	struct proto_reader r = {p, len};
	unsigned seen = 0;
	const uint8_t *v;
	uint16_t tag;
	uint32_t l;
	int rc;

	while ((rc = proto_next(&r, &tag, &v, &l, e)) > 0) {
		if (tag == PROTO_T_RLIMIT_RESOURCE)
			rc = want_u32(tag, v, l, &rl->resource, e);
		else if (tag == PROTO_T_RLIMIT_SOFT)
			rc = want_u64(tag, v, l, &rl->soft, e);
		else if (tag == PROTO_T_RLIMIT_HARD)
			rc = want_u64(tag, v, l, &rl->hard, e);
		else
			continue;
		if (rc < 0)
			return -1;
		seen |= 1u << (tag - PROTO_T_RLIMIT_RESOURCE);
	}
	if (rc < 0)
		return -1;
	if (seen != 7)
		return err_set(e, EPROTO, "rlimit: resource, soft and hard are required");
	if (rl->resource >= 64 || rl->soft > rl->hard)
		return err_set(e, EPROTO, "rlimit %u: bad resource or soft > hard", rl->resource);
	return 0;
}

static int decode_gids(const uint8_t *v, uint32_t len, struct proto_process *p, struct err *e)
{
	if (p->gids)
		return err_set(e, EPROTO, "additional gids given twice");
	if (len % 4 || len / 4 > PROTO_MAX_GIDS)
		return err_set(e, EPROTO, "additional gids: bad length %u", len);
	p->nr_gids = len / 4;
	if (!p->nr_gids)
		return 0;
	p->gids = calloc(p->nr_gids, sizeof(*p->gids));
	if (!p->gids)
		return err_set(e, ENOMEM, "decoding a message: out of memory");
	for (uint32_t i = 0; i < p->nr_gids; i++)
		p->gids[i] = rd32(v + 4 * i);
	return 0;
}

static int decode_caps(const uint8_t *v, uint32_t len, struct proto_process *p, struct err *e)
{
	if (len != 8 * PROTO_CAP_SETS)
		return err_set(e, EPROTO, "capabilities: %u bytes, expected %u", len,
			       8 * PROTO_CAP_SETS);
	for (int i = 0; i < PROTO_CAP_SETS; i++)
		p->caps[i] = rd64(v + 8 * i);
	p->has_caps = true;
	return 0;
}

/* The kernel checks the program itself (sk_chk_filter); here only its size and shape. */
static int decode_seccomp(const uint8_t *v, uint32_t len, struct proto_process *p, struct err *e)
{
	if (len == 0 || len % PROTO_SECCOMP_INSN_SIZE ||
	    len / PROTO_SECCOMP_INSN_SIZE > PROTO_SECCOMP_MAX_INSNS)
		return err_set(e, EPROTO,
			       "seccomp program: %u bytes, expected 1..%u instructions of %u", len,
			       PROTO_SECCOMP_MAX_INSNS, PROTO_SECCOMP_INSN_SIZE);
	p->seccomp_bpf = v;
	p->seccomp_len = len;
	return 0;
}

static int process_field(void *ctx, uint16_t tag, const uint8_t *v, uint32_t l, struct err *e)
{
	struct proto_process *p = ctx;
	uint32_t x = 0;

	switch (tag) {
	case PROTO_T_ARG:
		return add_str(p->args, &p->nr_args, tag, v, l, e);
	case PROTO_T_ENV:
		return add_str(p->env, &p->nr_env, tag, v, l, e);
	case PROTO_T_CWD:
		return want_str(tag, v, l, &p->cwd, e);
	case PROTO_T_UID:
		return want_u32(tag, v, l, &p->uid, e);
	case PROTO_T_GID:
		return want_u32(tag, v, l, &p->gid, e);
	case PROTO_T_GIDS:
		return decode_gids(v, l, p, e);
	case PROTO_T_UMASK:
		p->has_umask = true;
		if (want_u32(tag, v, l, &p->umask, e) < 0)
			return -1;
		return p->umask > 0777 ? err_set(e, EPROTO, "umask %o out of range", p->umask) : 0;
	case PROTO_T_TERMINAL:
		return want_bool(tag, v, l, &p->terminal, e);
	case PROTO_T_ROWS:
		return want_u32(tag, v, l, &p->rows, e);
	case PROTO_T_COLS:
		return want_u32(tag, v, l, &p->cols, e);
	case PROTO_T_NO_NEW_PRIVS:
		return want_bool(tag, v, l, &p->no_new_privs, e);
	case PROTO_T_CAPS:
		return decode_caps(v, l, p, e);
	case PROTO_T_RLIMIT:
		return decode_rlimit(v, l, &p->rlimits[p->nr_rlimits++], e);
	case PROTO_T_OOM_SCORE_ADJ:
		if (want_u32(tag, v, l, &x, e) < 0)
			return -1;
		p->oom_score_adj = (int32_t)x;
		p->has_oom_score_adj = true;
		if (p->oom_score_adj < -1000 || p->oom_score_adj > 1000)
			return err_set(e, EPROTO, "oom_score_adj %d out of range",
				       p->oom_score_adj);
		return 0;
	case PROTO_T_HOST_PID:
		return want_u32(tag, v, l, &p->host_pid, e);
	case PROTO_T_STDIN:
		return want_bool(tag, v, l, &p->open_stdin, e);
	case PROTO_T_SECCOMP_BPF:
		return decode_seccomp(v, l, p, e);
	case PROTO_T_SECCOMP_FLAGS:
		if (want_u32(tag, v, l, &p->seccomp_flags, e) < 0)
			return -1;
		if (p->seccomp_flags & ~PROTO_SECCOMP_FLAGS)
			return err_set(e, EPROTO, "seccomp flags %#x not allowed",
				       p->seccomp_flags);
		return 0;
	}
	return 0; /* unknown: skipped */
}

static int process_alloc(const uint8_t *payload, size_t len, struct proto_process *p, struct err *e)
{
	uint32_t n;

	if (alloc_strv(payload, len, PROTO_T_ARG, PROTO_MAX_ARGS, &p->args, e) < 0 ||
	    alloc_strv(payload, len, PROTO_T_ENV, PROTO_MAX_ENV, &p->env, e) < 0 ||
	    count_tag(payload, len, PROTO_T_RLIMIT, PROTO_MAX_RLIMITS, &n, e) < 0)
		return -1;
	if (n && !(p->rlimits = calloc(n, sizeof(*p->rlimits))))
		return err_set(e, ENOMEM, "decoding a message: out of memory");
	return 0;
}

int proto_decode_process(const uint8_t *payload, size_t len, struct proto_process *p, struct err *e)
{
	memset(p, 0, sizeof(*p));
	if (process_alloc(payload, len, p, e) < 0 ||
	    each_field(payload, len, process_field, p, e) < 0)
		goto fail;
	if (p->nr_args == 0) {
		err_set(e, EPROTO, "process: args must not be empty");
		goto fail;
	}
	if (!p->cwd)
		p->cwd = "/";
	if (p->cwd[0] != '/') {
		err_set(e, EPROTO, "process: cwd \"%s\" is not absolute", p->cwd);
		goto fail;
	}
	if (p->seccomp_flags && !p->seccomp_bpf) {
		err_set(e, EPROTO, "process: seccomp flags without a seccomp program");
		goto fail;
	}
	return 0;
fail:
	proto_process_free(p);
	return -1;
}

void proto_process_free(struct proto_process *p)
{
	free(p->args);
	free(p->env);
	free(p->gids);
	free(p->rlimits);
	memset(p, 0, sizeof(*p));
}

/* ---- startContainer hooks ---- */

static int hook_field(void *ctx, uint16_t tag, const uint8_t *v, uint32_t l, struct err *e)
{
	struct proto_hook *h = ctx;

	switch (tag) {
	case PROTO_T_H_PATH:
		if (h->path)
			return err_set(e, EPROTO, "hook: two paths");
		if (l > PROTO_MAX_HOOK_PATH)
			return err_set(e, EPROTO, "hook: path of %u bytes", l);
		return want_str(tag, v, l, &h->path, e);
	case PROTO_T_H_ARG:
		return add_str(h->args, &h->nr_args, tag, v, l, e);
	case PROTO_T_H_ENV:
		return add_str(h->env, &h->nr_env, tag, v, l, e);
	case PROTO_T_H_TIMEOUT:
		if (want_u32(tag, v, l, &h->timeout, e) < 0)
			return -1;
		if (h->timeout < 1 || h->timeout > PROTO_MAX_HOOK_TIMEOUT)
			return err_set(e, EPROTO, "hook: timeout %u out of range", h->timeout);
		return 0;
	}
	return 0;
}

/* The arrays are h's own even on failure: proto_container_free() frees them. */
static int decode_hook(const uint8_t *p, uint32_t len, struct proto_hook *h, struct err *e)
{
	if (alloc_strv(p, len, PROTO_T_H_ARG, PROTO_MAX_ARGS, &h->args, e) < 0 ||
	    alloc_strv(p, len, PROTO_T_H_ENV, PROTO_MAX_ENV, &h->env, e) < 0 ||
	    each_field(p, len, hook_field, h, e) < 0)
		return -1;
	if (!h->path || h->path[0] != '/')
		return err_set(e, EPROTO, "hook: path missing or not absolute");
	return 0;
}

static void hooks_free(struct proto_hook *hooks, uint32_t n)
{
	for (uint32_t i = 0; i < n; i++) {
		free(hooks[i].args);
		free(hooks[i].env);
	}
	free(hooks);
}

/* ---- user namespace mappings ---- */

/*
 * A uid_map or gid_map: 1..PROTO_MAX_ID_MAPPINGS whole entries, none empty, neither range
 * reaching id 2^32 - 1, which the kernel never maps (map_write() in kernel/user_namespace.c);
 * overlapping ranges are left to the kernel, which refuses them too. The array is the
 * container's even on failure: proto_container_free() frees it.
 */
static int decode_id_map(uint16_t tag, const uint8_t *v, uint32_t len,
			 struct proto_id_mapping **map, uint32_t *n, struct err *e)
{
	if (*map)
		return err_set(e, EPROTO, "field %u given twice", tag);
	if (len == 0 || len % PROTO_ID_MAPPING_SIZE ||
	    len / PROTO_ID_MAPPING_SIZE > PROTO_MAX_ID_MAPPINGS)
		return err_set(e, EPROTO, "id map: %u bytes, expected 1..%u entries of %u", len,
			       PROTO_MAX_ID_MAPPINGS, PROTO_ID_MAPPING_SIZE);
	*n = len / PROTO_ID_MAPPING_SIZE;
	*map = calloc(*n, sizeof(**map));
	if (!*map)
		return err_set(e, ENOMEM, "decoding a message: out of memory");
	for (uint32_t i = 0; i < *n; i++, v += PROTO_ID_MAPPING_SIZE) {
		struct proto_id_mapping *m = &(*map)[i];

		m->container_id = rd32(v);
		m->host_id = rd32(v + 4);
		m->size = rd32(v + 8);
		if (m->size == 0 || (uint64_t)m->container_id + m->size > UINT32_MAX ||
		    (uint64_t)m->host_id + m->size > UINT32_MAX)
			return err_set(e, EPROTO,
				       "id map entry %u (%u %u %u): empty or out of range", i,
				       m->container_id, m->host_id, m->size);
	}
	return 0;
}

/* ---- container ---- */

static int mount_field(void *ctx, uint16_t tag, const uint8_t *v, uint32_t l, struct err *e)
{
	struct proto_mount *m = ctx;

	if (tag == PROTO_T_M_DEST)
		return want_str(tag, v, l, &m->dest, e);
	if (tag == PROTO_T_M_TYPE)
		return want_str(tag, v, l, &m->type, e);
	if (tag == PROTO_T_M_SOURCE)
		return want_str(tag, v, l, &m->source, e);
	if (tag == PROTO_T_M_DATA)
		return want_str(tag, v, l, &m->data, e);
	if (tag == PROTO_T_M_FLAGS)
		return want_u64(tag, v, l, &m->flags, e);
	if (tag == PROTO_T_M_PROPAGATION)
		return want_u64(tag, v, l, &m->propagation, e);
	return 0;
}

static int decode_mount(const uint8_t *p, uint32_t len, struct proto_mount *m, struct err *e)
{
	int rc = each_field(p, len, mount_field, m, e);

	if (rc < 0)
		return -1;
	if (!m->dest || m->dest[0] != '/')
		return err_set(e, EPROTO, "mount: destination missing or not absolute");
	return 0;
}

static int container_field(void *ctx, uint16_t tag, const uint8_t *v, uint32_t l, struct err *e)
{
	struct proto_container *c = ctx;
	switch (tag) {
	case PROTO_T_ID:
		return want_str(tag, v, l, &c->id, e);
	case PROTO_T_ROOTFS:
		return want_str(tag, v, l, &c->rootfs, e);
	case PROTO_T_ROOTFS_RO:
		return want_bool(tag, v, l, &c->rootfs_ro, e);
	case PROTO_T_HOSTNAME:
		return want_str(tag, v, l, &c->hostname, e);
	case PROTO_T_DOMAINNAME:
		return want_str(tag, v, l, &c->domainname, e);
	case PROTO_T_NAMESPACES:
		return want_u32(tag, v, l, &c->namespaces, e);
	case PROTO_T_MOUNT:
		return decode_mount(v, l, &c->mounts[c->nr_mounts++], e);
	case PROTO_T_MASKED:
		return add_str(c->masked, &c->nr_masked, tag, v, l, e);
	case PROTO_T_READONLY:
		return add_str(c->readonly, &c->nr_readonly, tag, v, l, e);
	case PROTO_T_SYSCTL:
		return add_str(c->sysctl, &c->nr_sysctl, tag, v, l, e);
	case PROTO_T_START_NOW:
		return want_bool(tag, v, l, &c->start_now, e);
	case PROTO_T_HOOK:
		return decode_hook(v, l, &c->hooks[c->nr_hooks++], e);
	case PROTO_T_STATE_JSON:
		return want_str(tag, v, l, &c->state_json, e);
	case PROTO_T_UID_MAP:
		return decode_id_map(tag, v, l, &c->uid_map, &c->nr_uid_map, e);
	case PROTO_T_GID_MAP:
		return decode_id_map(tag, v, l, &c->gid_map, &c->nr_gid_map, e);
	case PROTO_T_PERSONALITY:
		c->has_personality = true;
		if (want_u32(tag, v, l, &c->personality, e) < 0)
			return -1;
		if (c->personality != PER_LINUX && c->personality != PER_LINUX32)
			return err_set(e, EPROTO, "personality %#x: PER_LINUX or PER_LINUX32 only",
				       c->personality);
		return 0;
	case PROTO_T_PROCESS:
		if (c->process.args)
			return err_set(e, EPROTO, "container: two processes");
		return proto_decode_process(v, l, &c->process, e);
	}
	return 0;
}

static int container_alloc(const uint8_t *payload, size_t len, struct proto_container *c,
			   struct err *e)
{
	uint32_t n;

	if (alloc_strv(payload, len, PROTO_T_MASKED, PROTO_MAX_PATHS, &c->masked, e) < 0 ||
	    alloc_strv(payload, len, PROTO_T_READONLY, PROTO_MAX_PATHS, &c->readonly, e) < 0 ||
	    alloc_strv(payload, len, PROTO_T_SYSCTL, PROTO_MAX_SYSCTL, &c->sysctl, e) < 0 ||
	    count_tag(payload, len, PROTO_T_MOUNT, PROTO_MAX_MOUNTS, &n, e) < 0)
		return -1;
	if (n && !(c->mounts = calloc(n, sizeof(*c->mounts))))
		return err_set(e, ENOMEM, "decoding a message: out of memory");
	if (count_tag(payload, len, PROTO_T_HOOK, PROTO_MAX_HOOKS, &n, e) < 0)
		return -1;
	if (n && !(c->hooks = calloc(n, sizeof(*c->hooks))))
		return err_set(e, ENOMEM, "decoding a message: out of memory");
	return 0;
}

int proto_decode_container(const uint8_t *payload, size_t len, struct proto_container *c,
			   struct err *e)
{
	memset(c, 0, sizeof(*c));
	if (container_alloc(payload, len, c, e) < 0 ||
	    each_field(payload, len, container_field, c, e) < 0)
		goto fail;
	if (!c->rootfs || !c->process.args) {
		err_set(e, EPROTO, "container: rootfs and process are required");
		goto fail;
	}
	if (c->nr_hooks && !c->state_json) {
		err_set(e, EPROTO, "container: hooks without the state they read");
		goto fail;
	}
	if (!c->uid_map != !c->gid_map) {
		err_set(e, EPROTO, "container: a uid map without a gid map or the reverse");
		goto fail;
	}
	return 0;
fail:
	proto_container_free(c);
	return -1;
}

void proto_container_free(struct proto_container *c)
{
	proto_process_free(&c->process);
	free(c->mounts);
	free(c->masked);
	free(c->readonly);
	free(c->sysctl);
	hooks_free(c->hooks, c->nr_hooks);
	free(c->uid_map);
	free(c->gid_map);
	memset(c, 0, sizeof(*c));
}

/* ---- small messages ---- */

/* An integer field of a small message: its tag and width in bytes (4 or 8). */
struct int_field {
	uint16_t tag;
	uint8_t width;
};

/*
 * Reads the integer fields named in f[] into out[] (0 when absent). `required` and `unique`
 * are bit masks over f[]: fields that must be present, and fields that must not repeat (the
 * others: the last one wins).
 */
static int int_fields(const uint8_t *payload, size_t len, const struct int_field *f, unsigned n,
		      uint64_t *out, unsigned required, unsigned unique, struct err *e)
{
	struct proto_reader r = {payload, len};
	unsigned seen = 0;
	const uint8_t *v;
	uint16_t tag;
	uint32_t l, x = 0;
	int rc;

	memset(out, 0, n * sizeof(*out));
	while ((rc = proto_next(&r, &tag, &v, &l, e)) > 0) {
		for (unsigned i = 0; i < n; i++) {
			if (tag != f[i].tag)
				continue;
			if (unique & seen & (1u << i))
				return err_set(e, EPROTO, "field %u given twice", tag);
			if (f[i].width == 8) {
				if (want_u64(tag, v, l, &out[i], e) < 0)
					return -1;
			} else {
				if (want_u32(tag, v, l, &x, e) < 0)
					return -1;
				out[i] = x;
			}
			seen |= 1u << i;
		}
	}
	if (rc < 0)
		return -1;
	if ((seen & required) != required)
		return err_set(e, EPROTO, "message lacks a required field");
	return 0;
}

int proto_decode_signal(const uint8_t *payload, size_t len, struct proto_signal *s, struct err *e)
{
	static const struct int_field f[] = {
		{PROTO_T_PID, 4}, {PROTO_T_SIGNO, 4}, {PROTO_T_ALL, 4}};
	uint64_t v[3];

	if (int_fields(payload, len, f, 3, v, 0x2, 0, e) < 0)
		return -1;
	if (v[1] < 1 || v[1] > 64 || v[2] > 1)
		return err_set(e, EPROTO, "signal: bad signal number %u", (unsigned)v[1]);
	s->pid = (uint32_t)v[0];
	s->signo = (uint32_t)v[1];
	s->all = v[2];
	return 0;
}

int proto_decode_resize(const uint8_t *payload, size_t len, uint32_t *rows, uint32_t *cols,
			struct err *e)
{
	static const struct int_field f[] = {{PROTO_T_ROWS, 4}, {PROTO_T_COLS, 4}};
	uint64_t v[2];

	if (int_fields(payload, len, f, 2, v, 0x3, 0, e) < 0)
		return -1;
	if (v[0] > 0xffff || v[1] > 0xffff)
		return err_set(e, EPROTO, "resize: %ux%u out of range", (unsigned)v[0],
			       (unsigned)v[1]);
	*rows = (uint32_t)v[0];
	*cols = (uint32_t)v[1];
	return 0;
}

int proto_decode_exit(const uint8_t *payload, size_t len, struct proto_exit *x, struct err *e)
{
	static const struct int_field f[] = {{PROTO_T_CODE, 4},
					     {PROTO_T_SIGNAL, 4},
					     {PROTO_T_AGENT_MINFLT, 4},
					     {PROTO_T_GUEST_NS, 8}};
	uint64_t v[4];

	if (int_fields(payload, len, f, 4, v, 0x3, 0, e) < 0)
		return -1;
	if (v[0] > 255 || v[1] > 64 || (v[0] && v[1]))
		return err_set(e, EPROTO, "exit: code %u signal %u out of range", (unsigned)v[0],
			       (unsigned)v[1]);
	x->code = (uint32_t)v[0];
	x->signal = (uint32_t)v[1];
	x->agent_minflt = (uint32_t)v[2];
	x->guest_ns = v[3];
	return 0;
}

int proto_decode_pid(const uint8_t *payload, size_t len, uint32_t *pid, struct err *e)
{
	static const struct int_field f[] = {{PROTO_T_PID, 4}};
	uint64_t v;

	if (int_fields(payload, len, f, 1, &v, 0x1, 0, e) < 0)
		return -1;
	*pid = (uint32_t)v;
	if (*pid == 0 || *pid > (1u << 22))
		return err_set(e, EPROTO, "pid %u out of range", *pid);
	return 0;
}

int proto_decode_error(const uint8_t *payload, size_t len, int *errnum, const char **msg,
		       struct err *e)
{
	struct proto_reader r = {payload, len};
	const uint8_t *v;
	uint16_t tag;
	uint32_t l, x = 0;
	int rc;

	*msg = "";
	while ((rc = proto_next(&r, &tag, &v, &l, e)) > 0) {
		if (tag == PROTO_T_ERRNO && want_u32(tag, v, l, &x, e) < 0)
			return -1;
		if (tag == PROTO_T_MESSAGE && want_str(tag, v, l, msg, e) < 0)
			return -1;
	}
	if (rc < 0)
		return -1;
	*errnum = x < 4096 ? (int)x : EIO;
	return 0;
}

int proto_decode_pids(const uint8_t *payload, size_t len, uint32_t **pids, uint32_t *n,
		      struct err *e)
{
	struct proto_reader r = {payload, len};
	const uint8_t *v;
	uint16_t tag;
	uint32_t l, count;
	int rc;

	*pids = NULL;
	*n = 0;
	if (count_tag(payload, len, PROTO_T_HOST_PID, 65536, &count, e) < 0)
		return -1;
	if (count == 0)
		return 0;
	*pids = calloc(count, sizeof(**pids));
	if (!*pids)
		return err_set(e, ENOMEM, "decoding a message: out of memory");
	while ((rc = proto_next(&r, &tag, &v, &l, e)) > 0) {
		if (tag == PROTO_T_HOST_PID && want_u32(tag, v, l, &(*pids)[(*n)++], e) < 0)
			break;
	}
	if (rc == 0 && *n == count)
		return 0;
	free(*pids);
	*pids = NULL;
	*n = 0;
	return -1;
}

/*
 * STATS_REPLY: every field present and consistent (user + kernel <= total, usage <= limit),
 * so what the runtime prints is at least self-consistent whatever the guest sends.
 */
int proto_decode_stats(const uint8_t *payload, size_t len, struct proto_stats *st, struct err *e)
{
	/* every field required; the six u64 ones may not repeat */
	static const struct int_field f[] = {{PROTO_T_CPU_TOTAL_NS, 8},	 {PROTO_T_CPU_USER_NS, 8},
					     {PROTO_T_CPU_KERNEL_NS, 8}, {PROTO_T_MEM_USAGE, 8},
					     {PROTO_T_MEM_LIMIT, 8},	 {PROTO_T_UPTIME_NS, 8},
					     {PROTO_T_PIDS_CURRENT, 4}};
	uint64_t v[ARRAY_SIZE(f)];
	uint32_t pids;

	if (int_fields(payload, len, f, ARRAY_SIZE(f), v, 0x7f, 0x3f, e) < 0)
		return -1;
	pids = (uint32_t)v[6];
	if (v[1] > v[0] || v[2] > v[0] - v[1] || v[3] > v[4] || pids > (1u << 22))
		return err_set(e, EPROTO, "stats: inconsistent values");
	*st = (struct proto_stats){
		.cpu_total_ns = v[0],
		.cpu_user_ns = v[1],
		.cpu_kernel_ns = v[2],
		.mem_usage = v[3],
		.mem_limit = v[4],
		.pids = pids,
		.uptime_ns = v[5],
	};
	return 0;
}
