// SPDX-License-Identifier: Apache-2.0
/*
 * vmm/control.c: PAUSE, RESUME and held signals, as vmm_run's main loop drives them, with a
 * VM of no vCPUs and a stand-in agent behind the hook that would open a vsock stream to the
 * agent's port: it answers "OK <port>", reads SIGNAL, records it and answers OK (or ERROR,
 * or nothing at all).
 */
#define _GNU_SOURCE
#include "vmm/control.h"
#include "cleanup.h"
#include "proto.h"
#include "unit.h"
#include "util.h"

#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <unistd.h>

enum agent_mode { AGENT_OK, AGENT_ERROR, AGENT_SILENT };

/* What the stand-in agent received, in order. */
static struct {
	pthread_mutex_t lock;
	enum agent_mode mode;
	unsigned n, connects;
	unsigned signo[16];
	bool all[16];
} agent = {.lock = PTHREAD_MUTEX_INITIALIZER};

static unsigned agent_count(void)
{
	unsigned n;

	pthread_mutex_lock(&agent.lock);
	n = agent.n;
	pthread_mutex_unlock(&agent.lock);
	return n;
}

static void agent_answer(int fd, enum agent_mode mode, const struct proto_signal *s)
{
	struct proto_buf b;
	struct err e;

	proto_buf_init(&b);
	if (mode == AGENT_ERROR)
		proto_encode_error(&b, ESRCH, "container not running", &e);
	else
		proto_encode_empty(&b, PROTO_OK, &e);
	pthread_mutex_lock(&agent.lock);
	if (agent.n < 16) {
		agent.signo[agent.n] = s->signo;
		agent.all[agent.n] = s->all;
	}
	agent.n++;
	pthread_mutex_unlock(&agent.lock);
	proto_write_buf(fd, &b, &e);
	proto_buf_free(&b);
}

static void *agent_thread(void *arg)
{
	int fd = (int)(intptr_t)arg;
	uint8_t *payload = NULL;
	struct proto_signal s;
	struct proto_hdr h;
	struct err e;
	enum agent_mode mode;
	char buf[1];

	pthread_mutex_lock(&agent.lock);
	mode = agent.mode;
	pthread_mutex_unlock(&agent.lock);
	if (mode == AGENT_SILENT) {
		while (read(fd, buf, 1) > 0) /* until the VMM shuts the stream down */
			;
	} else if (util_write_all(fd, "OK 1073741824\n", 14) == 0 &&
		   proto_read_msg(fd, &h, &payload, &e) > 0 && h.type == PROTO_SIGNAL &&
		   proto_decode_signal(payload, h.len, &s, &e) == 0) {
		agent_answer(fd, mode, &s);
	}
	free(payload);
	close(fd);
	return NULL;
}

static int fake_connect(struct vmm *vm, struct err *e)
{
	pthread_t t;
	int sv[2];

	(void)vm;
	pthread_mutex_lock(&agent.lock);
	agent.connects++;
	pthread_mutex_unlock(&agent.lock);
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0)
		return err_sys(e, errno, "socketpair");
	if (pthread_create(&t, NULL, agent_thread, (void *)(intptr_t)sv[1])) {
		close(sv[0]);
		close(sv[1]);
		return err_set(e, EAGAIN, "thread");
	}
	pthread_detach(t);
	return sv[0];
}

/* vmm_run's loop: step on every wake-up until stopping, then abort. */
static void *main_loop(void *arg)
{
	struct vmm *vm = arg;

	pthread_mutex_lock(&vm->lock);
	while (!vm->stopping) {
		vmm_control_step(vm);
		pthread_cond_wait(&vm->cond, &vm->lock);
	}
	vmm_control_abort(vm);
	pthread_mutex_unlock(&vm->lock);
	return NULL;
}

static pthread_t vm_start(struct vmm *vm, enum agent_mode mode)
{
	pthread_t t;

	memset(vm, 0, sizeof(*vm));
	pthread_mutex_init(&vm->lock, NULL);
	pthread_cond_init(&vm->cond, NULL);
	vm->ctl_fd = -1;
	vmm_control_attach(vm);
	vm->held.connect = fake_connect;
	pthread_mutex_lock(&agent.lock);
	agent.mode = mode;
	agent.n = agent.connects = 0;
	pthread_mutex_unlock(&agent.lock);
	pthread_create(&t, NULL, main_loop, vm);
	return t;
}

static void vm_end(struct vmm *vm, pthread_t t)
{
	pthread_mutex_lock(&vm->lock);
	vm->stopping = true;
	pthread_cond_broadcast(&vm->cond);
	pthread_mutex_unlock(&vm->lock);
	pthread_join(t, NULL);
}

/* Sends one control line; the client end, to read the reply from. */
static int request(struct vmm *vm, const char *line)
{
	int sv[2];

	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0)
		return -1;
	if (vmm_control_line(vm, line, sv[1]) < 0)
		close(sv[1]); /* refused: the caller closes */
	return sv[0];
}

/* The reply line (without '\n'), "" when the VMM closed without one, "(none)" on timeout. */
static const char *reply_of(int fd, int timeout_ms)
{
	static char line[128];
	struct pollfd p = {.fd = fd, .events = POLLIN};
	ssize_t n = 0;

	strcpy(line, "(none)");
	if (poll(&p, 1, timeout_ms) == 1) {
		n = read(fd, line, sizeof(line) - 1);
		line[n > 0 ? n : 0] = '\0';
		if (n > 0 && line[n - 1] == '\n')
			line[n - 1] = '\0';
	}
	return line;
}

static const char *ask(struct vmm *vm, const char *line)
{
	cleanup_close int fd = request(vm, line);

	return fd < 0 ? "(socket)" : reply_of(fd, 5000);
}

/* kill TERM while paused: held, not sent; RESUME answers once the agent has it. */
static void test_held_until_resume(void)
{
	struct vmm vm;
	pthread_t t = vm_start(&vm, AGENT_OK);
	int resume_fd;

	CHECK_STR(ask(&vm, "PAUSE"), "OK");
	CHECK_STR(ask(&vm, "SIGNAL 15"), "OK");
	CHECK_STR(ask(&vm, "SIGNAL 15"), "OK"); /* pending twice is pending once */
	CHECK_STR(ask(&vm, "SIGNAL 10 all"), "OK");
	usleep(200 * 1000);
	CHECK_INT(agent_count(), 0); /* a paused guest is never asked */
	resume_fd = request(&vm, "RESUME");
	CHECK_STR(reply_of(resume_fd, 5000), "OK");
	/* by the time RESUME answered, the agent had both */
	CHECK_INT(agent_count(), 2);
	CHECK_INT(agent.signo[0], 15);
	CHECK(!agent.all[0]);
	CHECK_INT(agent.signo[1], 10);
	CHECK(agent.all[1]);
	close(resume_fd);
	vm_end(&vm, t);
	CHECK_INT(agent_count(), 2);
}

/* A signal while the VM runs goes to the agent at once; RESUME of a running VM answers OK. */
static void test_running_and_plain_resume(void)
{
	struct vmm vm;
	pthread_t t = vm_start(&vm, AGENT_OK);

	CHECK_STR(ask(&vm, "RESUME"), "OK");
	CHECK_INT(agent_count(), 0);
	CHECK_STR(ask(&vm, "SIGNAL 1"), "OK");
	for (int i = 0; i < 100 && agent_count() < 1; i++)
		usleep(20 * 1000);
	CHECK_INT(agent_count(), 1);
	CHECK_INT(agent.signo[0], 1);
	/* PAUSE after that: the delivery is over, the VM parks */
	CHECK_STR(ask(&vm, "PAUSE"), "OK");
	CHECK_STR(ask(&vm, "RESUME"), "OK");
	CHECK_INT(agent_count(), 1);
	vm_end(&vm, t);
}

/* The agent's ERROR (the init is gone) is logged; RESUME still answers. */
static void test_agent_refuses(void)
{
	struct vmm vm;
	pthread_t t = vm_start(&vm, AGENT_ERROR);

	CHECK_STR(ask(&vm, "PAUSE"), "OK");
	CHECK_STR(ask(&vm, "SIGNAL 15"), "OK");
	CHECK_STR(ask(&vm, "RESUME"), "OK");
	CHECK_INT(agent_count(), 1);
	vm_end(&vm, t);
}

static void test_bad_lines(void)
{
	static const char *const bad[] = {"SIGNAL 0",	   "SIGNAL 65",	      "SIGNAL x",
					  "SIGNAL 15 any", "SIGNAL 15 all x", "SIGNAL 15x",
					  "SIGNAL -1",	   "SIGNAL 15 allall"};
	struct vmm vm;
	pthread_t t = vm_start(&vm, AGENT_OK);

	for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
		const char *r = ask(&vm, bad[i]);

		if (strncmp(r, "ERR usage", 9))
			printf("# \"%s\" -> \"%s\"\n", bad[i], r);
		CHECK(!strncmp(r, "ERR usage", 9));
	}
	CHECK_STR(ask(&vm, "SIGNAL 64 all"), "OK");
	CHECK_STR(ask(&vm, "SIGNALS 1"), ""); /* not a request: closed without a reply */
	vm_end(&vm, t);
}

/*
 * Stopping while the agent does not answer: the delivery is cut short; RESUME, whose vCPUs
 * run again, answers OK; a PAUSE still waiting would get ERR.
 */
static void test_stop_during_delivery(void)
{
	struct vmm vm;
	pthread_t t = vm_start(&vm, AGENT_SILENT);
	unsigned long long t0;
	int resume_fd;

	CHECK_STR(ask(&vm, "PAUSE"), "OK");
	CHECK_STR(ask(&vm, "SIGNAL 15"), "OK");
	resume_fd = request(&vm, "RESUME");
	CHECK_STR(reply_of(resume_fd, 300), "(none)"); /* waiting for the agent */
	t0 = util_now_ns();
	vm_end(&vm, t);
	CHECK(util_now_ns() - t0 < 2000000000ull); /* not the 10 s agent timeout */
	CHECK_STR(reply_of(resume_fd, 1000), "OK");
	close(resume_fd);
	/* a stopping VM takes no signal */
	CHECK_STR(ask(&vm, "SIGNAL 15"), "ERR the VM is stopping");
}

/* A PAUSE while a signal is on its way waits for it (a parked guest could not take it). */
static void test_pause_waits_for_delivery(void)
{
	struct vmm vm;
	pthread_t t = vm_start(&vm, AGENT_SILENT);
	int pause_fd;

	CHECK_STR(ask(&vm, "SIGNAL 15"), "OK"); /* running: sent at once, to nobody answering */
	usleep(100 * 1000);
	pause_fd = request(&vm, "PAUSE");
	CHECK_STR(reply_of(pause_fd, 300), "(none)");
	pthread_mutex_lock(&vm.lock);
	CHECK(!vm.user_paused);
	pthread_mutex_unlock(&vm.lock);
	vm_end(&vm, t);
	CHECK_STR(reply_of(pause_fd, 1000), "ERR the VM is stopping");
	close(pause_fd);
}

/* An agent that does not answer costs one timeout, not one per signal: RESUME answers in time. */
static void test_agent_silent(void)
{
	struct vmm vm;
	pthread_t t = vm_start(&vm, AGENT_SILENT);
	unsigned long long t0, ms;

	CHECK_STR(ask(&vm, "PAUSE"), "OK");
	CHECK_STR(ask(&vm, "SIGNAL 15"), "OK");
	CHECK_STR(ask(&vm, "SIGNAL 2"), "OK");
	CHECK_STR(ask(&vm, "SIGNAL 2 all"), "OK");
	t0 = util_now_ns();
	CHECK_STR(ask(&vm, "RESUME"), "OK");
	ms = (util_now_ns() - t0) / 1000000;
	printf("# RESUME answered after %llu ms\n", ms);
	CHECK(ms >= 2500 && ms < 6000); /* the runtime waits 10 s for it */
	pthread_mutex_lock(&agent.lock);
	CHECK_INT(agent.connects, 1);
	pthread_mutex_unlock(&agent.lock);
	vm_end(&vm, t);
}

int main(void)
{
	RUN(test_held_until_resume);
	RUN(test_running_and_plain_resume);
	RUN(test_agent_refuses);
	RUN(test_bad_lines);
	RUN(test_stop_during_delivery);
	RUN(test_pause_waits_for_delivery);
	RUN(test_agent_silent);
	return unit_done();
}
