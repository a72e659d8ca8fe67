/*
 * transitlab: run a whole network file on one machine (design.md "The lab",
 * docs/lab.md, docs/man/transitlab.8).  A table of subcommands like transitctl;
 * this file holds the small ones (down, status, exec, logs, wan); up and ping
 * have their own files.  Everything but help/version needs root: namespaces,
 * veths and TUN devices are root's business, as in containerlab and Mininet.
 */
#include <dirent.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/log.h"
#include "common/util.h"
#include "lab.h"
#include "lab/lab_wan.h"

static int cmd_help(struct lab_opts *, int, char **);
static int cmd_version(struct lab_opts *, int, char **);
static int cmd_exec(struct lab_opts *, int, char **);
static int cmd_logs(struct lab_opts *, int, char **);

static const struct lab_cmd commands[] = {
	{ "up", "NET.yaml [--name NAME] [--daemon-cmd TEMPLATE] [--timeout S] [--seed N]",
	    "build the network in namespaces and start one daemon per node", lab_cmd_up },
	{ "down", "[NAME]", "stop everything of a lab and remove it (safe to repeat)",
	    lab_cmd_down },
	{ "status", "[NAME]", "namespaces, processes and WAN counters of a lab",
	    lab_cmd_status },
	{ "ping", "[--count N] [--parallel P]", "ping every host from every other; "
	    "exit 0 when all is as expected", lab_cmd_ping },
	{ "exec", "TARGET -- CMD...", "run CMD in a host's VPC namespace (or a vpc's, "
	    "a node's, or wan)", cmd_exec },
	{ "logs", "NODE|wan", "print a node daemon's (or the WAN emulator's) log",
	    cmd_logs },
	{ "wan", "STATE_DIR", "(internal) the WAN emulator process", lab_cmd_wan },
	{ "version", "", "print the version", cmd_version },
	{ "help", "[COMMAND]", "show this help, or one command's", cmd_help },
};

static void
usage(FILE *f)
{
	size_t i;

	fprintf(f, "usage: transitlab [-jq] [--name NAME] COMMAND [ARGS...]\n\n"
	    "options:\n"
	    "  -j           JSON output (ping)\n"
	    "  -q           no progress lines (up)\n"
	    "  --name NAME  the lab to act on (default: the network's name for up, the\n"
	    "               only lab running otherwise)\n"
	    "  -h           this help\n\ncommands:\n");
	for (i = 0; i < ARRAY_SIZE(commands); i++)
		fprintf(f, "  %-7s %s\n          %s\n", commands[i].name, commands[i].args,
		    commands[i].help);
	fprintf(f, "\nenvironment: TRANSITLAB_DAEMON overrides the daemon command "
	    "template.\nexit status: 0 ok, 1 failed (or a ping pair not as expected, "
	    "or not root), 2 usage error\n");
}

int
lab_usage_error(const char *cmd, const char *fmt, ...)
{
	va_list ap;
	size_t i;

	fprintf(stderr, "transitlab %s: ", cmd);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	for (i = 0; i < ARRAY_SIZE(commands); i++)
		if (strcmp(commands[i].name, cmd) == 0)
			fprintf(stderr, "usage: transitlab %s %s\n", cmd, commands[i].args);
	return LAB_EXIT_USAGE;
}

static int
cmd_help(struct lab_opts *o, int argc, char **argv)
{
	size_t i;

	if (argc < 2) {
		usage(stdout);
		return LAB_EXIT_OK;
	}
	for (i = 0; i < ARRAY_SIZE(commands); i++) {
		if (strcmp(commands[i].name, argv[1]) == 0) {
			printf("transitlab %s %s\n  %s\n", commands[i].name, commands[i].args,
			    commands[i].help);
			return LAB_EXIT_OK;
		}
	}
	return lab_usage_error("help", "unknown command '%s'", argv[1]);
}

static int
cmd_version(struct lab_opts *o, int argc, char **argv)
{
	printf("transitlab %s\n", TRANSIT_VERSION);
	return LAB_EXIT_OK;
}

static size_t
count_labs(void)
{
	DIR *d = opendir(LAB_RUN_DIR);
	struct dirent *e;
	size_t n = 0;

	if (d == NULL)
		return 0;
	while ((e = readdir(d)) != NULL)
		if (e->d_name[0] != '.' && lab_name_valid(e->d_name))
			n++;
	closedir(d);
	return n;
}

int
lab_cmd_down(struct lab_opts *o, int argc, char **argv)
{
	const char *name = argc > 1 ? argv[1] : o->name;
	char *pick, *dir;
	int rc;

	if (argc > 2)
		return lab_usage_error("down", "too many arguments");
	if (name == NULL && count_labs() == 0) {
		printf("no lab is up\n");
		return LAB_EXIT_OK;
	}
	if ((pick = lab_state_pick(name)) == NULL)
		return LAB_EXIT_USAGE;
	dir = lab_state_dir(pick);
	if (access(dir, F_OK) != 0) {
		printf("lab %s is not up (nothing in %s)\n", pick, dir);
		rc = LAB_EXIT_OK;
	} else {
		rc = lab_teardown(dir, true) == 0 ? LAB_EXIT_OK : LAB_EXIT_FAIL;
		if (rc == LAB_EXIT_OK)
			printf("lab %s is down\n", pick);
	}
	free(dir);
	free(pick);
	return rc;
}

static void
status_pids(const struct lab_state *st)
{
	char *path = xasprintf("%s/pids", st->dir), *buf, *line, *save = NULL;

	buf = lab_read_file(path, 1 << 20, NULL);
	free(path);
	for (line = buf != NULL ? strtok_r(buf, "\n", &save) : NULL; line != NULL;
	    line = strtok_r(NULL, "\n", &save)) {
		char role[32], name[128];
		long pid;
		unsigned long long start;
		bool alive;

		if (sscanf(line, "%31s %127s %ld %llu", role, name, &pid, &start) != 4)
			continue;
		alive = lab_proc_start((pid_t)pid) == start && lab_proc_alive((pid_t)pid);
		printf("  %-5s %-20s pid %-8ld %s\n", role, name, pid,
		    alive ? "running" : "NOT RUNNING");
	}
	free(buf);
}

int
lab_cmd_status(struct lab_opts *o, int argc, char **argv)
{
	struct lab_state st;
	char *pick, *path, *buf;
	size_t i;

	if ((pick = lab_state_pick(argc > 1 ? argv[1] : o->name)) == NULL)
		return LAB_EXIT_FAIL;
	if (lab_state_load(pick, true, &st) == -1) {
		free(pick);
		return LAB_EXIT_FAIL;
	}
	printf("lab %s (id %s): %s\nnamespaces:\n", st.name, st.id, st.netfile);
	printf("  %-28s %s\n", st.plan->wan_netns, lab_netns_exists(st.plan->wan_netns) ?
	    "wan" : "wan MISSING");
	for (i = 0; i < st.plan->nvpcs; i++)
		printf("  %-28s vpc %s%s\n", st.plan->vpcs[i].netns,
		    st.plan->vpcs[i].vpc->name,
		    lab_netns_exists(st.plan->vpcs[i].netns) ? "" : " MISSING");
	for (i = 0; i < st.plan->nnodes; i++)
		printf("  %-28s node %s%s\n", st.plan->nodes[i].netns,
		    st.plan->nodes[i].node->name,
		    lab_netns_exists(st.plan->nodes[i].netns) ? "" : " MISSING");
	printf("processes:\n");
	status_pids(&st);
	path = xasprintf("%s/wan.stats", st.dir);
	if ((buf = lab_read_file(path, 1 << 20, NULL)) != NULL)
		printf("wan links (updated every second):\n%s", buf);
	free(buf);
	free(path);
	lab_state_free(&st);
	free(pick);
	return LAB_EXIT_OK;
}

/* The namespace a name stands for: host -> its VPC, vpc, node, or "wan". */
static const char *
target_netns(const struct lab_plan *p, const char *t)
{
	const struct cfg_host *h;
	const struct lab_plan_vpc *pv;
	size_t i;

	if (strcmp(t, "wan") == 0)
		return p->wan_netns;
	if ((h = cfg_find_host(p->cfg, t)) != NULL &&
	    (pv = lab_plan_vpc_find(p, h->vpc)) != NULL)
		return pv->netns;
	for (i = 0; i < p->nvpcs; i++)
		if (strcmp(p->vpcs[i].vpc->name, t) == 0)
			return p->vpcs[i].netns;
	for (i = 0; i < p->nnodes; i++)
		if (strcmp(p->nodes[i].node->name, t) == 0)
			return p->nodes[i].netns;
	return NULL;
}

static int
cmd_exec(struct lab_opts *o, int argc, char **argv)
{
	struct lab_state st;
	const char *ns;
	char *pick;
	int first = 2;

	if (argc < 3)
		return lab_usage_error("exec", "expected a target and a command");
	if (strcmp(argv[2], "--") == 0)
		first = 3;
	if (first >= argc)
		return lab_usage_error("exec", "expected a command after --");
	if ((pick = lab_state_pick(o->name)) == NULL)
		return LAB_EXIT_FAIL;
	if (lab_state_load(pick, true, &st) == -1) {
		free(pick);
		return LAB_EXIT_FAIL;
	}
	free(pick);
	if ((ns = target_netns(st.plan, argv[1])) == NULL) {
		fprintf(stderr, "transitlab exec: '%s' is no host, vpc or node of lab %s "
		    "(or wan)\n", argv[1], st.name);
		lab_state_free(&st);
		return LAB_EXIT_FAIL;
	}
	(void)lab_exec_in(ns, argv + first);
	lab_state_free(&st);
	return 127;
}

static int
cmd_logs(struct lab_opts *o, int argc, char **argv)
{
	char *pick, *dir, *path, *buf;
	size_t len;

	if (argc != 2)
		return lab_usage_error("logs", "expected a node name (or wan)");
	if (!lab_name_valid(argv[1]))
		return lab_usage_error("logs", "bad node name '%s'", argv[1]);
	if ((pick = lab_state_pick(o->name)) == NULL)
		return LAB_EXIT_FAIL;
	dir = lab_state_dir(pick);
	path = xasprintf("%s/logs/%s.log", dir, argv[1]);
	buf = lab_read_file(path, 64u << 20, &len);
	if (buf == NULL)
		fprintf(stderr, "transitlab logs: no log %s\n", path);
	else
		fwrite(buf, 1, len, stdout);
	free(buf);
	free(path);
	free(dir);
	free(pick);
	return buf != NULL ? LAB_EXIT_OK : LAB_EXIT_FAIL;
}

int
lab_cmd_wan(struct lab_opts *o, int argc, char **argv)
{
	struct lab_state st;
	struct lab_wan_opts wo;
	char *name, *ready, *stats, *seedfile, *seed;
	int rc;

	if (argc != 2)
		return lab_usage_error("wan", "expected the lab's state directory");
	name = strrchr(argv[1], '/');
	name = name != NULL ? name + 1 : argv[1];
	log_init("transitlab-wan", true, LOG_LVL_INFO);
	if (lab_state_load(name, true, &st) == -1)
		return LAB_EXIT_FAIL;
	ready = xasprintf("%s/wan.ready", st.dir);
	stats = xasprintf("%s/wan.stats", st.dir);
	seedfile = xasprintf("%s/seed", st.dir);
	seed = lab_read_file(seedfile, 64, NULL);
	memset(&wo, 0, sizeof(wo));
	wo.ready_file = ready;
	wo.stats_file = stats;
	wo.seed = seed != NULL ? strtoull(seed, NULL, 0) : 1;
	rc = lab_wan_run(st.plan, &wo) == 0 ? LAB_EXIT_OK : LAB_EXIT_FAIL;
	free(seed);
	free(seedfile);
	free(ready);
	free(stats);
	lab_state_free(&st);
	return rc;
}

int
main(int argc, char **argv)
{
	static const struct option lopts[] = {
		{ "name", required_argument, NULL, 'N' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct lab_opts o;
	size_t i;
	int c;

	memset(&o, 0, sizeof(o));
	log_init("transitlab", true, LOG_LVL_WARN);
	while ((c = getopt_long(argc, argv, "+jqh", lopts, NULL)) != -1) {
		switch (c) {
		case 'j':
			o.json = true;
			break;
		case 'q':
			o.quiet = true;
			break;
		case 'N':
			o.name = optarg;
			break;
		case 'h':
			usage(stdout);
			return LAB_EXIT_OK;
		default:
			usage(stderr);
			return LAB_EXIT_USAGE;
		}
	}
	if (optind >= argc) {
		usage(stderr);
		return LAB_EXIT_USAGE;
	}
	argc -= optind;
	argv += optind;
	for (i = 0; i < ARRAY_SIZE(commands); i++) {
		if (strcmp(commands[i].name, argv[0]) != 0)
			continue;
		if (commands[i].run != cmd_help && commands[i].run != cmd_version &&
		    geteuid() != 0) {
			fprintf(stderr, "transitlab %s: must be run as root (it creates "
			    "network namespaces, veths and TUN devices)\n", argv[0]);
			return LAB_EXIT_FAIL;
		}
		return commands[i].run(&o, argc, argv);
	}
	fprintf(stderr, "transitlab: unknown command '%s'\n", argv[0]);
	usage(stderr);
	return LAB_EXIT_USAGE;
}
