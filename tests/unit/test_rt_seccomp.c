// SPDX-License-Identifier: Apache-2.0
/*
 * runtime/seccomp.c: config.json's linux.seccomp -> BPF. The programs are run here by a small
 * classic-BPF interpreter over struct seccomp_data (what each syscall would get, and how
 * many instructions it costs: the guest kernel runs them emulated on PVM), and a few are
 * installed for real in a child, where the kernel verifies and enforces them.
 */
#define _GNU_SOURCE
#include "runtime/seccomp.h"
#include "cleanup.h"
#include "oci/config.h"
#include "proto.h"
#include "util.h"
#include "test_oci_util.h"
#include "unit.h"

#include <dirent.h>
#include <errno.h>
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <stddef.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define ALLOW	      SECCOMP_RET_ALLOW
#define ERRNO(n)      (SECCOMP_RET_ERRNO | (n))
#define NR_MKDIR      83 /* x86_64 */
#define NR_GETPPID    110
#define NR_PERSONAL   135
#define NR_SOCKET     41
#define NR_CLONE      56
#define I386_MKDIR    39
#define BEYOND_ALL_NR 999

static const char *argv0;
static unsigned last_steps; /* instructions the last run() executed */

/* Classic BPF as the kernel's seccomp runs it (only what libseccomp and our stub emit). */
static uint32_t run(const struct rt_seccomp *sc, uint32_t arch, int nr, const uint64_t args[6])
{
	const struct sock_filter *f = (const struct sock_filter *)sc->bpf;
	size_t n = sc->len / sizeof(*f);
	struct seccomp_data d = {.nr = nr, .arch = arch};
	uint32_t a = 0, x = 0, mem[BPF_MEMWORDS] = {0}, k, src;

	if (args)
		memcpy(d.args, args, sizeof(d.args));
	last_steps = 0;
	for (size_t pc = 0; pc < n; pc++) {
		const struct sock_filter *i = &f[pc];

		last_steps++;
		k = i->k;
		src = BPF_SRC(i->code) == BPF_X ? x : k;
		switch (BPF_CLASS(i->code)) {
		case BPF_LD:
			if (BPF_MODE(i->code) == BPF_ABS && k + 4 <= sizeof(d))
				memcpy(&a, (const uint8_t *)&d + k, 4);
			else if (BPF_MODE(i->code) == BPF_IMM)
				a = k;
			else if (BPF_MODE(i->code) == BPF_MEM && k < BPF_MEMWORDS)
				a = mem[k];
			else
				return 0xdead;
			break;
		case BPF_LDX:
			x = BPF_MODE(i->code) == BPF_MEM && k < BPF_MEMWORDS ? mem[k] : k;
			break;
		case BPF_ST:
		case BPF_STX:
			if (k >= BPF_MEMWORDS)
				return 0xdead;
			mem[k] = BPF_CLASS(i->code) == BPF_ST ? a : x;
			break;
		case BPF_ALU:
			if (BPF_OP(i->code) == BPF_AND)
				a &= src;
			else if (BPF_OP(i->code) == BPF_OR)
				a |= src;
			else if (BPF_OP(i->code) == BPF_ADD)
				a += src;
			else if (BPF_OP(i->code) == BPF_SUB)
				a -= src;
			else
				return 0xdead;
			break;
		case BPF_JMP:
			if (BPF_OP(i->code) == BPF_JA)
				pc += k;
			else if (BPF_OP(i->code) == BPF_JEQ)
				pc += a == src ? i->jt : i->jf;
			else if (BPF_OP(i->code) == BPF_JGT)
				pc += a > src ? i->jt : i->jf;
			else if (BPF_OP(i->code) == BPF_JGE)
				pc += a >= src ? i->jt : i->jf;
			else if (BPF_OP(i->code) == BPF_JSET)
				pc += a & src ? i->jt : i->jf;
			else
				return 0xdead;
			break;
		case BPF_RET:
			return BPF_RVAL(i->code) == BPF_A ? a : k;
		case BPF_MISC:
			if (BPF_MISCOP(i->code) == BPF_TAX)
				x = a;
			else
				a = x;
			break;
		}
	}
	return 0xdead; /* fell off the end: the kernel would refuse the program */
}

static uint32_t x86(const struct rt_seccomp *sc, int nr)
{
	return run(sc, AUDIT_ARCH_X86_64, nr, NULL);
}

static uint32_t x86_arg0(const struct rt_seccomp *sc, int nr, uint64_t arg0)
{
	const uint64_t args[6] = {arg0};

	return run(sc, AUDIT_ARCH_X86_64, nr, args);
}

/* A config whose linux.seccomp is written with ' for "; NULL with the message in e. */
static struct oci_config *parse_seccomp(const char *seccomp, struct err *e)
{
	char json[8192];
	struct oci_config *cfg;
	char *q;
	int r;

	snprintf(json, sizeof(json),
		 "{'ociVersion':'1.1.0','root':{'path':'rootfs'},'process':{'args':['sh'],"
		 "'cwd':'/'},'linux':{'seccomp':%s}}",
		 seccomp);
	q = oci_test_quote(json, strlen(json));
	r = oci_config_parse(q, strlen(q), &cfg, e);
	free(q);
	return r < 0 ? NULL : cfg;
}

/* linux.seccomp written with ' for " -> compiled; -1 with the message in e. */
static int compile(const char *seccomp, struct rt_seccomp *sc, struct err *e)
{
	struct oci_config *cfg = parse_seccomp(seccomp, e);
	int r;

	if (!cfg)
		return -1;
	r = rt_seccomp_compile(cfg->linux_cfg.seccomp, sc, e);
	oci_config_free(cfg);
	return r;
}

static void test_rule_list(void)
{
	struct rt_seccomp sc;
	struct err e = {0};

	CHECK_INT(compile("{'defaultAction':'SCMP_ACT_ALLOW','syscalls':[{'names':['mkdir',"
			  "'mkdirat'],'action':'SCMP_ACT_ERRNO'}]}",
			  &sc, &e),
		  0);
	CHECK(sc.len > 0 && sc.len % 8 == 0 && sc.flags == 0);
	CHECK_INT(x86(&sc, NR_MKDIR), ERRNO(EPERM)); /* runc's default errno */
	CHECK_INT(x86(&sc, SYS_mkdirat), ERRNO(EPERM));
	CHECK_INT(x86(&sc, NR_GETPPID), ALLOW);
	/* the default allows: no -ENOSYS stub, a syscall beyond the profile is allowed */
	CHECK_INT(x86(&sc, BEYOND_ALL_NR), ALLOW);
	rt_seccomp_free(&sc);
}

static void test_actions(void)
{
	struct rt_seccomp sc;
	struct err e = {0};

	CHECK_INT(compile("{'defaultAction':'SCMP_ACT_ALLOW','syscalls':["
			  "{'names':['mkdir'],'action':'SCMP_ACT_KILL'},"
			  "{'names':['rmdir'],'action':'SCMP_ACT_KILL_PROCESS'},"
			  "{'names':['chdir'],'action':'SCMP_ACT_TRAP'},"
			  "{'names':['fchdir'],'action':'SCMP_ACT_TRACE'},"
			  "{'names':['umask'],'action':'SCMP_ACT_LOG'},"
			  "{'names':['sync'],'action':'SCMP_ACT_ERRNO','errnoRet':5},"
			  "{'names':['getppid'],'action':'SCMP_ACT_ALLOW'}]}",
			  &sc, &e),
		  0);
	CHECK_INT(x86(&sc, NR_MKDIR), SECCOMP_RET_KILL_THREAD); /* runc: KILL = KILL_THREAD */
	CHECK_INT(x86(&sc, SYS_rmdir), SECCOMP_RET_KILL_PROCESS);
	CHECK_INT(x86(&sc, SYS_chdir), SECCOMP_RET_TRAP);
	CHECK_INT(x86(&sc, SYS_fchdir), SECCOMP_RET_TRACE | EPERM);
	CHECK_INT(x86(&sc, SYS_umask), SECCOMP_RET_LOG);
	CHECK_INT(x86(&sc, SYS_sync), ERRNO(5));
	CHECK_INT(x86(&sc, NR_GETPPID), ALLOW);
	rt_seccomp_free(&sc);
}

/* defaultErrnoRet, and the -ENOSYS stub for numbers beyond the profile (runc's patchbpf). */
static void test_default_errno(void)
{
	struct rt_seccomp sc;
	struct err e = {0};

	CHECK_INT(compile("{'defaultAction':'SCMP_ACT_ERRNO','defaultErrnoRet':13,'syscalls':["
			  "{'names':['getppid','exit_group'],'action':'SCMP_ACT_ALLOW'}]}",
			  &sc, &e),
		  0);
	CHECK_INT(x86(&sc, NR_GETPPID), ALLOW);
	CHECK_INT(x86(&sc, NR_MKDIR), ERRNO(13));
	CHECK_INT(x86(&sc, SYS_exit_group + 1), ERRNO(ENOSYS));
	CHECK_INT(x86(&sc, BEYOND_ALL_NR), ERRNO(ENOSYS));
	/* defaultErrnoRet ENOSYS already: no stub (runc's generatePatch), 6 instructions less */
	{
		size_t with_stub = sc.len;

		rt_seccomp_free(&sc);
		CHECK_INT(compile("{'defaultAction':'SCMP_ACT_ERRNO','defaultErrnoRet':38,"
				  "'syscalls':[{'names':['getppid','exit_group'],"
				  "'action':'SCMP_ACT_ALLOW'}]}",
				  &sc, &e),
			  0);
		CHECK_INT(sc.len + 6 * 8, with_stub);
		CHECK_INT(x86(&sc, NR_MKDIR), ERRNO(ENOSYS));
	}
	rt_seccomp_free(&sc);
}

static void test_args(void)
{
	struct rt_seccomp sc;
	struct err e = {0};

	CHECK_INT(compile("{'defaultAction':'SCMP_ACT_ERRNO','syscalls':["
			  "{'names':['personality'],'action':'SCMP_ACT_ALLOW','args':["
			  "{'index':0,'value':8,'op':'SCMP_CMP_EQ'}]},"
			  "{'names':['socket'],'action':'SCMP_ACT_ALLOW','args':["
			  "{'index':0,'value':40,'op':'SCMP_CMP_NE'},"
			  "{'index':1,'value':3,'op':'SCMP_CMP_LT'}]},"
			  "{'names':['clone'],'action':'SCMP_ACT_ALLOW','args':["
			  "{'index':0,'value':2114060288,'valueTwo':0,'op':'SCMP_CMP_MASKED_EQ'}]},"
			  "{'names':['mkdir'],'action':'SCMP_ACT_ALLOW','args':["
			  "{'index':1,'value':100,'op':'SCMP_CMP_GT'},"
			  "{'index':1,'value':7,'op':'SCMP_CMP_LE'}]}]}",
			  &sc, &e),
		  0);
	CHECK_INT(x86_arg0(&sc, NR_PERSONAL, 8), ALLOW);
	CHECK_INT(x86_arg0(&sc, NR_PERSONAL, 9), ERRNO(EPERM));
	/* two conditions on distinct arguments: both must hold */
	{
		const uint64_t inet_stream[6] = {2, 1}, vsock[6] = {40, 1}, raw[6] = {2, 3};

		CHECK_INT(run(&sc, AUDIT_ARCH_X86_64, NR_SOCKET, inet_stream), ALLOW);
		CHECK_INT(run(&sc, AUDIT_ARCH_X86_64, NR_SOCKET, vsock), ERRNO(EPERM));
		CHECK_INT(run(&sc, AUDIT_ARCH_X86_64, NR_SOCKET, raw), ERRNO(EPERM));
	}
	CHECK_INT(x86_arg0(&sc, NR_CLONE, 0x11), ALLOW);	      /* SIGCHLD | ... */
	CHECK_INT(x86_arg0(&sc, NR_CLONE, 0x20000000), ERRNO(EPERM)); /* CLONE_NEWCGROUP */
	/* two on the same argument: runc adds one rule each, so either suffices */
	{
		const uint64_t big[6] = {0, 200}, small[6] = {0, 5}, mid[6] = {0, 50};

		CHECK_INT(run(&sc, AUDIT_ARCH_X86_64, NR_MKDIR, big), ALLOW);
		CHECK_INT(run(&sc, AUDIT_ARCH_X86_64, NR_MKDIR, small), ALLOW);
		CHECK_INT(run(&sc, AUDIT_ARCH_X86_64, NR_MKDIR, mid), ERRNO(EPERM));
	}
	rt_seccomp_free(&sc);
}

static void test_unknown_names_and_redundant_rules(void)
{
	struct rt_seccomp sc;
	struct err e = {0};

	CHECK_INT(compile("{'defaultAction':'SCMP_ACT_ALLOW','syscalls':["
			  "{'names':['no_such_syscall','mkdir'],'action':'SCMP_ACT_ERRNO'},"
			  "{'names':['getppid'],'action':'SCMP_ACT_ALLOW'}]}",
			  &sc, &e),
		  0);
	CHECK_INT(x86(&sc, NR_MKDIR), ERRNO(EPERM));
	CHECK_INT(x86(&sc, NR_GETPPID), ALLOW);
	rt_seccomp_free(&sc);
}

static void test_architectures(void)
{
	struct rt_seccomp sc;
	struct err e = {0};
	const char *const p = "{'defaultAction':'SCMP_ACT_ALLOW','architectures':[%s],'syscalls':"
			      "[{'names':['mkdir'],'action':'SCMP_ACT_ERRNO'}]}";
	char buf[512];

	/* native only: an i386 system call hits libseccomp's bad-arch action (kill) */
	snprintf(buf, sizeof(buf), p, "'SCMP_ARCH_X86_64'");
	CHECK_INT(compile(buf, &sc, &e), 0);
	CHECK_INT(run(&sc, AUDIT_ARCH_I386, I386_MKDIR, NULL), SECCOMP_RET_KILL_THREAD);
	rt_seccomp_free(&sc);
	/* with X86 and AARCH64 added, each arch gets its own numbers */
	snprintf(buf, sizeof(buf), p, "'SCMP_ARCH_X86_64','SCMP_ARCH_X86','SCMP_ARCH_AARCH64'");
	CHECK_INT(compile(buf, &sc, &e), 0);
	CHECK_INT(run(&sc, AUDIT_ARCH_I386, I386_MKDIR, NULL), ERRNO(EPERM));
	CHECK_INT(run(&sc, AUDIT_ARCH_I386, NR_MKDIR, NULL), ALLOW); /* 83 is symlink there */
	CHECK_INT(x86(&sc, NR_MKDIR), ERRNO(EPERM));
	CHECK_INT(run(&sc, AUDIT_ARCH_AARCH64, 34 /* mkdirat */, NULL), ALLOW);
	rt_seccomp_free(&sc);
}

static void test_refusals(void)
{
	struct rt_seccomp sc;
	struct err e = {0};

	CHECK_INT(compile("{'defaultAction':'SCMP_ACT_ALLOW','syscalls':[{'names':['mkdir'],"
			  "'action':'SCMP_ACT_NOTIFY'}]}",
			  &sc, &e),
		  -1);
	CHECK_STR(e.msg, "seccomp notify is not supported by incept");
	CHECK_INT(
		compile("{'defaultAction':'SCMP_ACT_ALLOW','listenerPath':'/run/x.sock'}", &sc, &e),
		-1);
	CHECK_STR(e.msg, "seccomp notify is not supported by incept");
	CHECK_INT(compile("{'defaultAction':'SCMP_ACT_ALLOW','flags':["
			  "'SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV'],'syscalls':[]}",
			  &sc, &e),
		  -1);
	CHECK(strstr(e.msg, "WAIT_KILLABLE_RECV") != NULL);
	CHECK_INT(compile("{'defaultAction':'SCMP_ACT_ALLOW','flags':['SECCOMP_FILTER_FLAG_LOG',"
			  "'SECCOMP_FILTER_FLAG_TSYNC','SECCOMP_FILTER_FLAG_SPEC_ALLOW'],"
			  "'syscalls':[{'names':['mkdir'],'action':'SCMP_ACT_ERRNO'}]}",
			  &sc, &e),
		  0);
	CHECK_INT(sc.flags, SECCOMP_FILTER_FLAG_LOG | SECCOMP_FILTER_FLAG_SPEC_ALLOW);
	rt_seccomp_free(&sc);
}

static int load_docker(struct rt_seccomp *sc)
{
	const char *path = oci_test_data(argv0, "docker-seccomp-default.json");
	struct oci_config *cfg;
	struct err e = {0};
	size_t len;
	char *json = oci_test_slurp(path, &len);
	int r = -1;

	if (json && oci_config_parse(json, len, &cfg, &e) == 0) {
		r = rt_seccomp_compile(cfg->linux_cfg.seccomp, sc, &e);
		oci_config_free(cfg);
	}
	if (r < 0)
		printf("# %s: %s\n", path, e.msg);
	free(json);
	return r;
}

/* Docker's default profile: size, and what common calls cost (reported as TAP comments). */
static void test_docker_default(void)
{
	static const struct {
		const char *name;
		int nr;
	} calls[] = {{"read", SYS_read},   {"getppid", NR_GETPPID}, {"write", SYS_write},
		     {"futex", SYS_futex}, {"clone", NR_CLONE},	    {"mount", SYS_mount}};
	struct rt_seccomp sc;

	CHECK_INT(load_docker(&sc), 0);
	if (!sc.bpf)
		return;
	printf("# docker default profile: %zu BPF instructions\n", sc.len / 8);
	CHECK(sc.len / 8 < 2048); /* three architectures: x86_64, x86, x32 */
	CHECK_INT(x86(&sc, SYS_mount), ERRNO(EPERM));
	CHECK_INT(x86(&sc, 435 /* clone3 */), ERRNO(ENOSYS));
	CHECK_INT(x86(&sc, NR_GETPPID), ALLOW);
	CHECK_INT(x86(&sc, BEYOND_ALL_NR), ERRNO(ENOSYS));
	for (size_t i = 0; i < ARRAY_SIZE(calls); i++) {
		x86(&sc, calls[i].nr);
		printf("# %s: %u instructions run\n", calls[i].name, last_steps);
		CHECK(last_steps < 40); /* a binary tree; linear would be ~hundreds */
	}
	rt_seccomp_free(&sc);
}

/* The kernel's own verdict: it accepts the program and enforces it in a child. */
static void test_kernel_enforces(void)
{
	struct rt_seccomp sc, docker;
	struct err e = {0};
	struct sock_fprog prog;
	int status = -1;
	pid_t pid;

	CHECK_INT(compile("{'defaultAction':'SCMP_ACT_ALLOW','flags':['SECCOMP_FILTER_FLAG_LOG'],"
			  "'syscalls':[{'names':['mkdir','mkdirat'],'action':'SCMP_ACT_ERRNO',"
			  "'errnoRet':1}]}",
			  &sc, &e),
		  0);
	CHECK_INT(load_docker(&docker), 0);
	pid = fork();
	if (pid == 0) {
		prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0);
		prog = (struct sock_fprog){(unsigned short)(docker.len / 8), (void *)docker.bpf};
		if (syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, &prog) < 0)
			_exit(10);
		prog = (struct sock_fprog){(unsigned short)(sc.len / 8), (void *)sc.bpf};
		if (syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, sc.flags, &prog) < 0)
			_exit(11);
		if (getppid() <= 0 || syscall(SYS_mount, "none", "/", "tmpfs", 0, NULL) == 0 ||
		    errno != EPERM)
			_exit(12);
		if (mkdir("/nonexistent-dir/x", 0700) == 0 || errno != EPERM)
			_exit(13);
		_exit(0);
	}
	CHECK(pid > 0 && waitpid(pid, &status, 0) == pid);
	CHECK_INT(status, 0);
	rt_seccomp_free(&sc);
	rt_seccomp_free(&docker);
}

static double ms_since(const struct timespec *t0)
{
	struct timespec t1;

	clock_gettime(CLOCK_MONOTONIC, &t1);
	return (double)(t1.tv_sec - t0->tv_sec) * 1e3 + (double)(t1.tv_nsec - t0->tv_nsec) / 1e6;
}

/* A private state directory for the store tests. */
static char *store_dir(void)
{
	static char dir[64];

	snprintf(dir, sizeof(dir), "/tmp/incept-test-seccomp.XXXXXX");
	return mkdtemp(dir);
}

static void write_raw(const char *dir, const void *buf, size_t len)
{
	char path[256];
	FILE *f;

	snprintf(path, sizeof(path), "%s/" RT_SECCOMP_STORE, dir);
	f = fopen(path, "w");
	CHECK(f && fwrite(buf, 1, len, f) == len);
	if (f)
		fclose(f);
}

/* Docker's profile stored at create and read back by exec: the same bytes, much cheaper. */
static void test_store_roundtrip(void)
{
	struct rt_seccomp sc, back, none = {0};
	struct err e = {0};
	struct timespec t0;
	double compile_ms, load_ms;
	char *dir = store_dir();

	CHECK(dir != NULL);
	if (!dir)
		return;
	CHECK_INT(rt_seccomp_load(dir, &back, &e), 1); /* nothing stored: exec compiles */
	clock_gettime(CLOCK_MONOTONIC, &t0);
	CHECK_INT(load_docker(&sc), 0);
	compile_ms = ms_since(&t0);
	sc.flags = SECCOMP_FILTER_FLAG_LOG;
	CHECK_INT(rt_seccomp_store(dir, &sc, &e), 0);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	CHECK_INT(rt_seccomp_load(dir, &back, &e), 0);
	load_ms = ms_since(&t0);
	printf("# docker profile: compile (parse + libseccomp) %.2f ms, load %.3f ms\n", compile_ms,
	       load_ms);
	CHECK_INT(back.len, sc.len);
	CHECK_INT(back.flags, SECCOMP_FILTER_FLAG_LOG);
	CHECK(back.bpf && sc.bpf && memcmp(back.bpf, sc.bpf, sc.len) == 0);
	rt_seccomp_free(&back);
	/* a container without linux.seccomp: stored as such, not as "nothing stored" */
	CHECK_INT(rt_seccomp_store(dir, &none, &e), 0);
	CHECK_INT(rt_seccomp_load(dir, &back, &e), 0);
	CHECK(back.bpf == NULL && back.len == 0 && back.flags == 0);
	rt_seccomp_free(&sc);
	util_rm_rf(dir, &e);
}

/* What exec reads back is checked as proto's decoder checks a SECCOMP_BPF field. */
static void test_store_malformed(void)
{
	struct {
		char magic[8];
		uint32_t flags, n;
		uint8_t body[8 * 3];
	} f = {.magic = "INCBPF1\n", .flags = 0, .n = 3};
	struct rt_seccomp back;
	struct err e = {0};
	char *dir = store_dir();

	CHECK(dir != NULL);
	if (!dir)
		return;
	write_raw(dir, &f, sizeof(f)); /* well-formed: the baseline the cases below break */
	CHECK_INT(rt_seccomp_load(dir, &back, &e), 0);
	CHECK_INT(back.len, 24);
	rt_seccomp_free(&back);
	write_raw(dir, &f, sizeof(f) - 3); /* not a multiple of sizeof(struct sock_filter) */
	CHECK_INT(rt_seccomp_load(dir, &back, &e), -1);
	CHECK(strstr(e.msg, "bytes of program") != NULL);
	write_raw(dir, &f, sizeof(f) - 8); /* fewer instructions than the header says */
	CHECK_INT(rt_seccomp_load(dir, &back, &e), -1);
	write_raw(dir, &f, 10); /* shorter than the header */
	CHECK_INT(rt_seccomp_load(dir, &back, &e), -1);
	f.flags = 0x8; /* SECCOMP_FILTER_FLAG_NEW_LISTENER: not what the agent takes */
	write_raw(dir, &f, sizeof(f));
	CHECK_INT(rt_seccomp_load(dir, &back, &e), -1);
	CHECK(strstr(e.msg, "flags") != NULL);
	f.flags = 0;
	f.magic[0] = 'X';
	write_raw(dir, &f, sizeof(f));
	CHECK_INT(rt_seccomp_load(dir, &back, &e), -1);
	CHECK(back.bpf == NULL);
	util_rm_rf(dir, &e);
}

/* More than BPF_MAXINSNS instructions are refused, whether the header admits it or not. */
static void test_store_too_long(void)
{
	size_t n = PROTO_SECCOMP_MAX_INSNS + 1, size = 16 + n * 8;
	uint8_t *buf = calloc(1, size);
	uint32_t count = (uint32_t)n;
	struct rt_seccomp back, big = {.len = n * 8};
	struct err e = {0};
	char *dir = store_dir();

	CHECK(dir != NULL && buf != NULL);
	if (!dir || !buf) {
		free(buf);
		return;
	}
	big.bpf = buf;
	CHECK_INT(rt_seccomp_store(dir, &big, &e), -1);
	memcpy(buf, "INCBPF1\n", 8);
	memcpy(buf + 12, &count, 4);
	write_raw(dir, buf, size);
	CHECK_INT(rt_seccomp_load(dir, &back, &e), -1);
	CHECK_INT(e.errnum, EFBIG);
	free(buf);
	util_rm_rf(dir, &e);
}

static bool same_program(const struct rt_seccomp *a, const struct rt_seccomp *b)
{
	return a->len == b->len && a->flags == b->flags && a->len &&
	       !memcmp(a->bpf, b->bpf, a->len);
}

static int cache_files(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	int n = 0;

	while (d && (de = readdir(d)))
		n += de->d_name[0] != '.';
	if (d)
		closedir(d);
	return n;
}

static void flip_byte(const char *path, long off)
{
	FILE *f = fopen(path, "r+");
	int c;

	CHECK(f != NULL);
	if (!f)
		return;
	fseek(f, off, SEEK_SET);
	c = fgetc(f);
	fseek(f, off, SEEK_SET);
	fputc(c ^ 1, f);
	fclose(f);
}

/* A file in dir other than `not` (NULL: any). */
static void file_in(const char *dir, const char * not, char *path, size_t size)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	char p[384];

	path[0] = '\0';
	while (d && (de = readdir(d))) {
		snprintf(p, sizeof(p), "%s/%s", dir, de->d_name);
		if (de->d_name[0] != '.' && (!not || strcmp(p, not )))
			snprintf(path, size, "%s", p);
	}
	if (d)
		closedir(d);
}

/*
 * The compile cache (runtime/seccomp_cache.c): Docker's profile compiled once, the same
 * program from the file after; a damaged file, a file under another profile's name and a full
 * cache all mean "compile", so the result is always what rt_seccomp_compile gives.
 */
static void test_compile_cache(void)
{
	const char *other_json = "{'defaultAction':'SCMP_ACT_ALLOW','syscalls':[{'names':"
				 "['mkdir'],'action':'SCMP_ACT_ERRNO','errnoRet':13}]}";
	struct rt_seccomp direct = {0}, first = {0}, again = {0}, other = {0}, other_direct = {0};
	char dir[128], path[384], path2[384];
	struct oci_config *other_cfg;
	struct timespec t0;
	double cold, warm;
	struct err e;
	char *base = store_dir();
	const char *docker_path = oci_test_data(argv0, "docker-seccomp-default.json");
	size_t len;
	char *json = oci_test_slurp(docker_path, &len);
	struct oci_config *cfg = NULL;

	CHECK(base && json && oci_config_parse(json, len, &cfg, &e) == 0);
	free(json);
	if (!base || !cfg)
		return;
	snprintf(dir, sizeof(dir), "%s/" RT_SECCOMP_CACHE, base);
	CHECK_INT(rt_seccomp_compile(cfg->linux_cfg.seccomp, &direct, &e), 0);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	CHECK_INT(rt_seccomp_compile_cached(dir, cfg->linux_cfg.seccomp, &first, &e), 0);
	cold = ms_since(&t0);
	CHECK_INT(cache_files(dir), 1);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	CHECK_INT(rt_seccomp_compile_cached(dir, cfg->linux_cfg.seccomp, &again, &e), 0);
	warm = ms_since(&t0);
	printf("# Docker profile: compiled and cached %.2f ms, from the cache %.3f ms\n", cold,
	       warm);
	CHECK(same_program(&direct, &first));
	CHECK(same_program(&direct, &again));
	CHECK(warm < cold);
	rt_seccomp_free(&again);
	/* a damaged key: compiled again, right, and the entry rewritten */
	file_in(dir, NULL, path, sizeof(path));
	flip_byte(path, 30);
	CHECK_INT(rt_seccomp_compile_cached(dir, cfg->linux_cfg.seccomp, &again, &e), 0);
	CHECK(same_program(&direct, &again));
	rt_seccomp_free(&again);
	/* another profile: its own entry and program */
	other_cfg = parse_seccomp(other_json, &e);
	CHECK(other_cfg != NULL);
	if (other_cfg) {
		CHECK_INT(rt_seccomp_compile(other_cfg->linux_cfg.seccomp, &other_direct, &e), 0);
		CHECK_INT(rt_seccomp_compile_cached(dir, other_cfg->linux_cfg.seccomp, &other, &e),
			  0);
		CHECK(same_program(&other_direct, &other));
		CHECK(!same_program(&direct, &other));
		CHECK_INT(cache_files(dir), 2);
		rt_seccomp_free(&other);
		/* Docker's entry under the other's name (a collision): not taken for it */
		file_in(dir, path, path2, sizeof(path2));
		CHECK(path2[0] && rename(path, path2) == 0);
		CHECK_INT(rt_seccomp_compile_cached(dir, other_cfg->linux_cfg.seccomp, &other, &e),
			  0);
		CHECK(same_program(&other_direct, &other));
		rt_seccomp_free(&other);
		rt_seccomp_free(&other_direct);
		oci_config_free(other_cfg);
	}
	/* a full cache is emptied, then takes the new entry */
	for (int i = 0; i < RT_SECCOMP_CACHE_MAX; i++) {
		snprintf(path, sizeof(path), "%s/old%d", dir, i);
		fclose(fopen(path, "w"));
	}
	CHECK_INT(rt_seccomp_compile_cached(dir, cfg->linux_cfg.seccomp, &again, &e), 0);
	CHECK(same_program(&direct, &again));
	CHECK_INT(cache_files(dir), 1);
	rt_seccomp_free(&again);
	rt_seccomp_free(&first);
	rt_seccomp_free(&direct);
	oci_config_free(cfg);
	util_rm_rf(base, &e);
}

int main(int argc, char **argv)
{
	(void)argc;
	argv0 = argv[0];
	RUN(test_rule_list);
	RUN(test_actions);
	RUN(test_default_errno);
	RUN(test_args);
	RUN(test_unknown_names_and_redundant_rules);
	RUN(test_architectures);
	RUN(test_refusals);
	RUN(test_docker_default);
	RUN(test_kernel_enforces);
	RUN(test_store_roundtrip);
	RUN(test_store_malformed);
	RUN(test_store_too_long);
	RUN(test_compile_cache);
	return unit_done();
}
