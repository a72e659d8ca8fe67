/*
 * Differential check of the BGP codec against an independent decoder: messages
 * of every type built by our encoders (OPEN with AS4 and graceful restart, an
 * IPv4 UPDATE for a 2-octet session with AS4_PATH/AS4_AGGREGATOR and an unknown
 * attribute, an IPv6 UPDATE from the packer, NOTIFICATION, KEEPALIVE,
 * ROUTE-REFRESH) go into a pcap, one TCP segment to port 179 each, and
 * `tshark -T fields` must read the same values that bgp_msg_parse() reads back,
 * and flag nothing as malformed.  Skipped, with the reason printed, when tshark
 * is not installed.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <unistd.h>
#include <cmocka.h>

#include "test_bgp_util.h"

#define NMSG	6

static const char *fields[] = {
	"bgp.type", "bgp.open.myas", "bgp.open.holdtime", "bgp.open.identifier",
	"bgp.cap.4as", "bgp.cap.gr.timers.restart_time",
	"bgp.update.path_attribute.origin",
	"bgp.update.path_attribute.as_path_segment.as2",
	"bgp.update.path_attribute.next_hop",
	"bgp.update.path_attribute.multi_exit_disc",
	"bgp.update.path_attribute.local_pref",
	"bgp.update.path_attribute.aggregator_as",
	"bgp.update.path_attribute.community_value",
	"bgp.nlri_prefix", "bgp.withdrawn_prefix",
	"bgp.mp_reach_nlri_ipv6_prefix", "bgp.notify.major_error",
	"bgp.notify.minor_error_update", "bgp.route_refresh.afi",
	"bgp.update.path_attribute.flags.partial",
};
#define NFIELD	(sizeof(fields) / sizeof(fields[0]))

static void
put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static void
put32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

static void
put32le(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
	p[2] = (uint8_t)(v >> 16);
	p[3] = (uint8_t)(v >> 24);
}

/* One Ethernet/IPv4/TCP frame per message, 40000 -> 179, sequence numbers running. */
static void
write_pcap(const char *path, uint8_t msg[][BGP_MSG_MAX], const size_t *len,
    size_t n)
{
	uint8_t gh[24], fr[16 + 14 + 20 + 20];
	uint8_t *eth = fr + 16, *ip = eth + 14, *tcp = ip + 20;
	uint32_t seq = 1000, sum;
	size_t i, k;
	FILE *f;

	memset(gh, 0, sizeof(gh));
	put32le(gh, 0xa1b2c3d4);
	gh[4] = 2;
	gh[6] = 4;
	put32le(gh + 16, 65535);
	put32le(gh + 20, 1);
	assert_non_null(f = fopen(path, "wb"));
	assert_int_equal(fwrite(gh, 1, sizeof(gh), f), sizeof(gh));
	for (i = 0; i < n; i++) {
		memset(fr, 0, sizeof(fr));
		put32le(fr + 8, (uint32_t)(14 + 20 + 20 + len[i]));
		put32le(fr + 12, (uint32_t)(14 + 20 + 20 + len[i]));
		eth[6] = 2;
		eth[11] = 1;
		put16(eth + 12, 0x0800);
		ip[0] = 0x45;
		put16(ip + 2, (uint16_t)(20 + 20 + len[i]));
		ip[8] = 64;
		ip[9] = 6;
		ip[12] = 192, ip[14] = 2, ip[15] = 1;
		ip[16] = 192, ip[18] = 2, ip[19] = 2;
		for (sum = 0, k = 0; k < 20; k += 2)
			sum += (uint32_t)(ip[k] << 8 | ip[k + 1]);
		while (sum >> 16)
			sum = (sum & 0xffff) + (sum >> 16);
		put16(ip + 10, (uint16_t)~sum);
		put16(tcp, 40000);
		put16(tcp + 2, BGP_PORT);
		put32(tcp + 4, seq);
		put32(tcp + 8, 1);
		tcp[12] = 0x50;
		tcp[13] = 0x18;		/* PSH, ACK */
		put16(tcp + 14, 65535);
		seq += (uint32_t)len[i];
		assert_int_equal(fwrite(fr, 1, sizeof(fr), f), sizeof(fr));
		assert_int_equal(fwrite(msg[i], 1, len[i], f), len[i]);
	}
	fclose(f);
}

static size_t
build(uint8_t msg[][BGP_MSG_MAX], size_t *len)
{
	static const uint8_t wd[] = { 0x10, 0x0a, 0x01 };
	static const uint8_t nl[] = { 0x10, 0x0a, 0x02, 0x18, 0x0a, 0x03, 0x03 };
	static const uint8_t unk[] = { 1, 2, 3 };
	static struct bgp_msg m;
	static struct bgp_prefix v6[2];
	struct bgp_attrs *a = &m.u.update.attrs;
	struct buf_writer w;
	struct bgp_err err;
	size_t used, i;

	memset(&m, 0, sizeof(m));
	m.type = BGP_OPEN;
	bgp_open_init(&m.u.open, 4200000001u, 90, 0x0a000001);
	m.u.open.mp[m.u.open.nmp].afi = BGP_AFI_IPV6;
	m.u.open.mp[m.u.open.nmp++].safi = BGP_SAFI_UNICAST;
	m.u.open.gr = true;
	m.u.open.gr_flags = 0x8000;
	m.u.open.gr_time = 120;
	m.u.open.ngr = 1;
	m.u.open.gr_afi[0].afi = BGP_AFI_IPV4;
	m.u.open.gr_afi[0].safi = BGP_SAFI_UNICAST;
	m.u.open.gr_afi[0].flags = 0x80;
	buf_writer_init(&w, msg[0], BGP_MSG_MAX);
	assert_int_equal(bgp_msg_encode(&m, &sess4, &w, &err), 0);
	len[0] = w.len;

	memset(&m, 0, sizeof(m));
	m.type = BGP_UPDATE;
	assert_int_equal(bgp_nlri_validate(&m.u.update.withdrawn, wd, sizeof(wd),
	    BGP_AFI_IPV4, false), 0);
	assert_int_equal(bgp_nlri_validate(&m.u.update.nlri, nl, sizeof(nl),
	    BGP_AFI_IPV4, false), 0);
	a->present = 1u << BGP_ATTR_ORIGIN | 1u << BGP_ATTR_AS_PATH |
	    1u << BGP_ATTR_NEXT_HOP | 1u << BGP_ATTR_MED |
	    1u << BGP_ATTR_LOCAL_PREF | 1u << BGP_ATTR_AGGREGATOR |
	    1u << BGP_ATTR_COMMUNITIES;
	a->origin = BGP_ORIGIN_INCOMPLETE;
	a->aspath.nseg = 1;
	a->aspath.seg_type[0] = BGP_AS_SEQUENCE;
	a->aspath.seg_len[0] = 3;
	a->aspath.nas = 3;
	a->aspath.as[0] = 4200000001u;
	a->aspath.as[1] = 65002;
	a->aspath.as[2] = 65003;
	a->nexthop = 0xc0000201;
	a->med = 50;
	a->local_pref = 200;
	a->agg_as = 4200000009u;
	a->agg_id = 0x0a000009;
	a->ncomm = 2;
	a->comm[0] = 0xfde90064;
	a->comm[1] = 0xfde900c8;
	a->nunknown = 1;
	a->unknown[0].flags = BGP_ATTR_OPTIONAL | BGP_ATTR_TRANSITIVE;
	a->unknown[0].type = 200;	/* unassigned (IANA) */
	a->unknown[0].len = sizeof(unk);
	a->unknown[0].data = unk;
	buf_writer_init(&w, msg[1], BGP_MSG_MAX);
	assert_int_equal(bgp_msg_encode(&m, &sess2, &w, &err), 0);
	len[1] = w.len;

	for (i = 0; i < 2; i++) {
		v6[i].pfx.family = PFX_V6;
		v6[i].pfx.len = 48;
		v6[i].pfx.addr[0] = 0x20;
		v6[i].pfx.addr[1] = 0x01;
		v6[i].pfx.addr[2] = 0x0d;
		v6[i].pfx.addr[3] = 0xb8;
		v6[i].pfx.addr[5] = (uint8_t)(i + 1);
	}
	a->present = 1u << BGP_ATTR_ORIGIN | 1u << BGP_ATTR_AS_PATH;
	a->nunknown = 0;
	a->mp_nhlen = 16;
	memcpy(a->mp_nh, v6[0].pfx.addr, 16);
	a->mp_nh[15] = 1;
	buf_writer_init(&w, msg[2], BGP_MSG_MAX);
	assert_int_equal(bgp_update_pack(a, v6, 2, &sess4, &w, &used, &err), 0);
	assert_int_equal(used, 2);
	len[2] = w.len;

	/* The NOTIFICATION a malformed AS_PATH would get: 3/11. */
	memset(&err, 0, sizeof(err));
	bgp_err_set(&err, BGP_ACT_RESET, BGP_ERR_UPDATE, BGP_ERR_UPD_AS_PATH,
	    "test");
	buf_writer_init(&w, msg[3], BGP_MSG_MAX);
	assert_int_equal(bgp_err_encode(&err, &w), 0);
	len[3] = w.len;
	buf_writer_init(&w, msg[4], BGP_MSG_MAX);
	assert_int_equal(bgp_keepalive_encode(&w), 0);
	len[4] = w.len;
	m.type = BGP_ROUTE_REFRESH;
	m.u.rrefresh.afi = BGP_AFI_IPV6;
	m.u.rrefresh.safi = BGP_SAFI_UNICAST;
	buf_writer_init(&w, msg[5], BGP_MSG_MAX);
	assert_int_equal(bgp_msg_encode(&m, &sess4, &w, &err), 0);
	len[5] = w.len;
	return NMSG;
}

/* Column c of a tab-separated line, into out. */
static void
column(const char *line, size_t c, char *out, size_t cap)
{
	size_t i = 0, n = 0;

	while (i < c && *line != '\0')
		if (*line++ == '\t')
			i++;
	while (*line != '\0' && *line != '\t' && *line != '\n' && n + 1 < cap)
		out[n++] = *line++;
	out[n] = '\0';
}

static void
expect_col(char lines[][2048], size_t frame, const char *field,
    const char *want)
{
	char got[512];
	size_t c;

	for (c = 0; c < NFIELD; c++)
		if (strcmp(fields[c], field) == 0)
			break;
	assert_true(c < NFIELD);
	column(lines[frame], c, got, sizeof(got));
	if (strcmp(got, want) != 0)
		fail_msg("frame %zu %s: tshark \"%s\", codec \"%s\"", frame + 1,
		    field, got, want);
}

static void
test_tshark_agrees(void **state)
{
	static uint8_t msg[NMSG][BGP_MSG_MAX];
	static char lines[NMSG][2048], buf[64 * 1024];
	static struct bgp_msg m;
	char pcap[] = "/tmp/test_bgp_tshark.XXXXXX", cmd[2048], want[512];
	struct bgp_nlri_iter it;
	struct bgp_prefix bp;
	struct bgp_err err;
	size_t len[NMSG], n, i, k;
	const struct bgp_attrs *a = &m.u.update.attrs;
	FILE *p;
	char *bad;
	int fd;

	(void)state;
	if (system("command -v tshark >/dev/null 2>&1") != 0) {
		print_message("skipped: tshark is not installed\n");
		skip();
	}
	n = build(msg, len);
	assert_true((fd = mkstemp(pcap)) != -1);
	close(fd);
	write_pcap(pcap, msg, len, n);
	if (getenv("BGP_TSHARK_KEEP") != NULL)	/* to look at it by hand */
		print_message("pcap kept in %s\n", pcap);

	/* No dissector complaint anywhere. */
	snprintf(cmd, sizeof(cmd), "tshark -n -r %s -V -d tcp.port==179,bgp "
	    "2>/dev/null", pcap);
	assert_non_null(p = popen(cmd, "r"));
	k = fread(buf, 1, sizeof(buf) - 1, p);
	buf[k] = '\0';
	pclose(p);
	/* "[Malformed Packet" (not the "Malformed AS_PATH" subcode name). */
	if ((bad = strstr(buf, "[Malformed")) != NULL ||
	    (bad = strstr(buf, "Expert Info (Error")) != NULL) {
		bad[200 < strlen(bad) ? 200 : strlen(bad)] = '\0';
		unlink(pcap);
		fail_msg("tshark reports a malformed message: %s", bad);
	}

	k = (size_t)snprintf(cmd, sizeof(cmd), "tshark -n -r %s -T fields "
	    "-E aggregator=, -E occurrence=a", pcap);
	for (i = 0; i < NFIELD; i++)
		k += (size_t)snprintf(cmd + k, sizeof(cmd) - k, " -e %s",
		    fields[i]);
	snprintf(cmd + k, sizeof(cmd) - k, " 2>/dev/null");
	assert_non_null(p = popen(cmd, "r"));
	for (i = 0; i < n && fgets(lines[i], sizeof(lines[i]), p) != NULL; i++)
		;
	pclose(p);
	if (getenv("BGP_TSHARK_KEEP") == NULL)
		unlink(pcap);
	assert_int_equal(i, n);

	/* OPEN */
	assert_int_equal(bgp_msg_parse(&m, msg[0], len[0], &sess4, &err), 0);
	expect_col(lines, 0, "bgp.type", "1");
	snprintf(want, sizeof(want), "%u", m.u.open.my_as);
	expect_col(lines, 0, "bgp.open.myas", want);
	snprintf(want, sizeof(want), "%u", m.u.open.hold);
	expect_col(lines, 0, "bgp.open.holdtime", want);
	snprintf(want, sizeof(want), "%u.%u.%u.%u", m.u.open.id >> 24,
	    (m.u.open.id >> 16) & 0xff, (m.u.open.id >> 8) & 0xff,
	    m.u.open.id & 0xff);
	expect_col(lines, 0, "bgp.open.identifier", want);
	snprintf(want, sizeof(want), "%u", m.u.open.as4_value);
	expect_col(lines, 0, "bgp.cap.4as", want);
	snprintf(want, sizeof(want), "%u", m.u.open.gr_time);
	expect_col(lines, 0, "bgp.cap.gr.timers.restart_time", want);

	/* IPv4 UPDATE, as an OLD speaker sees it (tshark does not merge). */
	assert_int_equal(bgp_msg_parse(&m, msg[1], len[1], &sess2, &err), 0);
	assert_int_equal(err.action, BGP_ACT_NONE);
	expect_col(lines, 1, "bgp.type", "2");
	snprintf(want, sizeof(want), "%u", a->origin);
	expect_col(lines, 1, "bgp.update.path_attribute.origin", want);
	snprintf(want, sizeof(want), "%u,%u,%u", BGP_AS_TRANS, a->aspath.as[1],
	    a->aspath.as[2]);
	expect_col(lines, 1, "bgp.update.path_attribute.as_path_segment.as2",
	    want);
	expect_col(lines, 1, "bgp.update.path_attribute.next_hop", "192.0.2.1");
	snprintf(want, sizeof(want), "%u", a->med);
	expect_col(lines, 1, "bgp.update.path_attribute.multi_exit_disc", want);
	snprintf(want, sizeof(want), "%u", a->local_pref);
	expect_col(lines, 1, "bgp.update.path_attribute.local_pref", want);
	snprintf(want, sizeof(want), "%u,%u", BGP_AS_TRANS, a->agg_as);
	expect_col(lines, 1, "bgp.update.path_attribute.aggregator_as", want);
	snprintf(want, sizeof(want), "%u,%u", a->comm[0] & 0xffff,
	    a->comm[1] & 0xffff);
	expect_col(lines, 1, "bgp.update.path_attribute.community_value", want);
	expect_col(lines, 1, "bgp.nlri_prefix", "10.2.0.0,10.3.3.0");
	expect_col(lines, 1, "bgp.withdrawn_prefix", "10.1.0.0");
	/* Partial is set only on the unknown attribute (the last one). */
	expect_col(lines, 1, "bgp.update.path_attribute.flags.partial",
	    "0,0,0,0,0,0,0,0,0,1");
	assert_int_equal(a->nunknown, 1);

	/* IPv6 UPDATE from the packer */
	assert_int_equal(bgp_msg_parse(&m, msg[2], len[2], &sess4, &err), 0);
	bgp_nlri_iter_init(&it, &a->mp_reach);
	k = 0;
	while (bgp_nlri_next(&it, &bp)) {
		char s[PREFIX_STRLEN], *slash;

		prefix_fmt(&bp.pfx, s, sizeof(s));
		if ((slash = strchr(s, '/')) != NULL)
			*slash = '\0';
		k += (size_t)snprintf(want + k, sizeof(want) - k, "%s%s",
		    k ? "," : "", s);
	}
	expect_col(lines, 2, "bgp.mp_reach_nlri_ipv6_prefix", want);

	assert_int_equal(bgp_msg_parse(&m, msg[3], len[3], &sess4, &err), 0);
	snprintf(want, sizeof(want), "%u", m.u.notification.code);
	expect_col(lines, 3, "bgp.notify.major_error", want);
	snprintf(want, sizeof(want), "%u", m.u.notification.subcode);
	expect_col(lines, 3, "bgp.notify.minor_error_update", want);
	expect_col(lines, 4, "bgp.type", "4");
	assert_int_equal(bgp_msg_parse(&m, msg[5], len[5], &sess4, &err), 0);
	snprintf(want, sizeof(want), "%u", m.u.rrefresh.afi);
	expect_col(lines, 5, "bgp.route_refresh.afi", want);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_tshark_agrees),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
