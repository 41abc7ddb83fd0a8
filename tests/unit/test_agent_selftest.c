// SPDX-License-Identifier: Apache-2.0
/*
 * agent/selftest.c, run on the host. This binary is also the selftest's
 * child: with "--selftest-child" it exits 0 at once, as the agent does.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/sysinfo.h>
#include <unistd.h>

#include "unit.h"
#include "agent/selftest.h"

static char out_data[4096];

/* Value of the "name: " line in text, or NULL. */
static const char *field(const char *text, const char *name)
{
	static char value[256];
	static char lines[sizeof(out_data) + 1];
	char key[128];
	const char *p;
	size_t n;

	/* A newline in front, so the first line matches "\n<name>: " like the others. */
	snprintf(lines, sizeof(lines), "\n%s", text);
	snprintf(key, sizeof(key), "\n%s: ", name);
	p = strstr(lines, key);
	if (!p)
		return NULL;
	p += strlen(key);
	n = strcspn(p, "\n");
	if (n >= sizeof(value))
		n = sizeof(value) - 1;
	memcpy(value, p, n);
	value[n] = '\0';
	return value;
}

/* A "1234.567" fixed-point value, or -1. */
static double number(const char *s)
{
	char *end;
	double v;

	if (!s || !*s)
		return -1;
	v = strtod(s, &end);
	return *end ? -1 : v;
}

static unsigned long long meminfo_total_kib(void)
{
	unsigned long long kib = 0;
	char line[256];
	FILE *f = fopen("/proc/meminfo", "r");

	while (f && fgets(line, sizeof(line), f))
		if (sscanf(line, "MemTotal: %llu kB", &kib) == 1)
			break;
	if (f)
		fclose(f);
	return kib;
}

static int run(const char *self_exe, const char *scratch, struct agent_buf *out)
{
	const struct agent_selftest_config cfg = {.self_exe = self_exe, .scratch_path = scratch};

	out->data = out_data;
	out->cap = sizeof(out_data);
	out->len = 0;
	out->truncated = false;
	out_data[0] = '\0';
	return agent_selftest_run(&cfg, out);
}

static void test_ok(void)
{
	char scratch[] = "/tmp/test_agent_selftest.XXXXXX";
	struct agent_buf out;
	struct stat st;
	int fd = mkstemp(scratch);

	close(fd);
	CHECK_INT(run("/proc/self/exe", scratch, &out), 0);
	for (const char *l = out.data; *l; l += strcspn(l, "\n") + (l[strcspn(l, "\n")] != 0))
		printf("# %.*s\n", (int)strcspn(l, "\n"), l);
	CHECK(number(field(out.data, "selftest_getpid_us")) > 0);
	CHECK(number(field(out.data, "selftest_getpid_us")) < 1000);
	CHECK(number(field(out.data, "selftest_clock_gettime_us")) >= 0);
	CHECK(number(field(out.data, "selftest_fork_exec_wait_ms")) > 0);
	CHECK(number(field(out.data, "selftest_vfork_exec_wait_ms")) > 0);
	CHECK(number(field(out.data, "selftest_file_write_read_us")) > 0);
	CHECK(atoi(field(out.data, "selftest_nproc") ?: "0") >= 1);
	CHECK(atoi(field(out.data, "selftest_nproc") ?: "0") <= get_nprocs_conf());
	CHECK_INT(strtoull(field(out.data, "selftest_mem_total_kib") ?: "0", NULL, 10),
		  meminfo_total_kib());
	CHECK_STR(field(out.data, "selftest"), "ok");
	/* The last line, and the scratch file is gone. */
	CHECK(out.len > 13 && strcmp(out.data + out.len - 13, "selftest: ok\n") == 0);
	CHECK(stat(scratch, &st) < 0 && errno == ENOENT);
	CHECK(!out.truncated);
}

/* The child exits 1: both process lines fail, the rest still measured, exit status 1. */
static void test_child_fails(void)
{
	char scratch[] = "/tmp/test_agent_selftest.XXXXXX";
	struct agent_buf out;
	int fd = mkstemp(scratch);

	close(fd);
	CHECK_INT(run("/bin/false", scratch, &out), 1);
	CHECK_STR(field(out.data, "selftest_fork_exec_wait_ms"), "error: fork child exit status 1");
	CHECK_STR(field(out.data, "selftest_vfork_exec_wait_ms"),
		  "error: vfork child exit status 1");
	CHECK(number(field(out.data, "selftest_file_write_read_us")) > 0);
	CHECK_STR(field(out.data, "selftest"),
		  "FAILED selftest_fork_exec_wait_ms: fork child exit status 1");
}

/* exec fails: the child's 127 shows. */
static void test_exec_fails(void)
{
	char scratch[] = "/tmp/test_agent_selftest.XXXXXX";
	struct agent_buf out;
	int fd = mkstemp(scratch);

	close(fd);
	CHECK_INT(run("/nonexistent/incept-agent", scratch, &out), 1);
	CHECK_STR(field(out.data, "selftest"),
		  "FAILED selftest_fork_exec_wait_ms: fork child exit status 127");
	unlink(scratch);
}

static void test_scratch_fails(void)
{
	struct agent_buf out;

	CHECK_INT(run("/proc/self/exe", "/nonexistent/dir/selftest", &out), 1);
	CHECK(number(field(out.data, "selftest_fork_exec_wait_ms")) > 0);
	CHECK_STR(field(out.data, "selftest_file_write_read_us"),
		  "error: open /nonexistent/dir/selftest: no such file or directory");
	CHECK_STR(field(out.data, "selftest"),
		  "FAILED selftest_file_write_read_us: open "
		  "/nonexistent/dir/selftest: no such file or directory");
}

int main(int argc, char **argv)
{
	if (argc > 1 && strcmp(argv[1], AGENT_SELFTEST_CHILD_ARG) == 0)
		return 0;
	RUN(test_ok);
	RUN(test_child_fails);
	RUN(test_exec_fails);
	RUN(test_scratch_fails);
	return unit_done();
}
