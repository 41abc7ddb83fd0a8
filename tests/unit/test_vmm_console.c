// SPDX-License-Identifier: Apache-2.0
/* Console ring (error-message tails) and kernel command line assembly. */
#include "unit.h"
#include "vmm/cmdline.h"
#include "vmm/console.h"
#include "vmm/layout.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static void put(struct vmm_console *c, const char *s)
{
	while (*s)
		vmm_console_putc(c, (uint8_t)*s++);
}

static void test_tail_lines(void)
{
	struct vmm_console c;
	struct err e;
	char out[256];

	CHECK_INT(vmm_console_init(&c, NULL, false, &e), 0);
	put(&c, "one\r\ntwo\r\nthree\r\nfour\r\n");
	vmm_console_tail(&c, out, sizeof(out), 2);
	CHECK_STR(out, "three\nfour"); /* CRs dropped, trailing newline trimmed */
	vmm_console_tail(&c, out, sizeof(out), 10);
	CHECK_STR(out, "one\ntwo\nthree\nfour");
	vmm_console_tail(&c, out, 6, 10); /* byte limit wins: the newest bytes */
	CHECK_STR(out, "\nfour");
	vmm_console_destroy(&c);
}

static void test_ring_wraps(void)
{
	struct vmm_console c;
	struct err e;
	char out[64], line[32];

	CHECK_INT(vmm_console_init(&c, NULL, false, &e), 0);
	for (int i = 0; i < 2000; i++) {
		snprintf(line, sizeof(line), "line %d\n", i);
		put(&c, line);
	}
	CHECK(c.ring_full);
	vmm_console_tail(&c, out, sizeof(out), 1);
	CHECK_STR(out, "line 1999");
	CHECK(!vmm_console_contains(&c, "line 5\n")); /* overwritten long ago */
	CHECK(vmm_console_contains(&c, "line 1990"));
	vmm_console_destroy(&c);
}

static void test_find_line_and_unprintable(void)
{
	struct vmm_console c;
	struct err e;
	char out[64];

	CHECK_INT(vmm_console_init(&c, NULL, false, &e), 0);
	put(&c, "[ 1.0] Kernel panic - not syncing: first\n[ 2.0] Kernel panic - not syncing: "
		"second\x01\ntrace\n");
	CHECK(vmm_console_find_line(&c, "Kernel panic", out, sizeof(out)));
	CHECK_STR(out, "[ 2.0] Kernel panic - not syncing: second?");
	CHECK(!vmm_console_find_line(&c, "Oops", out, sizeof(out)));
	vmm_console_destroy(&c);
}

static void test_log_file(void)
{
	char path[] = "/tmp/test_vmm_console.XXXXXX";
	int fd = mkstemp(path);
	struct vmm_console c;
	struct err e;
	char buf[64] = {0};

	CHECK(fd >= 0);
	CHECK_INT(vmm_console_init(&c, path, false, &e), 0);
	put(&c, "hello\npartial");
	vmm_console_destroy(&c); /* flushes the partial line */
	CHECK(read(fd, buf, sizeof(buf) - 1) == 13);
	CHECK_STR(buf, "hello\npartial");
	close(fd);
	unlink(path);
	CHECK_INT(vmm_console_init(&c, "/nonexistent/dir/log", false, &e), -1);
	CHECK(strstr(e.msg, "/nonexistent/dir/log") != NULL);
}

static void test_cmdline(void)
{
	const char *words[] = {"virtio_mmio.device=4K@0xd0000000:5"};
	char out[128];
	struct err e;

	CHECK_INT(vmm_cmdline_build(out, sizeof(out), "console=ttyS0", "noxsave", words, 1,
				    "rdinit=/x", &e),
		  0);
	CHECK_STR(out, "console=ttyS0 noxsave virtio_mmio.device=4K@0xd0000000:5 rdinit=/x");
	CHECK_INT(vmm_cmdline_build(out, sizeof(out), "a", "", NULL, 0, NULL, &e), 0);
	CHECK_STR(out, "a");
	CHECK_INT(vmm_cmdline_build(out, 8, "console=ttyS0", NULL, NULL, 0, NULL, &e), -1);
	CHECK(strstr(vmm_default_cmdline, "console=ttyS0") == vmm_default_cmdline);
	CHECK(strlen(vmm_default_cmdline) < VMM_CMDLINE_MAX / 4);
}

int main(void)
{
	RUN(test_tail_lines);
	RUN(test_ring_wraps);
	RUN(test_find_line_and_unprintable);
	RUN(test_log_file);
	RUN(test_cmdline);
	return unit_done();
}
