/*
 * ctl_client: one request/response exchange with transitd over its control socket
 * (docs/control-protocol.md).  The daemon's reply is input like any other: it is
 * size-capped, parsed strictly and checked member by member before the result is
 * handed to transitctl (reliability.md 6.6 C6).
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/un.h>

#include "common/util.h"
#include "ctl/ctl_client.h"

#define REQUEST_ID	1

static bool
valid_code(const char *s)
{
	size_t i;

	for (i = 0; s[i] != '\0'; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') || s[i] == '_'))
			return false;
	return i > 0 && i < sizeof(((struct ctl_error *)0)->code);
}

int
ctl_client_parse_response(const char *line, size_t len, json_int_t expect_id,
    json_t **result, struct ctl_error *err)
{
	json_error_t jerr;
	json_t *resp, *ok, *id, *res, *e, *code, *msg;
	const char *key;
	json_t *v;
	int rc = -1;

	*result = NULL;
	if ((resp = json_loadb(line, len, JSON_REJECT_DUPLICATES, &jerr)) == NULL) {
		ctl_error_set(err, CTL_E_PROTOCOL, "daemon sent invalid JSON (column %d)",
		    jerr.column);
		return -1;
	}
	if (!json_is_object(resp)) {
		ctl_error_set(err, CTL_E_PROTOCOL, "daemon reply is not an object");
		goto out;
	}
	json_object_foreach(resp, key, v) {
		if (strcmp(key, "id") != 0 && strcmp(key, "ok") != 0 &&
		    strcmp(key, "result") != 0 && strcmp(key, "error") != 0) {
			ctl_error_set(err, CTL_E_PROTOCOL, "daemon reply has an "
			    "unexpected member");
			goto out;
		}
	}
	ok = json_object_get(resp, "ok");
	id = json_object_get(resp, "id");
	res = json_object_get(resp, "result");
	e = json_object_get(resp, "error");
	if (!json_is_boolean(ok) || id == NULL) {
		ctl_error_set(err, CTL_E_PROTOCOL, "daemon reply lacks \"ok\" or \"id\"");
		goto out;
	}
	/* Errors raised before the request was understood (busy, bad_json,
	 * too_large) carry a null id; a result must answer our id. */
	if (!(json_is_integer(id) && json_integer_value(id) == expect_id) &&
	    !(json_is_null(id) && json_is_false(ok))) {
		ctl_error_set(err, CTL_E_PROTOCOL, "daemon reply answers another request");
		goto out;
	}
	if (json_is_true(ok)) {
		if (res == NULL || e != NULL) {
			ctl_error_set(err, CTL_E_PROTOCOL, "malformed success reply");
			goto out;
		}
		*result = json_incref(res);
		rc = 0;
		goto out;
	}
	code = json_object_get(e, "code");
	msg = json_object_get(e, "message");
	if (res != NULL || !json_is_object(e) || !json_is_string(code) ||
	    !json_is_string(msg) || !valid_code(json_string_value(code))) {
		ctl_error_set(err, CTL_E_PROTOCOL, "malformed error reply");
		goto out;
	}
	ctl_error_set(err, json_string_value(code), "%s", json_string_value(msg));
	/* The message quotes peer input and is meant for a terminal. */
	if (err != NULL)
		ctl_str_printable(err->message);
out:
	json_decref(resp);
	return rc;
}

static int
remaining_ms(int timeout_ms, uint64_t start)
{
	uint64_t spent;

	if (timeout_ms < 0)
		return -1;
	spent = util_now_ms() - start;
	return spent >= (uint64_t)timeout_ms ? 0 : (int)((uint64_t)timeout_ms - spent);
}

/* Wait for `events` on fd within the deadline; -1 with err set on timeout/failure. */
static int
wait_fd(int fd, short events, int timeout_ms, uint64_t start, const char *path,
    struct ctl_error *err)
{
	struct pollfd pfd = { .fd = fd, .events = events };
	int r, left;

	for (;;) {
		left = remaining_ms(timeout_ms, start);
		if (left == 0)
			break;
		r = poll(&pfd, 1, left);
		if (r > 0)
			return 0;
		if (r == -1 && errno != EINTR) {
			ctl_error_set(err, CTL_E_IO, "%s: poll: %s", path, strerror(errno));
			return -1;
		}
	}
	ctl_error_set(err, CTL_E_TIMEOUT, "no reply from %s within %d ms", path,
	    timeout_ms);
	return -1;
}

static int
connect_to(const char *path, int timeout_ms, struct ctl_error *err)
{
	struct sockaddr_un sun;
	struct timeval tv;
	int fd, saved;

	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	if (strlen(path) >= sizeof(sun.sun_path)) {
		ctl_error_set(err, CTL_E_CONNECT, "cannot connect to %s: path too long",
		    path);
		return -1;
	}
	memcpy(sun.sun_path, path, strlen(path));
	if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) == -1) {
		ctl_error_set(err, CTL_E_CONNECT, "socket: %s", strerror(errno));
		return -1;
	}
	/* A unix connect blocks only while the listener's backlog is full; the send
	 * timeout bounds that wait. */
	if (timeout_ms > 0) {
		tv.tv_sec = timeout_ms / 1000;
		tv.tv_usec = (timeout_ms % 1000) * 1000;
		setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	}
	if (connect(fd, (struct sockaddr *)&sun, sizeof(sun)) == -1) {
		saved = errno;
		close(fd);
		if (saved == ENOENT || saved == ECONNREFUSED)
			ctl_error_set(err, CTL_E_CONNECT, "cannot connect to %s: %s - is "
			    "transitd running?", path, strerror(saved));
		else if (saved == EACCES || saved == EPERM)
			ctl_error_set(err, CTL_E_CONNECT, "cannot connect to %s: %s - the "
			    "main socket needs membership of its group; read-only "
			    "commands also work on the read-only socket", path,
			    strerror(saved));
		else if (saved == EAGAIN || saved == EINPROGRESS)
			ctl_error_set(err, CTL_E_TIMEOUT, "cannot connect to %s: "
			    "transitd is not accepting connections", path);
		else
			ctl_error_set(err, CTL_E_CONNECT, "cannot connect to %s: %s",
			    path, strerror(saved));
		return -1;
	}
	if (fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK) == -1) {
		ctl_error_set(err, CTL_E_CONNECT, "fcntl: %s", strerror(errno));
		close(fd);
		return -1;
	}
	return fd;
}

static int
send_all(int fd, struct ctl_buf *req, int timeout_ms, uint64_t start,
    const char *path, struct ctl_error *err)
{
	ssize_t n;

	while (ctl_buf_pending(req) > 0) {
		n = send(fd, req->p + req->off, ctl_buf_pending(req), MSG_NOSIGNAL);
		if (n >= 0) {
			ctl_buf_consume(req, (size_t)n);
			continue;
		}
		if (errno == EINTR)
			continue;
		if (errno != EAGAIN && errno != EWOULDBLOCK) {
			ctl_error_set(err, CTL_E_IO, "%s: send: %s", path, strerror(errno));
			return -1;
		}
		if (wait_fd(fd, POLLOUT, timeout_ms, start, path, err) == -1)
			return -1;
	}
	return 0;
}

/* Read up to the first newline; the line is left in `in` without the newline. */
static int
recv_line(int fd, struct ctl_buf *in, size_t *linelen, int timeout_ms,
    uint64_t start, const char *path, struct ctl_error *err)
{
	char chunk[16384];
	const char *nl;
	size_t scanned = 0;
	ssize_t n;

	for (;;) {
		nl = in->len > scanned ?
		    memchr(in->p + scanned, '\n', in->len - scanned) : NULL;
		if (nl != NULL) {
			*linelen = (size_t)(nl - (const char *)in->p);
			return 0;
		}
		scanned = in->len;
		if (in->len > CTL_CLIENT_MAX_RESPONSE) {
			ctl_error_set(err, CTL_E_PROTOCOL, "reply from %s exceeds %u "
			    "bytes", path, CTL_CLIENT_MAX_RESPONSE);
			return -1;
		}
		n = recv(fd, chunk, sizeof(chunk), 0);
		if (n > 0) {
			ctl_buf_append(in, chunk, (size_t)n);
			continue;
		}
		if (n == 0) {
			ctl_error_set(err, CTL_E_IO, "%s closed the connection without "
			    "a complete reply", path);
			return -1;
		}
		if (errno == EINTR)
			continue;
		if (errno != EAGAIN && errno != EWOULDBLOCK) {
			ctl_error_set(err, CTL_E_IO, "%s: recv: %s", path, strerror(errno));
			return -1;
		}
		if (wait_fd(fd, POLLIN, timeout_ms, start, path, err) == -1)
			return -1;
	}
}

int
ctl_client_call(const char *sock_path, const char *cmd, const json_t *args,
    int timeout_ms, json_t **result, struct ctl_error *err)
{
	struct ctl_buf req = { 0 }, in = { 0 };
	uint64_t start = util_now_ms();
	struct ctl_error dummy;
	json_t *msg;
	size_t linelen;
	int fd = -1, rc = -1;

	*result = NULL;
	if (err == NULL)
		err = &dummy;
	if (args != NULL && !json_is_object(args)) {
		ctl_error_set(err, CTL_E_BAD_REQUEST, "arguments must be a JSON object");
		return -1;
	}
	msg = json_pack("{s:I, s:s}", "id", (json_int_t)REQUEST_ID, "cmd", cmd);
	if (msg == NULL) {
		ctl_error_set(err, CTL_E_BAD_REQUEST, "command name is not valid UTF-8");
		return -1;
	}
	if (args != NULL)
		json_object_set(msg, "args", (json_t *)(uintptr_t)args);
	if (ctl_proto_encode(msg, &req) == -1) {
		json_decref(msg);
		ctl_error_set(err, CTL_E_BAD_REQUEST, "arguments cannot be encoded");
		return -1;
	}
	json_decref(msg);
	if (ctl_buf_pending(&req) > CTL_MAX_REQUEST + 1) {
		ctl_error_set(err, CTL_E_TOO_LARGE, "request exceeds %u bytes",
		    CTL_MAX_REQUEST);
		goto out;
	}
	if ((fd = connect_to(sock_path, timeout_ms, err)) == -1)
		goto out;
	if (send_all(fd, &req, timeout_ms, start, sock_path, err) == -1) {
		struct ctl_error ignored;

		/* The daemon may have closed after telling us why (busy): prefer
		 * its reply to our EPIPE. */
		if (strcmp(err->code, CTL_E_IO) != 0 || recv_line(fd, &in, &linelen,
		    timeout_ms, start, sock_path, &ignored) == -1)
			goto out;
	} else if (recv_line(fd, &in, &linelen, timeout_ms, start, sock_path,
	    err) == -1)
		goto out;
	rc = ctl_client_parse_response((const char *)in.p, linelen, REQUEST_ID,
	    result, err);
out:
	if (fd != -1)
		close(fd);
	ctl_buf_free(&req);
	ctl_buf_free(&in);
	return rc;
}
