/*
 * literals.c - required literals of a regex, by a small scan of its syntax.
 *
 * The scan understands alternation, groups, classes, escapes and
 * quantifiers well enough to find, in each top-level alternative, the
 * longest run of characters every match contains.  Anything it does not
 * understand ends a run, which can only make the answer weaker, never wrong.
 */
#include "literals.h"

#include <ctype.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "../../bot/core/err.h"

#define LIT_MIN 2

void literals_free(char **v, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		free(v[i]);
	free(v);
}

/* End of the group starting at re[i] == '(' (index of its ')'), or len. */
static size_t group_end(const char *re, size_t i, size_t len)
{
	int depth = 0;
	bool in_class = false;

	for (; i < len; i++) {
		if (re[i] == '\\') {
			i++;
		} else if (in_class) {
			in_class = re[i] != ']';
		} else if (re[i] == '[') {
			in_class = true;
			if (i + 1 < len && re[i + 1] == ']')
				i++;
		} else if (re[i] == '(') {
			depth++;
		} else if (re[i] == ')' && --depth == 0) {
			return i;
		}
	}
	return len;
}

static size_t class_end(const char *re, size_t i, size_t len)
{
	i++;
	if (i < len && re[i] == '^')
		i++;
	if (i < len && re[i] == ']')
		i++;
	for (; i < len && re[i] != ']'; i++)
		if (re[i] == '\\')
			i++;
	return i;
}

enum quant { Q_NONE, Q_OPTIONAL, Q_PLUS };

/* The quantifier at re[i], if any, and its length in *qlen. */
static enum quant quantifier(const char *re, size_t i, size_t len, size_t *qlen)
{
	enum quant q = Q_NONE;

	*qlen = 0;
	if (i >= len)
		return Q_NONE;
	if (re[i] == '?' || re[i] == '*') {
		q = Q_OPTIONAL;
		*qlen = 1;
	} else if (re[i] == '+') {
		q = Q_PLUS;
		*qlen = 1;
	} else if (re[i] == '{') {
		const char *close = memchr(re + i, '}', len - i);
		if (close == NULL)
			return Q_NONE;
		*qlen = (size_t)(close - (re + i)) + 1;
		q = re[i + 1] == '0' || re[i + 1] == ',' ? Q_OPTIONAL : Q_PLUS;
	}
	/* Lazy or possessive suffixes. */
	if (q != Q_NONE && i + *qlen < len && (re[i + *qlen] == '?' || re[i + *qlen] == '+'))
		(*qlen)++;
	return q;
}

/* One atom at re[i]: sets *lit and *c for a literal character and returns
 * the index after the atom. */
static size_t atom(const char *re, size_t i, size_t len, bool *lit, char *c)
{
	*lit = false;
	*c = 0;
	if (re[i] == '\\' && i + 1 < len) {
		char e = re[i + 1];
		if (e == 'n' || e == 't') {
			*lit = true;
			*c = e == 'n' ? '\n' : '\t';
		} else if (strchr("dDwWsSbBAzZpPrfvxuUQEkKgGRX0123456789hHN", e) == NULL) {
			*lit = true;
			*c = e;
		}
		return i + 2;
	}
	if (re[i] == '[')
		return class_end(re, i, len) + 1;
	if (re[i] == '(')
		return group_end(re, i, len) + 1;
	if (strchr(".^$|", re[i]) == NULL) {
		*lit = true;
		*c = re[i];
	}
	return i + 1;
}

/* The longest fixed run in re[0..len) (one alternative). */
static void longest_run(const char *re, size_t len, char *best, size_t *best_len)
{
	char run[256];
	size_t rl = 0, i = 0, next, qlen;

	*best_len = 0;
	while (i < len) {
		bool lit;
		char c;
		enum quant q;

		next = atom(re, i, len, &lit, &c);
		q = quantifier(re, next, len, &qlen);
		if (lit && q != Q_OPTIONAL && rl < sizeof(run))
			run[rl++] = c;
		if (!lit || q != Q_NONE) {
			/* The run cannot continue past an optional, repeated or
			 * non-literal atom. */
			if (rl > *best_len) {
				memcpy(best, run, rl);
				*best_len = rl;
			}
			rl = 0;
			if (lit && q == Q_PLUS)
				run[rl++] = c; /* `a+b`: "ab" is still certain */
		}
		i = next + qlen;
	}
	if (rl > *best_len) {
		memcpy(best, run, rl);
		*best_len = rl;
	}
}

static int push(char ***v, size_t *n, const char *s, size_t len)
{
	char **p = realloc(*v, (*n + 1) * sizeof(*p));

	if (p == NULL)
		return FB_ENOMEM;
	*v = p;
	if ((p[*n] = strndup(s, len)) == NULL)
		return FB_ENOMEM;
	(*n)++;
	return 0;
}

static int collect(char ***v, size_t *n, const char *re, size_t len, int depth);

static size_t min_len(char **v, size_t n)
{
	size_t i, m = (size_t)-1;

	for (i = 0; i < n; i++)
		if (strlen(v[i]) < m)
			m = strlen(v[i]);
	return n ? m : 0;
}

/* The literal set of one alternative: its longest fixed run, or the set of
 * a group it cannot do without (`(pickle|dill)\.load`), whichever is more
 * selective.  Returns 1 when it has none. */
static int branch(char ***v, size_t *n, const char *re, size_t len, int depth)
{
	char run[256], **best = NULL;
	size_t rl, nbest = 0, i = 0, next, qlen;
	int rc;

	longest_run(re, len, run, &rl);
	if (rl >= LIT_MIN && (rc = push(&best, &nbest, run, rl)) < 0)
		return rc;
	while (i < len) {
		bool lit;
		char c;

		next = atom(re, i, len, &lit, &c);
		if (re[i] == '(' && quantifier(re, next, len, &qlen) != Q_OPTIONAL &&
		    (i + 1 >= len || re[i + 1] != '?' || (i + 2 < len && re[i + 2] == ':'))) {
			size_t skip = i + 1 < len && re[i + 1] == '?' ? 3 : 1;
			char **g = NULL;
			size_t ng = 0;

			if ((rc = collect(&g, &ng, re + i + skip, next - 1 - i - skip, depth + 1)) < 0) {
				literals_free(best, nbest);
				literals_free(g, ng);
				return rc;
			}
			if (rc == 0 && ng && min_len(g, ng) > min_len(best, nbest)) {
				literals_free(best, nbest);
				best = g;
				nbest = ng;
			} else {
				literals_free(g, ng);
			}
		}
		quantifier(re, next, len, &qlen);
		i = next + qlen;
	}
	if (nbest == 0)
		return 1;
	for (i = 0, rc = 0; i < nbest && rc == 0; i++)
		rc = push(v, n, best[i], strlen(best[i]));
	literals_free(best, nbest);
	return rc;
}

/* Collect literals of re[0..len); returns 1 when some alternative has none. */
static int collect(char ***v, size_t *n, const char *re, size_t len, int depth)
{
	size_t start = 0, i;
	int rc;

	if (depth > 8)
		return 1;
	/* Anchors at the ends do not change what text is needed. */
	if (len && re[0] == '^')
		re++, len--;
	if (len >= 2 && re[0] == '\\' && (re[1] == 'b' || re[1] == 'A'))
		re += 2, len -= 2;
	if (len && re[len - 1] == '$' && (len < 2 || re[len - 2] != '\\'))
		len--;
	if (len >= 2 && re[len - 2] == '\\' && (re[len - 1] == 'b' || re[len - 1] == 'z'))
		len -= 2;
	for (i = 0; i <= len; i++) {
		if (i < len && re[i] == '\\') {
			i++;
			continue;
		}
		if (i < len && re[i] == '[') {
			i = class_end(re, i, len);
			continue;
		}
		if (i < len && re[i] == '(') {
			i = group_end(re, i, len);
			continue;
		}
		if (i == len || re[i] == '|') {
			if ((rc = branch(v, n, re + start, i - start, depth)) != 0)
				return rc;
			start = i + 1;
		}
	}
	return 0;
}

int regex_literals(char ***out, size_t *n, const char *re)
{
	const char *p;
	bool ci = false;
	size_t i, j;
	int rc;

	*out = NULL;
	*n = 0;
	/* A leading (?i) makes the literals case-insensitive; inline flags i
	 * (case) and x (extended) anywhere else change what text matches. */
	if (strncmp(re, "(?i)", 4) == 0) {
		ci = true;
		re += 4;
	}
	for (p = strstr(re, "(?"); p; p = strstr(p + 2, "(?")) {
		const char *f = p + 2;
		while ((*f >= 'a' && *f <= 'z') || *f == '-' || (*f >= 'A' && *f <= 'Z')) {
			if (*f == 'i' || *f == 'x')
				return 0;
			f++;
		}
	}
	rc = collect(out, n, re, strlen(re), 0);
	if (rc != 0) {
		literals_free(*out, *n);
		*out = NULL;
		*n = 0;
		return rc < 0 ? rc : 0;
	}
	for (i = 0; ci && i < *n; i++) {
		/* LITERAL_NOCASE marks a literal to search for in any case. */
		size_t len = strlen((*out)[i]);
		char *s = malloc(len + 2);

		if (s == NULL)
			return FB_ENOMEM;
		s[0] = LITERAL_NOCASE;
		for (j = 0; j < len; j++)
			s[j + 1] = (char)tolower((unsigned char)(*out)[i][j]);
		s[len + 1] = '\0';
		free((*out)[i]);
		(*out)[i] = s;
	}
	return 0;
}
