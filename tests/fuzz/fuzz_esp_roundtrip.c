/*
 * libFuzzer harness: the input (after a selector byte) becomes the payload of an
 * inner IPv4 packet; encap with an outbound SA, decap with its inbound twin, and
 * the inner packet must come back byte for byte (every transform, ESN on/off).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "esp/esp.h"

#define HEAD	64
#define MAXIN	1500

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static uint8_t buf[HEAD + MAXIN + 64], orig[MAXIN];
	static struct prefix a, b;
	uint8_t keymat[ESP_MAX_KEYMAT_LEN];
	struct esp_sa_params p;
	struct esp_sadb *db;
	struct esp_sa *out, *in, *got;
	struct esp_pkt pkt;
	enum esp_xform_id xf;
	size_t len, i;
	char err[128];

	if (size < 1)
		return 0;
	xf = (enum esp_xform_id)(data[0] % ESP_XF_COUNT);
	len = 20 + (size - 1 > MAXIN - 20 ? MAXIN - 20 : size - 1);
	for (i = 0; i < sizeof(keymat); i++)
		keymat[i] = (uint8_t)(i * 13 + data[0]);
	prefix_from_v4(&a, 0x0a010000, 16);
	prefix_from_v4(&b, 0x0a020000, 16);
	if ((db = esp_sadb_new()) == NULL)
		abort();
	memset(&p, 0, sizeof(p));
	p.spi = 0x4242;
	p.dir = ESP_DIR_OUT;
	p.xform = xf;
	p.keymat = keymat;
	p.keymat_len = esp_xform_keymat_len(xf);
	p.esn = (data[0] & 0x80) != 0;
	p.ts_local = &a;
	p.ts_remote = &b;
	p.n_local = p.n_remote = 1;
	out = esp_sadb_install(db, &p, err, sizeof(err));
	p.dir = ESP_DIR_IN;
	p.ts_local = &b;
	p.ts_remote = &a;
	in = esp_sadb_install(db, &p, err, sizeof(err));
	if (out == NULL || in == NULL)
		abort();
	/* Start near 2^32 now and then, to cross it with ESN. */
	if (data[0] & 0x40) {
		esp_sa_set_seq(out, 0xfffffffeull);
		if (p.esn)
			esp_replay_update(&in->replay, 0xfffffffeull);
	}

	memset(buf, 0, sizeof(buf));
	buf[HEAD] = 0x45;
	buf[HEAD + 2] = (uint8_t)(len >> 8);
	buf[HEAD + 3] = (uint8_t)len;
	/* 10.1.0.1 -> 10.2.0.1, inside the selectors. */
	memcpy(buf + HEAD + 12, "\x0a\x01\x00\x01\x0a\x02\x00\x01", 8);
	memcpy(buf + HEAD + 20, data + 1, len - 20);
	memcpy(orig, buf + HEAD, len);

	pkt = (struct esp_pkt){ buf, HEAD, len, sizeof(buf) };
	if (esp_encap(out, &pkt) != ESP_DROP_NONE)
		abort();
	if (esp_decap(db, &pkt, &got, err, sizeof(err)) != ESP_DROP_NONE ||
	    got != in)
		abort();
	if (pkt.head != HEAD || pkt.len != len || memcmp(buf + HEAD, orig, len) != 0)
		abort();
	esp_sadb_free(db);
	return 0;
}
