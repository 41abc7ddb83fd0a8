/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The incept CLI: what main.c and the verb files share. Each verb is a const
 * struct rt_verb in its own file: its flags (parsed as runc's urfave/cli v1
 * parses them), its help text, and a run function that gets the parsed
 * options and the positional arguments. Errors go up as struct err; main.c
 * reports them once.
 */
#ifndef INCEPT_RT_H
#define INCEPT_RT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include "error.h"
#include "log.h"
#include "oci/spec.h"

#ifndef INCEPT_VERSION
#define INCEPT_VERSION "0.0.0"
#endif
#ifndef INCEPT_COMMIT
#define INCEPT_COMMIT "unknown"
#endif

/* The runtime-spec version incept implements (state's ociVersion, features, --version). */
#define RT_SPEC_VERSION	    OCI_SPEC_VERSION
#define RT_SPEC_VERSION_MIN "1.0.0"
#define RT_DEFAULT_ROOT	    "/run/incept"

/* Global flags, as runc has them. */
struct rt_global {
	bool debug;
	const char *log;
	const char *log_format;
	const char *root; /* absolute after main.c's checks */
	const char *criu;
	bool systemd_cgroup;
	const char *rootless;
	bool help;
	bool version;
};

/* ---- flags (runtime/flags.c) ---- */

enum rt_flag_type {
	RT_FLAG_BOOL,	  /* bool */
	RT_FLAG_STRING,	  /* const char * (points into argv or at the default) */
	RT_FLAG_STRINGS,  /* struct rt_strv, repeatable: --env A --env B */
	RT_FLAG_INTS,	  /* struct rt_strv of values checked as Go's Int64Slice checks them */
	RT_FLAG_INT,	  /* long long, Go's strconv.ParseInt(s, 0, 64) */
	RT_FLAG_UINT,	  /* unsigned long long */
	RT_FLAG_DURATION, /* long long nanoseconds, Go's time.ParseDuration */
};

struct rt_strv {
	const char **v;
	size_t n;
};

struct rt_flag {
	const char *names; /* "bundle, b": the long name first, then aliases */
	enum rt_flag_type type;
	size_t offset;	   /* of the value in the verb's options struct */
	const char *usage; /* help text */
	const char *def;   /* default value, parsed into the options and shown in help */
};

/* The result of parsing: positional arguments (a malloc'd array of argv pointers). */
struct rt_args {
	int argc;
	char **argv;
};

/*
 * Parses `argv` against `flags` (terminated by an entry with names == NULL) into
 * `opts`, as urfave/cli v1 does for a command: with `reorder`, flags found after
 * positional arguments are moved in front first (up to "--"); then Go's flag
 * package rules: -name and --name, -name=value, a value in the next argument,
 * booleans only as -name or -name=value, parsing stops at the first non-flag.
 * A built-in --help/-h sets *help. Errors carry Go's messages.
 */
int rt_flags_parse(const struct rt_flag *flags, void *opts, int argc, char **argv, bool reorder,
		   bool *help, struct rt_args *out, struct err *e);
void rt_flags_free(const struct rt_flag *flags, void *opts, struct rt_args *args);

/* Go-compatible value parsers (0 or -1; *why gets "parse error" / "value out of range"). */
int rt_parse_bool(const char *s, bool *out);
int rt_parse_int(const char *s, long long *out, const char **why);
int rt_parse_uint(const char *s, unsigned long long *out, const char **why);
int rt_parse_duration(const char *s, long long *ns, const char **why);

/* ---- verbs ---- */

struct rt_verb {
	const char *name;
	const char *usage;	 /* one line: COMMANDS list and NAME */
	const char *args_usage;	 /* after "[command options]" in USAGE, e.g. "<container-id>" */
	const char *description; /* everything between USAGE and OPTIONS, verbatim, or NULL */
	const struct rt_flag *flags;
	size_t opts_size;
	int min_args, max_args; /* -1: no limit */
	bool no_reorder;	/* exec: what follows the id is the command, flags and all */
	int fail_status;	/* exit status on error; 0 means 1 */
	/* Returns an exit status >= 0, or negative with `e` filled. */
	int (*run)(const struct rt_global *g, void *opts, int argc, char **argv, struct err *e);
};

extern const struct rt_verb *const rt_verbs[];
extern const size_t rt_verbs_count;
const struct rt_verb *rt_verb_find(const char *name);

/* Runs one verb: flags, help, argument count, then verb->run. Returns the exit status. */
int rt_verb_main(const struct rt_global *g, const struct rt_verb *v, int argc, char **argv);

/* ---- help (runtime/help.c) ---- */

extern const struct rt_flag rt_global_flags[];
void rt_help_app(FILE *out);
void rt_help_verb(FILE *out, const struct rt_verb *v);
void rt_print_version(FILE *out);

/* ---- output helpers ---- */

/*
 * Go's text/tabwriter (flags 0, padchar ' '): cells end at '\t', lines at
 * '\n'; a column is as wide as its widest cell in each block of consecutive
 * lines that have it, plus padding, at least minwidth.
 */
int rt_tabwrite(FILE *out, const char *text, int minwidth, int padding);

/* A growable buffer. */
struct rt_buf {
	char *p;
	size_t len, cap;
	bool oom;
};
void rt_buf_add(struct rt_buf *b, const char *s, size_t n);
void rt_buf_puts(struct rt_buf *b, const char *s);
void rt_buf_printf(struct rt_buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void rt_buf_free(struct rt_buf *b);

/*
 * JSON exactly as Go's encoding/json writes it (HTML-safe escapes, invalid
 * UTF-8 as \ufffd), compact or indented like json.MarshalIndent.
 */
struct rt_json {
	struct rt_buf buf;
	const char *indent; /* NULL: compact */
	int depth;
	bool first[64]; /* no element written yet at this depth */
	bool after_key;
};
void rt_json_init(struct rt_json *j, const char *indent);
void rt_json_obj_begin(struct rt_json *j);
void rt_json_obj_end(struct rt_json *j);
void rt_json_arr_begin(struct rt_json *j);
void rt_json_arr_end(struct rt_json *j);
void rt_json_key(struct rt_json *j, const char *key);
void rt_json_str(struct rt_json *j, const char *s);
void rt_json_int(struct rt_json *j, long long v);
void rt_json_uint(struct rt_json *j, unsigned long long v);
void rt_json_bool(struct rt_json *j, bool v);
void rt_json_null(struct rt_json *j);
/* Appends Go's escaped form of `s` (without quotes). */
void rt_json_escape(struct rt_buf *b, const char *s);

/* ---- shared verb pieces ---- */

struct oci_state;
struct oci_container;

/* runc's `state` object for one container (status and pid as seen now). */
void rt_state_json(struct rt_json *j, const struct oci_state *s, const char *status, int pid,
		   const char *owner);

/* Opens container `id` under g->root (see oci_container_open for flags). */
int rt_container_open(const struct rt_global *g, const char *id, unsigned int flags,
		      struct oci_container **out, struct err *e);

/* create's and run's flags (runc 1.1; run adds detach, keep, no-subreaper). */
struct rt_create_opts {
	const char *bundle;
	const char *console_socket;
	const char *pid_file;
	bool no_pivot;
	bool no_new_keyring;
	long long preserve_fds;
	bool detach;
	bool keep;
	bool no_subreaper;
	bool no_snapshot; /* incept's own: cold-boot the guest instead of restoring a snapshot */
	bool start_now;	  /* not a flag: run asks the agent to start at once when it may */
};

/* create's and run's shared flags, each with runc's help text (the tables keep runc's order). */
#define RT_CREATE_FLAG_BUNDLE                                                                      \
	{                                                                                          \
		"bundle, b", RT_FLAG_STRING, offsetof(struct rt_create_opts, bundle),              \
			"path to the root of the bundle directory, defaults to the current "       \
			"directory",                                                               \
			NULL                                                                       \
	}
#define RT_CREATE_FLAG_CONSOLE_SOCKET                                                              \
	{                                                                                          \
		"console-socket", RT_FLAG_STRING, offsetof(struct rt_create_opts, console_socket), \
			"path to an AF_UNIX socket which will receive a file descriptor "          \
			"referencing the master "                                                  \
			"end of the console's pseudoterminal",                                     \
			NULL                                                                       \
	}
#define RT_CREATE_FLAG_PID_FILE                                                                    \
	{                                                                                          \
		"pid-file", RT_FLAG_STRING, offsetof(struct rt_create_opts, pid_file),             \
			"specify the file to write the process id to", NULL                        \
	}
#define RT_CREATE_FLAG_NO_PIVOT                                                                    \
	{                                                                                          \
		"no-pivot", RT_FLAG_BOOL, offsetof(struct rt_create_opts, no_pivot),               \
			"do not use pivot root to jail process inside rootfs.  This should be "    \
			"used whenever "                                                           \
			"the rootfs is on top of a ramdisk",                                       \
			NULL                                                                       \
	}
#define RT_CREATE_FLAG_NO_NEW_KEYRING                                                              \
	{                                                                                          \
		"no-new-keyring", RT_FLAG_BOOL, offsetof(struct rt_create_opts, no_new_keyring),   \
			"do not create a new session keyring for the container.  This will cause " \
			"the "                                                                     \
			"container to inherit the calling processes session key",                  \
			NULL                                                                       \
	}
#define RT_CREATE_FLAG_PRESERVE_FDS                                                                \
	{                                                                                          \
		"preserve-fds", RT_FLAG_INT, offsetof(struct rt_create_opts, preserve_fds),        \
			"Pass N additional file descriptors to the container (stdio + "            \
			"$LISTEN_FDS + N in total)",                                               \
			"0"                                                                        \
	}

#define RT_CREATE_FLAG_NO_SNAPSHOT                                                                 \
	{                                                                                          \
		"no-snapshot", RT_FLAG_BOOL, offsetof(struct rt_create_opts, no_snapshot),         \
			"(incept) cold-boot the container's microVM instead of restoring the "     \
			"guest snapshot",                                                          \
			NULL                                                                       \
	}

extern const char rt_create_args_usage[];

/* kill's signal argument as runc reads it: a number, "KILL" or "SIGKILL" (any case). */
int rt_parse_signal(const char *s, int *sig, struct err *e);

/* Makes `path` absolute against the current directory (malloc'd). */
char *rt_abs_path(const char *path, struct err *e);

#endif
