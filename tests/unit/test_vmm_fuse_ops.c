// SPDX-License-Identifier: Apache-2.0
/* FUSE server: each operation's happy path against a temp directory, checked on the host. */
#include "test_vmm_fuse_util.h"

#include <dirent.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>

static struct fx f;
static uint64_t s; /* the share root */

static struct fuse_attr attr_of(uint64_t nodeid)
{
	struct fuse_attr_out ao = {0};

	fx_req(&f, FUSE_GETATTR, nodeid, &(struct fuse_getattr_in){0},
	       sizeof(struct fuse_getattr_in), END);
	CHECK_INT(f.error, 0);
	memcpy(&ao, f.data, sizeof(ao));
	return ao.attr;
}

static void test_root_and_statfs(void)
{
	struct fuse_attr a = attr_of(FUSE_ROOT_ID);
	struct fuse_statfs_out so;

	CHECK_INT(a.mode, S_IFDIR | 0755);
	CHECK_INT(a.ino, FUSE_ROOT_ID);
	CHECK(s > FUSE_ROOT_ID);
	CHECK_INT(attr_of(s).mode & S_IFMT, S_IFDIR);
	fx_req(&f, FUSE_STATFS, s, END);
	CHECK_INT(f.error, 0);
	memcpy(&so, f.data, sizeof(so));
	CHECK(so.st.bsize > 0 && so.st.namelen >= 255);
}

/* CREATE + WRITE + READ + FLUSH + FSYNC + RELEASE; the host sees the bytes. */
static void test_create_write_read(void)
{
	struct fuse_create_in ci = {.flags = O_RDWR | O_CREAT, .mode = 0640};
	struct fuse_entry_out eo;
	struct fuse_open_out oo;
	struct {
		struct fuse_write_in w;
		char data[5];
	} wr = {{.size = 5, .offset = 2}, "hello"};
	struct fuse_read_in ri = {.size = 100};
	char *got = NULL;
	size_t len;
	struct err e = {0};

	fx_req(&f, FUSE_CREATE, s, &ci, sizeof(ci), STR("new"), END);
	CHECK_INT(f.error, 0);
	CHECK_INT(f.data_len, sizeof(eo) + sizeof(oo));
	memcpy(&eo, f.data, sizeof(eo));
	memcpy(&oo, f.data + sizeof(eo), sizeof(oo));
	CHECK_INT(eo.attr.mode, S_IFREG | 0640);
	CHECK_INT(oo.open_flags, FOPEN_NOFLUSH); /* keep_cache is off in this fixture */
	wr.w.fh = ri.fh = oo.fh;
	fx_req(&f, FUSE_WRITE, eo.nodeid, &wr, sizeof(wr), END);
	CHECK_INT(f.error, 0);
	CHECK_INT(((const struct fuse_write_out *)f.data)->size, 5);
	fx_req(&f, FUSE_READ, eo.nodeid, &ri, sizeof(ri), END);
	CHECK_INT(f.data_len, 7);
	CHECK(!memcmp(f.data, "\0\0hello", 7));
	fx_req(&f, FUSE_FLUSH, eo.nodeid, &(struct fuse_flush_in){.fh = oo.fh},
	       sizeof(struct fuse_flush_in), END);
	CHECK_INT(f.error, 0);
	fx_req(&f, FUSE_FSYNC, eo.nodeid, &(struct fuse_fsync_in){.fh = oo.fh, .fsync_flags = 1},
	       sizeof(struct fuse_fsync_in), END);
	CHECK_INT(f.error, 0);
	fx_req(&f, FUSE_RELEASE, eo.nodeid, &(struct fuse_release_in){.fh = oo.fh},
	       sizeof(struct fuse_release_in), END);
	CHECK_INT(f.error, 0);
	CHECK_INT(util_read_file(fx_path(&f, "new"), 100, &got, &len, &e), 0);
	CHECK(len == 7 && !memcmp(got, "\0\0hello", 7));
	free(got);
	/* O_EXCL on an existing name fails; without it, the file is opened */
	ci.flags |= O_EXCL;
	fx_req(&f, FUSE_CREATE, s, &ci, sizeof(ci), STR("new"), END);
	CHECK_INT(f.error, -EEXIST);
	ci.flags = O_RDONLY | O_CREAT;
	fx_req(&f, FUSE_CREATE, s, &ci, sizeof(ci), STR("new"), END);
	CHECK_INT(f.error, 0);
	CHECK(((const struct fuse_entry_out *)f.data)->nodeid == eo.nodeid);
}

/* FUSE_HANDLE_KILLPRIV_V2: the guest flags writes and truncates that must drop set-id bits. */
static void test_kill_suidgid(void)
{
	struct {
		struct fuse_write_in w;
		char data[1];
	} wr = {{.size = 1, .write_flags = FUSE_WRITE_KILL_SUIDGID}, "x"};
	struct fuse_setattr_in sa = {.valid = FATTR_SIZE | FATTR_KILL_SUIDGID, .size = 0};
	struct stat st;
	int64_t node, fh;

	fx_write_file(&f, "suid", "");
	CHECK_INT(chmod(fx_path(&f, "suid"), 06755), 0);
	node = fx_lookup(&f, s, "suid", NULL);
	fh = fx_open(&f, FUSE_OPEN, (uint64_t)node, O_WRONLY);
	wr.w.fh = (uint64_t)fh;
	fx_req(&f, FUSE_WRITE, (uint64_t)node, &wr, sizeof(wr), END);
	CHECK_INT(f.error, 0);
	CHECK_INT(stat(fx_path(&f, "suid"), &st), 0);
	CHECK_INT(st.st_mode & 07777, 0755);
	CHECK_INT(chmod(fx_path(&f, "suid"), 02750), 0);
	fx_req(&f, FUSE_SETATTR, (uint64_t)node, &sa, sizeof(sa), END);
	CHECK_INT(f.error, 0);
	CHECK_INT(stat(fx_path(&f, "suid"), &st), 0);
	CHECK_INT(st.st_mode & 07777, 0750);
	/* without the flag (a caller with CAP_FSETID) the bits stay */
	CHECK_INT(chmod(fx_path(&f, "suid"), 04755), 0);
	wr.w.write_flags = 0;
	fx_req(&f, FUSE_WRITE, (uint64_t)node, &wr, sizeof(wr), END);
	CHECK_INT(stat(fx_path(&f, "suid"), &st), 0);
	CHECK_INT(st.st_mode & 07777, 04755);
}

static void test_large_read(void)
{
	static char buf[1 << 20];
	struct err e = {0};
	int64_t node, fh;
	struct fuse_read_in ri = {.size = 1 << 20};

	memset(buf, 'z', sizeof(buf));
	CHECK_INT(util_write_file_atomic(fx_path(&f, "big"), buf, sizeof(buf), 0644, &e), 0);
	node = fx_lookup(&f, s, "big", NULL);
	fh = fx_open(&f, FUSE_OPEN, (uint64_t)node, O_RDONLY);
	ri.fh = (uint64_t)fh;
	fx_req(&f, FUSE_READ, (uint64_t)node, &ri, sizeof(ri), END);
	CHECK_INT(f.data_len, 1 << 20);
	CHECK(f.data[0] == 'z' && f.data[(1 << 20) - 1] == 'z');
	ri.offset = (1 << 20) - 10; /* a short read at EOF */
	fx_req(&f, FUSE_READ, (uint64_t)node, &ri, sizeof(ri), END);
	CHECK_INT(f.data_len, 10);
}

static void test_dirs_and_names(void)
{
	struct fuse_mkdir_in mi = {.mode = 0750};
	struct fuse_mknod_in ni = {.mode = S_IFIFO | 0600};
	struct fuse_entry_out eo;
	struct stat st;
	int64_t d, file;

	fx_req(&f, FUSE_MKDIR, s, &mi, sizeof(mi), STR("d"), END);
	CHECK_INT(f.error, 0);
	memcpy(&eo, f.data, sizeof(eo));
	d = (int64_t)eo.nodeid;
	CHECK_INT(stat(fx_path(&f, "d"), &st), 0);
	CHECK_INT(st.st_mode, S_IFDIR | 0750);
	fx_req(&f, FUSE_MKNOD, (uint64_t)d, &ni, sizeof(ni), STR("fifo"), END);
	CHECK_INT(f.error, 0);
	CHECK_INT(lstat(fx_path(&f, "d/fifo"), &st), 0);
	CHECK(S_ISFIFO(st.st_mode));
	ni = (struct fuse_mknod_in){.mode = S_IFCHR | 0600, .rdev = (1 << 8) | 3};
	fx_req(&f, FUSE_MKNOD, (uint64_t)d, &ni, sizeof(ni), STR("null"), END);
	CHECK_INT(f.error, 0);
	CHECK_INT(lstat(fx_path(&f, "d/null"), &st), 0);
	CHECK(S_ISCHR(st.st_mode) && major(st.st_rdev) == 1 && minor(st.st_rdev) == 3);
	CHECK_INT(((const struct fuse_entry_out *)f.data)->attr.rdev, (1 << 8) | 3);
	/* a device node is not opened by the server */
	CHECK_INT(
		fx_open(&f, FUSE_OPEN, (uint64_t)fx_lookup(&f, (uint64_t)d, "null", NULL), O_RDWR),
		-EACCES);
	ni = (struct fuse_mknod_in){.mode = S_IFDIR | 0755};
	fx_req(&f, FUSE_MKNOD, (uint64_t)d, &ni, sizeof(ni), STR("bad"), END);
	CHECK_INT(f.error, -EINVAL);
	fx_req(&f, FUSE_SYMLINK, (uint64_t)d, STR("ln"), STR("../some/where"), END);
	CHECK_INT(f.error, 0);
	fx_req(&f, FUSE_READLINK, ((const struct fuse_entry_out *)f.data)->nodeid, END);
	CHECK_INT(f.data_len, 13);
	CHECK(!memcmp(f.data, "../some/where", 13));
	fx_write_file(&f, "d/file", "x");
	file = fx_lookup(&f, (uint64_t)d, "file", NULL);
	fx_req(&f, FUSE_LINK, s, &(struct fuse_link_in){(uint64_t)file},
	       sizeof(struct fuse_link_in), STR("hard"), END);
	CHECK_INT(f.error, 0);
	CHECK(((const struct fuse_entry_out *)f.data)->nodeid == (uint64_t)file);
	CHECK_INT(((const struct fuse_entry_out *)f.data)->attr.nlink, 2);
	fx_req(&f, FUSE_LINK, s, &(struct fuse_link_in){(uint64_t)d}, sizeof(struct fuse_link_in),
	       STR("dirlink"), END);
	CHECK_INT(f.error, -EPERM);
	fx_req(&f, FUSE_UNLINK, s, STR("hard"), END);
	CHECK_INT(f.error, 0);
	CHECK_INT(access(fx_path(&f, "hard"), F_OK), -1);
	fx_req(&f, FUSE_RMDIR, s, STR("d"), END);
	CHECK_INT(f.error, -ENOTEMPTY);
	fx_req(&f, FUSE_MKDIR, s, &mi, sizeof(mi), STR("e"), END);
	fx_req(&f, FUSE_RMDIR, s, STR("e"), END);
	CHECK_INT(f.error, 0);
	CHECK_INT(access(fx_path(&f, "e"), F_OK), -1);
}

static void test_rename(void)
{
	struct fuse_rename2_in r2 = {.newdir = s, .flags = RENAME_NOREPLACE};
	struct fuse_rename_in r1 = {.newdir = s};
	char *got = NULL;
	size_t len;
	struct err e = {0};

	fx_write_file(&f, "r1", "one");
	fx_write_file(&f, "r2", "two");
	fx_req(&f, FUSE_RENAME2, s, &r2, sizeof(r2), STR("r1"), STR("r2"), END);
	CHECK_INT(f.error, -EEXIST);
	r2.flags = RENAME_EXCHANGE;
	fx_req(&f, FUSE_RENAME2, s, &r2, sizeof(r2), STR("r1"), STR("r2"), END);
	CHECK_INT(f.error, 0);
	CHECK_INT(util_read_file(fx_path(&f, "r1"), 100, &got, &len, &e), 0);
	CHECK_STR(got, "two");
	free(got);
	r2.flags = 1u << 10;
	fx_req(&f, FUSE_RENAME2, s, &r2, sizeof(r2), STR("r1"), STR("r2"), END);
	CHECK_INT(f.error, -EINVAL);
	fx_req(&f, FUSE_RENAME, s, &r1, sizeof(r1), STR("r1"), STR("r3"), END);
	CHECK_INT(f.error, 0);
	CHECK_INT(access(fx_path(&f, "r3"), F_OK), 0);
	/* a renamed inode keeps its node id and still works */
	CHECK(fx_lookup(&f, s, "r3", NULL) > 0);
}

static void test_setattr(void)
{
	int64_t node;
	struct fuse_setattr_in sa = {.valid = FATTR_MODE | FATTR_UID | FATTR_GID,
				     .mode = 04711,
				     .uid = 1234,
				     .gid = 5678};
	struct stat st;

	fx_write_file(&f, "sa", "0123456789");
	node = fx_lookup(&f, s, "sa", NULL);
	fx_req(&f, FUSE_SETATTR, (uint64_t)node, &sa, sizeof(sa), END);
	CHECK_INT(f.error, 0);
	CHECK_INT(stat(fx_path(&f, "sa"), &st), 0);
	CHECK_INT(st.st_mode & 07777, 04711);
	CHECK(st.st_uid == 1234 && st.st_gid == 5678);
	CHECK_INT(((const struct fuse_attr_out *)f.data)->attr.uid, 1234);
	sa = (struct fuse_setattr_in){.valid = FATTR_SIZE | FATTR_MTIME | FATTR_ATIME,
				      .size = 4,
				      .mtime = 1000000000,
				      .atime = 5,
				      .atimensec = 7};
	fx_req(&f, FUSE_SETATTR, (uint64_t)node, &sa, sizeof(sa), END);
	CHECK_INT(f.error, 0);
	CHECK_INT(stat(fx_path(&f, "sa"), &st), 0);
	CHECK_INT(st.st_size, 4);
	CHECK_INT(st.st_mtim.tv_sec, 1000000000);
	CHECK(st.st_atim.tv_sec == 5 && st.st_atim.tv_nsec == 7);
	sa.atimensec = 1000000000;
	fx_req(&f, FUSE_SETATTR, (uint64_t)node, &sa, sizeof(sa), END);
	CHECK_INT(f.error, -EINVAL);
	sa = (struct fuse_setattr_in){.valid = FATTR_SIZE, .size = 1};
	fx_req(&f, FUSE_SETATTR, s, &sa, sizeof(sa), END);
	CHECK_INT(f.error, -EISDIR);
}

static void test_xattr(void)
{
	int64_t node;
	struct {
		struct fuse_setxattr_in h;
		char name[11];
		char value[4];
	} sx = {{.size = 4}, "user.color", "blue"};
	char v[8] = {0};

	fx_write_file(&f, "xa", "x");
	node = fx_lookup(&f, s, "xa", NULL);
	fx_req(&f, FUSE_SETXATTR, (uint64_t)node, &sx.h, (size_t)FUSE_COMPAT_SETXATTR_IN_SIZE,
	       sx.name, sizeof(sx.name) + sizeof(sx.value), END);
	CHECK_INT(f.error, 0);
	CHECK_INT(getxattr(fx_path(&f, "xa"), "user.color", v, sizeof(v)), 4);
	CHECK_STR(v, "blue");
	fx_req(&f, FUSE_GETXATTR, (uint64_t)node, &(struct fuse_getxattr_in){0},
	       sizeof(struct fuse_getxattr_in), STR("user.color"), END);
	CHECK_INT(((const struct fuse_getxattr_out *)f.data)->size, 4);
	fx_req(&f, FUSE_GETXATTR, (uint64_t)node, &(struct fuse_getxattr_in){.size = 2},
	       sizeof(struct fuse_getxattr_in), STR("user.color"), END);
	CHECK_INT(f.error, -ERANGE);
	fx_req(&f, FUSE_GETXATTR, (uint64_t)node, &(struct fuse_getxattr_in){.size = 64},
	       sizeof(struct fuse_getxattr_in), STR("user.color"), END);
	CHECK(f.data_len == 4 && !memcmp(f.data, "blue", 4));
	fx_req(&f, FUSE_LISTXATTR, (uint64_t)node, &(struct fuse_getxattr_in){.size = 64},
	       sizeof(struct fuse_getxattr_in), END);
	CHECK(f.data_len >= 11 && memmem(f.data, f.data_len, "user.color", 11));
	memcpy(sx.name, "trusted.xx", 11);
	fx_req(&f, FUSE_SETXATTR, (uint64_t)node, &sx.h, (size_t)FUSE_COMPAT_SETXATTR_IN_SIZE,
	       sx.name, sizeof(sx.name) + sizeof(sx.value), END);
	CHECK_INT(f.error, -EPERM);
	fx_req(&f, FUSE_REMOVEXATTR, (uint64_t)node, STR("user.color"), END);
	CHECK_INT(f.error, 0);
	CHECK_INT(getxattr(fx_path(&f, "xa"), "user.color", v, sizeof(v)), -1);
}

static void test_fallocate_lseek(void)
{
	int64_t node, fh;
	struct fuse_lseek_in li = {.whence = SEEK_DATA};
	struct stat st;

	fx_write_file(&f, "fa", "");
	node = fx_lookup(&f, s, "fa", NULL);
	fh = fx_open(&f, FUSE_OPEN, (uint64_t)node, O_RDWR);
	fx_req(&f, FUSE_FALLOCATE, (uint64_t)node,
	       &(struct fuse_fallocate_in){.fh = (uint64_t)fh, .offset = 65536, .length = 4096},
	       sizeof(struct fuse_fallocate_in), END);
	CHECK_INT(f.error, 0);
	CHECK_INT(stat(fx_path(&f, "fa"), &st), 0);
	CHECK_INT(st.st_size, 65536 + 4096);
	li.fh = (uint64_t)fh;
	fx_req(&f, FUSE_LSEEK, (uint64_t)node, &li, sizeof(li), END);
	if (f.error == 0) /* SEEK_DATA granularity is the host filesystem's */
		CHECK(((const struct fuse_lseek_out *)f.data)->offset <= 65536);
	else
		CHECK_INT(f.error, -ENXIO);
	li.whence = SEEK_END;
	fx_req(&f, FUSE_LSEEK, (uint64_t)node, &li, sizeof(li), END);
	CHECK_INT(f.error, -EINVAL);
}

/* Parses READDIR(PLUS) replies into a count of names, checking the layout. */
static int count_dirents(const uint8_t *p, size_t len, bool plus, const char *want, bool *found)
{
	size_t pos = 0;
	int n = 0;

	while (pos < len) {
		struct fuse_dirent d;
		size_t off = plus ? sizeof(struct fuse_entry_out) : 0;

		memcpy(&d, p + pos + off, sizeof(d));
		if (d.namelen == strlen(want) &&
		    !memcmp(p + pos + off + FUSE_NAME_OFFSET, want, d.namelen))
			*found = true;
		pos += FUSE_DIRENT_ALIGN(off + FUSE_NAME_OFFSET + d.namelen);
		n++;
	}
	CHECK_INT(pos, len);
	return n;
}

static void test_readdir(void)
{
	int64_t dh, node;
	struct fuse_read_in ri = {.size = 4096};
	bool found = false;
	int total = 0;

	CHECK_INT(util_mkdir_p(fx_path(&f, "rd"), 0755, &(struct err){0}), 0);
	for (int i = 0; i < 300; i++) {
		char name[32];

		snprintf(name, sizeof(name), "rd/entry-%03d", i);
		fx_write_file(&f, name, "");
	}
	node = fx_lookup(&f, s, "rd", NULL);
	dh = fx_open(&f, FUSE_OPENDIR, (uint64_t)node, O_RDONLY);
	CHECK(dh > 0);
	ri.fh = (uint64_t)dh;
	for (int round = 0; round < 100; round++) { /* follow the offsets, as the kernel does */
		struct fuse_dirent last;
		size_t pos = 0;

		fx_req(&f, FUSE_READDIR, (uint64_t)node, &ri, sizeof(ri), END);
		CHECK_INT(f.error, 0);
		if (!f.data_len)
			break;
		total += count_dirents(f.data, f.data_len, false, "entry-299", &found);
		while (pos < f.data_len) {
			memcpy(&last, f.data + pos, sizeof(last));
			pos += FUSE_DIRENT_ALIGN(FUSE_NAME_OFFSET + last.namelen);
		}
		ri.offset = last.off;
	}
	CHECK_INT(total, 302);
	CHECK(found);
	/* READDIRPLUS: entries come with attributes and count as lookups */
	ri.offset = 0;
	found = false;
	fx_req(&f, FUSE_READDIRPLUS, (uint64_t)node, &ri, sizeof(ri), END);
	CHECK_INT(f.error, 0);
	CHECK(count_dirents(f.data, f.data_len, true, "..", &found) > 2);
	CHECK(found);
	fx_req(&f, FUSE_RELEASEDIR, (uint64_t)node, &(struct fuse_release_in){.fh = (uint64_t)dh},
	       sizeof(struct fuse_release_in), END);
	CHECK_INT(f.error, 0);
	/* the synthetic root lists its shares */
	dh = fx_open(&f, FUSE_OPENDIR, FUSE_ROOT_ID, O_RDONLY);
	ri = (struct fuse_read_in){.fh = (uint64_t)dh, .size = 4096};
	found = false;
	fx_req(&f, FUSE_READDIRPLUS, FUSE_ROOT_ID, &ri, sizeof(ri), END);
	CHECK_INT(count_dirents(f.data, f.data_len, true, "s", &found), 3);
	CHECK(found);
	CHECK_INT(fx_open(&f, FUSE_OPENDIR, (uint64_t)fx_lookup(&f, s, "r3", NULL), O_RDONLY),
		  -ENOTDIR);
	CHECK_INT(fx_open(&f, FUSE_OPEN, s, O_RDONLY), -EISDIR);
}

static void test_access(void)
{
	struct fuse_access_in ai = {.mask = R_OK | W_OK};

	fx_req(&f, FUSE_ACCESS, s, &ai, sizeof(ai), END);
	CHECK_INT(f.error, 0);
	fx_req(&f, FUSE_ACCESS, FUSE_ROOT_ID, &ai, sizeof(ai), END);
	CHECK_INT(f.error, -EROFS);
}

static void test_readonly_share(void)
{
	struct err e = {0};
	int64_t ro, file;
	struct fuse_mkdir_in mi = {.mode = 0755};
	struct fuse_setattr_in sa = {.valid = FATTR_MODE, .mode = 0777};

	CHECK_INT(vfs_share_add(f.srv, "ro", f.dir, true, &e), 0);
	ro = fx_lookup(&f, FUSE_ROOT_ID, "ro", NULL);
	CHECK(ro > 0 && (uint64_t)ro != s); /* each share is its own inode namespace */
	file = fx_lookup(&f, (uint64_t)ro, "r3", NULL);
	CHECK(file > 0);
	fx_req(&f, FUSE_MKDIR, (uint64_t)ro, &mi, sizeof(mi), STR("x"), END);
	CHECK_INT(f.error, -EROFS);
	fx_req(&f, FUSE_SETATTR, (uint64_t)file, &sa, sizeof(sa), END);
	CHECK_INT(f.error, -EROFS);
	fx_req(&f, FUSE_UNLINK, (uint64_t)ro, STR("r3"), END);
	CHECK_INT(f.error, -EROFS);
	CHECK_INT(fx_open(&f, FUSE_OPEN, (uint64_t)file, O_WRONLY), -EROFS);
	CHECK_INT(fx_open(&f, FUSE_OPEN, (uint64_t)file, O_RDONLY | O_TRUNC), -EROFS);
	CHECK(fx_open(&f, FUSE_OPEN, (uint64_t)file, O_RDONLY) > 0);
	fx_req(&f, FUSE_REMOVEXATTR, (uint64_t)file, STR("user.x"), END);
	CHECK_INT(f.error, -EROFS);
	/* the synthetic root is read-only too, and renames never cross shares */
	fx_req(&f, FUSE_MKDIR, FUSE_ROOT_ID, &mi, sizeof(mi), STR("x"), END);
	CHECK_INT(f.error, -EROFS);
	fx_req(&f, FUSE_LINK, s, &(struct fuse_link_in){(uint64_t)file},
	       sizeof(struct fuse_link_in), STR("cross"), END);
	CHECK_INT(f.error, -EXDEV);
}

static void test_single_file_share(void)
{
	struct err e = {0};
	int64_t node, fh;
	struct fuse_read_in ri = {.size = 64};

	fx_write_file(&f, "hosts", "127.0.0.1 localhost\n");
	CHECK_INT(vfs_share_add(f.srv, "hosts", fx_path(&f, "hosts"), false, &e), 0);
	node = fx_lookup(&f, FUSE_ROOT_ID, "hosts", NULL);
	CHECK_INT(attr_of((uint64_t)node).mode & S_IFMT, S_IFREG);
	fh = fx_open(&f, FUSE_OPEN, (uint64_t)node, O_RDONLY);
	ri.fh = (uint64_t)fh;
	fx_req(&f, FUSE_READ, (uint64_t)node, &ri, sizeof(ri), END);
	CHECK_INT(f.data_len, 20);
	CHECK_INT(fx_lookup(&f, (uint64_t)node, "x", NULL), -ENOTDIR);
	CHECK_INT(fx_lookup(&f, (uint64_t)node, "..", NULL), -ENOTDIR);
}

static void test_forget_frees(void)
{
	struct vfs_stats a, b;
	int64_t node;

	fx_write_file(&f, "ff", "x");
	vfs_stats(f.srv, &a);
	node = fx_lookup(&f, s, "ff", NULL);
	fx_lookup(&f, s, "ff", NULL);
	vfs_stats(f.srv, &b);
	CHECK_INT(b.inodes, a.inodes + 1);
	fx_req(&f, FUSE_FORGET, (uint64_t)node, &(struct fuse_forget_in){1},
	       sizeof(struct fuse_forget_in), END);
	vfs_stats(f.srv, &b);
	CHECK_INT(b.inodes, a.inodes + 1); /* one lookup left */
	fx_req(&f, FUSE_FORGET, (uint64_t)node, &(struct fuse_forget_in){1},
	       sizeof(struct fuse_forget_in), END);
	vfs_stats(f.srv, &b);
	CHECK_INT(b.inodes, a.inodes);
	fx_req(&f, FUSE_GETATTR, (uint64_t)node, &(struct fuse_getattr_in){0},
	       sizeof(struct fuse_getattr_in), END);
	CHECK_INT(f.error, -ENOENT); /* a stale id finds nothing */
}

int main(void)
{
	if (fx_setup(&f) != 0) {
		printf("Bail out! fuse fixture\n");
		return 1;
	}
	s = fx_share(&f);
	RUN(test_root_and_statfs);
	RUN(test_create_write_read);
	RUN(test_kill_suidgid);
	RUN(test_large_read);
	RUN(test_dirs_and_names);
	RUN(test_rename);
	RUN(test_setattr);
	RUN(test_xattr);
	RUN(test_fallocate_lseek);
	RUN(test_readdir);
	RUN(test_access);
	RUN(test_readonly_share);
	RUN(test_single_file_share);
	RUN(test_forget_frees);
	fx_teardown(&f);
	return unit_done();
}
