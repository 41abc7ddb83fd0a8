// SPDX-License-Identifier: Apache-2.0
/*
 * libFuzzer target: common/proto.c's decoder, as the agent (or a compromised guest) feeds it.
 * The input is a whole message, header included; the header's type picks the decoder, as
 * the agent and the host ends of a stream do. A decoded CREATE/EXEC is re-encoded and decoded
 * again: what the decoder accepted must survive a round trip unchanged.
 */
#include "proto.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void round_trip_process(const struct proto_process *p)
{
	struct proto_process again;
	struct proto_buf b;
	struct err e;

	proto_buf_init(&b);
	if (proto_encode_process(&b, PROTO_EXEC, p, &e) < 0)
		abort();
	if (proto_decode_process(b.data + PROTO_HDR_SIZE, b.len - PROTO_HDR_SIZE, &again, &e) < 0)
		abort();
	if (again.nr_args != p->nr_args || again.nr_env != p->nr_env ||
	    strcmp(again.args[0], p->args[0]) != 0 || again.uid != p->uid ||
	    again.nr_rlimits != p->nr_rlimits || strcmp(again.cwd, p->cwd) != 0)
		abort();
	proto_process_free(&again);
	proto_buf_free(&b);
}

static bool same_id_map(const struct proto_id_mapping *a, uint32_t na,
			const struct proto_id_mapping *b, uint32_t nb)
{
	return na == nb && (na == 0 || memcmp(a, b, na * sizeof(*a)) == 0);
}

/*
 * The hooks (count, paths, args, timeouts, state) and the user namespace mappings of a decoded
 * CREATE survive a round trip.
 */
static void round_trip_container(const struct proto_container *c)
{
	struct proto_container again;
	struct proto_buf b;
	struct err e;

	proto_buf_init(&b);
	if (proto_encode_container(&b, c, &e) < 0)
		abort();
	if (proto_decode_container(b.data + PROTO_HDR_SIZE, b.len - PROTO_HDR_SIZE, &again, &e) < 0)
		abort();
	if (again.nr_hooks != c->nr_hooks ||
	    (c->state_json && strcmp(again.state_json, c->state_json) != 0) ||
	    !same_id_map(again.uid_map, again.nr_uid_map, c->uid_map, c->nr_uid_map) ||
	    !same_id_map(again.gid_map, again.nr_gid_map, c->gid_map, c->nr_gid_map))
		abort();
	for (uint32_t i = 0; i < c->nr_hooks; i++)
		if (strcmp(again.hooks[i].path, c->hooks[i].path) != 0 ||
		    again.hooks[i].nr_args != c->hooks[i].nr_args ||
		    again.hooks[i].nr_env != c->hooks[i].nr_env ||
		    again.hooks[i].timeout != c->hooks[i].timeout)
			abort();
	proto_container_free(&again);
	proto_buf_free(&b);
}

static void decode(uint16_t type, const uint8_t *p, size_t len)
{
	struct proto_container c;
	struct proto_process proc;
	struct proto_signal s;
	struct proto_exit x;
	struct proto_stats st;
	struct err e;
	const char *msg;
	uint32_t a, b, *pids;
	int errnum;

	switch (type) {
	case PROTO_CREATE:
		if (proto_decode_container(p, len, &c, &e) == 0) {
			round_trip_process(&c.process);
			round_trip_container(&c);
			proto_container_free(&c);
		}
		break;
	case PROTO_EXEC:
		if (proto_decode_process(p, len, &proc, &e) == 0) {
			round_trip_process(&proc);
			proto_process_free(&proc);
		}
		break;
	case PROTO_SIGNAL:
		proto_decode_signal(p, len, &s, &e);
		break;
	case PROTO_RESIZE:
		proto_decode_resize(p, len, &a, &b, &e);
		break;
	case PROTO_EXIT:
		proto_decode_exit(p, len, &x, &e);
		break;
	case PROTO_ERROR:
		proto_decode_error(p, len, &errnum, &msg, &e);
		break;
	case PROTO_PID:
		proto_decode_pid(p, len, &a, &e);
		break;
	case PROTO_PIDS:
		if (proto_decode_pids(p, len, &pids, &a, &e) == 0)
			free(pids);
		break;
	case PROTO_STATS_REPLY:
		/* what the decoder accepts is consistent: the runtime prints it as is */
		if (proto_decode_stats(p, len, &st, &e) == 0 &&
		    (st.cpu_user_ns + st.cpu_kernel_ns > st.cpu_total_ns ||
		     st.mem_usage > st.mem_limit))
			abort();
		break;
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct proto_hdr h;
	struct err e;
	uint8_t *copy;

	if (size < PROTO_HDR_SIZE || proto_hdr_parse(data, &h, &e) < 0)
		return 0;
	if (h.len > size - PROTO_HDR_SIZE)
		return 0;
	/* an exact-size copy so ASan sees any read past the payload */
	copy = malloc(h.len ? h.len : 1);
	if (!copy)
		return 0;
	memcpy(copy, data + PROTO_HDR_SIZE, h.len);
	decode(h.type, copy, h.len);
	free(copy);
	return 0;
}
