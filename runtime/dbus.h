/* SPDX-License-Identifier: Apache-2.0 */
/*
 * A minimal D-Bus client (D-Bus specification, "Message Protocol"): little-endian method calls
 * built field by field, one outstanding call at a time, replies matched by serial. Enough for
 * systemd's Manager interface (runtime/systemd.c); no introspection, no unix fds.
 */
#ifndef RT_DBUS_H
#define RT_DBUS_H

#include "error.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define RT_DBUS_MAX_MESSAGE (1u << 20) /* what we accept from the other side */
#define RT_DBUS_MAX_DEPTH   8	       /* open arrays at once */

/* A message under construction (body or header): D-Bus marshalling, little-endian. */
struct rt_dbus_buf {
	uint8_t *p;
	size_t len, cap;
	bool oom;
	size_t open[RT_DBUS_MAX_DEPTH]; /* offsets of the open arrays' length words */
	size_t open_start[RT_DBUS_MAX_DEPTH];
	unsigned depth;
};

void rt_dbus_buf_init(struct rt_dbus_buf *b);
void rt_dbus_buf_free(struct rt_dbus_buf *b);
void rt_dbus_pad(struct rt_dbus_buf *b, size_t align);
void rt_dbus_u8(struct rt_dbus_buf *b, uint8_t v);
void rt_dbus_bool(struct rt_dbus_buf *b, bool v);
void rt_dbus_u32(struct rt_dbus_buf *b, uint32_t v);
void rt_dbus_u64(struct rt_dbus_buf *b, uint64_t v);
void rt_dbus_string(struct rt_dbus_buf *b, const char *s); /* also object paths */
void rt_dbus_signature(struct rt_dbus_buf *b, const char *sig);
/* An array whose elements align to elem_align (8 for structs and dict entries). */
void rt_dbus_array_begin(struct rt_dbus_buf *b, size_t elem_align);
void rt_dbus_array_end(struct rt_dbus_buf *b);
void rt_dbus_struct_begin(struct rt_dbus_buf *b);

/* A method call's address; body/sig may be empty. */
struct rt_dbus_call {
	const char *destination, *path, *interface, *member;
	const char *signature; /* of the body, "" for none */
	const struct rt_dbus_buf *body;
};

/* Builds the whole message (header + body) for serial into out. */
int rt_dbus_build_call(const struct rt_dbus_call *c, uint32_t serial, struct rt_dbus_buf *out,
		       struct err *e);

/* A reply as rt_dbus_parse_reply() reads it. */
struct rt_dbus_reply {
	uint8_t type; /* 2 method return, 3 error, 4 signal, ... */
	uint32_t serial, reply_serial;
	bool has_reply_serial;
	char error_name[256];
	char message[512]; /* an error's first string argument, or a reply's */
};

/*
 * Parses one complete message of n bytes (the caller knows n from rt_dbus_message_size()).
 * Every length and offset is checked against n.
 */
int rt_dbus_parse_reply(const uint8_t *m, size_t n, struct rt_dbus_reply *r, struct err *e);
/* The size of the message whose first 16 bytes are hdr; -1 (e set) if malformed. */
long rt_dbus_message_size(const uint8_t hdr[16], struct err *e);

struct rt_dbus {
	int fd;
	uint32_t serial;
};

/*
 * Connects to systemd as runc's systemd driver reaches it: $DBUS_SYSTEM_BUS_ADDRESS
 * (unix:path= only) or /run/systemd/private (systemd's own socket, no bus daemon needed),
 * else the system bus socket; EXTERNAL authentication, Hello on a bus.
 */
int rt_dbus_open_system(struct rt_dbus *d, struct err *e);
void rt_dbus_close(struct rt_dbus *d);

/*
 * Sends the call and waits (up to timeout_ms) for its reply, skipping signals and other
 * messages. A D-Bus error reply fails with e = "NAME: message" and *reply filled in.
 */
int rt_dbus_call(struct rt_dbus *d, const struct rt_dbus_call *c, int timeout_ms,
		 struct rt_dbus_reply *reply, struct err *e);

#endif
