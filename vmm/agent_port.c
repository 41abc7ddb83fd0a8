// SPDX-License-Identifier: Apache-2.0
/* INCEPT_PORT: ready, exit status, timing marks, agent panic. */
#include "agent_port.h"
#include "container.h"
#include "guest_abi.h"
#include "util.h"
#include "vmm/virtio/fs.h"

#include <string.h>
#include <sys/random.h>
#include <time.h>

static void agent_ready(struct vmm *vm, unsigned arg)
{
	uint64_t now = util_now_ns();

	/* The first READY of a cold boot that builds a snapshot: save it right here. */
	if (arg == 0 && vm->snap.building && !vm->snap.requested) {
		vm->snap.requested = true;
		vmm_pause(vm);
	}

	if (vm->cfg->sync_fd >= 0)
		vmm_container_agent_ready(vm, arg);
	if (vm->timing.t_ready) {
		log_info("agent ready again (generation %u): RNG reseeded, clock set", arg);
		return; /* this VMM's first READY keeps its time */
	}
	vm->timing.t_ready = now;
	/* only --timing reports it; reading smaps holds this vCPU ~3 ms on a container's path */
	if (vm->cfg->timing)
		vmm_timing_sample_rss(vm);
	log_info("agent ready%s: ready_ms=%llu run_to_ready_ms=%llu",
		 arg ? " (restored from a snapshot)" : "",
		 (unsigned long long)vmm_ms(vm->timing.t_start, now),
		 (unsigned long long)vmm_ms(vm->timing.t_first_run, now));
}

static uint32_t query(struct vmm *vm, unsigned what)
{
	uint32_t v = 0;

	switch (what) {
	case INCEPT_QUERY_GENERATION:
		return vm->generation;
	case INCEPT_QUERY_ENTROPY:
		if (getrandom(&v, sizeof(v), 0) != sizeof(v))
			log_warn("agent port: getrandom failed");
		return v;
	case INCEPT_QUERY_TIME_SEC_LO:
		clock_gettime(CLOCK_REALTIME, &vm->port_time);
		return (uint32_t)vm->port_time.tv_sec;
	case INCEPT_QUERY_TIME_SEC_HI:
		return (uint32_t)((uint64_t)vm->port_time.tv_sec >> 32);
	case INCEPT_QUERY_TIME_NSEC:
		return (uint32_t)vm->port_time.tv_nsec;
	case INCEPT_QUERY_TASK:
		return vm->cfg->agent_task;
	default:
		log_debug("agent port: unknown query %u", what);
		return 0;
	}
}

static void agent_panic(struct vmm *vm, unsigned code)
{
	char tail[700];
	struct err e;

	vmm_console_flush(&vm->console);
	vmm_console_tail(&vm->console, tail, sizeof(tail), 12);
	err_set(&e, 0, "the guest agent failed (code %u); last console output:\n%s", code,
		tail[0] ? tail : "(none)");
	vmm_stop(vm, 1, &e);
}

int vmm_agent_port_io(void *opaque, uint64_t offset, uint8_t *data, uint32_t len, bool is_write,
		      struct err *e)
{
	struct vmm *vm = opaque;
	uint32_t v;

	(void)e;
	if (!is_write) {
		memset(data, 0, len);
		if (offset == 0 && len == 4)
			memcpy(data, &vm->port_answer, 4);
		return 0;
	}
	if (offset != 0 || len != 4) {
		log_debug("agent port: ignored %u-byte write at +%llu", len,
			  (unsigned long long)offset);
		return 0;
	}
	memcpy(&v, data, 4);
	switch (INCEPT_PORT_CMD(v)) {
	case INCEPT_CMD_READY:
		agent_ready(vm, INCEPT_PORT_ARG(v));
		break;
	case INCEPT_CMD_QUERY:
		vm->port_answer = query(vm, INCEPT_PORT_ARG(v));
		break;
	case INCEPT_CMD_EXIT:
		log_info("guest exit status %u", INCEPT_PORT_ARG(v) & 0xff);
		vmm_stop(vm, (int)(INCEPT_PORT_ARG(v) & 0xff), NULL);
		break;
	case INCEPT_CMD_MARK:
		log_info("agent mark %u at %llu ms", INCEPT_PORT_ARG(v),
			 (unsigned long long)vmm_ms(vm->timing.t_start, util_now_ns()));
		break;
	case INCEPT_CMD_PANIC:
		agent_panic(vm, INCEPT_PORT_ARG(v));
		break;
	case INCEPT_CMD_FS_STATS:
		/* one log line per command, like MARK: a guest that loops only fills its own log */
		if (vm->fs && INCEPT_PORT_ARG(v))
			vmm_virtio_fs_log_stats(vm->fs, INCEPT_PORT_ARG(v));
		break;
	default:
		log_warn("agent port: unknown command 0x%08x", v);
		break;
	}
	return 0;
}
