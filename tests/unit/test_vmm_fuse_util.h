/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Helpers for the FUSE server's unit tests: a server over a fresh temp directory shared as
 * "s", and a request builder that sends header + arguments straight to vfs_handle().
 */
#ifndef TEST_VMM_FUSE_UTIL_H
#define TEST_VMM_FUSE_UTIL_H

#define _GNU_SOURCE
#include "unit.h"
#include "cleanup.h"
#include "util.h"
#include "vmm/fuse/fuse.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/fuse.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

struct fx {
	struct vfs_server *srv;
	char dir[64];
	uint64_t unique;
	uint8_t *out;
	size_t out_cap, reply_len;
	int error;	     /* fuse_out_header.error of the last reply */
	const uint8_t *data; /* its payload */
	size_t data_len;
};

static uint8_t fx_in[VFS_MAX_REQUEST];

/* Sends one request built from (pointer, length) argument pairs ended by NULL. */
static size_t fx_req(struct fx *f, uint32_t op, uint64_t nodeid, ...)
{
	struct fuse_in_header h = {.opcode = op,
				   .unique = ++f->unique,
				   .nodeid = nodeid,
				   .uid = 0,
				   .gid = 0,
				   .pid = 1};
	struct iovec iov = {f->out, f->out_cap};
	size_t len = sizeof(h);
	const void *p;
	va_list ap;

	va_start(ap, nodeid);
	while ((p = va_arg(ap, const void *))) {
		size_t n = va_arg(ap, size_t);

		memcpy(fx_in + len, p, n);
		len += n;
	}
	va_end(ap);
	h.len = (uint32_t)len;
	memcpy(fx_in, &h, sizeof(h));
	memset(f->out, 0xa5, 64);
	f->reply_len = vfs_handle(f->srv, fx_in, len, &iov, 1);
	f->error = 1; /* no reply */
	f->data = f->out + sizeof(struct fuse_out_header);
	f->data_len = 0;
	if (f->reply_len >= sizeof(struct fuse_out_header)) {
		struct fuse_out_header oh;

		memcpy(&oh, f->out, sizeof(oh));
		f->error = oh.error;
		f->data_len = f->reply_len - sizeof(oh);
		CHECK_INT(oh.len, f->reply_len);
		CHECK(oh.unique == f->unique);
	}
	return f->reply_len;
}

#define STR(s) (s), strlen(s) + 1
/* ends fx_req()'s argument list (a typed null: NULL may be a plain 0) */
#define END ((const void *)0)

static void fx_init_proto(struct fx *f, uint32_t minor)
{
	struct fuse_init_in in = {
		.major = 7, .minor = minor, .max_readahead = 131072, .flags = 0xffffffff};

	fx_req(f, FUSE_INIT, 0, &in, sizeof(in), END);
}

static int fx_setup(struct fx *f)
{
	struct vfs_opts opts = {.cache_secs = 0}; /* 0: ENOENT, not negative entries */
	struct err e = {0};

	memset(f, 0, sizeof(*f));
	snprintf(f->dir, sizeof(f->dir), "/tmp/incept-fuse-unit.XXXXXX");
	f->out_cap = VFS_MAX_WRITE + 4096;
	f->out = malloc(f->out_cap);
	if (!f->out || !mkdtemp(f->dir) || vfs_server_create(&opts, &f->srv, &e) < 0 ||
	    vfs_share_add(f->srv, "s", f->dir, false, &e) < 0)
		return -1;
	fx_init_proto(f, FUSE_KERNEL_MINOR_VERSION);
	return f->error;
}

static void fx_teardown(struct fx *f)
{
	struct err e = {0};

	vfs_server_destroy(f->srv);
	util_rm_rf(f->dir, &e);
	free(f->out);
}

/* LOOKUP: the node id, or the (negative) error. */
static int64_t fx_lookup(struct fx *f, uint64_t parent, const char *name, struct fuse_entry_out *eo)
{
	struct fuse_entry_out tmp;

	fx_req(f, FUSE_LOOKUP, parent, STR(name), END);
	if (f->error)
		return f->error;
	if (f->data_len != sizeof(tmp))
		return -1000;
	memcpy(eo ? eo : &tmp, f->data, sizeof(tmp));
	return (int64_t)(eo ? eo : &tmp)->nodeid;
}

/* The share root's node id. */
static uint64_t fx_share(struct fx *f)
{
	return (uint64_t)fx_lookup(f, FUSE_ROOT_ID, "s", NULL);
}

/* A host path inside the share. */
static const char *fx_path(struct fx *f, const char *rel)
{
	static char buf[4][PATH_MAX];
	static int n;
	char *b = buf[n++ % 4];

	snprintf(b, PATH_MAX, "%s/%s", f->dir, rel);
	return b;
}

static void fx_write_file(struct fx *f, const char *rel, const char *content)
{
	struct err e = {0};

	CHECK_INT(util_write_file_atomic(fx_path(f, rel), content, strlen(content), 0644, &e), 0);
}

/* OPEN/OPENDIR: the file handle, or the (negative) error. */
static int64_t fx_open(struct fx *f, uint32_t op, uint64_t nodeid, uint32_t flags)
{
	struct fuse_open_in oi = {.flags = flags};
	struct fuse_open_out oo;

	fx_req(f, op, nodeid, &oi, sizeof(oi), END);
	if (f->error)
		return f->error;
	memcpy(&oo, f->data, sizeof(oo));
	return (int64_t)oo.fh;
}

#endif
