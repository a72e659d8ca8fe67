/*
 * ctl_proto without sockets: framing, envelope and argument validation, every error
 * code, the read-only gate, and the JSON safety of echoed client strings
 * (docs/control-protocol.md; reliability.md 6.6 C5/C6).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "ctl/ctl_client.h"
#include "ctl/ctl_proto.h"

struct fixture {
	struct ctl_proto	*proto;
	struct ctl_conn		 conn;
	int			 calls;		/* handler invocations */
};

static json_t *
h_echo(const json_t *args, void *ctx, struct ctl_error *err)
{
	struct fixture *f = ctx;

	f->calls++;
	return json_deep_copy(args);
}

static json_t *
h_reload(const json_t *args, void *ctx, struct ctl_error *err)
{
	struct fixture *f = ctx;

	f->calls++;
	return json_pack("{s:b}", "reloaded", 1);
}

static json_t *
h_tunnel_up(const json_t *args, void *ctx, struct ctl_error *err)
{
	struct fixture *f = ctx;
	const char *name = json_string_value(json_object_get(args, "name"));

	f->calls++;
	if (strcmp(name, "missing") == 0) {
		ctl_error_set(err, CTL_E_NOT_FOUND, "no tunnel %s", name);
		return NULL;
	}
	return json_string(name);
}

static json_t *
h_broken(const json_t *args, void *ctx, struct ctl_error *err)
{
	struct fixture *f = ctx;

	f->calls++;
	return NULL;
}

static json_t *
h_badcode(const json_t *args, void *ctx, struct ctl_error *err)
{
	ctl_error_set(err, "Not A Code\n", "whatever");
	return NULL;
}

static const struct ctl_arg echo_args[] = {
	{ "text", CTL_ARG_STRING, true },
	{ "n", CTL_ARG_INT, false },
	{ "x", CTL_ARG_NUMBER, false },
	{ "flag", CTL_ARG_BOOL, false },
	{ "obj", CTL_ARG_OBJECT, false },
	{ "list", CTL_ARG_ARRAY, false },
};
static const struct ctl_arg tunnel_args[] = {
	{ "name", CTL_ARG_STRING, true },
};
static const struct ctl_cmd test_cmds[] = {
	{ "echo", h_echo, false, "return the arguments", echo_args,
	    sizeof(echo_args) / sizeof(echo_args[0]) },
	{ "reload", h_reload, true, "reload configuration", NULL, 0 },
	{ "tunnel up", h_tunnel_up, true, "bring a tunnel up", tunnel_args, 1 },
	{ "broken", h_broken, false, "returns nothing", NULL, 0 },
	{ "badcode", h_badcode, false, "returns a bad code", NULL, 0 },
};

static int
setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	size_t i;

	f->proto = ctl_proto_new("9.9.9-test");
	for (i = 0; i < sizeof(test_cmds) / sizeof(test_cmds[0]); i++)
		assert_int_equal(ctl_proto_register(f->proto, &test_cmds[i], f), 0);
	ctl_conn_init(&f->conn, false);
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	struct fixture *f = *state;

	ctl_conn_clear(&f->conn);
	ctl_proto_free(f->proto);
	free(f);
	return 0;
}

static int
feed(struct fixture *f, const char *s)
{
	return ctl_conn_input(f->proto, &f->conn, s, strlen(s));
}

/* Pop the next response line; asserts it is JSON in printable ASCII (C0 controls
 * escaped by JSON rules, everything above 0x7e by JSON_ENSURE_ASCII). */
static json_t *
next_resp(struct fixture *f)
{
	struct ctl_buf *out = &f->conn.out;
	const unsigned char *p = out->p + out->off, *nl;
	json_error_t jerr;
	size_t len, i;
	json_t *r;

	assert_true(ctl_buf_pending(out) > 0);
	nl = memchr(p, '\n', ctl_buf_pending(out));
	assert_non_null(nl);
	len = (size_t)(nl - p);
	for (i = 0; i < len; i++)
		assert_true(p[i] >= 0x20 && p[i] < 0x80);
	r = json_loadb((const char *)p, len, JSON_REJECT_DUPLICATES, &jerr);
	assert_non_null(r);
	ctl_buf_consume(out, len + 1);
	return r;
}

static void
assert_error(json_t *r, const char *code)
{
	json_t *e = json_object_get(r, "error");

	assert_true(json_is_false(json_object_get(r, "ok")));
	assert_non_null(json_object_get(r, "id"));
	assert_null(json_object_get(r, "result"));
	assert_string_equal(json_string_value(json_object_get(e, "code")), code);
	assert_true(json_is_string(json_object_get(e, "message")));
}

static void
expect_error(struct fixture *f, const char *line, const char *code)
{
	json_t *r;

	assert_int_equal(feed(f, line), 0);
	r = next_resp(f);
	assert_error(r, code);
	json_decref(r);
	assert_int_equal(ctl_buf_pending(&f->conn.out), 0);
}

static void
test_dispatch_and_id_echo(void **state)
{
	struct fixture *f = *state;
	json_t *r;

	assert_int_equal(feed(f, "{\"id\":7,\"cmd\":\"echo\",\"args\":{\"text\":\"hi\","
	    "\"n\":3,\"x\":1.5,\"flag\":true,\"obj\":{},\"list\":[1]}}\n"), 0);
	r = next_resp(f);
	assert_true(json_is_true(json_object_get(r, "ok")));
	assert_int_equal(json_integer_value(json_object_get(r, "id")), 7);
	assert_string_equal(json_string_value(json_object_get(
	    json_object_get(r, "result"), "text")), "hi");
	assert_int_equal(json_integer_value(json_object_get(
	    json_object_get(r, "result"), "n")), 3);
	assert_null(json_object_get(r, "error"));
	json_decref(r);
	assert_int_equal(f->calls, 1);

	/* No id: the reply carries null.  Negative and large ids echo exactly. */
	assert_int_equal(feed(f, "{\"cmd\":\"reload\"}\n"), 0);
	r = next_resp(f);
	assert_true(json_is_null(json_object_get(r, "id")));
	assert_true(json_is_true(json_object_get(json_object_get(r, "result"),
	    "reloaded")));
	json_decref(r);
	assert_int_equal(feed(f, "{\"cmd\":\"reload\",\"id\":-9007199254740993}\n"), 0);
	r = next_resp(f);
	assert_true(json_integer_value(json_object_get(r, "id")) == -9007199254740993LL);
	json_decref(r);
	assert_int_equal(f->calls, 3);
}

static void
test_bad_json_keeps_connection(void **state)
{
	struct fixture *f = *state;
	json_t *r;

	expect_error(f, "{oops\n", CTL_E_BAD_JSON);
	expect_error(f, "{\"cmd\":\"echo\"} trailing\n", CTL_E_BAD_JSON);
	expect_error(f, "42\n", CTL_E_BAD_JSON);	/* jansson: not an object/array */
	expect_error(f, "{\"cmd\":\"reload\",\"cmd\":\"echo\"}\n", CTL_E_BAD_JSON);
	expect_error(f, "{\"cmd\":\"re\\u0000load\"}\n", CTL_E_BAD_JSON);
	assert_false(f->conn.closing);
	assert_int_equal(feed(f, "{\"id\":1,\"cmd\":\"reload\"}\n"), 0);
	r = next_resp(f);
	assert_true(json_is_true(json_object_get(r, "ok")));
	json_decref(r);
}

static void
test_bad_request_envelope(void **state)
{
	struct fixture *f = *state;
	json_t *r;

	expect_error(f, "[1,2]\n", CTL_E_BAD_REQUEST);
	expect_error(f, "{}\n", CTL_E_BAD_REQUEST);
	expect_error(f, "{\"cmd\":5}\n", CTL_E_BAD_REQUEST);
	expect_error(f, "{\"cmd\":\"reload\",\"args\":[]}\n", CTL_E_BAD_REQUEST);
	expect_error(f, "{\"cmd\":\"reload\",\"args\":null}\n", CTL_E_BAD_REQUEST);
	expect_error(f, "{\"cmd\":\"reload\",\"id\":\"7\"}\n", CTL_E_BAD_REQUEST);
	expect_error(f, "{\"cmd\":\"reload\",\"id\":1.0}\n", CTL_E_BAD_REQUEST);
	expect_error(f, "{\"cmd\":\"reload\",\"extra\":1}\n", CTL_E_BAD_REQUEST);
	assert_int_equal(f->calls, 0);

	/* A valid id is echoed even when the rest is rejected. */
	assert_int_equal(feed(f, "{\"id\":42,\"cmd\":5}\n"), 0);
	r = next_resp(f);
	assert_error(r, CTL_E_BAD_REQUEST);
	assert_int_equal(json_integer_value(json_object_get(r, "id")), 42);
	json_decref(r);
}

static void
test_unknown_command(void **state)
{
	struct fixture *f = *state;

	expect_error(f, "{\"cmd\":\"shutdown\"}\n", CTL_E_UNKNOWN_COMMAND);
	expect_error(f, "{\"cmd\":\"\"}\n", CTL_E_UNKNOWN_COMMAND);
	expect_error(f, "{\"cmd\":\"ECHO\"}\n", CTL_E_UNKNOWN_COMMAND);
}

static void
test_args_validated_before_handler(void **state)
{
	struct fixture *f = *state;
	json_t *r;

	/* unknown key */
	expect_error(f, "{\"cmd\":\"echo\",\"args\":{\"text\":\"a\",\"txet\":1}}\n",
	    CTL_E_BAD_REQUEST);
	expect_error(f, "{\"cmd\":\"reload\",\"args\":{\"force\":true}}\n",
	    CTL_E_BAD_REQUEST);
	/* wrong types, one per schema type */
	expect_error(f, "{\"cmd\":\"echo\",\"args\":{\"text\":1}}\n", CTL_E_BAD_REQUEST);
	expect_error(f, "{\"cmd\":\"echo\",\"args\":{\"text\":\"a\",\"n\":1.5}}\n",
	    CTL_E_BAD_REQUEST);
	expect_error(f, "{\"cmd\":\"echo\",\"args\":{\"text\":\"a\",\"n\":\"1\"}}\n",
	    CTL_E_BAD_REQUEST);
	expect_error(f, "{\"cmd\":\"echo\",\"args\":{\"text\":\"a\",\"x\":\"1\"}}\n",
	    CTL_E_BAD_REQUEST);
	expect_error(f, "{\"cmd\":\"echo\",\"args\":{\"text\":\"a\",\"flag\":1}}\n",
	    CTL_E_BAD_REQUEST);
	expect_error(f, "{\"cmd\":\"echo\",\"args\":{\"text\":\"a\",\"obj\":[]}}\n",
	    CTL_E_BAD_REQUEST);
	expect_error(f, "{\"cmd\":\"echo\",\"args\":{\"text\":\"a\",\"list\":{}}}\n",
	    CTL_E_BAD_REQUEST);
	expect_error(f, "{\"cmd\":\"echo\",\"args\":{\"text\":null}}\n",
	    CTL_E_BAD_REQUEST);
	/* missing required, with and without an args object */
	expect_error(f, "{\"cmd\":\"echo\",\"args\":{\"n\":1}}\n", CTL_E_BAD_REQUEST);
	expect_error(f, "{\"cmd\":\"tunnel up\"}\n", CTL_E_BAD_REQUEST);
	assert_int_equal(f->calls, 0);

	/* An integer is a number. */
	assert_int_equal(feed(f, "{\"cmd\":\"echo\",\"args\":{\"text\":\"a\",\"x\":2}}\n"),
	    0);
	r = next_resp(f);
	assert_true(json_is_true(json_object_get(r, "ok")));
	json_decref(r);
	assert_int_equal(f->calls, 1);
}

static void
test_handler_errors(void **state)
{
	struct fixture *f = *state;
	json_t *r;

	assert_int_equal(feed(f, "{\"id\":3,\"cmd\":\"tunnel up\",\"args\":{\"name\":"
	    "\"missing\"}}\n"), 0);
	r = next_resp(f);
	assert_error(r, CTL_E_NOT_FOUND);
	assert_int_equal(json_integer_value(json_object_get(r, "id")), 3);
	assert_string_equal(json_string_value(json_object_get(json_object_get(r,
	    "error"), "message")), "no tunnel missing");
	json_decref(r);
	expect_error(f, "{\"cmd\":\"broken\"}\n", CTL_E_INTERNAL);
	/* A handler cannot put an arbitrary code on the wire. */
	expect_error(f, "{\"cmd\":\"badcode\"}\n", CTL_E_INTERNAL);
}

static void
test_readonly_denies_mutating(void **state)
{
	struct fixture *f = *state;
	json_t *r;

	ctl_conn_clear(&f->conn);
	ctl_conn_init(&f->conn, true);
	expect_error(f, "{\"cmd\":\"reload\"}\n", CTL_E_DENIED);
	/* denied even when the arguments are bad: the gate comes first */
	expect_error(f, "{\"cmd\":\"tunnel up\",\"args\":{\"bogus\":1}}\n",
	    CTL_E_DENIED);
	assert_int_equal(f->calls, 0);
	assert_int_equal(feed(f, "{\"cmd\":\"echo\",\"args\":{\"text\":\"ro\"}}\n"), 0);
	r = next_resp(f);
	assert_true(json_is_true(json_object_get(r, "ok")));
	json_decref(r);
	assert_int_equal(f->calls, 1);
}

static char *
echo_line_of_size(size_t len)
{
	const char *head = "{\"cmd\":\"echo\",\"args\":{\"text\":\"";
	const char *tail = "\"}}";
	char *s = malloc(len + 2);

	assert_true(len > strlen(head) + strlen(tail));
	memcpy(s, head, strlen(head));
	memset(s + strlen(head), 'a', len - strlen(head) - strlen(tail));
	memcpy(s + len - strlen(tail), tail, strlen(tail));
	s[len] = '\n';
	s[len + 1] = '\0';
	return s;
}

static void
test_size_limit(void **state)
{
	struct fixture *f = *state;
	char *s;
	json_t *r;

	/* Exactly the limit is fine, even split in two reads. */
	s = echo_line_of_size(CTL_MAX_REQUEST);
	assert_int_equal(ctl_conn_input(f->proto, &f->conn, s, 1000), 0);
	assert_int_equal(ctl_conn_input(f->proto, &f->conn, s + 1000,
	    CTL_MAX_REQUEST + 1 - 1000), 0);
	r = next_resp(f);
	assert_true(json_is_true(json_object_get(r, "ok")));
	json_decref(r);
	free(s);

	/* One byte more, complete line in one read: too_large and closing. */
	s = echo_line_of_size(CTL_MAX_REQUEST + 1);
	assert_int_equal(feed(f, s), -1);
	free(s);
	r = next_resp(f);
	assert_error(r, CTL_E_TOO_LARGE);
	json_decref(r);
	assert_true(f->conn.closing);
	/* Nothing more is answered on this connection. */
	assert_int_equal(feed(f, "{\"cmd\":\"reload\"}\n"), -1);
	assert_int_equal(ctl_buf_pending(&f->conn.out), 0);
	assert_int_equal(f->calls, 1);
}

static void
test_oversize_without_newline(void **state)
{
	struct fixture *f = *state;
	char *s = malloc(4096);
	size_t sent = 0;
	int rc = 0;
	json_t *r;

	memset(s, ' ', 4096);
	s[0] = '{';
	/* The error comes as soon as the cap is passed, not at the newline. */
	while (rc == 0 && sent < 70 * 1024) {
		rc = ctl_conn_input(f->proto, &f->conn, s, 4096);
		sent += 4096;
	}
	assert_int_equal(rc, -1);
	assert_true(sent <= CTL_MAX_REQUEST + 4096);
	assert_true(ctl_buf_pending(&f->conn.in) == 0);
	r = next_resp(f);
	assert_error(r, CTL_E_TOO_LARGE);
	assert_true(json_is_null(json_object_get(r, "id")));
	json_decref(r);
	free(s);
}

static void
test_pipelined_requests(void **state)
{
	struct fixture *f = *state;
	json_t *r;
	int i;

	assert_int_equal(feed(f, "{\"id\":1,\"cmd\":\"reload\"}\n{\"id\":2,\"cmd\":"
	    "\"nope\"}\r\n\n   \n{\"id\":3,\"cmd\":\"echo\",\"args\":{\"text\":\"x\"}}\n"
	    "{\"id\":4,"), 0);
	for (i = 1; i <= 3; i++) {
		r = next_resp(f);
		assert_int_equal(json_integer_value(json_object_get(r, "id")), i);
		assert_true(json_is_boolean(json_object_get(r, "ok")));
		assert_int_equal(json_is_true(json_object_get(r, "ok")), i != 2);
		json_decref(r);
	}
	/* blank lines got no reply; the partial 4th waits for its newline */
	assert_int_equal(ctl_buf_pending(&f->conn.out), 0);
	assert_int_equal(feed(f, "\"cmd\":\"reload\"}\n"), 0);
	r = next_resp(f);
	assert_int_equal(json_integer_value(json_object_get(r, "id")), 4);
	json_decref(r);
	assert_int_equal(f->conn.nrequests, 4);
}

static void
test_output_overflow(void **state)
{
	struct fixture *f = *state;
	struct ctl_buf many = { 0 };
	size_t i, replies = 0;

	/* 1000 pipelined requests in one read, each answered with ~300 bytes,
	 * against a 4 KiB reply budget: processing stops at the budget. */
	for (i = 0; i < 1000; i++)
		ctl_buf_append(&many, "{\"cmd\":\"help\",\"args\":{\"command\":"
		    "\"echo\"}}\n", 41);
	f->conn.max_out = 4096;
	assert_int_equal(ctl_conn_input(f->proto, &f->conn, many.p, many.len), -1);
	assert_true(f->conn.overflow);
	for (i = 0; i < ctl_buf_pending(&f->conn.out); i++)
		replies += f->conn.out.p[f->conn.out.off + i] == '\n';
	assert_true(replies > 0 && replies < 30);
	assert_true(ctl_buf_pending(&f->conn.out) < 4096 + 1024);
	assert_int_equal(ctl_conn_input(f->proto, &f->conn, "\n", 1), -1);
	ctl_buf_free(&many);
}

static void
test_byte_by_byte(void **state)
{
	struct fixture *f = *state;
	const char *s = "{\"id\":9,\"cmd\":\"tunnel up\",\"args\":{\"name\":\"t\\u00e9\"}}\n"
	    "{\"id\":10,\"cmd\":\"version\"}\n";
	size_t i;
	json_t *r;

	for (i = 0; i < strlen(s); i++) {
		assert_int_equal(ctl_conn_input(f->proto, &f->conn, s + i, 1), 0);
		/* a reply appears only when a newline completes a line */
		if (i + 1 < strlen(s) && s[i] != '\n')
			assert_int_equal(ctl_buf_pending(&f->conn.out) > 0,
			    i > (size_t)(strchr(s, '\n') - s));
	}
	r = next_resp(f);
	assert_int_equal(json_integer_value(json_object_get(r, "id")), 9);
	assert_string_equal(json_string_value(json_object_get(r, "result")),
	    "t\xc3\xa9");
	json_decref(r);
	r = next_resp(f);
	assert_int_equal(json_integer_value(json_object_get(r, "id")), 10);
	assert_string_equal(json_string_value(json_object_get(json_object_get(r,
	    "result"), "version")), "9.9.9-test");
	json_decref(r);
}

static void
test_invalid_utf8(void **state)
{
	struct fixture *f = *state;

	expect_error(f, "{\"cmd\":\"echo\",\"args\":{\"text\":\"\xff\"}}\n",
	    CTL_E_BAD_JSON);
	/* overlong '/' and a UTF-16 surrogate encoded in UTF-8 */
	expect_error(f, "{\"cmd\":\"\xc0\xaf\"}\n", CTL_E_BAD_JSON);
	expect_error(f, "{\"cmd\":\"\xed\xa0\x80\"}\n", CTL_E_BAD_JSON);
	/* invalid bytes outside strings, which jansson quotes in its message */
	expect_error(f, "{\xfe\xfe\xfe}\n", CTL_E_BAD_JSON);
	expect_error(f, "\xe2\x82\n", CTL_E_BAD_JSON);
	/* a lone surrogate escape */
	expect_error(f, "{\"cmd\":\"\\ud800\"}\n", CTL_E_BAD_JSON);
	assert_int_equal(f->calls, 0);
}

static void
test_control_chars_stay_escaped(void **state)
{
	struct fixture *f = *state;
	const char *msg;
	json_t *r;

	/* Raw control bytes inside a JSON string are not JSON. */
	expect_error(f, "{\"cmd\":\"a\x01\x1b[31m\"}\n", CTL_E_BAD_JSON);
	/* Escaped ones are, and come back escaped (next_resp checks the bytes). */
	assert_int_equal(feed(f, "{\"cmd\":\"x\\n\\u001b[2J\\r\\u007f\\\"}\"}\n"), 0);
	r = next_resp(f);
	assert_error(r, CTL_E_UNKNOWN_COMMAND);
	msg = json_string_value(json_object_get(json_object_get(r, "error"),
	    "message"));
	assert_non_null(strstr(msg, "x\n\x1b[2J\r\x7f\"}"));
	json_decref(r);
	/* Unknown argument names are quoted the same way, truncated. */
	assert_int_equal(feed(f, "{\"cmd\":\"reload\",\"args\":{\"\\n\\u2028"
	    "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
	    "\":1}}\n"), 0);
	r = next_resp(f);
	assert_error(r, CTL_E_BAD_REQUEST);
	msg = json_string_value(json_object_get(json_object_get(r, "error"),
	    "message"));
	assert_true(strlen(msg) < 200);
	json_decref(r);
}

static void
test_builtins(void **state)
{
	struct fixture *f = *state;
	json_t *r, *list, *e;
	size_t i;
	bool saw_reload = false, saw_help = false;

	assert_int_equal(feed(f, "{\"cmd\":\"help\"}\n"), 0);
	r = next_resp(f);
	list = json_object_get(r, "result");
	assert_int_equal(json_array_size(list), 2 + sizeof(test_cmds) /
	    sizeof(test_cmds[0]));
	json_array_foreach(list, i, e) {
		const char *name = json_string_value(json_object_get(e, "name"));

		assert_true(json_is_string(json_object_get(e, "help")));
		if (strcmp(name, "reload") == 0) {
			saw_reload = true;
			assert_true(json_is_true(json_object_get(e, "mutating")));
		}
		if (strcmp(name, "help") == 0) {
			saw_help = true;
			assert_true(json_is_false(json_object_get(e, "mutating")));
		}
	}
	assert_true(saw_reload && saw_help);
	json_decref(r);

	assert_int_equal(feed(f, "{\"cmd\":\"help\",\"args\":{\"command\":\"echo\"}}\n"),
	    0);
	r = next_resp(f);
	e = json_object_get(r, "result");
	assert_int_equal(json_array_size(json_object_get(e, "args")), 6);
	assert_string_equal(json_string_value(json_object_get(json_array_get(
	    json_object_get(e, "args"), 1), "type")), "integer");
	json_decref(r);
	expect_error(f, "{\"cmd\":\"help\",\"args\":{\"command\":\"zap\"}}\n",
	    CTL_E_NOT_FOUND);
	assert_int_equal(feed(f, "{\"cmd\":\"version\"}\n"), 0);
	r = next_resp(f);
	assert_int_equal(json_integer_value(json_object_get(json_object_get(r,
	    "result"), "protocol")), 1);
	json_decref(r);
}

static void
test_register_rejects(void **state)
{
	struct fixture *f = *state;
	static const struct ctl_arg dup_args[] = {
		{ "a", CTL_ARG_STRING, false }, { "a", CTL_ARG_INT, false },
	};
	struct ctl_cmd c = { "fresh", h_echo, false, "h", NULL, 0 };

	assert_int_equal(ctl_proto_register(f->proto, &test_cmds[0], f), -1);
	c.name = "help";
	assert_int_equal(ctl_proto_register(f->proto, &c, f), -1);
	c.name = "Bad\nName";
	assert_int_equal(ctl_proto_register(f->proto, &c, f), -1);
	c.name = "";
	assert_int_equal(ctl_proto_register(f->proto, &c, f), -1);
	c.name = "fresh";
	c.handler = NULL;
	assert_int_equal(ctl_proto_register(f->proto, &c, f), -1);
	c.handler = h_echo;
	c.args = dup_args;
	c.nargs = 2;
	assert_int_equal(ctl_proto_register(f->proto, &c, f), -1);
	c.nargs = 1;
	assert_int_equal(ctl_proto_register(f->proto, &c, f), 0);
}

static void
test_utf8_sanitize(void **state)
{
	char out[8];

	ctl_utf8_sanitize(out, sizeof(out), "ab\xff" "c", 4);
	assert_string_equal(out, "ab?c");
	/* "é" is 2 bytes: cut before it rather than through it */
	ctl_utf8_sanitize(out, 7, "abcde\xc3\xa9", 7);
	assert_string_equal(out, "abcde");
	ctl_utf8_sanitize(out, sizeof(out), "\xf0\x9f\x98\x80", 4);
	assert_string_equal(out, "\xf0\x9f\x98\x80");
	ctl_utf8_sanitize(out, sizeof(out), "\xf0\x9f\x98", 3);
	assert_string_equal(out, "???");
	ctl_utf8_sanitize(out, sizeof(out), "\xf4\x90\x80\x80", 4);	/* > U+10FFFF */
	assert_string_equal(out, "????");
}

static void
test_str_printable(void **state)
{
	char s[64];

	snprintf(s, sizeof(s), "a\x1b[31mb\r\n\x7f\xc2\x9b" "c\xe2\x80\xae" "d\xff"
	    "\xc3\xa9\xf0\x9f\x98\x80");
	ctl_str_printable(s);
	assert_string_equal(s, "a?[31mb???" "?c?d?\xc3\xa9\xf0\x9f\x98\x80");
}

static void
test_default_path(void **state)
{
	char *s;

	s = ctl_default_path("node-1", false);
	assert_string_equal(s, "/run/transitd/node-1.sock");
	free(s);
	s = ctl_default_path("node-1", true);
	assert_string_equal(s, "/run/transitd.node-1.ro.sock");
	free(s);
	assert_null(ctl_default_path("../etc", false));
	assert_null(ctl_default_path("a/b", false));
	assert_null(ctl_default_path("", false));
	assert_null(ctl_default_path(".hidden", false));
	assert_null(ctl_default_path("a b", false));
	assert_null(ctl_default_path(NULL, false));
}

static void
test_client_parse_response(void **state)
{
	struct ctl_error err;
	json_t *res;
#define P(s) ctl_client_parse_response(s, strlen(s), 5, &res, &err)

	assert_int_equal(P("{\"id\":5,\"ok\":true,\"result\":[1]}"), 0);
	assert_int_equal(json_array_size(res), 1);
	json_decref(res);
	assert_int_equal(P("{\"id\":5,\"ok\":false,\"error\":{\"code\":\"denied\","
	    "\"message\":\"no\"}}"), -1);
	assert_string_equal(err.code, "denied");
	assert_string_equal(err.message, "no");
	/* a message quoting a peer's string cannot drive the terminal */
	assert_int_equal(P("{\"id\":5,\"ok\":false,\"error\":{\"code\":\"failed\","
	    "\"message\":\"x\\u001b]0;owned\\u0007\\u009b2J\\n\"}}"), -1);
	assert_string_equal(err.message, "x?]0;owned??2J?");
	assert_int_equal(P("{\"id\":null,\"ok\":false,\"error\":{\"code\":\"busy\","
	    "\"message\":\"m\"}}"), -1);
	assert_string_equal(err.code, "busy");
	/* malformed replies are protocol errors, never trusted */
	assert_int_equal(P("{\"id\":6,\"ok\":true,\"result\":1}"), -1);
	assert_string_equal(err.code, CTL_E_PROTOCOL);
	assert_int_equal(P("{\"id\":null,\"ok\":true,\"result\":1}"), -1);
	assert_string_equal(err.code, CTL_E_PROTOCOL);
	assert_int_equal(P("{\"id\":5,\"ok\":true}"), -1);
	assert_string_equal(err.code, CTL_E_PROTOCOL);
	assert_int_equal(P("{\"id\":5,\"ok\":1,\"result\":1}"), -1);
	assert_string_equal(err.code, CTL_E_PROTOCOL);
	assert_int_equal(P("{\"id\":5,\"ok\":false,\"error\":{\"code\":\"X Y\","
	    "\"message\":\"m\"}}"), -1);
	assert_string_equal(err.code, CTL_E_PROTOCOL);
	assert_int_equal(P("{\"id\":5,\"ok\":false,\"error\":\"x\"}"), -1);
	assert_string_equal(err.code, CTL_E_PROTOCOL);
	assert_int_equal(P("{\"id\":5,\"ok\":true,\"result\":1,\"junk\":2}"), -1);
	assert_string_equal(err.code, CTL_E_PROTOCOL);
	assert_int_equal(P("not json"), -1);
	assert_string_equal(err.code, CTL_E_PROTOCOL);
#undef P
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_dispatch_and_id_echo, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bad_json_keeps_connection, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_bad_request_envelope, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_unknown_command, setup, teardown),
		cmocka_unit_test_setup_teardown(test_args_validated_before_handler, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_handler_errors, setup, teardown),
		cmocka_unit_test_setup_teardown(test_readonly_denies_mutating, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_size_limit, setup, teardown),
		cmocka_unit_test_setup_teardown(test_oversize_without_newline, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_pipelined_requests, setup, teardown),
		cmocka_unit_test_setup_teardown(test_output_overflow, setup, teardown),
		cmocka_unit_test_setup_teardown(test_byte_by_byte, setup, teardown),
		cmocka_unit_test_setup_teardown(test_invalid_utf8, setup, teardown),
		cmocka_unit_test_setup_teardown(test_control_chars_stay_escaped, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_builtins, setup, teardown),
		cmocka_unit_test_setup_teardown(test_register_rejects, setup, teardown),
		cmocka_unit_test(test_utf8_sanitize),
		cmocka_unit_test(test_str_printable),
		cmocka_unit_test(test_default_path),
		cmocka_unit_test(test_client_parse_response),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
