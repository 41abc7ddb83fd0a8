/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The container lifecycle as the verbs share it: a bundle checked and loaded, config.json
 * turned into the CREATE / EXEC messages of common/proto.h, the VMM started with its sync
 * socket, the agent reached through <root>/<id>/vmm.sock, hooks, ptys. Each verb file only
 * parses flags and calls these.
 */
#ifndef INCEPT_RT_CONTAINER_H
#define INCEPT_RT_CONTAINER_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>
#include "config.h"
#include "error.h"
#include "proto.h"
#include "rt.h"
#include "seccomp.h"

struct oci_config;
struct oci_resources;
struct oci_process;
struct oci_hook_list;
struct oci_container;

/* The copy of config.json kept in the state directory (hooks and exec defaults need it). */
#define RT_CONFIG_COPY "config.json"
#define RT_VMM_SOCKET  "vmm.sock"

/* ---- runtime/bundle.c ---- */

struct rt_bundle {
	char *dir;    /* absolute */
	char *rootfs; /* absolute */
	struct oci_config *cfg;
	char *seccomp_cache; /* <root>/#seccomp: compiled filters (NULL: compile every time) */
};

/*
 * Everything create and run check before a VMM starts, with runc's messages: the id, the
 * bundle's config.json (parsed and validated), the rootfs, --console-socket against
 * process.terminal, namespaces incept can provide, process.args[0] found in the rootfs, and
 * that the id is free.
 */
/* --preserve-fds: 0 is all a VM can do (the fds are the host's); more is a clear error. */
int rt_check_preserve_fds(long long n, struct err *e);

int rt_bundle_load(const struct rt_global *g, const struct rt_create_opts *o, bool detach,
		   const char *id, struct rt_bundle *b, struct err *e);
void rt_bundle_free(struct rt_bundle *b);

/*
 * Whether `name` resolves to an executable inside `rootfs` (RESOLVE_IN_ROOT), searching
 * PATH from `env` (runc's default PATH without one) when it has no '/'; `cwd` for relative
 * paths. Errors are runc's: exec: "x": executable file not found in $PATH.
 */
int rt_find_executable(const char *rootfs, const char *name, char *const *env, const char *cwd,
		       struct err *e);

/* ---- runtime/proto_spec.c: config.json -> proto ---- */

/* A CREATE message's content plus the strings and arrays it points to. */
struct rt_spec {
	struct proto_container c;
	char **shares; /* "--share" values: "rootfs=/abs[:ro]", "b0=/abs[:ro]", ... */
	size_t nr_shares;
	char **strings; /* everything else malloc'd for c */
	size_t nr_strings;
	struct rt_seccomp seccomp; /* c.process.seccomp_bpf points into it */
};

/* The i-th capability name incept knows ("CAP_CHOWN", ...); NULL past the last. */
const char *rt_cap_name(size_t i);

int rt_spec_build(const struct rt_bundle *b, const char *id, bool stdin_open, struct rt_spec *s,
		  struct err *e);
void rt_spec_free(struct rt_spec *s);

/* An oci_process as a proto_process (strings point into p; arrays are calloc'd). */
int rt_proto_process(const struct oci_process *p, bool stdin_open, struct proto_process *out,
		     struct err *e);
void rt_proto_process_free(struct proto_process *p);

/* linux.seccomp (if any) compiled into sc, and p pointed at it (create's init, every exec). */
int rt_proto_seccomp(const struct oci_config *cfg, const char *cache_dir, struct rt_seccomp *sc,
		     struct proto_process *p, struct err *e);

/* CAP_* names -> bit mask; unknown names are warned about and skipped, as runc 1.1 does. */
uint64_t rt_caps_mask(char *const *names, size_t n);

/* Whether fd is /dev/null (then the process gets no stdin stream). */
bool rt_fd_is_devnull(int fd);

/* ---- runtime/launch.c: the VMM process ---- */

struct rt_launch {
	const struct rt_config *cfg; /* paths of the VMM, kernel, initrd */
	const char *snapshot_dir;    /* NULL: cold boot */
	unsigned vcpus;
	unsigned long long memory_mib;
	const char *vsock_socket;
	const char *log_path; /* the VMM's log (its stderr is the container's) */
	bool debug;
	char *const *shares;
	size_t nr_shares;
	int stdio[3];
	int netns_fd;		/* -1: the caller's network namespace, or a new one: */
	bool new_netns;		/* config.json lists a network namespace without a path */
	const char *cgroup_dir; /* NULL: the caller's cgroup */
	/*
	 * Or, when set, puts the VMM's pid in its cgroup from outside (systemd's transient scope)
	 * while the child waits, before it runs anything (cgroup_dir is then not joined).
	 */
	int (*place)(void *arg, pid_t pid, struct err *e);
	void *place_arg;
};

/* Encodes the CREATE message into b, knowing the VMM's pid (the container's pid). */
typedef int (*rt_create_encoder)(void *arg, pid_t vmm_pid, struct proto_buf *b, struct err *e);

/*
 * Starts incept-vmm for the container (setsid, cgroup, netns, stdio, --sync-fd 3, nothing
 * else open), sends the CREATE message `encode` makes after the fork (the state that
 * startContainer hooks read names the VMM's pid) on the sync socket and waits for the
 * reply, printing one progress line when it takes over a second. On success *pid is the
 * VMM's pid. On failure the VMM is killed and reaped and `e` has the reason (the agent's
 * message for an ERROR reply).
 */
int rt_launch_vmm(const struct rt_launch *l, rt_create_encoder encode, void *arg, pid_t *pid,
		  struct err *e);

/* SIGKILL + reap a child VMM (pid <= 0: nothing). */
void rt_vmm_kill_reap(pid_t pid);

/* The cgroup v2 directory for linux.cgroupsPath (NULL path: *dir = NULL), created. */
int rt_cgroup_prepare(const char *cgroups_path, char **dir, struct err *e);
void rt_cgroup_remove(const char *cgroups_path);
/* The same for a cgroup directory (absolute), as state.json records it. */
void rt_cgroup_remove_dir(const char *dir);
/* The cgroup v2 hierarchy's mount point (/sys/fs/cgroup, or .../unified on hybrid hosts). */
const char *rt_cgroup_root(void);

/* ---- runtime/cgroup_plan.c, runtime/cgroup.c: linux.resources on the VMM's cgroup ---- */

#define RT_CGROUP_FILE_MAX 64
/* What the VMM itself takes besides guest RAM (code, heap, FUSE and vsock buffers). */
#define RT_VMM_OVERHEAD (32ull << 20)
#define RT_CGW_OPTIONAL 0x1 /* a file the host lacks is no error */
#define RT_CGW_ALT_NEXT 0x2 /* when this file is missing, the next write is used instead */
#define RT_CGW_ALT	0x4 /* the alternative of the write before it */
#define RT_CGW_UNIFIED	0x8 /* from linux.resources.unified (runc's messages for those) */

struct rt_cgroup_write {
	unsigned flags;
	char file[RT_CGROUP_FILE_MAX];
	char value[512];
};

struct rt_cgroup_plan {
	struct rt_cgroup_write *v;
	size_t n, cap;
};

/* What is in force (update): the halves runc keeps when only one is given. 0: unknown. */
struct rt_cgroup_plan_ctx {
	int64_t memory_max; /* -1: max */
	int64_t cpu_quota;  /* -1: max */
	uint64_t cpu_period;
};

uint64_t rt_cpu_shares_to_weight(uint64_t shares);
uint64_t rt_blkio_to_io_weight(uint16_t weight);
int rt_memory_swap_v2(int64_t swap, int64_t memory, int64_t *out, struct err *e);
/* The writes for `r` (NULL: none), in runc's order; ctx may be NULL. */
int rt_cgroup_plan_build(const struct oci_resources *r, const struct rt_cgroup_plan_ctx *ctx,
			 struct rt_cgroup_plan *p, struct err *e);
void rt_cgroup_plan_free(struct rt_cgroup_plan *p);

/* docker/go-units RAMInBytes ("512m", "1g", "100 KiB") or "-1": update's memory flags. */
int rt_parse_ram(const char *s, int64_t *out);
/* runc's cgroup for a container without cgroupsPath: <parent of our own cgroup>/<id>. */
int rt_cgroup_default_path(const char *id, char **path, struct err *e);
/* The cgroup v2 path of pid (0: ours) from /proc/PID/cgroup's "0::" line; *out NULL if none. */
int rt_cgroup_v2_of(pid_t pid, char **out, struct err *e);
/* Enables the plan's controllers in every ancestor's cgroup.subtree_control (best effort). */
void rt_cgroup_enable(const char *dir, const struct rt_cgroup_plan *p);
/* Writes the plan into `dir`; stops at the first failure, with runc's messages. */
int rt_cgroup_apply(const char *dir, const struct rt_cgroup_plan *p, struct err *e);
/* The limits in force in `dir`, for update's partial changes (unreadable: left 0). */
void rt_cgroup_read_ctx(const char *dir, struct rt_cgroup_plan_ctx *ctx);

/* ---- runtime/agent.c: requests to the agent through vmm.sock ---- */

/* A stream to the agent's port (docs/vsock.md: CONNECT 1024 / OK <port>). */
int rt_agent_connect(const char *vmm_socket, struct err *e);

/*
 * Sends the message(s) in `req` on a new connection and reads one reply. An ERROR reply
 * becomes `e` (its errno and message); a reply of another type than `want` is an error.
 * *payload (free()) and *len get the reply's payload when they are not NULL.
 */
int rt_agent_request(const char *vmm_socket, struct proto_buf *req, uint16_t want,
		     uint8_t **payload, uint32_t *len, struct err *e);

/* Reads one reply on `fd` as rt_agent_request does. */
int rt_agent_reply(int fd, uint16_t want, uint8_t **payload, uint32_t *len, struct err *e);

/* ---- runtime/vmm_control.c: the VMM's own requests on vmm.sock ---- */

/* Sends `request` (PAUSE, RESUME) and waits for OK; an ERR reply becomes `e`. */
int rt_vmm_control(const char *vmm_socket, const char *request, struct err *e);

/* ---- runtime/console.c: ptys and the caller's terminal ---- */

/* A pty pair; the slave in raw mode with the given size (0 = leave). */
int rt_pty_open(int *master, int *slave, unsigned rows, unsigned cols, struct err *e);
/* Sends `fd` over the AF_UNIX socket at `path` in one sendmsg (SCM_RIGHTS), as runc does. */
int rt_console_send(const char *path, int fd, struct err *e);

struct rt_tty_saved {
	int fd;
	bool saved;
	unsigned char termios[64]; /* struct termios, opaque here */
};
/* Puts fd (a tty) into raw mode, remembering the old mode; not a tty: nothing happens. */
void rt_tty_raw(int fd, struct rt_tty_saved *s);
void rt_tty_restore(struct rt_tty_saved *s);

/* ---- runtime/hooks.c ---- */

/* Runs each hook with `state_json` on stdin; fails on the first that fails (runc's text). */
int rt_hooks_run(const struct oci_hook_list *l, const char *kind, const char *state_json,
		 struct err *e);

/* ---- runtime/lifecycle.c ---- */

struct rt_created {
	struct oci_container *c; /* locked */
	struct oci_config *cfg;
	pid_t pid;    /* the VMM, our child */
	bool started; /* created with START_NOW: already running, no START to send */
};

/*
 * create's work: checks, state directory, VMM, CREATE, state `created`, pid file, hooks.
 * `own_tty`: run in the foreground with terminal:true and no console socket (the VMM gets
 * the caller's stdio, a tty). On failure nothing is left behind.
 */
int rt_container_create(const struct rt_global *g, const struct rt_create_opts *o, bool detach,
			const char *id, struct rt_created *out, struct err *e);
/* start's work on a locked, created container: START, state `running`, poststart hooks. */
int rt_container_start(struct oci_container *c, struct err *e);
/* The same without START, for a container created with START_NOW. */
int rt_container_started(struct oci_container *c, struct err *e);
/* The container's state JSON (as hooks get it), malloc'd. */
char *rt_container_state_json(const struct oci_container *c, struct err *e);
/* The config.json copy in the state directory (NULL + e on failure). */
struct oci_config *rt_container_config(const struct oci_container *c, struct err *e);
/* After the VMM is gone: poststop hooks (warned about, as runc), cgroup, state directory. */
int rt_container_cleanup(struct oci_container *c, struct err *e);

#endif
