// SPDX-License-Identifier: Apache-2.0
/*
 * libFuzzer target: the FUSE server's request parser and dispatcher (vmm/fuse/) over a temp
 * directory shared as "s" (plus a read-only share "ro" and a single-file share "file").
 * Input: a stream of requests as /dev/fuse delivers them, each fuse_in_header.len long; a
 * header whose len does not fit ends the stream and is passed on as one malformed request.
 * Node ids and file handles are small counters, so the fuzzer finds them. Each input starts
 * from a fresh server and a fresh directory tree.
 *
 * FALLOCATE lengths are capped at 1 MiB here, so the fuzzer cannot fill the disk; the server
 * passes them to the host as they come (the guest's own disk quota is the host's business).
 */
#define _GNU_SOURCE
#include "vmm/fuse/fuse.h"
#include "util.h"

#include <fcntl.h>
#include <linux/fuse.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static char dir[64];
static uint8_t in[VFS_MAX_REQUEST];
static uint8_t out[VFS_MAX_WRITE + 4096];

static void cleanup(void)
{
	struct err e = {0};

	if (dir[0])
		util_rm_rf(dir, &e);
}

/* Plain writes: util_write_file_atomic() fsyncs, which would dominate every run. */
static void put(const char *path, const char *content)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);

	if (fd < 0)
		return;
	if (write(fd, content, strlen(content)) < 0)
		abort();
	close(fd);
}

static void make_tree(void)
{
	char p[128];
	struct err e = {0};

	snprintf(p, sizeof(p), "%s/s/d", dir);
	util_mkdir_p(p, 0755, &e);
	snprintf(p, sizeof(p), "%s/ro", dir);
	util_mkdir_p(p, 0755, &e);
	snprintf(p, sizeof(p), "%s/s/f", dir);
	put(p, "hello");
	snprintf(p, sizeof(p), "%s/s/d/g", dir);
	put(p, "world");
	snprintf(p, sizeof(p), "%s/ro/r", dir);
	put(p, "ro");
	snprintf(p, sizeof(p), "%s/file", dir);
	put(p, "127.0.0.1 localhost\n");
	snprintf(p, sizeof(p), "%s/s/l", dir);
	if (symlink("/", p) < 0)
		return;
}

static struct vfs_server *fresh_server(void)
{
	struct vfs_server *srv;
	char p[128];
	struct err e = {0};

	if (!dir[0]) {
		snprintf(dir, sizeof(dir), "/tmp/incept-fuzz-fuse.XXXXXX");
		if (!mkdtemp(dir))
			abort();
		atexit(cleanup);
	}
	snprintf(p, sizeof(p), "%s/s", dir);
	util_rm_rf(p, &e);
	snprintf(p, sizeof(p), "%s/ro", dir);
	util_rm_rf(p, &e);
	make_tree();
	if (vfs_server_create(&(struct vfs_opts){.cache_secs = 1}, &srv, &e) < 0)
		abort();
	snprintf(p, sizeof(p), "%s/s", dir);
	vfs_share_add(srv, "s", p, false, &e);
	snprintf(p, sizeof(p), "%s/ro", dir);
	vfs_share_add(srv, "ro", p, true, &e);
	snprintf(p, sizeof(p), "%s/file", dir);
	vfs_share_add(srv, "file", p, false, &e);
	return srv;
}

static void serve(struct vfs_server *srv, const uint8_t *req, size_t len)
{
	struct iovec iov[3] = {{out, 24}, {out + 24, 1000}, {out + 1024, sizeof(out) - 1024}};
	struct fuse_in_header h;

	memcpy(in, req, len);
	if (len >= sizeof(h)) {
		memcpy(&h, in, sizeof(h));
		if (h.opcode == FUSE_FALLOCATE &&
		    len >= sizeof(h) + sizeof(struct fuse_fallocate_in)) {
			struct fuse_fallocate_in fi;

			memcpy(&fi, in + sizeof(h), sizeof(fi));
			if (fi.length > (1u << 20))
				fi.length = 1u << 20;
			memcpy(in + sizeof(h), &fi, sizeof(fi));
		}
	}
	/* a split reply buffer, as virtio chains deliver it */
	if (vfs_handle(srv, in, len, iov, 3) > sizeof(out))
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct vfs_server *srv;
	size_t pos = 0;

	if (size > VFS_MAX_REQUEST)
		return 0;
	srv = fresh_server();
	while (pos < size) {
		struct fuse_in_header h;
		size_t len = size - pos;

		if (len >= sizeof(h)) {
			memcpy(&h, data + pos, sizeof(h));
			if (h.len >= sizeof(h) && h.len <= len)
				len = h.len;
		}
		serve(srv, data + pos, len);
		pos += len;
	}
	vfs_server_destroy(srv);
	return 0;
}
