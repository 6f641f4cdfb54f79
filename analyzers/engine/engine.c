/*
 * engine.c - building the per-language rule index and running scans on a
 * pool of threads.  The per-file work is in scan.c.
 */
#include "engine_int.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "query.h"
#include "sg.h"

static void lang_rules_release(struct lang_rules *lr)
{
	free(lr->rules);
	free(lr->by_kind_start);
	free(lr->by_kind);
	free(lr->any_kind);
}

void engine_free(struct engine *e)
{
	size_t i;

	if (e == NULL)
		return;
	for (i = 0; i < e->nlangs; i++)
		lang_rules_release(&e->langs[i]);
	free(e->langs);
	free(e);
}

/* Index the ast-grep rules of one language by the node kinds they can
 * start at: by_kind[by_kind_start[s] .. by_kind_start[s+1]) lists the rule
 * indexes to try at a node of symbol s, any_kind those to try everywhere. */
static int index_kinds(struct lang_rules *lr)
{
	uint32_t nsym = ts_language_symbol_count(lr->lang->grammar()), s;
	size_t i, total = 0, *fill = NULL;
	const bool *kinds;
	int rc = FB_ENOMEM;

	lr->nsymbols = nsym;
	lr->by_kind_start = calloc((size_t)nsym + 1, sizeof(*lr->by_kind_start));
	lr->any_kind = calloc(lr->n ? lr->n : 1, sizeof(*lr->any_kind));
	fill = calloc((size_t)nsym + 1, sizeof(*fill));
	if (!lr->by_kind_start || !lr->any_kind || !fill)
		goto out;
	for (i = 0; i < lr->n; i++) {
		const struct rule *r = lr->rules[i].rule;
		if (r->sg == NULL)
			continue;
		if (!sg_rule_kinds(r->sg, &kinds)) {
			lr->any_kind[lr->nany++] = i;
			continue;
		}
		for (s = 0; s < nsym; s++)
			if (kinds[s]) {
				lr->by_kind_start[s + 1]++;
				total++;
			}
	}
	for (s = 0; s < nsym; s++)
		lr->by_kind_start[s + 1] += lr->by_kind_start[s];
	lr->by_kind = calloc(total ? total : 1, sizeof(*lr->by_kind));
	if (lr->by_kind == NULL)
		goto out;
	for (i = 0; i < lr->n; i++) {
		const struct rule *r = lr->rules[i].rule;
		if (r->sg == NULL || !sg_rule_kinds(r->sg, &kinds))
			continue;
		for (s = 0; s < nsym; s++)
			if (kinds[s])
				lr->by_kind[lr->by_kind_start[s] + fill[s]++] = i;
	}
	rc = 0;
out:
	free(fill);
	return rc;
}

static struct lang_rules *lang_slot(struct engine *e, const struct lang *l)
{
	size_t i;

	for (i = 0; i < e->nlangs; i++)
		if (e->langs[i].lang == l)
			return &e->langs[i];
	return NULL;
}

static int add_rule(struct engine *e, const struct engine_rule *er)
{
	struct lang_rules *lr = lang_slot(e, er->rule->lang);
	struct engine_rule *p;

	if (lr == NULL) {
		struct lang_rules *v = realloc(e->langs, (e->nlangs + 1) * sizeof(*v));
		if (v == NULL)
			return FB_ENOMEM;
		e->langs = v;
		lr = &e->langs[e->nlangs++];
		memset(lr, 0, sizeof(*lr));
		lr->lang = er->rule->lang;
	}
	p = realloc(lr->rules, (lr->n + 1) * sizeof(*p));
	if (p == NULL)
		return FB_ENOMEM;
	lr->rules = p;
	lr->rules[lr->n++] = *er;
	return 0;
}

int engine_new(struct engine **out, const struct engine_rule *rules, size_t nrules,
	       const struct engine_opts *opts, struct fb_error *err)
{
	struct engine *e = calloc(1, sizeof(*e));
	size_t i;

	*out = NULL;
	if (e == NULL)
		return fb_error_set(err, FB_ENOMEM, "out of memory");
	if (opts)
		e->opts = *opts;
	if (e->opts.max_file_size == 0)
		e->opts.max_file_size = ENGINE_MAX_FILE_DEFAULT;
	if (e->opts.jobs <= 0) {
		long n = sysconf(_SC_NPROCESSORS_ONLN);
		e->opts.jobs = n > 0 ? (int)(n > 64 ? 64 : n) : 1;
	}
	for (i = 0; i < nrules; i++) {
		if (rules[i].severity == SEV_OFF)
			continue;
		if (add_rule(e, &rules[i]) < 0)
			goto nomem;
	}
	for (i = 0; i < e->nlangs; i++)
		if (index_kinds(&e->langs[i]) < 0)
			goto nomem;
	*out = e;
	return 0;
nomem:
	engine_free(e);
	return fb_error_set(err, FB_ENOMEM, "out of memory building the rule index");
}

bool engine_wants(const struct engine *e, const char *path)
{
	const struct lang *l = lang_for_path(path);
	const struct lang_rules *lr;
	size_t i;

	if (l == NULL || (lr = lang_slot((struct engine *)e, l)) == NULL)
		return false;
	for (i = 0; i < lr->n; i++)
		if (rule_applies_to(lr->rules[i].rule, path))
			return true;
	return false;
}

const struct lang_rules *engine_lang_rules(const struct engine *e, const struct lang *l)
{
	return lang_slot((struct engine *)e, l);
}

struct pool {
	struct engine *e;
	const struct scan_input *in;
	size_t n;
	atomic_size_t next;
	struct scan_worker *workers;
};

static void *worker_main(void *arg)
{
	struct scan_worker *w = arg;
	struct pool *p = w->pool;
	size_t i;

	while ((i = atomic_fetch_add(&p->next, 1)) < p->n && w->rc == 0)
		w->rc = scan_one(w, p->e, &p->in[i]);
	return NULL;
}

static int merge(struct scan_result *out, struct scan_worker *w)
{
	struct scan_skip *s;

	if (findings_take(&out->findings, &w->res.findings) < 0)
		return FB_ENOMEM;
	if (w->res.nskipped) {
		s = realloc(out->skipped, (out->nskipped + w->res.nskipped) * sizeof(*s));
		if (s == NULL)
			return FB_ENOMEM;
		out->skipped = s;
		memcpy(s + out->nskipped, w->res.skipped, w->res.nskipped * sizeof(*s));
		out->nskipped += w->res.nskipped;
		w->res.nskipped = 0;
	}
	out->files_scanned += w->res.files_scanned;
	out->files_parsed += w->res.files_parsed;
	out->files_with_syntax_errors += w->res.files_with_syntax_errors;
	out->bytes_scanned += w->res.bytes_scanned;
	out->lines_scanned += w->res.lines_scanned;
	return 0;
}

static int cmp_skip(const void *a, const void *b)
{
	return strcmp(((const struct scan_skip *)a)->path, ((const struct scan_skip *)b)->path);
}

int engine_scan(struct engine *e, const struct scan_input *in, size_t n, struct scan_result *out,
		struct fb_error *err)
{
	struct pool p = { .e = e, .in = in, .n = n };
	size_t nw = (size_t)e->opts.jobs, i, started = 0;
	int rc = 0;

	memset(out, 0, sizeof(*out));
	findings_init(&out->findings);
	if (nw > n)
		nw = n ? n : 1;
	atomic_init(&p.next, 0);
	p.workers = calloc(nw, sizeof(*p.workers));
	if (p.workers == NULL)
		return fb_error_set(err, FB_ENOMEM, "out of memory");
	for (i = 0; i < nw; i++) {
		p.workers[i].pool = &p;
		if ((rc = scan_worker_init(&p.workers[i])) < 0)
			goto out;
	}
	if (nw == 1) {
		worker_main(&p.workers[0]);
	} else {
		for (started = 0; started < nw; started++)
			if (pthread_create(&p.workers[started].thread, NULL, worker_main,
					   &p.workers[started]) != 0)
				break;
		if (started == 0)
			worker_main(&p.workers[0]);
		for (i = 0; i < started; i++)
			pthread_join(p.workers[i].thread, NULL);
	}
	for (i = 0; i < nw; i++) {
		if (rc == 0 && p.workers[i].rc < 0)
			rc = p.workers[i].rc;
		if (rc == 0)
			rc = merge(out, &p.workers[i]);
	}
	if (rc < 0)
		fb_error_set(err, rc, "scan failed: %s", fb_code_str(rc));
	findings_sort(&out->findings);
	if (out->nskipped > 1)
		qsort(out->skipped, out->nskipped, sizeof(*out->skipped), cmp_skip);
out:
	for (i = 0; i < nw; i++)
		scan_worker_release(&p.workers[i]);
	free(p.workers);
	return rc;
}

void scan_result_release(struct scan_result *r)
{
	size_t i;

	findings_release(&r->findings);
	for (i = 0; i < r->nskipped; i++) {
		free(r->skipped[i].path);
		free(r->skipped[i].reason);
	}
	free(r->skipped);
	memset(r, 0, sizeof(*r));
}
