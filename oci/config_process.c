// SPDX-License-Identifier: Apache-2.0
/* The process section of config.json, and exec's process.json. */
#include "config_json.h"
#include "cleanup.h"
#include "util.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

static const struct {
	const char *name;
	int resource;
} rlimit_names[] = {
	{"RLIMIT_AS", RLIMIT_AS},
	{"RLIMIT_CORE", RLIMIT_CORE},
	{"RLIMIT_CPU", RLIMIT_CPU},
	{"RLIMIT_DATA", RLIMIT_DATA},
	{"RLIMIT_FSIZE", RLIMIT_FSIZE},
	{"RLIMIT_LOCKS", RLIMIT_LOCKS},
	{"RLIMIT_MEMLOCK", RLIMIT_MEMLOCK},
	{"RLIMIT_MSGQUEUE", RLIMIT_MSGQUEUE},
	{"RLIMIT_NICE", RLIMIT_NICE},
	{"RLIMIT_NOFILE", RLIMIT_NOFILE},
	{"RLIMIT_NPROC", RLIMIT_NPROC},
	{"RLIMIT_RSS", RLIMIT_RSS},
	{"RLIMIT_RTPRIO", RLIMIT_RTPRIO},
	{"RLIMIT_RTTIME", RLIMIT_RTTIME},
	{"RLIMIT_SIGPENDING", RLIMIT_SIGPENDING},
	{"RLIMIT_STACK", RLIMIT_STACK},
};

void oci_process_free(struct oci_process *proc)
{
	if (!proc)
		return;
	free(proc->user.additional_gids);
	oci_strv_free(&proc->args);
	oci_strv_free(&proc->env);
	free(proc->cwd);
	if (proc->capabilities) {
		oci_strv_free(&proc->capabilities->bounding);
		oci_strv_free(&proc->capabilities->effective);
		oci_strv_free(&proc->capabilities->inheritable);
		oci_strv_free(&proc->capabilities->permitted);
		oci_strv_free(&proc->capabilities->ambient);
		free(proc->capabilities);
	}
	for (size_t i = 0; i < proc->n_rlimits; i++)
		free(proc->rlimits[i].type);
	free(proc->rlimits);
	free(proc->apparmor_profile);
	free(proc->selinux_label);
	free(proc);
}

static int parse_gid(struct jpath *p, json_object *v, size_t i, void *ctx, struct err *e)
{
	uint32_t *gids = ctx;
	uint64_t u;

	if (jv_uint(p, v, UINT32_MAX, &u, e) < 0)
		return -1;
	gids[i] = (uint32_t)u;
	return 0;
}

static int parse_umask(struct jpath *p, json_object *user, struct oci_user *out, struct err *e)
{
	uint64_t u;

	if (jget_uint(p, user, "umask", UINT32_MAX, &u, &out->has_umask, e) < 0)
		return -1;
	if (out->has_umask && u > 0777)
		return jp_fail_key(p, "umask", e, "value %llu (0%llo) out of range [0, 0777]",
				   (unsigned long long)u, (unsigned long long)u);
	out->umask = (uint32_t)u;
	return 0;
}

static int parse_user(struct jpath *p, json_object *obj, struct oci_user *out, struct err *e)
{
	json_object *user;
	size_t old;
	int r = -1;

	if (jget_object(p, obj, "user", &user, e) < 0)
		return -1;
	if (!user)
		return 0;
	old = jp_key(p, "user");
	if (jget_u32(p, user, "uid", &out->uid, NULL, e) == 0 &&
	    jget_u32(p, user, "gid", &out->gid, NULL, e) == 0 && parse_umask(p, user, out, e) == 0)
		r = jget_list(p, user, "additionalGids", OCI_MAX_ADDITIONAL_GIDS, sizeof(uint32_t),
			      (void **)&out->additional_gids, &out->n_additional_gids, parse_gid,
			      e);
	jp_pop(p, old);
	return r;
}

static int parse_capabilities(struct jpath *p, json_object *obj, struct oci_process *proc,
			      struct err *e)
{
	struct oci_capabilities *c;
	json_object *caps;
	size_t old;
	int r;

	if (jget_object(p, obj, "capabilities", &caps, e) < 0)
		return -1;
	if (!caps)
		return 0;
	c = proc->capabilities = calloc(1, sizeof(*c));
	if (!c)
		return oci_nomem(e);
	old = jp_key(p, "capabilities");
	r = jget_strv(p, caps, "bounding", OCI_MAX_CAPS, &c->bounding, e);
	r = r ?: jget_strv(p, caps, "effective", OCI_MAX_CAPS, &c->effective, e);
	r = r ?: jget_strv(p, caps, "inheritable", OCI_MAX_CAPS, &c->inheritable, e);
	r = r ?: jget_strv(p, caps, "permitted", OCI_MAX_CAPS, &c->permitted, e);
	r = r ?: jget_strv(p, caps, "ambient", OCI_MAX_CAPS, &c->ambient, e);
	jp_pop(p, old);
	return r;
}

static int rlimit_lookup(const char *name)
{
	for (size_t i = 0; i < ARRAY_SIZE(rlimit_names); i++)
		if (strcmp(rlimit_names[i].name, name) == 0)
			return rlimit_names[i].resource;
	return -1;
}

static int parse_rlimit(struct jpath *p, json_object *v, size_t i, void *ctx, struct err *e)
{
	struct oci_rlimit *all = ctx, *rl = &all[i];

	if (jv_object(p, v, e) < 0 || jget_str(p, v, "type", &rl->type, e) < 0)
		return -1;
	if (!rl->type)
		return jp_fail_key(p, "type", e, "is required");
	rl->resource = rlimit_lookup(rl->type);
	if (rl->resource < 0)
		return jp_fail_key(p, "type", e, "unknown rlimit type \"%s\"", rl->type);
	for (size_t j = 0; j < i; j++)
		if (all[j].resource == rl->resource)
			return jp_fail_key(p, "type", e, "duplicate rlimit \"%s\"", rl->type);
	if (jget_uint(p, v, "hard", UINT64_MAX, &rl->hard, NULL, e) < 0 ||
	    jget_uint(p, v, "soft", UINT64_MAX, &rl->soft, NULL, e) < 0)
		return -1;
	/* setrlimit(2) would fail with EINVAL later, inside the guest. */
	if (rl->soft > rl->hard)
		return jp_fail(p, e, "soft limit %llu exceeds hard limit %llu",
			       (unsigned long long)rl->soft, (unsigned long long)rl->hard);
	return 0;
}

/* Same rules as runc's populateProcessEnvironment: NAME=VALUE, NAME non-empty. */
static int check_env(struct jpath *p, const struct oci_strv *env, struct err *e)
{
	size_t old = jp_key(p, "env"), old_i;

	for (size_t i = 0; i < env->n; i++) {
		const char *eq = strchr(env->v[i], '=');

		old_i = jp_idx(p, i);
		if (!eq)
			return jp_fail(p, e, "invalid environment variable \"%s\": missing '='",
				       env->v[i]);
		if (eq == env->v[i])
			return jp_fail(p, e, "invalid environment variable \"%s\": empty name",
				       env->v[i]);
		jp_pop(p, old_i);
	}
	jp_pop(p, old);
	return 0;
}

static int parse_args(struct jpath *p, json_object *obj, struct oci_process *proc, struct err *e)
{
	json_object *v;

	if (jv_get(obj, "args", &v) && !json_object_is_type(v, json_type_array))
		return jp_fail_key(p, "args", e, "must be a non-empty array of strings");
	return jget_strv(p, obj, "args", OCI_MAX_ARGS, &proc->args, e);
}

static int parse_console_size(struct jpath *p, json_object *obj, struct oci_process *proc,
			      struct err *e)
{
	json_object *cs;
	uint64_t h = 0, w = 0;
	size_t old;
	int r;

	if (jget_object(p, obj, "consoleSize", &cs, e) < 0)
		return -1;
	if (!cs)
		return 0;
	old = jp_key(p, "consoleSize");
	/* struct winsize holds unsigned shorts. */
	r = jget_uint(p, cs, "height", UINT16_MAX, &h, NULL, e);
	r = r ?: jget_uint(p, cs, "width", UINT16_MAX, &w, NULL, e);
	jp_pop(p, old);
	proc->has_console_size = true;
	proc->console_height = (uint32_t)h;
	proc->console_width = (uint32_t)w;
	return r;
}

static int parse_process_fields(struct jpath *p, json_object *obj, struct oci_process *proc,
				struct err *e)
{
	int64_t oom = 0;

	if (jget_bool(p, obj, "terminal", &proc->terminal, NULL, e) < 0 ||
	    parse_console_size(p, obj, proc, e) < 0 || parse_user(p, obj, &proc->user, e) < 0 ||
	    parse_args(p, obj, proc, e) < 0 ||
	    jget_strv(p, obj, "env", OCI_MAX_ENV, &proc->env, e) < 0 ||
	    check_env(p, &proc->env, e) < 0 || jget_str(p, obj, "cwd", &proc->cwd, e) < 0 ||
	    parse_capabilities(p, obj, proc, e) < 0 ||
	    jget_list(p, obj, "rlimits", OCI_MAX_RLIMITS, sizeof(*proc->rlimits),
		      (void **)&proc->rlimits, &proc->n_rlimits, parse_rlimit, e) < 0 ||
	    jget_bool(p, obj, "noNewPrivileges", &proc->no_new_privileges, NULL, e) < 0 ||
	    jget_str(p, obj, "apparmorProfile", &proc->apparmor_profile, e) < 0 ||
	    jget_str(p, obj, "selinuxLabel", &proc->selinux_label, e) < 0)
		return -1;
	/* The kernel's OOM_SCORE_ADJ_MIN..MAX; runc would only fail later on the write. */
	if (jget_int(p, obj, "oomScoreAdj", -1000, 1000, &oom, &proc->has_oom_score_adj, e) < 0)
		return -1;
	proc->oom_score_adj = (int)oom;
	return 0;
}

int oci_process_parse_obj(struct jpath *p, json_object *obj, struct oci_process **out,
			  struct err *e)
{
	struct oci_process *proc = calloc(1, sizeof(*proc));

	*out = NULL;
	if (!proc)
		return oci_nomem(e);
	if (parse_process_fields(p, obj, proc, e) < 0) {
		oci_process_free(proc);
		return -1;
	}
	*out = proc;
	return 0;
}

/* runc's validateProcessSpec for exec, and what create needs from process. */
int oci_process_check_exec(struct jpath *p, const struct oci_process *proc, struct err *e)
{
	if (proc->args.n == 0)
		return jp_fail_key(p, "args", e, "must be a non-empty array of strings");
	if (!proc->cwd || proc->cwd[0] == '\0')
		return jp_fail_key(p, "cwd", e, "is required");
	if (proc->cwd[0] != '/')
		return jp_fail_key(p, "cwd", e, "must be an absolute path, got \"%s\"", proc->cwd);
	return 0;
}

int oci_process_parse(const char *json, size_t len, struct oci_process **out, struct err *e)
{
	struct oci_process *proc;
	struct jpath p;
	json_object *obj;
	int r;

	*out = NULL;
	if (oci_json_parse_doc("process.json", json, len, &obj, e) < 0)
		return -1;
	jp_init(&p, "process.json");
	r = oci_process_parse_obj(&p, obj, &proc, e);
	json_object_put(obj);
	if (r < 0)
		return -1;
	if (oci_process_check_exec(&p, proc, e) < 0) {
		oci_process_free(proc);
		return -1;
	}
	*out = proc;
	return 0;
}

int oci_process_load(const char *path, struct oci_process **out, struct err *e)
{
	cleanup_free char *buf = NULL;
	size_t len = 0;

	*out = NULL;
	if (util_read_file(path, OCI_CONFIG_MAX_SIZE, &buf, &len, e) < 0)
		return -1;
	return oci_process_parse(buf, len, out, e);
}
