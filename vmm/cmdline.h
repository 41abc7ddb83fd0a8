/* SPDX-License-Identifier: Apache-2.0 */
/* The guest kernel command line: the default, in one place, and how it is assembled. */
#ifndef VMM_CMDLINE_H
#define VMM_CMDLINE_H

#include <stddef.h>
#include "error.h"

extern const char vmm_default_cmdline[];

/*
 * base (the default unless --cmdline) + quirk words + device words + --append, separated
 * by single spaces. Later words win in Linux, so --append can override anything.
 */
int vmm_cmdline_build(char *out, size_t len, const char *base, const char *quirks,
		      const char *const *words, unsigned nr_words, const char *append,
		      struct err *e);

#endif
