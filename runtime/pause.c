// SPDX-License-Identifier: Apache-2.0
/*
 * `incept pause ID`: the VMM parks every vCPU (PAUSE on vmm.sock), so nothing in the guest
 * runs, as runc's freezing of the container's cgroup stops every process. runc's rules: a
 * running or created container can be paused; what it was comes back on resume.
 */
#include "container.h"
#include "oci/state.h"

#include <errno.h>

static int pause_run(const struct rt_global *g, void *opts, int argc, char **argv, struct err *e)
{
	struct oci_container *c;
	enum oci_status status;
	struct err undo;
	int r;

	(void)opts;
	(void)argc;
	if (rt_container_open(g, argv[0], OCI_OPEN_LOCK, &c, e) < 0)
		return -1;
	status = oci_container_status(c);
	if (status != OCI_STATUS_RUNNING && status != OCI_STATUS_CREATED) {
		r = err_set(e, EINVAL, "container not running");
		goto out;
	}
	r = rt_vmm_control(c->state.vmm_socket, "PAUSE", e);
	if (r < 0)
		goto out;
	c->state.paused_from = status;
	c->state.status = OCI_STATUS_PAUSED;
	r = oci_container_save(c, e);
	/* The state says what the VM is: a pause that cannot be recorded is undone. */
	if (r < 0 && rt_vmm_control(c->state.vmm_socket, "RESUME", &undo) < 0)
		log_warn("%s", undo.msg);
out:
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
