/*
 * metrics.h - a small Prometheus registry: counters, gauges, histograms.
 *
 * Families are declared once (name, help, type, histogram buckets); each
 * series is a family plus a label set, given as alternating name/value
 * strings.  Updates take one mutex; a family holds at most
 * METRICS_MAX_SERIES series (later label sets are counted under
 * other="true" so a flood of unexpected values cannot grow memory).
 * metrics_render() writes the text exposition format (version 0.0.4).
 *
 * Thread-safe.  No globals: the server owns one registry and passes it down.
 */
#ifndef FB_CORE_METRICS_H
#define FB_CORE_METRICS_H

#include <stddef.h>

#include "buf.h"

#define METRICS_MAX_SERIES 512
#define METRICS_MAX_BUCKETS 16

enum metric_type { METRIC_COUNTER, METRIC_GAUGE, METRIC_HISTOGRAM };

struct metrics;

struct metrics *metrics_new(void);
void metrics_free(struct metrics *m);

/* Declare a family; returns its index (>= 0) or a negative code.  For a
 * histogram, `buckets` are the upper bounds in increasing order. */
int metrics_family(struct metrics *m, const char *name, const char *help, enum metric_type type,
		   const double *buckets, size_t nbuckets);

/* Label sets: up to 4 name/value pairs, NULL-terminated:
 *   metrics_add(m, fam, 1, "forge", "github", "outcome", "stored", NULL); */
void metrics_add(struct metrics *m, int family, double v, ...);
void metrics_set(struct metrics *m, int family, double v, ...);
void metrics_observe(struct metrics *m, int family, double v, ...);

/* Append the exposition text to out; 0 or a negative code. */
int metrics_render(struct metrics *m, struct buf *out);

#endif
