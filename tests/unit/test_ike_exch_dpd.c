/*
 * IKEv2 engine, liveness (RFC 7296 2.4; cloud-semantics.md 2.3 DPD options and
 * behaviour 30; reliability.md K5): an idle IKE SA is probed with an empty
 * INFORMATIONAL; inbound ESP reported by the caller counts as liveness; when
 * the peer stays silent for the DPD timeout the action runs - clear (tear down,
 * events), restart (tear down and initiate again) or none (keep the SA).
 */
#include "ike_harness.h"

static void
setup(struct harness *h, enum ike_dpd_action act)
{
	h_init(h);
	h->s[0].tc.dpd_action = act;
	if (act == IKE_DPD_NONE)
		h->s[1].tc.dpd_action = act;
	h->s[0].tc.dpd_interval_s = 10;
	h->s[0].tc.dpd_timeout_s = 30;
	h_start(h);
	h_establish(h);
	h_check_one_pair(h);
}

static void
test_probe_and_traffic(void **state)
{
	struct harness h;
	size_t sent;
	int i;

	(void)state;
	setup(&h, IKE_DPD_CLEAR);
	sent = h.s[0].sent;
	h_advance(&h, 35000);
	/* Idle: probes about every 10 s, all answered. */
	assert_true(h.s[0].sent - sent >= 3);
	h_check_one_pair(&h);
	/* Inbound ESP on both sides: no probe at all. */
	sent = h.s[0].sent + h.s[1].sent;
	for (i = 0; i < 60; i++) {
		ike_engine_traffic_seen(h.s[0].eng, 1, h.now);
		ike_engine_traffic_seen(h.s[1].eng, 1, h.now);
		h_advance(&h, 1000);
	}
	assert_int_equal(h.s[0].sent + h.s[1].sent, sent);
	h_check_one_pair(&h);
	h_free(&h);
}

static void
test_dpd_clear(void **state)
{
	struct harness h;

	(void)state;
	setup(&h, IKE_DPD_CLEAR);
	h.cut[1] = true;		/* the peer goes silent */
	h_advance(&h, 39000);		/* probe at 10 s, timeout 30 s later */
	assert_int_equal(h.s[0].n_down, 0);
	assert_int_equal(h.s[0].nsa, 1);
	h_advance(&h, 2000);
	assert_int_equal(h.s[0].n_down, 1);
	assert_non_null(strstr(h.s[0].down_text, "DPD"));
	assert_int_equal(h.s[0].nsa, 0);
	assert_string_equal(h.s[0].log, "UIDX");
	assert_int_equal(ike_engine_n_sas(h.s[0].eng), 0);
	/* Clear means clear: no new attempt. */
	h.cut[1] = false;
	h_advance(&h, 120000);
	assert_int_equal(h.s[0].n_up, 1);
	assert_int_equal(ike_engine_n_sas(h.s[0].eng), 0);
	h_free(&h);
}

static void
test_dpd_restart(void **state)
{
	struct harness h;

	(void)state;
	setup(&h, IKE_DPD_RESTART);
	h.cut[0] = h.cut[1] = true;	/* the underlay is cut */
	h_advance(&h, 41000);
	assert_int_equal(h.s[0].n_down, 1);
	assert_int_equal(h.s[0].nsa, 0);
	h_advance(&h, 20000);		/* still cut: attempts fail */
	h.cut[0] = h.cut[1] = false;	/* restored */
	h_advance(&h, 40000);
	assert_int_equal(h.s[0].n_up, 2);
	h_check_one_pair(&h);
	h_free(&h);
}

static void
test_dpd_none(void **state)
{
	struct harness h;

	(void)state;
	setup(&h, IKE_DPD_NONE);
	h.cut[1] = true;
	h_advance(&h, 120000);
	assert_int_equal(h.s[0].n_down, 0);
	assert_int_equal(h.s[0].nsa, 1);
	h.cut[1] = false;
	h_advance(&h, 1000);
	h_check_one_pair(&h);
	h_free(&h);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_probe_and_traffic),
		cmocka_unit_test(test_dpd_clear),
		cmocka_unit_test(test_dpd_restart),
		cmocka_unit_test(test_dpd_none),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
