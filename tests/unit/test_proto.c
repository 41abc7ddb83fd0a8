// SPDX-License-Identifier: Apache-2.0
/* common/proto.c: round trips of every message and the decoder's refusals. */
#include "proto.h"
#include "unit.h"

#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/personality.h>
#include <sys/socket.h>
#include <unistd.h>

/* Splits b's first message into header + payload (checked). */
static const uint8_t *first(const struct proto_buf *b, struct proto_hdr *h)
{
	struct err e = {0};

	if (b->len < PROTO_HDR_SIZE || proto_hdr_parse(b->data, h, &e) < 0 ||
	    h->len != b->len - PROTO_HDR_SIZE)
		return NULL;
	return b->data + PROTO_HDR_SIZE;
}

static const char *args[] = {"/bin/sh", "-c", "echo hi", NULL};
static const char *env[] = {"PATH=/bin", "HOME=/root", NULL};

/* two sock_filter instructions: ld [0]; ret ALLOW (bytes are opaque to the protocol) */
static const uint8_t bpf[16] = {0x20, 0, 0, 0, 0, 0, 0, 0, 0x06, 0, 0, 0, 0, 0, 0xff, 0x7f};

static void fill_process(struct proto_process *p)
{
	static uint32_t gids[] = {10, 20, 30};
	static struct proto_rlimit rl[] = {{7, 1024, 4096}, {6, 10, 20}};

	memset(p, 0, sizeof(*p));
	p->args = args;
	p->nr_args = 3;
	p->env = env;
	p->nr_env = 2;
	p->cwd = "/work";
	p->uid = 1000;
	p->gid = 1001;
	p->gids = gids;
	p->nr_gids = 3;
	p->has_umask = true;
	p->umask = 022;
	p->terminal = true;
	p->rows = 24;
	p->cols = 80;
	p->has_caps = true;
	p->caps[0] = 0x3fffffffffULL;
	p->caps[4] = 1ULL << 40;
	p->rlimits = rl;
	p->nr_rlimits = 2;
	p->has_oom_score_adj = true;
	p->oom_score_adj = -500;
	p->host_pid = 4242;
	p->open_stdin = true;
	p->seccomp_bpf = bpf;
	p->seccomp_len = sizeof(bpf);
	p->seccomp_flags = 2; /* SECCOMP_FILTER_FLAG_LOG */
}

static void check_process(const struct proto_process *p)
{
	CHECK_INT(p->nr_args, 3);
	CHECK_STR(p->args[2], "echo hi");
	CHECK(p->args[3] == NULL);
	CHECK_INT(p->nr_env, 2);
	CHECK_STR(p->env[1], "HOME=/root");
	CHECK(p->env[2] == NULL);
	CHECK_STR(p->cwd, "/work");
	CHECK_INT(p->uid, 1000);
	CHECK_INT(p->gid, 1001);
	CHECK_INT(p->nr_gids, 3);
	CHECK_INT(p->gids[2], 30);
	CHECK(p->has_umask && p->umask == 022);
	CHECK(p->terminal && p->rows == 24 && p->cols == 80);
	CHECK(!p->no_new_privs);
	CHECK(p->has_caps && p->caps[0] == 0x3fffffffffULL && p->caps[4] == 1ULL << 40);
	CHECK_INT(p->nr_rlimits, 2);
	CHECK(p->rlimits[0].resource == 7 && p->rlimits[0].soft == 1024 &&
	      p->rlimits[0].hard == 4096);
	CHECK(p->has_oom_score_adj && p->oom_score_adj == -500);
	CHECK_INT(p->host_pid, 4242);
	CHECK(p->open_stdin);
	CHECK(p->seccomp_bpf && p->seccomp_len == sizeof(bpf) &&
	      memcmp(p->seccomp_bpf, bpf, sizeof(bpf)) == 0);
	CHECK_INT(p->seccomp_flags, 2);
}

static void test_exec_round_trip(void)
{
	struct proto_buf b;
	struct proto_process in, out;
	struct proto_hdr h;
	struct err e = {0};
	const uint8_t *pl;

	proto_buf_init(&b);
	fill_process(&in);
	CHECK_INT(proto_encode_process(&b, PROTO_EXEC, &in, &e), 0);
	pl = first(&b, &h);
	CHECK(pl != NULL);
	CHECK_INT(h.type, PROTO_EXEC);
	CHECK_INT(proto_decode_process(pl, h.len, &out, &e), 0);
	check_process(&out);
	proto_process_free(&out);
	proto_buf_free(&b);
}

static void test_container_round_trip(void)
{
	struct proto_mount mounts[] = {
		{.dest = "/proc", .type = "proc", .source = "proc", .flags = 0xe},
		{.dest = "/etc/hosts",
		 .type = "bind",
		 .source = "b0",
		 .flags = 0x1000,
		 .propagation = 1 << 18},
	};
	const char *masked[] = {"/proc/kcore", NULL};
	const char *sysctl[] = {"net.ipv4.ip_forward=1", NULL};
	struct proto_container in = {
		.id = "c1",
		.rootfs = "rootfs",
		.rootfs_ro = true,
		.hostname = "box",
		.namespaces = 0x20000000,
		.mounts = mounts,
		.nr_mounts = 2,
		.masked = masked,
		.nr_masked = 1,
		.sysctl = sysctl,
		.nr_sysctl = 1,
		.start_now = true,
	};
	struct proto_container out;
	struct proto_buf b;
	struct proto_hdr h;
	struct err e = {0};
	const uint8_t *pl;

	fill_process(&in.process);
	proto_buf_init(&b);
	CHECK_INT(proto_encode_container(&b, &in, &e), 0);
	pl = first(&b, &h);
	CHECK(pl != NULL);
	CHECK_INT(proto_decode_container(pl, h.len, &out, &e), 0);
	CHECK_STR(out.id, "c1");
	CHECK_STR(out.rootfs, "rootfs");
	CHECK(out.rootfs_ro);
	CHECK_STR(out.hostname, "box");
	CHECK(out.domainname == NULL);
	CHECK_INT(out.namespaces, 0x20000000);
	CHECK_INT(out.nr_mounts, 2);
	CHECK_STR(out.mounts[1].source, "b0");
	CHECK(out.mounts[1].propagation == 1 << 18 && out.mounts[0].flags == 0xe);
	CHECK(out.mounts[1].data == NULL);
	CHECK_INT(out.nr_masked, 1);
	CHECK_INT(out.nr_readonly, 0);
	CHECK_STR(out.sysctl[0], "net.ipv4.ip_forward=1");
	CHECK(out.start_now);
	check_process(&out.process);
	proto_container_free(&out);
	proto_buf_free(&b);
}

static void test_small_messages(void)
{
	struct proto_signal s = {.pid = 7, .signo = SIGTERM, .all = true}, s2;
	struct proto_exit x = {.code = 0, .signal = 9, .guest_ns = 1ULL << 40, .agent_minflt = 3},
			  x2;
	struct proto_buf b;
	struct proto_hdr h;
	struct err e = {0};
	const uint8_t *pl;
	const char *msg = NULL;
	uint32_t rows = 0, cols = 0, pid;
	int errnum = 0;

	proto_buf_init(&b);
	CHECK_INT(proto_encode_signal(&b, &s, &e), 0);
	pl = first(&b, &h);
	CHECK(pl && proto_decode_signal(pl, h.len, &s2, &e) == 0);
	CHECK(s2.pid == 7 && s2.signo == SIGTERM && s2.all);
	b.len = 0;
	CHECK_INT(proto_encode_exit(&b, &x, &e), 0);
	pl = first(&b, &h);
	CHECK(pl && proto_decode_exit(pl, h.len, &x2, &e) == 0);
	CHECK_INT(proto_exit_status(&x2), 137);
	CHECK(x2.guest_ns == 1ULL << 40 && x2.agent_minflt == 3);
	b.len = 0;
	CHECK_INT(proto_encode_resize(&b, 50, 132, &e), 0);
	pl = first(&b, &h);
	CHECK(pl && proto_decode_resize(pl, h.len, &rows, &cols, &e) == 0);
	CHECK(rows == 50 && cols == 132);
	b.len = 0;
	CHECK_INT(proto_encode_error(&b, ENOENT, "exec: \"x\": not found", &e), 0);
	pl = first(&b, &h);
	CHECK(pl && proto_decode_error(pl, h.len, &errnum, &msg, &e) == 0);
	CHECK_INT(errnum, ENOENT);
	CHECK_STR(msg, "exec: \"x\": not found");
	b.len = 0;
	CHECK_INT(proto_encode_pid(&b, 123, &e), 0);
	pl = first(&b, &h);
	CHECK(pl && proto_decode_pid(pl, h.len, &pid, &e) == 0 && pid == 123);
	b.len = 0;
	CHECK_INT(proto_encode_data(&b, PROTO_STDOUT, "hi\n", 3, &e), 0);
	pl = first(&b, &h);
	CHECK(pl && h.type == PROTO_STDOUT && h.len == 3 && memcmp(pl, "hi\n", 3) == 0);
	proto_buf_free(&b);
}

static void test_pids(void)
{
	struct proto_buf b;
	struct proto_hdr h;
	struct err e = {0};
	const uint8_t *pl;
	uint32_t *pids = NULL, n = 0;

	proto_buf_init(&b);
	proto_begin(&b, PROTO_PIDS);
	proto_put_u32(&b, PROTO_T_HOST_PID, 11);
	proto_put_u32(&b, PROTO_T_HOST_PID, 22);
	CHECK_INT(proto_end(&b, &e), 0);
	pl = first(&b, &h);
	CHECK(pl && proto_decode_pids(pl, h.len, &pids, &n, &e) == 0);
	CHECK(n == 2 && pids[0] == 11 && pids[1] == 22);
	free(pids);
	proto_buf_free(&b);
}

static void test_stats(void)
{
	struct proto_stats st = {.cpu_total_ns = 30,
				 .cpu_user_ns = 20,
				 .cpu_kernel_ns = 10,
				 .mem_usage = 1 << 20,
				 .mem_limit = 1ULL << 33,
				 .pids = 3,
				 .uptime_ns = 1ULL << 35};
	struct proto_stats got;
	struct proto_buf b;
	struct proto_hdr h;
	struct err e = {0};
	const uint8_t *pl;

	proto_buf_init(&b);
	CHECK_INT(proto_encode_empty(&b, PROTO_STATS, &e), 0);
	pl = first(&b, &h);
	CHECK(pl && h.type == PROTO_STATS && h.len == 0);
	b.len = 0;
	CHECK_INT(proto_encode_stats(&b, &st, &e), 0);
	pl = first(&b, &h);
	CHECK(pl && h.type == PROTO_STATS_REPLY);
	CHECK(pl && proto_decode_stats(pl, h.len, &got, &e) == 0);
	CHECK(got.cpu_total_ns == 30 && got.cpu_user_ns == 20 && got.cpu_kernel_ns == 10);
	CHECK(got.mem_usage == 1 << 20 && got.mem_limit == 1ULL << 33 && got.pids == 3);
	CHECK(got.uptime_ns == 1ULL << 35);
	/* inconsistent: user + kernel above total; usage above limit; a field missing */
	st.cpu_kernel_ns = 11;
	b.len = 0;
	CHECK_INT(proto_encode_stats(&b, &st, &e), 0);
	pl = first(&b, &h);
	CHECK(pl && proto_decode_stats(pl, h.len, &got, &e) == -1);
	st.cpu_kernel_ns = 10;
	st.mem_usage = st.mem_limit + 1;
	b.len = 0;
	CHECK_INT(proto_encode_stats(&b, &st, &e), 0);
	pl = first(&b, &h);
	CHECK(pl && proto_decode_stats(pl, h.len, &got, &e) == -1);
	b.len = 0;
	proto_begin(&b, PROTO_STATS_REPLY);
	proto_put_u64(&b, PROTO_T_CPU_TOTAL_NS, 1);
	CHECK_INT(proto_end(&b, &e), 0);
	pl = first(&b, &h);
	CHECK(pl && proto_decode_stats(pl, h.len, &got, &e) == -1);
	/* a field twice */
	b.len = 0;
	st.mem_usage = 1;
	CHECK_INT(proto_encode_stats(&b, &st, &e), 0);
	proto_put_u64(&b, PROTO_T_UPTIME_NS, 5);
	b.data[0] = (uint8_t)(b.len - PROTO_HDR_SIZE); /* the header's length, grown by hand */
	pl = first(&b, &h);
	CHECK(pl && proto_decode_stats(pl, h.len, &got, &e) == -1);
	proto_buf_free(&b);
}

/* A payload with one field: tag, declared length, value bytes. */
static size_t field(uint8_t *p, uint16_t tag, uint32_t len, const void *v, size_t vlen)
{
	p[0] = (uint8_t)tag;
	p[1] = (uint8_t)(tag >> 8);
	memcpy(p + 2, &len, 4); /* x86: little-endian */
	memcpy(p + 6, v, vlen);
	return 6 + vlen;
}

static void test_refusals(void)
{
	uint8_t p[64], hdr[PROTO_HDR_SIZE];
	struct proto_process proc;
	struct proto_hdr h = {.len = 0, .type = PROTO_OK, .version = PROTO_VERSION};
	struct proto_exit x;
	struct err e = {0};
	uint32_t pid;
	size_t n;

	/* a field longer than what is left */
	n = field(p, PROTO_T_ARG, 40, "sh", 3);
	CHECK_INT(proto_decode_process(p, n, &proc, &e), -1);
	/* a string without its NUL, and one with an inner NUL */
	n = field(p, PROTO_T_ARG, 2, "sh", 2);
	CHECK_INT(proto_decode_process(p, n, &proc, &e), -1);
	n = field(p, PROTO_T_ARG, 4, "s\0h", 4);
	CHECK_INT(proto_decode_process(p, n, &proc, &e), -1);
	/* no args at all; a relative cwd */
	n = field(p, PROTO_T_CWD, 2, "/", 2);
	CHECK_INT(proto_decode_process(p, n, &proc, &e), -1);
	n = field(p, PROTO_T_ARG, 3, "sh", 3);
	n += field(p + n, PROTO_T_CWD, 4, "tmp", 4);
	CHECK_INT(proto_decode_process(p, n, &proc, &e), -1);
	/* an unknown tag is skipped; a u32 of the wrong size is not */
	n = field(p, PROTO_T_ARG, 3, "sh", 3);
	n += field(p + n, 999, 2, "zz", 2);
	CHECK_INT(proto_decode_process(p, n, &proc, &e), 0);
	proto_process_free(&proc);
	n = field(p, PROTO_T_ARG, 3, "sh", 3);
	n += field(p + n, PROTO_T_UID, 2, "\1\0", 2);
	CHECK_INT(proto_decode_process(p, n, &proc, &e), -1);
	/* a truncated field header */
	CHECK_INT(proto_decode_pid(p, 3, &pid, &e), -1);
	/* exit code and signal both set */
	n = field(p, PROTO_T_CODE, 4, "\1\0\0\0", 4);
	n += field(p + n, PROTO_T_SIGNAL, 4, "\11\0\0\0", 4);
	CHECK_INT(proto_decode_exit(p, n, &x, &e), -1);
	/* headers: version, flags, unknown type, oversized */
	proto_hdr_encode(&h, hdr);
	CHECK_INT(proto_hdr_parse(hdr, &h, &e), 0);
	hdr[6] = 2;
	CHECK_INT(proto_hdr_parse(hdr, &h, &e), -1);
	hdr[6] = PROTO_VERSION;
	hdr[7] = 1;
	CHECK_INT(proto_hdr_parse(hdr, &h, &e), -1);
	hdr[7] = 0;
	hdr[4] = 200;
	CHECK_INT(proto_hdr_parse(hdr, &h, &e), -1);
	hdr[4] = PROTO_OK;
	hdr[3] = 0x10;
	CHECK_INT(proto_hdr_parse(hdr, &h, &e), -1);
}

/* A seccomp program must be whole instructions, 1..4096 of them; flags need a program. */
static void test_seccomp_refusals(void)
{
	static uint8_t p[6 * 4 + 4 + 3 + 8 * (PROTO_SECCOMP_MAX_INSNS + 1)];
	static const uint8_t zeros[8 * (PROTO_SECCOMP_MAX_INSNS + 1)];
	struct proto_process proc;
	struct err e = {0};
	size_t n0 = field(p, PROTO_T_ARG, 3, "sh", 3), n;

	n = n0 + field(p + n0, PROTO_T_SECCOMP_BPF, 0, "", 0);
	CHECK_INT(proto_decode_process(p, n, &proc, &e), -1);
	n = n0 + field(p + n0, PROTO_T_SECCOMP_BPF, 12, bpf, 12);
	CHECK_INT(proto_decode_process(p, n, &proc, &e), -1);
	n = n0 + field(p + n0, PROTO_T_SECCOMP_BPF, 8, bpf, 8);
	CHECK_INT(proto_decode_process(p, n, &proc, &e), 0);
	CHECK_INT(proc.seccomp_len, 8);
	proto_process_free(&proc);
	/* the largest program the kernel takes, and one instruction more */
	n = n0 + field(p + n0, PROTO_T_SECCOMP_BPF, 8 * PROTO_SECCOMP_MAX_INSNS, zeros,
		       8 * PROTO_SECCOMP_MAX_INSNS);
	CHECK_INT(proto_decode_process(p, n, &proc, &e), 0);
	proto_process_free(&proc);
	n = n0 + field(p + n0, PROTO_T_SECCOMP_BPF, 8 * (PROTO_SECCOMP_MAX_INSNS + 1), zeros,
		       8 * (PROTO_SECCOMP_MAX_INSNS + 1));
	CHECK_INT(proto_decode_process(p, n, &proc, &e), -1);
	/* flags: an allowed one without a program, and TSYNC (1) with one */
	n = n0 + field(p + n0, PROTO_T_SECCOMP_FLAGS, 4, "\2\0\0\0", 4);
	CHECK_INT(proto_decode_process(p, n, &proc, &e), -1);
	n = n0 + field(p + n0, PROTO_T_SECCOMP_BPF, 8, bpf, 8);
	n += field(p + n, PROTO_T_SECCOMP_FLAGS, 4, "\1\0\0\0", 4);
	CHECK_INT(proto_decode_process(p, n, &proc, &e), -1);
	n = n0 + field(p + n0, PROTO_T_SECCOMP_BPF, 8, bpf, 8);
	n += field(p + n, PROTO_T_SECCOMP_FLAGS, 4, "\6\0\0\0", 4);
	CHECK_INT(proto_decode_process(p, n, &proc, &e), 0);
	CHECK_INT(proc.seccomp_flags, 6);
	proto_process_free(&proc);
}

/* A CREATE with two startContainer hooks and its state decodes to what was sent. */
static void test_hooks_round_trip(void)
{
	static const char *hargs[] = {"sh", "-c", "cat > /tmp/x", NULL};
	static const char *henv[] = {"A=1", NULL};
	struct proto_hook hooks[] = {
		{.path = "/bin/sh",
		 .args = hargs,
		 .nr_args = 3,
		 .env = henv,
		 .nr_env = 1,
		 .timeout = 5},
		{.path = "/bin/true"},
	};
	struct proto_container c = {.rootfs = "rootfs",
				    .hooks = hooks,
				    .nr_hooks = 2,
				    .state_json = "{\"id\":\"x\"}"},
			       got;
	struct proto_buf b;
	struct proto_hdr h;
	struct err e = {0};
	const uint8_t *pl;

	fill_process(&c.process);
	proto_buf_init(&b);
	CHECK_INT(proto_encode_container(&b, &c, &e), 0);
	pl = first(&b, &h);
	CHECK(pl != NULL);
	if (!pl || proto_decode_container(pl, h.len, &got, &e) < 0) {
		CHECK(!"decoded");
		proto_buf_free(&b);
		return;
	}
	CHECK_INT(got.nr_hooks, 2);
	CHECK_STR(got.state_json, "{\"id\":\"x\"}");
	CHECK_STR(got.hooks[0].path, "/bin/sh");
	CHECK_INT(got.hooks[0].nr_args, 3);
	CHECK_STR(got.hooks[0].args[2], "cat > /tmp/x");
	CHECK(got.hooks[0].args[3] == NULL);
	CHECK_INT(got.hooks[0].nr_env, 1);
	CHECK_STR(got.hooks[0].env[0], "A=1");
	CHECK_INT(got.hooks[0].timeout, 5);
	CHECK_STR(got.hooks[1].path, "/bin/true");
	CHECK_INT(got.hooks[1].nr_args, 0);
	CHECK(got.hooks[1].args == NULL && got.hooks[1].env == NULL);
	CHECK_INT(got.hooks[1].timeout, 0);
	check_process(&got.process);
	proto_container_free(&got);
	proto_buf_free(&b);
}

/* A CREATE carrying one hook built by put(); returns the decoder's result. */
static int decode_one_hook(void (*put)(struct proto_buf *b), bool with_state)
{
	struct proto_container got;
	struct proto_buf b;
	struct proto_hdr h;
	struct err e = {0};
	const uint8_t *pl;
	int r = -2;

	proto_buf_init(&b);
	proto_begin(&b, PROTO_CREATE);
	proto_put_str(&b, PROTO_T_ROOTFS, "rootfs");
	proto_nest_begin(&b, PROTO_T_PROCESS);
	proto_put_str(&b, PROTO_T_ARG, "sh");
	proto_nest_end(&b);
	if (with_state)
		proto_put_str(&b, PROTO_T_STATE_JSON, "{}");
	proto_nest_begin(&b, PROTO_T_HOOK);
	put(&b);
	proto_nest_end(&b);
	if (proto_end(&b, &e) == 0 && (pl = first(&b, &h)) != NULL) {
		r = proto_decode_container(pl, h.len, &got, &e);
		if (r == 0)
			proto_container_free(&got);
	}
	proto_buf_free(&b);
	return r;
}

static void hook_ok(struct proto_buf *b)
{
	proto_put_str(b, PROTO_T_H_PATH, "/hook");
	proto_put_str(b, PROTO_T_H_ARG, "hook");
	proto_put_u32(b, PROTO_T_H_TIMEOUT, PROTO_MAX_HOOK_TIMEOUT);
}

static void hook_no_path(struct proto_buf *b)
{
	proto_put_str(b, PROTO_T_H_ARG, "hook");
}

static void hook_relative(struct proto_buf *b)
{
	proto_put_str(b, PROTO_T_H_PATH, "bin/hook");
}

static void hook_two_paths(struct proto_buf *b)
{
	proto_put_str(b, PROTO_T_H_PATH, "/a");
	proto_put_str(b, PROTO_T_H_PATH, "/b");
}

static void hook_long_path(struct proto_buf *b)
{
	static char path[PROTO_MAX_HOOK_PATH + 1];

	memset(path, 'a', sizeof(path) - 1);
	path[0] = '/';
	proto_put_str(b, PROTO_T_H_PATH, path);
}

static void hook_zero_timeout(struct proto_buf *b)
{
	proto_put_str(b, PROTO_T_H_PATH, "/hook");
	proto_put_u32(b, PROTO_T_H_TIMEOUT, 0);
}

static void hook_huge_timeout(struct proto_buf *b)
{
	proto_put_str(b, PROTO_T_H_PATH, "/hook");
	proto_put_u32(b, PROTO_T_H_TIMEOUT, PROTO_MAX_HOOK_TIMEOUT + 1);
}

static void hook_bad_arg(struct proto_buf *b)
{
	proto_put_str(b, PROTO_T_H_PATH, "/hook");
	proto_put_bytes(b, PROTO_T_H_ARG, "no-nul", 6);
}

static void test_hook_refusals(void)
{
	CHECK_INT(decode_one_hook(hook_ok, true), 0);
	CHECK_INT(decode_one_hook(hook_ok, false), -1); /* no state for its stdin */
	CHECK_INT(decode_one_hook(hook_no_path, true), -1);
	CHECK_INT(decode_one_hook(hook_relative, true), -1);
	CHECK_INT(decode_one_hook(hook_two_paths, true), -1);
	CHECK_INT(decode_one_hook(hook_long_path, true), -1);
	CHECK_INT(decode_one_hook(hook_zero_timeout, true), -1);
	CHECK_INT(decode_one_hook(hook_huge_timeout, true), -1);
	CHECK_INT(decode_one_hook(hook_bad_arg, true), -1);
}

/* More hooks than PROTO_MAX_HOOKS are refused before anything is allocated for them. */
static void test_hook_count(void)
{
	struct proto_container got;
	struct proto_buf b;
	struct proto_hdr h;
	struct err e = {0};
	const uint8_t *pl;

	for (unsigned n = PROTO_MAX_HOOKS; n <= PROTO_MAX_HOOKS + 1; n++) {
		proto_buf_init(&b);
		proto_begin(&b, PROTO_CREATE);
		proto_put_str(&b, PROTO_T_ROOTFS, "rootfs");
		proto_put_str(&b, PROTO_T_STATE_JSON, "{}");
		proto_nest_begin(&b, PROTO_T_PROCESS);
		proto_put_str(&b, PROTO_T_ARG, "sh");
		proto_nest_end(&b);
		for (unsigned i = 0; i < n; i++) {
			proto_nest_begin(&b, PROTO_T_HOOK);
			proto_put_str(&b, PROTO_T_H_PATH, "/h");
			proto_nest_end(&b);
		}
		CHECK_INT(proto_end(&b, &e), 0);
		pl = first(&b, &h);
		CHECK(pl != NULL);
		if (!pl)
			break;
		CHECK_INT(proto_decode_container(pl, h.len, &got, &e),
			  n > PROTO_MAX_HOOKS ? -1 : 0);
		if (n <= PROTO_MAX_HOOKS) {
			CHECK_INT(got.nr_hooks, n);
			proto_container_free(&got);
		}
		proto_buf_free(&b);
	}
}

/* A CREATE's user namespace mappings decode to what was sent, entry by entry. */
static void test_id_map_round_trip(void)
{
	struct proto_id_mapping uid[] = {{0, 100000, 65536}, {65536, 0xfff00000u, 0x10000}};
	struct proto_id_mapping gid[] = {{0, 200000, 1}};
	struct proto_container in = {.rootfs = "rootfs",
				     .namespaces = 0x10020000, /* NEWUSER | NEWNS */
				     .uid_map = uid,
				     .nr_uid_map = 2,
				     .gid_map = gid,
				     .nr_gid_map = 1};
	struct proto_container out;
	struct proto_buf b;
	struct proto_hdr h;
	struct err e = {0};
	const uint8_t *pl;

	fill_process(&in.process);
	proto_buf_init(&b);
	CHECK_INT(proto_encode_container(&b, &in, &e), 0);
	pl = first(&b, &h);
	CHECK(pl != NULL);
	if (!pl || proto_decode_container(pl, h.len, &out, &e) < 0) {
		CHECK(!"decoded");
		proto_buf_free(&b);
		return;
	}
	CHECK_INT(out.nr_uid_map, 2);
	CHECK_INT(out.nr_gid_map, 1);
	CHECK(memcmp(out.uid_map, uid, sizeof(uid)) == 0);
	CHECK(memcmp(out.gid_map, gid, sizeof(gid)) == 0);
	proto_container_free(&out);
	proto_buf_free(&b);
}

/* PERSONALITY: absent, PER_LINUX32 and PER_LINUX survive; any other domain is refused. */
static void test_personality(void)
{
	static const struct {
		bool has;
		uint32_t domain;
		int want;
	} cases[] = {{false, 0, 0},
		     {true, PER_LINUX32, 0},
		     {true, PER_LINUX, 0},
		     {true, 3, -1},
		     {true, PER_BSD, -1}};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct proto_container in = {.rootfs = "rootfs",
					     .namespaces = 0x20000,
					     .has_personality = cases[i].has,
					     .personality = cases[i].domain};
		struct proto_container out;
		struct proto_buf b;
		struct proto_hdr h;
		struct err e = {0};
		const uint8_t *pl;
		int r;

		fill_process(&in.process);
		proto_buf_init(&b);
		CHECK_INT(proto_encode_container(&b, &in, &e), 0);
		pl = first(&b, &h);
		r = pl ? proto_decode_container(pl, h.len, &out, &e) : -2;
		CHECK_INT(r, cases[i].want);
		if (r == 0) {
			CHECK(out.has_personality == cases[i].has);
			CHECK_INT(out.personality, cases[i].domain);
			proto_container_free(&out);
		} else {
			CHECK(strstr(e.msg, "PER_LINUX or PER_LINUX32 only") != NULL);
		}
		proto_buf_free(&b);
	}
}

/*
 * A CREATE with n uid map entries of (cid, hid, size) and, unless gid is false, a one-entry
 * gid map; extra is appended as raw bytes to the uid map's value. The decoder's result.
 */
static int decode_id_map(uint32_t n, uint32_t cid, uint32_t hid, uint32_t size, bool gid,
			 size_t extra)
{
	static uint8_t raw[(PROTO_MAX_ID_MAPPINGS + 1) * PROTO_ID_MAPPING_SIZE + 16];
	struct proto_id_mapping one = {0, 1000, 1};
	struct proto_container got = {0};
	struct proto_buf b;
	struct proto_hdr h;
	struct err e = {0};
	const uint8_t *pl;
	size_t len = (size_t)n * PROTO_ID_MAPPING_SIZE + extra;
	int r = -2;

	memset(raw, 0, sizeof(raw));
	for (uint32_t i = 0; i < n; i++) {
		uint32_t v[3] = {cid + i * size, hid + i * size, size};

		memcpy(raw + (size_t)i * PROTO_ID_MAPPING_SIZE, v, sizeof(v)); /* little-endian */
	}
	proto_buf_init(&b);
	proto_begin(&b, PROTO_CREATE);
	proto_put_str(&b, PROTO_T_ROOTFS, "rootfs");
	proto_nest_begin(&b, PROTO_T_PROCESS);
	proto_put_str(&b, PROTO_T_ARG, "sh");
	proto_nest_end(&b);
	proto_put_bytes(&b, PROTO_T_UID_MAP, raw, len);
	if (gid)
		proto_put_bytes(&b, PROTO_T_GID_MAP, &one, sizeof(one));
	if (proto_end(&b, &e) == 0 && (pl = first(&b, &h)) != NULL) {
		r = proto_decode_container(pl, h.len, &got, &e);
		if (r == 0 && (got.nr_uid_map != n || got.uid_map[n - 1].size != size))
			r = -3;
		if (r == 0)
			proto_container_free(&got);
	}
	proto_buf_free(&b);
	return r;
}

static void test_id_map_refusals(void)
{
	CHECK_INT(decode_id_map(1, 0, 100000, 65536, true, 0), 0);
	CHECK_INT(decode_id_map(PROTO_MAX_ID_MAPPINGS, 0, 100000, 10, true, 0), 0);
	/* the kernel never maps id 2^32 - 1: a range ends at 2^32 - 2 at most, on either side */
	CHECK_INT(decode_id_map(1, 0, 0, 0xffffffffu, true, 0), 0);
	CHECK_INT(decode_id_map(1, 0xfffffffeu, 0, 1, true, 0), 0);
	CHECK_INT(decode_id_map(1, 0, 0xfffffff0u, 0xf, true, 0), 0);
	CHECK_INT(decode_id_map(1, 0xffffffffu, 0, 1, true, 0), -1);
	CHECK_INT(decode_id_map(1, 0, 0xfffffff0u, 0x10, true, 0), -1);
	CHECK_INT(decode_id_map(1, 1, 1, 0xffffffffu, true, 0), -1);
	CHECK_INT(decode_id_map(1, 0x80000000u, 0, 0x80000000u, true, 0), -1); /* u32 wraps */
	CHECK_INT(decode_id_map(1, 0, 100000, 0, true, 0), -1);		       /* an empty range */
	CHECK_INT(decode_id_map(0, 0, 0, 0, true, 0), -1);		       /* no entry */
	CHECK_INT(decode_id_map(PROTO_MAX_ID_MAPPINGS + 1, 0, 100000, 10, true, 0), -1);
	CHECK_INT(decode_id_map(1, 0, 100000, 65536, true, 4), -1);  /* not whole entries */
	CHECK_INT(decode_id_map(1, 0, 100000, 65536, false, 0), -1); /* no gid map */
}

/* A second uid map and a gid map alone are refused. */
static void test_id_map_twice(void)
{
	struct proto_id_mapping m = {0, 100000, 65536};
	struct proto_container got;
	struct proto_buf b;
	struct proto_hdr h;
	struct err e = {0};
	const uint8_t *pl;

	for (int twice = 0; twice <= 1; twice++) {
		proto_buf_init(&b);
		proto_begin(&b, PROTO_CREATE);
		proto_put_str(&b, PROTO_T_ROOTFS, "rootfs");
		proto_nest_begin(&b, PROTO_T_PROCESS);
		proto_put_str(&b, PROTO_T_ARG, "sh");
		proto_nest_end(&b);
		proto_put_bytes(&b, PROTO_T_GID_MAP, &m, sizeof(m));
		for (int i = 0; i < twice * 2; i++)
			proto_put_bytes(&b, PROTO_T_UID_MAP, &m, sizeof(m));
		CHECK_INT(proto_end(&b, &e), 0);
		pl = first(&b, &h);
		CHECK(pl != NULL);
		if (pl)
			CHECK_INT(proto_decode_container(pl, h.len, &got, &e), -1);
		proto_buf_free(&b);
	}
}

static void test_too_large(void)
{
	static char big[PROTO_MAX_PAYLOAD];
	struct proto_buf b;
	struct err e = {0};

	memset(big, 'a', sizeof(big) - 1);
	proto_buf_init(&b);
	proto_begin(&b, PROTO_CREATE);
	proto_put_str(&b, PROTO_T_ID, big);
	CHECK_INT(proto_end(&b, &e), -1);
	CHECK_INT(e.errnum, E2BIG);
	CHECK_INT(b.len, 0);
	/* the buffer is usable afterwards */
	CHECK_INT(proto_encode_empty(&b, PROTO_START, &e), 0);
	CHECK_INT(b.len, PROTO_HDR_SIZE);
	proto_buf_free(&b);
}

static void test_io(void)
{
	struct proto_buf b;
	struct proto_hdr h;
	struct err e = {0};
	uint8_t *pl;
	int sv[2];

	CHECK_INT(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	proto_buf_init(&b);
	CHECK_INT(proto_encode_pid(&b, 5, &e), 0);
	CHECK_INT(proto_encode_empty(&b, PROTO_OK, &e), 0);
	CHECK_INT(proto_write_buf(sv[0], &b, &e), 0);
	CHECK_INT(b.len, 0);
	CHECK_INT(proto_read_msg(sv[1], &h, &pl, &e), 1);
	CHECK_INT(h.type, PROTO_PID);
	free(pl);
	CHECK_INT(proto_read_msg(sv[1], &h, &pl, &e), 1);
	CHECK_INT(h.type, PROTO_OK);
	CHECK_INT(h.len, 0);
	free(pl);
	/* EOF inside a header is an error; EOF between messages is not */
	CHECK_INT(write(sv[0], "\1\0", 2), 2);
	close(sv[0]);
	CHECK_INT(proto_read_msg(sv[1], &h, &pl, &e), -1);
	close(sv[1]);
	CHECK_INT(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	close(sv[0]);
	CHECK_INT(proto_read_msg(sv[1], &h, &pl, &e), 0);
	close(sv[1]);
	/* a pipe is not a socket: written with write() */
	CHECK_INT(pipe(sv), 0);
	CHECK_INT(proto_encode_pid(&b, 6, &e), 0);
	CHECK_INT(proto_write_buf(sv[1], &b, &e), 0);
	CHECK_INT(proto_read_msg(sv[0], &h, &pl, &e), 1);
	CHECK_INT(h.type, PROTO_PID);
	free(pl);
	close(sv[0]);
	close(sv[1]);
	proto_buf_free(&b);
}

int main(void)
{
	RUN(test_exec_round_trip);
	RUN(test_container_round_trip);
	RUN(test_small_messages);
	RUN(test_pids);
	RUN(test_stats);
	RUN(test_refusals);
	RUN(test_seccomp_refusals);
	RUN(test_hooks_round_trip);
	RUN(test_hook_refusals);
	RUN(test_hook_count);
	RUN(test_id_map_round_trip);
	RUN(test_id_map_refusals);
	RUN(test_id_map_twice);
	RUN(test_personality);
	RUN(test_too_large);
	RUN(test_io);
	return unit_done();
}
