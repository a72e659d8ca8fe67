/*
 * transitlab: shared declarations of the lab command line (docs/lab.md,
 * docs/man/transitlab.8).  Each subcommand lives in its own file and returns the
 * exit status: 0 success, 1 failure (the lab could not be built, a ping pair
 * did not behave as expected, not root), 2 usage error.
 *
 * State of a lab NAME lives in /run/transitlab/NAME/ (see docs/lab.md "State"):
 *   name, id, netfile       what the lab is
 *   netns                   every namespace, written BEFORE it is created
 *   pids                    "ROLE NAME PID STARTTIME", written right after fork
 *   logs/NODE.log, logs/wan.log, sock/NODE.sock, ready/NODE, wan.ready, wan.stats
 * so `down` can undo a half-built lab after a crash or kill of `up`.
 */
#ifndef TRANSITLAB_LAB_H
#define TRANSITLAB_LAB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <sys/types.h>

#include "config/cfg.h"
#include "lab/lab_plan.h"

#define LAB_RUN_DIR	"/run/transitlab"
#define LAB_NETNS_DIR	"/run/netns"

enum {
	LAB_EXIT_OK = 0,
	LAB_EXIT_FAIL = 1,
	LAB_EXIT_USAGE = 2,
};

struct lab_opts {
	const char	*name;		/* --name */
	bool		 json;		/* -j */
	bool		 quiet;		/* -q: no progress lines */
};

struct lab_cmd {
	const char	*name;
	const char	*args;
	const char	*help;
	int		(*run)(struct lab_opts *, int, char **);
};

/* A lab as recorded in its state directory. */
struct lab_state {
	char		*dir;
	char		*name;
	char		*id;
	char		*netfile;
	struct cfg_net	*cfg;		/* lab_state_load with want_cfg */
	struct lab_plan	*plan;
};

int	lab_cmd_up(struct lab_opts *, int, char **);
int	lab_cmd_down(struct lab_opts *, int, char **);
int	lab_cmd_status(struct lab_opts *, int, char **);
int	lab_cmd_ping(struct lab_opts *, int, char **);
int	lab_cmd_wan(struct lab_opts *, int, char **);
int	lab_usage_error(const char *cmd, const char *fmt, ...)
	    __attribute__((format(printf, 2, 3)));

/* ---- state (state.c) ---- */
char	*lab_state_dir(const char *name);
/* The lab to act on: the given name, else the only one running. NULL + message. */
char	*lab_state_pick(const char *name);
int	lab_state_load(const char *name, bool want_cfg, struct lab_state *);
void	lab_state_free(struct lab_state *);
char	*lab_read_file(const char *path, size_t max, size_t *len);
int	lab_write_file(const char *path, const char *text);
int	lab_append_line(const char *path, const char *fmt, ...)
	    __attribute__((format(printf, 2, 3)));
/* Load a network file and its plan; messages on stderr. */
int	lab_load_net(const char *path, const char *name, const char *id,
	    struct cfg_net **, struct lab_plan **);

/* ---- processes and namespaces (sys.c) ---- */
/* Run argv and wait; output captured into out (may be NULL). Exit status or -1. */
int	lab_run(char *const argv[], char *out, size_t outlen);
/* `ip ARGS...` (NULL-terminated); on failure print the command and its error. */
int	lab_ip(const char *first, ...) __attribute__((sentinel));
/* fork + setsid + setns(netns) + exec, output appended to log; pid or -1. */
pid_t	lab_spawn(const char *netns, char *const argv[], const char *log);
/* Start time of a process (field 22 of /proc/PID/stat), 0 when it is gone. */
unsigned long long lab_proc_start(pid_t);
bool	lab_proc_alive(pid_t);
/* Write a sysctl (e.g. "net/ipv4/ip_forward") inside a namespace. */
int	lab_sysctl(const char *netns, const char *key, const char *value);
/* Enter netns and exec argv (never returns on success). */
int	lab_exec_in(const char *netns, char *const argv[]);
bool	lab_netns_exists(const char *netns);
/* Print the last n lines of a file, indented. */
void	lab_tail(const char *path, int n, FILE *);
/* Kill every process of the lab and delete its namespaces and state. */
int	lab_teardown(const char *dir, bool verbose);

#endif
