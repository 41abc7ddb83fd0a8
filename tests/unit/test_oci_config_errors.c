// SPDX-License-Identifier: Apache-2.0
/*
 * oci/config: malformed config.json inputs, one TAP line each, every one
 * asserting the exact error message (the JSON path and what is wrong).
 * JSON is written with ' for " to keep the literals readable.
 */
#include "unit.h"
#include "test_oci_util.h"
#include "oci/config.h"

#include <stdlib.h>

#define B(x) "{'ociVersion':'1.1.0','root':{'path':'rootfs'}" x "}"
#define P(x) B(",'process':{'args':['sh'],'cwd':'/'" x "}")
#define L(x) B(",'linux':{" x "}")

struct bad_case {
	const char *name;
	const char *json;
	size_t len; /* 0: strlen(json) */
	const char *want;
};

static const struct bad_case cases[] = {
	/* Syntax and document-level errors. */
	{"empty input", "", 0, "config.json: invalid JSON: unexpected end of data at offset 0"},
	{"only whitespace", " \n\t", 0,
	 "config.json: invalid JSON: unexpected end of data at offset 3"},
	{"truncated", "{'ociVersion':'1.1.0','root':{'path':'r'", 0,
	 "config.json: invalid JSON: unexpected end of data at offset 40"},
	{"missing colon", "{'ociVersion' '1.1.0'}", 0,
	 "config.json: invalid JSON: object property name separator ':' expected at offset 14"},
	{"trailing comma", "{'ociVersion':'1.1.0',}", 0,
	 "config.json: invalid JSON: unexpected character at offset 22"},
	{"trailing garbage", B("") " x", 0,
	 "config.json: invalid JSON: trailing data after the top-level value at offset 48"},
	{"two objects", "{}{}", 0,
	 "config.json: invalid JSON: trailing data after the top-level value at offset 2"},
	{"top level array", "[{'ociVersion':'1.1.0'}]", 0,
	 "config.json: top-level value must be an object"},
	{"top level null", "null", 0, "config.json: top-level value must be an object"},
	{"top level number", "42", 0, "config.json: top-level value must be an object"},
	{"top level string", "'config'", 0, "config.json: top-level value must be an object"},
	{"invalid utf-8", "{'ociVersion':'1.1\xff'}", 0,
	 "config.json: invalid JSON: invalid UTF-8 at offset 18"},
	{"overlong utf-8", "{'hostname':'\xc0\xaf'}", 0,
	 "config.json: invalid JSON: invalid UTF-8 at offset 13"},
	{"encoded surrogate", "{'hostname':'\xed\xa0\x80'}", 0,
	 "config.json: invalid JSON: invalid UTF-8 at offset 13"},
	{"truncated utf-8 sequence", "{'hostname':'\xe2\x82'}", 0,
	 "config.json: invalid JSON: invalid UTF-8 at offset 13"},
	{"raw NUL byte", "{'ociVersion':'1\0'}", 19,
	 "config.json: invalid JSON: NUL byte at offset 16"},
	{"escaped NUL in string", P(",'env':['A=1','B=x\\u0000y']"), 0,
	 "config.json: process.env[1]: must not contain NUL bytes"},
	{"leading zero number", B(",'process':{'user':{'uid':01}}"), 0,
	 "config.json: invalid JSON: number expected at offset 74"},
	/* Required fields and versions. */
	{"missing ociVersion", "{'root':{'path':'rootfs'}}", 0,
	 "config.json: ociVersion: is required"},
	{"ociVersion not a string", "{'ociVersion':1.1,'root':{'path':'rootfs'}}", 0,
	 "config.json: ociVersion: must be a string"},
	{"ociVersion 2.0.0", "{'ociVersion':'2.0.0','root':{'path':'rootfs'}}", 0,
	 "config.json: ociVersion: unsupported version \"2.0.0\" (want 1.x)"},
	{"missing root", "{'ociVersion':'1.1.0'}", 0, "config.json: root: is required"},
	{"root not an object", "{'ociVersion':'1.1.0','root':'rootfs'}", 0,
	 "config.json: root: must be an object"},
	{"missing root.path", "{'ociVersion':'1.1.0','root':{'readonly':true}}", 0,
	 "config.json: root.path: is required"},
	{"empty root.path", "{'ociVersion':'1.1.0','root':{'path':''}}", 0,
	 "config.json: root.path: must be a non-empty string"},
	{"root.readonly a string", "{'ociVersion':'1.1.0','root':{'path':'r','readonly':'yes'}}", 0,
	 "config.json: root.readonly: must be a boolean"},
	{"hostname a number", B(",'hostname':42"), 0, "config.json: hostname: must be a string"},
	/* process */
	{"process an array", B(",'process':[]"), 0, "config.json: process: must be an object"},
	{"args a string", B(",'process':{'args':'sh'}"), 0,
	 "config.json: process.args: must be a non-empty array of strings"},
	{"args element a number", B(",'process':{'args':['sh',1]}"), 0,
	 "config.json: process.args[1]: must be a string"},
	{"env without =", P(",'env':['A=1','FOO']"), 0,
	 "config.json: process.env[1]: invalid environment variable \"FOO\": missing '='"},
	{"env empty name", P(",'env':['=x']"), 0,
	 "config.json: process.env[0]: invalid environment variable \"=x\": empty name"},
	{"cwd a number", P(",'cwd':0"), 0, "config.json: process.cwd: must be a string"},
	{"terminal a string", P(",'terminal':'true'"), 0,
	 "config.json: process.terminal: must be a boolean"},
	{"umask too big", P(",'user':{'umask':512}"), 0,
	 "config.json: process.user.umask: value 512 (01000) out of range [0, 0777]"},
	{"umask a string", P(",'user':{'umask':'0022'}"), 0,
	 "config.json: process.user.umask: must be an integer"},
	{"umask negative", P(",'user':{'umask':-1}"), 0,
	 "config.json: process.user.umask: value -1 out of range [0, 4294967295]"},
	{"uid above UINT32_MAX", P(",'user':{'uid':4294967296}"), 0,
	 "config.json: process.user.uid: value 4294967296 out of range [0, 4294967295]"},
	{"gid negative", P(",'user':{'gid':-1}"), 0,
	 "config.json: process.user.gid: value -1 out of range [0, 4294967295]"},
	{"uid a fraction", P(",'user':{'uid':1.5}"), 0,
	 "config.json: process.user.uid: must be an integer"},
	{"uid in exponent form", P(",'user':{'uid':1e3}"), 0,
	 "config.json: process.user.uid: must be an integer"},
	{"additionalGids element negative", P(",'user':{'additionalGids':[1,-5]}"), 0,
	 "config.json: process.user.additionalGids[1]: value -5 out of range [0, 4294967295]"},
	{"capabilities.bounding not an array", P(",'capabilities':{'bounding':'CAP_KILL'}"), 0,
	 "config.json: process.capabilities.bounding: must be an array"},
	{"unknown rlimit", P(",'rlimits':[{'type':'RLIMIT_FOO','hard':1,'soft':1}]"), 0,
	 "config.json: process.rlimits[0].type: unknown rlimit type \"RLIMIT_FOO\""},
	{"rlimit without RLIMIT_ prefix", P(",'rlimits':[{'type':'NOFILE','hard':1,'soft':1}]"), 0,
	 "config.json: process.rlimits[0].type: unknown rlimit type \"NOFILE\""},
	{"rlimit without type", P(",'rlimits':[{'hard':1,'soft':1}]"), 0,
	 "config.json: process.rlimits[0].type: is required"},
	{"duplicate rlimit",
	 P(",'rlimits':[{'type':'RLIMIT_NOFILE','hard':2,'soft':1},{'type':'RLIMIT_CORE'},"
	   "{'type':'RLIMIT_NOFILE','hard':2,'soft':1}]"),
	 0, "config.json: process.rlimits[2].type: duplicate rlimit \"RLIMIT_NOFILE\""},
	{"rlimit soft above hard", P(",'rlimits':[{'type':'RLIMIT_NOFILE','hard':1,'soft':2}]"), 0,
	 "config.json: process.rlimits[0]: soft limit 2 exceeds hard limit 1"},
	{"rlimit hard negative", P(",'rlimits':[{'type':'RLIMIT_NOFILE','hard':-1}]"), 0,
	 "config.json: process.rlimits[0].hard: value -1 out of range [0, 18446744073709551615]"},
	{"oomScoreAdj 1001", P(",'oomScoreAdj':1001"), 0,
	 "config.json: process.oomScoreAdj: value 1001 out of range [-1000, 1000]"},
	{"consoleSize height 70000", P(",'consoleSize':{'height':70000,'width':80}"), 0,
	 "config.json: process.consoleSize.height: value 70000 out of range [0, 65535]"},
	/* mounts */
	{"mounts an object", B(",'mounts':{}"), 0, "config.json: mounts: must be an array"},
	{"mount not an object", B(",'mounts':['/proc']"), 0,
	 "config.json: mounts[0]: must be an object"},
	{"mount destination a number",
	 B(",'mounts':[{'destination':'/a'},{'destination':'/b'},{'destination':2}]"), 0,
	 "config.json: mounts[2].destination: must be a string"},
	{"mount destination missing", B(",'mounts':[{'type':'proc'}]"), 0,
	 "config.json: mounts[0].destination: is required"},
	{"mount destination empty", B(",'mounts':[{'destination':''}]"), 0,
	 "config.json: mounts[0].destination: must be a non-empty string"},
	{"mount option a bool", B(",'mounts':[{'destination':'/a','options':['ro',true]}]"), 0,
	 "config.json: mounts[0].options[1]: must be a string"},
	/* hooks and annotations */
	{"hooks an array", B(",'hooks':[]"), 0, "config.json: hooks: must be an object"},
	{"hook path relative", B(",'hooks':{'prestart':[{'path':'bin/hook'}]}"), 0,
	 "config.json: hooks.prestart[0].path: must be an absolute path, got \"bin/hook\""},
	{"hook path missing", B(",'hooks':{'createRuntime':[{'args':['x']}]}"), 0,
	 "config.json: hooks.createRuntime[0].path: is required"},
	{"hook timeout zero", B(",'hooks':{'poststop':[{'path':'/h','timeout':0}]}"), 0,
	 "config.json: hooks.poststop[0].timeout: value 0 out of range [1, 2147483647]"},
	{"hook env not strings", B(",'hooks':{'poststart':[{'path':'/h','env':[1]}]}"), 0,
	 "config.json: hooks.poststart[0].env[0]: must be a string"},
	{"annotation value a number", B(",'annotations':{'a':'b','io.x':1}"), 0,
	 "config.json: annotations.io.x: must be a string"},
	{"annotation empty key", B(",'annotations':{'':'v'}"), 0,
	 "config.json: annotations: keys must not be empty"},
	/* linux */
	{"linux an array", B(",'linux':[]"), 0, "config.json: linux: must be an object"},
	{"bad namespace type", L("'namespaces':[{'type':'pid'},{'type':'foo'}]"), 0,
	 "config.json: linux.namespaces[1].type: invalid namespace type \"foo\""},
	{"duplicate namespace", L("'namespaces':[{'type':'pid'},{'type':'ipc'},{'type':'pid'}]"), 0,
	 "config.json: linux.namespaces[2].type: duplicate namespace \"pid\""},
	{"namespace without type", L("'namespaces':[{'path':'/proc/1/ns/net'}]"), 0,
	 "config.json: linux.namespaces[0].type: is required"},
	{"namespace path relative", L("'namespaces':[{'type':'network','path':'proc/1/ns/net'}]"),
	 0,
	 "config.json: linux.namespaces[0].path: must be an absolute path, got \"proc/1/ns/net\""},
	{"uidMapping size zero", L("'uidMappings':[{'containerID':0,'hostID':1000,'size':0}]"), 0,
	 "config.json: linux.uidMappings[0].size: must be greater than zero"},
	{"gidMapping past 2^32",
	 L("'gidMappings':[{'containerID':0,'hostID':4294967295,'size':2}]"), 0,
	 "config.json: linux.gidMappings[0]: ID range reaches 4294967295"},
	{"uidMapping up to (uid_t)-1",
	 L("'uidMappings':[{'containerID':4294967295,'hostID':0,'size':1}]"), 0,
	 "config.json: linux.uidMappings[0]: ID range reaches 4294967295"},
	{"uidMapping hostID negative", L("'uidMappings':[{'containerID':0,'hostID':-1,'size':1}]"),
	 0, "config.json: linux.uidMappings[0].hostID: value -1 out of range [0, 4294967295]"},
	{"device type x", L("'devices':[{'type':'x','path':'/dev/x','major':1,'minor':1}]"), 0,
	 "config.json: linux.devices[0].type: invalid device type \"x\""},
	{"device path relative", L("'devices':[{'type':'c','path':'dev/x','major':1,'minor':1}]"),
	 0, "config.json: linux.devices[0].path: must be an absolute path, got \"dev/x\""},
	{"device without major", L("'devices':[{'type':'b','path':'/dev/sda','minor':0}]"), 0,
	 "config.json: linux.devices[0].major: is required"},
	{"memory limit a string", L("'resources':{'memory':{'limit':'1g'}}"), 0,
	 "config.json: linux.resources.memory.limit: must be an integer"},
	{"swappiness 101", L("'resources':{'memory':{'swappiness':101}}"), 0,
	 "config.json: linux.resources.memory.swappiness: value 101 out of range [0, 100]"},
	{"cpu shares negative", L("'resources':{'cpu':{'shares':-2}}"), 0,
	 "config.json: linux.resources.cpu.shares: value -2 out of range [0, "
	 "18446744073709551615]"},
	{"cpu cpus a number", L("'resources':{'cpu':{'cpus':1}}"), 0,
	 "config.json: linux.resources.cpu.cpus: must be a string"},
	{"device rule access rwx", L("'resources':{'devices':[{'allow':true,'access':'rwx'}]}"), 0,
	 "config.json: linux.resources.devices[0].access: invalid access \"rwx\" (want a subset of "
	 "rwm)"},
	{"device rule without access", L("'resources':{'devices':[{'allow':false}]}"), 0,
	 "config.json: linux.resources.devices[0].access: must not be empty"},
	{"device rule type u",
	 L("'resources':{'devices':[{'allow':true,'type':'u','access':'r'}]}"), 0,
	 "config.json: linux.resources.devices[0].type: invalid cgroup device type \"u\""},
	{"device rule allow a string", L("'resources':{'devices':[{'allow':'yes','access':'r'}]}"),
	 0, "config.json: linux.resources.devices[0].allow: must be a boolean"},
	{"blkio weight 70000", L("'resources':{'blockIO':{'weight':70000}}"), 0,
	 "config.json: linux.resources.blockIO.weight: value 70000 out of range [0, 65535]"},
	{"throttle rate negative",
	 L("'resources':{'blockIO':{'throttleReadBpsDevice':[{'major':8,'minor':0,'rate':-1}]}}"),
	 0,
	 "config.json: linux.resources.blockIO.throttleReadBpsDevice[0].rate: value -1 out of "
	 "range "
	 "[0, 18446744073709551615]"},
	{"pids limit a bool", L("'resources':{'pids':{'limit':true}}"), 0,
	 "config.json: linux.resources.pids.limit: must be an integer"},
	{"sysctl an array", L("'sysctl':['a=b']"), 0,
	 "config.json: linux.sysctl: must be an object"},
	{"unknown seccomp action", L("'seccomp':{'defaultAction':'SCMP_ACT_FOO'}"), 0,
	 "config.json: linux.seccomp.defaultAction: unknown action \"SCMP_ACT_FOO\""},
	{"seccomp rules without defaultAction",
	 L("'seccomp':{'syscalls':[{'names':['read'],'action':'SCMP_ACT_ALLOW'}]}"), 0,
	 "config.json: linux.seccomp.defaultAction: is required"},
	{"unknown seccomp architecture",
	 L("'seccomp':{'defaultAction':'SCMP_ACT_ALLOW','architectures':['SCMP_ARCH_X86_64',"
	   "'SCMP_ARCH_FOO']}"),
	 0, "config.json: linux.seccomp.architectures[1]: unknown architecture \"SCMP_ARCH_FOO\""},
	{"unknown seccomp flag",
	 L("'seccomp':{'defaultAction':'SCMP_ACT_ALLOW','flags':['SECCOMP_FILTER_FLAG_X']}"), 0,
	 "config.json: linux.seccomp.flags[0]: unknown flag \"SECCOMP_FILTER_FLAG_X\""},
	{"seccomp rule without names",
	 L("'seccomp':{'defaultAction':'SCMP_ACT_ALLOW','syscalls':[{'action':'SCMP_ACT_ERRNO'}]}"),
	 0, "config.json: linux.seccomp.syscalls[0].names: is required"},
	{"seccomp arg index 6",
	 L("'seccomp':{'defaultAction':'SCMP_ACT_ALLOW','syscalls':[{'names':['a'],"
	   "'action':'SCMP_ACT_ERRNO','args':[{'index':6,'value':1,'op':'SCMP_CMP_EQ'}]}]}"),
	 0, "config.json: linux.seccomp.syscalls[0].args[0].index: value 6 out of range [0, 5]"},
	{"seccomp arg bad op",
	 L("'seccomp':{'defaultAction':'SCMP_ACT_ALLOW','syscalls':[{'names':['a'],"
	   "'action':'SCMP_ACT_ERRNO','args':[{'index':0,'value':1,'op':'SCMP_CMP_XX'}]}]}"),
	 0, "config.json: linux.seccomp.syscalls[0].args[0].op: unknown operator \"SCMP_CMP_XX\""},
	{"seccomp errnoRet negative",
	 L("'seccomp':{'defaultAction':'SCMP_ACT_ALLOW','syscalls':[{'names':['a'],"
	   "'action':'SCMP_ACT_ERRNO','errnoRet':-1}]}"),
	 0,
	 "config.json: linux.seccomp.syscalls[0].errnoRet: value -1 out of range [0, 4294967295]"},
	{"bad rootfsPropagation", L("'rootfsPropagation':'bogus'"), 0,
	 "config.json: linux.rootfsPropagation: unsupported value \"bogus\""},
	{"bad personality domain", L("'personality':{'domain':'LINUX64'}"), 0,
	 "config.json: linux.personality.domain: invalid personality domain \"LINUX64\""},
	{"maskedPaths a string", L("'maskedPaths':'/proc/kcore'"), 0,
	 "config.json: linux.maskedPaths: must be an array"},
};

static void run_case(const struct bad_case *c)
{
	size_t len = c->len ? c->len : strlen(c->json);
	char *json = oci_test_quote(c->json, len);
	struct oci_config *cfg = (struct oci_config *)1;
	struct err e = {0};

	CHECK_INT(oci_config_parse(json, len, &cfg, &e), -1);
	CHECK(cfg == NULL);
	CHECK_STR(e.msg, c->want);
	free(json);
}

/* Builds B(",'<section>': <open> elem,elem,... <close>") with n elements. */
static char *gen_array(const char *open, const char *elem, size_t n, const char *close)
{
	size_t elen = strlen(elem), cap = strlen(open) + strlen(close) + n * (elen + 1) + 128;
	char *buf = malloc(cap), *p = buf;

	if (!buf)
		abort();
	p += sprintf(p, "{\"ociVersion\":\"1.1.0\",\"root\":{\"path\":\"r\"},%s", open);
	for (size_t i = 0; i < n; i++) {
		if (i)
			*p++ = ',';
		memcpy(p, elem, elen);
		p += elen;
	}
	sprintf(p, "%s}", close);
	return buf;
}

static void check_big(const char *open, const char *elem, size_t n, const char *close,
		      const char *want)
{
	char *json = gen_array(open, elem, n, close);
	struct oci_config *cfg = NULL;
	struct err e = {0};

	CHECK_INT(oci_config_parse(json, strlen(json), &cfg, &e), -1);
	CHECK_STR(e.msg, want);
	free(json);
	/* one below the cap parses (except where another rule stops it) */
	json = gen_array(open, elem, n - 1, close);
	if (oci_config_parse(json, strlen(json), &cfg, &e) == 0)
		oci_config_free(cfg);
	else
		printf("# n-1 entries: %s\n", e.msg);
	free(json);
}

static void test_too_many_env(void)
{
	check_big("\"process\":{\"env\":[", "\"A=1\"", OCI_MAX_ENV + 1, "]}",
		  "config.json: process.env: too many entries (max 65536)");
}

static void test_too_many_args(void)
{
	check_big("\"process\":{\"args\":[", "\"x\"", OCI_MAX_ARGS + 1, "]}",
		  "config.json: process.args: too many entries (max 65536)");
}

static void test_too_many_mounts(void)
{
	check_big("\"mounts\":[", "{\"destination\":\"/m\"}", OCI_MAX_MOUNTS + 1, "]",
		  "config.json: mounts: too many entries (max 4096)");
}

static void test_too_many_rlimits(void)
{
	/* 65 entries: the cap is checked before the (then inevitable) duplicate. */
	char *json = gen_array("\"process\":{\"rlimits\":[", "{\"type\":\"RLIMIT_CORE\"}",
			       OCI_MAX_RLIMITS + 1, "]}");
	struct oci_config *cfg = NULL;
	struct err e = {0};

	CHECK_INT(oci_config_parse(json, strlen(json), &cfg, &e), -1);
	CHECK_STR(e.msg, "config.json: process.rlimits: too many entries (max 64)");
	free(json);
}

static void test_too_many_namespaces(void)
{
	char *json = gen_array("\"linux\":{\"namespaces\":[", "{\"type\":\"pid\"}",
			       OCI_MAX_NAMESPACES + 1, "]}");
	struct oci_config *cfg = NULL;
	struct err e = {0};

	CHECK_INT(oci_config_parse(json, strlen(json), &cfg, &e), -1);
	CHECK_STR(e.msg, "config.json: linux.namespaces: too many entries (max 16)");
	free(json);
}

static void test_too_many_annotations(void)
{
	size_t n = OCI_MAX_ANNOTATIONS + 1;
	char *json = malloc(n * 32 + 128), *p = json;
	struct oci_config *cfg = NULL;
	struct err e = {0};

	p += sprintf(p, "{\"ociVersion\":\"1.1.0\",\"root\":{\"path\":\"r\"},\"annotations\":{");
	for (size_t i = 0; i < n; i++)
		p += sprintf(p, "%s\"k%zu\":\"v\"", i ? "," : "", i);
	strcpy(p, "}}");
	CHECK_INT(oci_config_parse(json, strlen(json), &cfg, &e), -1);
	CHECK_STR(e.msg, "config.json: annotations: too many entries (max 4096)");
	free(json);
}

static void test_nesting_too_deep(void)
{
	char json[512], *p = json;
	struct oci_config *cfg = NULL;
	struct err e = {0};

	p += sprintf(p, "{\"ociVersion\":\"1.1.0\",\"x\":");
	for (int i = 0; i < 100; i++)
		*p++ = '[';
	for (int i = 0; i < 100; i++)
		*p++ = ']';
	strcpy(p, "}");
	CHECK_INT(oci_config_parse(json, strlen(json), &cfg, &e), -1);
	CHECK_STR(e.msg, "config.json: invalid JSON: nesting too deep at offset 89");
}

/* Inputs that need a real ' (the table turns every ' into "). */
static void check_raw(const char *json, const char *want)
{
	struct oci_config *cfg = NULL;
	struct err e = {0};

	CHECK_INT(oci_config_parse(json, strlen(json), &cfg, &e), -1);
	CHECK_STR(e.msg, want);
}

static void test_single_quoted_string(void)
{
	/* json-c takes a single-quoted key even in strict mode; Go (runc) does not. */
	check_raw("{\"ociVersion\":\"1.1.0\",\"root\":{'path':\"rootfs\"}}",
		  "config.json: invalid JSON: single-quoted string at offset 30");
	check_raw("{\"ociVersion\":\"1.1.0\",\"root\":{\"path\":'rootfs'}}",
		  "config.json: invalid JSON: unexpected character at offset 37");
}

static void test_nul_in_object_key(void)
{
	/* json-c would keep "io.incept.kernel" and drop the rest of the key. */
	check_raw("{\"ociVersion\":\"1.1.0\",\"root\":{\"path\":\"r\"},\"annotations\":{\"a\":"
		  "\"\\u0000\","
		  "\"io.incept.kernel\\u0000x\":\"v\"}}",
		  "config.json: invalid JSON: NUL (\\u0000) in an object key at offset 87");
}

static void test_too_large(void)
{
	size_t len = OCI_CONFIG_MAX_SIZE + 1;
	char *json = malloc(len);
	struct oci_config *cfg = NULL;
	struct err e = {0};

	memset(json, ' ', len);
	json[0] = '{';
	json[len - 1] = '}';
	CHECK_INT(oci_config_parse(json, len, &cfg, &e), -1);
	CHECK_STR(e.msg, "config.json: too large (16777217 bytes, max 16777216)");
	free(json);
}

int main(void)
{
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		RUN_NAMED(cases[i].name, run_case(&cases[i]));
	RUN(test_too_many_env);
	RUN(test_too_many_args);
	RUN(test_too_many_mounts);
	RUN(test_too_many_rlimits);
	RUN(test_too_many_namespaces);
	RUN(test_too_many_annotations);
	RUN(test_nesting_too_deep);
	RUN(test_single_quoted_string);
	RUN(test_nul_in_object_key);
	RUN(test_too_large);
	return unit_done();
}
