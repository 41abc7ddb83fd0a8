// SPDX-License-Identifier: Apache-2.0
/* The linux section of config.json, except resources and seccomp. */
#include "config_json.h"
#include "cleanup.h"

#include <stdlib.h>
#include <string.h>
#include <sys/personality.h>

static const char *const ns_names[OCI_NS_COUNT] = {
	[OCI_NS_PID] = "pid",	    [OCI_NS_NETWORK] = "network", [OCI_NS_MOUNT] = "mount",
	[OCI_NS_IPC] = "ipc",	    [OCI_NS_UTS] = "uts",	  [OCI_NS_USER] = "user",
	[OCI_NS_CGROUP] = "cgroup", [OCI_NS_TIME] = "time",
};

const char *oci_ns_type_name(enum oci_ns_type t)
{
	return (unsigned)t < OCI_NS_COUNT ? ns_names[t] : "unknown";
}

void oci_linux_free(struct oci_linux *l)
{
	for (size_t i = 0; i < l->n_namespaces; i++)
		free(l->namespaces[i].path);
	free(l->namespaces);
	free(l->uid_mappings);
	free(l->gid_mappings);
	for (size_t i = 0; i < l->n_devices; i++)
		free(l->devices[i].path);
	free(l->devices);
	free(l->cgroups_path);
	oci_resources_free(l->resources);
	oci_kv_free(l->sysctl, l->n_sysctl);
	oci_seccomp_free(l->seccomp);
	oci_strv_free(&l->masked_paths);
	oci_strv_free(&l->readonly_paths);
	free(l->rootfs_propagation);
	free(l->mount_label);
	if (l->personality) {
		oci_strv_free(&l->personality->flags);
		free(l->personality);
	}
}

static int parse_namespace(struct jpath *p, json_object *v, size_t i, void *ctx, struct err *e)
{
	struct oci_namespace *all = ctx, *ns = &all[i];
	cleanup_free char *type = NULL;
	int t;

	if (jv_object(p, v, e) < 0 || jget_str(p, v, "type", &type, e) < 0)
		return -1;
	if (!type)
		return jp_fail_key(p, "type", e, "is required");
	for (t = 0; t < OCI_NS_COUNT; t++)
		if (strcmp(type, ns_names[t]) == 0)
			break;
	if (t == OCI_NS_COUNT)
		return jp_fail_key(p, "type", e, "invalid namespace type \"%s\"", type);
	for (size_t j = 0; j < i; j++)
		if ((int)all[j].type == t)
			return jp_fail_key(p, "type", e, "duplicate namespace \"%s\"", type);
	ns->type = (enum oci_ns_type)t;
	if (jget_str(p, v, "path", &ns->path, e) < 0)
		return -1;
	if (ns->path && ns->path[0] == '\0') { /* "" means a new namespace, as in Go */
		free(ns->path);
		ns->path = NULL;
	}
	if (ns->path && ns->path[0] != '/')
		return jp_fail_key(p, "path", e, "must be an absolute path, got \"%s\"", ns->path);
	return 0;
}

static int parse_id_mapping(struct jpath *p, json_object *v, size_t i, void *ctx, struct err *e)
{
	struct oci_id_mapping *m = &((struct oci_id_mapping *)ctx)[i];

	if (jv_object(p, v, e) < 0 ||
	    jget_u32(p, v, "containerID", &m->container_id, NULL, e) < 0 ||
	    jget_u32(p, v, "hostID", &m->host_id, NULL, e) < 0 ||
	    jget_u32(p, v, "size", &m->size, NULL, e) < 0)
		return -1;
	/*
	 * The kernel refuses empty extents in uid_map/gid_map, and ranges that reach id
	 * 4294967295 ((uid_t)-1 is never mapped: map_write() in kernel/user_namespace.c).
	 */
	if (m->size == 0)
		return jp_fail_key(p, "size", e, "must be greater than zero");
	if ((uint64_t)m->container_id + m->size > UINT32_MAX ||
	    (uint64_t)m->host_id + m->size > UINT32_MAX)
		return jp_fail(p, e, "ID range reaches 4294967295");
	return 0;
}

static int parse_device_ids(struct jpath *p, json_object *v, struct oci_device *d, struct err *e)
{
	bool has_major = false, has_minor = false;

	if (jget_int(p, v, "major", INT64_MIN, INT64_MAX, &d->major, &has_major, e) < 0 ||
	    jget_int(p, v, "minor", INT64_MIN, INT64_MAX, &d->minor, &has_minor, e) < 0)
		return -1;
	/* The spec: major and minor are required unless the type is 'p'. */
	if (d->type != 'p' && !has_major)
		return jp_fail_key(p, "major", e, "is required");
	if (d->type != 'p' && !has_minor)
		return jp_fail_key(p, "minor", e, "is required");
	return 0;
}

static int parse_device(struct jpath *p, json_object *v, size_t i, void *ctx, struct err *e)
{
	struct oci_device *d = &((struct oci_device *)ctx)[i];
	cleanup_free char *type = NULL;

	if (jv_object(p, v, e) < 0 || jget_str(p, v, "type", &type, e) < 0 ||
	    jget_str(p, v, "path", &d->path, e) < 0)
		return -1;
	if (!type)
		return jp_fail_key(p, "type", e, "is required");
	if (strlen(type) != 1 || !strchr("cbup", type[0]))
		return jp_fail_key(p, "type", e, "invalid device type \"%s\"", type);
	d->type = type[0];
	if (!d->path)
		return jp_fail_key(p, "path", e, "is required");
	if (d->path[0] != '/')
		return jp_fail_key(p, "path", e, "must be an absolute path, got \"%s\"", d->path);
	if (parse_device_ids(p, v, d, e) < 0 ||
	    jget_u32(p, v, "fileMode", &d->file_mode, &d->has_file_mode, e) < 0 ||
	    jget_u32(p, v, "uid", &d->uid, &d->has_uid, e) < 0 ||
	    jget_u32(p, v, "gid", &d->gid, &d->has_gid, e) < 0)
		return -1;
	d->file_mode &= 07777; /* runc strips the S_IFMT type bits */
	return 0;
}

static int parse_propagation(struct jpath *p, json_object *obj, struct oci_linux *l, struct err *e)
{
	long flags;

	if (jget_str(p, obj, "rootfsPropagation", &l->rootfs_propagation, e) < 0)
		return -1;
	if (!l->rootfs_propagation)
		return 0;
	flags = oci_propagation_flags(l->rootfs_propagation);
	if (flags < 0)
		return jp_fail_key(p, "rootfsPropagation", e, "unsupported value \"%s\"",
				   l->rootfs_propagation);
	l->rootfs_propagation_flags = (unsigned long)flags;
	return 0;
}

/* runc supports exactly these two domains (getLinuxPersonalityFromStr). */
static int personality_domain(struct jpath *p, const char *domain, unsigned long *out,
			      struct err *e)
{
	if (!domain)
		return jp_fail_key(p, "domain", e, "is required");
	if (strcmp(domain, "LINUX") == 0)
		*out = PER_LINUX;
	else if (strcmp(domain, "LINUX32") == 0)
		*out = PER_LINUX32;
	else
		return jp_fail_key(p, "domain", e, "invalid personality domain \"%s\"", domain);
	return 0;
}

static int parse_personality(struct jpath *p, json_object *obj, struct oci_linux *l, struct err *e)
{
	cleanup_free char *domain = NULL;
	json_object *v;
	size_t old;
	int r = -1;

	if (jget_object(p, obj, "personality", &v, e) < 0)
		return -1;
	if (!v)
		return 0;
	l->personality = calloc(1, sizeof(*l->personality));
	if (!l->personality)
		return oci_nomem(e);
	old = jp_key(p, "personality");
	if (jget_str(p, v, "domain", &domain, e) == 0 &&
	    jget_strv(p, v, "flags", OCI_MAX_PERSONALITY_FLAGS, &l->personality->flags, e) == 0)
		r = personality_domain(p, domain, &l->personality->domain, e);
	jp_pop(p, old);
	return r;
}

static int parse_sections(struct jpath *p, json_object *obj, struct oci_linux *l, struct err *e)
{
	json_object *v;
	size_t old;
	int r;

	if (jget_object(p, obj, "resources", &v, e) < 0)
		return -1;
	if (v) {
		old = jp_key(p, "resources");
		r = oci_resources_parse(p, v, &l->resources, e);
		jp_pop(p, old);
		if (r < 0)
			return -1;
	}
	if (jget_object(p, obj, "seccomp", &v, e) < 0)
		return -1;
	if (v) {
		old = jp_key(p, "seccomp");
		r = oci_seccomp_parse(p, v, &l->seccomp, e);
		jp_pop(p, old);
		if (r < 0)
			return -1;
	}
	return parse_personality(p, obj, l, e);
}

int oci_linux_parse(struct jpath *p, json_object *obj, struct oci_linux *l, struct err *e)
{
	if (jget_list(p, obj, "namespaces", OCI_MAX_NAMESPACES, sizeof(*l->namespaces),
		      (void **)&l->namespaces, &l->n_namespaces, parse_namespace, e) < 0 ||
	    jget_list(p, obj, "uidMappings", OCI_MAX_ID_MAPPINGS, sizeof(*l->uid_mappings),
		      (void **)&l->uid_mappings, &l->n_uid_mappings, parse_id_mapping, e) < 0 ||
	    jget_list(p, obj, "gidMappings", OCI_MAX_ID_MAPPINGS, sizeof(*l->gid_mappings),
		      (void **)&l->gid_mappings, &l->n_gid_mappings, parse_id_mapping, e) < 0 ||
	    jget_list(p, obj, "devices", OCI_MAX_DEVICES, sizeof(*l->devices), (void **)&l->devices,
		      &l->n_devices, parse_device, e) < 0)
		return -1;
	if (jget_str(p, obj, "cgroupsPath", &l->cgroups_path, e) < 0 ||
	    jget_map(p, obj, "sysctl", OCI_MAX_SYSCTL, &l->sysctl, &l->n_sysctl, e) < 0 ||
	    jget_strv(p, obj, "maskedPaths", OCI_MAX_PATHS, &l->masked_paths, e) < 0 ||
	    jget_strv(p, obj, "readonlyPaths", OCI_MAX_PATHS, &l->readonly_paths, e) < 0 ||
	    parse_propagation(p, obj, l, e) < 0 ||
	    jget_str(p, obj, "mountLabel", &l->mount_label, e) < 0)
		return -1;
	return parse_sections(p, obj, l, e);
}
