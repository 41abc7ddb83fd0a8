// SPDX-License-Identifier: Apache-2.0
/* The verb table, running one verb, and the pieces several verbs share. */
#define _GNU_SOURCE /* asprintf */
#include "rt.h"
#include "cleanup.h"
#include "oci/state.h"

#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

extern const struct rt_verb rt_verb_checkpoint, rt_verb_create, rt_verb_delete, rt_verb_events,
	rt_verb_exec, rt_verb_kill, rt_verb_list, rt_verb_pause, rt_verb_ps, rt_verb_restore,
	rt_verb_resume, rt_verb_run, rt_verb_spec, rt_verb_start, rt_verb_state, rt_verb_update,
	rt_verb_features, rt_verb_prepare;

/* runc's order in `runc --help`. */
const struct rt_verb *const rt_verbs[] = {
	&rt_verb_checkpoint, &rt_verb_create,	&rt_verb_delete,  &rt_verb_events, &rt_verb_exec,
	&rt_verb_kill,	     &rt_verb_list,	&rt_verb_pause,	  &rt_verb_ps,	   &rt_verb_restore,
	&rt_verb_resume,     &rt_verb_run,	&rt_verb_spec,	  &rt_verb_start,  &rt_verb_state,
	&rt_verb_update,     &rt_verb_features, &rt_verb_prepare, /* incept's own, after runc's */
};
const size_t rt_verbs_count = ARRAY_SIZE(rt_verbs);

const struct rt_verb *rt_verb_find(const char *name)
{
	for (size_t i = 0; i < rt_verbs_count; i++)
		if (!strcmp(rt_verbs[i]->name, name))
			return rt_verbs[i];
	return NULL;
}

/* runc's checkArgs messages. */
static int check_args(const struct rt_verb *v, int argc, struct err *e)
{
	if (v->min_args == v->max_args && argc != v->min_args)
		return err_set(e, EINVAL, "incept: \"%s\" requires exactly %d argument(s)", v->name,
			       v->min_args);
	if (v->min_args >= 0 && argc < v->min_args)
		return err_set(e, EINVAL, "incept: \"%s\" requires a minimum of %d argument(s)",
			       v->name, v->min_args);
	if (v->max_args >= 0 && argc > v->max_args)
		return err_set(e, EINVAL, "incept: \"%s\" requires a maximum of %d argument(s)",
			       v->name, v->max_args);
	return 0;
}

/*
 * As urfave/cli and runc do it: usage mistakes print "Incorrect Usage" and the
 * verb's help on stdout, then the error; --help prints the help and succeeds.
 */
int rt_verb_main(const struct rt_global *g, const struct rt_verb *v, int argc, char **argv)
{
	struct rt_args args = {0};
	struct err e;
	bool help = false;
	int status = 1, r;
	void *opts = calloc(1, v->opts_size ? v->opts_size : 1);

	err_clear(&e);
	if (!opts) {
		err_sys(&e, ENOMEM, "%s", v->name);
		goto report;
	}
	if (rt_flags_parse(v->flags, opts, argc, argv, !v->no_reorder, &help, &args, &e) < 0) {
		printf("Incorrect Usage: %s\n\n", e.msg);
		rt_help_verb(stdout, v);
		goto report;
	}
	if (help) {
		rt_help_verb(stdout, v);
		status = 0;
		goto out;
	}
	if (check_args(v, args.argc, &e) < 0) {
		printf("Incorrect Usage.\n\n");
		rt_help_verb(stdout, v);
		goto report;
	}
	r = v->run(g, opts, args.argc, args.argv, &e);
	if (r >= 0) {
		status = r;
		goto out;
	}
	status = v->fail_status ? v->fail_status : 1;
report:
	fflush(stdout);
	log_report(&e);
out:
	rt_flags_free(v->flags, opts, &args);
	free(opts);
	return status;
}

int rt_container_open(const struct rt_global *g, const char *id, unsigned int flags,
		      struct oci_container **out, struct err *e)
{
	return oci_container_open(g->root, id, flags, out, e);
}

/*
 * Go's filepath.Clean on an absolute path, in place: no "//", ".", "..", or
 * trailing "/". Reads ahead of where it writes, and never past `end`.
 */
static void clean_abs_path(char *p)
{
	const char *in = p + 1, *end = p + strlen(p);
	char *out = p + 1;

	while (in < end) {
		size_t n = strcspn(in, "/");
		const char *next = in + n + (in + n < end);

		if (n == 0 || (n == 1 && in[0] == '.')) {
			/* empty or "." element: dropped */
		} else if (n == 2 && in[0] == '.' && in[1] == '.') {
			if (out > p + 1)
				out--; /* the '/' ending the previous element */
			while (out > p + 1 && out[-1] != '/')
				out--;
		} else {
			memmove(out, in, n);
			out += n;
			*out++ = '/';
		}
		in = next;
	}
	if (out > p + 1)
		out--; /* trailing '/' */
	*out = '\0';
}

char *rt_abs_path(const char *path, struct err *e)
{
	char cwd[PATH_MAX];
	char *abs;

	if (path[0] == '/') {
		abs = strdup(path);
	} else {
		if (!getcwd(cwd, sizeof(cwd)))
			return err_sys(e, errno, "getcwd"), NULL;
		if (asprintf(&abs, "%s/%s", cwd, path) < 0)
			abs = NULL;
	}
	if (!abs)
		return err_sys(e, ENOMEM, "%s", path), NULL;
	clean_abs_path(abs);
	return abs;
}

void rt_state_json(struct rt_json *j, const struct oci_state *s, const char *status, int pid,
		   const char *owner)
{
	rt_json_obj_begin(j);
	rt_json_key(j, "ociVersion");
	rt_json_str(j, s->oci_version);
	rt_json_key(j, "id");
	rt_json_str(j, s->id);
	rt_json_key(j, "pid");
	rt_json_int(j, pid);
	rt_json_key(j, "status");
	rt_json_str(j, status);
	rt_json_key(j, "bundle");
	rt_json_str(j, s->bundle);
	rt_json_key(j, "rootfs");
	rt_json_str(j, s->rootfs);
	rt_json_key(j, "created");
	rt_json_str(j, s->created);
	if (s->n_annotations) { /* `json:"annotations,omitempty"`; kept sorted, as Go sorts maps */
		rt_json_key(j, "annotations");
		rt_json_obj_begin(j);
		for (size_t i = 0; i < s->n_annotations; i++) {
			rt_json_key(j, s->annotations[i].key);
			rt_json_str(j, s->annotations[i].value);
		}
		rt_json_obj_end(j);
	}
	rt_json_key(j, "owner");
	rt_json_str(j, owner);
	rt_json_obj_end(j);
}
