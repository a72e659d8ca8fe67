/*
 * log: stderr/syslog sink (see log.h).
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <time.h>

#include "common/log.h"

/* The log sink: process-wide by design (style.md practice 8). */
static struct {
	const char	*prog;
	bool		 foreground;
	int		 level;
} log_sink = { "transit", true, LOG_LVL_INFO };

void
log_init(const char *progname, bool foreground, int level)
{
	log_sink.prog = progname;
	log_sink.foreground = foreground;
	log_sink.level = level;
	if (!foreground)
		openlog(progname, LOG_PID | LOG_NDELAY, LOG_DAEMON);
}

void
log_set_level(int level)
{
	log_sink.level = level;
}

int
log_get_level(void)
{
	return log_sink.level;
}

static void vlog(int, const char *, va_list, const char *)
    __attribute__((format(printf, 2, 0)));

static void
vlog(int pri, const char *fmt, va_list ap, const char *errstr)
{
	char msg[1024];

	vsnprintf(msg, sizeof(msg), fmt, ap);
	if (log_sink.foreground) {
		struct timespec ts;
		struct tm tm;

		clock_gettime(CLOCK_REALTIME, &ts);
		localtime_r(&ts.tv_sec, &tm);
		if (errstr != NULL)
			fprintf(stderr, "%02d:%02d:%02d.%03ld %s: %s: %s\n", tm.tm_hour,
			    tm.tm_min, tm.tm_sec, ts.tv_nsec / 1000000, log_sink.prog, msg,
			    errstr);
		else
			fprintf(stderr, "%02d:%02d:%02d.%03ld %s: %s\n", tm.tm_hour, tm.tm_min,
			    tm.tm_sec, ts.tv_nsec / 1000000, log_sink.prog, msg);
		fflush(stderr);
	} else if (errstr != NULL) {
		syslog(pri, "%s: %s", msg, errstr);
	} else {
		syslog(pri, "%s", msg);
	}
}

void
log_warn(const char *fmt, ...)
{
	va_list ap;
	int saved = errno;

	va_start(ap, fmt);
	vlog(LOG_WARNING, fmt, ap, strerror(saved));
	va_end(ap);
	errno = saved;
}

void
log_warnx(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vlog(LOG_WARNING, fmt, ap, NULL);
	va_end(ap);
}

void
log_info(const char *fmt, ...)
{
	va_list ap;

	if (log_sink.level < LOG_LVL_INFO)
		return;
	va_start(ap, fmt);
	vlog(LOG_INFO, fmt, ap, NULL);
	va_end(ap);
}

void
log_debug(const char *fmt, ...)
{
	va_list ap;

	if (log_sink.level < LOG_LVL_DEBUG)
		return;
	va_start(ap, fmt);
	vlog(LOG_DEBUG, fmt, ap, NULL);
	va_end(ap);
}

void
fatal(const char *fmt, ...)
{
	va_list ap;
	int saved = errno;

	va_start(ap, fmt);
	vlog(LOG_CRIT, fmt, ap, strerror(saved));
	va_end(ap);
	exit(1);
}

void
fatalx(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vlog(LOG_CRIT, fmt, ap, NULL);
	va_end(ap);
	exit(1);
}

void
log_ratelimit_init(struct log_ratelimit *rl, uint32_t burst, uint32_t interval_ms)
{
	rl->last_ms = 0;
	rl->tokens = burst;
	rl->burst = burst;
	rl->interval_ms = interval_ms == 0 ? 1 : interval_ms;
	rl->suppressed = 0;
}

bool
log_ratelimit_allow(struct log_ratelimit *rl, uint64_t now_ms)
{
	if (now_ms > rl->last_ms) {
		uint64_t refill = (now_ms - rl->last_ms) / rl->interval_ms;

		if (refill > 0) {
			uint64_t t = rl->tokens + refill;

			rl->tokens = t > rl->burst ? rl->burst : (uint32_t)t;
			rl->last_ms += refill * rl->interval_ms;
		}
	}
	if (rl->last_ms == 0)
		rl->last_ms = now_ms;
	if (rl->tokens == 0) {
		rl->suppressed++;
		return false;
	}
	rl->tokens--;
	return true;
}
