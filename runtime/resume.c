// SPDX-License-Identifier: Apache-2.0
/*
 * `incept resume ID`: the VMM lets the parked vCPUs run again (RESUME on vmm.sock); the
 * container is again what it was when paused (running, or created as runc reports it).
 */
#include "container.h"
#include "oci/state.h"

#include <errno.h>

static int resume_run(const struct rt_global *g, void *opts, int argc, char **argv, struct err *e)
{
	struct oci_container *c;
	int r;

	(void)opts;
	(void)argc;
	if (rt_container_open(g, argv[0], OCI_OPEN_LOCK, &c, e) < 0)
		return -1;
	if (oci_container_status(c) != OCI_STATUS_PAUSED) {
		r = err_set(e, EINVAL, "container not paused");
		goto out;
	}
	r = rt_vmm_control(c->state.vmm_socket, "RESUME", e);
	if (r < 0)
		goto out;
	c->state.status = c->state.paused_from;
	r = oci_container_save(c, e);
out:
	oci_container_close(c);
	return r;
}

const struct rt_verb rt_verb_resume = {
	.name = "resume",
	.usage = "resumes all processes that have been previously paused",
	.args_usage =
		"<container-id>\n"
		"\n"
		"Where \"<container-id>\" is the name for the instance of the container to be\n"
		"resumed.",
	.description =
		"The resume command resumes all processes in the instance of the container.\n"
		"\n"
		"Use incept list to identify instances of containers and their current status.",
	.min_args = 1,
	.max_args = 1,
	.run = resume_run,
};
