/*
 * cache.c - the bare-repository cache the server's workers review from;
 * see git.h for the contract.
 *
 * Layout: one directory, in it per repository `<name>.git` (a bare
 * repository) and `<name>.lock` (an empty file: the flock that serialises
 * work on that repository, and by its mtime the last-used stamp), where
 * <name> is the key made safe for a file name plus a hash of the key.
 *
 * Locking: a fetch holds LOCK_EX on the lock file; the repository it
 * returns holds LOCK_SH until freed.  flock locks belong to an open file
 * description, so threads of one process exclude each other as processes
 * do, as long as each opens the file itself (we always do).  Eviction
 * takes LOCK_EX without waiting (a busy repository is skipped), moves the
 * repository aside, deletes it and unlinks the lock file; whoever was
 * waiting on that file notices that the path now names another file (or
 * none) and starts over, so two holders never share one repository.
 *
 * Credentials are offered by a callback that counts: libgit2 1.5 asks
 * again forever when a password is refused.
 */
#include "git_priv.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define CACHE_PATH_MAX 4096
#define CACHE_KEY_CHARS 80            /* of the sanitized key kept in the name */
#define CACHE_LOCK_WAIT_MS (2 * 60 * 1000) /* well inside a job's lease */
#define CACHE_AUTH_TRIES 3
#define CACHE_DU_DEPTH 64             /* git repositories are shallow trees */

/* ---- names and paths ---- */

static uint32_t fnv1a(const char *s)
{
	uint32_t h = 2166136261u;

	for (; *s; s++) {
		h ^= (unsigned char)*s;
		h *= 16777619u;
	}
	return h;
}

int fb_cache_name(char *out, size_t n, const char *key)
{
	char safe[CACHE_KEY_CHARS + 1];
	size_t i;
	int len;

	for (i = 0; key[i] && i < CACHE_KEY_CHARS; i++) {
		char c = key[i];
		bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
			  c == '-' || c == '_' || (c == '.' && i > 0);
		safe[i] = ok ? c : '_';
	}
	safe[i] = '\0';
	/* The hash keeps keys apart that sanitize alike ("a/b", "a_b"). */
	len = snprintf(out, n, "%s-%08x.git", safe, (unsigned)fnv1a(key));
	return len < 0 || (size_t)len >= n ? FB_ELIMIT : 0;
}

/* out = dir/name with `suffix` replacing name's ".git" (or appended). */
static int cache_path(char out[CACHE_PATH_MAX], const char *dir, const char *name,
		      const char *suffix)
{
	size_t base = strlen(name);
	int len;

	if (base > 4 && strcmp(name + base - 4, ".git") == 0)
		base -= 4;
	len = snprintf(out, CACHE_PATH_MAX, "%s/%.*s%s", dir, (int)base, name, suffix);
	return len < 0 || len >= CACHE_PATH_MAX ? FB_ELIMIT : 0;
}

static int mkdir_p(const char *dir, struct fb_error *err)
{
	char p[CACHE_PATH_MAX];
	size_t i, n = strlen(dir);

	if (n == 0 || n >= sizeof p)
		return fb_error_set(err, FB_EINVAL, "repository cache directory '%s' is not usable", dir);
	memcpy(p, dir, n + 1);
	for (i = 1; i <= n; i++) {
		if (p[i] != '/' && p[i] != '\0')
			continue;
		p[i] = '\0';
		if (mkdir(p, 0700) != 0 && errno != EEXIST)
			return fb_error_set(err, FB_EIO, "cannot create repository cache directory '%s': %s",
					    p, strerror(errno));
		p[i] = i == n ? '\0' : '/';
	}
	return 0;
}

/* ---- locks ---- */

static void sleep_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
		;
}

static long long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Does `path` still name the file open as `fd`? */
static bool same_file(int fd, const char *path)
{
	struct stat a, b;

	return fstat(fd, &a) == 0 && stat(path, &b) == 0 && a.st_dev == b.st_dev &&
	       a.st_ino == b.st_ino;
}

/*
 * Lock `path` (created when absent) with `how` (LOCK_EX or LOCK_SH) into
 * *out.  Waits up to `wait_ms` (0: not at all) and then gives FB_ERETRY
 * without a message (callers say what was busy).  Starts over when an
 * eviction unlinked the file while we waited for it.
 */
static int lock_take(int *out, const char *path, int how, long wait_ms, struct fb_error *err)
{
	long long deadline = now_ms() + wait_ms;
	long nap = 10;
	int fd;

	*out = -1;
	for (;;) {
		if ((fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600)) < 0)
			return fb_error_set(err, FB_EIO, "cannot open lock file '%s': %s", path,
					    strerror(errno));
		while (flock(fd, how | LOCK_NB) != 0) {
			if (errno == EINTR)
				continue;
			if (errno != EWOULDBLOCK || now_ms() >= deadline) {
				int e = errno;
				close(fd);
				return e == EWOULDBLOCK ? FB_ERETRY
							: fb_error_set(err, FB_EIO, "cannot lock '%s': %s",
								       path, strerror(e));
			}
			sleep_ms(nap);
			nap = nap < 200 ? nap * 2 : 200;
		}
		if (same_file(fd, path))
			break;
		close(fd); /* evicted meanwhile: lock the new file */
	}
	*out = fd;
	return 0;
}

/* ---- sizes and removal (openat-based, symbolic links never followed) ---- */

static int du_at(uint64_t *acc, int dirfd, int depth)
{
	DIR *d;
	struct dirent *e;
	struct stat st;
	int rc = 0;

	if (depth > CACHE_DU_DEPTH || (d = fdopendir(dirfd)) == NULL) {
		close(dirfd);
		return FB_EIO;
	}
	while (rc == 0 && (e = readdir(d)) != NULL) {
		if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
			continue;
		if (fstatat(dirfd, e->d_name, &st, AT_SYMLINK_NOFOLLOW) != 0) {
			if (errno != ENOENT) /* removed meanwhile: it no longer counts */
				rc = FB_EIO;
			continue;
		}
		*acc += (uint64_t)st.st_blocks * 512;
		if (S_ISDIR(st.st_mode)) {
			int sub = openat(dirfd, e->d_name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
			if (sub >= 0)
				rc = du_at(acc, sub, depth + 1);
			else if (errno != ENOENT)
				rc = FB_EIO;
		}
	}
	closedir(d); /* closes dirfd */
	return rc;
}

int fb_cache_size(uint64_t *out, const char *path, struct fb_error *err)
{
	struct stat st;
	int fd, rc;

	*out = 0;
	if (lstat(path, &st) != 0)
		return fb_error_set(err, errno == ENOENT ? FB_ENOTFOUND : FB_EIO, "cannot read '%s': %s",
				    path, strerror(errno));
	*out = (uint64_t)st.st_blocks * 512;
	if (!S_ISDIR(st.st_mode))
		return 0;
	if ((fd = open(path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)) < 0)
		return fb_error_set(err, FB_EIO, "cannot read '%s': %s", path, strerror(errno));
	rc = du_at(out, fd, 0);
	return rc < 0 ? fb_error_set(err, rc, "cannot measure '%s'", path) : 0;
}

/* Remove `name` under dirfd and everything in it. */
static int rm_at(int dirfd, const char *name, int depth)
{
	struct stat st;
	struct dirent *e;
	DIR *d;
	int sub, rc = 0;

	if (fstatat(dirfd, name, &st, AT_SYMLINK_NOFOLLOW) != 0)
		return errno == ENOENT ? 0 : FB_EIO;
	if (!S_ISDIR(st.st_mode))
		return unlinkat(dirfd, name, 0) == 0 || errno == ENOENT ? 0 : FB_EIO;
	if (depth > CACHE_DU_DEPTH)
		return FB_EIO;
	sub = openat(dirfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (sub < 0 || (d = fdopendir(sub)) == NULL) {
		if (sub >= 0)
			close(sub);
		return FB_EIO;
	}
	while ((e = readdir(d)) != NULL)
		if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0 &&
		    rm_at(sub, e->d_name, depth + 1) < 0)
			rc = FB_EIO;
	closedir(d);
	if (rc == 0 && unlinkat(dirfd, name, AT_REMOVEDIR) != 0 && errno != ENOENT)
		rc = FB_EIO;
	return rc;
}

/* Move `path` out of the way (so no one opens it half deleted), then
 * delete it.  Leftovers of a crash end in ".trash" and are swept by
 * eviction. */
static int remove_repo(const char *dir, const char *name)
{
	char from[CACHE_PATH_MAX], trash[CACHE_PATH_MAX];
	char suffix[64];
	int dfd, rc;

	snprintf(suffix, sizeof suffix, ".%ld.%lld.trash", (long)getpid(), now_ms());
	if (cache_path(from, dir, name, ".git") < 0 || cache_path(trash, dir, name, suffix) < 0)
		return FB_ELIMIT;
	if (rename(from, trash) != 0)
		return errno == ENOENT ? 0 : FB_EIO;
	if ((dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0)
		return FB_EIO;
	rc = rm_at(dfd, strrchr(trash, '/') + 1, 0);
	close(dfd);
	return rc;
}

/* ---- eviction ---- */

struct victim {
	char name[256];
	time_t used;
	uint64_t bytes;
};

static int by_use(const void *a, const void *b)
{
	const struct victim *x = a, *y = b;

	return x->used < y->used ? -1 : x->used > y->used;
}

static bool ends_with(const char *s, const char *suffix)
{
	size_t n = strlen(s), m = strlen(suffix);

	return n > m && strcmp(s + n - m, suffix) == 0;
}

/* The repositories in the cache with their size and last use, except
 * `keep`; trash left by a crash is deleted on the way. */
static int list_victims(struct victim **out, size_t *n, const char *dir, const char *keep)
{
	struct victim *v = NULL, *grown;
	size_t cap = 0;
	struct dirent *e;
	DIR *d = opendir(dir);
	int dfd;

	*out = NULL;
	*n = 0;
	if (d == NULL)
		return FB_EIO;
	dfd = dirfd(d);
	while ((e = readdir(d)) != NULL) {
		char path[CACHE_PATH_MAX];
		struct stat st;
		struct victim x = { { 0 }, 0, 0 };

		if (ends_with(e->d_name, ".trash")) {
			rm_at(dfd, e->d_name, 0);
			continue;
		}
		if (!ends_with(e->d_name, ".git") || strcmp(e->d_name, keep) == 0 ||
		    strlen(e->d_name) >= sizeof x.name)
			continue;
		snprintf(x.name, sizeof x.name, "%s", e->d_name);
		if (cache_path(path, dir, x.name, ".git") < 0 || fb_cache_size(&x.bytes, path, NULL) < 0)
			continue;
		/* Last use: the lock file's mtime, else the repository's. */
		if (cache_path(path, dir, x.name, ".lock") == 0 && stat(path, &st) == 0)
			x.used = st.st_mtime;
		else if (fstatat(dfd, x.name, &st, 0) == 0)
			x.used = st.st_mtime;
		if (*n == cap) {
			cap = cap ? cap * 2 : 32;
			if ((grown = realloc(v, cap * sizeof *v)) == NULL) {
				free(v);
				closedir(d);
				return FB_ENOMEM;
			}
			v = grown;
		}
		v[(*n)++] = x;
	}
	closedir(d);
	if (*n > 1)
		qsort(v, *n, sizeof *v, by_use);
	*out = v;
	return 0;
}

/* Evict least recently used repositories until the cache fits; busy ones
 * (locked by a fetch or a reader) and `keep` are left alone. */
static void evict(const char *dir, const char *keep, uint64_t max_bytes)
{
	struct victim *v = NULL;
	uint64_t total;
	size_t n = 0, i;

	if (max_bytes == 0 || fb_cache_size(&total, dir, NULL) < 0 || total <= max_bytes)
		return;
	if (list_victims(&v, &n, dir, keep) < 0)
		return;
	for (i = 0; i < n && total > max_bytes; i++) {
		char lock[CACHE_PATH_MAX];
		int fd;

		if (cache_path(lock, dir, v[i].name, ".lock") < 0 ||
		    lock_take(&fd, lock, LOCK_EX, 0, NULL) < 0)
			continue;
		if (remove_repo(dir, v[i].name) == 0) {
			total = total > v[i].bytes ? total - v[i].bytes : 0;
			unlink(lock); /* while locked: waiters see it gone and start over */
		}
		close(fd);
	}
	free(v);
}

/* ---- fetching ---- */

struct creds {
	const char *user, *password;
	int tries;
	bool asked;
};

static int cred_cb(git_credential **out, const char *url, const char *user_from_url,
		   unsigned int allowed, void *payload)
{
	struct creds *c = payload;

	(void)url;
	(void)user_from_url;
	c->asked = true;
	if (c->user == NULL || c->password == NULL)
		return GIT_EAUTH;
	/* A refused password is asked for again, forever: stop after a few. */
	if (++c->tries > CACHE_AUTH_TRIES)
		return GIT_EAUTH;
	if (allowed & GIT_CREDENTIAL_USERPASS_PLAINTEXT)
		return git_credential_userpass_plaintext_new(out, c->user, c->password);
	if (allowed & GIT_CREDENTIAL_USERNAME)
		return git_credential_username_new(out, c->user);
	return GIT_PASSTHROUGH;
}

/* `url` without user-info ("https://u:p@h/x" -> "https://h/x"), for messages. */
static void url_for_messages(char *out, size_t n, const char *url)
{
	const char *scheme = strstr(url, "://");
	const char *host = scheme ? scheme + 3 : url;
	const char *end = host + strcspn(host, "/?#");
	const char *at = memchr(host, '@', (size_t)(end - host));

	if (scheme && at)
		snprintf(out, n, "%.*s%s", (int)(host - url), url, at + 1);
	else
		snprintf(out, n, "%s", url);
}

/* libgit2's last message with the password blotted out, should it appear. */
static void git_message(char *out, size_t n, const char *password)
{
	const git_error *ge = git_error_last();
	char *p;

	snprintf(out, n, "%s", ge && ge->message ? ge->message : "unknown libgit2 error");
	if (password && *password && strlen(password) >= 4)
		while ((p = strstr(out, password)) != NULL)
			memset(p, '*', strlen(password));
}

static bool has(const char *msg, const char *what)
{
	return strstr(msg, what) != NULL;
}

/* Turn a failed fetch into our code and a one-line message. */
static int fetch_failed(int gitrc, const struct creds *c, const char *url, struct fb_error *err)
{
	const git_error *ge = git_error_last();
	int klass = ge ? ge->klass : GIT_ERROR_NONE;
	char msg[FB_ERROR_MSG_MAX / 2], shown[FB_ERROR_MSG_MAX / 2];

	url_for_messages(shown, sizeof shown, url);
	git_message(msg, sizeof msg, c->password);
	if (c->asked && (!c->user || !c->password))
		return fb_error_set(err, FB_EAUTH, "fetching %s: the server wants credentials and "
				    "none are configured", shown);
	if (gitrc == GIT_EAUTH || c->tries > CACHE_AUTH_TRIES || has(msg, "401") ||
	    has(msg, "authentication"))
		return fb_error_set(err, FB_EAUTH, "fetching %s: the server refused the credentials "
				    "for user '%s'", shown, c->user ? c->user : "");
	if (has(msg, "404") || has(msg, "repository not found") || has(msg, "not exported") ||
	    has(msg, "does not appear to be a git repository"))
		return fb_error_set(err, FB_ENOTFOUND, "fetching %s: no such repository (%s)", shown, msg);
	if (has(msg, "403"))
		return fb_error_set(err, FB_EAUTH, "fetching %s: access refused (%s)", shown, msg);
	if (klass == GIT_ERROR_NET || klass == GIT_ERROR_SSL || klass == GIT_ERROR_HTTP ||
	    klass == GIT_ERROR_OS || has(msg, "unexpected http status code: 5") ||
	    has(msg, "timed out") || has(msg, "early EOF"))
		return fb_error_set(err, FB_ERETRY, "fetching %s: %s", shown, msg);
	if (gitrc == GIT_EINVALIDSPEC)
		return fb_error_set(err, FB_EINVAL, "fetching %s: %s", shown, msg);
	return fb_error_set(err, FB_EINTERNAL, "fetching %s: %s", shown, msg);
}

static int fetch(git_repository *repo, const char *url, const char *const *refspecs,
		 size_t nrefspecs, struct creds *c, struct fb_error *err)
{
	git_remote_create_options ropts;
	git_fetch_options opts;
	git_strarray specs = { (char **)refspecs, nrefspecs };
	git_remote *remote = NULL;
	int rc;

	git_remote_create_options_init(&ropts, GIT_REMOTE_CREATE_OPTIONS_VERSION);
	git_fetch_options_init(&opts, GIT_FETCH_OPTIONS_VERSION);
	/* An anonymous remote, without url.*.insteadOf rewriting: the URL is
	 * the forge's, and libgit2 1.5.1 leaks a PCRE2 match block for each
	 * configuration entry that looking up insteadOf visits. */
	ropts.repository = repo;
	ropts.flags = GIT_REMOTE_CREATE_SKIP_INSTEADOF | GIT_REMOTE_CREATE_SKIP_DEFAULT_FETCHSPEC;
	if ((rc = git_remote_create_with_opts(&remote, url, &ropts)) < 0) {
		char shown[FB_ERROR_MSG_MAX / 2];
		url_for_messages(shown, sizeof shown, url);
		return fb_error_set(err, FB_EINVAL, "cannot fetch from '%s': not a repository URL", shown);
	}
	opts.callbacks.credentials = cred_cb;
	opts.callbacks.payload = c;
	opts.download_tags = GIT_REMOTE_DOWNLOAD_TAGS_NONE;
	opts.prune = GIT_FETCH_NO_PRUNE;
	opts.update_fetchhead = 0;
	opts.proxy_opts.type = GIT_PROXY_AUTO;
	rc = git_remote_fetch(remote, &specs, &opts, NULL);
	if (rc < 0)
		rc = fetch_failed(rc, c, url, err);
	git_remote_free(remote);
	return rc;
}

/* Open the bare repository at `path`, or create it; one that cannot be
 * opened (a crash while creating it) is moved aside and made anew. */
static int open_or_init(git_repository **out, const char *dir, const char *name,
			const char *path, struct fb_error *err)
{
	int rc = git_repository_open_bare(out, path);

	if (rc == 0)
		return 0;
	if (rc != GIT_ENOTFOUND)
		remove_repo(dir, name);
	if ((rc = git_repository_init(out, path, 1)) < 0)
		return git_fail(err, rc, "creating the cache repository '%s'", path);
	return 0;
}

static int check_args(const char *cache_dir, const char *key, const char *url,
		      size_t nrefspecs, struct fb_error *err)
{
	if (!cache_dir || !*cache_dir || !key || !*key || !url || !*url)
		return fb_error_set(err, FB_EINVAL, "repository cache: a directory, a key and a URL are needed");
	if (nrefspecs == 0)
		return fb_error_set(err, FB_EINVAL, "repository cache: nothing to fetch (no refspec)");
	return 0;
}

/* Hand the exclusive lock over to the reader as a shared one.  The switch
 * is not atomic: if an eviction slipped in between, it is gone. */
static int downgrade(int fd, const char *lock, const char *path, struct fb_error *err)
{
	struct stat st;

	while (flock(fd, LOCK_SH) != 0)
		if (errno != EINTR)
			return fb_error_set(err, FB_EIO, "cannot lock '%s': %s", lock, strerror(errno));
	if (!same_file(fd, lock) || stat(path, &st) != 0)
		return fb_error_set(err, FB_ERETRY, "the cache repository '%s' was evicted while in use",
				    path);
	return 0;
}

int fb_cache_fetch(struct fb_repo **out, const char *cache_dir, const char *key, const char *url,
		   const char *const *refspecs, size_t nrefspecs, const char *user,
		   const char *password, uint64_t max_bytes, struct fb_error *err)
{
	struct creds c = { user, password, 0, false };
	char name[CACHE_KEY_CHARS + 32], path[CACHE_PATH_MAX], lock[CACHE_PATH_MAX];
	struct fb_repo *r = NULL;
	int fd = -1, rc;

	*out = NULL;
	if ((rc = check_args(cache_dir, key, url, nrefspecs, err)) < 0 ||
	    (rc = git_lib_init(err)) < 0 || (rc = mkdir_p(cache_dir, err)) < 0)
		return rc;
	if (fb_cache_name(name, sizeof name, key) < 0 || cache_path(path, cache_dir, name, ".git") < 0 ||
	    cache_path(lock, cache_dir, name, ".lock") < 0)
		return fb_error_set(err, FB_ELIMIT, "repository cache path under '%s' is too long", cache_dir);
	if ((rc = lock_take(&fd, lock, LOCK_EX, CACHE_LOCK_WAIT_MS, err)) < 0) {
		if (rc == FB_ERETRY)
			fb_error_set(err, rc, "the cache repository '%s' stayed locked by another fetch", path);
		return rc;
	}
	if ((r = calloc(1, sizeof *r)) == NULL || (r->name = strdup(path)) == NULL) {
		rc = fb_error_set(err, FB_ENOMEM, "out of memory");
		goto out;
	}
	r->lock_fd = -1;
	if ((rc = open_or_init(&r->repo, cache_dir, name, path, err)) < 0 ||
	    (rc = fetch(r->repo, url, refspecs, nrefspecs, &c, err)) < 0)
		goto out;
	futimens(fd, NULL); /* the last-used stamp */
	if ((rc = downgrade(fd, lock, path, err)) < 0)
		goto out;
	r->lock_fd = fd;
	fd = -1;
	evict(cache_dir, name, max_bytes);
	*out = r;
	r = NULL;
out:
	fb_repo_free(r);
	if (fd >= 0)
		close(fd);
	return rc;
}
