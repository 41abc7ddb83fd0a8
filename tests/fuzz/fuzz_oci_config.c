// SPDX-License-Identifier: Apache-2.0
/*
 * libFuzzer target for the config.json and process.json parsers: any input
 * must either parse (and then validate and free cleanly) or fail with an
 * error message, never crash, leak or read out of bounds.
 */
#include "oci/config.h"

#include <stddef.h>
#include <stdint.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct oci_config *c = NULL;
	struct oci_process *p = NULL;
	struct err e = {0};

	if (oci_config_parse((const char *)data, size, &c, &e) == 0) {
		(void)oci_config_validate_for_create(c, &e);
		(void)oci_config_annotation(c, "io.incept.vcpus");
		oci_config_free(c);
	} else if (e.msg[0] == '\0' || memchr(e.msg, '\0', sizeof(e.msg)) == NULL) {
		__builtin_trap(); /* a failure must say why */
	}
	if (oci_process_parse((const char *)data, size, &p, &e) == 0)
		oci_process_free(p);
	return 0;
}
