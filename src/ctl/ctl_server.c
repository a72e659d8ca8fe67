/*
 * ctl_server: socket glue of the control protocol (docs/control-protocol.md).
 *
 * Lessons taken from OpenBGPD's control.c (reliability.md 4.2, 6.6 C5): the main
 * socket is bound under a umask so that it is never briefly wider than 0660; the
 * read-only socket is 0666 and its connections are marked so that ctl_proto denies
 * mutating commands; a path a live daemon answers on is never taken over (only a
 * stale socket file is replaced, and never a file that is not a socket); a client
 * that passes descriptors is dropped and the descriptors closed; output to a client
 * that does not read is bounded.  Everything about the bytes themselves is in
 * ctl_proto.c.
 */
#include <errno.h>
#include <stdarg.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <sys/un.h>

#include "common/log.h"
#include "common/util.h"
#include "ctl/ctl_server.h"

#define LISTEN_BACKLOG	16
#define READ_CHUNK	(64u * 1024u)
#define ACCEPT_BURST	16
/* Room for a few passed descriptors, so that we can close what was sent. */
#define CMSG_FDS	16

struct listener {
	int		 fd;
	bool		 readonly;
	char		*path;
	dev_t		 dev;	/* identity of our socket file, so that close */
	ino_t		 ino;	/* never unlinks someone else's */
};

struct client {
	int		 fd;
	uint32_t	 events;	/* interest currently registered */
	bool		 eof;		/* peer shut down its sending side */
	struct ctl_conn	 conn;
};

struct ctl_server {
	struct ctl_proto	*proto;
	struct ctl_server_cb	 cb;
	struct listener		 lis[2];
	size_t			 nlis;
	struct client		**clients;
	size_t			 nclients;
	size_t			 max_clients;
	size_t			 max_outq;
	uint8_t			*rbuf;
	bool			 accept_paused;	/* out of descriptors */
	bool			 shutting_down;
	struct log_ratelimit	 rl;
};

static void
set_err(char *errbuf, size_t errlen, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void
set_err(char *errbuf, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	if (errbuf == NULL || errlen == 0)
		return;
	va_start(ap, fmt);
	vsnprintf(errbuf, errlen, fmt, ap);
	va_end(ap);
}

static int
fill_sun(struct sockaddr_un *sun, const char *path, char *errbuf, size_t errlen)
{
	memset(sun, 0, sizeof(*sun));
	sun->sun_family = AF_UNIX;
	if (path == NULL || path[0] == '\0' ||
	    strlen(path) >= sizeof(sun->sun_path)) {
		set_err(errbuf, errlen, "control socket path \"%s\" is empty or "
		    "longer than %zu bytes", path != NULL ? path : "",
		    sizeof(sun->sun_path) - 1);
		return -1;
	}
	memcpy(sun->sun_path, path, strlen(path));
	return 0;
}

int
ctl_server_check_path(const char *path, char *errbuf, size_t errlen)
{
	struct sockaddr_un sun;
	struct stat st;
	int fd, r, saved;

	if (fill_sun(&sun, path, errbuf, errlen) == -1)
		return -1;
	if (lstat(path, &st) == -1) {
		if (errno == ENOENT)
			return 0;
		set_err(errbuf, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	if (!S_ISSOCK(st.st_mode)) {
		set_err(errbuf, errlen, "%s exists and is not a socket; not replacing it",
		    path);
		return -1;
	}
	if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) == -1) {
		set_err(errbuf, errlen, "socket: %s", strerror(errno));
		return -1;
	}
	r = connect(fd, (struct sockaddr *)&sun, sizeof(sun));
	saved = errno;
	close(fd);
	if (r == 0 || saved == EAGAIN) {
		/* EAGAIN: a live listener whose backlog is full. */
		set_err(errbuf, errlen, "control socket %s is in use: is another "
		    "transitd running?", path);
		return -1;
	}
	if (saved != ECONNREFUSED) {
		set_err(errbuf, errlen, "cannot check control socket %s: %s", path,
		    strerror(saved));
		return -1;
	}
	/* Nobody listens: a leftover from a daemon that died. */
	if (unlink(path) == -1 && errno != ENOENT) {
		set_err(errbuf, errlen, "cannot remove stale socket %s: %s", path,
		    strerror(errno));
		return -1;
	}
	log_info("removed stale control socket %s", path);
	return 0;
}

/*
 * Create a missing parent directory: 0750 for the main socket, 0755 for the
 * read-only one (its point is to be reachable by anyone).  An existing directory is
 * left as is, but a read-only socket in a directory others cannot search is useless,
 * so that gets a warning.
 */
static int
make_parent(const char *path, bool readonly, char *errbuf, size_t errlen)
{
	mode_t dmode = readonly ? 0755 : 0750;
	char *dir = xstrdup(path), *slash;
	struct stat st;
	int rc = -1;

	slash = strrchr(dir, '/');
	if (slash == NULL || slash == dir) {
		rc = 0;		/* relative to cwd, or directly under / */
		goto out;
	}
	*slash = '\0';
	if (stat(dir, &st) == 0) {
		if (!S_ISDIR(st.st_mode)) {
			set_err(errbuf, errlen, "%s is not a directory", dir);
			goto out;
		}
		if (readonly && (st.st_mode & S_IXOTH) == 0)
			log_warnx("read-only control socket %s: directory %s is not "
			    "searchable by others, so only its group can connect", path,
			    dir);
		rc = 0;
		goto out;
	}
	if (errno != ENOENT || mkdir(dir, dmode) == -1 || chmod(dir, dmode) == -1) {
		set_err(errbuf, errlen, "cannot create %s: %s", dir, strerror(errno));
		goto out;
	}
	rc = 0;
out:
	free(dir);
	return rc;
}

static int
make_listener(struct listener *l, const char *path, bool readonly, gid_t gid,
    char *errbuf, size_t errlen)
{
	struct sockaddr_un sun;
	struct stat st;
	mode_t mode = readonly ? 0666 : 0660, old;
	int fd, r;

	l->fd = -1;
	if (fill_sun(&sun, path, errbuf, errlen) == -1 ||
	    make_parent(path, readonly, errbuf, errlen) == -1 ||
	    ctl_server_check_path(path, errbuf, errlen) == -1)
		return -1;
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd == -1) {
		set_err(errbuf, errlen, "socket: %s", strerror(errno));
		return -1;
	}
	/* The umask makes the file appear with at most `mode`: no window in which
	 * it is wider.  chmod then makes it exact whatever the inherited umask. */
	old = umask(0777 & ~mode);
	r = bind(fd, (struct sockaddr *)&sun, sizeof(sun));
	umask(old);
	if (r == -1) {
		set_err(errbuf, errlen, "bind %s: %s", path, strerror(errno));
		close(fd);
		return -1;
	}
	if (chmod(path, mode) == -1 ||
	    (!readonly && gid != (gid_t)-1 && chown(path, (uid_t)-1, gid) == -1) ||
	    lstat(path, &st) == -1 || listen(fd, LISTEN_BACKLOG) == -1) {
		set_err(errbuf, errlen, "control socket %s: %s", path, strerror(errno));
		unlink(path);
		close(fd);
		return -1;
	}
	l->fd = fd;
	l->readonly = readonly;
	l->path = xstrdup(path);
	l->dev = st.st_dev;
	l->ino = st.st_ino;
	return 0;
}

static void
close_listener(struct ctl_server *s, struct listener *l)
{
	struct stat st;

	if (l->fd == -1)
		return;
	/* paused listeners are already unregistered */
	if (s->cb.del_fd != NULL && !s->accept_paused)
		s->cb.del_fd(s->cb.arg, l->fd);
	close(l->fd);
	if (lstat(l->path, &st) == 0 && st.st_dev == l->dev && st.st_ino == l->ino)
		unlink(l->path);
	free(l->path);
	l->fd = -1;
	l->path = NULL;
}

struct ctl_server *
ctl_server_open(const struct ctl_server_config *cfg, struct ctl_proto *proto,
    const struct ctl_server_cb *cb, char *errbuf, size_t errlen)
{
	struct ctl_server *s;
	size_t i;

	if (cfg == NULL || proto == NULL || cfg->path == NULL) {
		set_err(errbuf, errlen, "control socket: no path configured");
		return NULL;
	}
	if (cfg->ro_path != NULL && strcmp(cfg->ro_path, cfg->path) == 0) {
		set_err(errbuf, errlen, "read-only control socket must differ from %s",
		    cfg->path);
		return NULL;
	}
	s = xcalloc(1, sizeof(*s));
	s->proto = proto;
	if (cb != NULL)
		s->cb = *cb;
	s->max_clients = cfg->max_clients ? cfg->max_clients : CTL_DEFAULT_MAX_CLIENTS;
	s->max_outq = cfg->max_outq ? cfg->max_outq : CTL_DEFAULT_MAX_OUTQ;
	s->clients = xcalloc(s->max_clients, sizeof(*s->clients));
	s->rbuf = xmalloc(READ_CHUNK);
	log_ratelimit_init(&s->rl, 10, 1000);

	if (make_listener(&s->lis[0], cfg->path, false, cfg->gid, errbuf,
	    errlen) == -1)
		goto fail;
	s->nlis = 1;
	if (cfg->ro_path != NULL) {
		if (make_listener(&s->lis[1], cfg->ro_path, true, (gid_t)-1, errbuf,
		    errlen) == -1)
			goto fail;
		s->nlis = 2;
	}
	for (i = 0; i < s->nlis; i++)
		if (s->cb.add_fd != NULL)
			s->cb.add_fd(s->cb.arg, s->lis[i].fd, CTL_EV_READ);
	return s;
fail:
	for (i = 0; i < s->nlis; i++) {
		/* Not announced yet: close without del_fd. */
		close(s->lis[i].fd);
		unlink(s->lis[i].path);
		free(s->lis[i].path);
	}
	free(s->rbuf);
	free(s->clients);
	free(s);
	return NULL;
}

/*
 * Out of descriptors, a level-triggered listener would wake the loop forever
 * without accept() ever succeeding (OpenBGPD's control_accept pauses the same
 * way): stop watching the listeners until a client leaves or the owner retries.
 */
static void
pause_accept(struct ctl_server *s)
{
	size_t i;

	if (s->accept_paused)
		return;
	s->accept_paused = true;
	for (i = 0; i < s->nlis; i++)
		if (s->cb.del_fd != NULL)
			s->cb.del_fd(s->cb.arg, s->lis[i].fd);
}

void
ctl_server_resume_accept(struct ctl_server *s)
{
	size_t i;

	if (!s->accept_paused || s->shutting_down)
		return;
	s->accept_paused = false;
	for (i = 0; i < s->nlis; i++)
		if (s->cb.add_fd != NULL)
			s->cb.add_fd(s->cb.arg, s->lis[i].fd, CTL_EV_READ);
}

static void
drop_client(struct ctl_server *s, size_t idx)
{
	struct client *c = s->clients[idx];

	if (s->cb.del_fd != NULL)
		s->cb.del_fd(s->cb.arg, c->fd);
	close(c->fd);
	ctl_conn_clear(&c->conn);
	free(c);
	s->clients[idx] = s->clients[--s->nclients];
	s->clients[s->nclients] = NULL;
	/* A descriptor was just freed. */
	ctl_server_resume_accept(s);
}

void
ctl_server_close(struct ctl_server *s)
{
	size_t i;

	if (s == NULL)
		return;
	s->shutting_down = true;	/* no listener re-registration */
	while (s->nclients > 0)
		drop_client(s, s->nclients - 1);
	for (i = 0; i < s->nlis; i++)
		close_listener(s, &s->lis[i]);
	free(s->rbuf);
	free(s->clients);
	free(s);
}

size_t
ctl_server_nclients(const struct ctl_server *s)
{
	return s->nclients;
}

size_t
ctl_server_fds(const struct ctl_server *s, struct ctl_fd *out, size_t max)
{
	size_t i, n = 0;

	for (i = 0; i < s->nlis && !s->accept_paused; i++, n++)
		if (n < max) {
			out[n].fd = s->lis[i].fd;
			out[n].events = CTL_EV_READ;
		}
	for (i = 0; i < s->nclients; i++, n++)
		if (n < max) {
			out[n].fd = s->clients[i]->fd;
			out[n].events = s->clients[i]->events;
		}
	return n;
}

static void
accept_clients(struct ctl_server *s, struct listener *l)
{
	static const char busy[] = "{\"id\":null,\"ok\":false,\"error\":{\"code\":"
	    "\"busy\",\"message\":\"too many control clients\"}}\n";
	struct client *c;
	int i, fd, saved;

	for (i = 0; i < ACCEPT_BURST; i++) {
		fd = accept4(l->fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (fd == -1) {
			saved = errno;
			if (saved == EAGAIN || saved == EWOULDBLOCK || saved == EINTR ||
			    saved == ECONNABORTED)
				return;
			if (log_ratelimit_allow(&s->rl, util_now_ms()))
				log_warnx("control socket %s: accept: %s", l->path,
				    strerror(saved));
			if (saved == EMFILE || saved == ENFILE || saved == ENOBUFS ||
			    saved == ENOMEM)
				pause_accept(s);
			return;
		}
		if (s->nclients >= s->max_clients) {
			/* Best effort: the reply fits any fresh socket buffer. */
			if (send(fd, busy, sizeof(busy) - 1, MSG_NOSIGNAL | MSG_DONTWAIT)
			    == -1) {
				/* nothing more to do for it */
			}
			close(fd);
			if (log_ratelimit_allow(&s->rl, util_now_ms()))
				log_warnx("control socket %s: %zu clients, refusing more",
				    l->path, s->nclients);
			continue;
		}
		c = xcalloc(1, sizeof(*c));
		c->fd = fd;
		c->events = CTL_EV_READ;
		ctl_conn_init(&c->conn, l->readonly);
		c->conn.max_out = s->max_outq;
		s->clients[s->nclients++] = c;
		if (s->cb.add_fd != NULL)
			s->cb.add_fd(s->cb.arg, fd, c->events);
	}
}

/* Close every descriptor a client tried to pass us. */
static void
close_passed_fds(struct msghdr *msg)
{
	struct cmsghdr *cm;
	size_t i, n, room;
	int fd;

	for (cm = CMSG_FIRSTHDR(msg); cm != NULL; cm = CMSG_NXTHDR(msg, cm)) {
		if (cm->cmsg_level != SOL_SOCKET || cm->cmsg_type != SCM_RIGHTS ||
		    cm->cmsg_len < CMSG_LEN(0))
			continue;
		/* The kernel shortens cmsg_len on truncation; bound it anyway by
		 * the buffer we own. */
		room = msg->msg_controllen - (size_t)((char *)cm -
		    (char *)msg->msg_control);
		n = (MIN(cm->cmsg_len, room) - MIN(CMSG_LEN(0), room)) / sizeof(int);
		for (i = 0; i < n; i++) {
			memcpy(&fd, CMSG_DATA(cm) + i * sizeof(int), sizeof(fd));
			close(fd);
		}
	}
}

/* One read; -1 when the client must be dropped now. */
static int
read_client(struct ctl_server *s, struct client *c)
{
	union {
		struct cmsghdr	hdr;
		char		buf[CMSG_SPACE(CMSG_FDS * sizeof(int))];
	} cbuf;
	struct msghdr msg;
	struct iovec iov;
	ssize_t n;

	memset(&msg, 0, sizeof(msg));
	iov.iov_base = s->rbuf;
	iov.iov_len = READ_CHUNK;
	msg.msg_iov = &iov;
	msg.msg_iovlen = 1;
	msg.msg_control = cbuf.buf;
	msg.msg_controllen = sizeof(cbuf.buf);
	n = recvmsg(c->fd, &msg, MSG_CMSG_CLOEXEC | MSG_DONTWAIT);
	if (n == -1)
		return (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR) ?
		    0 : -1;
	if (msg.msg_controllen > 0 || (msg.msg_flags & MSG_CTRUNC)) {
		/* Like OpenBGPD's imsg_read_nofd: the protocol carries no
		 * descriptors, so a client sending any is broken or hostile. */
		close_passed_fds(&msg);
		if (log_ratelimit_allow(&s->rl, util_now_ms()))
			log_warnx("control client passed ancillary data; dropped");
		return -1;
	}
	if (n == 0) {
		c->eof = true;
		return 0;
	}
	ctl_conn_input(s->proto, &c->conn, s->rbuf, (size_t)n);
	return 0;
}

/* Write what the socket takes; -1 on a write error. */
static int
flush_client(struct client *c)
{
	struct ctl_buf *out = &c->conn.out;
	ssize_t n;

	while (ctl_buf_pending(out) > 0) {
		n = send(c->fd, out->p + out->off, ctl_buf_pending(out),
		    MSG_NOSIGNAL | MSG_DONTWAIT);
		if (n == -1) {
			if (errno == EAGAIN || errno == EWOULDBLOCK)
				return 0;
			if (errno == EINTR)
				continue;
			return -1;
		}
		ctl_buf_consume(out, (size_t)n);
	}
	return 0;
}

void
ctl_server_handle(struct ctl_server *s, int fd, uint32_t events)
{
	struct client *c = NULL;
	uint32_t want;
	size_t i, idx;

	for (i = 0; i < s->nlis; i++)
		if (s->lis[i].fd == fd) {
			if (!s->accept_paused)
				accept_clients(s, &s->lis[i]);
			return;
		}
	for (idx = 0; idx < s->nclients; idx++)
		if (s->clients[idx]->fd == fd) {
			c = s->clients[idx];
			break;
		}
	if (c == NULL)
		return;

	if ((c->events & CTL_EV_READ) && (events & (CTL_EV_READ | CTL_EV_ERROR)) &&
	    read_client(s, c) == -1)
		goto drop;
	if (flush_client(c) == -1)
		goto drop;
	/* Judged between requests (ctl_conn_input), not here: one reply larger
	 * than max_outq is legitimate (a big dump) as long as the client reads. */
	if (c->conn.overflow) {
		if (log_ratelimit_allow(&s->rl, util_now_ms()))
			log_warnx("control client does not read its replies (over %zu "
			    "bytes queued); dropped", s->max_outq);
		goto drop;
	}
	want = 0;
	if (!c->eof && !c->conn.closing)
		want |= CTL_EV_READ;
	if (ctl_buf_pending(&c->conn.out) > 0)
		want |= CTL_EV_WRITE;
	if (want == 0 || ((events & CTL_EV_ERROR) && !(want & CTL_EV_READ)))
		goto drop;	/* done, or the peer is gone with output pending */
	if (want != c->events) {
		c->events = want;
		if (s->cb.mod_fd != NULL)
			s->cb.mod_fd(s->cb.arg, c->fd, want);
	}
	return;
drop:
	drop_client(s, idx);
}
