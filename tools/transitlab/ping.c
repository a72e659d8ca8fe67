/*
 * transitlab ping: the ping matrix of seeds.md ("from -> to, RTT, reply TTL,
 * loss") for every ordered pair of lab hosts (docs/lab.md "The ping matrix").
 *
 * Each pair runs `ping -c N -i 0.2 -W 2 -I SRC DST` inside the source host's VPC
 * namespace, at most --parallel (4) at a time (more, on a small machine, and the
 * daemons' scheduling starts to show in the RTTs); outputs go to files in a private
 * directory of the lab's state and are parsed by lab_ping_parse.  A pair is
 * expected reachable unless an `expect` entry of the network file says
 * otherwise; exit 0 only when every pair behaved as expected.
 */
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <jansson.h>

#include "common/util.h"
#include "lab.h"
#include "lab/lab_ping.h"

struct pair {
	const struct cfg_host	*from;
	const struct cfg_host	*to;
	const char		*netns;
	bool			 expect;
	char			*out;		/* output file */
	pid_t			 pid;
	int			 status;
	struct lab_ping_result	 r;
	bool			 ok;
};

static bool
expect_reachable(const struct cfg_net *c, const struct cfg_host *a,
    const struct cfg_host *b)
{
	size_t i;

	for (i = 0; i < c->nexpect; i++)
		if (c->expect[i].from.ptr == a && c->expect[i].to.ptr == b)
			return c->expect[i].reachable;
	return true;
}

static pid_t
start_ping(struct pair *pr, unsigned count)
{
	char src[PREFIX_STRLEN], dst[PREFIX_STRLEN], cnt[16];
	char *argv[] = { (char *)(uintptr_t)"ping", (char *)(uintptr_t)"-c", cnt,
	    (char *)(uintptr_t)"-i", (char *)(uintptr_t)"0.2", (char *)(uintptr_t)"-W",
	    (char *)(uintptr_t)"2", (char *)(uintptr_t)"-I", src, dst, NULL };
	pid_t pid;
	int fd;

	addr_fmt(&pr->from->address, src, sizeof(src));
	addr_fmt(&pr->to->address, dst, sizeof(dst));
	snprintf(cnt, sizeof(cnt), "%u", count);
	fflush(NULL);
	if ((pid = fork()) != 0)
		return pid;
	if ((fd = open(pr->out, O_WRONLY | O_CREAT | O_TRUNC, 0600)) != -1) {
		dup2(fd, 1);
		dup2(fd, 2);
		close(fd);
	}
	_exit(lab_exec_in(pr->netns, argv) == -1 ? 127 : 0);
}

static void
fmt_host(const struct cfg_host *h, char *buf, size_t len)
{
	char a[PREFIX_STRLEN];

	snprintf(buf, len, "%s %s", h->name, addr_fmt(&h->address, a, sizeof(a)));
}

static void
print_table(const struct pair *v, size_t n, const char *name, unsigned count)
{
	char from[96], to[96], rtt[32], ttl[16], loss[16];
	size_t i, bad = 0;

	printf("lab %s: ping -c %u from every host to every other\n\n", name, count);
	printf("%-30s %-30s %10s %6s %7s  %-11s %s\n", "FROM", "TO", "RTT (ms)", "TTL",
	    "LOSS", "EXPECT", "RESULT");
	for (i = 0; i < n; i++) {
		const struct pair *p = &v[i];

		fmt_host(p->from, from, sizeof(from));
		fmt_host(p->to, to, sizeof(to));
		if (p->r.have_rtt)
			snprintf(rtt, sizeof(rtt), p->r.rtt_avg < 10 ? "%.2f" : "%.1f",
			    p->r.rtt_avg);
		else
			snprintf(rtt, sizeof(rtt), "-");
		if (p->r.ttl >= 0)
			snprintf(ttl, sizeof(ttl), "%d%s", p->r.ttl, p->r.ttl_varies ? "*" : "");
		else
			snprintf(ttl, sizeof(ttl), "-");
		if (p->r.have_summary)
			snprintf(loss, sizeof(loss), "%.0f%%", p->r.loss_pct);
		else if (p->r.no_route)
			snprintf(loss, sizeof(loss), "noroute");
		else
			snprintf(loss, sizeof(loss), "error");
		printf("%-30s %-30s %10s %6s %7s  %-11s %s\n", from, to, rtt, ttl, loss,
		    p->expect ? "reachable" : "UNREACHABLE", p->ok ? "ok" : "FAIL");
		if (!p->ok)
			bad++;
	}
	printf("\n%zu pair%s, %zu as expected, %zu not\n", n, n == 1 ? "" : "s", n - bad,
	    bad);
}

static void
print_json(const struct pair *v, size_t n, const char *name, unsigned count, bool ok)
{
	json_t *root = json_object(), *arr = json_array();
	char a[PREFIX_STRLEN];
	size_t i;

	for (i = 0; i < n; i++) {
		const struct pair *p = &v[i];
		json_t *o = json_object();

		json_object_set_new(o, "from", json_string(p->from->name));
		json_object_set_new(o, "from_addr", json_string(addr_fmt(&p->from->address,
		    a, sizeof(a))));
		json_object_set_new(o, "to", json_string(p->to->name));
		json_object_set_new(o, "to_addr", json_string(addr_fmt(&p->to->address,
		    a, sizeof(a))));
		json_object_set_new(o, "transmitted", json_integer(p->r.tx));
		json_object_set_new(o, "received", json_integer(p->r.rx));
		json_object_set_new(o, "errors", json_integer(p->r.errors));
		json_object_set_new(o, "loss_pct", p->r.have_summary ?
		    json_real(p->r.loss_pct) : json_null());
		json_object_set_new(o, "rtt_min_ms", p->r.have_rtt ?
		    json_real(p->r.rtt_min) : json_null());
		json_object_set_new(o, "rtt_avg_ms", p->r.have_rtt ?
		    json_real(p->r.rtt_avg) : json_null());
		json_object_set_new(o, "rtt_max_ms", p->r.have_rtt ?
		    json_real(p->r.rtt_max) : json_null());
		json_object_set_new(o, "reply_ttl", p->r.ttl >= 0 ?
		    json_integer(p->r.ttl) : json_null());
		json_object_set_new(o, "expect_reachable", json_boolean(p->expect));
		json_object_set_new(o, "ok", json_boolean(p->ok));
		json_array_append_new(arr, o);
	}
	json_object_set_new(root, "lab", json_string(name));
	json_object_set_new(root, "count", json_integer(count));
	json_object_set_new(root, "pairs", arr);
	json_object_set_new(root, "ok", json_boolean(ok));
	json_dumpf(root, stdout, JSON_INDENT(2) | JSON_REAL_PRECISION(6));
	putchar('\n');
	json_decref(root);
}

static int
rm_entry(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
	return flag == FTW_DP ? rmdir(path) : unlink(path);
}

static size_t
collect(struct pair *v, size_t n)
{
	int status;
	pid_t pid;
	size_t i;

	while ((pid = wait(&status)) == -1 && errno == EINTR)
		;
	if (pid == -1)
		return 0;
	for (i = 0; i < n; i++) {
		if (v[i].pid == pid) {
			v[i].status = status;
			v[i].pid = 0;
			return 1;
		}
	}
	return 0;
}

int
lab_cmd_ping(struct lab_opts *o, int argc, char **argv)
{
	static const struct option lopts[] = {
		{ "count", required_argument, NULL, 'c' },
		{ "parallel", required_argument, NULL, 'p' },
		{ "name", required_argument, NULL, 'N' },
		{ NULL, 0, NULL, 0 },
	};
	struct lab_state st;
	struct pair *v = NULL;
	unsigned count = 5, par = 4;
	size_t n = 0, i, j, k, started, running;
	char *pick, *tmpdir = NULL;
	int c, rc = LAB_EXIT_FAIL;
	bool all_ok = true;

	optind = 0;	/* glibc: full re-initialisation after main's getopt */
	while ((c = getopt_long(argc, argv, "c:jp:", lopts, NULL)) != -1) {
		switch (c) {
		case 'c':
			count = (unsigned)strtoul(optarg, NULL, 10);
			if (count == 0 || count > 10000)
				return lab_usage_error("ping", "bad --count '%s'", optarg);
			break;
		case 'p':
			par = (unsigned)strtoul(optarg, NULL, 10);
			if (par == 0 || par > 256)
				return lab_usage_error("ping", "bad --parallel '%s'", optarg);
			break;
		case 'j':
			o->json = true;
			break;
		case 'N':
			o->name = optarg;
			break;
		default:
			return lab_usage_error("ping", "unknown option");
		}
	}
	if (optind != argc)
		return lab_usage_error("ping", "unexpected argument '%s'", argv[optind]);
	if ((pick = lab_state_pick(o->name)) == NULL)
		return LAB_EXIT_FAIL;
	if (lab_state_load(pick, true, &st) == -1) {
		free(pick);
		return LAB_EXIT_FAIL;
	}
	free(pick);
	tmpdir = xasprintf("%s/ping.XXXXXX", st.dir);
	if (mkdtemp(tmpdir) == NULL) {
		fprintf(stderr, "transitlab ping: %s: %s\n", tmpdir, strerror(errno));
		goto out;
	}
	for (i = 0; i < st.cfg->nvpcs; i++) {
		for (j = 0; j < st.cfg->vpcs[i].nhosts; j++) {
			const struct cfg_host *a = &st.cfg->vpcs[i].hosts[j];
			size_t x, y;

			for (x = 0; x < st.cfg->nvpcs; x++) {
				for (y = 0; y < st.cfg->vpcs[x].nhosts; y++) {
					const struct cfg_host *b = &st.cfg->vpcs[x].hosts[y];

					if (a == b)
						continue;
					v = xreallocarray(v, n + 1, sizeof(*v));
					memset(&v[n], 0, sizeof(v[n]));
					v[n].from = a;
					v[n].to = b;
					v[n].netns = lab_plan_vpc_find(st.plan, a->vpc)->netns;
					v[n].expect = expect_reachable(st.cfg, a, b);
					v[n].out = xasprintf("%s/%zu.out", tmpdir, n);
					n++;
				}
			}
		}
	}
	if (n == 0) {
		fprintf(stderr, "transitlab ping: lab %s has fewer than two hosts\n", st.name);
		goto out;
	}
	for (started = 0, running = 0; started < n || running > 0;) {
		while (started < n && running < par) {
			v[started].pid = start_ping(&v[started], count);
			if (v[started].pid == -1) {
				fprintf(stderr, "transitlab ping: fork: %s\n", strerror(errno));
				v[started].pid = 0;
			} else
				running++;
			started++;
		}
		if (running > 0) {
			k = collect(v, started);
			running -= k > running ? running : k;
		}
	}
	for (i = 0; i < n; i++) {
		size_t len;
		char *buf = lab_read_file(v[i].out, 1 << 20, &len);

		if (buf != NULL)
			(void)lab_ping_parse(buf, len, &v[i].r);
		else
			v[i].r.ttl = -1;
		free(buf);
		v[i].ok = lab_ping_ok(&v[i].r, v[i].expect);
		if (!v[i].ok)
			all_ok = false;
	}
	if (o->json)
		print_json(v, n, st.name, count, all_ok);
	else
		print_table(v, n, st.name, count);
	rc = all_ok ? LAB_EXIT_OK : LAB_EXIT_FAIL;
out:
	if (tmpdir != NULL)
		(void)nftw(tmpdir, rm_entry, 8, FTW_DEPTH | FTW_PHYS);
	for (i = 0; i < n; i++)
		free(v[i].out);
	free(v);
	free(tmpdir);
	lab_state_free(&st);
	return rc;
}
