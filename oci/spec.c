// SPDX-License-Identifier: Apache-2.0
/*
 * The default config.json, as runc's specconv.Example() and ToRootless()
 * build it, serialized the way Go's json.MarshalIndent(spec, "", "\t") does:
 * fields in the order of the runtime-spec Go structs, "key": value, tabs.
 */
#include "spec.h"
#include "cleanup.h"

#include <errno.h>
#include <string.h>
#include <unistd.h>
#include <json-c/json.h>

/* Adds to an object (key) or an array (key NULL); remembers any failure. */
struct builder {
	bool failed;
};

static json_object *add(struct builder *b, json_object *parent, const char *key, json_object *v)
{
	int r;

	if (!v || !parent) {
		json_object_put(v);
		b->failed = true;
		return NULL;
	}
	r = key ? json_object_object_add(parent, key, v) : json_object_array_add(parent, v);
	if (r) {
		json_object_put(v);
		b->failed = true;
		return NULL;
	}
	return v;
}

static void add_str(struct builder *b, json_object *parent, const char *key, const char *s)
{
	add(b, parent, key, json_object_new_string(s));
}

static void add_strv(struct builder *b, json_object *parent, const char *key, const char *const *v)
{
	json_object *arr = add(b, parent, key, json_object_new_array());

	for (; *v; v++)
		add_str(b, arr, NULL, *v);
}

static const char *const default_caps[] = {"CAP_AUDIT_WRITE", "CAP_KILL", "CAP_NET_BIND_SERVICE",
					   NULL};

static void build_process(struct builder *b, json_object *spec)
{
	static const char *const args[] = {"sh", NULL};
	static const char *const env[] = {
		"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", "TERM=xterm",
		NULL};
	static const char *const sets[] = {"bounding", "effective", "permitted", "ambient"};
	json_object *proc = add(b, spec, "process", json_object_new_object());
	json_object *user, *caps, *rlimit;

	add(b, proc, "terminal", json_object_new_boolean(1));
	user = add(b, proc, "user", json_object_new_object());
	add(b, user, "uid", json_object_new_int(0));
	add(b, user, "gid", json_object_new_int(0));
	add_strv(b, proc, "args", args);
	add_strv(b, proc, "env", env);
	add_str(b, proc, "cwd", "/");
	caps = add(b, proc, "capabilities", json_object_new_object());
	for (size_t i = 0; i < ARRAY_SIZE(sets); i++)
		add_strv(b, caps, sets[i], default_caps);
	rlimit = add(b, add(b, proc, "rlimits", json_object_new_array()), NULL,
		     json_object_new_object());
	add_str(b, rlimit, "type", "RLIMIT_NOFILE");
	add(b, rlimit, "hard", json_object_new_int(1024));
	add(b, rlimit, "soft", json_object_new_int(1024));
	add(b, proc, "noNewPrivileges", json_object_new_boolean(1));
}

struct spec_mount {
	const char *destination, *type, *source;
	const char *options[7];
};

static const struct spec_mount default_mounts[] = {
	{"/proc", "proc", "proc", {NULL}},
	{"/dev", "tmpfs", "tmpfs", {"nosuid", "strictatime", "mode=755", "size=65536k", NULL}},
	{"/dev/pts",
	 "devpts",
	 "devpts",
	 {"nosuid", "noexec", "newinstance", "ptmxmode=0666", "mode=0620", "gid=5", NULL}},
	{"/dev/shm", "tmpfs", "shm", {"nosuid", "noexec", "nodev", "mode=1777", "size=65536k"}},
	{"/dev/mqueue", "mqueue", "mqueue", {"nosuid", "noexec", "nodev", NULL}},
	{"/sys", "sysfs", "sysfs", {"nosuid", "noexec", "nodev", "ro", NULL}},
	{"/sys/fs/cgroup",
	 "cgroup",
	 "cgroup",
	 {"nosuid", "noexec", "nodev", "relatime", "ro", NULL}},
};

/* runc's ToRootless: sysfs cannot be mounted without a netns, so bind it; no gid=5 on devpts. */
static const struct spec_mount rootless_sys = {
	"/sys", "none", "/sys", {"rbind", "nosuid", "noexec", "nodev", "ro", NULL}};

static void build_mounts(struct builder *b, json_object *spec, bool rootless)
{
	json_object *mounts = add(b, spec, "mounts", json_object_new_array());

	for (size_t i = 0; i < ARRAY_SIZE(default_mounts); i++) {
		const struct spec_mount *m = &default_mounts[i];
		json_object *obj, *opts;

		if (rootless && strcmp(m->destination, "/sys") == 0)
			m = &rootless_sys;
		obj = add(b, mounts, NULL, json_object_new_object());
		add_str(b, obj, "destination", m->destination);
		add_str(b, obj, "type", m->type);
		add_str(b, obj, "source", m->source);
		if (!m->options[0])
			continue;
		opts = add(b, obj, "options", json_object_new_array());
		for (size_t j = 0; j < ARRAY_SIZE(m->options) && m->options[j]; j++)
			if (!rootless || strcmp(m->options[j], "gid=5") != 0)
				add_str(b, opts, NULL, m->options[j]);
	}
}

static void build_id_mapping(struct builder *b, json_object *lnx, const char *key, uint32_t id)
{
	json_object *m =
		add(b, add(b, lnx, key, json_object_new_array()), NULL, json_object_new_object());

	add(b, m, "containerID", json_object_new_int(0));
	add(b, m, "hostID", json_object_new_int64(id));
	add(b, m, "size", json_object_new_int(1));
}

static void build_linux(struct builder *b, json_object *spec, bool rootless, uint32_t uid,
			uint32_t gid)
{
	static const char *const masked[] = {"/proc/acpi",
					     "/proc/asound",
					     "/proc/kcore",
					     "/proc/keys",
					     "/proc/latency_stats",
					     "/proc/timer_list",
					     "/proc/timer_stats",
					     "/proc/sched_debug",
					     "/sys/firmware",
					     "/proc/scsi",
					     NULL};
	static const char *const readonly[] = {
		"/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys", "/proc/sysrq-trigger", NULL};
	static const char *const ns[] = {"pid", "network", "ipc", "uts", "mount"};
	static const char *const ns_rootless[] = {"pid", "ipc", "uts", "mount", "user"};
	json_object *lnx = add(b, spec, "linux", json_object_new_object());
	json_object *nss, *dev;

	if (rootless) {
		build_id_mapping(b, lnx, "uidMappings", uid);
		build_id_mapping(b, lnx, "gidMappings", gid);
	} else {
		dev = add(b,
			  add(b, add(b, lnx, "resources", json_object_new_object()), "devices",
			      json_object_new_array()),
			  NULL, json_object_new_object());
		add(b, dev, "allow", json_object_new_boolean(0));
		add_str(b, dev, "access", "rwm");
	}
	nss = add(b, lnx, "namespaces", json_object_new_array());
	for (size_t i = 0; i < ARRAY_SIZE(ns); i++)
		add_str(b, add(b, nss, NULL, json_object_new_object()), "type",
			rootless ? ns_rootless[i] : ns[i]);
	add_strv(b, lnx, "maskedPaths", masked);
	add_strv(b, lnx, "readonlyPaths", readonly);
}

char *oci_spec_generate(bool rootless, uint32_t host_uid, uint32_t host_gid, struct err *e)
{
	struct builder b = {false};
	json_object *spec = json_object_new_object();
	json_object *root;
	const char *text;
	char *out = NULL;

	add_str(&b, spec, "ociVersion", OCI_SPEC_VERSION);
	build_process(&b, spec);
	root = add(&b, spec, "root", json_object_new_object());
	add_str(&b, root, "path", "rootfs");
	add(&b, root, "readonly", json_object_new_boolean(1));
	add_str(&b, spec, "hostname", OCI_SPEC_HOSTNAME);
	build_mounts(&b, spec, rootless);
	build_linux(&b, spec, rootless, host_uid, host_gid);
	if (!b.failed) {
		/* Go's MarshalIndent layout: "key": value, tab indent, '/' unescaped. */
		text = json_object_to_json_string_ext(
			spec, JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_PRETTY_TAB |
				      JSON_C_TO_STRING_SPACED | JSON_C_TO_STRING_NOSLASHESCAPE);
		out = text ? strdup(text) : NULL;
	}
	json_object_put(spec);
	if (!out)
		err_set(e, ENOMEM, "spec: out of memory");
	return out;
}

char *oci_spec_default(bool rootless, struct err *e)
{
	return oci_spec_generate(rootless, (uint32_t)geteuid(), (uint32_t)getegid(), e);
}
