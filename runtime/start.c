// SPDX-License-Identifier: Apache-2.0
/* `incept start ID`: runc's status rules; a created container's process is told to exec. */
#include "container.h"
#include "oci/state.h"

#include <errno.h>

static int start_run(const struct rt_global *g, void *opts, int argc, char **argv, struct err *e)
{
	struct oci_container *c;
	enum oci_status status;
	int r;

	(void)opts;
	(void)argc;
	if (rt_container_open(g, argv[0], OCI_OPEN_LOCK, &c, e) < 0)
		return -1;
	status = oci_container_status(c);
	switch (status) {
	case OCI_STATUS_CREATED:
		r = rt_container_start(c, e);
		break;
	case OCI_STATUS_STOPPED:
		r = err_set(e, EINVAL, "cannot start a container that has stopped");
		break;
	case OCI_STATUS_RUNNING:
		r = err_set(e, EINVAL, "cannot start an already running container");
		break;
	default:
		r = err_set(e, EINVAL, "cannot start a container in the %s state",
			    oci_status_name(status));
		break;
	}
	oci_container_close(c);
	return r;
}

const struct rt_verb rt_verb_start = {
	.name = "start",
	.usage = "executes the user defined process in a created container",
	.args_usage =
		"<container-id>\n"
		"\n"
		"Where \"<container-id>\" is your name for the instance of the container that you\n"
		"are starting. The name you provide for the container instance must be unique on\n"
		"your host.",
	.description =
		"The start command executes the user defined process in a created container.",
	.min_args = 1,
	.max_args = 1,
	.run = start_run,
};
