// SPDX-License-Identifier: Apache-2.0
/* The wire protocol's encoder and the strict decoder (common/proto.h, docs/protocol.md). */
#include "proto.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define FIELD_HDR 6 /* u16 tag + u32 len */

static void put_le16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
}

static void put_le32(uint8_t *p, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

/* ---- encoding ---- */

void proto_buf_init(struct proto_buf *b)
{
	memset(b, 0, sizeof(*b));
}

void proto_buf_free(struct proto_buf *b)
{
	free(b->data);
	proto_buf_init(b);
}

/* Room for n more bytes; marks the buffer failed instead of growing past a message's limit. */
static uint8_t *reserve(struct proto_buf *b, size_t n)
{
	size_t need = b->len + n;
	uint8_t *p;

	if (b->failed)
		return NULL;
	if (need - b->msg_start > PROTO_HDR_SIZE + (size_t)PROTO_MAX_PAYLOAD) {
		b->failed = true;
		return NULL;
	}
	if (need > b->cap) {
		size_t cap = b->cap ? b->cap : 256;

		while (cap < need)
			cap *= 2;
		p = realloc(b->data, cap);
		if (!p) {
			b->failed = true;
			return NULL;
		}
		b->data = p;
		b->cap = cap;
	}
	p = b->data + b->len;
	b->len = need;
	return p;
}

void proto_begin(struct proto_buf *b, enum proto_type type)
{
	uint8_t *p;

	b->msg_start = b->len;
	b->depth = 0;
	b->failed = false;
	p = reserve(b, PROTO_HDR_SIZE);
	if (!p)
		return;
	put_le32(p, 0);
	put_le16(p + 4, (uint16_t)type);
	p[6] = PROTO_VERSION;
	p[7] = 0;
}

static void put_field(struct proto_buf *b, enum proto_tag tag, const void *v, size_t len)
{
	uint8_t *p;

	if (len > PROTO_MAX_PAYLOAD) {
		b->failed = true;
		return;
	}
	p = reserve(b, FIELD_HDR + len);
	if (!p)
		return;
	put_le16(p, (uint16_t)tag);
	put_le32(p + 2, (uint32_t)len);
	if (len)
		memcpy(p + FIELD_HDR, v, len);
}

void proto_put_u32(struct proto_buf *b, enum proto_tag tag, uint32_t v)
{
	uint8_t raw[4];

	put_le32(raw, v);
	put_field(b, tag, raw, sizeof(raw));
}

void proto_put_u64(struct proto_buf *b, enum proto_tag tag, uint64_t v)
{
	uint8_t raw[8];

	put_le32(raw, (uint32_t)v);
	put_le32(raw + 4, (uint32_t)(v >> 32));
	put_field(b, tag, raw, sizeof(raw));
}

void proto_put_str(struct proto_buf *b, enum proto_tag tag, const char *s)
{
	put_field(b, tag, s, strlen(s) + 1);
}

void proto_put_bytes(struct proto_buf *b, enum proto_tag tag, const void *p, size_t len)
{
	put_field(b, tag, p, len);
}

void proto_nest_begin(struct proto_buf *b, enum proto_tag tag)
{
	if (b->depth >= sizeof(b->nest) / sizeof(b->nest[0])) {
		b->failed = true;
		return;
	}
	b->nest[b->depth++] = b->len;
	put_field(b, tag, NULL, 0);
}

void proto_nest_end(struct proto_buf *b)
{
	size_t at;

	if (b->depth == 0) {
		b->failed = true;
		return;
	}
	at = b->nest[--b->depth];
	if (!b->failed)
		put_le32(b->data + at + 2, (uint32_t)(b->len - at - FIELD_HDR));
}

void proto_put_raw(struct proto_buf *b, const void *p, size_t len)
{
	uint8_t *d = reserve(b, len);

	if (d && len)
		memcpy(d, p, len);
}

int proto_end(struct proto_buf *b, struct err *e)
{
	if (b->failed || b->depth) {
		int errnum = b->depth ? EINVAL : E2BIG;

		b->len = b->msg_start < b->len ? b->msg_start : b->len;
		b->failed = false;
		b->depth = 0;
		return err_set(e, errnum, "encoding a message: %s",
			       errnum == E2BIG ? "too large or out of memory"
					       : "unbalanced nesting");
	}
	put_le32(b->data + b->msg_start, (uint32_t)(b->len - b->msg_start - PROTO_HDR_SIZE));
	return 0;
}

static void put_bool(struct proto_buf *b, enum proto_tag tag, bool v)
{
	if (v)
		proto_put_u32(b, tag, 1);
}

static void put_strv(struct proto_buf *b, enum proto_tag tag, const char *const *v, uint32_t n)
{
	for (uint32_t i = 0; i < n; i++)
		proto_put_str(b, tag, v[i]);
}

static void put_opt_str(struct proto_buf *b, enum proto_tag tag, const char *s)
{
	if (s)
		proto_put_str(b, tag, s);
}

/* A field of n u32s, to be written in place: NULL if the buffer failed. */
static uint8_t *put_u32_field(struct proto_buf *b, enum proto_tag tag, size_t n)
{
	uint8_t *raw;

	proto_put_bytes(b, tag, NULL, 0);
	raw = reserve(b, n * 4);
	if (raw)
		put_le32(raw - 4, (uint32_t)(n * 4)); /* the field's length, just before */
	return raw;
}

static void put_process_fields(struct proto_buf *b, const struct proto_process *p)
{
	put_strv(b, PROTO_T_ARG, p->args, p->nr_args);
	put_strv(b, PROTO_T_ENV, p->env, p->nr_env);
	put_opt_str(b, PROTO_T_CWD, p->cwd);
	proto_put_u32(b, PROTO_T_UID, p->uid);
	proto_put_u32(b, PROTO_T_GID, p->gid);
	if (p->nr_gids) {
		uint8_t *raw = put_u32_field(b, PROTO_T_GIDS, p->nr_gids);

		for (uint32_t i = 0; raw && i < p->nr_gids; i++)
			put_le32(raw + 4 * i, p->gids[i]);
	}
	if (p->has_umask)
		proto_put_u32(b, PROTO_T_UMASK, p->umask);
	put_bool(b, PROTO_T_TERMINAL, p->terminal);
	if (p->rows || p->cols) {
		proto_put_u32(b, PROTO_T_ROWS, p->rows);
		proto_put_u32(b, PROTO_T_COLS, p->cols);
	}
	put_bool(b, PROTO_T_NO_NEW_PRIVS, p->no_new_privs);
	if (p->has_caps) {
		uint8_t raw[8 * PROTO_CAP_SETS];

		for (int i = 0; i < PROTO_CAP_SETS; i++) {
			put_le32(raw + 8 * i, (uint32_t)p->caps[i]);
			put_le32(raw + 8 * i + 4, (uint32_t)(p->caps[i] >> 32));
		}
		proto_put_bytes(b, PROTO_T_CAPS, raw, sizeof(raw));
	}
	for (uint32_t i = 0; i < p->nr_rlimits; i++) {
		proto_nest_begin(b, PROTO_T_RLIMIT);
		proto_put_u32(b, PROTO_T_RLIMIT_RESOURCE, p->rlimits[i].resource);
		proto_put_u64(b, PROTO_T_RLIMIT_SOFT, p->rlimits[i].soft);
		proto_put_u64(b, PROTO_T_RLIMIT_HARD, p->rlimits[i].hard);
		proto_nest_end(b);
	}
	if (p->has_oom_score_adj)
		proto_put_u32(b, PROTO_T_OOM_SCORE_ADJ, (uint32_t)p->oom_score_adj);
	if (p->host_pid)
		proto_put_u32(b, PROTO_T_HOST_PID, p->host_pid);
	put_bool(b, PROTO_T_STDIN, p->open_stdin);
	if (p->seccomp_bpf) {
		proto_put_bytes(b, PROTO_T_SECCOMP_BPF, p->seccomp_bpf, p->seccomp_len);
		if (p->seccomp_flags)
			proto_put_u32(b, PROTO_T_SECCOMP_FLAGS, p->seccomp_flags);
	}
}

int proto_encode_process(struct proto_buf *b, enum proto_type type, const struct proto_process *p,
			 struct err *e)
{
	proto_begin(b, type);
	put_process_fields(b, p);
	return proto_end(b, e);
}

static void put_mount(struct proto_buf *b, const struct proto_mount *m)
{
	proto_nest_begin(b, PROTO_T_MOUNT);
	proto_put_str(b, PROTO_T_M_DEST, m->dest);
	put_opt_str(b, PROTO_T_M_TYPE, m->type);
	put_opt_str(b, PROTO_T_M_SOURCE, m->source);
	put_opt_str(b, PROTO_T_M_DATA, m->data);
	if (m->flags)
		proto_put_u64(b, PROTO_T_M_FLAGS, m->flags);
	if (m->propagation)
		proto_put_u64(b, PROTO_T_M_PROPAGATION, m->propagation);
	proto_nest_end(b);
}

static void put_hook(struct proto_buf *b, const struct proto_hook *h)
{
	proto_nest_begin(b, PROTO_T_HOOK);
	proto_put_str(b, PROTO_T_H_PATH, h->path);
	put_strv(b, PROTO_T_H_ARG, h->args, h->nr_args);
	put_strv(b, PROTO_T_H_ENV, h->env, h->nr_env);
	if (h->timeout)
		proto_put_u32(b, PROTO_T_H_TIMEOUT, h->timeout);
	proto_nest_end(b);
}

static void put_id_map(struct proto_buf *b, enum proto_tag tag, const struct proto_id_mapping *m,
		       uint32_t n)
{
	uint8_t *raw = n ? put_u32_field(b, tag, (size_t)n * 3) : NULL;

	for (uint32_t i = 0; raw && i < n; i++, raw += PROTO_ID_MAPPING_SIZE) {
		put_le32(raw, m[i].container_id);
		put_le32(raw + 4, m[i].host_id);
		put_le32(raw + 8, m[i].size);
	}
}

int proto_encode_container(struct proto_buf *b, const struct proto_container *c, struct err *e)
{
	proto_begin(b, PROTO_CREATE);
	put_opt_str(b, PROTO_T_ID, c->id);
	put_opt_str(b, PROTO_T_ROOTFS, c->rootfs);
	put_bool(b, PROTO_T_ROOTFS_RO, c->rootfs_ro);
	put_opt_str(b, PROTO_T_HOSTNAME, c->hostname);
	put_opt_str(b, PROTO_T_DOMAINNAME, c->domainname);
	proto_put_u32(b, PROTO_T_NAMESPACES, c->namespaces);
	for (uint32_t i = 0; i < c->nr_mounts; i++)
		put_mount(b, &c->mounts[i]);
	put_strv(b, PROTO_T_MASKED, c->masked, c->nr_masked);
	put_strv(b, PROTO_T_READONLY, c->readonly, c->nr_readonly);
	put_strv(b, PROTO_T_SYSCTL, c->sysctl, c->nr_sysctl);
	put_bool(b, PROTO_T_START_NOW, c->start_now);
	for (uint32_t i = 0; i < c->nr_hooks; i++)
		put_hook(b, &c->hooks[i]);
	put_opt_str(b, PROTO_T_STATE_JSON, c->state_json);
	put_id_map(b, PROTO_T_UID_MAP, c->uid_map, c->nr_uid_map);
	put_id_map(b, PROTO_T_GID_MAP, c->gid_map, c->nr_gid_map);
	if (c->has_personality)
		proto_put_u32(b, PROTO_T_PERSONALITY, c->personality);
	proto_nest_begin(b, PROTO_T_PROCESS);
	put_process_fields(b, &c->process);
	proto_nest_end(b);
	return proto_end(b, e);
}

int proto_encode_empty(struct proto_buf *b, enum proto_type type, struct err *e)
{
	proto_begin(b, type);
	return proto_end(b, e);
}

int proto_encode_signal(struct proto_buf *b, const struct proto_signal *s, struct err *e)
{
	proto_begin(b, PROTO_SIGNAL);
	proto_put_u32(b, PROTO_T_PID, s->pid);
	proto_put_u32(b, PROTO_T_SIGNO, s->signo);
	put_bool(b, PROTO_T_ALL, s->all);
	return proto_end(b, e);
}

int proto_encode_resize(struct proto_buf *b, uint32_t rows, uint32_t cols, struct err *e)
{
	proto_begin(b, PROTO_RESIZE);
	proto_put_u32(b, PROTO_T_ROWS, rows);
	proto_put_u32(b, PROTO_T_COLS, cols);
	return proto_end(b, e);
}

int proto_encode_exit(struct proto_buf *b, const struct proto_exit *x, struct err *e)
{
	proto_begin(b, PROTO_EXIT);
	proto_put_u32(b, PROTO_T_CODE, x->code);
	proto_put_u32(b, PROTO_T_SIGNAL, x->signal);
	if (x->guest_ns)
		proto_put_u64(b, PROTO_T_GUEST_NS, x->guest_ns);
	if (x->agent_minflt)
		proto_put_u32(b, PROTO_T_AGENT_MINFLT, x->agent_minflt);
	return proto_end(b, e);
}

int proto_encode_error(struct proto_buf *b, int errnum, const char *msg, struct err *e)
{
	proto_begin(b, PROTO_ERROR);
	proto_put_u32(b, PROTO_T_ERRNO, (uint32_t)errnum);
	proto_put_str(b, PROTO_T_MESSAGE, msg);
	return proto_end(b, e);
}

int proto_encode_pid(struct proto_buf *b, uint32_t pid, struct err *e)
{
	proto_begin(b, PROTO_PID);
	proto_put_u32(b, PROTO_T_PID, pid);
	return proto_end(b, e);
}

int proto_encode_stats(struct proto_buf *b, const struct proto_stats *st, struct err *e)
{
	proto_begin(b, PROTO_STATS_REPLY);
	proto_put_u64(b, PROTO_T_CPU_TOTAL_NS, st->cpu_total_ns);
	proto_put_u64(b, PROTO_T_CPU_USER_NS, st->cpu_user_ns);
	proto_put_u64(b, PROTO_T_CPU_KERNEL_NS, st->cpu_kernel_ns);
	proto_put_u64(b, PROTO_T_MEM_USAGE, st->mem_usage);
	proto_put_u64(b, PROTO_T_MEM_LIMIT, st->mem_limit);
	proto_put_u32(b, PROTO_T_PIDS_CURRENT, st->pids);
	proto_put_u64(b, PROTO_T_UPTIME_NS, st->uptime_ns);
	return proto_end(b, e);
}

int proto_encode_data(struct proto_buf *b, enum proto_type type, const void *p, size_t len,
		      struct err *e)
{
	proto_begin(b, type);
	proto_put_raw(b, p, len);
	return proto_end(b, e);
}
