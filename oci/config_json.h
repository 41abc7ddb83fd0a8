/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Internal to oci/config*.c: typed, path-tracking readers over a json-c
 * tree. Every reader treats a missing key and JSON null alike (Go's
 * encoding/json does), checks the JSON type and range, copies strings out
 * (rejecting embedded NUL) and reports errors as "<file>: <path>: <what>".
 */
#ifndef INCEPT_OCI_CONFIG_JSON_H
#define INCEPT_OCI_CONFIG_JSON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <json-c/json.h>
#include "config.h"
#include "error.h"

/* The JSON path of the value being read, e.g. "linux.namespaces[1].type". */
struct jpath {
	const char *file; /* "config.json" or "process.json" */
	size_t len;
	char buf[512]; /* truncated (never overflowed) for absurd keys */
};

void jp_init(struct jpath *p, const char *file);
/* Append ".key" (or "key" at the root) / "[i]"; return the length to restore. */
size_t jp_key(struct jpath *p, const char *key);
size_t jp_idx(struct jpath *p, size_t i);
void jp_pop(struct jpath *p, size_t old);

/* "<file>: <path>: <message>" (or "<file>: <message>" at the root). Returns -1. */
int jp_fail(const struct jpath *p, struct err *e, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* The same for the member `key` of the current path. */
int jp_fail_key(struct jpath *p, const char *key, struct err *e, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
int oci_nomem(struct err *e);

/*
 * Parses a whole document: strict JSON, UTF-8 validated, depth-limited, no
 * NUL bytes, nothing but whitespace after the value, top level an object.
 */
int oci_json_parse_doc(const char *file, const char *json, size_t len, json_object **out,
		       struct err *e);

/* Member lookup: 1 and *v when present and not null, 0 when absent or null. */
int jv_get(json_object *obj, const char *key, json_object **v);

/* Value readers: the path names `v` already. */
int jv_str(struct jpath *p, json_object *v, char **out, struct err *e);
int jv_int(struct jpath *p, json_object *v, int64_t min, int64_t max, int64_t *out, struct err *e);
int jv_uint(struct jpath *p, json_object *v, uint64_t max, uint64_t *out, struct err *e);
int jv_object(struct jpath *p, json_object *v, struct err *e);
/* Checks an array and its size cap; *n gets its length. */
int jv_array(struct jpath *p, json_object *v, size_t max, size_t *n, struct err *e);
int jv_strv(struct jpath *p, json_object *v, size_t max, struct oci_strv *out, struct err *e);

/* Member readers: absent/null leaves *out untouched (and *has false). */
int jget_str(struct jpath *p, json_object *obj, const char *key, char **out, struct err *e);
int jget_bool(struct jpath *p, json_object *obj, const char *key, bool *out, bool *has,
	      struct err *e);
int jget_int(struct jpath *p, json_object *obj, const char *key, int64_t min, int64_t max,
	     int64_t *out, bool *has, struct err *e);
int jget_uint(struct jpath *p, json_object *obj, const char *key, uint64_t max, uint64_t *out,
	      bool *has, struct err *e);
int jget_u32(struct jpath *p, json_object *obj, const char *key, uint32_t *out, bool *has,
	     struct err *e);
int jget_strv(struct jpath *p, json_object *obj, const char *key, size_t max, struct oci_strv *out,
	      struct err *e);
/* A JSON object of strings -> key/value array (annotations, sysctl, unified). */
int jget_map(struct jpath *p, json_object *obj, const char *key, size_t max, struct oci_kv **out,
	     size_t *n, struct err *e);
/* Sets *v to the member if it is an object; 0 with *v NULL when absent. */
int jget_object(struct jpath *p, json_object *obj, const char *key, json_object **v, struct err *e);
/* Sets *arr and *n to the member if it is an array within `max`; *n 0 when absent. */
int jget_array(struct jpath *p, json_object *obj, const char *key, size_t max, json_object **arr,
	       size_t *n, struct err *e);

/*
 * Calls `fn(p, element, index, ctx, e)` for every element of the array
 * member `key`, with the path at "key[i]". Does nothing when absent.
 */
typedef int (*jv_elem_fn)(struct jpath *p, json_object *v, size_t i, void *ctx, struct err *e);
int jget_each(struct jpath *p, json_object *obj, const char *key, size_t max, jv_elem_fn fn,
	      void *ctx, struct err *e);

/*
 * Allocates an array of *n elements of `elem_size` (zeroed) for the array
 * member `key` and fills each with `fn` (ctx = the array). *n is set before
 * filling, so a partly filled array can be freed as a whole.
 */
int jget_list(struct jpath *p, json_object *obj, const char *key, size_t max, size_t elem_size,
	      void **arr, size_t *n, jv_elem_fn fn, struct err *e);

/* calloc of n elements (n may be 0: returns NULL with no error). */
int oci_calloc(size_t n, size_t size, void **out, struct err *e);

void oci_strv_free(struct oci_strv *v);
void oci_kv_free(struct oci_kv *kv, size_t n);

/* Section parsers and destructors shared between the config*.c files. */
int oci_process_parse_obj(struct jpath *p, json_object *obj, struct oci_process **out,
			  struct err *e);
int oci_process_check_exec(struct jpath *p, const struct oci_process *proc, struct err *e);
int oci_linux_parse(struct jpath *p, json_object *obj, struct oci_linux *out, struct err *e);
void oci_linux_free(struct oci_linux *l);
int oci_resources_parse(struct jpath *p, json_object *obj, struct oci_resources **out,
			struct err *e);
void oci_resources_free(struct oci_resources *r);
int oci_seccomp_parse(struct jpath *p, json_object *obj, struct oci_seccomp **out, struct err *e);
void oci_seccomp_free(struct oci_seccomp *s);
int oci_mount_decode_options(struct oci_mount *m, struct err *e);
/* "" -> 0, "rprivate" -> MS_PRIVATE|MS_REC, ...; -1 when unknown. */
long oci_propagation_flags(const char *name);

#endif
