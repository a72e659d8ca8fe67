/*
 * rt_fib: a route table compiled into a FIB and kept in step with it.  The table's
 * change notifications (prefix, old nh, new nh) become fib_add / fib_del, so one
 * route change costs one FIB update, never a rebuild.
 *
 * Next-hop ids: the FIB holds ids the data plane resolves with rt_nh_get().  A reader
 * may still hold an id the table has just dropped, so rt_fib takes its own reference
 * on every id it installs and releases replaced ids only in rt_fib_reclaim(), which the
 * owner calls once every reader has passed a quiescent point (the same moment it may
 * free retired FIB blocks).
 */
#ifndef TRANSIT_RT_FIB_H
#define TRANSIT_RT_FIB_H

#include "route/fib.h"
#include "route/rt.h"

struct rt_fib;

/* Compile the table's current active routes and follow its changes (registers the
 * table's listener). */
struct rt_fib *rt_fib_new(struct rt_table *);
void	 rt_fib_free(struct rt_fib *);
const struct fib *rt_fib_fib(const struct rt_fib *);
/* Readers have quiesced: free retired FIB blocks and release replaced next hops. */
void	 rt_fib_reclaim(struct rt_fib *);
/* Updates applied since creation (tests, stats). */
size_t	 rt_fib_updates(const struct rt_fib *);

#endif
