/*
 * lab_ping: iputils ping 20221126 output, captured on the build machine in
 * namespaces (all replies; no reply at all; ICMP errors only), plus partial-loss,
 * fractional-loss, duplicate and reordered outputs in the same format; and the
 * verdict rules (reachable: 0 % loss; unreachable: not one reply, or no route).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "lab/lab_ping.h"

static const char all_replies[] =
    "PING 10.9.0.1 (10.9.0.1) from 10.9.0.1 : 56(84) bytes of data.\n"
    "64 bytes from 10.9.0.1: icmp_seq=1 ttl=64 time=0.027 ms\n"
    "64 bytes from 10.9.0.1: icmp_seq=2 ttl=64 time=0.036 ms\n"
    "64 bytes from 10.9.0.1: icmp_seq=3 ttl=64 time=0.039 ms\n"
    "\n"
    "--- 10.9.0.1 ping statistics ---\n"
    "3 packets transmitted, 3 received, 0% packet loss, time 408ms\n"
    "rtt min/avg/max/mdev = 0.027/0.034/0.039/0.005 ms\n";

static const char no_reply[] =
    "PING 10.4.0.5 (10.4.0.5) 56(84) bytes of data.\n"
    "\n"
    "--- 10.4.0.5 ping statistics ---\n"
    "3 packets transmitted, 0 received, 100% packet loss, time 405ms\n"
    "\n";

static const char errors_only[] =
    "PING 10.6.0.5 (10.6.0.5) 56(84) bytes of data.\n"
    "From 10.5.0.2 icmp_seq=1 Destination Host Unreachable\n"
    "From 10.5.0.2 icmp_seq=2 Destination Host Unreachable\n"
    "\n"
    "--- 10.6.0.5 ping statistics ---\n"
    "3 packets transmitted, 0 received, +2 errors, 100% packet loss, time 404ms\n"
    "\n";

static const char partial[] =
    "PING 10.0.0.17 (10.0.0.17) from 172.16.0.132 : 56(84) bytes of data.\n"
    "64 bytes from 10.0.0.17: icmp_seq=1 ttl=62 time=180.3 ms\n"
    "64 bytes from 10.0.0.17: icmp_seq=3 ttl=62 time=180.1 ms\n"
    "\n"
    "--- 10.0.0.17 ping statistics ---\n"
    "3 packets transmitted, 2 received, 33.3333% packet loss, time 402ms\n"
    "rtt min/avg/max/mdev = 180.101/180.220/180.342/0.090 ms\n";

static const char dup_reorder[] =
    "PING 192.168.0.92 (192.168.0.92) 56(84) bytes of data.\n"
    "64 bytes from 192.168.0.92: icmp_seq=1 ttl=62 time=229 ms\n"
    "64 bytes from 192.168.0.92: icmp_seq=3 ttl=62 time=229 ms\n"
    "64 bytes from 192.168.0.92: icmp_seq=2 ttl=61 time=229 ms\n"
    "64 bytes from 192.168.0.92: icmp_seq=2 ttl=61 time=229 ms (DUP!)\n"
    "\n"
    "--- 192.168.0.92 ping statistics ---\n"
    "3 packets transmitted, 3 received, +1 duplicates, 0% packet loss, time 402ms\n"
    "rtt min/avg/max/mdev = 229.000/229.000/229.000/0.000 ms\n";

static void
test_all_replies(void **state)
{
	struct lab_ping_result r;

	assert_int_equal(lab_ping_parse(all_replies, strlen(all_replies), &r), 0);
	assert_int_equal(r.tx, 3);
	assert_int_equal(r.rx, 3);
	assert_int_equal(r.errors, 0);
	assert_true(r.loss_pct == 0.0);
	assert_true(r.have_rtt);
	assert_true(r.rtt_min == 0.027 && r.rtt_avg == 0.034 && r.rtt_max == 0.039);
	assert_true(r.rtt_mdev == 0.005);
	assert_int_equal(r.ttl, 64);
	assert_false(r.ttl_varies);
	assert_int_equal(r.replies, 3);
	assert_int_equal(r.out_of_order, 0);
	assert_true(lab_ping_ok(&r, true));
	assert_false(lab_ping_ok(&r, false));
}

static void
test_no_reply(void **state)
{
	struct lab_ping_result r;

	assert_int_equal(lab_ping_parse(no_reply, strlen(no_reply), &r), 0);
	assert_int_equal(r.tx, 3);
	assert_int_equal(r.rx, 0);
	assert_true(r.loss_pct == 100.0);
	assert_false(r.have_rtt);
	assert_int_equal(r.ttl, -1);
	assert_false(lab_ping_ok(&r, true));
	assert_true(lab_ping_ok(&r, false));
}

static void
test_errors_only(void **state)
{
	struct lab_ping_result r;

	assert_int_equal(lab_ping_parse(errors_only, strlen(errors_only), &r), 0);
	assert_int_equal(r.tx, 3);
	assert_int_equal(r.rx, 0);
	assert_int_equal(r.errors, 2);
	assert_int_equal(r.replies, 0);
	assert_true(r.loss_pct == 100.0);
	assert_int_equal(r.ttl, -1);
	/* An ICMP error is no reply: unreachable as expected. */
	assert_true(lab_ping_ok(&r, false));
	assert_false(lab_ping_ok(&r, true));
}

static void
test_partial(void **state)
{
	struct lab_ping_result r;

	assert_int_equal(lab_ping_parse(partial, strlen(partial), &r), 0);
	assert_int_equal(r.tx, 3);
	assert_int_equal(r.rx, 2);
	assert_in_range((unsigned)(r.loss_pct * 10000), 333332, 333334);
	assert_true(r.rtt_avg == 180.220);
	assert_int_equal(r.ttl, 62);
	assert_false(lab_ping_ok(&r, true));
	assert_false(lab_ping_ok(&r, false));
}

static void
test_dup_reorder(void **state)
{
	struct lab_ping_result r;

	assert_int_equal(lab_ping_parse(dup_reorder, strlen(dup_reorder), &r), 0);
	assert_int_equal(r.rx, 3);
	assert_int_equal(r.dups, 1);
	assert_int_equal(r.replies, 4);
	assert_int_equal(r.out_of_order, 1);
	assert_int_equal(r.ttl, 62);
	assert_true(r.ttl_varies);
	assert_true(lab_ping_ok(&r, true));
}

static void
test_garbage(void **state)
{
	static const char trunc[] = "PING 10.0.0.1 (10.0.0.1) 56(84) bytes of data.\n"
	    "64 bytes from 10.0.0.1: icmp_seq=1 ttl=64 time=0.1 ms\n";
	static const char bad[] = "ping: connect: Network is unreachable\n";
	static const char noisy[] = "x packets transmitted, 3 received\n"
	    "3 packets transmitted, 3 received\n"
	    "64 bytes from : icmp_seq= ttl=\nrtt min/avg/max/mdev = 1/2\n";
	struct lab_ping_result r;
	char big[2000];

	/* Killed before its summary: no verdict either way. */
	assert_int_equal(lab_ping_parse(trunc, strlen(trunc), &r), -1);
	assert_false(lab_ping_ok(&r, true));
	assert_false(lab_ping_ok(&r, false));
	assert_int_equal(lab_ping_parse(bad, strlen(bad), &r), -1);
	/* No route at all: nothing sent, which is "unreachable" as expected. */
	assert_true(r.no_route);
	assert_true(lab_ping_ok(&r, false));
	assert_false(lab_ping_ok(&r, true));
	assert_int_equal(lab_ping_parse("", 0, &r), -1);
	assert_int_equal(lab_ping_parse(noisy, strlen(noisy), &r), -1);
	assert_false(r.have_rtt);
	assert_int_equal(r.replies, 0);
	/* A line longer than the parser's line buffer, no newline at the end. */
	memset(big, '9', sizeof(big));
	assert_int_equal(lab_ping_parse(big, sizeof(big), &r), -1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_all_replies),
		cmocka_unit_test(test_no_reply),
		cmocka_unit_test(test_errors_only),
		cmocka_unit_test(test_partial),
		cmocka_unit_test(test_dup_reorder),
		cmocka_unit_test(test_garbage),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
