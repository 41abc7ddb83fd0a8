/* SPDX-License-Identifier: Apache-2.0 */
/*
 * runc's systemd cgroup driver (--systemd-cgroup): cgroupsPath "slice:prefix:name" names a
 * transient scope unit "prefix-name.scope" in that slice, which systemd creates around the
 * VMM's pid (docs/runtime.md "Resources").
 */
#ifndef RT_SYSTEMD_H
#define RT_SYSTEMD_H

#include "error.h"

#include <stdbool.h>
#include <sys/types.h>

struct rt_cgroup_plan;

struct rt_systemd_unit {
	char *slice; /* "system.slice" when the path names none */
	char *name;  /* "prefix-name.scope" */
	char *rel;   /* its cgroup below the v2 root: "/system.slice/prefix-name.scope" */
};

/* systemd's slice naming: "a-b.slice" -> "/a.slice/a-b.slice" (runc's ExpandSlice). */
int rt_systemd_expand_slice(const char *slice, char **out, struct err *e);

/* cgroupsPath (NULL or "": the default "system.slice", prefix "incept", the id) -> unit. */
int rt_systemd_unit_parse(const char *cgroups_path, const char *id, struct rt_systemd_unit *u,
			  struct err *e);
void rt_systemd_unit_free(struct rt_systemd_unit *u);

/* systemd manages this host's cgroups (/run/systemd/system), or a bus was named for it. */
bool rt_systemd_available(void);

/*
 * StartTransientUnit(u->name, "replace", [Description, Slice, Delegate, PIDs=[pid],
 * *Accounting, DefaultDependencies=no, the plan's limits]) as runc asks for it, then waits
 * (up to 30 s, runc's limit) until pid is in the unit's cgroup. plan may be NULL.
 */
int rt_systemd_start(const struct rt_systemd_unit *u, const char *id, pid_t pid,
		     const struct rt_cgroup_plan *plan, struct err *e);

/* SetUnitProperties(name, runtime, the plan's limits): `update` of a container in a scope. */
int rt_systemd_set_limits(const char *name, const struct rt_cgroup_plan *plan, struct err *e);

/* StopUnit(name, "replace"), best effort: a scope whose processes are gone is gone already. */
void rt_systemd_stop(const char *name);

#endif
