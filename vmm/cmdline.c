// SPDX-License-Identifier: Apache-2.0
/* Kernel command line assembly. */
#include "cmdline.h"

#include <errno.h>
#include <string.h>

/*
 * Every word here saves guest-kernel work (on PVM every kernel instruction is emulated,
 * ~0.6 us each), and every word costs some too: the kernel compares each word against every
 * parameter at each initcall level. So only what the kernel config does not already say:
 *   console=ttyS0     the boot log goes to our 16550 (and so to --console-log)
 *   quiet             ...but only warnings are printed: every byte is an exit or two
 *   reboot=t          reboot = triple fault = KVM_EXIT_SHUTDOWN: the VMM sees it at once
 *   panic=-1          a panic reboots at once, so the VMM reports it (also in the config)
 *   tsc=reliable      no clocksource watchdog, no TSC sync checks
 *   no_timer_check    no IO-APIC timer check (it waits for ticks)
 * Defaults we rely on instead of words: rdinit=/init, 8250.nr_uarts=1 and io_delay=none
 * (guest-kernel/microvm.config), random.trust_cpu=on (6.12's default).
 * Measured and left out (guest-kernel/README.md): mitigations=off and *hash_entries= (no
 * measurable gain, each word costs ~10 ms of parsing on PVM), initcall_blacklist= (makes
 * the kernel look up every initcall's name), rodata=off (~0.6 s, but writable kernel text).
 */
const char vmm_default_cmdline[] = "console=ttyS0 quiet reboot=t panic=-1 tsc=reliable "
				   "no_timer_check";

static int append_word(char *out, size_t len, size_t *pos, const char *w, struct err *e)
{
	size_t n = strlen(w);

	if (n == 0)
		return 0;
	if (*pos + (*pos ? 1 : 0) + n + 1 > len)
		return err_set(e, E2BIG, "kernel command line longer than %zu bytes", len - 1);
	if (*pos)
		out[(*pos)++] = ' ';
	memcpy(out + *pos, w, n + 1);
	*pos += n;
	return 0;
}

int vmm_cmdline_build(char *out, size_t len, const char *base, const char *quirks,
		      const char *const *words, unsigned nr_words, const char *append,
		      struct err *e)
{
	size_t pos = 0;

	if (!len)
		return err_set(e, EINVAL, "no room for the kernel command line");
	out[0] = '\0';
	if (append_word(out, len, &pos, base ? base : "", e) < 0 ||
	    append_word(out, len, &pos, quirks ? quirks : "", e) < 0)
		return -1;
	for (unsigned i = 0; i < nr_words; i++)
		if (append_word(out, len, &pos, words[i], e) < 0)
			return -1;
	return append_word(out, len, &pos, append ? append : "", e);
}
