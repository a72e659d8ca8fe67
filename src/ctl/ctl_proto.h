/*
 * ctl_proto: the control-socket protocol without any I/O (docs/control-protocol.md).
 *
 * Bytes from a client go in through ctl_conn_input(); complete response lines come
 * out in the connection's output buffer.  Between the two: newline framing with a
 * hard size cap, strict JSON parsing (jansson rejects invalid UTF-8, NUL escapes and,
 * with our flag, duplicate keys), request validation, a command table whose argument
 * schemas are checked BEFORE a handler runs, and the read-only gate for mutating
 * commands (reliability.md 4.2, 6.6 C5/C6).  The socket glue is ctl_server.c; the
 * fuzzer and the unit tests drive this module directly.
 */
#ifndef TRANSIT_CTL_PROTO_H
#define TRANSIT_CTL_PROTO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

/* Largest request line, newline excluded.  One byte more without a newline is fatal
 * for that connection (too_large, then close). */
#define CTL_MAX_REQUEST		(64u * 1024u)

/* Machine-readable error codes (the "code" member of an error response). */
#define CTL_E_BAD_JSON		"bad_json"	/* line is not one valid UTF-8 JSON object */
#define CTL_E_BAD_REQUEST	"bad_request"	/* envelope or arguments fail validation */
#define CTL_E_UNKNOWN_COMMAND	"unknown_command"
#define CTL_E_DENIED		"denied"	/* mutating command on the read-only socket */
#define CTL_E_TOO_LARGE		"too_large"	/* line over CTL_MAX_REQUEST; connection closed */
#define CTL_E_BUSY		"busy"		/* too many clients; connection closed */
#define CTL_E_NOT_FOUND		"not_found"	/* for handlers: the named object does not exist */
#define CTL_E_FAILED		"failed"	/* for handlers: valid request, operation failed */
#define CTL_E_INTERNAL		"internal"	/* handler bug or output encoding failure */
/* Produced only by the client library, never sent on the wire. */
#define CTL_E_CONNECT		"connect"
#define CTL_E_TIMEOUT		"timeout"
#define CTL_E_IO		"io"
#define CTL_E_PROTOCOL		"protocol"	/* the daemon's reply is malformed */

struct ctl_error {
	char	code[32];
	char	message[512];
};

/* Fill *err (printf-style message); safe with err == NULL. */
void	ctl_error_set(struct ctl_error *err, const char *code, const char *fmt, ...)
	    __attribute__((format(printf, 3, 4)));

enum ctl_argtype {
	CTL_ARG_STRING,
	CTL_ARG_INT,		/* JSON integer (no fraction) */
	CTL_ARG_NUMBER,		/* integer or real */
	CTL_ARG_BOOL,
	CTL_ARG_OBJECT,
	CTL_ARG_ARRAY,
};

struct ctl_arg {
	const char		*name;
	enum ctl_argtype	 type;
	bool			 required;
};

/*
 * A handler gets the validated "args" object (borrowed; always an object, possibly
 * empty) and the context given at registration.  It returns a new reference to the
 * result (any JSON value), or NULL after ctl_error_set(err, ...).  NULL without an
 * error becomes "internal".
 */
typedef json_t	*(*ctl_handler_fn)(const json_t *args, void *ctx, struct ctl_error *err);

struct ctl_cmd {
	const char		*name;
	ctl_handler_fn		 handler;
	bool			 mutating;	/* refused on the read-only socket */
	const char		*help;		/* one line */
	const struct ctl_arg	*args;		/* schema; keys not listed are rejected */
	size_t			 nargs;
};

struct ctl_proto;

/* A command table with the built-ins "help" and "version" already registered. */
struct ctl_proto *ctl_proto_new(const char *version);
void	ctl_proto_free(struct ctl_proto *);
/*
 * Register a command; the struct and its strings are borrowed and must outlive the
 * table (normally static const).  Returns -1 for a duplicate or malformed entry.
 */
int	ctl_proto_register(struct ctl_proto *, const struct ctl_cmd *, void *ctx);

/* A growable byte queue: bytes [off, len) are pending. */
struct ctl_buf {
	uint8_t	*p;
	size_t	 off;
	size_t	 len;
	size_t	 cap;
};

void	ctl_buf_append(struct ctl_buf *, const void *, size_t);
size_t	ctl_buf_pending(const struct ctl_buf *);
void	ctl_buf_consume(struct ctl_buf *, size_t);
void	ctl_buf_free(struct ctl_buf *);

/* Protocol state of one client connection. */
struct ctl_conn {
	struct ctl_buf	in;		/* partial line carried between reads */
	struct ctl_buf	out;		/* response lines not yet written */
	bool		readonly;	/* accepted on the read-only socket */
	bool		closing;	/* framing broken: flush out, then close */
	bool		overflow;	/* out grew past max_out: close now */
	size_t		max_out;	/* 0 = no limit */
	uint64_t	nrequests;
};

void	ctl_conn_init(struct ctl_conn *, bool readonly);
void	ctl_conn_clear(struct ctl_conn *);

/*
 * Feed received bytes: every complete line is answered (responses appended to
 * conn->out).  Returns 0, or -1 once the connection must be closed: after its
 * output is flushed when conn->closing is set (framing broken), at once when
 * conn->overflow is set (more than max_out bytes of replies are waiting: a client
 * that does not read, or pipelines requests with large answers).  Further input is
 * then ignored.
 */
int	ctl_conn_input(struct ctl_proto *, struct ctl_conn *, const void *, size_t);

/*
 * Answer one request line (no newline) as if it came from a connection with the
 * given access; returns the response object (new reference).
 */
json_t	*ctl_proto_dispatch(struct ctl_proto *, const char *line, size_t len,
	    bool readonly);

/* The error response object {"id":..,"ok":false,"error":{..}}; id may be NULL. */
json_t	*ctl_proto_error_response(const json_t *id, const char *code, const char *msg);

/*
 * Encode a response or request as one line (compact JSON + "\n") into *out.
 * Returns -1 if the value cannot be encoded.
 */
int	ctl_proto_encode(const json_t *, struct ctl_buf *out);

/* Socket files live under this directory (created 0750); see ctl_default_path. */
#define CTL_DEFAULT_SOCKDIR	"/run/transitd"

/*
 * Default socket path of a node: CTL_DEFAULT_SOCKDIR/NODE.sock, or for the
 * read-only socket CTL_DEFAULT_SOCKDIR.NODE.ro.sock (beside the 0750 directory, so
 * that anyone can reach it).  NULL if the node name is not a safe file name.
 * The caller frees the result.
 */
char	*ctl_default_path(const char *node, bool readonly);

/* Copy s into dst (size n > 0), replacing bytes that are not valid UTF-8 by '?' and
 * cutting on a character boundary; used for human messages that quote peer input. */
void	ctl_utf8_sanitize(char *dst, size_t n, const char *s, size_t slen);

/*
 * Make a decoded peer string safe to print on a terminal, in place: invalid UTF-8,
 * C0 and C1 controls, DEL, U+2028/2029 and bidi controls become '?'
 * (reliability.md 6.6 C6).  For human output; JSON output needs no such step.
 */
void	ctl_str_printable(char *s);

#endif
