/* SPDX-License-Identifier: Apache-2.0 */
/*
 * A tiny TAP producer for C unit tests. Each test binary:
 *
 *   static void test_x(void) { CHECK(1 + 1 == 2); CHECK_STR(a, "b"); }
 *   int main(void) { RUN(test_x); return unit_done(); }
 *
 * prints "ok N - test_x" / "not ok N - test_x" (with the failed checks as
 * "# file:line: ..." diagnostics) and "1..N" at the end; exits 1 if any failed.
 */
#ifndef INCEPT_UNIT_H
#define INCEPT_UNIT_H

#include <stdio.h>
#include <string.h>

static int unit_count, unit_failed, unit_cur_failed;

#define CHECK(cond)                                                                                \
	do {                                                                                       \
		if (!(cond)) {                                                                     \
			printf("# %s:%d: CHECK(%s) failed\n", __FILE__, __LINE__, #cond);          \
			unit_cur_failed = 1;                                                       \
		}                                                                                  \
	} while (0)

#define CHECK_STR(got, want)                                                                       \
	do {                                                                                       \
		const char *g_ = (got), *w_ = (want);                                              \
		if (!g_ || !w_ || strcmp(g_, w_) != 0) {                                           \
			printf("# %s:%d: got \"%s\"\n#   want \"%s\"\n", __FILE__, __LINE__,       \
			       g_ ? g_ : "(null)", w_ ? w_ : "(null)");                            \
			unit_cur_failed = 1;                                                       \
		}                                                                                  \
	} while (0)

#define CHECK_INT(got, want)                                                                       \
	do {                                                                                       \
		long long g_ = (long long)(got), w_ = (long long)(want);                           \
		if (g_ != w_) {                                                                    \
			printf("# %s:%d: %s = %lld, want %lld\n", __FILE__, __LINE__, #got, g_,    \
			       w_);                                                                \
			unit_cur_failed = 1;                                                       \
		}                                                                                  \
	} while (0)

static inline void unit_report(const char *name)
{
	unit_count++;
	if (unit_cur_failed)
		unit_failed++;
	printf("%s %d - %s\n", unit_cur_failed ? "not ok" : "ok", unit_count, name);
	fflush(stdout);
	unit_cur_failed = 0;
}

#define RUN(fn)                                                                                    \
	do {                                                                                       \
		fn();                                                                              \
		unit_report(#fn);                                                                  \
	} while (0)

/* For table-driven tests: one TAP line per case, named by the caller. */
#define RUN_NAMED(name, call)                                                                      \
	do {                                                                                       \
		call;                                                                              \
		unit_report(name);                                                                 \
	} while (0)

static inline int unit_done(void)
{
	printf("1..%d\n", unit_count);
	return unit_failed ? 1 : 0;
}

#endif
