/*
 * IKEv2 engine robustness (reliability.md 3.2, K4, K6; RFC 7296 2.21): every
 * datagram of a full life cycle (establishment, Child and IKE rekey, DPD) is
 * replayed with each byte flipped and at every truncation into the engine that
 * received it.  Nothing crashes or leaks (the ASan build), no protected message
 * with a broken ICV is acted upon, and the tunnel still carries exactly one
 * consistent pair afterwards; stray half-open SAs from mangled IKE_SA_INITs
 * expire.  The same with RFC 7383 fragments.
 */
#include "ike_harness.h"

#define REC_MAX	64

struct rec {
	size_t		n;
	int		from[REC_MAX];
	struct ike_addr	src[REC_MAX], dst[REC_MAX];
	uint8_t		*data[REC_MAX];
	size_t		len[REC_MAX];
};

static bool
record(struct harness *h, struct h_pkt *p, size_t seq, void *arg)
{
	struct rec *r = arg;

	(void)h;
	(void)seq;
	if (r->n < REC_MAX) {
		r->from[r->n] = p->from;
		r->src[r->n] = p->src;
		r->dst[r->n] = p->dst;
		r->data[r->n] = malloc(p->len);
		memcpy(r->data[r->n], p->data, p->len);
		r->len[r->n] = p->len;
		r->n++;
	}
	return false;
}

static void
drain(struct harness *h, int side, size_t *answers)
{
	struct ike_dgram d;

	while (ike_engine_pop_dgram(h->s[side].eng, &d))
		(*answers)++;
	h_events(h, side);
}

static void
mangle_all(const char *prof, size_t frag)
{
	struct harness h;
	struct rec r = { 0 };
	size_t i, k, answers = 0, before;
	uint8_t *m;

	h_init(&h);
	h.s[0].tc.ike_proposals = h.s[1].tc.ike_proposals = prof;
	h.s[0].tc.esp_proposals = h.s[1].tc.esp_proposals = prof;
	h.s[0].ec.frag_size = h.s[1].ec.frag_size = frag;
	h.filter = record;
	h.farg = &r;
	h_start(&h);
	h_establish(&h);
	assert_int_equal(ike_engine_rekey_child(h.s[1].eng, 1, h.now), 0);
	h_run(&h);
	assert_int_equal(ike_engine_rekey_ike(h.s[0].eng, 1, h.now), 0);
	h_run(&h);
	h_advance(&h, 15000);
	h_check_one_pair(&h);
	h.filter = NULL;
	before = h.s[0].n_install + h.s[1].n_install;
	for (i = 0; i < r.n; i++) {
		int to = 1 - r.from[i];

		m = malloc(r.len[i]);
		for (k = 0; k < r.len[i]; k++) {
			memcpy(m, r.data[i], r.len[i]);
			m[k] ^= 0x80;
			ike_engine_input(h.s[to].eng, h.now, &r.src[i], &r.dst[i],
			    m, r.len[i]);
			drain(&h, to, &answers);
			ike_engine_input(h.s[to].eng, h.now, &r.src[i], &r.dst[i],
			    r.data[i], k);
			drain(&h, to, &answers);
		}
		free(m);
		free(r.data[i]);
	}
	print_message("%zu datagrams mangled, %zu answers\n", r.n, answers);
	/* Nothing installed or deleted by the mangled copies. */
	assert_int_equal(h.s[0].n_install + h.s[1].n_install, before);
	assert_int_equal(h.s[0].errors + h.s[1].errors, 0);
	assert_int_equal(h.s[0].nsa, 1);
	assert_int_equal(h.s[1].nsa, 1);
	h_advance(&h, 60000);
	h_check_one_pair(&h);
	h_free(&h);
}

static void
test_mangled_cbc(void **state)
{
	(void)state;
	mangle_all("aes128-sha256-ecp256", 0);
}

static void
test_mangled_gcm(void **state)
{
	(void)state;
	mangle_all("aes256gcm16-prfsha256-x25519", 0);
}

/* RFC 7383 fragments (K9): mangled fragments never complete a set. */
static void
test_mangled_fragments(void **state)
{
	(void)state;
	mangle_all("aes256-sha256-modp2048", 200);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_mangled_cbc),
		cmocka_unit_test(test_mangled_gcm),
		cmocka_unit_test(test_mangled_fragments),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
