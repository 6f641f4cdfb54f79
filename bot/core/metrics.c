/*
 * metrics.c - the Prometheus registry; see metrics.h.
 *
 * Series are found by their rendered label string ({a="x",b="y"}) in a
 * per-family array; families and series counts are small (tens), so a
 * linear search under the lock is cheaper than hashing.  Label values are
 * escaped as the exposition format requires (\\, \", \n).
 */
#include "metrics.h"

#include <pthread.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define METRICS_MAX_FAMILIES 48
#define LABELS_MAX 256

struct series {
	char labels[LABELS_MAX]; /* rendered, without braces: a="x",b="y" */
	double value;            /* counter/gauge value; histogram sum */
	unsigned long long count;
	unsigned long long buckets[METRICS_MAX_BUCKETS];
};

struct family {
	char name[96];
	char help[160];
	enum metric_type type;
	double bounds[METRICS_MAX_BUCKETS];
	size_t nbounds;
	struct series *series;
	size_t n, cap;
};

struct metrics {
	pthread_mutex_t lock;
	struct family fam[METRICS_MAX_FAMILIES];
	size_t nfam;
};

struct metrics *metrics_new(void)
{
	struct metrics *m = calloc(1, sizeof *m);

	if (m)
		pthread_mutex_init(&m->lock, NULL);
	return m;
}

void metrics_free(struct metrics *m)
{
	if (!m)
		return;
	for (size_t i = 0; i < m->nfam; i++)
		free(m->fam[i].series);
	pthread_mutex_destroy(&m->lock);
	free(m);
}

int metrics_family(struct metrics *m, const char *name, const char *help, enum metric_type type,
		   const double *buckets, size_t nbuckets)
{
	struct family *f;

	if (m->nfam == METRICS_MAX_FAMILIES || nbuckets > METRICS_MAX_BUCKETS)
		return -1;
	f = &m->fam[m->nfam];
	snprintf(f->name, sizeof f->name, "%s", name);
	snprintf(f->help, sizeof f->help, "%s", help);
	f->type = type;
	f->nbounds = type == METRIC_HISTOGRAM ? nbuckets : 0;
	for (size_t i = 0; i < f->nbounds; i++)
		f->bounds[i] = buckets[i];
	return (int)m->nfam++;
}

/* Render name/value pairs from ap into out (escaped). */
static void render_labels(char *out, size_t n, va_list ap)
{
	size_t used = 0;
	const char *k;

	out[0] = '\0';
	while ((k = va_arg(ap, const char *)) != NULL) {
		const char *v = va_arg(ap, const char *);
		if (used + 8 >= n)
			break;
		used += (size_t)snprintf(out + used, n - used, "%s%s=\"", used ? "," : "", k);
		for (; v && *v && used + 4 < n; v++) {
			if (*v == '\\' || *v == '"')
				out[used++] = '\\', out[used++] = *v;
			else if (*v == '\n')
				out[used++] = '\\', out[used++] = 'n';
			else
				out[used++] = *v;
		}
		if (used + 2 < n)
			out[used++] = '"';
		out[used] = '\0';
	}
}

static struct series *series_find(struct family *f, const char *labels)
{
	for (size_t i = 0; i < f->n; i++)
		if (strcmp(f->series[i].labels, labels) == 0)
			return &f->series[i];
	return NULL;
}

/* The series for labels, created if new; past METRICS_MAX_SERIES - 1 the
 * overflow series other="true"; NULL when out of memory. */
static struct series *series_get(struct family *f, const char *labels)
{
	struct series *s = series_find(f, labels);

	if (s)
		return s;
	if (f->n >= METRICS_MAX_SERIES - 1) {
		labels = "other=\"true\"";
		if ((s = series_find(f, labels)))
			return s;
	}
	if (f->n == f->cap) {
		size_t cap = f->cap ? f->cap * 2 : 8;
		struct series *v = realloc(f->series, cap * sizeof *v);
		if (!v)
			return NULL;
		f->series = v;
		f->cap = cap;
	}
	memset(&f->series[f->n], 0, sizeof f->series[f->n]);
	snprintf(f->series[f->n].labels, LABELS_MAX, "%s", labels);
	return &f->series[f->n++];
}

enum op { OP_ADD, OP_SET, OP_OBSERVE };

static void update(struct metrics *m, int family, double v, enum op op, va_list ap)
{
	char labels[LABELS_MAX];
	struct family *f;
	struct series *s;

	if (!m || family < 0 || (size_t)family >= m->nfam)
		return;
	render_labels(labels, sizeof labels, ap);
	pthread_mutex_lock(&m->lock);
	f = &m->fam[family];
	s = series_get(f, labels);
	if (!s) {
		/* out of memory: the update is lost, the server goes on */
	} else if (op == OP_SET) {
		s->value = v;
	} else if (op == OP_ADD) {
		s->value += v;
	} else {
		s->value += v;
		s->count++;
		for (size_t i = 0; i < f->nbounds; i++)
			if (v <= f->bounds[i])
				s->buckets[i]++;
	}
	pthread_mutex_unlock(&m->lock);
}

void metrics_add(struct metrics *m, int family, double v, ...)
{
	va_list ap;

	va_start(ap, v);
	update(m, family, v, OP_ADD, ap);
	va_end(ap);
}

void metrics_set(struct metrics *m, int family, double v, ...)
{
	va_list ap;

	va_start(ap, v);
	update(m, family, v, OP_SET, ap);
	va_end(ap);
}

void metrics_observe(struct metrics *m, int family, double v, ...)
{
	va_list ap;

	va_start(ap, v);
	update(m, family, v, OP_OBSERVE, ap);
	va_end(ap);
}

static int render_histogram(struct buf *out, const struct family *f, const struct series *s)
{
	const char *sep = s->labels[0] ? "," : "";
	int rc = 0;

	for (size_t i = 0; i < f->nbounds && rc == 0; i++)
		rc = buf_printf(out, "%s_bucket{%s%sle=\"%g\"} %llu\n", f->name, s->labels, sep,
				f->bounds[i], s->buckets[i]);
	if (rc == 0)
		rc = buf_printf(out, "%s_bucket{%s%sle=\"+Inf\"} %llu\n", f->name, s->labels, sep,
				s->count);
	if (rc == 0)
		rc = buf_printf(out, "%s_sum%s%s%s %.9g\n%s_count%s%s%s %llu\n", f->name,
				s->labels[0] ? "{" : "", s->labels, s->labels[0] ? "}" : "", s->value,
				f->name, s->labels[0] ? "{" : "", s->labels, s->labels[0] ? "}" : "",
				s->count);
	return rc;
}

int metrics_render(struct metrics *m, struct buf *out)
{
	static const char *const type[] = { "counter", "gauge", "histogram" };
	int rc = 0;

	pthread_mutex_lock(&m->lock);
	for (size_t i = 0; i < m->nfam && rc == 0; i++) {
		const struct family *f = &m->fam[i];

		rc = buf_printf(out, "# HELP %s %s\n# TYPE %s %s\n", f->name, f->help, f->name,
				type[f->type]);
		for (size_t j = 0; j < f->n && rc == 0; j++) {
			const struct series *s = &f->series[j];
			if (f->type == METRIC_HISTOGRAM)
				rc = render_histogram(out, f, s);
			else
				rc = buf_printf(out, "%s%s%s%s %.17g\n", f->name,
						s->labels[0] ? "{" : "", s->labels,
						s->labels[0] ? "}" : "", s->value);
		}
	}
	pthread_mutex_unlock(&m->lock);
	return rc;
}
