/*
 * IKEv2 engine, establishment (RFC 7296 1.2, 2.6, 2.7, 2.9, 2.15, 2.17):
 * every profile (aws, gcp, alibaba) and X25519 establish one consistent Child SA
 * pair; the responder picks by its own order (cloud-semantics.md beh. 25); a
 * wrong PSK is AUTHENTICATION_FAILED with nothing installed and nothing left;
 * disjoint proposals are NO_PROPOSAL_CHOSEN; selectors are narrowed to the
 * intersection or refused with TS_UNACCEPTABLE; INVALID_KE_PAYLOAD makes the
 * initiator retry with the group asked for; a loaded responder asks for a
 * stateless COOKIE first.
 */
#include "ike_harness.h"
#include "esp/esp_xform.h"

static void
establish_with(const char *ike, const char *esp, int want_xf)
{
	struct harness h;

	h_init(&h);
	h.s[0].tc.ike_proposals = h.s[1].tc.ike_proposals = ike;
	h.s[0].tc.esp_proposals = h.s[1].tc.esp_proposals = esp;
	h_start(&h);
	h_establish(&h);
	h_check_one_pair(&h);
	assert_int_equal(h.s[0].sa[0].xf, want_xf);
	assert_int_equal(h.s[0].n_up, 1);
	assert_int_equal(h.s[1].n_up, 1);
	assert_string_equal(h.s[0].log, "UI");
	assert_string_equal(h.s[1].log, "UI");
	/* Route-based default selectors: 0.0.0.0/0 on both sides. */
	assert_int_equal(h.s[0].sa[0].ntl, 1);
	assert_int_equal(h.s[0].sa[0].tl[0].len, 0);
	/* No NAT between the two. */
	assert_false(h.s[0].sa[0].natt);
	h_free(&h);
}

static void
test_establish_aws(void **state)
{
	(void)state;
	establish_with("aws", "aws", ESP_XF_AES256_CBC_SHA256);
}

static void
test_establish_gcp(void **state)
{
	(void)state;
	establish_with("gcp", "gcp", ESP_XF_AES256_GCM16);
}

static void
test_establish_alibaba(void **state)
{
	(void)state;
	establish_with("alibaba", "alibaba", ESP_XF_AES128_CBC_SHA1);
}

static void
test_establish_x25519(void **state)
{
	(void)state;
	establish_with("aes256gcm16-prfsha256-x25519", "aes128gcm16-x25519",
	    ESP_XF_AES128_GCM16);
	establish_with("aes128-sha256-ecp384", "aes256-sha1-noesn",
	    ESP_XF_AES256_CBC_SHA1);
}

/* Behaviour 25: the responder walks its own list, not the initiator's. */
static void
test_responder_order(void **state)
{
	struct harness h;

	(void)state;
	h_init(&h);
	h.s[0].tc.ike_proposals = "aes128-sha1-modp2048,aes256-sha256-modp2048";
	h.s[1].tc.ike_proposals = "aes256-sha256-modp2048,aes128-sha1-modp2048";
	h.s[0].tc.esp_proposals = "aes128-sha1,aes256gcm16";
	h.s[1].tc.esp_proposals = "aes256gcm16,aes128-sha1";
	h_start(&h);
	h_establish(&h);
	h_check_one_pair(&h);
	assert_int_equal(h.s[0].sa[0].xf, ESP_XF_AES256_GCM16);
	h_free(&h);
}

static void
test_wrong_psk(void **state)
{
	struct harness h;

	(void)state;
	h_init(&h);
	memcpy(h.s[1].tc.psk, "other-psk!!", 11);
	h_start(&h);
	h_establish(&h);
	assert_int_equal(h.s[0].n_down, 1);
	assert_non_null(strstr(h.s[0].down_text, "AUTHENTICATION_FAILED"));
	assert_int_equal(h.s[0].n_install + h.s[1].n_install, 0);
	assert_int_equal(h.s[1].n_up + h.s[0].n_up, 0);
	h_check_empty(&h);
	/* And it stays so: nothing retransmitted, nothing re-created. */
	h_advance(&h, 120000);
	h_check_empty(&h);
	h_free(&h);
}

static bool
see_first_reply(struct harness *h, struct h_pkt *p, size_t seq,
    void *arg)
{
	uint16_t *n = arg;

	if (p->from == 1 && seq == 1)
		*n = h_plain_notify(p, NULL);
	return false;
}

static void
test_no_proposal(void **state)
{
	struct harness h;
	uint16_t n = 0;

	(void)state;
	h_init(&h);
	h.s[0].tc.ike_proposals = "aes128-sha1-modp1024";
	h.s[1].tc.ike_proposals = "gcp";
	h.filter = see_first_reply;
	h.farg = &n;
	h_start(&h);
	h_establish(&h);
	assert_int_equal(n, IKE_N_NO_PROPOSAL_CHOSEN);
	assert_int_equal(h.s[0].n_down, 1);
	assert_non_null(strstr(h.s[0].down_text, "14"));
	h_check_empty(&h);
	h_free(&h);
}

/* Same IKE suites, disjoint ESP: the IKE SA comes up, no Child SA. */
static void
test_no_esp_proposal(void **state)
{
	struct harness h;

	(void)state;
	h_init(&h);
	h.s[0].tc.esp_proposals = "aes128-sha1";
	h.s[1].tc.esp_proposals = "aes256gcm16";
	h_start(&h);
	h_establish(&h);
	assert_int_equal(h.s[0].n_up, 1);
	assert_int_equal(h.s[0].nsa + h.s[1].nsa, 0);
	assert_int_equal(h.s[0].errors + h.s[1].errors, 0);
	h_free(&h);
}

static void
pol(struct ike_tunnel_cfg *c, const char *l, const char *r)
{
	c->n_local = c->n_remote = 1;
	h_pfx(&c->ts_local[0], l);
	h_pfx(&c->ts_remote[0], r);
}

static void
assert_pfx(const struct prefix *p, const char *s)
{
	char b[PREFIX_STRLEN];

	assert_string_equal(prefix_fmt(p, b, sizeof(b)), s);
}

/* cloud-semantics.md 5.4: a policy-based initiator proposes 0.0.0.0/0 <->
 * 172.16.0.0/12; a narrower responder narrows, a wider one takes it as is. */
static void
test_ts_narrowing(void **state)
{
	struct harness h;

	(void)state;
	h_init(&h);
	pol(&h.s[0].tc, "0.0.0.0/0", "172.16.0.0/12");
	pol(&h.s[1].tc, "172.16.0.0/16", "10.0.0.0/8");
	h_start(&h);
	h_establish(&h);
	h_check_one_pair(&h);
	assert_int_equal(h.s[0].sa[0].ntl, 1);
	assert_pfx(&h.s[0].sa[0].tl[0], "10.0.0.0/8");
	assert_pfx(&h.s[0].sa[0].tr[0], "172.16.0.0/16");
	assert_pfx(&h.s[1].sa[0].tl[0], "172.16.0.0/16");
	assert_pfx(&h.s[1].sa[0].tr[0], "10.0.0.0/8");
	h_free(&h);

	h_init(&h);
	pol(&h.s[0].tc, "0.0.0.0/0", "172.16.0.0/12");
	h_start(&h);		/* B: 0.0.0.0/0 both sides (default) */
	h_establish(&h);
	h_check_one_pair(&h);
	assert_pfx(&h.s[0].sa[0].tl[0], "0.0.0.0/0");
	assert_pfx(&h.s[0].sa[0].tr[0], "172.16.0.0/12");
	assert_pfx(&h.s[1].sa[0].tl[0], "172.16.0.0/12");
	assert_pfx(&h.s[1].sa[0].tr[0], "0.0.0.0/0");
	h_free(&h);
}

static void
test_ts_unacceptable(void **state)
{
	struct harness h;
	const char *p;
	int n;

	(void)state;
	h_init(&h);
	pol(&h.s[0].tc, "0.0.0.0/0", "172.16.0.0/12");
	pol(&h.s[1].tc, "192.168.0.0/16", "0.0.0.0/0");
	h_start(&h);
	h_establish(&h);
	assert_int_equal(h.s[0].n_up, 1);
	assert_int_equal(h.s[0].n_install + h.s[1].n_install, 0);
	assert_int_equal(h.s[0].errors + h.s[1].errors, 0);
	/* The initiator retries with backoff; it keeps failing, nothing is
	 * installed, the IKE SA stays. */
	h_advance(&h, 600000);
	assert_int_equal(h.s[0].n_install + h.s[1].n_install, 0);
	for (p = h.s[0].logs, n = 0; (p = strstr(p, "creating a Child")) != NULL;
	    p++)
		n++;
	assert_true(n >= 3 && n <= 10);		/* backing off, not every 10 s */
	assert_int_equal(h.s[0].n_down + h.s[1].n_down, 0);
	h_free(&h);
}

static bool
count_init(struct harness *h, struct h_pkt *p, size_t seq, void *arg)
{
	int *counts = arg;
	struct ike_hdr hdr;
	uint16_t n = h_plain_notify(p, &hdr);

	if (hdr.exchange == IKE_EXCH_SA_INIT && p->from == 0)
		counts[0]++;
	if (hdr.exchange == IKE_EXCH_SA_INIT && p->from == 1 &&
	    n == IKE_N_INVALID_KE_PAYLOAD)
		counts[1]++;
	if (hdr.exchange == IKE_EXCH_SA_INIT && p->from == 1 &&
	    n == IKE_N_COOKIE) {
		counts[2]++;
		/* Stateless: the responder holds nothing yet. */
		counts[3] += (int)ike_engine_n_sas(h->s[1].eng);
	}
	return false;
}

static void
test_invalid_ke_retry(void **state)
{
	struct harness h;
	int counts[4] = { 0 };

	(void)state;
	h_init(&h);
	/* A sends a group 14 KE first; B accepts only group 19. */
	h.s[0].tc.ike_proposals = "aes256-sha256-modp2048,aes256-sha256-ecp256";
	h.s[1].tc.ike_proposals = "aes256-sha256-ecp256";
	h.filter = count_init;
	h.farg = counts;
	h_start(&h);
	h_establish(&h);
	assert_int_equal(counts[0], 2);
	assert_int_equal(counts[1], 1);
	h_check_one_pair(&h);
	h_free(&h);
}

static void
test_cookie(void **state)
{
	struct harness h;
	int counts[4] = { 0 };

	(void)state;
	h_init(&h);
	h.s[1].ec.cookie_threshold = -1;	/* always under load */
	h.filter = count_init;
	h.farg = counts;
	h_start(&h);
	h_establish(&h);
	assert_int_equal(counts[0], 2);
	assert_int_equal(counts[2], 1);
	assert_int_equal(counts[3], 0);
	h_check_one_pair(&h);
	h_free(&h);
}

/* A NAT in front of A: 10.0.0.1:port -> 192.0.2.1:(port + 2500). */
static bool
nat_a(struct harness *h, struct h_pkt *p, size_t seq, void *arg)
{
	int *after_init = arg;

	(void)seq;
	if (p->from == 0) {
		if (p->src.port == IKE_NATT_PORT)
			*after_init += p->dst.port == IKE_NATT_PORT;
		h_addr(&p->src, "192.0.2.1");
		p->src.port = (uint16_t)(p->src.port + 2500);
	}
	return false;
}

/* 2.23 / behaviour 31: the mismatch is detected on both sides, IKE moves to
 * port 4500 after IKE_SA_INIT, the responder follows the NAT mapping, and the
 * Child SA is flagged for UDP encapsulation. */
static void
test_nat_detected(void **state)
{
	struct harness h;
	int moved = 0;

	(void)state;
	h_init(&h);
	h_addr(&h.s[0].tc.local, "10.0.0.1");
	h.filter = nat_a;
	h.farg = &moved;
	h_start(&h);
	h_establish(&h);
	h_check_one_pair(&h);
	assert_true(h.s[0].sa[0].natt);
	assert_true(h.s[1].sa[0].natt);
	assert_int_equal(moved, 1);		/* IKE_AUTH on 4500 */
	assert_int_equal(ike_engine_rekey_child(h.s[1].eng, 1, h.now), 0);
	h_run(&h);
	h_check_one_pair(&h);
	h_free(&h);
}

/* Both ends "start" at once: two IKE SAs come up; both ends keep the same one
 * and delete the other, the tunnel never goes down. */
static void
test_both_start(void **state)
{
	struct harness h;

	(void)state;
	h_init(&h);
	h.s[0].tc.startup = h.s[1].tc.startup = IKE_STARTUP_START;
	h_start(&h);
	h_advance(&h, 5000);
	h_check_one_pair(&h);
	assert_int_equal(h.s[0].n_up, 1);
	assert_int_equal(h.s[1].n_up, 1);
	assert_int_equal(h.s[0].n_down + h.s[1].n_down, 0);
	h_advance(&h, 120000);
	h_check_one_pair(&h);
	h_free(&h);
}

/* The peer restarts (state lost) and comes back with INITIAL_CONTACT: the
 * stale SA goes, the new pair replaces it. */
static void
test_peer_restart(void **state)
{
	struct harness h;
	char err[256];

	(void)state;
	h_init(&h);
	h_start(&h);
	h_establish(&h);
	h_check_one_pair(&h);
	ike_engine_free(h.s[0].eng);
	h.s[0].eng = ike_engine_new(&h.s[0].ec);
	assert_int_equal(ike_engine_add_tunnel(h.s[0].eng, &h.s[0].tc, err,
	    sizeof(err)), 0);
	h.s[0].nsa = 0;
	h_establish(&h);
	h_check_one_pair(&h);
	assert_string_equal(h.s[1].log, "UIDUI");
	h_free(&h);
}

struct trace {
	size_t		n;
	uint32_t	sum[64];	/* FNV-1a of each datagram */
	size_t		len[64];
};

static bool
trace(struct harness *h, struct h_pkt *p, size_t seq, void *arg)
{
	struct trace *t = arg;
	uint32_t v = 2166136261u;
	size_t i;

	(void)h;
	(void)seq;
	for (i = 0; i < p->len; i++)
		v = (v ^ p->data[i]) * 16777619u;
	if (t->n < 64) {
		t->sum[t->n] = v;
		t->len[t->n++] = p->len;
	}
	return false;
}

static void
run_traced(struct trace *t, bool fixed)
{
	struct harness h;

	h_init(&h);
	h.s[0].tc.ike_proposals = h.s[1].tc.ike_proposals =
	    "aes256gcm16-prfsha256-x25519";
	h.s[0].tc.esp_proposals = h.s[1].tc.esp_proposals =
	    "aes256gcm16-ecp256";
	h.s[0].ec.dh_from_rand = h.s[1].ec.dh_from_rand = fixed;
	h.filter = trace;
	h.farg = t;
	h_start(&h);
	h_establish(&h);
	assert_int_equal(ike_engine_rekey_child(h.s[0].eng, 1, h.now), 0);
	h_run(&h);
	h_advance(&h, 30000);
	h_check_one_pair(&h);
	h_free(&h);
}

/* Sans-I/O: with the randomness (D-H included) from the callback, the same
 * inputs give the same bytes on the wire; with OpenSSL's D-H they differ. */
static void
test_deterministic(void **state)
{
	struct trace a = { 0 }, b = { 0 }, c = { 0 };

	(void)state;
	run_traced(&a, true);
	run_traced(&b, true);
	assert_true(a.n > 6);
	assert_int_equal(a.n, b.n);
	assert_memory_equal(a.sum, b.sum, sizeof(a.sum));
	assert_memory_equal(a.len, b.len, sizeof(a.len));
	run_traced(&c, false);
	assert_memory_not_equal(a.sum, c.sum, sizeof(a.sum));
}

static void
idcfg(struct ike_idcfg *id, uint8_t type, const char *s)
{
	id->type = type;
	id->len = strlen(s);
	memcpy(id->data, s, id->len);
}

/* FQDN and KEY_ID identities (cloud-semantics.md 5.5): matching IDs
 * establish; a peer presenting another ID than configured is refused like a
 * wrong PSK, on either side. */
static void
test_identities(void **state)
{
	struct harness h;

	(void)state;
	h_init(&h);
	idcfg(&h.s[0].tc.id_local, IKE_ID_FQDN, "cgw.example.net");
	idcfg(&h.s[1].tc.id_remote, IKE_ID_FQDN, "cgw.example.net");
	idcfg(&h.s[1].tc.id_local, IKE_ID_KEY_ID, "aws-vpn-t1");
	idcfg(&h.s[0].tc.id_remote, IKE_ID_KEY_ID, "aws-vpn-t1");
	h_start(&h);
	h_establish(&h);
	h_check_one_pair(&h);
	h_free(&h);

	h_init(&h);
	idcfg(&h.s[0].tc.id_local, IKE_ID_FQDN, "cgw.example.net");
	idcfg(&h.s[1].tc.id_remote, IKE_ID_FQDN, "other.example.net");
	h_start(&h);
	h_establish(&h);
	assert_non_null(strstr(h.s[0].down_text, "AUTHENTICATION_FAILED"));
	h_check_empty(&h);
	h_free(&h);

	/* The responder's ID is wrong: the initiator refuses it. */
	h_init(&h);
	idcfg(&h.s[0].tc.id_remote, IKE_ID_KEY_ID, "expected");
	h_start(&h);
	h_establish(&h);
	assert_int_equal(h.s[0].n_down, 1);
	assert_non_null(strstr(h.s[0].down_text, "peer authentication"));
	/* ... and tells B, which had installed its side: nothing is left. */
	assert_int_equal(h.s[1].n_down, 1);
	assert_non_null(strstr(h.s[1].down_text, "refused"));
	h_check_empty(&h);
	h_free(&h);
}

/* Behaviour 29: "add" never initiates, "start" does at the first timer. */
static void
test_startup(void **state)
{
	struct harness h;

	(void)state;
	h_init(&h);
	h.s[1].tc.startup = IKE_STARTUP_ADD;
	h_start(&h);
	h_advance(&h, 300000);
	assert_int_equal(h.s[0].sent + h.s[1].sent, 0);
	h_free(&h);

	h_init(&h);
	h.s[1].tc.startup = IKE_STARTUP_START;	/* B is the initiator now */
	h_start(&h);
	h_advance(&h, 1000);
	h_check_one_pair(&h);
	h_free(&h);
}

/* A peer we do not know, and garbage, get no answer and leave no state. */
static void
test_garbage(void **state)
{
	struct harness h;
	struct ike_addr src, dst;
	uint8_t junk[400];
	size_t i, n;
	struct ike_dgram d;

	(void)state;
	h_init(&h);
	h_start(&h);
	h_addr(&src, "203.0.113.9");
	dst = h.s[1].tc.local;
	for (n = 0; n < sizeof(junk); n += 7) {
		for (i = 0; i < n; i++)
			junk[i] = (uint8_t)(i * 31 + n);
		if (n >= 28) {
			junk[17] = IKE_VERSION_BYTE;
			junk[18] = IKE_EXCH_SA_INIT;
			junk[19] = IKE_FLAG_I;
		}
		ike_engine_input(h.s[1].eng, h.now, &src, &dst, junk, n);
		ike_engine_input(h.s[1].eng, h.now, &h.s[1].tc.remote, &dst, junk,
		    n);
	}
	assert_false(ike_engine_pop_dgram(h.s[1].eng, &d));
	assert_int_equal(ike_engine_n_sas(h.s[1].eng), 0);
	h_free(&h);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_establish_aws),
		cmocka_unit_test(test_establish_gcp),
		cmocka_unit_test(test_establish_alibaba),
		cmocka_unit_test(test_establish_x25519),
		cmocka_unit_test(test_responder_order),
		cmocka_unit_test(test_wrong_psk),
		cmocka_unit_test(test_no_proposal),
		cmocka_unit_test(test_no_esp_proposal),
		cmocka_unit_test(test_ts_narrowing),
		cmocka_unit_test(test_ts_unacceptable),
		cmocka_unit_test(test_invalid_ke_retry),
		cmocka_unit_test(test_cookie),
		cmocka_unit_test(test_nat_detected),
		cmocka_unit_test(test_both_start),
		cmocka_unit_test(test_peer_restart),
		cmocka_unit_test(test_deterministic),
		cmocka_unit_test(test_identities),
		cmocka_unit_test(test_startup),
		cmocka_unit_test(test_garbage),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
