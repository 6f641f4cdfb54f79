/*
 * forge_ops.c - call every operation of forge.h once against a forge, so
 * that each kind of request the client makes reaches the test peers (the
 * GitHub fake forwards each to Prism and GitHub's OpenAPI description; the
 * GitLab fake checks it against python-gitlab's routes) and its answer is
 * decoded by the real client.
 *
 *   forge-ops github|gitlab API_URL REPO NUMBER ISSUE JOB_ID HEAD_SHA
 *
 * The token comes from FORGE_OPS_TOKEN.  One line per operation:
 * "ok NAME detail" or "error NAME: message"; the exit status is the number
 * of errors (capped at 100).  Used by tests/integration/forge_contract.test.sh.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../bot/forge/forge.h"

static int errors;

static void report(const char *name, int rc, const struct fb_error *err, const char *detail)
{
	if (rc == 0) {
		printf("ok %s %s\n", name, detail ? detail : "");
	} else {
		printf("error %s: %s\n", name, err->msg);
		errors++;
	}
	fflush(stdout);
}

struct first_inline {
	struct forge_comment c;
	char *discussion_id;
	int n;
};

static int keep_first_inline(const struct forge_comment *c, void *payload)
{
	struct first_inline *fi = payload;

	fi->n++;
	if (c->kind == FORGE_INLINE && !fi->c.id) {
		fi->c = *c;
		fi->c.body = fi->c.author = fi->c.path = NULL;
		fi->discussion_id = c->discussion_id ? strdup(c->discussion_id) : NULL;
		fi->c.discussion_id = fi->discussion_id;
	}
	return 0;
}

static int count_file(const struct forge_file *file, void *payload)
{
	(void)file;
	(*(int *)payload)++;
	return 0;
}

static void reads(struct forge *f, long pr, struct forge_pr *meta)
{
	struct fb_error err = { 0 };
	struct buf diff;
	char detail[160];
	int files = 0, rc;
	char *me = NULL;

	rc = forge_whoami(f, &me, &err);
	report("whoami", rc == FB_ENOTFOUND ? 0 : rc, &err, me);
	free(me);
	rc = forge_pr_get(f, pr, meta, &err);
	snprintf(detail, sizeof detail, "head=%.12s", meta->head_sha ? meta->head_sha : "-");
	report("pr_get", rc, &err, detail);
	buf_init(&diff, (size_t)64 << 20);
	rc = forge_pr_diff(f, pr, &diff, &err);
	snprintf(detail, sizeof detail, "bytes=%zu", diff.len);
	report("pr_diff", rc, &err, detail);
	buf_release(&diff);
	rc = forge_pr_files(f, pr, count_file, &files, &err);
	snprintf(detail, sizeof detail, "files=%d", files);
	report("pr_files", rc, &err, detail);
}

static void comments(struct forge *f, long pr, const struct forge_pr *meta)
{
	struct fb_error err = { 0 };
	struct forge_inline in = { .path = "src/app.c", .line = 11, .body = "contract check" };
	struct forge_review rv = { .commit_sha = meta->head_sha, .base_sha = meta->base_sha,
				   .start_sha = meta->start_sha, .body = "forgebot contract check",
				   .comments = &in, .ncomments = 1 };
	struct first_inline fi = { 0 };
	struct forge_comment note = { .kind = FORGE_NOTE };
	bool placed = false;
	long long id = 0;
	char detail[64];
	int rc;

	rc = forge_review_post(f, pr, &rv, &placed, &err);
	report("review_post", rc == 0 && !placed ? FB_EINVAL : rc, &err, "placed");
	rc = forge_note_create(f, pr, "a note", &id, &err);
	report("note_create", rc, &err, NULL);
	rc = forge_note_update(f, pr, id, "an edited note", &err);
	report("note_update", rc, &err, NULL);
	note.id = id;
	rc = forge_comments_list(f, pr, keep_first_inline, &fi, &err);
	snprintf(detail, sizeof detail, "n=%d", fi.n);
	report("comments_list", rc == 0 && !fi.c.id ? FB_ENOTFOUND : rc, &err, detail);
	rc = forge_comment_reply(f, pr, &fi.c, "a reply", &err);
	report("comment_reply", rc, &err, NULL);
	rc = forge_comment_update(f, pr, &fi.c, "an edited inline comment", &err);
	report("comment_update", rc, &err, NULL);
	if (forge_kind(f) == FORGE_GITLAB) {
		rc = forge_discussion_resolve(f, pr, fi.c.discussion_id, true, &err);
		report("discussion_resolve", rc, &err, NULL);
	}
	rc = forge_comment_delete(f, pr, &note, &err);
	report("comment_delete", rc, &err, NULL);
	free(fi.discussion_id);
}

static void statuses(struct forge *f, const char *sha, long pr)
{
	struct fb_error err = { 0 };
	struct forge_status st = { .sha = sha, .state = FORGE_STATE_FAILURE, .context = "forgebot",
				   .description = "2 findings", .target_url = "https://ci.example/1" };
	struct forge_annotation an[60];
	struct forge_check ck = { .name = "forgebot", .head_sha = sha, .state = FORGE_STATE_FAILURE,
				  .title = "60 findings", .summary = "**60** findings",
				  .annotations = an, .nannotations = 60 };
	const char *sarif = "{\"version\":\"2.1.0\",\"$schema\":\"https://json.schemastore.org/"
			    "sarif-2.1.0.json\",\"runs\":[{\"tool\":{\"driver\":{\"name\":\"forgebot\"}},"
			    "\"results\":[]}]}";
	char ref[64], *id = NULL;
	int rc;

	for (int i = 0; i < 60; i++)
		an[i] = (struct forge_annotation){ "src/app.c", i + 1, i + 1, FORGE_LEVEL_WARNING,
						   "rule", "message" };
	rc = forge_status_set(f, &st, &err);
	report("status_set", rc, &err, NULL);
	rc = forge_check_publish(f, &ck, &err);
	report("check_publish", rc, &err, NULL);
	snprintf(ref, sizeof ref, "refs/pull/%ld/head", pr);
	rc = forge_sarif_upload(f, sha, ref, sarif, strlen(sarif), &id, &err);
	if (forge_kind(f) == FORGE_GITLAB)
		rc = rc == FB_EINVAL ? 0 : FB_EINTERNAL; /* GitLab has no SARIF upload */
	report("sarif_upload", rc, &err, id);
	free(id);
}

static void writes(struct forge *f, long issue, const char *sha, const char *base)
{
	struct fb_error err = { 0 };
	const char *labels[] = { "forgebot:working", "needs review" };
	struct forge_pr_new req = { .head = "forgebot/issue-3", .base = base, .title = "Fix issue 3",
				    .body = "Closes #3", .draft = true };
	struct forge_pr_created made;
	char detail[160];
	int rc;

	rc = forge_labels_add(f, issue, labels, 2, &err);
	report("labels_add", rc, &err, NULL);
	rc = forge_label_remove(f, issue, "forgebot:working", &err);
	report("label_remove", rc, &err, NULL);
	rc = forge_branch_create(f, "forgebot/issue-3", sha, &err);
	report("branch_create", rc, &err, NULL);
	rc = forge_branch_create(f, "forgebot/issue-3", sha, &err);
	report("branch_exists", rc == FB_ECONFLICT ? 0 : FB_EINTERNAL, &err, "conflict");
	rc = forge_pr_create(f, &req, &made, &err);
	snprintf(detail, sizeof detail, "number=%ld draft=%d", made.number, made.draft);
	report("pr_create", rc, &err, detail);
	forge_pr_created_release(&made);
}

static void jobs(struct forge *f, long long job)
{
	struct fb_error err = { 0 };
	struct buf log;
	char detail[64];
	int rc;

	buf_init(&log, (size_t)1 << 20);
	rc = forge_job_log(f, job, 200, &log, &err);
	snprintf(detail, sizeof detail, "bytes=%zu", log.len);
	report("job_log", rc, &err, detail);
	buf_release(&log);
	rc = forge_job_rerun(f, job, &err);
	report("job_rerun", rc, &err, NULL);
}

int main(int argc, char **argv)
{
	struct forge_opts o = { 0 };
	struct forge_pr meta = { 0 };
	struct forge *f = NULL;
	struct fb_error err = { 0 };
	int rc;

	if (argc != 8) {
		fprintf(stderr, "usage: forge-ops github|gitlab API_URL REPO NUMBER ISSUE JOB_ID "
			"HEAD_SHA\n");
		return 100;
	}
	o.kind = strcmp(argv[1], "github") == 0 ? FORGE_GITHUB : FORGE_GITLAB;
	o.api_url = argv[2];
	o.repo = argv[3];
	o.auth.kind = FORGE_AUTH_TOKEN;
	o.auth.token = getenv("FORGE_OPS_TOKEN");
	o.max_wait_ms = 2000;
	if ((rc = forge_new(&f, &o, &err)) < 0) {
		fprintf(stderr, "forge-ops: %s\n", err.msg);
		return 100;
	}
	reads(f, atol(argv[4]), &meta);
	if (meta.head_sha && strcmp(meta.head_sha, argv[7]) != 0)
		report("pr_head_matches", FB_EINVAL, &(struct fb_error){ 0, "head differs" }, NULL);
	comments(f, atol(argv[4]), &meta);
	statuses(f, argv[7], atol(argv[4]));
	writes(f, atol(argv[5]), argv[7], meta.base_ref ? meta.base_ref : "main");
	jobs(f, atoll(argv[6]));
	forge_pr_release(&meta);
	forge_free(f);
	return errors > 100 ? 100 : errors;
}
