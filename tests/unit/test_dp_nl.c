/*
 * dp_nl against the running kernel, unprivileged: RTM_GETLINK by name agrees with
 * if_nametoindex(3), a missing link is ENODEV from the kernel's NLMSG_ERROR, bad
 * names never reach the kernel, and a request needing CAP_NET_ADMIN fails cleanly
 * (or, as root, succeeds on a harmless no-op).  Requests that change state inside
 * a namespace are covered by test_dp_tun_netns.c via tun_netns.test.sh.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <errno.h>
#include <string.h>
#include <unistd.h>
#include <net/if.h>
#include <cmocka.h>

#include "dataplane/dp_nl.h"

static void
test_ifindex(void **state)
{
	struct dp_nl nl;
	unsigned lo = if_nametoindex("lo");

	assert_int_equal(dp_nl_open(&nl, NULL), 0);
	assert_true(lo > 0);
	assert_int_equal(dp_nl_ifindex(&nl, "lo"), (int)lo);
	/* several requests on one socket: sequence numbers keep replies apart */
	assert_int_equal(dp_nl_ifindex(&nl, "lo"), (int)lo);
	errno = 0;
	assert_int_equal(dp_nl_ifindex(&nl, "trnosuch0"), -1);
	assert_int_equal(errno, ENODEV);
	errno = 0;
	assert_int_equal(dp_nl_ifindex(&nl, ""), -1);
	assert_int_equal(errno, EINVAL);
	assert_int_equal(dp_nl_ifindex(&nl, "a-name-longer-than-ifnamsiz"), -1);
	assert_int_equal(errno, EINVAL);
	assert_int_equal(dp_nl_ifindex(&nl, "lo"), (int)lo);
	dp_nl_close(&nl);
}

static void
test_privileged_request(void **state)
{
	struct dp_nl nl;
	int idx, rc;

	assert_int_equal(dp_nl_open(&nl, NULL), 0);
	idx = dp_nl_ifindex(&nl, "lo");
	/* lo is up in any namespace a test runs in; setting it up is a no-op. */
	rc = dp_nl_link_set(&nl, idx, 0, true);
	if (geteuid() == 0)
		assert_int_equal(rc, 0);
	else {
		assert_int_equal(rc, -1);
		assert_true(errno == EPERM || errno == EACCES);
	}
	dp_nl_close(&nl);
}

static void
test_bad_netns(void **state)
{
	struct dp_nl nl;

	assert_int_equal(dp_nl_open(&nl, "/nonexistent/netns"), -1);
	assert_int_equal(nl.fd, -1);
	dp_nl_close(&nl);	/* harmless on a failed open */
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ifindex),
		cmocka_unit_test(test_privileged_request),
		cmocka_unit_test(test_bad_netns),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
