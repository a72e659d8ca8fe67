/*
 * td_test_fixture: a transitd context for unit tests without root, shared by
 * test_td_fwd.c, test_td_wan.c and test_td_fwd_tun.c.  td_fx_load() loads a
 * network from YAML text, builds it and plans node "n1" (attachments and
 * tunnels, nothing opened); td_fx_fake_tun() gives an attachment a socketpair
 * in place of its TUN device.  Tear down with td_release().  Header-only.
 */
#ifndef TRANSIT_TD_TEST_FIXTURE_H
#define TRANSIT_TD_TEST_FIXTURE_H

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <cmocka.h>

#include "common/ev.h"
#include "config/cfg.h"
#include "daemon/td.h"
#include "net/net.h"

static __attribute__((unused)) void
td_fx_load(struct td *td, const char *yaml, size_t len)
{
	struct cfg_diag d;

	cfg_diag_init(&d);
	td->cfg = cfg_load_buffer("t.yaml", yaml, len, &d);
	if (td->cfg == NULL)
		cfg_diag_print(&d, stderr);
	cfg_diag_free(&d);
	assert_non_null(td->cfg);
	td->net = net_build(td->cfg);
	td->node = cfg_find_node(td->cfg, "n1");
	td->ev = ev_new();
	td->fwd = td_fwd_new();
	dp_hash_init(&td->hash, 1);
	assert_int_equal(td_node_plan(td, td->cfg, td->net, td->node, &td->atts,
	    &td->natts, &td->tuns, &td->ntuns), 0);
}

/* Attachment i reads and writes a socketpair; the test's end is returned. */
static __attribute__((unused)) int
td_fx_fake_tun(struct td *td, size_t i)
{
	int sv[2];

	assert_int_equal(socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_NONBLOCK, 0, sv),
	    0);
	td->atts[i]->tun.fd = sv[0];
	return sv[1];
}

#endif
