// SPDX-License-Identifier: Apache-2.0
/*
 * incept: global flags as runc has them, then one verb. Parsing follows
 * urfave/cli v1 (what runc uses): global flags stop at the first non-flag,
 * which names the verb; `help [VERB]`/`h` and `--help`/`--version` as runc.
 */
#include "rt.h"
#include "cleanup.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

/* urfave's answer to an unknown command (exit status 3, as runc gives). */
static int no_help_topic(const char *name)
{
	struct err e;

	err_set(&e, EINVAL, "No help topic for '%s'", name);
	log_report(&e);
	return 3;
}

static int help_command(int argc, char **argv)
{
	const struct rt_verb *v;

	if (argc < 2) {
		rt_help_app(stdout);
		return 0;
	}
	if (!strcmp(argv[1], "help") || !strcmp(argv[1], "h")) {
		/* urfave describes its own help command, which has no flags */
		printf("NAME:\n   incept help - Shows a list of commands or help for one "
		       "command\n\n"
		       "USAGE:\n   incept help [command]\n");
		return 0;
	}
	v = rt_verb_find(argv[1]);
	if (!v)
		return no_help_topic(argv[1]);
	rt_help_verb(stdout, v);
	return 0;
}

/* runc's app.Before: the log, and values checked before any verb runs. */
static int setup(struct rt_global *g, char **abs_root, struct err *e)
{
	enum log_format fmt;

	if (!strcmp(g->log_format, "text"))
		fmt = LOG_FMT_TEXT;
	else if (!strcmp(g->log_format, "json"))
		fmt = LOG_FMT_JSON;
	else
		return err_set(e, EINVAL, "invalid log-format: %s", g->log_format);
	if (strcmp(g->rootless, "true") && strcmp(g->rootless, "false") &&
	    strcmp(g->rootless, "auto"))
		return err_set(e, EINVAL, "invalid --rootless value: %s (want true, false or auto)",
			       g->rootless);
	if (log_open(g->log, fmt, g->debug, e) < 0)
		return -1;
	if (!*g->root)
		return err_set(e, EINVAL, "--root must not be empty");
	*abs_root = rt_abs_path(g->root, e);
	if (!*abs_root)
		return -1;
	g->root = *abs_root;
	return 0;
}

static int run(int argc, char **argv)
{
	struct rt_global g = {0};
	struct rt_args args = {0};
	cleanup_free char *abs_root = NULL;
	const struct rt_verb *v;
	struct err e;
	int status = 1;

	err_clear(&e);
	if (rt_flags_parse(rt_global_flags, &g, argc - 1, argv + 1, false, NULL, &args, &e) < 0) {
		printf("Incorrect Usage. %s\n\n", e.msg);
		rt_help_app(stdout);
		fflush(stdout);
		log_report(&e);
		return 1;
	}
	if (g.help || (!g.version && args.argc == 0)) {
		rt_help_app(stdout);
		status = 0;
	} else if (g.version) {
		rt_print_version(stdout);
		status = 0;
	} else if (setup(&g, &abs_root, &e) < 0) {
		log_report(&e);
	} else if (!strcmp(args.argv[0], "help") || !strcmp(args.argv[0], "h")) {
		status = help_command(args.argc, args.argv);
	} else if ((v = rt_verb_find(args.argv[0])) != NULL) {
		status = rt_verb_main(&g, v, args.argc - 1, args.argv + 1);
	} else {
		status = no_help_topic(args.argv[0]);
	}
	rt_flags_free(rt_global_flags, &g, &args);
	return status;
}

int main(int argc, char **argv)
{
	int status;

	status = run(argc, argv);
	if (fflush(stdout) != 0 && status == 0)
		status = 1; /* a full disk or closed pipe must not look like success */
	log_close();
	return status;
}
