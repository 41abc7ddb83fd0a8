/* SPDX-License-Identifier: Apache-2.0 */
/* Running incept-vmm from the runtime: its command line from the config, and waiting for it. */
#ifndef INCEPT_RT_VMM_H
#define INCEPT_RT_VMM_H

#include <stddef.h>
#include "config.h"
#include "error.h"

#define RT_VMM_MAX_ARGS 1024

struct rt_vmm_cmd {
	const char *argv[RT_VMM_MAX_ARGS + 1];
	size_t argc;
	char vcpus[16], memory[24];
};

/* incept-vmm --kernel --initrd --vcpus --memory [--append] from the config and shape. */
void rt_vmm_cmd_init(struct rt_vmm_cmd *c, const struct rt_config *cfg, unsigned vcpus,
		     unsigned long long memory_mib);
void rt_vmm_cmd_add(struct rt_vmm_cmd *c, const char *arg);

/*
 * Runs the command with stdout captured into `out` (NUL-terminated, at most `len`), stderr
 * passed through. When it takes longer than `progress_ms`, prints `progress` on stderr once.
 * Returns its exit status, or -1 with `e` set if it could not run or was killed.
 */
int rt_vmm_run(const struct rt_vmm_cmd *c, char *out, size_t len, unsigned progress_ms,
	       const char *progress, struct err *e);

/* The directory of the running incept binary. */
int rt_self_dir(char *buf, size_t len, struct err *e);

#endif
