// SPDX-License-Identifier: Apache-2.0
/*
 * linux.seccomp. Actions, operators, architectures and flags are checked
 * against the names runtime-spec 1.1 defines (runc fails on unknown ones
 * too, only later); syscall names are kept as strings for the guest's
 * libseccomp-free filter builder to resolve.
 */
#include "config_json.h"
#include "cleanup.h"

#include <stdlib.h>
#include <string.h>

static const char *const action_names[] = {
	[OCI_SECCOMP_ACT_KILL] = "SCMP_ACT_KILL",
	[OCI_SECCOMP_ACT_KILL_PROCESS] = "SCMP_ACT_KILL_PROCESS",
	[OCI_SECCOMP_ACT_KILL_THREAD] = "SCMP_ACT_KILL_THREAD",
	[OCI_SECCOMP_ACT_TRAP] = "SCMP_ACT_TRAP",
	[OCI_SECCOMP_ACT_ERRNO] = "SCMP_ACT_ERRNO",
	[OCI_SECCOMP_ACT_TRACE] = "SCMP_ACT_TRACE",
	[OCI_SECCOMP_ACT_ALLOW] = "SCMP_ACT_ALLOW",
	[OCI_SECCOMP_ACT_LOG] = "SCMP_ACT_LOG",
	[OCI_SECCOMP_ACT_NOTIFY] = "SCMP_ACT_NOTIFY",
};

static const char *const op_names[] = {
	[OCI_SECCOMP_OP_NE] = "SCMP_CMP_NE",
	[OCI_SECCOMP_OP_LT] = "SCMP_CMP_LT",
	[OCI_SECCOMP_OP_LE] = "SCMP_CMP_LE",
	[OCI_SECCOMP_OP_EQ] = "SCMP_CMP_EQ",
	[OCI_SECCOMP_OP_GE] = "SCMP_CMP_GE",
	[OCI_SECCOMP_OP_GT] = "SCMP_CMP_GT",
	[OCI_SECCOMP_OP_MASKED_EQ] = "SCMP_CMP_MASKED_EQ",
};

static const char *const arch_names[] = {
	"SCMP_ARCH_X86",
	"SCMP_ARCH_X86_64",
	"SCMP_ARCH_X32",
	"SCMP_ARCH_ARM",
	"SCMP_ARCH_AARCH64",
	"SCMP_ARCH_MIPS",
	"SCMP_ARCH_MIPS64",
	"SCMP_ARCH_MIPS64N32",
	"SCMP_ARCH_MIPSEL",
	"SCMP_ARCH_MIPSEL64",
	"SCMP_ARCH_MIPSEL64N32",
	"SCMP_ARCH_PPC",
	"SCMP_ARCH_PPC64",
	"SCMP_ARCH_PPC64LE",
	"SCMP_ARCH_S390",
	"SCMP_ARCH_S390X",
	"SCMP_ARCH_PARISC",
	"SCMP_ARCH_PARISC64",
	"SCMP_ARCH_RISCV64",
	/* added after runtime-spec 1.1; Docker may list them, libseccomp 2.5+ knows them */
	"SCMP_ARCH_LOONGARCH64",
	"SCMP_ARCH_M68K",
	"SCMP_ARCH_SH",
	"SCMP_ARCH_SHEB",
};

static const char *const flag_names[] = {
	"SECCOMP_FILTER_FLAG_TSYNC",
	"SECCOMP_FILTER_FLAG_LOG",
	"SECCOMP_FILTER_FLAG_SPEC_ALLOW",
	"SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV",
};

const char *oci_seccomp_action_name(enum oci_seccomp_action a)
{
	return (size_t)a < ARRAY_SIZE(action_names) ? action_names[a] : "unknown";
}

const char *oci_seccomp_op_name(enum oci_seccomp_op op)
{
	return (size_t)op < ARRAY_SIZE(op_names) ? op_names[op] : "unknown";
}

static int name_index(const char *const *names, size_t n, const char *s)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(names[i], s) == 0)
			return (int)i;
	return -1;
}

void oci_seccomp_free(struct oci_seccomp *s)
{
	if (!s)
		return;
	oci_strv_free(&s->architectures);
	oci_strv_free(&s->flags);
	free(s->listener_path);
	free(s->listener_metadata);
	for (size_t i = 0; i < s->n_syscalls; i++) {
		oci_strv_free(&s->syscalls[i].names);
		free(s->syscalls[i].args);
	}
	free(s->syscalls);
	free(s);
}

/* Reads a required enum-valued string member. */
static int parse_name(struct jpath *p, json_object *obj, const char *key, const char *const *names,
		      size_t n, const char *what, int *out, struct err *e)
{
	cleanup_free char *s = NULL;

	if (jget_str(p, obj, key, &s, e) < 0)
		return -1;
	if (!s)
		return jp_fail_key(p, key, e, "is required");
	*out = name_index(names, n, s);
	if (*out < 0)
		return jp_fail_key(p, key, e, "unknown %s \"%s\"", what, s);
	return 0;
}

static int parse_arg(struct jpath *p, json_object *v, size_t i, void *ctx, struct err *e)
{
	struct oci_seccomp_arg *a = &((struct oci_seccomp_arg *)ctx)[i];
	uint64_t index;
	bool has;
	int op;

	if (jv_object(p, v, e) < 0 || jget_uint(p, v, "index", 5, &index, &has, e) < 0)
		return -1;
	if (!has)
		return jp_fail_key(p, "index", e, "is required");
	a->index = (uint32_t)index;
	if (jget_uint(p, v, "value", UINT64_MAX, &a->value, &has, e) < 0)
		return -1;
	if (!has)
		return jp_fail_key(p, "value", e, "is required");
	if (jget_uint(p, v, "valueTwo", UINT64_MAX, &a->value_two, NULL, e) < 0 ||
	    parse_name(p, v, "op", op_names, ARRAY_SIZE(op_names), "operator", &op, e) < 0)
		return -1;
	a->op = (enum oci_seccomp_op)op;
	return 0;
}

static int parse_rule(struct jpath *p, json_object *v, size_t i, void *ctx, struct err *e)
{
	struct oci_seccomp_rule *r = &((struct oci_seccomp_rule *)ctx)[i];
	json_object *names;
	int act;

	if (jv_object(p, v, e) < 0)
		return -1;
	if (!jv_get(v, "names", &names))
		return jp_fail_key(p, "names", e, "is required");
	if (jget_strv(p, v, "names", OCI_MAX_SECCOMP_NAMES, &r->names, e) < 0 ||
	    parse_name(p, v, "action", action_names, ARRAY_SIZE(action_names), "action", &act, e) <
		    0)
		return -1;
	r->action = (enum oci_seccomp_action)act;
	if (jget_u32(p, v, "errnoRet", &r->errno_ret, &r->has_errno_ret, e) < 0)
		return -1;
	return jget_list(p, v, "args", OCI_MAX_SECCOMP_ARGS, sizeof(*r->args), (void **)&r->args,
			 &r->n_args, parse_arg, e);
}

/* Every entry of a string array member must be one of `names`. */
static int check_names(struct jpath *p, const char *key, const struct oci_strv *v,
		       const char *const *names, size_t n, const char *what, struct err *e)
{
	size_t old;

	for (size_t i = 0; i < v->n; i++) {
		if (name_index(names, n, v->v[i]) >= 0)
			continue;
		old = jp_key(p, key);
		jp_idx(p, i);
		jp_fail(p, e, "unknown %s \"%s\"", what, v->v[i]);
		jp_pop(p, old);
		return -1;
	}
	return 0;
}

static int parse_default_action(struct jpath *p, json_object *obj, struct oci_seccomp *s,
				bool *present, struct err *e)
{
	json_object *v;
	int act;

	*present = jv_get(obj, "defaultAction", &v);
	if (!*present)
		return 0;
	if (parse_name(p, obj, "defaultAction", action_names, ARRAY_SIZE(action_names), "action",
		       &act, e) < 0)
		return -1;
	s->default_action = (enum oci_seccomp_action)act;
	return 0;
}

static int parse_seccomp(struct jpath *p, json_object *obj, struct oci_seccomp *s, bool *has_action,
			 struct err *e)
{
	json_object *flags;

	if (parse_default_action(p, obj, s, has_action, e) < 0 ||
	    jget_u32(p, obj, "defaultErrnoRet", &s->default_errno_ret, &s->has_default_errno_ret,
		     e) < 0 ||
	    jget_strv(p, obj, "architectures", OCI_MAX_SECCOMP_ARCHES, &s->architectures, e) < 0 ||
	    check_names(p, "architectures", &s->architectures, arch_names, ARRAY_SIZE(arch_names),
			"architecture", e) < 0)
		return -1;
	s->has_flags = jv_get(obj, "flags", &flags);
	if (jget_strv(p, obj, "flags", OCI_MAX_SECCOMP_FLAGS, &s->flags, e) < 0 ||
	    check_names(p, "flags", &s->flags, flag_names, ARRAY_SIZE(flag_names), "flag", e) < 0 ||
	    jget_str(p, obj, "listenerPath", &s->listener_path, e) < 0 ||
	    jget_str(p, obj, "listenerMetadata", &s->listener_metadata, e) < 0)
		return -1;
	return jget_list(p, obj, "syscalls", OCI_MAX_SECCOMP_RULES, sizeof(*s->syscalls),
			 (void **)&s->syscalls, &s->n_syscalls, parse_rule, e);
}

int oci_seccomp_parse(struct jpath *p, json_object *obj, struct oci_seccomp **out, struct err *e)
{
	struct oci_seccomp *s = calloc(1, sizeof(*s));
	bool has_action = false;

	*out = NULL;
	if (!s)
		return oci_nomem(e);
	if (parse_seccomp(p, obj, s, &has_action, e) < 0) {
		oci_seccomp_free(s);
		return -1;
	}
	/* runc: no default action and no rules means seccomp is disabled. */
	if (!has_action && s->n_syscalls == 0) {
		oci_seccomp_free(s);
		return 0;
	}
	if (!has_action) {
		oci_seccomp_free(s);
		return jp_fail_key(p, "defaultAction", e, "is required");
	}
	*out = s;
	return 0;
}
