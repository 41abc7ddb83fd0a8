// SPDX-License-Identifier: Apache-2.0
/*
 * runtime/systemd.c's names (runc's ExpandSlice, "slice:prefix:name") and runtime/dbus.c's
 * marshalling and reply parser, including replies that lie about their lengths.
 * (tests/bats/systemd_cgroup.bats checks the wire format against real libdbus.)
 */
#define _GNU_SOURCE /* memmem */
#include "unit.h"
#include "runtime/dbus.h"
#include "runtime/systemd.h"

#include <stdlib.h>
#include <string.h>

static void expands(const char *slice, const char *want)
{
	char *out = NULL;
	struct err e;

	CHECK_INT(rt_systemd_expand_slice(slice, &out, &e), 0);
	CHECK_STR(out, want);
	free(out);
}

static void refused(const char *slice)
{
	char *out = NULL;
	struct err e;

	CHECK(rt_systemd_expand_slice(slice, &out, &e) < 0);
	CHECK(out == NULL);
	CHECK(strstr(e.msg, "invalid slice name: ") != NULL);
}

static void test_expand_slice(void)
{
	expands("system.slice", "/system.slice");
	expands("-.slice", "/");
	expands("kubepods-burstable-pod1.slice",
		"/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod1.slice");
	refused(".slice");
	refused("system");
	refused("a--b.slice");
	refused("-a.slice");
	refused("a-.slice");
	refused("a/b.slice");
}

static void test_unit_parse(void)
{
	struct rt_systemd_unit u;
	struct err e;

	CHECK_INT(rt_systemd_unit_parse("kubepods-pod1.slice:cri-containerd:abc", "id", &u, &e), 0);
	CHECK_STR(u.slice, "kubepods-pod1.slice");
	CHECK_STR(u.name, "cri-containerd-abc.scope");
	CHECK_STR(u.rel, "/kubepods.slice/kubepods-pod1.slice/cri-containerd-abc.scope");
	rt_systemd_unit_free(&u);
	/* an empty slice is system.slice; no path at all: incept-<id> there */
	CHECK_INT(rt_systemd_unit_parse(":docker:c9", "id", &u, &e), 0);
	CHECK_STR(u.rel, "/system.slice/docker-c9.scope");
	rt_systemd_unit_free(&u);
	CHECK_INT(rt_systemd_unit_parse(NULL, "c1", &u, &e), 0);
	CHECK_STR(u.rel, "/system.slice/incept-c1.scope");
	rt_systemd_unit_free(&u);
	CHECK_INT(rt_systemd_unit_parse("-.slice:p:n", "id", &u, &e), 0);
	CHECK_STR(u.rel, "/p-n.scope");
	rt_systemd_unit_free(&u);
	CHECK(rt_systemd_unit_parse("a:b", "id", &u, &e) < 0);
	CHECK(strstr(e.msg, "expected cgroupsPath to be of format") != NULL);
	CHECK(rt_systemd_unit_parse("a.slice:b:c:d", "id", &u, &e) < 0);
	CHECK(rt_systemd_unit_parse("a.slice:b:", "id", &u, &e) < 0);
	CHECK(rt_systemd_unit_parse("a.slice:b:x/y", "id", &u, &e) < 0);
	CHECK(rt_systemd_unit_parse("a.slice:b:sub.slice", "id", &u, &e) < 0);
	CHECK(strstr(e.msg, "a slice as the container's own unit") != NULL);
}

/* Marshalling: alignment, array lengths without the padding, nested arrays. */
static void test_marshal(void)
{
	struct rt_dbus_buf b;

	rt_dbus_buf_init(&b);
	rt_dbus_u8(&b, 7);
	rt_dbus_string(&b, "ab"); /* pad to 4, len 2, "ab\0" */
	rt_dbus_array_begin(&b, 8);
	rt_dbus_struct_begin(&b);
	rt_dbus_u64(&b, 0x0102030405060708ull);
	rt_dbus_array_end(&b);
	CHECK(!b.oom);
	static const uint8_t want[] = {7,
				       0,
				       0,
				       0,
				       2,
				       0,
				       0,
				       0,
				       'a',
				       'b',
				       0,
				       0,
				       /* array len: */ 8,
				       0,
				       0,
				       0,
				       /* element at 16 */ 8,
				       7,
				       6,
				       5,
				       4,
				       3,
				       2,
				       1};
	CHECK_INT((int)b.len, (int)sizeof(want));
	CHECK(b.len == sizeof(want) && !memcmp(b.p, want, sizeof(want)));
	rt_dbus_buf_free(&b);
	/* an empty array of structs still pads to 8 after its length */
	rt_dbus_buf_init(&b);
	rt_dbus_u32(&b, 1);
	rt_dbus_array_begin(&b, 8);
	rt_dbus_array_end(&b);
	CHECK_INT((int)b.len, 8);
	CHECK(b.p[4] == 0 && b.p[5] == 0);
	rt_dbus_buf_free(&b);
}

/* A reply as systemd would send it: type, serial 9, REPLY_SERIAL, optional error and body. */
static void reply(struct rt_dbus_buf *m, uint8_t type, uint32_t reply_serial, const char *error,
		  const char *body_str)
{
	struct rt_dbus_buf body;

	rt_dbus_buf_init(&body);
	if (body_str)
		rt_dbus_string(&body, body_str);
	rt_dbus_buf_init(m);
	rt_dbus_u8(m, 'l');
	rt_dbus_u8(m, type);
	rt_dbus_u8(m, 1);
	rt_dbus_u8(m, 1);
	rt_dbus_u32(m, (uint32_t)body.len);
	rt_dbus_u32(m, 9);
	rt_dbus_array_begin(m, 8);
	rt_dbus_struct_begin(m);
	rt_dbus_u8(m, 5);
	rt_dbus_signature(m, "u");
	rt_dbus_u32(m, reply_serial);
	if (error) {
		rt_dbus_struct_begin(m);
		rt_dbus_u8(m, 4);
		rt_dbus_signature(m, "s");
		rt_dbus_string(m, error);
	}
	rt_dbus_struct_begin(m);
	rt_dbus_u8(m, 7); /* SENDER: an unknown-to-us field is skipped */
	rt_dbus_signature(m, "s");
	rt_dbus_string(m, ":1.1");
	if (body_str) {
		rt_dbus_struct_begin(m);
		rt_dbus_u8(m, 8);
		rt_dbus_signature(m, "g");
		rt_dbus_signature(m, "s");
	}
	rt_dbus_array_end(m);
	rt_dbus_pad(m, 8);
	for (size_t i = 0; i < body.len; i++)
		rt_dbus_u8(m, body.p[i]);
	rt_dbus_buf_free(&body);
}

static void test_parse_reply(void)
{
	struct rt_dbus_reply r;
	struct rt_dbus_buf m;
	struct err e;

	reply(&m, 3, 4, "org.freedesktop.systemd1.UnitExists", "Unit x.scope exists.");
	CHECK_INT((int)rt_dbus_message_size(m.p, &e), (int)m.len);
	CHECK_INT(rt_dbus_parse_reply(m.p, m.len, &r, &e), 0);
	CHECK_INT(r.type, 3);
	CHECK_INT((int)r.serial, 9);
	CHECK(r.has_reply_serial && r.reply_serial == 4);
	CHECK_STR(r.error_name, "org.freedesktop.systemd1.UnitExists");
	CHECK_STR(r.message, "Unit x.scope exists.");
	/* every truncation is refused, never read past */
	for (size_t n = 0; n < m.len; n++)
		CHECK(rt_dbus_parse_reply(m.p, n, &r, &e) < 0);
	/* a string length that runs past the end */
	m.p[m.len - 24] = 0xff;
	CHECK(rt_dbus_parse_reply(m.p, m.len, &r, &e) < 0);
	rt_dbus_buf_free(&m);

	reply(&m, 2, 1, NULL, NULL);
	CHECK_INT(rt_dbus_parse_reply(m.p, m.len, &r, &e), 0);
	CHECK(r.type == 2 && r.reply_serial == 1 && !r.error_name[0]);
	/* big-endian, another version, a header-fields length past the message */
	m.p[0] = 'B';
	CHECK(rt_dbus_parse_reply(m.p, m.len, &r, &e) < 0);
	CHECK(strstr(e.msg, "little-endian") != NULL);
	m.p[0] = 'l';
	m.p[3] = 2;
	CHECK(rt_dbus_parse_reply(m.p, m.len, &r, &e) < 0);
	m.p[3] = 1;
	m.p[15] = 0x40; /* fields length ~1 GiB */
	CHECK(rt_dbus_message_size(m.p, &e) < 0);
	rt_dbus_buf_free(&m);
}

static void test_build_call(void)
{
	struct rt_dbus_call c = {.destination = "org.freedesktop.systemd1",
				 .path = "/org/freedesktop/systemd1",
				 .interface = "org.freedesktop.systemd1.Manager",
				 .member = "StopUnit",
				 .signature = "ss"};
	struct rt_dbus_buf body, m;
	struct err e;

	rt_dbus_buf_init(&body);
	rt_dbus_string(&body, "a.scope");
	rt_dbus_string(&body, "replace");
	c.body = &body;
	CHECK_INT(rt_dbus_build_call(&c, 7, &m, &e), 0);
	CHECK(m.p[0] == 'l' && m.p[1] == 1 && m.p[3] == 1);
	CHECK_INT((int)rt_dbus_message_size(m.p, &e), (int)m.len);
	CHECK_INT((int)(m.len % 8), (int)(body.len % 8));
	CHECK(!memcmp(m.p + m.len - body.len, body.p, body.len));
	CHECK(memmem(m.p, m.len, "StopUnit", 9) != NULL);
	rt_dbus_buf_free(&m);
	rt_dbus_buf_free(&body);
}

int main(void)
{
	RUN(test_expand_slice);
	RUN(test_unit_parse);
	RUN(test_marshal);
	RUN(test_parse_reply);
	RUN(test_build_call);
	return unit_done();
}
