// SPDX-License-Identifier: Apache-2.0
/* runtime/json.c and runtime/tabwriter.c: byte-exact against what Go (runc) prints. */
#define _GNU_SOURCE /* open_memstream */
#include "unit.h"
#include "runtime/rt.h"
#include "oci/state.h"

#include <stdlib.h>

static void escape_case(const char *in, const char *want)
{
	struct rt_buf b = {0};

	rt_json_escape(&b, in);
	CHECK(!b.oom);
	CHECK_STR(b.p ? b.p : "", want);
	rt_buf_free(&b);
}

/* Expected values are what Go 1.19's encoding/json writes (runc's state/list output). */
static void test_escape(void)
{
	escape_case("plain /path", "plain /path");
	escape_case("q\"b\\", "q\\\"b\\\\");
	escape_case("a<b>&c", "a\\u003cb\\u003e\\u0026c");
	escape_case("\n\r\t", "\\n\\r\\t");
	escape_case("\x01\x1f\b\f", "\\u0001\\u001f\\u0008\\u000c");
	escape_case("\x7f", "\x7f");
	escape_case("caf\xc3\xa9", "caf\xc3\xa9");
	escape_case("\xf0\x9f\x98\x80", "\xf0\x9f\x98\x80");
	escape_case("\xe2\x80\xa8\xe2\x80\xa9", "\\u2028\\u2029");
	escape_case("\xff", "\\ufffd");
	escape_case("a\xc0\x80z", "a\\ufffd\\ufffdz");			 /* overlong NUL */
	escape_case("\xed\xa0\x80", "\\ufffd\\ufffd\\ufffd");		 /* surrogate half */
	escape_case("\xe2\x82", "\\ufffd\\ufffd");			 /* truncated */
	escape_case("\xf4\x90\x80\x80", "\\ufffd\\ufffd\\ufffd\\ufffd"); /* > U+10FFFF */
}

static void test_json_indent(void)
{
	struct rt_json j;

	rt_json_init(&j, "  ");
	rt_json_obj_begin(&j);
	rt_json_key(&j, "a");
	rt_json_int(&j, -3);
	rt_json_key(&j, "empty_obj");
	rt_json_obj_begin(&j);
	rt_json_obj_end(&j);
	rt_json_key(&j, "empty_arr");
	rt_json_arr_begin(&j);
	rt_json_arr_end(&j);
	rt_json_key(&j, "arr");
	rt_json_arr_begin(&j);
	rt_json_str(&j, "x");
	rt_json_bool(&j, true);
	rt_json_null(&j);
	rt_json_obj_begin(&j);
	rt_json_key(&j, "k<");
	rt_json_bool(&j, false);
	rt_json_obj_end(&j);
	rt_json_arr_end(&j);
	rt_json_obj_end(&j);
	CHECK_STR(j.buf.p, "{\n"
			   "  \"a\": -3,\n"
			   "  \"empty_obj\": {},\n"
			   "  \"empty_arr\": [],\n"
			   "  \"arr\": [\n"
			   "    \"x\",\n"
			   "    true,\n"
			   "    null,\n"
			   "    {\n"
			   "      \"k\\u003c\": false\n"
			   "    }\n"
			   "  ]\n"
			   "}");
	rt_buf_free(&j.buf);
}

static void test_json_compact(void)
{
	struct rt_json j;

	rt_json_init(&j, NULL);
	rt_json_arr_begin(&j);
	rt_json_obj_begin(&j);
	rt_json_key(&j, "a");
	rt_json_int(&j, 1);
	rt_json_key(&j, "b");
	rt_json_arr_begin(&j);
	rt_json_arr_end(&j);
	rt_json_obj_end(&j);
	rt_json_obj_begin(&j);
	rt_json_obj_end(&j);
	rt_json_arr_end(&j);
	CHECK_STR(j.buf.p, "[{\"a\":1,\"b\":[]},{}]");
	rt_buf_free(&j.buf);
}

/* runc's `state` of a created container (runc 1.1.5), with an annotation runc escapes. */
static void test_state_json_like_runc(void)
{
	struct oci_state s = {0};
	struct rt_json j;
	struct err e;

	s.oci_version = "1.0.2-dev";
	s.id = "c1";
	s.bundle = "/tmp/rb";
	s.rootfs = "/tmp/rb/rootfs";
	s.created = "2026-11-24T19:11:24.346374442Z";
	rt_json_init(&j, "  ");
	rt_state_json(&j, &s, "created", 4697, "");
	CHECK_STR(j.buf.p, "{\n"
			   "  \"ociVersion\": \"1.0.2-dev\",\n"
			   "  \"id\": \"c1\",\n"
			   "  \"pid\": 4697,\n"
			   "  \"status\": \"created\",\n"
			   "  \"bundle\": \"/tmp/rb\",\n"
			   "  \"rootfs\": \"/tmp/rb/rootfs\",\n"
			   "  \"created\": \"2026-11-24T19:11:24.346374442Z\",\n"
			   "  \"owner\": \"\"\n"
			   "}");
	rt_buf_free(&j.buf);
	CHECK_INT(oci_state_annotate(&s, "b.key", "v1", &e), 0);
	CHECK_INT(oci_state_annotate(&s, "a.key", "v\"2", &e), 0);
	rt_json_init(&j, NULL);
	rt_state_json(&j, &s, "running", 1, "root");
	CHECK_STR(j.buf.p,
		  "{\"ociVersion\":\"1.0.2-dev\",\"id\":\"c1\",\"pid\":1,\"status\":\"running\","
		  "\"bundle\":\"/tmp/rb\",\"rootfs\":\"/tmp/rb/rootfs\","
		  "\"created\":\"2026-11-24T19:11:24.346374442Z\","
		  "\"annotations\":{\"a.key\":\"v\\\"2\",\"b.key\":\"v1\"},\"owner\":\"root\"}");
	rt_buf_free(&j.buf);
	for (size_t i = 0; i < s.n_annotations; i++) {
		free(s.annotations[i].key);
		free(s.annotations[i].value);
	}
	free(s.annotations);
}

static void tab_case(const char *in, int minwidth, int padding, const char *want)
{
	char *out = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&out, &len);

	CHECK(f != NULL);
	if (!f)
		return;
	CHECK_INT(rt_tabwrite(f, in, minwidth, padding), 0);
	fclose(f);
	CHECK_STR(out, want);
	free(out);
}

static void test_tabwriter(void)
{
	/* runc list, empty and with one container (runc 1.1.5 output). */
	tab_case("ID\tPID\tSTATUS\tBUNDLE\tCREATED\tOWNER\n", 12, 3,
		 "ID          PID         STATUS      BUNDLE      CREATED     OWNER\n");
	tab_case("ID\tPID\tSTATUS\tBUNDLE\tCREATED\tOWNER\n"
		 "c1\t4697\tcreated\t/tmp/rb\t2026-11-24T19:11:24.346374442Z\troot\n",
		 12, 3,
		 "ID          PID         STATUS      BUNDLE      CREATED                          "
		 "OWNER\n"
		 "c1          4697        created     /tmp/rb     2026-11-24T19:11:24.346374442Z   "
		 "root\n");
	/* Blocks: a line without a tab ends a column block; widths are per block. */
	tab_case("a\tb\nlonger\tc\nno tab here\nx\ty\n", 1, 2,
		 "a       b\nlonger  c\nno tab here\nx  y\n");
	/* Widths count runes, not bytes. */
	tab_case("\xc3\xa9\xc3\xa9\tx\nab\ty\n", 1, 1, "\xc3\xa9\xc3\xa9 x\nab y\n");
	/* Text after the last newline is written too; empty cells are padded. */
	tab_case("\tz\nlast", 3, 1, "   z\nlast");
	/* Nested blocks: column 2 exists only in the first two lines. */
	tab_case("a\tbb\tc\nddd\te\tf\ng\th\n", 1, 1, "a   bb c\nddd e  f\ng   h\n");
}

int main(void)
{
	RUN(test_escape);
	RUN(test_json_indent);
	RUN(test_json_compact);
	RUN(test_state_json_like_runc);
	RUN(test_tabwriter);
	return unit_done();
}
