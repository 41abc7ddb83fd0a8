// SPDX-License-Identifier: Apache-2.0
/* runtime helpers: kill's signal parsing (runc's parseSignal) and absolute, clean paths. */
#include "unit.h"
#include "runtime/rt.h"

#include <signal.h>
#include <stdlib.h>
#include <unistd.h>

static void sig_case(const char *s, int want)
{
	struct err e;
	int sig = -12345;

	err_clear(&e);
	if (want == -12345) {
		char msg[128];

		CHECK_INT(rt_parse_signal(s, &sig, &e), -1);
		snprintf(msg, sizeof(msg), "unknown signal \"%s\"", s);
		CHECK_STR(e.msg, msg);
		return;
	}
	CHECK_INT(rt_parse_signal(s, &sig, &e), 0);
	CHECK_INT(sig, want);
}

static void test_signal(void)
{
	sig_case("KILL", SIGKILL);
	sig_case("kill", SIGKILL);
	sig_case("SIGKILL", SIGKILL);
	sig_case("sigterm", SIGTERM);
	sig_case("SigHup", SIGHUP);
	sig_case("WINCH", SIGWINCH);
	sig_case("SIGIO", SIGIO);
	sig_case("SYS", SIGSYS);
	sig_case("9", 9);
	sig_case("+9", 9);
	sig_case("09", 9);
	sig_case("0", 0);
	sig_case("-1", -1);
	sig_case("64", 64); /* numbers are passed as they are; the kernel judges them */
	sig_case("BOGUS", -12345);
	sig_case("sigbogus", -12345);
	sig_case("SIGIOT", -12345); /* not in x/sys's list */
	sig_case("SIGRTMIN", -12345);
	sig_case("0x9", -12345);
	sig_case("", -12345);
	sig_case("SIG", -12345);
	sig_case("99999999999", -12345);
	sig_case("KILLKILLKILLKILLKILLKILLKILLKILLKILL", -12345);
}

static void abs_case(const char *in, const char *want)
{
	struct err e;
	char *out = rt_abs_path(in, &e);

	CHECK(out != NULL);
	CHECK_STR(out, want);
	free(out);
}

static void test_abs_path(void)
{
	char cwd[4096], want[4200];

	abs_case("/", "/");
	abs_case("/a/b", "/a/b");
	abs_case("/a/b/", "/a/b");
	abs_case("//a//b//", "/a/b");
	abs_case("/a/./b/.", "/a/b");
	abs_case("/a/../b", "/b");
	abs_case("/a/b/../../..", "/");
	abs_case("/..", "/");
	abs_case("/a/..b/c", "/a/..b/c");
	abs_case("/a/.b", "/a/.b");
	CHECK_INT(chdir("/tmp"), 0);
	CHECK(getcwd(cwd, sizeof(cwd)) != NULL);
	snprintf(want, sizeof(want), "%s/x/y", cwd);
	abs_case("x/y/", want);
	abs_case("./x/../x/y", want);
	abs_case(".", cwd);
}

int main(void)
{
	RUN(test_signal);
	RUN(test_abs_path);
	return unit_done();
}
