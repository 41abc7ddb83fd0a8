// SPDX-License-Identifier: Apache-2.0
/*
 * linux.seccomp compiled with libseccomp, the way runc's libcontainer/seccomp does it
 * (InitSeccomp, matchCall, patchbpf), but exported as BPF for the guest instead of loaded:
 * - KILL is KILL_THREAD; ERRNO and TRACE default to EPERM, else errnoRet / defaultErrnoRet;
 * - a rule whose action is the default action is skipped; unknown names are skipped;
 * - conditions on distinct arguments make one rule, two on the same argument one rule each;
 * - the binary tree optimization for more than 32 names (libseccomp <= 2.5.4 misbehaves
 *   with it and no rules);
 * - unless the default action allows, an -ENOSYS stub in front: syscall numbers above the
 *   largest the profile names get ENOSYS, so a libc probing a newer syscall falls back.
 */
#define _GNU_SOURCE /* memfd_create */
#include "seccomp.h"
#include "cleanup.h"
#include "log.h"
#include "proto.h"
#include "oci/config.h"

#include <ctype.h>
#include <errno.h>
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <seccomp.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

_Static_assert(sizeof(struct sock_filter) == PROTO_SECCOMP_INSN_SIZE, "sock_filter size");
_Static_assert(BPF_MAXINSNS == PROTO_SECCOMP_MAX_INSNS, "BPF_MAXINSNS");

#define MAX_ARGS     6 /* a Linux system call has at most six arguments */
#define X32_BIT	     0x40000000u
#define STUB_INSNS   6
#define OPTIMIZE_MIN 32 /* runc's threshold for the binary tree */

const char *const rt_seccomp_actions[] = {
	"SCMP_ACT_ALLOW",	 "SCMP_ACT_ERRNO",	 "SCMP_ACT_KILL",
	"SCMP_ACT_KILL_PROCESS", "SCMP_ACT_KILL_THREAD", "SCMP_ACT_LOG",
	"SCMP_ACT_TRACE",	 "SCMP_ACT_TRAP",	 NULL,
};
const char *const rt_seccomp_operators[] = {
	"SCMP_CMP_EQ", "SCMP_CMP_GE",	     "SCMP_CMP_GT", "SCMP_CMP_LE",
	"SCMP_CMP_LT", "SCMP_CMP_MASKED_EQ", "SCMP_CMP_NE", NULL,
};
const char *const rt_seccomp_known_flags[] = {
	"SECCOMP_FILTER_FLAG_TSYNC",
	"SECCOMP_FILTER_FLAG_SPEC_ALLOW",
	"SECCOMP_FILTER_FLAG_LOG",
	"SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV",
	NULL,
};
/* WAIT_KILLABLE_RECV only means something with SCMP_ACT_NOTIFY, which is not supported */
const char *const rt_seccomp_supported_flags[] = {
	"SECCOMP_FILTER_FLAG_TSYNC",
	"SECCOMP_FILTER_FLAG_SPEC_ALLOW",
	"SECCOMP_FILTER_FLAG_LOG",
	NULL,
};

static const char *const all_archs[] = {
	"SCMP_ARCH_AARCH64",	 "SCMP_ARCH_ARM",    "SCMP_ARCH_LOONGARCH64",
	"SCMP_ARCH_M68K",	 "SCMP_ARCH_MIPS",   "SCMP_ARCH_MIPS64",
	"SCMP_ARCH_MIPS64N32",	 "SCMP_ARCH_MIPSEL", "SCMP_ARCH_MIPSEL64",
	"SCMP_ARCH_MIPSEL64N32", "SCMP_ARCH_PARISC", "SCMP_ARCH_PARISC64",
	"SCMP_ARCH_PPC",	 "SCMP_ARCH_PPC64",  "SCMP_ARCH_PPC64LE",
	"SCMP_ARCH_RISCV64",	 "SCMP_ARCH_S390",   "SCMP_ARCH_S390X",
	"SCMP_ARCH_SH",		 "SCMP_ARCH_SHEB",   "SCMP_ARCH_X32",
	"SCMP_ARCH_X86",	 "SCMP_ARCH_X86_64",
};

/* "SCMP_ARCH_X86_64" -> libseccomp's token for "x86_64"; 0 when it does not know it. */
static uint32_t arch_token(const char *oci_name)
{
	const char *p = strncmp(oci_name, "SCMP_ARCH_", 10) == 0 ? oci_name + 10 : oci_name;
	char lower[32];
	size_t i;

	for (i = 0; i < sizeof(lower) - 1 && p[i]; i++)
		lower[i] = (char)tolower((unsigned char)p[i]);
	lower[i] = '\0';
	return p[i] ? 0 : seccomp_arch_resolve_name(lower);
}

size_t rt_seccomp_archs(const char **v, size_t n)
{
	size_t k = 0;

	for (size_t i = 0; i < ARRAY_SIZE(all_archs) && k < n; i++)
		if (arch_token(all_archs[i]))
			v[k++] = all_archs[i];
	return k;
}

static uint32_t action(enum oci_seccomp_action a, bool has_errno, uint32_t errno_ret)
{
	uint32_t ret = has_errno ? errno_ret : EPERM;

	switch (a) {
	case OCI_SECCOMP_ACT_KILL:
	case OCI_SECCOMP_ACT_KILL_THREAD:
		return SCMP_ACT_KILL_THREAD;
	case OCI_SECCOMP_ACT_KILL_PROCESS:
		return SCMP_ACT_KILL_PROCESS;
	case OCI_SECCOMP_ACT_TRAP:
		return SCMP_ACT_TRAP;
	case OCI_SECCOMP_ACT_ERRNO:
		return SCMP_ACT_ERRNO(ret);
	case OCI_SECCOMP_ACT_TRACE:
		return SCMP_ACT_TRACE(ret);
	case OCI_SECCOMP_ACT_LOG:
		return SCMP_ACT_LOG;
	case OCI_SECCOMP_ACT_ALLOW:
	case OCI_SECCOMP_ACT_NOTIFY: /* refused before */
		break;
	}
	return SCMP_ACT_ALLOW;
}

static enum scmp_compare compare_op(enum oci_seccomp_op op)
{
	static const enum scmp_compare map[] = {
		[OCI_SECCOMP_OP_NE] = SCMP_CMP_NE,
		[OCI_SECCOMP_OP_LT] = SCMP_CMP_LT,
		[OCI_SECCOMP_OP_LE] = SCMP_CMP_LE,
		[OCI_SECCOMP_OP_EQ] = SCMP_CMP_EQ,
		[OCI_SECCOMP_OP_GE] = SCMP_CMP_GE,
		[OCI_SECCOMP_OP_GT] = SCMP_CMP_GT,
		[OCI_SECCOMP_OP_MASKED_EQ] = SCMP_CMP_MASKED_EQ,
	};

	return (size_t)op < ARRAY_SIZE(map) ? map[op] : _SCMP_CMP_MIN;
}

static int check_supported(const struct oci_seccomp *s, struct err *e)
{
	bool notify = s->default_action == OCI_SECCOMP_ACT_NOTIFY || s->listener_path;

	for (size_t i = 0; i < s->n_syscalls; i++)
		notify |= s->syscalls[i].action == OCI_SECCOMP_ACT_NOTIFY;
	if (notify)
		return err_set(e, ENOTSUP, "seccomp notify is not supported by incept");
	return 0;
}

/* runc's setFlag: TSYNC is moot for the one-thread child that installs the filter. */
static int set_flags(const struct oci_seccomp *s, struct rt_seccomp *out, struct err *e)
{
	for (size_t i = 0; i < s->flags.n; i++) {
		const char *f = s->flags.v[i];

		if (!strcmp(f, "SECCOMP_FILTER_FLAG_LOG"))
			out->flags |= SECCOMP_FILTER_FLAG_LOG;
		else if (!strcmp(f, "SECCOMP_FILTER_FLAG_SPEC_ALLOW"))
			out->flags |= SECCOMP_FILTER_FLAG_SPEC_ALLOW;
		else if (strcmp(f, "SECCOMP_FILTER_FLAG_TSYNC"))
			return err_set(e, ENOTSUP, "seccomp flag %s is not supported by incept", f);
	}
	return 0;
}

static int add_archs(scmp_filter_ctx ctx, const struct oci_seccomp *s, struct err *e)
{
	for (size_t i = 0; i < s->architectures.n; i++) {
		uint32_t token = arch_token(s->architectures.v[i]);
		int r;

		if (!token)
			return err_set(e, EINVAL, "seccomp: unknown architecture %s",
				       s->architectures.v[i]);
		r = seccomp_arch_add(ctx, token);
		if (r < 0 && r != -EEXIST)
			return err_sys(e, -r, "seccomp: adding architecture %s",
				       s->architectures.v[i]);
	}
	return 0;
}

static bool repeats_an_arg(const struct oci_seccomp_rule *rule)
{
	unsigned count[MAX_ARGS] = {0};

	for (size_t i = 0; i < rule->n_args; i++)
		if (rule->args[i].index < MAX_ARGS && ++count[rule->args[i].index] > 1)
			return true;
	return false;
}

/* One name of a rule: one rule, or (runc's old behaviour) one per condition. */
static int add_name(scmp_filter_ctx ctx, const struct oci_seccomp_rule *rule, uint32_t act, int nr,
		    const char *name, struct err *e)
{
	struct scmp_arg_cmp conds[OCI_MAX_SECCOMP_ARGS];
	int r = 0;

	for (size_t i = 0; i < rule->n_args; i++) {
		const struct oci_seccomp_arg *a = &rule->args[i];

		if (a->index >= MAX_ARGS)
			return err_set(e, EINVAL, "seccomp: rule for %s: argument index %u", name,
				       a->index);
		conds[i] =
			(struct scmp_arg_cmp){a->index, compare_op(a->op), a->value, a->value_two};
	}
	if (!rule->n_args)
		r = seccomp_rule_add(ctx, act, nr, 0);
	else if (!repeats_an_arg(rule))
		r = seccomp_rule_add_array(ctx, act, nr, (unsigned)rule->n_args, conds);
	else
		for (size_t i = 0; i < rule->n_args && r == 0; i++)
			r = seccomp_rule_add_array(ctx, act, nr, 1, &conds[i]);
	if (r < 0)
		return err_sys(e, -r, "seccomp: adding the rule for syscall %s", name);
	return 0;
}

static int add_rules(scmp_filter_ctx ctx, const struct oci_seccomp *s, uint32_t def, struct err *e)
{
	for (size_t i = 0; i < s->n_syscalls; i++) {
		const struct oci_seccomp_rule *rule = &s->syscalls[i];
		uint32_t act = action(rule->action, rule->has_errno_ret, rule->errno_ret);

		if (act == def) /* redundant; libseccomp would refuse it */
			continue;
		for (size_t k = 0; k < rule->names.n; k++) {
			const char *name = rule->names.v[k];
			int nr = seccomp_syscall_resolve_name(name);

			if (nr == __NR_SCMP_ERROR) {
				log_debug("unknown seccomp syscall \"%s\" ignored", name);
				continue;
			}
			if (add_name(ctx, rule, act, nr, name, e) < 0)
				return -1;
		}
	}
	return 0;
}

static size_t count_names(const struct oci_seccomp *s)
{
	size_t n = 0;

	for (size_t i = 0; i < s->n_syscalls; i++)
		n += s->syscalls[i].names.n;
	return n;
}

/* The largest x86_64 syscall number the profile names (any action); -1: none. */
static int largest_syscall(const struct oci_seccomp *s)
{
	int max = -1;

	for (size_t i = 0; i < s->n_syscalls; i++)
		for (size_t k = 0; k < s->syscalls[i].names.n; k++) {
			int nr = seccomp_syscall_resolve_name_arch(SCMP_ARCH_X86_64,
								   s->syscalls[i].names.v[k]);

			if (nr > max)
				max = nr;
		}
	return max;
}

/*
 * runc's patchbpf stub, for the guest's only ABI (x86_64; the guest kernel has no IA32 or
 * x32 emulation, so other sections would be dead code):
 *   0: ld [arch]  1: jeq X86_64,0,4  2: ld [nr]  3: jset X32_BIT,2,0
 *   4: jgt max,0,1  5: ret ERRNO(ENOSYS)  6: libseccomp's program (reloads what it needs)
 */
static size_t enosys_stub(const struct oci_seccomp *s, struct sock_filter stub[STUB_INSNS])
{
	int max = largest_syscall(s);

	if (s->default_action == OCI_SECCOMP_ACT_ALLOW ||
	    s->default_action == OCI_SECCOMP_ACT_LOG ||
	    s->default_action == OCI_SECCOMP_ACT_TRACE ||
	    (s->has_default_errno_ret && s->default_errno_ret == ENOSYS) || max < 0)
		return 0;
	stub[0] = (struct sock_filter)BPF_STMT(BPF_LD | BPF_W | BPF_ABS,
					       offsetof(struct seccomp_data, arch));
	stub[1] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, AUDIT_ARCH_X86_64, 0, 4);
	stub[2] = (struct sock_filter)BPF_STMT(BPF_LD | BPF_W | BPF_ABS,
					       offsetof(struct seccomp_data, nr));
	stub[3] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JSET | BPF_K, X32_BIT, 2, 0);
	stub[4] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JGT | BPF_K, (uint32_t)max, 0, 1);
	stub[5] = (struct sock_filter)BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | ENOSYS);
	return STUB_INSNS;
}

/* libseccomp 2.5 exports only to an fd: a memfd, read back behind the stub. */
static int export_bpf(scmp_filter_ctx ctx, const struct sock_filter *stub, size_t n_stub,
		      struct rt_seccomp *out, struct err *e)
{
	cleanup_close int fd = memfd_create("incept-seccomp", MFD_CLOEXEC);
	size_t head = n_stub * sizeof(*stub);
	off_t size;
	int r;

	if (fd < 0)
		return err_sys(e, errno, "memfd_create");
	r = seccomp_export_bpf(ctx, fd);
	if (r < 0)
		return err_sys(e, -r, "seccomp: exporting the filter");
	size = lseek(fd, 0, SEEK_END);
	if (size <= 0 || size % sizeof(*stub) ||
	    (size_t)size / sizeof(*stub) + n_stub > PROTO_SECCOMP_MAX_INSNS)
		return err_set(e, E2BIG, "seccomp: the filter has %lld instructions, at most %u",
			       (long long)size / (long long)sizeof(*stub) + (long long)n_stub,
			       PROTO_SECCOMP_MAX_INSNS);
	out->bpf = malloc(head + (size_t)size);
	if (!out->bpf)
		return err_sys(e, ENOMEM, "seccomp filter");
	memcpy(out->bpf, stub, head);
	if (pread(fd, out->bpf + head, (size_t)size, 0) != size)
		return err_sys(e, errno ? errno : EIO, "seccomp: reading the filter back");
	out->len = head + (size_t)size;
	return 0;
}

static int build(scmp_filter_ctx ctx, const struct oci_seccomp *s, uint32_t def,
		 struct rt_seccomp *out, struct err *e)
{
	struct sock_filter stub[STUB_INSNS];
	size_t n_stub;

	if (add_archs(ctx, s, e) < 0)
		return -1;
	/* not fatal: an older libseccomp without the attribute builds a linear filter */
	if (count_names(s) > OPTIMIZE_MIN && seccomp_attr_set(ctx, SCMP_FLTATR_CTL_OPTIMIZE, 2) < 0)
		log_debug("seccomp binary tree optimization not available");
	if (add_rules(ctx, s, def, e) < 0)
		return -1;
	n_stub = enosys_stub(s, stub);
	return export_bpf(ctx, stub, n_stub, out, e);
}

int rt_seccomp_compile(const struct oci_seccomp *s, struct rt_seccomp *out, struct err *e)
{
	uint32_t def = action(s->default_action, s->has_default_errno_ret, s->default_errno_ret);
	scmp_filter_ctx ctx;
	int r;

	memset(out, 0, sizeof(*out));
	if (check_supported(s, e) < 0 || set_flags(s, out, e) < 0)
		return -1;
	ctx = seccomp_init(def);
	if (!ctx)
		return err_set(e, EINVAL, "seccomp: creating the filter");
	r = build(ctx, s, def, out, e);
	seccomp_release(ctx);
	if (r < 0) {
		rt_seccomp_free(out);
		return -1;
	}
	return 0;
}

void rt_seccomp_free(struct rt_seccomp *out)
{
	free(out->bpf);
	memset(out, 0, sizeof(*out));
}
