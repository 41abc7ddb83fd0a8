// SPDX-License-Identifier: Apache-2.0
/*
 * PAUSE / RESUME / SIGNAL from the runtime (`incept pause`, `resume`, `kill` of a paused
 * container). Pausing parks every vCPU thread outside KVM_RUN (vcpu.c, the same parking a
 * snapshot uses), so the guest runs no instruction, while the device threads go on: host data
 * queues up for the guest and the VMM still answers its socket. OK is sent only once every
 * vCPU is parked, so a runtime that got OK knows the container makes no progress. One request
 * at a time.
 *
 * A signal for a paused container is held here, as a frozen process holds a pending signal,
 * and sent to the agent right after the vCPUs run again; RESUME answers only once the agent
 * has taken every held signal, so what `kill` accepted is never lost between the two.
 */
#include "control.h"
#include "cleanup.h"
#include "proto.h"
#include "relay.h"
#include "util.h"
#include "vcpu.h"
#include "virtio/vsock.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

enum { CTL_PAUSE = 1, CTL_RESUME, CTL_RESUMED };

/*
 * The agent accepts a stream and answers in ms. RESUME waits for the delivery, and the runtime
 * waits 10 s for RESUME's answer (runtime/vmm_control.c): a delivery gives up well before.
 */
#define AGENT_ANSWER_MS 3000
#define SIGNAL_MAX	64 /* proto.h: SIGNAL's signo is 1..64 */

/* A reply is one short line to a fresh socket: it fits its buffer, or the client is gone. */
static void reply(int fd, const char *line)
{
	if (send(fd, line, strlen(line), MSG_NOSIGNAL | MSG_DONTWAIT) < 0)
		log_debug("VMM socket: reply \"%.20s\" not sent", line);
	close(fd);
}

void vmm_control_attach(struct vmm *vm)
{
	vm->held.fd = -1;
	if (vm->vsock)
		vmm_vsock_set_control(vm->vsock, vmm_control_line, vm);
}

/* "SIGNAL <signo>" or "SIGNAL <signo> all" (kill --all); 0 with *signo, *all set. */
static int parse_signal(const char *line, unsigned *signo, bool *all)
{
	char word[8] = "";
	unsigned n;
	int used = 0;

	if (sscanf(line, "SIGNAL %u%n %7s%n", &n, &used, word, &used) < 1 || line[used] || n < 1 ||
	    n > SIGNAL_MAX || (word[0] && strcmp(word, "all")))
		return -1;
	*signo = n;
	*all = word[0] != '\0';
	return 0;
}

/* Holds the signal; the main thread sends it at once when the VM is not paused. */
static void hold_signal(struct vmm *vm, const char *line, int fd)
{
	unsigned signo;
	bool all;

	if (parse_signal(line, &signo, &all) < 0) {
		reply(fd, "ERR usage: SIGNAL <1..64> [all]\n");
		return;
	}
	pthread_mutex_lock(&vm->lock);
	if (vm->stopping) {
		reply(fd, "ERR the VM is stopping\n");
	} else {
		if (all)
			vm->held.all |= 1ull << (signo - 1);
		else
			vm->held.init |= 1ull << (signo - 1);
		reply(fd, "OK\n");
		pthread_cond_broadcast(&vm->cond);
	}
	pthread_mutex_unlock(&vm->lock);
}

int vmm_control_line(void *ctx, const char *line, int fd)
{
	struct vmm *vm = ctx;
	int op;

	if (!strncmp(line, "SIGNAL ", 7)) {
		hold_signal(vm, line, fd);
		return 0;
	}
	if (!strcmp(line, "PAUSE"))
		op = CTL_PAUSE;
	else if (!strcmp(line, "RESUME"))
		op = CTL_RESUME;
	else
		return -1;
	pthread_mutex_lock(&vm->lock);
	if (vm->stopping)
		reply(fd, "ERR the VM is stopping\n");
	else if (vm->ctl_fd >= 0)
		reply(fd, "ERR another PAUSE or RESUME is in progress\n");
	else if (vm->snap.requested && !vm->snap.taken)
		reply(fd, "ERR the VM is saving its snapshot\n");
	else {
		vm->ctl_fd = fd;
		vm->ctl_op = op;
		pthread_cond_broadcast(&vm->cond);
	}
	pthread_mutex_unlock(&vm->lock);
	return 0;
}

static int agent_connect(struct vmm *vm, struct err *e)
{
	if (vm->held.connect)
		return vm->held.connect(vm, e);
	if (!vm->vsock)
		return err_set(e, ENODEV, "no vsock device");
	return vmm_vsock_connect_local(vm->vsock, PROTO_AGENT_PORT, e);
}

/* The stream is shut down by vmm_control_abort while registered; false: the VM is ending. */
static bool register_fd(struct vmm *vm, int fd)
{
	bool ok;

	pthread_mutex_lock(&vm->lock);
	ok = !vm->stopping;
	vm->held.fd = ok ? fd : -1;
	pthread_mutex_unlock(&vm->lock);
	return ok;
}

static void unregister_fd(struct vmm *vm)
{
	pthread_mutex_lock(&vm->lock);
	vm->held.fd = -1;
	pthread_mutex_unlock(&vm->lock);
}

/*
 * SIGNAL {init or all, signo} -> OK, as `incept kill` sends it (docs/protocol.md). 1: the agent
 * refused it (ERROR, e.g. the init is gone); -1: no answer.
 */
static int ask_agent(int fd, unsigned signo, bool all, struct err *e)
{
	struct proto_signal s = {.pid = 0, .signo = signo, .all = all};
	struct timeval tv = {.tv_sec = AGENT_ANSWER_MS / 1000};
	cleanup_free uint8_t *payload = NULL;
	struct proto_hdr h;
	struct proto_buf b;
	const char *msg;
	int r, errnum;

	if (setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)) < 0)
		return err_sys(e, errno, "SO_RCVTIMEO");
	if (relay_expect_ok(fd, AGENT_ANSWER_MS, e) < 0)
		return -1;
	proto_buf_init(&b);
	r = proto_encode_signal(&b, &s, e);
	if (r == 0)
		r = proto_write_buf(fd, &b, e);
	proto_buf_free(&b);
	if (r < 0)
		return -1;
	r = proto_read_msg(fd, &h, &payload, e);
	if (r <= 0)
		return r == 0 ? err_set(e, ECONNRESET, "the agent closed the connection") : -1;
	if (h.type == PROTO_ERROR && proto_decode_error(payload, h.len, &errnum, &msg, e) == 0) {
		err_set(e, errnum, "%s", msg);
		return 1;
	}
	if (h.type != PROTO_OK)
		return err_set(e, EPROTO, "the agent answered SIGNAL with %s",
			       proto_type_name(h.type));
	return 0;
}

/* false: nothing more can be sent (the VM is ending, or the agent does not answer). */
static bool deliver_one(struct vmm *vm, unsigned signo, bool all)
{
	struct err e = {0};
	int fd = agent_connect(vm, &e), r = -1;

	if (fd >= 0 && !register_fd(vm, fd)) {
		close(fd);
		return false;
	}
	if (fd >= 0) {
		r = ask_agent(fd, signo, all, &e);
		unregister_fd(vm);
		close(fd);
	}
	if (r == 0)
		log_info("held signal %u%s delivered after resume", signo, all ? " (all)" : "");
	else
		log_warn("held signal %u%s not delivered: %s", signo, all ? " (all)" : "", e.msg);
	return r >= 0;
}

/*
 * The delivery thread: the held signals, lowest first, the init's before --all's. An agent
 * that did not answer one will not answer the next: the rest are dropped, so that RESUME
 * answers in time.
 */
static void *deliver(void *arg)
{
	struct vmm *vm = arg;
	bool going = true;

	for (int pass = 0; pass < 2; pass++) {
		uint64_t set = pass ? vm->held.send_all : vm->held.send_init;

		for (unsigned signo = 1; signo <= SIGNAL_MAX; signo++) {
			if (!(set & (1ull << (signo - 1))))
				continue;
			if (going)
				going = deliver_one(vm, signo, pass == 1);
			else
				log_warn("held signal %u%s dropped", signo, pass ? " (all)" : "");
		}
	}
	pthread_mutex_lock(&vm->lock);
	vm->held.done = true;
	pthread_cond_broadcast(&vm->cond);
	pthread_mutex_unlock(&vm->lock);
	return NULL;
}

/*
 * vm->lock held. Joins a finished delivery (it takes no lock after `done`), and starts one
 * for what is held once the guest runs: never into a paused guest, whose vsock connect would
 * only time out.
 */
static void held_step(struct vmm *vm)
{
	struct vmm_held_signals *h = &vm->held;
	int r;

	if (h->done) {
		pthread_join(h->thread, NULL);
		h->done = h->delivering = false;
	}
	if (h->delivering || !(h->init | h->all) || vm->user_paused || vm->stopping)
		return;
	h->send_init = h->init;
	h->send_all = h->all;
	h->init = h->all = 0;
	h->delivering = true;
	r = pthread_create(&h->thread, NULL, deliver, vm);
	if (r) {
		log_error("held signals %#llx/%#llx not delivered: thread: %s",
			  (unsigned long long)h->send_init, (unsigned long long)h->send_all,
			  strerror(r));
		h->delivering = false;
	}
}

static void resume(struct vmm *vm)
{
	if (vm->user_paused)
		log_info("resumed by the runtime");
	vm->user_paused = false;
	__atomic_store_n(&vm->pausing, false, __ATOMIC_RELEASE);
	pthread_cond_broadcast(&vm->cond);
}

void vmm_control_step(struct vmm *vm)
{
	held_step(vm);
	if (vm->ctl_fd < 0)
		return;
	if (vm->ctl_op == CTL_RESUME) {
		resume(vm);
		vm->ctl_op = CTL_RESUMED;
		held_step(vm);
	}
	if (vm->ctl_op == CTL_RESUMED) {
		if (vm->held.delivering || vm->held.init || vm->held.all)
			return; /* the delivery thread wakes us when the agent has them */
	} else {
		if (vm->held.delivering)
			return; /* paused now, the guest could not take what is on its way */
		if (!vm->user_paused) {
			vm->user_paused = true;
			vmm_pause_locked(vm);
		}
		if (vm->nr_parked < vm->nr_vcpus)
			return; /* vcpu_park() wakes us as each one parks */
		log_info("paused by the runtime: %u vCPU(s) parked", vm->nr_parked);
	}
	reply(vm->ctl_fd, "OK\n");
	vm->ctl_fd = -1;
}

void vmm_control_abort(struct vmm *vm)
{
	if (vm->held.delivering) {
		/* a stream the agent does not answer would hold the teardown for seconds */
		if (vm->held.fd >= 0)
			shutdown(vm->held.fd, SHUT_RDWR);
		pthread_mutex_unlock(&vm->lock);
		pthread_join(vm->held.thread, NULL);
		pthread_mutex_lock(&vm->lock);
		vm->held.delivering = vm->held.done = false;
	}
	if (vm->ctl_fd < 0)
		return;
	/*
	 * A RESUME whose vCPUs run again is done, even if the VM ends before the agent took the
	 * held signals (a TERM that ended the container ends the VM too, often that fast).
	 */
	reply(vm->ctl_fd, vm->ctl_op == CTL_RESUMED ? "OK\n" : "ERR the VM is stopping\n");
	vm->ctl_fd = -1;
}
