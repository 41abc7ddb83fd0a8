/* SPDX-License-Identifier: Apache-2.0 */
/*
 * OCI runtime-spec 1.1 config.json (and exec's process.json) -> C structs.
 *
 * Parsed with json-c; after parsing, every struct owns plain malloc'd C
 * strings and arrays (no json-c objects survive). Everything is public so
 * the runtime can read and adjust it; oci_config_free() / oci_process_free()
 * free whatever is reachable, so a caller that replaces a field must put a
 * malloc'd value there.
 *
 * Conventions:
 *  - A string that is absent (or JSON null, as Go's encoding/json treats it)
 *    is NULL; an empty JSON string is "".
 *  - Optional scalars come with a has_<name> flag.
 *  - Arrays are a pointer plus n_<name>; string arrays are struct oci_strv,
 *    whose v[] is NULL-terminated (ready for execve) when n > 0.
 *  - Unknown fields are ignored, as runc does.
 *
 * Errors name the JSON path, runc style:
 *   config.json: mounts[2].destination: must be a string
 *   process.json: args: must be a non-empty array of strings
 *
 * What is accepted beyond the spec's types (all enforced at parse time):
 *  - strings must be valid UTF-8 and contain no NUL byte;
 *  - integers must be JSON integers (1.0 and 1e3 are rejected, as Go rejects
 *    them for integer fields) within the C type's range; uint fields reject
 *    negative values. json-c saturates integers beyond 64 bits to
 *    INT64_MIN / UINT64_MAX, so those two values also stand for "larger";
 *  - process.user.umask: 0..0777 (OCI says uint32; the kernel only keeps the
 *    permission bits, so anything larger is a mistake, not a wish);
 *  - process.consoleSize height/width: 0..65535 (struct winsize);
 *  - process.oomScoreAdj: -1000..1000 (the kernel's range);
 *  - hook timeouts: 1..INT32_MAX seconds;
 *  - mounts[].destination may be relative (runtime-spec 1.1 deprecates it,
 *    runc warns and treats it as relative to "/"): it is made absolute here
 *    and relative_destination is set so the caller can warn as runc does.
 */
#ifndef INCEPT_OCI_CONFIG_H
#define INCEPT_OCI_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "error.h"

/* Largest config.json / process.json read or parsed. */
#define OCI_CONFIG_MAX_SIZE (16u << 20)
/* json-c nesting limit; the deepest real path (seccomp syscall args) is 6. */
#define OCI_JSON_MAX_DEPTH 64

/*
 * Array size caps. Beyond these the file is rejected with
 * "<path>: too many entries (max N)". Each is far above what Docker,
 * containerd or Kubernetes generate, and bounds memory use on hostile input.
 */
#define OCI_MAX_ARGS		  65536 /* process.args, hooks[].args */
#define OCI_MAX_ENV		  65536 /* process.env, hooks[].env */
#define OCI_MAX_ADDITIONAL_GIDS	  65536 /* kernel NGROUPS_MAX */
#define OCI_MAX_CAPS		  64	/* per capability set; Linux has 41 */
#define OCI_MAX_RLIMITS		  64	/* Linux has 16 */
#define OCI_MAX_MOUNTS		  4096
#define OCI_MAX_MOUNT_OPTIONS	  256  /* per mount */
#define OCI_MAX_HOOKS		  1024 /* per hook kind */
#define OCI_MAX_ANNOTATIONS	  4096
#define OCI_MAX_NAMESPACES	  16   /* 8 types exist; duplicates are rejected */
#define OCI_MAX_ID_MAPPINGS	  340  /* kernel limit on uid_map/gid_map lines */
#define OCI_MAX_DEVICES		  4096 /* linux.devices */
#define OCI_MAX_DEVICE_RULES	  4096 /* linux.resources.devices */
#define OCI_MAX_BLKIO_DEVICES	  1024 /* per blockIO device list */
#define OCI_MAX_HUGEPAGE_LIMITS	  64
#define OCI_MAX_UNIFIED		  1024 /* linux.resources.unified */
#define OCI_MAX_SYSCTL		  1024
#define OCI_MAX_PATHS		  4096 /* maskedPaths, readonlyPaths */
#define OCI_MAX_SECCOMP_RULES	  4096 /* seccomp.syscalls */
#define OCI_MAX_SECCOMP_NAMES	  4096 /* names per syscall rule */
#define OCI_MAX_SECCOMP_ARGS	  64   /* conditions per syscall rule */
#define OCI_MAX_SECCOMP_ARCHES	  32
#define OCI_MAX_SECCOMP_FLAGS	  16
#define OCI_MAX_PERSONALITY_FLAGS 16

/* A string array; v[n] == NULL when n > 0, v == NULL when n == 0. */
struct oci_strv {
	char **v;
	size_t n;
};

/* One key/value pair of a JSON string map (annotations, sysctl, unified). */
struct oci_kv {
	char *key;
	char *value;
};

struct oci_root {
	char *path; /* required, non-empty; relative to the bundle unless absolute */
	bool readonly;
};

struct oci_user {
	uint32_t uid;
	uint32_t gid;
	bool has_umask;
	uint32_t umask; /* 0..0777 */
	uint32_t *additional_gids;
	size_t n_additional_gids;
};

struct oci_capabilities {
	struct oci_strv bounding;
	struct oci_strv effective;
	struct oci_strv inheritable;
	struct oci_strv permitted;
	struct oci_strv ambient;
};

struct oci_rlimit {
	char *type;   /* "RLIMIT_NOFILE" */
	int resource; /* RLIMIT_NOFILE, decoded */
	uint64_t hard;
	uint64_t soft; /* <= hard */
};

struct oci_process {
	bool terminal;
	bool has_console_size;
	uint32_t console_height;
	uint32_t console_width;
	struct oci_user user;
	struct oci_strv args;		       /* non-empty when parsed from process.json */
	struct oci_strv env;		       /* every entry NAME=VALUE with a non-empty NAME */
	char *cwd;			       /* absolute when parsed from process.json */
	struct oci_capabilities *capabilities; /* NULL when absent */
	struct oci_rlimit *rlimits;
	size_t n_rlimits;
	bool no_new_privileges;
	char *apparmor_profile;
	bool has_oom_score_adj;
	int oom_score_adj;
	char *selinux_label;
};

/*
 * A mount with its options pre-decoded the way runc's specconv does:
 * flags/clear_flags from the MS_* options, propagation from
 * [r]private/[r]shared/[r]slave/[r]unbindable, mount_setattr(2) attributes
 * from the recursive r* options, and every other option joined into data.
 */
struct oci_mount {
	char *destination; /* absolute (see relative_destination) */
	char *type;	   /* NULL when absent */
	char *source;	   /* NULL when absent */
	struct oci_strv options;
	unsigned long flags;	   /* MS_* to set (MS_BIND, MS_BIND|MS_REC, MS_RDONLY, ...) */
	unsigned long clear_flags; /* MS_* an option cleared explicitly (rw, suid, dev, ...) */
	unsigned long propagation; /* last propagation option (MS_PRIVATE|MS_REC, ...), 0 = none */
	uint64_t attr_set;	   /* MOUNT_ATTR_* from rro, rnosuid, ... */
	uint64_t attr_clr;	   /* MOUNT_ATTR_* from rrw, rsuid, ... */
	bool tmpcopyup;		   /* runc's extension: copy the image's content into a tmpfs */
	char *data;		   /* filesystem options ("mode=755,size=65536k"); "" if none */
	bool relative_destination; /* destination was relative in config.json */
};

struct oci_hook {
	char *path; /* absolute */
	struct oci_strv args;
	struct oci_strv env;
	bool has_timeout;
	int timeout; /* seconds, > 0 */
};

struct oci_hook_list {
	struct oci_hook *v;
	size_t n;
};

struct oci_hooks {
	struct oci_hook_list prestart; /* deprecated by the spec, still sent by Docker */
	struct oci_hook_list create_runtime;
	struct oci_hook_list create_container;
	struct oci_hook_list start_container;
	struct oci_hook_list poststart;
	struct oci_hook_list poststop;
};

enum oci_ns_type {
	OCI_NS_PID,
	OCI_NS_NETWORK,
	OCI_NS_MOUNT,
	OCI_NS_IPC,
	OCI_NS_UTS,
	OCI_NS_USER,
	OCI_NS_CGROUP,
	OCI_NS_TIME,
	OCI_NS_COUNT
};

struct oci_namespace {
	enum oci_ns_type type;
	char *path; /* NULL = create a new one; else absolute path of one to join */
};

struct oci_id_mapping {
	uint32_t container_id;
	uint32_t host_id;
	uint32_t size;
};

struct oci_device {
	char type;     /* 'c', 'b', 'u' (unbuffered char) or 'p' (FIFO) */
	char *path;    /* absolute */
	int64_t major; /* 0 for 'p' when absent */
	int64_t minor;
	bool has_file_mode;
	uint32_t file_mode; /* permission bits only: S_IFMT is stripped, as runc does */
	bool has_uid;
	uint32_t uid;
	bool has_gid;
	uint32_t gid;
};

/* linux.resources.devices: one cgroup device allow/deny rule. */
struct oci_device_rule {
	bool allow;
	char type;	/* 'a' (all, also when absent), 'b' or 'c' */
	int64_t major;	/* -1 = any (absent) */
	int64_t minor;	/* -1 = any (absent) */
	char access[4]; /* non-empty subset of "rwm" */
};

struct oci_memory {
	bool has_limit;
	int64_t limit;
	bool has_reservation;
	int64_t reservation;
	bool has_swap;
	int64_t swap;
	bool has_kernel;
	int64_t kernel;
	bool has_kernel_tcp;
	int64_t kernel_tcp;
	bool has_swappiness;
	uint64_t swappiness; /* 0..100, as runc's validator requires */
	bool has_disable_oom_killer;
	bool disable_oom_killer;
	bool has_use_hierarchy;
	bool use_hierarchy;
};

struct oci_cpu {
	bool has_shares;
	uint64_t shares;
	bool has_quota;
	int64_t quota;
	bool has_burst;
	uint64_t burst;
	bool has_period;
	uint64_t period;
	bool has_realtime_runtime;
	int64_t realtime_runtime;
	bool has_realtime_period;
	uint64_t realtime_period;
	char *cpus; /* cpuset list, NULL when absent */
	char *mems;
	bool has_idle;
	int64_t idle;
};

struct oci_weight_device {
	int64_t major;
	int64_t minor;
	bool has_weight;
	uint16_t weight;
	bool has_leaf_weight;
	uint16_t leaf_weight;
};

struct oci_throttle_device {
	int64_t major;
	int64_t minor;
	uint64_t rate;
};

struct oci_throttle_list {
	struct oci_throttle_device *v;
	size_t n;
};

struct oci_blkio {
	bool has_weight;
	uint16_t weight;
	bool has_leaf_weight;
	uint16_t leaf_weight;
	struct oci_weight_device *weight_device;
	size_t n_weight_device;
	struct oci_throttle_list throttle_read_bps;
	struct oci_throttle_list throttle_write_bps;
	struct oci_throttle_list throttle_read_iops;
	struct oci_throttle_list throttle_write_iops;
};

struct oci_hugepage_limit {
	char *page_size; /* "2MB" */
	uint64_t limit;
};

struct oci_resources {
	struct oci_device_rule *devices;
	size_t n_devices;
	bool has_memory;
	struct oci_memory memory;
	bool has_cpu;
	struct oci_cpu cpu;
	bool has_pids;
	int64_t pids_limit; /* <= 0 means unlimited, as runc treats it */
	bool has_blkio;
	struct oci_blkio blkio;
	struct oci_hugepage_limit *hugepage_limits;
	size_t n_hugepage_limits;
	struct oci_kv *unified; /* cgroup v2 files, e.g. "memory.high" */
	size_t n_unified;
};

enum oci_seccomp_action {
	OCI_SECCOMP_ACT_KILL, /* SCMP_ACT_KILL (= kill thread) */
	OCI_SECCOMP_ACT_KILL_PROCESS,
	OCI_SECCOMP_ACT_KILL_THREAD,
	OCI_SECCOMP_ACT_TRAP,
	OCI_SECCOMP_ACT_ERRNO,
	OCI_SECCOMP_ACT_TRACE,
	OCI_SECCOMP_ACT_ALLOW,
	OCI_SECCOMP_ACT_LOG,
	OCI_SECCOMP_ACT_NOTIFY,
};

enum oci_seccomp_op {
	OCI_SECCOMP_OP_NE,
	OCI_SECCOMP_OP_LT,
	OCI_SECCOMP_OP_LE,
	OCI_SECCOMP_OP_EQ,
	OCI_SECCOMP_OP_GE,
	OCI_SECCOMP_OP_GT,
	OCI_SECCOMP_OP_MASKED_EQ,
};

struct oci_seccomp_arg {
	uint32_t index; /* 0..5 */
	uint64_t value;
	uint64_t value_two;
	enum oci_seccomp_op op;
};

struct oci_seccomp_rule {
	struct oci_strv names;
	enum oci_seccomp_action action;
	bool has_errno_ret;
	uint32_t errno_ret;
	struct oci_seccomp_arg *args;
	size_t n_args;
};

struct oci_seccomp {
	enum oci_seccomp_action default_action;
	bool has_default_errno_ret;
	uint32_t default_errno_ret;
	struct oci_strv architectures; /* "SCMP_ARCH_X86_64", ... (validated) */
	bool has_flags;		       /* runc: absent flags != empty flags */
	struct oci_strv flags;	       /* "SECCOMP_FILTER_FLAG_TSYNC", ... (validated) */
	char *listener_path;
	char *listener_metadata;
	struct oci_seccomp_rule *syscalls;
	size_t n_syscalls;
};

struct oci_personality {
	unsigned long domain;  /* PER_LINUX or PER_LINUX32 */
	struct oci_strv flags; /* kept, ignored as runc ignores them */
};

struct oci_linux {
	struct oci_namespace *namespaces;
	size_t n_namespaces;
	struct oci_id_mapping *uid_mappings;
	size_t n_uid_mappings;
	struct oci_id_mapping *gid_mappings;
	size_t n_gid_mappings;
	struct oci_device *devices;
	size_t n_devices;
	char *cgroups_path;
	struct oci_resources *resources; /* NULL when absent */
	struct oci_kv *sysctl;
	size_t n_sysctl;
	struct oci_seccomp *seccomp; /* NULL when absent or disabled (no action, no rules) */
	struct oci_strv masked_paths;
	struct oci_strv readonly_paths;
	char *rootfs_propagation;
	unsigned long rootfs_propagation_flags; /* MS_* decoded, 0 when absent */
	char *mount_label;
	struct oci_personality *personality; /* NULL when absent */
};

struct oci_config {
	char *oci_version; /* "1.x..." */
	struct oci_root root;
	struct oci_process *process; /* NULL when absent */
	char *hostname;
	char *domainname;
	struct oci_mount *mounts;
	size_t n_mounts;
	struct oci_hooks hooks;
	struct oci_kv *annotations;
	size_t n_annotations;
	bool has_linux;
	/* "linux" itself is a predefined macro in GNU C, hence the suffix. */
	struct oci_linux linux_cfg;
};

int oci_config_parse(const char *json, size_t len, struct oci_config **out, struct err *e);
/*
 * A LinuxResources object on its own (`update --resources`), validated as config.json's
 * linux.resources is; `name` prefixes the messages. Free with oci_resources_free.
 */
int oci_resources_parse_text(const char *name, const char *json, size_t len,
			     struct oci_resources **out, struct err *e);
void oci_resources_free(struct oci_resources *r);
/* Reads and parses <bundle_dir>/config.json (at most OCI_CONFIG_MAX_SIZE bytes). */
/* Every mounts[].options flag the parser knows (not "tmpcopyup"), sorted: at most max. */
size_t oci_mount_option_names(const char **out, size_t max);

int oci_config_load(const char *bundle_dir, struct oci_config **out, struct err *e);
void oci_config_free(struct oci_config *c);

/*
 * What create/run need beyond a well-formed file: a process with non-empty
 * args and an absolute cwd, user namespace mappings consistent with the
 * namespaces, a UTS namespace when a hostname is set (runc's checks).
 */
int oci_config_validate_for_create(const struct oci_config *c, struct err *e);

/* exec --process: errors read "process.json: <path relative to the process>: ...". */
int oci_process_parse(const char *json, size_t len, struct oci_process **out, struct err *e);
int oci_process_load(const char *path, struct oci_process **out, struct err *e);
void oci_process_free(struct oci_process *p);

/* Lookups. NULL when absent. */
const char *oci_config_annotation(const struct oci_config *c, const char *key);
const struct oci_namespace *oci_config_namespace(const struct oci_config *c, enum oci_ns_type t);

/* Names as config.json spells them ("pid", "SCMP_ACT_ERRNO", "SCMP_CMP_EQ"). */
const char *oci_ns_type_name(enum oci_ns_type t);
const char *oci_seccomp_action_name(enum oci_seccomp_action a);
const char *oci_seccomp_op_name(enum oci_seccomp_op op);

#endif
