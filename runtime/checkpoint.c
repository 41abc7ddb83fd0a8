// SPDX-License-Identifier: Apache-2.0
/*
 * `incept checkpoint`: runc's flags are accepted so callers get a clear
 * answer instead of a usage error, and the answer is no: incept has no criu.
 */
#include "rt.h"
#include "oci/state.h"

#include <errno.h>
#include <stddef.h>

struct checkpoint_opts {
	const char *image_path, *work_path, *parent_path, *page_server, *manage_cgroups_mode;
	bool leave_running, tcp_established, ext_unix_sk, shell_job, lazy_pages, file_locks;
	bool pre_dump, auto_dedup;
	long long status_fd;
	struct rt_strv empty_ns;
};

static int checkpoint_run(const struct rt_global *g, void *opts, int argc, char **argv,
			  struct err *e)
{
	struct oci_container *c;

	(void)opts;
	(void)argc;
	if (rt_container_open(g, argv[0], 0, &c, e) < 0)
		return -1;
	oci_container_close(c);
	return err_set(e, ENOTSUP, "checkpoint is not supported by incept");
}

#define CP_STR(name, field, text)                                                                  \
	{                                                                                          \
		name, RT_FLAG_STRING, offsetof(struct checkpoint_opts, field), text, NULL          \
	}
#define CP_BOOL(name, field, text)                                                                 \
	{                                                                                          \
		name, RT_FLAG_BOOL, offsetof(struct checkpoint_opts, field), text, NULL            \
	}

static const struct rt_flag checkpoint_flags[] = {
	CP_STR("image-path", image_path, "path for saving criu image files"),
	CP_STR("work-path", work_path, "path for saving work files and logs"),
	CP_STR("parent-path", parent_path, "path for previous criu image files in pre-dump"),
	CP_BOOL("leave-running", leave_running, "leave the process running after checkpointing"),
	CP_BOOL("tcp-established", tcp_established, "allow open tcp connections"),
	CP_BOOL("ext-unix-sk", ext_unix_sk, "allow external unix sockets"),
	CP_BOOL("shell-job", shell_job, "allow shell jobs"),
	CP_BOOL("lazy-pages", lazy_pages, "use userfaultfd to lazily restore memory pages"),
	{"status-fd", RT_FLAG_INT, offsetof(struct checkpoint_opts, status_fd),
	 "criu writes \\0 to this FD once lazy-pages is ready", "-1"},
	CP_STR("page-server", page_server, "ADDRESS:PORT of the page server"),
	CP_BOOL("file-locks", file_locks, "handle file locks, for safety"),
	CP_BOOL("pre-dump", pre_dump,
		"dump container's memory information only, leave the container running after this"),
	CP_STR("manage-cgroups-mode", manage_cgroups_mode,
	       "cgroups mode: 'soft' (default), 'full' and 'strict'"),
	{"empty-ns", RT_FLAG_STRINGS, offsetof(struct checkpoint_opts, empty_ns),
	 "create a namespace, but don't restore its properties", NULL},
	CP_BOOL("auto-dedup", auto_dedup, "enable auto deduplication of memory images"),
	{NULL, 0, 0, NULL, NULL},
};

const struct rt_verb rt_verb_checkpoint = {
	.name = "checkpoint",
	.usage = "checkpoint a running container (not supported by incept)",
	.args_usage =
		"<container-id>\n"
		"\n"
		"Where \"<container-id>\" is the name for the instance of the container to be\n"
		"checkpointed.",
	.description = "The checkpoint command saves the state of the container instance. incept\n"
		       "does not support it: it accepts runc's flags and fails.",
	.flags = checkpoint_flags,
	.opts_size = sizeof(struct checkpoint_opts),
	.min_args = 1,
	.max_args = 1,
	.run = checkpoint_run,
};
