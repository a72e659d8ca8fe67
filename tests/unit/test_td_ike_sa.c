/*
 * td_ike_sa: the engine's Child SA events applied to two real SADBs, ours and a
 * model peer's, with ESP packets encrypted by one and decrypted by the other
 * (RFC 7296 2.8, docs/daemon.md "IKE keying"):
 *  - the rekey initiator switches its outbound SA at once;
 *  - the rekey responder keeps the old outbound SA (which the peer can still
 *    decrypt while it has not installed the new pair) until a packet decrypts on
 *    the new inbound SA, or the old pair is deleted, or TD_IKE_DEFER_MS passed;
 *  - a deleted pair's outbound SA goes at once, its inbound SA after
 *    TD_IKE_GRACE_MS, so packets the peer sent just before the switch still
 *    decrypt; flush (IKE SA down) removes everything at once.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "daemon/td.h"
#include "esp/esp.h"
#include "esp/esp_xform.h"
#include "ike/ike_engine.h"
#include "test_dp_pkt.h"

#define XF	ESP_XF_AES256_CBC_SHA256

struct fx {
	struct td_tunnel us, peer;
	uint64_t	 now;
	char		 name_us[8], name_peer[8];
};

static void
pfx(struct prefix *p, const char *s)
{
	char err[64];

	assert_int_equal(prefix_parse(s, p, err, sizeof(err)), 0);
}

static void
tun_init(struct td_tunnel *t, char *name)
{
	memset(t, 0, sizeof(*t));
	t->name = name;
	t->id = 1;
	t->sadb = esp_sadb_new();
	assert_non_null(t->sadb);
}

static int
setup(void **state)
{
	struct fx *f = calloc(1, sizeof(*f));

	assert_non_null(f);
	memcpy(f->name_us, "us/1", 5);
	memcpy(f->name_peer, "peer/1", 7);
	tun_init(&f->us, f->name_us);
	tun_init(&f->peer, f->name_peer);
	f->now = 1000;
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	struct fx *f = *state;

	esp_sadb_free(f->us.sadb);
	esp_sadb_free(f->peer.sadb);
	free(f);
	return 0;
}

/*
 * The INSTALL event for our side of pair `in`/`out` (keys derived from the
 * SPIs, so each pair differs), and the peer's mirror of it.
 */
static void
mk(struct ike_child_install *c, bool mirror, uint32_t in, uint32_t out,
    uint32_t replaces, bool defer)
{
	size_t n = esp_xform_keymat_len(XF);

	memset(c, 0, sizeof(*c));
	c->spi_in = mirror ? out : in;
	c->spi_out = mirror ? in : out;
	c->esp_xform = XF;
	c->keymat_len = n;
	memset(c->keymat_in, (int)(c->spi_in & 0xff), n);
	memset(c->keymat_out, (int)(c->spi_out & 0xff), n);
	pfx(&c->ts_local[0], mirror ? "10.2.0.0/16" : "10.1.0.0/16");
	pfx(&c->ts_remote[0], mirror ? "10.1.0.0/16" : "10.2.0.0/16");
	c->n_local = c->n_remote = 1;
	c->replaces_spi_in = replaces;
	c->defer_out = defer;
}

static void
install(struct fx *f, bool peer, uint32_t in, uint32_t out, uint32_t replaces,
    bool defer)
{
	struct ike_child_install c;

	mk(&c, peer, in, out, replaces, defer);
	assert_int_equal(td_ike_sa_install(peer ? &f->peer : &f->us, &c, f->now),
	    0);
}

/*
 * One packet from `from` to `to` through from's current outbound SA: the SPI
 * it arrived on, or 0 when `to` dropped it (or `from` has no SA).
 */
static uint32_t
send_pkt(struct fx *f, struct td_tunnel *from, struct td_tunnel *to)
{
	uint8_t buf[2048], pay[64] = { 0 };
	struct pkt_spec s = pkt_default();
	struct esp_pkt p = { buf, 256, 0, sizeof(buf) };
	struct esp_sa *sa = esp_sadb_outbound(from->sadb, from->id), *rsa = NULL;

	if (sa == NULL)
		return 0;
	s.src = from == &f->us ? IP(10, 1, 0, 10) : IP(10, 2, 0, 10);
	s.dst = from == &f->us ? IP(10, 2, 0, 10) : IP(10, 1, 0, 10);
	s.payload = pay;
	s.paylen = sizeof(pay);
	p.len = pkt_build(buf + p.head, &s);
	assert_int_equal(esp_encap(sa, &p), ESP_DROP_NONE);
	if (esp_decap(to->sadb, &p, &rsa, NULL, 0) != ESP_DROP_NONE)
		return 0;
	td_ike_sa_seen(to, f->now);
	return rsa->spi;
}

static uint32_t
out_spi(const struct td_tunnel *t)
{
	const struct esp_sa *sa = esp_sadb_outbound(t->sadb, t->id);

	return sa != NULL ? sa->spi : 0;
}

/* Both ends have pair 0x1001 (ours in) / 0x2001 (ours out). */
static void
first_pair(struct fx *f)
{
	install(f, false, 0x1001, 0x2001, 0, false);
	install(f, true, 0x1001, 0x2001, 0, false);
	assert_int_equal(out_spi(&f->us), 0x2001);
	assert_int_equal(send_pkt(f, &f->us, &f->peer), 0x2001);
	assert_int_equal(send_pkt(f, &f->peer, &f->us), 0x1001);
}

static void
test_initiator_switches_at_once(void **state)
{
	struct fx *f = *state;

	first_pair(f);
	/* We initiated: the peer installed the pair when it answered. */
	install(f, true, 0x1002, 0x2002, 0x2001, true);
	install(f, false, 0x1002, 0x2002, 0x1001, false);
	assert_int_equal(out_spi(&f->us), 0x2002);
	assert_int_equal(f->us.spi_out, 0x2002);
	assert_int_equal(send_pkt(f, &f->us, &f->peer), 0x2002);
}

static void
test_responder_waits_for_traffic(void **state)
{
	struct fx *f = *state;
	int i;

	first_pair(f);
	/* The peer asked; we answered and installed, its response in flight. */
	install(f, false, 0x1002, 0x2002, 0x1001, true);
	assert_int_equal(out_spi(&f->us), 0x2001);
	assert_true(f->us.pairs[1].out_pending);
	/* Still what the peer can decrypt: nothing lost meanwhile. */
	for (i = 0; i < 3; i++)
		assert_int_equal(send_pkt(f, &f->us, &f->peer), 0x2001);
	/* Its response arrived: it installs and sends on the new pair. */
	install(f, true, 0x1002, 0x2002, 0x2001, false);
	assert_int_equal(send_pkt(f, &f->peer, &f->us), 0x1002);
	assert_int_equal(out_spi(&f->us), 0x2002);
	assert_false(f->us.pairs[1].out_pending);
	assert_int_equal(send_pkt(f, &f->us, &f->peer), 0x2002);
	/* A packet on the old inbound SA does not switch anything back. */
	assert_int_equal(td_ike_sa_timer(&f->us, f->now), UINT64_MAX);
}

static void
test_responder_switches_on_delete(void **state)
{
	struct fx *f = *state;
	uint64_t t0;

	first_pair(f);
	install(f, false, 0x1002, 0x2002, 0x1001, true);
	install(f, true, 0x1002, 0x2002, 0x2001, false);
	/* Its traffic is one-way (ours only): the Delete of the old pair. */
	f->now += 30;
	t0 = f->now;
	assert_true(td_ike_sa_delete(&f->us, 0x1001, 0x2001, f->now));
	assert_false(td_ike_sa_delete(&f->us, 0x1001, 0x2001, f->now));
	assert_int_equal(out_spi(&f->us), 0x2002);
	assert_int_equal(f->us.npairs, 1);
	assert_null(esp_sadb_lookup(f->us.sadb, ESP_DIR_OUT, 0x2001));
	/* A packet the peer encrypted with the old pair before it switched. */
	assert_int_equal(f->peer.npairs, 2);
	assert_int_equal(esp_sadb_switch_outbound(f->peer.sadb, 1, 0x1001), 0);
	assert_int_equal(send_pkt(f, &f->peer, &f->us), 0x1001);
	assert_int_equal(td_ike_sa_timer(&f->us, t0 + TD_IKE_GRACE_MS - 1),
	    t0 + TD_IKE_GRACE_MS);
	assert_non_null(esp_sadb_lookup(f->us.sadb, ESP_DIR_IN, 0x1001));
	assert_int_equal(td_ike_sa_timer(&f->us, t0 + TD_IKE_GRACE_MS),
	    UINT64_MAX);
	assert_null(esp_sadb_lookup(f->us.sadb, ESP_DIR_IN, 0x1001));
	assert_int_equal(send_pkt(f, &f->peer, &f->us), 0);
	/* The new pair is untouched. */
	assert_int_equal(esp_sadb_switch_outbound(f->peer.sadb, 1, 0x1002), 0);
	assert_int_equal(send_pkt(f, &f->peer, &f->us), 0x1002);
	assert_int_equal(send_pkt(f, &f->us, &f->peer), 0x2002);
}

static void
test_responder_gives_up_waiting(void **state)
{
	struct fx *f = *state;
	uint64_t t0 = f->now;

	first_pair(f);
	install(f, false, 0x1002, 0x2002, 0x1001, true);
	assert_int_equal(td_ike_sa_timer(&f->us, t0 + TD_IKE_DEFER_MS - 1),
	    t0 + TD_IKE_DEFER_MS);
	assert_int_equal(out_spi(&f->us), 0x2001);
	assert_int_equal(td_ike_sa_timer(&f->us, t0 + TD_IKE_DEFER_MS),
	    UINT64_MAX);
	assert_int_equal(out_spi(&f->us), 0x2002);
}

static void
test_defer_without_old_pair(void **state)
{
	struct fx *f = *state;

	/* Nothing to keep sending on (the old pair is unknown): switch. */
	install(f, false, 0x1001, 0x2001, 0, false);
	install(f, false, 0x1002, 0x2002, 0x7777, true);
	assert_int_equal(out_spi(&f->us), 0x2002);
}

static void
test_flush_fails_closed(void **state)
{
	struct fx *f = *state;

	first_pair(f);
	install(f, false, 0x1002, 0x2002, 0x1001, false);
	assert_true(td_ike_sa_delete(&f->us, 0x1001, 0x2001, f->now));
	install(f, false, 0x1003, 0x2003, 0x1002, true);
	/* Pairs 2 and 3, old inbound 0x1001 in its grace period. */
	assert_int_equal(td_ike_sa_flush(&f->us), 5);
	assert_int_equal(out_spi(&f->us), 0);
	assert_int_equal(f->us.spi_in, 0);
	assert_null(esp_sadb_lookup(f->us.sadb, ESP_DIR_IN, 0x1001));
	assert_null(esp_sadb_lookup(f->us.sadb, ESP_DIR_IN, 0x1003));
	assert_int_equal(td_ike_sa_timer(&f->us, f->now), UINT64_MAX);
	assert_int_equal(send_pkt(f, &f->peer, &f->us), 0);
}

static void
test_delete_last_pair_fails_closed(void **state)
{
	struct fx *f = *state;

	first_pair(f);
	assert_true(td_ike_sa_delete(&f->us, 0x1001, 0x2001, f->now));
	assert_int_equal(out_spi(&f->us), 0);
	assert_int_equal(send_pkt(f, &f->us, &f->peer), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_initiator_switches_at_once,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_responder_waits_for_traffic,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_responder_switches_on_delete,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_responder_gives_up_waiting,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_defer_without_old_pair,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_flush_fails_closed,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_delete_last_pair_fails_closed,
		    setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
