/*
 * Prefix parsing and arithmetic: strict CIDR syntax with helpful errors, containment,
 * overlap and ordering.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "common/prefix.h"

static void
test_parse_and_format(void **state)
{
	struct prefix p;
	char buf[PREFIX_STRLEN], err[128];

	assert_int_equal(prefix_parse("172.16.0.0/12", &p, err, sizeof(err)), 0);
	assert_int_equal(p.family, PFX_V4);
	assert_int_equal(p.len, 12);
	assert_int_equal(prefix_v4(&p), 0xac100000);
	assert_string_equal(prefix_fmt(&p, buf, sizeof(buf)), "172.16.0.0/12");
	assert_int_equal(prefix_parse("0.0.0.0/0", &p, err, sizeof(err)), 0);
	assert_int_equal(p.len, 0);
	assert_int_equal(prefix_parse("2001:db8::/32", &p, err, sizeof(err)), 0);
	assert_int_equal(p.family, PFX_V6);
	assert_string_equal(prefix_fmt(&p, buf, sizeof(buf)), "2001:db8::/32");
}

static void
test_parse_errors(void **state)
{
	static const struct {
		const char *in, *msg;
	} bad[] = {
		{ "10.0.0.1/8", "host bits set in 10.0.0.1/8; did you mean 10.0.0.0/8?" },
		{ "10.0.0.0", "'10.0.0.0' is not a CIDR prefix (expected e.g. 10.0.0.0/8)" },
		{ "10.0.0.0/33", "'10.0.0.0/33': prefix length must be 0-32" },
		{ "10.0.0.0/", "'10.0.0.0/': prefix length must be 0-32" },
		{ "10.0.0.0/-1", "'10.0.0.0/-1': prefix length must be 0-32" },
		{ "10.0.0.0/8x", "'10.0.0.0/8x': prefix length must be 0-32" },
		{ "10.0.0.256/32", "'10.0.0.256/32' is not a CIDR prefix (expected e.g. 10.0.0.0/8)" },
		{ "banana", "'banana' is not a CIDR prefix (expected e.g. 10.0.0.0/8)" },
	};
	struct prefix p;
	char err[128];
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_int_equal(prefix_parse(bad[i].in, &p, err, sizeof(err)), -1);
		assert_string_equal(err, bad[i].msg);
	}
}

static void
test_contains_overlaps(void **state)
{
	struct prefix a, b, c;
	struct ipaddr x;

	prefix_parse("172.16.0.0/12", &a, NULL, 0);
	prefix_parse("172.17.0.0/16", &b, NULL, 0);
	prefix_parse("172.32.0.0/16", &c, NULL, 0);
	assert_true(prefix_contains(&a, &b));
	assert_false(prefix_contains(&b, &a));
	assert_true(prefix_contains(&a, &a));
	assert_false(prefix_contains(&a, &c));
	assert_true(prefix_overlaps(&b, &a));
	assert_false(prefix_overlaps(&a, &c));
	addr_parse("172.31.255.255", &x, NULL, 0);
	assert_true(prefix_contains_addr(&a, &x));
	addr_parse("172.32.0.0", &x, NULL, 0);
	assert_false(prefix_contains_addr(&a, &x));
	assert_true(prefix_cmp(&a, &b) < 0);
	assert_true(prefix_cmp(&b, &c) < 0);
}

static void
test_nth_host(void **state)
{
	struct prefix p;
	struct ipaddr a;
	char buf[64];

	prefix_parse("169.254.10.0/30", &p, NULL, 0);
	assert_int_equal(prefix_nth(&p, 1, &a), 0);
	assert_string_equal(addr_fmt(&a, buf, sizeof(buf)), "169.254.10.1");
	assert_int_equal(prefix_nth(&p, 2, &a), 0);
	assert_string_equal(addr_fmt(&a, buf, sizeof(buf)), "169.254.10.2");
	assert_int_equal(prefix_nth(&p, 4, &a), -1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_and_format),
		cmocka_unit_test(test_parse_errors),
		cmocka_unit_test(test_contains_overlaps),
		cmocka_unit_test(test_nth_host),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
