/*
 * ike_pld_ts: Traffic Selector payloads TSi / TSr (RFC 7296 3.13, 3.13.1).
 *
 * Each selector's length must be exactly the one its type fixes (16 for IPv4, 40
 * for IPv6): libreswan CVE-2023-23009 asserted on a wrong one.  The count must be
 * 1..IKE_MAX_TS and the selectors must fill the payload exactly.  Port ranges are
 * not ordered-checked (3.13.1 uses start > end for OPAQUE ports); address ranges
 * are stored as received for the policy layer to narrow.
 */
#include <string.h>

#include "ike/ike_msg.h"

static enum ike_parse_result
ts_walk(const struct ike_pld_raw *raw, struct ike_ts *ts, struct ike_err *err)
{
	struct buf_reader r;
	uint8_t n, i;

	buf_reader_init(&r, raw->body, raw->len);
	if (buf_get_u8(&r, &n) == -1 || buf_skip(&r, 3) == -1)
		return ike_err_set(err, IKE_PARSE_INVALID_SYNTAX, raw->type,
		    "TS payload length %zu < 4", raw->len);
	if (n == 0)
		return ike_err_set(err, IKE_PARSE_INVALID_SYNTAX, raw->type,
		    "TS payload with no selector");
	if (n > IKE_MAX_TS)
		return ike_err_set(err, IKE_PARSE_LIMIT, raw->type,
		    "%u traffic selectors > %d", n, IKE_MAX_TS);
	for (i = 0; i < n; i++) {
		uint8_t type, proto;
		uint16_t len, sp, ep;
		size_t alen, want;
		struct ike_ts_entry *e = ts != NULL ? &ts->ts[i] : NULL;

		if (buf_get_u8(&r, &type) == -1 || buf_get_u8(&r, &proto) == -1 ||
		    buf_get_u16(&r, &len) == -1)
			return ike_err_set(err, IKE_PARSE_INVALID_SYNTAX, raw->type,
			    "TS %u of %u truncated", i + 1, n);
		switch (type) {
		case IKE_TS_IPV4_ADDR_RANGE:
			want = IKE_TS_IPV4_LEN;
			alen = 4;
			break;
		case IKE_TS_IPV6_ADDR_RANGE:
			want = IKE_TS_IPV6_LEN;
			alen = 16;
			break;
		default:
			return ike_err_set(err, IKE_PARSE_INVALID_SYNTAX, raw->type,
			    "TS type %u unknown", type);
		}
		if (len != want)
			return ike_err_set(err, IKE_PARSE_INVALID_SYNTAX, raw->type,
			    "TS length %u != %zu", len, want);
		if (buf_left(&r) < want - 4)
			return ike_err_set(err, IKE_PARSE_INVALID_SYNTAX, raw->type,
			    "TS %u of %u truncated: %zu bytes < %zu", i + 1, n,
			    buf_left(&r), want - 4);
		buf_get_u16(&r, &sp);
		buf_get_u16(&r, &ep);
		if (e != NULL) {
			memset(e, 0, sizeof(*e));
			e->type = type;
			e->ipproto = proto;
			e->sport = sp;
			e->eport = ep;
			buf_get_bytes(&r, e->start, alen);
			buf_get_bytes(&r, e->end, alen);
		} else
			buf_skip(&r, 2 * alen);
	}
	if (buf_left(&r) != 0)
		return ike_err_set(err, IKE_PARSE_INVALID_SYNTAX, raw->type,
		    "%zu bytes after %u traffic selectors", buf_left(&r), n);
	if (ts != NULL)
		ts->n = n;
	return IKE_PARSE_OK;
}

enum ike_parse_result
ike_ts_parse(const struct ike_pld_raw *raw, struct ike_ts *ts, struct ike_err *err)
{
	enum ike_parse_result res;

	if ((res = ts_walk(raw, NULL, err)) != IKE_PARSE_OK)
		return res;
	memset(ts, 0, sizeof(*ts));
	return ts_walk(raw, ts, err);
}

int
ike_ts_encode(struct buf_writer *w, const struct ike_ts *ts)
{
	unsigned i;

	if (ts->n == 0 || ts->n > IKE_MAX_TS)
		return -1;
	buf_put_u8(w, ts->n);
	buf_put_zero(w, 3);
	for (i = 0; i < ts->n; i++) {
		const struct ike_ts_entry *e = &ts->ts[i];
		size_t alen;

		if (e->type == IKE_TS_IPV4_ADDR_RANGE)
			alen = 4;
		else if (e->type == IKE_TS_IPV6_ADDR_RANGE)
			alen = 16;
		else
			return -1;
		buf_put_u8(w, e->type);
		buf_put_u8(w, e->ipproto);
		buf_put_u16(w, (uint16_t)(8 + 2 * alen));
		buf_put_u16(w, e->sport);
		buf_put_u16(w, e->eport);
		buf_put_bytes(w, e->start, alen);
		buf_put_bytes(w, e->end, alen);
	}
	return buf_wok(w) ? 0 : -1;
}
