// SPDX-License-Identifier: Apache-2.0
/*
 * Help and version output in the shape urfave/cli v1 gives runc's, so that
 * `incept --help`, `incept help VERB` and `incept VERB --help` read like
 * runc's: the same sections, the same flag column layout.
 */
#include "rt.h"

#include <stddef.h>
#include <string.h>

const struct rt_flag rt_global_flags[] = {
	{"debug", RT_FLAG_BOOL, offsetof(struct rt_global, debug), "enable debug logging", NULL},
	{"log", RT_FLAG_STRING, offsetof(struct rt_global, log),
	 "set the log file to write incept logs to (default is '/dev/stderr')", NULL},
	{"log-format", RT_FLAG_STRING, offsetof(struct rt_global, log_format),
	 "set the log format ('text' (default), or 'json')", "text"},
	{"root", RT_FLAG_STRING, offsetof(struct rt_global, root),
	 "root directory for storage of container state (this should be located in tmpfs)",
	 RT_DEFAULT_ROOT},
	{"criu", RT_FLAG_STRING, offsetof(struct rt_global, criu),
	 "accepted for compatibility with runc and ignored (incept has no checkpoint/restore)",
	 "criu"},
	{"systemd-cgroup", RT_FLAG_BOOL, offsetof(struct rt_global, systemd_cgroup),
	 "enable systemd cgroup support, expects cgroupsPath to be of form "
	 "\"slice:prefix:name\" for e.g. \"system.slice:incept:434234\"",
	 NULL},
	{"rootless", RT_FLAG_STRING, offsetof(struct rt_global, rootless),
	 "ignore cgroup permission errors ('true', 'false', or 'auto')", "auto"},
	{"help, h", RT_FLAG_BOOL, offsetof(struct rt_global, help), "show help", NULL},
	{"version, v", RT_FLAG_BOOL, offsetof(struct rt_global, version), "print the version",
	 NULL},
	{NULL, 0, 0, NULL, NULL},
};

static const char app_usage[] =
	"Open Container Initiative runtime that runs each container in its own KVM microVM\n"
	"\n"
	"incept is a command line client for running applications packaged according to\n"
	"the Open Container Initiative (OCI) format and is a drop-in replacement for runc.\n"
	"Every container runs inside its own lightweight virtual machine, with its own\n"
	"guest kernel, so a container never shares the host kernel.\n"
	"\n"
	"incept integrates with existing process supervisors (containerd's runc shim,\n"
	"Docker) exactly as runc does: the container's process, as the host sees it, is\n"
	"the virtual machine monitor that runs it.\n"
	"\n"
	"Containers are configured using bundles. A bundle for a container is a directory\n"
	"that includes a specification file named \"config.json\" and a root filesystem.\n"
	"The root filesystem contains the contents of the container.\n"
	"\n"
	"To start a new instance of a container:\n"
	"\n"
	"    # incept run [ -b bundle ] <container-id>\n"
	"\n"
	"Where \"<container-id>\" is your name for the instance of the container that you\n"
	"are starting. The name you provide for the container instance must be unique on\n"
	"your host. Providing the bundle directory using \"-b\" is optional. The default\n"
	"value for \"bundle\" is the current directory.";

void rt_print_version(FILE *out)
{
	fprintf(out, "incept version %s\ncommit: %s\nspec: %s\n", INCEPT_VERSION, INCEPT_COMMIT,
		RT_SPEC_VERSION);
}

/* urfave's prefixedNames: "--bundle value, -b value", "--detach, -d". */
static void flag_names(struct rt_buf *b, const struct rt_flag *f)
{
	const char *p = f->names;
	bool first = true;

	while (*p) {
		size_t n = strcspn(p, ",");

		rt_buf_printf(b, "%s%s%.*s%s", first ? "" : ", ", n == 1 ? "-" : "--", (int)n, p,
			      f->type == RT_FLAG_BOOL ? "" : " value");
		first = false;
		p += n;
		while (*p == ',' || *p == ' ')
			p++;
	}
}

/* One flag as urfave's stringifyFlag shows it: names, a tab, usage and the default. */
static void flag_line(struct rt_buf *b, const struct rt_flag *f)
{
	flag_names(b, f);
	rt_buf_printf(b, "\t%s", f->usage);
	switch (f->type) {
	case RT_FLAG_STRING:
		if (f->def && *f->def)
			rt_buf_printf(b, " (default: \"%s\")", f->def);
		break;
	case RT_FLAG_INT:
	case RT_FLAG_UINT:
		rt_buf_printf(b, " (default: %s)", f->def ? f->def : "0");
		break;
	case RT_FLAG_DURATION:
		rt_buf_printf(b, " (default: %s)", f->def ? f->def : "0s");
		break;
	case RT_FLAG_BOOL:
	case RT_FLAG_STRINGS:
	case RT_FLAG_INTS:
		break;
	}
}

static void emit(FILE *out, struct rt_buf *b)
{
	if (b->oom) {
		fputs("incept: out of memory\n", out);
		return;
	}
	if (rt_tabwrite(out, b->p, 1, 2) < 0)
		fputs("incept: out of memory\n", out);
}

void rt_help_app(FILE *out)
{
	struct rt_buf b = {0};

	rt_buf_printf(&b, "NAME:\n   incept - %s\n\n", app_usage);
	rt_buf_puts(&b, "USAGE:\n   incept [global options] command [command options] "
			"[arguments...]\n\n");
	rt_buf_printf(&b, "VERSION:\n   %s\ncommit: %s\nspec: %s\n\n", INCEPT_VERSION,
		      INCEPT_COMMIT, RT_SPEC_VERSION);
	rt_buf_puts(&b, "COMMANDS:");
	for (size_t i = 0; i < rt_verbs_count; i++)
		rt_buf_printf(&b, "\n   %s\t%s", rt_verbs[i]->name, rt_verbs[i]->usage);
	rt_buf_puts(&b, "\n   help, h\tShows a list of commands or help for one command\n\n");
	rt_buf_puts(&b, "GLOBAL OPTIONS:");
	for (const struct rt_flag *f = rt_global_flags; f->names; f++) {
		rt_buf_puts(&b, "\n   ");
		flag_line(&b, f);
	}
	rt_buf_puts(&b, "\n");
	emit(out, &b);
	rt_buf_free(&b);
}

void rt_help_verb(FILE *out, const struct rt_verb *v)
{
	bool has_flags = v->flags && v->flags->names;
	struct rt_buf b = {0};

	rt_buf_printf(&b, "NAME:\n   incept %s - %s\n\n", v->name, v->usage);
	rt_buf_printf(&b, "USAGE:\n   incept %s%s %s", v->name,
		      has_flags ? " [command options]" : "",
		      v->args_usage ? v->args_usage : "[arguments...]");
	if (v->description)
		rt_buf_printf(&b, "\n\nDESCRIPTION:\n   %s", v->description);
	if (has_flags) {
		rt_buf_puts(&b, "\n\nOPTIONS:\n   ");
		for (const struct rt_flag *f = v->flags; f->names; f++) {
			flag_line(&b, f);
			rt_buf_puts(&b, "\n   ");
		}
	}
	rt_buf_puts(&b, "\n");
	emit(out, &b);
	rt_buf_free(&b);
}
