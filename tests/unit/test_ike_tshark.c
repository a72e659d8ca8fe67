/*
 * Differential check of the codec against an independent decoder: the committed
 * IKE_SA_INIT seed (built by test_ike_msg.c with our encoder) is wrapped in an
 * Ethernet/IPv4/UDP-500 frame, written as a pcap, and decoded by `tshark -V`.
 * Wireshark must see the same header, transforms, KE group and data, nonce and
 * notifies that ike_msg_parse() sees, and flag nothing as malformed.  Skipped, with
 * the reason printed, when tshark is not installed.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "ike/ike_msg.h"

static size_t
read_file(const char *path, uint8_t *buf, size_t cap)
{
	FILE *f = fopen(path, "rb");
	size_t n;

	assert_non_null(f);
	n = fread(buf, 1, cap, f);
	fclose(f);
	return n;
}

static void
put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static void
put32le(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
	p[2] = (uint8_t)(v >> 16);
	p[3] = (uint8_t)(v >> 24);
}

/* A classic pcap with one Ethernet frame carrying msg in UDP 500 -> 500. */
static void
write_pcap(const char *path, const uint8_t *msg, size_t len)
{
	uint8_t hdr[24 + 16 + 14 + 20 + 8];
	uint8_t *eth = hdr + 40, *ip = eth + 14, *udp = ip + 20;
	size_t flen = 14 + 20 + 8 + len;
	uint32_t sum = 0;
	FILE *f;
	int i;

	memset(hdr, 0, sizeof(hdr));
	put32le(hdr, 0xa1b2c3d4);
	hdr[4] = 2;		/* version 2.4 */
	hdr[6] = 4;
	put32le(hdr + 16, 65535);
	put32le(hdr + 20, 1);	/* LINKTYPE_ETHERNET */
	put32le(hdr + 24 + 8, (uint32_t)flen);
	put32le(hdr + 24 + 12, (uint32_t)flen);
	eth[6] = 2;
	eth[11] = 1;
	put16(eth + 12, 0x0800);
	ip[0] = 0x45;
	put16(ip + 2, (uint16_t)(20 + 8 + len));
	ip[8] = 64;
	ip[9] = 17;
	ip[12] = 192, ip[14] = 2, ip[15] = 1;
	ip[16] = 192, ip[18] = 2, ip[19] = 2;
	for (i = 0; i < 20; i += 2)
		sum += (uint32_t)(ip[i] << 8 | ip[i + 1]);
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	put16(ip + 10, (uint16_t)~sum);
	put16(udp, 500);
	put16(udp + 2, 500);
	put16(udp + 4, (uint16_t)(8 + len));
	assert_non_null(f = fopen(path, "wb"));
	assert_int_equal(fwrite(hdr, 1, sizeof(hdr), f), sizeof(hdr));
	assert_int_equal(fwrite(msg, 1, len, f), len);
	fclose(f);
}

static void
expect(const char *out, const char *what)
{
	if (strstr(out, what) == NULL)
		fail_msg("tshark output lacks \"%s\"", what);
}

static void
hex(const uint8_t *p, size_t n, char *out)
{
	size_t i;

	for (i = 0; i < n; i++)
		sprintf(out + 2 * i, "%02x", p[i]);
}

static void
test_tshark_agrees(void **state)
{
	static uint8_t msg[4096];
	static char out[256 * 1024], line[1024];
	char pcap[] = "/tmp/test_ike_tshark.XXXXXX", cmd[600], hx[600];
	struct ike_msg m;
	struct ike_err err;
	struct ike_payload pl;
	size_t len, n = 0, i;
	FILE *p;
	int fd;

	if (system("command -v tshark >/dev/null 2>&1") != 0) {
		print_message("skipped: tshark is not installed\n");
		skip();
	}
	len = read_file(TRANSIT_TEST_DIR "/fuzz/corpus/fuzz_ike_msg/sa_init_request",
	    msg, sizeof(msg));
	assert_int_equal(ike_msg_parse(&m, msg, len, &err), IKE_PARSE_OK);
	assert_true((fd = mkstemp(pcap)) != -1);
	close(fd);
	write_pcap(pcap, msg, len);
	snprintf(cmd, sizeof(cmd), "tshark -n -r %s -V 2>&1", pcap);
	assert_non_null(p = popen(cmd, "r"));
	while (fgets(line, sizeof(line), p) != NULL && n + strlen(line) <
	    sizeof(out) - 1) {
		memcpy(out + n, line, strlen(line));
		n += strlen(line);
	}
	out[n] = '\0';
	pclose(p);
	unlink(pcap);

	expect(out, "Exchange type: IKE_SA_INIT (34)");
	expect(out, "Version: 2.0");
	snprintf(line, sizeof(line), "Length: %u", m.hdr.length);
	expect(out, line);
	if (strstr(out, "Malformed") != NULL || strstr(out, "malformed") != NULL)
		fail_msg("tshark reports a malformed packet:\n%s", out);
	for (i = 0; i < m.npld; i++) {
		snprintf(line, sizeof(line), "Payload length: %zu", m.pld[i].len + 4);
		expect(out, line);
		assert_int_equal(ike_payload_parse(&m.pld[i], &pl, &err),
		    IKE_PARSE_OK);
		switch (pl.type) {
		case IKE_PLD_SA:
			expect(out, "Transform ID (ENCR): ENCR_AES_CBC (12)");
			expect(out, "Key Length: 256");
			expect(out, "Transform ID (PRF): PRF_HMAC_SHA2_256 (5)");
			expect(out, "Transform ID (D-H): 2048 bit MODP group (14)");
			snprintf(line, sizeof(line), "Proposal transforms: %u",
			    pl.u.sa.prop[0].nxf);
			expect(out, line);
			break;
		case IKE_PLD_KE:
			snprintf(line, sizeof(line), "DH Group #: 256-bit random ECP "
			    "group (%u)", pl.u.ke.group);
			expect(out, line);
			hex(pl.u.ke.data, 32, hx);	/* tshark truncates */
			expect(out, hx);
			break;
		case IKE_PLD_NONCE:
			hex(pl.u.blob.data, pl.u.blob.len, hx);
			snprintf(line, sizeof(line), "Nonce DATA: %s", hx);
			expect(out, line);
			break;
		case IKE_PLD_NOTIFY:
			snprintf(line, sizeof(line), "(%u)", pl.u.notify.type);
			expect(out, line);
			break;
		case IKE_PLD_VENDOR:
			hex(pl.u.blob.data, pl.u.blob.len, hx);
			snprintf(line, sizeof(line), "Vendor ID: %s", hx);
			expect(out, line);
			break;
		}
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_tshark_agrees),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
