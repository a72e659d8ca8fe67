/*
 * lab_tmpl: daemon command templates (see lab_tmpl.h).
 */
#include <stdlib.h>
#include <string.h>

#include "common/util.h"
#include "lab/lab_tmpl.h"

/* One word with its placeholders replaced. */
static char *
expand_word(const char *w, size_t wl, const struct lab_tmpl_var *vars, size_t nvars)
{
	size_t cap = wl + 1, len = 0, i, kl, vl;
	char *out = xmalloc(cap);
	const char *p = w, *end = w + wl;

	while (p < end) {
		const struct lab_tmpl_var *hit = NULL;

		if (*p == '{') {
			for (i = 0; i < nvars; i++) {
				kl = strlen(vars[i].key);
				if ((size_t)(end - p) >= kl && memcmp(p, vars[i].key, kl) == 0) {
					hit = &vars[i];
					break;
				}
			}
		}
		if (hit != NULL) {
			vl = strlen(hit->value);
			util_grow(&out, &cap, len + vl + 1, 1);
			memcpy(out + len, hit->value, vl);
			len += vl;
			p += strlen(hit->key);
		} else {
			util_grow(&out, &cap, len + 2, 1);
			out[len++] = *p++;
		}
	}
	out[len] = '\0';
	return out;
}

size_t
lab_tmpl_expand(const char *tmpl, const struct lab_tmpl_var *vars, size_t nvars,
    const struct lab_tmpl_netns *ns, size_t nns, char ***argvp)
{
	char **argv = xcalloc(LAB_TMPL_MAX_ARGS, sizeof(*argv));
	const char *p = tmpl;
	size_t n = 0, i, wl;

	while (*p != '\0') {
		while (*p == ' ' || *p == '\t' || *p == '\n')
			p++;
		if (*p == '\0')
			break;
		wl = strcspn(p, " \t\n");
		if (wl == 7 && memcmp(p, "{netns}", 7) == 0) {
			for (i = 0; i < nns && n + 2 < LAB_TMPL_MAX_ARGS; i++) {
				argv[n++] = xstrdup("--netns");
				argv[n++] = xasprintf("%s=%s", ns[i].vpc, ns[i].path);
			}
		} else if (n + 1 < LAB_TMPL_MAX_ARGS)
			argv[n++] = expand_word(p, wl, vars, nvars);
		p += wl;
	}
	argv[n] = NULL;
	*argvp = argv;
	return n;
}

void
lab_tmpl_free(char **argv)
{
	size_t i;

	if (argv == NULL)
		return;
	for (i = 0; argv[i] != NULL; i++)
		free(argv[i]);
	free(argv);
}
