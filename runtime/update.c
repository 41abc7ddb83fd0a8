// SPDX-License-Identifier: Apache-2.0
/* `incept update [flags] ID`: runc's flags; applying resources to the VM needs the VMM. */
#include "rt.h"
#include "oci/state.h"

#include <stddef.h>

struct update_opts {
	const char *resources;
	long long blkio_weight;
	const char *cpu_period, *cpu_quota, *cpu_share, *cpu_rt_period, *cpu_rt_runtime;
	const char *cpuset_cpus, *cpuset_mems;
	const char *memory, *memory_reservation, *memory_swap;
	long long pids_limit;
	const char *l3_cache_schema, *mem_bw_schema;
};

static int update_run(const struct rt_global *g, void *opts, int argc, char **argv, struct err *e)
{
	struct oci_container *c;
	int r;

	(void)opts;
	(void)argc;
	if (rt_container_open(g, argv[0], OCI_OPEN_LOCK, &c, e) < 0)
		return -1;
	r = rt_not_implemented("update", e);
	oci_container_close(c);
	return r;
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
