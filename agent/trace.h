/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Where a container's time goes inside the guest (docs/agent.md "Cost in the guest").
 *
 * Off unless the kernel command line says incept.trace=1: then one shared page holds a
 * timestamp per step, written by the agent and by the container's init child (the page is
 * MAP_SHARED, so the clone()d child writes the agent's copy), and the agent prints them on
 * the console when the init's EXIT is about to go out. Off, each point is one load and a
 * branch: no system call, no page touched.
 */
#ifndef AGENT_TRACE_H
#define AGENT_TRACE_H

#include <stdbool.h>
#include <stdint.h>

enum agent_tp {
	AGENT_TP_CREATE,     /* agent: CREATE decoded */
	AGENT_TP_FS_MOUNTED, /* agent: virtio-fs mounted (or was already) */
	AGENT_TP_CLONE,	     /* agent: about to clone() with the namespaces */
	AGENT_TP_CLONED,     /* agent: clone() returned */
	AGENT_TP_CHILD,	     /* child: first instruction after clone() */
	AGENT_TP_PRELUDE,    /* child: stdio, signals, rlimits done */
	AGENT_TP_ROOT_BIND,  /* child: / private, rootfs bound */
	AGENT_TP_MOUNTS,     /* child: the config's mounts done */
	AGENT_TP_ROOT,	     /* child: pivot_root (or MS_MOVE + chroot) done */
	AGENT_TP_NAMES,	     /* child: masks, read-only paths, sysctls, host name done */
	AGENT_TP_LOOKUP,     /* child: cwd, user, caps and PATH lookup done */
	AGENT_TP_READY,	     /* agent: PID (ready) sent */
	AGENT_TP_START,	     /* agent: START received and passed on */
	AGENT_TP_WOKEN,	     /* child: read START's byte */
	AGENT_TP_EXECVE,     /* agent: the status pipe's EOF (execve succeeded) */
	AGENT_TP_REAPED,     /* agent: waitpid() returned the init */
	AGENT_TP_EXIT,	     /* agent: EXIT encoded */
	AGENT_TP_COUNT
};

#define AGENT_TRACE_MOUNTS 16 /* per-mount timestamps kept for the first this many mounts */

struct agent_trace {
	uint64_t t[AGENT_TP_COUNT];	    /* CLOCK_MONOTONIC ns, 0: not reached */
	uint64_t mount[AGENT_TRACE_MOUNTS]; /* child: after the config's mount i */
	uint32_t nr_mounts;
};

/* NULL unless tracing: then the shared page. */
extern struct agent_trace *agent_trace;

/* Maps the page (once); false when it cannot, and tracing stays off. */
bool agent_trace_enable(void);

/* Starts a new container's record: everything from the previous one is cleared. */
void agent_trace_reset(void);

uint64_t agent_trace_now(void);

static inline void agent_trace_mark(enum agent_tp tp)
{
	if (__builtin_expect(agent_trace != 0, 0))
		agent_trace->t[tp] = agent_trace_now();
}

static inline void agent_trace_mount(uint32_t i)
{
	if (__builtin_expect(agent_trace != 0, 0) && i < AGENT_TRACE_MOUNTS) {
		agent_trace->mount[i] = agent_trace_now();
		agent_trace->nr_mounts = i + 1;
	}
}

/* One console line with each step's duration in ms (for docs/agent.md's table). */
void agent_trace_print(void);

#endif
