// SPDX-License-Identifier: Apache-2.0
/* `incept spec [--bundle DIR] [--rootless]`: writes a starter config.json, never over one. */
#include "rt.h"
#include "cleanup.h"
#include "util.h"
#include "oci/spec.h"

#include <errno.h>
#include <fcntl.h>
#include <stddef.h>
#include <string.h>
#include <unistd.h>

struct spec_opts {
	const char *bundle;
	bool rootless;
};

static int spec_run(const struct rt_global *g, void *opts, int argc, char **argv, struct err *e)
{
	const struct spec_opts *o = opts;
	cleanup_free char *text = NULL;
	cleanup_close int fd = -1;

	(void)g;
	(void)argc;
	(void)argv;
	/* As runc: work in the bundle directory, so errors and the file name read the same. */
	if (o->bundle && *o->bundle && chdir(o->bundle) < 0)
		return err_sys(e, errno, "chdir %s", o->bundle);
	text = oci_spec_default(o->rootless, e);
	if (!text)
		return -1;
	/* O_EXCL: the check and the creation are one step, so nothing is ever overwritten. */
	fd = open("config.json", O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
	if (fd < 0) {
		if (errno == EEXIST)
			return err_set(e, EEXIST, "File config.json exists. Remove it first");
		return err_sys(e, errno, "open config.json");
	}
	if (util_write_all(fd, text, strlen(text)) < 0 || fsync(fd) < 0) {
		int saved = errno;

		unlink("config.json");
		return err_sys(e, saved, "write config.json");
	}
	return 0;
}

static const struct rt_flag spec_flags[] = {
	{"bundle, b", RT_FLAG_STRING, offsetof(struct spec_opts, bundle),
	 "path to the root of the bundle directory", NULL},
	{"rootless", RT_FLAG_BOOL, offsetof(struct spec_opts, rootless),
	 "generate a configuration for a rootless container", NULL},
	{NULL, 0, 0, NULL, NULL},
};

const struct rt_verb rt_verb_spec = {
	.name = "spec",
	.usage = "create a new specification file",
	.description =
		"The spec command creates the new specification file named \"config.json\" for\n"
		"the bundle.\n"
		"\n"
		"The spec generated is just a starter file. Editing of the spec is required to\n"
		"achieve desired results. For example, the newly generated spec includes an args\n"
		"parameter that is initially set to call the \"sh\" command when the container is\n"
		"started. Calling \"sh\" may work for an ubuntu container or busybox, but will "
		"not\n"
		"work for containers that do not include the \"sh\" program.\n"
		"\n"
		"EXAMPLE:\n"
		"  To run docker's hello-world container one needs to set the args parameter\n"
		"in the spec to call hello. This can be done using the sed command or a text\n"
		"editor. The following commands create a bundle for hello-world, change the\n"
		"default args parameter in the spec from \"sh\" to \"/hello\", then run the hello\n"
		"command in a new hello-world container named container1:\n"
		"\n"
		"    mkdir hello\n"
		"    cd hello\n"
		"    docker pull hello-world\n"
		"    docker export $(docker create hello-world) > hello-world.tar\n"
		"    mkdir rootfs\n"
		"    tar -C rootfs -xf hello-world.tar\n"
		"    incept spec\n"
		"    sed -i 's;\"sh\";\"/hello\";' config.json\n"
		"    incept run container1\n"
		"\n"
		"In the run command above, \"container1\" is the name for the instance of the\n"
		"container that you are starting. The name you provide for the container instance\n"
		"must be unique on your host.\n"
		"\n"
		"You can pass the parameter --rootless to this command to generate a proper\n"
		"rootless spec file (the container's root mapped to your user id).\n",
	.flags = spec_flags,
	.opts_size = sizeof(struct spec_opts),
	.min_args = 0,
	.max_args = 0,
	.run = spec_run,
};
