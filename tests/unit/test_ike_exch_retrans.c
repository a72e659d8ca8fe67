/*
 * IKEv2 engine, reliability (RFC 7296 2.1-2.3; reliability.md 3.2, K4): only
 * the initiator retransmits, with exponential backoff, and gives up after the
 * configured tries; a lost IKE_SA_INIT response or IKE_AUTH request is repaired
 * by retransmission; a retransmitted request gets the cached response byte for
 * byte and creates no new state; a forgery carrying the cached Message ID draws
 * no response; requests outside the window are dropped.
 */
#include "ike_harness.h"

#define REC_MAX	32

struct rec {
	int		drop_from, drop_seq;	/* drop this one */
	size_t		n;
	int		from[REC_MAX];
	uint64_t	at[REC_MAX];
	uint8_t		*data[REC_MAX];
	size_t		len[REC_MAX];
	size_t		b_sas_max;
};

static bool
record(struct harness *h, struct h_pkt *p, size_t seq, void *arg)
{
	struct rec *r = arg;
	size_t nb = ike_engine_n_sas(h->s[1].eng);

	if (nb > r->b_sas_max)
		r->b_sas_max = nb;
	if (r->n < REC_MAX) {
		r->from[r->n] = p->from;
		r->at[r->n] = h->now;
		r->data[r->n] = malloc(p->len);
		memcpy(r->data[r->n], p->data, p->len);
		r->len[r->n] = p->len;
		r->n++;
	}
	return p->from == r->drop_from && (int)seq == r->drop_seq;
}

static void
rec_free(struct rec *r)
{
	size_t i;

	for (i = 0; i < r->n; i++)
		free(r->data[i]);
}

/* The i-th recorded datagram sent by `from`. */
static size_t
rec_nth(const struct rec *r, int from, int nth)
{
	size_t i;

	for (i = 0; i < r->n; i++)
		if (r->from[i] == from && nth-- == 0)
			return i;
	fail_msg("no datagram %d from %c", nth, 'A' + from);
	return 0;
}

static void
test_lost_init_response(void **state)
{
	struct harness h;
	struct rec r = { .drop_from = 1, .drop_seq = 1 };
	size_t a, b;

	(void)state;
	h_init(&h);
	h.filter = record;
	h.farg = &r;
	h_start(&h);
	h_establish(&h);
	assert_int_equal(h.s[0].n_up, 0);
	h_advance(&h, 600);
	h_check_one_pair(&h);
	/* The replayed IKE_SA_INIT response is the lost one, byte for byte. */
	a = rec_nth(&r, 1, 0);
	b = rec_nth(&r, 1, 1);
	assert_int_equal(r.len[a], r.len[b]);
	assert_memory_equal(r.data[a], r.data[b], r.len[a]);
	/* The retransmission came after the base interval. */
	assert_int_equal(r.at[rec_nth(&r, 0, 1)] - r.at[rec_nth(&r, 0, 0)], 500);
	assert_int_equal(r.b_sas_max, 1);
	rec_free(&r);
	h_free(&h);
}

static void
test_lost_auth_request(void **state)
{
	struct harness h;
	struct rec r = { .drop_from = 0, .drop_seq = 2 };
	size_t a, b;

	(void)state;
	h_init(&h);
	h.filter = record;
	h.farg = &r;
	h_start(&h);
	h_establish(&h);
	assert_int_equal(h.s[1].n_up, 0);
	h_advance(&h, 600);
	h_check_one_pair(&h);
	/* The retransmitted IKE_AUTH is the same message. */
	a = rec_nth(&r, 0, 1);
	b = rec_nth(&r, 0, 2);
	assert_memory_equal(r.data[a], r.data[b], r.len[a]);
	rec_free(&r);
	h_free(&h);
}

static void
test_duplicated_auth_request(void **state)
{
	struct harness h;
	struct rec r = { .drop_from = -1 };
	size_t a, b;

	(void)state;
	h_init(&h);
	h.filter = record;
	h.farg = &r;
	h.dup_seq[0] = 2;
	h_start(&h);
	h_establish(&h);
	h_check_one_pair(&h);
	assert_int_equal(h.s[1].n_install, 1);
	assert_int_equal(h.s[1].n_up, 1);
	/* Two IKE_AUTH responses, byte-identical. */
	a = rec_nth(&r, 1, 1);
	b = rec_nth(&r, 1, 2);
	assert_int_equal(r.len[a], r.len[b]);
	assert_memory_equal(r.data[a], r.data[b], r.len[a]);
	rec_free(&r);
	h_free(&h);
}

static void
test_duplicated_rekey_request(void **state)
{
	struct harness h;

	(void)state;
	h_init(&h);
	h_start(&h);
	h_establish(&h);
	h.dup_seq[0] = (int)h.s[0].sent + 1;
	assert_int_equal(ike_engine_rekey_child(h.s[0].eng, 1, h.now), 0);
	h_run(&h);
	h_check_one_pair(&h);
	assert_int_equal(h.s[1].n_install, 2);
	assert_int_equal(h.s[1].n_delete, 1);
	h_free(&h);
}

/* K4: the cached Message ID in a forged (bad ICV) request draws nothing; the
 * genuine retransmission draws the cached response; an out-of-window request
 * is dropped. */
static void
test_forged_and_out_of_window(void **state)
{
	struct harness h;
	struct rec r = { .drop_from = -1 };
	struct ike_dgram d;
	size_t a;
	uint8_t *m;

	(void)state;
	h_init(&h);
	h.filter = record;
	h.farg = &r;
	h_start(&h);
	h_establish(&h);
	h_check_one_pair(&h);
	a = rec_nth(&r, 0, 1);		/* the IKE_AUTH request */
	m = malloc(r.len[a]);
	memcpy(m, r.data[a], r.len[a]);
	m[r.len[a] - 1] ^= 0x01;	/* ICV */
	ike_engine_input(h.s[1].eng, h.now, &h.s[0].tc.local, &h.s[1].tc.local,
	    m, r.len[a]);
	assert_false(ike_engine_pop_dgram(h.s[1].eng, &d));
	m[r.len[a] - 1] ^= 0x01;
	/* Message ID 7: outside the window, even with a valid ICV. */
	m[20] = 0;
	m[21] = 0;
	m[22] = 0;
	m[23] = 7;
	ike_engine_input(h.s[1].eng, h.now, &h.s[0].tc.local, &h.s[1].tc.local,
	    m, r.len[a]);
	assert_false(ike_engine_pop_dgram(h.s[1].eng, &d));
	ike_engine_input(h.s[1].eng, h.now, &h.s[0].tc.local, &h.s[1].tc.local,
	    r.data[a], r.len[a]);
	assert_true(ike_engine_pop_dgram(h.s[1].eng, &d));
	assert_memory_equal(d.data, r.data[rec_nth(&r, 1, 1)], d.len);
	assert_false(ike_engine_pop_dgram(h.s[1].eng, &d));
	h_run(&h);
	h_check_one_pair(&h);
	free(m);
	rec_free(&r);
	h_free(&h);
}

static void
test_give_up(void **state)
{
	struct harness h;
	struct rec r = { .drop_from = -1 };
	size_t i;

	(void)state;
	h_init(&h);
	h.filter = record;
	h.farg = &r;
	h.cut[1] = true;
	h_start(&h);
	h_establish(&h);
	h_advance(&h, 60000);
	/* 1 + 5 retransmissions at 0.5, 1, 2, 4, 8 s intervals. */
	assert_int_equal(r.n, 6);
	for (i = 1; i < r.n; i++)
		assert_int_equal(r.at[i] - r.at[i - 1], 500u << (i - 1));
	assert_int_equal(h.s[0].n_down, 1);
	assert_non_null(strstr(h.s[0].down_text, "retransmission"));
	assert_int_equal(ike_engine_n_sas(h.s[0].eng), 0);
	rec_free(&r);
	h_free(&h);
}

/* A tunnel deleted by command stays down even with startup "start" when the
 * peer never answers our Delete (the SA ends by retransmission timeout, which
 * would otherwise restart it); the next initiate brings it back. */
static void
test_unanswered_delete_stays_down(void **state)
{
	struct harness h;
	size_t sent;

	(void)state;
	h_init(&h);
	h.s[0].tc.startup = IKE_STARTUP_START;
	h_start(&h);
	h_establish(&h);
	h_check_one_pair(&h);
	h.cut[1] = true;
	assert_int_equal(ike_engine_delete(h.s[0].eng, 1, h.now), 0);
	h_advance(&h, 60000);
	assert_int_equal(h.s[0].n_down, 1);
	assert_non_null(strstr(h.s[0].down_text, "retransmission"));
	sent = h.s[0].sent;
	h_advance(&h, 600000);
	assert_int_equal(h.s[0].sent, sent);
	assert_int_equal(ike_engine_n_sas(h.s[0].eng), 0);
	h.cut[1] = false;
	h_establish(&h);
	h_check_one_pair(&h);
	h_free(&h);
}

/* A half-open responder SA (IKE_AUTH never comes) expires. */
static void
test_half_open_expires(void **state)
{
	struct harness h;

	(void)state;
	h_init(&h);
	h_start(&h);
	assert_int_equal(ike_engine_initiate(h.s[0].eng, 1, h.now), 0);
	h_collect(&h);
	h_deliver(&h, 0);		/* IKE_SA_INIT to B */
	h.cut[0] = h.cut[1] = true;	/* then silence */
	assert_int_equal(ike_engine_n_sas(h.s[1].eng), 1);
	h_advance(&h, 31000);
	assert_int_equal(ike_engine_n_sas(h.s[1].eng), 0);
	assert_int_equal(h.s[1].n_up + h.s[1].n_down, 0);
	h_free(&h);
}

/* K7: a flood of IKE_SA_INITs from a configured peer address is answered at a
 * bounded rate (and with cookies once half-open SAs pile up: no D-H); K8: one
 * address holds at most block_threshold half-open SAs. */
static void
test_init_flood_rate(void **state)
{
	struct harness h;
	struct rec r = { .drop_from = -1 };
	struct ike_dgram d;
	size_t i, answers = 0, k;
	uint8_t *m;

	(void)state;
	h_init(&h);
	h.filter = record;
	h.farg = &r;
	h.s[1].ec.cookie_threshold = 5;
	h_start(&h);
	assert_int_equal(ike_engine_initiate(h.s[0].eng, 1, h.now), 0);
	h_collect(&h);
	k = rec_nth(&r, 0, 0);
	m = malloc(r.len[k]);
	for (i = 0; i < 1000; i++) {
		memcpy(m, r.data[k], r.len[k]);
		m[0] = (uint8_t)i;		/* a new SPIi each time */
		m[1] = (uint8_t)(i >> 8);
		ike_engine_input(h.s[1].eng, h.now, &h.s[0].tc.local,
		    &h.s[1].tc.local, m, r.len[k]);
		while (ike_engine_pop_dgram(h.s[1].eng, &d))
			answers++;
	}
	assert_true(answers <= 64);
	assert_true(ike_engine_n_sas(h.s[1].eng) <= 5);
	/* Without cookies the per-address bound holds them (K8). */
	ike_engine_free(h.s[1].eng);
	h.s[1].ec.cookie_threshold = 1000;
	h.s[1].ec.block_threshold = 3;
	h.s[1].eng = ike_engine_new(&h.s[1].ec);
	{
		char err[128];

		assert_int_equal(ike_engine_add_tunnel(h.s[1].eng, &h.s[1].tc,
		    err, sizeof(err)), 0);
	}
	for (i = 0; i < 20; i++) {
		memcpy(m, r.data[k], r.len[k]);
		m[0] = (uint8_t)(i + 1);
		ike_engine_input(h.s[1].eng, h.now, &h.s[0].tc.local,
		    &h.s[1].tc.local, m, r.len[k]);
	}
	assert_int_equal(ike_engine_n_sas(h.s[1].eng), 3);
	free(m);
	rec_free(&r);
	h_free(&h);
}

/* Answers within one instant and after 10 ms, cookies always asked (cheap
 * answers, no D-H), for an init_rate. */
static void
rate_answers(struct harness *h, const struct rec *r, size_t k, uint32_t rate,
    size_t *now, size_t *later)
{
	struct ike_dgram d;
	char err[128];
	uint8_t *m = malloc(r->len[k]);
	size_t i, t;

	ike_engine_free(h->s[1].eng);
	h->s[1].ec.cookie_threshold = -1;
	h->s[1].ec.init_rate = rate;
	h->s[1].eng = ike_engine_new(&h->s[1].ec);
	assert_int_equal(ike_engine_add_tunnel(h->s[1].eng, &h->s[1].tc, err,
	    sizeof(err)), 0);
	for (t = 0; t < 2; t++) {
		size_t *n = t == 0 ? now : later;

		*n = 0;
		for (i = 0; i < 1000; i++) {
			memcpy(m, r->data[k], r->len[k]);
			m[0] = (uint8_t)i;
			m[1] = (uint8_t)(i >> 8);
			ike_engine_input(h->s[1].eng, h->now + t * 10,
			    &h->s[0].tc.local, &h->s[1].tc.local, m, r->len[k]);
			while (ike_engine_pop_dgram(h->s[1].eng, &d))
				(*n)++;
		}
	}
	free(m);
}

/* init_rate: the bucket holds 64 per 1000/s and refills at the rate, above
 * 1000/s too (a responder for many peers, bench/ike). */
static void
test_init_rate_knob(void **state)
{
	struct harness h;
	struct rec r = { .drop_from = -1 };
	size_t k, now, later;

	(void)state;
	h_init(&h);
	h.filter = record;
	h.farg = &r;
	h_start(&h);
	assert_int_equal(ike_engine_initiate(h.s[0].eng, 1, h.now), 0);
	h_collect(&h);
	k = rec_nth(&r, 0, 0);
	rate_answers(&h, &r, k, 0, &now, &later);	/* default 1000/s */
	assert_int_equal(now, 64);
	assert_int_equal(later, 10);
	rate_answers(&h, &r, k, 4000, &now, &later);
	assert_int_equal(now, 256);
	assert_int_equal(later, 40);
	rate_answers(&h, &r, k, 200, &now, &later);	/* one per 5 ms */
	assert_int_equal(now, 64);
	assert_int_equal(later, 2);
	rec_free(&r);
	h_free(&h);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_lost_init_response),
		cmocka_unit_test(test_lost_auth_request),
		cmocka_unit_test(test_duplicated_auth_request),
		cmocka_unit_test(test_duplicated_rekey_request),
		cmocka_unit_test(test_forged_and_out_of_window),
		cmocka_unit_test(test_give_up),
		cmocka_unit_test(test_unanswered_delete_stays_down),
		cmocka_unit_test(test_half_open_expires),
		cmocka_unit_test(test_init_flood_rate),
		cmocka_unit_test(test_init_rate_knob),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
