/*
 * lab_tmpl: the daemon command template of `transitlab up` (docs/lab.md "The
 * daemon command").  A template is split on blanks (no quoting: paths in the lab
 * have no blanks), each word has its {key} placeholders replaced, and the word
 * `{netns}` alone becomes `--netns VPC=PATH` for each of the node's VPCs.  An
 * unknown {key} is left as written, so a typo shows in the daemon's log.
 */
#ifndef TRANSIT_LAB_TMPL_H
#define TRANSIT_LAB_TMPL_H

#include <stddef.h>

#define LAB_TMPL_MAX_ARGS	256

struct lab_tmpl_var {
	const char	*key;		/* "{node}" */
	const char	*value;
};

struct lab_tmpl_netns {
	const char	*vpc;
	const char	*path;		/* /run/netns/... */
};

/*
 * Expand into a NULL-terminated argv of at most LAB_TMPL_MAX_ARGS - 1 words
 * (further words are dropped); returns the word count.  Free with lab_tmpl_free.
 */
size_t	lab_tmpl_expand(const char *tmpl, const struct lab_tmpl_var *vars, size_t nvars,
	    const struct lab_tmpl_netns *ns, size_t nns, char ***argvp);
void	lab_tmpl_free(char **argv);

#endif
