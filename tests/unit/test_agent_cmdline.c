// SPDX-License-Identifier: Apache-2.0
/* agent/cmdline.c: kernel command line words -> agent flags. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "unit.h"
#include "agent/cmdline.h"
#include "guest_abi.h"

struct parse_case {
	const char *name;
	const char *line;
	int selftest, poweroff;
	unsigned int unknown;
	const char *first_unknown;
};

static const struct parse_case cases[] = {
	{"empty", "", 0, 0, 0, ""},
	{"no incept words", "console=ttyS0 noxsave quiet panic=-1\n", 0, 0, 0, ""},
	{"selftest", "console=ttyS0 " INCEPT_CMDLINE_SELFTEST "\n", 1, 0, 0, ""},
	{"poweroff", AGENT_CMDLINE_POWEROFF, 0, 1, 0, ""},
	{"both, tabs", "a\tincept.poweroff=1\t\tincept.selftest=1 b", 1, 1, 0, ""},
	{"last one wins", "incept.selftest=1 incept.selftest=0", 0, 0, 0, ""},
	{"off then on", "incept.poweroff=0 incept.poweroff=1", 0, 1, 0, ""},
	{"prefix of a word is no match", "xincept.selftest=1 incept.selftest=10", 0, 0, 1,
	 "incept.selftest=10"},
	{"bad value", "incept.poweroff=yes", 0, 0, 1, "incept.poweroff=yes"},
	{"no value", "incept.selftest incept.selftest=", 0, 0, 2, "incept.selftest"},
	{"unknown key, typo", "incept.selftst=1 incept.bogus=1 incept.poweroff=1", 0, 1, 2,
	 "incept.selftst=1"},
	{"quoted value", "incept.selftest=\"1\"", 1, 0, 0, ""},
	{"quoted word", "\"incept.poweroff=1\"", 0, 1, 0, ""},
	{"quotes group spaces", "foo=\"a incept.selftest=1 b\" incept.poweroff=1", 0, 1, 0, ""},
	{"stops at --", "incept.poweroff=1 -- incept.selftest=1", 0, 1, 0, ""},
	{"-- inside a word is not the end", "a--b --x incept.selftest=1", 1, 0, 0, ""},
	{"unterminated quote", "incept.poweroff=1 \"incept.selftest=1", 1, 1, 0, ""},
	{"NUL separates", "incept.poweroff=1\0incept.selftest=1", 1, 1, 0, ""},
	{"trailing newline only", "\n", 0, 0, 0, ""},
};

static void check_case(const struct parse_case *c)
{
	/* Exact-size heap copy: any read past len shows up under ASan. */
	size_t len = strlen(c->line);
	char *buf;
	struct agent_cmdline cl;

	if (strcmp(c->name, "NUL separates") == 0)
		len = strlen(c->line) + 1 + strlen("incept.selftest=1");
	buf = malloc(len ? len : 1);
	memcpy(buf, c->line, len);
	memset(&cl, 0xff, sizeof(cl)); /* the parser must set every field */
	agent_cmdline_parse(buf, len, &cl);
	CHECK_INT(cl.selftest, c->selftest);
	CHECK_INT(cl.poweroff, c->poweroff);
	CHECK_INT(cl.unknown, c->unknown);
	if (c->unknown)
		CHECK_STR(cl.first_unknown, c->first_unknown);
	free(buf);
}

/* A word longer than the parser keeps must not overflow and must not match. */
static void test_long_words(void)
{
	char line[600];
	struct agent_cmdline cl;

	memset(line, 'x', sizeof(line));
	memcpy(line, "incept.selftest=1", strlen("incept.selftest=1"));
	agent_cmdline_parse(line, sizeof(line), &cl);
	CHECK_INT(cl.selftest, 0);
	CHECK_INT(cl.unknown, 1);
	CHECK_INT(strlen(cl.first_unknown), sizeof(cl.first_unknown) - 1);

	/* 127 characters fit exactly: "incept.poweroff=" + 111 zeros is not "1". */
	memset(line, ' ', sizeof(line));
	memcpy(line, "incept.poweroff=", 16);
	memset(line + 16, '0', 111);
	agent_cmdline_parse(line, 127, &cl);
	CHECK_INT(cl.poweroff, 0);
	CHECK_INT(cl.unknown, 1);
}

static void test_read(void)
{
	char path[] = "/tmp/test_agent_cmdline.XXXXXX";
	char buf[AGENT_CMDLINE_MAX];
	const char text[] = "console=ttyS0 incept.selftest=1\n";
	struct err e = {0};
	size_t len = 0;
	int fd = mkstemp(path);

	CHECK(fd >= 0);
	CHECK(write(fd, text, strlen(text)) == (ssize_t)strlen(text));
	close(fd);
	CHECK_INT(agent_cmdline_read(path, buf, sizeof(buf), &len, &e), 0);
	CHECK_INT(len, strlen(text));
	CHECK_STR(buf, text);

	/* A small buffer truncates but stays NUL-terminated. */
	CHECK_INT(agent_cmdline_read(path, buf, 8, &len, &e), 0);
	CHECK_INT(len, 7);
	CHECK_STR(buf, "console");
	unlink(path);

	CHECK_INT(agent_cmdline_read(path, buf, sizeof(buf), &len, &e), -1);
	CHECK_INT(e.errnum, ENOENT);
	CHECK(strstr(e.msg, path) != NULL);
	CHECK(strstr(e.msg, "no such file or directory") != NULL);
}

/* The real file: whatever this host booted with parses without crashing. */
static void test_proc_cmdline(void)
{
	char buf[AGENT_CMDLINE_MAX];
	struct err e = {0};
	struct agent_cmdline cl;
	size_t len = 0;

	CHECK_INT(agent_cmdline_read("/proc/cmdline", buf, sizeof(buf), &len, &e), 0);
	CHECK(len > 0 && len < 2048);
	agent_cmdline_parse(buf, len, &cl);
	CHECK(cl.unknown < 1000);
}

/* incept.trace=1 turns on the per-container step times (agent/trace.h); nothing else does. */
static void test_trace(void)
{
	static const char on[] = "console=ttyS0 incept.trace=1 quiet";
	static const char off[] = "incept.trace=0 incept.traces=1";
	struct agent_cmdline cl;

	agent_cmdline_parse(on, strlen(on), &cl);
	CHECK_INT(cl.trace, 1);
	CHECK_INT(cl.unknown, 0);
	agent_cmdline_parse(off, strlen(off), &cl);
	CHECK_INT(cl.trace, 0);
	CHECK_INT(cl.unknown, 1);
	agent_cmdline_parse("", 0, &cl);
	CHECK_INT(cl.trace, 0);
}

int main(void)
{
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		RUN_NAMED(cases[i].name, check_case(&cases[i]));
	RUN(test_long_words);
	RUN(test_trace);
	RUN(test_read);
	RUN(test_proc_cmdline);
	return unit_done();
}
