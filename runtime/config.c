// SPDX-License-Identifier: Apache-2.0
/* The runtime configuration file: defaults, strict parsing, validation. */
#include "config.h"
#include "cleanup.h"
#include "util.h"

#include <errno.h>
#include <json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define CONFIG_MAX (64u << 10)

/* An artifact: next to the binary in a build tree, else the installed location. */
static void artifact(char *out, size_t len, const char *self_dir, const char *name)
{
	snprintf(out, len, "%s/%s", self_dir, name);
	if (access(out, F_OK) == 0)
		return;
	snprintf(out, len, "%s/../lib/incept/%s", self_dir, name);
}

void rt_config_defaults(struct rt_config *c, const char *self_dir)
{
	memset(c, 0, sizeof(*c));
	artifact(c->vmm, sizeof(c->vmm), self_dir, "incept-vmm");
	artifact(c->kernel, sizeof(c->kernel), self_dir, "vmlinux");
	artifact(c->initrd, sizeof(c->initrd), self_dir, "initrd.cpio");
	snprintf(c->snapshot_dir, sizeof(c->snapshot_dir), "%s", RT_CONFIG_SNAPSHOT_DIR);
	snprintf(c->log_level, sizeof(c->log_level), "info");
	c->vcpus = RT_CONFIG_DEFAULT_VCPUS;
	c->memory_mib = RT_CONFIG_DEFAULT_MEMORY;
}

static int set_string(char *dst, size_t len, json_object *v, const char *name, const char *key,
		      bool absolute, struct err *e)
{
	const char *s;

	if (!json_object_is_type(v, json_type_string))
		return err_set(e, EINVAL, "%s: %s: must be a string", name, key);
	s = json_object_get_string(v);
	if (strlen(s) >= len)
		return err_set(e, ENAMETOOLONG, "%s: %s: too long", name, key);
	if (absolute && s[0] != '/')
		return err_set(e, EINVAL, "%s: %s: must be an absolute path, got \"%s\"", name, key,
			       s);
	snprintf(dst, len, "%s", s);
	return 0;
}

static int set_uint(uint64_t *dst, json_object *v, const char *name, const char *key, uint64_t min,
		    uint64_t max, struct err *e)
{
	int64_t n;

	if (!json_object_is_type(v, json_type_int))
		return err_set(e, EINVAL, "%s: %s: must be an integer", name, key);
	n = json_object_get_int64(v);
	if (n < (int64_t)min || (uint64_t)n > max)
		return err_set(e, ERANGE, "%s: %s: must be %llu..%llu, got %lld", name, key,
			       (unsigned long long)min, (unsigned long long)max, (long long)n);
	*dst = (uint64_t)n;
	return 0;
}

static int set_log_level(struct rt_config *c, json_object *v, const char *name, struct err *e)
{
	static const char *const levels[] = {"debug", "info", "warn", "error"};

	if (set_string(c->log_level, sizeof(c->log_level), v, name, "log_level", false, e) < 0)
		return -1;
	for (size_t i = 0; i < sizeof(levels) / sizeof(levels[0]); i++)
		if (!strcmp(c->log_level, levels[i]))
			return 0;
	return err_set(e, EINVAL, "%s: log_level: want debug, info, warn or error, got \"%s\"",
		       name, c->log_level);
}

static int set_key(struct rt_config *c, const char *key, json_object *v, const char *name,
		   struct err *e)
{
	uint64_t n;

	if (!strcmp(key, "vmm"))
		return set_string(c->vmm, sizeof(c->vmm), v, name, key, true, e);
	if (!strcmp(key, "kernel"))
		return set_string(c->kernel, sizeof(c->kernel), v, name, key, true, e);
	if (!strcmp(key, "initrd"))
		return set_string(c->initrd, sizeof(c->initrd), v, name, key, true, e);
	if (!strcmp(key, "snapshot_dir"))
		return set_string(c->snapshot_dir, sizeof(c->snapshot_dir), v, name, key, true, e);
	if (!strcmp(key, "kernel_cmdline_append"))
		return set_string(c->cmdline_append, sizeof(c->cmdline_append), v, name, key, false,
				  e);
	if (!strcmp(key, "log_level"))
		return set_log_level(c, v, name, e);
	if (!strcmp(key, "vcpus")) {
		if (set_uint(&n, v, name, key, 1, 32, e) < 0)
			return -1;
		c->vcpus = (unsigned)n;
		return 0;
	}
	if (!strcmp(key, "memory_mib"))
		return set_uint(&c->memory_mib, v, name, key, 64, 1 << 20, e);
	/* A misspelt key would silently do nothing: refuse it. */
	return err_set(e, EINVAL, "%s: unknown key \"%s\"", name, key);
}

int rt_config_parse(struct rt_config *c, const char *text, const char *name, struct err *e)
{
	enum json_tokener_error jerr;
	json_object *root = json_tokener_parse_verbose(text, &jerr);
	int r = 0;

	if (!root)
		return err_set(e, EINVAL, "%s: invalid JSON: %s", name,
			       json_tokener_error_desc(jerr));
	if (!json_object_is_type(root, json_type_object)) {
		json_object_put(root);
		return err_set(e, EINVAL, "%s: must be a JSON object", name);
	}
	json_object_object_foreach(root, key, v)
	{
		if (r == 0 && set_key(c, key, v, name, e) < 0)
			r = -1;
	}
	json_object_put(root);
	return r;
}

int rt_config_load(struct rt_config *c, const char *self_dir, struct err *e)
{
	const char *path = getenv("INCEPT_CONFIG");
	cleanup_free char *text = NULL;
	size_t len;

	rt_config_defaults(c, self_dir);
	if (!path || !*path) {
		path = RT_CONFIG_DEFAULT_PATH;
		if (access(path, F_OK) < 0)
			return 0; /* no file: the defaults */
	}
	if (util_read_file(path, CONFIG_MAX, &text, &len, e) < 0)
		return err_prefix(e, "runtime config");
	if (strlen(text) != len)
		return err_set(e, EINVAL, "%s: contains a NUL byte", path);
	snprintf(c->path, sizeof(c->path), "%s", path);
	return rt_config_parse(c, text, path, e);
}
