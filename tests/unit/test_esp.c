/*
 * ESP encap/decap, SA and SADB behaviour (RFC 4303 sec 3.3/3.4, RFC 4301 sec 5.2;
 * reliability.md E1-E6): round trips for every transform and inner sizes 20..1500,
 * single-byte tampering, unknown SPI, selectors, forged high seq, replays,
 * sequence exhaustion, soft/hard lifetimes, key wiping, make-before-break.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "esp/esp.h"

#define BUFSZ	2048
#define HEAD	64

struct pair {
	struct esp_sadb	*db;
	struct esp_sa	*out, *in;
	uint8_t		 keymat[ESP_MAX_KEYMAT_LEN];
};

static struct prefix net_a, net_b, net_all;

static void
pfx(struct prefix *p, const char *s)
{
	char err[128];

	assert_int_equal(prefix_parse(s, p, err, sizeof(err)), 0);
}

static int
setup(void **state)
{
	pfx(&net_a, "10.1.0.0/16");
	pfx(&net_b, "10.2.0.0/16");
	pfx(&net_all, "10.0.0.0/8");
	return 0;
}

static void
params(struct esp_sa_params *p, uint32_t spi, enum esp_dir dir,
    enum esp_xform_id xf, const uint8_t *keymat, bool esn)
{
	memset(p, 0, sizeof(*p));
	p->spi = spi;
	p->dir = dir;
	p->tunnel = 7;
	p->xform = xf;
	p->keymat = keymat;
	p->keymat_len = esp_xform_keymat_len(xf);
	p->esn = esn;
	/* Sender's view: A is local, B remote; the receiver sees it mirrored. */
	p->ts_local = dir == ESP_DIR_OUT ? &net_a : &net_b;
	p->ts_remote = dir == ESP_DIR_OUT ? &net_b : &net_a;
	p->n_local = p->n_remote = 1;
}

/* An outbound SA and the matching inbound SA (as the peer would hold it). */
static void
pair_new(struct pair *pr, enum esp_xform_id xf, bool esn, uint32_t spi)
{
	struct esp_sa_params p;
	char err[128];
	size_t i;

	pr->db = esp_sadb_new();
	assert_non_null(pr->db);
	for (i = 0; i < sizeof(pr->keymat); i++)
		pr->keymat[i] = (uint8_t)(0x5a ^ (i * 7));
	params(&p, spi, ESP_DIR_OUT, xf, pr->keymat, esn);
	pr->out = esp_sadb_install(pr->db, &p, err, sizeof(err));
	if (pr->out == NULL)
		fail_msg("%s", err);
	params(&p, spi, ESP_DIR_IN, xf, pr->keymat, esn);
	pr->in = esp_sadb_install(pr->db, &p, err, sizeof(err));
	if (pr->in == NULL)
		fail_msg("%s", err);
	assert_int_equal(esp_sadb_switch_outbound(pr->db, 7, spi), 0);
}

static void
pair_free(struct pair *pr)
{
	esp_sadb_free(pr->db);
}

static void
put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

/* An inner IPv4 packet of len bytes from src to dst at buf[HEAD]. */
static void
make_v4(uint8_t *buf, size_t len, uint32_t src, uint32_t dst, uint8_t fill)
{
	uint8_t *ip = buf + HEAD;
	size_t i;

	memset(ip, 0, 20);
	ip[0] = 0x45;
	put16(ip + 2, (uint16_t)len);
	ip[8] = 64;
	ip[9] = 17;
	for (i = 0; i < 4; i++) {
		ip[12 + i] = (uint8_t)(src >> (24 - 8 * i));
		ip[16 + i] = (uint8_t)(dst >> (24 - 8 * i));
	}
	for (i = 20; i < len; i++)
		ip[i] = (uint8_t)(fill + i);
}

#define A1	0x0a010001u	/* 10.1.0.1 */
#define B1	0x0a020001u	/* 10.2.0.1 */

static struct esp_pkt
pkt_at(uint8_t *buf, size_t len)
{
	return (struct esp_pkt){ buf, HEAD, len, BUFSZ };
}

static enum esp_drop
decap(struct pair *pr, struct esp_pkt *pkt)
{
	struct esp_sa *sa;
	char why[128];

	return esp_decap(pr->db, pkt, &sa, why, sizeof(why));
}

static void
test_roundtrip_all(void **state)
{
	static uint8_t buf[BUFSZ], orig[BUFSZ];
	const struct esp_xform_info *xi;
	struct esp_pkt pkt;
	struct pair pr;
	struct esp_sa *sa;
	size_t len, align, plen, pad, i;
	int xf, esn;
	char why[128];

	for (xf = 0; xf < ESP_XF_COUNT; xf++) {
		for (esn = 0; esn <= 1; esn++) {
			pair_new(&pr, (enum esp_xform_id)xf, esn, 0x1000 + (uint32_t)xf);
			xi = pr.out->xf.info;
			align = xi->block > 4 ? xi->block : 4;
			for (len = 20; len <= 1500; len++) {
				make_v4(buf, len, A1, B1, (uint8_t)len);
				memcpy(orig, buf + HEAD, len);
				pkt = pkt_at(buf, len);
				assert_int_equal(esp_encap(pr.out, &pkt), ESP_DROP_NONE);
				plen = pkt.len - 8 - xi->iv_len - xi->icv_len;
				assert_true(plen % align == 0);
				assert_true(plen >= len + 2 && plen < len + 2 + align);
				assert_int_equal(pkt.head, HEAD - 8 - xi->iv_len);
				if (esp_decap(pr.db, &pkt, &sa, why, sizeof(why)) !=
				    ESP_DROP_NONE)
					fail_msg("%s len %zu: %s", xi->name, len, why);
				assert_ptr_equal(sa, pr.in);
				assert_int_equal(pkt.head, HEAD);
				assert_int_equal(pkt.len, len);
				assert_memory_equal(buf + HEAD, orig, len);
				/* The decrypted trailer: 1, 2, 3, ..., pad length, 4. */
				pad = plen - len - 2;
				for (i = 0; i < pad; i++)
					assert_int_equal(buf[HEAD + len + i], i + 1);
				assert_int_equal(buf[HEAD + len + pad], pad);
				assert_int_equal(buf[HEAD + len + pad + 1], ESP_NH_IPV4);
			}
			assert_int_equal(pr.out->stats.packets, 1481);
			assert_int_equal(pr.in->stats.packets, 1481);
			assert_true(pr.in->stats.bytes == pr.out->stats.bytes);
			pair_free(&pr);
		}
	}
}

static void
test_tamper_every_byte(void **state)
{
	static uint8_t buf[BUFSZ], esp[BUFSZ];
	struct esp_pkt pkt;
	struct pair pr;
	size_t n, i;
	uint64_t auth;
	int xf;

	for (xf = 0; xf < ESP_XF_COUNT; xf++) {
		pair_new(&pr, (enum esp_xform_id)xf, xf % 2 == 1, 0x2000);
		make_v4(buf, 100, A1, B1, 3);
		pkt = pkt_at(buf, 100);
		assert_int_equal(esp_encap(pr.out, &pkt), ESP_DROP_NONE);
		n = pkt.len;
		memcpy(esp, buf + pkt.head, n);
		for (i = 0; i < n; i++) {
			memcpy(buf + HEAD, esp, n);
			buf[HEAD + i] ^= 0x80;
			pkt = pkt_at(buf, n);
			auth = pr.in->stats.drops[ESP_DROP_AUTH];
			if (i < 4) {
				assert_int_equal(decap(&pr, &pkt), ESP_DROP_UNKNOWN_SPI);
				assert_true(pr.in->stats.drops[ESP_DROP_AUTH] == auth);
			} else {
				assert_int_equal(decap(&pr, &pkt), ESP_DROP_AUTH);
				assert_true(pr.in->stats.drops[ESP_DROP_AUTH] == auth + 1);
			}
			assert_true(pr.in->replay.top == 0);
		}
		memcpy(buf + HEAD, esp, n);
		pkt = pkt_at(buf, n);
		assert_int_equal(decap(&pr, &pkt), ESP_DROP_NONE);
		assert_int_equal(pr.in->stats.packets, 1);
		assert_int_equal(pr.db->stats.unknown_spi, 4);
		pair_free(&pr);
	}
}

static void
test_unknown_spi_and_lengths(void **state)
{
	static uint8_t buf[BUFSZ];
	struct esp_pkt pkt;
	struct esp_sa *sa;
	struct pair pr;
	char why[128];
	size_t len;

	pair_new(&pr, ESP_XF_AES128_GCM16, false, 0x3000);
	memset(buf, 0, sizeof(buf));
	buf[HEAD + 2] = 0x30;		/* SPI 0x3000 */
	buf[HEAD + 7] = 1;
	for (len = 0; len < 8; len++) {
		pkt = pkt_at(buf, len);
		assert_int_equal(esp_decap(pr.db, &pkt, &sa, why, sizeof(why)),
		    ESP_DROP_LEN);
		assert_null(sa);
	}
	pkt = pkt_at(buf, 7);
	esp_decap(pr.db, &pkt, &sa, why, sizeof(why));
	assert_string_equal(why, "len 7 < 8");
	assert_int_equal(pr.db->stats.short_pkt, 9);
	/* GCM needs 8 + 8 (IV) + 4 + 16 (ICV) = 36 bytes at least. */
	pkt = pkt_at(buf, 35);
	assert_int_equal(esp_decap(pr.db, &pkt, &sa, why, sizeof(why)), ESP_DROP_LEN);
	assert_string_equal(why, "len 35 < 36");
	pkt = pkt_at(buf, 38);
	assert_int_equal(esp_decap(pr.db, &pkt, &sa, why, sizeof(why)), ESP_DROP_LEN);
	assert_int_equal(pr.in->stats.drops[ESP_DROP_LEN], 2);
	assert_int_equal(pr.in->stats.drops[ESP_DROP_AUTH], 0);
	/* Well-formed but unknown SPI: dropped before any crypto. */
	buf[HEAD + 2] = 0x31;
	pkt = pkt_at(buf, 100);
	assert_int_equal(esp_decap(pr.db, &pkt, &sa, why, sizeof(why)),
	    ESP_DROP_UNKNOWN_SPI);
	assert_string_equal(why, "unknown SPI 0x00003100");
	assert_int_equal(pr.db->stats.unknown_spi, 1);
	/* An SPI installed only outbound is no inbound SA. */
	esp_sadb_delete(pr.db, ESP_DIR_IN, 0x3000);
	assert_non_null(esp_sadb_lookup(pr.db, ESP_DIR_OUT, 0x3000));
	buf[HEAD + 2] = 0x30;
	pkt = pkt_at(buf, 100);
	assert_int_equal(esp_decap(pr.db, &pkt, &sa, why, sizeof(why)),
	    ESP_DROP_UNKNOWN_SPI);
	pair_free(&pr);

	/* CBC: the payload must be whole blocks. */
	pair_new(&pr, ESP_XF_AES128_CBC_SHA256, false, 0x3000);
	pkt = pkt_at(buf, 8 + 16 + 17 + 16);
	buf[HEAD + 2] = 0x30;
	assert_int_equal(esp_decap(pr.db, &pkt, &sa, why, sizeof(why)), ESP_DROP_LEN);
	assert_string_equal(why, "payload 17 not a multiple of 16");
	pair_free(&pr);
}

static void
test_selectors(void **state)
{
	static uint8_t buf[BUFSZ];
	struct esp_sa_params p;
	struct esp_pkt pkt;
	struct pair pr;
	char err[128];

	pair_new(&pr, ESP_XF_AES256_GCM16, false, 0x4000);
	/* Outbound: the inner source must be ours. */
	make_v4(buf, 60, 0x0a090001, B1, 1);
	pkt = pkt_at(buf, 60);
	assert_int_equal(esp_encap(pr.out, &pkt), ESP_DROP_SELECTOR);
	assert_int_equal(pr.out->stats.drops[ESP_DROP_SELECTOR], 1);
	assert_int_equal(pr.out->seq, 0);	/* nothing was sent */

	/* A peer whose SA claims 10/8 sends a source outside our 10.1/16. */
	esp_sadb_delete(pr.db, ESP_DIR_OUT, 0x4000);
	params(&p, 0x4000, ESP_DIR_OUT, ESP_XF_AES256_GCM16, pr.keymat, false);
	p.ts_local = p.ts_remote = &net_all;
	pr.out = esp_sadb_install(pr.db, &p, err, sizeof(err));
	assert_non_null(pr.out);
	make_v4(buf, 60, 0x0a090001, B1, 1);	/* 10.9.0.1 -> 10.2.0.1 */
	pkt = pkt_at(buf, 60);
	assert_int_equal(esp_encap(pr.out, &pkt), ESP_DROP_NONE);
	assert_int_equal(decap(&pr, &pkt), ESP_DROP_SELECTOR);
	assert_int_equal(pr.in->stats.drops[ESP_DROP_SELECTOR], 1);
	/* Destination outside our local selectors. */
	make_v4(buf, 60, A1, 0x0a030001, 1);
	pkt = pkt_at(buf, 60);
	assert_int_equal(esp_encap(pr.out, &pkt), ESP_DROP_NONE);
	assert_int_equal(decap(&pr, &pkt), ESP_DROP_SELECTOR);
	assert_int_equal(pr.in->stats.drops[ESP_DROP_SELECTOR], 2);
	/* And a matching one passes. */
	make_v4(buf, 60, A1, B1, 1);
	pkt = pkt_at(buf, 60);
	assert_int_equal(esp_encap(pr.out, &pkt), ESP_DROP_NONE);
	assert_int_equal(decap(&pr, &pkt), ESP_DROP_NONE);
	pair_free(&pr);
}

/* reliability.md E3: a forged packet with a far-ahead seq must not move the window. */
static void
test_forged_high_seq(void **state)
{
	static uint8_t buf[BUFSZ];
	struct esp_pkt pkt;
	struct pair pr;
	int i;

	pair_new(&pr, ESP_XF_AES128_GCM16, false, 0x5000);
	for (i = 1; i <= 5; i++) {
		make_v4(buf, 80, A1, B1, (uint8_t)i);
		pkt = pkt_at(buf, 80);
		assert_int_equal(esp_encap(pr.out, &pkt), ESP_DROP_NONE);
		assert_int_equal(decap(&pr, &pkt), ESP_DROP_NONE);
	}
	assert_true(pr.in->replay.top == 5);
	esp_sa_set_seq(pr.out, 5 + 1000000 - 1);
	make_v4(buf, 80, A1, B1, 9);
	pkt = pkt_at(buf, 80);
	assert_int_equal(esp_encap(pr.out, &pkt), ESP_DROP_NONE);
	buf[pkt.head + pkt.len - 1] ^= 0x01;	/* corrupt the ICV */
	assert_int_equal(decap(&pr, &pkt), ESP_DROP_AUTH);
	assert_true(pr.in->replay.top == 5);
	/* Normal traffic resumes with no loss. */
	esp_sa_set_seq(pr.out, 5);
	for (i = 6; i <= 50; i++) {
		make_v4(buf, 80, A1, B1, (uint8_t)i);
		pkt = pkt_at(buf, 80);
		assert_int_equal(esp_encap(pr.out, &pkt), ESP_DROP_NONE);
		assert_int_equal(decap(&pr, &pkt), ESP_DROP_NONE);
	}
	assert_int_equal(pr.in->stats.packets, 50);
	assert_int_equal(pr.in->stats.drops[ESP_DROP_REPLAY], 0);
	pair_free(&pr);
}

/* reliability.md E2: a captured packet re-injected is dropped every time. */
static void
test_replayed_packet(void **state)
{
	static uint8_t buf[BUFSZ], esp[BUFSZ];
	struct esp_pkt pkt;
	struct pair pr;
	size_t n;
	int i;

	pair_new(&pr, ESP_XF_AES128_CBC_SHA1, false, 0x5100);
	make_v4(buf, 200, A1, B1, 5);
	pkt = pkt_at(buf, 200);
	assert_int_equal(esp_encap(pr.out, &pkt), ESP_DROP_NONE);
	n = pkt.len;
	memcpy(esp, buf + pkt.head, n);
	for (i = 0; i < 1000; i++) {
		memcpy(buf + HEAD, esp, n);
		pkt = pkt_at(buf, n);
		assert_int_equal(decap(&pr, &pkt), i == 0 ? ESP_DROP_NONE :
		    ESP_DROP_REPLAY);
	}
	assert_int_equal(pr.in->stats.packets, 1);
	assert_int_equal(pr.in->stats.drops[ESP_DROP_REPLAY], 999);
	assert_int_equal(pr.in->stats.drops[ESP_DROP_AUTH], 0);
	pair_free(&pr);
}

/*
 * reliability.md E4: multi-queue reordering of up to W/2 packets causes no false
 * replay drops with the default 1024 window; every packet is then a replay.
 */
static void
test_reorder_tolerance(void **state)
{
	enum { N = 4096, CHUNK = 512, SLOT = 192 };
	static uint8_t store[N][SLOT], buf[BUFSZ];
	static size_t lens[N], order[N];
	struct esp_pkt pkt;
	struct pair pr;
	uint32_t rng = 12345;
	size_t i, j, t;

	pair_new(&pr, ESP_XF_AES128_GCM16, false, 0x5200);
	assert_int_equal(pr.in->replay.size, 1024);
	for (i = 0; i < N; i++) {
		make_v4(buf, 100, A1, B1, (uint8_t)i);
		pkt = pkt_at(buf, 100);
		assert_int_equal(esp_encap(pr.out, &pkt), ESP_DROP_NONE);
		assert_true(pkt.len <= SLOT);
		memcpy(store[i], buf + pkt.head, pkt.len);
		lens[i] = pkt.len;
		order[i] = i;
	}
	/* Shuffle inside consecutive chunks of W/2 (Fisher-Yates, fixed seed). */
	for (i = 0; i < N; i += CHUNK) {
		for (j = CHUNK - 1; j > 0; j--) {
			rng = rng * 1103515245u + 12345u;
			t = order[i + j];
			order[i + j] = order[i + (rng >> 8) % (j + 1)];
			order[i + (rng >> 8) % (j + 1)] = t;
		}
	}
	for (i = 0; i < N; i++) {
		memcpy(buf + HEAD, store[order[i]], lens[order[i]]);
		pkt = pkt_at(buf, lens[order[i]]);
		assert_int_equal(decap(&pr, &pkt), ESP_DROP_NONE);
	}
	for (i = 0; i < N; i++) {
		memcpy(buf + HEAD, store[i], lens[i]);
		pkt = pkt_at(buf, lens[i]);
		assert_int_equal(decap(&pr, &pkt), ESP_DROP_REPLAY);
	}
	assert_int_equal(pr.in->stats.packets, N);
	assert_int_equal(pr.in->stats.drops[ESP_DROP_REPLAY], N);
	pair_free(&pr);
}

/* reliability.md E5: the counter never cycles; the SA dies and IKE hears HARD. */
static void
test_seq_exhaustion(void **state)
{
	static uint8_t buf[BUFSZ];
	struct esp_expiry ev[8];
	struct esp_pkt pkt;
	struct pair pr;
	size_t n;

	pair_new(&pr, ESP_XF_AES128_GCM16, false, 0x6000);
	esp_sa_set_seq(pr.out, 0xfffffffdull);
	esp_replay_update(&pr.in->replay, 0xfffffffdull);
	n = esp_sadb_expire(pr.db, 100, ev, 8);
	assert_int_equal(n, 1);			/* within the soft margin */
	assert_int_equal(ev[0].event, ESP_LT_SOFT);
	assert_int_equal(ev[0].dir, ESP_DIR_OUT);
	make_v4(buf, 40, A1, B1, 0);
	pkt = pkt_at(buf, 40);
	assert_int_equal(esp_encap(pr.out, &pkt), ESP_DROP_NONE);	/* 2^32-2 */
	assert_int_equal(decap(&pr, &pkt), ESP_DROP_NONE);
	make_v4(buf, 40, A1, B1, 0);
	pkt = pkt_at(buf, 40);
	assert_int_equal(esp_encap(pr.out, &pkt), ESP_DROP_NONE);	/* 2^32-1 */
	assert_int_equal(decap(&pr, &pkt), ESP_DROP_NONE);
	make_v4(buf, 40, A1, B1, 0);
	pkt = pkt_at(buf, 40);
	assert_int_equal(esp_encap(pr.out, &pkt), ESP_DROP_SEQ_CYCLE);
	assert_true(pr.out->seq == 0xffffffffull);
	assert_int_equal(pkt.head, HEAD);	/* the caller's packet is untouched */
	assert_int_equal(esp_encap(pr.out, &pkt), ESP_DROP_DEAD);
	assert_null(esp_sadb_outbound(pr.db, 7));	/* fail closed */
	n = esp_sadb_expire(pr.db, 101, ev, 8);
	assert_int_equal(n, 1);
	assert_int_equal(ev[0].event, ESP_LT_HARD);
	assert_int_equal(ev[0].spi, 0x6000);
	assert_int_equal(esp_sadb_expire(pr.db, 102, ev, 8), 0);
	pair_free(&pr);

	/* With ESN the counter carries on past 2^32 and the receiver follows. */
	pair_new(&pr, ESP_XF_AES256_CBC_SHA256, true, 0x6001);
	esp_sa_set_seq(pr.out, 0xfffffffeull);
	esp_replay_update(&pr.in->replay, 0xfffffffeull);
	for (n = 0; n < 4; n++) {
		make_v4(buf, 40, A1, B1, 0);
		pkt = pkt_at(buf, 40);
		assert_int_equal(esp_encap(pr.out, &pkt), ESP_DROP_NONE);
		assert_int_equal(decap(&pr, &pkt), ESP_DROP_NONE);
	}
	assert_true(pr.in->replay.top == 0x100000002ull);
	esp_sa_set_seq(pr.out, ESP_SEQ_MAX_64);
	make_v4(buf, 40, A1, B1, 0);
	pkt = pkt_at(buf, 40);
	assert_int_equal(esp_encap(pr.out, &pkt), ESP_DROP_SEQ_CYCLE);
	pair_free(&pr);
}

static void
send_n(struct pair *pr, int n, size_t len)
{
	static uint8_t buf[BUFSZ];
	struct esp_pkt pkt;
	int i;

	for (i = 0; i < n; i++) {
		make_v4(buf, len, A1, B1, 0);
		pkt = pkt_at(buf, len);
		assert_int_equal(esp_encap(pr->out, &pkt), ESP_DROP_NONE);
		assert_int_equal(decap(pr, &pkt), ESP_DROP_NONE);
	}
}

static void
test_lifetimes(void **state)
{
	static uint8_t buf[BUFSZ];
	struct esp_pkt pkt;
	struct pair pr;

	/* Packets. */
	pair_new(&pr, ESP_XF_AES128_GCM16, false, 0x7000);
	pr.out->soft.packets = pr.in->soft.packets = 3;
	pr.out->hard.packets = pr.in->hard.packets = 5;
	send_n(&pr, 2, 100);
	assert_int_equal(esp_sa_check_lifetime(pr.out, 0), ESP_LT_NONE);
	send_n(&pr, 1, 100);
	assert_int_equal(esp_sa_check_lifetime(pr.out, 0), ESP_LT_SOFT);
	assert_int_equal(esp_sa_check_lifetime(pr.out, 0), ESP_LT_NONE);	/* once */
	assert_int_equal(esp_sa_check_lifetime(pr.in, 0), ESP_LT_SOFT);
	assert_true(esp_sa_usable(pr.out));
	send_n(&pr, 2, 100);
	/* The hard limit is enforced per packet, before any scan. */
	make_v4(buf, 100, A1, B1, 0);
	pkt = pkt_at(buf, 100);
	assert_int_equal(esp_encap(pr.out, &pkt), ESP_DROP_DEAD);
	assert_int_equal(esp_sa_check_lifetime(pr.out, 0), ESP_LT_HARD);
	assert_int_equal(esp_sa_check_lifetime(pr.out, 0), ESP_LT_NONE);
	assert_int_equal(esp_sa_check_lifetime(pr.in, 0), ESP_LT_HARD);
	assert_false(esp_sa_usable(pr.in));
	pair_free(&pr);

	/* Bytes (inner bytes). */
	pair_new(&pr, ESP_XF_AES128_CBC_SHA256, false, 0x7001);
	pr.in->soft.bytes = 1000;
	pr.in->hard.bytes = 2000;
	send_n(&pr, 9, 100);
	assert_int_equal(esp_sa_check_lifetime(pr.in, 0), ESP_LT_NONE);
	send_n(&pr, 1, 100);
	assert_int_equal(esp_sa_check_lifetime(pr.in, 0), ESP_LT_SOFT);
	send_n(&pr, 10, 100);
	make_v4(buf, 100, A1, B1, 0);
	pkt = pkt_at(buf, 100);
	assert_int_equal(esp_encap(pr.out, &pkt), ESP_DROP_NONE);
	assert_int_equal(decap(&pr, &pkt), ESP_DROP_DEAD);
	assert_int_equal(pr.in->stats.drops[ESP_DROP_DEAD], 1);
	pair_free(&pr);

	/* Seconds, through the SADB scan (what IKE drives). */
	{
		struct esp_expiry ev[4];
		struct esp_sa_params p;
		struct esp_sadb *db = esp_sadb_new();
		uint8_t km[ESP_MAX_KEYMAT_LEN] = { 1 };
		char err[128];

		params(&p, 0x7002, ESP_DIR_IN, ESP_XF_AES128_GCM16, km, false);
		p.now = 1000;
		p.soft.seconds = 50;
		p.hard.seconds = 60;
		assert_non_null(esp_sadb_install(db, &p, err, sizeof(err)));
		assert_int_equal(esp_sadb_expire(db, 1049, ev, 4), 0);
		assert_int_equal(esp_sadb_expire(db, 1050, ev, 4), 1);
		assert_int_equal(ev[0].event, ESP_LT_SOFT);
		assert_int_equal(ev[0].spi, 0x7002);
		assert_int_equal(esp_sadb_expire(db, 1055, ev, 4), 0);
		assert_int_equal(esp_sadb_expire(db, 1060, ev, 4), 1);
		assert_int_equal(ev[0].event, ESP_LT_HARD);
		assert_int_equal(esp_sadb_expire(db, 2000, ev, 4), 0);
		/* Hard expiry wiped the keys at once; delete frees the rest. */
		assert_null(esp_sadb_lookup(db, ESP_DIR_IN, 0x7002)->xf.cipher);
		assert_int_equal(esp_sadb_delete(db, ESP_DIR_IN, 0x7002), 0);
		esp_sadb_free(db);
	}
}

static bool
all_zero(const uint8_t *p, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (p[i] != 0)
			return false;
	return true;
}

static void
test_key_wipe(void **state)
{
	static uint8_t buf[BUFSZ];
	struct esp_pkt pkt;
	struct pair pr;

	pair_new(&pr, ESP_XF_AES256_CBC_SHA256, false, 0x8000);
	assert_int_equal(pr.out->xf.keymat_len, 64);
	assert_memory_equal(pr.out->xf.keymat, pr.keymat, 64);
	esp_sa_wipe(pr.out);
	assert_true(all_zero(pr.out->xf.keymat, sizeof(pr.out->xf.keymat)));
	assert_null(pr.out->xf.cipher);
	assert_null(pr.out->xf.mac);
	make_v4(buf, 100, A1, B1, 0);
	pkt = pkt_at(buf, 100);
	assert_int_equal(esp_encap(pr.out, &pkt), ESP_DROP_DEAD);
	assert_null(esp_sadb_outbound(pr.db, 7));

	pair_free(&pr);
	pair_new(&pr, ESP_XF_AES128_GCM16, false, 0x8001);
	esp_sa_wipe(pr.in);
	assert_true(all_zero(pr.in->xf.keymat, sizeof(pr.in->xf.keymat)));
	assert_true(all_zero(pr.in->xf.salt, sizeof(pr.in->xf.salt)));
	pair_free(&pr);
}

static void
test_sadb_make_before_break(void **state)
{
	static uint8_t buf[BUFSZ], esp_old[BUFSZ];
	struct esp_sa_params p;
	struct esp_pkt pkt;
	struct esp_sa *sa;
	struct pair pr;
	size_t n_old;
	char err[128];
	uint32_t spi;

	pair_new(&pr, ESP_XF_AES128_GCM16, false, 0x9000);
	/* A packet in flight on the old SA. */
	make_v4(buf, 64, A1, B1, 0);
	pkt = pkt_at(buf, 64);
	assert_int_equal(esp_encap(pr.out, &pkt), ESP_DROP_NONE);
	n_old = pkt.len;
	memcpy(esp_old, buf + pkt.head, n_old);

	/* 1. new inbound SA next to the old one. */
	params(&p, 0x9001, ESP_DIR_IN, ESP_XF_AES128_GCM16, pr.keymat, false);
	assert_non_null(esp_sadb_install(pr.db, &p, err, sizeof(err)));
	/* 2. new outbound, switched in one step. */
	params(&p, 0x9001, ESP_DIR_OUT, ESP_XF_AES128_GCM16, pr.keymat, false);
	assert_non_null(sa = esp_sadb_install(pr.db, &p, err, sizeof(err)));
	assert_int_equal(esp_sadb_switch_outbound(pr.db, 7, 0x9001), 0);
	assert_ptr_equal(esp_sadb_outbound(pr.db, 7), sa);
	assert_int_equal(esp_sadb_delete(pr.db, ESP_DIR_OUT, 0x9000), 0);
	make_v4(buf, 64, A1, B1, 0);
	pkt = pkt_at(buf, 64);
	assert_int_equal(esp_encap(esp_sadb_outbound(pr.db, 7), &pkt), ESP_DROP_NONE);
	assert_int_equal(decap(&pr, &pkt), ESP_DROP_NONE);
	/* The old inbound SA still takes the packet that was in flight. */
	memcpy(buf + HEAD, esp_old, n_old);
	pkt = pkt_at(buf, n_old);
	assert_int_equal(decap(&pr, &pkt), ESP_DROP_NONE);
	/* 3. grace period over: old inbound gone, its packets unknown. */
	assert_int_equal(esp_sadb_delete(pr.db, ESP_DIR_IN, 0x9000), 0);
	assert_int_equal(esp_sadb_delete(pr.db, ESP_DIR_IN, 0x9000), -1);
	memcpy(buf + HEAD, esp_old, n_old);
	pkt = pkt_at(buf, n_old);
	assert_int_equal(decap(&pr, &pkt), ESP_DROP_UNKNOWN_SPI);

	/* replace() keeps the tunnel's outbound pointer on a live SA. */
	params(&p, 0x9002, ESP_DIR_OUT, ESP_XF_AES128_GCM16, pr.keymat, false);
	assert_non_null(sa = esp_sadb_replace(pr.db, 0x9001, &p, err, sizeof(err)));
	assert_ptr_equal(esp_sadb_outbound(pr.db, 7), sa);
	assert_null(esp_sadb_lookup(pr.db, ESP_DIR_OUT, 0x9001));
	assert_null(esp_sadb_replace(pr.db, 0x1234, &p, err, sizeof(err)));

	/* Deleting the current outbound SA leaves nothing to send with. */
	assert_int_equal(esp_sadb_delete(pr.db, ESP_DIR_OUT, 0x9002), 0);
	assert_null(esp_sadb_outbound(pr.db, 7));
	assert_int_equal(esp_sadb_switch_outbound(pr.db, 7, 0x9002), -1);
	assert_null(esp_sadb_outbound(pr.db, 99));

	/* Refusals, each with a sentence. */
	params(&p, 0x9001, ESP_DIR_IN, ESP_XF_AES128_GCM16, pr.keymat, false);
	assert_null(esp_sadb_install(pr.db, &p, err, sizeof(err)));
	assert_string_equal(err, "inbound SPI 0x00009001 already installed");
	p.spi = 255;
	assert_null(esp_sadb_install(pr.db, &p, err, sizeof(err)));
	assert_string_equal(err, "SPI 255 is reserved (< 256)");
	p.spi = 0x9100;
	p.keymat_len = 16;
	assert_null(esp_sadb_install(pr.db, &p, err, sizeof(err)));
	assert_string_equal(err,
	    "aes128gcm16 needs 20 bytes of key material, got 16");
	p.keymat_len = 20;
	p.n_remote = 0;
	assert_null(esp_sadb_install(pr.db, &p, err, sizeof(err)));
	assert_string_equal(err, "no remote traffic selector (default deny)");

	/* Many SAs: the table grows and every lookup still finds its SA. */
	for (spi = 0x10000; spi < 0x10000 + 500; spi++) {
		params(&p, spi, ESP_DIR_IN, ESP_XF_AES128_GCM16, pr.keymat, false);
		assert_non_null(esp_sadb_install(pr.db, &p, err, sizeof(err)));
	}
	for (spi = 0x10000; spi < 0x10000 + 500; spi++)
		assert_int_equal(esp_sadb_lookup(pr.db, ESP_DIR_IN, spi)->spi, spi);
	assert_true(pr.db->nbuckets >= pr.db->count);
	pair_free(&pr);
}

/*
 * Authenticated packets with a hand-made payload (what a buggy or hostile peer
 * holding the keys could send): sealed with the outbound SA's own transform.
 */
static size_t
seal_raw(struct esp_sa *out, const uint8_t *payload, size_t plen, uint8_t *buf)
{
	const struct esp_xform_info *xi = out->xf.info;
	uint8_t *p = buf + HEAD;
	uint64_t seq = ++out->seq;

	p[0] = (uint8_t)(out->spi >> 24);
	p[1] = (uint8_t)(out->spi >> 16);
	p[2] = (uint8_t)(out->spi >> 8);
	p[3] = (uint8_t)out->spi;
	p[4] = (uint8_t)(seq >> 24);
	p[5] = (uint8_t)(seq >> 16);
	p[6] = (uint8_t)(seq >> 8);
	p[7] = (uint8_t)seq;
	assert_int_equal(esp_xform_next_iv(&out->xf, p + 8), 0);
	memcpy(p + 8 + xi->iv_len, payload, plen);
	assert_int_equal(esp_xform_seal(&out->xf, p, out->esn, 0, p + 8,
	    p + 8 + xi->iv_len, plen, p + 8 + xi->iv_len + plen), 0);
	return 8 + xi->iv_len + plen + xi->icv_len;
}

static void
test_trailer_and_inner(void **state)
{
	static uint8_t buf[BUFSZ], pl[256];
	struct esp_pkt pkt;
	struct pair pr;
	size_t n;
	int xf;

	for (xf = ESP_XF_AES128_GCM16; xf <= ESP_XF_AES128_CBC_SHA256; xf += 2) {
		pair_new(&pr, (enum esp_xform_id)xf, false, 0xa000);
		/* 48-byte payloads: inner 20..44 bytes + padding + trailer. */
		make_v4(buf, 40, A1, B1, 0);
		memcpy(pl, buf + HEAD, 40);
		/* Good: 40 + pad 6 (1..6) + 6 + 4. */
		memcpy(pl + 40, "\x01\x02\x03\x04\x05\x06\x06\x04", 8);
		n = seal_raw(pr.out, pl, 48, buf);
		pkt = pkt_at(buf, n);
		assert_int_equal(decap(&pr, &pkt), ESP_DROP_NONE);
		assert_int_equal(pkt.len, 40);
		/* Padding not monotonic. */
		memcpy(pl + 40, "\x01\x02\x03\x09\x05\x06\x06\x04", 8);
		pkt = pkt_at(buf, seal_raw(pr.out, pl, 48, buf));
		assert_int_equal(decap(&pr, &pkt), ESP_DROP_PAD);
		/* Pad length past the start of the payload. */
		memcpy(pl + 40, "\x01\x02\x03\x04\x05\x06\xf0\x04", 8);
		pkt = pkt_at(buf, seal_raw(pr.out, pl, 48, buf));
		assert_int_equal(decap(&pr, &pkt), ESP_DROP_PAD);
		/* Next header 59: a dummy packet, dropped silently. */
		memcpy(pl + 40, "\x01\x02\x03\x04\x05\x06\x06\x3b", 8);
		pkt = pkt_at(buf, seal_raw(pr.out, pl, 48, buf));
		assert_int_equal(decap(&pr, &pkt), ESP_DROP_DUMMY);
		/* Next header 17 (transport-mode UDP): not for a tunnel. */
		memcpy(pl + 40, "\x01\x02\x03\x04\x05\x06\x06\x11", 8);
		pkt = pkt_at(buf, seal_raw(pr.out, pl, 48, buf));
		assert_int_equal(decap(&pr, &pkt), ESP_DROP_NEXT_HDR);
		/* Inner total length larger than what was carried. */
		memcpy(pl + 40, "\x01\x02\x03\x04\x05\x06\x06\x04", 8);
		pl[2] = 0;
		pl[3] = 41;
		pkt = pkt_at(buf, seal_raw(pr.out, pl, 48, buf));
		assert_int_equal(decap(&pr, &pkt), ESP_DROP_INNER);
		/* IHL below 5. */
		pl[3] = 40;
		pl[0] = 0x44;
		pkt = pkt_at(buf, seal_raw(pr.out, pl, 48, buf));
		assert_int_equal(decap(&pr, &pkt), ESP_DROP_INNER);
		/* IPv6 header behind next header 4. */
		pl[0] = 0x60;
		pkt = pkt_at(buf, seal_raw(pr.out, pl, 48, buf));
		assert_int_equal(decap(&pr, &pkt), ESP_DROP_INNER);
		/* TFC-style: the carried bytes exceed the IPv4 total length. */
		pl[0] = 0x45;
		pl[3] = 36;
		pkt = pkt_at(buf, seal_raw(pr.out, pl, 48, buf));
		assert_int_equal(decap(&pr, &pkt), ESP_DROP_NONE);
		assert_int_equal(pkt.len, 36);
		assert_int_equal(pr.in->stats.drops[ESP_DROP_PAD], 2);
		assert_int_equal(pr.in->stats.drops[ESP_DROP_DUMMY], 1);
		assert_int_equal(pr.in->stats.drops[ESP_DROP_NEXT_HDR], 1);
		assert_int_equal(pr.in->stats.drops[ESP_DROP_INNER], 3);
		assert_int_equal(pr.in->stats.packets, 2);
		/* Every one of those authenticated, so the window moved. */
		assert_true(pr.in->replay.top == 9);
		pair_free(&pr);
	}
}

static void
test_ipv6_inner(void **state)
{
	static uint8_t buf[BUFSZ];
	struct prefix v6a, v6b;
	struct esp_sa_params p;
	struct esp_sadb *db = esp_sadb_new();
	struct esp_sa *out, *in, *got;
	struct esp_pkt pkt;
	uint8_t km[ESP_MAX_KEYMAT_LEN] = { 9 };
	uint8_t *ip = buf + HEAD;
	char err[128];

	pfx(&v6a, "2001:db8:a::/48");
	pfx(&v6b, "2001:db8:b::/48");
	params(&p, 0xb000, ESP_DIR_OUT, ESP_XF_AES128_GCM16, km, false);
	p.ts_local = &v6a;
	p.ts_remote = &v6b;
	assert_non_null(out = esp_sadb_install(db, &p, err, sizeof(err)));
	p.dir = ESP_DIR_IN;
	p.ts_local = &v6b;
	p.ts_remote = &v6a;
	assert_non_null(in = esp_sadb_install(db, &p, err, sizeof(err)));
	memset(ip, 0, 60);
	ip[0] = 0x60;
	ip[5] = 20;			/* payload length */
	ip[6] = 59;
	memcpy(ip + 8, v6a.addr, 16);
	ip[23] = 1;
	memcpy(ip + 24, v6b.addr, 16);
	ip[39] = 2;
	pkt = pkt_at(buf, 60);
	assert_int_equal(esp_encap(out, &pkt), ESP_DROP_NONE);
	assert_int_equal(esp_decap(db, &pkt, &got, err, sizeof(err)), ESP_DROP_NONE);
	assert_ptr_equal(got, in);
	assert_int_equal(pkt.len, 60);
	esp_sadb_free(db);
}

static void
test_udp_classify(void **state)
{
	static const uint8_t ka[] = { 0xff };
	static const uint8_t ike[] = { 0, 0, 0, 0, 1, 2, 3, 4 };
	static const uint8_t esp[] = { 0, 0, 1, 0, 0, 0, 0, 1 };

	assert_int_equal(esp_udp_classify(ka, 1), ESP_UDP_KEEPALIVE);
	assert_int_equal(esp_udp_classify(ike, sizeof(ike)), ESP_UDP_IKE);
	assert_int_equal(esp_udp_classify(esp, sizeof(esp)), ESP_UDP_ESP);
	assert_int_equal(esp_udp_classify(esp, 7), ESP_UDP_INVALID);
	assert_int_equal(esp_udp_classify(esp, 0), ESP_UDP_INVALID);
	assert_int_equal(esp_udp_classify(ike, 1), ESP_UDP_INVALID);
}

static void
count_sa(struct esp_sa *sa, void *arg)
{
	(*(size_t *)arg)++;
}

/* The scan hands out at most max events and finds the rest next time. */
static void
test_expire_batches(void **state)
{
	struct esp_sadb *db = esp_sadb_new();
	struct esp_expiry ev[2];
	struct esp_sa_params p;
	uint8_t km[ESP_MAX_KEYMAT_LEN] = { 3 };
	size_t n = 0;
	uint32_t spi;
	char err[128];

	for (spi = 0xd000; spi < 0xd003; spi++) {
		params(&p, spi, ESP_DIR_IN, ESP_XF_AES128_GCM16, km, false);
		p.soft.seconds = 10;
		assert_non_null(esp_sadb_install(db, &p, err, sizeof(err)));
	}
	esp_sadb_foreach(db, count_sa, &n);
	assert_int_equal(n, 3);
	assert_int_equal(esp_sadb_expire(db, 5, ev, 2), 0);
	assert_int_equal(esp_sadb_expire(db, 10, ev, 2), 2);
	assert_int_equal(esp_sadb_expire(db, 10, ev, 2), 1);
	assert_int_equal(ev[0].event, ESP_LT_SOFT);
	assert_int_equal(esp_sadb_expire(db, 10, ev, 2), 0);
	esp_sadb_free(db);
}

static void
test_names(void **state)
{
	enum esp_xform_id id;
	int i;

	for (i = 0; i < ESP_XF_COUNT; i++) {
		assert_int_equal(esp_xform_by_name(esp_xform_info(
		    (enum esp_xform_id)i)->name, &id), 0);
		assert_int_equal(id, i);
	}
	assert_int_equal(esp_xform_by_name("aes192gcm16", &id), -1);
	assert_null(esp_xform_info(ESP_XF_COUNT));
	assert_int_equal(esp_xform_keymat_len(ESP_XF_AES128_GCM16), 20);
	assert_int_equal(esp_xform_keymat_len(ESP_XF_AES256_GCM16), 36);
	assert_int_equal(esp_xform_keymat_len(ESP_XF_AES128_CBC_SHA256), 48);
	assert_int_equal(esp_xform_keymat_len(ESP_XF_AES256_CBC_SHA256), 64);
	assert_int_equal(esp_xform_keymat_len(ESP_XF_AES128_CBC_SHA1), 36);
	assert_int_equal(esp_xform_keymat_len(ESP_XF_AES256_CBC_SHA1), 52);
	for (i = 0; i < ESP_DROP_COUNT; i++)
		assert_string_not_equal(esp_drop_str((enum esp_drop)i), "?");
	assert_string_equal(esp_drop_str(ESP_DROP_SELECTOR), "selector");
	assert_string_equal(esp_drop_str(ESP_DROP_COUNT), "?");
}

static void
test_buffer_room(void **state)
{
	static uint8_t buf[BUFSZ];
	struct esp_pkt pkt;
	struct pair pr;

	pair_new(&pr, ESP_XF_AES256_CBC_SHA1, false, 0xc000);
	assert_true(esp_encap_headroom(pr.out) >= 8 + 16);
	assert_true(esp_encap_tailroom(pr.out) >= 15 + 2 + 12);
	make_v4(buf, 100, A1, B1, 0);
	pkt = (struct esp_pkt){ buf, 23, 100, BUFSZ };	/* one byte short */
	memmove(buf + 23, buf + HEAD, 100);
	assert_int_equal(esp_encap(pr.out, &pkt), ESP_DROP_NOROOM);
	memmove(buf + 24, buf + 23, 100);
	pkt = (struct esp_pkt){ buf, 24, 100, 24 + 100 + 12 + 12 - 1 };
	assert_int_equal(esp_encap(pr.out, &pkt), ESP_DROP_NOROOM);
	pkt = (struct esp_pkt){ buf, 24, 100, 24 + 100 + 12 + 12 };
	assert_int_equal(esp_encap(pr.out, &pkt), ESP_DROP_NONE);
	assert_int_equal(pkt.head, 0);
	assert_int_equal(pkt.len, pkt.cap);
	assert_int_equal(pr.out->stats.drops[ESP_DROP_NOROOM], 2);
	assert_true(pr.out->seq == 1);	/* refusals consumed no seq */
	pair_free(&pr);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_roundtrip_all),
		cmocka_unit_test(test_tamper_every_byte),
		cmocka_unit_test(test_unknown_spi_and_lengths),
		cmocka_unit_test(test_selectors),
		cmocka_unit_test(test_forged_high_seq),
		cmocka_unit_test(test_replayed_packet),
		cmocka_unit_test(test_reorder_tolerance),
		cmocka_unit_test(test_seq_exhaustion),
		cmocka_unit_test(test_lifetimes),
		cmocka_unit_test(test_key_wipe),
		cmocka_unit_test(test_sadb_make_before_break),
		cmocka_unit_test(test_trailer_and_inner),
		cmocka_unit_test(test_ipv6_inner),
		cmocka_unit_test(test_udp_classify),
		cmocka_unit_test(test_expire_batches),
		cmocka_unit_test(test_names),
		cmocka_unit_test(test_buffer_room),
	};

	return cmocka_run_group_tests(tests, setup, NULL);
}
