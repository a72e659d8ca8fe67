/*
 * Fuzz harness for the forwarding-path packet functions (dp_ipv4, dp_icmp, dp_frag,
 * dp_mss, dp_hash): arbitrary bytes through parse, TTL decrement, DF clearing, ICMP
 * error build, MSS clamp and fragmentation, each into exactly-sized heap buffers so
 * ASan sees any byte out of bounds.  Also checks the outputs' own invariants (they
 * parse, their checksums verify, fragments fit).
 *
 * Input: u16 mtu, u16 mss clamp, u16 icmp buffer size, then the packet.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "dataplane/dp_csum.h"
#include "dataplane/dp_frag.h"
#include "dataplane/dp_hash.h"
#include "dataplane/dp_icmp.h"
#include "dataplane/dp_ipv4.h"
#include "dataplane/dp_mss.h"
#include "dataplane/dp_ratelimit.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

#define NFRAG	48

static uint8_t *
dup(const uint8_t *p, size_t n)
{
	uint8_t *q = malloc(n ? n : 1);

	if (q == NULL)
		abort();
	if (n)
		memcpy(q, p, n);
	return q;
}

static void
check(int ok)
{
	if (!ok)
		abort();
}

static void
try_icmp(const uint8_t *pkt, size_t len, const struct dp_ipv4_hdr *h, size_t cap)
{
	struct dp_icmp_params p = { .kind = (enum dp_icmp_kind)(cap % DP_ICMP_K_MAX),
	    .src = 0x0a000001, .mtu = 1400 };
	struct dp_ipv4_hdr eh;
	uint8_t *out = malloc(cap ? cap : 1);
	size_t olen;

	if (out == NULL)
		abort();
	if (dp_icmp_error(out, cap, &olen, pkt, len, h, &p) == DP_ICMP_BUILT) {
		check(olen <= cap && olen <= DP_ICMP_ERR_MAX);
		check(dp_ipv4_parse(out, olen, 0, &eh) == DP_IPV4_OK);
		check(dp_csum(out + 20, olen - 20) == 0);
	}
	free(out);
}

static void
try_frag(const uint8_t *pkt, size_t len, const struct dp_ipv4_hdr *h,
    uint16_t mtu)
{
	struct dp_frag_buf fb[NFRAG];
	struct dp_ipv4_hdr fh;
	size_t n, total = 0, cap = (size_t)(mtu % 1600) + 1;

	for (size_t i = 0; i < NFRAG; i++) {
		fb[i].p = malloc(cap);
		fb[i].cap = cap;
		fb[i].len = 0;
		if (fb[i].p == NULL)
			abort();
	}
	if (dp_ipv4_fragment(pkt, len, h, mtu, fb, NFRAG, &n) == DP_FRAG_DONE) {
		check(n >= 2 && n <= NFRAG);
		for (size_t i = 0; i < n; i++) {
			check(fb[i].len <= mtu && fb[i].len <= cap);
			check(dp_ipv4_parse(fb[i].p, fb[i].len, 0, &fh) == DP_IPV4_OK);
			check(fh.frag_off == h->frag_off + total);
			check(i + 1 == n || (fh.mf && (fh.tot_len - fh.ihl) % 8 == 0));
			total += fh.tot_len - fh.ihl;
		}
		check(total == (size_t)h->tot_len - h->ihl);
	}
	for (size_t i = 0; i < NFRAG; i++)
		free(fb[i].p);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct dp_ipv4_hdr h, h2;
	struct dp_hash hs = { .seed = 1 };
	uint16_t mtu, clamp, icap;
	uint8_t *pkt;
	size_t len;
	enum dp_ipv4_err e;

	if (size < 6)
		return 0;
	mtu = (uint16_t)(data[0] << 8 | data[1]);
	clamp = (uint16_t)(data[2] << 8 | data[3]);
	icap = (uint16_t)((data[4] << 8 | data[5]) % 700);
	len = size - 6;
	pkt = dup(data + 6, len);

	(void)dp_csum(pkt, len);
	e = dp_ipv4_parse(pkt, len, 0, &h);
	check(dp_ipv4_err_name(e) != NULL);
	if (dp_ipv4_parse(pkt, len, DP_IPV4_F_NOCSUM, &h) != DP_IPV4_OK)
		goto out;

	(void)dp_hash_flow(&hs, pkt, len, &h);
	try_icmp(pkt, len, &h, icap);
	try_frag(pkt, len, &h, mtu);

	/* MSS clamp then TTL decrement on the same (mutable) copy. */
	if (dp_mss_clamp(pkt, len, &h, clamp, 0) == DP_MSS_CLAMPED)
		check(dp_ipv4_parse(pkt, len, DP_IPV4_F_NOCSUM, &h2) == DP_IPV4_OK);
	if (dp_ipv4_dec_ttl(pkt, len, &h) == DP_TTL_FORWARD && e == DP_IPV4_OK)
		check(dp_ipv4_parse(pkt, len, 0, &h2) == DP_IPV4_OK &&
		    h2.ttl == h.ttl);
	if (dp_ipv4_clear_df(pkt, len, &h) == 1 && e == DP_IPV4_OK)
		check(dp_ipv4_parse(pkt, len, 0, &h2) == DP_IPV4_OK && !h2.df);
out:
	free(pkt);
	return 0;
}
