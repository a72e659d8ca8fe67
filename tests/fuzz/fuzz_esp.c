/*
 * libFuzzer harness: bytes off the wire into esp_decap against an SADB holding a
 * GCM and a CBC inbound SA (reliability.md sec 6.1).  Two modes, chosen by the
 * first byte:
 *   even: the rest is a raw ESP packet.  A packet whose SPI is not installed must
 *         be dropped before crypto: the auth-failure counters must not move.
 *   odd:  the rest is an ESP payload sealed with the SA's own keys, so the code
 *         behind the ICV (padding, next header, inner header, selectors) sees
 *         arbitrary authenticated plaintext.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "esp/esp.h"

#define HEAD	64
#define CAP	(HEAD + 70000)

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static const uint8_t keymat[ESP_MAX_KEYMAT_LEN] = {
	0x10, 0x21, 0x32, 0x43, 0x54, 0x65, 0x76, 0x87, 0x98, 0xa9, 0xba, 0xcb,
	0xdc, 0xed, 0xfe, 0x0f, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88,
};

static struct esp_sa *
install(struct esp_sadb *db, uint32_t spi, enum esp_dir dir, enum esp_xform_id xf)
{
	static struct prefix a, b;
	struct esp_sa_params p;
	char err[128];

	prefix_from_v4(&a, 0x0a010000, 16);
	prefix_from_v4(&b, 0x0a020000, 16);
	memset(&p, 0, sizeof(p));
	p.spi = spi;
	p.dir = dir;
	p.xform = xf;
	p.keymat = keymat;
	p.keymat_len = esp_xform_keymat_len(xf);
	p.replay_window = 128;
	p.ts_local = dir == ESP_DIR_IN ? &a : &b;
	p.ts_remote = dir == ESP_DIR_IN ? &b : &a;
	p.n_local = p.n_remote = 1;
	return esp_sadb_install(db, &p, err, sizeof(err));
}

static void
be32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static uint8_t buf[CAP];
	struct esp_sadb *db;
	struct esp_sa *gcm, *cbc, *out, *got;
	struct esp_pkt pkt;
	enum esp_drop d;
	uint64_t auth_before;
	size_t plen, n;
	uint32_t spi;
	char why[128];

	if (size < 1 || size - 1 > CAP - HEAD)
		return 0;
	if ((db = esp_sadb_new()) == NULL)
		abort();
	gcm = install(db, 0x1000, ESP_DIR_IN, ESP_XF_AES128_GCM16);
	cbc = install(db, 0x1001, ESP_DIR_IN, ESP_XF_AES256_CBC_SHA256);
	if (gcm == NULL || cbc == NULL)
		abort();

	if ((data[0] & 1) == 0) {
		memcpy(buf + HEAD, data + 1, size - 1);
		pkt = (struct esp_pkt){ buf, HEAD, size - 1, CAP };
		auth_before = gcm->stats.drops[ESP_DROP_AUTH] +
		    cbc->stats.drops[ESP_DROP_AUTH];
		d = esp_decap(db, &pkt, &got, why, sizeof(why));
		spi = size - 1 >= 4 ? (uint32_t)data[1] << 24 |
		    (uint32_t)data[2] << 16 | (uint32_t)data[3] << 8 | data[4] : 0;
		if (spi != 0x1000 && spi != 0x1001) {
			if (d != ESP_DROP_UNKNOWN_SPI && d != ESP_DROP_LEN)
				abort();
			if (gcm->stats.drops[ESP_DROP_AUTH] +
			    cbc->stats.drops[ESP_DROP_AUTH] != auth_before)
				abort();	/* an unknown SPI reached crypto */
		}
		/* Nobody forges an ICV by chance. */
		if (d == ESP_DROP_NONE)
			abort();
	} else {
		/* Authenticated garbage: seal data[1..] as the payload. */
		enum esp_xform_id xf = (data[0] & 2) ? ESP_XF_AES256_CBC_SHA256 :
		    ESP_XF_AES128_GCM16;
		uint32_t s = (data[0] & 2) ? 0x1001 : 0x1000;
		const struct esp_xform_info *xi = esp_xform_info(xf);

		if ((out = install(db, s, ESP_DIR_OUT, xf)) == NULL)
			abort();
		plen = (size - 1) & ~(size_t)(ESP_AES_BLOCK - 1);
		if (plen == 0 || HEAD + 8 + 16 + plen + 16 > CAP)
			goto done;
		be32(buf + HEAD, s);
		be32(buf + HEAD + 4, 1);
		if (esp_xform_next_iv(&out->xf, buf + HEAD + 8) == -1)
			abort();
		memcpy(buf + HEAD + 8 + xi->iv_len, data + 1, plen);
		if (esp_xform_seal(&out->xf, buf + HEAD, false, 0, buf + HEAD + 8,
		    buf + HEAD + 8 + xi->iv_len, plen,
		    buf + HEAD + 8 + xi->iv_len + plen) == -1)
			abort();
		n = 8 + xi->iv_len + plen + xi->icv_len;
		pkt = (struct esp_pkt){ buf, HEAD, n, CAP };
		d = esp_decap(db, &pkt, &got, why, sizeof(why));
		if (d == ESP_DROP_AUTH || d == ESP_DROP_UNKNOWN_SPI ||
		    d == ESP_DROP_LEN || d == ESP_DROP_REPLAY)
			abort();	/* it was well-formed and authentic */
		if (d == ESP_DROP_NONE && (pkt.head < HEAD ||
		    pkt.head + pkt.len > HEAD + n))
			abort();
	}
 done:
	esp_sadb_free(db);
	return 0;
}
