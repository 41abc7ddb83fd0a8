// SPDX-License-Identifier: Apache-2.0
/* `incept state ID`: runc's state JSON, two-space indented, no trailing newline. */
#include "rt.h"
#include "oci/state.h"

#include <errno.h>

static int state_run(const struct rt_global *g, void *opts, int argc, char **argv, struct err *e)
{
	struct oci_container *c;
	enum oci_status status;
	struct rt_json j;
	int r = 0;

	(void)opts;
	(void)argc;
	if (rt_container_open(g, argv[0], 0, &c, e) < 0)
		return -1;
	status = oci_container_status(c);
	rt_json_init(&j, "  ");
	/* runc reports pid 0 for a stopped container: the recorded one may be reused. */
	rt_state_json(&j, &c->state, oci_status_name(status),
		      status == OCI_STATUS_STOPPED ? 0 : c->state.pid, c->state.owner);
	if (j.buf.oom)
		r = err_sys(e, ENOMEM, "state");
	else if (fwrite(j.buf.p, 1, j.buf.len, stdout) != j.buf.len)
		r = err_sys(e, errno, "write state");
	rt_buf_free(&j.buf);
	oci_container_close(c);
	return r < 0 ? -1 : 0;
}

const struct rt_verb rt_verb_state = {
	.name = "state",
	.usage = "output the state of a container",
	.args_usage = "<container-id>\n"
		      "\n"
		      "Where \"<container-id>\" is your name for the instance of the container.",
	.description = "The state command outputs current state information for the\n"
		       "instance of a container.",
	.min_args = 1,
	.max_args = 1,
	.run = state_run,
};
