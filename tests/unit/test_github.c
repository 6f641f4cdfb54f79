/*
 * test_github.c - the GitHub client's requests, checked offline.
 *
 * Each test makes a dry-run client whose listing goes to a memory stream,
 * calls one operation, and parses the listing back ("METHOD URL", then the
 * compact JSON body on the next line) to check methods, endpoints and body
 * fields: review batching, check-run annotation pages, truncation on UTF-8
 * boundaries, escaping; and that publishing in dry-run mode reports no
 * action taken.  Behaviour that needs answers (the one-at-a-time
 * fallback, the App token exchange) is covered by the integration tests
 * against the GitHub fake.
 */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../bot/agents/publish.h"
#include "../../bot/forge/forge.h"
#include "test.h"

#define MAX_REQ 16

struct listing {
	char *text;
	size_t len;
	FILE *out;
	struct forge *f;
	size_t n;
	char method[MAX_REQ][8];
	char path[MAX_REQ][256]; /* after the API base */
	json_t *body[MAX_REQ];   /* NULL when the request had none */
};

static int start(struct test_ctx *t, struct listing *l, const struct forge_auth *auth)
{
	struct forge_opts o = { .kind = FORGE_GITHUB, .repo = "octo/hello", .dry_run = true };
	struct fb_error err = { 0 };

	memset(l, 0, sizeof *l);
	l->out = open_memstream(&l->text, &l->len);
	if (!l->out)
		return -1;
	o.dry_out = l->out;
	o.auth = auth ? *auth : (struct forge_auth){ .kind = FORGE_AUTH_TOKEN, .token = "t0k" };
	if (forge_new(&l->f, &o, &err) != 0) {
		TEST_FAIL(t, "forge_new: %.200s", err.msg);
		return -1;
	}
	return 0;
}

/* Close the stream and split the listing into requests. */
static void parse(struct listing *l)
{
	const char *base = "https://api.github.com";
	char *line, *save = NULL;

	fclose(l->out);
	l->out = NULL;
	for (line = strtok_r(l->text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		char *sp = strchr(line, ' ');
		if (line[0] == '{' && l->n > 0) {
			l->body[l->n - 1] = json_loads(line, 0, NULL);
		} else if (sp && l->n < MAX_REQ && strncmp(sp + 1, base, strlen(base)) == 0) {
			snprintf(l->method[l->n], sizeof l->method[0], "%.*s", (int)(sp - line), line);
			snprintf(l->path[l->n], sizeof l->path[0], "%s", sp + 1 + strlen(base));
			l->n++;
		}
	}
}

static void finish(struct listing *l)
{
	if (l->out)
		fclose(l->out);
	for (size_t i = 0; i < l->n; i++)
		json_decref(l->body[i]);
	forge_free(l->f);
	free(l->text);
}

static const char *jget_str(json_t *o, const char *key)
{
	return json_string_value(json_object_get(o, key));
}

static long long jget_int(json_t *o, const char *key)
{
	return json_integer_value(json_object_get(o, key));
}

static void test_review_batches(struct test_ctx *t)
{
	static const struct forge_inline c[5] = {
		{ .path = "a.c", .line = 10, .body = "one" },
		{ .path = "a.c", .line = 12, .start_line = 11, .body = "range" },
		{ .path = "b.c", .line = 3, .start_line = 3, .body = "not a range" },
		{ .path = "b.c", .line = 4, .body = "four" },
		{ .path = "c.c", .line = 5, .body = "five" },
	};
	struct forge_review rv = { .commit_sha = "abc", .body = "forgebot", .comments = c,
				   .ncomments = 5, .batch = 2 };
	bool placed[5] = { false };
	struct fb_error err = { 0 };
	struct listing l;
	json_t *first;

	if (start(t, &l, NULL) < 0)
		goto out;
	CHECK_INT(t, forge_review_post(l.f, 7, &rv, placed, &err), 0);
	parse(&l);
	CHECK_INT(t, l.n, 3);
	if (l.n != 3)
		goto out;
	for (size_t i = 0; i < 3; i++) {
		CHECK_STR(t, l.method[i], "POST");
		CHECK_STR(t, l.path[i], "/repos/octo/hello/pulls/7/reviews");
		CHECK_STR(t, jget_str(l.body[i], "event"), "COMMENT");
		CHECK_STR(t, jget_str(l.body[i], "commit_id"), "abc");
	}
	CHECK_STR(t, jget_str(l.body[0], "body"), "forgebot");
	CHECK_STR(t, jget_str(l.body[1], "body"), "forgebot (part 2 of 3)");
	CHECK_STR(t, jget_str(l.body[2], "body"), "forgebot (part 3 of 3)");
	CHECK_INT(t, json_array_size(json_object_get(l.body[2], "comments")), 1);
	first = json_array_get(json_object_get(l.body[0], "comments"), 1);
	CHECK_INT(t, jget_int(first, "start_line"), 11);
	CHECK_STR(t, jget_str(first, "start_side"), "RIGHT");
	CHECK_STR(t, jget_str(first, "side"), "RIGHT");
	first = json_array_get(json_object_get(l.body[1], "comments"), 0);
	CHECK(t, json_object_get(first, "start_line") == NULL);
	for (size_t i = 0; i < 5; i++)
		CHECK(t, placed[i]);
out:
	finish(&l);
}

static void test_check_pages(struct test_ctx *t)
{
	struct forge_annotation an[120];
	struct forge_check ck = { .name = "forgebot", .head_sha = "abc", .state = FORGE_STATE_ERROR,
				  .title = "3 findings", .summary = "s", .annotations = an,
				  .nannotations = 120 };
	struct fb_error err = { 0 };
	struct listing l;
	json_t *out0, *a0;

	for (size_t i = 0; i < 120; i++)
		an[i] = (struct forge_annotation){ .path = "a.c", .start_line = (long)i,
						   .end_line = (long)i, .level = FORGE_LEVEL_WARNING,
						   .message = "m" };
	if (start(t, &l, NULL) < 0)
		goto out;
	CHECK_INT(t, forge_check_publish(l.f, &ck, &err), 0);
	parse(&l);
	CHECK_INT(t, l.n, 3);
	if (l.n != 3)
		goto out;
	CHECK_STR(t, l.path[0], "/repos/octo/hello/check-runs");
	CHECK_STR(t, jget_str(l.body[0], "conclusion"), "neutral");
	CHECK_STR(t, jget_str(l.body[0], "status"), "completed");
	out0 = json_object_get(l.body[0], "output");
	CHECK_INT(t, json_array_size(json_object_get(out0, "annotations")), 50);
	a0 = json_array_get(json_object_get(out0, "annotations"), 0);
	CHECK_INT(t, jget_int(a0, "start_line"), 1); /* line 0 moves to 1 */
	CHECK_STR(t, jget_str(a0, "annotation_level"), "warning");
	CHECK_STR(t, l.method[1], "PATCH");
	CHECK_STR(t, l.path[1], "/repos/octo/hello/check-runs/0");
	CHECK_INT(t, json_array_size(json_object_get(json_object_get(l.body[2], "output"),
						     "annotations")), 20);
out:
	finish(&l);
}

static void test_check_pending(struct test_ctx *t)
{
	struct forge_check ck = { .name = "forgebot", .head_sha = "abc",
				  .state = FORGE_STATE_PENDING, .title = "running" };
	struct fb_error err = { 0 };
	struct listing l;

	if (start(t, &l, NULL) < 0)
		goto out;
	CHECK_INT(t, forge_check_publish(l.f, &ck, &err), 0);
	parse(&l);
	CHECK_INT(t, l.n, 1);
	if (l.n != 1)
		goto out;
	CHECK_STR(t, jget_str(l.body[0], "status"), "in_progress");
	CHECK(t, json_object_get(l.body[0], "conclusion") == NULL);
out:
	finish(&l);
}

static void test_status_utf8(struct test_ctx *t)
{
	char desc[160], want[160];
	struct forge_status st = { .sha = "abc", .state = FORGE_STATE_FAILURE, .context = "fb",
				   .description = desc };
	struct fb_error err = { 0 };
	struct listing l;

	/* 139 bytes, then a 2-byte character that would end at byte 141. */
	memset(desc, 'a', 139);
	strcpy(desc + 139, "\xc3\xa9zz");
	memcpy(want, desc, 139);
	want[139] = '\0';
	if (start(t, &l, NULL) < 0)
		goto out;
	CHECK_INT(t, forge_status_set(l.f, &st, &err), 0);
	/* Not UTF-8: the byte becomes U+FFFD instead of failing the call. */
	CHECK_INT(t, forge_note_create(l.f, 3, "caf\xe9", NULL, &err), 0);
	parse(&l);
	CHECK_INT(t, l.n, 2);
	if (l.n != 2)
		goto out;
	CHECK_STR(t, l.path[0], "/repos/octo/hello/statuses/abc");
	CHECK_STR(t, jget_str(l.body[0], "state"), "failure");
	CHECK_STR(t, jget_str(l.body[0], "description"), want);
	CHECK(t, json_object_get(l.body[0], "target_url") == NULL);
	CHECK_STR(t, l.path[1], "/repos/octo/hello/issues/3/comments");
	CHECK_STR(t, jget_str(l.body[1], "body"), "caf\xef\xbf\xbd");
out:
	finish(&l);
}

static void test_comments_and_labels(struct test_ctx *t)
{
	struct forge_comment reply = { .kind = FORGE_INLINE, .id = 22, .in_reply_to = 21 };
	struct forge_comment note = { .kind = FORGE_NOTE, .id = 5 };
	const char *labels[] = { "forgebot:working" };
	struct fb_error err = { 0 };
	struct listing l;

	if (start(t, &l, NULL) < 0)
		goto out;
	CHECK_INT(t, forge_comment_reply(l.f, 4, &reply, "thanks", &err), 0);
	CHECK_INT(t, forge_comment_delete(l.f, 4, &reply, &err), 0);
	CHECK_INT(t, forge_comment_update(l.f, 4, &note, "edited", &err), 0);
	CHECK_INT(t, forge_labels_add(l.f, 4, labels, 1, &err), 0);
	CHECK_INT(t, forge_label_remove(l.f, 4, "needs review/now", &err), 0);
	CHECK_INT(t, forge_discussion_resolve(l.f, 4, "x", true, &err), FB_EINVAL);
	parse(&l);
	CHECK_INT(t, l.n, 5);
	if (l.n != 5)
		goto out;
	/* Replies go to the thread's root through the replies endpoint. */
	CHECK_STR(t, l.path[0], "/repos/octo/hello/pulls/4/comments/21/replies");
	CHECK(t, json_object_get(l.body[0], "body") != NULL);
	CHECK_STR(t, l.method[1], "DELETE");
	CHECK_STR(t, l.path[1], "/repos/octo/hello/pulls/comments/22");
	CHECK_STR(t, l.method[2], "PATCH");
	CHECK_STR(t, l.path[2], "/repos/octo/hello/issues/comments/5");
	CHECK_STR(t, json_string_value(json_array_get(json_object_get(l.body[3], "labels"), 0)),
		  "forgebot:working");
	CHECK_STR(t, l.path[4], "/repos/octo/hello/issues/4/labels/needs%20review%2Fnow");
out:
	finish(&l);
}

static void test_pr_create(struct test_ctx *t)
{
	struct forge_pr_new req = { .head = "fb/issue-1", .base = "main", .title = "Fix",
				    .body = "Fixes #1", .draft = true };
	struct forge_pr_created pc;
	struct fb_error err = { 0 };
	struct listing l;

	if (start(t, &l, NULL) < 0)
		goto out;
	CHECK_INT(t, forge_branch_create(l.f, "fb/issue-1", "abc", &err), 0);
	CHECK_INT(t, forge_pr_create(l.f, &req, &pc, &err), 0);
	CHECK(t, pc.draft);
	forge_pr_created_release(&pc);
	parse(&l);
	CHECK_INT(t, l.n, 2);
	if (l.n != 2)
		goto out;
	CHECK_STR(t, l.path[0], "/repos/octo/hello/git/refs");
	CHECK_STR(t, jget_str(l.body[0], "ref"), "refs/heads/fb/issue-1");
	CHECK_STR(t, l.path[1], "/repos/octo/hello/pulls");
	CHECK(t, json_is_true(json_object_get(l.body[1], "draft")));
out:
	finish(&l);
}

/* An App in dry-run mode exchanges nothing (the key is not even read). */
static void test_app_dry_run(struct test_ctx *t)
{
	struct forge_auth a = { .kind = FORGE_AUTH_GITHUB_APP, .app_id = "Iv1.x",
				.app_key_pem = "not a key" };
	struct fb_error err = { 0 };
	struct listing l;

	if (start(t, &l, &a) < 0)
		goto out;
	CHECK_INT(t, forge_job_rerun(l.f, 99, &err), 0);
	parse(&l);
	CHECK_INT(t, l.n, 1);
	if (l.n == 1)
		CHECK_STR(t, l.path[0], "/repos/octo/hello/actions/jobs/99/rerun");
	CHECK_INT(t, forge_calls(l.f), 1);
out:
	finish(&l);
}

static void count_action(const struct publish_action *a, void *payload)
{
	(void)a;
	(*(int *)payload)++;
}

/* Publishing in dry-run mode prints the writes and tells on_action of
 * none: nothing was done on the forge. */
static void test_publish_dry_run(struct test_ctx *t)
{
	struct publish_request req = { 0 };
	struct publish_result res;
	struct review_result rv;
	struct fb_error err = { 0 };
	struct listing l;
	struct log lg;
	int told = 0;

	review_result_init(&rv);
	log_init(&lg, LOG_ERROR, LOG_FORMAT_TEXT);
	if (start(t, &l, NULL) < 0)
		goto out;
	req.forge = l.f;
	req.number = 7;
	req.head_sha = "0123456789012345678901234567890123456789";
	req.review = &rv;
	req.fail_on = SEV_ERROR;
	req.post_comments = true;
	req.status = PUBLISH_STATUS_CHECK;
	req.on_action = count_action;
	req.action_payload = &told;
	CHECK_INT(t, review_publish(&res, &req, &lg, &err), 0);
	parse(&l);
	CHECK(t, res.summary_created && res.status_set);
	CHECK_INT(t, l.n >= 2 ? strcmp(l.path[l.n - 2], "/repos/octo/hello/issues/7/comments") : -1, 0);
	CHECK_INT(t, l.n >= 1 ? strcmp(l.path[l.n - 1], "/repos/octo/hello/check-runs") : -1, 0);
	CHECK_INT(t, told, 0);
	CHECK_STR(t, publish_action_name(PUBLISH_SUMMARY_CREATED), "summary_created");
out:
	finish(&l);
	review_result_release(&rv);
}

const struct test_case github_tests[] = {
	{ "review_batches", test_review_batches },
	{ "check_pages", test_check_pages },
	{ "check_pending", test_check_pending },
	{ "status_utf8", test_status_utf8 },
	{ "comments_and_labels", test_comments_and_labels },
	{ "pr_create", test_pr_create },
	{ "app_dry_run", test_app_dry_run },
	{ "publish_dry_run", test_publish_dry_run },
	{ NULL, NULL },
};
