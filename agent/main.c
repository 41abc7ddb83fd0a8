// SPDX-License-Identifier: Apache-2.0
/*
 * incept-agent: PID 1 of the guest. Boot path, in order: I/O port, console,
 * early mounts, /proc/cmdline, "ready"; then the selftest, a power off, or
 * idling as init (reaping orphans) until there is work.
 *
 * Every system call and page fault the guest kernel handles is emulated on
 * PVM (~0.5 us per kernel instruction), so this path makes as few as it can:
 * no stdio, console lines batched into one write(), no malloc.
 *
 * Run directly (not as PID 1) only --selftest is allowed; it skips the
 * mounts, the port and reaping.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <time.h>
#include <unistd.h>

#include "cmdline.h"
#include "console.h"
#include "error.h"
#include "fstest.h"
#include "mount.h"
#include "port.h"
#include "proto.h"
#include "restore.h"
#include "power.h"
#include "reap.h"
#include "rpc.h"
#include "selftest.h"
#include "vsock.h"

#ifndef INCEPT_VERSION
#define INCEPT_VERSION "unknown"
#endif

struct agent_opts {
	bool selftest; /* --selftest */
	bool no_port; /* --no-port: never touch the I/O port (PID 1 of a pid namespace on a host) */
	const char *cmdline; /* --cmdline=WORDS: used instead of /proc/cmdline (tests) */
	const char *fstest;  /* --fstest=DIR: the virtio-fs test on a host mount of the tag */
	const char *fsbench; /* --fsbench=DIR: the file system benchmark in a host directory */
	const char *serve;   /* --serve=PATH: the agent's protocol on a Unix socket (host tests) */
	const char *fs_root; /* --fs-root=DIR: the shares, in place of the virtio-fs mount */
};

static const char usage[] =
	"usage: incept-agent [--selftest] [--no-port] [--cmdline=WORDS] [--fstest=DIR]\n"
	"                    [--fsbench=DIR] [--serve=SOCKET --fs-root=DIR]\n"
	"  PID 1 of an incept guest. Run directly, --selftest measures system call, fork+exec\n"
	"  and file costs; --fstest runs the guest's file system test on DIR (DIR/rw and\n"
	"  DIR/ro, as the guest sees the shares); --fsbench times file operations in DIR.\n"
	"  Each exits 0 if all went well. --serve serves the agent's protocol on a Unix\n"
	"  socket, with the shares in DIR/<name> (as root: it creates containers).\n";

static void print_usage(void)
{
	char data[sizeof(usage)];
	struct agent_buf b = AGENT_BUF_INIT(data);

	agent_buf_printf(&b, "%s", usage);
	agent_buf_flush(&b, STDERR_FILENO);
}

/* Unknown words are an error on a host; as PID 1 they come from the kernel and are ignored. */
static int parse_args(int argc, char **argv, bool pid1, struct agent_opts *o, struct err *e)
{
	int i;

	for (i = 1; i < argc; i++) {
		const char *a = argv[i];

		if (strcmp(a, "--selftest") == 0)
			o->selftest = true;
		else if (strcmp(a, "--no-port") == 0)
			o->no_port = true;
		else if (strncmp(a, "--cmdline=", strlen("--cmdline=")) == 0)
			o->cmdline = a + strlen("--cmdline=");
		else if (strncmp(a, "--fstest=", strlen("--fstest=")) == 0)
			o->fstest = a + strlen("--fstest=");
		else if (strncmp(a, "--fsbench=", strlen("--fsbench=")) == 0)
			o->fsbench = a + strlen("--fsbench=");
		else if (strncmp(a, "--serve=", strlen("--serve=")) == 0)
			o->serve = a + strlen("--serve=");
		else if (strncmp(a, "--fs-root=", strlen("--fs-root=")) == 0)
			o->fs_root = a + strlen("--fs-root=");
		else if (pid1)
			agent_say("ignoring argument \"%.64s\"", a);
		else
			return err_set(e, EINVAL, "unknown argument \"%s\"", a);
	}
	return 0;
}

static int run_selftest(const char *scratch_path, const char *marker_path)
{
	static char data[4096];
	struct agent_buf out = AGENT_BUF_INIT(data);
	const struct agent_selftest_config cfg = {
		.self_exe = "/proc/self/exe",
		.scratch_path = scratch_path,
		.marker_path = marker_path,
	};
	int status;

	status = agent_selftest_run(&cfg, &out);
	agent_say_flush();
	agent_buf_flush(&out, STDOUT_FILENO);
	return status;
}

static char fs_out_data[8192];

/* fstest on `root` (when set), then fsbench in `bench_dir` (when set); prints both. */
static int run_fs(const char *root, bool in_guest, const char *bench_dir, struct agent_buf *out)
{
	const struct agent_fstest_config cfg = {.root = root, .in_guest = in_guest};
	int status = 0;

	if (root) {
		status = agent_fstest_run(&cfg, out);
		/* the benchmark's requests apart from the test's (bench/fs.sh) */
		agent_port_send(INCEPT_CMD_FS_STATS, AGENT_FS_PHASE_FSTEST);
		agent_buf_flush(out, STDOUT_FILENO);
	}
	/* the numbers are only worth having when the file system behaved */
	if (bench_dir && status == 0)
		status = agent_fsbench_run(bench_dir, out);
	agent_say_flush();
	agent_buf_flush(out, STDOUT_FILENO);
	return status;
}

/* INCEPT_TASK_FS_TEST: mount the tag, test it, time it. */
static int run_fs_task(void)
{
	struct agent_buf out = AGENT_BUF_INIT(fs_out_data);
	const char *bench = AGENT_FS_MOUNT "/" AGENT_FS_BENCH_SHARE;
	struct timespec a, b;
	struct err e = {0};
	int status;

	clock_gettime(CLOCK_MONOTONIC, &a);
	if (agent_fs_mount(&e) < 0) {
		agent_say_error(&e);
		return 1;
	}
	clock_gettime(CLOCK_MONOTONIC, &b);
	agent_port_send(INCEPT_CMD_FS_STATS, AGENT_FS_PHASE_MOUNT);
	agent_buf_printf(&out, "fsbench_mount_us: ");
	agent_buf_put_duration(&out,
			       (unsigned long long)((b.tv_sec - a.tv_sec) * 1000000000ll +
						    (b.tv_nsec - a.tv_nsec)),
			       1000);
	agent_buf_printf(&out, "\n");
	/* The benchmark (minutes on PVM) only when the host shared a directory for it. */
	if (access(bench, W_OK) < 0)
		bench = NULL;
	status = run_fs(AGENT_FS_MOUNT, true, bench, &out);
	/* The session ends with DESTROY; the VMM logs what the server still holds. */
	if (umount(AGENT_FS_MOUNT) < 0) {
		agent_buf_printf(&out, "fs_umount: FAILED %s\n", strerror(errno));
		status = 1;
	} else {
		agent_buf_printf(&out, "fs_umount: ok\n");
	}
	agent_buf_flush(&out, STDOUT_FILENO);
	return status;
}

static void read_cmdline(const struct agent_opts *o, struct agent_cmdline *cl)
{
	static char buf[AGENT_CMDLINE_MAX];
	struct err e = {0};
	size_t len;

	if (o->cmdline) {
		agent_cmdline_parse(o->cmdline, strlen(o->cmdline), cl);
	} else {
		if (agent_cmdline_read("/proc/cmdline", buf, sizeof(buf), &len, &e) < 0)
			agent_panic(&e);
		agent_cmdline_parse(buf, len, cl);
	}
	if (cl->unknown)
		agent_say("ignoring %u unknown incept.* kernel parameter(s), first \"%s\"",
			  cl->unknown, cl->first_unknown);
}

/* INCEPT_TASK_VSOCK_ECHO: on the agent's port (listening since before READY). */
static __attribute__((noreturn)) void vsock_echo(int fd)
{
	struct err e = {0};

	if (agent_vsock_send_host(AGENT_VSOCK_HELLO_PORT, AGENT_VSOCK_HELLO, &e) < 0)
		agent_say("vsock hello not sent: %s", e.msg); /* nobody listens: fine */
	agent_say("vsock echo on port %u", AGENT_VSOCK_ECHO_PORT);
	agent_say_flush();
	agent_vsock_echo_forever(fd);
}

/* PID 1: the boot path. */
static __attribute__((noreturn)) void init_main(const struct agent_opts *o)
{
	struct agent_cmdline cl;
	struct err e = {0};
	enum incept_task task;
	unsigned generation;
	struct agent_rpc_config rpc_cfg = {.fs_root = AGENT_FS_MOUNT, .guest = true};
	bool console_ok;
	int listen_fd;

	if (o->no_port)
		agent_say("I/O port disabled (--no-port): readiness on the console only");
	else if (agent_port_open(&e) < 0)
		agent_say("%s: no I/O port, readiness on the console only", e.msg);
	agent_port_send(INCEPT_CMD_MARK, AGENT_MARK_START);
	/* Before the mounts, so their errors can be seen; again after, if /dev had no console. */
	console_ok = agent_console_setup(&e) == 0;
	if (agent_mount_early(&e) < 0)
		agent_panic(&e);
	/*
	 * Nothing the agent mounts may propagate into a container or back. Once here, before the
	 * snapshot, instead of once per container in the init child (a recursive walk over the
	 * copied mounts, emulated on PVM): a private mount's copies are private.
	 */
	rpc_cfg.mounts_private = mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) == 0;
	if (!console_ok && agent_console_setup(&e) < 0)
		agent_panic(&e);
	agent_port_send(INCEPT_CMD_MARK, AGENT_MARK_MOUNTED);
	read_cmdline(o, &cl);
	rpc_cfg.trace = cl.trace;

	/* In the snapshot taken at READY: a restored guest takes connections at once. */
	listen_fd = agent_vsock_listen(PROTO_AGENT_PORT, &e);
	if (listen_fd < 0 || agent_rpc_prepare(listen_fd, &rpc_cfg, &e) < 0)
		agent_panic(&e);
	agent_restore_prepare();
	agent_port_send(INCEPT_CMD_MARK, AGENT_MARK_READY);
	agent_port_send(INCEPT_CMD_READY, 0);
	/*
	 * A snapshot may have been taken at READY: from here on this may be a restored copy,
	 * and everything up to READY(generation) is on every container's start path. No console
	 * output there: each byte is emulated guest-kernel work on PVM (~100 ms a line).
	 */
	if (agent_restore_check(&generation, &e) < 0)
		agent_panic(&e);
	task = agent_restore_task();
	/* A restored guest that waits for work stays silent: nobody reads its console. */
	if (generation == 0 || task != INCEPT_TASK_IDLE || o->selftest || cl.selftest ||
	    cl.poweroff) {
		agent_say(generation ? "ready (restored, generation %u: RNG reseeded, clock set)"
				     : "ready",
			  generation);
		agent_say_flush();
	}

	if (task != INCEPT_TASK_IDLE)
		agent_rpc_unprepare();
	if (o->selftest || cl.selftest || task == INCEPT_TASK_SELFTEST)
		agent_poweroff(run_selftest("/run/selftest", "/run/selftest-marker"));
	if (cl.poweroff || task == INCEPT_TASK_POWEROFF)
		agent_poweroff(0);
	if (task == INCEPT_TASK_VSOCK_ECHO)
		vsock_echo(listen_fd);
	if (task == INCEPT_TASK_FS_TEST)
		agent_poweroff(run_fs_task());
	if (task == INCEPT_TASK_IDLE) {
		agent_rpc_serve(&e);
		agent_panic(&e);
	}
	if (agent_reap_setup(&e) < 0)
		agent_panic(&e);
	agent_reap_forever();
}

/* --serve: the protocol on a Unix socket, shares in a host directory (tests). */
static int serve_host(const struct agent_opts *o)
{
	const struct agent_rpc_config cfg = {.fs_root = o->fs_root, .guest = false};
	struct err e = {0};
	int fd;

	if (!o->fs_root) {
		err_set(&e, EINVAL, "--serve needs --fs-root=DIR");
	} else if (agent_console_setup(&e) == 0) {
		fd = agent_rpc_listen_unix(o->serve, &e);
		if (fd >= 0 && agent_rpc_prepare(fd, &cfg, &e) == 0 && agent_rpc_serve(&e) == 0)
			return 0;
	}
	agent_say_error(&e);
	return 1;
}

/* Not PID 1 (a host): --selftest only. */
static int host_main(const struct agent_opts *o)
{
	char scratch[128];
	const char *tmp = getenv("TMPDIR");

	if (o->serve)
		return serve_host(o);
	if (o->fstest || o->fsbench) {
		struct agent_buf out = AGENT_BUF_INIT(fs_out_data);

		return run_fs(o->fstest, false, o->fsbench, &out);
	}
	if (!o->selftest) {
		print_usage();
		return 2;
	}
	snprintf(scratch, sizeof(scratch), "%s/incept-agent-selftest.%d", tmp ? tmp : "/tmp",
		 (int)getpid());
	agent_say("not PID 1: no mounts, no I/O port, no reaping");
	return run_selftest(scratch, NULL);
}

int main(int argc, char **argv)
{
	struct agent_opts o = {0};
	struct err e = {0};
	bool pid1;

	/* The selftest's child: costs only exec + exit, which is what is being measured. */
	if (argc > 1 && strcmp(argv[1], AGENT_SELFTEST_CHILD_ARG) == 0)
		_exit(0);
	pid1 = getpid() == 1;
	if (!pid1 && argc > 1 && strcmp(argv[1], "--version") == 0) {
		agent_say("version " INCEPT_VERSION);
		agent_say_flush();
		return 0;
	}
	if (parse_args(argc, argv, pid1, &o, &e) < 0) {
		agent_say_error(&e);
		print_usage();
		return 2;
	}
	if (!pid1)
		return host_main(&o);
	init_main(&o);
}
