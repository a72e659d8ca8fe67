/*
 * log: the one logging API (style.md, practice 4).  stderr in the foreground, syslog
 * otherwise.  Messages a peer can trigger go through log_ratelimit().  The sink and
 * level are the only process-wide state besides signal flags (practice 8).
 */
#ifndef TRANSIT_LOG_H
#define TRANSIT_LOG_H

#include <stdbool.h>
#include <stdint.h>

enum log_level {
	LOG_LVL_WARN = 0,
	LOG_LVL_INFO = 1,
	LOG_LVL_DEBUG = 2,
};

void	log_init(const char *progname, bool foreground, int level);
void	log_set_level(int level);
int	log_get_level(void);

void	log_warn(const char *, ...) __attribute__((format(printf, 1, 2)));
void	log_warnx(const char *, ...) __attribute__((format(printf, 1, 2)));
void	log_info(const char *, ...) __attribute__((format(printf, 1, 2)));
void	log_debug(const char *, ...) __attribute__((format(printf, 1, 2)));
void	fatal(const char *, ...) __attribute__((format(printf, 1, 2), noreturn));
void	fatalx(const char *, ...) __attribute__((format(printf, 1, 2), noreturn));

/*
 * A token bucket for logs a remote peer can trigger: at most `burst` messages, then
 * one per `interval_ms`; suppressed messages are counted and reported with the next
 * one that passes.
 */
struct log_ratelimit {
	uint64_t	last_ms;
	uint32_t	tokens;
	uint32_t	burst;
	uint32_t	interval_ms;
	uint64_t	suppressed;
};

void	log_ratelimit_init(struct log_ratelimit *, uint32_t burst, uint32_t interval_ms);
/* True when the message may be logged now; now_ms from the caller's clock. */
bool	log_ratelimit_allow(struct log_ratelimit *, uint64_t now_ms);

#endif
