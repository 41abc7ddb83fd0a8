// SPDX-License-Identifier: Apache-2.0
#include "trace.h"

#include <string.h>
#include <sys/mman.h>
#include <time.h>

#include "console.h"

struct agent_trace *agent_trace;

bool agent_trace_enable(void)
{
	void *p;

	if (agent_trace)
		return true;
	p = mmap(NULL, sizeof(struct agent_trace), PROT_READ | PROT_WRITE,
		 MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED)
		return false;
	agent_trace = p;
	return true;
}

void agent_trace_reset(void)
{
	if (agent_trace)
		memset(agent_trace, 0, sizeof(*agent_trace));
}

uint64_t agent_trace_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static const char *const tp_names[AGENT_TP_COUNT] = {
	[AGENT_TP_CREATE] = "create",	    [AGENT_TP_FS_MOUNTED] = "fs_mount",
	[AGENT_TP_CLONE] = "pre_clone",	    [AGENT_TP_CLONED] = "clone_parent",
	[AGENT_TP_CHILD] = "clone_child",   [AGENT_TP_PRELUDE] = "prelude",
	[AGENT_TP_ROOT_BIND] = "root_bind", [AGENT_TP_MOUNTS] = "mounts",
	[AGENT_TP_ROOT] = "pivot",	    [AGENT_TP_NAMES] = "masks_names",
	[AGENT_TP_LOOKUP] = "proc_lookup",  [AGENT_TP_READY] = "ready_sent",
	[AGENT_TP_START] = "start",	    [AGENT_TP_WOKEN] = "child_woken",
	[AGENT_TP_EXECVE] = "execve",	    [AGENT_TP_REAPED] = "exit_reaped",
	[AGENT_TP_EXIT] = "exit_sent",
};

static void put_ms(struct agent_buf *b, uint64_t from, uint64_t to)
{
	if (!from || !to || to < from)
		agent_buf_printf(b, "-");
	else
		agent_buf_put_duration(b, to - from, 1000000);
}

/*
 * Each step's time since the step before it that was reached (the child's and the agent's
 * points interleave in that order).
 */
void agent_trace_print(void)
{
	static char data[1024];
	struct agent_buf b = AGENT_BUF_INIT(data);
	uint64_t prev = 0;

	if (!agent_trace)
		return;
	agent_buf_printf(&b, "incept-agent: trace ms:");
	for (int i = 0; i < AGENT_TP_COUNT; i++) {
		uint64_t t = agent_trace->t[i];

		if (i == AGENT_TP_MOUNTS)
			for (uint32_t m = 0; m < agent_trace->nr_mounts; m++) {
				agent_buf_printf(&b, " mount%u=", m);
				put_ms(&b, prev, agent_trace->mount[m]);
				if (agent_trace->mount[m])
					prev = agent_trace->mount[m];
			}
		if (i > 0) {
			agent_buf_printf(&b, " %s=", tp_names[i]);
			put_ms(&b, prev, t);
		}
		if (t)
			prev = t;
	}
	agent_buf_printf(&b, " total=");
	put_ms(&b, agent_trace->t[AGENT_TP_CREATE], agent_trace->t[AGENT_TP_EXIT]);
	agent_buf_printf(&b, "\n");
	agent_buf_flush(&b, 1);
}
