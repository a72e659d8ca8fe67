/*
 * ev: the event loop every transit program runs on (design.md "Inside transitd",
 * docs/io.md).  One epoll instance, a min-heap of absolute CLOCK_MONOTONIC timers
 * and a signalfd, all hanging off one struct ev_loop; nothing process-wide.
 *
 * The sans-I/O engines say "wake me at T" in monotonic nanoseconds, so timers are
 * absolute (ev_timer_at); ev_timer_after is sugar over the cached ev_now_ns().
 * Timers are caller-owned (embedded in the engine's object): arming, cancelling
 * and re-arming allocate nothing and cost O(log n).
 *
 * Callbacks may add, modify or remove any fd (their own included), arm or cancel
 * any timer, and call ev_stop; the loop notices stale events and skips them.
 */
#ifndef TRANSIT_EV_H
#define TRANSIT_EV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct ev_loop;
struct ev_timer;

/* Interest and readiness bits for fds. */
#define EV_READ		0x01
#define EV_WRITE	0x02
#define EV_ERROR	0x04	/* reported only: EPOLLERR / EPOLLHUP */

typedef void	ev_io_cb(struct ev_loop *, int fd, unsigned revents, void *arg);
typedef void	ev_timer_cb(struct ev_loop *, struct ev_timer *, void *arg);
typedef void	ev_signal_cb(struct ev_loop *, int signo, void *arg);

struct ev_timer {
	uint64_t	 when_ns;	/* absolute CLOCK_MONOTONIC */
	uint64_t	 seq;		/* arming order: equal deadlines fire FIFO */
	size_t		 slot;		/* heap index + 1; 0 when not armed */
	ev_timer_cb	*cb;
	void		*arg;
};

struct ev_loop	*ev_new(void);
/* Closes the loop's own fds, restores the signal mask; registered fds stay open. */
void		 ev_free(struct ev_loop *);

/* Run until ev_stop (0) or a fatal epoll error (-1). */
int		 ev_run(struct ev_loop *);
/*
 * One iteration: wait at most max_wait_ns (UINT64_MAX: until the next timer or
 * event), dispatch, return the number of callbacks run or -1.
 */
int		 ev_run_once(struct ev_loop *, uint64_t max_wait_ns);
void		 ev_stop(struct ev_loop *);
/* The clock as of the start of this iteration's dispatch. */
uint64_t	 ev_now_ns(const struct ev_loop *);
void		 ev_now_update(struct ev_loop *);

/* fds: one registration (one callback) per fd; events is EV_READ|EV_WRITE. */
int		 ev_io_add(struct ev_loop *, int fd, unsigned events, ev_io_cb *,
		    void *arg);
int		 ev_io_mod(struct ev_loop *, int fd, unsigned events);
int		 ev_io_del(struct ev_loop *, int fd);

/* Timers. */
void		 ev_timer_init(struct ev_timer *, ev_timer_cb *, void *arg);
void		 ev_timer_at(struct ev_loop *, struct ev_timer *, uint64_t when_ns);
void		 ev_timer_after(struct ev_loop *, struct ev_timer *, uint64_t delta_ns);
void		 ev_timer_cancel(struct ev_loop *, struct ev_timer *);
bool		 ev_timer_armed(const struct ev_timer *);
size_t		 ev_timer_count(const struct ev_loop *);

/*
 * Signals: blocked for the calling thread and read from a signalfd, so a handler
 * is an ordinary callback run from the loop.  One callback per signal.
 */
int		 ev_signal_add(struct ev_loop *, int signo, ev_signal_cb *, void *arg);
int		 ev_signal_del(struct ev_loop *, int signo);

#endif
