/*
 * ctl_proto: framing, request validation and dispatch of the control protocol, with
 * no I/O (docs/control-protocol.md; reliability.md 4.2 and 6.6 C5/C6).
 *
 * Everything a client sends is untrusted: lines are cut with a hard cap, split
 * through the bounded cursor (common/buf.h), parsed by jansson (which rejects invalid
 * UTF-8), and every envelope member and argument is checked against the command's
 * schema before its handler sees it.  Strings a client sent come back only inside
 * jansson-encoded JSON, so control characters are escaped and the output stays one
 * valid JSON object per line.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/buf.h"
#include "common/log.h"
#include "common/util.h"
#include "ctl/ctl_proto.h"

/* How much of a client-supplied name is quoted back in an error message. */
#define QUOTE_MAX	64

struct ctl_entry {
	const struct ctl_cmd	*cmd;
	void			*ctx;
};

struct ctl_proto {
	struct ctl_entry	*cmds;
	size_t			 ncmds;
	size_t			 capcmds;
	char			*version;
};

void
ctl_error_set(struct ctl_error *err, const char *code, const char *fmt, ...)
{
	char tmp[sizeof(err->message)];
	va_list ap;

	if (err == NULL)
		return;
	snprintf(err->code, sizeof(err->code), "%s", code);
	va_start(ap, fmt);
	vsnprintf(tmp, sizeof(tmp), fmt, ap);
	va_end(ap);
	/* vsnprintf may have cut a multi-byte character in half. */
	ctl_utf8_sanitize(err->message, sizeof(err->message), tmp, strlen(tmp));
}

/* Length of the valid UTF-8 sequence at s (RFC 3629), or 0 if invalid. */
static size_t
utf8_seqlen(const unsigned char *s, size_t n)
{
	unsigned char c = s[0];
	size_t len, i;
	uint32_t cp;

	if (c < 0x80)
		return 1;
	if (c >= 0xc2 && c <= 0xdf) {
		len = 2;
		cp = c & 0x1f;
	} else if (c >= 0xe0 && c <= 0xef) {
		len = 3;
		cp = c & 0x0f;
	} else if (c >= 0xf0 && c <= 0xf4) {
		len = 4;
		cp = c & 0x07;
	} else
		return 0;
	if (n < len)
		return 0;
	for (i = 1; i < len; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = (cp << 6) | (s[i] & 0x3f);
	}
	if ((len == 3 && cp < 0x800) || (len == 4 && cp < 0x10000) ||
	    (cp >= 0xd800 && cp <= 0xdfff) || cp > 0x10ffff)
		return 0;
	return len;
}

void
ctl_utf8_sanitize(char *dst, size_t n, const char *s, size_t slen)
{
	struct buf_reader r;
	size_t o = 0, l;

	if (n == 0)
		return;
	buf_reader_init(&r, s, slen);
	while (buf_left(&r) > 0) {
		const uint8_t *ch;
		uint8_t c;

		if (buf_peek_u8(&r, &c) == -1 || c == '\0')
			break;
		/* Peek the longest possible sequence to classify it. */
		l = utf8_seqlen(r.p, MIN(buf_left(&r), 4));
		if (l == 0) {
			if (o + 1 >= n)
				break;
			dst[o++] = '?';
			buf_skip(&r, 1);
			continue;
		}
		if (o + l >= n || buf_get_ptr(&r, &ch, l) == -1)
			break;
		memcpy(dst + o, ch, l);
		o += l;
	}
	dst[o] = '\0';
}

/* A bounded, sanitized copy of a client string for quoting in a message. */
static void
quote(char *dst, size_t n, const char *s)
{
	ctl_utf8_sanitize(dst, MIN(n, QUOTE_MAX + 1), s, strlen(s));
}

/* --- byte queue --- */

void
ctl_buf_append(struct ctl_buf *b, const void *data, size_t len)
{
	if (len == 0)
		return;
	/* Reclaim consumed space before growing. */
	if (b->off > 0 && b->len + len > b->cap) {
		memmove(b->p, b->p + b->off, b->len - b->off);
		b->len -= b->off;
		b->off = 0;
	}
	if (b->len + len < b->len)
		fatalx("ctl_buf_append: size overflow");
	util_grow(&b->p, &b->cap, b->len + len, 1);
	memcpy(b->p + b->len, data, len);
	b->len += len;
}

size_t
ctl_buf_pending(const struct ctl_buf *b)
{
	return b->len - b->off;
}

void
ctl_buf_consume(struct ctl_buf *b, size_t n)
{
	if (n > ctl_buf_pending(b))
		fatalx("ctl_buf_consume: %zu > %zu pending", n, ctl_buf_pending(b));
	b->off += n;
	if (b->off == b->len)
		b->off = b->len = 0;
}

void
ctl_buf_free(struct ctl_buf *b)
{
	free(b->p);
	memset(b, 0, sizeof(*b));
}

/* --- command table --- */

static json_t	*cmd_help(const json_t *, void *, struct ctl_error *);
static json_t	*cmd_version(const json_t *, void *, struct ctl_error *);

static const struct ctl_arg help_args[] = {
	{ "command", CTL_ARG_STRING, false },
};

static const struct ctl_cmd builtin_cmds[] = {
	{ "help", cmd_help, false, "list commands, or describe one (args: command)",
	    help_args, ARRAY_SIZE(help_args) },
	{ "version", cmd_version, false, "daemon and protocol version", NULL, 0 },
};

static bool
valid_cmd_name(const char *s)
{
	size_t i;

	if (s == NULL || s[0] == '\0' || strlen(s) > QUOTE_MAX)
		return false;
	for (i = 0; s[i] != '\0'; i++) {
		char c = s[i];

		if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
		    c == '_' || c == '-' || c == '.' || c == ' '))
			return false;
	}
	return true;
}

struct ctl_proto *
ctl_proto_new(const char *version)
{
	struct ctl_proto *p = xcalloc(1, sizeof(*p));
	size_t i;

	p->version = xstrdup(version != NULL ? version : "unknown");
	for (i = 0; i < ARRAY_SIZE(builtin_cmds); i++)
		if (ctl_proto_register(p, &builtin_cmds[i], p) == -1)
			fatalx("ctl_proto_new: built-in table is broken");
	return p;
}

void
ctl_proto_free(struct ctl_proto *p)
{
	if (p == NULL)
		return;
	free(p->cmds);
	free(p->version);
	free(p);
}

static const struct ctl_entry *
lookup(const struct ctl_proto *p, const char *name)
{
	size_t i;

	for (i = 0; i < p->ncmds; i++)
		if (strcmp(p->cmds[i].cmd->name, name) == 0)
			return &p->cmds[i];
	return NULL;
}

int
ctl_proto_register(struct ctl_proto *p, const struct ctl_cmd *cmd, void *ctx)
{
	size_t i, j;

	if (cmd == NULL || !valid_cmd_name(cmd->name) || cmd->handler == NULL ||
	    cmd->help == NULL || (cmd->nargs > 0 && cmd->args == NULL))
		return -1;
	if (lookup(p, cmd->name) != NULL)
		return -1;
	for (i = 0; i < cmd->nargs; i++) {
		if (cmd->args[i].name == NULL || cmd->args[i].name[0] == '\0')
			return -1;
		for (j = 0; j < i; j++)
			if (strcmp(cmd->args[i].name, cmd->args[j].name) == 0)
				return -1;
	}
	util_grow(&p->cmds, &p->capcmds, p->ncmds + 1, sizeof(*p->cmds));
	p->cmds[p->ncmds].cmd = cmd;
	p->cmds[p->ncmds].ctx = ctx;
	p->ncmds++;
	return 0;
}

static const char *
argtype_name(enum ctl_argtype t)
{
	switch (t) {
	case CTL_ARG_STRING:
		return "string";
	case CTL_ARG_INT:
		return "integer";
	case CTL_ARG_NUMBER:
		return "number";
	case CTL_ARG_BOOL:
		return "boolean";
	case CTL_ARG_OBJECT:
		return "object";
	case CTL_ARG_ARRAY:
		return "array";
	}
	return "?";
}

static bool
argtype_match(enum ctl_argtype t, const json_t *v)
{
	switch (t) {
	case CTL_ARG_STRING:
		return json_is_string(v);
	case CTL_ARG_INT:
		return json_is_integer(v);
	case CTL_ARG_NUMBER:
		return json_is_number(v);
	case CTL_ARG_BOOL:
		return json_is_boolean(v);
	case CTL_ARG_OBJECT:
		return json_is_object(v);
	case CTL_ARG_ARRAY:
		return json_is_array(v);
	}
	return false;
}

static json_t *
describe(const struct ctl_cmd *c)
{
	json_t *args = json_array();
	size_t i;

	for (i = 0; i < c->nargs; i++)
		json_array_append_new(args, json_pack("{s:s, s:s, s:b}",
		    "name", c->args[i].name, "type", argtype_name(c->args[i].type),
		    "required", c->args[i].required));
	return json_pack("{s:s, s:s, s:b, s:o}", "name", c->name, "help", c->help,
	    "mutating", c->mutating, "args", args);
}

static json_t *
cmd_help(const json_t *args, void *ctx, struct ctl_error *err)
{
	const struct ctl_proto *p = ctx;
	const json_t *name = json_object_get(args, "command");
	const struct ctl_entry *e;
	json_t *list;
	size_t i;

	if (name != NULL) {
		char q[QUOTE_MAX + 1];

		if ((e = lookup(p, json_string_value(name))) != NULL)
			return describe(e->cmd);
		quote(q, sizeof(q), json_string_value(name));
		ctl_error_set(err, CTL_E_NOT_FOUND, "no command \"%s\"", q);
		return NULL;
	}
	list = json_array();
	for (i = 0; i < p->ncmds; i++)
		json_array_append_new(list, describe(p->cmds[i].cmd));
	return list;
}

static json_t *
cmd_version(const json_t *args, void *ctx, struct ctl_error *err)
{
	const struct ctl_proto *p = ctx;

	return json_pack("{s:s, s:i}", "version", p->version, "protocol", 1);
}

/* --- dispatch --- */

json_t *
ctl_proto_error_response(const json_t *id, const char *code, const char *msg)
{
	char safe[sizeof(((struct ctl_error *)0)->message)];
	size_t i;

	/* A handler's code goes on the wire: only short [a-z_] words. */
	for (i = 0; code[i] != '\0'; i++)
		if (!((code[i] >= 'a' && code[i] <= 'z') || code[i] == '_'))
			break;
	if (i == 0 || code[i] != '\0' || i >= sizeof(((struct ctl_error *)0)->code))
		code = CTL_E_INTERNAL;
	ctl_utf8_sanitize(safe, sizeof(safe), msg, strlen(msg));
	return json_pack("{s:O, s:b, s:{s:s, s:s}}", "id",
	    id != NULL ? id : json_null(), "ok", 0, "error", "code", code,
	    "message", safe);
}

static json_t *
fail(const json_t *id, const char *code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static json_t *
fail(const json_t *id, const char *code, const char *fmt, ...)
{
	struct ctl_error e;
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(e.message, sizeof(e.message), fmt, ap);
	va_end(ap);
	return ctl_proto_error_response(id, code, e.message);
}

/* Check args against the command's schema; NULL when valid, else the error response. */
static json_t *
check_args(const json_t *id, const struct ctl_cmd *c, const json_t *args)
{
	char q[QUOTE_MAX + 1];
	const char *key;
	json_t *v;
	size_t i;

	json_object_foreach((json_t *)(uintptr_t)args, key, v) {
		for (i = 0; i < c->nargs; i++)
			if (strcmp(c->args[i].name, key) == 0)
				break;
		quote(q, sizeof(q), key);
		if (i == c->nargs)
			return fail(id, CTL_E_BAD_REQUEST,
			    "unknown argument \"%s\" for command \"%s\"", q, c->name);
		if (!argtype_match(c->args[i].type, v))
			return fail(id, CTL_E_BAD_REQUEST,
			    "argument \"%s\" of command \"%s\" must be a %s", q,
			    c->name, argtype_name(c->args[i].type));
	}
	for (i = 0; i < c->nargs; i++)
		if (c->args[i].required && json_object_get(args, c->args[i].name) == NULL)
			return fail(id, CTL_E_BAD_REQUEST,
			    "command \"%s\" requires argument \"%s\" (%s)", c->name,
			    c->args[i].name, argtype_name(c->args[i].type));
	return NULL;
}

static json_t *
dispatch_obj(struct ctl_proto *p, json_t *req, bool readonly)
{
	const json_t *id = NULL, *cmd, *args;
	const struct ctl_entry *e;
	struct ctl_error err;
	char q[QUOTE_MAX + 1];
	const char *key;
	json_t *v, *empty = NULL, *result, *resp;

	if (!json_is_object(req))
		return fail(NULL, CTL_E_BAD_REQUEST, "request must be a JSON object");
	if ((v = json_object_get(req, "id")) != NULL) {
		if (!json_is_integer(v))
			return fail(NULL, CTL_E_BAD_REQUEST, "\"id\" must be an integer");
		id = v;
	}
	json_object_foreach(req, key, v) {
		if (strcmp(key, "id") != 0 && strcmp(key, "cmd") != 0 &&
		    strcmp(key, "args") != 0) {
			quote(q, sizeof(q), key);
			return fail(id, CTL_E_BAD_REQUEST,
			    "unknown request member \"%s\" (expected id, cmd, args)", q);
		}
	}
	cmd = json_object_get(req, "cmd");
	if (cmd == NULL)
		return fail(id, CTL_E_BAD_REQUEST, "missing \"cmd\"");
	if (!json_is_string(cmd))
		return fail(id, CTL_E_BAD_REQUEST, "\"cmd\" must be a string");
	args = json_object_get(req, "args");
	if (args != NULL && !json_is_object(args))
		return fail(id, CTL_E_BAD_REQUEST, "\"args\" must be an object");
	if ((e = lookup(p, json_string_value(cmd))) == NULL) {
		/* json_string_value stops at NUL; jansson rejected \u0000 anyway. */
		quote(q, sizeof(q), json_string_value(cmd));
		return fail(id, CTL_E_UNKNOWN_COMMAND,
		    "unknown command \"%s\" (try \"help\")", q);
	}
	if (readonly && e->cmd->mutating)
		return fail(id, CTL_E_DENIED,
		    "command \"%s\" changes state and is refused on the read-only socket",
		    e->cmd->name);
	if (args == NULL)
		args = empty = json_object();
	if ((resp = check_args(id, e->cmd, args)) != NULL) {
		json_decref(empty);
		return resp;
	}
	memset(&err, 0, sizeof(err));
	result = e->cmd->handler(args, e->ctx, &err);
	json_decref(empty);
	if (result == NULL) {
		if (err.code[0] == '\0')
			return fail(id, CTL_E_INTERNAL, "command \"%s\" failed without "
			    "an error", e->cmd->name);
		return ctl_proto_error_response(id, err.code, err.message);
	}
	return json_pack("{s:O, s:b, s:o}", "id", id != NULL ? id : json_null(),
	    "ok", 1, "result", result);
}

json_t *
ctl_proto_dispatch(struct ctl_proto *p, const char *line, size_t len, bool readonly)
{
	json_error_t jerr;
	char text[sizeof(jerr.text)];
	json_t *req, *resp;

	/* Default flags: no \u0000 in strings, top level must be an object or array,
	 * input must be valid UTF-8, nothing but whitespace after the value. */
	req = json_loadb(line, len, JSON_REJECT_DUPLICATES, &jerr);
	if (req == NULL) {
		/* jansson quotes the offending input: keep the message valid UTF-8. */
		ctl_utf8_sanitize(text, sizeof(text), jerr.text, strlen(jerr.text));
		return fail(NULL, CTL_E_BAD_JSON, "invalid JSON at column %d: %s",
		    jerr.column, text);
	}
	resp = dispatch_obj(p, req, readonly);
	json_decref(req);
	return resp;
}

int
ctl_proto_encode(const json_t *v, struct ctl_buf *out)
{
	char *s;

	/* JSON escapes every C0 control character, so no raw newline can end up
	 * inside the line; ENSURE_ASCII also escapes C1 controls (U+009B is a CSI
	 * to some terminals), bidi overrides and U+2028 (reliability.md 6.6 C6). */
	if ((s = json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY | JSON_ENSURE_ASCII))
	    == NULL)
		return -1;
	ctl_buf_append(out, s, strlen(s));
	ctl_buf_append(out, "\n", 1);
	free(s);
	return 0;
}

/* --- connection framing --- */

void
ctl_conn_init(struct ctl_conn *c, bool readonly)
{
	memset(c, 0, sizeof(*c));
	c->readonly = readonly;
}

void
ctl_conn_clear(struct ctl_conn *c)
{
	ctl_buf_free(&c->in);
	ctl_buf_free(&c->out);
}

static void
respond(struct ctl_conn *c, json_t *resp)
{
	json_t *alt;

	if (resp == NULL)
		fatalx("ctl: cannot build a response");
	if (ctl_proto_encode(resp, &c->out) == -1) {
		alt = ctl_proto_error_response(json_object_get(resp, "id"),
		    CTL_E_INTERNAL, "result cannot be encoded as JSON");
		if (alt == NULL || ctl_proto_encode(alt, &c->out) == -1)
			fatalx("ctl: cannot encode an error response");
		json_decref(alt);
	}
	json_decref(resp);
}

static void
handle_line(struct ctl_proto *p, struct ctl_conn *c, const uint8_t *line, size_t len)
{
	size_t i;

	/* Tolerate CRLF from hand-typed sessions. */
	if (len > 0 && line[len - 1] == '\r')
		len--;
	for (i = 0; i < len; i++)
		if (line[i] != ' ' && line[i] != '\t')
			break;
	if (i == len)
		return;		/* blank lines are keep-alives, not requests */
	c->nrequests++;
	respond(c, ctl_proto_dispatch(p, (const char *)line, len, c->readonly));
}

static int
too_large(struct ctl_conn *c)
{
	respond(c, fail(NULL, CTL_E_TOO_LARGE, "request exceeds %u bytes; closing",
	    CTL_MAX_REQUEST));
	c->closing = true;
	ctl_buf_free(&c->in);
	return -1;
}

int
ctl_conn_input(struct ctl_proto *p, struct ctl_conn *c, const void *data, size_t len)
{
	struct buf_reader r;
	const uint8_t *seg, *nl;
	size_t seglen, held;

	if (c->closing || c->overflow)
		return -1;
	buf_reader_init(&r, data, len);
	while (buf_left(&r) > 0) {
		/* Checked per line: one read can hold thousands of small requests
		 * with large answers. */
		if (c->max_out > 0 && ctl_buf_pending(&c->out) > c->max_out) {
			c->overflow = true;
			ctl_buf_free(&c->in);
			return -1;
		}
		held = ctl_buf_pending(&c->in);
		nl = memchr(r.p, '\n', buf_left(&r));
		seglen = nl != NULL ? (size_t)(nl - r.p) : buf_left(&r);
		if (seglen > CTL_MAX_REQUEST - held)
			return too_large(c);
		if (buf_get_ptr(&r, &seg, seglen) == -1)
			fatalx("ctl_conn_input: cursor out of step");
		if (nl == NULL) {
			ctl_buf_append(&c->in, seg, seglen);
			break;
		}
		buf_skip(&r, 1);
		if (held == 0) {
			handle_line(p, c, seg, seglen);
		} else {
			ctl_buf_append(&c->in, seg, seglen);
			handle_line(p, c, c->in.p + c->in.off, ctl_buf_pending(&c->in));
			ctl_buf_consume(&c->in, ctl_buf_pending(&c->in));
		}
	}
	return 0;
}

char *
ctl_default_path(const char *node, bool readonly)
{
	size_t i;

	/* The name becomes a path component: no '/', no "..", nothing odd. */
	if (node == NULL || node[0] == '\0' || node[0] == '.' || strlen(node) > 64)
		return NULL;
	for (i = 0; node[i] != '\0'; i++) {
		char c = node[i];

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		    (c >= '0' && c <= '9') || c == '_' || c == '-' || c == '.'))
			return NULL;
	}
	if (readonly)
		return xasprintf("%s.%s.ro.sock", CTL_DEFAULT_SOCKDIR, node);
	return xasprintf("%s/%s.sock", CTL_DEFAULT_SOCKDIR, node);
}

void
ctl_str_printable(char *s)
{
	const unsigned char *in = (const unsigned char *)s;
	size_t len = strlen(s), i = 0, o = 0, l;
	uint32_t cp;

	/* In place: each replacement is no longer than what it replaces. */
	while (i < len) {
		l = utf8_seqlen(in + i, MIN(len - i, 4));
		if (l == 0) {
			s[o++] = '?';
			i++;
			continue;
		}
		cp = l == 1 ? in[i] : l == 2 ? (uint32_t)((in[i] & 0x1f) << 6 |
		    (in[i + 1] & 0x3f)) : l == 3 ? (uint32_t)((in[i] & 0x0f) << 12 |
		    (in[i + 1] & 0x3f) << 6 | (in[i + 2] & 0x3f)) : 0x10000;
		/* C0, DEL, C1 (U+009B is CSI), line/paragraph separators and the
		 * bidi embeddings, overrides and isolates (Trojan Source). */
		if (cp < 0x20 || (cp >= 0x7f && cp <= 0x9f) || cp == 0x2028 ||
		    cp == 0x2029 || (cp >= 0x202a && cp <= 0x202e) ||
		    (cp >= 0x2066 && cp <= 0x2069)) {
			s[o++] = '?';
			i += l;
			continue;
		}
		memmove(s + o, s + i, l);
		o += l;
		i += l;
	}
	s[o] = '\0';
}
