// SPDX-License-Identifier: Apache-2.0
/*
 * incept-vmm: boots one microVM (kernel + initrd) on KVM and exits with the status the guest
 * agent reports. This file parses flags and prints the one error; builder.c does the rest.
 */
#include "builder.h"
#include "container.h"
#include "guest_abi.h"
#include "cmdline.h"
#include "util.h"
#include "vmm.h"

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

#define EXIT_USAGE 2

static const char usage_text[] =
	"usage: incept-vmm --kernel FILE [options]\n"
	"  --kernel FILE        uncompressed ELF vmlinux with a PVH entry note\n"
	"  --initrd FILE        initramfs (cpio) for the guest\n"
	"  --cmdline STR        replace the default kernel command line\n"
	"  --append STR         append to the kernel command line\n"
	"  --vcpus N            number of vCPUs (default 1)\n"
	"  --memory MIB         guest RAM in MiB (default 128)\n"
	"  --console            copy the guest console to stderr\n"
	"  --console-log FILE   write the guest console to FILE\n"
	"  --log FILE           VMM log file (default stderr)\n"
	"  --log-format F       text or json\n"
	"  --debug              debug logging\n"
	"  --kvm-device PATH    KVM device (default /dev/kvm)\n"
	"  --timing             print where boot time went (name: value) on stderr at exit\n"
	"  --print-cmdline      print the kernel command line that would be used and exit\n"
	"  --profile FILE       sample guest RIPs every 1 ms into FILE (debugging aid)\n"
	"  --snapshot-dir DIR   restore the booted guest from a snapshot in DIR; build it there\n"
	"                       (one cold boot, saved when the agent is ready) when missing\n"
	"  --snapshot-only      with --snapshot-dir: make sure the snapshot exists, then exit\n"
	"  --print-snapshot-meta  print what a snapshot key covers for this kernel, initrd and\n"
	"                       shape on this host, and exit\n"
	"  --agent-task T       what the agent does once ready: idle (default), selftest,\n"
	"                       poweroff, vsock-echo, fs-test\n"
	"  --vsock-socket PATH  listen on this Unix socket for host clients of guest vsock\n"
	"                       ports (\"CONNECT <port>\\n\"); guest connections to host port P\n"
	"                       go to PATH_P\n"
	"  --share NAME=PATH[:ro][:keep]\n"
	"                       share a host directory or file as /NAME of the virtio-fs\n"
	"                       tag \"incept\" (repeatable; added at every start, never saved);\n"
	"                       keep: the guest keeps file data cached across opens\n"
	"  --share-cache SECS   how long the guest may cache share entries and attributes\n"
	"                       (default 1; 0: ask the host every time)\n"
	"  --sync-fd N          container mode (docs/protocol.md): read a CREATE request from\n"
	"                       fd N, pass it to the agent once it is ready, write the reply\n"
	"                       back; then relay fds 0/1/2 and signals to the container's\n"
	"                       process and exit with its status\n"
	"  --version            print the version and exit\n";

enum {
	OPT_KERNEL = 256,
	OPT_INITRD,
	OPT_CMDLINE,
	OPT_APPEND,
	OPT_VCPUS,
	OPT_MEMORY,
	OPT_CONSOLE,
	OPT_CONSOLE_LOG,
	OPT_LOG,
	OPT_LOG_FORMAT,
	OPT_DEBUG,
	OPT_KVM_DEVICE,
	OPT_TIMING,
	OPT_PRINT_CMDLINE,
	OPT_PROFILE,
	OPT_VERSION,
	OPT_HELP,
	OPT_SNAPSHOT_DIR,
	OPT_SNAPSHOT_ONLY,
	OPT_AGENT_TASK,
	OPT_PRINT_SNAPSHOT_META,
	OPT_VSOCK_SOCKET,
	OPT_SHARE,
	OPT_SHARE_CACHE,
	OPT_SYNC_FD,
};

static const struct option long_opts[] = {
	{"kernel", required_argument, NULL, OPT_KERNEL},
	{"initrd", required_argument, NULL, OPT_INITRD},
	{"cmdline", required_argument, NULL, OPT_CMDLINE},
	{"append", required_argument, NULL, OPT_APPEND},
	{"vcpus", required_argument, NULL, OPT_VCPUS},
	{"memory", required_argument, NULL, OPT_MEMORY},
	{"console", no_argument, NULL, OPT_CONSOLE},
	{"console-log", required_argument, NULL, OPT_CONSOLE_LOG},
	{"log", required_argument, NULL, OPT_LOG},
	{"log-format", required_argument, NULL, OPT_LOG_FORMAT},
	{"debug", no_argument, NULL, OPT_DEBUG},
	{"kvm-device", required_argument, NULL, OPT_KVM_DEVICE},
	{"timing", no_argument, NULL, OPT_TIMING},
	{"print-cmdline", no_argument, NULL, OPT_PRINT_CMDLINE},
	{"profile", required_argument, NULL, OPT_PROFILE},
	{"version", no_argument, NULL, OPT_VERSION},
	{"help", no_argument, NULL, OPT_HELP},
	{"snapshot-dir", required_argument, NULL, OPT_SNAPSHOT_DIR},
	{"snapshot-only", no_argument, NULL, OPT_SNAPSHOT_ONLY},
	{"agent-task", required_argument, NULL, OPT_AGENT_TASK},
	{"print-snapshot-meta", no_argument, NULL, OPT_PRINT_SNAPSHOT_META},
	{"vsock-socket", required_argument, NULL, OPT_VSOCK_SOCKET},
	{"share", required_argument, NULL, OPT_SHARE},
	{"share-cache", required_argument, NULL, OPT_SHARE_CACHE},
	{"sync-fd", required_argument, NULL, OPT_SYNC_FD},
	{NULL, 0, NULL, 0},
};

struct cli {
	struct vmm_config cfg;
	bool print_cmdline, version, help;
};

static int parse_number(const char *flag, const char *s, unsigned long long min,
			unsigned long long max, unsigned long long *out, struct err *e)
{
	if (util_parse_u64(s, 10, out) < 0 || *out < min || *out > max)
		return err_set(e, EINVAL, "%s: want a number from %llu to %llu, got \"%s\"", flag,
			       min, max, s);
	return 0;
}

static int parse_task(struct cli *c, const char *arg, struct err *e)
{
	static const char *const names[] = {[INCEPT_TASK_IDLE] = "idle",
					    [INCEPT_TASK_SELFTEST] = "selftest",
					    [INCEPT_TASK_POWEROFF] = "poweroff",
					    [INCEPT_TASK_VSOCK_ECHO] = "vsock-echo",
					    [INCEPT_TASK_FS_TEST] = "fs-test"};

	for (unsigned i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (names[i] && !strcmp(arg, names[i])) {
			c->cfg.agent_task = i;
			return 0;
		}
	return err_set(
		e, EINVAL,
		"--agent-task: want idle, selftest, poweroff, vsock-echo or fs-test, got \"%s\"",
		arg);
}

/*
 * NAME=PATH[:ro|:rw][:keep] (keep: the guest keeps file data cached across opens). Splits the
 * argument in place (argv strings are ours); the name is checked by the FUSE server when the share
 * is added.
 */
/* Copies of --share arguments, split in place (argv itself stays as given: ps shows it). */
static char share_args[VMM_MAX_SHARES][PATH_MAX + 256];

static int parse_share(struct cli *c, const char *given, struct err *e)
{
	char *arg, *eq;
	struct vmm_share *s;
	size_t len;

	if (c->cfg.nr_shares == VMM_MAX_SHARES)
		return err_set(e, EINVAL, "--share: at most %d", VMM_MAX_SHARES);
	if (strlen(given) >= sizeof(share_args[0]))
		return err_set(e, ENAMETOOLONG, "--share: argument too long");
	arg = strcpy(share_args[c->cfg.nr_shares], given);
	eq = strchr(arg, '=');
	if (!eq || eq == arg || !eq[1])
		return err_set(e, EINVAL, "--share: want NAME=PATH[:ro], got \"%s\"", arg);
	s = &c->cfg.shares[c->cfg.nr_shares++];
	*eq = '\0';
	s->name = arg;
	s->path = eq + 1;
	len = strlen(s->path);
	if (len > 5 && !strcmp(s->path + len - 5, ":keep")) {
		s->keep_cache = true;
		len -= 5;
		eq[1 + len] = '\0';
	}
	if (len > 3 && (!strcmp(s->path + len - 3, ":ro") || !strcmp(s->path + len - 3, ":rw"))) {
		s->readonly = s->path[len - 2] == 'r' && s->path[len - 1] == 'o';
		eq[1 + len - 3] = '\0';
	}
	return 0;
}

static int parse_opt(struct cli *c, int opt, char *arg, struct err *e)
{
	unsigned long long n;

	switch (opt) {
	case OPT_KERNEL:
		c->cfg.kernel = arg;
		break;
	case OPT_INITRD:
		c->cfg.initrd = arg;
		break;
	case OPT_CMDLINE:
		c->cfg.cmdline = arg;
		break;
	case OPT_APPEND:
		c->cfg.append = arg;
		break;
	case OPT_SNAPSHOT_DIR:
		c->cfg.snapshot_dir = arg;
		break;
	case OPT_SNAPSHOT_ONLY:
		c->cfg.snapshot_only = true;
		break;
	case OPT_AGENT_TASK:
		return parse_task(c, arg, e);
	case OPT_VSOCK_SOCKET:
		c->cfg.vsock_socket = arg;
		break;
	case OPT_SHARE:
		return parse_share(c, arg, e);
	case OPT_SHARE_CACHE:
		if (parse_number("--share-cache", arg, 0, 3600, &n, e) < 0)
			return -1;
		c->cfg.share_cache_secs = (uint32_t)n;
		break;
	case OPT_SYNC_FD:
		if (parse_number("--sync-fd", arg, 3, INT32_MAX, &n, e) < 0)
			return -1;
		if (fcntl((int)n, F_GETFD) < 0)
			return err_sys(e, errno, "--sync-fd %llu", (unsigned long long)n);
		c->cfg.sync_fd = (int)n;
		break;
	case OPT_PRINT_SNAPSHOT_META:
		c->cfg.print_snapshot_meta = true;
		break;
	case OPT_CONSOLE:
		c->cfg.console = true;
		break;
	case OPT_CONSOLE_LOG:
		c->cfg.console_log = arg;
		break;
	case OPT_LOG:
		c->cfg.log_path = arg;
		break;
	case OPT_DEBUG:
		c->cfg.debug = true;
		break;
	case OPT_KVM_DEVICE:
		c->cfg.kvm_device = arg;
		break;
	case OPT_TIMING:
		c->cfg.timing = true;
		break;
	case OPT_PRINT_CMDLINE:
		c->print_cmdline = true;
		break;
	case OPT_PROFILE:
		c->cfg.profile = arg;
		break;
	case OPT_VERSION:
		c->version = true;
		break;
	case OPT_HELP:
		c->help = true;
		break;
	case OPT_VCPUS:
		if (parse_number("--vcpus", arg, 1, VMM_MAX_VCPUS, &n, e) < 0)
			return -1;
		c->cfg.vcpus = (unsigned)n;
		break;
	case OPT_MEMORY:
		if (parse_number("--memory", arg, VMM_MIN_MEMORY_MIB, VMM_MAX_MEMORY_MIB, &n, e) <
		    0)
			return -1;
		c->cfg.memory_mib = n;
		break;
	case OPT_LOG_FORMAT:
		if (!strcmp(arg, "text"))
			c->cfg.log_format = LOG_FMT_TEXT;
		else if (!strcmp(arg, "json"))
			c->cfg.log_format = LOG_FMT_JSON;
		else
			return err_set(e, EINVAL, "--log-format: want text or json, got \"%s\"",
				       arg);
		break;
	default:
		return err_set(e, EINVAL, "unknown flag (see incept-vmm --help)");
	}
	return 0;
}

static int parse_args(struct cli *c, int argc, char **argv, struct err *e)
{
	int opt;

	/*
	 * 128 MiB: one x86-64 sparsemem section. A smaller guest pays the same struct page
	 * initialisation for the rest of the section (measured: 64 MiB boots no faster on
	 * PVM), and guest RAM the guest does not touch costs the host nothing.
	 */
	c->cfg = (struct vmm_config){.vcpus = 1,
				     .memory_mib = 128,
				     .kvm_device = "/dev/kvm",
				     .log_format = LOG_FMT_TEXT,
				     .share_cache_secs = 1,
				     .sync_fd = -1};
	opterr = 0; /* we print the one error ourselves */
	while ((opt = getopt_long(argc, argv, "", long_opts, NULL)) != -1) {
		if (opt == '?' || opt == ':')
			return err_set(e, EINVAL, "bad flag \"%s\" (see incept-vmm --help)",
				       argv[optind - 1]);
		if (parse_opt(c, opt, optarg, e) < 0)
			return -1;
	}
	if (optind < argc)
		return err_set(e, EINVAL, "unexpected argument \"%s\"", argv[optind]);
	if (!c->cfg.kernel && !c->help && !c->version && !c->print_cmdline)
		return err_set(e, EINVAL, "--kernel FILE is required (see incept-vmm --help)");
	if (c->cfg.snapshot_only && !c->cfg.snapshot_dir)
		return err_set(e, EINVAL, "--snapshot-only needs --snapshot-dir DIR");
	return 0;
}

static int print_cmdline(const struct vmm_config *cfg, struct err *e)
{
	char buf[VMM_CMDLINE_MAX];

	/* Host quirks and devices are added at boot; this shows the configurable part. */
	if (vmm_cmdline_build(buf, sizeof(buf), cfg->cmdline ? cfg->cmdline : vmm_default_cmdline,
			      NULL, NULL, 0, cfg->append, e) < 0)
		return -1;
	printf("%s\n", buf);
	return 0;
}

/*
 * Every inode the guest holds through virtio-fs is an open O_PATH fd in this process
 * (docs/virtio-fs.md): the soft limit (often 1024) would cap the guest's dentry cache.
 */
static void raise_nofile_limit(void)
{
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		if (setrlimit(RLIMIT_NOFILE, &rl) < 0)
			log_warn("setrlimit(RLIMIT_NOFILE): %s", strerror(errno));
	}
}

static struct vmm vm; /* large, and shared with the vCPU threads */

/*
 * SIGTERM, SIGINT and SIGHUP end the VM like a guest exit (status 128 + signal), so teardown
 * runs: the vsock socket is unlinked, the console flushed. They are blocked in every thread
 * and taken by this one with sigwait().
 */
static sigset_t stop_signals;

static void *signal_thread(void *arg)
{
	int sig;

	(void)arg;
	if (sigwait(&stop_signals, &sig) == 0) {
		log_info("signal %d: stopping the VM", sig);
		vmm_stop(&vm, 128 + sig, NULL);
	}
	return NULL;
}

static int catch_stop_signals(struct err *e)
{
	pthread_t t;
	int r;

	sigemptyset(&stop_signals);
	sigaddset(&stop_signals, SIGTERM);
	sigaddset(&stop_signals, SIGINT);
	sigaddset(&stop_signals, SIGHUP);
	r = pthread_sigmask(SIG_BLOCK, &stop_signals, NULL);
	if (!r)
		r = pthread_create(&t, NULL, signal_thread, NULL);
	if (r)
		return err_sys(e, r, "signal thread");
	pthread_detach(t);
	return 0;
}

int main(int argc, char **argv)
{
	uint64_t t_start = util_now_ns(); /* boot timing counts from here */
	struct cli c = {0};
	struct err e;
	int status;

	err_clear(&e);
	if (parse_args(&c, argc, argv, &e) < 0) {
		fprintf(stderr, "incept-vmm: %s\n", e.msg);
		return EXIT_USAGE;
	}
	if (c.help || c.version) {
		fputs(c.help ? usage_text : "incept-vmm " INCEPT_VERSION "\n", stdout);
		return 0;
	}
	if (c.print_cmdline)
		return print_cmdline(&c.cfg, &e) < 0 ? EXIT_USAGE : 0;
	if (log_open(c.cfg.log_path, c.cfg.log_format, c.cfg.debug, &e) < 0) {
		fprintf(stderr, "incept-vmm: %s\n", e.msg);
		return 1;
	}
	vm.timing.t_start = t_start;
	raise_nofile_limit();
	if ((c.cfg.sync_fd >= 0 ? vmm_container_signals(&e) : catch_stop_signals(&e)) < 0 ||
	    vmm_build(&vm, &c.cfg, &e) < 0 ||
	    (c.cfg.sync_fd >= 0 && vmm_container_start(&vm, c.cfg.sync_fd, &e) < 0)) {
		if (c.cfg.sync_fd >= 0)
			vmm_container_fail(c.cfg.sync_fd, &e);
		log_report(&e);
		return 1;
	}
	if (c.cfg.print_snapshot_meta) {
		fputs(vm.snap.meta, stdout);
		vmm_teardown(&vm);
		return 0;
	}
	status = vmm_run(&vm, &e);
	vmm_container_stop(&vm);
	if (status == 0 && c.cfg.snapshot_only)
		printf("%s\n", vm.snap.dir); /* for `incept prepare` */
	if (status < 0) {
		log_report(&e);
		status = 1;
	}
	if (c.cfg.timing)
		vmm_timing_print(&vm, stderr);
	/* a container's status is what its parent waits for: it must not wait for the VM's end */
	if (c.cfg.sync_fd >= 0)
		vmm_teardown_deferred(&vm);
	else
		vmm_teardown(&vm);
	log_close();
	return status;
}
