// SPDX-License-Identifier: Apache-2.0
/*
 * runtime/dbus.c's reply parser on arbitrary bytes: what systemd's side of the socket sends
 * (--systemd-cgroup). The size check and the parser must agree and never read past n. The
 * seeds are replies a real dbus-daemon and libdbus sent (NameAcquired, a method return, an
 * error, an "as" body), captured through tests/bats/systemd_cgroup.bats' set-up.
 */
#include "runtime/dbus.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct rt_dbus_reply r;
	struct err e;
	uint8_t *copy;

	if (size >= 16) {
		long want = rt_dbus_message_size(data, &e);

		/* a message the size check accepts is parsed exactly as read from the socket */
		if (want >= 16 && (size_t)want <= size) {
			copy = malloc((size_t)want); /* exact length: ASan sees any overread */
			if (!copy)
				return 0;
			memcpy(copy, data, (size_t)want);
			if (rt_dbus_parse_reply(copy, (size_t)want, &r, &e) == 0 &&
			    (memchr(r.error_name, 0, sizeof(r.error_name)) == NULL ||
			     memchr(r.message, 0, sizeof(r.message)) == NULL))
				abort();
			free(copy);
		}
	}
	copy = malloc(size ? size : 1);
	if (!copy)
		return 0;
	memcpy(copy, data, size);
	rt_dbus_parse_reply(copy, size, &r, &e);
	free(copy);
	return 0;
}
