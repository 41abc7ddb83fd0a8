// SPDX-License-Identifier: Apache-2.0
/* `incept restore`: runc's flags accepted, then a clear "not supported" (no criu here). */
#include "rt.h"

#include <errno.h>
#include <stddef.h>

struct restore_opts {
	const char *console_socket, *image_path, *work_path, *manage_cgroups_mode, *bundle;
	const char *pid_file, *lsm_profile, *lsm_mount_context;
	bool tcp_established, ext_unix_sk, shell_job, file_locks, detach, no_subreaper, no_pivot;
	bool auto_dedup, lazy_pages;
	struct rt_strv empty_ns;
};

static int restore_run(const struct rt_global *g, void *opts, int argc, char **argv, struct err *e)
{
	(void)g;
	(void)opts;
	(void)argc;
	(void)argv;
	return err_set(e, ENOTSUP, "restore is not supported by incept");
}

#define RS_STR(name, field, text)                                                                  \
	{                                                                                          \
		name, RT_FLAG_STRING, offsetof(struct restore_opts, field), text, NULL             \
	}
#define RS_BOOL(name, field, text)                                                                 \
	{                                                                                          \
		name, RT_FLAG_BOOL, offsetof(struct restore_opts, field), text, NULL               \
	}

static const struct rt_flag restore_flags[] = {
	RS_STR("console-socket", console_socket,
	       "path to an AF_UNIX socket which will receive a file descriptor referencing the "
	       "master end of the console's pseudoterminal"),
	RS_STR("image-path", image_path, "path to criu image files for restoring"),
	RS_STR("work-path", work_path, "path for saving work files and logs"),
	RS_BOOL("tcp-established", tcp_established, "allow open tcp connections"),
	RS_BOOL("ext-unix-sk", ext_unix_sk, "allow external unix sockets"),
	RS_BOOL("shell-job", shell_job, "allow shell jobs"),
	RS_BOOL("file-locks", file_locks, "handle file locks, for safety"),
	RS_STR("manage-cgroups-mode", manage_cgroups_mode,
	       "cgroups mode: 'soft' (default), 'full' and 'strict'"),
	RS_STR("bundle, b", bundle, "path to the root of the bundle directory"),
	RS_BOOL("detach, d", detach, "detach from the container's process"),
	RS_STR("pid-file", pid_file, "specify the file to write the process id to"),
	RS_BOOL("no-subreaper", no_subreaper,
		"disable the use of the subreaper used to reap reparented processes"),
	RS_BOOL("no-pivot", no_pivot,
		"do not use pivot root to jail process inside rootfs.  This should be used "
		"whenever the rootfs is on top of a ramdisk"),
	{"empty-ns", RT_FLAG_STRINGS, offsetof(struct restore_opts, empty_ns),
	 "create a namespace, but don't restore its properties", NULL},
	RS_BOOL("auto-dedup", auto_dedup, "enable auto deduplication of memory images"),
	RS_BOOL("lazy-pages", lazy_pages, "use userfaultfd to lazily restore memory pages"),
	RS_STR("lsm-profile", lsm_profile,
	       "Specify an LSM profile to be used during restore in the form of TYPE:NAME."),
	RS_STR("lsm-mount-context", lsm_mount_context,
	       "Specify an LSM mount context to be used during restore."),
	{NULL, 0, 0, NULL, NULL},
};

const struct rt_verb rt_verb_restore = {
	.name = "restore",
	.usage = "restore a container from a previous checkpoint (not supported by incept)",
	.args_usage =
		"<container-id>\n"
		"\n"
		"Where \"<container-id>\" is the name for the instance of the container to be\n"
		"restored.",
	.description =
		"Restores the saved state of the container instance that was previously saved\n"
		"using the checkpoint command. incept does not support it: it accepts runc's\n"
		"flags and fails.",
	.flags = restore_flags,
	.opts_size = sizeof(struct restore_opts),
	.min_args = 1,
	.max_args = 1,
	.run = restore_run,
};
