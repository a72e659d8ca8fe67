/*
 * transitlab: running programs, entering namespaces and tearing a lab down
 * (docs/lab.md "How the lab is built", "State and cleanup").
 *
 * Namespaces, veths, addresses and routes are made with iproute2's `ip`, the
 * tool every reader of the docs also uses to look at them; sysctls are written
 * from inside the namespace (setns + /proc/sys, which always shows the opener's
 * namespace).  Processes are started with fork + setsid + setns + exec so they
 * outlive `up` and are not hit by a Ctrl-C meant for it.
 *
 * Teardown kills (1) the processes recorded in `pids` whose start time still
 * matches, so a recycled PID is never hit, and (2) every process whose network
 * namespace is one of the lab's (found through /proc/PID/ns/net), which covers
 * a child `up` forked but was killed before recording.  Then the namespaces go,
 * and with them every veth, TUN and route inside them.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "common/util.h"
#include "lab.h"

#define MAX_KILL	4096

int
lab_run(char *const argv[], char *out, size_t outlen)
{
	int pfd[2], status;
	size_t len = 0;
	ssize_t n;
	char sink[512];
	pid_t pid;

	if (pipe2(pfd, O_CLOEXEC) == -1)
		return -1;
	if ((pid = fork()) == -1) {
		close(pfd[0]);
		close(pfd[1]);
		return -1;
	}
	if (pid == 0) {
		dup2(pfd[1], 1);
		dup2(pfd[1], 2);
		execvp(argv[0], argv);
		fprintf(stderr, "%s: %s\n", argv[0], strerror(errno));
		_exit(127);
	}
	close(pfd[1]);
	/* Keep what fits in out, drain the rest so the child never blocks. */
	for (;;) {
		bool room = out != NULL && len + 1 < outlen;

		n = room ? read(pfd[0], out + len, outlen - 1 - len) :
		    read(pfd[0], sink, sizeof(sink));
		if (n == -1 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		if (room)
			len += (size_t)n;
	}
	if (out != NULL && outlen > 0)
		out[len] = '\0';
	close(pfd[0]);
	while (waitpid(pid, &status, 0) == -1)
		if (errno != EINTR)
			return -1;
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

int
lab_ip(const char *first, ...)
{
	char *argv[64], out[1024];
	const char *a;
	va_list ap;
	int n = 0, rc, i;

	argv[n++] = (char *)(uintptr_t)"ip";
	va_start(ap, first);
	for (a = first; a != NULL && n < 63; a = va_arg(ap, const char *))
		argv[n++] = (char *)(uintptr_t)a;
	va_end(ap);
	argv[n] = NULL;
	rc = lab_run(argv, out, sizeof(out));
	if (rc != 0) {
		fprintf(stderr, "transitlab: failed:");
		for (i = 0; i < n; i++)
			fprintf(stderr, " %s", argv[i]);
		fprintf(stderr, "\n  %s", out[0] != '\0' ? out : "(no output)\n");
		return -1;
	}
	return 0;
}

static int
enter_netns(const char *netns)
{
	char *path = xasprintf("%s/%s", LAB_NETNS_DIR, netns);
	int fd = open(path, O_RDONLY | O_CLOEXEC), rc = -1;

	if (fd != -1) {
		rc = setns(fd, CLONE_NEWNET);
		close(fd);
	}
	free(path);
	return rc;
}

pid_t
lab_spawn(const char *netns, char *const argv[], const char *log)
{
	sigset_t none;
	pid_t pid;
	int fd;

	fflush(NULL);
	if ((pid = fork()) != 0)
		return pid;
	/* child: its own session, so the terminal's Ctrl-C for `up` does not reach it */
	(void)setsid();
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	signal(SIGPIPE, SIG_DFL);
	if ((fd = open("/dev/null", O_RDONLY)) != -1) {
		dup2(fd, 0);
		close(fd);
	}
	if (log != NULL && (fd = open(log, O_WRONLY | O_CREAT | O_APPEND, 0644)) != -1) {
		dup2(fd, 1);
		dup2(fd, 2);
		close(fd);
	}
	if (netns != NULL && enter_netns(netns) == -1) {
		fprintf(stderr, "transitlab: cannot enter netns %s: %s\n", netns,
		    strerror(errno));
		_exit(126);
	}
	execvp(argv[0], argv);
	fprintf(stderr, "transitlab: cannot run %s: %s\n", argv[0], strerror(errno));
	_exit(127);
}

int
lab_exec_in(const char *netns, char *const argv[])
{
	if (enter_netns(netns) == -1) {
		fprintf(stderr, "transitlab: cannot enter netns %s: %s\n", netns,
		    strerror(errno));
		return -1;
	}
	execvp(argv[0], argv);
	fprintf(stderr, "transitlab: %s: %s\n", argv[0], strerror(errno));
	return -1;
}

/* State letter and start time of a process; -1 when it is gone. */
static int
proc_stat(pid_t pid, char *state, unsigned long long *start)
{
	char path[64], *buf, *p, *end;
	int i;

	snprintf(path, sizeof(path), "/proc/%ld/stat", (long)pid);
	if ((buf = lab_read_file(path, 4096, NULL)) == NULL)
		return -1;
	/* The command name may contain spaces and ')': fields start after the last ')'. */
	if ((p = strrchr(buf, ')')) == NULL || p[1] != ' ') {
		free(buf);
		return -1;
	}
	p += 2;
	*state = *p;
	/* p is field 3; starttime is field 22. */
	for (i = 3; i < 22 && p != NULL; i++) {
		p = strchr(p, ' ');
		if (p != NULL)
			p++;
	}
	*start = p != NULL ? strtoull(p, &end, 10) : 0;
	free(buf);
	return 0;
}

unsigned long long
lab_proc_start(pid_t pid)
{
	unsigned long long start;
	char st;

	return proc_stat(pid, &st, &start) == 0 ? start : 0;
}

bool
lab_proc_alive(pid_t pid)
{
	unsigned long long start;
	char st;

	return proc_stat(pid, &st, &start) == 0 && st != 'Z' && st != 'X';
}

int
lab_sysctl(const char *netns, const char *key, const char *value)
{
	char *path = xasprintf("/proc/sys/%s", key);
	int self, fd = -1, rc = -1;

	if ((self = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC)) == -1)
		goto out;
	if (enter_netns(netns) == -1)
		goto out;
	if ((fd = open(path, O_WRONLY | O_CLOEXEC)) != -1 &&
	    write(fd, value, strlen(value)) == (ssize_t)strlen(value))
		rc = 0;
	if (setns(self, CLONE_NEWNET) == -1) {
		fprintf(stderr, "transitlab: cannot return to our namespace: %s\n",
		    strerror(errno));
		abort();
	}
out:
	if (rc == -1)
		fprintf(stderr, "transitlab: sysctl %s=%s in %s: %s\n", key, value, netns,
		    strerror(errno));
	if (fd != -1)
		close(fd);
	if (self != -1)
		close(self);
	free(path);
	return rc;
}

bool
lab_netns_exists(const char *netns)
{
	char *path = xasprintf("%s/%s", LAB_NETNS_DIR, netns);
	bool ok = access(path, F_OK) == 0;

	free(path);
	return ok;
}

void
lab_tail(const char *path, int n, FILE *f)
{
	size_t len, i;
	char *buf = lab_read_file(path, 1 << 20, &len);
	int lines = 0;

	if (buf == NULL || len == 0) {
		fprintf(f, "  (log %s is empty)\n", path);
		free(buf);
		return;
	}
	i = len;
	if (buf[i - 1] == '\n')
		i--;
	while (i > 0) {
		if (buf[i - 1] == '\n' && ++lines == n)
			break;
		i--;
	}
	for (; i < len; i++) {
		if (i == 0 || buf[i - 1] == '\n')
			fputs("  | ", f);
		fputc(buf[i], f);
	}
	if (buf[len - 1] != '\n')
		fputc('\n', f);
	free(buf);
}

/* ---- teardown ----------------------------------------------------------------- */

struct victim {
	pid_t			 pid;
	unsigned long long	 start;
};

struct victims {
	struct victim	v[MAX_KILL];
	size_t		n;
};

static void
add_victim(struct victims *vs, pid_t pid, unsigned long long start)
{
	size_t i;

	if (pid <= 1 || pid == getpid() || start == 0 || vs->n == MAX_KILL)
		return;
	for (i = 0; i < vs->n; i++)
		if (vs->v[i].pid == pid)
			return;
	vs->v[vs->n].pid = pid;
	vs->v[vs->n].start = start;
	vs->n++;
}

static bool
victim_alive(const struct victim *v)
{
	unsigned long long start;
	char st;

	(void)waitpid(v->pid, NULL, WNOHANG);	/* reap our own children (up's failure path) */
	return proc_stat(v->pid, &st, &start) == 0 && start == v->start &&
	    st != 'Z' && st != 'X';
}

static void
collect_in_netns(struct victims *vs, char **names, size_t n)
{
	struct stat *nsst = xcalloc(n + 1, sizeof(*nsst)), sb;
	size_t nns = 0, i;
	DIR *d;
	struct dirent *e;

	for (i = 0; i < n; i++) {
		char *path = xasprintf("%s/%s", LAB_NETNS_DIR, names[i]);

		if (stat(path, &nsst[nns]) == 0)
			nns++;
		free(path);
	}
	if (nns == 0 || (d = opendir("/proc")) == NULL) {
		free(nsst);
		return;
	}
	while ((e = readdir(d)) != NULL) {
		char path[300];
		pid_t pid;

		if (e->d_name[0] < '1' || e->d_name[0] > '9')
			continue;
		pid = (pid_t)strtol(e->d_name, NULL, 10);
		snprintf(path, sizeof(path), "/proc/%s/ns/net", e->d_name);
		if (stat(path, &sb) == -1)
			continue;
		for (i = 0; i < nns; i++)
			if (sb.st_ino == nsst[i].st_ino && sb.st_dev == nsst[i].st_dev)
				add_victim(vs, pid, lab_proc_start(pid));
	}
	closedir(d);
	free(nsst);
}

static void
collect_pids(struct victims *vs, const char *dir)
{
	char *path = xasprintf("%s/pids", dir), *buf, *line, *save = NULL;

	buf = lab_read_file(path, 1 << 20, NULL);
	free(path);
	if (buf == NULL)
		return;
	for (line = strtok_r(buf, "\n", &save); line != NULL;
	    line = strtok_r(NULL, "\n", &save)) {
		char role[32], name[128];
		long pid;
		unsigned long long start;

		if (sscanf(line, "%31s %127s %ld %llu", role, name, &pid, &start) == 4 &&
		    lab_proc_start((pid_t)pid) == start)
			add_victim(vs, (pid_t)pid, start);
	}
	free(buf);
}

static size_t
signal_all(struct victims *vs, int sig)
{
	size_t i, alive = 0;

	for (i = 0; i < vs->n; i++) {
		if (!victim_alive(&vs->v[i]))
			continue;
		alive++;
		if (sig != 0)
			(void)kill(vs->v[i].pid, sig);
	}
	return alive;
}

static bool
wait_gone(struct victims *vs, int ms)
{
	int waited;

	for (waited = 0; waited < ms; waited += 20) {
		if (signal_all(vs, 0) == 0)
			return true;
		usleep(20000);
	}
	return signal_all(vs, 0) == 0;
}

static int
rm_entry(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
	return flag == FTW_DP ? rmdir(path) : unlink(path);
}

/*
 * Delete the recorded namespaces.  A namespace is recorded before it is made, so one
 * that does not exist yet may still be on its way: if `up` was killed while its
 * `ip netns add` child ran, that child finishes after we look.  So the missing ones
 * are watched for a second and deleted if they appear.
 */
static int
del_namespaces(char **names, size_t n, bool verbose)
{
	bool *done = xcalloc(n > 0 ? n : 1, sizeof(*done));
	size_t i, left;
	int rc = 0, round;

	for (round = 0; round < 11; round++) {
		left = 0;
		for (i = n; i-- > 0;) {
			if (done[i])
				continue;
			if (!lab_netns_exists(names[i])) {
				left++;
				continue;
			}
			done[i] = true;
			if (lab_ip("netns", "del", names[i], (char *)NULL) == -1)
				rc = -1;
			else if (verbose)
				printf("deleted namespace %s\n", names[i]);
		}
		if (left == 0)
			break;
		if (round < 10)
			usleep(100 * 1000);
	}
	free(done);
	return rc;
}

int
lab_teardown(const char *dir, bool verbose)
{
	struct victims *vs = xcalloc(1, sizeof(*vs));
	char *path = xasprintf("%s/netns", dir), *buf, *save = NULL, *line;
	char **names = NULL;
	size_t n = 0, killed;
	int rc = 0;

	buf = lab_read_file(path, 1 << 20, NULL);
	free(path);
	for (line = buf != NULL ? strtok_r(buf, "\n", &save) : NULL; line != NULL;
	    line = strtok_r(NULL, "\n", &save)) {
		names = xreallocarray(names, n + 1, sizeof(*names));
		names[n++] = line;
	}
	collect_pids(vs, dir);
	collect_in_netns(vs, names, n);
	killed = signal_all(vs, SIGTERM);
	if (killed > 0 && !wait_gone(vs, 3000)) {
		if (verbose)
			printf("processes still running after 3 s: SIGKILL\n");
		signal_all(vs, SIGKILL);
		if (!wait_gone(vs, 2000)) {
			fprintf(stderr, "transitlab: some lab processes survive SIGKILL\n");
			rc = -1;
		}
	}
	if (verbose && killed > 0)
		printf("stopped %zu process%s\n", killed, killed == 1 ? "" : "es");
	if (del_namespaces(names, n, verbose) == -1)
		rc = -1;
	if (rc == 0 && nftw(dir, rm_entry, 16, FTW_DEPTH | FTW_PHYS) == -1 &&
	    errno != ENOENT) {
		fprintf(stderr, "transitlab: removing %s: %s\n", dir, strerror(errno));
		rc = -1;
	}
	free(names);
	free(buf);
	free(vs);
	return rc;
}
