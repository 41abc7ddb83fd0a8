// SPDX-License-Identifier: Apache-2.0
/*
 * mkcpio OUT < SPEC: writes an uncompressed "newc" cpio archive (what the
 * kernel unpacks as an initramfs) from a list, without root and without
 * touching the file system for anything but regular file contents: device
 * nodes are just header fields. Output is reproducible: inode numbers count
 * up, mtime is $SOURCE_DATE_EPOCH (default 0).
 *
 * SPEC lines (the kernel's usr/gen_init_cpio format, a subset):
 *   dir  <name> <mode> <uid> <gid>
 *   file <name> <source path> <mode> <uid> <gid>
 *   nod  <name> <mode> <uid> <gid> <c|b> <major> <minor>
 * Blank lines and lines starting with '#' are skipped. <mode> is octal
 * permissions (07777 at most); names are absolute, without "." or ".."
 * components; parents must come before their children.
 *
 * Format: Documentation/driver-api/early-userspace/buffer-format.rst.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

struct entry {
	const char *name; /* without the leading '/' */
	unsigned long mode, uid, gid, rdev_major, rdev_minor, size;
	unsigned long dev_major, dev_minor; /* the archived file's own device */
};

static unsigned long next_ino = 721;
static unsigned long mtime;
static unsigned long offset; /* bytes written, for the 4-byte alignment */

static __attribute__((noreturn, format(printf, 2, 3))) void die(unsigned int line, const char *fmt,
								...)
{
	va_list ap;

	fprintf(stderr, "mkcpio: line %u: ", line);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(1);
}

static void put(FILE *out, const void *p, size_t n)
{
	if (n && fwrite(p, 1, n, out) != n) {
		perror("mkcpio: write");
		exit(1);
	}
	offset += n;
}

static void pad4(FILE *out)
{
	static const char zero[4];

	put(out, zero, (4 - offset % 4) % 4);
}

/* 110-byte header: magic 070701 and 13 fields of 8 hex digits, then name + NUL, aligned. */
static void put_header(FILE *out, const struct entry *en, unsigned long ino, unsigned long nlink)
{
	size_t namesize = strlen(en->name) + 1;
	/* ino mode uid gid nlink mtime filesize devmajor devminor rdevmajor rdevminor namesize
	 * check */
	const unsigned long field[13] = {
		ino,	  en->mode,	 en->uid,	en->gid,	nlink,		mtime,
		en->size, en->dev_major, en->dev_minor, en->rdev_major, en->rdev_minor, namesize,
		0};
	char hdr[6 + 13 * 8 + 1] = "070701";
	size_t i;

	for (i = 0; i < 13; i++)
		snprintf(hdr + 6 + 8 * i, 9, "%08X", (unsigned int)(field[i] & 0xffffffffu));
	put(out, hdr, 110);
	put(out, en->name, namesize);
	pad4(out);
}

static void copy_file(FILE *out, const char *src, unsigned long size, unsigned int line)
{
	char buf[65536];
	unsigned long done = 0;
	FILE *in = fopen(src, "rb");
	size_t n;

	if (!in)
		die(line, "cannot open %s", src);
	while ((n = fread(buf, 1, sizeof(buf), in)) > 0) {
		put(out, buf, n);
		done += n;
	}
	if (ferror(in) || done != size)
		die(line, "%s changed or could not be read", src);
	fclose(in);
	pad4(out);
}

static unsigned long parse_num(const char *s, int base, unsigned long max, unsigned int line)
{
	char *end;
	unsigned long v;

	errno = 0;
	v = s ? strtoul(s, &end, base) : 0;
	if (!s || errno || end == s || *end || v > max || s[0] == '-')
		die(line, "bad number \"%s\"", s ? s : "(missing)");
	return v;
}

static void check_name(const char *name, unsigned int line)
{
	const char *p;

	if (!name || name[0] != '/' || name[1] == '\0')
		die(line, "name must be absolute and not \"/\": \"%s\"", name ? name : "(missing)");
	for (p = name; *p; p++) {
		if (p[0] == '/' &&
		    (p[1] == '/' || p[1] == '\0' ||
		     (p[1] == '.' && (p[2] == '/' || p[2] == '\0' ||
				      (p[2] == '.' && (p[3] == '/' || p[3] == '\0'))))))
			die(line, "bad name \"%s\"", name);
	}
}

/* One SPEC line, already split into words. */
static void add(FILE *out, char **w, int n, unsigned int line)
{
	/* Device 3:1 as the kernel's gen_init_cpio writes it: only hard link detection reads it. */
	struct entry en = {.dev_major = 3, .dev_minor = 1};
	struct stat st;
	unsigned long nlink = 1;
	int perm = 2; /* index of <mode> */

	if (n < 5)
		die(line, "too few fields in \"%s\" line", n ? w[0] : "");
	check_name(w[1], line);
	en.name = w[1] + 1;
	if (strcmp(w[0], "dir") == 0 && n == 5) {
		en.mode = S_IFDIR;
		nlink = 2;
	} else if (strcmp(w[0], "file") == 0 && n == 6) {
		if (stat(w[2], &st) < 0 || !S_ISREG(st.st_mode))
			die(line, "%s is not a readable regular file", w[2]);
		if ((unsigned long long)st.st_size > 0xffffffffull)
			die(line, "%s is too big for newc", w[2]);
		en.mode = S_IFREG;
		en.size = (unsigned long)st.st_size;
		perm = 3;
	} else if (strcmp(w[0], "nod") == 0 && n == 8) {
		if (strcmp(w[5], "c") != 0 && strcmp(w[5], "b") != 0)
			die(line, "device type must be c or b, not \"%s\"", w[5]);
		en.mode = w[5][0] == 'c' ? S_IFCHR : S_IFBLK;
		en.rdev_major = parse_num(w[6], 10, 0xfff, line);
		en.rdev_minor = parse_num(w[7], 10, 0xfffff, line);
	} else {
		die(line, "unknown or malformed \"%s\" line", w[0]);
	}
	en.mode |= parse_num(w[perm], 8, 07777, line);
	en.uid = parse_num(w[perm + 1], 10, 0xffffffff, line);
	en.gid = parse_num(w[perm + 2], 10, 0xffffffff, line);
	put_header(out, &en, next_ino++, nlink);
	if (S_ISREG(en.mode))
		copy_file(out, w[2], en.size, line);
}

int main(int argc, char **argv)
{
	static const struct entry trailer = {.name = "TRAILER!!!"};
	char text[4096];
	unsigned int line = 0;
	const char *epoch = getenv("SOURCE_DATE_EPOCH");
	FILE *out;

	if (argc != 2) {
		fprintf(stderr, "usage: mkcpio OUT < SPEC\n");
		return 2;
	}
	if (epoch && *epoch)
		mtime = parse_num(epoch, 10, 0xffffffff, 0);
	out = fopen(argv[1], "wb");
	if (!out) {
		perror(argv[1]);
		return 1;
	}
	while (fgets(text, sizeof(text), stdin)) {
		char *w[9];
		int n = 0;
		char *save = NULL, *tok;

		line++;
		if (!strchr(text, '\n') && !feof(stdin))
			die(line, "line too long");
		for (tok = strtok_r(text, " \t\n", &save); tok && n < 9;
		     tok = strtok_r(NULL, " \t\n", &save))
			w[n++] = tok;
		if (n == 0 || w[0][0] == '#')
			continue;
		add(out, w, n, line);
	}
	put_header(out, &trailer, 0, 1);
	if (ferror(stdin) || fclose(out) != 0) {
		perror("mkcpio");
		return 1;
	}
	return 0;
}
