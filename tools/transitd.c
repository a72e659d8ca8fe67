/*
 * transitd: the gateway daemon of one node (docs/daemon.md, docs/man/transitd.8).
 * Parses the command line and hands over to src/daemon (td_*).
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/log.h"
#include "common/util.h"
#include "config/cfg.h"
#include "daemon/td.h"

static void
usage(FILE *f)
{
	fprintf(f, "usage: transitd -c NET.yaml -n NODE [-fv] [-s SOCKET] "
	    "[--ro-socket PATH]\n               [--netns VPC=PATH ...] [--emulate-wan] "
	    "[--check]\n"
	    "  -c, --config FILE    the network file\n"
	    "  -n, --node NODE      the node of the file this daemon runs\n"
	    "  -f, --foreground     stay in the foreground, log to stderr\n"
	    "  -v, --verbose        debug logging\n"
	    "  -s, --socket PATH    control socket (default /run/transitd/NODE.sock)\n"
	    "      --ro-socket PATH read-only control socket (default beside the\n"
	    "                       default socket; none when -s is given)\n"
	    "      --netns VPC=PATH the router of VPC is the namespace at PATH\n"
	    "      --emulate-wan    CEN: delay cross-region traffic by the file's wan\n"
	    "                       delay, cap it at the CEN bandwidth (the lab)\n"
	    "      --check          validate the file and the node, then exit 0/1\n");
}

/* daemon() changes to /: keep relative paths meaning what they meant here. */
static char *
absolute(const char *path)
{
	char cwd[4096];

	if (path == NULL || path[0] == '/' || getcwd(cwd, sizeof(cwd)) == NULL)
		return path != NULL ? xstrdup(path) : NULL;
	return xasprintf("%s/%s", cwd, path);
}

static int
check(const char *path, const char *node)
{
	struct cfg_diag d;
	struct cfg_net *cfg;
	int rc = 0;

	cfg_diag_init(&d);
	cfg = cfg_load_file(path, &d);
	cfg_diag_print(&d, stderr);
	if (cfg == NULL)
		rc = 1;
	else if (cfg_find_node(cfg, node) == NULL) {
		fprintf(stderr, "%s: node '%s' is not defined\n", path, node);
		rc = 1;
	}
	cfg_free(cfg);
	cfg_diag_free(&d);
	if (rc == 0)
		printf("%s: valid; node %s found\n", path, node);
	return rc;
}

int
main(int argc, char **argv)
{
	static const struct option lopts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "node", required_argument, NULL, 'n' },
		{ "foreground", no_argument, NULL, 'f' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "socket", required_argument, NULL, 's' },
		{ "netns", required_argument, NULL, 'N' },
		{ "ro-socket", required_argument, NULL, 'R' },
		{ "check", no_argument, NULL, 'C' },
		{ "emulate-wan", no_argument, NULL, 'W' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct td_opts o;
	struct td *td;
	char *cfg_abs = NULL, *sock_abs = NULL, *ro_abs = NULL;
	char err[512];
	bool docheck = false;
	int ch, rc;
	size_t i;

	memset(&o, 0, sizeof(o));
	while ((ch = getopt_long(argc, argv, "c:n:fvs:h", lopts, NULL)) != -1) {
		switch (ch) {
		case 'c':
			o.cfg_path = optarg;
			break;
		case 'n':
			o.node = optarg;
			break;
		case 'f':
			o.foreground = true;
			break;
		case 'v':
			o.verbose++;
			break;
		case 's':
			o.sock = optarg;
			break;
		case 'N': {
			char *eq = strchr(optarg, '=');

			if (eq == NULL || eq == optarg || eq[1] == '\0') {
				fprintf(stderr, "transitd: --netns wants VPC=PATH, got '%s'\n",
				    optarg);
				return 2;
			}
			o.netns = xreallocarray(o.netns, o.nnetns + 1, sizeof(*o.netns));
			o.netns[o.nnetns].vpc = xstrdup(optarg);
			o.netns[o.nnetns].vpc[eq - optarg] = '\0';
			o.netns[o.nnetns].path = xstrdup(eq + 1);
			o.nnetns++;
			break;
		}
		case 'C':
			docheck = true;
			break;
		case 'W':
			o.emulate_wan = true;
			break;
		case 'R':
			o.ro_sock = optarg;
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (optind != argc || o.cfg_path == NULL || o.node == NULL) {
		usage(stderr);
		return 2;
	}
	if (docheck)
		rc = check(o.cfg_path, o.node);
	else {
		log_init("transitd", o.foreground, o.verbose >= 1 ? LOG_LVL_DEBUG :
		    LOG_LVL_INFO);
		o.cfg_path = cfg_abs = absolute(o.cfg_path);
		o.sock = sock_abs = absolute(o.sock);
		o.ro_sock = ro_abs = absolute(o.ro_sock);
		for (i = 0; i < o.nnetns; i++) {
			char *a = absolute(o.netns[i].path);

			free(o.netns[i].path);
			o.netns[i].path = a;
		}
		if (!o.foreground && daemon(0, 0) == -1)
			fatal("daemon");
		td = td_new(&o);
		if (td_start(td, err, sizeof(err)) == -1) {
			log_warnx("%s", err);
			rc = 1;
		} else
			rc = td_run(td) == -1 ? 1 : 0;
		td_free(td);
		log_info("stopped");
	}
	for (i = 0; i < o.nnetns; i++) {
		free(o.netns[i].vpc);
		free(o.netns[i].path);
	}
	free(o.netns);
	free(cfg_abs);
	free(sock_abs);
	free(ro_abs);
	return rc;
}
