/*
 * walk.c - recursive, sorted directory listing with a depth bound.
 */
#include "walk.h"

#include <dirent.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "buf.h"

#define WALK_DEPTH_MAX 64

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

bool walk_name_hidden(const char *name)
{
	return name[0] == '.' && strcmp(name, ".github") != 0 && strcmp(name, ".gitlab") != 0 &&
	       strcmp(name, ".gitlab-ci.yml") != 0;
}

static int list_dir(char ***out, size_t *n, const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	char **v = NULL;
	size_t cnt = 0;

	*out = NULL;
	*n = 0;
	if (d == NULL)
		return FB_EIO;
	while ((e = readdir(d)) != NULL) {
		char **p;
		if (walk_name_hidden(e->d_name))
			continue;
		if ((p = realloc(v, (cnt + 1) * sizeof(*p))) == NULL)
			break;
		v = p;
		if ((v[cnt] = strdup(e->d_name)) == NULL)
			break;
		cnt++;
	}
	closedir(d);
	if (e != NULL) {
		while (cnt)
			free(v[--cnt]);
		free(v);
		return FB_ENOMEM;
	}
	if (cnt > 1)
		qsort(v, cnt, sizeof(*v), cmp_str);
	*out = v;
	*n = cnt;
	return 0;
}

static int walk_dir(const char *dir, int depth, walk_cb cb, walk_skip_cb skip, void *payload)
{
	char **names = NULL;
	size_t n = 0, i;
	int rc;

	if (depth > WALK_DEPTH_MAX)
		return 0;
	if ((rc = list_dir(&names, &n, dir)) < 0)
		return rc == FB_EIO ? 0 : rc; /* unreadable directories are passed over */
	for (i = 0; i < n && rc == 0; i++) {
		struct buf path;
		struct stat st;

		buf_init(&path, 8192);
		if (strcmp(dir, ".") == 0)
			rc = buf_puts(&path, names[i]);
		else
			rc = buf_printf(&path, "%s%s%s", dir,
					dir[strlen(dir) - 1] == '/' ? "" : "/", names[i]);
		if (rc == 0 && lstat(buf_cstr(&path), &st) == 0) {
			if (S_ISDIR(st.st_mode)) {
				if (skip == NULL || !skip(buf_cstr(&path), payload))
					rc = walk_dir(buf_cstr(&path), depth + 1, cb, skip, payload);
			}
			else if (S_ISREG(st.st_mode) ||
				 (S_ISLNK(st.st_mode) && stat(buf_cstr(&path), &st) == 0 &&
				  S_ISREG(st.st_mode)))
				rc = cb(buf_cstr(&path), payload);
		}
		if (rc == FB_ELIMIT)
			rc = 0; /* an absurdly long path: skip it */
		buf_release(&path);
	}
	for (i = 0; i < n; i++)
		free(names[i]);
	free(names);
	return rc;
}

int walk_files(const char *root, walk_cb cb, walk_skip_cb skip, void *payload,
	       struct fb_error *err)
{
	struct stat st;
	int rc;

	if (stat(root, &st) != 0)
		return fb_error_set(err, errno == ENOENT ? FB_ENOTFOUND : FB_EIO,
				    "cannot read '%s': %s", root, strerror(errno));
	if (!S_ISDIR(st.st_mode))
		return cb(root, payload);
	rc = walk_dir(root, 0, cb, skip, payload);
	if (rc < 0)
		fb_error_set(err, rc, "listing '%s' failed: %s", root, fb_code_str(rc));
	return rc;
}
