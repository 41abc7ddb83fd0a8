// SPDX-License-Identifier: Apache-2.0
/*
 * CREATE's container: the strict decoder's half for struct proto_container (hooks, id maps,
 * mounts, the container's own fields); every length, count and value is checked before use.
 */
#include "proto.h"
#include "proto_fields.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/personality.h>

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
