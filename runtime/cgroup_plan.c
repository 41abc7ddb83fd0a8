// SPDX-License-Identifier: Apache-2.0
/*
 * linux.resources -> the cgroup v2 files to write, in the order and with the conversions of
 * runc's fs2 driver (opencontainers/cgroups fs2: pids, memory, io, cpu, cpuset, hugetlb,
 * unified). Pure: nothing here touches a file (runtime/cgroup.c writes the plan), so the unit
 * tests check every conversion. The cgroup is the VMM's; docs/runtime.md "Resources" says
 * what each limit means for a microVM.
 */
#define _GNU_SOURCE
#include "container.h"
#include "oci/config.h"

#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CPU_PERIOD_DEFAULT 100000 /* cgroup-v2.rst: cpu.max's default period, in us */

/*
 * cpu.shares (2..262144, default 1024) -> cpu.weight (1..10000, default 100): runc's
 * quadratic fit in log2(shares) through the ends and the default, so 1024 -> 100.
 */
uint64_t rt_cpu_shares_to_weight(uint64_t shares)
{
	double l, exponent;

	if (shares == 0)
		return 0; /* unset */
	if (shares <= 2)
		return 1;
	if (shares >= 262144)
		return 10000;
	l = log2((double)shares);
	exponent = (l * l + 125 * l) / 612.0 - 7.0 / 34.0;
	return (uint64_t)ceil(pow(10, exponent));
}

/* blkio.weight (10..1000) -> io.weight (1..10000), linearly, as runc converts it. */
uint64_t rt_blkio_to_io_weight(uint16_t weight)
{
	if (weight == 0)
		return 0;
	return 1 + ((uint64_t)weight - 10) * 9999 / 990;
}

/*
 * OCI's memory.swap is memory + swap (cgroup v1); memory.swap.max is swap alone. runc's
 * conversion and messages; -1 is "max", 0 "leave as is".
 */
int rt_memory_swap_v2(int64_t swap, int64_t memory, int64_t *out, struct err *e)
{
	if (memory == -1 && swap == 0)
		*out = -1;
	else if (swap == -1 || swap == 0 || memory == -1)
		*out = swap;
	else if (memory == 0)
		return err_set(e, EINVAL, "unable to set swap limit without memory limit");
	else if (memory < 0)
		return err_set(e, EINVAL, "invalid memory value: %" PRId64, memory);
	else if (swap < memory)
		return err_set(e, EINVAL, "memory+swap limit should be >= memory limit");
	else
		*out = swap - memory;
	return 0;
}

static int plan_add(struct rt_cgroup_plan *p, unsigned flags, const char *file, const char *fmt,
		    ...) __attribute__((format(printf, 4, 5)));

static int plan_add(struct rt_cgroup_plan *p, unsigned flags, const char *file, const char *fmt,
		    ...)
{
	struct rt_cgroup_write *w;
	va_list ap;
	int n;

	if (p->n == p->cap) {
		size_t cap = p->cap ? p->cap * 2 : 16;
		void *v = reallocarray(p->v, cap, sizeof(*p->v));

		if (!v)
			return -1;
		p->v = v;
		p->cap = cap;
	}
	w = &p->v[p->n];
	memset(w, 0, sizeof(*w));
	w->flags = flags;
	if (snprintf(w->file, sizeof(w->file), "%s", file) >= (int)sizeof(w->file))
		return -1;
	va_start(ap, fmt);
	n = vsnprintf(w->value, sizeof(w->value), fmt, ap);
	va_end(ap);
	if (n < 0 || n >= (int)sizeof(w->value))
		return -1;
	p->n++;
	return 0;
}

/* runc's numToStr for *.max / *.low: 0 is "unset" (NULL), -1 is "max". */
static const char *num_str(int64_t v, char *buf, size_t len)
{
	if (v == 0)
		return NULL;
	if (v == -1)
		return "max";
	snprintf(buf, len, "%" PRId64, v);
	return buf;
}

/* runc 1.1: a limit > 0 is written, a negative one means "max", 0 leaves pids.max alone. */
static int plan_pids(const struct oci_resources *r, struct rt_cgroup_plan *p)
{
	if (!r->has_pids || r->pids_limit == 0)
		return 0;
	if (r->pids_limit < 0)
		return plan_add(p, 0, "pids.max", "max");
	return plan_add(p, 0, "pids.max", "%" PRId64, r->pids_limit);
}

static int plan_memory(const struct oci_resources *r, const struct rt_cgroup_plan_ctx *ctx,
		       struct rt_cgroup_plan *p, struct err *e)
{
	const struct oci_memory *m = &r->memory;
	int64_t limit = m->has_limit ? m->limit : 0, swap = m->has_swap ? m->swap : 0, v2;
	int64_t low = m->has_reservation ? m->reservation : 0;
	char buf[32];
	const char *s;

	if (!r->has_memory || (!limit && !swap && !low))
		return 0;
	/* update: swap alone is computed against the limit in force (runc keeps its config) */
	if (rt_memory_swap_v2(swap, limit ? limit : ctx->memory_max, &v2, e) < 0)
		return -1;
	s = num_str(v2, buf, sizeof(buf));
	if (!s && v2 == 0 && swap > 0)
		s = "0"; /* memory + swap == memory: no swap at all */
	/* A host without swap has no memory.swap.max; "max" and "0" are then true anyway. */
	if (s && plan_add(p, !strcmp(s, "max") || !strcmp(s, "0") ? RT_CGW_OPTIONAL : 0,
			  "memory.swap.max", "%s", s) < 0)
		return err_set(e, ENOMEM, "cgroup");
	if ((s = num_str(limit, buf, sizeof(buf))) && plan_add(p, 0, "memory.max", "%s", s) < 0)
		return err_set(e, ENOMEM, "cgroup");
	if ((s = num_str(low, buf, sizeof(buf))) && plan_add(p, 0, "memory.low", "%s", s) < 0)
		return err_set(e, ENOMEM, "cgroup");
	return 0;
}

static int plan_throttle(const struct oci_throttle_list *l, const char *key,
			 struct rt_cgroup_plan *p)
{
	for (size_t i = 0; i < l->n; i++)
		if (plan_add(p, 0, "io.max", "%" PRId64 ":%" PRId64 " %s=%" PRIu64, l->v[i].major,
			     l->v[i].minor, key, l->v[i].rate) < 0)
			return -1;
	return 0;
}

/* The weight goes to BFQ's io.bfq.weight as is when the host has it, else io.weight. */
static int plan_io(const struct oci_resources *r, struct rt_cgroup_plan *p)
{
	const struct oci_blkio *b = &r->blkio;

	if (!r->has_blkio)
		return 0;
	if (b->has_weight && b->weight &&
	    (plan_add(p, RT_CGW_OPTIONAL | RT_CGW_ALT_NEXT, "io.bfq.weight", "%u", b->weight) < 0 ||
	     plan_add(p, RT_CGW_ALT, "io.weight", "%" PRIu64, rt_blkio_to_io_weight(b->weight)) <
		     0))
		return -1;
	if (plan_throttle(&b->throttle_read_bps, "rbps", p) < 0 ||
	    plan_throttle(&b->throttle_write_bps, "wbps", p) < 0 ||
	    plan_throttle(&b->throttle_read_iops, "riops", p) < 0 ||
	    plan_throttle(&b->throttle_write_iops, "wiops", p) < 0)
		return -1;
	return 0;
}

static int plan_cpu_max(const struct oci_cpu *c, const struct rt_cgroup_plan_ctx *ctx,
			struct rt_cgroup_plan *p)
{
	int64_t quota = c->has_quota ? c->quota : 0;
	uint64_t period = c->has_period ? c->period : 0;

	if (!quota && !period)
		return 0;
	/* update: runc keeps the other half at its old value when only one is given */
	if (!quota)
		quota = ctx->cpu_quota;
	if (!period)
		period = ctx->cpu_period ? ctx->cpu_period : CPU_PERIOD_DEFAULT;
	if (quota > 0)
		return plan_add(p, 0, "cpu.max", "%" PRId64 " %" PRIu64, quota, period);
	return plan_add(p, 0, "cpu.max", "max %" PRIu64, period);
}

static int plan_cpu(const struct oci_resources *r, const struct rt_cgroup_plan_ctx *ctx,
		    struct rt_cgroup_plan *p, struct err *e)
{
	const struct oci_cpu *c = &r->cpu;
	uint64_t weight = c->has_shares ? rt_cpu_shares_to_weight(c->shares) : 0;

	if (!r->has_cpu)
		return 0;
	if ((c->has_realtime_runtime && c->realtime_runtime) ||
	    (c->has_realtime_period && c->realtime_period))
		return err_set(e, EINVAL, "realtime CPU limits are not supported on cgroup v2");
	if ((c->has_idle && plan_add(p, 0, "cpu.idle", "%" PRId64, c->idle) < 0) ||
	    (weight && plan_add(p, 0, "cpu.weight", "%" PRIu64, weight) < 0) ||
	    (c->has_burst && plan_add(p, 0, "cpu.max.burst", "%" PRIu64, c->burst) < 0) ||
	    plan_cpu_max(c, ctx, p) < 0 ||
	    (c->cpus && *c->cpus && plan_add(p, 0, "cpuset.cpus", "%s", c->cpus) < 0) ||
	    (c->mems && *c->mems && plan_add(p, 0, "cpuset.mems", "%s", c->mems) < 0))
		return err_set(e, ENOMEM, "cgroup: a value is too long");
	return 0;
}

static int plan_hugetlb(const struct oci_resources *r, struct rt_cgroup_plan *p, struct err *e)
{
	for (size_t i = 0; i < r->n_hugepage_limits; i++) {
		const struct oci_hugepage_limit *h = &r->hugepage_limits[i];
		char file[RT_CGROUP_FILE_MAX];

		if (strchr(h->page_size, '/') ||
		    snprintf(file, sizeof(file), "hugetlb.%s.max", h->page_size) >=
			    (int)sizeof(file) ||
		    plan_add(p, 0, file, "%" PRIu64, h->limit) < 0)
			return err_set(e, EINVAL, "invalid hugepage size \"%s\"", h->page_size);
	}
	return 0;
}

/* linux.resources.unified: file names in the container's own cgroup directory, no paths. */
static int plan_unified(const struct oci_resources *r, struct rt_cgroup_plan *p, struct err *e)
{
	for (size_t i = 0; i < r->n_unified; i++) {
		const char *k = r->unified[i].key;

		if (strchr(k, '/') || !strcmp(k, ".") || !strcmp(k, ".."))
			return err_set(e, EINVAL,
				       "unified resource \"%s\" must be a file name (no slashes)",
				       k);
		if (!strchr(k, '.'))
			return err_set(e, EINVAL,
				       "unified resource \"%s\" must be in the form "
				       "CONTROLLER.PARAMETER",
				       k);
		if (plan_add(p, RT_CGW_UNIFIED, k, "%s", r->unified[i].value) < 0)
			return err_set(e, E2BIG, "unified resource \"%s\": value too long", k);
	}
	return 0;
}

int rt_cgroup_plan_build(const struct oci_resources *r, const struct rt_cgroup_plan_ctx *ctx,
			 struct rt_cgroup_plan *p, struct err *e)
{
	static const struct rt_cgroup_plan_ctx none;

	memset(p, 0, sizeof(*p));
	if (!r)
		return 0;
	if (!ctx)
		ctx = &none;
	/* runc's order: pids, memory, io, cpu (then cpuset), hugetlb, unified last */
	if (plan_pids(r, p) < 0)
		goto nomem;
	if (plan_memory(r, ctx, p, e) < 0)
		goto fail;
	if (plan_io(r, p) < 0)
		goto nomem;
	if (plan_cpu(r, ctx, p, e) < 0 || plan_hugetlb(r, p, e) < 0 || plan_unified(r, p, e) < 0)
		goto fail;
	return 0;
nomem:
	err_set(e, ENOMEM, "cgroup");
fail:
	rt_cgroup_plan_free(p);
	return -1;
}

void rt_cgroup_plan_free(struct rt_cgroup_plan *p)
{
	free(p->v);
	memset(p, 0, sizeof(*p));
}
