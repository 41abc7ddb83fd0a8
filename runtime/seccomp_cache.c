// SPDX-License-Identifier: Apache-2.0
/*
 * Compiled seccomp programs shared by containers with the same profile. containerd and Docker
 * give every container their default profile (~360 names, three architectures), which
 * libseccomp takes ~17 ms of host CPU to compile: a tenth of the whole host budget of a start.
 *
 * The cache is <root>/#seccomp/<FNV-1a of the key>: a header (magic "INCSCC1\n", key length,
 * flags, instruction count), the key, the program. The key is an unambiguous text of
 * everything the program depends on: incept's version and commit (our compile rules),
 * libseccomp's version, and every field of linux.seccomp, each string length-prefixed. A
 * file is used only when its key equals ours byte for byte, so neither a hash collision nor
 * a file from another incept can put the wrong filter on a container; anything else about a
 * file (short, malformed) means "compile", never an error.
 */
#define _GNU_SOURCE
#include "rt.h"
#include "seccomp.h"
#include "cleanup.h"
#include "log.h"
#include "oci/config.h"
#include "proto.h"
#include "util.h"

#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <seccomp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define CACHE_MAGIC "INCSCC1\n"

struct cache_header {
	char magic[8];
	uint32_t key_len;
	uint32_t flags;
	uint32_t n_insns;
	uint32_t zero;
};
_Static_assert(sizeof(struct cache_header) == 24, "seccomp cache header");

static void key_str(struct rt_buf *k, const char *s)
{
	rt_buf_printf(k, "%zu:%s ", strlen(s ? s : ""), s ? s : "");
}

static void key_strv(struct rt_buf *k, const struct oci_strv *v)
{
	rt_buf_printf(k, "[%zu ", v->n);
	for (size_t i = 0; i < v->n; i++)
		key_str(k, v->v[i]);
	rt_buf_puts(k, "] ");
}

static void key_rule(struct rt_buf *k, const struct oci_seccomp_rule *r)
{
	rt_buf_printf(k, "\nrule %d %d %u ", (int)r->action, r->has_errno_ret, r->errno_ret);
	key_strv(k, &r->names);
	rt_buf_printf(k, "args %zu", r->n_args);
	for (size_t i = 0; i < r->n_args; i++)
		rt_buf_printf(k, " %u %llu %llu %d", r->args[i].index,
			      (unsigned long long)r->args[i].value,
			      (unsigned long long)r->args[i].value_two, (int)r->args[i].op);
}

/* Everything the compiled program depends on, as text no two inputs share. */
static void cache_key(const struct oci_seccomp *s, struct rt_buf *k)
{
	const struct scmp_version *v = seccomp_version();

	rt_buf_printf(k, "incept %s %s libseccomp %u.%u.%u\n", INCEPT_VERSION, INCEPT_COMMIT,
		      v ? v->major : 0, v ? v->minor : 0, v ? v->micro : 0);
	rt_buf_printf(k, "default %d %d %u ", (int)s->default_action, s->has_default_errno_ret,
		      s->default_errno_ret);
	key_strv(k, &s->architectures);
	rt_buf_printf(k, "flags %d ", s->has_flags);
	key_strv(k, &s->flags);
	key_str(k, s->listener_path);
	key_str(k, s->listener_metadata);
	rt_buf_printf(k, "rules %zu", s->n_syscalls);
	for (size_t i = 0; i < s->n_syscalls; i++)
		key_rule(k, &s->syscalls[i]);
}

/* 0: *out from the file; -1: no usable entry (missing, another key, malformed). */
static int cache_read(const char *path, const struct rt_buf *key, struct rt_seccomp *out)
{
	cleanup_free char *text = NULL;
	struct cache_header h;
	size_t len, body;
	struct err e;

	memset(out, 0, sizeof(*out));
	if (util_read_file(path,
			   sizeof(h) + key->len + PROTO_SECCOMP_MAX_INSNS * PROTO_SECCOMP_INSN_SIZE,
			   &text, &len, &e) < 0 ||
	    len < sizeof(h))
		return -1;
	memcpy(&h, text, sizeof(h));
	if (memcmp(h.magic, CACHE_MAGIC, 8) || h.key_len != key->len ||
	    len - sizeof(h) < key->len || memcmp(text + sizeof(h), key->p, key->len))
		return -1;
	body = len - sizeof(h) - key->len;
	if (!h.n_insns || rt_seccomp_check(path, h.flags, h.n_insns, body, &e) < 0)
		return -1;
	out->bpf = malloc(body);
	if (!out->bpf)
		return -1;
	memcpy(out->bpf, text + sizeof(h) + key->len, body);
	out->len = body;
	out->flags = h.flags;
	return 0;
}

/*
 * Entries in dir; when there are max or more (profiles come and go, and every new incept
 * build has new keys) they are all removed first, so the cache never stops taking new ones.
 * -1 if it cannot be read.
 */
static int make_room(const char *dir, int max)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	int n = 0;

	if (!d)
		return -1;
	while ((de = readdir(d)))
		n += de->d_name[0] != '.';
	if (n >= max) {
		rewinddir(d);
		while ((de = readdir(d)))
			if (de->d_name[0] != '.')
				unlinkat(dirfd(d), de->d_name, 0);
		log_debug("seccomp cache %s: %d entries removed", dir, n);
		n = 0;
	}
	closedir(d);
	return n;
}

/* Best effort: a cache that cannot be written only costs the next create a compile. */
static void cache_write(const char *dir, const char *path, const struct rt_buf *key,
			const struct rt_seccomp *sc)
{
	struct cache_header h = {.magic = CACHE_MAGIC,
				 .key_len = (uint32_t)key->len,
				 .flags = sc->flags,
				 .n_insns = (uint32_t)(sc->len / PROTO_SECCOMP_INSN_SIZE)};
	struct err e;
	uint8_t *buf;

	if (util_mkdir_p(dir, 0700, &e) < 0 || make_room(dir, RT_SECCOMP_CACHE_MAX) < 0)
		return;
	buf = malloc(sizeof(h) + key->len + sc->len);
	if (!buf)
		return;
	memcpy(buf, &h, sizeof(h));
	memcpy(buf + sizeof(h), key->p, key->len);
	memcpy(buf + sizeof(h) + key->len, sc->bpf, sc->len);
	if (util_write_file_atomic(path, buf, sizeof(h) + key->len + sc->len, 0600, &e) < 0)
		log_debug("seccomp cache: %s", e.msg);
	free(buf);
}

int rt_seccomp_compile_cached(const char *cache_dir, const struct oci_seccomp *s,
			      struct rt_seccomp *out, struct err *e)
{
	struct rt_buf key = {0};
	char path[PATH_MAX];
	int r;

	if (!cache_dir)
		return rt_seccomp_compile(s, out, e);
	cache_key(s, &key);
	if (key.oom || (size_t)snprintf(path, sizeof(path), "%s/%016llx", cache_dir,
					(unsigned long long)util_fnv64(UTIL_FNV64_INIT, key.p,
								       key.len)) >= sizeof(path)) {
		rt_buf_free(&key);
		return rt_seccomp_compile(s, out, e);
	}
	if (cache_read(path, &key, out) == 0) {
		log_debug("seccomp: the compiled program from %s", path);
		rt_buf_free(&key);
		return 0;
	}
	r = rt_seccomp_compile(s, out, e);
	if (r == 0)
		cache_write(cache_dir, path, &key, out);
	rt_buf_free(&key);
	return r;
}
