/*
 * transitctl: shared declarations of the command table.  Each subcommand lives in its
 * own file and returns the process exit status:
 *   0 success / valid, 1 the input is invalid or the request failed,
 *   2 usage error, 3 the daemon could not be reached.
 */
#ifndef TRANSITCTL_CTL_H
#define TRANSITCTL_CTL_H

#include <stdbool.h>
#include <stdio.h>

enum {
	CTL_EXIT_OK = 0,
	CTL_EXIT_INVALID = 1,
	CTL_EXIT_USAGE = 2,
	CTL_EXIT_UNREACHABLE = 3,
};

struct ctl_opts {
	const char	*sock;		/* -s: control socket */
	bool		 json;		/* -j: JSON output */
	bool		 verbose;	/* -v */
};

/* Named ctl_subcmd, not ctl_cmd: src/ctl/ctl_proto.h owns that name. */
struct ctl_subcmd {
	const char	*name;
	const char	*args;
	const char	*help;
	int		(*run)(const struct ctl_opts *, int, char **);
};

int	ctl_cmd_check(const struct ctl_opts *, int, char **);
int	ctl_cmd_show(const struct ctl_opts *, int, char **);
int	ctl_cmd_reload(const struct ctl_opts *, int, char **);
int	ctl_cmd_sa(const struct ctl_opts *, int, char **);
int	ctl_cmd_tunnel(const struct ctl_opts *, int, char **);
/* Print a subcommand's help (show.c: the show/sa topics); false when unknown. */
bool	ctl_show_help(const char *cmd, FILE *);
int	ctl_usage_error(const char *cmd, const char *fmt, ...)
	    __attribute__((format(printf, 2, 3)));

#endif
