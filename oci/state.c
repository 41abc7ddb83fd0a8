// SPDX-License-Identifier: Apache-2.0
#define _GNU_SOURCE /* renameat2 */
#include "state.h"
#include "cleanup.h"
#include "util.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <json-c/json.h>

static const char *const status_names[] = {
	[OCI_STATUS_CREATING] = "creating", [OCI_STATUS_CREATED] = "created",
	[OCI_STATUS_RUNNING] = "running",   [OCI_STATUS_PAUSED] = "paused",
	[OCI_STATUS_STOPPED] = "stopped",
};

const char *oci_status_name(enum oci_status s)
{
	if ((size_t)s >= ARRAY_SIZE(status_names))
		return "unknown";
	return status_names[s];
}

int oci_status_parse(const char *name, enum oci_status *out)
{
	for (size_t i = 0; i < ARRAY_SIZE(status_names); i++) {
		if (!strcmp(name, status_names[i])) {
			*out = (enum oci_status)i;
			return 0;
		}
	}
	return -1;
}

static bool id_char_ok(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       c == '_' || c == '+' || c == '-' || c == '.';
}

int oci_state_id_check(const char *id, struct err *e)
{
	size_t n = strlen(id);

	/* runc's two messages; the id becomes a directory name, hence NAME_MAX. */
	if (n == 0)
		return err_set(e, EINVAL, "container id cannot be empty");
	if (n > NAME_MAX || !strcmp(id, ".") || !strcmp(id, ".."))
		return err_set(e, EINVAL, "invalid container ID format");
	for (size_t i = 0; i < n; i++)
		if (!id_char_ok(id[i]))
			return err_set(e, EINVAL, "invalid container ID format");
	return 0;
}

void oci_state_timestamp(char *buf, size_t len)
{
	char *dot, *end;

	util_rfc3339_now(buf, len);
	/* Go's RFC3339Nano drops trailing zeros of the fraction, and the dot with them. */
	dot = strchr(buf, '.');
	end = strchr(buf, 'Z');
	if (!dot || !end || end < dot)
		return;
	while (end - 1 > dot && end[-1] == '0')
		end--;
	if (end - 1 == dot)
		end--;
	memmove(end, strchr(buf, 'Z'), 2);
}

void oci_state_clear(struct oci_state *s)
{
	free(s->oci_version);
	free(s->id);
	free(s->bundle);
	free(s->rootfs);
	free(s->created);
	free(s->owner);
	free(s->vmm_socket);
	free(s->cgroup_dir);
	free(s->systemd_unit);
	for (size_t i = 0; i < s->n_annotations; i++) {
		free(s->annotations[i].key);
		free(s->annotations[i].value);
	}
	free(s->annotations);
	memset(s, 0, sizeof(*s));
}

int oci_state_annotate(struct oci_state *s, const char *key, const char *value, struct err *e)
{
	struct oci_annotation *a;
	size_t i = 0;
	char *k, *v;

	while (i < s->n_annotations && strcmp(s->annotations[i].key, key) < 0)
		i++;
	v = strdup(value);
	if (!v)
		return err_sys(e, ENOMEM, "annotation %s", key);
	if (i < s->n_annotations && !strcmp(s->annotations[i].key, key)) {
		free(s->annotations[i].value);
		s->annotations[i].value = v;
		return 0;
	}
	k = strdup(key);
	a = k ? realloc(s->annotations, (s->n_annotations + 1) * sizeof(*a)) : NULL;
	if (!a) {
		free(k);
		free(v);
		return err_sys(e, ENOMEM, "annotation %s", key);
	}
	s->annotations = a;
	memmove(&a[i + 1], &a[i], (s->n_annotations - i) * sizeof(*a));
	a[i].key = k;
	a[i].value = v;
	s->n_annotations++;
	return 0;
}

/* json-c helpers: every add can fail on allocation; collect that in one flag. */
static void put_str(struct json_object *o, const char *key, const char *val, bool *oom)
{
	struct json_object *v = json_object_new_string(val ? val : "");

	if (!v || json_object_object_add(o, key, v) < 0)
		*oom = true;
}

static void put_int(struct json_object *o, const char *key, int64_t val, bool *oom)
{
	struct json_object *v = json_object_new_int64(val);

	if (!v || json_object_object_add(o, key, v) < 0)
		*oom = true;
}

static struct json_object *state_to_json(const struct oci_state *s)
{
	struct json_object *o = json_object_new_object(), *ann;
	bool oom = !o;

	if (oom)
		return NULL;
	put_str(o, "ociVersion", s->oci_version, &oom);
	put_str(o, "id", s->id, &oom);
	put_int(o, "pid", s->pid, &oom);
	put_str(o, "status", oci_status_name(s->status), &oom);
	put_str(o, "bundle", s->bundle, &oom);
	put_str(o, "rootfs", s->rootfs, &oom);
	put_str(o, "created", s->created, &oom);
	put_str(o, "owner", s->owner, &oom);
	ann = json_object_new_object();
	if (!ann || json_object_object_add(o, "annotations", ann) < 0)
		oom = true;
	for (size_t i = 0; ann && i < s->n_annotations; i++)
		put_str(ann, s->annotations[i].key, s->annotations[i].value, &oom);
	/* Ours, not the OCI state's: */
	put_int(o, "pidStartTime", (int64_t)s->pid_start, &oom);
	if (s->vmm_socket)
		put_str(o, "vmmSocket", s->vmm_socket, &oom);
	if (s->cgroup_dir)
		put_str(o, "cgroupDir", s->cgroup_dir, &oom);
	if (s->systemd_unit)
		put_str(o, "systemdUnit", s->systemd_unit, &oom);
	if (s->status == OCI_STATUS_PAUSED)
		put_str(o, "pausedFrom", oci_status_name(s->paused_from), &oom);
	if (oom) {
		json_object_put(o);
		return NULL;
	}
	return o;
}

char *oci_state_serialize(const struct oci_state *s, struct err *e)
{
	struct json_object *o;
	const char *text;
	char *out = NULL;

	if (s->pid_start > INT64_MAX)
		return err_set(e, ERANGE, "state of %s: pid start time out of range", s->id), NULL;
	o = state_to_json(s);
	if (!o)
		return err_sys(e, ENOMEM, "state of %s", s->id), NULL;
	text = json_object_to_json_string_ext(o, JSON_C_TO_STRING_PRETTY |
							 JSON_C_TO_STRING_NOSLASHESCAPE);
	if (text)
		out = strdup(text);
	json_object_put(o);
	if (!out)
		err_sys(e, ENOMEM, "state of %s", s->id);
	return out;
}

static int get_str(struct json_object *o, const char *key, bool required, char **out, struct err *e)
{
	struct json_object *v;

	if (!json_object_object_get_ex(o, key, &v) || json_object_is_type(v, json_type_null)) {
		if (required)
			return err_set(e, EINVAL, "state.json: missing \"%s\"", key);
		return 0;
	}
	if (!json_object_is_type(v, json_type_string))
		return err_set(e, EINVAL, "state.json: \"%s\" must be a string", key);
	*out = strdup(json_object_get_string(v));
	if (!*out)
		return err_sys(e, ENOMEM, "state.json");
	return 0;
}

static int get_u64(struct json_object *o, const char *key, unsigned long long max,
		   unsigned long long *out, struct err *e)
{
	struct json_object *v;
	int64_t n;

	if (!json_object_object_get_ex(o, key, &v))
		return 0;
	if (!json_object_is_type(v, json_type_int))
		return err_set(e, EINVAL, "state.json: \"%s\" must be an integer", key);
	errno = 0;
	n = json_object_get_int64(v);
	if (errno || n < 0 || (unsigned long long)n > max)
		return err_set(e, ERANGE, "state.json: \"%s\" out of range", key);
	*out = (unsigned long long)n;
	return 0;
}

static int get_annotations(struct json_object *o, struct oci_state *s, struct err *e)
{
	struct json_object *ann;

	if (!json_object_object_get_ex(o, "annotations", &ann) ||
	    json_object_is_type(ann, json_type_null))
		return 0;
	if (!json_object_is_type(ann, json_type_object))
		return err_set(e, EINVAL, "state.json: \"annotations\" must be an object");
	json_object_object_foreach(ann, key, val)
	{
		if (!json_object_is_type(val, json_type_string))
			return err_set(e, EINVAL, "state.json: annotation \"%s\" must be a string",
				       key);
		if (oci_state_annotate(s, key, json_object_get_string(val), e) < 0)
			return -1;
	}
	return 0;
}

static int state_from_json(struct json_object *o, struct oci_state *s, struct err *e)
{
	unsigned long long pid = 0;
	cleanup_free char *status = NULL, *from = NULL;

	if (!json_object_is_type(o, json_type_object))
		return err_set(e, EINVAL, "state.json: not a JSON object");
	if (get_str(o, "ociVersion", true, &s->oci_version, e) < 0 ||
	    get_str(o, "id", true, &s->id, e) < 0 || get_str(o, "status", true, &status, e) < 0 ||
	    get_str(o, "bundle", true, &s->bundle, e) < 0 ||
	    get_str(o, "rootfs", true, &s->rootfs, e) < 0 ||
	    get_str(o, "created", true, &s->created, e) < 0 ||
	    get_str(o, "owner", false, &s->owner, e) < 0 ||
	    get_str(o, "vmmSocket", false, &s->vmm_socket, e) < 0 ||
	    get_str(o, "pausedFrom", false, &from, e) < 0 ||
	    get_str(o, "cgroupDir", false, &s->cgroup_dir, e) < 0 ||
	    get_str(o, "systemdUnit", false, &s->systemd_unit, e) < 0 ||
	    get_u64(o, "pid", INT_MAX, &pid, e) < 0 ||
	    get_u64(o, "pidStartTime", INT64_MAX, &s->pid_start, e) < 0 ||
	    get_annotations(o, s, e) < 0)
		return -1;
	s->pid = (int)pid;
	if (oci_status_parse(status, &s->status) < 0)
		return err_set(e, EINVAL, "state.json: unknown status \"%s\"", status);
	s->paused_from = OCI_STATUS_RUNNING;
	if (from &&
	    (oci_status_parse(from, &s->paused_from) < 0 ||
	     (s->paused_from != OCI_STATUS_CREATED && s->paused_from != OCI_STATUS_RUNNING)))
		return err_set(e, EINVAL, "state.json: invalid pausedFrom \"%s\"", from);
	if (!s->owner && !(s->owner = strdup("")))
		return err_sys(e, ENOMEM, "state.json");
	return 0;
}

int oci_state_parse(const char *text, struct oci_state *out, struct err *e)
{
	struct json_tokener *tok = json_tokener_new();
	struct json_object *o;
	size_t len = strlen(text);
	int r;

	memset(out, 0, sizeof(*out));
	if (!tok)
		return err_sys(e, ENOMEM, "state.json");
	o = json_tokener_parse_ex(tok, text, (int)(len > INT_MAX ? INT_MAX : len));
	if (!o || json_tokener_get_error(tok) != json_tokener_success ||
	    json_tokener_get_parse_end(tok) != len) {
		r = err_set(e, EINVAL, "state.json: invalid JSON: %s",
			    json_tokener_error_desc(json_tokener_get_error(tok)));
		json_object_put(o);
		json_tokener_free(tok);
		return r;
	}
	json_tokener_free(tok);
	r = state_from_json(o, out, e);
	json_object_put(o);
	if (r < 0)
		oci_state_clear(out);
	return r;
}

/* ---- processes ---- */

int oci_pid_stat(pid_t pid, unsigned long long *start, char *state, struct err *e)
{
	cleanup_free char *buf = NULL;
	char path[64], *p, *tok, *save = NULL;
	int field;

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	if (util_read_file(path, 4096, &buf, NULL, e) < 0)
		return -1;
	/* "pid (comm) S ppid ...": comm may hold spaces and ')', so start after the last ')'. */
	p = strrchr(buf, ')');
	if (!p)
		return err_set(e, EINVAL, "%s: unexpected format", path);
	for (field = 3, tok = strtok_r(p + 1, " ", &save); tok;
	     field++, tok = strtok_r(NULL, " ", &save)) {
		if (field == 3)
			*state = tok[0];
		if (field == 22)
			return util_parse_u64(tok, 10, start) < 0
				       ? err_set(e, EINVAL, "%s: bad start time", path)
				       : 0;
	}
	return err_set(e, EINVAL, "%s: too few fields", path);
}

bool oci_pid_alive(pid_t pid, unsigned long long start)
{
	unsigned long long now_start;
	struct err e;
	char st;

	/* Without a recorded start time the pid cannot be told from a reused one: not ours. */
	if (pid <= 0 || start == 0 || oci_pid_stat(pid, &now_start, &st, &e) < 0)
		return false;
	/* A zombie has exited: the container is stopped even before its parent reaps it. */
	if (st == 'Z' || st == 'X' || st == 'x')
		return false;
	return start == now_start;
}

/* ---- the directory ---- */

static void container_free(struct oci_container *c)
{
	if (!c)
		return;
	if (c->dir_fd >= 0)
		close(c->dir_fd); /* drops the flock with the last reference */
	free(c->root);
	free(c->id);
	free(c->dir);
	oci_state_clear(&c->state);
	free(c);
}

void oci_container_close(struct oci_container *c)
{
	container_free(c);
}

static struct oci_container *container_new(const char *root, const char *id, struct err *e)
{
	struct oci_container *c = calloc(1, sizeof(*c));

	if (!c)
		return err_sys(e, ENOMEM, "container %s", id), NULL;
	c->dir_fd = -1;
	c->root = strdup(root);
	c->id = strdup(id);
	if (c->root && c->id && asprintf(&c->dir, "%s/%s", root, id) < 0)
		c->dir = NULL;
	if (!c->root || !c->id || !c->dir) {
		container_free(c);
		return err_sys(e, ENOMEM, "container %s", id), NULL;
	}
	return c;
}

static int lock_fd(int fd, int op)
{
	int r;

	do
		r = flock(fd, op);
	while (r < 0 && errno == EINTR);
	return r;
}

static int not_exist(const char *id, struct err *e)
{
	return err_set(e, ENOENT, "container \"%s\" does not exist", id);
}

/* After waiting for the lock: is the directory we locked still the one at <root>/<id>? */
static int check_still_there(struct oci_container *c, struct err *e)
{
	struct stat a, b;

	if (fstat(c->dir_fd, &a) < 0)
		return err_sys(e, errno, "stat %s", c->dir);
	if (stat(c->dir, &b) < 0 || a.st_ino != b.st_ino || a.st_dev != b.st_dev)
		return not_exist(c->id, e); /* deleted (or replaced) while we waited */
	return 0;
}

static int load_state(struct oci_container *c, struct err *e)
{
	cleanup_free char *path = NULL, *text = NULL;
	struct err e2;

	if (asprintf(&path, "%s/" OCI_STATE_FILE, c->dir) < 0)
		return err_sys(e, ENOMEM, "container %s", c->id);
	if (util_read_file(path, OCI_STATE_MAX_SIZE, &text, NULL, &e2) < 0) {
		if (e2.errnum == ENOENT)
			return not_exist(c->id, e); /* a directory without state is no container */
		*e = e2;
		return -1;
	}
	if (oci_state_parse(text, &c->state, e) < 0)
		return err_prefix(e, "container %s", c->id);
	if (strcmp(c->state.id, c->id))
		return err_set(e, EINVAL, "container %s: state.json names container \"%s\"", c->id,
			       c->state.id);
	return 0;
}

int oci_container_open(const char *root, const char *id, unsigned int flags,
		       struct oci_container **out, struct err *e)
{
	struct oci_container *c;

	if (oci_state_id_check(id, e) < 0)
		return -1;
	c = container_new(root, id, e);
	if (!c)
		return -1;
	c->dir_fd = open(c->dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (c->dir_fd < 0) {
		int saved = errno;

		container_free(c);
		if (saved == ENOENT || saved == ENOTDIR || saved == ELOOP)
			return not_exist(id, e);
		return err_sys(e, saved, "open %s/%s", root, id);
	}
	if (flags & OCI_OPEN_LOCK) {
		if (lock_fd(c->dir_fd, LOCK_EX) < 0) {
			err_sys(e, errno, "lock %s", c->dir);
			goto fail;
		}
		c->locked = true;
		if (check_still_there(c, e) < 0)
			goto fail;
	}
	if (load_state(c, e) < 0)
		goto fail;
	*out = c;
	return 0;
fail:
	container_free(c);
	return -1;
}

static int write_state_at(const char *dir, const struct oci_state *s, struct err *e)
{
	cleanup_free char *text = oci_state_serialize(s, e);
	cleanup_free char *path = NULL;

	if (!text)
		return -1;
	if (asprintf(&path, "%s/" OCI_STATE_FILE, dir) < 0)
		return err_sys(e, ENOMEM, "state of %s", s->id);
	return util_write_file_atomic(path, text, strlen(text), 0600, e);
}

int oci_container_save(struct oci_container *c, struct err *e)
{
	if (!c->locked)
		return err_set(e, EINVAL, "container %s: state written without the lock", c->id);
	return write_state_at(c->dir, &c->state, e);
}

int oci_container_destroy(struct oci_container *c, struct err *e)
{
	if (!c->locked)
		return err_set(e, EINVAL, "container %s: removed without the lock", c->id);
	return util_rm_rf(c->dir, e);
}

/*
 * Puts the finished directory `tmp` at c->dir unless something is there.
 * RENAME_NOREPLACE does that in one step; filesystems without it get a mkdir
 * claim (atomic too) that the rename then replaces.
 */
static int publish_dir(const char *tmp, struct oci_container *c, struct err *e)
{
	if (renameat2(AT_FDCWD, tmp, AT_FDCWD, c->dir, RENAME_NOREPLACE) == 0)
		return 0;
	if (errno != EINVAL && errno != ENOSYS) {
		if (errno == EEXIST)
			return err_set(e, EEXIST, "container with given ID already exists");
		return err_sys(e, errno, "rename %s", c->dir);
	}
	if (mkdir(c->dir, 0700) < 0) {
		if (errno == EEXIST)
			return err_set(e, EEXIST, "container with given ID already exists");
		return err_sys(e, errno, "mkdir %s", c->dir);
	}
	if (rename(tmp, c->dir) < 0) {
		int saved = errno;

		rmdir(c->dir);
		return err_sys(e, saved, "rename %s", c->dir);
	}
	return 0;
}

/*
 * The directory is built under a name no valid id can have ('@' is not an id
 * character), locked, given its state.json, and only then renamed into place.
 */
static int build_and_publish(struct oci_container *c, struct err *e)
{
	char tmp[PATH_MAX];

	if (snprintf(tmp, sizeof(tmp), "%s/.@new-XXXXXX", c->root) >= (int)sizeof(tmp))
		return err_set(e, ENAMETOOLONG, "%s: path too long", c->root);
	if (!mkdtemp(tmp))
		return err_sys(e, errno, "mkdir %s", tmp);
	c->dir_fd = open(tmp, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (c->dir_fd < 0 || lock_fd(c->dir_fd, LOCK_EX) < 0) {
		err_sys(e, errno, "open %s", tmp);
		goto fail;
	}
	c->locked = true;
	if (write_state_at(tmp, &c->state, e) < 0 || publish_dir(tmp, c, e) < 0)
		goto fail;
	return 0;
fail : {
	struct err ignored;

	util_rm_rf(tmp, &ignored);
	return -1;
}
}

int oci_container_create(const char *root, struct oci_state *st, struct oci_container **out,
			 struct err *e)
{
	struct oci_container *c;

	if (!st->id || oci_state_id_check(st->id, e) < 0) {
		if (!st->id)
			err_set(e, EINVAL, "container id cannot be empty");
		oci_state_clear(st);
		return -1;
	}
	c = container_new(root, st->id, e);
	if (!c) {
		oci_state_clear(st);
		return -1;
	}
	c->state = *st;
	memset(st, 0, sizeof(*st));
	c->state.status = OCI_STATUS_CREATING;
	c->creating = true;
	if (util_mkdir_p(root, 0700, e) < 0 || build_and_publish(c, e) < 0) {
		container_free(c);
		return -1;
	}
	*out = c;
	return 0;
}

/* Whether some process holds the container's lock right now (without waiting for it). */
static bool lock_held_elsewhere(const struct oci_container *c)
{
	cleanup_close int fd = open(c->dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);

	if (fd < 0)
		return false;
	if (lock_fd(fd, LOCK_SH | LOCK_NB) < 0)
		return errno == EWOULDBLOCK;
	return false; /* closing fd drops the probe lock */
}

enum oci_status oci_container_status(const struct oci_container *c)
{
	const struct oci_state *s = &c->state;

	switch (s->status) {
	case OCI_STATUS_CREATING:
		/*
		 * The creator holds the lock until it is done; a `creating` nobody
		 * holds is a create that died half way.
		 */
		if (c->locked)
			return c->creating ? OCI_STATUS_CREATING : OCI_STATUS_STOPPED;
		return lock_held_elsewhere(c) ? OCI_STATUS_CREATING : OCI_STATUS_STOPPED;
	case OCI_STATUS_CREATED:
	case OCI_STATUS_RUNNING:
	case OCI_STATUS_PAUSED:
		return oci_pid_alive(s->pid, s->pid_start) ? s->status : OCI_STATUS_STOPPED;
	case OCI_STATUS_STOPPED:
	default:
		return OCI_STATUS_STOPPED;
	}
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

void oci_container_list_free(char **ids, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(ids[i]);
	free(ids);
}

static int list_add(char ***ids, size_t *n, size_t *cap, const char *name, struct err *e)
{
	if (*n == *cap) {
		size_t ncap = *cap ? *cap * 2 : 16;
		char **nids = realloc(*ids, ncap * sizeof(*nids));

		if (!nids)
			return err_sys(e, ENOMEM, "list");
		*ids = nids;
		*cap = ncap;
	}
	(*ids)[*n] = strdup(name);
	if (!(*ids)[*n])
		return err_sys(e, ENOMEM, "list");
	(*n)++;
	return 0;
}

int oci_container_list(const char *root, char ***ids, size_t *n, struct err *e)
{
	DIR *d = opendir(root);
	struct dirent *de;
	size_t cap = 0;
	struct err ignored;

	*ids = NULL;
	*n = 0;
	if (!d)
		return errno == ENOENT ? 0 : err_sys(e, errno, "open %s", root);
	while ((de = readdir(d)) != NULL) {
		struct stat st;

		if (oci_state_id_check(de->d_name, &ignored) < 0) /* ".", "..", our temp dirs */
			continue;
		if (fstatat(dirfd(d), de->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0 ||
		    !S_ISDIR(st.st_mode))
			continue;
		if (list_add(ids, n, &cap, de->d_name, e) < 0) {
			closedir(d);
			oci_container_list_free(*ids, *n);
			*ids = NULL;
			*n = 0;
			return -1;
		}
	}
	closedir(d);
	if (*n)
		qsort(*ids, *n, sizeof(**ids), cmp_str);
	return 0;
}
