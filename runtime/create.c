// SPDX-License-Identifier: Apache-2.0
/*
 * `incept create`: everything that does not need the VMM is real (the
 * bundle is parsed and validated, the id checked and found free); starting
 * the VMM is the part still missing, so create fails after those checks and
 * leaves nothing behind.
 */
#define _GNU_SOURCE /* asprintf */
#include "rt.h"
#include "cleanup.h"
#include "oci/config.h"
#include "oci/state.h"

#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* runc's checkTerminal. create always detaches. */
static int check_terminal(const struct oci_config *cfg, const struct rt_create_opts *o, bool detach,
			  struct err *e)
{
	bool terminal = cfg->process && cfg->process->terminal;
	bool socket = o->console_socket && *o->console_socket;

	if (detach && terminal && !socket)
		return err_set(e, EINVAL,
			       "cannot allocate tty if incept will detach without "
			       "setting console socket");
	if ((!detach || !terminal) && socket)
		return err_set(e, EINVAL,
			       "cannot use console socket if incept will not detach "
			       "or allocate tty");
	return 0;
}

static int check_rootfs(const struct oci_config *cfg, const char *bundle, struct err *e)
{
	cleanup_free char *rootfs = NULL;
	struct stat st;

	if (cfg->root.path[0] == '/')
		rootfs = strdup(cfg->root.path);
	else if (asprintf(&rootfs, "%s/%s", bundle, cfg->root.path) < 0)
		rootfs = NULL;
	if (!rootfs)
		return err_sys(e, ENOMEM, "rootfs");
	if (stat(rootfs, &st) < 0)
		return err_sys(e, errno, "invalid rootfs: stat %s", rootfs);
	if (!S_ISDIR(st.st_mode))
		return err_set(e, ENOTDIR, "invalid rootfs: %s: not a directory", rootfs);
	return 0;
}

static int check_id_free(const struct rt_global *g, const char *id, struct err *e)
{
	struct oci_container *c;

	if (rt_container_open(g, id, 0, &c, e) == 0) {
		oci_container_close(c);
		return err_set(e, EEXIST, "container with given ID already exists");
	}
	if (e->errnum != ENOENT)
		return -1;
	err_clear(e);
	return 0;
}

int rt_create_check(const struct rt_global *g, const struct rt_create_opts *o, bool detach,
		    const char *id, struct err *e)
{
	cleanup_free char *bundle = NULL;
	const char *given = o->bundle && *o->bundle ? o->bundle : ".";
	struct oci_config *cfg = NULL;
	struct stat st;
	int r;

	if (oci_state_id_check(id, e) < 0)
		return -1;
	/* As runc, which chdir()s into the bundle first. */
	bundle = rt_abs_path(given, e);
	if (!bundle)
		return -1;
	if (stat(bundle, &st) < 0)
		return err_sys(e, errno, "chdir %s", given);
	if (!S_ISDIR(st.st_mode))
		return err_sys(e, ENOTDIR, "chdir %s", given);
	if (oci_config_load(bundle, &cfg, e) < 0)
		return -1;
	r = oci_config_validate_for_create(cfg, e);
	if (r == 0)
		r = check_rootfs(cfg, bundle, e);
	if (r == 0)
		r = check_terminal(cfg, o, detach, e);
	oci_config_free(cfg);
	if (r < 0)
		return -1;
	return check_id_free(g, id, e);
}

static int create_run(const struct rt_global *g, void *opts, int argc, char **argv, struct err *e)
{
	(void)argc;
	if (rt_create_check(g, opts, true, argv[0], e) < 0 || rt_not_implemented("create", e) < 0)
		return err_prefix(e, "incept create failed");
	return 0;
}

static const struct rt_flag create_flags[] = {
	RT_CREATE_FLAG_BUNDLE,	  RT_CREATE_FLAG_CONSOLE_SOCKET, RT_CREATE_FLAG_PID_FILE,
	RT_CREATE_FLAG_NO_PIVOT,  RT_CREATE_FLAG_NO_NEW_KEYRING, RT_CREATE_FLAG_PRESERVE_FDS,
	{NULL, 0, 0, NULL, NULL},
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
