// SPDX-License-Identifier: Apache-2.0
/*
 * The strict decoder of common/proto.h: every length, count, string and value is checked
 * before use (a message may come from a compromised guest), and blocking message I/O.
 */
#include "proto.h"
#include "cleanup.h"
#include "proto_fields.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

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
