// SPDX-License-Identifier: Apache-2.0
/*
 * `incept events [--stats] [--interval D] ID`: runc's stats events, from the agent's STATS
 * reply (docs/protocol.md "stats"). One JSON line per event as runc's json.Encoder writes it,
 * with runc's field names for what the guest knows: cpu usage total/kernel/user, memory
 * usage/limit, pids current. runc also reports OOM events from the cgroup; the guest has no
 * memory cgroup, so incept has none (docs/runtime.md).
 */
#include "container.h"
#include "oci/state.h"

#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

struct events_opts {
	long long interval_ns;
	bool stats;
};

static int fetch_stats(const struct oci_container *c, struct proto_stats *st, struct err *e)
{
	uint8_t *payload = NULL;
	struct proto_buf req;
	uint32_t len = 0;
	int r;

	proto_buf_init(&req);
	r = proto_encode_empty(&req, PROTO_STATS, e);
	if (r == 0)
		r = rt_agent_request(c->state.vmm_socket, &req, PROTO_STATS_REPLY, &payload, &len,
				     e);
	if (r == 0)
		r = proto_decode_stats(payload, len, st, e);
	proto_buf_free(&req);
	free(payload);
	return r;
}

/* runc's types.Event{Type: "stats", ID, Data: types.Stats}, the fields we fill, one line. */
static int print_stats(const char *id, const struct proto_stats *st, struct err *e)
{
	struct rt_json j;

	rt_json_init(&j, NULL);
	rt_json_obj_begin(&j);
	rt_json_key(&j, "type");
	rt_json_str(&j, "stats");
	rt_json_key(&j, "id");
	rt_json_str(&j, id);
	rt_json_key(&j, "data");
	rt_json_obj_begin(&j);
	rt_json_key(&j, "cpu");
	rt_json_obj_begin(&j);
	rt_json_key(&j, "usage");
	rt_json_obj_begin(&j);
	rt_json_key(&j, "total");
	rt_json_uint(&j, st->cpu_total_ns);
	rt_json_key(&j, "kernel");
	rt_json_uint(&j, st->cpu_kernel_ns);
	rt_json_key(&j, "user");
	rt_json_uint(&j, st->cpu_user_ns);
	rt_json_obj_end(&j);
	rt_json_obj_end(&j);
	rt_json_key(&j, "memory");
	rt_json_obj_begin(&j);
	rt_json_key(&j, "usage");
	rt_json_obj_begin(&j);
	rt_json_key(&j, "limit");
	rt_json_uint(&j, st->mem_limit);
	rt_json_key(&j, "usage");
	rt_json_uint(&j, st->mem_usage);
	rt_json_obj_end(&j);
	rt_json_obj_end(&j);
	rt_json_key(&j, "pids");
	rt_json_obj_begin(&j);
	rt_json_key(&j, "current");
	rt_json_uint(&j, st->pids);
	rt_json_obj_end(&j);
	rt_json_obj_end(&j);
	rt_json_obj_end(&j);
	if (j.buf.oom) {
		rt_buf_free(&j.buf);
		return err_set(e, ENOMEM, "events");
	}
	/* a line at a time: whoever reads the stream sees each event as it comes */
	printf("%s\n", j.buf.p);
	fflush(stdout);
	rt_buf_free(&j.buf);
	return 0;
}

static void sleep_ns(long long ns)
{
	struct timespec ts = {.tv_sec = ns / 1000000000LL, .tv_nsec = ns % 1000000000LL};

	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

/*
 * Without --stats: an event every interval (the first after one interval, as runc's ticker)
 * while the container lives; its end (or the VM's, which is the same) ends the stream.
 */
static int stream_stats(const struct oci_container *c, long long interval_ns, struct err *e)
{
	struct proto_stats st;

	for (;;) {
		sleep_ns(interval_ns);
		if (oci_container_status(c) == OCI_STATUS_STOPPED)
			return 0;
		if (fetch_stats(c, &st, e) < 0)
			return oci_container_status(c) == OCI_STATUS_STOPPED ? 0 : -1;
		if (print_stats(c->id, &st, e) < 0)
			return -1;
	}
}

static int events_run(const struct rt_global *g, void *opts, int argc, char **argv, struct err *e)
{
	const struct events_opts *o = opts;
	struct oci_container *c;
	struct proto_stats st;
	int r;

	(void)argc;
	if (rt_container_open(g, argv[0], 0, &c, e) < 0)
		return -1;
	if (o->interval_ns <= 0)
		r = err_set(e, EINVAL, "duration interval must be greater than 0");
	else if (oci_container_status(c) == OCI_STATUS_STOPPED)
		r = err_set(e, EINVAL, "container with id %s is not running", c->id);
	else if (oci_container_status(c) == OCI_STATUS_PAUSED) /* the agent counts; it is paused */
		r = err_set(e, EBUSY, "container is paused: resume it to read its statistics");
	else if (o->stats)
		r = fetch_stats(c, &st, e) < 0 ? -1 : print_stats(c->id, &st, e);
	else
		r = stream_stats(c, o->interval_ns, e);
	oci_container_close(c);
	return r;
}
static const struct rt_flag events_flags[] = {
	{"interval", RT_FLAG_DURATION, offsetof(struct events_opts, interval_ns),
	 "set the stats collection interval", "5s"},
	{"stats", RT_FLAG_BOOL, offsetof(struct events_opts, stats),
	 "display the container's stats then exit", NULL},
	{NULL, 0, 0, NULL, NULL},
};

const struct rt_verb rt_verb_events = {
	.name = "events",
	.usage = "display container events such as OOM notifications, cpu, memory, and IO usage "
		 "statistics",
	.args_usage = "<container-id>\n"
		      "\n"
		      "Where \"<container-id>\" is the name for the instance of the container.",
	.description =
		"The events command displays information about the container. By default the\n"
		"information is displayed once every 5 seconds.",
	.flags = events_flags,
	.opts_size = sizeof(struct events_opts),
	.min_args = 1,
	.max_args = 1,
	.run = events_run,
};
