/* SPDX-License-Identifier: Apache-2.0 */
/* Helpers shared by the test_oci_*.c unit tests (each is its own binary). */
#ifndef INCEPT_TEST_OCI_UTIL_H
#define INCEPT_TEST_OCI_UTIL_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* JSON written with ' for " (keeps the C literals readable); other bytes kept as they are. */
static inline char *oci_test_quote(const char *s, size_t len)
{
	char *out = malloc(len + 1);

	if (!out)
		abort();
	for (size_t i = 0; i < len; i++)
		out[i] = s[i] == '\'' ? '"' : s[i];
	out[len] = '\0';
	return out;
}

/*
 * tests/unit/data/oci/<name>: run.sh runs tests from the source tree's root;
 * when run by hand from elsewhere, look next to the binary (build[/san]/tests/).
 */
static inline const char *oci_test_data(const char *argv0, const char *name)
{
	static const char *const prefixes[] = {"", "/../..", "/../../.."};
	static char path[4096];
	char dir[2048];
	const char *slash = strrchr(argv0, '/');

	snprintf(path, sizeof(path), "tests/unit/data/oci/%s", name);
	if (access(path, R_OK) == 0 || !slash)
		return path;
	snprintf(dir, sizeof(dir), "%.*s", (int)(slash - argv0), argv0);
	for (size_t i = 1; i < sizeof(prefixes) / sizeof(prefixes[0]); i++) {
		snprintf(path, sizeof(path), "%s%s/tests/unit/data/oci/%s", dir, prefixes[i], name);
		if (access(path, R_OK) == 0)
			break;
	}
	return path;
}

/* Reads a whole file; NULL on failure. */
static inline char *oci_test_slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	char *buf = NULL;
	long n;

	if (!f)
		return NULL;
	if (fseek(f, 0, SEEK_END) == 0 && (n = ftell(f)) >= 0 && fseek(f, 0, SEEK_SET) == 0) {
		buf = malloc((size_t)n + 1);
		if (buf && fread(buf, 1, (size_t)n, f) != (size_t)n) {
			free(buf);
			buf = NULL;
		}
		if (buf) {
			buf[n] = '\0';
			*len = (size_t)n;
		}
	}
	fclose(f);
	return buf;
}

#endif
