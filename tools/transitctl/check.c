/*
 * transitctl check: validate a network file and print every route table the route
 * engine computes from it, without running anything.
 *
 *   exit 0: valid; 1: invalid (every error printed as file:line:col: ...); 2: usage.
 */
#include <getopt.h>
#include <jansson.h>
#include <stdio.h>
#include <string.h>

#include "config/cfg.h"
#include "net/net.h"
#include "ctl.h"

static void
errors_json(const struct cfg_diag *d)
{
	json_t *root = json_object(), *errs = json_array();
	size_t i;

	for (i = 0; i < d->n; i++) {
		json_t *e = json_object();

		json_object_set_new(e, "file", json_string(d->v[i].file != NULL ?
		    d->v[i].file : ""));
		json_object_set_new(e, "line", json_integer(d->v[i].line));
		json_object_set_new(e, "col", json_integer(d->v[i].col));
		json_object_set_new(e, "severity", json_string(d->v[i].warning ?
		    "warning" : "error"));
		json_object_set_new(e, "message", json_string(d->v[i].msg));
		json_array_append_new(errs, e);
	}
	json_object_set_new(root, "valid", json_false());
	json_object_set_new(root, "errors", errs);
	json_dumpf(root, stdout, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
	fputc('\n', stdout);
	json_decref(root);
}

int
ctl_cmd_check(const struct ctl_opts *o, int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "all", no_argument, NULL, 'a' },
		{ "table", required_argument, NULL, 't' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *table = NULL;
	unsigned flags = 0;
	struct cfg_diag diag;
	struct cfg_net *cfg;
	struct net *net;
	int ch, rc;

	while ((ch = getopt_long(argc, argv, "at:h", longopts, NULL)) != -1) {
		switch (ch) {
		case 'a':
			flags |= NET_PRINT_ALL;
			break;
		case 't':
			table = optarg;
			break;
		case 'h':
			printf("usage: transitctl [-j] check [--all] [--table NAME] NET.yaml\n"
			    "  Validate NET.yaml and print every hub and VPC route table.\n"
			    "  --all         also show routes that lose the decision (backup,\n"
			    "                conflict, overflow) with their origin and attributes\n"
			    "  --table NAME  only the table NAME (a hub table or a VPC)\n");
			return CTL_EXIT_OK;
		default:
			return ctl_usage_error("check", "bad option");
		}
	}
	if (optind != argc - 1)
		return ctl_usage_error("check", "expected one network file");
	cfg_diag_init(&diag);
	cfg = cfg_load_file(argv[optind], &diag);
	if (cfg == NULL) {
		if (o->json)
			errors_json(&diag);
		else {
			cfg_diag_print(&diag, stderr);
			fprintf(stderr, "%s: %zu error%s\n", argv[optind], diag.nerrors,
			    diag.nerrors == 1 ? "" : "s");
		}
		cfg_diag_free(&diag);
		return CTL_EXIT_INVALID;
	}
	if (diag.n > 0 && !o->json)
		cfg_diag_print(&diag, stderr);	/* warnings */
	net = net_build(cfg);
	if (o->json)
		rc = net_print_json(stdout, net, flags, table) == 0 ? CTL_EXIT_OK : CTL_EXIT_INVALID;
	else {
		net_print(stdout, net, flags, table);
		rc = CTL_EXIT_OK;
	}
	/* A table filter that matched nothing is a usage error worth saying. */
	net_free(net);
	cfg_free(cfg);
	cfg_diag_free(&diag);
	return rc;
}
