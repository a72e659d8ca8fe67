/*
 * dp_netns: enter/leave a network namespace around socket and TUN creation (see
 * dp_netns.h).  The thread's own namespace is saved as an fd from
 * /proc/thread-self/ns/net, so returning works even if the caller's namespace has
 * no name.
 */
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <unistd.h>

#include "common/log.h"
#include "dataplane/dp_netns.h"

int
dp_netns_enter(const char *path, struct dp_netns_saved *saved)
{
	int self, target;

	saved->fd = -1;
	if (path == NULL || *path == '\0')
		return 0;
	if ((self = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC)) == -1) {
		log_warn("open own netns");
		return -1;
	}
	if ((target = open(path, O_RDONLY | O_CLOEXEC)) == -1) {
		log_warn("netns %s", path);
		close(self);
		return -1;
	}
	if (setns(target, CLONE_NEWNET) == -1) {
		log_warn("setns %s", path);
		close(target);
		close(self);
		return -1;
	}
	close(target);
	saved->fd = self;
	return 0;
}

void
dp_netns_leave(struct dp_netns_saved *saved)
{
	int saved_errno = errno;

	if (saved->fd == -1)
		return;
	/* Staying in the wrong namespace would silently misroute everything after. */
	if (setns(saved->fd, CLONE_NEWNET) == -1)
		fatal("setns back to our own netns");
	close(saved->fd);
	saved->fd = -1;
	errno = saved_errno;
}
