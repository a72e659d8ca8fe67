/*
 * bench_esp: ns per packet for esp_encap and esp_decap (performance.md sec 2:
 * target <= 0.6 us at 1420 B with OpenSSL 3.0 on the 2-core VM).  Inner IPv4
 * packets of 64, 1024 and 1420 bytes, in batches of 256 buffers (a burst that
 * stays in cache): the batch is encapsulated (timed), then decapsulated in order
 * (timed), K packets per round.  Best and median of the
 * rounds are printed, in thread CPU time and in wall time.  Usage: bench_esp [packets-per-round] [rounds] [transform]
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "common/log.h"
#include "common/util.h"
#include "esp/esp.h"

#define HEAD	64
#define SLOT	1600
#define BATCH	256

/*
 * Thread CPU time: the VM's two cores are shared, and wall time would charge us
 * for other processes' slices.  Both are printed.
 */
static uint64_t
cpu_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static int
cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

static void
make_v4(uint8_t *ip, size_t len)
{
	memset(ip, 0xab, len);
	ip[0] = 0x45;
	ip[1] = 0;
	ip[2] = (uint8_t)(len >> 8);
	ip[3] = (uint8_t)len;
	memcpy(ip + 12, "\x0a\x01\x00\x01\x0a\x02\x00\x01", 8);
}

static void
run(enum esp_xform_id xf, size_t len, size_t k, int rounds)
{
	static const uint8_t keymat[ESP_MAX_KEYMAT_LEN] = { 1, 2, 3, 4, 5, 6, 7 };
	struct prefix a, b;
	struct esp_sa_params p;
	struct esp_sadb *db = esp_sadb_new();
	struct esp_sa *out, *in, *got;
	struct esp_pkt *pk;
	uint8_t *bufs;
	uint64_t *enc, *dec, *wenc, *wdec, t0, w0;
	size_t i, done;
	int r;
	char err[128];

	if (db == NULL)
		fatalx("no crypto");
	prefix_from_v4(&a, 0x0a010000, 16);
	prefix_from_v4(&b, 0x0a020000, 16);
	memset(&p, 0, sizeof(p));
	p.spi = 0x1234;
	p.dir = ESP_DIR_OUT;
	p.xform = xf;
	p.keymat = keymat;
	p.keymat_len = esp_xform_keymat_len(xf);
	p.ts_local = &a;
	p.ts_remote = &b;
	p.n_local = p.n_remote = 1;
	p.esn = true;
	out = esp_sadb_install(db, &p, err, sizeof(err));
	p.dir = ESP_DIR_IN;
	p.ts_local = &b;
	p.ts_remote = &a;
	in = esp_sadb_install(db, &p, err, sizeof(err));
	if (out == NULL || in == NULL)
		fatalx("%s", err);
	bufs = xcalloc(BATCH, SLOT);
	pk = xcalloc(BATCH, sizeof(*pk));
	enc = xcalloc((size_t)rounds, sizeof(*enc));
	dec = xcalloc((size_t)rounds, sizeof(*dec));
	wenc = xcalloc((size_t)rounds, sizeof(*wenc));
	wdec = xcalloc((size_t)rounds, sizeof(*wdec));

	for (r = 0; r < rounds; r++) {
		enc[r] = dec[r] = wenc[r] = wdec[r] = 0;
		/* Batches that stay in cache, as a data plane's burst would. */
		for (done = 0; done < k; done += BATCH) {
			for (i = 0; i < BATCH; i++) {
				make_v4(bufs + i * SLOT + HEAD, len);
				pk[i] = (struct esp_pkt){ bufs + i * SLOT, HEAD, len,
				    SLOT };
			}
			t0 = cpu_ns();
			w0 = util_now_ns();
			for (i = 0; i < BATCH; i++)
				if (esp_encap(out, &pk[i]) != ESP_DROP_NONE)
					fatalx("encap failed");
			enc[r] += cpu_ns() - t0;
			wenc[r] += util_now_ns() - w0;
			t0 = cpu_ns();
			w0 = util_now_ns();
			for (i = 0; i < BATCH; i++)
				if (esp_decap(db, &pk[i], &got, NULL, 0) !=
				    ESP_DROP_NONE)
					fatalx("decap failed");
			dec[r] += cpu_ns() - t0;
			wdec[r] += util_now_ns() - w0;
		}
		enc[r] /= done;
		dec[r] /= done;
		wenc[r] /= done;
		wdec[r] /= done;
	}
	qsort(enc, (size_t)rounds, sizeof(*enc), cmp_u64);
	qsort(dec, (size_t)rounds, sizeof(*dec), cmp_u64);
	qsort(wenc, (size_t)rounds, sizeof(*wenc), cmp_u64);
	qsort(wdec, (size_t)rounds, sizeof(*wdec), cmp_u64);
	printf("%-14s %5zu B  encap %5llu (%5llu) wall %5llu   decap %5llu (%5llu) "
	    "wall %5llu\n", esp_xform_info(xf)->name, len,
	    (unsigned long long)enc[0], (unsigned long long)enc[rounds / 2],
	    (unsigned long long)wenc[0],
	    (unsigned long long)dec[0], (unsigned long long)dec[rounds / 2],
	    (unsigned long long)wdec[0]);
	free(enc);
	free(dec);
	free(wenc);
	free(wdec);
	free(pk);
	free(bufs);
	esp_sadb_free(db);
}

/*
 * Baseline under the same load: bare EVP AES-128-GCM seal in place (IV-only
 * re-init, 8-byte AAD, tag), the floor esp_encap sits on.
 */
static void
baseline(size_t len, size_t k, int rounds)
{
	static const uint8_t key[16] = { 1 };
	uint8_t nonce[12] = { 0 }, aad[8] = { 0 }, tag[16], tail[16];
	EVP_CIPHER *gcm = EVP_CIPHER_fetch(NULL, "AES-128-GCM", NULL);
	EVP_CIPHER_CTX *ctx = EVP_CIPHER_CTX_new();
	uint8_t *buf = xcalloc(1, len);
	uint64_t *t = xcalloc((size_t)rounds, sizeof(*t)), t0, n = 0;
	size_t i;
	int r, outl;

	if (gcm == NULL || ctx == NULL ||
	    !EVP_EncryptInit_ex2(ctx, gcm, key, NULL, NULL))
		fatalx("baseline set-up");
	for (r = 0; r < rounds; r++) {
		t0 = cpu_ns();
		for (i = 0; i < k; i++) {
			n++;
			memcpy(nonce + 4, &n, sizeof(n));
			if (!EVP_EncryptInit_ex(ctx, NULL, NULL, NULL, nonce) ||
			    !EVP_EncryptUpdate(ctx, NULL, &outl, aad, sizeof(aad)) ||
			    !EVP_EncryptUpdate(ctx, buf, &outl, buf, (int)len) ||
			    !EVP_EncryptFinal_ex(ctx, tail, &outl) ||
			    !EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_AEAD_GET_TAG, 16, tag))
				fatalx("baseline seal");
		}
		t[r] = (cpu_ns() - t0) / k;
	}
	qsort(t, (size_t)rounds, sizeof(*t), cmp_u64);
	printf("%-14s %5zu B  seal  %5llu (%5llu)   [bare EVP, no ESP]\n",
	    "evp-aes128gcm", len, (unsigned long long)t[0],
	    (unsigned long long)t[rounds / 2]);
	free(t);
	free(buf);
	EVP_CIPHER_CTX_free(ctx);
	EVP_CIPHER_free(gcm);
}

int
main(int argc, char **argv)
{
	static const enum esp_xform_id xfs[] = { ESP_XF_AES128_GCM16,
	    ESP_XF_AES256_GCM16, ESP_XF_AES128_CBC_SHA256 };
	static const size_t sizes[] = { 64, 1024, 1420 };
	size_t k = argc > 1 ? strtoul(argv[1], NULL, 10) : 20000;
	int rounds = argc > 2 ? atoi(argv[2]) : 7;
	const char *only = argc > 3 ? argv[3] : NULL;
	size_t i, j;

	if (k == 0 || rounds <= 0)
		fatalx("usage: bench_esp [packets-per-round] [rounds] [transform]");
	log_init("bench_esp", true, LOG_LVL_WARN);
	printf("ESP ns/packet, %zu packets x %d rounds, ESN on: thread CPU time "
	    "best (median), wall best\n", k, rounds);
	for (j = 0; j < sizeof(sizes) / sizeof(sizes[0]); j++)
		baseline(sizes[j], k, rounds);
	for (i = 0; i < sizeof(xfs) / sizeof(xfs[0]); i++) {
		if (only != NULL && strcmp(only, esp_xform_info(xfs[i])->name) != 0)
			continue;
		for (j = 0; j < sizeof(sizes) / sizeof(sizes[0]); j++)
			run(xfs[i], sizes[j], k, rounds);
	}
	return 0;
}
