/*
 * IKEv2 engine, RFC 7383 fragmentation (reliability.md K9): with a small
 * fragment size, IKE_AUTH and CREATE_CHILD_SA travel as SKF fragments in both
 * directions and the tunnel establishes and rekeys; fragments arriving out of
 * order reassemble; a lost fragment is repaired by retransmitting the whole
 * set; duplicated fragments are ignored; a peer that did not negotiate
 * fragmentation never gets any, and its SKF messages are dropped.
 */
#include "ike_harness.h"

struct fstat {
	size_t	skf[2];		/* SKF datagrams per sender */
	size_t	drop_skf_from;	/* drop the n-th SKF of side 0 (1-based) */
	size_t	seen0;
	bool	reverse;	/* hold side 0's fragments, release reversed */
};

static bool
is_skf(const struct h_pkt *p, uint16_t *num)
{
	struct ike_msg m;
	struct ike_err err;
	struct ike_payload pl;

	if (ike_msg_parse(&m, p->data, p->len, &err) != IKE_PARSE_OK ||
	    m.sk < 0 || m.pld[m.sk].type != IKE_PLD_SKF)
		return false;
	if (ike_payload_parse(&m.pld[m.sk], &pl, &err) != IKE_PARSE_OK)
		return false;
	*num = pl.u.skf.num;
	return true;
}

static bool
frag_filter(struct harness *h, struct h_pkt *p, size_t seq, void *arg)
{
	struct fstat *fs = arg;
	uint16_t num;

	(void)h;
	(void)seq;
	if (!is_skf(p, &num))
		return false;
	fs->skf[p->from]++;
	if (p->from == 0 && ++fs->seen0 == fs->drop_skf_from)
		return true;
	return false;
}

static void
setup(struct harness *h, struct fstat *fs, size_t frag)
{
	h_init(h);
	h->s[0].ec.frag_size = h->s[1].ec.frag_size = frag;
	h->filter = frag_filter;
	h->farg = fs;
	h_start(h);
}

static void
test_fragmented_establish_and_rekey(void **state)
{
	struct harness h;
	struct fstat fs = { 0 };

	(void)state;
	setup(&h, &fs, 200);
	h_establish(&h);
	h_check_one_pair(&h);
	assert_true(fs.skf[0] >= 2);
	assert_true(fs.skf[1] >= 2);
	assert_int_equal(ike_engine_rekey_child(h.s[1].eng, 1, h.now), 0);
	h_run(&h);
	h_check_one_pair(&h);
	assert_int_equal(ike_engine_rekey_ike(h.s[0].eng, 1, h.now), 0);
	h_run(&h);
	h_check_one_pair(&h);
	h_free(&h);
}

static void
test_fragment_lost(void **state)
{
	struct harness h;
	struct fstat fs = { .drop_skf_from = 2 };

	(void)state;
	setup(&h, &fs, 200);
	h_establish(&h);
	assert_int_equal(h.s[1].n_up, 0);	/* IKE_AUTH incomplete */
	h_advance(&h, 600);			/* whole set again */
	h_check_one_pair(&h);
	h_free(&h);
}

static void
test_fragments_reordered_and_duplicated(void **state)
{
	struct harness h;
	struct fstat fs = { 0 };
	size_t i, n;

	(void)state;
	setup(&h, &fs, 200);
	h.dup_seq[0] = 3;		/* a fragment of IKE_AUTH twice */
	assert_int_equal(ike_engine_initiate(h.s[0].eng, 1, h.now), 0);
	h_collect(&h);
	h_deliver(&h, 0);		/* IKE_SA_INIT */
	h_deliver(&h, 0);		/* its response: A sends IKE_AUTH */
	n = h.nq;
	assert_true(n >= 3);
	for (i = 0; i < n; i++)		/* deliver the fragments last first */
		h_deliver(&h, n - 1 - i);
	h_run(&h);
	h_check_one_pair(&h);
	h_free(&h);
}

/* The peer does not support fragmentation: nothing is fragmented either
 * way, the large messages go whole. */
static void
test_not_negotiated(void **state)
{
	struct harness h;
	struct fstat fs = { 0 };

	(void)state;
	h_init(&h);
	h.s[0].ec.frag_size = 200;
	h.s[1].ec.frag_size = 200;
	h.s[1].ec.frag_disable = true;
	h.filter = frag_filter;
	h.farg = &fs;
	h_start(&h);
	h_establish(&h);
	h_check_one_pair(&h);
	assert_int_equal(ike_engine_rekey_child(h.s[0].eng, 1, h.now), 0);
	h_run(&h);
	h_check_one_pair(&h);
	assert_int_equal(fs.skf[0] + fs.skf[1], 0);
	h_free(&h);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fragmented_establish_and_rekey),
		cmocka_unit_test(test_fragment_lost),
		cmocka_unit_test(test_fragments_reordered_and_duplicated),
		cmocka_unit_test(test_not_negotiated),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
