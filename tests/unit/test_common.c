// SPDX-License-Identifier: Apache-2.0
/* Unit tests for common/: the error object, JSON escaping, file helpers. */
#include "unit.h"
#include "error.h"
#include "log.h"
#include "util.h"
#include "cleanup.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

static char tmpdir[] = "/tmp/incept-test-common-XXXXXX";

static void test_err_sys_is_go_style(void)
{
	struct err e = {0};

	CHECK_INT(err_sys(&e, ENOENT, "open %s", "/x/config.json"), -1);
	CHECK_STR(e.msg, "open /x/config.json: no such file or directory");
	CHECK_INT(e.errnum, ENOENT);
}

static void test_err_prefix_keeps_errnum(void)
{
	struct err e = {0};

	err_set(&e, EINVAL, "bad thing");
	err_prefix(&e, "container %s", "abc");
	CHECK_STR(e.msg, "container abc: bad thing");
	CHECK_INT(e.errnum, EINVAL);
}

static void test_err_prefix_truncates_safely(void)
{
	struct err e = {0};
	char big[3000];

	memset(big, 'a', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	err_set(&e, 0, "%s", big);
	err_prefix(&e, "p");
	CHECK_INT(strlen(e.msg), ERR_MSG_MAX - 1);
	CHECK(strncmp(e.msg, "p: aaa", 6) == 0);
}

static void test_json_escape(void)
{
	char out[64];

	CHECK_INT(log_json_escape(out, sizeof(out), "a\"b\\c\nd\x01"), 16);
	CHECK_STR(out, "a\\\"b\\\\c\\nd\\u0001");
	CHECK_INT(log_json_escape(out, 4, "abcdef"), -1);
}

static void test_json_log_line(void)
{
	char path[512], *buf = NULL;
	struct err e = {0};

	snprintf(path, sizeof(path), "%s/log.json", tmpdir);
	CHECK_INT(log_open(path, LOG_FMT_JSON, false, &e), 0);
	log_error("container \"%s\" does not exist", "x");
	log_debug("not written");
	log_close();
	CHECK_INT(util_read_file(path, 4096, &buf, NULL, &e), 0);
	CHECK(buf && strncmp(buf,
			     "{\"level\":\"error\",\"msg\":\"container \\\"x\\\" does not exist\","
			     "\"time\":\"",
			     63) == 0);
	CHECK(buf && strstr(buf, "Z\"}\n") != NULL);
	CHECK(buf && strstr(buf, "not written") == NULL);
	free(buf);
}

static void test_atomic_write_and_read(void)
{
	char path[512], *buf = NULL;
	size_t len = 0;
	struct err e = {0};

	snprintf(path, sizeof(path), "%s/a/b/c", tmpdir);
	CHECK_INT(util_mkdir_p(path, 0700, &e), 0);
	snprintf(path, sizeof(path), "%s/a/b/c/state.json", tmpdir);
	CHECK_INT(util_write_file_atomic(path, "{}", 2, 0600, &e), 0);
	CHECK_INT(util_read_file(path, 16, &buf, &len, &e), 0);
	CHECK_STR(buf, "{}");
	CHECK_INT(len, 2);
	free(buf);
	CHECK_INT(util_read_file(path, 1, &buf, &len, &e), -1);
	CHECK_INT(e.errnum, EFBIG);
}

static void test_read_file_errors(void)
{
	char *buf = NULL;
	struct err e = {0};

	CHECK_INT(util_read_file("/nonexistent/x", 16, &buf, NULL, &e), -1);
	CHECK_STR(e.msg, "open /nonexistent/x: no such file or directory");
	CHECK_INT(util_read_file("/", 16, &buf, NULL, &e), -1);
	CHECK_INT(e.errnum, EISDIR);
	/* /proc files report size 0 but have content */
	CHECK_INT(util_read_file("/proc/self/stat", 65536, &buf, NULL, &e), 0);
	CHECK(buf && strlen(buf) > 10);
	free(buf);
}

static void test_rm_rf(void)
{
	char path[512];
	struct err e = {0};
	struct stat st;

	snprintf(path, sizeof(path), "%s/rm/x/y", tmpdir);
	CHECK_INT(util_mkdir_p(path, 0700, &e), 0);
	snprintf(path, sizeof(path), "%s/rm/x/y/f", tmpdir);
	CHECK_INT(util_write_file_atomic(path, "1", 1, 0600, &e), 0);
	snprintf(path, sizeof(path), "%s/rm/x/link", tmpdir);
	CHECK_INT(symlink(tmpdir, path), 0);
	snprintf(path, sizeof(path), "%s/rm", tmpdir);
	CHECK_INT(util_rm_rf(path, &e), 0);
	CHECK(lstat(path, &st) < 0 && errno == ENOENT);
	/* the symlink's target (tmpdir itself) must survive */
	CHECK(stat(tmpdir, &st) == 0);
	CHECK_INT(util_rm_rf(path, &e), 0);
}

static void test_parse_u64(void)
{
	unsigned long long v;

	CHECK_INT(util_parse_u64("42", 10, &v), 0);
	CHECK_INT(v, 42);
	CHECK_INT(util_parse_u64("0755", 8, &v), 0);
	CHECK_INT(v, 0755);
	CHECK_INT(util_parse_u64("-1", 10, &v), -1);
	CHECK_INT(util_parse_u64("12x", 10, &v), -1);
	CHECK_INT(util_parse_u64("", 10, &v), -1);
	CHECK_INT(util_parse_u64("99999999999999999999999", 10, &v), -1);
}

static void test_rfc3339(void)
{
	char buf[64];

	util_rfc3339_now(buf, sizeof(buf));
	CHECK_INT(strlen(buf), 30);
	CHECK(buf[4] == '-' && buf[10] == 'T' && buf[19] == '.' && buf[29] == 'Z');
}

static void test_fnv64_vectors(void)
{
	/* From the FNV reference test suite (draft-eastlake-fnv). */
	CHECK(util_fnv64(UTIL_FNV64_INIT, "", 0) == 0xcbf29ce484222325ULL);
	CHECK(util_fnv64(UTIL_FNV64_INIT, "a", 1) == 0xaf63dc4c8601ec8cULL);
	CHECK(util_fnv64(UTIL_FNV64_INIT, "foobar", 6) == 0x85944171f73967e8ULL);
	CHECK(util_fnv64(util_fnv64(UTIL_FNV64_INIT, "foo", 3), "bar", 3) == 0x85944171f73967e8ULL);
}

int main(void)
{
	struct err e = {0};

	if (!mkdtemp(tmpdir))
		return 1;
	RUN(test_err_sys_is_go_style);
	RUN(test_err_prefix_keeps_errnum);
	RUN(test_err_prefix_truncates_safely);
	RUN(test_json_escape);
	RUN(test_json_log_line);
	RUN(test_atomic_write_and_read);
	RUN(test_read_file_errors);
	RUN(test_rm_rf);
	RUN(test_parse_u64);
	RUN(test_rfc3339);
	RUN(test_fnv64_vectors);
	util_rm_rf(tmpdir, &e);
	return unit_done();
}
