// SPDX-License-Identifier: Apache-2.0
/*
 * `incept update [flags] ID`: runc 1.1's flags (newer runc's --cpu-burst and --cpu-idle are
 * reached through -r), or a LinuxResources JSON, written into the VMM's host cgroup
 * (runtime/cgroup*.c) as runc's fs2 driver writes them. The guest's own RAM and vCPUs stay
 * what the snapshot made them (docs/runtime.md "Resources").
 */
#define _GNU_SOURCE
#include "container.h"
#include "systemd.h"
#include "cleanup.h"
#include "oci/config.h"
#include "oci/state.h"
#include "util.h"

#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define RESOURCES_MAX (1u << 20)

struct update_opts {
	const char *resources;
	long long blkio_weight;
	const char *cpu_period, *cpu_quota, *cpu_burst, *cpu_share, *cpu_rt_period, *cpu_rt_runtime;
	const char *cpuset_cpus, *cpuset_mems;
	const char *memory, *memory_reservation, *memory_swap;
	long long pids_limit;
	const char *l3_cache_schema, *mem_bw_schema;
};

/* strconv.ParseUint(s, 10, 64) / ParseInt(s, 10, 64), with runc's message around Go's. */
static int parse_num(const char *flag, const char *s, bool is_signed, uint64_t *u, int64_t *i,
		     struct err *e)
{
	const char *d = s + (is_signed && (*s == '-' || *s == '+'));
	char *end = (char *)s;
	int why = EINVAL;

	if (isdigit((unsigned char)*d)) {
		errno = 0;
		if (is_signed)
			*i = strtoll(s, &end, 10);
		else
			*u = strtoull(s, &end, 10);
		why = errno ? errno : *end ? EINVAL : 0;
	}
	if (why)
		return err_set(e, EINVAL,
			       "invalid value for %s: strconv.Parse%s: parsing \"%s\": %s", flag,
			       is_signed ? "Int" : "Uint", s,
			       why == ERANGE ? "value out of range" : "invalid syntax");
	return 0;
}

/*
 * docker/go-units RAMInBytes: "<number>[ ][kmgtp][i][b]", binary multiples, any case; runc
 * takes "-1" as is (unlimited).
 */
int rt_parse_ram(const char *s, int64_t *out)
{
	static const char units[] = "kmgtp";
	double mult = 1, v;
	const char *p, *u;
	char *end;

	if (!strcmp(s, "-1")) {
		*out = -1;
		return 0;
	}
	if (!isdigit((unsigned char)*s))
		return -1;
	v = strtod(s, &end);
	p = end;
	if (*p == ' ')
		p++;
	if (*p && (u = strchr(units, tolower((unsigned char)*p)))) {
		for (long k = 0; k <= u - units; k++)
			mult *= 1024;
		p++;
	}
	if (tolower((unsigned char)*p) == 'i')
		p++;
	if (tolower((unsigned char)*p) == 'b')
		p++;
	if (*p || v * mult >= 9.2e18)
		return -1;
	*out = (int64_t)(v * mult);
	return 0;
}

static int flag_ram(const char *flag, const char *s, bool *has, int64_t *out, struct err *e)
{
	if (!s || !*s)
		return 0;
	if (rt_parse_ram(s, out) < 0)
		return err_set(e, EINVAL, "invalid value for %s: invalid size: '%s'", flag, s);
	*has = true;
	return 0;
}

static int flag_u64(const char *flag, const char *s, bool *has, uint64_t *out, struct err *e)
{
	if (!s || !*s)
		return 0;
	*has = true;
	return parse_num(flag, s, false, out, NULL, e);
}

static int flag_i64(const char *flag, const char *s, bool *has, int64_t *out, struct err *e)
{
	if (!s || !*s)
		return 0;
	*has = true;
	return parse_num(flag, s, true, NULL, out, e);
}

static int flag_str(const char *s, char **out, struct err *e)
{
	if (!s || !*s)
		return 0;
	*out = strdup(s);
	return *out ? 0 : err_sys(e, ENOMEM, "update");
}

/* runc's update: every flag given becomes one LinuxResources field. */
static int from_flags(const struct update_opts *o, struct oci_resources *r, struct err *e)
{
	struct oci_cpu *c = &r->cpu;
	struct oci_memory *m = &r->memory;

	r->has_cpu = r->has_memory = r->has_blkio = r->has_pids = true;
	r->blkio.has_weight = o->blkio_weight != 0;
	r->blkio.weight = (uint16_t)o->blkio_weight;
	if (o->blkio_weight < 0 || o->blkio_weight > UINT16_MAX)
		return err_set(e, EINVAL, "invalid value for blkio-weight: %lld", o->blkio_weight);
	r->pids_limit = o->pids_limit;
	if (flag_str(o->cpuset_cpus, &c->cpus, e) < 0 ||
	    flag_str(o->cpuset_mems, &c->mems, e) < 0 ||
	    flag_u64("cpu-period", o->cpu_period, &c->has_period, &c->period, e) < 0 ||
	    flag_u64("cpu-rt-period", o->cpu_rt_period, &c->has_realtime_period,
		     &c->realtime_period, e) < 0 ||
	    flag_u64("cpu-share", o->cpu_share, &c->has_shares, &c->shares, e) < 0 ||
	    flag_i64("cpu-quota", o->cpu_quota, &c->has_quota, &c->quota, e) < 0 ||
	    flag_i64("cpu-rt-runtime", o->cpu_rt_runtime, &c->has_realtime_runtime,
		     &c->realtime_runtime, e) < 0 ||
	    flag_ram("memory", o->memory, &m->has_limit, &m->limit, e) < 0 ||
	    flag_ram("memory-swap", o->memory_swap, &m->has_swap, &m->swap, e) < 0 ||
	    flag_ram("memory-reservation", o->memory_reservation, &m->has_reservation,
		     &m->reservation, e) < 0)
		return -1;
	if (o->l3_cache_schema && *o->l3_cache_schema)
		return err_set(e, ENOTSUP, "Intel RDT/CAT: l3 cache schema is not enabled");
	if (o->mem_bw_schema && *o->mem_bw_schema)
		return err_set(e, ENOTSUP, "Intel RDT/MBA: memory bandwidth schema is not enabled");
	return 0;
}

/* runc's update takes memory, cpu, blockIO, pids and unified; devices and hugepages stay. */
static void drop_fixed(struct oci_resources *r)
{
	for (size_t i = 0; i < r->n_hugepage_limits; i++)
		free(r->hugepage_limits[i].page_size);
	free(r->hugepage_limits);
	r->hugepage_limits = NULL;
	r->n_hugepage_limits = 0;
}

static int parse_resources(const char *name, const char *text, size_t len, struct oci_resources **r,
			   struct err *e)
{
	if (oci_resources_parse_text(name, text, len, r, e) < 0)
		return -1;
	drop_fixed(*r);
	return 0;
}

/* -r FILE or -r - (standard input): a LinuxResources object; then flags are ignored. */
static int from_file(const char *path, struct oci_resources **r, struct err *e)
{
	cleanup_free char *text = NULL;
	size_t len = 0, cap = 0;

	if (strcmp(path, "-") != 0) {
		if (util_read_file(path, RESOURCES_MAX, &text, &len, e) < 0)
			return -1;
		return parse_resources(path, text, len, r, e);
	}
	for (;;) {
		ssize_t n;

		if (len + 1 >= cap) {
			char *t = cap < RESOURCES_MAX ? realloc(text, cap = cap ? cap * 2 : 4096)
						      : NULL;

			if (!t)
				return err_set(e, EFBIG, "resources on stdin: too large");
			text = t;
		}
		n = read(STDIN_FILENO, text + len, cap - 1 - len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return err_sys(e, errno, "read stdin");
		if (n == 0)
			break;
		len += (size_t)n;
	}
	return parse_resources("stdin", text ? text : "", len, r, e);
}

static int update_apply(const struct oci_container *c, const struct oci_resources *r, struct err *e)
{
	const char *dir = c->state.cgroup_dir;
	struct rt_cgroup_plan_ctx ctx;
	struct rt_cgroup_plan plan;
	int ret;

	if (!dir)
		return err_set(e, ENOENT,
			       "container %s has no cgroup of its own (created without "
			       "linux.cgroupsPath and linux.resources): nothing to update",
			       c->id);
	rt_cgroup_read_ctx(dir, &ctx);
	if (rt_cgroup_plan_build(r, &ctx, &plan, e) < 0)
		return -1;
	rt_cgroup_enable(dir, &plan);
	ret = rt_cgroup_apply(dir, &plan, e);
	/* in a systemd scope: the unit's properties too, or a daemon-reload undoes the update */
	if (ret == 0 && c->state.systemd_unit && rt_systemd_available())
		ret = rt_systemd_set_limits(c->state.systemd_unit, &plan, e);
	rt_cgroup_plan_free(&plan);
	return ret;
}

static int update_run(const struct rt_global *g, void *opts, int argc, char **argv, struct err *e)
{
	const struct update_opts *o = opts;
	struct oci_resources *r = NULL;
	struct oci_container *c;
	int ret;

	(void)argc;
	if (rt_container_open(g, argv[0], OCI_OPEN_LOCK, &c, e) < 0)
		return -1;
	if (oci_container_status(c) == OCI_STATUS_STOPPED) {
		ret = err_set(e, ESRCH, "container not running");
		goto out;
	}
	if (o->resources && *o->resources) {
		ret = from_file(o->resources, &r, e);
	} else {
		r = calloc(1, sizeof(*r));
		ret = r ? from_flags(o, r, e) : err_sys(e, ENOMEM, "update");
	}
	if (ret == 0)
		ret = update_apply(c, r, e);
out:
	oci_resources_free(r);
	oci_container_close(c);
	return ret;
}

#define UPDATE_STR(name, field, text)                                                              \
	{                                                                                          \
		name, RT_FLAG_STRING, offsetof(struct update_opts, field), text, NULL              \
	}

static const struct rt_flag update_flags[] = {
	{"resources, r", RT_FLAG_STRING, offsetof(struct update_opts, resources),
	 "path to the file containing the resources to update or '-' to read from the standard "
	 "input\n"
	 "\n"
	 "The accepted format is as follow (unchanged values can be omitted):\n"
	 "\n"
	 "{\n"
	 "  \"memory\": {\n"
	 "    \"limit\": 0,\n"
	 "    \"reservation\": 0,\n"
	 "    \"swap\": 0\n"
	 "  },\n"
	 "  \"cpu\": {\n"
	 "    \"shares\": 0,\n"
	 "    \"quota\": 0,\n"
	 "    \"period\": 0,\n"
	 "    \"realtimeRuntime\": 0,\n"
	 "    \"realtimePeriod\": 0,\n"
	 "    \"cpus\": \"\",\n"
	 "    \"mems\": \"\"\n"
	 "  },\n"
	 "  \"blockIO\": {\n"
	 "    \"weight\": 0\n"
	 "  }\n"
	 "}\n"
	 "\n"
	 "Note: if data is to be read from a file or the standard input, all\n"
	 "other options are ignored.",
	 NULL},
	{"blkio-weight", RT_FLAG_INT, offsetof(struct update_opts, blkio_weight),
	 "Specifies per cgroup weight, range is from 10 to 1000", "0"},
	UPDATE_STR("cpu-period", cpu_period,
		   "CPU CFS period to be used for hardcapping (in usecs). 0 to use system default"),
	UPDATE_STR("cpu-quota", cpu_quota,
		   "CPU CFS hardcap limit (in usecs). Allowed cpu time in a given period"),
	UPDATE_STR("cpu-share", cpu_share, "CPU shares (relative weight vs. other containers)"),
	UPDATE_STR("cpu-rt-period", cpu_rt_period,
		   "CPU realtime period to be used for hardcapping (in usecs). 0 to use system "
		   "default"),
	UPDATE_STR("cpu-rt-runtime", cpu_rt_runtime,
		   "CPU realtime hardcap limit (in usecs). Allowed cpu time in a given period"),
	UPDATE_STR("cpuset-cpus", cpuset_cpus, "CPU(s) to use"),
	UPDATE_STR("cpuset-mems", cpuset_mems, "Memory node(s) to use"),
	UPDATE_STR("memory", memory, "Memory limit (in bytes)"),
	UPDATE_STR("memory-reservation", memory_reservation,
		   "Memory reservation or soft_limit (in bytes)"),
	UPDATE_STR("memory-swap", memory_swap,
		   "Total memory usage (memory + swap); set '-1' to enable unlimited swap"),
	{"pids-limit", RT_FLAG_INT, offsetof(struct update_opts, pids_limit),
	 "Maximum number of pids allowed in the container", "0"},
	UPDATE_STR("l3-cache-schema", l3_cache_schema,
		   "The string of Intel RDT/CAT L3 cache schema"),
	UPDATE_STR("mem-bw-schema", mem_bw_schema,
		   "The string of Intel RDT/MBA memory bandwidth schema"),
	{NULL, 0, 0, NULL, NULL},
};

const struct rt_verb rt_verb_update = {
	.name = "update",
	.usage = "update container resource constraints",
	.args_usage = "<container-id>",
	.flags = update_flags,
	.opts_size = sizeof(struct update_opts),
	.min_args = 1,
	.max_args = 1,
	.run = update_run,
};
