/*
 * dp_frag: fragment every size 1..3000 against tunnel MTUs 576..1500, reassemble by
 * offset in the test and compare byte for byte; check each fragment's size, offset
 * alignment, MF, header checksum and copied options (RFC 791 3.1, 3.2).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "dataplane/dp_frag.h"
#include "test_dp_pkt.h"

#define NBUF	64

static uint8_t pkt[4000];
static uint8_t pay[4000];
static uint8_t store[NBUF][1600];
static struct dp_frag_buf bufs[NBUF];

static void
setup_bufs(size_t cap)
{
	for (size_t i = 0; i < NBUF; i++) {
		bufs[i].p = store[i];
		bufs[i].cap = cap;
		bufs[i].len = 0;
	}
}

/*
 * Reassemble fragments into `whole` by their offsets (relative to base_off) and
 * check every fragment's own invariants; returns the reassembled payload length.
 */
static size_t
reassemble(size_t n, uint16_t mtu, const struct dp_ipv4_hdr *orig,
    const uint8_t *later_opts, size_t later_optlen, uint8_t *whole)
{
	size_t end = 0;

	for (size_t i = 0; i < n; i++) {
		const uint8_t *f = bufs[i].p;
		struct dp_ipv4_hdr h;
		size_t plen;

		assert_true(bufs[i].len <= mtu);
		assert_int_equal(dp_ipv4_parse(f, bufs[i].len, 0, &h), DP_IPV4_OK);
		assert_int_equal(h.tot_len, bufs[i].len);
		assert_int_equal(h.id, orig->id);
		assert_int_equal(h.src, orig->src);
		assert_int_equal(h.dst, orig->dst);
		assert_int_equal(h.proto, orig->proto);
		assert_int_equal(h.ttl, orig->ttl);
		assert_int_equal(h.tos, orig->tos);
		assert_false(h.df);
		plen = h.tot_len - h.ihl;
		assert_true(h.frag_off >= orig->frag_off);
		/* Fragments come in order and tile the payload with no gap. */
		assert_int_equal(h.frag_off - orig->frag_off, end);
		if (i + 1 < n) {
			assert_true(h.mf);
			assert_int_equal(plen % 8, 0);
		} else {
			assert_int_equal(h.mf, orig->mf);
		}
		if (i == 0) {
			assert_int_equal(h.ihl, orig->ihl);
			assert_memory_equal(f + 20, pkt + 20, orig->ihl - 20u);
		} else {
			assert_int_equal(h.ihl, 20 + later_optlen);
			assert_memory_equal(f + 20, later_opts, later_optlen);
		}
		memcpy(whole + end, f + h.ihl, plen);
		end += plen;
	}
	return end;
}

static void
fill_payload(uint64_t seed)
{
	for (size_t i = 0; i < sizeof(pay); i++)
		pay[i] = (uint8_t)rnd(&seed);
}

static void
test_all_sizes_and_mtus(void **state)
{
	static const uint16_t mtus[] = { 576, 577, 583, 1000, 1280, 1374, 1390,
	    1406, 1422, 1438, 1446, 1499, 1500 };
	static uint8_t whole[4000];
	struct pkt_spec s = pkt_default();
	struct dp_ipv4_hdr h;
	size_t len, n, got;
	enum dp_frag_res r;

	fill_payload(11);
	s.payload = pay;
	s.tos = 0x28;
	s.ttl = 17;
	for (size_t m = 0; m < sizeof(mtus) / sizeof(mtus[0]); m++) {
		setup_bufs(mtus[m]);
		for (size_t size = 1; size <= 3000; size++) {
			s.paylen = size;
			len = pkt_build(pkt, &s);
			assert_int_equal(dp_ipv4_parse(pkt, len, 0, &h), DP_IPV4_OK);
			r = dp_ipv4_fragment(pkt, len, &h, mtus[m], bufs, NBUF, &n);
			if (len <= mtus[m]) {
				assert_int_equal(r, DP_FRAG_FITS);
				assert_int_equal(n, 0);
				continue;
			}
			assert_int_equal(r, DP_FRAG_DONE);
			assert_int_equal(n, dp_ipv4_frag_count(pkt, len, &h, mtus[m]));
			assert_true(n >= 2);
			memset(whole, 0, sizeof(whole));
			got = reassemble(n, mtus[m], &h, NULL, 0, whole);
			assert_int_equal(got, size);
			assert_memory_equal(whole, pay, size);
		}
	}
}

/* The arithmetic of one case, written out: 3000 bytes over 1500 -> 1480+1480+20. */
static void
test_known_split(void **state)
{
	struct pkt_spec s = pkt_default();
	struct dp_ipv4_hdr h;
	size_t len, n;

	s.payload = pay;
	s.paylen = 2980;
	len = pkt_build(pkt, &s);
	setup_bufs(1600);
	assert_int_equal(dp_ipv4_parse(pkt, len, 0, &h), DP_IPV4_OK);
	assert_int_equal(dp_ipv4_fragment(pkt, len, &h, 1500, bufs, NBUF, &n),
	    DP_FRAG_DONE);
	assert_int_equal(n, 3);
	assert_int_equal(bufs[0].len, 1500);
	assert_int_equal(rd16(store[0] + 6), 0x2000 | 0);
	assert_int_equal(bufs[1].len, 1500);
	assert_int_equal(rd16(store[1] + 6), 0x2000 | 185);
	assert_int_equal(bufs[2].len, 40);
	assert_int_equal(rd16(store[2] + 6), 370);
}

/* Options: copied ones (security 0x82, LSRR 0x83) repeat; record route does not. */
static void
test_options_copy_bit(void **state)
{
	static const uint8_t opts[] = {
		0x07, 7, 4, 0, 0, 0, 0,		/* record route, not copied */
		0x01,				/* NOP, not copied */
		0x83, 7, 4, 1, 2, 3, 4,		/* LSRR, copied */
		0x82, 4, 0xaa, 0xbb,		/* copied */
		0x00,				/* EOL */
	};
	static const uint8_t later[] = { 0x83, 7, 4, 1, 2, 3, 4, 0x82, 4, 0xaa,
	    0xbb, 0x00 };
	static uint8_t whole[4000];
	struct pkt_spec s = pkt_default();
	struct dp_ipv4_hdr h;
	size_t len, n;

	fill_payload(3);
	s.payload = pay;
	s.opts = opts;
	s.optlen = sizeof(opts);
	for (uint16_t mtu = 576; mtu <= 1500; mtu += 31) {
		setup_bufs(mtu);
		s.paylen = 2800;
		len = pkt_build(pkt, &s);
		assert_int_equal(dp_ipv4_parse(pkt, len, 0, &h), DP_IPV4_OK);
		assert_int_equal(h.ihl, 40);
		assert_int_equal(dp_ipv4_fragment(pkt, len, &h, mtu, bufs, NBUF, &n),
		    DP_FRAG_DONE);
		assert_int_equal(reassemble(n, mtu, &h, later, sizeof(later), whole),
		    2800);
		assert_memory_equal(whole, pay, 2800);
	}

	/* An option running past the header is malformed. */
	static const uint8_t bad[] = { 0x83, 9, 4, 1 };
	s.opts = bad;
	s.optlen = sizeof(bad);
	len = pkt_build(pkt, &s);
	assert_int_equal(dp_ipv4_parse(pkt, len, 0, &h), DP_IPV4_OK);
	assert_int_equal(dp_ipv4_fragment(pkt, len, &h, 1500, bufs, NBUF, &n),
	    DP_FRAG_BAD_OPTS);
	assert_int_equal(n, 0);
}

/* Already a fragment (offset 800, MF set or not): offsets continue, MF kept. */
static void
test_refragment(void **state)
{
	static uint8_t whole[4000];
	struct pkt_spec s = pkt_default();
	struct dp_ipv4_hdr h;
	size_t len, n;

	fill_payload(8);
	s.payload = pay;
	s.paylen = 1480;
	setup_bufs(1000);
	for (int mf = 0; mf <= 1; mf++) {
		s.frag = (uint16_t)((mf ? 0x2000 : 0) | 100);
		len = pkt_build(pkt, &s);
		assert_int_equal(dp_ipv4_parse(pkt, len, 0, &h), DP_IPV4_OK);
		assert_int_equal(dp_ipv4_fragment(pkt, len, &h, 576, bufs, NBUF, &n),
		    DP_FRAG_DONE);
		assert_int_equal(n, 3);
		assert_int_equal(rd16(store[0] + 6), 0x2000 | 100);
		assert_int_equal(rd16(store[1] + 6), 0x2000 | (100 + 69));
		assert_int_equal(rd16(store[2] + 6) & 0x2000, mf ? 0x2000 : 0);
		assert_int_equal(reassemble(n, 576, &h, NULL, 0, whole), 1480);
		assert_memory_equal(whole, pay, 1480);
	}
}

static void
test_df_and_errors(void **state)
{
	struct pkt_spec s = pkt_default();
	struct dp_ipv4_hdr h;
	size_t len, n = 99;

	s.payload = pay;
	s.paylen = 1600;
	s.frag = 0x4000;
	len = pkt_build(pkt, &s);
	setup_bufs(1600);
	bufs[0].len = 1234;
	assert_int_equal(dp_ipv4_parse(pkt, len, 0, &h), DP_IPV4_OK);
	assert_int_equal(dp_ipv4_fragment(pkt, len, &h, 1500, bufs, NBUF, &n),
	    DP_FRAG_NEEDS_ICMP);
	assert_int_equal(n, 0);
	assert_int_equal(bufs[0].len, 1234);
	/* DF with a packet that fits is simply sent. */
	assert_int_equal(dp_ipv4_fragment(pkt, len, &h, 1620, bufs, NBUF, &n),
	    DP_FRAG_FITS);

	s.frag = 0;
	len = pkt_build(pkt, &s);
	assert_int_equal(dp_ipv4_parse(pkt, len, 0, &h), DP_IPV4_OK);
	assert_int_equal(dp_ipv4_fragment(pkt, len, &h, 67, bufs, NBUF, &n),
	    DP_FRAG_BAD_MTU);
	assert_int_equal(dp_ipv4_fragment(pkt, len, &h, 1500, bufs, 1, &n),
	    DP_FRAG_NO_SPACE);
	assert_int_equal(n, 0);
	setup_bufs(1000);
	assert_int_equal(dp_ipv4_fragment(pkt, len, &h, 1500, bufs, NBUF, &n),
	    DP_FRAG_NO_SPACE);
	assert_int_equal(n, 0);
	/* MTU 68 works: 48-byte pieces. */
	setup_bufs(68);
	assert_int_equal(dp_ipv4_fragment(pkt, len, &h, 68, bufs, NBUF, &n),
	    DP_FRAG_DONE);
	assert_int_equal(n, 34);
	assert_int_equal(bufs[0].len, 68);
	assert_int_equal(bufs[33].len, 20 + 1600 - 33 * 48);
	assert_int_equal(dp_ipv4_frag_count(pkt, len, &h, 68), 34);
	assert_string_equal(dp_frag_res_name(DP_FRAG_NEEDS_ICMP), "needs_icmp");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_all_sizes_and_mtus),
		cmocka_unit_test(test_known_split),
		cmocka_unit_test(test_options_copy_bit),
		cmocka_unit_test(test_refragment),
		cmocka_unit_test(test_df_and_errors),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
