/*
 * git_diff.c - unified diff text between two commits, or between a commit
 * and the working tree, via libgit2; see fb_repo_diff() in git.h.
 *
 * The diff is printed with git_diff_print(GIT_DIFF_FORMAT_PATCH) into a
 * bounded buf: file and hunk headers arrive complete, content lines
 * without their origin character, which we put back (as git's own printer
 * does).  A full buffer stops the printing through the callback's return.
 */
#include "git_priv.h"

#include <string.h>

struct print_ctx {
	struct buf *out;
	int rc; /* the first buf error */
};

static int print_line(const git_diff_delta *delta, const git_diff_hunk *hunk,
		      const git_diff_line *line, void *payload)
{
	struct print_ctx *ctx = payload;
	int rc = 0;

	(void)delta;
	(void)hunk;
	if (line->origin == GIT_DIFF_LINE_CONTEXT || line->origin == GIT_DIFF_LINE_ADDITION ||
	    line->origin == GIT_DIFF_LINE_DELETION)
		rc = buf_putc(ctx->out, line->origin);
	if (rc == 0)
		rc = buf_append(ctx->out, line->content, line->content_len);
	if (rc < 0) {
		ctx->rc = rc;
		return 1; /* stop */
	}
	return 0;
}

static int commit_tree(git_tree **out, struct fb_repo *r, const char *sha, struct fb_error *err)
{
	git_commit *c = NULL;
	int rc = git_commit_by_sha(&c, r, sha, err);

	*out = NULL;
	if (rc < 0)
		return rc;
	rc = git_commit_tree(out, c);
	git_commit_free(c);
	return rc < 0 ? git_fail(err, rc, "tree of commit %.12s", sha) : 0;
}

static int make_diff(git_diff **out, struct fb_repo *r, git_tree *base, git_tree *head,
		     struct fb_error *err)
{
	git_diff_options opts;
	git_diff_find_options find;
	int rc;

	/* The _init functions, not the INIT macros, which -Wextra dislikes. */
	if ((rc = git_diff_options_init(&opts, GIT_DIFF_OPTIONS_VERSION)) < 0 ||
	    (rc = git_diff_find_options_init(&find, GIT_DIFF_FIND_OPTIONS_VERSION)) < 0)
		return git_fail(err, rc, "diff options");
	opts.context_lines = 3;
	if (head)
		rc = git_diff_tree_to_tree(out, r->repo, base, head, &opts);
	else
		rc = git_diff_tree_to_workdir_with_index(out, r->repo, base, &opts);
	if (rc < 0)
		return git_fail(err, rc, "computing the diff in %s", r->name);
	find.flags = GIT_DIFF_FIND_RENAMES;
	rc = git_diff_find_similar(*out, &find);
	if (rc < 0)
		return git_fail(err, rc, "detecting renames in %s", r->name);
	return 0;
}

int fb_repo_diff(struct buf *out, struct fb_repo *r, const char *base_sha, const char *head_sha,
		 struct fb_error *err)
{
	git_tree *base = NULL, *head = NULL;
	git_diff *diff = NULL;
	struct print_ctx ctx = { out, 0 };
	int rc;

	if (head_sha == NULL && r->workdir == NULL) {
		rc = fb_error_set(err, FB_EINVAL, "%s is a bare repository: no working tree to diff",
				  r->name);
		goto out;
	}
	if ((rc = commit_tree(&base, r, base_sha, err)) < 0)
		goto out;
	if (head_sha && (rc = commit_tree(&head, r, head_sha, err)) < 0)
		goto out;
	if ((rc = make_diff(&diff, r, base, head, err)) < 0)
		goto out;
	rc = git_diff_print(diff, GIT_DIFF_FORMAT_PATCH, print_line, &ctx);
	if (ctx.rc == FB_ELIMIT)
		rc = fb_error_set(err, FB_ELIMIT, "the diff %.12s..%.12s is over the %zu-byte limit",
				  base_sha, head_sha ? head_sha : "worktree", out->max);
	else if (ctx.rc < 0)
		rc = fb_error_set(err, ctx.rc, "printing the diff: %s", fb_code_str(ctx.rc));
	else if (rc < 0)
		rc = git_fail(err, rc, "printing the diff in %s", r->name);
out:
	git_diff_free(diff);
	git_tree_free(head);
	git_tree_free(base);
	return rc;
}
