// SPDX-License-Identifier: Apache-2.0
/*
 * JSON output byte for byte as runc's Go encoding/json produces it, since
 * tools compare and parse what `state`, `list --format json` and `features`
 * print: keys in the order written, "key": value with MarshalIndent, "{}" and
 * "[]" when empty, and Go's string escapes (<, >, & as \u003c..., control
 * characters as \u00XX except \n \r \t, U+2028/U+2029 escaped, invalid UTF-8
 * replaced by \ufffd).
 */
#include "rt.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

void rt_buf_add(struct rt_buf *b, const char *s, size_t n)
{
	if (b->oom)
		return;
	if (b->len + n + 1 > b->cap) {
		size_t cap = b->cap ? b->cap : 256;
		char *p;

		while (cap < b->len + n + 1)
			cap *= 2;
		p = realloc(b->p, cap);
		if (!p) {
			b->oom = true;
			return;
		}
		b->p = p;
		b->cap = cap;
	}
	memcpy(b->p + b->len, s, n);
	b->len += n;
	b->p[b->len] = '\0';
}

void rt_buf_puts(struct rt_buf *b, const char *s)
{
	rt_buf_add(b, s, strlen(s));
}

void rt_buf_printf(struct rt_buf *b, const char *fmt, ...)
{
	char small[256];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(small, sizeof(small), fmt, ap);
	va_end(ap);
	if (n < 0) {
		b->oom = true;
		return;
	}
	if ((size_t)n < sizeof(small)) {
		rt_buf_add(b, small, (size_t)n);
		return;
	}
	char *big = malloc((size_t)n + 1);

	if (!big) {
		b->oom = true;
		return;
	}
	va_start(ap, fmt);
	vsnprintf(big, (size_t)n + 1, fmt, ap);
	va_end(ap);
	rt_buf_add(b, big, (size_t)n);
	free(big);
}

void rt_buf_free(struct rt_buf *b)
{
	free(b->p);
	memset(b, 0, sizeof(*b));
}

/* Length of the valid UTF-8 sequence at s (as Go's utf8.DecodeRune accepts it), 0 if invalid. */
static size_t utf8_valid_len(const unsigned char *s, uint32_t *cp)
{
	size_t n;
	uint32_t c, min;

	if (s[0] < 0x80)
		return *cp = s[0], 1;
	if (s[0] >= 0xc2 && s[0] <= 0xdf)
		n = 2, c = s[0] & 0x1f, min = 0x80;
	else if (s[0] >= 0xe0 && s[0] <= 0xef)
		n = 3, c = s[0] & 0x0f, min = 0x800;
	else if (s[0] >= 0xf0 && s[0] <= 0xf4)
		n = 4, c = s[0] & 0x07, min = 0x10000;
	else
		return 0;
	for (size_t i = 1; i < n; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		c = (c << 6) | (s[i] & 0x3f);
	}
	if (c < min || c > 0x10ffff || (c >= 0xd800 && c <= 0xdfff))
		return 0;
	*cp = c;
	return n;
}

void rt_json_escape(struct rt_buf *b, const char *str)
{
	static const char hex[] = "0123456789abcdef";
	const unsigned char *s = (const unsigned char *)str;

	while (*s) {
		uint32_t cp;
		size_t n = utf8_valid_len(s, &cp);

		if (n == 0) {
			rt_buf_puts(b, "\\ufffd");
			s++;
			continue;
		}
		if (cp == '"' || cp == '\\') {
			char esc[2] = {'\\', (char)cp};

			rt_buf_add(b, esc, 2);
		} else if (cp == '\n') {
			rt_buf_puts(b, "\\n");
		} else if (cp == '\r') {
			rt_buf_puts(b, "\\r");
		} else if (cp == '\t') {
			rt_buf_puts(b, "\\t");
		} else if (cp < 0x20 || cp == '<' || cp == '>' || cp == '&') {
			char esc[6] = {'\\', 'u', '0', '0', hex[cp >> 4], hex[cp & 0xf]};

			rt_buf_add(b, esc, 6);
		} else if (cp == 0x2028 || cp == 0x2029) {
			rt_buf_puts(b, cp == 0x2028 ? "\\u2028" : "\\u2029");
		} else {
			rt_buf_add(b, (const char *)s, n);
		}
		s += n;
	}
}

void rt_json_init(struct rt_json *j, const char *indent)
{
	memset(j, 0, sizeof(*j));
	j->indent = indent;
}

static void newline_indent(struct rt_json *j, int depth)
{
	if (!j->indent)
		return;
	rt_buf_puts(&j->buf, "\n");
	for (int i = 0; i < depth; i++)
		rt_buf_puts(&j->buf, j->indent);
}

/* Separator and indentation before a value (or a key) at the current depth. */
static void before_value(struct rt_json *j)
{
	if (j->after_key) {
		j->after_key = false;
		return;
	}
	if (j->depth == 0)
		return;
	if (!j->first[j->depth])
		rt_buf_puts(&j->buf, ",");
	j->first[j->depth] = false;
	newline_indent(j, j->depth);
}

static void open_container(struct rt_json *j, const char *c)
{
	before_value(j);
	rt_buf_puts(&j->buf, c);
	if (j->depth + 1 >= (int)(sizeof(j->first) / sizeof(j->first[0]))) {
		j->buf.oom = true; /* deeper than anything we print: refuse rather than corrupt */
		return;
	}
	j->depth++;
	j->first[j->depth] = true;
}

static void close_container(struct rt_json *j, const char *c)
{
	bool empty = j->first[j->depth];

	if (j->depth > 0)
		j->depth--;
	if (!empty)
		newline_indent(j, j->depth);
	rt_buf_puts(&j->buf, c);
}

void rt_json_obj_begin(struct rt_json *j)
{
	open_container(j, "{");
}

void rt_json_obj_end(struct rt_json *j)
{
	close_container(j, "}");
}

void rt_json_arr_begin(struct rt_json *j)
{
	open_container(j, "[");
}

void rt_json_arr_end(struct rt_json *j)
{
	close_container(j, "]");
}

void rt_json_key(struct rt_json *j, const char *key)
{
	before_value(j);
	rt_buf_puts(&j->buf, "\"");
	rt_json_escape(&j->buf, key);
	rt_buf_puts(&j->buf, j->indent ? "\": " : "\":");
	j->after_key = true;
}

void rt_json_str(struct rt_json *j, const char *s)
{
	before_value(j);
	rt_buf_puts(&j->buf, "\"");
	rt_json_escape(&j->buf, s ? s : "");
	rt_buf_puts(&j->buf, "\"");
}

void rt_json_int(struct rt_json *j, long long v)
{
	before_value(j);
	rt_buf_printf(&j->buf, "%lld", v);
}

void rt_json_uint(struct rt_json *j, unsigned long long v)
{
	before_value(j);
	rt_buf_printf(&j->buf, "%llu", v);
}

void rt_json_bool(struct rt_json *j, bool v)
{
	before_value(j);
	rt_buf_puts(&j->buf, v ? "true" : "false");
}

void rt_json_null(struct rt_json *j)
{
	before_value(j);
	rt_buf_puts(&j->buf, "null");
}
