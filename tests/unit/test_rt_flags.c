// SPDX-License-Identifier: Apache-2.0
/* runtime/flags.c: Go's value parsers and urfave/cli v1's flag handling, case by case. */
#include "unit.h"
#include "runtime/rt.h"
#include "cleanup.h"

#include <limits.h>
#include <stddef.h>
#include <stdlib.h>

static void bool_case(const char *s, int want)
{
	bool v = !want;

	if (want < 0) {
		CHECK_INT(rt_parse_bool(s, &v), -1);
		return;
	}
	CHECK_INT(rt_parse_bool(s, &v), 0);
	CHECK_INT(v, want);
}

static void test_bool(void)
{
	const char *yes[] = {"1", "t", "T", "TRUE", "true", "True"};
	const char *no[] = {"0", "f", "F", "FALSE", "false", "False"};

	for (size_t i = 0; i < ARRAY_SIZE(yes); i++) {
		bool_case(yes[i], 1);
		bool_case(no[i], 0);
	}
	bool_case("yes", -1);
	bool_case("TrUe", -1);
	bool_case("", -1);
	bool_case("maybe", -1);
}

static void uint_case(const char *s, unsigned long long want, const char *want_err)
{
	unsigned long long v = 0;
	const char *why = NULL;
	int r = rt_parse_uint(s, &v, &why);

	if (want_err) {
		CHECK_INT(r, -1);
		CHECK_STR(why, want_err);
		return;
	}
	CHECK_INT(r, 0);
	CHECK(v == want);
	if (v != want)
		printf("# %s: got %llu want %llu\n", s, v, want);
}

static void test_uint(void)
{
	uint_case("0", 0, NULL);
	uint_case("42", 42, NULL);
	uint_case("0x1f", 31, NULL);
	uint_case("0X1F", 31, NULL);
	uint_case("0o17", 15, NULL);
	uint_case("017", 15, NULL);
	uint_case("0b101", 5, NULL);
	uint_case("1_000", 1000, NULL);
	uint_case("0x_1f", 31, NULL);
	uint_case("0_7", 7, NULL);
	uint_case("18446744073709551615", ULLONG_MAX, NULL);
	uint_case("18446744073709551616", 0, "value out of range");
	uint_case("", 0, "parse error");
	uint_case("0x", 0, "parse error");
	uint_case("08", 0, "parse error");
	uint_case("_1", 0, "parse error");
	uint_case("1_", 0, "parse error");
	uint_case("1__0", 0, "parse error");
	uint_case("-1", 0, "parse error");
	uint_case("+1", 0, "parse error");
	uint_case(" 1", 0, "parse error");
	uint_case("1a", 0, "parse error");
}

static void int_case(const char *s, long long want, const char *want_err)
{
	long long v = 0;
	const char *why = NULL;
	int r = rt_parse_int(s, &v, &why);

	if (want_err) {
		CHECK_INT(r, -1);
		CHECK_STR(why, want_err);
		return;
	}
	CHECK_INT(r, 0);
	CHECK_INT(v, want);
}

static void test_int(void)
{
	int_case("-1", -1, NULL);
	int_case("+5", 5, NULL);
	int_case("-0x10", -16, NULL);
	int_case("9223372036854775807", LLONG_MAX, NULL);
	int_case("-9223372036854775808", LLONG_MIN, NULL);
	int_case("9223372036854775808", 0, "value out of range");
	int_case("-9223372036854775809", 0, "value out of range");
	int_case("--1", 0, "parse error");
	int_case("-", 0, "parse error");
	int_case("abc", 0, "parse error");
}

static void dur_case(const char *s, long long want, bool ok)
{
	long long v = 12345;
	const char *why = NULL;
	int r = rt_parse_duration(s, &v, &why);

	if (!ok) {
		CHECK_INT(r, -1);
		CHECK_STR(why, "parse error");
		return;
	}
	CHECK_INT(r, 0);
	CHECK_INT(v, want);
}

static void test_duration(void)
{
	dur_case("5s", 5000000000LL, true);
	dur_case("0", 0, true);
	dur_case("0s", 0, true);
	dur_case("1h30m", 5400000000000LL, true);
	dur_case("1.5s", 1500000000LL, true);
	dur_case(".5s", 500000000LL, true);
	dur_case("5.s", 5000000000LL, true);
	dur_case("100ms", 100000000LL, true);
	dur_case("3us", 3000LL, true);
	dur_case("3\xc2\xb5s", 3000LL, true);
	dur_case("7ns", 7LL, true);
	dur_case("-1s", -1000000000LL, true);
	dur_case("+2m", 120000000000LL, true);
	dur_case("2562047h", 2562047LL * 3600 * 1000000000LL, true);
	dur_case("2562048h", 0, false);
	dur_case("5", 0, false);
	dur_case("1x", 0, false);
	dur_case("s", 0, false);
	dur_case(".s", 0, false);
	dur_case("", 0, false);
	dur_case("1s ", 0, false);
}

/* A verb-like table to exercise the parser. */
struct opts {
	const char *format;
	bool quiet;
	bool detach;
	long long weight;
	long long interval;
	struct rt_strv env;
	struct rt_strv gids;
	const char *pid_file;
};

static const struct rt_flag flags[] = {
	{"format, f", RT_FLAG_STRING, offsetof(struct opts, format), "fmt", "table"},
	{"quiet, q", RT_FLAG_BOOL, offsetof(struct opts, quiet), "q", NULL},
	{"detach, d", RT_FLAG_BOOL, offsetof(struct opts, detach), "d", NULL},
	{"blkio-weight", RT_FLAG_INT, offsetof(struct opts, weight), "w", "0"},
	{"interval", RT_FLAG_DURATION, offsetof(struct opts, interval), "i", "5s"},
	{"env, e", RT_FLAG_STRINGS, offsetof(struct opts, env), "e", NULL},
	{"additional-gids, g", RT_FLAG_INTS, offsetof(struct opts, gids), "g", NULL},
	{"pid-file", RT_FLAG_STRING, offsetof(struct opts, pid_file), "p", NULL},
	{NULL, 0, 0, NULL, NULL},
};

/* Splits a space-separated command line (no quoting needed in these cases). */
static int split(char *line, char **argv)
{
	int n = 0;

	for (char *t = strtok(line, " "); t; t = strtok(NULL, " "))
		argv[n++] = t;
	argv[n] = NULL;
	return n;
}

/*
 * Parses `line` (reordering as a verb does unless no_reorder) and checks the
 * positional arguments joined by '|' and the error, if any.
 */
static void parse_case(const char *line, bool reorder, const char *want_pos, const char *want_err,
		       struct opts *o)
{
	char buf[512], *argv[64], joined[512] = "";
	struct rt_args args;
	struct err e;
	bool help;
	int argc, r;

	snprintf(buf, sizeof(buf), "%s", line);
	argc = split(buf, argv);
	memset(o, 0, sizeof(*o));
	err_clear(&e);
	r = rt_flags_parse(flags, o, argc, argv, reorder, &help, &args, &e);
	if (want_err) {
		CHECK_INT(r, -1);
		CHECK_STR(e.msg, want_err);
		rt_flags_free(flags, o, &args);
		return;
	}
	CHECK_INT(r, 0);
	if (r == 0)
		for (int i = 0; i < args.argc; i++)
			snprintf(joined + strlen(joined), sizeof(joined) - strlen(joined), "%s%s",
				 i ? "|" : "", args.argv[i]);
	CHECK_STR(joined, want_pos);
	if (o->env.n || o->gids.n)
		return; /* the caller looks at them and frees */
	rt_flags_free(flags, o, &args);
}

static void test_parse_forms(void)
{
	struct opts o;

	parse_case("", true, "", NULL, &o);
	CHECK_STR(o.format, "table"); /* the default */
	CHECK_INT(o.interval, 5000000000LL);
	parse_case("--format json x", true, "x", NULL, &o);
	CHECK_STR(o.format, "json");
	parse_case("-format=json x", true, "x", NULL, &o);
	CHECK_STR(o.format, "json");
	parse_case("-f json", true, "", NULL, &o);
	CHECK_STR(o.format, "json");
	parse_case("--f=", true, "", NULL, &o);
	CHECK_STR(o.format, "");
	parse_case("-q -d=false x", true, "x", NULL, &o);
	CHECK(o.quiet && !o.detach);
	parse_case("--quiet=1", true, "", NULL, &o);
	CHECK(o.quiet);
	/* A boolean never takes the next argument as its value. */
	parse_case("-q false", true, "false", NULL, &o);
	CHECK(o.quiet);
	parse_case("--pid-file --x", true, "", NULL, &o);
	CHECK_STR(o.pid_file, "--x");
	parse_case("--interval 100ms", true, "", NULL, &o);
	CHECK_INT(o.interval, 100000000LL);
}

static void test_parse_errors(void)
{
	struct opts o;

	parse_case("--bogus x", true, NULL, "flag provided but not defined: -bogus", &o);
	parse_case("-x", true, NULL, "flag provided but not defined: -x", &o);
	parse_case("-dq", true, NULL, "flag provided but not defined: -dq", &o);
	parse_case("---q", true, NULL, "bad flag syntax: ---q", &o);
	parse_case("-=q", true, NULL, "bad flag syntax: -=q", &o);
	parse_case("-f", true, NULL, "flag needs an argument: -f", &o);
	parse_case("--quiet=maybe", true, NULL,
		   "invalid boolean value \"maybe\" for -quiet: parse error", &o);
	parse_case("--blkio-weight x y", true, NULL,
		   "invalid value \"x\" for flag -blkio-weight: parse error", &o);
	parse_case(
		"--blkio-weight 99999999999999999999", true, NULL,
		"invalid value \"99999999999999999999\" for flag -blkio-weight: value out of range",
		&o);
	parse_case("--interval 5", true, NULL,
		   "invalid value \"5\" for flag -interval: parse error", &o);
	parse_case("-g abc", true, NULL,
		   "invalid value \"abc\" for flag -g: strconv.ParseInt: parsing \"abc\": invalid "
		   "syntax",
		   &o);
	parse_case("--help=maybe", true, NULL,
		   "invalid boolean value \"maybe\" for -help: parse error", &o);
}

/* Each case here was checked against runc 1.1.5 (urfave/cli v1.22). */
static void test_reorder_like_runc(void)
{
	struct opts o;

	/* Flags after the id move in front. */
	parse_case("x --quiet", true, "x", NULL, &o);
	CHECK(o.quiet);
	parse_case("x -f json", true, "x", NULL, &o);
	CHECK_STR(o.format, "json");
	/* Unknown flags stay where they are and become arguments after the first one. */
	parse_case("x --bogus", true, "x|--bogus", NULL, &o);
	/* A value that looks like a number with a dash is still the value. */
	parse_case("--blkio-weight -1 x", true, "x", NULL, &o);
	CHECK_INT(o.weight, -1);
	/* After a boolean, the next argument moves with it (runc's quirk): order changes. */
	parse_case("x -d KILL", true, "KILL|x", NULL, &o);
	CHECK(o.detach);
	/* "--" ends reordering and parsing; what follows is positional. */
	parse_case("x KILL -- -d", true, "x|KILL|-d", NULL, &o);
	CHECK(!o.detach);
	parse_case("-- x -f", true, "x|-f", NULL, &o);
	CHECK_STR(o.format, "table");
	parse_case("- -q", true, "-", NULL, &o);
	CHECK(o.quiet);
	/* Without reordering (exec), flags after the first argument belong to the command. */
	parse_case("-d id ps -ef -q", false, "id|ps|-ef|-q", NULL, &o);
	CHECK(o.detach && !o.quiet);
}

static void test_repeatable(void)
{
	struct rt_args args;
	struct opts o;
	struct err e;
	char *argv[] = {"-e", "A=1", "--env=B=2", "-g", "5", "-g", "0x10", "id", NULL};
	bool help;

	memset(&o, 0, sizeof(o));
	CHECK_INT(rt_flags_parse(flags, &o, 8, argv, true, &help, &args, &e), 0);
	CHECK_INT(o.env.n, 2);
	if (o.env.n == 2) {
		CHECK_STR(o.env.v[0], "A=1");
		CHECK_STR(o.env.v[1], "B=2");
	}
	CHECK_INT(o.gids.n, 2);
	CHECK_INT(args.argc, 1);
	rt_flags_free(flags, &o, &args);
	CHECK(o.env.v == NULL && o.env.n == 0 && args.argv == NULL);
}

static void test_help_flag(void)
{
	struct rt_args args;
	struct opts o;
	struct err e;
	char *a1[] = {"x", "--help", NULL};
	char *a2[] = {"-h=false", "x", NULL};
	bool help = false;

	memset(&o, 0, sizeof(o));
	CHECK_INT(rt_flags_parse(flags, &o, 2, a1, true, &help, &args, &e), 0);
	CHECK(help);
	rt_flags_free(flags, &o, &args);
	CHECK_INT(rt_flags_parse(flags, &o, 2, a2, true, &help, &args, &e), 0);
	CHECK(!help);
	CHECK_INT(args.argc, 1);
	rt_flags_free(flags, &o, &args);
	/* Global flags have no implicit help: "help" is then unknown unless the table has it. */
	CHECK_INT(rt_flags_parse(flags, &o, 2, a1, true, NULL, &args, &e), -1);
	CHECK_STR(e.msg, "flag provided but not defined: -help");
}

/* Every verb's table parses its own defaults: a typo in a default would break the verb. */
static void test_verb_tables(void)
{
	for (size_t i = 0; i < rt_verbs_count; i++) {
		const struct rt_verb *v = rt_verbs[i];
		void *opts = calloc(1, v->opts_size ? v->opts_size : 1);
		struct rt_args args;
		struct err e;
		bool help;

		CHECK(v->run != NULL && v->usage != NULL);
		CHECK(rt_verb_find(v->name) == v);
		err_clear(&e);
		CHECK_INT(rt_flags_parse(v->flags, opts, 0, NULL, true, &help, &args, &e), 0);
		if (e.msg[0])
			printf("# %s: %s\n", v->name, e.msg);
		rt_flags_free(v->flags, opts, &args);
		free(opts);
	}
	CHECK(rt_verb_find("help") == NULL);
	CHECK(rt_verb_find("bogus") == NULL);
	CHECK_INT(rt_verbs_count, 18); /* runc's 17 + prepare */
	CHECK(rt_verb_find("prepare") != NULL);
}

int main(void)
{
	RUN(test_bool);
	RUN(test_uint);
	RUN(test_int);
	RUN(test_duration);
	RUN(test_parse_forms);
	RUN(test_parse_errors);
	RUN(test_reorder_like_runc);
	RUN(test_repeatable);
	RUN(test_help_flag);
	RUN(test_verb_tables);
	return unit_done();
}
