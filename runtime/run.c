// SPDX-License-Identifier: Apache-2.0
/* `incept run`: create + start (+ wait unless --detach); checks as create, then needs the VMM. */
#include "rt.h"

#include <stddef.h>

static int run_run(const struct rt_global *g, void *opts, int argc, char **argv, struct err *e)
{
	const struct rt_create_opts *o = opts;

	(void)argc;
	if (rt_create_check(g, o, o->detach, argv[0], e) < 0 || rt_not_implemented("run", e) < 0)
		return err_prefix(e, "incept run failed");
	return 0;
}

static const struct rt_flag run_flags[] = {
	RT_CREATE_FLAG_BUNDLE,
	RT_CREATE_FLAG_CONSOLE_SOCKET,
	{"detach, d", RT_FLAG_BOOL, offsetof(struct rt_create_opts, detach),
	 "detach from the container's process", NULL},
	{"keep", RT_FLAG_BOOL, offsetof(struct rt_create_opts, keep),
	 "do not delete the container after it exits", NULL},
	RT_CREATE_FLAG_PID_FILE,
	{"no-subreaper", RT_FLAG_BOOL, offsetof(struct rt_create_opts, no_subreaper),
	 "disable the use of the subreaper used to reap reparented processes", NULL},
	RT_CREATE_FLAG_NO_PIVOT,
	RT_CREATE_FLAG_NO_NEW_KEYRING,
	RT_CREATE_FLAG_PRESERVE_FDS,
	{NULL, 0, 0, NULL, NULL},
};

const struct rt_verb rt_verb_run = {
	.name = "run",
	.usage = "create and run a container",
	.args_usage = rt_create_args_usage,
	.description =
		"The run command creates an instance of a container for a bundle. The bundle\n"
		"is a directory with a specification file named \"config.json\" and a root\n"
		"filesystem.\n"
		"\n"
		"The specification file includes an args parameter. The args parameter is used\n"
		"to specify command(s) that get run when the container is started. To change the\n"
		"command(s) that get executed on start, edit the args parameter of the spec. See\n"
		"\"incept spec --help\" for more explanation.",
	.flags = run_flags,
	.opts_size = sizeof(struct rt_create_opts),
	.min_args = 1,
	.max_args = 1,
	.run = run_run,
};
