// SPDX-License-Identifier: Apache-2.0
/* `incept list`: runc's table, `--format json` array (null when empty), or `-q` ids. */
#include "rt.h"
#include "cleanup.h"
#include "oci/state.h"

#include <errno.h>
#include <pwd.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

struct list_opts {
	const char *format;
	bool quiet;
};

struct list_entry {
	struct oci_container *c;
	enum oci_status status;
	char owner[64];
};

/* runc shows the state directory's owner by name, "#<uid>" when it has none. */
static void owner_name(const struct oci_container *c, char *buf, size_t len)
{
	struct passwd pw, *res = NULL;
	char pwbuf[1024];
	struct stat st;

	if (fstat(c->dir_fd, &st) < 0) {
		snprintf(buf, len, "#?");
		return;
	}
	if (getpwuid_r(st.st_uid, &pw, pwbuf, sizeof(pwbuf), &res) == 0 && res)
		snprintf(buf, len, "%s", res->pw_name);
	else
		snprintf(buf, len, "#%u", (unsigned int)st.st_uid);
}

static int live_pid(const struct list_entry *le)
{
	return le->status == OCI_STATUS_STOPPED ? 0 : le->c->state.pid;
}

static int print_table(const struct list_entry *v, size_t n, struct err *e)
{
	struct rt_buf b = {0};
	int r = 0;

	rt_buf_puts(&b, "ID\tPID\tSTATUS\tBUNDLE\tCREATED\tOWNER\n");
	for (size_t i = 0; i < n; i++) {
		const struct oci_state *s = &v[i].c->state;

		rt_buf_printf(&b, "%s\t%d\t%s\t%s\t%s\t%s\n", s->id, live_pid(&v[i]),
			      oci_status_name(v[i].status), s->bundle, s->created, v[i].owner);
	}
	/* runc: tabwriter.NewWriter(os.Stdout, 12, 1, 3, ' ', 0) */
	if (b.oom || rt_tabwrite(stdout, b.p, 12, 3) < 0)
		r = err_sys(e, ENOMEM, "list");
	rt_buf_free(&b);
	return r;
}

static int print_json(const struct list_entry *v, size_t n, struct err *e)
{
	struct rt_json j;
	int r = 0;

	rt_json_init(&j, NULL);
	if (n == 0) {
		rt_json_null(&j); /* Go encodes a nil slice as null */
	} else {
		rt_json_arr_begin(&j);
		for (size_t i = 0; i < n; i++)
			rt_state_json(&j, &v[i].c->state, oci_status_name(v[i].status),
				      live_pid(&v[i]), v[i].owner);
		rt_json_arr_end(&j);
	}
	rt_buf_puts(&j.buf, "\n"); /* json.Encoder.Encode ends with a newline */
	if (j.buf.oom)
		r = err_sys(e, ENOMEM, "list");
	else
		fwrite(j.buf.p, 1, j.buf.len, stdout);
	rt_buf_free(&j.buf);
	return r;
}

static int print_list(const struct list_opts *o, const struct list_entry *v, size_t n,
		      struct err *e)
{
	if (o->quiet) {
		for (size_t i = 0; i < n; i++)
			printf("%s\n", v[i].c->state.id);
		return 0;
	}
	if (!strcmp(o->format, "table"))
		return print_table(v, n, e);
	if (!strcmp(o->format, "json"))
		return print_json(v, n, e);
	return err_set(e, EINVAL, "invalid format option");
}

/* Loads every container; one that cannot be loaded is reported and skipped, as runc does. */
static size_t load_all(const struct rt_global *g, char **ids, size_t n, struct list_entry *v)
{
	size_t k = 0;

	for (size_t i = 0; i < n; i++) {
		struct err e;

		if (rt_container_open(g, ids[i], 0, &v[k].c, &e) < 0) {
			fprintf(stderr, "load container %s: %s\n", ids[i], e.msg);
			continue;
		}
		v[k].status = oci_container_status(v[k].c);
		owner_name(v[k].c, v[k].owner, sizeof(v[k].owner));
		k++;
	}
	return k;
}

static int list_run(const struct rt_global *g, void *opts, int argc, char **argv, struct err *e)
{
	char **ids;
	size_t n, k;
	struct list_entry *v;
	int r;

	(void)argc;
	(void)argv;
	if (oci_container_list(g->root, &ids, &n, e) < 0)
		return -1;
	v = calloc(n ? n : 1, sizeof(*v));
	if (!v) {
		oci_container_list_free(ids, n);
		return err_sys(e, ENOMEM, "list");
	}
	k = load_all(g, ids, n, v);
	r = print_list(opts, v, k, e);
	for (size_t i = 0; i < k; i++)
		oci_container_close(v[i].c);
	free(v);
	oci_container_list_free(ids, n);
	return r < 0 ? -1 : 0;
}

static const struct rt_flag list_flags[] = {
	{"format, f", RT_FLAG_STRING, offsetof(struct list_opts, format),
	 "select one of: table or json", "table"},
	{"quiet, q", RT_FLAG_BOOL, offsetof(struct list_opts, quiet), "display only container IDs",
	 NULL},
	{NULL, 0, 0, NULL, NULL},
};

const struct rt_verb rt_verb_list = {
	.name = "list",
	.usage = "lists containers started by incept with the given root",
	.args_usage = "\n"
		      "\n"
		      "Where the given root is specified via the global option \"--root\"\n"
		      "(default: \"" RT_DEFAULT_ROOT "\").\n"
		      "\n"
		      "EXAMPLE 1:\n"
		      "To list containers created via the default \"--root\":\n"
		      "       # incept list\n"
		      "\n"
		      "EXAMPLE 2:\n"
		      "To list containers created using a non-default value for \"--root\":\n"
		      "       # incept --root value list",
	.flags = list_flags,
	.opts_size = sizeof(struct list_opts),
	.min_args = 0,
	.max_args = 0,
	.run = list_run,
};
