/*
 * scan.c - scanning one file: read, check, prefilter, parse, match, report.
 * See engine.h for the steps and their order.
 */
#include "engine_int.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "fingerprint.h"
#include "literals.h"
#include "query.h"
#include "sg.h"
#include "template.h"

#define MESSAGE_MAX ((size_t)64 << 10)

int scan_worker_init(struct scan_worker *w)
{
	w->parser = ts_parser_new();
	w->cursor = ts_query_cursor_new();
	env_init(&w->env);
	buf_init(&w->text, 0);
	findings_init(&w->res.findings);
	return w->parser && w->cursor ? 0 : FB_ENOMEM;
}

void scan_worker_release(struct scan_worker *w)
{
	size_t i;

	if (w->parser)
		ts_parser_delete(w->parser);
	if (w->cursor)
		ts_query_cursor_delete(w->cursor);
	env_release(&w->env);
	buf_release(&w->text);
	free(w->active);
	findings_release(&w->res.findings);
	for (i = 0; i < w->res.nskipped; i++) {
		free(w->res.skipped[i].path);
		free(w->res.skipped[i].reason);
	}
	free(w->res.skipped);
}

static int skip(struct scan_worker *w, const char *path, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int skip(struct scan_worker *w, const char *path, const char *fmt, ...)
{
	struct scan_skip *s = realloc(w->res.skipped, (w->res.nskipped + 1) * sizeof(*s));
	struct buf reason;
	va_list ap;

	if (s == NULL)
		return FB_ENOMEM;
	w->res.skipped = s;
	buf_init(&reason, 1024);
	va_start(ap, fmt);
	buf_vprintf(&reason, fmt, ap);
	va_end(ap);
	s += w->res.nskipped;
	s->path = strdup(path);
	s->reason = buf_detach(&reason);
	if (s->path == NULL || s->reason == NULL) {
		free(s->path);
		free(s->reason);
		return FB_ENOMEM;
	}
	w->res.nskipped++;
	return 0;
}

static void human_size(char *out, size_t n, size_t bytes)
{
	if (bytes >= ((size_t)1 << 20))
		snprintf(out, n, "%.1f MiB", (double)bytes / (1 << 20));
	else
		snprintf(out, n, "%.1f KiB", (double)bytes / 1024);
}

/* Read the input's content into w->text.  1 = skipped (recorded). */
static int read_input(struct scan_worker *w, const struct engine *e, const struct scan_input *in)
{
	const char *disk = in->disk_path ? in->disk_path : in->path;
	char a[32], b[32];
	struct stat st;
	FILE *f;
	size_t got;
	int rc;

	buf_reset(&w->text);
	if (in->text) {
		if (in->len > e->opts.max_file_size)
			goto too_large;
		w->text.max = e->opts.max_file_size;
		return buf_append(&w->text, in->text, in->len);
	}
	f = fopen(disk, "rb");
	if (f == NULL)
		return skip(w, in->path, "cannot read: %s", strerror(errno)) < 0 ? FB_ENOMEM : 1;
	if (fstat(fileno(f), &st) != 0 || !S_ISREG(st.st_mode)) {
		fclose(f);
		return skip(w, in->path, "not a regular file") < 0 ? FB_ENOMEM : 1;
	}
	if ((size_t)st.st_size > e->opts.max_file_size) {
		fclose(f);
		human_size(a, sizeof(a), (size_t)st.st_size);
		human_size(b, sizeof(b), e->opts.max_file_size);
		return skip(w, in->path, "too large (%s; the limit is %s)", a, b) < 0 ? FB_ENOMEM : 1;
	}
	w->text.max = e->opts.max_file_size;
	if ((rc = buf_grow(&w->text, (size_t)st.st_size)) < 0) {
		fclose(f);
		return rc == FB_ELIMIT ? 1 : rc;
	}
	got = fread(w->text.ptr, 1, (size_t)st.st_size, f);
	fclose(f);
	w->text.len = got;
	w->text.ptr[got] = '\0';
	return 0;
too_large:
	human_size(a, sizeof(a), in->len);
	human_size(b, sizeof(b), e->opts.max_file_size);
	return skip(w, in->path, "too large (%s; the limit is %s)", a, b) < 0 ? FB_ENOMEM : 1;
}

/* Offset of the first invalid UTF-8 sequence, or len if valid. */
static size_t utf8_invalid_at(const unsigned char *s, size_t len)
{
	size_t i = 0, k, n;

	while (i < len) {
		unsigned char c = s[i];
		if (c < 0x80) {
			i++;
			continue;
		}
		if (c >= 0xc2 && c <= 0xdf)
			n = 1;
		else if (c >= 0xe0 && c <= 0xef)
			n = 2;
		else if (c >= 0xf0 && c <= 0xf4)
			n = 3;
		else
			return i;
		for (k = 1; k <= n; k++)
			if (i + k >= len || (s[i + k] & 0xc0) != 0x80)
				return i;
		if ((c == 0xe0 && s[i + 1] < 0xa0) || (c == 0xed && s[i + 1] > 0x9f) ||
		    (c == 0xf0 && s[i + 1] < 0x90) || (c == 0xf4 && s[i + 1] > 0x8f))
			return i;
		i += n + 1;
	}
	return len;
}

/* Mark rules that apply to the path and pass the literal prefilter.
 * Returns how many are active. */
static size_t select_rules(struct scan_worker *w, const struct lang_rules *lr, const char *path)
{
	const char *text = buf_cstr(&w->text);
	size_t i, j, nactive = 0;

	for (i = 0; i < lr->n; i++) {
		const struct rule *r = lr->rules[i].rule;
		bool on = rule_applies_to(r, path);

		if (on && r->nliterals) {
			on = false;
			for (j = 0; j < r->nliterals && !on; j++) {
				const char *lit = r->literals[j];
				/* The text is NUL-terminated and has no NUL (binary files
				 * were skipped), so strcasestr sees all of it. */
				on = lit[0] == LITERAL_NOCASE ? strcasestr(text, lit + 1) != NULL
							      : memmem(text, w->text.len, lit, strlen(lit)) != NULL;
			}
		}
		w->active[i] = on;
		nactive += on;
	}
	return nactive;
}

struct emit_ctx {
	struct scan_worker *w;
	bool no_line_text;
	const struct engine_rule *er;
	const char *path;
	size_t file_start; /* index of this file's first finding */
};

/* Does `line` carry a suppression of rule `id`?  With `own_line`, only a
 * comment standing alone on its line counts (it then covers the next line);
 * a trailing comment covers only the code it trails. */
static bool suppressed_on(const char *line, size_t len, const char *id, bool own_line)
{
	static const char tag[] = "forgebot-ignore:";
	const char *p = memmem(line, len, tag, sizeof(tag) - 1), *end = line + len, *q;
	size_t idlen = strlen(id);

	if (p == NULL)
		return false;
	for (q = line; own_line && q < p; q++)
		if (strchr(" \t/*#-;!<%", *q) == NULL)
			return false;
	p += sizeof(tag) - 1;
	while (p < end && (*p == ' ' || *p == '\t'))
		p++;
	/* A comma-separated list of ids, ended by whitespace. */
	while (p < end && *p != ' ' && *p != '\t') {
		const char *w = p;
		while (w < end && *w != ',' && *w != ' ' && *w != '\t')
			w++;
		if ((size_t)(w - p) == idlen && memcmp(p, id, idlen) == 0)
			return true;
		p = w < end && *w == ',' ? w + 1 : w;
	}
	return false;
}

static void line_bounds(const char *text, size_t len, size_t at, size_t *start, size_t *end)
{
	size_t s = at, e = at;

	while (s > 0 && text[s - 1] != '\n')
		s--;
	while (e < len && text[e] != '\n')
		e++;
	*start = s;
	*end = e;
}

static bool is_suppressed(const char *text, size_t len, uint32_t at, const char *id)
{
	size_t s, e, ps, pe;

	line_bounds(text, len, at, &s, &e);
	if (suppressed_on(text + s, e - s, id, false))
		return true;
	if (s == 0)
		return false;
	line_bounds(text, len, s - 1, &ps, &pe);
	return suppressed_on(text + ps, pe - ps, id, true);
}

/* Has this rule already reported exactly this range?  That happens when a
 * node and its only child span the same text; both are visited one after
 * the other, so only the last few findings need looking at (a full scan
 * would make a file with many findings quadratic). */
#define DUPLICATE_WINDOW 32

static bool duplicate(const struct emit_ctx *c, uint32_t a, uint32_t b)
{
	const struct findings *fs = &c->w->res.findings;
	size_t i, stop = fs->n - c->file_start > DUPLICATE_WINDOW ? fs->n - DUPLICATE_WINDOW
								  : c->file_start;

	for (i = fs->n; i > stop; i--)
		if (fs->v[i - 1].rule == c->er->rule && fs->v[i - 1].start_byte == a &&
		    fs->v[i - 1].end_byte == b)
			return true;
	return false;
}

static int emit(TSNode node, const struct env *env, void *payload)
{
	struct emit_ctx *c = payload;
	const char *text = buf_cstr(&c->w->text);
	uint32_t a = ts_node_start_byte(node), b = ts_node_end_byte(node);
	TSPoint sp = ts_node_start_point(node), ep = ts_node_end_point(node);
	struct finding *f;
	struct buf msg;
	size_t ls, le;

	if (duplicate(c, a, b) || is_suppressed(text, c->w->text.len, a, c->er->rule->id))
		return 0;
	if ((f = findings_push(&c->w->res.findings)) == NULL)
		return FB_ENOMEM;
	f->rule = c->er->rule;
	f->severity = c->er->severity;
	f->start_byte = a;
	f->end_byte = b;
	f->start_line = sp.row + 1;
	f->start_col = sp.column + 1;
	f->end_line = ep.row + 1;
	f->end_col = ep.column + 1;
	line_bounds(text, c->w->text.len, a, &ls, &le);
	buf_init(&msg, MESSAGE_MAX);
	if (template_render(&msg, c->er->rule->message, env, text) < 0)
		buf_reset(&msg);
	f->message = buf_detach(&msg);
	if (c->er->rule->fix) {
		buf_init(&msg, MESSAGE_MAX);
		template_render(&msg, c->er->rule->fix, env, text);
		f->fix = buf_detach(&msg);
	}
	f->path = strdup(c->path);
	if (!c->no_line_text && (f->line_text = strndup(text + ls, le - ls)) == NULL)
		return FB_ENOMEM;
	if (f->message == NULL || f->path == NULL ||
	    (c->er->rule->fix && f->fix == NULL))
		return FB_ENOMEM;
	return 0;
}

/* Walk every node once, trying the ast-grep rules indexed by its kind. */
static int run_sg_rules(struct scan_worker *w, const struct lang_rules *lr, TSNode root,
			struct emit_ctx *c)
{
	const char *text = buf_cstr(&w->text);
	TSTreeCursor cur = ts_tree_cursor_new(root);
	int rc = 0;

	for (;;) {
		TSNode n = ts_tree_cursor_current_node(&cur);
		TSSymbol s = ts_node_symbol(n);
		size_t k, lo = 0, hi = 0;

		if (s < lr->nsymbols) {
			lo = lr->by_kind_start[s];
			hi = lr->by_kind_start[s + 1];
		}
		for (k = 0; k < lr->nany + (hi - lo) && rc == 0; k++) {
			size_t ri = k < lr->nany ? lr->any_kind[k] : lr->by_kind[lo + k - lr->nany];
			if (!w->active[ri])
				continue;
			if (sg_rule_match(lr->rules[ri].rule->sg, n, text, &w->env)) {
				c->er = &lr->rules[ri];
				rc = emit(n, &w->env, c);
			}
		}
		if (rc)
			break;
		if (ts_tree_cursor_goto_first_child(&cur))
			continue;
		while (!ts_tree_cursor_goto_next_sibling(&cur))
			if (!ts_tree_cursor_goto_parent(&cur))
				goto done;
	}
done:
	ts_tree_cursor_delete(&cur);
	return rc;
}

static int run_query_rules(struct scan_worker *w, const struct lang_rules *lr, TSNode root,
			   struct emit_ctx *c)
{
	size_t i;
	int rc;

	for (i = 0; i < lr->n; i++) {
		const struct rule *r = lr->rules[i].rule;
		if (r->query == NULL || !w->active[i])
			continue;
		c->er = &lr->rules[i];
		rc = query_rule_scan(r->query, w->cursor, root, buf_cstr(&w->text), w->text.len,
				     &w->env, emit, c);
		if (rc == FB_ENOMEM)
			return rc;
		if (rc == FB_ELIMIT && skip(w, c->path, "rule %s stopped early: too many matches",
					     r->id) < 0)
			return FB_ENOMEM;
	}
	return 0;
}

static int finish_file(struct scan_worker *w, size_t start)
{
	struct findings *fs = &w->res.findings;
	size_t n = fs->n - start, i;
	uint64_t *bases;
	int rc;

	if (n == 0)
		return 0;
	/* Order this file's findings by position so occurrence numbers are stable. */
	{
		struct findings view = { fs->v + start, n, n };
		findings_sort(&view);
	}
	bases = malloc(n * sizeof(*bases));
	if (bases == NULL)
		return FB_ENOMEM;
	for (i = 0; i < n; i++) {
		struct finding *f = &fs->v[start + i];
		bases[i] = fingerprint_base(f->rule->id, f->path, buf_cstr(&w->text) + f->start_byte,
					    f->end_byte - f->start_byte);
	}
	rc = fingerprint_assign(fs->v + start, bases, n);
	free(bases);
	return rc;
}

static size_t count_lines(const char *s, size_t len)
{
	size_t n = 0;
	const char *p = s, *end = s + len;

	while (p < end && (p = memchr(p, '\n', (size_t)(end - p))) != NULL) {
		n++;
		p++;
	}
	return n + (len > 0 && s[len - 1] != '\n');
}

static int analyze(struct scan_worker *w, const struct engine *e, const struct lang_rules *lr,
		   const char *path)
{
	struct emit_ctx c = { .w = w, .path = path, .file_start = w->res.findings.n,
			      .no_line_text = e->opts.no_line_text };
	TSTree *tree;
	TSNode root;
	int rc;

	if (!ts_parser_set_language(w->parser, lr->lang->grammar()))
		return skip(w, path, "grammar for %s cannot be loaded", lr->lang->name);
	ts_parser_set_timeout_micros(w->parser, e->opts.parse_timeout_us);
	tree = ts_parser_parse_string(w->parser, NULL, buf_cstr(&w->text), (uint32_t)w->text.len);
	if (tree == NULL) {
		ts_parser_reset(w->parser);
		return skip(w, path, "parsing timed out");
	}
	w->res.files_parsed++;
	root = ts_tree_root_node(tree);
	w->res.files_with_syntax_errors += ts_node_has_error(root);
	if (lr->n == 0) { /* parse-only */
		ts_tree_delete(tree);
		return 0;
	}
	rc = run_sg_rules(w, lr, root, &c);
	if (rc == 0)
		rc = run_query_rules(w, lr, root, &c);
	ts_tree_delete(tree);
	if (rc == 0)
		rc = finish_file(w, c.file_start);
	return rc;
}

/* Read and check a file; 1 when it was skipped (and recorded). */
static int load_checked(struct scan_worker *w, const struct engine *e, const struct scan_input *in)
{
	size_t bad;
	int rc;

	if ((rc = read_input(w, e, in)) != 0)
		return rc;
	if (memchr(buf_cstr(&w->text), '\0', w->text.len) != NULL)
		return skip(w, in->path, "binary (contains NUL bytes)") < 0 ? FB_ENOMEM : 1;
	bad = utf8_invalid_at((const unsigned char *)buf_cstr(&w->text), w->text.len);
	if (bad != w->text.len)
		return skip(w, in->path, "invalid UTF-8 at byte %zu", bad) < 0 ? FB_ENOMEM : 1;
	w->res.files_scanned++;
	w->res.bytes_scanned += w->text.len;
	w->res.lines_scanned += count_lines(buf_cstr(&w->text), w->text.len);
	return 0;
}

static int parse_only(struct scan_worker *w, const struct engine *e, const struct scan_input *in)
{
	const struct lang *l = lang_for_path(in->path);
	struct lang_rules none = { .lang = l };
	int rc;

	if (l == NULL)
		return 0;
	if ((rc = load_checked(w, e, in)) != 0)
		return rc < 0 ? rc : 0;
	return analyze(w, e, &none, in->path);
}

int scan_one(struct scan_worker *w, const struct engine *e, const struct scan_input *in)
{
	const struct lang *l;
	const struct lang_rules *lr;
	int rc;

	if (e->opts.parse_only)
		return parse_only(w, e, in);
	l = lang_for_path(in->path);
	lr = l ? engine_lang_rules(e, l) : NULL;
	if (lr == NULL || lr->n == 0)
		return 0;
	if (w->active_cap < lr->n) {
		unsigned char *p = realloc(w->active, lr->n);
		if (p == NULL)
			return FB_ENOMEM;
		w->active = p;
		w->active_cap = lr->n;
	}
	/* Cheap path-only check first: no rule for this path, no read. */
	if (!engine_wants(e, in->path))
		return 0;
	if ((rc = load_checked(w, e, in)) != 0)
		return rc < 0 ? rc : 0;
	if (select_rules(w, lr, in->path) == 0)
		return 0;
	return analyze(w, e, lr, in->path);
}
