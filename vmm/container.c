// SPDX-License-Identifier: Apache-2.0
/* Container mode: vmm/container.h, docs/protocol.md. */
#include "container.h"
#include "log.h"
#include "timing.h"
#include "util.h"
#include "proto.h"
#include "relay.h"
#include "virtio/vsock.h"

#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/ioctl.h>
#include <termios.h>
#include <unistd.h>

#define AGENT_ANSWER_MS 10000 /* the agent accepts a stream in ms; 10 s means it is gone */

static struct {
	struct vmm *vm;
	int sync_fd;
	int stream;
	pthread_t thread;
	bool started;
	bool agent_working;
	sigset_t forward;
} ct = {.sync_fd = -1, .stream = -1};

int vmm_container_signals(struct err *e)
{
	int r;

	relay_forward_set(&ct.forward);
	r = pthread_sigmask(SIG_BLOCK, &ct.forward, NULL);
	if (r)
		return err_sys(e, r, "blocking signals");
	signal(SIGPIPE, SIG_IGN);
	return 0;
}

void vmm_container_agent_ready(struct vmm *vm, unsigned arg)
{
	/* READY(0) of a boot that saves a snapshot comes before the save: not yet. */
	if (arg != vm->generation || (arg == 0 && vm->snap.building))
		return;
	pthread_mutex_lock(&vm->lock);
	ct.agent_working = true;
	pthread_cond_broadcast(&vm->cond);
	pthread_mutex_unlock(&vm->lock);
}

/* Milliseconds since this VMM was exec'd, for the log lines bench/lifecycle.sh reads. */
static unsigned long long since_start(const struct vmm *vm)
{
	return (unsigned long long)vmm_ms(vm->timing.t_start, util_now_ns());
}

void vmm_container_fail(int sync_fd, const struct err *why)
{
	struct proto_buf b;
	struct err e;

	proto_buf_init(&b);
	if (proto_encode_error(&b, why->errnum ? why->errnum : EIO, why->msg, &e) == 0)
		proto_write_buf(sync_fd, &b, &e);
	proto_buf_free(&b);
}

static bool wait_for_agent(struct vmm *vm)
{
	bool ok;

	pthread_mutex_lock(&vm->lock);
	while (!ct.agent_working && !vm->stopping)
		pthread_cond_wait(&vm->cond, &vm->lock);
	ok = ct.agent_working && !vm->stopping;
	pthread_mutex_unlock(&vm->lock);
	return ok;
}

/* Writes one whole message (header + payload) to fd. */
static int send_msg(int fd, const struct proto_hdr *h, const uint8_t *payload, struct err *e)
{
	uint8_t raw[PROTO_HDR_SIZE];
	struct proto_buf b;
	int rc;

	proto_buf_init(&b);
	proto_hdr_encode(h, raw);
	proto_put_raw(&b, raw, sizeof(raw));
	proto_put_raw(&b, payload, h->len);
	rc = b.failed ? err_set(e, ENOMEM, "out of memory") : proto_write_buf(fd, &b, e);
	proto_buf_free(&b);
	return rc;
}

/* The runtime's CREATE to the agent; its reply into *h, *reply. */
static int ask_agent(struct vmm *vm, const struct proto_hdr *req, const uint8_t *payload,
		     struct proto_hdr *h, uint8_t **reply, struct err *e)
{
	int rc;

	ct.stream = vmm_vsock_connect_local(vm->vsock, PROTO_AGENT_PORT, e);
	if (ct.stream < 0 || relay_expect_ok(ct.stream, AGENT_ANSWER_MS, e) < 0 ||
	    send_msg(ct.stream, req, payload, e) < 0)
		return err_prefix(e, "agent");
	rc = proto_read_msg(ct.stream, h, reply, e);
	if (rc == 0)
		return err_set(e, ECONNRESET, "agent: closed the connection");
	if (rc < 0)
		return err_prefix(e, "agent");
	if (h->type != PROTO_PID && h->type != PROTO_ERROR)
		return err_set(e, EPROTO, "agent answered CREATE with %s",
			       proto_type_name(h->type));
	return 0;
}

/* CREATE from the runtime -> agent; the reply -> runtime. 0: created, 1: refused, -1: error. */
static int create(struct vmm *vm, struct err *e)
{
	struct proto_hdr req, h;
	uint8_t *payload = NULL, *reply = NULL;
	int rc = proto_read_msg(ct.sync_fd, &req, &payload, e);

	if (rc == 0)
		err_set(e, EPIPE, "the runtime sent no create request");
	if (rc <= 0)
		goto fail;
	if (req.type != PROTO_CREATE) {
		err_set(e, EPROTO, "expected CREATE from the runtime, got %s",
			proto_type_name(req.type));
		goto fail;
	}
	if (!wait_for_agent(vm)) {
		if (vm->failed)
			*e = vm->exit_err;
		else
			err_set(e, EIO, "the VM stopped before the agent was ready");
		goto fail;
	}
	log_info("container: agent takes work at %llu ms", since_start(vm));
	if (ask_agent(vm, &req, payload, &h, &reply, e) < 0 ||
	    send_msg(ct.sync_fd, &h, reply, e) < 0)
		goto fail;
	log_info("container: create answered (%s) at %llu ms", proto_type_name(h.type),
		 since_start(vm));
	rc = h.type == PROTO_PID ? 0 : 1;
	free(payload);
	free(reply);
	return rc;
fail:
	free(payload);
	free(reply);
	return -1;
}

static void *container_thread(void *arg)
{
	struct vmm *vm = arg;
	struct proto_exit x = {0};
	struct relay_opts o = {
		.in = 0, .out = 1, .err = 2, .tty = -1, .forward = &ct.forward, .exit_out = &x};
	struct err e = {0};
	int rc = create(vm, &e);

	if (rc < 0)
		vmm_container_fail(ct.sync_fd, &e); /* the runtime prints why */
	close(ct.sync_fd);
	ct.sync_fd = -1;
	if (rc != 0) {
		/* the runtime printed (or will print) why; this VMM only ends */
		log_debug("container not created: %s", rc < 0 ? e.msg : "refused by the agent");
		vmm_stop(vm, 1, NULL);
		return NULL;
	}
	o.stream = ct.stream;
	if (isatty(0))
		o.tty = 0;
	rc = relay_run(&o, &e);
	if (rc < 0) {
		log_error("container %s", e.msg);
		rc = 255;
	} else {
		/* bench/lifecycle.sh reads these */
		log_info("container exited: status=%d guest_ms=%.1f agent_minflt=%u at %llu ms", rc,
			 (double)x.guest_ns / 1e6, x.agent_minflt, since_start(vm));
	}
	vmm_stop(vm, rc, NULL);
	return NULL;
}

int vmm_container_start(struct vmm *vm, int sync_fd, struct err *e)
{
	int r;

	ct.vm = vm;
	ct.sync_fd = sync_fd;
	if (!vm->vsock)
		return err_set(e, EINVAL, "--sync-fd needs the vsock device");
	/* A terminal given as stdio (a pty slave from the runtime) becomes ours: SIGWINCH. */
	if (isatty(0))
		ioctl(0, TIOCSCTTY, 0);
	r = pthread_create(&ct.thread, NULL, container_thread, vm);
	if (r)
		return err_sys(e, r, "container thread");
	ct.started = true;
	return 0;
}

void vmm_container_stop(struct vmm *vm)
{
	(void)vm;
	if (!ct.started)
		return;
	/* wakes a relay (or a create) that waits on the agent */
	if (ct.stream >= 0)
		shutdown(ct.stream, SHUT_RDWR);
	if (ct.sync_fd >= 0)
		shutdown(ct.sync_fd, SHUT_RDWR);
	pthread_join(ct.thread, NULL);
	if (ct.stream >= 0)
		close(ct.stream);
	ct.stream = -1;
	ct.started = false;
}
