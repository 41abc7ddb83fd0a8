/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The runtime's own configuration (config.example.json documents every key): where the
 * VMM, kernel and initrd are, the default guest shape, extra kernel command-line words, and
 * the snapshot directory. Read from $INCEPT_CONFIG, else /etc/incept/config.json, else built-in
 * defaults. Artifact paths default to the directory of the `incept` binary when it holds
 * them (a build tree: build/incept next to build/incept-vmm), else <prefix>/lib/incept.
 */
#ifndef INCEPT_RT_CONFIG_H
#define INCEPT_RT_CONFIG_H

#include <limits.h>
#include <stdint.h>
#include "error.h"

#define RT_CONFIG_DEFAULT_PATH	 "/etc/incept/config.json"
#define RT_CONFIG_SNAPSHOT_DIR	 "/var/lib/incept/snapshots"
#define RT_CONFIG_DEFAULT_VCPUS	 1
#define RT_CONFIG_DEFAULT_MEMORY 128

struct rt_config {
	char path[PATH_MAX]; /* the file read, or "" for built-in defaults */
	char vmm[PATH_MAX];
	char kernel[PATH_MAX];
	char initrd[PATH_MAX];
	char snapshot_dir[PATH_MAX];
	char cmdline_append[1024];
	char log_level[16];
	unsigned vcpus;
	uint64_t memory_mib;
};

/* Defaults, then the file (when there is one). `self_dir`: directory of the incept binary. */
int rt_config_load(struct rt_config *c, const char *self_dir, struct err *e);

/* Parses a config file's text on top of what `c` holds (exposed for tests). */
int rt_config_parse(struct rt_config *c, const char *text, const char *name, struct err *e);

/* Fills the artifact defaults from `self_dir` (exposed for tests). */
void rt_config_defaults(struct rt_config *c, const char *self_dir);

#endif
