// SPDX-License-Identifier: Apache-2.0
/* linux.resources: cgroup settings. Scalar fields are read through tables. */
#include "config_json.h"
#include "cleanup.h"

#include <stddef.h>
#include <stdlib.h>
#include <string.h>

enum field_type { F_I64, F_U64, F_U16, F_BOOL, F_STR };

struct field {
	const char *name;
	enum field_type type;
	size_t off;	/* of the value */
	size_t has_off; /* of its has_ flag; SIZE_MAX when it has none */
	uint64_t max;	/* F_U64 only */
};

#define FLD(st, t, json, m)                                                                        \
	{                                                                                          \
		json, t, offsetof(st, m), offsetof(st, has_##m), UINT64_MAX                        \
	}
#define FLD_MAX(st, json, m, mx)                                                                   \
	{                                                                                          \
		json, F_U64, offsetof(st, m), offsetof(st, has_##m), mx                            \
	}
#define FLD_STR(st, json, m)                                                                       \
	{                                                                                          \
		json, F_STR, offsetof(st, m), SIZE_MAX, 0                                          \
	}

static const struct field memory_fields[] = {
	FLD(struct oci_memory, F_I64, "limit", limit),
	FLD(struct oci_memory, F_I64, "reservation", reservation),
	FLD(struct oci_memory, F_I64, "swap", swap),
	FLD(struct oci_memory, F_I64, "kernel", kernel),
	FLD(struct oci_memory, F_I64, "kernelTCP", kernel_tcp),
	/* runc's validator: "valid memory swappiness range is 0-100" */
	FLD_MAX(struct oci_memory, "swappiness", swappiness, 100),
	FLD(struct oci_memory, F_BOOL, "disableOOMKiller", disable_oom_killer),
	FLD(struct oci_memory, F_BOOL, "useHierarchy", use_hierarchy),
};

static const struct field cpu_fields[] = {
	FLD(struct oci_cpu, F_U64, "shares", shares),
	FLD(struct oci_cpu, F_I64, "quota", quota),
	FLD(struct oci_cpu, F_U64, "burst", burst),
	FLD(struct oci_cpu, F_U64, "period", period),
	FLD(struct oci_cpu, F_I64, "realtimeRuntime", realtime_runtime),
	FLD(struct oci_cpu, F_U64, "realtimePeriod", realtime_period),
	FLD_STR(struct oci_cpu, "cpus", cpus),
	FLD_STR(struct oci_cpu, "mems", mems),
	FLD(struct oci_cpu, F_I64, "idle", idle),
};

static const struct field blkio_fields[] = {
	FLD(struct oci_blkio, F_U16, "weight", weight),
	FLD(struct oci_blkio, F_U16, "leafWeight", leaf_weight),
};

static const struct field weight_device_fields[] = {
	FLD(struct oci_weight_device, F_U16, "weight", weight),
	FLD(struct oci_weight_device, F_U16, "leafWeight", leaf_weight),
};

static int parse_field(struct jpath *p, json_object *obj, const struct field *f, char *base,
		       bool *has, struct err *e)
{
	uint64_t u = 0;
	int r;

	switch (f->type) {
	case F_I64:
		return jget_int(p, obj, f->name, INT64_MIN, INT64_MAX, (int64_t *)(base + f->off),
				has, e);
	case F_U64:
		return jget_uint(p, obj, f->name, f->max, (uint64_t *)(base + f->off), has, e);
	case F_U16:
		r = jget_uint(p, obj, f->name, UINT16_MAX, &u, has, e);
		*(uint16_t *)(base + f->off) = (uint16_t)u;
		return r;
	case F_BOOL:
		return jget_bool(p, obj, f->name, (bool *)(base + f->off), has, e);
	case F_STR:
		return jget_str(p, obj, f->name, (char **)(base + f->off), e);
	}
	return -1;
}

static int parse_fields(struct jpath *p, json_object *obj, const struct field *fields, size_t n,
			void *base, struct err *e)
{
	bool scratch = false;

	for (size_t i = 0; i < n; i++) {
		const struct field *f = &fields[i];
		bool *has = f->has_off == SIZE_MAX ? &scratch : (bool *)((char *)base + f->has_off);

		if (parse_field(p, obj, f, base, has, e) < 0)
			return -1;
	}
	return 0;
}

/* An optional sub-object read entirely through a field table. */
static int parse_table_obj(struct jpath *p, json_object *obj, const char *key,
			   const struct field *fields, size_t n, void *base, bool *has,
			   struct err *e)
{
	json_object *v;
	size_t old;
	int r;

	if (jget_object(p, obj, key, &v, e) < 0)
		return -1;
	if (!v)
		return 0;
	*has = true;
	old = jp_key(p, key);
	r = parse_fields(p, v, fields, n, base, e);
	jp_pop(p, old);
	return r;
}

static int parse_access(struct jpath *p, json_object *v, struct oci_device_rule *d, struct err *e)
{
	cleanup_free char *access = NULL;
	size_t len;

	if (jget_str(p, v, "access", &access, e) < 0)
		return -1;
	/* runc: "device access at %d field cannot be empty" */
	if (!access || access[0] == '\0')
		return jp_fail_key(p, "access", e, "must not be empty");
	len = strlen(access);
	for (size_t i = 0; i < len; i++)
		if (len > 3 || !strchr("rwm", access[i]) || strchr(access + i + 1, access[i]))
			return jp_fail_key(p, "access", e,
					   "invalid access \"%s\" (want a subset of rwm)", access);
	memcpy(d->access, access, len + 1);
	return 0;
}

static int parse_device_rule(struct jpath *p, json_object *v, size_t i, void *ctx, struct err *e)
{
	struct oci_device_rule *d = &((struct oci_device_rule *)ctx)[i];
	cleanup_free char *type = NULL;
	bool has;

	if (jv_object(p, v, e) < 0 || jget_bool(p, v, "allow", &d->allow, NULL, e) < 0 ||
	    jget_str(p, v, "type", &type, e) < 0)
		return -1;
	d->type = 'a';
	if (type && type[0] && (strlen(type) != 1 || !strchr("abc", type[0])))
		return jp_fail_key(p, "type", e, "invalid cgroup device type \"%s\"", type);
	if (type && type[0])
		d->type = type[0];
	if (jget_int(p, v, "major", INT64_MIN, INT64_MAX, &d->major, &has, e) < 0)
		return -1;
	if (!has)
		d->major = -1;
	if (jget_int(p, v, "minor", INT64_MIN, INT64_MAX, &d->minor, &has, e) < 0)
		return -1;
	if (!has)
		d->minor = -1;
	return parse_access(p, v, d, e);
}

static int parse_weight_device(struct jpath *p, json_object *v, size_t i, void *ctx, struct err *e)
{
	struct oci_weight_device *d = &((struct oci_weight_device *)ctx)[i];

	if (jv_object(p, v, e) < 0 ||
	    jget_int(p, v, "major", INT64_MIN, INT64_MAX, &d->major, NULL, e) < 0 ||
	    jget_int(p, v, "minor", INT64_MIN, INT64_MAX, &d->minor, NULL, e) < 0)
		return -1;
	return parse_fields(p, v, weight_device_fields, ARRAY_SIZE(weight_device_fields), d, e);
}

static int parse_throttle_device(struct jpath *p, json_object *v, size_t i, void *ctx,
				 struct err *e)
{
	struct oci_throttle_device *d = &((struct oci_throttle_device *)ctx)[i];

	if (jv_object(p, v, e) < 0 ||
	    jget_int(p, v, "major", INT64_MIN, INT64_MAX, &d->major, NULL, e) < 0 ||
	    jget_int(p, v, "minor", INT64_MIN, INT64_MAX, &d->minor, NULL, e) < 0)
		return -1;
	return jget_uint(p, v, "rate", UINT64_MAX, &d->rate, NULL, e);
}

static int parse_hugepage_limit(struct jpath *p, json_object *v, size_t i, void *ctx, struct err *e)
{
	struct oci_hugepage_limit *l = &((struct oci_hugepage_limit *)ctx)[i];

	if (jv_object(p, v, e) < 0 || jget_str(p, v, "pageSize", &l->page_size, e) < 0)
		return -1;
	if (!l->page_size)
		return jp_fail_key(p, "pageSize", e, "is required");
	return jget_uint(p, v, "limit", UINT64_MAX, &l->limit, NULL, e);
}

static int parse_throttle(struct jpath *p, json_object *obj, const char *key,
			  struct oci_throttle_list *l, struct err *e)
{
	return jget_list(p, obj, key, OCI_MAX_BLKIO_DEVICES, sizeof(*l->v), (void **)&l->v, &l->n,
			 parse_throttle_device, e);
}

static int parse_blkio_lists(struct jpath *p, json_object *v, struct oci_blkio *b, struct err *e)
{
	if (jget_list(p, v, "weightDevice", OCI_MAX_BLKIO_DEVICES, sizeof(*b->weight_device),
		      (void **)&b->weight_device, &b->n_weight_device, parse_weight_device,
		      e) < 0 ||
	    parse_throttle(p, v, "throttleReadBpsDevice", &b->throttle_read_bps, e) < 0 ||
	    parse_throttle(p, v, "throttleWriteBpsDevice", &b->throttle_write_bps, e) < 0 ||
	    parse_throttle(p, v, "throttleReadIOPSDevice", &b->throttle_read_iops, e) < 0 ||
	    parse_throttle(p, v, "throttleWriteIOPSDevice", &b->throttle_write_iops, e) < 0)
		return -1;
	return 0;
}

static int parse_blkio(struct jpath *p, json_object *obj, struct oci_resources *r, struct err *e)
{
	json_object *v;
	size_t old;
	int ret;

	if (jget_object(p, obj, "blockIO", &v, e) < 0)
		return -1;
	if (!v)
		return 0;
	r->has_blkio = true;
	old = jp_key(p, "blockIO");
	ret = parse_fields(p, v, blkio_fields, ARRAY_SIZE(blkio_fields), &r->blkio, e);
	ret = ret ?: parse_blkio_lists(p, v, &r->blkio, e);
	jp_pop(p, old);
	return ret;
}

static int parse_pids(struct jpath *p, json_object *obj, struct oci_resources *r, struct err *e)
{
	json_object *v;
	size_t old;
	int ret;

	if (jget_object(p, obj, "pids", &v, e) < 0)
		return -1;
	if (!v)
		return 0;
	r->has_pids = true;
	old = jp_key(p, "pids");
	ret = jget_int(p, v, "limit", INT64_MIN, INT64_MAX, &r->pids_limit, NULL, e);
	jp_pop(p, old);
	return ret;
}

static int parse_resources(struct jpath *p, json_object *obj, struct oci_resources *r,
			   struct err *e)
{
	if (jget_list(p, obj, "devices", OCI_MAX_DEVICE_RULES, sizeof(*r->devices),
		      (void **)&r->devices, &r->n_devices, parse_device_rule, e) < 0 ||
	    parse_table_obj(p, obj, "memory", memory_fields, ARRAY_SIZE(memory_fields), &r->memory,
			    &r->has_memory, e) < 0 ||
	    parse_table_obj(p, obj, "cpu", cpu_fields, ARRAY_SIZE(cpu_fields), &r->cpu, &r->has_cpu,
			    e) < 0 ||
	    parse_pids(p, obj, r, e) < 0 || parse_blkio(p, obj, r, e) < 0)
		return -1;
	if (jget_list(p, obj, "hugepageLimits", OCI_MAX_HUGEPAGE_LIMITS,
		      sizeof(*r->hugepage_limits), (void **)&r->hugepage_limits,
		      &r->n_hugepage_limits, parse_hugepage_limit, e) < 0)
		return -1;
	return jget_map(p, obj, "unified", OCI_MAX_UNIFIED, &r->unified, &r->n_unified, e);
}

void oci_resources_free(struct oci_resources *r)
{
	if (!r)
		return;
	free(r->devices);
	free(r->cpu.cpus);
	free(r->cpu.mems);
	free(r->blkio.weight_device);
	free(r->blkio.throttle_read_bps.v);
	free(r->blkio.throttle_write_bps.v);
	free(r->blkio.throttle_read_iops.v);
	free(r->blkio.throttle_write_iops.v);
	for (size_t i = 0; i < r->n_hugepage_limits; i++)
		free(r->hugepage_limits[i].page_size);
	free(r->hugepage_limits);
	oci_kv_free(r->unified, r->n_unified);
	free(r);
}

int oci_resources_parse(struct jpath *p, json_object *obj, struct oci_resources **out,
			struct err *e)
{
	struct oci_resources *r = calloc(1, sizeof(*r));

	*out = r;
	if (!r)
		return oci_nomem(e);
	return parse_resources(p, obj, r, e);
}

int oci_resources_parse_text(const char *name, const char *json, size_t len,
			     struct oci_resources **out, struct err *e)
{
	json_object *obj;
	struct jpath p;
	int r;

	*out = NULL;
	if (oci_json_parse_doc(name, json, len, &obj, e) < 0)
		return -1;
	jp_init(&p, name);
	r = oci_resources_parse(&p, obj, out, e); /* parse_doc made sure it is an object */
	json_object_put(obj);
	if (r < 0) {
		oci_resources_free(*out);
		*out = NULL;
	}
	return r;
}
