// SPDX-License-Identifier: Apache-2.0
/*
 * The reaper (vmm/reaper.c): it keeps exactly the fds it is given, closes the rest before
 * vmm_reaper_start() returns, outlives its starter and exits once the starter is gone.
 */
#include "unit.h"
#include "vmm/reaper.h"

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

/* poll one fd for hang-up, up to ms: 1 if the write end is closed everywhere */
static int hung_up(int fd, int ms)
{
	struct pollfd p = {.fd = fd, .events = POLLIN};

	return poll(&p, 1, ms) == 1 && (p.revents & POLLHUP);
}

/* 1 if /proc/PID/status shows SIGTERM and SIGUSR1 blocked */
static int signals_blocked(pid_t pid)
{
	char path[64], line[256];
	unsigned long long mask = 0;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
	f = fopen(path, "r");
	if (!f)
		return 0;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "SigBlk: %llx", &mask) == 1)
			break;
	fclose(f);
	return (mask >> (SIGTERM - 1) & 1) && (mask >> (SIGUSR1 - 1) & 1);
}

/* The "VMM": starts a reaper keeping kept_w, reports its pid, drops its own fds, waits, exits 5. */
static void starter(int kept_w, int dropped_w, int go_r, int pid_w)
{
	struct err e;
	pid_t pid = vmm_reaper_start(&kept_w, 1, &e);
	char c;

	if (write(pid_w, &pid, sizeof(pid)) != sizeof(pid))
		_exit(1);
	close(pid_w);
	close(kept_w);
	close(dropped_w);
	while (read(go_r, &c, 1) < 0 && errno == EINTR)
		;
	_exit(pid > 0 ? 5 : 1);
}

static int write_str(const char *path, const char *s)
{
	FILE *f = fopen(path, "w");
	int ok = f && fputs(s, f) >= 0;

	if (f && fclose(f) != 0)
		ok = 0;
	return ok ? 0 : -1;
}

/* A running starter: its pid, its reaper's, our ends of the kept/dropped pipes and of go. */
struct started {
	pid_t vmm, reaper;
	int kept, dropped, go;
};

/*
 * Forks a starter (first moved into the cgroup whose cgroup.procs is `procs`, unless NULL)
 * and waits for its reaper's pid. The starter exits 5 once s->go is closed (2 if the move
 * failed).
 */
static void start_vmm(const char *procs, struct started *s)
{
	int kept[2], dropped[2], go[2], rep[2];

	s->reaper = -1;
	CHECK(pipe(kept) == 0 && pipe(dropped) == 0 && pipe(go) == 0 && pipe(rep) == 0);
	s->vmm = fork();
	if (s->vmm == 0) {
		close(kept[0]);
		close(dropped[0]);
		close(go[1]);
		close(rep[0]);
		if (procs && write_str(procs, "0") < 0) /* the "VMM" in the container's cgroup */
			_exit(2);
		starter(kept[1], dropped[1], go[0], rep[1]);
	}
	close(kept[1]);
	close(dropped[1]);
	close(go[0]);
	close(rep[1]);
	CHECK(read(rep[0], &s->reaper, sizeof(s->reaper)) == sizeof(s->reaper));
	CHECK(s->reaper > 0);
	close(rep[0]);
	s->kept = kept[0];
	s->dropped = dropped[0];
	s->go = go[1];
}

static void test_keeps_fds_until_the_starter_exits(void)
{
	struct started v;
	int st = 0;

	CHECK(prctl(PR_SET_CHILD_SUBREAPER, 1) == 0); /* the orphaned reaper comes to us */
	start_vmm(NULL, &v);
	/* the starter closed both; the reaper kept only the one it was given */
	CHECK(hung_up(v.dropped, 5000));
	CHECK(!hung_up(v.kept, 0));
	CHECK(kill(v.reaper, 0) == 0);
	/* it never runs the starter's handlers: every signal is blocked in it */
	CHECK(signals_blocked(v.reaper));
	close(v.go); /* the starter exits */
	CHECK(waitpid(v.vmm, &st, 0) == v.vmm && WIFEXITED(st) && WEXITSTATUS(st) == 5);
	/* then the reaper drops the last copy and exits by itself, status 0 */
	CHECK(hung_up(v.kept, 5000));
	CHECK(waitpid(v.reaper, &st, 0) == v.reaper && WIFEXITED(st) && WEXITSTATUS(st) == 0);
	close(v.kept);
	close(v.dropped);
}

/* The v2 line of /proc/PID/cgroup ("0::/..."), into buf. */
static void cgroup_of(pid_t pid, char *buf, size_t size)
{
	char path[64];
	FILE *f;

	buf[0] = '\0';
	snprintf(path, sizeof(path), "/proc/%d/cgroup", (int)pid);
	f = fopen(path, "r");
	while (f && fgets(buf, (int)size, f))
		if (!strncmp(buf, "0::", 3))
			break;
	if (f)
		fclose(f);
	buf[strcspn(buf, "\n")] = '\0';
}

/*
 * The reaper leaves the container's cgroup (to the v2 root), so the cgroup can be removed as
 * soon as the VMM is gone. Needs root and a writable v2 hierarchy; says so when it has none.
 */
static void test_leaves_the_cgroup(void)
{
	const char *roots[] = {"/sys/fs/cgroup", "/sys/fs/cgroup/unified"};
	char dir[128] = "", procs[160], line[256], want[160];
	struct started v;
	int st = 0;

	for (size_t i = 0; i < 2 && !dir[0]; i++) {
		snprintf(procs, sizeof(procs), "%s/cgroup.procs", roots[i]);
		if (access(procs, W_OK) == 0)
			snprintf(dir, sizeof(dir), "%s/incept-reaper-test-%d", roots[i],
				 (int)getpid());
	}
	if (!dir[0] || mkdir(dir, 0755) < 0) {
		printf("# no writable cgroup v2 hierarchy here: the move is not checked\n");
		return;
	}
	snprintf(procs, sizeof(procs), "%s/cgroup.procs", dir);
	snprintf(want, sizeof(want), "0::/incept-reaper-test-%d", (int)getpid());
	CHECK(prctl(PR_SET_CHILD_SUBREAPER, 1) == 0);
	start_vmm(procs, &v);
	cgroup_of(v.vmm, line, sizeof(line));
	CHECK_STR(line, want);
	cgroup_of(v.reaper, line, sizeof(line));
	CHECK_STR(line, "0::/");
	close(v.go); /* the "VMM" exits: its cgroup is empty at once */
	CHECK(waitpid(v.vmm, &st, 0) == v.vmm && WIFEXITED(st) && WEXITSTATUS(st) == 5);
	CHECK(rmdir(dir) == 0);
	if (v.reaper > 0)
		CHECK(waitpid(v.reaper, &st, 0) == v.reaper);
	rmdir(dir);
	close(v.kept);
	close(v.dropped);
}

static void test_too_many_fds(void)
{
	int fds[100] = {0};
	struct err e;

	CHECK(vmm_reaper_start(fds, 100, &e) < 0);
	CHECK_INT(e.errnum, E2BIG);
}

int main(void)
{
	RUN(test_keeps_fds_until_the_starter_exits);
	RUN(test_leaves_the_cgroup);
	RUN(test_too_many_fds);
	return unit_done();
}
