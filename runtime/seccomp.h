/* SPDX-License-Identifier: Apache-2.0 */
/*
 * config.json's linux.seccomp -> a classic BPF program for the guest kernel, compiled on the
 * host with libseccomp (the static agent carries no libseccomp). The agent installs the
 * program as runc does (docs/agent.md "seccomp"); docs/runtime.md has what is compiled how.
 */
#ifndef INCEPT_RT_SECCOMP_H
#define INCEPT_RT_SECCOMP_H

#include <stddef.h>
#include <stdint.h>
#include "error.h"

struct oci_seccomp;

struct rt_seccomp {
	uint8_t *bpf;	/* struct sock_filter[], malloc'd */
	size_t len;	/* bytes: a multiple of 8, 1..4096 instructions */
	uint32_t flags; /* SECCOMP_FILTER_FLAG_* for seccomp(2) */
};

/*
 * Compiles s for the guest (x86_64, plus the architectures s lists, as runc adds them).
 * Unknown syscall names are skipped with a debug log, as runc does; SCMP_ACT_NOTIFY and
 * listenerPath are refused.
 */
int rt_seccomp_compile(const struct oci_seccomp *s, struct rt_seccomp *out, struct err *e);
void rt_seccomp_free(struct rt_seccomp *out);

/*
 * The compiled filter in the container's state directory (runtime/seccomp_store.c), written
 * by create and read by every exec. sc->len 0 stores "no filter".
 */
#define RT_SECCOMP_STORE "seccomp.bpf"
int rt_seccomp_store(const char *dir, const struct rt_seccomp *sc, struct err *e);
/*
 * 0: *out is the stored filter (out->bpf NULL: the container has none); 1: nothing stored
 * (a container made before create stored it); -1: unreadable or malformed, with e.
 */
int rt_seccomp_load(const char *dir, struct rt_seccomp *out, struct err *e);

/* A stored program's shape as proto's decoder would accept it (body: bytes of program). */
int rt_seccomp_check(const char *path, uint32_t flags, uint32_t n_insns, size_t body,
		     struct err *e);

/*
 * rt_seccomp_compile through a cache of compiled programs in cache_dir (NULL: none), keyed by
 * everything the program depends on (the profile, libseccomp's and incept's versions) and
 * checked against that key byte for byte: containerd and Docker give every container the same
 * default profile, which libseccomp takes host milliseconds to compile (runtime/seccomp_cache.c).
 */
#define RT_SECCOMP_CACHE     "#seccomp" /* under the runtime root: '#' is no container id */
#define RT_SECCOMP_CACHE_MAX 64		/* programs kept; a full cache is emptied */
int rt_seccomp_compile_cached(const char *cache_dir, const struct oci_seccomp *s,
			      struct rt_seccomp *out, struct err *e);

/* What `incept features` reports: NULL-terminated name lists. */
extern const char *const rt_seccomp_actions[];
extern const char *const rt_seccomp_operators[];
extern const char *const rt_seccomp_known_flags[];
extern const char *const rt_seccomp_supported_flags[];
/* The architectures of config.json's list that this libseccomp knows (sorted), into v[n]. */
size_t rt_seccomp_archs(const char **v, size_t n);

#endif
