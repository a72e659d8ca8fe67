/*
 * transitctl show / reload / sa / tunnel: ask a running transitd over its control socket
 * (docs/control-protocol.md "transitd commands") and print the answer as a table
 * (birdc/swanctl style) or, with -j, as the JSON result.
 *
 *   exit 0 ok, 1 the daemon refused or failed, 2 usage, 3 daemon unreachable.
 */
#include <getopt.h>
#include <glob.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "ctl/ctl_client.h"
#include "ctl.h"

#define CALL_TIMEOUT_MS	10000

struct topic {
	const char	*name;
	const char	*args;
	const char	*help;
};

static const struct topic show_topics[] = {
	{ "attachments", "", "TUN attachments: device, namespace, state, routes, counters" },
	{ "route-tables", "[NAME]", "route tables with their prefix counts" },
	{ "routes", "TABLE", "the active routes of one route table" },
	{ "tunnels", "", "tunnels: addresses, keying, state, SPIs, counters" },
	{ "sas", "[--keys]", "ESP SAs; --keys adds the key material (main socket only; "
	    "for tshark's ESP SA table)" },
	{ "ike-sas", "", "IKE SAs (keying ike): state, role, ids, suite, SPIs, rekey" },
	{ "child-sas", "", "Child SA pairs (keying ike): SPIs, suite, rekey, counters" },
	{ "counters", "", "packets, bytes and drops by reason, per attachment and tunnel" },
};

bool
ctl_show_help(const char *cmd, FILE *f)
{
	size_t i;

	if (strcmp(cmd, "show") == 0) {
		fprintf(f, "\n  transitctl [-j] [-s SOCKET] show WHAT:\n");
		for (i = 0; i < sizeof(show_topics) / sizeof(show_topics[0]); i++)
			fprintf(f, "    %-13s %-9s %s\n", show_topics[i].name,
			    show_topics[i].args, show_topics[i].help);
		return true;
	}
	if (strcmp(cmd, "sa") == 0) {
		fprintf(f, "\n    delete TUNNEL  delete the SAs of TUNNEL (CONNECTION/N): "
		    "its traffic is dropped (fail closed)\n"
		    "    install TUNNEL re-derive and install a manually keyed tunnel's "
		    "SAs\n");
		return true;
	}
	if (strcmp(cmd, "tunnel") == 0) {
		fprintf(f, "\n    up TUNNEL      initiate the IKE SA of TUNNEL (CONNECTION/N)\n"
		    "    down TUNNEL    delete its IKE and Child SAs: traffic is dropped "
		    "(fail closed)\n"
		    "    rekey TUNNEL   rekey its Child SA (make-before-break)\n");
		return true;
	}
	if (strcmp(cmd, "reload") == 0) {
		fprintf(f, "\n  An invalid file changes nothing; its errors are printed.\n");
		return true;
	}
	return false;
}

/* The socket: -s, else the only /run/transitd/ *.sock there is. */
static const char *
sock_path(const struct ctl_opts *o, char *buf, size_t len)
{
	glob_t g;
	const char *r = NULL;

	if (o->sock != NULL)
		return o->sock;
	if (glob(CTL_DEFAULT_SOCKDIR "/*.sock", 0, NULL, &g) == 0) {
		if (g.gl_pathc == 1) {
			snprintf(buf, len, "%s", g.gl_pathv[0]);
			r = buf;
		}
		globfree(&g);
	}
	return r;
}

static int
call(const struct ctl_opts *o, const char *cmd, json_t *args, json_t **res)
{
	struct ctl_error err;
	char buf[4096];
	const char *sock = sock_path(o, buf, sizeof(buf));

	if (sock == NULL) {
		fprintf(stderr, "transitctl: no control socket: give -s SOCKET (none or "
		    "several in %s)\n", CTL_DEFAULT_SOCKDIR);
		json_decref(args);
		return CTL_EXIT_UNREACHABLE;
	}
	if (ctl_client_call(sock, cmd, args, CALL_TIMEOUT_MS, res, &err) == -1) {
		json_decref(args);
		if (strcmp(err.code, CTL_E_CONNECT) == 0 ||
		    strcmp(err.code, CTL_E_TIMEOUT) == 0 ||
		    strcmp(err.code, CTL_E_IO) == 0) {
			fprintf(stderr, "transitctl: transitd at %s unreachable: %s\n", sock,
			    err.message);
			return CTL_EXIT_UNREACHABLE;
		}
		ctl_str_printable(err.message);
		fprintf(stderr, "transitctl %s: %s: %s\n", cmd, err.code, err.message);
		return CTL_EXIT_INVALID;
	}
	json_decref(args);
	return CTL_EXIT_OK;
}

static const char *
str(const json_t *o, const char *k)
{
	const char *s = json_string_value(json_object_get(o, k));

	return s != NULL ? s : "-";
}

static json_int_t
num(const json_t *o, const char *k)
{
	return json_integer_value(json_object_get(o, k));
}

static json_int_t
drops_total(const json_t *c)
{
	const char *k;
	json_t *v;
	json_int_t n = 0;

	json_object_foreach(json_object_get(c, "drops"), k, v)
		if (strncmp(k, "parse_", 6) != 0)
			n += json_integer_value(v);
	return n;
}

static void
drops_line(const json_t *c)
{
	const char *k;
	json_t *v;
	int first = 1;

	json_object_foreach(json_object_get(c, "drops"), k, v) {
		printf("%s%s=%" JSON_INTEGER_FORMAT, first ? "    drops: " : ", ", k,
		    json_integer_value(v));
		first = 0;
	}
	if (!first)
		putchar('\n');
}

static void
print_attachments(const json_t *r)
{
	size_t i, j;
	json_t *a;

	printf("%-16s %-12s %-14s %-12s %-10s %-5s %-5s %10s %10s %8s\n", "NAME", "KIND",
	    "GATEWAY", "VPC", "DEVICE", "STATE", "MTU", "RX", "TX", "DROPS");
	json_array_foreach(r, i, a) {
		json_t *c = json_object_get(a, "counters"), *rt = json_object_get(a, "routes");

		printf("%-16s %-12s %-14s %-12s %-10s %-5s %-5" JSON_INTEGER_FORMAT
		    " %10" JSON_INTEGER_FORMAT " %10" JSON_INTEGER_FORMAT
		    " %8" JSON_INTEGER_FORMAT "\n", str(a, "name"), str(a, "kind"),
		    str(a, "gateway"), str(a, "vpc"), str(a, "device"), str(a, "state"),
		    num(a, "mtu"), num(c, "rx_packets"), num(c, "tx_packets"),
		    drops_total(c));
		printf("    netns %s, eni %s, routes:",
		    json_is_string(json_object_get(a, "netns")) ? str(a, "netns") : "(ours)",
		    str(a, "eni"));
		for (j = 0; j < json_array_size(rt); j++)
			printf(" %s", json_string_value(json_array_get(rt, j)));
		printf("%s\n", json_array_size(rt) == 0 ? " none" : "");
	}
}

static void
print_route_tables(const json_t *r)
{
	size_t i;
	json_t *t;

	printf("%-24s %-5s %-16s %8s\n", "TABLE", "KIND", "HUB", "PREFIXES");
	json_array_foreach(r, i, t)
		printf("%-24s %-5s %-16s %8" JSON_INTEGER_FORMAT "\n", str(t, "name"),
		    str(t, "kind"), json_is_string(json_object_get(t, "hub")) ?
		    str(t, "hub") : "-", num(t, "prefixes"));
}

static void
print_routes(const json_t *r)
{
	size_t i, j, k;
	json_t *t, *rt, *tg;

	json_array_foreach(r, i, t) {
		printf("route table %s (%s, %s)\n", str(t, "name"), str(t, "kind"),
		    str(t, "owner"));
		printf("  %-18s %-24s %-11s %-10s %s\n", "CIDR", "TARGET", "TYPE",
		    "ORIGIN", "STATE");
		json_array_foreach(json_object_get(t, "routes"), j, rt) {
			char tgt[256] = "";
			size_t off = 0;

			json_array_foreach(json_object_get(rt, "targets"), k, tg) {
				int n = snprintf(tgt + off, sizeof(tgt) - off, "%s%s", k ? "," : "",
				    json_object_get(tg, "name") != NULL ? str(tg, "name") :
				    str(tg, "type"));

				if (n < 0 || (size_t)n >= sizeof(tgt) - off)
					break;
				off += (size_t)n;
			}
			printf("  %-18s %-24s %-11s %-10s %s\n", str(rt, "cidr"), tgt,
			    str(rt, "type"), str(rt, "origin"), str(rt, "state"));
		}
	}
}

static void
print_tunnels(const json_t *r)
{
	size_t i;
	json_t *t;

	printf("%-18s %-5s %-15s %-15s %-7s %-12s %-6s %-10s %-10s %9s %9s %7s\n", "TUNNEL",
	    "SIDE", "LOCAL", "PEER", "KEYING", "TRANSFORM", "STATE", "SPI-IN", "SPI-OUT",
	    "RX", "TX", "DROPS");
	json_array_foreach(r, i, t) {
		json_t *c = json_object_get(t, "counters");

		printf("%-18s %-5s %-15s %-15s %-7s %-12s %-6s 0x%08llx 0x%08llx %9" JSON_INTEGER_FORMAT
		    " %9" JSON_INTEGER_FORMAT " %7" JSON_INTEGER_FORMAT "\n",
		    str(t, "name"), str(t, "side"), str(t, "local"), str(t, "peer"),
		    str(t, "keying"), str(t, "transform"), str(t, "state"),
		    (unsigned long long)num(t, "spi_in"),
		    (unsigned long long)num(t, "spi_out"), num(c, "rx_packets"),
		    num(c, "tx_packets"), drops_total(c));
		drops_line(c);
	}
}

static void
print_sas(const json_t *r)
{
	size_t i;
	json_t *s;

	printf("%-18s %-3s %-10s %-15s %-15s %-12s %-5s %9s %11s\n", "TUNNEL", "DIR",
	    "SPI", "SRC", "DST", "TRANSFORM", "STATE", "PACKETS", "BYTES");
	json_array_foreach(r, i, s) {
		printf("%-18s %-3s 0x%08llx %-15s %-15s %-12s %-5s %9"
		    JSON_INTEGER_FORMAT " %11" JSON_INTEGER_FORMAT "\n", str(s, "tunnel"),
		    str(s, "direction"), (unsigned long long)num(s, "spi"), str(s, "src"), str(s, "dst"),
		    str(s, "transform"), str(s, "state"), num(s, "packets"),
		    num(s, "bytes"));
		if (json_object_get(s, "key") != NULL)
			printf("    key %s\n", str(s, "key"));
		drops_line(s);
	}
}

static void
print_ike_sas(const json_t *r)
{
	size_t i;
	json_t *s;

	json_array_foreach(r, i, s) {
		printf("%s: IKEv%" JSON_INTEGER_FORMAT ", %s, %s[%s] <-> %s, profile %s, "
		    "startup %s\n", str(s, "tunnel"), num(s, "version"), str(s, "state"),
		    str(s, "local"), str(s, "role"), str(s, "peer"), str(s, "profile"),
		    str(s, "startup"));
		printf("  local '%s', remote '%s'\n", str(s, "local_id"),
		    str(s, "remote_id"));
		if (json_object_get(s, "ike_proposals") != NULL ||
		    json_object_get(s, "esp_proposals") != NULL)
			printf("  proposals IKE %s, ESP %s\n",
			    json_object_get(s, "ike_proposals") != NULL ?
			    str(s, "ike_proposals") : str(s, "profile"),
			    json_object_get(s, "esp_proposals") != NULL ?
			    str(s, "esp_proposals") : str(s, "profile"));
		if (json_object_get(s, "suite") != NULL)
			printf("  %s\n", str(s, "suite"));
		if (json_object_get(s, "spi_i") != NULL)
			printf("  SPIs %s_i %s_r%s, established %" JSON_INTEGER_FORMAT
			    "s ago, rekeying in %" JSON_INTEGER_FORMAT "s\n",
			    str(s, "spi_i"), str(s, "spi_r"),
			    json_is_true(json_object_get(s, "natt")) ? " (NAT-T)" : "",
			    num(s, "established_s"), num(s, "rekey_s"));
		printf("  %" JSON_INTEGER_FORMAT " IKE SA(s), %" JSON_INTEGER_FORMAT
		    " Child SA(s), lifetime %" JSON_INTEGER_FORMAT "s, DPD timeout %"
		    JSON_INTEGER_FORMAT "s\n", num(s, "ike_sas"), num(s, "child_sas"),
		    num(s, "lifetime_s"), num(s, "dpd_timeout_s"));
	}
}

static void
print_child_sas(const json_t *r)
{
	size_t i;
	json_t *s;

	json_array_foreach(r, i, s) {
		printf("%s: %s, %s, %s, SPIs 0x%08llx_i 0x%08llx_o\n", str(s, "tunnel"),
		    str(s, "state"), str(s, "transform"), str(s, "encap"),
		    (unsigned long long)num(s, "spi_in"),
		    (unsigned long long)num(s, "spi_out"));
		if (json_object_get(s, "suite") != NULL)
			printf("  %s\n", str(s, "suite"));
		printf("  installed %" JSON_INTEGER_FORMAT "s ago, rekeying in %"
		    JSON_INTEGER_FORMAT "s, expires in %" JSON_INTEGER_FORMAT "s\n",
		    num(s, "installed_s"), num(s, "rekey_s"), num(s, "expires_s"));
		printf("  in  %" JSON_INTEGER_FORMAT " packets, %" JSON_INTEGER_FORMAT
		    " bytes\n  out %" JSON_INTEGER_FORMAT " packets, %" JSON_INTEGER_FORMAT
		    " bytes\n", num(s, "packets_in"), num(s, "bytes_in"),
		    num(s, "packets_out"), num(s, "bytes_out"));
	}
}

static void
print_counters(const json_t *r)
{
	const char *k;
	json_t *c;
	size_t w;

	printf("%-26s %10s %12s %10s %12s %6s %8s\n", "", "RX-PKTS", "RX-BYTES", "TX-PKTS",
	    "TX-BYTES", "ICMP", "DROPS");
	for (w = 0; w < 3; w++) {
		const char *what = w == 0 ? "total" : w == 1 ? "attachments" : "tunnels";
		json_t *set = json_object_get(r, what);

		json_object_foreach(w == 0 ? NULL : set, k, c) {
			char label[64];

			snprintf(label, sizeof(label), "%s %s", w == 1 ? "att" : "tun", k);
			printf("%-26s %10" JSON_INTEGER_FORMAT " %12" JSON_INTEGER_FORMAT
			    " %10" JSON_INTEGER_FORMAT " %12" JSON_INTEGER_FORMAT " %6"
			    JSON_INTEGER_FORMAT " %8" JSON_INTEGER_FORMAT "\n", label,
			    num(c, "rx_packets"), num(c, "rx_bytes"), num(c, "tx_packets"),
			    num(c, "tx_bytes"), num(c, "icmp_sent"), drops_total(c));
			drops_line(c);
		}
		if (w == 0 && set != NULL) {
			printf("%-26s %10" JSON_INTEGER_FORMAT " %12" JSON_INTEGER_FORMAT
			    " %10" JSON_INTEGER_FORMAT " %12" JSON_INTEGER_FORMAT " %6"
			    JSON_INTEGER_FORMAT " %8" JSON_INTEGER_FORMAT "\n", "total",
			    num(set, "rx_packets"), num(set, "rx_bytes"),
			    num(set, "tx_packets"), num(set, "tx_bytes"),
			    num(set, "icmp_sent"), drops_total(set));
			drops_line(set);
		}
	}
}

static int
output(const struct ctl_opts *o, json_t *res, void (*human)(const json_t *))
{
	if (o->json) {
		json_dumpf(res, stdout, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
		putchar('\n');
	} else
		human(res);
	json_decref(res);
	return CTL_EXIT_OK;
}

int
ctl_cmd_show(const struct ctl_opts *o, int argc, char **argv)
{
	struct ctl_opts oo = *o;
	json_t *res = NULL, *args = json_object();
	const char *what;
	bool keys = false;
	int i, rc;

	/* Accept -j and --keys anywhere after "show". */
	for (i = 1; i < argc; i++) {
		if (strcmp(argv[i], "-j") == 0)
			oo.json = true;
		else if (strcmp(argv[i], "--keys") == 0)
			keys = true;
		else if (strcmp(argv[i], "-h") == 0 || strcmp(argv[i], "--help") == 0) {
			json_decref(args);
			printf("usage: transitctl show WHAT\n");
			ctl_show_help("show", stdout);
			return CTL_EXIT_OK;
		} else
			continue;
		memmove(&argv[i], &argv[i + 1], (size_t)(argc - i - 1) * sizeof(*argv));
		argc--;
		i--;
	}
	if (argc < 2) {
		json_decref(args);
		ctl_show_help("show", stderr);
		return ctl_usage_error("show", "what to show?");
	}
	what = argv[1];
	if (keys && strcmp(what, "sas") != 0) {
		json_decref(args);
		return ctl_usage_error("show", "--keys goes with 'show sas'");
	}
	if (strcmp(what, "attachments") == 0 && argc == 2) {
		if ((rc = call(&oo, "show attachments", args, &res)) != 0)
			return rc;
		return output(&oo, res, print_attachments);
	}
	if (strcmp(what, "route-tables") == 0 && argc <= 3) {
		if (argc == 3)
			json_object_set_new(args, "name", json_string(argv[2]));
		if ((rc = call(&oo, "show route-tables", args, &res)) != 0)
			return rc;
		return output(&oo, res, print_route_tables);
	}
	if (strcmp(what, "routes") == 0 && argc == 3) {
		json_object_set_new(args, "table", json_string(argv[2]));
		if ((rc = call(&oo, "show routes", args, &res)) != 0)
			return rc;
		return output(&oo, res, print_routes);
	}
	if (strcmp(what, "tunnels") == 0 && argc == 2) {
		if ((rc = call(&oo, "show tunnels", args, &res)) != 0)
			return rc;
		return output(&oo, res, print_tunnels);
	}
	if (strcmp(what, "sas") == 0 && argc == 2) {
		if ((rc = call(&oo, keys ? "show sa-keys" : "show sas", args, &res)) != 0)
			return rc;
		return output(&oo, res, print_sas);
	}
	if (strcmp(what, "ike-sas") == 0 && argc == 2) {
		if ((rc = call(&oo, "show ike-sas", args, &res)) != 0)
			return rc;
		return output(&oo, res, print_ike_sas);
	}
	if (strcmp(what, "child-sas") == 0 && argc == 2) {
		if ((rc = call(&oo, "show child-sas", args, &res)) != 0)
			return rc;
		return output(&oo, res, print_child_sas);
	}
	if (strcmp(what, "counters") == 0 && argc == 2) {
		if ((rc = call(&oo, "show counters", args, &res)) != 0)
			return rc;
		return output(&oo, res, print_counters);
	}
	json_decref(args);
	ctl_show_help("show", stderr);
	return ctl_usage_error("show", "unknown or malformed 'show %s'", what);
}

static void
print_nothing(const json_t *r)
{
	(void)r;
}

int
ctl_cmd_reload(const struct ctl_opts *o, int argc, char **argv)
{
	json_t *res;
	int rc;

	if (argc != 1)
		return ctl_usage_error("reload", "no arguments expected");
	if ((rc = call(o, "reload", json_object(), &res)) != 0)
		return rc;
	if (!o->json)
		printf("reloaded: %" JSON_INTEGER_FORMAT " attachment(s), %"
		    JSON_INTEGER_FORMAT " tunnel(s)\n", num(res, "attachments"),
		    num(res, "tunnels"));
	return output(o, res, print_nothing);
}

int
ctl_cmd_sa(const struct ctl_opts *o, int argc, char **argv)
{
	json_t *res, *args;
	int rc;

	if (argc != 3 || (strcmp(argv[1], "delete") != 0 &&
	    strcmp(argv[1], "install") != 0))
		return ctl_usage_error("sa", "want 'sa delete TUNNEL' or 'sa install TUNNEL'");
	args = json_object();
	json_object_set_new(args, "tunnel", json_string(argv[2]));
	if ((rc = call(o, strcmp(argv[1], "delete") == 0 ? "sa delete" : "sa install",
	    args, &res)) != 0)
		return rc;
	if (!o->json) {
		if (strcmp(argv[1], "delete") == 0)
			printf("%s: %" JSON_INTEGER_FORMAT " SA(s) deleted\n", str(res, "tunnel"),
			    num(res, "deleted"));
		else
			printf("%s: SAs installed (in 0x%08llx, out 0x%08llx)\n",
			    str(res, "tunnel"), (unsigned long long)num(res, "spi_in"),
			    (unsigned long long)num(res, "spi_out"));
	}
	return output(o, res, print_nothing);
}

int
ctl_cmd_tunnel(const struct ctl_opts *o, int argc, char **argv)
{
	json_t *res, *args;
	char cmd[32];
	int rc;

	if (argc != 3 || (strcmp(argv[1], "up") != 0 && strcmp(argv[1], "down") != 0 &&
	    strcmp(argv[1], "rekey") != 0))
		return ctl_usage_error("tunnel", "want 'tunnel up|down|rekey TUNNEL'");
	args = json_object();
	json_object_set_new(args, "tunnel", json_string(argv[2]));
	snprintf(cmd, sizeof(cmd), "tunnel %s", argv[1]);
	if ((rc = call(o, cmd, args, &res)) != 0)
		return rc;
	if (!o->json)
		printf("%s: %s started\n", str(res, "tunnel"), str(res, "action"));
	return output(o, res, print_nothing);
}
