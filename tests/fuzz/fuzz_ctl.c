/*
 * fuzz_ctl: arbitrary bytes into the control protocol's connection feed (reliability.md
 * F8), plus every input line through the client's reply validator.
 *
 * Input: byte 0 selects read-only (bit 0) and the read size (bits 1-7: 1..128 bytes
 * per ctl_conn_input call, so that framing is cut at every possible place); the
 * rest is the byte stream.  Oracles, beyond the sanitizers: every reply line is one
 * JSON object in printable ASCII with a boolean "ok" and a well-formed error; a
 * mutating handler never runs on a read-only connection; nothing is answered after
 * the connection was declared closing or over its reply budget.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ctl/ctl_client.h"
#include "ctl/ctl_proto.h"

struct fz {
	struct ctl_conn	*conn;
};

static json_t *
h_echo(const json_t *args, void *ctx, struct ctl_error *err)
{
	return json_deep_copy(args);
}

static json_t *
h_set(const json_t *args, void *ctx, struct ctl_error *err)
{
	struct fz *f = ctx;

	if (f->conn->readonly)
		abort();	/* the read-only gate was bypassed */
	if (json_integer_value(json_object_get(args, "value")) < 0) {
		ctl_error_set(err, CTL_E_FAILED, "negative: %s",
		    json_string_value(json_object_get(args, "name")));
		return NULL;
	}
	return json_true();
}

static const struct ctl_arg echo_args[] = {
	{ "s", CTL_ARG_STRING, false }, { "i", CTL_ARG_INT, false },
	{ "n", CTL_ARG_NUMBER, false }, { "b", CTL_ARG_BOOL, false },
	{ "o", CTL_ARG_OBJECT, false }, { "a", CTL_ARG_ARRAY, false },
};
static const struct ctl_arg set_args[] = {
	{ "name", CTL_ARG_STRING, true }, { "value", CTL_ARG_INT, true },
};
static const struct ctl_cmd cmds[] = {
	{ "echo", h_echo, false, "echo", echo_args, 6 },
	{ "set", h_set, true, "set", set_args, 2 },
};

static void
check_line(const uint8_t *p, size_t len)
{
	json_t *r, *ok, *e;
	size_t i;

	for (i = 0; i < len; i++)
		if (p[i] < 0x20 || p[i] >= 0x80)
			abort();
	if ((r = json_loadb((const char *)p, len, JSON_REJECT_DUPLICATES, NULL)) == NULL)
		abort();
	ok = json_object_get(r, "ok");
	e = json_object_get(r, "error");
	if (!json_is_object(r) || !json_is_boolean(ok) || json_object_get(r, "id") == NULL)
		abort();
	if (json_is_false(ok) && (!json_is_string(json_object_get(e, "code")) ||
	    !json_is_string(json_object_get(e, "message"))))
		abort();
	if (json_is_true(ok) && json_object_get(r, "result") == NULL)
		abort();
	json_decref(r);
}

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ctl_proto *p;
	struct ctl_conn conn;
	struct fz f = { &conn };
	size_t chunk, off, n, i, start;
	json_t *res;
	struct ctl_error err;
	int rc = 0;

	if (size < 1)
		return 0;
	p = ctl_proto_new("fuzz");
	for (i = 0; i < 2; i++)
		if (ctl_proto_register(p, &cmds[i], &f) == -1)
			abort();
	ctl_conn_init(&conn, data[0] & 1);
	conn.max_out = 16 * 1024;	/* reachable: "help" answers ~500 bytes */
	chunk = (size_t)(data[0] >> 1) + 1;
	for (off = 1; off < size; off += n) {
		size_t before = ctl_buf_pending(&conn.out);

		n = size - off < chunk ? size - off : chunk;
		if (rc == -1) {
			if (ctl_conn_input(p, &conn, data + off, n) != -1 ||
			    ctl_buf_pending(&conn.out) != before)
				abort();
			continue;
		}
		rc = ctl_conn_input(p, &conn, data + off, n);
	}
	if (ctl_buf_pending(&conn.in) > CTL_MAX_REQUEST)
		abort();

	/* Every reply line is well-formed. */
	start = conn.out.off;
	for (i = conn.out.off; i < conn.out.len; i++) {
		if (conn.out.p[i] != '\n')
			continue;
		check_line(conn.out.p + start, i - start);
		start = i + 1;
	}
	if (start != conn.out.len)
		abort();	/* a reply without its newline */
	ctl_conn_clear(&conn);
	ctl_proto_free(p);

	/* The same bytes as replies from a daemon: validated, never trusted. */
	start = 1;
	for (i = 1; i <= size; i++) {
		if (i < size && data[i] != '\n')
			continue;
		if (ctl_client_parse_response((const char *)data + start, i - start, 1,
		    &res, &err) == 0)
			json_decref(res);
		else if (err.code[0] == '\0')
			abort();
		start = i + 1;
	}
	return 0;
}
