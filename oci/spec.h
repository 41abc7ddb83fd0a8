/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The default config.json `incept spec [--rootless]` writes: the same content
 * and layout as `runc spec` (runc 1.1: tab-indented, no trailing newline),
 * with ociVersion OCI_SPEC_VERSION and hostname "incept" instead of "runc".
 */
#ifndef INCEPT_OCI_SPEC_H
#define INCEPT_OCI_SPEC_H

#include <stdbool.h>
#include <stdint.h>
#include "error.h"

#define OCI_SPEC_VERSION  "1.1.0"
#define OCI_SPEC_HOSTNAME "incept"

/* malloc'd JSON text; rootless maps container root to the caller's euid/egid. */
char *oci_spec_default(bool rootless, struct err *e);

/* The same with explicit host ids for the rootless mappings (for tests). */
char *oci_spec_generate(bool rootless, uint32_t host_uid, uint32_t host_gid, struct err *e);

#endif
