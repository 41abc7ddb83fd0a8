// SPDX-License-Identifier: Apache-2.0
/* agent/fsbench.c: its conf file, and one small run in a temp directory. */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "unit.h"
#include "agent/fstest.h"
#include "util.h"

static int parse(const char *s, struct agent_fsbench_conf *c)
{
	struct err e = {0};

	return agent_fsbench_conf_parse(s, strlen(s), c, &e);
}

static void test_conf_good(void)
{
	struct agent_fsbench_conf c;

	CHECK_INT(parse("", &c), 0);
	CHECK_INT(c.seq_mib, 256);
	CHECK_INT(c.files, 10000);
	CHECK_INT(parse("seq_mib=64\nfiles=1000\n", &c), 0);
	CHECK_INT(c.seq_mib, 64);
	CHECK_INT(c.files, 1000);
	CHECK_INT(parse("# a comment\n\nfiles=1\nfiles=7", &c), 0); /* no final newline */
	CHECK_INT(c.files, 7);
	CHECK_INT(c.seq_mib, 256);
	CHECK_INT(parse("seq_mib=65536\nfiles=1000000\n", &c), 0);
	CHECK_INT(c.seq_mib, 65536);
	CHECK_INT(c.files, 1000000);
}

static void test_conf_bad(void)
{
	static const char *const bad[] = {
		"seq_mib=0",	   "seq_mib=65537", "files=1000001",
		"files=",	   "files=-1",	    "files=+5",
		"files=12x",	   "files= 5",	    "bogus=1",
		"seq_mib",	   " files=1",	    "files=1 ",
		"seq_mib_x=1",	   "seq=1",	    "files=99999999999999999999999",
		"files=1\nnope\n",
	};
	char longline[300], nul[] = "files=1\0files=2\n";
	struct agent_fsbench_conf c;
	struct err e = {0};

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		memset(&e, 0, sizeof(e));
		if (agent_fsbench_conf_parse(bad[i], strlen(bad[i]), &c, &e) != -1 ||
		    e.errnum != EINVAL) {
			printf("# accepted \"%s\"\n", bad[i]);
			CHECK(0);
		}
	}
	memset(longline, '1', sizeof(longline));
	memcpy(longline, "files=", 6);
	CHECK_INT(agent_fsbench_conf_parse(longline, sizeof(longline), &c, &e), -1);
	CHECK_INT(agent_fsbench_conf_parse(nul, sizeof(nul) - 1, &c, &e), -1);
}

/* A short run on the host: every phase reports, nothing of it is left behind. */
static void test_run(void)
{
	char dir[] = "/tmp/incept-fsbench-unit.XXXXXX", path[128], cmd[512];
	static char data[8192];
	struct agent_buf out = AGENT_BUF_INIT(data);
	bool tar = access("/bin/busybox", X_OK) == 0;
	struct stat st;
	struct err e = {0};

	CHECK(mkdtemp(dir) != NULL);
	snprintf(path, sizeof(path), "%s/%s", dir, AGENT_FSBENCH_CONF);
	CHECK_INT(util_write_file_atomic(path, "seq_mib=2\nfiles=20\n", 19, 0644, &e), 0);
	if (tar) {
		/* a two-entry rootfs: a directory and a symlink */
		snprintf(
			cmd, sizeof(cmd),
			"cd %s && mkdir t t/d && ln -s /nowhere t/d/l && tar -cf rootfs.tar -C t . "
			"&& cp /bin/busybox busybox",
			dir);
		CHECK_INT(system(cmd), 0);
	}
	CHECK_INT(agent_fsbench_run(dir, &out), 0);
	CHECK(strstr(data, "fsbench_files: 20\n") != NULL);
	CHECK(strstr(data, "fsbench_seq_mib: 2\n") != NULL);
	CHECK(strstr(data, "fsbench_phase: 3 create ") != NULL);
	CHECK(strstr(data, "fsbench_phase: 6 unlink ") != NULL);
	CHECK(strstr(data, "fsbench_seq_read_mib_s: ") != NULL);
	CHECK(strstr(data, "FAILED") == NULL);
	snprintf(path, sizeof(path), "%s/fsbench", dir);
	CHECK(stat(path, &st) < 0 && errno == ENOENT);
	if (tar) {
		CHECK(strstr(data, "fsbench_phase: 9 tar_x ") != NULL);
		snprintf(path, sizeof(path), "%s/fsbench-tar/d/l", dir);
		CHECK(lstat(path, &st) == 0 && S_ISLNK(st.st_mode));
	} else {
		printf("# no /bin/busybox: tar phase not tried\n");
	}
	if (!unit_cur_failed)
		util_rm_rf(dir, &e);
	else
		printf("# output:\n%s", data);
}

int main(void)
{
	RUN(test_conf_good);
	RUN(test_conf_bad);
	RUN(test_run);
	return unit_done();
}
