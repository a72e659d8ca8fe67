/*
 * dp_netns: run a few system calls inside another network namespace and come back
 * (docs/io.md "TUN across namespaces").  setns() changes only the calling thread's
 * namespace; sockets and TUN fds created while inside stay bound to that namespace
 * and keep working after we return, which is what the data plane relies on.
 */
#ifndef TRANSIT_DP_NETNS_H
#define TRANSIT_DP_NETNS_H

struct dp_netns_saved {
	int	fd;	/* our original netns; -1 when nothing was entered */
};

/*
 * Enter the namespace at path (e.g. /run/netns/vpc-a).  A NULL or empty path is a
 * no-op that still fills *saved, so callers need not special-case "this netns".
 * Returns -1 (and stays where it was) on error.
 */
int	dp_netns_enter(const char *path, struct dp_netns_saved *saved);
/* Return to the saved namespace; failing to return is fatal (local invariant). */
void	dp_netns_leave(struct dp_netns_saved *saved);

#endif
