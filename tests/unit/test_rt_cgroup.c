// SPDX-License-Identifier: Apache-2.0
/*
 * linux.resources -> cgroup v2 files (runtime/cgroup_plan.c, runtime/cgroup.c): runc's
 * conversions (cpu shares -> weight, blkio weight -> io.weight, memory+swap -> swap), the
 * files and their order, update's partial cpu.max / swap, the errors, update's sizes, and
 * the writing itself into a scratch directory standing in for a cgroup.
 */
#define _GNU_SOURCE
#include "unit.h"
#include "runtime/container.h"
#include "oci/config.h"
#include "cleanup.h"
#include "util.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static void test_shares(void)
{
	/* the ends, runc's default (1024 -> 100), and points of its quadratic fit */
	static const unsigned long long c[][2] = {
		{0, 0},		{1, 1},		 {2, 1},	  {3, 2},
		{10, 4},	{512, 59},	 {1024, 100},	  {2048, 174},
		{100000, 4340}, {262143, 10000}, {262144, 10000}, {1000000, 10000},
	};

	for (size_t i = 0; i < ARRAY_SIZE(c); i++)
		CHECK_INT(rt_cpu_shares_to_weight(c[i][0]), c[i][1]);
}

static void test_blkio(void)
{
	CHECK_INT(rt_blkio_to_io_weight(0), 0);
	CHECK_INT(rt_blkio_to_io_weight(10), 1);
	CHECK_INT(rt_blkio_to_io_weight(500), 4950);
	CHECK_INT(rt_blkio_to_io_weight(1000), 10000);
}

static void swap_case(int64_t swap, int64_t mem, int64_t want, const char *err)
{
	struct err e;
	int64_t out = 12345;

	err_clear(&e);
	if (err) {
		CHECK_INT(rt_memory_swap_v2(swap, mem, &out, &e), -1);
		CHECK_STR(e.msg, err);
		return;
	}
	CHECK_INT(rt_memory_swap_v2(swap, mem, &out, &e), 0);
	CHECK_INT(out, want);
}

static void test_swap(void)
{
	swap_case(0, -1, -1, NULL); /* unlimited memory, swap unset: both unlimited */
	swap_case(-1, 100, -1, NULL);
	swap_case(0, 100, 0, NULL);
	swap_case(500, -1, 500, NULL);
	swap_case(300, 100, 200, NULL);
	swap_case(100, 100, 0, NULL);
	swap_case(300, 0, 0, "unable to set swap limit without memory limit");
	swap_case(300, -5, 0, "invalid memory value: -5");
	swap_case(50, 100, 0, "memory+swap limit should be >= memory limit");
}

/* The plan for a resources JSON, as "file=value" lines ("|" marks an alternative). */
static int plan_text(const char *json, const struct rt_cgroup_plan_ctx *ctx, char *out, size_t len,
		     struct err *e)
{
	struct oci_resources *r;
	struct rt_cgroup_plan p;
	size_t used = 0;
	int ret;

	out[0] = '\0';
	if (oci_resources_parse_text("r.json", json, strlen(json), &r, e) < 0)
		return -1;
	ret = rt_cgroup_plan_build(r, ctx, &p, e);
	oci_resources_free(r);
	if (ret < 0)
		return -1;
	for (size_t i = 0; i < p.n; i++)
		used += (size_t)snprintf(out + used, len - used, "%s%s=%s",
					 i ? (p.v[i].flags & RT_CGW_ALT ? "|" : " ") : "",
					 p.v[i].file, p.v[i].value);
	rt_cgroup_plan_free(&p);
	return 0;
}

static void plan_case(const char *json, const struct rt_cgroup_plan_ctx *ctx, const char *want)
{
	char got[2048];
	struct err e;

	err_clear(&e);
	CHECK_INT(plan_text(json, ctx, got, sizeof(got), &e), 0);
	CHECK_STR(got, want);
	if (e.msg[0])
		printf("# %s\n", e.msg);
}

static void plan_fails(const char *json, const char *want)
{
	char got[2048];
	struct err e;

	err_clear(&e);
	CHECK_INT(plan_text(json, NULL, got, sizeof(got), &e), -1);
	CHECK_STR(e.msg, want);
}

static void test_plan(void)
{
	struct rt_cgroup_plan_ctx ctx = {.memory_max = 1000, .cpu_quota = -1, .cpu_period = 20000};

	plan_case("{\"pids\": {\"limit\": 10}, \"memory\": {\"limit\": 268435456, "
		  "\"reservation\": 134217728, \"swap\": 536870912}, \"cpu\": {\"shares\": 1024, "
		  "\"quota\": 50000, \"period\": 100000, \"cpus\": \"0-1\", \"mems\": \"0\"}, "
		  "\"blockIO\": {\"weight\": 500}, \"unified\": {\"memory.high\": \"300000000\"}}",
		  NULL,
		  "pids.max=10 memory.swap.max=268435456 memory.max=268435456 "
		  "memory.low=134217728 io.bfq.weight=500|io.weight=4950 cpu.weight=100 "
		  "cpu.max=50000 100000 cpuset.cpus=0-1 cpuset.mems=0 memory.high=300000000");
	/* nothing to write: the default spec's devices list, zeros, no memory values */
	plan_case("{\"devices\": [{\"allow\": false, \"access\": \"rwm\"}], \"pids\": "
		  "{\"limit\": 0}, \"memory\": {}, \"cpu\": {\"shares\": 0}}",
		  NULL, "");
	plan_case("{\"pids\": {\"limit\": -1}, \"memory\": {\"limit\": -1}}", NULL,
		  "pids.max=max memory.swap.max=max memory.max=max");
	plan_case("{\"memory\": {\"limit\": 100, \"swap\": 100}}", NULL,
		  "memory.swap.max=0 memory.max=100");
	plan_case("{\"cpu\": {\"quota\": -1}, \"hugepageLimits\": [{\"pageSize\": \"2MB\", "
		  "\"limit\": 4194304}]}",
		  NULL, "cpu.max=max 100000 hugetlb.2MB.max=4194304");
	/* update: the other half of cpu.max and the limit for swap come from what is in force */
	plan_case("{\"cpu\": {\"quota\": 5000}}", &ctx, "cpu.max=5000 20000");
	plan_case("{\"cpu\": {\"period\": 50000}}", &ctx, "cpu.max=max 50000");
	plan_case("{\"memory\": {\"swap\": 3000}}", &ctx, "memory.swap.max=2000");
	plan_case("{\"cpu\": {\"idle\": 1, \"burst\": 1000}, \"blockIO\": "
		  "{\"throttleReadBpsDevice\": [{\"major\": 8, \"minor\": 0, \"rate\": 1048576}]}}",
		  NULL, "io.max=8:0 rbps=1048576 cpu.idle=1 cpu.max.burst=1000");
	plan_fails("{\"unified\": {\"../x.max\": \"1\"}}",
		   "unified resource \"../x.max\" must be a file name (no slashes)");
	plan_fails("{\"unified\": {\"..\": \"1\"}}",
		   "unified resource \"..\" must be a file name (no slashes)");
	plan_fails("{\"unified\": {\"nodot\": \"1\"}}",
		   "unified resource \"nodot\" must be in the form CONTROLLER.PARAMETER");
	plan_fails("{\"cpu\": {\"realtimeRuntime\": 1000}}",
		   "realtime CPU limits are not supported on cgroup v2");
	plan_fails("{\"memory\": {\"swap\": 3000}}",
		   "unable to set swap limit without memory limit");
	plan_fails("{\"hugepageLimits\": [{\"pageSize\": \"../2MB\", \"limit\": 1}]}",
		   "invalid hugepage size \"../2MB\"");
	plan_fails("[]", "r.json: top-level value must be an object");
}

static void ram_case(const char *s, int64_t want)
{
	int64_t v = 0;

	if (want == -2) {
		CHECK_INT(rt_parse_ram(s, &v), -1);
		return;
	}
	CHECK_INT(rt_parse_ram(s, &v), 0);
	CHECK_INT(v, want);
}

static void test_ram(void)
{
	ram_case("1024", 1024);
	ram_case("1b", 1);
	ram_case("512m", 512 << 20);
	ram_case("1g", 1 << 30);
	ram_case("1GB", 1 << 30);
	ram_case("100 KiB", 100 << 10);
	ram_case("1.5g", 3 << 29);
	ram_case("-1", -1);
	ram_case("12x", -2);
	ram_case("", -2);
	ram_case("-2", -2);
	ram_case("1 g b", -2);
}

static char *read_back(const char *dir, const char *file)
{
	char path[4096];
	char *text = NULL;
	size_t len;
	struct err e;

	snprintf(path, sizeof(path), "%s/%s", dir, file);
	return util_read_file(path, 4096, &text, &len, &e) == 0 ? text : NULL;
}

static void touch(const char *dir, const char *file)
{
	char path[4096];
	int fd;

	snprintf(path, sizeof(path), "%s/%s", dir, file);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	CHECK(fd >= 0);
	close(fd);
}

/* A plain directory stands in for the cgroup: which files are written, which skipped. */
static void test_apply(void)
{
	char dir[] = "/tmp/test_rt_cgroup.XXXXXX", path[4096], *v;
	struct oci_resources *r;
	struct rt_cgroup_plan p;
	const char *json = "{\"pids\": {\"limit\": 7}, \"memory\": {\"limit\": -1}, "
			   "\"blockIO\": {\"weight\": 10}}";
	struct err e;

	err_clear(&e);
	CHECK(mkdtemp(dir) != NULL);
	touch(dir, "pids.max");
	touch(dir, "memory.max");
	touch(dir, "io.weight"); /* no io.bfq.weight (no BFQ), no memory.swap.max (no swap) */
	CHECK_INT(oci_resources_parse_text("r", json, strlen(json), &r, &e), 0);
	CHECK_INT(rt_cgroup_plan_build(r, NULL, &p, &e), 0);
	CHECK_INT(rt_cgroup_apply(dir, &p, &e), 0);
	CHECK_STR((v = read_back(dir, "pids.max")), "7");
	free(v);
	CHECK_STR((v = read_back(dir, "memory.max")), "max");
	free(v);
	CHECK_STR((v = read_back(dir, "io.weight")), "1");
	free(v);
	/* a required file missing: runc-like message naming the controller and the cgroup */
	snprintf(path, sizeof(path), "%s/pids.max", dir);
	unlink(path);
	CHECK_INT(rt_cgroup_apply(dir, &p, &e), -1);
	CHECK(strstr(e.msg, "cannot set pids.max: the pids controller is not available") != NULL);
	rt_cgroup_plan_free(&p);
	oci_resources_free(r);
	CHECK_INT(rt_cgroup_apply("/nonexistent/cg", &p, &e), -1);
	CHECK_STR(e.msg, "open cgroup /nonexistent/cg: no such file or directory");
	util_rm_rf(dir, &e);
}

int main(void)
{
	RUN(test_shares);
	RUN(test_blkio);
	RUN(test_swap);
	RUN(test_plan);
	RUN(test_ram);
	RUN(test_apply);
	return unit_done();
}
