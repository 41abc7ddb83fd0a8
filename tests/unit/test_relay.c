// SPDX-License-Identifier: Apache-2.0
/* common/relay.c against a fake agent on a socketpair. */
#include "proto.h"
#include "relay.h"
#include "unit.h"

#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

struct fake {
	int fd;
	bool send_exit;
	bool wait_stdin_close; /* read the stream until STDIN_CLOSE before answering */
	bool wait_signal;      /* ... until a SIGNAL */
	char got_stdin[64];
	size_t got_len;
	uint32_t got_signo;
};

static void fake_send(int fd, struct proto_buf *b)
{
	struct err e;

	if (proto_write_buf(fd, b, &e) < 0)
		abort();
}

static void fake_read_until(struct fake *f, uint16_t type)
{
	struct proto_hdr h;
	struct proto_signal s;
	struct err e;
	uint8_t *p;

	while (proto_read_msg(f->fd, &h, &p, &e) == 1) {
		bool stop = h.type == type;

		if (h.type == PROTO_STDIN && f->got_len + h.len <= sizeof(f->got_stdin)) {
			memcpy(f->got_stdin + f->got_len, p, h.len);
			f->got_len += h.len;
		}
		if (h.type == PROTO_SIGNAL && proto_decode_signal(p, h.len, &s, &e) == 0)
			f->got_signo = s.signo;
		free(p);
		if (stop)
			return;
	}
}

static void *fake_agent(void *arg)
{
	struct fake *f = arg;
	struct proto_exit x = {.code = 7};
	struct proto_buf b;
	struct err e;

	if (f->wait_stdin_close)
		fake_read_until(f, PROTO_STDIN_CLOSE);
	if (f->wait_signal)
		fake_read_until(f, PROTO_SIGNAL);
	proto_buf_init(&b);
	proto_encode_data(&b, PROTO_STDOUT, "hi\n", 3, &e);
	proto_encode_data(&b, PROTO_STDERR, "oops\n", 5, &e);
	if (f->send_exit)
		proto_encode_exit(&b, &x, &e);
	fake_send(f->fd, &b);
	proto_buf_free(&b);
	if (!f->send_exit)
		shutdown(f->fd, SHUT_RDWR);
	return NULL;
}

static ssize_t slurp(int fd, char *buf, size_t len)
{
	ssize_t n = read(fd, buf, len - 1);

	buf[n > 0 ? n : 0] = 0;
	return n;
}

/* Runs the relay against a fake agent; out/err captured in pipes. */
static int run(struct fake *f, int in, const sigset_t *forward, char *out, char *err)
{
	int sv[2], po[2], pe[2], status;
	struct relay_opts o = {.in = in, .tty = -1, .forward = forward};
	struct err e = {0};
	pthread_t t;

	if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv) || pipe(po) || pipe(pe))
		abort();
	f->fd = sv[1];
	o.stream = sv[0];
	o.out = po[1];
	o.err = pe[1];
	pthread_create(&t, NULL, fake_agent, f);
	status = relay_run(&o, &e);
	pthread_join(t, NULL);
	close(po[1]);
	close(pe[1]);
	slurp(po[0], out, 64);
	slurp(pe[0], err, 64);
	close(po[0]);
	close(pe[0]);
	close(sv[0]);
	close(sv[1]);
	return status;
}

static void test_output_then_exit(void)
{
	struct fake f = {.send_exit = true};
	char out[64], err[64];

	CHECK_INT(run(&f, -1, NULL, out, err), 7);
	CHECK_STR(out, "hi\n");
	CHECK_STR(err, "oops\n");
}

static void test_stdin(void)
{
	struct fake f = {.send_exit = true, .wait_stdin_close = true};
	char out[64], err[64];
	int p[2];

	CHECK_INT(pipe(p), 0);
	CHECK_INT(write(p[1], "abc", 3), 3);
	close(p[1]);
	CHECK_INT(run(&f, p[0], NULL, out, err), 7);
	close(p[0]);
	CHECK_INT((int)f.got_len, 3);
	CHECK(memcmp(f.got_stdin, "abc", 3) == 0);
}

static void test_broken_stream(void)
{
	struct fake f = {.send_exit = false};
	char out[64], err[64];

	CHECK_INT(run(&f, -1, NULL, out, err), -1);
	CHECK_STR(out, "hi\n"); /* what came before the break still arrives */
}

static void *raise_later(void *arg)
{
	(void)arg;
	usleep(20000);
	kill(getpid(), SIGUSR1);
	return NULL;
}

static void test_signal_forwarded(void)
{
	struct fake f = {.send_exit = true, .wait_signal = true};
	char out[64], err[64];
	sigset_t set;
	pthread_t t;

	relay_forward_set(&set);
	pthread_sigmask(SIG_BLOCK, &set, NULL);
	pthread_create(&t, NULL, raise_later, NULL);
	CHECK_INT(run(&f, -1, &set, out, err), 7);
	pthread_join(t, NULL);
	CHECK_INT((int)f.got_signo, SIGUSR1);
}

static void test_connect_refused(void)
{
	struct err e = {0};

	CHECK_INT(relay_connect_agent("/nonexistent/vmm.sock", 100, &e), -1);
	CHECK(strstr(e.msg, "/nonexistent/vmm.sock") != NULL);
}

int main(void)
{
	signal(SIGPIPE, SIG_IGN);
	RUN(test_output_then_exit);
	RUN(test_stdin);
	RUN(test_broken_stream);
	RUN(test_signal_forwarded);
	RUN(test_connect_refused);
	return unit_done();
}
