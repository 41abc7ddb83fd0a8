/* SPDX-License-Identifier: Apache-2.0 */
/*
 * What a container process's child does between fork and execve, for init (CREATE) and
 * exec'd processes (EXEC) alike: rlimits, oom_score_adj, capabilities, user, umask, cwd,
 * no_new_privs and the executable's lookup through the process's own PATH, with runc's
 * error texts. Failures travel to the agent as one record on a CLOEXEC status pipe (a
 * SOCK_SEQPACKET socket when the child passes a pty master to the agent).
 */
#ifndef AGENT_PROCESS_H
#define AGENT_PROCESS_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include "error.h"
#include "proto.h"

/* One record on the status pipe, written with one write() (< PIPE_BUF: atomic). */
struct agent_status_rec {
	/* 0: ready (init waits for START) or, EXEC, the pty master; else the setup failed */
	int32_t errnum;
	char msg[ERR_MSG_MAX];
};

/* The value of NAME in a NULL-terminated NAME=VALUE list (NULL: not there). */
const char *agent_env_get(const char *const *env, const char *name);

/*
 * exec.LookPath as runc's init calls it: a name with a '/' is used as it is, else each
 * element of `path` (empty elements mean ".") is tried; the first regular file with an
 * execute bit the caller may use wins. Errors read exactly like Go's:
 *   exec: "x": executable file not found in $PATH
 *   exec: "/x": stat /x: no such file or directory
 *   exec: "/x": permission denied
 */
int agent_path_lookup(const char *file, const char *path, char *out, size_t size, struct err *e);

/*
 * rlimits and oom_score_adj of process pid (0: the caller), with the guest's /proc, by a
 * process in the guest's user namespace: raising a hard limit or lowering oom_score_adj
 * needs CAP_SYS_RESOURCE there (runc sets them from its parent for the same reason).
 */
int agent_process_early(pid_t pid, const struct proto_process *p, struct err *e);

/*
 * In the container's root, in runc's order: no_new_privs, the seccomp filter when
 * no_new_privs is off (agent_seccomp_early), cwd, bounding set, groups/gid/uid,
 * capabilities, ambient set, umask; then the lookup of args[0] into exe.
 */
/* agent/seccomp.c: p's seccomp program, if any, at runc's point for p->no_new_privs */
int agent_seccomp_early(const struct proto_process *p, struct err *e);
int agent_seccomp_late(const struct proto_process *p, struct err *e);

int agent_process_setup(const struct proto_process *p, char *exe, size_t size, struct err *e);

/* Sends e to the agent (errnum 0: pass NULL), with pass_fd (>= 0) as SCM_RIGHTS. */
void agent_status_send(int fd, const struct err *e, int pass_fd);

/* The child's last words: the error to the agent, then _exit(127). */
__attribute__((noreturn)) void agent_child_fail(int status_fd, const struct err *e);

/* execve(exe, args, env); on failure reports runc's text and exits 127. */
__attribute__((noreturn)) void agent_child_execve(int status_fd, const char *exe,
						  const struct proto_process *p);

/*
 * The seccomp filter when no_new_privs is on (agent_seccomp_late), then execve(exe, args,
 * env); on failure reports runc's text and exits 127.
 */
__attribute__((noreturn)) void agent_child_exec(int status_fd, const char *exe,
						const struct proto_process *p);

/* Checks a decoded process for what the kernel would only half-catch. */
int agent_process_validate(const struct proto_process *p, struct err *e);

#endif
