// SPDX-License-Identifier: Apache-2.0
/*
 * Command-line flags exactly as runc gets them from urfave/cli v1 on top of
 * Go's flag package, because containerd, Docker and scripts written for runc
 * call us the same way: `--root X`, `-root=X`, `--detach`, `-d=false`, flags
 * after the container id, and Go's error messages when something is wrong.
 */
#include "rt.h"
#include "cleanup.h"

#include <errno.h>
#include <limits.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static const char *const go_parse_error = "parse error";
static const char *const go_range_error = "value out of range";

int rt_parse_bool(const char *s, bool *out)
{
	static const char *const yes[] = {"1", "t", "T", "TRUE", "true", "True"};
	static const char *const no[] = {"0", "f", "F", "FALSE", "false", "False"};

	for (size_t i = 0; i < ARRAY_SIZE(yes); i++) {
		if (!strcmp(s, yes[i]) || !strcmp(s, no[i])) {
			*out = !strcmp(s, yes[i]);
			return 0;
		}
	}
	return -1;
}

static int digit_value(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'Z')
		return c - 'A' + 10;
	return 99;
}

/*
 * strconv.ParseUint(s, 0, 64): 0x/0o/0b prefixes, a leading 0 means octal,
 * and underscores may separate digits (only with a base prefix or leading 0
 * style, i.e. base 0, which is what the flag package uses).
 */
int rt_parse_uint(const char *s, unsigned long long *out, const char **why)
{
	unsigned long long v = 0;
	unsigned int base = 10;
	bool prev_digit = false, any = false, prefix = false;
	const char *p = s;

	*why = go_parse_error;
	if (!*p)
		return -1;
	if (p[0] == '0' && p[1]) {
		char b = (char)(p[1] | 0x20);

		base = b == 'x' ? 16 : b == 'o' ? 8 : b == 'b' ? 2 : 8;
		p += (b == 'x' || b == 'o' || b == 'b') ? 2 : 1;
		prefix = true;
		prev_digit = base == 8 && p == s + 1; /* "0_7" is fine: the 0 is a digit */
		any = prev_digit;
	}
	for (; *p; p++) {
		unsigned int d;

		if (*p == '_') {
			/* Go: '_' must separate digits (or follow a base prefix). */
			if (!prev_digit && !(prefix && p == s + 2))
				return -1;
			prev_digit = false;
			continue;
		}
		d = (unsigned int)digit_value(*p);
		if (d >= base)
			return -1;
		if (v > (ULLONG_MAX - d) / base) {
			*why = go_range_error;
			return -1;
		}
		v = v * base + d;
		prev_digit = any = true;
	}
	if (!any || !prev_digit)
		return -1;
	*out = v;
	return 0;
}

int rt_parse_int(const char *s, long long *out, const char **why)
{
	bool neg = s[0] == '-';
	unsigned long long v;

	if (s[0] == '-' || s[0] == '+')
		s++;
	if (rt_parse_uint(s, &v, why) < 0)
		return -1;
	if ((!neg && v > (unsigned long long)LLONG_MAX) ||
	    (neg && v > (unsigned long long)LLONG_MAX + 1)) {
		*why = go_range_error;
		return -1;
	}
	*out = neg ? (long long)(0 - v) : (long long)v;
	return 0;
}

static const struct {
	const char *name;
	unsigned long long ns;
} duration_units[] = {
	{"ns", 1ull},		{"us", 1000ull},
	{"\xc2\xb5s", 1000ull}, /* U+00B5 micro sign */
	{"\xce\xbcs", 1000ull}, /* U+03BC Greek mu */
	{"ms", 1000000ull},	{"s", 1000000000ull},
	{"m", 60000000000ull},	{"h", 3600000000000ull},
};

/* One "<number>[.<fraction>]<unit>" piece of a duration; adds its value to *total. */
static int duration_piece(const char **sp, unsigned long long *total)
{
	const char *s = *sp, *u;
	unsigned long long whole = 0, frac = 0, scale = 1, unit = 0;
	bool digits = false;
	size_t ulen;

	for (; *s >= '0' && *s <= '9'; s++, digits = true) {
		if (whole > (1ull << 63) / 10)
			return -1;
		whole = whole * 10 + (unsigned long long)(*s - '0');
	}
	if (*s == '.') {
		for (s++; *s >= '0' && *s <= '9'; s++, digits = true) {
			if (scale > (1ull << 63) / 10)
				continue; /* further digits are below a nanosecond */
			frac = frac * 10 + (unsigned long long)(*s - '0');
			scale *= 10;
		}
	}
	if (!digits)
		return -1;
	for (u = s; *u && *u != '.' && (*u < '0' || *u > '9'); u++)
		;
	ulen = (size_t)(u - s);
	for (size_t i = 0; i < ARRAY_SIZE(duration_units); i++)
		if (strlen(duration_units[i].name) == ulen &&
		    !strncmp(s, duration_units[i].name, ulen))
			unit = duration_units[i].ns;
	if (!unit || whole > (1ull << 63) / unit)
		return -1;
	whole *= unit;
	/* The fraction, rounded down as Go does: frac/scale * unit. */
	whole += (unsigned long long)((long double)frac * (long double)unit / (long double)scale);
	if (whole > (1ull << 63) || *total > (1ull << 63) - whole)
		return -1;
	*total += whole;
	*sp = u;
	return 0;
}

int rt_parse_duration(const char *s, long long *ns, const char **why)
{
	unsigned long long total = 0;
	bool neg = false;

	*why = go_parse_error;
	if (*s == '-' || *s == '+')
		neg = *s++ == '-';
	if (!strcmp(s, "0")) {
		*ns = 0;
		return 0;
	}
	if (!*s)
		return -1;
	while (*s)
		if (duration_piece(&s, &total) < 0)
			return -1;
	if (!neg && total > (unsigned long long)LLONG_MAX)
		return -1;
	*ns = neg ? (long long)(0 - total) : (long long)total;
	return 0;
}

/* ---- the flag set ---- */

/* Whether `name` (no dashes, no "=value") is one of this flag's names. */
static bool flag_has_name(const struct rt_flag *f, const char *name, size_t len)
{
	const char *p = f->names;

	while (*p) {
		size_t n = strcspn(p, ",");

		if (n == len && !strncmp(p, name, len))
			return true;
		p += n;
		while (*p == ',' || *p == ' ')
			p++;
	}
	return false;
}

static const struct rt_flag help_flag = {"help, h", RT_FLAG_BOOL, 0, "show help", NULL};

static const struct rt_flag *flag_find(const struct rt_flag *flags, bool with_help,
				       const char *name, size_t len)
{
	for (const struct rt_flag *f = flags; f && f->names; f++)
		if (flag_has_name(f, name, len))
			return f;
	if (with_help && flag_has_name(&help_flag, name, len))
		return &help_flag;
	return NULL;
}

/* urfave's argIsFlag: "-x", "--x", "-x=v", "--x=v" naming one of the flags. */
static bool arg_is_flag(const struct rt_flag *flags, const char *arg)
{
	if (arg[0] != '-' || !strcmp(arg, "-") || !strcmp(arg, "--"))
		return false;
	arg += arg[1] == '-' ? 2 : 1;
	return flag_find(flags, true, arg, strcspn(arg, "=")) != NULL;
}

/*
 * urfave/cli v1.22 reorderArgs: flags, each with the argument after it unless
 * that is itself one of our flags, move to the front; everything else keeps
 * its order behind them. A "--" (not taken as a value) ends the reordering
 * and is put first among the rest, so Go's parser stops there.
 */
static void reorder_args(const struct rt_flag *flags, int argc, char **argv, char **out)
{
	int nflag = 0, nrest = 0, i;
	bool may_be_value = false;
	char **rest = out + argc; /* second half of the scratch space */

	for (i = 0; i < argc; i++) {
		const char *a = argv[i];

		if (may_be_value && !arg_is_flag(flags, a)) {
			may_be_value = false;
			out[nflag++] = argv[i];
		} else if (!strcmp(a, "--")) {
			memmove(rest + 1, rest, (size_t)nrest * sizeof(*rest));
			rest[0] = argv[i];
			nrest++;
			for (i++; i < argc; i++)
				rest[nrest++] = argv[i];
			break;
		} else if (arg_is_flag(flags, a)) {
			out[nflag++] = argv[i];
			may_be_value = !strchr(a, '=');
		} else {
			rest[nrest++] = argv[i];
		}
	}
	memmove(out + nflag, rest, (size_t)nrest * sizeof(*out));
}

static int flag_set(const struct rt_flag *f, void *opts, const char *name, const char *value,
		    struct err *e)
{
	char *base = (char *)opts + f->offset;
	const char *why = go_parse_error;
	int r = 0;

	switch (f->type) {
	case RT_FLAG_BOOL:
		if (rt_parse_bool(value, (bool *)base) < 0)
			return err_set(e, EINVAL,
				       "invalid boolean value \"%s\" for -%s: parse error", value,
				       name);
		return 0;
	case RT_FLAG_STRING:
		*(const char **)base = value;
		return 0;
	case RT_FLAG_INTS:
		if (rt_parse_int(value, &(long long){0}, &why) < 0)
			return err_set(
				e, EINVAL,
				"invalid value \"%s\" for flag -%s: strconv.ParseInt: parsing "
				"\"%s\": %s",
				value, name, value,
				why == go_range_error ? "value out of range" : "invalid syntax");
		__attribute__((fallthrough));
	case RT_FLAG_STRINGS: {
		struct rt_strv *sv = (struct rt_strv *)base;
		const char **nv = realloc(sv->v, (sv->n + 1) * sizeof(*nv));

		if (!nv)
			return err_sys(e, ENOMEM, "flag -%s", name);
		sv->v = nv;
		sv->v[sv->n++] = value;
		return 0;
	}
	case RT_FLAG_INT:
		r = rt_parse_int(value, (long long *)base, &why);
		break;
	case RT_FLAG_UINT:
		r = rt_parse_uint(value, (unsigned long long *)base, &why);
		break;
	case RT_FLAG_DURATION:
		r = rt_parse_duration(value, (long long *)base, &why);
		break;
	}
	if (r < 0)
		return err_set(e, EINVAL, "invalid value \"%s\" for flag -%s: %s", value, name,
			       why);
	return 0;
}

/*
 * Go's FlagSet.parseOne. Returns 1 when a flag was consumed, 0 at the first
 * non-flag (or after "--"), -1 on error. *i is the index of the next argument.
 */
static int parse_one(const struct rt_flag *flags, void *opts, bool *help, int argc, char **argv,
		     int *i, struct err *e)
{
	const char *s = argv[*i], *value = NULL;
	char name[256];
	const struct rt_flag *f;
	size_t len;
	int dashes = 1;

	if (strlen(s) < 2 || s[0] != '-')
		return 0;
	if (s[1] == '-') {
		dashes = 2;
		if (!s[2]) {
			(*i)++;
			return 0;
		}
	}
	if (!s[dashes] || s[dashes] == '-' || s[dashes] == '=')
		return err_set(e, EINVAL, "bad flag syntax: %s", s);
	(*i)++;
	len = strcspn(s + dashes, "=");
	if (s[dashes + len] == '=')
		value = s + dashes + len + 1;
	snprintf(name, sizeof(name), "%.*s", (int)len, s + dashes);
	f = flag_find(flags, help != NULL, s + dashes, len);
	if (!f)
		return err_set(e, EINVAL, "flag provided but not defined: -%s", name);
	if (f == &help_flag)
		return rt_parse_bool(value ? value : "true", help) < 0
			       ? err_set(e, EINVAL,
					 "invalid boolean value \"%s\" for -%s: parse error", value,
					 name)
			       : 1;
	if (f->type == RT_FLAG_BOOL)
		return flag_set(f, opts, name, value ? value : "true", e) < 0 ? -1 : 1;
	if (!value) {
		if (*i >= argc)
			return err_set(e, EINVAL, "flag needs an argument: -%s", name);
		value = argv[(*i)++];
	}
	return flag_set(f, opts, name, value, e) < 0 ? -1 : 1;
}

static int apply_defaults(const struct rt_flag *flags, void *opts, struct err *e)
{
	for (const struct rt_flag *f = flags; f && f->names; f++) {
		if (!f->def || f->type == RT_FLAG_STRINGS || f->type == RT_FLAG_INTS)
			continue;
		if (flag_set(f, opts, f->names, f->def, e) < 0)
			return -1; /* a bad default in a table: a bug, but say so */
	}
	return 0;
}

int rt_flags_parse(const struct rt_flag *flags, void *opts, int argc, char **argv, bool reorder,
		   bool *help, struct rt_args *out, struct err *e)
{
	char **args;
	int i = 0, r;

	out->argc = 0;
	out->argv = NULL;
	if (help)
		*help = false;
	if (apply_defaults(flags, opts, e) < 0)
		return -1;
	/* Twice argc: reorder_args uses the second half as scratch space. */
	args = calloc((size_t)argc * 2 + 1, sizeof(*args));
	if (!args)
		return err_sys(e, ENOMEM, "arguments");
	if (reorder)
		reorder_args(flags, argc, argv, args);
	else
		memcpy(args, argv, (size_t)argc * sizeof(*args));
	do
		r = i < argc ? parse_one(flags, opts, help, argc, args, &i, e) : 0;
	while (r > 0);
	if (r < 0) {
		free(args);
		return -1;
	}
	/* Positional arguments: what is left, moved to the front. */
	memmove(args, args + i, (size_t)(argc - i) * sizeof(*args));
	args[argc - i] = NULL;
	out->argc = argc - i;
	out->argv = args;
	return 0;
}

void rt_flags_free(const struct rt_flag *flags, void *opts, struct rt_args *args)
{
	for (const struct rt_flag *f = flags; opts && f && f->names; f++) {
		if (f->type == RT_FLAG_STRINGS || f->type == RT_FLAG_INTS) {
			struct rt_strv *sv = (struct rt_strv *)((char *)opts + f->offset);

			free(sv->v);
			sv->v = NULL;
			sv->n = 0;
		}
	}
	if (args) {
		free(args->argv);
		args->argv = NULL;
		args->argc = 0;
	}
}
