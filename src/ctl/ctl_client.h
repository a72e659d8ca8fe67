/*
 * ctl_client: the transitctl side of the control protocol (docs/control-protocol.md).
 *
 * One call = connect, one request line, one response line, close.  The reply is
 * validated before anything in it is trusted; mapping errors to exit codes and
 * rendering results for humans is transitctl's job.
 */
#ifndef TRANSIT_CTL_CLIENT_H
#define TRANSIT_CTL_CLIENT_H

#include <stddef.h>

#include <jansson.h>

#include "ctl/ctl_proto.h"

/* A reply larger than this is refused (a full RIB dump is far smaller). */
#define CTL_CLIENT_MAX_RESPONSE	(256u * 1024u * 1024u)

/*
 * Call `cmd` with `args` (an object, borrowed; NULL = none) on the daemon listening
 * at sock_path, waiting at most timeout_ms in total (-1 = no limit).  Returns 0 and
 * a new reference in *result, or -1 with *err set: err->code is the daemon's error
 * code (CTL_E_DENIED, ...) or one of the client-side CTL_E_CONNECT, CTL_E_TIMEOUT,
 * CTL_E_IO, CTL_E_PROTOCOL.
 */
int	ctl_client_call(const char *sock_path, const char *cmd, const json_t *args,
	    int timeout_ms, json_t **result, struct ctl_error *err);

/*
 * Validate one response line (without its newline) to the request with id
 * `expect_id`; same return convention as ctl_client_call.
 */
int	ctl_client_parse_response(const char *line, size_t len, json_int_t expect_id,
	    json_t **result, struct ctl_error *err);

#endif
