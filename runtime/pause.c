// SPDX-License-Identifier: Apache-2.0
/* `incept pause ID`: stops all vCPUs of the container's VM (needs the VMM). */
#include "rt.h"
#include "oci/state.h"

#include <errno.h>

static int pause_run(const struct rt_global *g, void *opts, int argc, char **argv, struct err *e)
{
	struct oci_container *c;
	enum oci_status status;
	int r;

	(void)opts;
	(void)argc;
	if (rt_container_open(g, argv[0], OCI_OPEN_LOCK, &c, e) < 0)
		return -1;
	status = oci_container_status(c);
	/* runc pauses what runs or waits to be started. */
	if (status != OCI_STATUS_RUNNING && status != OCI_STATUS_CREATED)
		r = err_set(e, EINVAL, "container not running");
	else
		r = rt_not_implemented("pause", e);
	oci_container_close(c);
	return r;
}

const struct rt_verb rt_verb_pause = {
	.name = "pause",
	.usage = "pause suspends all processes inside the container",
	.args_usage =
		"<container-id>\n"
		"\n"
		"Where \"<container-id>\" is the name for the instance of the container to be\n"
		"paused. ",
	.description =
		"The pause command suspends all processes in the instance of the container.\n"
		"\n"
		"Use incept list to identify instances of containers and their current status.",
	.min_args = 1,
	.max_args = 1,
	.run = pause_run,
};
