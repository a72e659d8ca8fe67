/*
 * bench_dp: per-operation cost of the forwarding-path packet functions (dp_csum,
 * dp_ipv4, dp_mss, dp_hash, dp_icmp, dp_frag) on one core; performance.md 1(a)
 * cites wireguard-go's unrolled checksum at 94 ns for 1500 B on an i5-12400.
 * Also SipHash-2-4 through EVP_MAC, measured to justify dp_hash's mixer.
 *
 * Prints ns/op, best of RUNS runs.  Usage: bench_dp [iterations per run]
 */
#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/params.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "dataplane/dp_csum.h"
#include "dataplane/dp_frag.h"
#include "dataplane/dp_hash.h"
#include "dataplane/dp_icmp.h"
#include "dataplane/dp_ipv4.h"
#include "dataplane/dp_mss.h"

static volatile uint64_t sink;

static uint64_t
now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static void
put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

/* A TCP SYN (MSS 1460) inside IPv4, both checksums correct. */
static size_t
make_syn(uint8_t *p)
{
	static const uint8_t opts[] = { 2, 4, 0x05, 0xb4, 1, 3, 3, 7, 4, 2, 0, 0 };
	size_t tl = 20 + sizeof(opts), len = 20 + tl;
	uint64_t acc;

	memset(p, 0, len);
	p[0] = 0x45;
	put16(p + 2, (uint16_t)len);
	put16(p + 4, 0x1234);
	p[8] = 64;
	p[9] = 6;
	put16(p + 12, 0x0a00);
	put16(p + 14, 0x0001);
	put16(p + 16, 0xc0a8);
	put16(p + 18, 0x0102);
	put16(p + 10, dp_csum(p, 20));
	put16(p + 20, 40000);
	put16(p + 22, 443);
	p[32] = (uint8_t)(tl / 4 << 4);
	p[33] = 0x02;
	put16(p + 34, 64240);
	memcpy(p + 40, opts, sizeof(opts));
	acc = dp_csum_pseudo(0x0a000001, 0xc0a80102, 6, (uint16_t)tl);
	put16(p + 36, dp_csum_finish(dp_csum_add(acc, p + 20, tl)));
	return len;
}

static size_t
make_udp(uint8_t *p, size_t len)
{
	for (size_t i = 0; i < len; i++)
		p[i] = (uint8_t)(i * 13);
	p[0] = 0x45;
	p[1] = 0;
	put16(p + 2, (uint16_t)len);
	put16(p + 6, 0);
	p[8] = 64;
	p[9] = 17;
	put16(p + 10, 0);
	put16(p + 12, 0x0a00);
	put16(p + 14, 0x0001);
	put16(p + 16, 0xc0a8);
	put16(p + 18, 0x0102);
	put16(p + 10, dp_csum(p, 20));
	return len;
}

/* Naive RFC 1071 loop, for the speed-up figure. */
static uint16_t
naive_csum(const uint8_t *p, size_t len)
{
	uint32_t s = 0;

	for (size_t i = 0; i + 1 < len; i += 2)
		s += (uint32_t)(p[i] << 8 | p[i + 1]);
	if (len % 2)
		s += (uint32_t)p[len - 1] << 8;
	while (s >> 16)
		s = (s & 0xffff) + (s >> 16);
	return (uint16_t)~s;
}

/*
 * Best of many short runs: the VM's two cores are shared, and a short run that
 * was not preempted shows the cost of the code rather than of the neighbours.
 */
#define RUNS	40
#define RING	256
#define BENCH(label, iters, body) do {					\
	double best = 1e30;						\
	for (int run = 0; run < RUNS; run++) {				\
		uint64_t t0 = now_ns();					\
		for (long it = 0; it < (iters); it++) {			\
			body;						\
		}							\
		double ns = (double)(now_ns() - t0) / (double)(iters);	\
		if (ns < best)						\
			best = ns;					\
	}								\
	printf("%-34s %9.2f ns/op\n", label, best);			\
} while (0)

int
main(int argc, char **argv)
{
	static uint8_t big[3000], syn[64], tmpl[64], icmp[600], fbuf[4][1600];
	static uint8_t ring[RING][64];
	static struct dp_ipv4_hdr rh[RING];
	struct dp_frag_buf fb[4];
	struct dp_ipv4_hdr h, hs, hb;
	struct dp_hash hash;
	struct dp_icmp_params ip = { .kind = DP_ICMP_K_FRAG_NEEDED,
	    .src = 0xac100001, .mtu = 1406 };
	EVP_MAC *mac;
	EVP_MAC_CTX *mctx;
	OSSL_PARAM mp[2];
	uint8_t key[16] = { 1, 2, 3 }, tuple[13] = { 0 }, out8[8];
	long n = argc > 1 ? atol(argv[1]) : 100000;
	size_t synlen, len, olen, nf;

	dp_hash_init(&hash, 0x9e3779b97f4a7c15ull);
	make_udp(big, sizeof(big));
	synlen = make_syn(tmpl);
	memcpy(syn, tmpl, synlen);
	make_udp(big, 1500);
	if (dp_ipv4_parse(big, 1500, 0, &h) != DP_IPV4_OK ||
	    dp_ipv4_parse(syn, synlen, 0, &hs) != DP_IPV4_OK) {
		fprintf(stderr, "bench packets do not parse\n");
		return 1;
	}
	for (int i = 0; i < 4; i++) {
		fb[i].p = fbuf[i];
		fb[i].cap = sizeof(fbuf[i]);
	}

	printf("bench_dp: %ld iterations per run, best of %d runs\n", n, RUNS);
	BENCH("dp_csum 20 B", n, sink += dp_csum(big + (it & 1), 20));
	BENCH("dp_csum 1500 B", n / 10, sink += dp_csum(big + (it & 1), 1500));
	BENCH("naive RFC 1071 csum 1500 B", n / 10,
	    sink += naive_csum(big + (it & 1), 1500));
	BENCH("dp_csum_update16", n,
	    sink += dp_csum_update16((uint16_t)it, (uint16_t)sink, 0x1234));
	BENCH("dp_ipv4_parse (csum check)", n,
	    sink += dp_ipv4_parse(big, 1500, 0, &hb));
	BENCH("dp_ipv4_parse (NOCSUM)", n,
	    sink += dp_ipv4_parse(big, 1500, DP_IPV4_F_NOCSUM, &hb));
	/*
	 * TTL over a ring of headers, as a forwarding loop sees them: hitting one
	 * header again at once would time a store-forwarding stall instead.
	 */
	for (int i = 0; i < RING; i++) {
		make_udp(ring[i], 64);
		ring[i][8] = 255;
		put16(ring[i] + 10, 0);
		put16(ring[i] + 10, dp_csum(ring[i], 20));
		dp_ipv4_parse(ring[i], 64, 0, &rh[i]);
	}
	BENCH("dp_ipv4_dec_ttl", n, {
		long k = it & (RING - 1);

		if (rh[k].ttl < 2) {
			ring[k][8] = 255;
			put16(ring[k] + 10, 0);
			put16(ring[k] + 10, dp_csum(ring[k], 20));
			rh[k].ttl = 255;
		}
		sink += dp_ipv4_dec_ttl(ring[k], 64, &rh[k]);
	});
	BENCH("dp_hash_tuple", n, sink += dp_hash_tuple(&hash, (uint32_t)it,
	    0xc0a80102, 6, (uint16_t)it, 443));
	BENCH("dp_hash_flow (TCP packet)", n, {
		syn[21] = (uint8_t)it;
		sink += dp_hash_flow(&hash, syn, synlen, &hs);
	});
	BENCH("memcpy 52 B (MSS baseline)", n, {
		memcpy(syn, tmpl, synlen);
		sink += syn[(it & 31)];
	});
	BENCH("dp_mss_clamp 1460->1406 + memcpy", n, {
		memcpy(syn, tmpl, synlen);
		sink += dp_mss_clamp(syn, synlen, &hs, 1406, 0);
	});
	BENCH("dp_mss_clamp (non-SYN path)", n, {
		sink += dp_mss_clamp(big, 1500, &h, 1406, 0);
	});
	make_udp(big, 1500);
	dp_ipv4_parse(big, 1500, 0, &h);
	BENCH("dp_icmp_error frag-needed (576 B)", n / 10,
	    sink += dp_icmp_error(icmp, sizeof(icmp), &olen, big, 1500, &h, &ip));
	len = make_udp(big, 3000);
	dp_ipv4_parse(big, len, 0, &hb);
	BENCH("dp_ipv4_fragment 3000 B -> 1438", n / 10,
	    sink += dp_ipv4_fragment(big, len, &hb, 1438, fb, 4, &nf));

	/* SipHash-2-4 of a 13-byte 5-tuple through EVP_MAC, re-keyed per call. */
	mac = EVP_MAC_fetch(NULL, "SIPHASH", NULL);
	mctx = mac ? EVP_MAC_CTX_new(mac) : NULL;
	if (mctx != NULL) {
		size_t sz = 8;

		mp[0] = OSSL_PARAM_construct_size_t(OSSL_MAC_PARAM_SIZE, &sz);
		mp[1] = OSSL_PARAM_construct_end();
		BENCH("EVP_MAC SipHash-2-4 13 B", n / 10, {
			tuple[0] = (uint8_t)it;
			if (EVP_MAC_init(mctx, key, sizeof(key), mp) != 1 ||
			    EVP_MAC_update(mctx, tuple, sizeof(tuple)) != 1 ||
			    EVP_MAC_final(mctx, out8, &olen, sizeof(out8)) != 1)
				return 1;
			sink += out8[0];
		});
		EVP_MAC_CTX_free(mctx);
	}
	EVP_MAC_free(mac);
	return 0;
}
