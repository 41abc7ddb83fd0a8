// SPDX-License-Identifier: Apache-2.0
/*
 * Installs the seccomp program the runtime compiled on the host (runtime/seccomp.c) in the
 * container process, at runc's point (libcontainer/standard_init_linux.go and
 * setns_init_linux.go): without no_new_privs, installing a filter needs CAP_SYS_ADMIN, so
 * it goes in early, before the user switch and the capability drop; with no_new_privs, as
 * late as possible, just before execve, so the profile need not allow the runtime's own
 * setup calls.
 */
#include "process.h"

#include <errno.h>
#include <stdint.h>
#include <sys/syscall.h>
#include <unistd.h>

/* include/uapi/linux/seccomp.h and filter.h (musl ships no kernel headers) */
#define AGENT_SECCOMP_SET_MODE_FILTER 1
struct agent_sock_fprog {
	unsigned short len;
	const void *filter; /* struct sock_filter[len] */
};

static int install(const struct proto_process *p, struct err *e)
{
	struct agent_sock_fprog prog = {
		.len = (unsigned short)(p->seccomp_len / PROTO_SECCOMP_INSN_SIZE),
		.filter = p->seccomp_bpf,
	};

	/* the decoder checked the size; the kernel checks the program (EINVAL) */
	if (syscall(SYS_seccomp, AGENT_SECCOMP_SET_MODE_FILTER, p->seccomp_flags, &prog) < 0)
		return err_sys(e, errno, "error loading seccomp filter into kernel");
	return 0;
}

int agent_seccomp_early(const struct proto_process *p, struct err *e)
{
	if (!p->seccomp_bpf || p->no_new_privs)
		return 0;
	return install(p, e);
}

int agent_seccomp_late(const struct proto_process *p, struct err *e)
{
	if (!p->seccomp_bpf || !p->no_new_privs)
		return 0;
	return install(p, e);
}
