/*
 * glob.c - a backtracking glob matcher; recursion depth is bounded by the
 * number of `**` in the glob, which comes from configuration, not input.
 */
#include "glob.h"

#include <string.h>

static bool class_match(const char **gp, char c)
{
	const char *g = *gp + 1;
	bool neg = false, hit = false;

	if (*g == '!' || *g == '^') {
		neg = true;
		g++;
	}
	while (*g && (*g != ']' || g == *gp + 1 + neg)) {
		if (g[1] == '-' && g[2] && g[2] != ']') {
			hit |= c >= g[0] && c <= g[2];
			g += 3;
		} else {
			hit |= *g == c;
			g++;
		}
	}
	if (*g != ']')
		return false; /* unterminated class matches nothing */
	*gp = g + 1;
	return hit != neg && c != '/';
}

static bool match_from(const char *g, const char *p)
{
	while (*g) {
		if (g[0] == '*' && g[1] == '*') {
			g += 2;
			if (*g == '/') {
				/* `**` + `/` matches zero or more whole directories. */
				g++;
				for (;;) {
					if (match_from(g, p))
						return true;
					p = strchr(p, '/');
					if (p == NULL)
						return false;
					p++;
				}
			}
			for (;; p++) {
				if (match_from(g, p))
					return true;
				if (*p == '\0')
					return false;
			}
		}
		if (*g == '*') {
			g++;
			for (;; p++) {
				if (match_from(g, p))
					return true;
				if (*p == '\0' || *p == '/')
					return false;
			}
		}
		if (*p == '\0')
			return false;
		if (*g == '[') {
			if (!class_match(&g, *p))
				return false;
			p++;
			continue;
		}
		if (*g == '?') {
			if (*p == '/')
				return false;
		} else if (*g != *p) {
			return false;
		}
		g++;
		p++;
	}
	return *p == '\0';
}

bool glob_match(const char *glob, const char *path)
{
	const char *base;

	if (strncmp(path, "./", 2) == 0)
		path += 2;
	if (strncmp(glob, "./", 2) == 0)
		glob += 2;
	if (strchr(glob, '/') == NULL) {
		base = strrchr(path, '/');
		return match_from(glob, base ? base + 1 : path);
	}
	if (glob[0] == '/')
		glob++;
	return match_from(glob, path);
}
