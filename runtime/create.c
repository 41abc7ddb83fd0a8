// SPDX-License-Identifier: Apache-2.0
/*
 * `incept create [flags] ID`: checks the bundle, starts the container's VMM and returns
 * once the container is `created` (runtime/lifecycle.c). The VMM's pid goes to --pid-file.
 */
#include "container.h"
#include "oci/config.h"
#include "oci/state.h"

#include <stddef.h>

static int create_run(const struct rt_global *g, void *opts, int argc, char **argv, struct err *e)
{
	struct rt_created cr;

	(void)argc;
	if (rt_container_create(g, opts, true, argv[0], &cr, e) < 0)
		return err_prefix(e, "incept create failed");
	/* The VMM outlives us: our caller (containerd's shim, a subreaper) inherits it. */
	oci_container_close(cr.c);
	oci_config_free(cr.cfg);
	return 0;
}

static const struct rt_flag create_flags[] = {
	RT_CREATE_FLAG_BUNDLE,	    RT_CREATE_FLAG_CONSOLE_SOCKET, RT_CREATE_FLAG_PID_FILE,
	RT_CREATE_FLAG_NO_PIVOT,    RT_CREATE_FLAG_NO_NEW_KEYRING, RT_CREATE_FLAG_PRESERVE_FDS,
	RT_CREATE_FLAG_NO_SNAPSHOT, {NULL, 0, 0, NULL, NULL},
};

const char rt_create_args_usage[] =
	"<container-id>\n"
	"\n"
	"Where \"<container-id>\" is your name for the instance of the container that you\n"
	"are starting. The name you provide for the container instance must be unique on\n"
	"your host.";

const struct rt_verb rt_verb_create = {
	.name = "create",
	.usage = "create a container",
	.args_usage = rt_create_args_usage,
	.description =
		"The create command creates an instance of a container for a bundle. The bundle\n"
		"is a directory with a specification file named \"config.json\" and a root\n"
		"filesystem.\n"
		"\n"
		"The specification file includes an args parameter. The args parameter is used\n"
		"to specify command(s) that get run when the container is started. To change the\n"
		"command(s) that get executed on start, edit the args parameter of the spec. See\n"
		"\"incept spec --help\" for more explanation.",
	.flags = create_flags,
	.opts_size = sizeof(struct rt_create_opts),
	.min_args = 1,
	.max_args = 1,
	.run = create_run,
};
