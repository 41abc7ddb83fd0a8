// SPDX-License-Identifier: Apache-2.0
/* `incept ps [--format table|json] ID [ps options]`: the guest's processes (needs the VMM). */
#include "rt.h"
#include "oci/state.h"

#include <errno.h>
#include <stddef.h>
#include <string.h>

struct ps_opts {
	const char *format;
};

static int ps_run(const struct rt_global *g, void *opts, int argc, char **argv, struct err *e)
{
	const struct ps_opts *o = opts;
	struct oci_container *c;
	int r;

	(void)argc;
	if (rt_container_open(g, argv[0], 0, &c, e) < 0)
		return -1;
	if (strcmp(o->format, "table") && strcmp(o->format, "json"))
		r = err_set(e, EINVAL, "invalid format option");
	else
		r = rt_not_implemented("ps", e);
	oci_container_close(c);
	return r;
}

static const struct rt_flag ps_flags[] = {
	{"format, f", RT_FLAG_STRING, offsetof(struct ps_opts, format),
	 "select one of: table or json", "table"},
	{NULL, 0, 0, NULL, NULL},
};

const struct rt_verb rt_verb_ps = {
	.name = "ps",
	.usage = "ps displays the processes running inside a container",
	.args_usage = "<container-id> [ps options]",
	.flags = ps_flags,
	.opts_size = sizeof(struct ps_opts),
	.min_args = 1,
	.max_args = -1,
	.run = ps_run,
};
