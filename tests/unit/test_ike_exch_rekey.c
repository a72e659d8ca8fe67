/*
 * IKEv2 engine, rekeying (RFC 7296 1.3.2, 1.3.3, 2.8, 2.8.1, 2.18, 2.25;
 * cloud-semantics.md behaviour 32; reliability.md K2): Child SA rekey is make-
 * before-break (the new pair is installed before the old is deleted, on both
 * sides), either side may rekey first, rekeys follow the lifetimes minus margin
 * and fuzz, IKE SA rekey moves the Child SA to the new IKE SA, simultaneous
 * Child SA rekeys converge on one pair by the lowest-nonce rule in both nonce
 * orders and when a response overtakes the peer's request, and a Delete crossing
 * a rekey converges too.
 */
#include "ike_harness.h"
#include "ike/ike_exch.h"

static void
rekey_child_by(int side)
{
	struct harness h;
	uint32_t old_a, old_b;
	int i;

	h_init(&h);
	h_start(&h);
	h_establish(&h);
	h_check_one_pair(&h);
	/* The first pair switches at once on both sides. */
	assert_false(h.s[0].sa[0].defer_out);
	assert_false(h.s[1].sa[0].defer_out);
	old_a = h.s[0].sa[0].spi_in;
	old_b = h.s[1].sa[0].spi_in;
	assert_int_equal(ike_engine_rekey_child(h.s[side].eng, 1, h.now), 0);
	h_run(&h);
	h_check_one_pair(&h);
	for (i = 0; i < 2; i++) {
		/* Make-before-break: install new, then delete old. */
		assert_string_equal(h.s[i].log, "UIID");
		assert_int_equal(h.s[i].log_spi[2], h.s[i].sa[0].spi_in);
		assert_int_equal(h.s[i].log_spi[3], i == 0 ? old_a : old_b);
	}
	assert_int_not_equal(h.s[0].sa[0].spi_in, old_a);
	/* 2.8: only the rekey responder waits before sending on the new pair. */
	assert_false(h.s[side].sa[0].defer_out);
	assert_true(h.s[1 - side].sa[0].defer_out);
	/* And again, on the rekeyed pair. */
	assert_int_equal(ike_engine_rekey_child(h.s[1 - side].eng, 1, h.now), 0);
	h_run(&h);
	h_check_one_pair(&h);
	assert_string_equal(h.s[0].log, "UIIDID");
	h_free(&h);
}

static void
test_child_rekey_initiator(void **state)
{
	(void)state;
	rekey_child_by(0);
}

static void
test_child_rekey_responder(void **state)
{
	(void)state;
	rekey_child_by(1);
}

/* Lifetimes: 900 s with a 60 s margin and 100 % fuzz: the first rekey falls
 * in [780 s, 840 s]; after an hour the tunnel still has one pair. */
static void
test_rekey_by_lifetime(void **state)
{
	struct harness h;
	int i;

	(void)state;
	h_init(&h);
	for (i = 0; i < 2; i++) {
		h.s[i].tc.child_lifetime_s = 900;
		h.s[i].tc.ike_lifetime_s = 1800;
		h.s[i].tc.rekey_margin_s = 60;
		h.s[i].tc.rekey_fuzz_pct = 100;
	}
	h_start(&h);
	h_establish(&h);
	h_advance(&h, 779000);
	assert_int_equal(h.s[0].n_install, 1);
	assert_int_equal(h.s[1].n_install, 1);
	h_advance(&h, 62000);
	assert_true(h.s[0].n_install >= 2);
	h_check_one_pair(&h);
	h_advance(&h, 3600000);
	h_check_one_pair(&h);
	assert_true(h.s[0].n_install >= 5);
	assert_true(h.s[0].n_rekeyed >= 2);
	assert_int_equal(h.s[0].n_down + h.s[1].n_down, 0);
	h_free(&h);
}

static void
rekey_ike_by(int side)
{
	struct harness h;
	struct ike_tunnel_status st0, st1;
	uint32_t spi;
	int i;

	h_init(&h);
	h_start(&h);
	h_establish(&h);
	spi = h.s[0].sa[0].spi_in;
	assert_int_equal(ike_engine_status(h.s[0].eng, 1, &st0), 0);
	assert_int_equal(ike_engine_rekey_ike(h.s[side].eng, 1, h.now), 0);
	h_run(&h);
	h_check_one_pair(&h);
	for (i = 0; i < 2; i++) {
		assert_int_equal(h.s[i].n_rekeyed, 1);
		assert_string_equal(h.s[i].log, "UIR");
	}
	/* The Child SA moved over untouched; the IKE SPIs are new. */
	assert_int_equal(h.s[0].sa[0].spi_in, spi);
	assert_int_equal(ike_engine_status(h.s[0].eng, 1, &st1), 0);
	assert_memory_not_equal(st0.spi_i, st1.spi_i, 8);
	assert_memory_not_equal(st0.spi_r, st1.spi_r, 8);
	/* SK_d of the new SA agrees on both sides: a Child rekey works. */
	assert_int_equal(ike_engine_rekey_child(h.s[0].eng, 1, h.now), 0);
	h_run(&h);
	h_check_one_pair(&h);
	/* And DPD on the new SA is answered (the old one is gone). */
	h_advance(&h, 60000);
	h_check_one_pair(&h);
	assert_int_equal(h.s[0].n_down + h.s[1].n_down, 0);
	h_free(&h);
}

static void
test_ike_rekey_initiator(void **state)
{
	(void)state;
	rekey_ike_by(0);
}

static void
test_ike_rekey_responder(void **state)
{
	(void)state;
	rekey_ike_by(1);
}

/*
 * Both sides rekey the same Child SA at once.  Nonce first bytes are scripted:
 * each side draws its rekey Ni, then its Nr.  `a_lowest`: A's exchange holds
 * the lowest nonce, so A's new SA is redundant and B's survives.
 */
static void
simultaneous(bool a_lowest)
{
	struct harness h;
	uint32_t survivor;

	h_init(&h);
	h_start(&h);
	h_establish(&h);
	memcpy(h.s[0].nonce_script, a_lowest ? "\x01\x50" : "\x40\x60", 2);
	memcpy(h.s[1].nonce_script, a_lowest ? "\x40\x60" : "\x01\x50", 2);
	h.s[0].n_script = h.s[1].n_script = 2;
	assert_int_equal(ike_engine_rekey_child(h.s[0].eng, 1, h.now), 0);
	assert_int_equal(ike_engine_rekey_child(h.s[1].eng, 1, h.now), 0);
	h_run(&h);
	h_check_one_pair(&h);
	/* A installed the SA B initiated (responding) first, then its own. */
	assert_string_equal(h.s[0].log, "UIIIDD");
	assert_string_equal(h.s[1].log, "UIIIDD");
	survivor = a_lowest ? h.s[0].log_spi[2] : h.s[0].log_spi[3];
	assert_int_equal(h.s[0].sa[0].spi_in, survivor);
	h_free(&h);
}

static void
test_simultaneous_rekey_a_lowest(void **state)
{
	(void)state;
	simultaneous(true);
}

static void
test_simultaneous_rekey_b_lowest(void **state)
{
	(void)state;
	simultaneous(false);
}

/* A's response overtakes B's request: A finishes and deletes the old SA, then
 * answers B's rekey of it with TEMPORARY_FAILURE (2.25.1: being closed). */
static void
test_simultaneous_rekey_overtaken(void **state)
{
	struct harness h;
	uint32_t old_a;

	(void)state;
	h_init(&h);
	h_start(&h);
	h_establish(&h);
	old_a = h.s[0].sa[0].spi_in;
	assert_int_equal(ike_engine_rekey_child(h.s[0].eng, 1, h.now), 0);
	assert_int_equal(ike_engine_rekey_child(h.s[1].eng, 1, h.now), 0);
	h_collect(&h);
	assert_int_equal(h.nq, 2);
	assert_int_equal(h.q[0].from, 0);
	h_deliver(&h, 0);	/* A's request to B (B: collision) */
	assert_int_equal(h.q[1].from, 1);
	h_deliver(&h, 1);	/* B's response to A, before B's request */
	h_run(&h);
	h_check_one_pair(&h);
	assert_string_equal(h.s[0].log, "UIID");
	assert_int_equal(h.s[0].log_spi[3], old_a);
	h_free(&h);
}

/* B deletes the IKE SA while A's Child rekey is in flight. */
static void
test_delete_crossing_rekey(void **state)
{
	struct harness h;
	int i;

	(void)state;
	h_init(&h);
	h_start(&h);
	h_establish(&h);
	assert_int_equal(ike_engine_rekey_child(h.s[0].eng, 1, h.now), 0);
	assert_int_equal(ike_engine_delete(h.s[1].eng, 1, h.now), 0);
	h_run(&h);
	h_advance(&h, 60000);
	for (i = 0; i < 2; i++) {
		assert_int_equal(h.s[i].n_down, 1);
		assert_int_equal(h.s[i].n_install, h.s[i].n_delete);
	}
	h_check_empty(&h);
	/* The tunnel comes back cleanly. */
	h_establish(&h);
	h_check_one_pair(&h);
	h_free(&h);
}

/* A plain delete: both sides clean, child delete before IKE down. */
static void
test_delete(void **state)
{
	struct harness h;

	(void)state;
	h_init(&h);
	h_start(&h);
	h_establish(&h);
	assert_int_equal(ike_engine_delete(h.s[0].eng, 1, h.now), 0);
	h_run(&h);
	assert_string_equal(h.s[0].log, "UIDX");
	assert_string_equal(h.s[1].log, "UIDX");
	h_check_empty(&h);
	h_free(&h);
}

/* Both rekey the IKE SA at once: both refuse with TEMPORARY_FAILURE, retry at
 * random times, and end with one new IKE SA carrying the pair. */
static void
test_simultaneous_ike_rekey(void **state)
{
	struct harness h;
	int i;

	(void)state;
	h_init(&h);
	h_start(&h);
	h_establish(&h);
	assert_int_equal(ike_engine_rekey_ike(h.s[0].eng, 1, h.now), 0);
	assert_int_equal(ike_engine_rekey_ike(h.s[1].eng, 1, h.now), 0);
	h_run(&h);
	assert_int_equal(h.s[0].n_rekeyed + h.s[1].n_rekeyed, 0);
	h_advance(&h, 30000);
	for (i = 0; i < 2; i++)
		assert_int_equal(h.s[i].n_rekeyed, 1);
	h_check_one_pair(&h);
	assert_int_equal(h.s[0].n_down + h.s[1].n_down, 0);
	h_free(&h);
}

/* Behaviour 27: a CREATE_CHILD_SA for a second, different pair on the tunnel
 * is refused with TS_UNACCEPTABLE; the existing pair is untouched.  The
 * engine never sends such a request itself, so the test builds one on A's
 * IKE SA through the internal API. */
static void
test_second_child_refused(void **state)
{
	struct harness h;
	struct ike_engine *e;
	struct ike_ikesa *sa;
	struct ike_mb mb = { 0 };
	struct ike_payload *pl;
	struct prefix p[2];
	uint8_t nonce[32], spi[4] = { 0, 0, 0x12, 0x34 };
	char err[128];

	(void)state;
	h_init(&h);
	h_start(&h);
	h_establish(&h);
	e = h.s[0].eng;
	sa = e->sas;
	assert_non_null(sa);
	assert_null(sa->next);
	memset(nonce, 0x5a, sizeof(nonce));
	assert_int_equal(prefix_parse("10.1.0.0/16", &p[0], err, sizeof(err)), 0);
	assert_int_equal(prefix_parse("10.2.0.0/16", &p[1], err, sizeof(err)), 0);
	pl = ike_mb_add(&mb, IKE_PLD_SA);
	ike_prop_to_sa(&sa->tun->esp_prop, IKE_PROTO_ESP, false, spi, 4,
	    &pl->u.sa);
	pl = ike_mb_add(&mb, IKE_PLD_NONCE);
	pl->u.blob.data = nonce;
	pl->u.blob.len = sizeof(nonce);
	pl = ike_mb_add(&mb, IKE_PLD_TSI);
	ike_ts_from_prefixes(&p[0], 1, &pl->u.ts);
	pl = ike_mb_add(&mb, IKE_PLD_TSR);
	ike_ts_from_prefixes(&p[1], 1, &pl->u.ts);
	e->now = h.now;
	assert_int_equal(ike_request(e, sa, IKE_REQ_REKEY_CHILD,
	    IKE_EXCH_CREATE_CHILD_SA, &mb), 0);
	sa->req.new_spi = 0x1234;
	h_run(&h);
	assert_non_null(strstr(h.s[0].logs, "rekey failed (notify 38)"));
	assert_non_null(strstr(h.s[1].logs, "one pair per tunnel"));
	assert_int_equal(h.s[1].n_install, 1);
	h_check_one_pair(&h);
	h_free(&h);
}

/* PFS group mismatch on rekey: the first KE is refused with
 * INVALID_KE_PAYLOAD and the retry with the group asked for succeeds. */
static void
test_child_rekey_invalid_ke(void **state)
{
	struct harness h;

	(void)state;
	h_init(&h);
	h.s[0].tc.esp_proposals = "aes256-sha256-modp2048,aes256-sha256-ecp256";
	h.s[1].tc.esp_proposals = "aes256-sha256-ecp256";
	h_start(&h);
	h_establish(&h);
	assert_int_equal(ike_engine_rekey_child(h.s[0].eng, 1, h.now), 0);
	h_run(&h);
	h_check_one_pair(&h);
	assert_string_equal(h.s[0].log, "UIID");
	h_free(&h);
}

/* Rekeys keep failing (no common PFS group): the pair is deleted on both
 * sides at its hard lifetime, never used beyond it (K2 "hard expiry during
 * rekey"); the IKE SA stays. */
static void
test_child_hard_expiry(void **state)
{
	struct harness h;
	int i;

	(void)state;
	h_init(&h);
	h.s[0].tc.esp_proposals = "aes256-sha256-modp2048";
	h.s[1].tc.esp_proposals = "aes256-sha256-ecp256";
	for (i = 0; i < 2; i++) {
		h.s[i].tc.child_lifetime_s = 900;
		h.s[i].tc.rekey_margin_s = 60;
	}
	h_start(&h);
	h_establish(&h);
	h_check_one_pair(&h);
	h_advance(&h, 899000);
	h_check_one_pair(&h);
	assert_int_equal(h.s[0].n_install, 1);
	h_advance(&h, 2000);
	for (i = 0; i < 2; i++) {
		assert_int_equal(h.s[i].errors, 0);
		assert_int_equal(h.s[i].nsa, 0);
		assert_string_equal(h.s[i].log, "UID");
		assert_int_equal(h.s[i].n_down, 0);
	}
	h_free(&h);
}

/* 2.21.2: an authenticated request with a malformed payload inside (a 4-byte
 * nonce) is answered INVALID_SYNTAX and changes nothing. */
static void
test_bad_inner_payload(void **state)
{
	struct harness h;
	struct ike_engine *e;
	struct ike_ikesa *sa;
	struct ike_mb mb = { 0 };
	struct ike_payload *pl;
	uint8_t nonce[4] = { 1, 2, 3, 4 }, spi[4] = { 0, 0, 0x12, 0x34 };

	(void)state;
	h_init(&h);
	h_start(&h);
	h_establish(&h);
	e = h.s[0].eng;
	sa = e->sas;
	pl = ike_mb_add(&mb, IKE_PLD_SA);
	ike_prop_to_sa(&sa->tun->esp_prop, IKE_PROTO_ESP, true, spi, 4,
	    &pl->u.sa);
	pl = ike_mb_add(&mb, IKE_PLD_NONCE);
	pl->u.blob.data = nonce;
	pl->u.blob.len = sizeof(nonce);
	pl = ike_mb_add(&mb, IKE_PLD_TSI);
	pl->u.ts = sa->tun->pol_l;
	pl = ike_mb_add(&mb, IKE_PLD_TSR);
	pl->u.ts = sa->tun->pol_r;
	e->now = h.now;
	assert_int_equal(ike_request(e, sa, IKE_REQ_REKEY_CHILD,
	    IKE_EXCH_CREATE_CHILD_SA, &mb), 0);
	h_run(&h);
	assert_non_null(strstr(h.s[0].logs, "rekey failed (notify 7)"));
	assert_int_equal(h.s[1].n_install, 1);
	h_check_one_pair(&h);
	/* The Message IDs stay in step: a normal rekey still works. */
	assert_int_equal(ike_engine_rekey_child(h.s[1].eng, 1, h.now), 0);
	h_run(&h);
	h_check_one_pair(&h);
	h_free(&h);
}

/* 2.25: B lost the Child SA (its Delete never reached A); A's rekey of it gets
 * CHILD_SA_NOT_FOUND, A drops its stale half quietly and creates a new pair
 * (one pair per tunnel, kept by the IKE SA's original initiator). */
static void
test_child_sa_not_found(void **state)
{
	struct harness h;
	struct ike_ikesa *b;

	(void)state;
	h_init(&h);
	h_start(&h);
	h_establish(&h);
	b = h.s[1].eng->sas;
	assert_non_null(b->children);
	ike_child_delete_event(h.s[1].eng, b, b->children);
	ike_child_free(b, b->children);
	assert_int_equal(ike_engine_rekey_child(h.s[0].eng, 1, h.now), 0);
	h_run(&h);
	assert_non_null(strstr(h.s[0].logs, "rekey failed (notify 44)"));
	assert_string_equal(h.s[0].log, "UID");
	assert_string_equal(h.s[1].log, "UID");
	assert_int_equal(h.s[0].nsa + h.s[1].nsa, 0);
	assert_int_equal(h.s[0].errors + h.s[1].errors, 0);
	/* The tunnel's original initiator then creates a new pair. */
	h_advance(&h, 15000);
	h_check_one_pair(&h);
	assert_string_equal(h.s[0].log, "UIDI");
	assert_string_equal(h.s[1].log, "UIDI");
	h_free(&h);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_child_rekey_initiator),
		cmocka_unit_test(test_child_rekey_responder),
		cmocka_unit_test(test_rekey_by_lifetime),
		cmocka_unit_test(test_ike_rekey_initiator),
		cmocka_unit_test(test_ike_rekey_responder),
		cmocka_unit_test(test_simultaneous_rekey_a_lowest),
		cmocka_unit_test(test_simultaneous_rekey_b_lowest),
		cmocka_unit_test(test_simultaneous_rekey_overtaken),
		cmocka_unit_test(test_delete_crossing_rekey),
		cmocka_unit_test(test_delete),
		cmocka_unit_test(test_simultaneous_ike_rekey),
		cmocka_unit_test(test_second_child_refused),
		cmocka_unit_test(test_child_rekey_invalid_ke),
		cmocka_unit_test(test_child_hard_expiry),
		cmocka_unit_test(test_bad_inner_payload),
		cmocka_unit_test(test_child_sa_not_found),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
