/*
 * review_rules.c - which rules a review runs, and when it fails: the
 * repository's enable/disable/severity settings applied to the loaded
 * rules, and the fail level from the flag or .forgebot.yml.
 */
#include "review.h"

#include <stdlib.h>
#include <string.h>

static bool listed(char *const *list, const struct rule *r)
{
	size_t i;

	for (i = 0; list && list[i]; i++)
		if (strcmp(list[i], r->id) == 0 || strcmp(list[i], r->pack) == 0)
			return true;
	return false;
}

int review_select_rules(struct engine_rule **out, size_t *n, const struct ruleset *rules,
			const struct repo_config *cfg, struct fb_error *err)
{
	struct engine_rule *v = calloc(rules->n ? rules->n : 1, sizeof(*v));
	size_t i, j;

	*out = NULL;
	*n = 0;
	if (v == NULL)
		return fb_error_set(err, FB_ENOMEM, "out of memory");
	for (i = 0; i < rules->n; i++) {
		const struct rule *r = rules->v[i];
		enum severity sev = r->severity;

		if (listed(cfg->disable, r) && !listed(cfg->enable, r))
			continue;
		if (sev == SEV_OFF && listed(cfg->enable, r))
			sev = SEV_WARNING;
		for (j = 0; j < cfg->noverrides; j++)
			if (strcmp(cfg->overrides[j].rule, r->id) == 0 ||
			    strcmp(cfg->overrides[j].rule, r->pack) == 0)
				severity_parse(cfg->overrides[j].severity, &sev);
		if (sev == SEV_OFF)
			continue;
		v[(*n)++] = (struct engine_rule){ r, sev };
	}
	/* An override naming no loaded rule is most likely a typo. */
	for (j = 0; j < cfg->noverrides; j++) {
		bool found = false;
		for (i = 0; i < rules->n && !found; i++)
			found = strcmp(cfg->overrides[j].rule, rules->v[i]->id) == 0 ||
				strcmp(cfg->overrides[j].rule, rules->v[i]->pack) == 0;
		if (!found) {
			free(v);
			*n = 0;
			return fb_error_set(err, FB_EINVAL,
					    "config '%s': severity override for unknown rule '%s'",
					    cfg->source ? cfg->source : ".forgebot.yml",
					    cfg->overrides[j].rule);
		}
	}
	*out = v;
	return 0;
}

int review_fail_level(const char *flag, const struct repo_config *cfg, enum severity *out)
{
	const char *s = flag ? flag : cfg->fail_on ? cfg->fail_on : "error";

	if (strcmp(s, "never") == 0) {
		*out = SEV_OFF;
		return 0;
	}
	return severity_parse(s, out) < 0 ? FB_EINVAL : 0;
}
