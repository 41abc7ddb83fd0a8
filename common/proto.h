/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The wire protocol between the runtime (incept), the VMM (incept-vmm) and the agent
 * (incept-agent): docs/protocol.md has the conversations; this header has the bytes.
 *
 * A message is an 8-byte header followed by `len` bytes of payload, little-endian:
 *
 *   u32 len      payload bytes, <= PROTO_MAX_PAYLOAD
 *   u16 type     enum proto_type
 *   u8  version  PROTO_VERSION; anything else is refused
 *   u8  flags    0 (reserved)
 *
 * Data messages (STDIN, STDOUT, STDERR) carry raw bytes as payload. Every other payload is a
 * list of fields, each
 *
 *   u16 tag      enum proto_tag
 *   u32 len      value bytes
 *   ...          the value: u32/u64 little-endian, a string WITH its terminating NUL (and
 *                no other NUL), raw bytes, or a nested field list (PROTO_T_MOUNT, _RLIMIT,
 *                _HOOK)
 *
 * Unknown tags are skipped (a newer peer may add fields); a known tag with the wrong length,
 * a string without its NUL or with an inner NUL, a count beyond the limits below, or a
 * truncated field fails the whole message. Everything from the guest is decoded with the
 * same checks (the agent is as untrusted as its kernel).
 *
 * Decoded strings point into the payload buffer (zero copy): keep the buffer alive while the
 * decoded struct is used. Arrays (args, env, mounts, ...) are calloc'd by the decoder and
 * freed by proto_*_free().
 */
#ifndef INCEPT_PROTO_H
#define INCEPT_PROTO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "error.h"

#define PROTO_VERSION	  1
#define PROTO_HDR_SIZE	  8
#define PROTO_MAX_PAYLOAD (1u << 20)  /* a CREATE with a large env fits; data is sent in pieces */
#define PROTO_DATA_CHUNK  (64u << 10) /* STDIN/STDOUT/STDERR payloads are at most this */

/* The agent's vsock port: every conversation with the agent starts with a connection here. */
#define PROTO_AGENT_PORT 1024u

/* Limits on decoded lists (far above what Docker/containerd/Kubernetes send). */
#define PROTO_MAX_ARGS	       65536
#define PROTO_MAX_ENV	       65536
#define PROTO_MAX_GIDS	       65536
#define PROTO_MAX_RLIMITS      64
#define PROTO_MAX_MOUNTS       4096
#define PROTO_MAX_PATHS	       4096 /* masked + readonly paths, each */
#define PROTO_MAX_SYSCTL       1024
#define PROTO_CAP_SETS	       5
#define PROTO_MAX_HOOKS	       1024	   /* startContainer hooks (oci/config.h: OCI_MAX_HOOKS) */
#define PROTO_MAX_HOOK_PATH    4096	   /* bytes with the NUL (PATH_MAX) */
#define PROTO_MAX_HOOK_TIMEOUT 0x7fffffffu /* seconds (runtime-spec: an int > 0) */
#define PROTO_MAX_ID_MAPPINGS  340	   /* uid_map/gid_map lines (UID_GID_MAP_MAX_EXTENTS) */
#define PROTO_ID_MAPPING_SIZE  12u	   /* u32 container id, u32 host id, u32 size */

/*
 * A seccomp program: struct sock_filter is 8 bytes (u16 code, u8 jt, u8 jf, u32 k) and the
 * kernel takes at most BPF_MAXINSNS (4096) of them (linux/filter.h, linux/bpf_common.h;
 * repeated here because the static agent is built without kernel headers).
 */
#define PROTO_SECCOMP_INSN_SIZE 8u
#define PROTO_SECCOMP_MAX_INSNS 4096u
/* SECCOMP_FILTER_FLAG_LOG (2) | SPEC_ALLOW (4) | WAIT_KILLABLE_RECV (32): what may be asked */
#define PROTO_SECCOMP_FLAGS 0x26u

enum proto_type {
	/* runtime/VMM/relay -> agent */
	PROTO_CREATE = 1, /* struct proto_container; reply PID or ERROR; opens the init stream */
	PROTO_START = 2,  /* no fields; reply OK or ERROR */
	PROTO_EXEC = 3,	  /* struct proto_process; reply PID or ERROR; opens an exec stream */
	PROTO_SIGNAL = 4, /* struct proto_signal; reply OK or ERROR (on a stream: no reply) */
	PROTO_RESIZE = 5, /* struct proto_resize, on a stream; no reply */
	PROTO_STDIN = 6,  /* raw bytes, on a stream */
	PROTO_STDIN_CLOSE = 7, /* no fields, on a stream: the process's stdin reaches EOF */
	PROTO_PS = 8,	       /* no fields; reply PIDS */
	PROTO_SHUTDOWN = 9,    /* no fields; the agent kills everything and powers off */
	PROTO_STATS = 10,      /* no fields; reply STATS_REPLY */
	/* agent -> host */
	PROTO_OK = 32,
	PROTO_ERROR = 33,	/* struct proto_error */
	PROTO_PID = 34,		/* PROTO_T_PID: the guest pid of a created/exec'd process */
	PROTO_STDOUT = 35,	/* raw bytes, on a stream */
	PROTO_STDERR = 36,	/* raw bytes, on a stream */
	PROTO_EXIT = 37,	/* struct proto_exit: the stream's last message, after all output */
	PROTO_PIDS = 38,	/* PROTO_T_HOST_PID, one per live exec'd process, for ps */
	PROTO_STATS_REPLY = 39, /* struct proto_stats, for events */
};

enum proto_tag {
	/* struct proto_process */
	PROTO_T_ARG = 1,	   /* string, repeated, in order */
	PROTO_T_ENV = 2,	   /* string NAME=VALUE, repeated */
	PROTO_T_CWD = 3,	   /* string, absolute */
	PROTO_T_UID = 4,	   /* u32 */
	PROTO_T_GID = 5,	   /* u32 */
	PROTO_T_GIDS = 6,	   /* n * u32: additional gids */
	PROTO_T_UMASK = 7,	   /* u32, 0..0777 */
	PROTO_T_TERMINAL = 8,	   /* u32 0/1 */
	PROTO_T_ROWS = 9,	   /* u32 */
	PROTO_T_COLS = 10,	   /* u32 */
	PROTO_T_NO_NEW_PRIVS = 11, /* u32 0/1 */
	PROTO_T_CAPS = 12,   /* 5 * u64: bounding, effective, inheritable, permitted, ambient */
	PROTO_T_RLIMIT = 13, /* nested: RLIMIT_RESOURCE, RLIMIT_SOFT, RLIMIT_HARD; repeated */
	PROTO_T_OOM_SCORE_ADJ = 14, /* u32 holding an int32, -1000..1000 */
	PROTO_T_HOST_PID = 15,	    /* u32: the host pid standing for the process (relay), for ps */
	PROTO_T_STDIN = 16, /* u32 0/1: the host sends stdin (else the process gets /dev/null) */
	/* raw bytes: a classic BPF seccomp program (struct sock_filter[], the guest's byte
	 * order), 1..PROTO_SECCOMP_MAX_INSNS instructions; absent = no filter */
	PROTO_T_SECCOMP_BPF = 17,
	PROTO_T_SECCOMP_FLAGS = 18, /* u32: SECCOMP_FILTER_FLAG_* within PROTO_SECCOMP_FLAGS */

	/* struct proto_container */
	PROTO_T_ID = 32,	 /* string */
	PROTO_T_ROOTFS = 33,	 /* string: the share name of the rootfs */
	PROTO_T_ROOTFS_RO = 34,	 /* u32 0/1 */
	PROTO_T_HOSTNAME = 35,	 /* string */
	PROTO_T_DOMAINNAME = 36, /* string */
	PROTO_T_NAMESPACES = 37, /* u32: CLONE_NEW* the agent creates for the container */
	PROTO_T_MOUNT = 38,	 /* nested: PROTO_T_M_*; repeated, in config order */
	PROTO_T_MASKED = 39,	 /* string path, repeated */
	PROTO_T_READONLY = 40,	 /* string path, repeated */
	PROTO_T_SYSCTL = 41,	 /* string key=value, repeated */
	PROTO_T_PROCESS = 42,	 /* nested: the init process, struct proto_process fields */
	PROTO_T_START_NOW = 43,	 /* u32 0/1: start at once, no START (run without hooks) */
	/* nested: PROTO_T_H_*; repeated, in config order: the startContainer hooks */
	PROTO_T_HOOK = 44,
	/* string: the state JSON a hook reads on stdin (runtime-spec runtime.md "State");
	 * required with hooks */
	PROTO_T_STATE_JSON = 45,
	/* raw bytes: n * (u32 container id, u32 host id, u32 size), 1..PROTO_MAX_ID_MAPPINGS,
	 * size >= 1, id + size <= 2^32 - 1 (the kernel's rule): the new user namespace's uid_map
	 * and gid_map,
	 * both or neither (the agent wants them exactly with CLONE_NEWUSER in NAMESPACES) */
	PROTO_T_UID_MAP = 46,
	PROTO_T_GID_MAP = 47,
	/* u32: linux.personality's domain, PER_LINUX or PER_LINUX32, set by the init before it
	 * becomes the container's user (runc's order); absent: the agent's own */
	PROTO_T_PERSONALITY = 48,

	/* inside PROTO_T_MOUNT */
	PROTO_T_M_DEST = 64,	    /* string, absolute */
	PROTO_T_M_TYPE = 65,	    /* string ("bind" for binds) */
	PROTO_T_M_SOURCE = 66,	    /* string: for binds a share name, else the mount source */
	PROTO_T_M_DATA = 67,	    /* string: filesystem options */
	PROTO_T_M_FLAGS = 68,	    /* u64: MS_* */
	PROTO_T_M_PROPAGATION = 69, /* u64: MS_PRIVATE/MS_SLAVE/MS_SHARED/MS_UNBINDABLE [|MS_REC] */

	/* inside PROTO_T_RLIMIT */
	PROTO_T_RLIMIT_RESOURCE = 80, /* u32: RLIMIT_* */
	PROTO_T_RLIMIT_SOFT = 81,     /* u64 */
	PROTO_T_RLIMIT_HARD = 82,     /* u64 */

	/* inside PROTO_T_HOOK */
	PROTO_T_H_PATH = 88,	/* string, absolute, < PROTO_MAX_HOOK_PATH; required */
	PROTO_T_H_ARG = 89,	/* string, repeated, in order (none: argv = {path}) */
	PROTO_T_H_ENV = 90,	/* string NAME=VALUE, repeated (none: the process's env) */
	PROTO_T_H_TIMEOUT = 91, /* u32 seconds, 1..PROTO_MAX_HOOK_TIMEOUT; absent: none */

	/* signal / resize / exit / error / pid */
	PROTO_T_PID = 96,      /* u32: guest pid; 0 = the container's init */
	PROTO_T_SIGNO = 97,    /* u32: 1..64 */
	PROTO_T_ALL = 98,      /* u32 0/1: every process of the container */
	PROTO_T_CODE = 99,     /* u32: exit code 0..255 */
	PROTO_T_SIGNAL = 100,  /* u32: killed by this signal (0 = exited) */
	PROTO_T_ERRNO = 101,   /* u32 */
	PROTO_T_MESSAGE = 102, /* string */
	/* optional in EXIT, for benchmarks: what the container cost inside the guest */
	PROTO_T_GUEST_NS = 103,	    /* u64: agent got the request -> agent sends EXIT */
	PROTO_T_AGENT_MINFLT = 104, /* u32: the agent's own page faults in that time */

	/* STATS_REPLY: all required */
	PROTO_T_CPU_TOTAL_NS = 112, /* u64: CPU time of the container's processes, >= user+kernel */
	PROTO_T_CPU_USER_NS = 113,  /* u64 */
	PROTO_T_CPU_KERNEL_NS = 114, /* u64 */
	PROTO_T_MEM_USAGE = 115,     /* u64 bytes: the guest's MemTotal - MemAvailable, <= limit */
	PROTO_T_MEM_LIMIT = 116,     /* u64 bytes: the guest's MemTotal */
	PROTO_T_PIDS_CURRENT = 117,  /* u32: tasks (threads) of the container */
	PROTO_T_UPTIME_NS = 118,     /* u64: the guest's CLOCK_BOOTTIME-like uptime */
};

struct proto_hdr {
	uint32_t len;
	uint16_t type;
	uint8_t version;
	uint8_t flags;
};

struct proto_rlimit {
	uint32_t resource;
	uint64_t soft, hard;
};

struct proto_process {
	const char **args; /* NULL-terminated when nr_args > 0 (ready for execve) */
	uint32_t nr_args;
	const char **env; /* NULL-terminated */
	uint32_t nr_env;
	const char *cwd; /* "/" when absent */
	uint32_t uid, gid;
	uint32_t *gids;
	uint32_t nr_gids;
	bool has_umask;
	uint32_t umask;
	bool terminal;
	uint32_t rows, cols; /* 0 = unknown */
	bool no_new_privs;
	bool has_caps;
	uint64_t caps[PROTO_CAP_SETS];
	struct proto_rlimit *rlimits;
	uint32_t nr_rlimits;
	bool has_oom_score_adj;
	int32_t oom_score_adj;
	uint32_t host_pid;
	bool open_stdin; /* the host will send STDIN frames (else the process gets /dev/null) */
	const uint8_t *seccomp_bpf; /* NULL: no filter; else seccomp_len bytes of sock_filter */
	uint32_t seccomp_len;
	uint32_t seccomp_flags; /* SECCOMP_FILTER_FLAG_*, within PROTO_SECCOMP_FLAGS */
};

struct proto_mount {
	const char *dest;
	const char *type;   /* NULL: none given */
	const char *source; /* NULL: none given */
	const char *data;   /* NULL: none */
	uint64_t flags;
	uint64_t propagation;
};

/* One line of a uid_map or gid_map (user_namespaces(7)). */
struct proto_id_mapping {
	uint32_t container_id, host_id, size;
};

/* A startContainer hook (runtime-spec config.md "POSIX-platform Hooks"). */
struct proto_hook {
	const char *path;
	const char **args; /* NULL-terminated when nr_args > 0 */
	uint32_t nr_args;
	const char **env; /* NULL-terminated when nr_env > 0 */
	uint32_t nr_env;
	uint32_t timeout; /* seconds; 0: none */
};

struct proto_container {
	const char *id;
	const char *rootfs; /* share name */
	bool rootfs_ro;
	const char *hostname, *domainname; /* NULL: not set */
	uint32_t namespaces;		   /* CLONE_NEW* */
	struct proto_mount *mounts;
	uint32_t nr_mounts;
	const char **masked;
	uint32_t nr_masked;
	const char **readonly;
	uint32_t nr_readonly;
	const char **sysctl; /* "key=value" */
	uint32_t nr_sysctl;
	bool start_now; /* the reply comes after execve: PID = running (docs/protocol.md) */
	struct proto_hook *hooks; /* startContainer hooks, run by the init before execve */
	uint32_t nr_hooks;
	const char *state_json; /* their stdin; NULL when there are no hooks */
	/* CLONE_NEWUSER: the new user namespace's mappings (both non-empty), else none */
	struct proto_id_mapping *uid_map, *gid_map;
	uint32_t nr_uid_map, nr_gid_map;
	bool has_personality;
	uint32_t personality; /* PER_LINUX or PER_LINUX32 */
	struct proto_process process;
};

struct proto_signal {
	uint32_t pid; /* 0 = init */
	uint32_t signo;
	bool all;
};

struct proto_exit {
	uint32_t code;	       /* exit code when signal == 0 */
	uint32_t signal;       /* killed by */
	uint64_t guest_ns;     /* 0: not measured */
	uint32_t agent_minflt; /* 0: not measured */
};

/* What the guest knows of its container's usage (docs/protocol.md "stats"). */
struct proto_stats {
	uint64_t cpu_total_ns, cpu_user_ns, cpu_kernel_ns;
	uint64_t mem_usage, mem_limit; /* bytes */
	uint32_t pids;
	uint64_t uptime_ns;
};

/* The status a host process reports for it: the code, or 128 + signal (as a shell does). */
static inline int proto_exit_status(const struct proto_exit *x)
{
	return x->signal ? 128 + (int)x->signal : (int)x->code;
}

/* ---- encoding: a growable buffer holding one or more whole messages ---- */

struct proto_buf {
	uint8_t *data;
	size_t len, cap;
	size_t msg_start; /* offset of the message being built */
	size_t nest[4];	  /* offsets of open nested fields */
	unsigned depth;
	bool failed; /* out of memory or too large: proto_end() fails */
};

void proto_buf_init(struct proto_buf *b);
void proto_buf_free(struct proto_buf *b);
void proto_begin(struct proto_buf *b, enum proto_type type);
void proto_put_u32(struct proto_buf *b, enum proto_tag tag, uint32_t v);
void proto_put_u64(struct proto_buf *b, enum proto_tag tag, uint64_t v);
void proto_put_str(struct proto_buf *b, enum proto_tag tag, const char *s);
void proto_put_bytes(struct proto_buf *b, enum proto_tag tag, const void *p, size_t len);
void proto_nest_begin(struct proto_buf *b, enum proto_tag tag);
void proto_nest_end(struct proto_buf *b);
/* Appends raw payload bytes (data messages). */
void proto_put_raw(struct proto_buf *b, const void *p, size_t len);
/* Closes the message (fills its length). -1 if anything failed (ENOMEM, E2BIG). */
int proto_end(struct proto_buf *b, struct err *e);

/* Whole messages, encoded into b (appended). */
int proto_encode_container(struct proto_buf *b, const struct proto_container *c, struct err *e);
int proto_encode_process(struct proto_buf *b, enum proto_type type, const struct proto_process *p,
			 struct err *e);
int proto_encode_empty(struct proto_buf *b, enum proto_type type, struct err *e);
int proto_encode_signal(struct proto_buf *b, const struct proto_signal *s, struct err *e);
int proto_encode_resize(struct proto_buf *b, uint32_t rows, uint32_t cols, struct err *e);
int proto_encode_exit(struct proto_buf *b, const struct proto_exit *x, struct err *e);
int proto_encode_error(struct proto_buf *b, int errnum, const char *msg, struct err *e);
int proto_encode_pid(struct proto_buf *b, uint32_t pid, struct err *e);
int proto_encode_stats(struct proto_buf *b, const struct proto_stats *st, struct err *e);
int proto_encode_data(struct proto_buf *b, enum proto_type type, const void *p, size_t len,
		      struct err *e);

/* ---- decoding ---- */

/* Checks version, flags, length and that the type is known. */
int proto_hdr_parse(const uint8_t raw[PROTO_HDR_SIZE], struct proto_hdr *h, struct err *e);
void proto_hdr_encode(const struct proto_hdr *h, uint8_t raw[PROTO_HDR_SIZE]);
const char *proto_type_name(uint16_t type);

/* Field iteration over a payload (or a nested value). */
struct proto_reader {
	const uint8_t *p;
	size_t left;
};
/* 1: a field was read; 0: end of the list; -1: malformed (e set). */
int proto_next(struct proto_reader *r, uint16_t *tag, const uint8_t **val, uint32_t *len,
	       struct err *e);

int proto_decode_container(const uint8_t *payload, size_t len, struct proto_container *c,
			   struct err *e);
void proto_container_free(struct proto_container *c);
int proto_decode_process(const uint8_t *payload, size_t len, struct proto_process *p,
			 struct err *e);
void proto_process_free(struct proto_process *p);
int proto_decode_signal(const uint8_t *payload, size_t len, struct proto_signal *s, struct err *e);
int proto_decode_resize(const uint8_t *payload, size_t len, uint32_t *rows, uint32_t *cols,
			struct err *e);
int proto_decode_exit(const uint8_t *payload, size_t len, struct proto_exit *x, struct err *e);
/* msg points into the payload; "" when absent. */
int proto_decode_error(const uint8_t *payload, size_t len, int *errnum, const char **msg,
		       struct err *e);
int proto_decode_pid(const uint8_t *payload, size_t len, uint32_t *pid, struct err *e);
/* PIDS: *pids calloc'd (free()), *n entries. */
int proto_decode_pids(const uint8_t *payload, size_t len, uint32_t **pids, uint32_t *n,
		      struct err *e);

int proto_decode_stats(const uint8_t *payload, size_t len, struct proto_stats *st, struct err *e);

/* ---- blocking I/O on a stream socket or pipe (EINTR retried) ---- */

/*
 * Reads one whole message: header into *h, payload into *payload (malloc'd, NUL-terminated
 * one byte past len for convenience; free() it). Returns 1, 0 on a clean EOF before any
 * byte, -1 on errors or EOF inside a message.
 */
int proto_read_msg(int fd, struct proto_hdr *h, uint8_t **payload, struct err *e);
/* Writes all of b (every message in it) and empties it. */
int proto_write_buf(int fd, struct proto_buf *b, struct err *e);

#endif
