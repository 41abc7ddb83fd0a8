// SPDX-License-Identifier: Apache-2.0
/*
 * oci/config: exec's process.json, loading config.json from a bundle
 * directory, and oci_config_validate_for_create (what create/run need).
 */
#define _GNU_SOURCE /* asprintf */
#include "unit.h"
#include "test_oci_util.h"
#include "oci/config.h"
#include "cleanup.h"
#include "util.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <sys/stat.h>

#define B(x) "{'ociVersion':'1.1.0','root':{'path':'rootfs'}" x "}"

static const char *argv0;
static char tmpdir[] = "/tmp/incept-test-oci-XXXXXX";

static int process_parse_q(const char *qjson, struct oci_process **p, struct err *e)
{
	char *json = oci_test_quote(qjson, strlen(qjson));
	int r = oci_process_parse(json, strlen(json), p, e);

	free(json);
	return r;
}

static void test_process_json_fixture(void)
{
	struct oci_process *p = NULL;
	struct err e = {0};

	if (oci_process_load(oci_test_data(argv0, "exec-process.json"), &p, &e) < 0) {
		printf("# %s\n", e.msg);
		CHECK(0);
		return;
	}
	CHECK(!p->terminal);
	CHECK_INT(p->user.uid, 33);
	CHECK_INT(p->user.gid, 33);
	CHECK(p->user.n_additional_gids == 1 && p->user.additional_gids[0] == 33);
	CHECK_INT(p->args.n, 2);
	CHECK_STR(p->args.v[0], "/bin/ps");
	CHECK_STR(p->args.v[1], "aux");
	CHECK(p->args.v[2] == NULL);
	CHECK_INT(p->env.n, 2);
	CHECK_STR(p->env.v[1], "HOME=/var/www");
	CHECK_STR(p->cwd, "/var/www");
	CHECK(p->capabilities && p->capabilities->bounding.n == 1 &&
	      strcmp(p->capabilities->effective.v[0], "CAP_KILL") == 0);
	CHECK(p->no_new_privileges);
	CHECK_STR(p->apparmor_profile, "docker-default");
	CHECK(p->n_rlimits == 1 && p->rlimits[0].resource == RLIMIT_NPROC &&
	      p->rlimits[0].soft == 256 && p->rlimits[0].hard == 512);
	oci_process_free(p);
}

struct proc_case {
	const char *name, *json, *want;
};

static const struct proc_case proc_cases[] = {
	{"exec: empty args", "{'args':[],'cwd':'/'}",
	 "process.json: args: must be a non-empty array of strings"},
	{"exec: no args", "{'cwd':'/'}",
	 "process.json: args: must be a non-empty array of strings"},
	{"exec: args an object", "{'args':{},'cwd':'/'}",
	 "process.json: args: must be a non-empty array of strings"},
	{"exec: no cwd", "{'args':['sh']}", "process.json: cwd: is required"},
	{"exec: relative cwd", "{'args':['sh'],'cwd':'tmp'}",
	 "process.json: cwd: must be an absolute path, got \"tmp\""},
	{"exec: negative uid", "{'args':['sh'],'cwd':'/','user':{'uid':-1}}",
	 "process.json: user.uid: value -1 out of range [0, 4294967295]"},
	{"exec: env without =", "{'args':['sh'],'cwd':'/','env':['PATH=/bin','X']}",
	 "process.json: env[1]: invalid environment variable \"X\": missing '='"},
	{"exec: unknown rlimit", "{'args':['sh'],'cwd':'/','rlimits':[{'type':'RLIMIT_X'}]}",
	 "process.json: rlimits[0].type: unknown rlimit type \"RLIMIT_X\""},
	{"exec: top-level array", "[]", "process.json: top-level value must be an object"},
	{"exec: truncated", "{'args':['sh'",
	 "process.json: invalid JSON: unexpected end of data at "
	 "offset 13"},
	{"exec: trailing garbage", "{'args':['sh'],'cwd':'/'},",
	 "process.json: invalid JSON: "
	 "trailing data after the "
	 "top-level value at offset 25"},
};

static void run_proc_case(const struct proc_case *c)
{
	struct oci_process *p = (struct oci_process *)1;
	struct err e = {0};

	CHECK_INT(process_parse_q(c->json, &p, &e), -1);
	CHECK(p == NULL);
	CHECK_STR(e.msg, c->want);
}

static void test_process_load_missing(void)
{
	struct oci_process *p = NULL;
	struct err e = {0};

	CHECK_INT(oci_process_load("/nonexistent/process.json", &p, &e), -1);
	CHECK_STR(e.msg, "open /nonexistent/process.json: no such file or directory");
	CHECK_INT(e.errnum, ENOENT);
}

static void test_config_load(void)
{
	cleanup_free char *path = NULL;
	struct oci_config *c = NULL;
	struct err e = {0};
	const char *json = "{\"ociVersion\":\"1.0.2\",\"root\":{\"path\":\"/r\"},"
			   "\"hostname\":\"\xf0\x9f\x98\x80\"}\n";

	CHECK(asprintf(&path, "%s/config.json", tmpdir) > 0);
	CHECK_INT(util_write_file_atomic(path, json, strlen(json), 0644, &e), 0);
	CHECK_INT(oci_config_load(tmpdir, &c, &e), 0);
	if (c) {
		CHECK_STR(c->oci_version, "1.0.2");
		CHECK_STR(c->root.path, "/r");
		CHECK_STR(c->hostname, "\xf0\x9f\x98\x80"); /* 4-byte UTF-8 is fine */
		CHECK(c->process == NULL && !c->has_linux);
	}
	oci_config_free(c);
	unlink(path);
}

static void test_config_load_missing(void)
{
	cleanup_free char *dir = NULL;
	cleanup_free char *want = NULL;
	struct oci_config *c = NULL;
	struct err e = {0};

	CHECK(asprintf(&dir, "%s/nothere", tmpdir) > 0);
	CHECK(asprintf(&want, "JSON specification file %s/config.json not found", dir) > 0);
	CHECK_INT(oci_config_load(dir, &c, &e), -1);
	CHECK(c == NULL);
	CHECK_STR(e.msg, want);
	CHECK_INT(e.errnum, ENOENT);
}

static void test_config_load_bad_json(void)
{
	cleanup_free char *path = NULL;
	struct oci_config *c = NULL;
	struct err e = {0};

	CHECK(asprintf(&path, "%s/config.json", tmpdir) > 0);
	CHECK_INT(util_write_file_atomic(path, "{\"ociVersion\":", 14, 0644, &e), 0);
	CHECK_INT(oci_config_load(tmpdir, &c, &e), -1);
	CHECK_STR(e.msg, "config.json: invalid JSON: unexpected end of data at offset 14");
	unlink(path);
}

struct create_case {
	const char *name, *json, *want; /* want NULL: must pass */
};

static const struct create_case create_cases[] = {
	{"create: ok", B(",'process':{'args':['sh'],'cwd':'/'}"), NULL},
	{"create: no process", B(""), "config.json: process: is required"},
	{"create: empty args", B(",'process':{'args':[],'cwd':'/'}"),
	 "config.json: process.args: must be a non-empty array of strings"},
	{"create: no cwd", B(",'process':{'args':['sh']}"),
	 "config.json: process.cwd: is required"},
	{"create: relative cwd", B(",'process':{'args':['sh'],'cwd':'app'}"),
	 "config.json: process.cwd: must be an absolute path, got \"app\""},
	{"create: userns without mappings",
	 B(",'process':{'args':['sh'],'cwd':'/'},'linux':{'namespaces':[{'type':'user'}]}"),
	 "config.json: linux.uidMappings: user namespaces enabled, but no uid mappings found"},
	{"create: userns path needs no mappings",
	 B(",'process':{'args':['sh'],'cwd':'/'},'linux':{'namespaces':[{'type':'user',"
	   "'path':'/proc/1/ns/user'}]}"),
	 NULL},
	{"create: mappings without userns",
	 B(",'process':{'args':['sh'],'cwd':'/'},'linux':{'gidMappings':[{'containerID':0,"
	   "'hostID':1,'size':1}]}"),
	 "config.json: linux.gidMappings: user namespace mappings specified, but no user namespace "
	 "is configured"},
	{"create: hostname without uts",
	 B(",'process':{'args':['sh'],'cwd':'/'},'hostname':'h','linux':{}"),
	 "config.json: hostname: unable to set hostname without a private UTS namespace"},
	{"create: maskedPaths without mount ns",
	 B(",'process':{'args':['sh'],'cwd':'/'},'linux':{'maskedPaths':['/proc/kcore']}"),
	 "config.json: linux.maskedPaths: unable to restrict sys entries without a private MNT "
	 "namespace"},
};

static void run_create_case(const struct create_case *cc)
{
	char *json = oci_test_quote(cc->json, strlen(cc->json));
	struct oci_config *c = NULL;
	struct err e = {0};

	if (oci_config_parse(json, strlen(json), &c, &e) < 0) {
		printf("# parse: %s\n", e.msg);
		CHECK(0);
	} else if (cc->want) {
		CHECK_INT(oci_config_validate_for_create(c, &e), -1);
		CHECK_STR(e.msg, cc->want);
	} else {
		CHECK_INT(oci_config_validate_for_create(c, &e), 0);
	}
	oci_config_free(c);
	free(json);
}

static void test_lookup_names(void)
{
	CHECK_STR(oci_ns_type_name(OCI_NS_NETWORK), "network");
	CHECK_STR(oci_ns_type_name(OCI_NS_TIME), "time");
	CHECK_STR(oci_ns_type_name(OCI_NS_COUNT), "unknown");
	CHECK_STR(oci_seccomp_action_name(OCI_SECCOMP_ACT_KILL_PROCESS), "SCMP_ACT_KILL_PROCESS");
	CHECK_STR(oci_seccomp_op_name(OCI_SECCOMP_OP_NE), "SCMP_CMP_NE");
}

int main(int argc, char **argv)
{
	(void)argc;
	argv0 = argv[0];
	if (!mkdtemp(tmpdir)) {
		perror("mkdtemp");
		return 1;
	}
	RUN(test_process_json_fixture);
	for (size_t i = 0; i < sizeof(proc_cases) / sizeof(proc_cases[0]); i++)
		RUN_NAMED(proc_cases[i].name, run_proc_case(&proc_cases[i]));
	RUN(test_process_load_missing);
	RUN(test_config_load);
	RUN(test_config_load_missing);
	RUN(test_config_load_bad_json);
	for (size_t i = 0; i < sizeof(create_cases) / sizeof(create_cases[0]); i++)
		RUN_NAMED(create_cases[i].name, run_create_case(&create_cases[i]));
	RUN(test_lookup_names);
	rmdir(tmpdir);
	return unit_done();
}
