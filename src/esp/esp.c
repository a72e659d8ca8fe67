/*
 * esp: tunnel-mode encap/decap over caller-owned buffers (see esp.h).  RFC 4303
 * sec 3.3 (outbound), 3.4 (inbound), 2.4-2.6 (padding, next header, dummy
 * packets); RFC 4301 sec 5.2 (inner selector check); RFC 3948 sec 2 (UDP 4500).
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "common/buf.h"
#include "esp/esp.h"
#include "esp/esp_wire.h"

static size_t
align_of(const struct esp_sa *sa)
{
	return sa->xf.info->block > ESP_MIN_ALIGN ? sa->xf.info->block :
	    ESP_MIN_ALIGN;
}

size_t
esp_encap_headroom(const struct esp_sa *sa)
{
	return ESP_HDR_LEN + ESP_MAX_IV_LEN;
}

size_t
esp_encap_tailroom(const struct esp_sa *sa)
{
	return (align_of(sa) - 1) + ESP_TRAILER_LEN + ESP_MAX_ICV_LEN;
}

static bool
hard_hit(const struct esp_sa *sa)
{
	return (sa->hard.packets != 0 && sa->stats.packets >= sa->hard.packets) ||
	    (sa->hard.bytes != 0 && sa->stats.bytes >= sa->hard.bytes);
}

static enum esp_drop
drop(struct esp_sa *sa, enum esp_drop why)
{
	sa->stats.drops[why]++;
	return why;
}

/*
 * Inner IP header: version, addresses and the length it claims.  *total is the
 * packet's own length, which may be shorter than what was carried (TFC padding).
 */
static int
inner_parse(const uint8_t *p, size_t len, struct ipaddr *src, struct ipaddr *dst,
    size_t *total)
{
	struct buf_reader r;
	uint8_t vihl, v;
	uint16_t tot;
	uint32_t vtf;

	buf_reader_init(&r, p, len);
	if (buf_peek_u8(&r, &v) == -1)
		return -1;
	memset(src, 0, sizeof(*src));
	memset(dst, 0, sizeof(*dst));
	if (v >> 4 == 4) {
		buf_get_u8(&r, &vihl);
		buf_skip(&r, 1);
		buf_get_u16(&r, &tot);
		buf_skip(&r, 8);
		src->family = dst->family = PFX_V4;
		buf_get_bytes(&r, src->addr, 4);
		buf_get_bytes(&r, dst->addr, 4);
		if (!buf_ok(&r) || (vihl & 0x0f) * 4u < ESP_IPV4_HDR_MIN ||
		    tot < (vihl & 0x0f) * 4u || tot > len)
			return -1;
		*total = tot;
		return 0;
	}
	if (v >> 4 == 6) {
		buf_get_u32(&r, &vtf);
		buf_get_u16(&r, &tot);
		buf_skip(&r, 2);
		src->family = dst->family = PFX_V6;
		buf_get_bytes(&r, src->addr, 16);
		buf_get_bytes(&r, dst->addr, 16);
		if (!buf_ok(&r) || (size_t)tot + ESP_IPV6_HDR_LEN > len)
			return -1;
		*total = (size_t)tot + ESP_IPV6_HDR_LEN;
		return 0;
	}
	return -1;
}

enum esp_drop
esp_encap(struct esp_sa *sa, struct esp_pkt *pkt)
{
	const struct esp_xform_info *xi;
	struct ipaddr src, dst;
	struct buf_writer w;
	uint8_t iv[ESP_MAX_IV_LEN], nh;
	size_t inner, pad, plen, hlen, total, i;
	uint8_t *esp;

	if (sa->dir != ESP_DIR_OUT || sa->dead || sa->xf.cipher == NULL)
		return drop(sa, ESP_DROP_DEAD);
	if (hard_hit(sa)) {
		sa->dead = true;	/* the next expiry scan wipes and reports */
		return drop(sa, ESP_DROP_DEAD);
	}
	xi = sa->xf.info;
	inner = pkt->len;
	if (pkt->head > pkt->cap || pkt->len > pkt->cap - pkt->head)
		return drop(sa, ESP_DROP_NOROOM);
	if (inner_parse(pkt->buf + pkt->head, inner, &src, &dst, &total) == -1)
		return drop(sa, ESP_DROP_INNER);
	/* Outbound, the inner source is ours and the destination the peer's. */
	if (!esp_sa_ts_match(sa, &src, &dst))
		return drop(sa, ESP_DROP_SELECTOR);
	nh = src.family == PFX_V4 ? ESP_NH_IPV4 : ESP_NH_IPV6;

	/* RFC 4303 sec 2.4: pad so the payload fills whole blocks, 4-aligned. */
	pad = (align_of(sa) - (inner + ESP_TRAILER_LEN) % align_of(sa)) %
	    align_of(sa);
	plen = inner + pad + ESP_TRAILER_LEN;
	hlen = ESP_HDR_LEN + xi->iv_len;
	if (pkt->head < hlen || pkt->cap - pkt->head - inner <
	    pad + ESP_TRAILER_LEN + xi->icv_len)
		return drop(sa, ESP_DROP_NOROOM);

	/* RFC 4303 sec 3.3.3: never let the counter cycle; rekey instead. */
	if (sa->seq >= esp_sa_seq_max(sa)) {
		sa->dead = true;
		return drop(sa, ESP_DROP_SEQ_CYCLE);
	}
	if (esp_xform_next_iv(&sa->xf, iv) == -1)
		return drop(sa, ESP_DROP_CRYPTO);
	sa->seq++;

	esp = pkt->buf + pkt->head - hlen;
	buf_writer_init(&w, esp, hlen);
	buf_put_u32(&w, sa->spi);
	buf_put_u32(&w, (uint32_t)sa->seq);
	buf_put_bytes(&w, iv, xi->iv_len);
	if (!buf_wok(&w))
		return drop(sa, ESP_DROP_NOROOM);
	buf_writer_init(&w, pkt->buf + pkt->head + inner, pad + ESP_TRAILER_LEN);
	for (i = 1; i <= pad; i++)
		buf_put_u8(&w, (uint8_t)i);
	buf_put_u8(&w, (uint8_t)pad);
	buf_put_u8(&w, nh);
	if (!buf_wok(&w))
		return drop(sa, ESP_DROP_NOROOM);

	if (esp_xform_seal(&sa->xf, esp, sa->esn, (uint32_t)(sa->seq >> 32),
	    esp + ESP_HDR_LEN, pkt->buf + pkt->head, plen,
	    pkt->buf + pkt->head + plen) == -1)
		return drop(sa, ESP_DROP_CRYPTO);
	pkt->head -= hlen;
	pkt->len = hlen + plen + xi->icv_len;
	sa->stats.packets++;
	sa->stats.bytes += inner;
	return ESP_DROP_NONE;
}

static enum esp_drop
say(char *why, size_t whylen, enum esp_drop d, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));


static enum esp_drop
say(char *why, size_t whylen, enum esp_drop d, const char *fmt, ...)
{
	va_list ap;

	if (why != NULL && whylen > 0) {
		va_start(ap, fmt);
		vsnprintf(why, whylen, fmt, ap);
		va_end(ap);
	}
	return d;
}

/* RFC 4303 sec 2.4: padding bytes are 1, 2, 3, ... and must be checked. */
static int
check_trailer(const uint8_t *p, size_t plen, uint8_t *padlen, uint8_t *nh)
{
	struct buf_reader r;
	uint8_t b, i;

	buf_reader_init(&r, p, plen);
	if (buf_skip(&r, plen - ESP_TRAILER_LEN) == -1 ||
	    buf_get_u8(&r, padlen) == -1 || buf_get_u8(&r, nh) == -1)
		return -1;
	if (*padlen > plen - ESP_TRAILER_LEN)
		return -1;
	buf_reader_init(&r, p, plen);
	buf_skip(&r, plen - ESP_TRAILER_LEN - *padlen);
	for (i = 1; i <= *padlen; i++) {
		if (buf_get_u8(&r, &b) == -1 || b != i)
			return -1;
		if (i == UINT8_MAX)
			break;
	}
	return 0;
}

enum esp_drop
esp_decap(struct esp_sadb *db, struct esp_pkt *pkt, struct esp_sa **sap,
    char *why, size_t whylen)
{
	const struct esp_xform_info *xi;
	struct buf_reader r, h;
	const uint8_t *hdr, *iv, *icv;
	struct ipaddr src, dst;
	enum esp_replay_verdict v;
	struct esp_sa *sa;
	uint32_t spi, seq;
	uint64_t seq64;
	size_t left, plen, minp, total;
	uint8_t *payload, padlen, nh;

	*sap = NULL;
	if (pkt->head > pkt->cap || pkt->len > pkt->cap - pkt->head) {
		db->stats.short_pkt++;
		return say(why, whylen, ESP_DROP_LEN, "packet outside its buffer");
	}
	buf_reader_init(&r, pkt->buf + pkt->head, pkt->len);
	if (buf_get_ptr(&r, &hdr, ESP_HDR_LEN) == -1) {
		db->stats.short_pkt++;
		return say(why, whylen, ESP_DROP_LEN, "len %zu < %d", pkt->len,
		    ESP_HDR_LEN);
	}
	/* hdr stays borrowed: it is the AAD / ICV input as received. */
	buf_reader_init(&h, hdr, ESP_HDR_LEN);
	buf_get_u32(&h, &spi);
	buf_get_u32(&h, &seq);
	if ((sa = esp_sadb_lookup(db, ESP_DIR_IN, spi)) == NULL) {
		db->stats.unknown_spi++;
		return say(why, whylen, ESP_DROP_UNKNOWN_SPI,
		    "unknown SPI 0x%08x", spi);
	}
	*sap = sa;
	if (sa->dead || sa->xf.cipher == NULL)
		return say(why, whylen, drop(sa, ESP_DROP_DEAD),
		    "SA 0x%08x expired", spi);
	if (hard_hit(sa)) {
		sa->dead = true;
		return say(why, whylen, drop(sa, ESP_DROP_DEAD),
		    "SA 0x%08x hit its hard limit", spi);
	}

	/* Validate the lengths for this transform before any crypto. */
	xi = sa->xf.info;
	left = buf_left(&r);
	minp = align_of(sa);
	if (left < (size_t)xi->iv_len + minp + xi->icv_len)
		return say(why, whylen, drop(sa, ESP_DROP_LEN), "len %zu < %zu",
		    pkt->len, ESP_HDR_LEN + xi->iv_len + minp + xi->icv_len);
	plen = left - xi->iv_len - xi->icv_len;
	if (plen % minp != 0)
		return say(why, whylen, drop(sa, ESP_DROP_LEN),
		    "payload %zu not a multiple of %zu", plen, minp);
	buf_get_ptr(&r, &iv, xi->iv_len);
	buf_skip(&r, plen);
	buf_get_ptr(&r, &icv, xi->icv_len);
	if (!buf_ok(&r) || buf_left(&r) != 0)
		return say(why, whylen, drop(sa, ESP_DROP_LEN), "bad length %zu",
		    pkt->len);
	/* The cursor proved these bytes exist; decryption needs them writable. */
	payload = pkt->buf + pkt->head + ESP_HDR_LEN + xi->iv_len;

	/* RFC 4303 sec 3.4.3: replay pre-check before the ICV. */
	if ((v = esp_replay_check(&sa->replay, seq, &seq64)) != ESP_REPLAY_OK)
		return say(why, whylen, drop(sa, ESP_DROP_REPLAY),
		    "seq %u %s (top %llu)", seq,
		    v == ESP_REPLAY_DUP ? "replayed" : "left of the window",
		    (unsigned long long)sa->replay.top);
	if (esp_xform_open(&sa->xf, hdr, sa->esn, (uint32_t)(seq64 >> 32), iv,
	    payload, plen, icv) == -1)
		return say(why, whylen, drop(sa, ESP_DROP_AUTH),
		    "ICV mismatch, SPI 0x%08x seq %llu", spi,
		    (unsigned long long)seq64);
	/* Authenticated: only now may the window move. */
	esp_replay_update(&sa->replay, seq64);

	if (check_trailer(payload, plen, &padlen, &nh) == -1)
		return say(why, whylen, drop(sa, ESP_DROP_PAD), "bad padding");
	plen -= (size_t)padlen + ESP_TRAILER_LEN;
	if (nh == ESP_NH_NONE)
		return say(why, whylen, drop(sa, ESP_DROP_DUMMY), "dummy packet");
	if (nh != ESP_NH_IPV4 && nh != ESP_NH_IPV6)
		return say(why, whylen, drop(sa, ESP_DROP_NEXT_HDR),
		    "next header %u", nh);
	if (inner_parse(payload, plen, &src, &dst, &total) == -1 ||
	    (nh == ESP_NH_IPV4) != (src.family == PFX_V4))
		return say(why, whylen, drop(sa, ESP_DROP_INNER),
		    "malformed inner packet (%zu bytes)", plen);
	/* RFC 4301 sec 5.2: inbound, the source is the peer's, dst ours. */
	if (!esp_sa_ts_match(sa, &dst, &src))
		return say(why, whylen, drop(sa, ESP_DROP_SELECTOR),
		    "inner addresses outside SA 0x%08x selectors", spi);
	pkt->head += ESP_HDR_LEN + xi->iv_len;
	pkt->len = total;
	sa->stats.packets++;
	sa->stats.bytes += total;
	return ESP_DROP_NONE;
}

enum esp_udp_kind
esp_udp_classify(const uint8_t *p, size_t len)
{
	struct buf_reader r;
	uint32_t marker;
	uint8_t b;

	buf_reader_init(&r, p, len);
	if (len == 1 && buf_get_u8(&r, &b) == 0 && b == ESP_UDP_KEEPALIVE_BYTE)
		return ESP_UDP_KEEPALIVE;
	if (buf_get_u32(&r, &marker) == -1)
		return ESP_UDP_INVALID;
	if (marker == 0)
		return ESP_UDP_IKE;
	return len >= ESP_HDR_LEN ? ESP_UDP_ESP : ESP_UDP_INVALID;
}
