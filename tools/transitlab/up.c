/*
 * transitlab up: build a whole network file on this machine (docs/lab.md "How the
 * lab is built"):
 *
 *   1. the wan namespace (the lab internet): forwarding on, every packet from a
 *      node goes into the WAN emulator's TUN, what it writes back is routed by
 *      table LAB_WAN_TABLE to the destination node's veth;
 *   2. one namespace per VPC: its kernel is the VPC router, its hosts are /32
 *      addresses on lo, its initial TTL is the cloud's;
 *   3. one namespace per node with a veth into the wan namespace carrying the
 *      node's outside addresses, default route via LAB_WAN_GW;
 *   4. the WAN emulator (`transitlab wan STATE`) in the wan namespace;
 *   5. one daemon per node in the node's namespace, from a command template;
 *   6. wait until every node answers (control socket, or the stub's ready file).
 *
 * Every namespace is recorded in the state directory before it is created and
 * every process right after it is forked, so `down` finds all of it whatever
 * moment `up` dies at.  Any failure tears the lab down again, and so does
 * Ctrl-C (SIGINT), SIGTERM or SIGHUP while `up` runs.
 */
#include <dirent.h>
#include <errno.h>
#include <getopt.h>
#include <libgen.h>
#include <limits.h>
#include <signal.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "common/util.h"
#include "ctl/ctl_client.h"
#include "lab.h"
#include "lab/lab_tmpl.h"

#define DEFAULT_TEMPLATE "{transitd} -c {net} -n {node} -f -s {sock} --emulate-wan {netns}"

/* The one process-wide variable: a signal flag (style.md, practice 8). */
static volatile sig_atomic_t interrupted;

static void
on_signal(int signo)
{
	interrupted = signo;
}

struct up {
	struct lab_opts	*o;
	char		*dir;
	char		*netfile;
	const char	*template;
	int		 timeout_s;
	struct cfg_net	*cfg;
	struct lab_plan	*plan;
	pid_t		 wan_pid;
	pid_t		*node_pids;
};

static void
say(const struct up *u, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void
say(const struct up *u, const char *fmt, ...)
{
	va_list ap;

	if (u->o->quiet)
		return;
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
	fflush(stdout);
}

/* DIR/sub + name + suffix, e.g. ("logs/", "virginia", ".log"). */
static char *
path_in(const struct up *u, const char *sub, const char *name, const char *suffix)
{
	return xasprintf("%s/%s%s%s", u->dir, sub, name, suffix);
}

static int
make_netns(struct up *u, const char *ns)
{
	char *list = xasprintf("%s/netns", u->dir);
	int rc = lab_append_line(list, "%s", ns);

	free(list);
	if (rc == -1) {
		fprintf(stderr, "transitlab: cannot record namespace %s\n", ns);
		return -1;
	}
	if (lab_ip("netns", "add", ns, (char *)NULL) == -1 ||
	    lab_ip("-n", ns, "link", "set", "lo", "up", (char *)NULL) == -1)
		return -1;
	/* IPv6 is not modelled; keep its chatter off the lab's wires. */
	return lab_sysctl(ns, "net/ipv6/conf/all/disable_ipv6", "1") == -1 ||
	    lab_sysctl(ns, "net/ipv6/conf/default/disable_ipv6", "1") == -1 ? -1 : 0;
}

static int
no_rp_filter(const char *ns)
{
	return lab_sysctl(ns, "net/ipv4/conf/all/rp_filter", "0") == -1 ||
	    lab_sysctl(ns, "net/ipv4/conf/default/rp_filter", "0") == -1 ? -1 : 0;
}

static int
build_wan(struct up *u)
{
	const char *ns = u->plan->wan_netns;
	char table[16];

	snprintf(table, sizeof(table), "%d", LAB_WAN_TABLE);
	if (make_netns(u, ns) == -1 ||
	    lab_sysctl(ns, "net/ipv4/ip_forward", "1") == -1 || no_rp_filter(ns) == -1 ||
	    lab_sysctl(ns, "net/ipv4/conf/all/send_redirects", "0") == -1 ||
	    lab_sysctl(ns, "net/ipv4/conf/default/send_redirects", "0") == -1 ||
	    lab_ip("-n", ns, "rule", "add", "iif", u->plan->wan_tun, "lookup", table,
	    "pref", "100", (char *)NULL) == -1 ||
	    lab_ip("-n", ns, "route", "add", "unreachable", "default", "table", table,
	    (char *)NULL) == -1)
		return -1;
	say(u, "namespace %s: lab internet (%zu regions, %zu wan links)", ns,
	    u->cfg->nregions, u->cfg->nwan);
	return 0;
}

static int
build_vpc(struct up *u, const struct lab_plan_vpc *pv)
{
	char ttl[16], buf[PREFIX_STRLEN + 4], hosts[512];
	size_t i, hl = 0;

	snprintf(ttl, sizeof(ttl), "%d", pv->ttl);
	if (make_netns(u, pv->netns) == -1 ||
	    lab_sysctl(pv->netns, "net/ipv4/ip_default_ttl", ttl) == -1 ||
	    lab_sysctl(pv->netns, "net/ipv4/ip_forward", "1") == -1 ||
	    no_rp_filter(pv->netns) == -1)
		return -1;
	hosts[0] = '\0';
	for (i = 0; i < pv->vpc->nhosts; i++) {
		char a[PREFIX_STRLEN];

		addr_fmt(&pv->vpc->hosts[i].address, a, sizeof(a));
		snprintf(buf, sizeof(buf), "%s/32", a);
		if (lab_ip("-n", pv->netns, "addr", "add", buf, "dev", "lo",
		    (char *)NULL) == -1)
			return -1;
		if (hl < sizeof(hosts))
			hl += (size_t)snprintf(hosts + hl, sizeof(hosts) - hl, " %s %s",
			    pv->vpc->hosts[i].name, a);
	}
	say(u, "namespace %s: vpc %s (%s, ttl %d), hosts:%s", pv->netns, pv->vpc->name,
	    pv->cloud, pv->ttl, pv->vpc->nhosts > 0 ? hosts : " none");
	return 0;
}

static int
build_node(struct up *u, const struct lab_plan_node *pn)
{
	const char *wan = u->plan->wan_netns;
	char table[16], a[PREFIX_STRLEN], buf[PREFIX_STRLEN + 4], addrs[512];
	size_t i, al = 0;

	snprintf(table, sizeof(table), "%d", LAB_WAN_TABLE);
	if (make_netns(u, pn->netns) == -1 || no_rp_filter(pn->netns) == -1 ||
	    lab_ip("link", "add", pn->veth_node, "netns", pn->netns, "type", "veth",
	    "peer", "name", pn->veth_wan, "netns", wan, (char *)NULL) == -1 ||
	    lab_ip("-n", wan, "addr", "add", LAB_WAN_GW "/32", "dev", pn->veth_wan,
	    (char *)NULL) == -1 ||
	    lab_ip("-n", wan, "link", "set", pn->veth_wan, "up", (char *)NULL) == -1 ||
	    lab_ip("-n", pn->netns, "link", "set", pn->veth_node, "up",
	    (char *)NULL) == -1)
		return -1;
	addrs[0] = '\0';
	for (i = 0; i < pn->naddrs; i++) {
		addr_fmt(&pn->addrs[i], a, sizeof(a));
		snprintf(buf, sizeof(buf), "%s/32", a);
		if (lab_ip("-n", pn->netns, "addr", "add", buf, "dev", pn->veth_node,
		    (char *)NULL) == -1 ||
		    lab_ip("-n", wan, "route", "add", buf, "dev", pn->veth_wan, "table",
		    table, (char *)NULL) == -1)
			return -1;
		if (al < sizeof(addrs))
			al += (size_t)snprintf(addrs + al, sizeof(addrs) - al, " %s", a);
	}
	if (pn->naddrs > 0 && lab_ip("-n", pn->netns, "route", "add", "default", "via",
	    LAB_WAN_GW, "dev", pn->veth_node, "onlink", (char *)NULL) == -1)
		return -1;
	say(u, "namespace %s: node %s, link %s <-> %s, outside:%s", pn->netns,
	    pn->node->name, pn->veth_node, pn->veth_wan,
	    pn->naddrs > 0 ? addrs : " none");
	return 0;
}

static char *
self_exe(void)
{
	char buf[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", buf, sizeof(buf) - 1);

	if (n <= 0)
		return xstrdup("transitlab");
	buf[n] = '\0';
	return xstrdup(buf);
}

/* transitd next to transitlab (a build tree), else from PATH. */
static char *
find_transitd(void)
{
	char *exe = self_exe(), *dir = dirname(exe), *p;

	p = xasprintf("%s/transitd", dir);
	free(exe);
	if (access(p, X_OK) == 0)
		return p;
	free(p);
	return xstrdup("transitd");
}

static void
record_pid(struct up *u, const char *role, const char *name, pid_t pid)
{
	char *path = xasprintf("%s/pids", u->dir);

	(void)lab_append_line(path, "%s %s %ld %llu", role, name, (long)pid,
	    lab_proc_start(pid));
	free(path);
}

/* Did a child of ours exit?  Reaps it. */
static bool
exited(pid_t pid, int *status)
{
	return waitpid(pid, status, WNOHANG) == pid;
}

static int
start_wan(struct up *u)
{
	char *exe = self_exe(), *log = path_in(u, "logs/", "wan", ".log");
	char *ready = path_in(u, "", "wan.ready", "");
	char *argv[] = { exe, (char *)(uintptr_t)"wan", u->dir, NULL };
	int waited, status, rc = -1;

	u->wan_pid = lab_spawn(u->plan->wan_netns, argv, log);
	if (u->wan_pid == -1) {
		fprintf(stderr, "transitlab: fork: %s\n", strerror(errno));
		goto out;
	}
	record_pid(u, "wan", "wan", u->wan_pid);
	for (waited = 0; waited < 5000; waited += 10) {
		if (access(ready, F_OK) == 0) {
			say(u, "wan emulator: pid %ld, TUN %s in %s", (long)u->wan_pid,
			    u->plan->wan_tun, u->plan->wan_netns);
			rc = 0;
			goto out;
		}
		if (exited(u->wan_pid, &status) || interrupted)
			break;
		usleep(10000);
	}
	if (!interrupted) {
		fprintf(stderr, "transitlab: the WAN emulator did not start; its log:\n");
		lab_tail(log, 20, stderr);
	}
out:
	free(exe);
	free(log);
	free(ready);
	return rc;
}

/* The daemon command of one node (lab/lab_tmpl.h). */
static size_t
daemon_argv(struct up *u, const struct lab_plan_node *pn, char ***argvp)
{
	char *transitd = find_transitd();
	char *sock = path_in(u, "sock/", pn->node->name, ".sock");
	char *ready = path_in(u, "ready/", pn->node->name, "");
	const struct lab_tmpl_var vars[] = {
		{ "{transitd}", transitd }, { "{net}", u->netfile },
		{ "{node}", pn->node->name }, { "{sock}", sock }, { "{ready}", ready },
		{ "{state}", u->dir }, { "{ns}", pn->netns },
	};
	struct lab_tmpl_netns *ns = xcalloc(pn->nvpcs + 1, sizeof(*ns));
	char **paths = xcalloc(pn->nvpcs + 1, sizeof(*paths));
	size_t i, n;

	for (i = 0; i < pn->nvpcs; i++) {
		const struct lab_plan_vpc *pv = &u->plan->vpcs[pn->vpcs[i]];

		paths[i] = xasprintf("%s/%s", LAB_NETNS_DIR, pv->netns);
		ns[i].vpc = pv->vpc->name;
		ns[i].path = paths[i];
	}
	n = lab_tmpl_expand(u->template, vars, ARRAY_SIZE(vars), ns, pn->nvpcs, argvp);
	for (i = 0; i < pn->nvpcs; i++)
		free(paths[i]);
	free(paths);
	free(ns);
	free(transitd);
	free(sock);
	free(ready);
	return n;
}

static bool
node_ready(struct up *u, const struct lab_plan_node *pn)
{
	char *ready = path_in(u, "ready/", pn->node->name, "");
	char *sock = path_in(u, "sock/", pn->node->name, ".sock");
	struct ctl_error err;
	json_t *res = NULL;
	bool ok = access(ready, F_OK) == 0;

	if (!ok && access(sock, F_OK) == 0 &&
	    ctl_client_call(sock, "version", NULL, 300, &res, &err) == 0) {
		ok = true;
		json_decref(res);
	}
	free(ready);
	free(sock);
	return ok;
}

/*
 * What a ready node reports over its control socket: attachments up with the VPC routes
 * they installed, tunnels and whether each has a live SA.  Nodes without a socket (a
 * stub daemon in tests) are skipped.
 */
static void
node_summary(struct up *u, const struct lab_plan_node *pn)
{
	char *sock = path_in(u, "sock/", pn->node->name, ".sock");
	json_t *atts = NULL, *tuns = NULL, *v;
	struct ctl_error err;
	size_t i, nup = 0, nroutes = 0, nlive = 0;
	char line[512];
	int off;

	if (access(sock, F_OK) != 0 ||
	    ctl_client_call(sock, "show attachments", NULL, 1000, &atts, &err) == -1 ||
	    ctl_client_call(sock, "show tunnels", NULL, 1000, &tuns, &err) == -1) {
		json_decref(atts);
		free(sock);
		return;
	}
	json_array_foreach(atts, i, v) {
		const char *st = json_string_value(json_object_get(v, "state"));

		if (st != NULL && strcmp(st, "up") == 0)
			nup++;
		nroutes += json_array_size(json_object_get(v, "routes"));
	}
	off = snprintf(line, sizeof(line), "node %s: %zu/%zu attachment%s up, %zu VPC "
	    "route%s installed", pn->node->name, nup, json_array_size(atts),
	    json_array_size(atts) == 1 ? "" : "s", nroutes, nroutes == 1 ? "" : "s");
	json_array_foreach(tuns, i, v) {
		const char *st = json_string_value(json_object_get(v, "state"));
		const char *name = json_string_value(json_object_get(v, "name"));

		if (st != NULL && strcmp(st, "up") == 0)
			nlive++;
		if (off > 0 && (size_t)off < sizeof(line))
			off += snprintf(line + off, sizeof(line) - (size_t)off, "%s %s %s",
			    i == 0 ? "; tunnels:" : ",",
			    name != NULL ? name : "?",
			    st != NULL ? st : "?");
	}
	say(u, "%s", line);
	json_decref(atts);
	json_decref(tuns);
	free(sock);
}

/* IKE-keyed tunnels of one node: how many there are and how many are up. */
static void
node_ike_count(struct up *u, const struct lab_plan_node *pn, size_t *n, size_t *nup)
{
	char *sock = path_in(u, "sock/", pn->node->name, ".sock");
	json_t *tuns = NULL, *v;
	struct ctl_error err;
	size_t i;

	if (access(sock, F_OK) == 0 &&
	    ctl_client_call(sock, "show tunnels", NULL, 1000, &tuns, &err) == 0) {
		json_array_foreach(tuns, i, v) {
			const char *k = json_string_value(json_object_get(v, "keying"));
			const char *st = json_string_value(json_object_get(v, "state"));

			if (k == NULL || strcmp(k, "ike") != 0)
				continue;
			(*n)++;
			if (st != NULL && strcmp(st, "up") == 0)
				(*nup)++;
		}
	}
	json_decref(tuns);
	free(sock);
}

/*
 * Tunnels that key themselves need a moment after the daemons answer: wait (at
 * most IKE_WAIT_S) until every IKE tunnel of the lab is up, so that `up` returns a
 * lab that forwards.  Not fatal: a tunnel whose peer never initiates stays down,
 * and the summary then says which.
 */
#define IKE_WAIT_S	15
static void
wait_ike(struct up *u)
{
	uint64_t t0 = util_now_ms(), deadline = t0 + IKE_WAIT_S * 1000;
	size_t i, n, nup;
	bool said = false;

	for (;;) {
		n = nup = 0;
		for (i = 0; i < u->plan->nnodes; i++)
			node_ike_count(u, &u->plan->nodes[i], &n, &nup);
		if (n == 0 || nup == n || interrupted || util_now_ms() > deadline)
			break;
		if (!said)
			say(u, "waiting for IKE: %zu of %zu tunnel ends up", nup, n);
		said = true;
		usleep(100000);
	}
	if (said)
		say(u, "IKE: %zu of %zu tunnel ends up (%.1f s)%s", nup, n,
		    (double)(util_now_ms() - t0) / 1000.0, nup == n ? "" :
		    "; see `transitctl show ike-sas` and `transitlab logs`");
}

static int
start_daemons(struct up *u)
{
	char **argv;
	size_t i, j, n, left;
	bool *ready = xcalloc(u->plan->nnodes + 1, sizeof(*ready));
	uint64_t t0 = util_now_ms(), deadline = t0 + (uint64_t)u->timeout_s * 1000;
	int status = 0, rc = -1;
	bool gone;

	u->node_pids = xcalloc(u->plan->nnodes + 1, sizeof(*u->node_pids));
	for (i = 0; i < u->plan->nnodes; i++) {
		const struct lab_plan_node *pn = &u->plan->nodes[i];
		char *log = path_in(u, "logs/", pn->node->name, ".log");
		char cmd[1024];
		size_t cl = 0;

		n = daemon_argv(u, pn, &argv);
		if (n == 0) {
			fprintf(stderr, "transitlab: empty daemon command template\n");
			lab_tmpl_free(argv);
			free(log);
			goto out;
		}
		cmd[0] = '\0';
		for (j = 0; j < n && cl < sizeof(cmd); j++)
			cl += (size_t)snprintf(cmd + cl, sizeof(cmd) - cl, "%s%s",
			    j > 0 ? " " : "", argv[j]);
		u->node_pids[i] = lab_spawn(pn->netns, argv, log);
		lab_tmpl_free(argv);
		free(log);
		if (u->node_pids[i] == -1) {
			fprintf(stderr, "transitlab: fork: %s\n", strerror(errno));
			goto out;
		}
		record_pid(u, "node", pn->node->name, u->node_pids[i]);
		say(u, "daemon %s: pid %ld: %s", pn->node->name, (long)u->node_pids[i], cmd);
	}
	for (left = u->plan->nnodes; left > 0 && !interrupted;) {
		for (i = 0; i < u->plan->nnodes; i++) {
			const struct lab_plan_node *pn = &u->plan->nodes[i];

			if (ready[i])
				continue;
			if (node_ready(u, pn)) {
				ready[i] = true;
				left--;
				say(u, "ready: %s (%.1f s)", pn->node->name,
				    (double)(util_now_ms() - t0) / 1000.0);
				continue;
			}
			gone = exited(u->node_pids[i], &status);
			if (gone || util_now_ms() > deadline) {
				char *log = path_in(u, "logs/", pn->node->name, ".log");

				if (gone)
					fprintf(stderr, "transitlab: node %s did not come up: "
					    "its daemon exited (%s %d); last log lines:\n",
					    pn->node->name, WIFEXITED(status) ? "status" :
					    "signal", WIFEXITED(status) ? WEXITSTATUS(status) :
					    WTERMSIG(status));
				else
					fprintf(stderr, "transitlab: node %s did not come up "
					    "within %d s (no answer on its control socket); "
					    "last log lines:\n", pn->node->name, u->timeout_s);
				lab_tail(log, 15, stderr);
				free(log);
				goto out;
			}
		}
		if (left > 0)
			usleep(20000);
	}
	rc = interrupted ? -1 : 0;
	if (rc == 0)
		wait_ike(u);
	for (i = 0; rc == 0 && i < u->plan->nnodes; i++)
		node_summary(u, &u->plan->nodes[i]);
out:
	free(ready);
	return rc;
}

static bool
id_taken(const char *id, const char *name)
{
	char *path, *other;
	bool taken;
	DIR *d;
	struct dirent *e;

	path = xasprintf("%s-wan", id);
	taken = lab_netns_exists(path);
	free(path);
	if (taken || (d = opendir(LAB_RUN_DIR)) == NULL)
		return taken;
	/* Another lab's id file. */
	while (!taken && (e = readdir(d)) != NULL) {
		if (e->d_name[0] == '.' || strcmp(e->d_name, name) == 0)
			continue;
		path = xasprintf("%s/%s/id", LAB_RUN_DIR, e->d_name);
		if ((other = lab_read_file(path, 64, NULL)) != NULL) {
			other[strcspn(other, "\n")] = '\0';
			taken = strcmp(other, id) == 0;
		}
		free(other);
		free(path);
	}
	closedir(d);
	return taken;
}

/* What `down` and the other commands read back, in the new state directory. */
static int
make_state(struct up *u, const char *name, const char *id, const char *seed)
{
	static const char *const subdirs[] = { "logs", "sock", "ready" };
	const char *const files[][2] = { { "name", name }, { "id", id },
	    { "netfile", u->netfile }, { "seed", seed } };
	size_t i;
	int rc = 0;

	for (i = 0; i < ARRAY_SIZE(subdirs) && rc == 0; i++) {
		char *p = path_in(u, "", subdirs[i], "");

		rc = mkdir(p, 0700);
		free(p);
	}
	for (i = 0; i < ARRAY_SIZE(files) && rc == 0; i++) {
		char *p = path_in(u, "", files[i][0], ""), *t = xasprintf("%s\n", files[i][1]);

		rc = lab_write_file(p, t);
		free(p);
		free(t);
	}
	if (rc != 0)
		fprintf(stderr, "transitlab: cannot write the state in %s: %s\n", u->dir,
		    strerror(errno));
	return rc;
}

static int
usage_up(void)
{
	return lab_usage_error("up", "expected a network file");
}

int
lab_cmd_up(struct lab_opts *o, int argc, char **argv)
{
	static const struct option lopts[] = {
		{ "name", required_argument, NULL, 'N' },
		{ "daemon-cmd", required_argument, NULL, 'd' },
		{ "timeout", required_argument, NULL, 't' },
		{ "seed", required_argument, NULL, 'S' },
		{ NULL, 0, NULL, 0 },
	};
	struct up u;
	struct sigaction sa;
	char id[LAB_ID_LEN], real[PATH_MAX], *name = NULL;
	const char *seed = "1";
	unsigned attempt;
	size_t i;
	int c, rc = LAB_EXIT_FAIL;

	memset(&u, 0, sizeof(u));
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	(void)sigaction(SIGINT, &sa, NULL);
	(void)sigaction(SIGTERM, &sa, NULL);
	(void)sigaction(SIGHUP, &sa, NULL);
	u.o = o;
	u.timeout_s = 20;
	u.template = getenv("TRANSITLAB_DAEMON");
	if (u.template == NULL || u.template[0] == '\0')
		u.template = DEFAULT_TEMPLATE;
	optind = 0;	/* glibc: full re-initialisation after main's getopt */
	while ((c = getopt_long(argc, argv, "", lopts, NULL)) != -1) {
		switch (c) {
		case 'N':
			o->name = optarg;
			break;
		case 'd':
			u.template = optarg;
			break;
		case 't':
			u.timeout_s = atoi(optarg);
			if (u.timeout_s <= 0)
				return lab_usage_error("up", "bad --timeout '%s'", optarg);
			break;
		case 'S': {
			char *end;

			errno = 0;
			(void)strtoull(optarg, &end, 0);
			if (errno != 0 || end == optarg || *end != '\0')
				return lab_usage_error("up", "bad --seed '%s'", optarg);
			seed = optarg;
			break;
		}
		default:
			return lab_usage_error("up", "unknown option");
		}
	}
	if (optind != argc - 1)
		return usage_up();
	if (realpath(argv[optind], real) == NULL) {
		fprintf(stderr, "transitlab: %s: %s\n", argv[optind], strerror(errno));
		return LAB_EXIT_FAIL;
	}
	u.netfile = real;
	/* Load once without a plan to learn the name, then with the chosen id. */
	{
		struct cfg_diag d;
		struct cfg_net *tmp;

		cfg_diag_init(&d);
		tmp = cfg_load_file(real, &d);
		cfg_diag_print(&d, stderr);
		cfg_diag_free(&d);
		if (tmp == NULL)
			return LAB_EXIT_FAIL;
		name = xstrdup(o->name != NULL ? o->name : tmp->name);
		cfg_free(tmp);
	}
	if (!lab_name_valid(name)) {
		fprintf(stderr, "transitlab: bad lab name '%s' (1-63 of a-z, 0-9, -)\n", name);
		goto out;
	}
	u.dir = lab_state_dir(name);
	if (access(u.dir, F_OK) == 0) {
		fprintf(stderr, "transitlab: lab '%s' exists (%s); run "
		    "`transitlab down %s` first\n", name, u.dir, name);
		goto out;
	}
	for (attempt = 0; attempt < 100; attempt++) {
		lab_name_id(name, attempt, id);
		if (!id_taken(id, name))
			break;
	}
	if (attempt == 100) {
		fprintf(stderr, "transitlab: no free lab id for '%s'\n", name);
		goto out;
	}
	if (lab_load_net(real, name, id, &u.cfg, &u.plan) == -1)
		goto out;
	/* mkdir is the lock: of two `up NAME` at once, one gets it. */
	(void)mkdir(LAB_RUN_DIR, 0755);
	if (mkdir(u.dir, 0700) == -1) {
		fprintf(stderr, "transitlab: %s: %s\n", u.dir, strerror(errno));
		goto out;
	}
	if (make_state(&u, name, id, seed) == -1)
		goto teardown;
	say(&u, "lab %s (id %s) from %s; state in %s", name, id, real, u.dir);
	if (build_wan(&u) == -1 || interrupted)
		goto teardown;
	for (i = 0; i < u.plan->nvpcs; i++)
		if (build_vpc(&u, &u.plan->vpcs[i]) == -1 || interrupted)
			goto teardown;
	for (i = 0; i < u.plan->nnodes; i++)
		if (build_node(&u, &u.plan->nodes[i]) == -1 || interrupted)
			goto teardown;
	if (start_wan(&u) == -1 || start_daemons(&u) == -1)
		goto teardown;
	say(&u, "lab %s is up: %zu VPC%s, %zu node%s; try `transitlab ping --name %s`",
	    name, u.plan->nvpcs, u.plan->nvpcs == 1 ? "" : "s", u.plan->nnodes,
	    u.plan->nnodes == 1 ? "" : "s", name);
	rc = LAB_EXIT_OK;
	goto out;
teardown:
	if (interrupted) {
		fprintf(stderr, "transitlab: interrupted (signal %d)\n", (int)interrupted);
		rc = 128 + (int)interrupted;
	}
	fprintf(stderr, "transitlab: tearing lab %s down again\n", name);
	(void)lab_teardown(u.dir, false);
out:
	free(u.node_pids);
	lab_plan_free(u.plan);
	cfg_free(u.cfg);
	free(u.dir);
	free(name);
	return rc;
}
