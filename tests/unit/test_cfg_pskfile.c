/*
 * psk_file loading (docs/network-file.md "vpn_connections"): the key is read once
 * at load, relative to the network file's directory; one trailing newline is cut;
 * an empty, oversized, multi-line, group/world-readable or non-regular file is an
 * error at the psk_file value's line:col; the AWS PSK rule (beh. 23) applies to the
 * file's key as to an inline psk.  Key files are written here with mode 0600,
 * which git cannot store, so this is a unit test rather than a golden case.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>

#include "config/cfg.h"

struct dir {
	char	path[64];
};

static void
put(const struct dir *d, const char *name, const void *data, size_t len, mode_t mode)
{
	char p[256];
	FILE *f;

	snprintf(p, sizeof(p), "%s/%s", d->path, name);
	f = fopen(p, "w");
	assert_non_null(f);
	assert_int_equal(fwrite(data, 1, len, f), len);
	assert_int_equal(fclose(f), 0);
	assert_int_equal(chmod(p, mode), 0);
}

/* The network file: line 22 is the psk_file key (value at column 19). */
static const char net_fmt[] =
    "version: 1\n"
    "name: t\n"
    "regions:\n"
    "  - name: r1\n"
    "    cloud: onprem\n"
    "vpn_gateways:\n"
    "  - name: gw-a\n"
    "    region: r1\n"
    "    interfaces: [192.0.2.1]\n"
    "  - name: gw-b\n"
    "    region: r1\n"
    "    interfaces: [192.0.2.2]\n"
    "vpn_connections:\n"
    "  - name: c\n"
    "    left: { gateway: gw-a }\n"
    "    right: { gateway: gw-b }\n"
    "    profile: %s\n"
    "    lifetime_child_s: 1800\n"
    "    tunnels:\n"
    "      - left_ip: 192.0.2.1\n"
    "        right_ip: 192.0.2.2\n"
    "        psk_file: %s\n";

/* Load a network whose one tunnel has `psk_file: keyname`. */
static struct cfg_net *
load(const struct dir *d, const char *profile, const char *keyname,
    struct cfg_diag *diag)
{
	char p[256], text[1024];
	int n;

	n = snprintf(text, sizeof(text), net_fmt, profile, keyname);
	put(d, "net.yaml", text, (size_t)n, 0644);
	snprintf(p, sizeof(p), "%s/net.yaml", d->path);
	cfg_diag_init(diag);
	return cfg_load_file(p, diag);
}

/* The one error of a failed load, at the psk_file value, containing `want`. */
static void
expect_error(const struct dir *d, const char *profile, const char *keyname,
    const char *want)
{
	struct cfg_diag diag;
	struct cfg_net *net = load(d, profile, keyname, &diag);

	if (net != NULL || diag.nerrors != 1)
		cfg_diag_print(&diag, stderr);
	assert_null(net);
	assert_int_equal(diag.nerrors, 1);
	assert_int_equal(diag.v[0].line, 22);
	assert_int_equal(diag.v[0].col, 19);
	if (strstr(diag.v[0].msg, want) == NULL)
		fail_msg("error \"%s\" lacks \"%s\"", diag.v[0].msg, want);
	cfg_diag_free(&diag);
}

static void
expect_key(const struct dir *d, const char *profile, const char *keyname,
    const char *key)
{
	struct cfg_diag diag;
	struct cfg_net *net = load(d, profile, keyname, &diag);

	if (net == NULL)
		cfg_diag_print(&diag, stderr);
	assert_non_null(net);
	assert_null(net->vpn_connections[0].tunnels[0].psk);
	assert_string_equal(cfg_tunnel_psk(&net->vpn_connections[0].tunnels[0]), key);
	cfg_free(net);
	cfg_diag_free(&diag);
}

static int
setup(void **state)
{
	struct dir *d = calloc(1, sizeof(*d));

	if (d == NULL)
		return -1;
	snprintf(d->path, sizeof(d->path), "/tmp/test_cfg_pskfile.XXXXXX");
	if (mkdtemp(d->path) == NULL)
		return -1;
	*state = d;
	return 0;
}

static int
teardown(void **state)
{
	struct dir *d = *state;
	char cmd[128];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", d->path);
	if (system(cmd) != 0)
		return -1;
	free(d);
	return 0;
}

static void
test_loaded(void **state)
{
	const struct dir *d = *state;
	char abs[256];

	/* One trailing newline is cut, no more (a second one is an error below). */
	put(d, "nl.key", "lab.file.key.one\n", 17, 0600);
	expect_key(d, "aws", "nl.key", "lab.file.key.one");
	put(d, "bare.key", "lab.file.key.two", 16, 0600);
	expect_key(d, "aws", "bare.key", "lab.file.key.two");
	/* Outside the AWS rules any printable key goes. */
	put(d, "any.key", "0 any key: here!\n", 17, 0400);
	expect_key(d, "gcp", "any.key", "0 any key: here!");
	/* Absolute paths are taken as they are. */
	snprintf(abs, sizeof(abs), "%s/nl.key", d->path);
	expect_key(d, "aws", abs, "lab.file.key.one");
}

static void
test_changed_file_seen(void **state)
{
	const struct dir *d = *state;

	/* Each load reads the file again: a reload sees a new key. */
	put(d, "k.key", "first.key.aaaa\n", 15, 0600);
	expect_key(d, "aws", "k.key", "first.key.aaaa");
	put(d, "k.key", "second.key.bbbb\n", 16, 0600);
	expect_key(d, "aws", "k.key", "second.key.bbbb");
}

static void
test_errors(void **state)
{
	const struct dir *d = *state;
	static char big[4098];
	char p[256];

	expect_error(d, "aws", "nosuch.key", "cannot be read: No such file");
	put(d, "open.key", "lab.file.key.one\n", 17, 0640);
	expect_error(d, "aws", "open.key", "accessible by group or others");
	put(d, "empty.key", "", 0, 0600);
	expect_error(d, "aws", "empty.key", "is empty");
	put(d, "nl-only.key", "\n", 1, 0600);
	expect_error(d, "gcp", "nl-only.key", "is empty");
	put(d, "two-nl.key", "lab.file.key.one\n\n", 18, 0600);
	expect_error(d, "gcp", "two-nl.key", "control character (byte 17)");
	put(d, "crlf.key", "lab.file.key.one\r\n", 18, 0600);
	expect_error(d, "gcp", "crlf.key", "control character (byte 17)");
	put(d, "nul.key", "lab.file\0key.one", 16, 0600);
	expect_error(d, "gcp", "nul.key", "control character (byte 9)");
	memset(big, 'a', sizeof(big));
	put(d, "big.key", big, 4097, 0600);
	expect_error(d, "gcp", "big.key", "longer than 4096 bytes");
	/* keying: ike (the default) takes what the engine takes, 128 bytes. */
	put(d, "ike-max.key", big, 128, 0600);
	big[128] = '\0';
	expect_key(d, "gcp", "ike-max.key", big);
	big[128] = 'a';
	put(d, "ike-long.key", big, 129, 0600);
	expect_error(d, "gcp", "ike-long.key", "the key in psk_file of tunnel 1 is 129 "
	    "bytes long; keying: ike takes at most 128");
	/* The AWS rule, with the same wording as for an inline psk. */
	put(d, "short.key", "short\n", 6, 0600);
	expect_error(d, "aws", "short.key", "of tunnel 1 is shorter than 8 characters; "
	    "AWS allows");
	put(d, "zero.key", "0abcdefgh\n", 10, 0600);
	expect_error(d, "aws", "zero.key", "starts with '0'");
	put(d, "dash.key", "abcd-efgh\n", 10, 0600);
	expect_error(d, "aws", "dash.key", "contains a character other than");
	snprintf(p, sizeof(p), "%s/sub", d->path);
	assert_int_equal(mkdir(p, 0700), 0);
	expect_error(d, "aws", "sub", "is not a regular file");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_loaded, setup, teardown),
		cmocka_unit_test_setup_teardown(test_changed_file_seen, setup, teardown),
		cmocka_unit_test_setup_teardown(test_errors, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
