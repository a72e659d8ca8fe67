/*
 * ike_harness: two IKEv2 engines in one process (reliability.md K2): a fake
 * clock, per-side deterministic randomness (with scripted nonce first bytes for
 * the 2.8.1 lowest-nonce cases), and a fake network queue between them that can
 * drop, duplicate or reorder chosen datagrams.  The events each engine emits are
 * applied to a model SADB per side, which the checks compare: exactly one Child
 * SA pair on each side, the initiator's outbound = the responder's inbound (SPI
 * and key bytes), and no leaked SAs.  Header-only (static) for the
 * test_ike_exch_*.c programs.
 */
#ifndef TRANSIT_IKE_HARNESS_H
#define TRANSIT_IKE_HARNESS_H

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "common/prefix.h"
#include "ike/ike_engine.h"
#include "ike/ike_msg.h"

#define H_FN		static __attribute__((unused))
#define H_MAX_SA	16
#define H_MAX_PKT	256
#define H_MAX_LOG	128

struct h_sa {
	uint32_t	spi_in, spi_out;
	int		xf;
	uint8_t		kin[ESP_MAX_KEYMAT_LEN], kout[ESP_MAX_KEYMAT_LEN];
	size_t		klen;
	struct prefix	tl[IKE_TS_CFG_MAX], tr[IKE_TS_CFG_MAX];
	size_t		ntl, ntr;
	bool		natt;
	bool		defer_out;
};

struct h_side {
	struct ike_engine	*eng;
	struct ike_tunnel_cfg	 tc;
	struct ike_engine_cfg	 ec;
	uint64_t		 rng;
	uint8_t			 nonce_script[8];	/* first bytes of nonces */
	size_t			 n_script;
	struct h_sa		 sa[H_MAX_SA];
	size_t			 nsa;
	/* "I" install, "D" delete, "U" up, "X" down, "R" IKE rekeyed. */
	char			 log[H_MAX_LOG];
	size_t			 nlog;
	uint32_t		 log_spi[H_MAX_LOG];
	int			 n_install, n_delete, n_up, n_down, n_rekeyed;
	char			 down_text[IKE_EVENT_TEXT];
	size_t			 sent;		/* datagrams emitted */
	char			 logs[16384];	/* the engine's log lines */
	size_t			 loglen;
	int			 errors;	/* model inconsistencies */
};

struct h_pkt {
	int		from;
	struct ike_addr	src, dst;
	uint8_t		*data;
	size_t		len;
};

struct harness;
/* Return true to drop the datagram (seq = per-side emission count, 1-based). */
typedef bool (*h_filter_fn)(struct harness *, struct h_pkt *, size_t seq,
    void *arg);

struct harness {
	struct h_side	 s[2];		/* 0 = A (usually the initiator), 1 = B */
	uint64_t	 now;
	struct h_pkt	 q[H_MAX_PKT];
	size_t		 nq;
	h_filter_fn	 filter;
	void		*farg;
	int		 dup_seq[2];	/* duplicate this emission of a side */
	bool		 cut[2];	/* drop everything a side sends */
	bool		 verbose;
};

H_FN void
h_rand(void *buf, size_t len, void *arg)
{
	struct h_side *s = arg;
	uint8_t *p = buf;
	size_t i;

	for (i = 0; i < len; i++) {
		/* xorshift64*: deterministic per side. */
		s->rng ^= s->rng >> 12;
		s->rng ^= s->rng << 25;
		s->rng ^= s->rng >> 27;
		p[i] = (uint8_t)((s->rng * 2685821657736338717ULL) >> 56);
	}
	if (len == 32 && s->n_script > 0) {
		p[0] = s->nonce_script[0];
		memmove(s->nonce_script, s->nonce_script + 1, --s->n_script);
	}
}

H_FN void
h_addr(struct ike_addr *a, const char *ip)
{
	char err[128];

	memset(a, 0, sizeof(*a));
	assert_int_equal(addr_parse(ip, &a->ip, err, sizeof(err)), 0);
	a->port = IKE_PORT;
}

H_FN void
h_pfx(struct prefix *p, const char *s)
{
	char err[128];

	assert_int_equal(prefix_parse(s, p, err, sizeof(err)), 0);
}

/* Both sides' default configuration: AWS profile, PSK "transit-psk", route-
 * based selectors, A initiates by command, B only responds. */
H_FN void
h_init(struct harness *h)
{
	int i;

	memset(h, 0, sizeof(*h));
	h->now = 1000000;
	h->verbose = getenv("IKE_TEST_VERBOSE") != NULL;
	for (i = 0; i < 2; i++) {
		struct h_side *s = &h->s[i];

		s->rng = 0x9e3779b97f4a7c15ULL * (uint64_t)(i + 1);
		s->ec.rand_bytes = h_rand;
		s->ec.rand_arg = s;
		s->ec.name = i == 0 ? "A" : "B";
		s->tc.id = 1;
		s->tc.name = "t1";
		h_addr(&s->tc.local, i == 0 ? "192.0.2.1" : "198.51.100.1");
		h_addr(&s->tc.remote, i == 0 ? "198.51.100.1" : "192.0.2.1");
		memcpy(s->tc.psk, "transit-psk", 11);
		s->tc.psk_len = 11;
		s->tc.ike_proposals = "aws";
		s->tc.esp_proposals = "aws";
		s->tc.startup = IKE_STARTUP_ADD;
		s->tc.dpd_interval_s = 10;
		s->tc.dpd_timeout_s = 30;
	}
}

H_FN void
h_start(struct harness *h)
{
	char err[256];
	int i;

	for (i = 0; i < 2; i++) {
		h->s[i].eng = ike_engine_new(&h->s[i].ec);
		if (ike_engine_add_tunnel(h->s[i].eng, &h->s[i].tc, err,
		    sizeof(err)) == -1)
			fail_msg("add_tunnel: %s", err);
	}
}

H_FN void
h_free(struct harness *h)
{
	size_t i;

	for (i = 0; i < h->nq; i++)
		free(h->q[i].data);
	h->nq = 0;
	ike_engine_free(h->s[0].eng);
	ike_engine_free(h->s[1].eng);
}

H_FN void
h_logc(struct h_side *s, char c, uint32_t spi)
{
	if (s->nlog + 1 < H_MAX_LOG) {
		s->log_spi[s->nlog] = spi;
		s->log[s->nlog++] = c;
		s->log[s->nlog] = '\0';
	}
}

H_FN void
h_events(struct harness *h, int side)
{
	struct h_side *s = &h->s[side];
	struct ike_event ev;
	size_t i;

	while (ike_engine_pop_event(s->eng, &ev)) {
		switch (ev.type) {
		case IKE_EV_CHILD_SA_INSTALL:
			for (i = 0; i < s->nsa; i++)
				if (s->sa[i].spi_in == ev.child.spi_in)
					s->errors++;
			if (s->nsa == H_MAX_SA) {
				s->errors++;
				break;
			}
			s->sa[s->nsa].spi_in = ev.child.spi_in;
			s->sa[s->nsa].spi_out = ev.child.spi_out;
			s->sa[s->nsa].xf = ev.child.esp_xform;
			memcpy(s->sa[s->nsa].kin, ev.child.keymat_in,
			    ev.child.keymat_len);
			memcpy(s->sa[s->nsa].kout, ev.child.keymat_out,
			    ev.child.keymat_len);
			s->sa[s->nsa].klen = ev.child.keymat_len;
			memcpy(s->sa[s->nsa].tl, ev.child.ts_local,
			    sizeof(ev.child.ts_local));
			memcpy(s->sa[s->nsa].tr, ev.child.ts_remote,
			    sizeof(ev.child.ts_remote));
			s->sa[s->nsa].ntl = ev.child.n_local;
			s->sa[s->nsa].ntr = ev.child.n_remote;
			s->sa[s->nsa].natt = ev.child.natt;
			s->sa[s->nsa].defer_out = ev.child.defer_out;
			s->nsa++;
			s->n_install++;
			h_logc(s, 'I', ev.child.spi_in);
			break;
		case IKE_EV_CHILD_SA_DELETE:
			for (i = 0; i < s->nsa; i++)
				if (s->sa[i].spi_in == ev.spi_in)
					break;
			if (i == s->nsa) {
				s->errors++;
				break;
			}
			s->sa[i] = s->sa[--s->nsa];
			s->n_delete++;
			h_logc(s, 'D', ev.spi_in);
			break;
		case IKE_EV_IKE_SA_UP:
			s->n_up++;
			h_logc(s, 'U', 0);
			break;
		case IKE_EV_IKE_SA_DOWN:
			s->n_down++;
			snprintf(s->down_text, sizeof(s->down_text), "%s",
			    ev.text);
			h_logc(s, 'X', 0);
			break;
		case IKE_EV_IKE_SA_REKEYED:
			s->n_rekeyed++;
			h_logc(s, 'R', 0);
			break;
		case IKE_EV_LOG:
			i = strlen(ev.text);
			if (s->loglen + i + 2 < sizeof(s->logs)) {
				memcpy(s->logs + s->loglen, ev.text, i);
				s->loglen += i;
				s->logs[s->loglen++] = '\n';
				s->logs[s->loglen] = '\0';
			}
			if (h->verbose)
				fprintf(stderr, "[%llu] %s\n",
				    (unsigned long long)h->now, ev.text);
			break;
		}
		ike_event_wipe(&ev);
	}
}

/* Move what the engines emitted into the network queue (filters applied). */
H_FN void
h_collect(struct harness *h)
{
	struct ike_dgram d;
	int i;

	for (i = 0; i < 2; i++) {
		h_events(h, i);
		while (ike_engine_pop_dgram(h->s[i].eng, &d)) {
			struct h_pkt p = { .from = i, .src = d.src, .dst = d.dst,
			    .len = d.len };
			size_t seq = ++h->s[i].sent, n = 1, k;

			p.data = malloc(d.len);
			assert_non_null(p.data);
			memcpy(p.data, d.data, d.len);
			if (h->cut[i] || (h->filter != NULL &&
			    h->filter(h, &p, seq, h->farg))) {
				free(p.data);
				continue;
			}
			if (h->dup_seq[i] == (int)seq)
				n = 2;
			for (k = 0; k < n; k++) {
				assert_true(h->nq < H_MAX_PKT);
				h->q[h->nq] = p;
				if (k > 0) {
					h->q[h->nq].data = malloc(d.len);
					assert_non_null(h->q[h->nq].data);
					memcpy(h->q[h->nq].data, d.data, d.len);
				}
				h->nq++;
			}
		}
	}
}

/* Deliver queued datagram `idx` (and remove it). */
H_FN void
h_deliver(struct harness *h, size_t idx)
{
	struct h_pkt p;

	assert_true(idx < h->nq);
	p = h->q[idx];
	memmove(&h->q[idx], &h->q[idx + 1], (h->nq - idx - 1) * sizeof(p));
	h->nq--;
	if (h->verbose)
		fprintf(stderr, "[%llu] %c -> %c %zu bytes\n",
		    (unsigned long long)h->now, 'A' + p.from, 'B' - p.from, p.len);
	ike_engine_input(h->s[1 - p.from].eng, h->now, &p.src, &p.dst, p.data,
	    p.len);
	free(p.data);
	h_collect(h);
}

/* Deliver everything, FIFO, until the network is quiet. */
H_FN void
h_run(struct harness *h)
{
	int guard = 0;

	h_collect(h);
	while (h->nq > 0) {
		h_deliver(h, 0);
		assert_true(++guard < 10000);
	}
}

/* Advance the fake clock to now + ms, firing timers at their times. */
H_FN void
h_advance(struct harness *h, uint64_t ms)
{
	uint64_t end = h->now + ms;

	h_run(h);
	for (;;) {
		uint64_t w = ike_engine_next_wakeup(h->s[0].eng);
		uint64_t w1 = ike_engine_next_wakeup(h->s[1].eng);

		if (w1 < w)
			w = w1;
		if (w <= h->now)
			w = h->now + 1;
		if (w > end)
			break;
		h->now = w;
		ike_engine_timer(h->s[0].eng, h->now);
		ike_engine_timer(h->s[1].eng, h->now);
		h_run(h);
	}
	h->now = end;
	ike_engine_timer(h->s[0].eng, h->now);
	ike_engine_timer(h->s[1].eng, h->now);
	h_run(h);
}

H_FN void
h_establish(struct harness *h)
{
	assert_int_equal(ike_engine_initiate(h->s[0].eng, 1, h->now), 0);
	h_run(h);
}

H_FN const struct h_sa *
h_only(const struct harness *h, int side)
{
	return h->s[side].nsa == 1 ? &h->s[side].sa[0] : NULL;
}

/*
 * The end state every scenario must reach: one Child SA pair per side, keyed
 * consistently in both directions, one IKE SA per side, no model errors.
 */
H_FN void
h_check_one_pair(const struct harness *h)
{
	const struct h_sa *a = h_only(h, 0), *b = h_only(h, 1);
	struct ike_tunnel_status st;
	int i;

	assert_int_equal(h->s[0].errors, 0);
	assert_int_equal(h->s[1].errors, 0);
	assert_int_equal(h->s[0].nsa, 1);
	assert_int_equal(h->s[1].nsa, 1);
	assert_non_null(a);
	assert_non_null(b);
	assert_int_equal(a->spi_out, b->spi_in);
	assert_int_equal(a->spi_in, b->spi_out);
	assert_int_equal(a->xf, b->xf);
	assert_int_equal(a->klen, b->klen);
	assert_true(a->klen > 0);
	assert_memory_equal(a->kout, b->kin, a->klen);
	assert_memory_equal(a->kin, b->kout, a->klen);
	/* Two directions, two different keys. */
	assert_memory_not_equal(a->kin, a->kout, a->klen);
	for (i = 0; i < 2; i++) {
		assert_int_equal(ike_engine_status(h->s[i].eng, 1, &st), 0);
		assert_true(st.established);
		assert_int_equal(st.n_children, 1);
		assert_int_equal(st.n_ike_sas, 1);
		assert_int_equal(ike_engine_n_sas(h->s[i].eng), 1);
	}
}

/* Nothing installed, nothing left on either side. */
H_FN void
h_check_empty(const struct harness *h)
{
	int i;

	for (i = 0; i < 2; i++) {
		assert_int_equal(h->s[i].errors, 0);
		assert_int_equal(h->s[i].nsa, 0);
		assert_int_equal(ike_engine_n_sas(h->s[i].eng), 0);
	}
}

/* Parse a queued/filtered datagram's header and, for an unprotected message,
 * return the first Notify type (0 = none). */
H_FN uint16_t
h_plain_notify(const struct h_pkt *p, struct ike_hdr *hdr)
{
	struct ike_msg m;
	struct ike_err err;
	struct ike_payload pl;
	size_t i;

	if (ike_msg_parse(&m, p->data, p->len, &err) != IKE_PARSE_OK)
		return 0xffff;
	if (hdr != NULL)
		*hdr = m.hdr;
	for (i = 0; i < m.npld; i++)
		if (m.pld[i].type == IKE_PLD_NOTIFY &&
		    ike_payload_parse(&m.pld[i], &pl, &err) == IKE_PARSE_OK)
			return pl.u.notify.type;
	return 0;
}

#endif
