/*
 * test_git.c - the libgit2 boundary against real repositories.
 *
 * Each test builds a repository in a fresh mkdtemp() directory with the
 * git command line (system()), runs bot/git on it, and removes it.  The
 * diff text is checked by parsing it with analyzers/diff and comparing
 * with what `git diff` itself prints for the same commits.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../analyzers/diff/diff.h"
#include "../../bot/git/git.h"
#include "test.h"

/* No user or system configuration, fixed identity and dates. */
#define GIT "GIT_CONFIG_NOSYSTEM=1 GIT_CONFIG_GLOBAL=/dev/null HOME=/nonexistent " \
	    "GIT_AUTHOR_DATE='2024-01-01T00:00:00Z' GIT_COMMITTER_DATE='2024-01-01T00:00:00Z' " \
	    "git -c user.name=test -c user.email=test@example.invalid -c init.defaultBranch=main "

struct fixture {
	char dir[64];
	struct fb_repo *repo;
	struct fb_error err;
};

static int sh(struct test_ctx *t, const char *dir, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int sh(struct test_ctx *t, const char *dir, const char *fmt, ...)
{
	char cmd[2048];
	int n;
	va_list ap;

	n = snprintf(cmd, sizeof(cmd), "cd '%s' && { ", dir);
	va_start(ap, fmt);
	n += vsnprintf(cmd + n, sizeof(cmd) - (size_t)n, fmt, ap);
	va_end(ap);
	snprintf(cmd + n, sizeof(cmd) - (size_t)n, "; } >/dev/null 2>&1");
	/* forgebot-ignore: c.command-injection-system test fixtures: our own literal git commands */
	if (system(cmd) != 0) {
		TEST_FAIL(t, "command failed: %.400s", cmd);
		return -1;
	}
	return 0;
}

/* A repository with two commits on main:
 *   c1: a.c (lines 1..10), b.txt, dir/x.txt
 *   c2: a.c line 5 changed, b.txt renamed to c.txt, new.c added */
static int setup(struct test_ctx *t, struct fixture *fx)
{
	memset(fx, 0, sizeof(*fx));
	snprintf(fx->dir, sizeof(fx->dir), "%s", "/tmp/fb-test-git-XXXXXX");
	if (mkdtemp(fx->dir) == NULL) {
		TEST_FAIL(t, "mkdtemp failed");
		return -1;
	}
	if (sh(t, fx->dir, GIT "init -q . && seq 1 10 > a.c && "
			    "printf 'rename me\\nplease\\n' > b.txt && mkdir dir && echo x > dir/x.txt && "
			    GIT "add -A && " GIT "commit -qm c1 && "
			    "sed -i 's/^5$/five/' a.c && " GIT "mv b.txt c.txt && "
			    "echo 'int main(void) { return 0; }' > new.c && "
			    GIT "add -A && " GIT "commit -qm c2") < 0)
		return -1;
	if (fb_git_global_init(&fx->err) < 0 || fb_repo_open(&fx->repo, fx->dir, &fx->err) < 0) {
		TEST_FAIL(t, "open: %.200s", fx->err.msg);
		return -1;
	}
	return 0;
}

static void teardown(struct test_ctx *t, struct fixture *fx)
{
	fb_repo_free(fx->repo);
	fb_git_global_shutdown();
	if (fx->dir[0] != '\0' && strncmp(fx->dir, "/tmp/fb-test-git-", 17) == 0)
		sh(t, "/", "rm -rf '%s'", fx->dir);
}

static void test_open_and_resolve(struct test_ctx *t)
{
	struct fixture fx;
	char sha[FB_SHA_HEX + 1], sha2[FB_SHA_HEX + 1], want[600];
	struct fb_repo *sub = NULL;

	if (setup(t, &fx) < 0)
		goto out;
	CHECK(t, strncmp(fb_repo_workdir(fx.repo), fx.dir, strlen(fx.dir)) == 0);
	CHECK(t, fb_repo_workdir(fx.repo)[strlen(fb_repo_workdir(fx.repo)) - 1] == '/');
	/* discovered from a subdirectory */
	snprintf(want, sizeof(want), "%s/dir", fx.dir);
	CHECK_INT(t, fb_repo_open(&sub, want, &fx.err), 0);
	fb_repo_free(sub);

	CHECK_INT(t, fb_repo_resolve(sha, fx.repo, "HEAD", &fx.err), 0);
	CHECK_INT(t, strlen(sha), 40);
	CHECK_INT(t, fb_repo_resolve(sha2, fx.repo, "main", &fx.err), 0);
	CHECK_STR(t, sha2, sha);
	sha[7] = '\0';
	CHECK_INT(t, fb_repo_resolve(sha2, fx.repo, sha, &fx.err), 0); /* short sha */
	CHECK(t, strncmp(sha2, sha, 7) == 0);
	CHECK_INT(t, fb_repo_resolve(sha, fx.repo, "HEAD~1", &fx.err), 0);
	CHECK(t, strcmp(sha, sha2) != 0);

	CHECK_INT(t, fb_repo_resolve(sha, fx.repo, "nope", &fx.err), FB_ENOTFOUND);
	snprintf(want, sizeof(want), "revision 'nope' not found in %s", fb_repo_workdir(fx.repo));
	CHECK(t, strcmp(fx.err.msg, want) == 0);
	CHECK_STR(t, sha, "");
	CHECK_INT(t, fb_repo_resolve(sha, fx.repo, "HEAD~5", &fx.err), FB_ENOTFOUND);
	CHECK_INT(t, fb_repo_resolve(sha, fx.repo, "HEAD^{tree}", &fx.err), FB_EINVAL);
out:
	teardown(t, &fx);
}

static void test_not_a_repo(struct test_ctx *t)
{
	char dir[] = "/tmp/fb-test-git-XXXXXX", want[256];
	struct fb_repo *r = NULL;
	struct fb_error err = { 0 };

	CHECK_INT(t, fb_git_global_init(&err), 0);
	if (mkdtemp(dir) == NULL) {
		TEST_FAIL(t, "mkdtemp failed");
		return;
	}
	CHECK_INT(t, fb_repo_open(&r, dir, &err), FB_ENOTFOUND);
	CHECK(t, r == NULL);
	snprintf(want, sizeof(want), "'%s' is not inside a git repository", dir);
	CHECK(t, strcmp(err.msg, want) == 0);
	sh(t, "/", "rmdir '%s'", dir);
	fb_git_global_shutdown();
}

/* Parse `text` and compare files, statuses and line numbers with `want`. */
static void same_diff(struct test_ctx *t, const char *got_text, size_t got_len,
		      const char *want_text, size_t want_len)
{
	struct diff got, want;
	struct fb_error err = { 0 };
	size_t i;

	CHECK_INT(t, diff_parse(&want, want_text, want_len, &err), 0);
	if (diff_parse(&got, got_text, got_len, &err) < 0) {
		TEST_FAIL(t, "our diff does not parse: %.200s", err.msg);
		diff_release(&want);
		return;
	}
	CHECK_INT(t, got.n, want.n);
	for (i = 0; i < got.n && i < want.n; i++) {
		const struct diff_file *g = &got.files[i], *w = &want.files[i];

		CHECK_STR(t, g->old_path, w->old_path);
		CHECK_STR(t, g->new_path, w->new_path);
		CHECK_INT(t, g->status, w->status);
		CHECK_INT(t, g->nadded, w->nadded);
		CHECK_INT(t, g->ncontext, w->ncontext);
		CHECK(t, g->nadded == w->nadded &&
			     (g->nadded == 0 ||
			      memcmp(g->added, w->added, g->nadded * sizeof(*g->added)) == 0));
	}
	diff_release(&got);
	diff_release(&want);
}

static int git_output(struct test_ctx *t, struct buf *out, const char *dir, const char *args)
{
	char cmd[1024];
	FILE *p;
	char chunk[4096];
	size_t n;

	snprintf(cmd, sizeof(cmd), "cd '%s' && " GIT "%s", dir, args);
	/* forgebot-ignore: c.command-injection-system our own git command on a temp directory */
	p = popen(cmd, "r");
	if (p == NULL)
		return -1;
	while ((n = fread(chunk, 1, sizeof(chunk), p)) > 0)
		buf_append(out, chunk, n);
	if (pclose(p) != 0) {
		TEST_FAIL(t, "%s failed", args);
		return -1;
	}
	return 0;
}

static void test_diff_commits(struct test_ctx *t)
{
	struct fixture fx;
	char base[FB_SHA_HEX + 1], head[FB_SHA_HEX + 1];
	struct buf got, want;

	buf_init(&got, 0);
	buf_init(&want, 0);
	if (setup(t, &fx) < 0)
		goto out;
	CHECK_INT(t, fb_repo_resolve(base, fx.repo, "HEAD~1", &fx.err), 0);
	CHECK_INT(t, fb_repo_resolve(head, fx.repo, "HEAD", &fx.err), 0);
	CHECK_INT(t, fb_repo_diff(&got, fx.repo, base, head, &fx.err), 0);
	CHECK(t, strstr(buf_cstr(&got), "diff --git a/a.c b/a.c\n") != NULL);
	CHECK(t, strstr(buf_cstr(&got), "@@ -2,7 +2,7 @@") != NULL);
	CHECK(t, strstr(buf_cstr(&got), "\n 2\n 3\n 4\n-5\n+five\n 6\n 7\n 8\n") != NULL);
	CHECK(t, strstr(buf_cstr(&got), "rename from b.txt\nrename to c.txt\n") != NULL);
	CHECK(t, strstr(buf_cstr(&got), "+++ b/new.c\n@@ -0,0 +1 @@\n+int main") != NULL);
	if (git_output(t, &want, fx.dir, "diff -M HEAD~1 HEAD") == 0)
		same_diff(t, got.ptr, got.len, want.ptr, want.len);

	/* bounded */
	buf_release(&got);
	buf_init(&got, 64);
	CHECK_INT(t, fb_repo_diff(&got, fx.repo, base, head, &fx.err), FB_ELIMIT);
	CHECK(t, strstr(fx.err.msg, "over the 64-byte limit") != NULL);
	CHECK_INT(t, fb_repo_diff(&got, fx.repo, "zz", head, &fx.err), FB_EINVAL);
	CHECK_INT(t, fb_repo_diff(&got, fx.repo, "0123456789012345678901234567890123456789", head,
				  &fx.err), FB_ENOTFOUND);
out:
	buf_release(&got);
	buf_release(&want);
	teardown(t, &fx);
}

static void test_diff_worktree(struct test_ctx *t)
{
	struct fixture fx;
	char head[FB_SHA_HEX + 1];
	struct buf got, want;

	buf_init(&got, 0);
	buf_init(&want, 0);
	if (setup(t, &fx) < 0)
		goto out;
	/* staged a.c change, unstaged new.c change, an untracked file */
	if (sh(t, fx.dir, "echo 11 >> a.c && " GIT "add a.c && echo '// more' >> new.c && "
			  "echo untracked > u.txt") < 0)
		goto out;
	CHECK_INT(t, fb_repo_resolve(head, fx.repo, "HEAD", &fx.err), 0);
	CHECK_INT(t, fb_repo_diff(&got, fx.repo, head, NULL, &fx.err), 0);
	CHECK(t, strstr(buf_cstr(&got), "+11\n") != NULL);
	CHECK(t, strstr(buf_cstr(&got), "+// more\n") != NULL);
	CHECK(t, strstr(buf_cstr(&got), "u.txt") == NULL);
	if (git_output(t, &want, fx.dir, "diff HEAD") == 0)
		same_diff(t, got.ptr, got.len, want.ptr, want.len);
out:
	buf_release(&got);
	buf_release(&want);
	teardown(t, &fx);
}

static void test_merge_base(struct test_ctx *t)
{
	struct fixture fx;
	char c1[FB_SHA_HEX + 1], a[FB_SHA_HEX + 1], b[FB_SHA_HEX + 1], mb[FB_SHA_HEX + 1];

	if (setup(t, &fx) < 0)
		goto out;
	if (sh(t, fx.dir, GIT "checkout -qb side HEAD~1 && echo s > s.txt && " GIT "add s.txt && "
			  GIT "commit -qm side && " GIT "checkout -q --orphan lonely && "
			  GIT "commit -qm alone") < 0)
		goto out;
	CHECK_INT(t, fb_repo_resolve(c1, fx.repo, "main~1", &fx.err), 0);
	CHECK_INT(t, fb_repo_resolve(a, fx.repo, "main", &fx.err), 0);
	CHECK_INT(t, fb_repo_resolve(b, fx.repo, "side", &fx.err), 0);
	CHECK_INT(t, fb_repo_merge_base(mb, fx.repo, a, b, &fx.err), 0);
	CHECK_STR(t, mb, c1);
	CHECK_INT(t, fb_repo_resolve(b, fx.repo, "lonely", &fx.err), 0);
	CHECK_INT(t, fb_repo_merge_base(mb, fx.repo, a, b, &fx.err), FB_ENOTFOUND);
	CHECK(t, strstr(fx.err.msg, "share no history") != NULL);
	CHECK_INT(t, fb_repo_merge_base(mb, fx.repo, "main", b, &fx.err), FB_EINVAL);
out:
	teardown(t, &fx);
}

static void test_read_file(struct test_ctx *t)
{
	struct fixture fx;
	char c1[FB_SHA_HEX + 1];
	struct buf b;

	buf_init(&b, 0);
	if (setup(t, &fx) < 0)
		goto out;
	CHECK_INT(t, fb_repo_resolve(c1, fx.repo, "HEAD~1", &fx.err), 0);
	CHECK_INT(t, fb_repo_read_file(&b, fx.repo, c1, "a.c", &fx.err), 0);
	CHECK_STR(t, buf_cstr(&b), "1\n2\n3\n4\n5\n6\n7\n8\n9\n10\n");
	buf_reset(&b);
	CHECK_INT(t, fb_repo_read_file(&b, fx.repo, c1, "dir/x.txt", &fx.err), 0);
	CHECK_STR(t, buf_cstr(&b), "x\n");
	CHECK_INT(t, fb_repo_read_file(&b, fx.repo, c1, "new.c", &fx.err), FB_ENOTFOUND);
	CHECK(t, strstr(fx.err.msg, "no file 'new.c' at commit") != NULL);
	CHECK_INT(t, fb_repo_read_file(&b, fx.repo, c1, "dir", &fx.err), FB_ENOTFOUND);
	buf_release(&b);
	buf_init(&b, 5);
	CHECK_INT(t, fb_repo_read_file(&b, fx.repo, c1, "a.c", &fx.err), FB_ELIMIT);
	CHECK_INT(t, b.len, 0);
out:
	buf_release(&b);
	teardown(t, &fx);
}

const struct test_case git_tests[] = {
	{ "open_and_resolve", test_open_and_resolve },
	{ "not_a_repo", test_not_a_repo },
	{ "diff_commits", test_diff_commits },
	{ "diff_worktree", test_diff_worktree },
	{ "merge_base", test_merge_base },
	{ "read_file", test_read_file },
	{ NULL, NULL },
};
