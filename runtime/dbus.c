// SPDX-License-Identifier: Apache-2.0
/*
 * A minimal D-Bus client for systemd's Manager interface (D-Bus specification 0.41,
 * "Message Protocol"): marshalling of method calls, EXTERNAL authentication, replies matched
 * by serial. Everything the other side sends is length-checked before use.
 */
#define _GNU_SOURCE
#include "dbus.h"
#include "util.h"

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define SYSTEMD_PRIVATE	  "/run/systemd/private"
#define SYSTEM_BUS_SOCKET "/run/dbus/system_bus_socket"

enum {
	FIELD_PATH = 1,
	FIELD_INTERFACE,
	FIELD_MEMBER,
	FIELD_ERROR_NAME,
	FIELD_REPLY_SERIAL,
	FIELD_DESTINATION,
	FIELD_SENDER,
	FIELD_SIGNATURE
};

/* ---- marshalling ---- */

void rt_dbus_buf_init(struct rt_dbus_buf *b)
{
	memset(b, 0, sizeof(*b));
}

void rt_dbus_buf_free(struct rt_dbus_buf *b)
{
	free(b->p);
	rt_dbus_buf_init(b);
}

static void put(struct rt_dbus_buf *b, const void *v, size_t n)
{
	if (b->oom || !n) /* n 0: no padding due, and maybe no buffer yet */
		return;
	if (b->len + n > b->cap) {
		size_t cap = b->cap ? b->cap : 256;
		uint8_t *p;

		while (cap < b->len + n)
			cap *= 2;
		p = realloc(b->p, cap);
		if (!p) {
			b->oom = true;
			return;
		}
		b->p = p;
		b->cap = cap;
	}
	memcpy(b->p + b->len, v, n);
	b->len += n;
}

void rt_dbus_pad(struct rt_dbus_buf *b, size_t align)
{
	static const uint8_t zero[8];

	put(b, zero, (align - b->len % align) % align);
}

void rt_dbus_u8(struct rt_dbus_buf *b, uint8_t v)
{
	put(b, &v, 1);
}

void rt_dbus_u32(struct rt_dbus_buf *b, uint32_t v)
{
	uint8_t le[4] = {v, v >> 8, v >> 16, v >> 24};

	rt_dbus_pad(b, 4);
	put(b, le, 4);
}

void rt_dbus_bool(struct rt_dbus_buf *b, bool v)
{
	rt_dbus_u32(b, v);
}

void rt_dbus_u64(struct rt_dbus_buf *b, uint64_t v)
{
	uint8_t le[8];

	for (int i = 0; i < 8; i++)
		le[i] = (uint8_t)(v >> (8 * i));
	rt_dbus_pad(b, 8);
	put(b, le, 8);
}

void rt_dbus_string(struct rt_dbus_buf *b, const char *s)
{
	rt_dbus_u32(b, (uint32_t)strlen(s));
	put(b, s, strlen(s) + 1);
}

void rt_dbus_signature(struct rt_dbus_buf *b, const char *sig)
{
	rt_dbus_u8(b, (uint8_t)strlen(sig));
	put(b, sig, strlen(sig) + 1);
}

/* The length word excludes the padding between it and the first element. */
void rt_dbus_array_begin(struct rt_dbus_buf *b, size_t elem_align)
{
	rt_dbus_u32(b, 0);
	if (b->depth == RT_DBUS_MAX_DEPTH) {
		b->oom = true; /* a programming error: no caller nests this deep */
		return;
	}
	b->open[b->depth] = b->len - 4;
	rt_dbus_pad(b, elem_align);
	b->open_start[b->depth++] = b->len;
}

void rt_dbus_array_end(struct rt_dbus_buf *b)
{
	size_t word;
	uint32_t n;

	if (b->oom || !b->depth)
		return;
	b->depth--;
	word = b->open[b->depth];
	n = (uint32_t)(b->len - b->open_start[b->depth]);
	b->p[word] = (uint8_t)n;
	b->p[word + 1] = (uint8_t)(n >> 8);
	b->p[word + 2] = (uint8_t)(n >> 16);
	b->p[word + 3] = (uint8_t)(n >> 24);
}

void rt_dbus_struct_begin(struct rt_dbus_buf *b)
{
	rt_dbus_pad(b, 8);
}

static void header_field(struct rt_dbus_buf *b, uint8_t code, const char *sig, const char *value)
{
	rt_dbus_struct_begin(b);
	rt_dbus_u8(b, code);
	rt_dbus_signature(b, sig);
	if (sig[0] == 'g')
		rt_dbus_signature(b, value);
	else
		rt_dbus_string(b, value);
}

int rt_dbus_build_call(const struct rt_dbus_call *c, uint32_t serial, struct rt_dbus_buf *out,
		       struct err *e)
{
	size_t body_len = c->body ? c->body->len : 0;

	rt_dbus_buf_init(out);
	rt_dbus_u8(out, 'l');
	rt_dbus_u8(out, 1); /* METHOD_CALL */
	rt_dbus_u8(out, 0); /* flags: a reply is expected */
	rt_dbus_u8(out, 1); /* protocol version */
	rt_dbus_u32(out, (uint32_t)body_len);
	rt_dbus_u32(out, serial);
	rt_dbus_array_begin(out, 8);
	header_field(out, FIELD_PATH, "o", c->path);
	if (c->interface)
		header_field(out, FIELD_INTERFACE, "s", c->interface);
	header_field(out, FIELD_MEMBER, "s", c->member);
	if (c->destination)
		header_field(out, FIELD_DESTINATION, "s", c->destination);
	if (c->signature && *c->signature)
		header_field(out, FIELD_SIGNATURE, "g", c->signature);
	rt_dbus_array_end(out);
	rt_dbus_pad(out, 8); /* the body starts 8-aligned */
	if (body_len)
		put(out, c->body->p, body_len);
	if (out->oom || (c->body && c->body->oom)) {
		rt_dbus_buf_free(out);
		return err_sys(e, ENOMEM, "D-Bus message");
	}
	return 0;
}

/* ---- parsing (every offset checked against n) ---- */

struct rd {
	const uint8_t *m;
	size_t n, off;
	bool bad;
};

static void rd_align(struct rd *r, size_t a)
{
	size_t off = (r->off + a - 1) / a * a;

	if (off > r->n)
		r->bad = true;
	else
		r->off = off;
}

static uint32_t rd_u32(struct rd *r)
{
	uint32_t v;

	rd_align(r, 4);
	if (r->bad || r->n - r->off < 4) {
		r->bad = true;
		return 0;
	}
	v = r->m[r->off] | r->m[r->off + 1] << 8 | r->m[r->off + 2] << 16 |
	    (uint32_t)r->m[r->off + 3] << 24;
	r->off += 4;
	return v;
}

/* A string (len32) or signature (len8) into out (truncated to size), NUL checked. */
static void rd_str(struct rd *r, bool sig, char *out, size_t size)
{
	size_t len;

	if (sig) {
		if (r->off >= r->n) {
			r->bad = true;
			return;
		}
		len = r->m[r->off++];
	} else {
		len = rd_u32(r);
	}
	if (r->bad || len >= r->n - r->off || r->m[r->off + len] != '\0') {
		r->bad = true;
		return;
	}
	if (out && size)
		snprintf(out, size, "%.*s", (int)len, (const char *)r->m + r->off);
	r->off += len + 1;
}

/* Skips one value of a basic type; containers in header fields are not expected. */
static void rd_skip(struct rd *r, char type)
{
	static const char *sizes = "y1b4n2q2i4u4x8t8d8h4";
	const char *t = strchr(sizes, type);

	if (type == 's' || type == 'o' || type == 'g') {
		rd_str(r, type == 'g', NULL, 0);
		return;
	}
	if (!type || !t || (t - sizes) % 2) {
		r->bad = true;
		return;
	}
	rd_align(r, (size_t)(t[1] - '0'));
	if (r->bad || r->n - r->off < (size_t)(t[1] - '0'))
		r->bad = true;
	else
		r->off += (size_t)(t[1] - '0');
}

static void rd_field(struct rd *r, struct rt_dbus_reply *rep, char *body_sig, size_t sig_size)
{
	char sig[8];
	uint8_t code;

	rd_align(r, 8);
	if (r->bad || r->off >= r->n) {
		r->bad = true;
		return;
	}
	code = r->m[r->off++];
	rd_str(r, true, sig, sizeof(sig));
	if (r->bad || strlen(sig) != 1) {
		r->bad = true;
		return;
	}
	if (code == FIELD_ERROR_NAME && sig[0] == 's')
		rd_str(r, false, rep->error_name, sizeof(rep->error_name));
	else if (code == FIELD_REPLY_SERIAL && sig[0] == 'u') {
		rep->reply_serial = rd_u32(r);
		rep->has_reply_serial = true;
	} else if (code == FIELD_SIGNATURE && sig[0] == 'g')
		rd_str(r, true, body_sig, sig_size);
	else
		rd_skip(r, sig[0]);
}

long rt_dbus_message_size(const uint8_t hdr[16], struct err *e)
{
	uint32_t body = hdr[4] | hdr[5] << 8 | hdr[6] << 16 | (uint32_t)hdr[7] << 24;
	uint32_t fields = hdr[12] | hdr[13] << 8 | hdr[14] << 16 | (uint32_t)hdr[15] << 24;
	uint64_t size;

	if (hdr[0] != 'l')
		return err_set(e, EPROTO,
			       "D-Bus: only little-endian messages are supported (got "
			       "'%c')",
			       hdr[0] >= ' ' && hdr[0] < 127 ? hdr[0] : '?');
	if (hdr[3] != 1)
		return err_set(e, EPROTO, "D-Bus: protocol version %u", hdr[3]);
	size = (16 + (uint64_t)fields + 7) / 8 * 8 + body;
	if (size > RT_DBUS_MAX_MESSAGE)
		return err_set(e, EMSGSIZE, "D-Bus: a %llu-byte message is too large",
			       (unsigned long long)size);
	return (long)size;
}

int rt_dbus_parse_reply(const uint8_t *m, size_t n, struct rt_dbus_reply *rep, struct err *e)
{
	struct rd r = {.m = m, .n = n, .off = 12};
	char body_sig[64] = "";
	size_t end;
	long size;

	memset(rep, 0, sizeof(*rep));
	if (n < 16)
		return err_set(e, EPROTO, "D-Bus: a message of %zu bytes", n);
	size = rt_dbus_message_size(m, e);
	if (size < 0)
		return -1;
	if ((size_t)size != n)
		return err_set(e, EPROTO, "D-Bus: message size %ld, got %zu bytes", size, n);
	rep->type = m[1];
	rep->serial = m[8] | m[9] << 8 | m[10] << 16 | (uint32_t)m[11] << 24;
	end = 16 + rd_u32(&r);
	while (!r.bad && r.off < end)
		rd_field(&r, rep, body_sig, sizeof(body_sig));
	if (r.bad || r.off != end)
		return err_set(e, EPROTO, "D-Bus: malformed header fields");
	rd_align(&r, 8);
	if (body_sig[0] == 's' || body_sig[0] == 'o')
		rd_str(&r, false, rep->message, sizeof(rep->message));
	if (r.bad)
		return err_set(e, EPROTO, "D-Bus: malformed message body");
	return 0;
}

/* ---- the connection ---- */

/* Waits up to ms for fd to be readable; 0 on time-out. */
static int wait_readable(int fd, int ms)
{
	struct pollfd p = {.fd = fd, .events = POLLIN};
	int r;

	do
		r = poll(&p, 1, ms);
	while (r < 0 && errno == EINTR);
	return r;
}

/* Reads exactly n bytes within ms per read. */
static int read_exact(int fd, void *buf, size_t n, int ms, struct err *e)
{
	for (size_t got = 0; got < n;) {
		ssize_t r;

		if (wait_readable(fd, ms) <= 0)
			return err_set(e, ETIMEDOUT, "D-Bus: no answer from systemd in %d ms", ms);
		r = read(fd, (char *)buf + got, n - got);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			return err_set(e, r < 0 ? errno : ECONNRESET, "D-Bus: connection closed");
		got += (size_t)r;
	}
	return 0;
}

/* One "\r\n"-terminated line of the authentication protocol. */
static int auth_line(int fd, char *line, size_t size, struct err *e)
{
	size_t n = 0;

	while (n + 1 < size) {
		if (read_exact(fd, line + n, 1, 5000, e) < 0)
			return -1;
		if (++n >= 2 && line[n - 2] == '\r' && line[n - 1] == '\n') {
			line[n - 2] = '\0';
			return 0;
		}
	}
	return err_set(e, EPROTO, "D-Bus: authentication line too long");
}

static int authenticate(int fd, struct err *e)
{
	char out[64], hex[32] = "", line[256];
	char uid[16];

	snprintf(uid, sizeof(uid), "%u", (unsigned)geteuid());
	for (size_t i = 0; uid[i]; i++)
		snprintf(hex + 2 * i, 3, "%02x", (unsigned char)uid[i]);
	/* the NUL byte first, then the mechanism with the uid in hex (specification
	 * "Authentication") */
	out[0] = '\0';
	snprintf(out + 1, sizeof(out) - 1, "AUTH EXTERNAL %s\r\n", hex);
	if (util_write_all(fd, out, 1 + strlen(out + 1)) < 0)
		return err_sys(e, errno, "D-Bus: write");
	if (auth_line(fd, line, sizeof(line), e) < 0)
		return -1;
	if (strncmp(line, "OK ", 3))
		return err_set(e, EACCES, "D-Bus: authentication refused (%s)", line);
	if (util_write_all(fd, "BEGIN\r\n", 7) < 0)
		return err_sys(e, errno, "D-Bus: write");
	return 0;
}

/* The socket path of the first unix:path= address in a D-Bus address list. */
static int address_path(const char *addr, char *path, size_t size, struct err *e)
{
	const char *p = strstr(addr, "unix:path=");
	size_t len;

	if (!p || (p != addr && p[-1] != ';'))
		return err_set(e, EINVAL,
			       "DBUS_SYSTEM_BUS_ADDRESS=%s: only unix:path= is supported", addr);
	p += strlen("unix:path=");
	len = strcspn(p, ",;");
	if (!len || len >= size)
		return err_set(e, EINVAL, "DBUS_SYSTEM_BUS_ADDRESS=%s: bad path", addr);
	snprintf(path, size, "%.*s", (int)len, p);
	return 0;
}

static int hello(struct rt_dbus *d, struct err *e)
{
	struct rt_dbus_call c = {.destination = "org.freedesktop.DBus",
				 .path = "/org/freedesktop/DBus",
				 .interface = "org.freedesktop.DBus",
				 .member = "Hello"};
	struct rt_dbus_reply r;

	return rt_dbus_call(d, &c, 5000, &r, e);
}

int rt_dbus_open_system(struct rt_dbus *d, struct err *e)
{
	const char *env = getenv("DBUS_SYSTEM_BUS_ADDRESS");
	char path[108];
	bool bus = true;

	d->fd = -1;
	d->serial = 0;
	if (env && *env) {
		if (address_path(env, path, sizeof(path), e) < 0)
			return -1;
	} else if (access(SYSTEMD_PRIVATE, F_OK) == 0 && geteuid() == 0) {
		snprintf(path, sizeof(path), "%s", SYSTEMD_PRIVATE);
		bus = false; /* a direct connection to systemd: no bus daemon, no Hello */
	} else {
		snprintf(path, sizeof(path), "%s", SYSTEM_BUS_SOCKET);
	}
	d->fd = util_unix_connect(path, "dbus connection: dial unix", e);
	if (d->fd < 0)
		return -1;
	if (authenticate(d->fd, e) < 0 || (bus && hello(d, e) < 0)) {
		rt_dbus_close(d);
		return -1;
	}
	return 0;
}

void rt_dbus_close(struct rt_dbus *d)
{
	if (d->fd >= 0)
		close(d->fd);
	d->fd = -1;
}

static int read_message(int fd, int ms, uint8_t **msg, size_t *n, struct err *e)
{
	uint8_t hdr[16];
	long size;

	if (read_exact(fd, hdr, sizeof(hdr), ms, e) < 0)
		return -1;
	size = rt_dbus_message_size(hdr, e);
	if (size < 16)
		return size < 0 ? -1 : err_set(e, EPROTO, "D-Bus: short message");
	*msg = malloc((size_t)size);
	if (!*msg)
		return err_sys(e, ENOMEM, "D-Bus message");
	memcpy(*msg, hdr, sizeof(hdr));
	if (read_exact(fd, *msg + 16, (size_t)size - 16, ms, e) < 0) {
		free(*msg);
		return -1;
	}
	*n = (size_t)size;
	return 0;
}

int rt_dbus_call(struct rt_dbus *d, const struct rt_dbus_call *c, int timeout_ms,
		 struct rt_dbus_reply *reply, struct err *e)
{
	struct rt_dbus_buf m;
	uint32_t serial = ++d->serial;
	int r;

	memset(reply, 0, sizeof(*reply));
	if (rt_dbus_build_call(c, serial, &m, e) < 0)
		return -1;
	r = util_write_all(d->fd, m.p, m.len);
	rt_dbus_buf_free(&m);
	if (r < 0)
		return err_sys(e, errno, "D-Bus: write %s", c->member);
	for (;;) {
		uint8_t *msg = NULL;
		size_t n = 0;

		if (read_message(d->fd, timeout_ms, &msg, &n, e) < 0)
			return -1;
		r = rt_dbus_parse_reply(msg, n, reply, e);
		free(msg);
		if (r < 0)
			return -1;
		if ((reply->type != 2 && reply->type != 3) || !reply->has_reply_serial ||
		    reply->reply_serial != serial)
			continue; /* a signal (NameAcquired after Hello), or not ours */
		if (reply->type == 3)
			return err_set(e, EIO, "%s: %s", reply->error_name, reply->message);
		return 0;
	}
}
