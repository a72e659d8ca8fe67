/*
 * ev: epoll + timer heap + signalfd (see ev.h and docs/io.md "The event loop").
 *
 * Stale events: epoll hands back a batch, and a callback early in the batch may
 * remove (or remove, close and re-add) an fd whose event is later in the same
 * batch.  Each registration therefore carries a generation number, packed with the
 * fd into epoll_event.data.u64; an event whose generation no longer matches the
 * fd's slot is dropped.  Slots live in an array indexed by fd, so nothing is freed
 * under a running callback.
 *
 * Timers: a binary min-heap ordered by (deadline, arming sequence).  One expiry pass
 * runs only timers armed before the pass began, so a callback that re-arms itself
 * at or before "now" runs again on the next iteration instead of spinning here.
 */
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/signalfd.h>
#include <time.h>
#include <unistd.h>

#include "common/ev.h"
#include "common/log.h"
#include "common/util.h"

#define EV_MAX_EVENTS	64
#define EV_NSIG		65	/* signals 1.._NSIG-1 on Linux */

struct io_slot {
	ev_io_cb	*cb;
	void		*arg;
	unsigned	 events;
	uint32_t	 gen;	/* 0: slot unused */
};

struct sig_slot {
	ev_signal_cb	*cb;
	void		*arg;
};

struct ev_loop {
	int			 epfd;
	bool			 stop;
	uint64_t		 now_ns;
	uint32_t		 gen;

	struct io_slot		*io;
	size_t			 io_cap;

	struct ev_timer		**heap;
	size_t			 heap_len;
	size_t			 heap_cap;
	uint64_t		 timer_seq;

	int			 sigfd;
	sigset_t		 sigs;		/* signals routed to sigfd */
	sigset_t		 blocked_by_us;	/* to unblock on del/free */
	struct sig_slot		 sig[EV_NSIG];
};

static void	sigfd_cb(struct ev_loop *, int, unsigned, void *);

struct ev_loop *
ev_new(void)
{
	struct ev_loop *loop;

	loop = xcalloc(1, sizeof(*loop));
	loop->epfd = epoll_create1(EPOLL_CLOEXEC);
	if (loop->epfd == -1) {
		log_warn("epoll_create1");
		free(loop);
		return NULL;
	}
	loop->sigfd = -1;
	sigemptyset(&loop->sigs);
	sigemptyset(&loop->blocked_by_us);
	loop->now_ns = util_now_ns();
	return loop;
}

void
ev_free(struct ev_loop *loop)
{
	struct signalfd_siginfo si;
	size_t i;

	if (loop == NULL)
		return;
	if (loop->sigfd != -1) {
		/*
		 * A SIGTERM that arrived after the last dispatch would kill us with
		 * its default action once unblocked: the caller is already shutting
		 * down, so drop what is pending.
		 */
		while (read(loop->sigfd, &si, sizeof(si)) == (ssize_t)sizeof(si))
			;
		close(loop->sigfd);
		pthread_sigmask(SIG_UNBLOCK, &loop->blocked_by_us, NULL);
	}
	/* Timers outlive the loop (they are the caller's): leave them disarmed. */
	for (i = 0; i < loop->heap_len; i++)
		loop->heap[i]->slot = 0;
	close(loop->epfd);
	free(loop->io);
	free(loop->heap);
	free(loop);
}

uint64_t
ev_now_ns(const struct ev_loop *loop)
{
	return loop->now_ns;
}

void
ev_now_update(struct ev_loop *loop)
{
	loop->now_ns = util_now_ns();
}

void
ev_stop(struct ev_loop *loop)
{
	loop->stop = true;
}

/* fds */

static uint32_t
to_epoll(unsigned events)
{
	uint32_t e = 0;

	if (events & EV_READ)
		e |= EPOLLIN;
	if (events & EV_WRITE)
		e |= EPOLLOUT;
	return e;
}

static struct io_slot *
io_slot(struct ev_loop *loop, int fd)
{
	if (fd < 0 || (size_t)fd >= loop->io_cap || loop->io[fd].gen == 0)
		return NULL;
	return &loop->io[fd];
}

int
ev_io_add(struct ev_loop *loop, int fd, unsigned events, ev_io_cb *cb, void *arg)
{
	struct epoll_event ev;
	uint32_t gen;

	if (fd < 0 || cb == NULL) {
		errno = EINVAL;
		return -1;
	}
	if (io_slot(loop, fd) != NULL) {
		errno = EEXIST;
		return -1;
	}
	util_grow(&loop->io, &loop->io_cap, (size_t)fd + 1, sizeof(*loop->io));
	if (++loop->gen == 0)	/* 0 marks a free slot */
		loop->gen = 1;
	gen = loop->gen;
	memset(&ev, 0, sizeof(ev));
	ev.events = to_epoll(events);
	ev.data.u64 = (uint64_t)gen << 32 | (uint32_t)fd;
	if (epoll_ctl(loop->epfd, EPOLL_CTL_ADD, fd, &ev) == -1)
		return -1;
	loop->io[fd].cb = cb;
	loop->io[fd].arg = arg;
	loop->io[fd].events = events;
	loop->io[fd].gen = gen;
	return 0;
}

int
ev_io_mod(struct ev_loop *loop, int fd, unsigned events)
{
	struct io_slot *s;
	struct epoll_event ev;

	if ((s = io_slot(loop, fd)) == NULL) {
		errno = ENOENT;
		return -1;
	}
	if (s->events == events)
		return 0;
	memset(&ev, 0, sizeof(ev));
	ev.events = to_epoll(events);
	ev.data.u64 = (uint64_t)s->gen << 32 | (uint32_t)fd;
	if (epoll_ctl(loop->epfd, EPOLL_CTL_MOD, fd, &ev) == -1)
		return -1;
	s->events = events;
	return 0;
}

int
ev_io_del(struct ev_loop *loop, int fd)
{
	struct io_slot *s;

	if ((s = io_slot(loop, fd)) == NULL) {
		errno = ENOENT;
		return -1;
	}
	/* Forget the slot even if the fd was already closed (EBADF). */
	memset(s, 0, sizeof(*s));
	if (epoll_ctl(loop->epfd, EPOLL_CTL_DEL, fd, NULL) == -1 && errno != EBADF)
		return -1;
	return 0;
}

/* timers */

static bool
timer_before(const struct ev_timer *a, const struct ev_timer *b)
{
	if (a->when_ns != b->when_ns)
		return a->when_ns < b->when_ns;
	return a->seq < b->seq;
}

static void
heap_set(struct ev_loop *loop, size_t i, struct ev_timer *t)
{
	loop->heap[i] = t;
	t->slot = i + 1;
}

static void
sift_up(struct ev_loop *loop, size_t i)
{
	struct ev_timer *t = loop->heap[i];

	while (i > 0) {
		size_t parent = (i - 1) / 2;

		if (!timer_before(t, loop->heap[parent]))
			break;
		heap_set(loop, i, loop->heap[parent]);
		i = parent;
	}
	heap_set(loop, i, t);
}

static void
sift_down(struct ev_loop *loop, size_t i)
{
	struct ev_timer *t = loop->heap[i];
	size_t n = loop->heap_len;

	for (;;) {
		size_t c = 2 * i + 1;

		if (c >= n)
			break;
		if (c + 1 < n && timer_before(loop->heap[c + 1], loop->heap[c]))
			c++;
		if (!timer_before(loop->heap[c], t))
			break;
		heap_set(loop, i, loop->heap[c]);
		i = c;
	}
	heap_set(loop, i, t);
}

void
ev_timer_init(struct ev_timer *t, ev_timer_cb *cb, void *arg)
{
	memset(t, 0, sizeof(*t));
	t->cb = cb;
	t->arg = arg;
}

bool
ev_timer_armed(const struct ev_timer *t)
{
	return t->slot != 0;
}

size_t
ev_timer_count(const struct ev_loop *loop)
{
	return loop->heap_len;
}

void
ev_timer_at(struct ev_loop *loop, struct ev_timer *t, uint64_t when_ns)
{
	size_t i;

	t->when_ns = when_ns;
	t->seq = ++loop->timer_seq;
	if (t->slot == 0) {
		util_grow(&loop->heap, &loop->heap_cap, loop->heap_len + 1,
		    sizeof(*loop->heap));
		i = loop->heap_len++;
		heap_set(loop, i, t);
		sift_up(loop, i);
		return;
	}
	i = t->slot - 1;
	if (loop->heap[i] != t)
		fatalx("ev_timer_at: timer %p armed on another loop", (void *)t);
	/* The key only grows in seq, so moving it either way covers both cases. */
	sift_up(loop, i);
	sift_down(loop, t->slot - 1);
}

void
ev_timer_after(struct ev_loop *loop, struct ev_timer *t, uint64_t delta_ns)
{
	uint64_t now = loop->now_ns;

	ev_timer_at(loop, t, delta_ns > UINT64_MAX - now ? UINT64_MAX : now + delta_ns);
}

void
ev_timer_cancel(struct ev_loop *loop, struct ev_timer *t)
{
	struct ev_timer *moved;
	size_t i, last;

	if (t->slot == 0)
		return;
	i = t->slot - 1;
	if (i >= loop->heap_len || loop->heap[i] != t)
		fatalx("ev_timer_cancel: timer %p not on this loop", (void *)t);
	t->slot = 0;
	last = --loop->heap_len;
	if (i == last)
		return;
	moved = loop->heap[last];
	heap_set(loop, i, moved);
	sift_up(loop, i);
	sift_down(loop, moved->slot - 1);
}

static int
run_timers(struct ev_loop *loop)
{
	uint64_t pass = loop->timer_seq;
	int ran = 0;

	while (loop->heap_len > 0 && !loop->stop) {
		struct ev_timer *t = loop->heap[0];

		if (t->when_ns > loop->now_ns || t->seq > pass)
			break;
		ev_timer_cancel(loop, t);
		t->cb(loop, t, t->arg);
		ran++;
	}
	return ran;
}

/* signals */

static int
sigfd_update(struct ev_loop *loop)
{
	int fd;

	fd = signalfd(loop->sigfd, &loop->sigs, SFD_NONBLOCK | SFD_CLOEXEC);
	if (fd == -1) {
		log_warn("signalfd");
		return -1;
	}
	if (loop->sigfd == -1) {
		loop->sigfd = fd;
		if (ev_io_add(loop, fd, EV_READ, sigfd_cb, NULL) == -1) {
			log_warn("epoll add signalfd");
			close(fd);
			loop->sigfd = -1;
			return -1;
		}
	}
	return 0;
}

int
ev_signal_add(struct ev_loop *loop, int signo, ev_signal_cb *cb, void *arg)
{
	sigset_t one, old;

	if (signo <= 0 || signo >= EV_NSIG || cb == NULL || signo == SIGKILL ||
	    signo == SIGSTOP) {
		errno = EINVAL;
		return -1;
	}
	sigemptyset(&one);
	sigaddset(&one, signo);
	/* Block first: a signal arriving between the two steps stays pending. */
	if (pthread_sigmask(SIG_BLOCK, &one, &old) != 0)
		return -1;
	if (!sigismember(&old, signo))
		sigaddset(&loop->blocked_by_us, signo);
	sigaddset(&loop->sigs, signo);
	if (sigfd_update(loop) == -1) {
		sigdelset(&loop->sigs, signo);
		return -1;
	}
	loop->sig[signo].cb = cb;
	loop->sig[signo].arg = arg;
	return 0;
}

int
ev_signal_del(struct ev_loop *loop, int signo)
{
	sigset_t one;

	if (signo <= 0 || signo >= EV_NSIG || loop->sig[signo].cb == NULL) {
		errno = ENOENT;
		return -1;
	}
	loop->sig[signo].cb = NULL;
	loop->sig[signo].arg = NULL;
	sigdelset(&loop->sigs, signo);
	if (sigfd_update(loop) == -1)
		return -1;
	if (sigismember(&loop->blocked_by_us, signo)) {
		sigemptyset(&one);
		sigaddset(&one, signo);
		sigdelset(&loop->blocked_by_us, signo);
		pthread_sigmask(SIG_UNBLOCK, &one, NULL);
	}
	return 0;
}

static void
sigfd_cb(struct ev_loop *loop, int fd, unsigned revents, void *arg)
{
	struct signalfd_siginfo si;
	ssize_t n;

	for (;;) {
		n = read(fd, &si, sizeof(si));
		if (n == -1 && errno == EINTR)
			continue;
		if (n != (ssize_t)sizeof(si))
			break;
		if (si.ssi_signo < EV_NSIG && loop->sig[si.ssi_signo].cb != NULL)
			loop->sig[si.ssi_signo].cb(loop, (int)si.ssi_signo,
			    loop->sig[si.ssi_signo].arg);
		if (loop->stop)
			break;
	}
}

/* the loop */

static unsigned
from_epoll(uint32_t e, unsigned interest)
{
	unsigned r = 0;

	if (e & (EPOLLIN | EPOLLRDHUP))
		r |= EV_READ;
	if (e & EPOLLOUT)
		r |= EV_WRITE;
	/* An error or hangup must reach whoever is waiting, read or write. */
	if (e & (EPOLLERR | EPOLLHUP))
		r |= EV_ERROR | interest;
	return r & (interest | EV_ERROR);
}

int
ev_run_once(struct ev_loop *loop, uint64_t max_wait_ns)
{
	struct epoll_event evs[EV_MAX_EVENTS];
	struct timespec ts, *tsp = NULL;
	uint64_t wait = max_wait_ns, now;
	int i, n, ran = 0;

	if (loop->heap_len > 0) {
		now = util_now_ns();
		if (loop->heap[0]->when_ns <= now)
			wait = 0;
		else
			wait = MIN(wait, loop->heap[0]->when_ns - now);
	}
	if (wait != UINT64_MAX) {
		ts.tv_sec = (time_t)(wait / 1000000000u);
		ts.tv_nsec = (long)(wait % 1000000000u);
		tsp = &ts;
	}
	n = epoll_pwait2(loop->epfd, evs, EV_MAX_EVENTS, tsp, NULL);
	if (n == -1 && errno == ENOSYS) {
		/* Pre-5.11 kernel: millisecond timeout, rounded up so we never spin. */
		int ms = wait == UINT64_MAX ? -1 :
		    (int)MIN((wait + 999999) / 1000000, (uint64_t)INT32_MAX);
		n = epoll_wait(loop->epfd, evs, EV_MAX_EVENTS, ms);
	}
	if (n == -1) {
		if (errno == EINTR)
			return 0;
		log_warn("epoll_wait");
		return -1;
	}
	loop->now_ns = util_now_ns();
	for (i = 0; i < n && !loop->stop; i++) {
		int fd = (int)(uint32_t)evs[i].data.u64;
		uint32_t gen = (uint32_t)(evs[i].data.u64 >> 32);
		struct io_slot *s = io_slot(loop, fd);
		unsigned revents;

		if (s == NULL || s->gen != gen)
			continue;	/* removed earlier in this batch */
		revents = from_epoll(evs[i].events, s->events);
		if (revents == 0)
			continue;
		s->cb(loop, fd, revents, s->arg);
		ran++;
	}
	return ran + run_timers(loop);
}

int
ev_run(struct ev_loop *loop)
{
	loop->stop = false;
	while (!loop->stop) {
		if (ev_run_once(loop, UINT64_MAX) == -1)
			return -1;
	}
	return 0;
}
