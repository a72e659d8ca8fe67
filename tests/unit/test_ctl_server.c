/*
 * ctl_server and ctl_client over real unix sockets in a temporary directory (no root
 * needed): socket and directory modes, the read-only socket, refusing a live path,
 * replacing a stale one, SCM_RIGHTS, oversize framing, slow readers, the client cap
 * and the client's error messages (reliability.md 6.6 C5).  The server runs in a
 * thread with a poll loop built from ctl_server_fds(), standing in for transitd's
 * event loop; raw client sockets stand in for hostile clients.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <grp.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/un.h>

#include "common/log.h"
#include "common/util.h"
#include "ctl/ctl_client.h"
#include "ctl/ctl_server.h"

#define TIMEOUT_MS	5000

struct env {
	char			 dir[40];
	char			 sock[96];
	char			 rosock[96];
	struct ctl_proto	*proto;
	struct ctl_server	*srv;
	pthread_t		 th;
	int			 stop[2];
	bool			 running;
};

static json_t *
h_reload(const json_t *args, void *ctx, struct ctl_error *err)
{
	return json_pack("{s:b}", "reloaded", 1);
}

static json_t *
h_big(const json_t *args, void *ctx, struct ctl_error *err)
{
	json_int_t n = json_integer_value(json_object_get(args, "n"));
	json_t *a = json_array();
	json_int_t i;

	for (i = 0; i < n; i++)
		json_array_append_new(a, json_string("0123456789abcdef0123456789"));
	return a;
}

static const struct ctl_arg big_args[] = { { "n", CTL_ARG_INT, true } };
static const struct ctl_cmd cmds[] = {
	{ "reload", h_reload, true, "reload", NULL, 0 },
	{ "big", h_big, false, "a large reply", big_args, 1 },
};

static void *
serve(void *arg)
{
	struct env *e = arg;
	struct ctl_fd fds[128];
	struct pollfd pfd[129];
	size_t n, i;
	uint32_t ev;

	for (;;) {
		n = ctl_server_fds(e->srv, fds, 128);
		assert_true(n <= 128);
		pfd[0].fd = e->stop[0];
		pfd[0].events = POLLIN;
		for (i = 0; i < n; i++) {
			pfd[i + 1].fd = fds[i].fd;
			pfd[i + 1].events = ((fds[i].events & CTL_EV_READ) ? POLLIN : 0) |
			    ((fds[i].events & CTL_EV_WRITE) ? POLLOUT : 0);
		}
		if (poll(pfd, n + 1, 1000) == -1)
			continue;
		if (pfd[0].revents)
			return NULL;
		for (i = 1; i <= n; i++) {
			ev = ((pfd[i].revents & POLLIN) ? CTL_EV_READ : 0) |
			    ((pfd[i].revents & POLLOUT) ? CTL_EV_WRITE : 0) |
			    ((pfd[i].revents & (POLLHUP | POLLERR)) ? CTL_EV_ERROR : 0);
			if (ev != 0)
				ctl_server_handle(e->srv, pfd[i].fd, ev);
		}
	}
}

static void
start(struct env *e, size_t max_clients, size_t max_outq)
{
	struct ctl_server_config cfg = {
		.path = e->sock, .ro_path = e->rosock, .gid = (gid_t)-1,
		.max_clients = max_clients, .max_outq = max_outq,
	};
	char err[256];
	size_t i;

	e->proto = ctl_proto_new("1.2.3");
	for (i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++)
		assert_int_equal(ctl_proto_register(e->proto, &cmds[i], NULL), 0);
	e->srv = ctl_server_open(&cfg, e->proto, NULL, err, sizeof(err));
	if (e->srv == NULL)
		fail_msg("ctl_server_open: %s", err);
	assert_int_equal(pipe(e->stop), 0);
	assert_int_equal(pthread_create(&e->th, NULL, serve, e), 0);
	e->running = true;
}

static void
stop(struct env *e)
{
	if (!e->running)
		return;
	assert_int_equal(write(e->stop[1], "x", 1), 1);
	pthread_join(e->th, NULL);
	close(e->stop[0]);
	close(e->stop[1]);
	ctl_server_close(e->srv);
	ctl_proto_free(e->proto);
	e->running = false;
}

static int
setup(void **state)
{
	struct env *e = calloc(1, sizeof(*e));

	snprintf(e->dir, sizeof(e->dir), "/tmp/ctltest.XXXXXX");
	assert_non_null(mkdtemp(e->dir));
	/* "run" does not exist yet: the server must create it. */
	snprintf(e->sock, sizeof(e->sock), "%s/run/node1.sock", e->dir);
	snprintf(e->rosock, sizeof(e->rosock), "%s/run/node1.ro.sock", e->dir);
	*state = e;
	return 0;
}

static int
teardown(void **state)
{
	struct env *e = *state;
	char p[160];

	stop(e);
	unlink(e->sock);
	unlink(e->rosock);
	snprintf(p, sizeof(p), "%s/plain", e->dir);
	unlink(p);
	snprintf(p, sizeof(p), "%s/run", e->dir);
	rmdir(p);
	rmdir(e->dir);
	free(e);
	return 0;
}

static int
raw_connect(const char *path)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	struct timeval tv = { .tv_sec = TIMEOUT_MS / 1000 };
	int fd = socket(AF_UNIX, SOCK_STREAM, 0);

	assert_true(fd >= 0);
	snprintf(sun.sun_path, sizeof(sun.sun_path), "%s", path);
	assert_int_equal(connect(fd, (struct sockaddr *)&sun, sizeof(sun)), 0);
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	return fd;
}

/* Read one line (blocking, with the socket timeout); NULL on EOF before a line. */
static char *
raw_line(int fd)
{
	size_t len = 0, cap = 256;
	char *s = malloc(cap), c;
	ssize_t n;

	for (;;) {
		n = recv(fd, &c, 1, 0);
		if (n <= 0) {
			assert_true(n == 0 || errno == ECONNRESET);
			free(s);
			return NULL;
		}
		if (c == '\n')
			break;
		if (len + 2 > cap)
			s = realloc(s, cap *= 2);
		s[len++] = c;
	}
	s[len] = '\0';
	return s;
}

/* True when the server closed the connection (EOF after any pending lines). */
static bool
raw_closed(int fd)
{
	char *l;

	while ((l = raw_line(fd)) != NULL)
		free(l);
	return true;
}

static void
raw_send(int fd, const char *s)
{
	assert_int_equal(send(fd, s, strlen(s), MSG_NOSIGNAL), (ssize_t)strlen(s));
}

static const char *
reply_code(const char *line)
{
	static char code[32];
	json_t *r = json_loads(line, 0, NULL);

	assert_non_null(r);
	snprintf(code, sizeof(code), "%s", json_is_true(json_object_get(r, "ok")) ?
	    "ok" : json_string_value(json_object_get(json_object_get(r, "error"),
	    "code")));
	json_decref(r);
	return code;
}

static int
count_fds(void)
{
	DIR *d = opendir("/proc/self/fd");
	int n = 0;

	assert_non_null(d);
	while (readdir(d) != NULL)
		n++;
	closedir(d);
	return n;
}

static void
test_modes_and_calls(void **state)
{
	struct env *e = *state;
	struct ctl_error err;
	struct stat st;
	char dir[160];
	json_t *res;

	start(e, 0, 0);
	snprintf(dir, sizeof(dir), "%s/run", e->dir);
	assert_int_equal(stat(dir, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0750);
	assert_int_equal(lstat(e->sock, &st), 0);
	assert_true(S_ISSOCK(st.st_mode));
	assert_int_equal(st.st_mode & 07777, 0660);
	assert_int_equal(lstat(e->rosock, &st), 0);
	assert_true(S_ISSOCK(st.st_mode));
	assert_int_equal(st.st_mode & 07777, 0666);

	assert_int_equal(ctl_client_call(e->sock, "version", NULL, TIMEOUT_MS, &res,
	    &err), 0);
	assert_string_equal(json_string_value(json_object_get(res, "version")),
	    "1.2.3");
	json_decref(res);
	assert_int_equal(ctl_client_call(e->sock, "reload", NULL, TIMEOUT_MS, &res,
	    &err), 0);
	assert_true(json_is_true(json_object_get(res, "reloaded")));
	json_decref(res);

	/* Read-only socket: reads work, mutations are denied. */
	assert_int_equal(ctl_client_call(e->rosock, "help", NULL, TIMEOUT_MS, &res,
	    &err), 0);
	assert_true(json_array_size(res) == 4);
	json_decref(res);
	assert_int_equal(ctl_client_call(e->rosock, "reload", NULL, TIMEOUT_MS, &res,
	    &err), -1);
	assert_string_equal(err.code, CTL_E_DENIED);
	assert_null(res);

	/* Server-side validation errors come back as such. */
	{
		json_t *args = json_pack("{s:s}", "n", "many");

		assert_int_equal(ctl_client_call(e->sock, "big", args, TIMEOUT_MS,
		    &res, &err), -1);
		assert_string_equal(err.code, CTL_E_BAD_REQUEST);
		json_decref(args);
	}
	assert_int_equal(ctl_client_call(e->sock, "nope", NULL, TIMEOUT_MS, &res,
	    &err), -1);
	assert_string_equal(err.code, CTL_E_UNKNOWN_COMMAND);

	/* A reply much larger than one socket buffer arrives whole. */
	res = json_pack("{s:i}", "n", 100000);
	{
		json_t *args = res;

		assert_int_equal(ctl_client_call(e->sock, "big", args, TIMEOUT_MS, &res,
		    &err), 0);
		json_decref(args);
	}
	assert_int_equal(json_array_size(res), 100000);
	json_decref(res);

	/* Closing removes both socket files. */
	stop(e);
	assert_int_equal(lstat(e->sock, &st), -1);
	assert_int_equal(lstat(e->rosock, &st), -1);
}

static void
test_second_instance_refused(void **state)
{
	struct env *e = *state;
	struct ctl_server_config cfg = { .path = e->sock, .gid = (gid_t)-1 };
	struct ctl_proto *p = ctl_proto_new("x");
	struct ctl_error err;
	char msg[256];
	json_t *res;

	start(e, 0, 0);
	assert_null(ctl_server_open(&cfg, p, NULL, msg, sizeof(msg)));
	assert_non_null(strstr(msg, "in use"));
	/* and the first one still answers on its path */
	assert_int_equal(ctl_client_call(e->sock, "version", NULL, TIMEOUT_MS, &res,
	    &err), 0);
	json_decref(res);
	/* same for the read-only path given as a second main socket */
	cfg.path = e->rosock;
	assert_null(ctl_server_open(&cfg, p, NULL, msg, sizeof(msg)));
	ctl_proto_free(p);
}

static void
test_stale_socket_replaced(void **state)
{
	struct env *e = *state;
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	struct ctl_server_config cfg = { .path = NULL, .gid = (gid_t)-1 };
	struct ctl_proto *p = ctl_proto_new("x");
	struct ctl_error err;
	char dir[160], plain[160], msg[256];
	struct stat st;
	json_t *res;
	int fd;

	/* A daemon that died leaves its socket file behind. */
	snprintf(dir, sizeof(dir), "%s/run", e->dir);
	assert_int_equal(mkdir(dir, 0700), 0);
	fd = socket(AF_UNIX, SOCK_STREAM, 0);
	snprintf(sun.sun_path, sizeof(sun.sun_path), "%s", e->sock);
	assert_int_equal(bind(fd, (struct sockaddr *)&sun, sizeof(sun)), 0);
	close(fd);
	assert_int_equal(lstat(e->sock, &st), 0);
	start(e, 0, 0);
	assert_int_equal(ctl_client_call(e->sock, "version", NULL, TIMEOUT_MS, &res,
	    &err), 0);
	json_decref(res);
	/* An existing directory keeps its mode. */
	assert_int_equal(stat(dir, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0700);

	/* A regular file at the path is never removed. */
	snprintf(plain, sizeof(plain), "%s/plain", e->dir);
	fd = open(plain, O_CREAT | O_WRONLY, 0600);
	assert_true(fd >= 0);
	close(fd);
	cfg.path = plain;
	assert_null(ctl_server_open(&cfg, p, NULL, msg, sizeof(msg)));
	assert_non_null(strstr(msg, "not a socket"));
	assert_int_equal(lstat(plain, &st), 0);
	assert_true(S_ISREG(st.st_mode));
	ctl_proto_free(p);
}

static void
test_scm_rights_dropped(void **state)
{
	struct env *e = *state;
	union {
		struct cmsghdr	hdr;
		char		buf[CMSG_SPACE(2 * sizeof(int))];
	} cbuf;
	const char req[] = "{\"id\":1,\"cmd\":\"version\"}\n";
	struct iovec iov = { .iov_base = (void *)(uintptr_t)req,
	    .iov_len = sizeof(req) - 1 };
	struct msghdr msg = { 0 };
	struct cmsghdr *cm;
	int fd, p[2], before;
	char *line;

	start(e, 0, 0);
	fd = raw_connect(e->sock);
	assert_int_equal(pipe(p), 0);
	before = count_fds();
	msg.msg_iov = &iov;
	msg.msg_iovlen = 1;
	msg.msg_control = cbuf.buf;
	msg.msg_controllen = sizeof(cbuf.buf);
	cm = CMSG_FIRSTHDR(&msg);
	cm->cmsg_level = SOL_SOCKET;
	cm->cmsg_type = SCM_RIGHTS;
	cm->cmsg_len = CMSG_LEN(2 * sizeof(int));
	memcpy(CMSG_DATA(cm), p, 2 * sizeof(int));
	assert_int_equal(sendmsg(fd, &msg, MSG_NOSIGNAL), (ssize_t)sizeof(req) - 1);
	/* No reply to the request that came with the descriptors: just EOF. */
	line = raw_line(fd);
	assert_null(line);
	close(fd);
	/* Server and test share a process: the received copies were closed again
	 * (the count includes the socket we have just closed, and the server's
	 * side of it). */
	assert_true(count_fds() <= before - 1);
	close(p[0]);
	close(p[1]);

	/* Other clients are unaffected. */
	fd = raw_connect(e->sock);
	raw_send(fd, req);
	line = raw_line(fd);
	assert_non_null(line);
	assert_string_equal(reply_code(line), "ok");
	free(line);
	close(fd);
}

static void
test_oversize_drops_only_that_client(void **state)
{
	struct env *e = *state;
	struct ctl_error err;
	char *big, *line;
	int a, b;
	json_t *res;

	start(e, 0, 0);
	b = raw_connect(e->rosock);
	raw_send(b, "{\"id\":1,\"cmd\":\"version\"}\n");
	line = raw_line(b);
	assert_string_equal(reply_code(line), "ok");
	free(line);

	a = raw_connect(e->sock);
	big = malloc(70 * 1024 + 1);
	memset(big, 'x', 70 * 1024);
	big[70 * 1024] = '\0';
	/* the server may close before taking everything: tolerate EPIPE */
	if (send(a, big, 70 * 1024, MSG_NOSIGNAL) == -1)
		assert_true(errno == EPIPE || errno == ECONNRESET);
	free(big);
	line = raw_line(a);
	assert_non_null(line);
	assert_string_equal(reply_code(line), CTL_E_TOO_LARGE);
	free(line);
	assert_null(raw_line(a));	/* disconnected */
	close(a);

	/* The other connection, and new ones, keep working. */
	raw_send(b, "{\"id\":2,\"cmd\":\"help\"}\n");
	line = raw_line(b);
	assert_string_equal(reply_code(line), "ok");
	free(line);
	close(b);
	assert_int_equal(ctl_client_call(e->sock, "version", NULL, TIMEOUT_MS, &res,
	    &err), 0);
	json_decref(res);

	/* A malformed (but small) line keeps the connection open. */
	b = raw_connect(e->sock);
	raw_send(b, "{garbage\n{\"cmd\":\"version\"}\n");
	line = raw_line(b);
	assert_string_equal(reply_code(line), CTL_E_BAD_JSON);
	free(line);
	line = raw_line(b);
	assert_string_equal(reply_code(line), "ok");
	free(line);
	close(b);
}

static void
test_slow_reader_dropped(void **state)
{
	struct env *e = *state;
	const char req[] = "{\"cmd\":\"big\",\"args\":{\"n\":1000}}\n";
	struct ctl_error err;
	int fd, i;
	ssize_t n = 0;
	json_t *res;

	/* 64 KiB queue; each reply is ~29 KB */
	start(e, 0, 64 * 1024);
	fd = raw_connect(e->sock);
	for (i = 0; i < 2000; i++) {
		n = send(fd, req, sizeof(req) - 1, MSG_NOSIGNAL);
		if (n == -1)
			break;
	}
	/* Either a send failed after the drop, or all got through and then the
	 * stream ends: in both cases far fewer than 2000 replies arrive. */
	if (n == -1)
		assert_true(errno == EPIPE || errno == ECONNRESET);
	{
		int lines = 0;
		char *l;

		while ((l = raw_line(fd)) != NULL) {
			lines++;
			free(l);
		}
		assert_true(lines < 2000);
	}
	close(fd);
	assert_int_equal(ctl_client_call(e->sock, "version", NULL, TIMEOUT_MS, &res,
	    &err), 0);
	json_decref(res);
}

static void
test_max_clients(void **state)
{
	struct env *e = *state;
	int c[3], i;
	char *line;

	start(e, 2, 0);
	for (i = 0; i < 2; i++) {
		c[i] = raw_connect(e->sock);
		raw_send(c[i], "{\"cmd\":\"version\"}\n");
		line = raw_line(c[i]);
		assert_string_equal(reply_code(line), "ok");
		free(line);
	}
	c[2] = raw_connect(e->rosock);
	line = raw_line(c[2]);
	assert_non_null(line);
	assert_string_equal(reply_code(line), CTL_E_BUSY);
	free(line);
	assert_true(raw_closed(c[2]));
	close(c[2]);
	/* the client library reports the daemon's reason, not a broken pipe */
	{
		struct ctl_error err;
		json_t *res;

		assert_int_equal(ctl_client_call(e->sock, "version", NULL, TIMEOUT_MS,
		    &res, &err), -1);
		assert_string_equal(err.code, CTL_E_BUSY);
		assert_null(res);
	}
	/* a slot frees up when a client leaves */
	close(c[0]);
	for (i = 0; i < 100; i++) {	/* until the server has seen the close */
		c[2] = raw_connect(e->sock);
		/* when refused, the server may close before our send: EPIPE */
		if (send(c[2], "{\"cmd\":\"version\"}\n", 18, MSG_NOSIGNAL) == -1)
			assert_true(errno == EPIPE || errno == ECONNRESET);
		line = raw_line(c[2]);
		assert_non_null(line);
		if (strcmp(reply_code(line), "ok") == 0)
			break;
		assert_string_equal(reply_code(line), CTL_E_BUSY);
		free(line);
		close(c[2]);
		usleep(50 * 1000);
	}
	assert_true(i < 100);
	free(line);
	close(c[1]);
	close(c[2]);
}

static void
test_half_close_still_answered(void **state)
{
	struct env *e = *state;
	int fd;
	char *line;

	start(e, 0, 0);
	fd = raw_connect(e->sock);
	raw_send(fd, "{\"id\":1,\"cmd\":\"version\"}\n{\"id\":2,\"cmd\":\"version\"}\n");
	shutdown(fd, SHUT_WR);
	line = raw_line(fd);
	assert_string_equal(reply_code(line), "ok");
	free(line);
	line = raw_line(fd);
	assert_string_equal(reply_code(line), "ok");
	free(line);
	assert_null(raw_line(fd));
	close(fd);
}

static void
test_client_errors(void **state)
{
	struct env *e = *state;
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	struct ctl_error err;
	uint64_t t0;
	json_t *res;
	int fd;

	assert_int_equal(ctl_client_call(e->sock, "version", NULL, 1000, &res, &err),
	    -1);
	assert_string_equal(err.code, CTL_E_CONNECT);
	assert_non_null(strstr(err.message, e->sock));
	assert_non_null(strstr(err.message,
	    "No such file or directory - is transitd running?"));

	/* A listener that never answers: the call times out. */
	mkdir(e->dir, 0700);
	fd = socket(AF_UNIX, SOCK_STREAM, 0);
	snprintf(sun.sun_path, sizeof(sun.sun_path), "%s/run", e->dir);
	mkdir(sun.sun_path, 0700);
	snprintf(sun.sun_path, sizeof(sun.sun_path), "%s", e->sock);
	assert_int_equal(bind(fd, (struct sockaddr *)&sun, sizeof(sun)), 0);
	assert_int_equal(listen(fd, 1), 0);
	t0 = util_now_ms();
	assert_int_equal(ctl_client_call(e->sock, "version", NULL, 300, &res, &err),
	    -1);
	assert_string_equal(err.code, CTL_E_TIMEOUT);
	assert_true(util_now_ms() - t0 >= 250 && util_now_ms() - t0 < 3000);
	close(fd);
	/* now it is stale: connection refused, same hint */
	assert_int_equal(ctl_client_call(e->sock, "version", NULL, 300, &res, &err),
	    -1);
	assert_string_equal(err.code, CTL_E_CONNECT);
	assert_non_null(strstr(err.message, "is transitd running?"));
}

/* The callback contract, driven by hand without a thread. */
struct cbrec {
	int	adds, mods, dels;
	int	last_fd;
	uint32_t last_ev;
};

static void
cb_add(void *arg, int fd, uint32_t ev)
{
	struct cbrec *r = arg;

	r->adds++;
	r->last_fd = fd;
	r->last_ev = ev;
}

static void
cb_mod(void *arg, int fd, uint32_t ev)
{
	struct cbrec *r = arg;

	r->mods++;
	r->last_ev = ev;
}

static void
cb_del(void *arg, int fd)
{
	struct cbrec *r = arg;

	r->dels++;
	r->last_fd = fd;
}

static void
test_callbacks(void **state)
{
	struct env *e = *state;
	struct cbrec rec = { 0 };
	struct ctl_server_cb cb = { cb_add, cb_mod, cb_del, &rec };
	struct ctl_server_config cfg = { .path = e->sock, .ro_path = e->rosock,
	    .gid = (gid_t)-1 };
	struct ctl_proto *p = ctl_proto_new("cb");
	struct ctl_server *s;
	struct ctl_fd fds[4];
	char msg[256], *line;
	int c, cfd;

	s = ctl_server_open(&cfg, p, &cb, msg, sizeof(msg));
	assert_non_null(s);
	assert_int_equal(rec.adds, 2);
	assert_int_equal(ctl_server_fds(s, fds, 4), 2);
	assert_int_equal(fds[0].events, CTL_EV_READ);

	c = raw_connect(e->sock);	/* sits in the backlog until accepted */
	ctl_server_handle(s, fds[0].fd, CTL_EV_READ);
	assert_int_equal(rec.adds, 3);
	assert_int_equal(rec.last_ev, CTL_EV_READ);
	cfd = rec.last_fd;
	assert_int_equal(ctl_server_nclients(s), 1);
	assert_int_equal(ctl_server_fds(s, fds, 4), 3);
	assert_int_equal(fds[2].fd, cfd);

	raw_send(c, "{\"cmd\":\"version\"}\n");
	ctl_server_handle(s, cfd, CTL_EV_READ);
	line = raw_line(c);	/* written straight away: no WRITE interest needed */
	assert_string_equal(reply_code(line), "ok");
	free(line);
	assert_int_equal(rec.mods, 0);

	close(c);
	ctl_server_handle(s, cfd, CTL_EV_READ | CTL_EV_ERROR);
	assert_int_equal(rec.dels, 1);
	assert_int_equal(rec.last_fd, cfd);
	assert_int_equal(ctl_server_nclients(s), 0);
	ctl_server_handle(s, 12345, CTL_EV_READ);	/* unknown fd: ignored */

	ctl_server_close(s);
	assert_int_equal(rec.dels, 3);
	ctl_proto_free(p);
}

static void
test_accept_paused_when_out_of_fds(void **state)
{
	struct env *e = *state;
	struct cbrec rec = { 0 };
	struct ctl_server_cb cb = { cb_add, cb_mod, cb_del, &rec };
	struct ctl_server_config cfg = { .path = e->sock, .ro_path = e->rosock,
	    .gid = (gid_t)-1 };
	struct ctl_proto *p = ctl_proto_new("fds");
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	struct ctl_server *s;
	struct ctl_fd fds[4];
	struct rlimit old, low;
	char msg[256], *line;
	int c1, c2, lfd, cfd, lowest;

	s = ctl_server_open(&cfg, p, &cb, msg, sizeof(msg));
	assert_non_null(s);
	assert_int_equal(ctl_server_fds(s, fds, 4), 2);
	lfd = fds[0].fd;
	c1 = raw_connect(e->sock);
	ctl_server_handle(s, lfd, CTL_EV_READ);
	cfd = rec.last_fd;
	assert_int_equal(ctl_server_nclients(s), 1);

	/* The next accept() has no descriptor left. */
	c2 = socket(AF_UNIX, SOCK_STREAM, 0);
	lowest = dup(0);
	close(lowest);
	assert_int_equal(getrlimit(RLIMIT_NOFILE, &old), 0);
	low = old;
	low.rlim_cur = (rlim_t)lowest;
	assert_int_equal(setrlimit(RLIMIT_NOFILE, &low), 0);
	snprintf(sun.sun_path, sizeof(sun.sun_path), "%s", e->sock);
	assert_int_equal(connect(c2, (struct sockaddr *)&sun, sizeof(sun)), 0);
	rec.dels = rec.adds = 0;
	ctl_server_handle(s, lfd, CTL_EV_READ);
	assert_int_equal(setrlimit(RLIMIT_NOFILE, &old), 0);
	/* Both listeners left the loop; only the client is watched. */
	assert_int_equal(rec.dels, 2);
	assert_int_equal(ctl_server_fds(s, fds, 4), 1);
	assert_int_equal(fds[0].fd, cfd);
	ctl_server_handle(s, lfd, CTL_EV_READ);	/* stale readiness: ignored */
	assert_int_equal(ctl_server_nclients(s), 1);

	/* A client leaving frees a descriptor: the listeners come back. */
	close(c1);
	ctl_server_handle(s, cfd, CTL_EV_READ);
	assert_int_equal(ctl_server_nclients(s), 0);
	assert_int_equal(rec.adds, 2);
	assert_int_equal(ctl_server_fds(s, fds, 4), 2);
	ctl_server_handle(s, lfd, CTL_EV_READ);
	assert_int_equal(ctl_server_nclients(s), 1);
	raw_send(c2, "{\"cmd\":\"version\"}\n");
	ctl_server_handle(s, rec.last_fd, CTL_EV_READ);
	{
		struct timeval tv = { .tv_sec = 5 };

		setsockopt(c2, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	}
	line = raw_line(c2);
	assert_string_equal(reply_code(line), "ok");
	free(line);
	close(c2);
	ctl_server_close(s);
	ctl_proto_free(p);
}

/*
 * C5 with real identities (root only): the socket owner's group may use the main
 * socket, another user may not, and anyone may use the read-only socket but not
 * to change anything.  Each identity runs in a forked child.
 */
enum { R_OK_, R_DENIED, R_EACCES, R_OTHER };

static int
call_as(uid_t uid, gid_t gid, const char *path, const char *cmd)
{
	struct ctl_error err;
	json_t *res;
	pid_t pid;
	int st;

	if ((pid = fork()) == 0) {
		if (setgroups(0, NULL) == -1 || setgid(gid) == -1 || setuid(uid) == -1)
			_exit(R_OTHER);
		if (ctl_client_call(path, cmd, NULL, TIMEOUT_MS, &res, &err) == 0)
			_exit(R_OK_);
		if (strcmp(err.code, CTL_E_DENIED) == 0)
			_exit(R_DENIED);
		if (strcmp(err.code, CTL_E_CONNECT) == 0 &&
		    strstr(err.message, "Permission denied") != NULL)
			_exit(R_EACCES);
		_exit(R_OTHER);
	}
	assert_true(pid > 0);
	assert_int_equal(waitpid(pid, &st, 0), pid);
	assert_true(WIFEXITED(st));
	return WEXITSTATUS(st);
}

static void
test_identities(void **state)
{
	struct env *e = *state;
	const gid_t ctlgroup = 65533;
	struct ctl_server_config cfg = { .path = e->sock, .ro_path = e->rosock,
	    .gid = ctlgroup };
	char pub[64], msg[256];
	struct stat st;

	if (geteuid() != 0)
		skip();
	/* Sockets in a searchable directory, so that the socket modes decide. */
	assert_int_equal(chmod(e->dir, 0711), 0);
	snprintf(pub, sizeof(pub), "%s/run", e->dir);
	assert_int_equal(mkdir(pub, 0755), 0);
	e->proto = ctl_proto_new("ids");
	assert_int_equal(ctl_proto_register(e->proto, &cmds[0], NULL), 0);
	e->srv = ctl_server_open(&cfg, e->proto, NULL, msg, sizeof(msg));
	assert_non_null(e->srv);
	assert_int_equal(pipe(e->stop), 0);
	assert_int_equal(pthread_create(&e->th, NULL, serve, e), 0);
	e->running = true;

	assert_int_equal(lstat(e->sock, &st), 0);
	assert_int_equal(st.st_gid, ctlgroup);
	assert_int_equal(st.st_mode & 07777, 0660);
	/* root */
	assert_int_equal(call_as(0, 0, e->sock, "reload"), R_OK_);
	/* a member of the control group */
	assert_int_equal(call_as(65532, ctlgroup, e->sock, "reload"), R_OK_);
	/* anyone else: not on the main socket ... */
	assert_int_equal(call_as(65534, 65534, e->sock, "version"), R_EACCES);
	/* ... but reads on the read-only socket, never changes */
	assert_int_equal(call_as(65534, 65534, e->rosock, "version"), R_OK_);
	assert_int_equal(call_as(65534, 65534, e->rosock, "reload"), R_DENIED);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_modes_and_calls, setup, teardown),
		cmocka_unit_test_setup_teardown(test_second_instance_refused, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_stale_socket_replaced, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_scm_rights_dropped, setup, teardown),
		cmocka_unit_test_setup_teardown(test_oversize_drops_only_that_client,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_slow_reader_dropped, setup, teardown),
		cmocka_unit_test_setup_teardown(test_max_clients, setup, teardown),
		cmocka_unit_test_setup_teardown(test_half_close_still_answered, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_client_errors, setup, teardown),
		cmocka_unit_test_setup_teardown(test_callbacks, setup, teardown),
		cmocka_unit_test_setup_teardown(test_accept_paused_when_out_of_fds, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_identities, setup, teardown),
	};

	log_init("test_ctl_server", true, LOG_LVL_WARN);
	/* mode checks must not depend on the caller's umask */
	umask(022);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
