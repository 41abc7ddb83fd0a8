// SPDX-License-Identifier: Apache-2.0
/*
 * sysloop N [getppid|personality]: N system calls, timed with CLOCK_MONOTONIC; prints
 * `syscall_ns: <mean ns per call>` and `calls: N`. Static, so it runs in a busybox rootfs. The
 * call is made with syscall() so libc can never answer it from a cache.
 * getppid (the default) has no argument to check: a seccomp filter that allows it whatever
 * the arguments is answered from the kernel's per-filter action cache without running the
 * filter. personality(0xffffffff) (a query that changes nothing) is allowed by Docker's
 * profile only for some argument values, so the filter itself runs on every call.
 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

static long long now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

int main(int argc, char **argv)
{
	char *end;
	long n = argc >= 2 ? strtol(argv[1], &end, 10) : 0;
	bool pers = argc == 3 && strcmp(argv[2], "personality") == 0;
	long long t0, t1;

	if (argc < 2 || argc > 3 || *end || n <= 0 ||
	    (argc == 3 && !pers && strcmp(argv[2], "getppid"))) {
		fprintf(stderr, "usage: sysloop N [getppid|personality] (N > 0)\n");
		return 2;
	}
	t0 = now_ns();
	for (long i = 0; i < n; i++) {
		if (pers)
			syscall(SYS_personality, 0xffffffffUL);
		else
			syscall(SYS_getppid);
	}
	t1 = now_ns();
	printf("syscall_ns: %lld\ncalls: %ld\n", (t1 - t0) / n, n);
	return 0;
}
