/*
 * transitctl: the command line of transit.  `check` works on a network file alone;
 * the other subcommands talk to a running transitd over its control socket (see
 * docs/control-protocol.md once the daemon exists).  Modelled on bgpctl/birdc/wg: a
 * table of subcommands, each with a one-line help, human tables by default, -j JSON.
 */
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ctl.h"

static int cmd_help(const struct ctl_opts *, int, char **);
static int cmd_version(const struct ctl_opts *, int, char **);

static const struct ctl_subcmd commands[] = {
	{ "check", "[--all] [--table NAME] NET.yaml",
	    "validate a network file and print every route table it implies", ctl_cmd_check },
	{ "show", "[-j] WHAT [ARGS]",
	    "ask a running transitd: attachments, route-tables, routes, tunnels, sas, "
	    "ike-sas, child-sas, counters", ctl_cmd_show },
	{ "reload", "", "make transitd re-read its network file", ctl_cmd_reload },
	{ "sa", "delete|install TUNNEL", "delete or re-install a tunnel's SAs",
	    ctl_cmd_sa },
	{ "tunnel", "up|down|rekey TUNNEL", "IKE: initiate, delete or rekey a tunnel",
	    ctl_cmd_tunnel },
	{ "version", "", "print the version", cmd_version },
	{ "help", "[COMMAND]", "show this help, or one command's", cmd_help },
};

static void
usage(FILE *f)
{
	size_t i;

	fprintf(f, "usage: transitctl [-jv] [-s SOCKET] COMMAND [ARGS...]\n\n"
	    "options:\n"
	    "  -j          JSON output (for scripts)\n"
	    "  -s SOCKET   control socket of a running transitd\n"
	    "  -v          more detail\n"
	    "  -h          this help\n\ncommands:\n");
	for (i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		fprintf(f, "  %-8s %-34s %s\n", commands[i].name, commands[i].args,
		    commands[i].help);
	fprintf(f, "\nexit status: 0 ok/valid, 1 invalid input or failed request, "
	    "2 usage error, 3 daemon unreachable\n");
}

int
ctl_usage_error(const char *cmd, const char *fmt, ...)
{
	va_list ap;
	size_t i;

	fprintf(stderr, "transitctl %s: ", cmd);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	for (i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		if (strcmp(commands[i].name, cmd) == 0)
			fprintf(stderr, "usage: transitctl %s %s\n", cmd, commands[i].args);
	return CTL_EXIT_USAGE;
}

static int
cmd_help(const struct ctl_opts *o, int argc, char **argv)
{
	size_t i;

	if (argc < 2) {
		usage(stdout);
		return CTL_EXIT_OK;
	}
	for (i = 0; i < sizeof(commands) / sizeof(commands[0]); i++) {
		if (strcmp(commands[i].name, argv[1]) == 0) {
			printf("transitctl %s %s\n  %s\n", commands[i].name, commands[i].args,
			    commands[i].help);
			(void)ctl_show_help(commands[i].name, stdout);
			return CTL_EXIT_OK;
		}
	}
	return ctl_usage_error("help", "unknown command '%s'", argv[1]);
}

static int
cmd_version(const struct ctl_opts *o, int argc, char **argv)
{
	printf("transitctl %s\n", TRANSIT_VERSION);
	return CTL_EXIT_OK;
}

int
main(int argc, char **argv)
{
	struct ctl_opts o = { NULL, false, false };
	size_t i;
	int ch;

	while ((ch = getopt(argc, argv, "+hjs:vV")) != -1) {
		switch (ch) {
		case 'j':
			o.json = true;
			break;
		case 's':
			o.sock = optarg;
			break;
		case 'v':
			o.verbose = true;
			break;
		case 'V':
			return cmd_version(&o, 0, NULL);
		case 'h':
			usage(stdout);
			return CTL_EXIT_OK;
		default:
			usage(stderr);
			return CTL_EXIT_USAGE;
		}
	}
	argc -= optind;
	argv += optind;
	if (argc < 1) {
		usage(stderr);
		return CTL_EXIT_USAGE;
	}
	for (i = 0; i < sizeof(commands) / sizeof(commands[0]); i++) {
		if (strcmp(commands[i].name, argv[0]) == 0) {
			optind = 1;	/* subcommands parse their own options */
			return commands[i].run(&o, argc, argv);
		}
	}
	fprintf(stderr, "transitctl: unknown command '%s' (try 'transitctl help')\n", argv[0]);
	return CTL_EXIT_USAGE;
}
