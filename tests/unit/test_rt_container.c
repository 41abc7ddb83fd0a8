// SPDX-License-Identifier: Apache-2.0
/* runtime/proto_spec.c and runtime/bundle.c: config.json -> CREATE, caps, args[0] lookup. */
#define _GNU_SOURCE
#include "unit.h"
#include "runtime/container.h"
#include "util.h"
#include "oci/config.h"

#include <linux/capability.h>
#include <sched.h>
#include <stdlib.h>
#include <sys/mount.h>
#include <sys/personality.h>
#include <sys/stat.h>
#include <unistd.h>

static void test_caps(void)
{
	char *names[] = {"CAP_CHOWN", "CAP_KILL", "CAP_CHECKPOINT_RESTORE", "CAP_NOPE"};

	CHECK(rt_caps_mask(names, 4) ==
	      ((1ull << CAP_CHOWN) | (1ull << CAP_KILL) | (1ull << CAP_CHECKPOINT_RESTORE)));
	CHECK(rt_caps_mask(names, 0) == 0);
}

static char root[64];

static void touch_exec(const char *rel, mode_t mode)
{
	char p[256];
	FILE *f;

	snprintf(p, sizeof(p), "%s/%s", root, rel);
	f = fopen(p, "w");
	if (f)
		fclose(f);
	chmod(p, mode);
}

static void test_find_executable(void)
{
	char p[256], *env[] = {"PATH=/bin:/opt", NULL};
	struct err e;

	snprintf(root, sizeof(root), "/tmp/rt-unit-XXXXXX");
	CHECK(mkdtemp(root) != NULL);
	snprintf(p, sizeof(p), "%s/bin", root);
	mkdir(p, 0755);
	snprintf(p, sizeof(p), "%s/opt", root);
	mkdir(p, 0755);
	touch_exec("bin/tool", 0755);
	touch_exec("opt/plain", 0644);
	snprintf(p, sizeof(p), "%s/bin/abs", root);
	CHECK_INT(symlink("/bin/tool", p), 0); /* the rootfs's /bin/tool */
	snprintf(p, sizeof(p), "%s/bin/out", root);
	CHECK_INT(symlink("/usr/bin/env", p), 0); /* exists on the host only */

	CHECK_INT(rt_find_executable(root, "tool", env, "/", &e), 0);
	CHECK_INT(rt_find_executable(root, "abs", env, "/", &e), 0);
	CHECK_INT(rt_find_executable(root, "/bin/tool", NULL, "/", &e), 0);
	CHECK_INT(rt_find_executable(root, "./tool", NULL, "/bin", &e), 0);
	CHECK_INT(rt_find_executable(root, "out", env, "/", &e), -1);
	CHECK_STR(e.msg, "exec: \"out\": executable file not found in $PATH");
	CHECK_INT(rt_find_executable(root, "plain", env, "/", &e), -1);
	CHECK_INT(rt_find_executable(root, "/opt/plain", env, "/", &e), -1);
	CHECK_STR(e.msg, "exec: \"/opt/plain\": permission denied");
	CHECK_INT(rt_find_executable(root, "../../../../usr/bin/env", env, "/", &e), -1);
	CHECK_INT(rt_find_executable(root, "tool", NULL, "/", &e), 0); /* default PATH has /bin */
}

static const char cfg_json[] =
	"{\"ociVersion\": \"1.1.0\", \"root\": {\"path\": \"rootfs\", \"readonly\": true},"
	" \"hostname\": \"h\", \"process\": {\"cwd\": \"/w\", \"args\": [\"sh\", \"-c\", \"x\"],"
	"  \"env\": [\"A=1\"], \"user\": {\"uid\": 5, \"gid\": 6, \"additionalGids\": [7]},"
	"  \"rlimits\": [{\"type\": \"RLIMIT_NOFILE\", \"hard\": 10, \"soft\": 9}],"
	"  \"capabilities\": {\"bounding\": [\"CAP_KILL\"]}},"
	" \"mounts\": [{\"destination\": \"/proc\", \"type\": \"proc\", \"source\": \"proc\"},"
	"  {\"destination\": \"/data\", \"type\": \"bind\", \"source\": \"/tmp\","
	"   \"options\": [\"rbind\", \"ro\"]},"
	"  {\"destination\": \"/etc/x\", \"source\": \".\","
	"   \"options\": [\"bind\", \"rro\", \"rnoexec\"]}],"
	" \"linux\": {\"namespaces\": [{\"type\": \"pid\"}, {\"type\": \"mount\"},"
	"  {\"type\": \"network\"}, {\"type\": \"uts\"}], \"sysctl\": {\"k.v\": \"1\"},"
	"  \"maskedPaths\": [\"/proc/kcore\"], \"personality\": {\"domain\": \"LINUX32\"}}}";

/* Encoded with proto_encode_container and decoded again, as the agent sees it. */
static void test_spec_roundtrip(void)
{
	struct rt_bundle b = {.dir = root, .rootfs = "/rootfs"}; /* bind sources must exist */
	char want[128];
	struct proto_container d;
	struct proto_buf buf;
	struct rt_spec s;
	struct err e;

	CHECK_INT(oci_config_parse(cfg_json, sizeof(cfg_json) - 1, &b.cfg, &e), 0);
	if (rt_spec_build(&b, "c1", false, &s, &e) < 0) {
		CHECK_STR(e.msg, "");
		return;
	}
	CHECK_INT((int)s.nr_shares, 3);
	CHECK_STR(s.shares[0], "rootfs=/rootfs:keep"); /* writable even when root.readonly */
	CHECK_STR(s.shares[1], "b0=/tmp:ro");
	snprintf(want, sizeof(want), "b1=%s/.:ro", root); /* rro: the share too */
	CHECK_STR(s.shares[2], want);
	proto_buf_init(&buf);
	CHECK_INT(proto_encode_container(&buf, &s.c, &e), 0);
	CHECK_INT(
		proto_decode_container(buf.data + PROTO_HDR_SIZE, buf.len - PROTO_HDR_SIZE, &d, &e),
		0);
	CHECK_STR(d.id, "c1");
	CHECK(d.rootfs_ro);
	CHECK_STR(d.hostname, "h");
	CHECK(d.namespaces == (CLONE_NEWPID | CLONE_NEWNS | CLONE_NEWUTS));
	CHECK_INT((int)d.nr_mounts, 3);
	CHECK_STR(d.mounts[0].type, "proc");
	CHECK_STR(d.mounts[1].type, "bind");
	CHECK_STR(d.mounts[1].source, "b0");
	CHECK(d.mounts[1].flags & MS_RDONLY);
	CHECK_STR(d.mounts[2].source, "b1");
	CHECK(d.mounts[2].flags & MS_RDONLY);
	CHECK(d.mounts[2].flags & MS_NOEXEC);
	CHECK_STR(d.sysctl[0], "k.v=1");
	CHECK_STR(d.masked[0], "/proc/kcore");
	CHECK(d.has_personality && d.personality == PER_LINUX32);
	CHECK_STR(d.process.args[2], "x");
	CHECK_STR(d.process.cwd, "/w");
	CHECK_INT((int)d.process.uid, 5);
	CHECK_INT((int)d.process.gids[0], 7);
	CHECK_INT((int)d.process.rlimits[0].soft, 9);
	CHECK(d.process.caps[0] == 1ull << CAP_KILL);
	CHECK(!d.process.open_stdin);
	proto_container_free(&d);
	proto_buf_free(&buf);
	rt_spec_free(&s);
	oci_config_free(b.cfg);
}

static const char userns_json[] =
	"{\"ociVersion\": \"1.1.0\", \"root\": {\"path\": \"rootfs\"},"
	" \"process\": {\"cwd\": \"/\", \"args\": [\"sh\"]},"
	" \"linux\": {\"namespaces\": [{\"type\": \"mount\"}, {\"type\": \"user\"}],"
	"  \"uidMappings\": [{\"containerID\": 0, \"hostID\": 100000, \"size\": 65536},"
	"   {\"containerID\": 65536, \"hostID\": 300000, \"size\": 10}],"
	"  \"gidMappings\": [{\"containerID\": 0, \"hostID\": 200000, \"size\": 1}]}}";

/* A user namespace without a path: CLONE_NEWUSER and both maps, entry by entry. */
static void test_spec_userns(void)
{
	struct rt_bundle b = {.dir = root, .rootfs = "/rootfs"};
	struct proto_container d;
	struct proto_buf buf;
	struct rt_spec s;
	struct err e;

	CHECK_INT(oci_config_parse(userns_json, sizeof(userns_json) - 1, &b.cfg, &e), 0);
	if (rt_spec_build(&b, "c1", false, &s, &e) < 0) {
		CHECK_STR(e.msg, "");
		return;
	}
	proto_buf_init(&buf);
	CHECK_INT(proto_encode_container(&buf, &s.c, &e), 0);
	CHECK_INT(
		proto_decode_container(buf.data + PROTO_HDR_SIZE, buf.len - PROTO_HDR_SIZE, &d, &e),
		0);
	CHECK(d.namespaces == (CLONE_NEWNS | CLONE_NEWUSER));
	CHECK_INT((int)d.nr_uid_map, 2);
	CHECK_INT((int)d.nr_gid_map, 1);
	if (d.nr_uid_map == 2 && d.nr_gid_map == 1) {
		CHECK(d.uid_map[0].container_id == 0 && d.uid_map[0].host_id == 100000 &&
		      d.uid_map[0].size == 65536);
		CHECK(d.uid_map[1].container_id == 65536 && d.uid_map[1].host_id == 300000 &&
		      d.uid_map[1].size == 10);
		CHECK(d.gid_map[0].host_id == 200000 && d.gid_map[0].size == 1);
	}
	proto_container_free(&d);
	proto_buf_free(&buf);
	rt_spec_free(&s);
	oci_config_free(b.cfg);
}

int main(void)
{
	RUN(test_caps);
	RUN(test_find_executable);
	RUN(test_spec_roundtrip);
	RUN(test_spec_userns);
	if (root[0]) {
		struct err e;

		util_rm_rf(root, &e);
	}
	return unit_done();
}
