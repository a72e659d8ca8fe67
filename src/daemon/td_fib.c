/*
 * td_fib: the two lookups the data plane makes, behind one small wrapper so that
 * moving to the compiled FIB (route/fib.h, one FIB per route table fed from the
 * rt change notifications) touches only this file.  Until then the reference
 * longest-prefix match of the route engine answers (rt_hub_lookup honours
 * behaviour 1: only the ingress attachment's associated table counts).
 */
#include <string.h>

#include "daemon/td.h"

uint32_t
td_fib_hub_lookup(struct rt_hub *hub, struct rt_att *in, uint32_t dst)
{
	struct ipaddr a;

	if (hub == NULL || in == NULL)
		return 0;
	addr_from_v4(&a, dst);
	return rt_hub_lookup(hub, in, &a, NULL);
}

struct td_att *
td_fib_cen_lookup(const struct td_att *in, uint32_t dst)
{
	struct ipaddr a;
	size_t i;

	/* Sorted longest first (td_node_index): the first match is the longest. */
	addr_from_v4(&a, dst);
	for (i = 0; i < in->ncen; i++)
		if (prefix_contains_addr(&in->cen[i].pfx, &a))
			return in->cen[i].to;
	return NULL;
}
