// SPDX-License-Identifier: Apache-2.0
/* The runtime configuration: defaults, every key, and the errors for bad input. */
#include "runtime/config.h"
#include "unit.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static void test_defaults(void)
{
	struct rt_config c;

	rt_config_defaults(&c, "/nonexistent/bin");
	CHECK_STR(c.vmm, "/nonexistent/bin/../lib/incept/incept-vmm");
	CHECK_STR(c.kernel, "/nonexistent/bin/../lib/incept/vmlinux");
	CHECK_STR(c.initrd, "/nonexistent/bin/../lib/incept/initrd.cpio");
	CHECK_STR(c.snapshot_dir, RT_CONFIG_SNAPSHOT_DIR);
	CHECK_INT(c.vcpus, 1);
	CHECK_INT(c.memory_mib, 128);
	CHECK_STR(c.cmdline_append, "");
}

static void test_build_tree_default(void)
{
	char dir[] = "/tmp/incept-cfg-XXXXXX", path[64];
	struct rt_config c;

	CHECK(mkdtemp(dir) != NULL);
	snprintf(path, sizeof(path), "%s/vmlinux", dir);
	CHECK(fclose(fopen(path, "w")) == 0);
	rt_config_defaults(&c, dir);
	CHECK_STR(c.kernel, path); /* next to the binary when it is there */
	unlink(path);
	rmdir(dir);
}

static void test_all_keys(void)
{
	struct rt_config c;
	struct err e;

	rt_config_defaults(&c, "/x");
	CHECK(rt_config_parse(&c,
			      "{\"vmm\":\"/a/vmm\",\"kernel\":\"/a/k\",\"initrd\":\"/a/i\","
			      "\"vcpus\":4,\"memory_mib\":512,\"kernel_cmdline_append\":\"x=1\","
			      "\"snapshot_dir\":\"/s\",\"log_level\":\"debug\"}",
			      "c.json", &e) == 0);
	CHECK_STR(c.vmm, "/a/vmm");
	CHECK_STR(c.kernel, "/a/k");
	CHECK_STR(c.initrd, "/a/i");
	CHECK_INT(c.vcpus, 4);
	CHECK_INT(c.memory_mib, 512);
	CHECK_STR(c.cmdline_append, "x=1");
	CHECK_STR(c.snapshot_dir, "/s");
	CHECK_STR(c.log_level, "debug");
}

static void bad(const char *text, const char *want)
{
	struct rt_config c;
	struct err e;

	rt_config_defaults(&c, "/x");
	err_clear(&e);
	CHECK(rt_config_parse(&c, text, "c.json", &e) < 0);
	CHECK_STR(e.msg, want);
}

static void test_errors(void)
{
	bad("[]", "c.json: must be a JSON object");
	bad("{", "c.json: invalid JSON: unexpected end of data");
	bad("{\"vcpus\":0}", "c.json: vcpus: must be 1..32, got 0");
	bad("{\"vcpus\":33}", "c.json: vcpus: must be 1..32, got 33");
	bad("{\"vcpus\":1.5}", "c.json: vcpus: must be an integer");
	bad("{\"memory_mib\":63}", "c.json: memory_mib: must be 64..1048576, got 63");
	bad("{\"kernel\":7}", "c.json: kernel: must be a string");
	bad("{\"initrd\":\"rel/path\"}",
	    "c.json: initrd: must be an absolute path, got \"rel/path\"");
	bad("{\"log_level\":\"loud\"}",
	    "c.json: log_level: want debug, info, warn or error, got \"loud\"");
	bad("{\"vcpu\":1}", "c.json: unknown key \"vcpu\"");
}

static void test_load_env(void)
{
	char path[] = "/tmp/incept-cfg-XXXXXX";
	int fd = mkstemp(path);
	struct rt_config c;
	struct err e;

	CHECK(fd >= 0);
	CHECK(write(fd, "{\"vcpus\":2}", 11) == 11);
	close(fd);
	setenv("INCEPT_CONFIG", path, 1);
	CHECK(rt_config_load(&c, "/x", &e) == 0);
	CHECK_INT(c.vcpus, 2);
	CHECK_STR(c.path, path);
	unlink(path);
	CHECK(rt_config_load(&c, "/x", &e) < 0); /* named and missing is an error */
	CHECK(strstr(e.msg, "no such file") != NULL);
	unsetenv("INCEPT_CONFIG");
}

int main(void)
{
	RUN(test_defaults);
	RUN(test_build_tree_default);
	RUN(test_all_keys);
	RUN(test_errors);
	RUN(test_load_env);
	return unit_done();
}
