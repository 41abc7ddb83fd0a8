// SPDX-License-Identifier: Apache-2.0
/* FUSE server: header and argument validation, INIT negotiation, malformed requests. */
#include "test_vmm_fuse_util.h"

static struct fx f;

static void test_init_negotiation(void)
{
	struct fuse_init_out io;

	/* before INIT nothing else is served */
	vfs_server_destroy(f.srv);
	vfs_server_create(&(struct vfs_opts){0}, &f.srv, &(struct err){0});
	vfs_share_add(f.srv, "s", f.dir, false, &(struct err){0});
	fx_req(&f, FUSE_GETATTR, FUSE_ROOT_ID, &(struct fuse_getattr_in){0},
	       sizeof(struct fuse_getattr_in), END);
	CHECK_INT(f.error, -EIO);
	fx_init_proto(&f, 30); /* older than we speak */
	CHECK_INT(f.error, -EPROTO);
	{
		struct fuse_init_in in = {.major = 8, .minor = 0};

		fx_req(&f, FUSE_INIT, 0, &in, sizeof(in), END);
		CHECK_INT(f.error, 0); /* ours only, so the kernel retries with 7 */
		CHECK_INT(f.data_len, FUSE_COMPAT_INIT_OUT_SIZE);
		CHECK_INT(((const struct fuse_init_out *)f.data)->major, 7);
	}
	fx_req(&f, FUSE_INIT, 0, "\7\0\0", (size_t)4, END); /* truncated */
	CHECK_INT(f.error, -EINVAL);
	fx_init_proto(&f, 99);
	CHECK_INT(f.error, 0);
	CHECK_INT(f.data_len, sizeof(io));
	memcpy(&io, f.data, sizeof(io));
	CHECK_INT(io.major, 7);
	CHECK_INT(io.minor, FUSE_KERNEL_MINOR_VERSION);
	CHECK(io.max_write >= (1u << 20));
	CHECK_INT(io.max_pages, 256);
	CHECK(io.flags & FUSE_DO_READDIRPLUS);
	CHECK(io.flags & FUSE_HANDLE_KILLPRIV_V2); /* no GETXATTR round trip per write */
	CHECK(!(io.flags & FUSE_POSIX_LOCKS));	   /* locks stay in the guest kernel */
	CHECK(!(io.flags & FUSE_WRITEBACK_CACHE));
}

static void test_header_validation(void)
{
	struct fuse_in_header h = {.len = 100, .opcode = FUSE_GETATTR, .unique = 7};
	uint8_t out[256];
	struct iovec iov = {out, sizeof(out)}, tiny = {out, 8};
	struct fuse_out_header oh;

	/* shorter than a header: nothing to answer */
	CHECK_INT(vfs_handle(f.srv, &h, 10, &iov, 1), 0);
	/* header claims more than was delivered */
	CHECK_INT(vfs_handle(f.srv, &h, sizeof(h), &iov, 1), sizeof(oh));
	memcpy(&oh, out, sizeof(oh));
	CHECK_INT(oh.error, -EINVAL);
	CHECK(oh.unique == 7);
	h.len = 10; /* less than its own size */
	CHECK_INT(vfs_handle(f.srv, &h, sizeof(h), &iov, 1), sizeof(oh));
	memcpy(&oh, out, sizeof(oh));
	CHECK_INT(oh.error, -EINVAL);
	/* reply buffer too small for even a header */
	h.len = sizeof(h);
	CHECK_INT(vfs_handle(f.srv, &h, sizeof(h), &tiny, 1), 0);
	CHECK_INT(vfs_handle(f.srv, &h, sizeof(h), NULL, 0), 0);
}

static void test_unknown_opcodes(void)
{
	uint32_t ops[] = {
		0,	     9999,	0xffffffff, FUSE_GETLK,		  FUSE_SETLK,
		FUSE_SETLKW, FUSE_BMAP, FUSE_POLL,  FUSE_COPY_FILE_RANGE, FUSE_SETUPMAPPING,
		53,	     4096};

	for (size_t i = 0; i < ARRAY_SIZE(ops); i++) {
		fx_req(&f, ops[i], FUSE_ROOT_ID, "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx",
		       (size_t)48, END);
		CHECK_INT(f.error, -ENOSYS);
	}
	fx_req(&f, FUSE_IOCTL, FUSE_ROOT_ID, END);
	CHECK_INT(f.error, -ENOTTY);
	fx_req(&f, FUSE_INTERRUPT, 0, &(struct fuse_interrupt_in){1},
	       sizeof(struct fuse_interrupt_in), END);
	CHECK_INT(f.reply_len, 0);
}

/* Every opcode with no arguments and with garbage arguments: an error, never a crash. */
static void test_every_opcode_truncated(void)
{
	uint8_t junk[64];
	struct vfs_stats st;

	memset(junk, 0xff, sizeof(junk));
	for (uint32_t op = 1; op < 60; op++) {
		if (op == FUSE_INIT || op == FUSE_DESTROY)
			continue;
		fx_req(&f, op, FUSE_ROOT_ID, END);
		if (op == FUSE_FORGET || op == FUSE_BATCH_FORGET || op == FUSE_INTERRUPT)
			CHECK_INT(f.reply_len, 0);
		else if (op != FUSE_STATFS && op != FUSE_READLINK)
			CHECK(f.error < 0);
		fx_req(&f, op, 0xdeadbeef, junk, sizeof(junk), END);
		CHECK(f.error <= 0 || f.error == 1);
	}
	vfs_stats(f.srv, &st);
	CHECK_INT(st.handles, 0);
}

static void test_names(void)
{
	uint64_t s = fx_share(&f);
	char longname[300];

	CHECK(s > FUSE_ROOT_ID);
	fx_req(&f, FUSE_LOOKUP, s, "abc", (size_t)3, END); /* no NUL inside the request */
	CHECK_INT(f.error, -EINVAL);
	CHECK_INT(fx_lookup(&f, s, "", NULL), -EINVAL);
	CHECK_INT(fx_lookup(&f, s, "a/b", NULL), -EINVAL);
	CHECK_INT(fx_lookup(&f, s, "/etc", NULL), -EINVAL);
	memset(longname, 'a', sizeof(longname) - 1);
	longname[sizeof(longname) - 1] = 0;
	CHECK_INT(fx_lookup(&f, s, longname, NULL), -ENAMETOOLONG);
	CHECK_INT(fx_lookup(&f, s, "missing", NULL), -ENOENT);
	CHECK_INT(fx_lookup(&f, 123456, "x", NULL), -ENOENT);
	CHECK_INT(fx_lookup(&f, FUSE_ROOT_ID, "nosuchshare", NULL), -ENOENT);
	/* create-type ops refuse names the lookup path treats specially */
	fx_req(&f, FUSE_MKDIR, s, &(struct fuse_mkdir_in){.mode = 0755},
	       sizeof(struct fuse_mkdir_in), STR(".."), END);
	CHECK_INT(f.error, -EEXIST);
	fx_req(&f, FUSE_UNLINK, s, STR("."), END);
	CHECK_INT(f.error, -EINVAL);
	fx_req(&f, FUSE_SYMLINK, s, STR("l"), "noterm", (size_t)6, END);
	CHECK_INT(f.error, -EINVAL);
}

static void test_reply_too_small(void)
{
	uint64_t s = fx_share(&f);
	uint8_t out[sizeof(struct fuse_out_header) + 8];
	struct iovec iov = {out, sizeof(out)};
	struct fuse_in_header h = {.opcode = FUSE_LOOKUP, .unique = 1, .nodeid = s};
	uint8_t in[64];
	struct vfs_stats before, after;
	struct fuse_out_header oh;

	fx_write_file(&f, "small", "x");
	h.len = sizeof(h) + 6;
	memcpy(in, &h, sizeof(h));
	memcpy(in + sizeof(h), "small", 6);
	vfs_stats(f.srv, &before);
	CHECK_INT(vfs_handle(f.srv, in, h.len, &iov, 1), sizeof(oh));
	memcpy(&oh, out, sizeof(oh));
	CHECK_INT(oh.error, -ERANGE);
	vfs_stats(f.srv, &after);
	CHECK_INT(after.inodes, before.inodes); /* the lookup that could not be sent is undone */
}

static void test_forget(void)
{
	uint64_t s = fx_share(&f);
	struct fuse_forget_in fi = {.nlookup = 1000};
	struct {
		struct fuse_batch_forget_in h;
		struct fuse_forget_one one[2];
	} bf = {{.count = 1000}, {{.nodeid = s, .nlookup = 1}, {.nodeid = 77, .nlookup = 1}}};
	struct vfs_stats st;

	fx_write_file(&f, "g", "x");
	CHECK(fx_lookup(&f, s, "g", NULL) > 0);
	CHECK(fx_lookup(&f, s, "g", NULL) > 0);
	vfs_stats(f.srv, &st);
	CHECK(st.inodes >= 2);
	fx_req(&f, FUSE_FORGET, (uint64_t)fx_lookup(&f, s, "g", NULL), &fi, sizeof(fi), END);
	CHECK_INT(f.reply_len, 0);
	/* count says 1000, the request holds two: only those are read */
	fx_req(&f, FUSE_BATCH_FORGET, 0, &bf, sizeof(bf), END);
	CHECK_INT(f.reply_len, 0);
	fx_req(&f, FUSE_FORGET, FUSE_ROOT_ID, &fi, sizeof(fi), END); /* the root is permanent */
	CHECK(fx_lookup(&f, FUSE_ROOT_ID, ".", NULL) == FUSE_ROOT_ID);
}

static void test_handles_checked(void)
{
	uint64_t s = fx_share(&f);
	int64_t file, fh;
	struct fuse_read_in ri = {.fh = 999, .size = 10};
	struct {
		struct fuse_write_in w;
		char data[4];
	} wr = {{.size = 100}, "abc"};

	fx_write_file(&f, "h", "hello");
	file = fx_lookup(&f, s, "h", NULL);
	fx_req(&f, FUSE_READ, (uint64_t)file, &ri, sizeof(ri), END);
	CHECK_INT(f.error, -EBADF);
	fh = fx_open(&f, FUSE_OPEN, (uint64_t)file, O_RDWR);
	CHECK(fh > 0);
	ri.fh = (uint64_t)fh;
	fx_req(&f, FUSE_READ, s, &ri, sizeof(ri), END); /* the handle of another inode */
	CHECK_INT(f.error, -EBADF);
	ri.offset = (uint64_t)INT64_MAX;
	fx_req(&f, FUSE_READ, (uint64_t)file, &ri, sizeof(ri), END);
	CHECK_INT(f.error, -EINVAL);
	wr.w.fh = (uint64_t)fh; /* claims 100 bytes, carries 4 */
	fx_req(&f, FUSE_WRITE, (uint64_t)file, &wr, sizeof(wr), END);
	CHECK_INT(f.error, -EINVAL);
	wr.w.size = (1u << 20) + 1;
	fx_req(&f, FUSE_WRITE, (uint64_t)file, &wr, sizeof(wr), END);
	CHECK_INT(f.error, -EINVAL);
	fx_req(&f, FUSE_RELEASE, (uint64_t)file, &(struct fuse_release_in){.fh = (uint64_t)fh},
	       sizeof(struct fuse_release_in), END);
	CHECK_INT(f.error, 0);
	fx_req(&f, FUSE_RELEASE, (uint64_t)file, &(struct fuse_release_in){.fh = (uint64_t)fh},
	       sizeof(struct fuse_release_in), END);
	CHECK_INT(f.error, -EBADF);
}

static void test_destroy_resets(void)
{
	uint64_t s = fx_share(&f);
	struct vfs_stats st;

	CHECK(fx_open(&f, FUSE_OPENDIR, s, O_RDONLY) > 0);
	fx_req(&f, FUSE_DESTROY, 0, END);
	CHECK_INT(f.error, 0);
	vfs_stats(f.srv, &st);
	CHECK_INT(st.handles, 0);
	CHECK_INT(st.inodes, 0);
	CHECK_INT(fx_lookup(&f, FUSE_ROOT_ID, "s", NULL), -EIO);
	fx_init_proto(&f, FUSE_KERNEL_MINOR_VERSION);
	CHECK(fx_share(&f) > s); /* node ids are never reused */
}

static void test_share_add_checks(void)
{
	struct err e = {0};

	CHECK_INT(vfs_share_add(f.srv, "s", f.dir, false, &e), -1);
	CHECK_INT(e.errnum, EEXIST);
	CHECK_INT(vfs_share_add(f.srv, "..", f.dir, false, &e), -1);
	CHECK_INT(vfs_share_add(f.srv, "a/b", f.dir, false, &e), -1);
	CHECK_INT(vfs_share_add(f.srv, "", f.dir, false, &e), -1);
	CHECK_INT(vfs_share_add(f.srv, "null", "/dev/null", false, &e), -1);
	CHECK_INT(vfs_share_add(f.srv, "gone", "/nonexistent/x", false, &e), -1);
	CHECK_INT(vfs_share_add(f.srv, "late", f.dir, true, &e), 0); /* while serving */
	CHECK(fx_lookup(&f, FUSE_ROOT_ID, "late", NULL) > 0);
}

static void test_keep_cache(void)
{
	struct fuse_open_out oo;
	int64_t s;

	vfs_server_destroy(f.srv);
	vfs_server_create(&(struct vfs_opts){.cache_secs = 5, .keep_cache = true}, &f.srv,
			  &(struct err){0});
	vfs_share_add(f.srv, "s", f.dir, false, &(struct err){0});
	fx_init_proto(&f, FUSE_KERNEL_MINOR_VERSION);
	s = fx_lookup(&f, FUSE_ROOT_ID, "s", NULL);
	CHECK_INT(((const struct fuse_entry_out *)f.data)->entry_valid, 5);
	fx_req(&f, FUSE_OPENDIR, (uint64_t)s, &(struct fuse_open_in){0},
	       sizeof(struct fuse_open_in), END);
	memcpy(&oo, f.data, sizeof(oo));
	CHECK_INT(oo.open_flags, FOPEN_CACHE_DIR);
	fx_write_file(&f, "kc", "x");
	fx_req(&f, FUSE_OPEN, (uint64_t)fx_lookup(&f, (uint64_t)s, "kc", NULL),
	       &(struct fuse_open_in){.flags = O_RDONLY}, sizeof(struct fuse_open_in), END);
	memcpy(&oo, f.data, sizeof(oo));
	CHECK_INT(oo.open_flags, FOPEN_KEEP_CACHE | FOPEN_NOFLUSH);
	/* with caching, a missing name is a negative entry the guest keeps for the timeout */
	CHECK_INT(fx_lookup(&f, (uint64_t)s, "missing", NULL), 0);
	CHECK_INT(((const struct fuse_entry_out *)f.data)->entry_valid, 5);
	CHECK_INT(fx_lookup(&f, FUSE_ROOT_ID, "noshare", NULL), -ENOENT); /* may be added later */
}

/* Per-opcode counters: each request in its own slot, unnamed or huge opcodes in slot 0. */
static void test_op_stats(void)
{
	struct vfs_op_stat a[VFS_OP_SLOTS], b[VFS_OP_SLOTS];
	uint64_t s = fx_share(&f);

	vfs_stats_ops(f.srv, a);
	fx_req(&f, FUSE_GETATTR, s, &(struct fuse_getattr_in){0}, sizeof(struct fuse_getattr_in),
	       END);
	fx_req(&f, FUSE_GETATTR, s, &(struct fuse_getattr_in){0}, sizeof(struct fuse_getattr_in),
	       END);
	fx_req(&f, FUSE_GETATTR, 1u << 30, &(struct fuse_getattr_in){0},
	       sizeof(struct fuse_getattr_in), END); /* no such node: ENOENT */
	fx_lookup(&f, s, "no-such-name", NULL);
	fx_req(&f, 7, s, END);		/* a gap in enum fuse_opcode */
	fx_req(&f, CUSE_INIT, s, END);	/* beyond the table */
	fx_req(&f, 0xffffffff, s, END); /* garbage */
	vfs_stats_ops(f.srv, b);
	CHECK_INT(b[FUSE_GETATTR].count - a[FUSE_GETATTR].count, 3);
	CHECK_INT(b[FUSE_GETATTR].errors - a[FUSE_GETATTR].errors, 1);
	CHECK_INT(b[FUSE_LOOKUP].count - a[FUSE_LOOKUP].count, 1);
	CHECK_INT(b[0].count - a[0].count, 3);
	CHECK_INT(b[0].errors - a[0].errors, 3);
	CHECK_INT(b[7].count, 0);
	CHECK(b[FUSE_GETATTR].ns >= a[FUSE_GETATTR].ns);
	CHECK_STR(vfs_op_name(FUSE_GETATTR), "getattr");
	CHECK_STR(vfs_op_name(FUSE_READDIRPLUS), "readdirplus");
	CHECK_STR(vfs_op_name(0), "other");
	CHECK(vfs_op_name(7) == NULL);
	CHECK(vfs_op_name(VFS_OP_SLOTS) == NULL);
	CHECK(vfs_op_name(100000) == NULL);
}

int main(void)
{
	if (fx_setup(&f) != 0) {
		printf("Bail out! fuse fixture\n");
		return 1;
	}
	RUN(test_init_negotiation);
	RUN(test_header_validation);
	RUN(test_unknown_opcodes);
	RUN(test_every_opcode_truncated);
	RUN(test_names);
	RUN(test_reply_too_small);
	RUN(test_forget);
	RUN(test_handles_checked);
	RUN(test_destroy_resets);
	RUN(test_share_add_checks);
	RUN(test_keep_cache);
	RUN(test_op_stats);
	fx_teardown(&f);
	return unit_done();
}
