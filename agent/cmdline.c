// SPDX-License-Identifier: Apache-2.0
#include "cmdline.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

/* Longest word we keep; longer incept.* words cannot be valid and count as unknown. */
#define WORD_MAX 128

static bool is_space(char c)
{
	/* The kernel's isspace() on the command line, plus NUL, which cannot be part of a word. */
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f' ||
	       c == '\0';
}

/*
 * Copies the word starting at buf[*pos] into word (quotes removed, truncated
 * to WORD_MAX - 1) and moves *pos past it. Returns the word's full length.
 */
static size_t next_word(const char *buf, size_t len, size_t *pos, char word[WORD_MAX])
{
	bool in_quote = false;
	size_t n = 0;
	size_t i = *pos;

	for (; i < len && (in_quote || !is_space(buf[i])); i++) {
		if (buf[i] == '"') {
			in_quote = !in_quote;
			continue;
		}
		if (buf[i] == '\0')
			break;
		if (n < WORD_MAX - 1)
			word[n] = buf[i];
		n++;
	}
	*pos = i;
	word[n < WORD_MAX - 1 ? n : WORD_MAX - 1] = '\0';
	return n;
}

static void note_unknown(struct agent_cmdline *out, const char *word)
{
	if (out->unknown++ == 0) {
		size_t n = strnlen(word, sizeof(out->first_unknown) - 1);

		memcpy(out->first_unknown, word, n);
		out->first_unknown[n] = '\0';
	}
}

/* Handles one "incept.*" word. */
static void apply_word(struct agent_cmdline *out, const char *word, size_t n)
{
	const char *key = word + strlen("incept.");
	const char *eq = strchr(key, '=');
	bool *flag = NULL;
	size_t keylen;

	if (n > WORD_MAX - 1 || !eq) {
		note_unknown(out, word);
		return;
	}
	keylen = (size_t)(eq - key);
	if (keylen == strlen("selftest") && strncmp(key, "selftest", keylen) == 0)
		flag = &out->selftest;
	else if (keylen == strlen("poweroff") && strncmp(key, "poweroff", keylen) == 0)
		flag = &out->poweroff;
	else if (keylen == strlen("trace") && strncmp(key, "trace", keylen) == 0)
		flag = &out->trace;
	if (flag && strcmp(eq + 1, "1") == 0)
		*flag = true;
	else if (flag && strcmp(eq + 1, "0") == 0)
		*flag = false;
	else
		note_unknown(out, word);
}

void agent_cmdline_parse(const char *buf, size_t len, struct agent_cmdline *out)
{
	char word[WORD_MAX];
	size_t pos = 0;

	memset(out, 0, sizeof(*out));
	while (pos < len) {
		size_t n;

		if (is_space(buf[pos])) {
			pos++;
			continue;
		}
		n = next_word(buf, len, &pos, word);
		if (strcmp(word, "--") == 0 && n == 2)
			break;
		if (strncmp(word, "incept.", strlen("incept.")) == 0)
			apply_word(out, word, n);
	}
}

int agent_cmdline_read(const char *path, char *buf, size_t size, size_t *len, struct err *e)
{
	ssize_t n;
	int fd;

	if (size < 2)
		return err_set(e, EINVAL, "read %s: buffer too small", path);
	/* openat, not open: musl's open() adds an fcntl(F_SETFD) syscall for O_CLOEXEC. */
	fd = openat(AT_FDCWD, path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return err_sys(e, errno, "open %s", path);
	/* One read: procfs returns the whole line at once, and every syscall counts here. */
	do {
		n = read(fd, buf, size - 1);
	} while (n < 0 && errno == EINTR);
	if (n < 0) {
		int saved = errno;

		close(fd);
		return err_sys(e, saved, "read %s", path);
	}
	close(fd);
	buf[n] = '\0';
	*len = (size_t)n;
	return 0;
}
