// SPDX-License-Identifier: Apache-2.0
/*
 * FUSE server confinement: ".." at the roots, symlinks (absolute, relative, /proc magic links)
 * returned as themselves and never walked by the server, a directory swapped for a symlink
 * while lookups run, and a directory moved out of the share by the host.
 */
#include "test_vmm_fuse_util.h"

#include <pthread.h>
#include <stdatomic.h>

static struct fx f;
static uint64_t s;
static char outside[64];

static void test_dotdot_at_roots(void)
{
	struct fuse_entry_out eo;
	int64_t sub;

	CHECK_INT(fx_lookup(&f, FUSE_ROOT_ID, "..", NULL), FUSE_ROOT_ID);
	CHECK_INT(fx_lookup(&f, FUSE_ROOT_ID, ".", NULL), FUSE_ROOT_ID);
	CHECK_INT(fx_lookup(&f, s, "..", &eo), (int64_t)s);
	CHECK_INT(eo.attr.mode & S_IFMT, S_IFDIR);
	CHECK_INT(fx_lookup(&f, s, ".", NULL), (int64_t)s);
	CHECK_INT(util_mkdir_p(fx_path(&f, "a/b"), 0755, &(struct err){0}), 0);
	sub = fx_lookup(&f, fx_lookup(&f, s, "a", NULL), "b", NULL);
	CHECK_INT(fx_lookup(&f, (uint64_t)sub, "..", NULL), fx_lookup(&f, s, "a", NULL));
	CHECK_INT(fx_lookup(&f, fx_lookup(&f, s, "a", NULL), "..", NULL), (int64_t)s);
}

/* A symlink's lookup is the link itself, whatever it points at; the server never walks it. */
static void check_link(const char *name, const char *target)
{
	struct fuse_entry_out eo;
	int64_t node;
	struct fuse_setxattr_in sx = {.size = 1};

	CHECK_INT(symlinkat(target, AT_FDCWD, fx_path(&f, name)), 0);
	node = fx_lookup(&f, s, name, &eo);
	CHECK(node > 0);
	CHECK_INT(eo.attr.mode & S_IFMT, S_IFLNK);
	CHECK_INT(eo.attr.size, strlen(target));
	fx_req(&f, FUSE_READLINK, (uint64_t)node, END);
	CHECK(f.data_len == strlen(target) && !memcmp(f.data, target, f.data_len));
	CHECK_INT(fx_lookup(&f, (uint64_t)node, "etc", NULL), -ENOTDIR);
	CHECK_INT(fx_lookup(&f, (uint64_t)node, "..", NULL), -ENOTDIR);
	CHECK_INT(fx_open(&f, FUSE_OPEN, (uint64_t)node, O_RDONLY), -EACCES);
	CHECK_INT(fx_open(&f, FUSE_OPENDIR, (uint64_t)node, O_RDONLY), -ENOTDIR);
	fx_req(&f, FUSE_GETXATTR, (uint64_t)node, &(struct fuse_getxattr_in){.size = 64},
	       sizeof(struct fuse_getxattr_in), STR("user.x"), END);
	CHECK_INT(f.error, -ENODATA);
	fx_req(&f, FUSE_SETXATTR, (uint64_t)node, &sx, (size_t)FUSE_COMPAT_SETXATTR_IN_SIZE,
	       STR("user.x"), "v", (size_t)1, END);
	CHECK_INT(f.error, -EPERM);
	/* chmod of a link is refused rather than applied to its target */
	fx_req(&f, FUSE_SETATTR, (uint64_t)node,
	       &(struct fuse_setattr_in){.valid = FATTR_MODE, .mode = 0777},
	       sizeof(struct fuse_setattr_in), END);
	CHECK_INT(f.error, -EOPNOTSUPP);
}

static void test_symlinks_out(void)
{
	char rel[128];

	check_link("to_root", "/");
	check_link("to_etc", "/etc");
	snprintf(rel, sizeof(rel), "../%s", outside + 5); /* "/tmp/x" -> "../x" from the share */
	check_link("relative_out", rel);
	check_link("up", "..");
	check_link("proc_root", "/proc/self/root");
	check_link("proc_cwd", "/proc/self/cwd");
	check_link("proc_fd", "/proc/self/fd/0");
}

static void test_moved_out_parent(void)
{
	int64_t moved;
	char dst[128];

	CHECK_INT(util_mkdir_p(fx_path(&f, "m/inner"), 0755, &(struct err){0}), 0);
	moved = fx_lookup(&f, fx_lookup(&f, s, "m", NULL), "inner", NULL);
	CHECK(moved > 0);
	snprintf(dst, sizeof(dst), "%s/inner", outside);
	CHECK_INT(rename(fx_path(&f, "m/inner"), dst), 0); /* the host moves it away */
	CHECK_INT(fx_lookup(&f, (uint64_t)moved, "..", NULL), -EACCES);
	CHECK_INT(rename(dst, fx_path(&f, "m/inner")), 0);
	CHECK(fx_lookup(&f, (uint64_t)moved, "..", NULL) > 0);
}

struct racer {
	atomic_bool stop;
	const char *dir, *link, *tmp;
	unsigned swaps;
};

/* Flips share/d between a real directory and a symlink to the outside directory. */
static void *swap_loop(void *arg)
{
	struct racer *r = arg;

	while (!atomic_load(&r->stop)) {
		if (renameat2(AT_FDCWD, r->link, AT_FDCWD, r->dir, RENAME_EXCHANGE) == 0)
			r->swaps++;
	}
	return NULL;
}

static void test_symlink_race(void)
{
	struct racer r = {.dir = fx_path(&f, "d"), .link = fx_path(&f, "d_link")};
	pthread_t t;
	unsigned escapes = 0, dirs = 0, links = 0;
	char secret[128];

	snprintf(secret, sizeof(secret), "%s/secret", outside);
	CHECK_INT(util_write_file_atomic(secret, "s", 1, 0644, &(struct err){0}), 0);
	CHECK_INT(util_mkdir_p(r.dir, 0755, &(struct err){0}), 0);
	fx_write_file(&f, "d/inside", "i");
	CHECK_INT(symlink(outside, r.link), 0);
	CHECK_INT(pthread_create(&t, NULL, swap_loop, &r), 0);
	for (int i = 0; i < 3000; i++) {
		struct fuse_entry_out eo;
		int64_t d = fx_lookup(&f, s, "d", &eo);

		if (d < 0)
			continue;
		if ((eo.attr.mode & S_IFMT) == S_IFLNK)
			links++;
		else
			dirs++;
		/* whatever d was, "secret" is never found through it */
		if (fx_lookup(&f, (uint64_t)d, "secret", NULL) > 0)
			escapes++;
		int64_t dh = fx_open(&f, FUSE_OPENDIR, (uint64_t)d, O_RDONLY);
		if (dh > 0) {
			struct fuse_read_in ri = {.fh = (uint64_t)dh, .size = 4096};

			fx_req(&f, FUSE_READDIR, (uint64_t)d, &ri, sizeof(ri), END);
			if (memmem(f.data, f.data_len, "secret", 6))
				escapes++;
			fx_req(&f, FUSE_RELEASEDIR, (uint64_t)d,
			       &(struct fuse_release_in){.fh = (uint64_t)dh},
			       sizeof(struct fuse_release_in), END);
		}
	}
	atomic_store(&r.stop, true);
	pthread_join(t, NULL);
	printf("# %u swaps, %u lookups saw a directory, %u a symlink\n", r.swaps, dirs, links);
	CHECK_INT(escapes, 0);
	CHECK(r.swaps > 0 && dirs > 0 && links > 0); /* the race really ran */
}

/* Many request threads at once over one server: tables stay consistent (ASan/TSan food). */
static void *lookup_loop(void *arg)
{
	struct vfs_server *srv = arg;
	static _Thread_local uint8_t out[4096];
	uint8_t in[128];

	for (int i = 0; i < 2000; i++) {
		struct fuse_in_header h = {
			.opcode = FUSE_LOOKUP, .unique = (uint64_t)i, .nodeid = FUSE_ROOT_ID};
		struct iovec iov = {out, sizeof(out)};
		struct fuse_forget_in fi = {1};
		struct fuse_entry_out eo;

		h.len = sizeof(h) + 2;
		memcpy(in, &h, sizeof(h));
		memcpy(in + sizeof(h), "s", 2);
		if (vfs_handle(srv, in, h.len, &iov, 1) !=
		    sizeof(struct fuse_out_header) + sizeof(eo))
			continue;
		memcpy(&eo, out + sizeof(struct fuse_out_header), sizeof(eo));
		h = (struct fuse_in_header){
			.len = sizeof(h) + sizeof(fi), .opcode = FUSE_FORGET, .nodeid = eo.nodeid};
		memcpy(in, &h, sizeof(h));
		memcpy(in + sizeof(h), &fi, sizeof(fi));
		vfs_handle(srv, in, h.len, &iov, 1);
	}
	return NULL;
}

static void test_threads(void)
{
	pthread_t t[4];
	struct vfs_stats a, b;

	vfs_stats(f.srv, &a);
	for (int i = 0; i < 4; i++)
		pthread_create(&t[i], NULL, lookup_loop, f.srv);
	for (int i = 0; i < 4; i++)
		pthread_join(t[i], NULL);
	vfs_stats(f.srv, &b);
	CHECK_INT(b.requests - a.requests, 4 * 2000 * 2);
	CHECK_INT(b.inodes, a.inodes); /* every lookup was forgotten again */
}

int main(void)
{
	if (fx_setup(&f) != 0) {
		printf("Bail out! fuse fixture\n");
		return 1;
	}
	snprintf(outside, sizeof(outside), "/tmp/incept-fuse-outside.XXXXXX");
	if (!mkdtemp(outside))
		return 1;
	s = fx_share(&f);
	RUN(test_dotdot_at_roots);
	RUN(test_symlinks_out);
	RUN(test_moved_out_parent);
	RUN(test_symlink_race);
	RUN(test_threads);
	fx_teardown(&f);
	util_rm_rf(outside, &(struct err){0});
	return unit_done();
}
