/*
 * dp_frag: IPv4 fragmentation (RFC 791 section 3.2, "Fragmentation and reassembly"
 * procedure) before encryption (RFC 4459 section 5.1).  See dp_frag.h.
 */
#include "common/buf.h"
#include "dataplane/dp_csum.h"
#include "dataplane/dp_frag.h"

#define OPT_EOL		0
#define OPT_NOP		1
#define OPT_COPY	0x80	/* RFC 791 3.1: copy into all fragments */

static const char *const res_names[] = {
	[DP_FRAG_FITS] = "fits",
	[DP_FRAG_DONE] = "done",
	[DP_FRAG_NEEDS_ICMP] = "needs_icmp",
	[DP_FRAG_NO_SPACE] = "no_space",
	[DP_FRAG_BAD_MTU] = "bad_mtu",
	[DP_FRAG_BAD_OPTS] = "bad_opts",
	[DP_FRAG_BAD_ARG] = "bad_arg",
};

/* What the split looks like, decided before anything is written. */
struct plan {
	const uint8_t	*first_opts;	/* the original options, h->ihl - 20 bytes */
	const uint8_t	*data;		/* its payload */
	size_t		 payload;
	uint8_t		 opts[DP_IPV4_HDR_MAX - DP_IPV4_HDR_MIN];
	size_t		 later_ihl;	/* header length of fragments 2..n */
	size_t		 first_chunk;	/* payload bytes per fragment, multiples of 8 */
	size_t		 later_chunk;
	size_t		 count;
};

const char *
dp_frag_res_name(enum dp_frag_res r)
{
	if ((unsigned)r >= sizeof(res_names) / sizeof(res_names[0]))
		return "unknown";
	return res_names[r];
}

/*
 * Collect the options with the copy bit for fragments after the first, padded with
 * EOL to a 4-byte boundary.  NOP and EOL are not copied; option lengths must be
 * sane or the datagram is malformed (RFC 791 3.1, RFC 1812 5.2.2).
 */
static int
copied_options(struct buf_reader *r, struct plan *pl)
{
	size_t n = 0;
	uint8_t type, olen;

	while (buf_left(r) > 0) {
		buf_get_u8(r, &type);
		if (type == OPT_EOL)
			break;
		if (type == OPT_NOP)
			continue;
		if (buf_get_u8(r, &olen) == -1 || olen < 2 ||
		    olen - 2u > buf_left(r))
			return -1;
		if (!(type & OPT_COPY)) {
			buf_skip(r, olen - 2u);
			continue;
		}
		/* The copied set is a subset of the original, so it fits. */
		pl->opts[n++] = type;
		pl->opts[n++] = olen;
		buf_get_bytes(r, &pl->opts[n], olen - 2u);
		n += olen - 2u;
	}
	while (n % 4 != 0)
		pl->opts[n++] = OPT_EOL;
	pl->later_ihl = DP_IPV4_HDR_MIN + n;
	return 0;
}

static enum dp_frag_res
make_plan(const uint8_t *pkt, size_t len, const struct dp_ipv4_hdr *h,
    uint16_t mtu, struct plan *pl)
{
	struct buf_reader r, opts;

	if (h->tot_len > len || h->ihl < DP_IPV4_HDR_MIN ||
	    h->ihl > DP_IPV4_HDR_MAX || h->ihl > h->tot_len || h->ihl % 4 != 0)
		return DP_FRAG_BAD_ARG;
	if (mtu < DP_IPV4_MIN_MTU)
		return DP_FRAG_BAD_MTU;
	if (h->tot_len <= mtu)
		return DP_FRAG_FITS;
	if (h->df)
		return DP_FRAG_NEEDS_ICMP;

	pl->payload = h->tot_len - h->ihl;
	if (h->frag_off + pl->payload > DP_IPV4_MAX_LEN)
		return DP_FRAG_BAD_ARG;
	buf_reader_init(&r, pkt, h->tot_len);
	buf_skip(&r, DP_IPV4_HDR_MIN);
	buf_get_ptr(&r, &pl->first_opts, h->ihl - DP_IPV4_HDR_MIN);
	buf_get_ptr(&r, &pl->data, pl->payload);
	if (!buf_ok(&r))
		return DP_FRAG_BAD_ARG;
	buf_reader_init(&opts, pl->first_opts, h->ihl - DP_IPV4_HDR_MIN);
	if (copied_options(&opts, pl) == -1)
		return DP_FRAG_BAD_OPTS;

	/* 1. Payload per fragment: what fits under the MTU, rounded down to 8. */
	pl->first_chunk = (size_t)(mtu - h->ihl) & ~(size_t)7;
	pl->later_chunk = (size_t)(mtu - pl->later_ihl) & ~(size_t)7;
	if (pl->first_chunk < 8 || pl->later_chunk < 8)
		return DP_FRAG_BAD_MTU;
	/* tot_len > mtu, so the payload is more than the first chunk. */
	pl->count = 1 + (pl->payload - pl->first_chunk + pl->later_chunk - 1) /
	    pl->later_chunk;
	return DP_FRAG_DONE;
}

size_t
dp_ipv4_frag_count(const uint8_t *pkt, size_t len, const struct dp_ipv4_hdr *h,
    uint16_t mtu)
{
	struct plan pl;

	if (make_plan(pkt, len, h, mtu, &pl) != DP_FRAG_DONE)
		return 0;
	return pl.count;
}

static int
write_frag(struct dp_frag_buf *fb, const struct dp_ipv4_hdr *h,
    const uint8_t *opts, size_t ihl, const uint8_t *data, size_t off,
    size_t n, bool more)
{
	struct buf_writer w;
	uint16_t frag;

	/* 2. Offsets continue the input's own; MF on all but the input's last. */
	frag = (uint16_t)((h->frag_off + off) / 8);
	if (more)
		frag |= DP_IPV4_FLAG_MF;
	buf_writer_init(&w, fb->p, fb->cap);
	buf_put_u8(&w, (uint8_t)(0x40 | ihl / 4));
	buf_put_u8(&w, h->tos);
	buf_put_u16(&w, (uint16_t)(ihl + n));
	buf_put_u16(&w, h->id);
	buf_put_u16(&w, frag);
	buf_put_u8(&w, h->ttl);
	buf_put_u8(&w, h->proto);
	buf_put_u16(&w, 0);
	buf_put_u32(&w, h->src);
	buf_put_u32(&w, h->dst);
	buf_put_bytes(&w, opts, ihl - DP_IPV4_HDR_MIN);
	buf_put_bytes(&w, data, n);
	if (!buf_wok(&w))
		return -1;
	buf_patch_u16(&w, DP_IPV4_OFF_CSUM, dp_csum(fb->p, ihl));
	fb->len = w.len;
	return 0;
}

enum dp_frag_res
dp_ipv4_fragment(const uint8_t *pkt, size_t len, const struct dp_ipv4_hdr *h,
    uint16_t mtu, struct dp_frag_buf *out, size_t nout, size_t *nfrags)
{
	struct plan pl;
	struct buf_reader r;
	enum dp_frag_res res;
	const uint8_t *chunk;
	size_t off = 0, n;

	*nfrags = 0;
	if ((res = make_plan(pkt, len, h, mtu, &pl)) != DP_FRAG_DONE)
		return res;
	if (pl.count > nout)
		return DP_FRAG_NO_SPACE;

	buf_reader_init(&r, pl.data, pl.payload);
	for (size_t i = 0; i < pl.count; i++) {
		const uint8_t *opts = i == 0 ? pl.first_opts : pl.opts;
		size_t ihl = i == 0 ? h->ihl : pl.later_ihl;
		size_t chunk_max = i == 0 ? pl.first_chunk : pl.later_chunk;
		bool last;

		n = buf_left(&r) < chunk_max ? buf_left(&r) : chunk_max;
		last = n == buf_left(&r);
		if (buf_get_ptr(&r, &chunk, n) == -1 ||
		    write_frag(&out[i], h, opts, ihl, chunk, off, n,
		    !last || h->mf) == -1)
			return DP_FRAG_NO_SPACE;
		off += n;
	}
	*nfrags = pl.count;
	return DP_FRAG_DONE;
}
