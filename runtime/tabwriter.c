// SPDX-License-Identifier: Apache-2.0
/*
 * A port of the part of Go's text/tabwriter that runc's output depends on
 * (`list`'s table, and urfave/cli's help), so our columns line up exactly as
 * runc's do. Same algorithm: a column's width is fixed per block of
 * consecutive lines that all have a tab-terminated cell in that column.
 */
#include "rt.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#define TW_MAX_COLUMNS 64

struct tw_cell {
	const char *text;
	size_t size;  /* bytes */
	size_t width; /* runes */
};

struct tw_line {
	struct tw_cell *cells;
	size_t n; /* cells; all but the last were tab-terminated */
};

struct tw {
	struct tw_line *lines;
	size_t nlines;
	size_t widths[TW_MAX_COLUMNS];
	size_t ncols;
	size_t minwidth, padding;
	FILE *out;
};

static size_t rune_count(const char *s, size_t n)
{
	size_t w = 0;

	for (size_t i = 0; i < n; i++)
		if (((unsigned char)s[i] & 0xc0) != 0x80)
			w++;
	return w;
}

static int split_line(struct tw_line *l, const char *s, size_t len)
{
	size_t n = 1, i, start = 0, c = 0;

	for (i = 0; i < len; i++)
		n += s[i] == '\t';
	l->cells = calloc(n, sizeof(*l->cells));
	if (!l->cells)
		return -1;
	l->n = n;
	for (i = 0; i <= len; i++) {
		if (i < len && s[i] != '\t')
			continue;
		l->cells[c].text = s + start;
		l->cells[c].size = i - start;
		l->cells[c].width = rune_count(s + start, i - start);
		c++;
		start = i + 1;
	}
	return 0;
}

static void write_lines(struct tw *t, size_t line0, size_t line1)
{
	for (size_t i = line0; i < line1; i++) {
		const struct tw_line *l = &t->lines[i];

		for (size_t j = 0; j < l->n; j++) {
			const struct tw_cell *c = &l->cells[j];

			fwrite(c->text, 1, c->size, t->out);
			if (j < t->ncols)
				for (size_t k = c->width; k < t->widths[j]; k++)
					fputc(' ', t->out);
		}
		if (i + 1 < t->nlines)
			fputc('\n', t->out);
	}
}

/* Go's Writer.format: lays out column ncols over lines [line0, line1). */
static size_t format(struct tw *t, size_t line0, size_t line1)
{
	size_t column = t->ncols;

	for (size_t this = line0; this < line1; this ++) {
		size_t width = t->minwidth;

		if (column + 1 >= t->lines[this].n)
			continue;
		/* A cell in this column: a block begins. Print what precedes it. */
		write_lines(t, line0, this);
		line0 = this;
		for (; this < line1; this ++) {
			const struct tw_line *l = &t->lines[this];

			if (column + 1 >= l->n)
				break;
			if (l->cells[column].width + t->padding > width)
				width = l->cells[column].width + t->padding;
		}
		if (t->ncols < TW_MAX_COLUMNS) {
			t->widths[t->ncols++] = width;
			format(t, line0, this);
			t->ncols--;
		}
		line0 = this;
		/* As in Go, the loop's this++ steps over the line that ended the block. */
	}
	write_lines(t, line0, line1);
	return line1;
}

int rt_tabwrite(FILE *out, const char *text, int minwidth, int padding)
{
	struct tw t = {.minwidth = (size_t)minwidth, .padding = (size_t)padding, .out = out};
	size_t n = 1, i = 0;
	const char *p = text;
	int r = 0;

	for (const char *q = text; *q; q++)
		n += *q == '\n';
	t.lines = calloc(n, sizeof(*t.lines));
	if (!t.lines)
		return -ENOMEM;
	for (i = 0; i < n; i++) {
		size_t len = strcspn(p, "\n");

		if (split_line(&t.lines[i], p, len) < 0) {
			r = -ENOMEM;
			break;
		}
		t.nlines++;
		p += len + (p[len] == '\n');
	}
	if (r == 0)
		format(&t, 0, t.nlines);
	for (i = 0; i < t.nlines; i++)
		free(t.lines[i].cells);
	free(t.lines);
	return r;
}
