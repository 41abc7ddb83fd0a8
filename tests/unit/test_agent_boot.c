// SPDX-License-Identifier: Apache-2.0
/*
 * The built agent (build/incept-agent, static musl) and initrd (build/initrd.cpio)
 * booted on the host as closely as a host allows: the initrd is unpacked into a
 * directory and /init runs as PID 1 of a new pid + mount namespace, chrooted
 * there, with --no-port (never touch the I/O port on a host). Its
 * reboot(RB_POWER_OFF) then ends the namespace: the parent sees SIGINT.
 * Needs root; skipped when the guest artefacts are not built (make guest).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "unit.h"

static char agent[PATH_MAX], initrd[PATH_MAX];
static char root[64];

static void skip(const char *name, const char *why)
{
	printf("ok %d - %s # SKIP %s\n", ++unit_count, name, why);
}

/* $INCEPT_GUEST_DIR, $INCEPT_BIN, then build/ as seen from this binary (build[/san]/tests/). */
static int find_guest(void)
{
	const char *env[] = {getenv("INCEPT_GUEST_DIR"), getenv("INCEPT_BIN")};
	char exe[PATH_MAX], dir[PATH_MAX + 8];
	ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	const char *rel[] = {"/..", "/../.."};
	size_t i;

	for (i = 0; i < 2 + 2; i++) {
		if (i < 2 && !env[i])
			continue;
		if (i >= 2) {
			if (n <= 0)
				break;
			exe[n] = '\0';
			*strrchr(exe, '/') = '\0';
			snprintf(dir, sizeof(dir), "%s%s", exe, rel[i - 2]);
			exe[strlen(exe)] = '/';
		} else {
			snprintf(dir, sizeof(dir), "%s", env[i]);
		}
		snprintf(agent, sizeof(agent), "%.4000s/incept-agent", dir);
		snprintf(initrd, sizeof(initrd), "%.4000s/initrd.cpio", dir);
		if (access(agent, X_OK) == 0 && access(initrd, R_OK) == 0 && realpath(agent, exe) &&
		    snprintf(agent, sizeof(agent), "%s", exe) > 0 && realpath(initrd, exe) &&
		    snprintf(initrd, sizeof(initrd), "%s", exe) > 0)
			return 0;
	}
	return -1;
}

static int unpack_initrd(void)
{
	char cmd[PATH_MAX * 2];

	snprintf(root, sizeof(root), "/tmp/test_agent_boot.XXXXXX");
	if (!mkdtemp(root))
		return -1;
	snprintf(cmd, sizeof(cmd), "cd '%s' && cpio -idm --quiet < '%s'", root, initrd);
	return system(cmd) == 0 ? 0 : -1;
}

struct boot {
	pid_t pid; /* the agent, as the host sees it */
	int out;   /* read end of its stdout + stderr */
	char text[8192];
	size_t len;
	int status;
};

/* Starts /init as PID 1 of new pid + mount namespaces, chrooted to root. */
static int boot_start(struct boot *b, const char *const *args, int ro_run)
{
	const char *argv[16] = {"/init", "--no-port"};
	char *envp[] = {"HOME=/", "TERM=linux", NULL};
	int p[2], i;

	for (i = 0; i < 13 && args[i]; i++)
		argv[2 + i] = args[i];
	memset(b, 0, sizeof(*b));
	if (pipe2(p, O_CLOEXEC) < 0)
		return -1;
	fflush(stdout);
	/* Raw clone: like fork(), but the child is PID 1 of a new pid namespace. */
	b->pid = (pid_t)syscall(SYS_clone, CLONE_NEWPID | CLONE_NEWNS | SIGCHLD, 0, 0, 0, 0);
	if (b->pid == 0) {
		char run[128];
		int null = open("/dev/null", O_RDONLY);

		snprintf(run, sizeof(run), "%s/run", root);
		if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0)
			_exit(120);
		/* A read-only /run that is already mounted: the agent must keep it, the selftest
		 * fail. */
		if (ro_run && mount("tmpfs", run, "tmpfs", MS_RDONLY, NULL) < 0)
			_exit(121);
		if (dup2(null, 0) < 0 || dup2(p[1], 1) < 0 || dup2(p[1], 2) < 0)
			_exit(122);
		if (chroot(root) < 0 || chdir("/") < 0)
			_exit(123);
		execve("/init", (char **)argv, envp);
		_exit(124);
	}
	close(p[1]);
	b->out = p[0];
	return b->pid > 0 ? 0 : -1;
}

/* Reads output until `until` appears (NULL: until EOF) or 10 s pass. */
static int boot_read(struct boot *b, const char *until)
{
	struct pollfd pfd = {.fd = b->out, .events = POLLIN};
	time_t end = time(NULL) + 10;

	while (time(NULL) < end) {
		ssize_t n;

		if (until && strstr(b->text, until))
			return 0;
		if (poll(&pfd, 1, 1000) <= 0)
			continue;
		n = read(b->out, b->text + b->len, sizeof(b->text) - 1 - b->len);
		if (n <= 0)
			return until ? -1 : 0;
		b->len += (size_t)n;
		b->text[b->len] = '\0';
	}
	printf("# timed out; output so far:\n# %s\n", b->text);
	return -1;
}

static void boot_wait(struct boot *b)
{
	waitpid(b->pid, &b->status, 0);
	close(b->out);
}

/* Boots to the end: the agent powers off. */
static void boot_run(struct boot *b, const char *const *args, int ro_run)
{
	CHECK_INT(boot_start(b, args, ro_run), 0);
	if (boot_read(b, NULL) < 0)
		kill(b->pid, SIGKILL);
	boot_wait(b);
}

/* The reboot(RB_POWER_OFF) of a pid namespace's init: the init dies of SIGINT. */
#define POWERED_OFF(st) (WIFSIGNALED(st) && WTERMSIG(st) == SIGINT)

static void test_initrd_layout(void)
{
	char path[PATH_MAX], cmd[PATH_MAX * 3];
	struct stat st, ast;

	snprintf(path, sizeof(path), "%s/init", root);
	CHECK(stat(path, &st) == 0 && S_ISREG(st.st_mode) && (st.st_mode & 07777) == 0755);
	CHECK(st.st_uid == 0 && st.st_gid == 0);
	snprintf(cmd, sizeof(cmd), "cmp -s '%s' '%s'", path, agent);
	CHECK_INT(system(cmd), 0);
	snprintf(path, sizeof(path), "%s/dev/console", root);
	CHECK(stat(path, &st) == 0 && S_ISCHR(st.st_mode) && (st.st_mode & 0777) == 0600);
	CHECK(major(st.st_rdev) == 5 && minor(st.st_rdev) == 1);
	for (const char *const *d = (const char *const[]){"dev", "proc", "sys", "run", "tmp", NULL};
	     *d; d++) {
		snprintf(path, sizeof(path), "%s/%s", root, *d);
		CHECK(stat(path, &st) == 0 && S_ISDIR(st.st_mode));
	}
	/* Nothing but the agent and seven headers. */
	CHECK(stat(initrd, &st) == 0 && stat(agent, &ast) == 0);
	CHECK(st.st_size < ast.st_size + 2048);
	printf("# initrd %lld bytes, agent %lld bytes\n", (long long)st.st_size,
	       (long long)ast.st_size);
}

static void test_poweroff(void)
{
	static const char *const args[] = {"--cmdline=console=ttyS0 incept.poweroff=1", "quiet",
					   NULL};
	struct boot b;

	boot_run(&b, args, 0);
	CHECK_STR(b.text,
		  "incept-agent: ignoring argument \"quiet\"\n"
		  "incept-agent: I/O port disabled (--no-port): readiness on the console only\n"
		  "incept-agent: ready\n"
		  "incept-agent: power off, exit status 0\n");
	CHECK(POWERED_OFF(b.status));
}

static void check_selftest_ok(const struct boot *b)
{
	const char *lines[] = {"incept-agent: ready\n",
			       "\nselftest_getpid_us: ",
			       "\nselftest_fork_exec_wait_ms: ",
			       "\nselftest_vfork_exec_wait_ms: ",
			       "\nselftest_file_write_read_us: ",
			       "\nselftest_nproc: ",
			       "\nselftest_mem_total_kib: ",
			       "\nselftest: ok\n",
			       "\nincept-agent: power off, exit status 0\n"};
	const char *p = b->text;
	size_t i;

	for (i = 0; i < sizeof(lines) / sizeof(lines[0]); i++) {
		const char *q = strstr(p, lines[i]);

		if (!q)
			printf("# missing (in order) \"%s\" in:\n%s\n", lines[i], b->text);
		CHECK(q != NULL);
		p = q ? q : p;
	}
	CHECK(POWERED_OFF(b->status));
}

static void test_selftest_cmdline(void)
{
	static const char *const args[] = {"--cmdline=incept.selftest=1", NULL};
	struct boot b;

	boot_run(&b, args, 0);
	check_selftest_ok(&b);
}

static void test_selftest_argv(void)
{
	static const char *const args[] = {"--cmdline=", "--selftest", NULL};
	struct boot b;

	boot_run(&b, args, 0);
	check_selftest_ok(&b);
}

/* /run mounted read-only before boot: kept as it is, so the file test fails, status 1. */
static void test_selftest_fails(void)
{
	static const char *const args[] = {"--cmdline=incept.selftest=1", NULL};
	struct boot b;

	boot_run(&b, args, 1);
	CHECK(strstr(b.text, "\nselftest_file_write_read_us: error: open /run/selftest: "
			     "read-only file system\n") != NULL);
	CHECK(strstr(b.text, "\nselftest: FAILED selftest_file_write_read_us: open /run/selftest: "
			     "read-only file system\n") != NULL);
	CHECK(strstr(b.text, "\nincept-agent: power off, exit status 1\n") != NULL);
	CHECK(POWERED_OFF(b.status));
}

static int mounted(pid_t pid, const char *target, const char *fstype)
{
	char path[64], line[1024], want[128];
	FILE *f;
	int found = 0;

	snprintf(path, sizeof(path), "/proc/%d/mountinfo", (int)pid);
	snprintf(want, sizeof(want), " %s ", target);
	f = fopen(path, "r");
	while (f && !found && fgets(line, sizeof(line), f)) {
		/* "id parent maj:min root mountpoint opts ... - fstype source superopts" */
		char *dash = strstr(line, " - ");

		found = dash && strstr(line, want) &&
			strncmp(dash + 3, fstype, strlen(fstype)) == 0;
	}
	if (f)
		fclose(f);
	return found;
}

/* The agent's children (host pids), as the kernel lists them; returns how many, -1 on error. */
static int children(pid_t pid, pid_t *list, int max)
{
	char path[64], buf[512];
	int fd, n, count = 0;
	char *p, *end;

	snprintf(path, sizeof(path), "/proc/%d/task/%d/children", (int)pid, (int)pid);
	fd = open(path, O_RDONLY);
	if (fd < 0)
		return -1;
	n = (int)read(fd, buf, sizeof(buf) - 1);
	close(fd);
	buf[n > 0 ? n : 0] = '\0';
	for (p = buf; count < max; p = end) {
		long v = strtol(p, &end, 10);

		if (end == p)
			break;
		list[count++] = (pid_t)v;
	}
	return count;
}

/*
 * Makes an orphan inside the agent's pid namespace. Orphans go to the reaper
 * of their parent's namespace, so: a helper joins the namespace, forks A (in
 * it), A forks G and exits; G, orphaned, must go to the agent, which must
 * reap it when it exits 300 ms later.
 */
static int make_orphan(pid_t agent_pid)
{
	char path[64];
	int status = -1;
	pid_t helper;

	snprintf(path, sizeof(path), "/proc/%d/ns/pid", (int)agent_pid);
	fflush(stdout);
	helper = fork();
	if (helper == 0) {
		int ns = open(path, O_RDONLY);
		pid_t a;

		if (ns < 0 || setns(ns, CLONE_NEWPID) < 0)
			_exit(1);
		a = fork();
		if (a == 0) {
			if (fork() == 0) {
				struct timespec ts = {0, 300 * 1000 * 1000};

				nanosleep(&ts, NULL);
				_exit(7);
			}
			_exit(0);
		}
		_exit(a > 0 && waitpid(a, &status, 0) == a && status == 0 ? 0 : 2);
	}
	if (helper < 0 || waitpid(helper, &status, 0) != helper)
		return -1;
	return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

static void test_idle_reaps_orphans(void)
{
	static const char *const args[] = {"--cmdline=console=ttyS0", NULL};
	char path[64];
	struct boot b;
	pid_t kids[8];
	int i, n;

	CHECK_INT(boot_start(&b, args, 0), 0);
	CHECK_INT(boot_read(&b, "incept-agent: ready\n"), 0);
	CHECK(mounted(b.pid, "/proc", "proc"));
	CHECK(mounted(b.pid, "/sys", "sysfs"));
	CHECK(mounted(b.pid, "/dev", "devtmpfs"));
	CHECK(mounted(b.pid, "/dev/pts", "devpts"));
	CHECK(mounted(b.pid, "/run", "tmpfs"));

	CHECK_INT(children(b.pid, kids, 8), 0);
	CHECK_INT(make_orphan(b.pid), 0);
	n = children(b.pid, kids, 8);
	CHECK_INT(n, 1); /* the orphan, reparented to the agent */
	/* It exits after 300 ms; unreaped, it would stay listed as a zombie. */
	for (i = 0; i < 50 && n > 0; i++) {
		usleep(100 * 1000);
		n = children(b.pid, kids, 8);
	}
	CHECK_INT(n, 0);
	snprintf(path, sizeof(path), "/proc/%d", (int)kids[0]);
	CHECK(access(path, F_OK) < 0);
	CHECK_INT(kill(b.pid, 0), 0); /* still idling */
	kill(b.pid, SIGKILL);
	boot_wait(&b);
	CHECK(WIFSIGNALED(b.status) && WTERMSIG(b.status) == SIGKILL);
}

/* Not PID 1: --selftest only, nothing mounted, no port. */
static void test_host_selftest(void)
{
	char cmd[PATH_MAX + 64], out[4096] = {0};
	FILE *f;
	size_t n;
	int status;

	snprintf(cmd, sizeof(cmd), "'%s' --selftest 2>&1", agent);
	f = popen(cmd, "r");
	n = f ? fread(out, 1, sizeof(out) - 1, f) : 0;
	status = f ? pclose(f) : -1;
	out[n] = '\0';
	CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	CHECK(strncmp(out, "incept-agent: not PID 1: no mounts, no I/O port, no reaping\n", 60) ==
	      0);
	CHECK(strstr(out, "\nselftest: ok\n") != NULL);

	snprintf(cmd, sizeof(cmd), "'%s' >/dev/null 2>&1", agent);
	status = system(cmd);
	CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 2);
	snprintf(cmd, sizeof(cmd), "'%s' --selftest --bogus >/dev/null 2>&1", agent);
	status = system(cmd);
	CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 2);
}

int main(void)
{
	const char *names[] = {"test_initrd_layout",	"test_poweroff",
			       "test_selftest_cmdline", "test_selftest_argv",
			       "test_selftest_fails",	"test_idle_reaps_orphans",
			       "test_host_selftest"};
	const char *why = NULL;
	char cmd[128];
	size_t i;

	if (geteuid() != 0)
		why = "needs root (namespaces, chroot)";
	else if (find_guest() < 0)
		why = "build/incept-agent or build/initrd.cpio not built (make guest)";
	if (why) {
		for (i = 0; i < sizeof(names) / sizeof(names[0]); i++)
			skip(names[i], why);
		return unit_done();
	}
	printf("# agent %s\n", agent);
	if (unpack_initrd() < 0) {
		printf("# cannot unpack %s with cpio into %s\n", initrd, root);
		unit_cur_failed = 1;
		unit_report("unpack the initrd");
		return unit_done();
	}
	RUN(test_initrd_layout);
	RUN(test_poweroff);
	RUN(test_selftest_cmdline);
	RUN(test_selftest_argv);
	RUN(test_selftest_fails);
	RUN(test_idle_reaps_orphans);
	RUN(test_host_selftest);
	snprintf(cmd, sizeof(cmd), "rm -rf --one-file-system '%s'", root);
	if (system(cmd) != 0)
		printf("# could not remove %s\n", root);
	return unit_done();
}
