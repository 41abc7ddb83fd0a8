// SPDX-License-Identifier: Apache-2.0
/*
 * `incept features`: runtime-spec's features document in the shape `runc
 * features` prints (four-space indent). It lists only what works end to end
 * today, and an empty list means "none" (the spec's meaning), never "unknown".
 * Add to these tables when a feature lands with its bats test, not before. Mount options are
 * the parser's (oci/config_mount.c): the agent applies each, the r* attributes as plain flags
 * (runtime/proto_spec.c).
 */
#include "rt.h"
#include "container.h"
#include "oci/config.h"
#include "cleanup.h"
#include "seccomp.h"

#include <errno.h>

/* NULL-terminated. Hooks: all six (startContainer in the guest, the rest on the host). */
static const char *const supported_hooks[] = {
	"prestart", "createRuntime", "createContainer", "startContainer", "poststart", "poststop",
	NULL};
/* The container's own, in the guest (network: the VMM's, on the host); runc's order. */
static const char *const supported_namespaces[] = {"cgroup", "ipc",  "mount", "network",
						   "pid",    "user", "uts",   NULL};

static void string_array(struct rt_json *j, const char *key, const char *const *v)
{
	rt_json_key(j, key);
	rt_json_arr_begin(j);
	for (; *v; v++)
		rt_json_str(j, *v);
	rt_json_arr_end(j);
}

static void enabled_object(struct rt_json *j, const char *key, bool enabled)
{
	rt_json_key(j, key);
	rt_json_obj_begin(j);
	rt_json_key(j, "enabled");
	rt_json_bool(j, enabled);
	rt_json_obj_end(j);
}

/* runc's shape; what runtime/seccomp.c compiles and the agent installs (no NOTIFY) */
static void seccomp_features(struct rt_json *j)
{
	const char *archs[32];
	size_t n = rt_seccomp_archs(archs, ARRAY_SIZE(archs) - 1);

	archs[n] = NULL;
	rt_json_key(j, "seccomp");
	rt_json_obj_begin(j);
	rt_json_key(j, "enabled");
	rt_json_bool(j, true);
	string_array(j, "actions", rt_seccomp_actions);
	string_array(j, "operators", rt_seccomp_operators);
	string_array(j, "archs", archs);
	string_array(j, "knownFlags", rt_seccomp_known_flags);
	string_array(j, "supportedFlags", rt_seccomp_supported_flags);
	rt_json_obj_end(j);
}

static void linux_features(struct rt_json *j)
{
	rt_json_key(j, "linux");
	rt_json_obj_begin(j);
	string_array(j, "namespaces", supported_namespaces);
	rt_json_key(j, "capabilities");
	rt_json_arr_begin(j);
	for (size_t i = 0; rt_cap_name(i); i++)
		rt_json_str(j, rt_cap_name(i));
	rt_json_arr_end(j);
	rt_json_key(j, "cgroup");
	rt_json_obj_begin(j);
	rt_json_key(j, "v1");
	rt_json_bool(j, false);
	rt_json_key(j, "v2");
	rt_json_bool(j, true);
	rt_json_key(j, "systemd");
	rt_json_bool(j, true);
	rt_json_key(j, "systemdUser");
	rt_json_bool(j, false);
	rt_json_obj_end(j);
	seccomp_features(j);
	enabled_object(j, "apparmor", false);
	enabled_object(j, "selinux", false);
	rt_json_obj_end(j);
}

static int features_run(const struct rt_global *g, void *opts, int argc, char **argv, struct err *e)
{
	const char *mount_options[96];
	struct rt_json j;
	size_t n;
	int r = 0;

	(void)g;
	(void)opts;
	(void)argc;
	(void)argv;
	rt_json_init(&j, "    ");
	rt_json_obj_begin(&j);
	rt_json_key(&j, "ociVersionMin");
	rt_json_str(&j, RT_SPEC_VERSION_MIN);
	rt_json_key(&j, "ociVersionMax");
	rt_json_str(&j, RT_SPEC_VERSION);
	string_array(&j, "hooks", supported_hooks);
	n = oci_mount_option_names(mount_options, ARRAY_SIZE(mount_options) - 1);
	mount_options[n] = NULL;
	string_array(&j, "mountOptions", mount_options);
	linux_features(&j);
	rt_json_key(&j, "annotations"); /* sorted by key, as Go writes a map */
	rt_json_obj_begin(&j);
	rt_json_key(&j, "io.incept.commit");
	rt_json_str(&j, INCEPT_COMMIT);
	rt_json_key(&j, "io.incept.version");
	rt_json_str(&j, INCEPT_VERSION);
	rt_json_obj_end(&j);
	rt_json_obj_end(&j);
	rt_buf_puts(&j.buf, "\n");
	if (j.buf.oom)
		r = err_sys(e, ENOMEM, "features");
	else
		fwrite(j.buf.p, 1, j.buf.len, stdout);
	rt_buf_free(&j.buf);
	return r;
}

const struct rt_verb rt_verb_features = {
	.name = "features",
	.usage = "show the enabled features",
	.description =
		"Show the enabled features.\n"
		"   The result is parsable as a JSON.\n"
		"   See https://github.com/opencontainers/runtime-spec/blob/main/features.md\n"
		"   for the format. An empty list means the feature is not supported.\n",
	.min_args = 0,
	.max_args = 0,
	.run = features_run,
};
