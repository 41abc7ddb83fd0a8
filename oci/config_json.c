// SPDX-License-Identifier: Apache-2.0
/* Typed, path-tracking readers over json-c (see config_json.h). */
#include "config_json.h"

#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void jp_init(struct jpath *p, const char *file)
{
	p->file = file;
	p->len = 0;
	p->buf[0] = '\0';
}

static size_t jp_append(struct jpath *p, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static size_t jp_append(struct jpath *p, const char *fmt, ...)
{
	size_t old = p->len;
	va_list ap;
	int n;

	if (p->len >= sizeof(p->buf) - 1)
		return old;
	va_start(ap, fmt);
	n = vsnprintf(p->buf + p->len, sizeof(p->buf) - p->len, fmt, ap);
	va_end(ap);
	if (n > 0)
		p->len += (size_t)n;
	if (p->len >= sizeof(p->buf))
		p->len = sizeof(p->buf) - 1;
	return old;
}

size_t jp_key(struct jpath *p, const char *key)
{
	return p->len ? jp_append(p, ".%s", key) : jp_append(p, "%s", key);
}

size_t jp_idx(struct jpath *p, size_t i)
{
	return jp_append(p, "[%zu]", i);
}

void jp_pop(struct jpath *p, size_t old)
{
	p->len = old;
	p->buf[old] = '\0';
}

static int jp_vfail(const struct jpath *p, struct err *e, const char *fmt, va_list ap)
	__attribute__((format(printf, 3, 0)));

static int jp_vfail(const struct jpath *p, struct err *e, const char *fmt, va_list ap)
{
	char what[ERR_MSG_MAX];

	vsnprintf(what, sizeof(what), fmt, ap);
	if (p->len)
		return err_set(e, EINVAL, "%s: %s: %s", p->file, p->buf, what);
	return err_set(e, EINVAL, "%s: %s", p->file, what);
}

int jp_fail(const struct jpath *p, struct err *e, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	jp_vfail(p, e, fmt, ap);
	va_end(ap);
	return -1;
}

int jp_fail_key(struct jpath *p, const char *key, struct err *e, const char *fmt, ...)
{
	size_t old = jp_key(p, key);
	va_list ap;

	va_start(ap, fmt);
	jp_vfail(p, e, fmt, ap);
	va_end(ap);
	jp_pop(p, old);
	return -1;
}

int oci_nomem(struct err *e)
{
	return err_set(e, ENOMEM, "out of memory");
}

int oci_calloc(size_t n, size_t size, void **out, struct err *e)
{
	*out = NULL;
	if (n == 0)
		return 0;
	*out = calloc(n, size);
	return *out ? 0 : oci_nomem(e);
}

static int json_syntax_error(const char *file, size_t off, const char *what, struct err *e)
{
	return err_set(e, EINVAL, "%s: invalid JSON: %s at offset %zu", file, what, off);
}

/*
 * RFC 3629 UTF-8: json-c's own check lets overlong forms (C0 AF) and
 * encoded surrogates (ED A0 80) through. Returns the offset of the first
 * bad byte, or len.
 */
static size_t utf8_invalid_at(const unsigned char *s, size_t len)
{
	size_t i = 0;

	while (i < len) {
		unsigned char c = s[i];
		size_t n;
		unsigned char lo = 0x80, hi = 0xbf;

		if (c < 0x80) {
			i++;
			continue;
		}
		if (c >= 0xc2 && c <= 0xdf)
			n = 1;
		else if (c >= 0xe0 && c <= 0xef)
			n = 2, lo = c == 0xe0 ? 0xa0 : 0x80, hi = c == 0xed ? 0x9f : 0xbf;
		else if (c >= 0xf0 && c <= 0xf4)
			n = 3, lo = c == 0xf0 ? 0x90 : 0x80, hi = c == 0xf4 ? 0x8f : 0xbf;
		else
			return i;
		if (len - i <= n || s[i + 1] < lo || s[i + 1] > hi)
			return i;
		for (size_t k = 2; k <= n; k++)
			if (s[i + k] < 0x80 || s[i + k] > 0xbf)
				return i;
		i += n + 1;
	}
	return len;
}

/* Tokenizes the whole document; the tree is checked afterwards. */
static int json_tokenize(const char *file, const char *json, size_t len, json_object **out,
			 struct err *e)
{
	struct json_tokener *tok = json_tokener_new_ex(OCI_JSON_MAX_DEPTH);
	enum json_tokener_error jerr;
	json_object *obj;
	size_t end;

	if (!tok)
		return oci_nomem(e);
	/* Strict JSON, as Go's decoder; trailing bytes are checked below for a clearer error. */
	json_tokener_set_flags(tok, JSON_TOKENER_STRICT | JSON_TOKENER_ALLOW_TRAILING_CHARS |
					    JSON_TOKENER_VALIDATE_UTF8);
	obj = json_tokener_parse_ex(tok, json, (int)len);
	jerr = json_tokener_get_error(tok);
	end = json_tokener_get_parse_end(tok);
	/* A top-level scalar ("null", "1") is only complete once json-c sees the end. */
	if (!obj && jerr == json_tokener_continue) {
		obj = json_tokener_parse_ex(tok, "", 1);
		jerr = json_tokener_get_error(tok);
		if (jerr == json_tokener_continue || jerr == json_tokener_error_parse_eof)
			jerr = json_tokener_continue;
		else if (jerr != json_tokener_success)
			end = len;
	}
	json_tokener_free(tok);
	if (!obj && jerr == json_tokener_success) { /* the document is JSON null */
		struct jpath root;

		jp_init(&root, file);
		return jp_fail(&root, e, "top-level value must be an object");
	}
	if (!obj) {
		if (jerr == json_tokener_continue)
			return json_syntax_error(file, len, "unexpected end of data", e);
		return json_syntax_error(file, end, json_tokener_error_desc(jerr), e);
	}
	for (; end < len; end++) {
		if (!strchr(" \t\r\n", json[end])) {
			json_object_put(obj);
			return json_syntax_error(file, end,
						 "trailing data after the top-level value", e);
		}
	}
	*out = obj;
	return 0;
}

/* Length of the string literal starting at s[0] == '"', escapes included; sets *nul_at. */
static size_t string_len(const char *s, size_t len, size_t *nul_at)
{
	size_t i = 1;

	*nul_at = SIZE_MAX;
	while (i < len && s[i] != '"') {
		if (s[i] == '\\' && i + 5 < len && memcmp(s + i + 1, "u0000", 5) == 0 &&
		    *nul_at == SIZE_MAX)
			*nul_at = i;
		i += s[i] == '\\' ? 2 : 1;
	}
	return i + 1;
}

/*
 * What json-c accepts but Go's decoder (and so runc) does not, checked on a
 * document json-c already parsed: single-quoted strings, and "\u0000" in an
 * object key, which json-c would silently cut short at the NUL (a smuggling
 * vector for annotation keys). NUL in values is caught with its path later.
 */
static int json_check_lexical(const char *file, const char *json, size_t len, struct err *e)
{
	bool in_object[OCI_JSON_MAX_DEPTH + 1];
	size_t depth = 0, nul_at, start;
	bool expect_key = false;

	for (size_t i = 0; i < len; i++) {
		switch (json[i]) {
		case '{':
		case '[':
			if (depth == OCI_JSON_MAX_DEPTH)
				return json_syntax_error(file, i, "nesting too deep", e);
			in_object[++depth] = json[i] == '{';
			expect_key = json[i] == '{';
			break;
		case '}':
		case ']':
			depth -= depth > 0;
			expect_key = false;
			break;
		case ',':
			expect_key = depth > 0 && in_object[depth];
			break;
		case '\'':
			return json_syntax_error(file, i, "single-quoted string", e);
		case '"':
			start = i;
			i += string_len(json + i, len - i, &nul_at) - 1;
			if (expect_key && nul_at != SIZE_MAX)
				return json_syntax_error(file, start + nul_at,
							 "NUL (\\u0000) in an object key", e);
			expect_key = false;
			break;
		}
	}
	return 0;
}

int oci_json_parse_doc(const char *file, const char *json, size_t len, json_object **out,
		       struct err *e)
{
	const char *nul;
	json_object *obj = NULL;
	size_t bad;
	struct jpath root;

	*out = NULL;
	if (len > OCI_CONFIG_MAX_SIZE)
		return err_set(e, EFBIG, "%s: too large (%zu bytes, max %u)", file, len,
			       OCI_CONFIG_MAX_SIZE);
	/* json-c would stop at a NUL byte and report a misleading "end of data". */
	nul = memchr(json, '\0', len);
	if (nul)
		return json_syntax_error(file, (size_t)(nul - json), "NUL byte", e);
	bad = utf8_invalid_at((const unsigned char *)json, len);
	if (bad < len)
		return json_syntax_error(file, bad, "invalid UTF-8", e);
	if (json_tokenize(file, json, len, &obj, e) < 0)
		return -1;
	if (json_check_lexical(file, json, len, e) < 0) {
		json_object_put(obj);
		return -1;
	}
	if (!json_object_is_type(obj, json_type_object)) {
		json_object_put(obj);
		jp_init(&root, file);
		return jp_fail(&root, e, "top-level value must be an object");
	}
	*out = obj;
	return 0;
}

int jv_get(json_object *obj, const char *key, json_object **v)
{
	*v = NULL;
	if (!json_object_object_get_ex(obj, key, v) || !*v) {
		*v = NULL;
		return 0;
	}
	return 1;
}

int jv_str(struct jpath *p, json_object *v, char **out, struct err *e)
{
	const char *s;
	size_t n;

	if (!json_object_is_type(v, json_type_string))
		return jp_fail(p, e, "must be a string");
	s = json_object_get_string(v);
	n = (size_t)json_object_get_string_len(v);
	if (strlen(s) != n)
		return jp_fail(p, e, "must not contain NUL bytes");
	*out = strndup(s, n);
	return *out ? 0 : oci_nomem(e);
}

int jv_int(struct jpath *p, json_object *v, int64_t min, int64_t max, int64_t *out, struct err *e)
{
	int64_t i;

	if (!json_object_is_type(v, json_type_int))
		return jp_fail(p, e, "must be an integer");
	i = json_object_get_int64(v);
	/* get_int64 saturates values above INT64_MAX; get_uint64 shows them. */
	if (i == INT64_MAX && json_object_get_uint64(v) > (uint64_t)INT64_MAX)
		return jp_fail(p, e, "value %" PRIu64 " out of range [%" PRId64 ", %" PRId64 "]",
			       json_object_get_uint64(v), min, max);
	if (i < min || i > max)
		return jp_fail(p, e, "value %" PRId64 " out of range [%" PRId64 ", %" PRId64 "]", i,
			       min, max);
	*out = i;
	return 0;
}

int jv_uint(struct jpath *p, json_object *v, uint64_t max, uint64_t *out, struct err *e)
{
	int64_t i;
	uint64_t u;

	if (!json_object_is_type(v, json_type_int))
		return jp_fail(p, e, "must be an integer");
	i = json_object_get_int64(v);
	if (i < 0)
		return jp_fail(p, e, "value %" PRId64 " out of range [0, %" PRIu64 "]", i, max);
	u = json_object_get_uint64(v);
	if (u > max)
		return jp_fail(p, e, "value %" PRIu64 " out of range [0, %" PRIu64 "]", u, max);
	*out = u;
	return 0;
}

int jv_object(struct jpath *p, json_object *v, struct err *e)
{
	if (!json_object_is_type(v, json_type_object))
		return jp_fail(p, e, "must be an object");
	return 0;
}

int jv_array(struct jpath *p, json_object *v, size_t max, size_t *n, struct err *e)
{
	if (!json_object_is_type(v, json_type_array))
		return jp_fail(p, e, "must be an array");
	*n = json_object_array_length(v);
	if (*n > max)
		return jp_fail(p, e, "too many entries (max %zu)", max);
	return 0;
}

void oci_strv_free(struct oci_strv *v)
{
	for (size_t i = 0; i < v->n; i++)
		free(v->v[i]);
	free(v->v);
	v->v = NULL;
	v->n = 0;
}

int jv_strv(struct jpath *p, json_object *v, size_t max, struct oci_strv *out, struct err *e)
{
	size_t n, old;

	if (jv_array(p, v, max, &n, e) < 0)
		return -1;
	if (n == 0)
		return 0;
	out->v = calloc(n + 1, sizeof(*out->v));
	if (!out->v)
		return oci_nomem(e);
	out->n = n;
	for (size_t i = 0; i < n; i++) {
		old = jp_idx(p, i);
		if (jv_str(p, json_object_array_get_idx(v, i), &out->v[i], e) < 0)
			return -1;
		jp_pop(p, old);
	}
	return 0;
}

int jget_str(struct jpath *p, json_object *obj, const char *key, char **out, struct err *e)
{
	json_object *v;
	size_t old;
	int r;

	if (!jv_get(obj, key, &v))
		return 0;
	old = jp_key(p, key);
	r = jv_str(p, v, out, e);
	jp_pop(p, old);
	return r;
}

int jget_bool(struct jpath *p, json_object *obj, const char *key, bool *out, bool *has,
	      struct err *e)
{
	json_object *v;

	if (has)
		*has = false;
	if (!jv_get(obj, key, &v))
		return 0;
	if (!json_object_is_type(v, json_type_boolean))
		return jp_fail_key(p, key, e, "must be a boolean");
	*out = json_object_get_boolean(v);
	if (has)
		*has = true;
	return 0;
}

int jget_int(struct jpath *p, json_object *obj, const char *key, int64_t min, int64_t max,
	     int64_t *out, bool *has, struct err *e)
{
	json_object *v;
	size_t old;
	int r;

	if (has)
		*has = false;
	if (!jv_get(obj, key, &v))
		return 0;
	old = jp_key(p, key);
	r = jv_int(p, v, min, max, out, e);
	jp_pop(p, old);
	if (r == 0 && has)
		*has = true;
	return r;
}

int jget_uint(struct jpath *p, json_object *obj, const char *key, uint64_t max, uint64_t *out,
	      bool *has, struct err *e)
{
	json_object *v;
	size_t old;
	int r;

	if (has)
		*has = false;
	if (!jv_get(obj, key, &v))
		return 0;
	old = jp_key(p, key);
	r = jv_uint(p, v, max, out, e);
	jp_pop(p, old);
	if (r == 0 && has)
		*has = true;
	return r;
}

int jget_u32(struct jpath *p, json_object *obj, const char *key, uint32_t *out, bool *has,
	     struct err *e)
{
	uint64_t u;
	bool got = false;

	if (jget_uint(p, obj, key, UINT32_MAX, &u, &got, e) < 0)
		return -1;
	if (got)
		*out = (uint32_t)u;
	if (has)
		*has = got;
	return 0;
}

int jget_strv(struct jpath *p, json_object *obj, const char *key, size_t max, struct oci_strv *out,
	      struct err *e)
{
	json_object *v;
	size_t old;
	int r;

	if (!jv_get(obj, key, &v))
		return 0;
	old = jp_key(p, key);
	r = jv_strv(p, v, max, out, e);
	jp_pop(p, old);
	return r;
}

int jget_object(struct jpath *p, json_object *obj, const char *key, json_object **v, struct err *e)
{
	if (!jv_get(obj, key, v))
		return 0;
	if (!json_object_is_type(*v, json_type_object))
		return jp_fail_key(p, key, e, "must be an object");
	return 0;
}

int jget_array(struct jpath *p, json_object *obj, const char *key, size_t max, json_object **arr,
	       size_t *n, struct err *e)
{
	size_t old;
	int r;

	*n = 0;
	if (!jv_get(obj, key, arr))
		return 0;
	old = jp_key(p, key);
	r = jv_array(p, *arr, max, n, e);
	jp_pop(p, old);
	return r;
}

int jget_each(struct jpath *p, json_object *obj, const char *key, size_t max, jv_elem_fn fn,
	      void *ctx, struct err *e)
{
	json_object *arr;
	size_t n, old, old_i;

	if (jget_array(p, obj, key, max, &arr, &n, e) < 0)
		return -1;
	old = jp_key(p, key);
	for (size_t i = 0; i < n; i++) {
		old_i = jp_idx(p, i);
		if (fn(p, json_object_array_get_idx(arr, i), i, ctx, e) < 0)
			return -1;
		jp_pop(p, old_i);
	}
	jp_pop(p, old);
	return 0;
}

void oci_kv_free(struct oci_kv *kv, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(kv[i].key);
		free(kv[i].value);
	}
	free(kv);
}

/* One map entry; a null value is "" as Go decodes it into a map[string]string. */
static int map_entry(struct jpath *p, const char *key, json_object *v, struct oci_kv *kv,
		     struct err *e)
{
	size_t old;
	int r = 0;

	if (key[0] == '\0')
		return jp_fail(p, e, "keys must not be empty");
	kv->key = strdup(key);
	if (!kv->key)
		return oci_nomem(e);
	old = jp_key(p, key);
	if (v)
		r = jv_str(p, v, &kv->value, e);
	else if (!(kv->value = strdup("")))
		r = oci_nomem(e);
	jp_pop(p, old);
	return r;
}

static int map_entries(struct jpath *p, json_object *m, size_t max, struct oci_kv **out, size_t *n,
		       struct err *e)
{
	struct json_object_iterator it = json_object_iter_begin(m);
	struct json_object_iterator end = json_object_iter_end(m);
	size_t count = (size_t)json_object_object_length(m);

	if (count > max)
		return jp_fail(p, e, "too many entries (max %zu)", max);
	if (oci_calloc(count, sizeof(**out), (void **)out, e) < 0)
		return -1;
	*n = count;
	for (size_t i = 0; i < count && !json_object_iter_equal(&it, &end); i++) {
		if (map_entry(p, json_object_iter_peek_name(&it), json_object_iter_peek_value(&it),
			      &(*out)[i], e) < 0)
			return -1;
		json_object_iter_next(&it);
	}
	return 0;
}

int jget_map(struct jpath *p, json_object *obj, const char *key, size_t max, struct oci_kv **out,
	     size_t *n, struct err *e)
{
	json_object *m;
	size_t old;
	int r;

	if (jget_object(p, obj, key, &m, e) < 0)
		return -1;
	if (!m)
		return 0;
	old = jp_key(p, key);
	r = map_entries(p, m, max, out, n, e);
	jp_pop(p, old);
	return r;
}

int jget_list(struct jpath *p, json_object *obj, const char *key, size_t max, size_t elem_size,
	      void **arr, size_t *n, jv_elem_fn fn, struct err *e)
{
	json_object *a;

	if (jget_array(p, obj, key, max, &a, n, e) < 0 || oci_calloc(*n, elem_size, arr, e) < 0) {
		*n = 0;
		return -1;
	}
	return jget_each(p, obj, key, max, fn, *arr, e);
}
