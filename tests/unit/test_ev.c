/*
 * ev: timers fire in deadline order (FIFO on ties), cancel and re-arm work, fd
 * callbacks run, an fd removed during dispatch gets no stale event, signals raised
 * with raise() arrive once as callbacks (docs/io.md "The event loop").
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <signal.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "common/ev.h"
#include "common/util.h"

#define MS	1000000ull

struct order {
	int	fired[256];
	size_t	n;
};

struct tctx {
	struct order	*order;
	int		 id;
	int		 rearm_left;
	uint64_t	 fired_at;
};

static void
record_cb(struct ev_loop *loop, struct ev_timer *t, void *arg)
{
	struct tctx *c = arg;

	c->order->fired[c->order->n++] = c->id;
	c->fired_at = ev_now_ns(loop);
	if (c->rearm_left > 0) {
		c->rearm_left--;
		ev_timer_after(loop, t, 1 * MS);
	}
}

static void
run_until_idle(struct ev_loop *loop)
{
	int guard = 0;

	while (ev_timer_count(loop) > 0 && guard++ < 1000)
		assert_true(ev_run_once(loop, 100 * MS) >= 0);
	assert_int_equal(ev_timer_count(loop), 0);
}

static void
test_timers_fire_in_order(void **state)
{
	/* Deadlines in ms after now, armed in this (unsorted) order; 3 and 30 tie. */
	const unsigned at[] = { 30, 5, 20, 3, 30, 1, 12 };
	struct ev_loop *loop = ev_new();
	struct ev_timer t[ARRAY_SIZE(at)];
	struct tctx c[ARRAY_SIZE(at)];
	struct order o = { .n = 0 };
	uint64_t base;
	size_t i;

	assert_non_null(loop);
	base = ev_now_ns(loop);
	for (i = 0; i < ARRAY_SIZE(at); i++) {
		c[i] = (struct tctx){ .order = &o, .id = (int)i };
		ev_timer_init(&t[i], record_cb, &c[i]);
		ev_timer_at(loop, &t[i], base + at[i] * MS);
		assert_true(ev_timer_armed(&t[i]));
	}
	run_until_idle(loop);
	assert_int_equal(o.n, ARRAY_SIZE(at));
	/* expected: 1ms(#5) 3ms(#3) 5ms(#1) 12ms(#6) 20ms(#2) 30ms(#0) 30ms(#4) */
	assert_int_equal(o.fired[0], 5);
	assert_int_equal(o.fired[1], 3);
	assert_int_equal(o.fired[2], 1);
	assert_int_equal(o.fired[3], 6);
	assert_int_equal(o.fired[4], 2);
	assert_int_equal(o.fired[5], 0);
	assert_int_equal(o.fired[6], 4);
	for (i = 0; i < ARRAY_SIZE(at); i++) {
		assert_false(ev_timer_armed(&t[i]));
		/* never early */
		assert_true(c[i].fired_at >= base + at[i] * MS);
	}
	ev_free(loop);
}

static void
test_timer_cancel(void **state)
{
	struct ev_loop *loop = ev_new();
	struct ev_timer t[3];
	struct tctx c[3];
	struct order o = { .n = 0 };
	uint64_t base = ev_now_ns(loop);
	int i;

	for (i = 0; i < 3; i++) {
		c[i] = (struct tctx){ .order = &o, .id = i };
		ev_timer_init(&t[i], record_cb, &c[i]);
		ev_timer_at(loop, &t[i], base + (uint64_t)(i + 1) * MS);
	}
	ev_timer_cancel(loop, &t[1]);
	assert_false(ev_timer_armed(&t[1]));
	ev_timer_cancel(loop, &t[1]);	/* cancelling twice is harmless */
	assert_int_equal(ev_timer_count(loop), 2);
	run_until_idle(loop);
	assert_int_equal(o.n, 2);
	assert_int_equal(o.fired[0], 0);
	assert_int_equal(o.fired[1], 2);
	/* freeing a loop with armed timers leaves them disarmed */
	ev_timer_after(loop, &t[0], 1000 * MS);
	ev_free(loop);
	assert_false(ev_timer_armed(&t[0]));
}

/* A pseudo-random mix of arms, re-arms and cancels keeps the heap ordered. */
static void
test_timer_heap_random(void **state)
{
	enum { N = 200 };
	struct ev_loop *loop = ev_new();
	static struct ev_timer t[N];
	static struct tctx c[N];
	uint64_t when[N];
	bool live[N];
	struct order o = { .n = 0 };
	uint32_t x = 12345;
	size_t i, nlive = 0;
	/* All deadlines are in the past, so one pass fires every live timer. */
	uint64_t base = ev_now_ns(loop) - 1000 * MS;

	for (i = 0; i < N; i++) {
		x = x * 1103515245u + 12345u;
		c[i] = (struct tctx){ .order = &o, .id = (int)i };
		ev_timer_init(&t[i], record_cb, &c[i]);
		when[i] = base + (x >> 8) % 500;
		ev_timer_at(loop, &t[i], when[i]);
		live[i] = true;
	}
	for (i = 0; i < N; i++) {
		x = x * 1103515245u + 12345u;
		if ((x >> 16) % 3 == 0) {
			ev_timer_cancel(loop, &t[i]);
			live[i] = false;
		} else if ((x >> 16) % 3 == 1) {
			when[i] = base + (x >> 4) % 500;
			ev_timer_at(loop, &t[i], when[i]);
		}
	}
	for (i = 0; i < N; i++)
		nlive += live[i];
	assert_int_equal(ev_timer_count(loop), nlive);
	assert_true(ev_run_once(loop, 0) >= (int)nlive);
	assert_int_equal(o.n, nlive);
	for (i = 0; i < o.n; i++) {
		assert_true(live[o.fired[i]]);
		if (i > 0)
			assert_true(when[o.fired[i - 1]] <= when[o.fired[i]]);
	}
	ev_free(loop);
}

static void
test_timer_rearm(void **state)
{
	struct ev_loop *loop = ev_new();
	struct ev_timer t;
	struct tctx c;
	struct order o = { .n = 0 };
	uint64_t base = ev_now_ns(loop);

	c = (struct tctx){ .order = &o, .id = 7 };
	ev_timer_init(&t, record_cb, &c);
	ev_timer_at(loop, &t, base + 10000 * MS);
	/* Re-arm earlier: one heap entry, fires once at the new deadline. */
	ev_timer_at(loop, &t, base + 2 * MS);
	assert_int_equal(ev_timer_count(loop), 1);
	run_until_idle(loop);
	assert_int_equal(o.n, 1);
	assert_true(c.fired_at < base + 10000 * MS);

	/* Re-arming from inside the callback: fires 1 + 3 times. */
	o.n = 0;
	c.rearm_left = 3;
	ev_timer_after(loop, &t, 1 * MS);
	run_until_idle(loop);
	assert_int_equal(o.n, 4);
	ev_free(loop);
}

/* A timer that re-arms itself at "now" must not starve the loop. */
static void
rearm_now_cb(struct ev_loop *loop, struct ev_timer *t, void *arg)
{
	int *n = arg;

	/* the guard turns a spinning loop into a failed count instead of a hang */
	if (++(*n) < 10)
		ev_timer_at(loop, t, ev_now_ns(loop));
}

static void
test_timer_rearm_now_no_spin(void **state)
{
	struct ev_loop *loop = ev_new();
	struct ev_timer t;
	int n = 0;

	ev_timer_init(&t, rearm_now_cb, &n);
	ev_timer_at(loop, &t, 0);
	assert_int_equal(ev_run_once(loop, 0), 1);
	assert_int_equal(n, 1);
	assert_int_equal(ev_run_once(loop, 0), 1);
	assert_int_equal(n, 2);
	ev_timer_cancel(loop, &t);
	ev_free(loop);
}

struct pipectx {
	int	calls;
	int	other_fd;
	char	got[16];
	bool	remove_self;
	bool	remove_other;
};

static void
pipe_cb(struct ev_loop *loop, int fd, unsigned revents, void *arg)
{
	struct pipectx *p = arg;

	p->calls++;
	assert_true(revents & EV_READ);
	if (p->remove_self)
		assert_int_equal(ev_io_del(loop, fd), 0);
	else if (p->remove_other) {
		if (p->calls == 1)
			assert_int_equal(ev_io_del(loop, p->other_fd), 0);
	}
	else {
		assert_int_equal(read(fd, p->got, sizeof(p->got)), 5);
		ev_stop(loop);
	}
}

static void
test_fd_callback(void **state)
{
	struct ev_loop *loop = ev_new();
	struct pipectx p = { 0 };
	int fds[2];

	assert_int_equal(pipe(fds), 0);
	assert_int_equal(ev_io_add(loop, fds[0], EV_READ, pipe_cb, &p), 0);
	assert_int_equal(ev_io_add(loop, fds[0], EV_READ, pipe_cb, &p), -1);
	/* nothing to read yet: a bounded wait runs no callback */
	assert_int_equal(ev_run_once(loop, 1 * MS), 0);
	assert_int_equal(write(fds[1], "hello", 5), 5);
	assert_int_equal(ev_run(loop), 0);
	assert_int_equal(p.calls, 1);
	assert_memory_equal(p.got, "hello", 5);
	/* no interest: still registered, never dispatched */
	assert_int_equal(ev_io_mod(loop, fds[0], 0), 0);
	assert_int_equal(ev_run_once(loop, 1 * MS), 0);
	assert_int_equal(ev_io_del(loop, fds[0]), 0);
	assert_int_equal(ev_io_del(loop, fds[0]), -1);
	close(fds[0]);
	close(fds[1]);
	ev_free(loop);
}

static void
test_fd_remove_inside_callback(void **state)
{
	struct ev_loop *loop = ev_new();
	struct pipectx p = { .remove_self = true };
	int fds[2], i;

	assert_int_equal(pipe(fds), 0);
	assert_int_equal(ev_io_add(loop, fds[0], EV_READ, pipe_cb, &p), 0);
	assert_int_equal(write(fds[1], "x", 1), 1);
	/* Level-triggered and never read: only the removal keeps it from refiring. */
	for (i = 0; i < 5; i++)
		assert_true(ev_run_once(loop, 1 * MS) >= 0);
	assert_int_equal(p.calls, 1);
	/* The fd may be registered again afterwards. */
	p.remove_self = false;
	assert_int_equal(ev_io_add(loop, fds[0], EV_READ, pipe_cb, &p), 0);
	assert_int_equal(ev_io_del(loop, fds[0]), 0);
	close(fds[0]);
	close(fds[1]);
	ev_free(loop);
}

/* Two fds ready in one batch; whichever runs first removes the other. */
static void
test_fd_remove_other_in_batch(void **state)
{
	struct ev_loop *loop = ev_new();
	struct pipectx pa = { .remove_other = true }, pb = { .remove_other = true };
	int a[2], b[2], i;

	assert_int_equal(pipe(a), 0);
	assert_int_equal(pipe(b), 0);
	pa.other_fd = b[0];
	pb.other_fd = a[0];
	assert_int_equal(ev_io_add(loop, a[0], EV_READ, pipe_cb, &pa), 0);
	assert_int_equal(ev_io_add(loop, b[0], EV_READ, pipe_cb, &pb), 0);
	assert_int_equal(write(a[1], "x", 1), 1);
	assert_int_equal(write(b[1], "x", 1), 1);
	assert_int_equal(ev_run_once(loop, 10 * MS), 1);
	assert_int_equal(pa.calls + pb.calls, 1);
	/* the survivor keeps firing (level-triggered), the removed one never */
	for (i = 0; i < 3; i++)
		assert_int_equal(ev_run_once(loop, 1 * MS), 1);
	assert_true(pa.calls == 4 || pb.calls == 4);
	assert_true(pa.calls == 0 || pb.calls == 0);
	ev_io_del(loop, a[0]);
	ev_io_del(loop, b[0]);
	close(a[0]); close(a[1]); close(b[0]); close(b[1]);
	ev_free(loop);
}

struct reuse {
	int	victim;		/* fd to remove, close and reuse */
	int	newfds[2];
	int	calls;
	int	new_calls;
};

static void
new_cb(struct ev_loop *loop, int fd, unsigned revents, void *arg)
{
	struct reuse *u = arg;

	u->new_calls++;
}

static void
reuse_cb(struct ev_loop *loop, int fd, unsigned revents, void *arg)
{
	struct reuse *u = arg;

	if (u->calls++ > 0)
		return;
	assert_int_equal(ev_io_del(loop, u->victim), 0);
	close(u->victim);
	assert_int_equal(pipe(u->newfds), 0);
	/* the lowest free number: the victim's, so its stale event names it */
	assert_int_equal(u->newfds[0], u->victim);
	assert_int_equal(ev_io_add(loop, u->newfds[0], EV_READ, new_cb, u), 0);
}

/*
 * Both pipes are ready in one batch; the first callback to run removes and closes
 * the other, and a new pipe takes over its fd number.  The old event must not be
 * delivered to the new registration (the new pipe is empty).
 */
static void
test_fd_reuse_in_batch(void **state)
{
	struct ev_loop *loop = ev_new();
	struct reuse ua = { 0 }, ub = { 0 };
	int a[2], b[2];

	assert_int_equal(pipe(a), 0);
	assert_int_equal(pipe(b), 0);
	ua.victim = b[0];
	ub.victim = a[0];
	assert_int_equal(ev_io_add(loop, a[0], EV_READ, reuse_cb, &ua), 0);
	assert_int_equal(ev_io_add(loop, b[0], EV_READ, reuse_cb, &ub), 0);
	assert_int_equal(write(a[1], "x", 1), 1);
	assert_int_equal(write(b[1], "x", 1), 1);
	assert_int_equal(ev_run_once(loop, 10 * MS), 1);
	assert_int_equal(ua.calls + ub.calls, 1);
	assert_int_equal(ua.new_calls + ub.new_calls, 0);
	{
		struct reuse *u = ua.calls ? &ua : &ub;
		int survivor = ua.calls ? a[0] : b[0];

		ev_io_del(loop, survivor);
		ev_io_del(loop, u->newfds[0]);
		close(survivor);
		close(u->newfds[0]);
		close(u->newfds[1]);
	}
	close(a[1]);
	close(b[1]);
	ev_free(loop);
}

struct rwctx {
	unsigned	last;
	int		calls;
};

static void
rw_cb(struct ev_loop *loop, int fd, unsigned revents, void *arg)
{
	struct rwctx *c = arg;

	c->last = revents;
	c->calls++;
}

/* EV_WRITE readiness, switching interest with ev_io_mod, hangup as EV_ERROR. */
static void
test_fd_write_and_hangup(void **state)
{
	struct ev_loop *loop = ev_new();
	struct rwctx w = { 0 }, r = { 0 };
	int fds[2];

	assert_int_equal(pipe(fds), 0);
	assert_int_equal(ev_io_add(loop, fds[1], EV_WRITE, rw_cb, &w), 0);
	assert_int_equal(ev_run_once(loop, 1 * MS), 1);
	assert_int_equal(w.last, EV_WRITE);
	/* only read interest on a pipe's write end: nothing to report */
	assert_int_equal(ev_io_mod(loop, fds[1], EV_READ), 0);
	assert_int_equal(ev_run_once(loop, 1 * MS), 0);
	assert_int_equal(w.calls, 1);
	assert_int_equal(ev_io_del(loop, fds[1]), 0);

	assert_int_equal(ev_io_add(loop, fds[0], EV_READ, rw_cb, &r), 0);
	assert_int_equal(ev_run_once(loop, 1 * MS), 0);
	close(fds[1]);
	assert_int_equal(ev_run_once(loop, 10 * MS), 1);
	assert_int_equal(r.last, EV_READ | EV_ERROR);
	assert_int_equal(ev_io_del(loop, fds[0]), 0);
	close(fds[0]);
	ev_free(loop);
}

struct sigctx {
	int	count[65];
	int	last;
};

static void
sig_cb(struct ev_loop *loop, int signo, void *arg)
{
	struct sigctx *s = arg;

	s->count[signo]++;
	s->last = signo;
}

static void
test_signals_delivered_once(void **state)
{
	struct ev_loop *loop = ev_new();
	struct sigctx s = { { 0 }, 0 };
	sigset_t cur;
	int i;

	assert_int_equal(ev_signal_add(loop, SIGUSR1, sig_cb, &s), 0);
	assert_int_equal(ev_signal_add(loop, SIGHUP, sig_cb, &s), 0);
	assert_int_equal(ev_signal_add(loop, SIGKILL, sig_cb, &s), -1);
	/* Without the loop these would terminate the test program. */
	assert_int_equal(raise(SIGUSR1), 0);
	for (i = 0; i < 3; i++)
		assert_true(ev_run_once(loop, 2 * MS) >= 0);
	assert_int_equal(s.count[SIGUSR1], 1);
	assert_int_equal(s.count[SIGHUP], 0);
	assert_int_equal(raise(SIGHUP), 0);
	for (i = 0; i < 3; i++)
		assert_true(ev_run_once(loop, 2 * MS) >= 0);
	assert_int_equal(s.count[SIGHUP], 1);
	assert_int_equal(s.count[SIGUSR1], 1);
	assert_int_equal(s.last, SIGHUP);

	/* Deleting restores the mask we found. */
	assert_int_equal(ev_signal_del(loop, SIGHUP), 0);
	pthread_sigmask(SIG_BLOCK, NULL, &cur);
	assert_false(sigismember(&cur, SIGHUP));
	assert_true(sigismember(&cur, SIGUSR1));
	/* pending at ev_free: dropped, not delivered with its default action */
	assert_int_equal(raise(SIGUSR1), 0);
	ev_free(loop);
	pthread_sigmask(SIG_BLOCK, NULL, &cur);
	assert_false(sigismember(&cur, SIGUSR1));
}

static void
stop_cb(struct ev_loop *loop, struct ev_timer *t, void *arg)
{
	ev_stop(loop);
}

static void
test_run_until_stop_and_now_cache(void **state)
{
	struct ev_loop *loop = ev_new();
	struct ev_timer t;
	uint64_t before = ev_now_ns(loop);

	ev_timer_init(&t, stop_cb, NULL);
	ev_timer_after(loop, &t, 3 * MS);
	assert_int_equal(ev_run(loop), 0);
	assert_true(ev_now_ns(loop) >= before + 3 * MS);
	/* cached: does not move by itself */
	before = ev_now_ns(loop);
	usleep(2000);
	assert_true(ev_now_ns(loop) == before);
	ev_now_update(loop);
	assert_true(ev_now_ns(loop) > before);
	ev_free(loop);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_timers_fire_in_order),
		cmocka_unit_test(test_timer_cancel),
		cmocka_unit_test(test_timer_heap_random),
		cmocka_unit_test(test_timer_rearm),
		cmocka_unit_test(test_timer_rearm_now_no_spin),
		cmocka_unit_test(test_fd_callback),
		cmocka_unit_test(test_fd_write_and_hangup),
		cmocka_unit_test(test_fd_reuse_in_batch),
		cmocka_unit_test(test_fd_remove_inside_callback),
		cmocka_unit_test(test_fd_remove_other_in_batch),
		cmocka_unit_test(test_signals_delivered_once),
		cmocka_unit_test(test_run_until_stop_and_now_cache),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
