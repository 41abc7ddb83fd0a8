// SPDX-License-Identifier: Apache-2.0
/* `incept events [--stats] [--interval D] ID`: runc's checks; the stats need the VMM. */
#include "rt.h"
#include "oci/state.h"

#include <errno.h>
#include <stddef.h>

struct events_opts {
	long long interval_ns;
	bool stats;
};

static int events_run(const struct rt_global *g, void *opts, int argc, char **argv, struct err *e)
{
	const struct events_opts *o = opts;
	struct oci_container *c;
	int r;

	(void)argc;
	if (rt_container_open(g, argv[0], 0, &c, e) < 0)
		return -1;
	if (o->interval_ns <= 0)
		r = err_set(e, EINVAL, "duration interval must be greater than 0");
	else if (oci_container_status(c) == OCI_STATUS_STOPPED)
		r = err_set(e, EINVAL, "container with id %s is not running", c->id);
	else
		r = rt_not_implemented("events", e);
	oci_container_close(c);
	return r;
}

static const struct rt_flag events_flags[] = {
	{"interval", RT_FLAG_DURATION, offsetof(struct events_opts, interval_ns),
	 "set the stats collection interval", "5s"},
	{"stats", RT_FLAG_BOOL, offsetof(struct events_opts, stats),
	 "display the container's stats then exit", NULL},
	{NULL, 0, 0, NULL, NULL},
};

const struct rt_verb rt_verb_events = {
	.name = "events",
	.usage = "display container events such as OOM notifications, cpu, memory, and IO usage "
		 "statistics",
	.args_usage = "<container-id>\n"
		      "\n"
		      "Where \"<container-id>\" is the name for the instance of the container.",
	.description =
		"The events command displays information about the container. By default the\n"
		"information is displayed once every 5 seconds.",
	.flags = events_flags,
	.opts_size = sizeof(struct events_opts),
	.min_args = 1,
	.max_args = 1,
	.run = events_run,
};
