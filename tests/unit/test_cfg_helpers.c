/*
 * Config helpers: did-you-mean distance and suggestion, the AWS PSK and inside-CIDR
 * rule tables (cloud-semantics.md 2.3, beh. 22-23), diagnostics order and format,
 * cfg_equal seeing a change in any kind of field, and IKE identity values (RFC 7296
 * 3.5 ID types).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "config/cfg.h"

static void
test_edit_distance(void **state)
{
	assert_int_equal(cfg_edit_distance("", ""), 0);
	assert_int_equal(cfg_edit_distance("abc", ""), 3);
	assert_int_equal(cfg_edit_distance("", "abc"), 3);
	assert_int_equal(cfg_edit_distance("region", "region"), 0);
	assert_int_equal(cfg_edit_distance("regoin", "region"), 2);	/* swap = 2 edits */
	assert_int_equal(cfg_edit_distance("vpc", "vpcs"), 1);
	assert_int_equal(cfg_edit_distance("kitten", "sitting"), 3);
	assert_int_equal(cfg_edit_distance("flaw", "lawn"), 2);
}

static void
test_suggest(void **state)
{
	static const char *const keys[] = { "name", "region", "owner", "cidrs", NULL };
	static const char *const modes[] = { "static", "bgp" };

	assert_string_equal(cfg_suggest("regoin", keys, 4), "region");
	assert_string_equal(cfg_suggest("cidr", keys, 4), "cidrs");
	assert_string_equal(cfg_suggest("nme", keys, 4), "name");
	assert_null(cfg_suggest("colour-scheme", keys, 4));
	assert_null(cfg_suggest("x", keys, 4));
	/* NULL entries (unnamed objects) are skipped, not dereferenced. */
	assert_string_equal(cfg_suggest("ownr", keys, 5), "owner");
	/* An abbreviation of 3+ characters suggests what it abbreviates. */
	assert_string_equal(cfg_suggest("stat", modes, 2), "static");
	assert_null(cfg_suggest("st", modes, 2));	/* too short to abbreviate */
}

static void
test_psk_aws_rule(void **state)
{
	static const struct {
		const char *psk;
		bool ok;
	} cases[] = {
		{ "abcdefgh", true },				/* 8: shortest allowed */
		{ "abcdefg", false },				/* 7 */
		{ "A1.b_c.D", true },
		{ "0abcdefgh", false },				/* leading zero */
		{ "a0bcdefgh", true },				/* zero later is fine */
		{ "abcd-efgh", false },				/* dash */
		{ "abcd efgh", false },				/* space */
		{ "abcdéfgh", false },				/* non-ASCII */
		{ "1234567890123456789012345678901234567890123456789012345678901234", true },
		{ "12345678901234567890123456789012345678901234567890123456789012345", false },
		{ "", false },
	};
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const char *why = cfg_psk_aws_problem(cases[i].psk);

		if (cases[i].ok != (why == NULL))
			fail_msg("psk '%s': expected %s, got %s", cases[i].psk,
			    cases[i].ok ? "ok" : "refused", why != NULL ? why : "ok");
	}
}

static void
test_inside_aws_rule(void **state)
{
	static const struct {
		const char *cidr;
		bool ok;
	} cases[] = {
		{ "169.254.0.0/30", false },
		{ "169.254.1.4/30", false },	/* inside the reserved 169.254.1.0/24 range */
		{ "169.254.5.0/30", false },
		{ "169.254.5.252/30", false },
		{ "169.254.6.0/30", true },
		{ "169.254.10.0/30", true },
		{ "169.254.169.248/30", true },
		{ "169.254.169.252/30", false },
		{ "169.254.255.252/30", true },
		{ "169.254.10.0/29", false },
		{ "169.255.0.0/30", false },
		{ "10.0.0.0/30", false },
	};
	struct prefix p;
	char err[128];
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const char *why;

		assert_int_equal(prefix_parse(cases[i].cidr, &p, err, sizeof(err)), 0);
		why = cfg_inside_aws_problem(&p);
		if (cases[i].ok != (why == NULL))
			fail_msg("%s: expected %s, got %s", cases[i].cidr,
			    cases[i].ok ? "ok" : "refused", why != NULL ? why : "ok");
	}
}

static void
test_diag_sorted(void **state)
{
	struct cfg_diag d;
	struct cfg_loc a = { 7, 3 }, b = { 2, 9 }, c = { 2, 1 }, none = { 0, 0 };
	char *out = NULL;
	size_t len = 0;
	FILE *mem;

	cfg_diag_init(&d);
	cfg_diag_add(&d, "n.yaml", a, false, "third %d", 3);
	cfg_diag_add(&d, "n.yaml", b, true, "second");
	cfg_diag_add(&d, "n.yaml", c, false, "first");
	cfg_diag_add(&d, "n.yaml", none, false, "whole file");
	assert_int_equal(d.nerrors, 3);
	assert_int_equal(d.nwarnings, 1);
	mem = open_memstream(&out, &len);
	cfg_diag_print(&d, mem);
	fclose(mem);
	assert_string_equal(out, "n.yaml: whole file\n"
	    "n.yaml:2:1: first\n"
	    "n.yaml:2:9: warning: second\n"
	    "n.yaml:7:3: third 3\n");
	free(out);
	cfg_diag_free(&d);
}

static const char base[] =
    "version: 1\n"
    "name: eq\n"
    "regions:\n"
    "  - name: r1\n"
    "    cloud: gcp\n"
    "vpcs:\n"
    "  - name: v1\n"
    "    region: r1\n"
    "    cidrs: [10.1.0.0/16]\n"
    "hubs:\n"
    "  - name: tgw\n"
    "    kind: tgw\n"
    "    region: r1\n"
    "    attachments:\n"
    "      - name: a1\n"
    "        vpc: v1\n";

static struct cfg_net *
load_with(const char *extra)
{
	struct cfg_diag d;
	struct cfg_net *n;
	char *text;

	if (asprintf(&text, "%s%s", base, extra) == -1)
		return NULL;
	cfg_diag_init(&d);
	n = cfg_load_buffer("t", text, strlen(text), &d);
	if (n == NULL)
		cfg_diag_print(&d, stderr);
	cfg_diag_free(&d);
	free(text);
	return n;
}

static void
test_equal_sees_changes(void **state)
{
	/* Each variant differs from the base in one field of one type. */
	static const char *const variants[] = {
		"        accepted: true\n",			/* bool */
		"        propagate: []\n",			/* presence of a list */
		"        associate: none\n",			/* reference */
		"    asn: 65001\n",				/* integer, a hub key */
	};
	struct cfg_net *a, *b, *c;
	size_t i;

	a = load_with("");
	b = load_with("");
	assert_non_null(a);
	assert_non_null(b);
	assert_true(cfg_equal(a, b));
	assert_true(cfg_equal(a, a));
	for (i = 0; i < sizeof(variants) / sizeof(variants[0]); i++) {
		c = load_with(variants[i]);
		assert_non_null(c);
		if (cfg_equal(a, c))
			fail_msg("variant %zu compares equal", i);
		cfg_free(c);
	}
	/* Writing a default out does not change the value. */
	c = load_with("    ecmp: true\n");
	assert_non_null(c);
	assert_true(cfg_equal(a, c));
	cfg_free(c);
	cfg_free(a);
	cfg_free(b);
}

static void
test_load_file_missing(void **state)
{
	struct cfg_diag d;

	cfg_diag_init(&d);
	assert_null(cfg_load_file("/nonexistent/net.yaml", &d));
	assert_int_equal(d.nerrors, 1);
	assert_int_equal(d.v[0].line, 0);
	assert_non_null(strstr(d.v[0].msg, "cannot open"));
	cfg_diag_free(&d);
}

/* Identity values -> RFC 7296 3.5 ID type and payload bytes. */
static void
test_id_parse(void **state)
{
	static const struct {
		const char *in;
		int type;
		const char *data;	/* NULL: an error */
		size_t len;
	} cases[] = {
		{ "192.0.2.1", CFG_ID_IPV4, "\xc0\x00\x02\x01", 4 },
		{ "@site-a", CFG_ID_FQDN, "site-a", 6 },
		{ "@vpn.example.com", CFG_ID_FQDN, "vpn.example.com", 15 },
		{ "vpn.example.com", CFG_ID_FQDN, "vpn.example.com", 15 },
		{ "keyid:tunnel 1", CFG_ID_KEY_ID, "tunnel 1", 8 },
		{ "keyid:@x", CFG_ID_KEY_ID, "@x", 2 },
		{ "vpn", 0, NULL, 0 },			/* no dot: say @vpn */
		{ "@", 0, NULL, 0 },
		{ "@a..b", 0, NULL, 0 },
		{ "@.a", 0, NULL, 0 },
		{ "a.b.", 0, NULL, 0 },
		{ "10.0.0.256", 0, NULL, 0 },
		{ "2001:db8::1", 0, NULL, 0 },
		{ "keyid:", 0, NULL, 0 },
		{ "a@b.c", 0, NULL, 0 },		/* RFC822: not a form we take */
		{ "", 0, NULL, 0 },
	};
	struct cfg_id id;
	char big[300];
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const char *why = cfg_id_parse(cases[i].in, &id);

		if (cases[i].data == NULL) {
			if (why == NULL)
				fail_msg("'%s' accepted", cases[i].in);
			continue;
		}
		if (why != NULL)
			fail_msg("'%s': %s", cases[i].in, why);
		assert_int_equal(id.type, cases[i].type);
		assert_int_equal(id.len, cases[i].len);
		assert_memory_equal(id.data, cases[i].data, cases[i].len);
	}
	/* 255 bytes of name fit the ID payload we configure; 256 do not. */
	big[0] = '@';
	memset(big + 1, 'a', 256);
	big[1 + 255] = '\0';
	assert_null(cfg_id_parse(big, &id));
	assert_int_equal(id.len, 255);
	big[1 + 255] = 'a';
	big[1 + 256] = '\0';
	assert_non_null(cfg_id_parse(big, &id));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_edit_distance),
		cmocka_unit_test(test_suggest),
		cmocka_unit_test(test_psk_aws_rule),
		cmocka_unit_test(test_inside_aws_rule),
		cmocka_unit_test(test_diag_sorted),
		cmocka_unit_test(test_equal_sees_changes),
		cmocka_unit_test(test_load_file_missing),
		cmocka_unit_test(test_id_parse),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
