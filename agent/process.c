// SPDX-License-Identifier: Apache-2.0
#define _GNU_SOURCE
#include "process.h"

#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

/* include/uapi/linux/capability.h (no libcap, and musl ships no kernel headers) */
#define AGENT_CAP_V3 0x20080522
struct agent_cap_hdr {
	uint32_t version;
	int pid;
};
struct agent_cap_data {
	uint32_t effective, permitted, inheritable;
};

enum { CAPS_BOUNDING, CAPS_EFFECTIVE, CAPS_INHERITABLE, CAPS_PERMITTED, CAPS_AMBIENT };

static const char *const empty_env[] = {NULL};

const char *agent_env_get(const char *const *env, const char *name)
{
	size_t n = strlen(name);

	for (; env && *env; env++)
		if (strncmp(*env, name, n) == 0 && (*env)[n] == '=')
			return *env + n + 1;
	return NULL;
}

/* Go's findExecutable: 0, or the errno its error stands for. */
static int find_executable(const char *file)
{
	struct stat st;

	if (stat(file, &st) < 0)
		return errno;
	if (S_ISDIR(st.st_mode) || !(st.st_mode & 0111))
		return EACCES;
	if (access(file, X_OK) < 0)
		return EACCES;
	return 0;
}

static int lookup_explicit(const char *file, char *out, size_t size, struct err *e)
{
	char why[128];
	int r = find_executable(file);

	if (r == EACCES)
		return err_set(e, EACCES, "exec: \"%s\": permission denied", file);
	if (r)
		return err_set(e, r, "exec: \"%s\": stat %s: %s", file, file,
			       err_str(r, why, sizeof(why)));
	if (strlen(file) >= size)
		return err_set(e, ENAMETOOLONG, "exec: \"%s\": file name too long", file);
	strcpy(out, file);
	return 0;
}

int agent_path_lookup(const char *file, const char *path, char *out, size_t size, struct err *e)
{
	const char *p = path ? path : "";
	bool search = *p != '\0';

	if (!*file)
		return err_set(e, ENOENT, "exec: \"\": executable file not found in $PATH");
	if (strchr(file, '/'))
		return lookup_explicit(file, out, size, e);
	/* filepath.SplitList("") is empty: no PATH, no search; "a:" is "a" and "" (= ".") */
	while (search) {
		const char *end = strchrnul(p, ':');
		int dlen = (int)(end - p);
		const char *dir = dlen ? p : ".";

		if (snprintf(out, size, "%.*s/%s", dlen ? dlen : 1, dir, file) < (int)size &&
		    find_executable(out) == 0)
			return 0;
		if (!*end)
			break;
		p = end + 1;
	}
	return err_set(e, ENOENT, "exec: \"%s\": executable file not found in $PATH", file);
}

int agent_process_validate(const struct proto_process *p, struct err *e)
{
	if (p->nr_args == 0 || !p->args || !p->args[0])
		return err_set(e, EINVAL, "args must not be empty");
	if (p->cwd && p->cwd[0] != '/')
		return err_set(e, EINVAL, "cwd \"%s\" is not an absolute path", p->cwd);
	if (p->has_umask && p->umask > 0777)
		return err_set(e, EINVAL, "umask %#o out of range", p->umask);
	if (p->has_oom_score_adj && (p->oom_score_adj < -1000 || p->oom_score_adj > 1000))
		return err_set(e, EINVAL, "oom_score_adj %d out of range", p->oom_score_adj);
	for (uint32_t i = 0; i < p->nr_rlimits; i++)
		if (p->rlimits[i].resource >= RLIM_NLIMITS)
			return err_set(e, EINVAL, "unknown rlimit %u", p->rlimits[i].resource);
	return 0;
}

static int set_oom_score_adj(pid_t pid, int32_t v, struct err *e)
{
	char buf[16], path[48];
	int n = snprintf(buf, sizeof(buf), "%d", (int)v);
	int fd, r = 0;

	if (pid)
		snprintf(path, sizeof(path), "/proc/%d/oom_score_adj", (int)pid);
	else
		snprintf(path, sizeof(path), "/proc/self/oom_score_adj");
	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return err_sys(e, errno, "open %s", path);
	if (write(fd, buf, (size_t)n) != n)
		r = err_sys(e, errno, "write oom_score_adj %d", (int)v);
	close(fd);
	return r;
}

_Static_assert(sizeof(struct rlimit) == 16, "prlimit64 takes two u64");

int agent_process_early(pid_t pid, const struct proto_process *p, struct err *e)
{
	for (uint32_t i = 0; i < p->nr_rlimits; i++) {
		const struct proto_rlimit *l = &p->rlimits[i];
		struct rlimit rl = {.rlim_cur = l->soft, .rlim_max = l->hard};

		/* pid 0 is the caller, as setrlimit */
		if (syscall(SYS_prlimit64, pid, (int)l->resource, &rl, NULL) < 0)
			return err_sys(e, errno, "error setting rlimit type %u", l->resource);
	}
	if (p->has_oom_score_adj)
		return set_oom_score_adj(pid, p->oom_score_adj, e);
	return 0;
}

/* Every capability not in the bounding set is dropped; EINVAL marks the end of the list. */
static int drop_bounding(uint64_t keep, struct err *e)
{
	for (int cap = 0; cap < 64; cap++) {
		if (keep & (1ull << cap))
			continue;
		if (prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) < 0) {
			if (errno == EINVAL)
				return 0;
			return err_sys(e, errno, "drop capability %d from the bounding set", cap);
		}
	}
	return 0;
}

static int set_caps(const uint64_t caps[PROTO_CAP_SETS], struct err *e)
{
	struct agent_cap_hdr hdr = {.version = AGENT_CAP_V3, .pid = 0};
	struct agent_cap_data data[2];

	for (int i = 0; i < 2; i++) {
		data[i].effective = (uint32_t)(caps[CAPS_EFFECTIVE] >> (32 * i));
		data[i].permitted = (uint32_t)(caps[CAPS_PERMITTED] >> (32 * i));
		data[i].inheritable = (uint32_t)(caps[CAPS_INHERITABLE] >> (32 * i));
	}
	if (syscall(SYS_capset, &hdr, data) < 0)
		return err_sys(e, errno, "capset");
	/*
	 * An ambient capability rises only if it is also permitted and inheritable; `runc spec`
	 * lists ambient ones without inheritable (CVE-2022-29162), and runc only warns when
	 * raising fails. So do we, silently: only what the kernel allows is raised.
	 */
	for (int cap = 0; cap < 64; cap++)
		if ((caps[CAPS_AMBIENT] & (1ull << cap)) &&
		    (caps[CAPS_INHERITABLE] & caps[CAPS_PERMITTED] & (1ull << cap)))
			prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_RAISE, cap, 0, 0);
	return 0;
}

static int set_user(const struct proto_process *p, struct err *e)
{
	/* uid 0 -> uid N clears the permitted set unless asked to keep it for capset */
	if (p->has_caps && p->uid != 0 && prctl(PR_SET_KEEPCAPS, 1, 0, 0, 0) < 0)
		return err_sys(e, errno, "prctl PR_SET_KEEPCAPS");
	/*
	 * Raw system calls: libc's wrappers apply the change to every thread (musl's __synccall
	 * costs 3 sigprocmask calls each); this child has one thread.
	 */
	if (syscall(SYS_setgroups, (size_t)p->nr_gids, p->nr_gids ? p->gids : NULL) < 0)
		return err_sys(e, errno, "setgroups");
	/* EINVAL: an id the container's user namespace does not map (runc's words) */
	if (syscall(SYS_setgid, p->gid) < 0)
		return errno == EINVAL ? err_set(e, EINVAL,
						 "unable to setup user: cannot set gid "
						 "to unmapped group in user namespace")
				       : err_sys(e, errno, "setgid %u", p->gid);
	if (syscall(SYS_setuid, p->uid) < 0)
		return errno == EINVAL ? err_set(e, EINVAL,
						 "unable to setup user: cannot set uid "
						 "to unmapped user in user namespace")
				       : err_sys(e, errno, "setuid %u", p->uid);
	return 0;
}

int agent_process_setup(const struct proto_process *p, char *exe, size_t size, struct err *e)
{
	const char *cwd = p->cwd ? p->cwd : "/";
	const char *const *env = p->env ? p->env : empty_env;

	/* runc: no_new_privs first; without it a filter needs the privileges dropped below */
	if (p->no_new_privs && prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
		return err_sys(e, errno, "prctl PR_SET_NO_NEW_PRIVS");
	if (agent_seccomp_early(p, e) < 0)
		return -1;
	if (chdir(cwd) < 0)
		return err_sys(e, errno, "chdir to cwd (\"%s\") set in config.json failed", cwd);
	if (p->has_caps && drop_bounding(p->caps[CAPS_BOUNDING], e) < 0)
		return -1;
	if (set_user(p, e) < 0)
		return -1;
	if (p->has_caps && set_caps(p->caps, e) < 0)
		return -1;
	umask(p->has_umask ? p->umask : 0022);
	/* runc looks the name up as the final user, with the final capabilities */
	return agent_path_lookup(p->args[0], agent_env_get(env, "PATH"), exe, size, e);
}

/* The record and pass_fd in one sendmsg (SCM_RIGHTS): the status channel is a socket then. */
static void send_with_fd(int fd, const void *rec, size_t len, int pass_fd)
{
	union {
		struct cmsghdr h;
		char buf[CMSG_SPACE(sizeof(int))];
	} u = {0};
	struct iovec iov = {.iov_base = (void *)rec, .iov_len = len};
	struct msghdr m = {.msg_iov = &iov,
			   .msg_iovlen = 1,
			   .msg_control = u.buf,
			   .msg_controllen = sizeof(u.buf)};
	struct cmsghdr *c = CMSG_FIRSTHDR(&m);

	c->cmsg_level = SOL_SOCKET;
	c->cmsg_type = SCM_RIGHTS;
	c->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(c), &pass_fd, sizeof(int));
	if (sendmsg(fd, &m, MSG_NOSIGNAL) < 0)
		return; /* the agent is gone or gave up on us: nobody to tell */
}

void agent_status_send(int fd, const struct err *e, int pass_fd)
{
	struct agent_status_rec rec = {0};
	size_t len = offsetof(struct agent_status_rec, msg);

	if (e) {
		rec.errnum = e->errnum ? e->errnum : EINVAL;
		snprintf(rec.msg, sizeof(rec.msg), "%s", e->msg);
		len += strlen(rec.msg) + 1;
	}
	if (pass_fd >= 0) {
		send_with_fd(fd, &rec, len, pass_fd);
		return;
	}
	if (write(fd, &rec, len) < 0)
		return; /* the agent is gone or gave up on us: nobody to tell */
}

void agent_child_fail(int status_fd, const struct err *e)
{
	agent_status_send(status_fd, e, -1);
	_exit(127);
}

void agent_child_execve(int status_fd, const char *exe, const struct proto_process *p)
{
	struct err e = {0};
	char why[128];
	int err;

	execve(exe, (char *const *)p->args, (char *const *)(p->env ? p->env : empty_env));
	err = errno;
	err_set(&e, err, "exec: \"%s\": %s", p->args[0], err_str(err, why, sizeof(why)));
	agent_child_fail(status_fd, &e);
}

void agent_child_exec(int status_fd, const char *exe, const struct proto_process *p)
{
	struct err e = {0};

	/* after this, only execve (and on its failure the status write) runs filtered */
	if (agent_seccomp_late(p, &e) < 0)
		agent_child_fail(status_fd, &e);
	agent_child_execve(status_fd, exe, p);
}
