// SPDX-License-Identifier: Apache-2.0
/*
 * The numbers behind STATS. The guest kernel has no memory cgroup (cgroup_disable=memory)
 * and the agent puts the container in no cgroup of its own, so:
 *
 * - CPU: every container process is a descendant of the agent (init and exec'd processes are
 *   its children). Live descendants count their own utime + stime plus cutime + cstime (the
 *   children they reaped); the processes the agent reaped count through its RUSAGE_CHILDREN.
 *   Together that is what the container ever used, as a cgroup's cpu.stat would say, at the
 *   clock tick's resolution (proc(5): /proc/PID/stat fields 14-17).
 * - pids: the tasks (threads, field 20) of the live descendants, as pids.current counts.
 * - memory: the guest's MemTotal - MemAvailable of MemTotal: the VM is the container's.
 * - uptime: /proc/uptime.
 *
 * Cost: one open/read/close per file, one getdents pass over /proc; no allocation.
 */
#define _GNU_SOURCE
#include "stats.h"
#include "file.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <stdio.h>
#include <sys/resource.h>
#include <sys/time.h>
#include <unistd.h>

#define MAX_TASKS 2048 /* processes of the guest looked at; beyond: not counted */

struct task {
	int pid, ppid;
	unsigned long long user, sys; /* clock ticks, own + reaped children */
	unsigned threads;
	enum { MARK_UNKNOWN, MARK_OURS, MARK_OTHER } mark;
};

static unsigned long long tv_ns(const struct timeval *tv)
{
	return (unsigned long long)tv->tv_sec * 1000000000ULL +
	       (unsigned long long)tv->tv_usec * 1000ULL;
}

/* The kB value of `key` ("MemTotal:") in /proc/meminfo's text. */
static int meminfo_kb(const char *text, const char *key, unsigned long long *kb, struct err *e)
{
	const char *p = strstr(text, key);

	if (!p)
		return err_set(e, EIO, "/proc/meminfo has no %s", key);
	*kb = strtoull(p + strlen(key), NULL, 10);
	return 0;
}

static int read_meminfo(struct proto_stats *st, struct err *e)
{
	char buf[4096];
	unsigned long long total, avail;

	if (agent_read_small(AT_FDCWD, "/proc/meminfo", buf, sizeof(buf)) < 0)
		return err_sys(e, errno, "read /proc/meminfo");
	if (meminfo_kb(buf, "MemTotal:", &total, e) < 0 ||
	    meminfo_kb(buf, "MemAvailable:", &avail, e) < 0)
		return -1;
	st->mem_limit = total * 1024;
	st->mem_usage = avail < total ? (total - avail) * 1024 : 0;
	return 0;
}

/* proc(5) /proc/uptime: seconds with two decimals. */
static int read_uptime(struct proto_stats *st, struct err *e)
{
	char buf[128], *end;
	unsigned long long sec, frac = 0;

	if (agent_read_small(AT_FDCWD, "/proc/uptime", buf, sizeof(buf)) < 0)
		return err_sys(e, errno, "read /proc/uptime");
	sec = strtoull(buf, &end, 10);
	if (*end == '.')
		frac = strtoull(end + 1, NULL, 10); /* hundredths */
	st->uptime_ns = sec * 1000000000ULL + frac * 10000000ULL;
	return 0;
}

/* proc(5) /proc/PID/stat: fields after the last ')' (comm may hold anything). */
static bool parse_stat(const char *buf, struct task *t)
{
	const char *p = strrchr(buf, ')');
	unsigned long long v[18];
	int n = 0;
	char *end;

	if (!p)
		return false;
	p += 2; /* ") " then field 3, the state */
	p = strchr(p, ' ');
	/* fields 4..20 */
	while (p && n < 17) {
		v[n++] = strtoull(p + 1, &end, 10);
		p = *end == ' ' ? end : NULL;
	}
	if (n < 17)
		return false;
	t->ppid = (int)v[0];
	t->user = v[10] + v[12]; /* utime + cutime */
	t->sys = v[11] + v[13];	 /* stime + cstime */
	t->threads = (unsigned)v[16];
	return true;
}

/* The guest's processes (/proc lists them in ascending pid order), at most max. */
static size_t read_tasks(struct task *tasks, size_t max)
{
	DIR *d = opendir("/proc");
	struct dirent *de;
	char buf[1024], path[32];
	size_t n = 0;

	if (!d)
		return 0;
	while (n < max && (de = readdir(d)) != NULL) {
		int pid = atoi(de->d_name);

		if (pid <= 0)
			continue;
		snprintf(path, sizeof(path), "%d/stat", pid);
		/* a process gone since readdir: skipped */
		if (agent_read_small(dirfd(d), path, buf, sizeof(buf)) <= 0 ||
		    !parse_stat(buf, &tasks[n]))
			continue;
		tasks[n].pid = pid;
		tasks[n].mark = MARK_UNKNOWN;
		n++;
	}
	closedir(d);
	return n;
}

static struct task *find_task(struct task *tasks, size_t n, int pid)
{
	size_t lo = 0, hi = n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (tasks[mid].pid == pid)
			return &tasks[mid];
		if (tasks[mid].pid < pid)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

/* Whether t descends from root: up the ppid chain, remembering the answer on the way. */
static bool descends(struct task *tasks, size_t n, struct task *t, int root, unsigned depth)
{
	struct task *parent;

	if (t->mark != MARK_UNKNOWN)
		return t->mark == MARK_OURS;
	t->mark = MARK_OTHER; /* also breaks a cycle a racing pid reuse could make */
	if (t->ppid == root)
		t->mark = MARK_OURS;
	else if (depth < 64 && (parent = find_task(tasks, n, t->ppid)) != NULL &&
		 descends(tasks, n, parent, root, depth + 1))
		t->mark = MARK_OURS;
	return t->mark == MARK_OURS;
}

int agent_stats_collect(struct proto_stats *st, struct err *e)
{
	static struct task tasks[MAX_TASKS];
	unsigned long long user = 0, sys = 0, ns_per_tick;
	struct rusage ru;
	size_t n;

	memset(st, 0, sizeof(*st));
	if (read_meminfo(st, e) < 0 || read_uptime(st, e) < 0)
		return -1;
	if (getrusage(RUSAGE_CHILDREN, &ru) < 0)
		return err_sys(e, errno, "getrusage");
	n = read_tasks(tasks, MAX_TASKS);
	for (size_t i = 0; i < n; i++) {
		if (!descends(tasks, n, &tasks[i], getpid(), 0))
			continue;
		user += tasks[i].user;
		sys += tasks[i].sys;
		st->pids += tasks[i].threads;
	}
	ns_per_tick = 1000000000ULL / (unsigned long long)sysconf(_SC_CLK_TCK);
	st->cpu_user_ns = user * ns_per_tick + tv_ns(&ru.ru_utime);
	st->cpu_kernel_ns = sys * ns_per_tick + tv_ns(&ru.ru_stime);
	st->cpu_total_ns = st->cpu_user_ns + st->cpu_kernel_ns;
	return 0;
}
