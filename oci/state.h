/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The container state directory: <root>/<id>/state.json plus a per-container
 * lock. One directory per container; it appears atomically, already holding
 * state.json and already locked by its creator, so no other verb ever sees a
 * half-made container.
 *
 * Locking: verbs that change a container (create, start, delete, kill, ...)
 * hold flock(LOCK_EX) on the directory for as long as they work on it, so
 * concurrent verbs on one id serialize. Readers (state, list) take no lock:
 * state.json is only ever replaced by rename, so they see the old or the new
 * file, never a torn one.
 *
 * The lock belongs to the open directory fd (O_CLOEXEC). A process forked
 * while holding it shares it until it execs or closes that fd: a child that
 * does not exec (a relay, say) must close c->dir_fd, or the container stays
 * locked for as long as the child lives.
 */
#ifndef INCEPT_OCI_STATE_H
#define INCEPT_OCI_STATE_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>
#include "error.h"

#define OCI_STATE_FILE	   "state.json"
#define OCI_STATE_MAX_SIZE (4u << 20) /* annotations can be large, not this large */

/*
 * Stored status. `creating` is written by create before the VMM exists and
 * `created` once the container process waits for start; the status a verb
 * acts on is the live one, oci_container_status(), which also knows whether
 * the VMM is still there.
 */
enum oci_status {
	OCI_STATUS_CREATING,
	OCI_STATUS_CREATED,
	OCI_STATUS_RUNNING,
	OCI_STATUS_PAUSED,
	OCI_STATUS_STOPPED,
};

struct oci_annotation {
	char *key;
	char *value;
};

struct oci_state {
	char *oci_version;
	char *id;
	int pid;		      /* the VMM's pid (the container's pid); 0 before it exists */
	unsigned long long pid_start; /* its start time, /proc/PID/stat field 22: pid reuse guard */
	enum oci_status status;	      /* as stored */
	char *bundle;		      /* absolute */
	char *rootfs;		      /* absolute, resolved against bundle */
	char *created;		      /* RFC 3339 with nanoseconds, UTC, as Go prints it */
	char *owner;
	struct oci_annotation *annotations; /* sorted by key */
	size_t n_annotations;
	char *vmm_socket; /* the VMM's control socket; NULL until there is one */
	/* status PAUSED: what resume goes back to (created or running), as runc tells apart */
	enum oci_status paused_from;
	char *cgroup_dir;   /* the VMM's cgroup directory (absolute); NULL: none of its own */
	char *systemd_unit; /* the transient unit systemd made for it (--systemd-cgroup); or NULL */
};

/* A container directory opened by a verb. */
struct oci_container {
	char *root;
	char *id;
	char *dir;  /* <root>/<id> */
	int dir_fd; /* the lock lives on this open directory */
	bool locked;
	bool creating; /* this handle made the directory: `creating` means us, not a crash */
	struct oci_state state;
};

#define OCI_OPEN_LOCK 0x1 /* take the exclusive lock (blocks until it is free) */

const char *oci_status_name(enum oci_status s);
int oci_status_parse(const char *name, enum oci_status *out);

/*
 * Container ids as runc accepts them: non-empty, [A-Za-z0-9_+.-] only, and not
 * "." or ".."; also at most NAME_MAX bytes since the id names a directory.
 */
int oci_state_id_check(const char *id, struct err *e);

/* Now as Go's time.RFC3339Nano prints it in UTC: trailing zeros of the fraction dropped. */
void oci_state_timestamp(char *buf, size_t len);

/* Adds (or replaces) one annotation, keeping the array sorted. */
int oci_state_annotate(struct oci_state *s, const char *key, const char *value, struct err *e);

/* state.json text <-> struct. Parsing validates every field's type and range. */
char *oci_state_serialize(const struct oci_state *s, struct err *e);
int oci_state_parse(const char *text, struct oci_state *out, struct err *e);
void oci_state_clear(struct oci_state *s);

/*
 * Makes <root>/<id> atomically (EEXIST: "container with given ID already exists"),
 * with `st` written as its state.json in status `creating`, and returns it locked.
 * Takes the contents of *st (it is left zeroed) whether it succeeds or not.
 */
int oci_container_create(const char *root, struct oci_state *st, struct oci_container **out,
			 struct err *e);

/*
 * Opens an existing container. A missing directory or state.json gives
 * `container "<id>" does not exist` with e->errnum == ENOENT.
 */
int oci_container_open(const char *root, const char *id, unsigned int flags,
		       struct oci_container **out, struct err *e);

/* Rewrites state.json atomically. The caller holds the lock. */
int oci_container_save(struct oci_container *c, struct err *e);

/* Removes the whole directory. The caller holds the lock. */
int oci_container_destroy(struct oci_container *c, struct err *e);

/* Releases the lock and frees the handle (NULL is fine). */
void oci_container_close(struct oci_container *c);

/* The live status: stored status checked against the VMM process and the lock. */
enum oci_status oci_container_status(const struct oci_container *c);

/*
 * Whether `pid` is alive (not a zombie) and started at `start` (ticks since
 * boot, /proc/PID/stat field 22). A start of 0 (unknown) is never alive: a
 * pid we cannot tell from a reused one is never signalled.
 */
bool oci_pid_alive(pid_t pid, unsigned long long start);

/* Reads /proc/PID/stat: the start time and the one-letter state (R, S, Z, ...). */
int oci_pid_stat(pid_t pid, unsigned long long *start, char *state, struct err *e);

/*
 * The ids of all containers under root (directories whose names are valid ids),
 * sorted bytewise as runc's list does. A missing root is an empty list.
 */
int oci_container_list(const char *root, char ***ids, size_t *n, struct err *e);
void oci_container_list_free(char **ids, size_t n);

#endif
