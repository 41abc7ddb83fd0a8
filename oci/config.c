// SPDX-License-Identifier: Apache-2.0
/*
 * config.json: the top level (ociVersion, root, hostname, mounts, hooks,
 * annotations), loading, freeing and the checks create/run need. The
 * process, linux, resources and seccomp sections live in config_*.c.
 */
#define _GNU_SOURCE /* asprintf */
#include "config_json.h"
#include "cleanup.h"
#include "log.h"
#include "util.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void hook_list_free(struct oci_hook_list *l)
{
	for (size_t i = 0; i < l->n; i++) {
		free(l->v[i].path);
		oci_strv_free(&l->v[i].args);
		oci_strv_free(&l->v[i].env);
	}
	free(l->v);
}

void oci_config_free(struct oci_config *c)
{
	if (!c)
		return;
	free(c->oci_version);
	free(c->root.path);
	oci_process_free(c->process);
	free(c->hostname);
	free(c->domainname);
	for (size_t i = 0; i < c->n_mounts; i++) {
		free(c->mounts[i].destination);
		free(c->mounts[i].type);
		free(c->mounts[i].source);
		oci_strv_free(&c->mounts[i].options);
		free(c->mounts[i].data);
	}
	free(c->mounts);
	hook_list_free(&c->hooks.prestart);
	hook_list_free(&c->hooks.create_runtime);
	hook_list_free(&c->hooks.create_container);
	hook_list_free(&c->hooks.start_container);
	hook_list_free(&c->hooks.poststart);
	hook_list_free(&c->hooks.poststop);
	oci_kv_free(c->annotations, c->n_annotations);
	oci_linux_free(&c->linux_cfg);
	free(c);
}

static int parse_version(struct jpath *p, json_object *obj, struct oci_config *c, struct err *e)
{
	if (jget_str(p, obj, "ociVersion", &c->oci_version, e) < 0)
		return -1;
	if (!c->oci_version)
		return jp_fail_key(p, "ociVersion", e, "is required");
	if (strncmp(c->oci_version, "1.", 2) != 0)
		return jp_fail_key(p, "ociVersion", e, "unsupported version \"%s\" (want 1.x)",
				   c->oci_version);
	return 0;
}

static int parse_root(struct jpath *p, json_object *obj, struct oci_config *c, struct err *e)
{
	json_object *root;
	size_t old;
	int r = -1;

	if (jget_object(p, obj, "root", &root, e) < 0)
		return -1;
	if (!root)
		return jp_fail_key(p, "root", e, "is required");
	old = jp_key(p, "root");
	if (jget_str(p, root, "path", &c->root.path, e) < 0 ||
	    jget_bool(p, root, "readonly", &c->root.readonly, NULL, e) < 0)
		goto out;
	if (!c->root.path) {
		jp_fail_key(p, "path", e, "is required");
		goto out;
	}
	if (c->root.path[0] == '\0') {
		jp_fail_key(p, "path", e, "must be a non-empty string");
		goto out;
	}
	r = 0;
out:
	jp_pop(p, old);
	return r;
}

/* runc (and runtime-spec 1.1) take a relative destination as relative to "/". */
static int absolute_destination(struct oci_mount *m, struct err *e)
{
	char *abs;

	if (m->destination[0] == '/')
		return 0;
	if (asprintf(&abs, "/%s", m->destination) < 0)
		return oci_nomem(e);
	free(m->destination);
	m->destination = abs;
	m->relative_destination = true;
	return 0;
}

static int parse_mount(struct jpath *p, json_object *v, size_t i, void *ctx, struct err *e)
{
	struct oci_mount *m = &((struct oci_mount *)ctx)[i];

	if (jv_object(p, v, e) < 0 || jget_str(p, v, "destination", &m->destination, e) < 0 ||
	    jget_str(p, v, "type", &m->type, e) < 0 ||
	    jget_str(p, v, "source", &m->source, e) < 0 ||
	    jget_strv(p, v, "options", OCI_MAX_MOUNT_OPTIONS, &m->options, e) < 0)
		return -1;
	if (!m->destination)
		return jp_fail_key(p, "destination", e, "is required");
	if (m->destination[0] == '\0')
		return jp_fail_key(p, "destination", e, "must be a non-empty string");
	if (absolute_destination(m, e) < 0)
		return -1;
	return oci_mount_decode_options(m, e);
}

static int parse_hook(struct jpath *p, json_object *v, size_t i, void *ctx, struct err *e)
{
	struct oci_hook *h = &((struct oci_hook *)ctx)[i];
	int64_t timeout = 0;

	if (jv_object(p, v, e) < 0 || jget_str(p, v, "path", &h->path, e) < 0)
		return -1;
	if (!h->path)
		return jp_fail_key(p, "path", e, "is required");
	if (h->path[0] != '/')
		return jp_fail_key(p, "path", e, "must be an absolute path, got \"%s\"", h->path);
	if (jget_strv(p, v, "args", OCI_MAX_ARGS, &h->args, e) < 0 ||
	    jget_strv(p, v, "env", OCI_MAX_ENV, &h->env, e) < 0)
		return -1;
	/* The spec: "If set, timeout MUST be greater than zero." */
	if (jget_int(p, v, "timeout", 1, INT32_MAX, &timeout, &h->has_timeout, e) < 0)
		return -1;
	h->timeout = (int)timeout;
	return 0;
}

static int parse_hook_list(struct jpath *p, json_object *hooks, const char *key,
			   struct oci_hook_list *l, struct err *e)
{
	return jget_list(p, hooks, key, OCI_MAX_HOOKS, sizeof(*l->v), (void **)&l->v, &l->n,
			 parse_hook, e);
}

static int parse_hooks(struct jpath *p, json_object *obj, struct oci_hooks *h, struct err *e)
{
	json_object *hooks;
	size_t old;
	int r;

	if (jget_object(p, obj, "hooks", &hooks, e) < 0)
		return -1;
	if (!hooks)
		return 0;
	old = jp_key(p, "hooks");
	r = parse_hook_list(p, hooks, "prestart", &h->prestart, e);
	r = r ?: parse_hook_list(p, hooks, "createRuntime", &h->create_runtime, e);
	r = r ?: parse_hook_list(p, hooks, "createContainer", &h->create_container, e);
	r = r ?: parse_hook_list(p, hooks, "startContainer", &h->start_container, e);
	r = r ?: parse_hook_list(p, hooks, "poststart", &h->poststart, e);
	r = r ?: parse_hook_list(p, hooks, "poststop", &h->poststop, e);
	jp_pop(p, old);
	return r;
}

static int parse_process(struct jpath *p, json_object *obj, struct oci_config *c, struct err *e)
{
	json_object *proc;
	size_t old;
	int r;

	if (jget_object(p, obj, "process", &proc, e) < 0)
		return -1;
	if (!proc)
		return 0;
	old = jp_key(p, "process");
	r = oci_process_parse_obj(p, proc, &c->process, e);
	jp_pop(p, old);
	return r;
}

static int parse_linux(struct jpath *p, json_object *obj, struct oci_config *c, struct err *e)
{
	json_object *lnx;
	size_t old;
	int r;

	if (jget_object(p, obj, "linux", &lnx, e) < 0)
		return -1;
	if (!lnx)
		return 0;
	c->has_linux = true;
	old = jp_key(p, "linux");
	r = oci_linux_parse(p, lnx, &c->linux_cfg, e);
	jp_pop(p, old);
	return r;
}

static int parse_config(struct jpath *p, json_object *obj, struct oci_config *c, struct err *e)
{
	if (parse_version(p, obj, c, e) < 0 || parse_root(p, obj, c, e) < 0 ||
	    parse_process(p, obj, c, e) < 0 || jget_str(p, obj, "hostname", &c->hostname, e) < 0 ||
	    jget_str(p, obj, "domainname", &c->domainname, e) < 0 ||
	    jget_list(p, obj, "mounts", OCI_MAX_MOUNTS, sizeof(*c->mounts), (void **)&c->mounts,
		      &c->n_mounts, parse_mount, e) < 0 ||
	    parse_hooks(p, obj, &c->hooks, e) < 0 ||
	    jget_map(p, obj, "annotations", OCI_MAX_ANNOTATIONS, &c->annotations, &c->n_annotations,
		     e) < 0)
		return -1;
	return parse_linux(p, obj, c, e);
}

int oci_config_parse(const char *json, size_t len, struct oci_config **out, struct err *e)
{
	struct oci_config *c;
	json_object *obj;
	struct jpath p;
	int r;

	*out = NULL;
	if (oci_json_parse_doc("config.json", json, len, &obj, e) < 0)
		return -1;
	c = calloc(1, sizeof(*c));
	if (!c) {
		json_object_put(obj);
		return oci_nomem(e);
	}
	jp_init(&p, "config.json");
	r = parse_config(&p, obj, c, e);
	json_object_put(obj);
	if (r < 0) {
		oci_config_free(c);
		return -1;
	}
	*out = c;
	return 0;
}

int oci_config_load(const char *bundle_dir, struct oci_config **out, struct err *e)
{
	cleanup_free char *path = NULL;
	cleanup_free char *buf = NULL;
	size_t len = 0;

	*out = NULL;
	if (asprintf(&path, "%s/config.json", bundle_dir) < 0) {
		path = NULL;
		return oci_nomem(e);
	}
	if (util_read_file(path, OCI_CONFIG_MAX_SIZE, &buf, &len, e) < 0) {
		if (e->errnum == ENOENT) /* runc's wording */
			return err_set(e, ENOENT, "JSON specification file %s not found", path);
		return -1;
	}
	if (oci_config_parse(buf, len, out, e) < 0)
		return -1;
	for (size_t i = 0; i < (*out)->n_mounts; i++)
		if ((*out)->mounts[i].relative_destination)
			log_warn("mount destination %s is not absolute. Support for non-absolute "
				 "mount destinations will be removed in a future release.",
				 (*out)->mounts[i].destination + 1);
	return 0;
}

const char *oci_config_annotation(const struct oci_config *c, const char *key)
{
	for (size_t i = 0; i < c->n_annotations; i++)
		if (strcmp(c->annotations[i].key, key) == 0)
			return c->annotations[i].value;
	return NULL;
}

const struct oci_namespace *oci_config_namespace(const struct oci_config *c, enum oci_ns_type t)
{
	for (size_t i = 0; i < c->linux_cfg.n_namespaces; i++)
		if (c->linux_cfg.namespaces[i].type == t)
			return &c->linux_cfg.namespaces[i];
	return NULL;
}

/* runc's namespace checks (libcontainer/configs/validate and specconv). */
static int validate_namespaces(struct jpath *p, const struct oci_config *c, struct err *e)
{
	const struct oci_linux *l = &c->linux_cfg;
	const struct oci_namespace *userns = oci_config_namespace(c, OCI_NS_USER);

	if (!userns && l->n_uid_mappings)
		return jp_fail(p, e,
			       "linux.uidMappings: user namespace mappings specified, but "
			       "no user namespace is configured");
	if (!userns && l->n_gid_mappings)
		return jp_fail(p, e,
			       "linux.gidMappings: user namespace mappings specified, but "
			       "no user namespace is configured");
	if (userns && !userns->path && !l->n_uid_mappings)
		return jp_fail(p, e,
			       "linux.uidMappings: user namespaces enabled, but no uid "
			       "mappings found");
	if (userns && !userns->path && !l->n_gid_mappings)
		return jp_fail(p, e,
			       "linux.gidMappings: user namespaces enabled, but no gid "
			       "mappings found");
	if (c->hostname && c->hostname[0] && !oci_config_namespace(c, OCI_NS_UTS))
		return jp_fail(p, e,
			       "hostname: unable to set hostname without a private UTS "
			       "namespace");
	if (c->domainname && c->domainname[0] && !oci_config_namespace(c, OCI_NS_UTS))
		return jp_fail(p, e,
			       "domainname: unable to set domainname without a private "
			       "UTS namespace");
	if ((l->masked_paths.n || l->readonly_paths.n) && !oci_config_namespace(c, OCI_NS_MOUNT))
		return jp_fail(p, e,
			       "linux.maskedPaths: unable to restrict sys entries without "
			       "a private MNT namespace");
	return 0;
}

int oci_config_validate_for_create(const struct oci_config *c, struct err *e)
{
	struct jpath p;
	size_t old;
	int r;

	jp_init(&p, "config.json");
	if (!c->process)
		return jp_fail_key(&p, "process", e, "is required");
	old = jp_key(&p, "process");
	r = oci_process_check_exec(&p, c->process, e);
	jp_pop(&p, old);
	if (r < 0)
		return -1;
	return validate_namespaces(&p, c, e);
}
