// SPDX-License-Identifier: Apache-2.0
/*
 * runc's systemd cgroup driver, for the VMM: the unit's name and cgroup from cgroupsPath
 * ("slice:prefix:name"), a transient scope around the VMM's pid through systemd's Manager
 * interface on D-Bus (runtime/dbus.c), and StopUnit at delete. The limits themselves are then
 * written into the scope's cgroup files as without systemd (runtime/cgroup.c), as runc's
 * systemd driver also writes them through its fs2 manager.
 */
#define _GNU_SOURCE
#include "systemd.h"
#include "cleanup.h"
#include "container.h"
#include "dbus.h"
#include "log.h"
#include "util.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define START_TIMEOUT_MS 30000 /* runc's wait for the unit's start job */
#define CALL_TIMEOUT_MS	 10000

static const struct rt_dbus_call manager = {
	.destination = "org.freedesktop.systemd1",
	.path = "/org/freedesktop/systemd1",
	.interface = "org.freedesktop.systemd1.Manager",
};

int rt_systemd_expand_slice(const char *slice, char **out, struct err *e)
{
	size_t len = strlen(slice), base;
	char *path, *p;

	*out = NULL;
	if (len <= strlen(".slice") || strcmp(slice + len - 6, ".slice") || strchr(slice, '/'))
		return err_set(e, EINVAL, "invalid slice name: %s", slice);
	base = len - 6;
	if (base == 1 && slice[0] == '-')
		return (*out = strdup("/")) ? 0 : err_sys(e, ENOMEM, "slice");
	/* no empty component: "-a.slice", "a-.slice" and "a--b.slice" are refused, as runc does */
	if (slice[0] == '-' || slice[base - 1] == '-' || memmem(slice, base, "--", 2))
		return err_set(e, EINVAL, "invalid slice name: %s", slice);
	/* each '-' starts a deeper slice: "a-b-c" -> /a.slice/a-b.slice/a-b-c.slice */
	path = p = malloc(base * (base + 8) + 2);
	if (!path)
		return err_sys(e, ENOMEM, "slice");
	for (size_t i = 1; i <= base; i++)
		if (i == base || slice[i] == '-')
			p += sprintf(p, "/%.*s.slice", (int)i, slice);
	*out = path;
	return 0;
}

void rt_systemd_unit_free(struct rt_systemd_unit *u)
{
	free(u->slice);
	free(u->name);
	free(u->rel);
	memset(u, 0, sizeof(*u));
}

int rt_systemd_unit_parse(const char *cgroups_path, const char *id, struct rt_systemd_unit *u,
			  struct err *e)
{
	const char *slice = "system.slice", *prefix = "incept", *name = id;
	cleanup_free char *expanded = NULL;
	char copy[4096];

	memset(u, 0, sizeof(*u));
	if (cgroups_path && *cgroups_path) {
		char *c1, *c2;

		if (strlen(cgroups_path) >= sizeof(copy))
			return err_set(e, ENAMETOOLONG, "cgroupsPath is too long");
		strcpy(copy, cgroups_path);
		c1 = strchr(copy, ':');
		c2 = c1 ? strchr(c1 + 1, ':') : NULL;
		if (!c2 || strchr(c2 + 1, ':'))
			return err_set(e, EINVAL,
				       "expected cgroupsPath to be of format \"slice:prefix:name\" "
				       "for systemd cgroups, got \"%s\" instead",
				       cgroups_path);
		*c1 = *c2 = '\0';
		if (*copy)
			slice = copy;
		prefix = c1 + 1;
		name = c2 + 1;
	}
	if (!*name || strchr(name, '/') || strchr(prefix, '/'))
		return err_set(e, EINVAL, "cgroupsPath %s: invalid unit name", cgroups_path);
	/* runc makes a slice unit for a name ending in .slice; a VMM's pid needs a scope */
	if (strlen(name) > 6 && !strcmp(name + strlen(name) - 6, ".slice"))
		return err_set(e, EINVAL,
			       "cgroupsPath %s: a slice as the container's own unit is not "
			       "supported (the VMM's pid needs a scope)",
			       cgroups_path);
	if (rt_systemd_expand_slice(slice, &expanded, e) < 0)
		return -1;
	if (!(u->slice = strdup(slice)) || asprintf(&u->name, "%s-%s.scope", prefix, name) < 0 ||
	    asprintf(&u->rel, "%s/%s", strcmp(expanded, "/") ? expanded : "", u->name) < 0) {
		u->name = u->rel = NULL;
		rt_systemd_unit_free(u);
		return err_sys(e, ENOMEM, "cgroupsPath");
	}
	return 0;
}

bool rt_systemd_available(void)
{
	struct stat st;
	const char *bus = getenv("DBUS_SYSTEM_BUS_ADDRESS");

	return (bus && *bus) || (lstat("/run/systemd/system", &st) == 0 && S_ISDIR(st.st_mode));
}

/* One property (sv): its name, then a variant of a basic type. */
static void prop_str(struct rt_dbus_buf *b, const char *name, const char *v)
{
	rt_dbus_struct_begin(b);
	rt_dbus_string(b, name);
	rt_dbus_signature(b, "s");
	rt_dbus_string(b, v);
}

static void prop_bool(struct rt_dbus_buf *b, const char *name, bool v)
{
	rt_dbus_struct_begin(b);
	rt_dbus_string(b, name);
	rt_dbus_signature(b, "b");
	rt_dbus_bool(b, v);
}

static void prop_pids(struct rt_dbus_buf *b, pid_t pid)
{
	rt_dbus_struct_begin(b);
	rt_dbus_string(b, "PIDs");
	rt_dbus_signature(b, "au");
	rt_dbus_array_begin(b, 4);
	rt_dbus_u32(b, (uint32_t)pid);
	rt_dbus_array_end(b);
}

static void prop_u64(struct rt_dbus_buf *b, const char *name, uint64_t v)
{
	rt_dbus_struct_begin(b);
	rt_dbus_string(b, name);
	rt_dbus_signature(b, "t");
	rt_dbus_u64(b, v);
}

/* A cgroup file's value as systemd's: "max" is infinity (UINT64_MAX); -1 if not a number. */
static int plan_value(const char *v, uint64_t *out)
{
	unsigned long long n;

	if (!strcmp(v, "max")) {
		*out = UINT64_MAX;
		return 0;
	}
	if (util_parse_u64(v, 10, &n) < 0)
		return -1;
	*out = n;
	return 0;
}

/* cpu.max "QUOTA PERIOD" -> CPUQuotaPerSecUSec, rounded up to 10 ms as runc does; 1 if added. */
static unsigned prop_cpu_max(struct rt_dbus_buf *b, const char *v)
{
	char quota[32];
	unsigned long long period;
	uint64_t q, per_sec = UINT64_MAX;

	if (sscanf(v, "%31s %llu", quota, &period) != 2 || !period || plan_value(quota, &q) < 0)
		return 0;
	if (q != UINT64_MAX) {
		per_sec = q * 1000000 / period;
		if (per_sec % 10000)
			per_sec = (per_sec / 10000 + 1) * 10000;
	}
	prop_u64(b, "CPUQuotaPerSecUSec", per_sec);
	return 1;
}

/*
 * The limits the cgroup files get, as unit properties too (runc's genV2ResourcesProperties),
 * so systemd keeps them on a daemon-reload. Those that need a systemd version check in runc
 * (CPUQuotaPeriodUSec, AllowedCPUs, cpu.idle) are left to the files. Returns how many.
 */
static unsigned resource_props(struct rt_dbus_buf *b, const struct rt_cgroup_plan *plan)
{
	static const struct {
		const char *file, *prop;
	} map[] = {{"memory.max", "MemoryMax"},
		   {"memory.low", "MemoryLow"},
		   {"memory.swap.max", "MemorySwapMax"},
		   {"cpu.weight", "CPUWeight"},
		   {"pids.max", "TasksMax"}};
	unsigned n = 0;

	for (size_t i = 0; plan && i < plan->n; i++) {
		const struct rt_cgroup_write *w = &plan->v[i];
		uint64_t v;

		if (w->flags & RT_CGW_UNIFIED)
			continue; /* runc converts few of those; the file write has them all */
		if (!strcmp(w->file, "cpu.max")) {
			n += prop_cpu_max(b, w->value);
			continue;
		}
		for (size_t k = 0; k < sizeof(map) / sizeof(map[0]); k++)
			if (!strcmp(w->file, map[k].file) && plan_value(w->value, &v) == 0) {
				prop_u64(b, map[k].prop, v);
				n++;
			}
	}
	return n;
}

/* StartTransientUnit's body, "ssa(sv)a(sa(sv))", with runc's properties for a scope. */
static void start_body(struct rt_dbus_buf *b, const struct rt_systemd_unit *u, const char *desc,
		       pid_t pid, const struct rt_cgroup_plan *plan)
{
	static const char *const accounting[] = {"MemoryAccounting", "CPUAccounting",
						 "IOAccounting", "TasksAccounting"};

	rt_dbus_string(b, u->name);
	rt_dbus_string(b, "replace");
	rt_dbus_array_begin(b, 8);
	prop_str(b, "Description", desc);
	prop_str(b, "Slice", u->slice);
	prop_bool(b, "Delegate", true);
	prop_pids(b, pid);
	for (size_t i = 0; i < sizeof(accounting) / sizeof(accounting[0]); i++)
		prop_bool(b, accounting[i], true);
	prop_bool(b, "DefaultDependencies", false);
	resource_props(b, plan);
	rt_dbus_array_end(b);
	rt_dbus_array_begin(b, 8); /* no auxiliary units */
	rt_dbus_array_end(b);
}

/* 1 once /proc/PID/cgroup's v2 line is rel, 0 not yet, -1 if the process is gone. */
static int pid_in(pid_t pid, const char *rel)
{
	cleanup_free char *cur = NULL;
	struct err e;

	if (rt_cgroup_v2_of(pid, &cur, &e) < 0)
		return -1;
	return cur && !strcmp(cur, rel);
}

static int wait_for_pid(const struct rt_systemd_unit *u, pid_t pid, struct err *e)
{
	unsigned long long end = util_now_ns() + START_TIMEOUT_MS * 1000000ull;
	int r;

	while ((r = pid_in(pid, u->rel)) == 0 && util_now_ns() < end)
		usleep(2000);
	if (r < 0)
		return err_set(e, ESRCH, "error creating systemd unit `%s`: process %d is gone",
			       u->name, (int)pid);
	if (r == 0)
		return err_set(e, ETIMEDOUT, "Timeout waiting for systemd to create %s", u->name);
	return 0;
}

/* One call on systemd's Manager over a connection of its own; frees body. */
static int manager_call(const char *member, const char *signature, struct rt_dbus_buf *body,
			struct rt_dbus_reply *reply, struct err *e)
{
	struct rt_dbus_call c = manager;
	struct rt_dbus d;
	int r = -1;

	memset(reply, 0, sizeof(*reply));
	c.member = member;
	c.signature = signature;
	c.body = body;
	if (rt_dbus_open_system(&d, e) == 0) {
		r = rt_dbus_call(&d, &c, CALL_TIMEOUT_MS, reply, e);
		rt_dbus_close(&d);
	}
	rt_dbus_buf_free(body);
	return r;
}

int rt_systemd_start(const struct rt_systemd_unit *u, const char *id, pid_t pid,
		     const struct rt_cgroup_plan *plan, struct err *e)
{
	cleanup_free char *desc = NULL;
	struct rt_dbus_buf body;
	struct rt_dbus_reply reply;

	if (asprintf(&desc, "incept container %s", id) < 0) {
		desc = NULL;
		return err_sys(e, ENOMEM, "systemd");
	}
	rt_dbus_buf_init(&body);
	start_body(&body, u, desc, pid, plan);
	if (manager_call("StartTransientUnit", "ssa(sv)a(sa(sv))", &body, &reply, e) < 0)
		return err_prefix(e, "unable to start unit \"%s\"", u->name);
	return wait_for_pid(u, pid, e);
}

int rt_systemd_set_limits(const char *name, const struct rt_cgroup_plan *plan, struct err *e)
{
	struct rt_dbus_buf body;
	struct rt_dbus_reply reply;
	unsigned n;

	rt_dbus_buf_init(&body);
	rt_dbus_string(&body, name);
	rt_dbus_bool(&body, true); /* runtime: not written to /etc, as runc */
	rt_dbus_array_begin(&body, 8);
	n = resource_props(&body, plan);
	rt_dbus_array_end(&body);
	if (!n) { /* nothing systemd keeps among these limits */
		rt_dbus_buf_free(&body);
		return 0;
	}
	if (manager_call("SetUnitProperties", "sba(sv)", &body, &reply, e) < 0)
		return err_prefix(e, "unit %s", name);
	return 0;
}

void rt_systemd_stop(const char *name)
{
	struct rt_dbus_buf body;
	struct rt_dbus_reply reply;
	struct err e;

	rt_dbus_buf_init(&body);
	rt_dbus_string(&body, name);
	rt_dbus_string(&body, "replace");
	/* NoSuchUnit: the scope went with its last process, as scopes do */
	if (manager_call("StopUnit", "ss", &body, &reply, &e) < 0 &&
	    !strstr(reply.error_name, "NoSuchUnit"))
		log_warn("error removing unit `%s`: %s. Continuing...", name, e.msg);
}
