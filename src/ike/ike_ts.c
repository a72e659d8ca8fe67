/*
 * ike_ts: traffic selector narrowing and conversion (RFC 7296 2.9, 3.13.1;
 * cloud-semantics.md 5.4: policy-based peers propose e.g. 0.0.0.0/0 <->
 * 172.16.0.0/12, route-based ones 0.0.0.0/0 on both sides).
 */
#include <stdio.h>
#include <string.h>

#include "ike/ike_ts.h"

__extension__ typedef unsigned __int128 u128;

static size_t
alen(uint8_t type)
{
	return type == IKE_TS_IPV6_ADDR_RANGE ? 16 : 4;
}

static u128
to_u(const uint8_t *a, size_t len)
{
	u128 v = 0;
	size_t i;

	for (i = 0; i < len; i++)
		v = v << 8 | a[i];
	return v;
}

static void
from_u(u128 v, uint8_t *a, size_t len)
{
	size_t i;

	for (i = len; i > 0; i--) {
		a[i - 1] = (uint8_t)v;
		v >>= 8;
	}
}

void
ike_ts_from_prefixes(const struct prefix *p, size_t n, struct ike_ts *ts)
{
	size_t i;

	memset(ts, 0, sizeof(*ts));
	for (i = 0; i < n && ts->n < IKE_MAX_TS; i++) {
		struct ike_ts_entry *e = &ts->ts[ts->n++];
		size_t l = p[i].family == PFX_V6 ? 16 : 4;
		unsigned bits = (unsigned)l * 8;
		u128 start = to_u(p[i].addr, l), mask;

		e->type = p[i].family == PFX_V6 ? IKE_TS_IPV6_ADDR_RANGE :
		    IKE_TS_IPV4_ADDR_RANGE;
		e->ipproto = 0;
		e->sport = 0;
		e->eport = 0xffff;
		mask = p[i].len >= bits ? 0 :
		    (((u128)1 << (bits - p[i].len)) - 1);
		from_u(start, e->start, l);
		from_u(start | mask, e->end, l);
	}
}

static bool
entry_isect(const struct ike_ts_entry *a, const struct ike_ts_entry *b,
    struct ike_ts_entry *o)
{
	size_t l = alen(a->type);

	if (a->type != b->type)
		return false;
	if (a->ipproto != 0 && b->ipproto != 0 && a->ipproto != b->ipproto)
		return false;
	memset(o, 0, sizeof(*o));
	o->type = a->type;
	o->ipproto = a->ipproto ? a->ipproto : b->ipproto;
	o->sport = a->sport > b->sport ? a->sport : b->sport;
	o->eport = a->eport < b->eport ? a->eport : b->eport;
	if (o->sport > o->eport)
		return false;
	memcpy(o->start, memcmp(a->start, b->start, l) > 0 ? a->start :
	    b->start, l);
	memcpy(o->end, memcmp(a->end, b->end, l) < 0 ? a->end : b->end, l);
	return memcmp(o->start, o->end, l) <= 0 &&
	    memcmp(a->start, a->end, l) <= 0 && memcmp(b->start, b->end, l) <= 0;
}

static bool
entry_eq(const struct ike_ts_entry *a, const struct ike_ts_entry *b)
{
	size_t l = alen(a->type);

	return a->type == b->type && a->ipproto == b->ipproto &&
	    a->sport == b->sport && a->eport == b->eport &&
	    memcmp(a->start, b->start, l) == 0 && memcmp(a->end, b->end, l) == 0;
}

int
ike_ts_narrow(const struct ike_ts *prop, const struct ike_ts *pol,
    struct ike_ts *out)
{
	size_t i, j, k;

	memset(out, 0, sizeof(*out));
	for (i = 0; i < prop->n; i++)
		for (j = 0; j < pol->n; j++) {
			struct ike_ts_entry e;
			bool dup = false;

			if (!entry_isect(&prop->ts[i], &pol->ts[j], &e))
				continue;
			for (k = 0; k < out->n; k++)
				dup |= entry_eq(&out->ts[k], &e);
			if (!dup && out->n < IKE_MAX_TS)
				out->ts[out->n++] = e;
		}
	return out->n ? 0 : -1;
}

bool
ike_ts_subset(const struct ike_ts *in, const struct ike_ts *outer)
{
	size_t i, j;

	if (in->n == 0)
		return false;
	for (i = 0; i < in->n; i++) {
		bool found = false;

		for (j = 0; j < outer->n && !found; j++) {
			struct ike_ts_entry e;

			found = entry_isect(&in->ts[i], &outer->ts[j], &e) &&
			    entry_eq(&e, &in->ts[i]);
		}
		if (!found)
			return false;
	}
	return true;
}

bool
ike_ts_equal(const struct ike_ts *a, const struct ike_ts *b)
{
	size_t i;

	if (a->n != b->n)
		return false;
	for (i = 0; i < a->n; i++)
		if (!entry_eq(&a->ts[i], &b->ts[i]))
			return false;
	return true;
}

int
ike_ts_to_prefixes(const struct ike_ts *ts, struct prefix *out, size_t max,
    size_t *np)
{
	size_t i, n = 0;

	for (i = 0; i < ts->n; i++) {
		const struct ike_ts_entry *e = &ts->ts[i];
		size_t l = alen(e->type);
		unsigned bits = (unsigned)l * 8;
		u128 cur = to_u(e->start, l), end = to_u(e->end, l);

		if (cur > end)
			return -1;
		for (;;) {
			unsigned k = 0;
			u128 last;

			/* The largest aligned block starting at cur within end. */
			while (k < bits && ((cur >> k) & 1) == 0) {
				u128 sz = (u128)1 << (k + 1);

				if (k + 1 < 128 && cur + (sz - 1) > end)
					break;
				if (k + 1 == 128)
					break;
				k++;
			}
			if (n == max)
				return -1;
			memset(&out[n], 0, sizeof(out[n]));
			out[n].family = l == 16 ? PFX_V6 : PFX_V4;
			out[n].len = (uint8_t)(bits - k);
			from_u(cur, out[n].addr, l);
			n++;
			last = cur + ((k >= 128 ? 0 : ((u128)1 << k)) - 1);
			if (last >= end)
				break;
			cur = last + 1;
		}
	}
	*np = n;
	return 0;
}

const char *
ike_ts_fmt(const struct ike_ts *ts, char *buf, size_t len)
{
	size_t i, off = 0;

	buf[0] = '\0';
	for (i = 0; i < ts->n && off < len; i++) {
		struct prefix p[8];
		size_t np = 0, j;
		struct ike_ts one = { .n = 1 };
		char s[PREFIX_STRLEN];
		int w;

		one.ts[0] = ts->ts[i];
		if (ike_ts_to_prefixes(&one, p, 8, &np) == -1) {
			w = snprintf(buf + off, len - off, "%s(range)",
			    i ? " " : "");
		} else {
			w = 0;
			for (j = 0; j < np && off + (size_t)w < len; j++)
				w += snprintf(buf + off + w, len - off - w,
				    "%s%s", i || j ? " " : "",
				    prefix_fmt(&p[j], s, sizeof(s)));
		}
		if (w < 0)
			break;
		off += (size_t)w;
	}
	return buf;
}
