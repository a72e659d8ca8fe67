/*
 * lab_tmpl: the daemon command template of `transitlab up` (docs/lab.md "The
 * daemon command"): the default template for network A's virginia node (two VPCs:
 * two --netns pairs), several placeholders in one word, blanks and tabs, an
 * unknown placeholder kept as written, {netns} with no VPC, the argument cap.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "lab/lab_tmpl.h"

static const struct lab_tmpl_var vars[] = {
	{ "{transitd}", "/usr/sbin/transitd" },
	{ "{net}", "/srv/net.yaml" },
	{ "{node}", "virginia" },
	{ "{sock}", "/run/transitlab/a/sock/virginia.sock" },
	{ "{ready}", "/run/transitlab/a/ready/virginia" },
};
static const struct lab_tmpl_netns two[] = {
	{ "aws-vpc1", "/run/netns/tl1234-v-aws-vpc1" },
	{ "aws-vpc2", "/run/netns/tl1234-v-aws-vpc2" },
};

static void
test_default(void **state)
{
	static const char *const want[] = { "/usr/sbin/transitd", "-c", "/srv/net.yaml",
	    "-n", "virginia", "-f", "-s", "/run/transitlab/a/sock/virginia.sock",
	    "--netns", "aws-vpc1=/run/netns/tl1234-v-aws-vpc1",
	    "--netns", "aws-vpc2=/run/netns/tl1234-v-aws-vpc2" };
	char **argv;
	size_t n, i;

	n = lab_tmpl_expand("{transitd} -c {net} -n {node} -f -s {sock} {netns}", vars, 5,
	    two, 2, &argv);
	assert_int_equal(n, 12);
	for (i = 0; i < n; i++)
		assert_string_equal(argv[i], want[i]);
	assert_null(argv[n]);
	lab_tmpl_free(argv);
}

static void
test_words(void **state)
{
	char **argv;
	size_t n;

	/* Tabs and runs of blanks separate; placeholders inside words; unknown kept. */
	n = lab_tmpl_expand("  sh\t/x/stub.sh   --node={node},{node} {ready}.tmp {nope} {"
	    " {netns}x ", vars, 5, two, 2, &argv);
	assert_int_equal(n, 7);
	assert_string_equal(argv[0], "sh");
	assert_string_equal(argv[1], "/x/stub.sh");
	assert_string_equal(argv[2], "--node=virginia,virginia");
	assert_string_equal(argv[3], "/run/transitlab/a/ready/virginia.tmp");
	assert_string_equal(argv[4], "{nope}");
	assert_string_equal(argv[5], "{");
	/* {netns} expands only as a whole word. */
	assert_string_equal(argv[6], "{netns}x");
	lab_tmpl_free(argv);
}

static void
test_no_vpcs_and_empty(void **state)
{
	char **argv;

	assert_int_equal(lab_tmpl_expand("d {netns} -f", vars, 5, NULL, 0, &argv), 2);
	assert_string_equal(argv[0], "d");
	assert_string_equal(argv[1], "-f");
	lab_tmpl_free(argv);
	assert_int_equal(lab_tmpl_expand(" \t ", vars, 5, two, 2, &argv), 0);
	assert_null(argv[0]);
	lab_tmpl_free(argv);
}

static void
test_cap(void **state)
{
	char *t = malloc(LAB_TMPL_MAX_ARGS * 4 + 16), **argv;
	size_t i, len = 0;

	assert_non_null(t);
	for (i = 0; i < LAB_TMPL_MAX_ARGS + 10; i++)
		len += (size_t)sprintf(t + len, "a ");
	assert_int_equal(lab_tmpl_expand(t, vars, 5, two, 2, &argv), LAB_TMPL_MAX_ARGS - 1);
	assert_null(argv[LAB_TMPL_MAX_ARGS - 1]);
	lab_tmpl_free(argv);
	free(t);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_default),
		cmocka_unit_test(test_words),
		cmocka_unit_test(test_no_vpcs_and_empty),
		cmocka_unit_test(test_cap),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
