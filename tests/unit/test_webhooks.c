/*
 * test_webhooks.c - webhooks/: authentication, body decoding, normalization
 * and dedupe keys, offline and table-driven.
 *
 * Payloads are small handwritten JSON written with single quotes (json()
 * turns them into double quotes) so the tables stay readable.  A
 * normalization case lists what it expects as "key=value|key=value" over
 * the event's fields (see field()); "msg~text" expects an error whose
 * message contains text.  Deliveries go through webhooks_accept() with a
 * header table and a signature computed here, as GitHub would.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "../../bot/core/crypto.h"
#include "../../webhooks/webhooks.h"
#include "test.h"

#define GH_SECRET "It's a Secret to Everybody"
#define GL_TOKEN "gl-token-0123456789"
#define AM_TOKEN "am-token-abcdef"

/* ---- helpers ---- */

/* A copy of s with ' turned into ", for JSON written in C strings. */
static char *json(const char *s)
{
	char *d = strdup(s);

	for (char *p = d; p && *p; p++)
		if (*p == '\'')
			*p = '"';
	return d;
}

struct req {
	const char *const *headers; /* name, value, name, value, ..., NULL */
	char sig[80];               /* X-Hub-Signature-256 computed by sign() */
};

static const char *lookup(const char *name, void *payload)
{
	const struct req *r = payload;

	if (strcasecmp(name, "X-Hub-Signature-256") == 0 && r->sig[0])
		return r->sig;
	for (size_t i = 0; r->headers && r->headers[i]; i += 2)
		if (strcasecmp(r->headers[i], name) == 0)
			return r->headers[i + 1];
	return NULL;
}

static void sign(struct req *r, const char *secret, const char *body, size_t len)
{
	unsigned char mac[32];

	crypto_hmac_sha256(mac, secret, strlen(secret), body, len);
	strcpy(r->sig, "sha256=");
	for (size_t i = 0; i < 32; i++)
		snprintf(r->sig + 7 + 2 * i, 3, "%02x", mac[i]);
}

static const char *const gh_secrets[] = { GH_SECRET };
static const char *const gl_tokens[] = { GL_TOKEN };
static const char *const am_tokens[] = { AM_TOKEN };
static const struct webhooks_secrets secrets = { gh_secrets, 1, gl_tokens, 1, am_tokens, 1 };

/* The value of one event field as text, for comparing with a table. */
static const char *field(const struct event *ev, const char *key, char *tmp, size_t n)
{
#define S(k, v) if (strcmp(key, k) == 0) return (v) ? (v) : "(null)";
#define I(k, v) if (strcmp(key, k) == 0) { snprintf(tmp, n, "%lld", (long long)(v)); return tmp; }
	S("kind", event_kind_str(ev->kind));
	S("action", event_action_str(ev->action));
	S("name", ev->name);
	S("action_raw", ev->action_raw);
	S("delivery_id", ev->delivery_id);
	S("repo", ev->repo);
	I("project_id", ev->project_id);
	I("installation_id", ev->installation_id);
	S("instance_url", ev->instance_url);
	S("sender", ev->sender);
	I("bot", ev->sender_is_bot);
	I("number", ev->number);
	I("is_pr", ev->is_pr);
	I("draft", ev->draft);
	S("head_sha", ev->head_sha);
	S("base_sha", ev->base_sha);
	S("head_ref", ev->head_ref);
	S("base_ref", ev->base_ref);
	S("title", ev->title);
	S("label", ev->label);
	I("comment_id", ev->comment_id);
	S("comment_body", ev->comment_body);
	S("assoc", ev->author_association);
	I("run_id", ev->run_id);
	I("job_id", ev->job_id);
	S("conclusion", ev->conclusion);
	I("ci_failed", ev->ci_failed);
	S("group_key", ev->group_key);
	S("alert_status", ev->alert_status);
	I("alerts", ev->alerts);
	I("firing", ev->alerts_firing);
#undef S
#undef I
	return NULL;
}

/* Check "key=value|..." against ev (or "msg~text" against msg); false and
 * a failure recorded on the first difference. */
static bool expect(struct test_ctx *t, const char *name, const struct event *ev, const char *msg,
		   const char *want)
{
	char *copy = strdup(want), *save = NULL, tmp[32];
	bool ok = true;

	for (char *kv = strtok_r(copy, "|", &save); kv && ok; kv = strtok_r(NULL, "|", &save)) {
		char *eq = strchr(kv, '='), *tilde = strchr(kv, '~');
		const char *got;
		if (tilde && (!eq || tilde < eq)) {
			*tilde = '\0';
			if (strstr(msg, tilde + 1) == NULL) {
				TEST_FAIL(t, "%s: message \"%.200s\" lacks \"%s\"", name, msg, tilde + 1);
				ok = false;
			}
			continue;
		}
		if (!eq) {
			TEST_FAIL(t, "%s: bad expectation \"%s\"", name, kv);
			ok = false;
			break;
		}
		*eq = '\0';
		got = field(ev, kv, tmp, sizeof tmp);
		if (!got || strcmp(got, eq + 1) != 0) {
			TEST_FAIL(t, "%s: %s = \"%s\", want \"%s\"", name, kv, got ? got : "?", eq + 1);
			ok = false;
		}
	}
	free(copy);
	return ok;
}

struct norm_case {
	const char *name;
	const char *event; /* X-GitHub-Event / X-Gitlab-Event */
	const char *body;  /* single-quoted JSON */
	int rc;
	const char *want;
};

static void run_norm(struct test_ctx *t, enum event_source src, const struct norm_case *cases,
		     size_t n)
{
	for (size_t i = 0; i < n; i++) {
		const struct norm_case *c = &cases[i];
		struct fb_error err = { 0 };
		struct event ev;
		char *body = json(c->body);
		int rc = webhooks_normalize(&ev, src, c->event, body, strlen(body), &err);
		if (rc != c->rc)
			TEST_FAIL(t, "%s: rc %d, want %d (%.200s)", c->name, rc, c->rc, err.msg);
		else
			expect(t, c->name, &ev, err.msg, c->want);
		event_release(&ev);
		free(body);
	}
}

/* ---- GitHub normalization ---- */

#define GH_REPO "'repository':{'full_name':'o/r'},'installation':{'id':42},"
#define GH_USER "'sender':{'login':'alice','type':'User'}"
#define GH_PR(action, extra)                                                          \
	"{'action':'" action "','number':7," extra "'pull_request':{'number':7,"       \
	"'title':'Fix it','draft':false,'merged':false,'head':{'sha':'h1','ref':'feat'}," \
	"'base':{'sha':'b1','ref':'main'}}," GH_REPO GH_USER "}"

static const struct norm_case gh_cases[] = {
	{ "pr-opened", "pull_request", GH_PR("opened", ""), 0,
	  "kind=pull_request|action=opened|action_raw=opened|name=pull_request|number=7|"
	  "head_sha=h1|base_sha=b1|head_ref=feat|base_ref=main|title=Fix it|draft=0|repo=o/r|"
	  "installation_id=42|sender=alice|bot=0|is_pr=1|label=(null)" },
	{ "pr-synchronize", "pull_request", GH_PR("synchronize", "'before':'h0','after':'h1',"), 0,
	  "kind=pull_request|action=synchronized" },
	{ "pr-reopened", "pull_request", GH_PR("reopened", ""), 0, "action=reopened" },
	{ "pr-ready", "pull_request", GH_PR("ready_for_review", ""), 0, "action=ready" },
	{ "pr-to-draft", "pull_request",
	  "{'action':'converted_to_draft','number':3,'pull_request':{'draft':true,"
	  "'head':{'sha':'h','ref':'f'},'base':{'ref':'main'}}," GH_REPO GH_USER "}",
	  0, "action=to_draft|draft=1|number=3|base_sha=(null)" },
	{ "pr-closed", "pull_request", GH_PR("closed", ""), 0, "action=closed" },
	{ "pr-merged", "pull_request",
	  "{'action':'closed','number':7,'pull_request':{'merged':true,"
	  "'head':{'sha':'h','ref':'f'},'base':{'ref':'main'}}," GH_REPO GH_USER "}",
	  0, "kind=pull_request|action=merged" },
	{ "pr-edited", "pull_request", GH_PR("edited", ""), 0, "action=edited" },
	{ "pr-labeled", "pull_request", GH_PR("labeled", "'label':{'name':'forgebot'},"), 0,
	  "action=labeled|label=forgebot" },
	{ "pr-labeled-no-label", "pull_request", GH_PR("labeled", ""), FB_EINVAL,
	  "msg~'label.name'|msg~pull_request 'labeled'" },
	{ "pr-assigned-ignored", "pull_request", GH_PR("assigned", ""), 0,
	  "kind=ignored|action=none|action_raw=assigned|repo=o/r|sender=alice|number=0" },
	{ "pr-no-number", "pull_request",
	  "{'action':'opened','pull_request':{'head':{'sha':'h','ref':'f'},'base':{'ref':'m'}},"
	  GH_REPO GH_USER "}", FB_EINVAL, "msg~'pull_request.number'" },
	{ "pr-no-head-sha", "pull_request",
	  "{'action':'opened','number':1,'pull_request':{'head':{'ref':'f'},'base':{'ref':'m'}},"
	  GH_REPO GH_USER "}", FB_EINVAL, "msg~'pull_request.head.sha'" },
	{ "pr-no-repo", "pull_request",
	  "{'action':'opened','number':1,'pull_request':{'head':{'sha':'h','ref':'f'},"
	  "'base':{'ref':'m'}}}", FB_EINVAL, "msg~'repository.full_name'" },
	{ "pr-bot-sender", "pull_request",
	  "{'action':'opened','number':1,'pull_request':{'head':{'sha':'h','ref':'f'},"
	  "'base':{'ref':'m'}},'repository':{'full_name':'o/r'},"
	  "'sender':{'login':'forgebot[bot]','type':'Bot'}}", 0, "bot=1|sender=forgebot[bot]" },
	{ "pr-wrong-types-ignored", "pull_request",
	  "{'action':'opened','number':1,'pull_request':{'title':42,'draft':'yes',"
	  "'head':{'sha':'h','ref':'f'},'base':{'ref':'m','sha':7}},"
	  "'repository':{'full_name':'o/r'},'installation':'x','sender':5,'zen':[1]}",
	  0, "kind=pull_request|title=(null)|draft=0|base_sha=(null)|installation_id=0|"
	  "sender=(null)" },
	{ "comment-on-pr", "issue_comment",
	  "{'action':'created','issue':{'number':5,'title':'T','pull_request':{'url':'u'}},"
	  "'comment':{'id':99,'body':'/forgebot review','author_association':'MEMBER'},"
	  GH_REPO GH_USER "}",
	  0, "kind=comment|action=created|is_pr=1|number=5|comment_id=99|"
	  "comment_body=/forgebot review|assoc=MEMBER|title=T" },
	{ "comment-on-issue", "issue_comment",
	  "{'action':'created','issue':{'number':6},'comment':{'id':1,'body':'hi'}," GH_REPO
	  GH_USER "}", 0, "kind=comment|is_pr=0|number=6|assoc=(null)" },
	{ "comment-edited-ignored", "issue_comment",
	  "{'action':'edited','issue':{'number':6},'comment':{'id':1,'body':'hi'}," GH_REPO
	  GH_USER "}", 0, "kind=ignored" },
	{ "comment-no-id", "issue_comment",
	  "{'action':'created','issue':{'number':6},'comment':{'body':'hi'}," GH_REPO GH_USER "}",
	  FB_EINVAL, "msg~'comment.id'" },
	{ "issue-opened", "issues",
	  "{'action':'opened','issue':{'number':11,'title':'Add X'}," GH_REPO GH_USER "}", 0,
	  "kind=issue|action=opened|number=11|title=Add X|is_pr=0" },
	{ "issue-labeled", "issues",
	  "{'action':'labeled','label':{'name':'codegen'},'issue':{'number':11}," GH_REPO GH_USER
	  "}", 0, "kind=issue|action=labeled|label=codegen" },
	{ "issue-unlabeled", "issues",
	  "{'action':'unlabeled','label':{'name':'codegen'},'issue':{'number':11}," GH_REPO
	  GH_USER "}", 0, "kind=issue|action=unlabeled|label=codegen" },
	{ "issue-closed-ignored", "issues",
	  "{'action':'closed','issue':{'number':11}," GH_REPO GH_USER "}", 0, "kind=ignored" },
	{ "workflow-run-failed", "workflow_run",
	  "{'action':'completed','workflow_run':{'id':555,'name':'CI','conclusion':'failure',"
	  "'head_sha':'abc','head_branch':'feat','pull_requests':[{'number':9,"
	  "'base':{'ref':'main','sha':'b'}}]}," GH_REPO GH_USER "}",
	  0, "kind=ci|action=completed|run_id=555|job_id=0|conclusion=failure|ci_failed=1|"
	  "head_sha=abc|head_ref=feat|number=9|base_ref=main|base_sha=b" },
	{ "workflow-run-timed-out", "workflow_run",
	  "{'action':'completed','workflow_run':{'id':5,'conclusion':'timed_out','head_sha':'a',"
	  "'pull_requests':[]}," GH_REPO GH_USER "}", 0, "ci_failed=1|number=0" },
	{ "workflow-run-cancelled", "workflow_run",
	  "{'action':'completed','workflow_run':{'id':5,'conclusion':'cancelled','head_sha':'a'},"
	  GH_REPO GH_USER "}", 0, "kind=ci|ci_failed=0|conclusion=cancelled" },
	{ "workflow-run-requested", "workflow_run",
	  "{'action':'requested','workflow_run':{'id':5,'head_sha':'a'}," GH_REPO GH_USER "}", 0,
	  "kind=ignored" },
	{ "workflow-run-no-id", "workflow_run",
	  "{'action':'completed','workflow_run':{'head_sha':'a'}," GH_REPO GH_USER "}", FB_EINVAL,
	  "msg~'workflow_run.id'" },
	{ "workflow-job", "workflow_job",
	  "{'action':'completed','workflow_job':{'id':77,'run_id':555,'name':'build',"
	  "'conclusion':'failure','head_sha':'abc','head_branch':'feat'}," GH_REPO GH_USER "}",
	  0, "kind=ci|action=completed|job_id=77|run_id=555|ci_failed=1|head_ref=feat|title=build" },
	{ "check-run", "check_run",
	  "{'action':'completed','check_run':{'id':12,'conclusion':'success','head_sha':'abc',"
	  "'check_suite':{'id':34,'head_branch':'feat'},'pull_requests':[{'number':2}]},"
	  GH_REPO GH_USER "}",
	  0, "kind=ci|job_id=12|run_id=34|ci_failed=0|head_ref=feat|number=2|conclusion=success" },
	{ "check-suite", "check_suite",
	  "{'action':'completed','check_suite':{'id':34,'conclusion':'timed_out','head_sha':'abc',"
	  "'head_branch':'feat','pull_requests':[]}," GH_REPO GH_USER "}",
	  0, "kind=ci|run_id=34|job_id=0|ci_failed=1|number=0" },
	{ "check-run-created-ignored", "check_run",
	  "{'action':'created','check_run':{'id':12}," GH_REPO GH_USER "}", 0, "kind=ignored" },
	{ "push", "push",
	  "{'ref':'refs/heads/main','before':'b0','after':'a1'," GH_REPO GH_USER "}", 0,
	  "kind=push|action=none|head_sha=a1|base_sha=b0|head_ref=refs/heads/main|repo=o/r" },
	{ "push-no-after", "push", "{'ref':'refs/heads/main'," GH_REPO GH_USER "}", FB_EINVAL,
	  "msg~'after'" },
	{ "ping", "ping", "{'zen':'Keep it logically awesome.','hook_id':1}", 0,
	  "kind=ping|repo=(null)" },
	{ "unknown-event", "star", "{'action':'created'," GH_REPO GH_USER "}", 0,
	  "kind=ignored|name=star|repo=o/r" },
	{ "no-event-name", NULL, "{}", FB_EINVAL, "msg~X-GitHub-Event" },
	{ "not-json", "push", "{'ref':", FB_EINVAL, "msg~not JSON" },
	{ "not-object", "push", "[1,2]", FB_EINVAL, "msg~not a JSON object" },
};

static void normalize_github(struct test_ctx *t)
{
	run_norm(t, EVENT_SRC_GITHUB, gh_cases, sizeof gh_cases / sizeof gh_cases[0]);
}

/* ---- GitLab normalization ---- */

#define GL_WHERE "'user':{'username':'bob'},'project':{'id':3,'path_with_namespace':'g/p'},"
#define GL_MR(attrs)                                                                      \
	"{'object_kind':'merge_request'," GL_WHERE "'object_attributes':{'iid':4,"         \
	"'source_branch':'feat','target_branch':'main','last_commit':{'id':'c1'},'title':'T'," \
	attrs "}}"

static const struct norm_case gl_cases[] = {
	{ "mr-open", "Merge Request Hook", GL_MR("'action':'open','draft':false"), 0,
	  "kind=pull_request|action=opened|action_raw=open|name=Merge Request Hook|number=4|"
	  "head_sha=c1|head_ref=feat|base_ref=main|title=T|draft=0|repo=g/p|project_id=3|"
	  "sender=bob|is_pr=1" },
	{ "mr-update-oldrev", "Merge Request Hook",
	  GL_MR("'action':'update','oldrev':'c0'"), 0, "action=synchronized" },
	{ "mr-update-meta", "Merge Request Hook", GL_MR("'action':'update'"), 0, "action=edited" },
	{ "mr-reopen", "Merge Request Hook", GL_MR("'action':'reopen'"), 0, "action=reopened" },
	{ "mr-close", "Merge Request Hook", GL_MR("'action':'close'"), 0, "action=closed" },
	{ "mr-merge", "Merge Request Hook", GL_MR("'action':'merge'"), 0, "action=merged" },
	{ "mr-approved", "Merge Request Hook", GL_MR("'action':'approved'"), 0,
	  "kind=pull_request|action=other" },
	{ "mr-wip", "Merge Request Hook", GL_MR("'action':'open','work_in_progress':true"), 0,
	  "draft=1" },
	{ "mr-draft", "Merge Request Hook", GL_MR("'action':'open','draft':true"), 0, "draft=1" },
	{ "mr-system-hook", "System Hook", GL_MR("'action':'open'"), 0, "kind=pull_request" },
	{ "mr-no-header", NULL, GL_MR("'action':'open'"), 0, "kind=pull_request|name=merge_request" },
	{ "mr-no-iid", "Merge Request Hook",
	  "{'object_kind':'merge_request'," GL_WHERE "'object_attributes':{'action':'open'}}",
	  FB_EINVAL, "msg~'object_attributes.iid'" },
	/* A close makes no job: it normalizes without the iid. */
	{ "mr-close-no-iid", "Merge Request Hook",
	  "{'object_kind':'merge_request'," GL_WHERE "'object_attributes':{'action':'close'}}",
	  0, "kind=pull_request" },
	{ "mr-open-no-commit", "Merge Request Hook",
	  "{'object_kind':'merge_request'," GL_WHERE "'object_attributes':{'action':'open',"
	  "'iid':4,'source_branch':'f','target_branch':'m'}}",
	  FB_EINVAL, "msg~'object_attributes.last_commit.id'" },
	{ "mr-no-project", "Merge Request Hook",
	  "{'object_kind':'merge_request','object_attributes':{'action':'open','iid':4,"
	  "'last_commit':{'id':'abc'},'source_branch':'f','target_branch':'main'}}",
	  FB_EINVAL, "msg~'project.id'" },
	{ "header-mismatch", "Merge Request Hook",
	  "{'object_kind':'note'," GL_WHERE "'object_attributes':{'id':1,'note':'x',"
	  "'noteable_type':'Issue'},'issue':{'iid':2}}", FB_EINVAL, "msg~does not match" },
	{ "no-object-kind", "Merge Request Hook", "{" GL_WHERE "'x':1}", FB_EINVAL,
	  "msg~'object_kind'" },
	{ "no-object-kind-subgroup", "Subgroup Hook", "{'event_name':'subgroup_create'}", 0,
	  "kind=ignored" },
	{ "note-on-mr", "Note Hook",
	  "{'object_kind':'note'," GL_WHERE "'object_attributes':{'id':1244,'note':'/forgebot "
	  "review','noteable_type':'MergeRequest','system':false},'merge_request':{'iid':4,"
	  "'source_branch':'feat','target_branch':'main','last_commit':{'id':'c1'}}}",
	  0, "kind=comment|action=created|is_pr=1|number=4|comment_id=1244|"
	  "comment_body=/forgebot review|head_sha=c1|head_ref=feat|assoc=(null)" },
	{ "note-on-issue", "Confidential Note Hook",
	  "{'object_kind':'note'," GL_WHERE "'object_attributes':{'id':5,'note':'hi',"
	  "'noteable_type':'Issue'},'issue':{'iid':17,'title':'Bug'}}",
	  0, "kind=comment|is_pr=0|number=17|title=Bug" },
	{ "note-system", "Note Hook",
	  "{'object_kind':'note'," GL_WHERE "'object_attributes':{'id':5,'note':'added 1 commit',"
	  "'noteable_type':'MergeRequest','system':true},'merge_request':{'iid':4}}",
	  0, "kind=ignored" },
	{ "note-edited", "Note Hook",
	  "{'object_kind':'note'," GL_WHERE "'object_attributes':{'id':5,'note':'x','action':"
	  "'update','noteable_type':'Issue'},'issue':{'iid':17}}", 0, "kind=ignored" },
	{ "note-on-commit", "Note Hook",
	  "{'object_kind':'note'," GL_WHERE "'object_attributes':{'id':5,'note':'x',"
	  "'noteable_type':'Commit'}}", 0, "kind=ignored" },
	{ "note-no-mr-iid", "Note Hook",
	  "{'object_kind':'note'," GL_WHERE "'object_attributes':{'id':5,'note':'x',"
	  "'noteable_type':'MergeRequest'}}", FB_EINVAL, "msg~'merge_request.iid'" },
	{ "issue-open", "Issue Hook",
	  "{'object_kind':'issue'," GL_WHERE "'object_attributes':{'action':'open','iid':23,"
	  "'title':'Add X'}}", 0, "kind=issue|action=opened|number=23|title=Add X" },
	{ "issue-labeled", "Issue Hook",
	  "{'object_kind':'issue'," GL_WHERE "'object_attributes':{'action':'update','iid':23},"
	  "'changes':{'labels':{'previous':[{'title':'API'}],'current':[{'title':'API'},"
	  "{'title':'codegen'}]}}}", 0, "kind=issue|action=labeled|label=codegen" },
	{ "issue-unlabeled", "Issue Hook",
	  "{'object_kind':'issue'," GL_WHERE "'object_attributes':{'action':'update','iid':23},"
	  "'changes':{'labels':{'previous':[{'title':'API'}],'current':[]}}}",
	  0, "action=unlabeled|label=API" },
	{ "issue-edited", "Issue Hook",
	  "{'object_kind':'issue'," GL_WHERE "'object_attributes':{'action':'update','iid':23},"
	  "'changes':{'title':{'previous':'a','current':'b'}}}", 0, "action=edited|label=(null)" },
	{ "issue-close", "Issue Hook",
	  "{'object_kind':'issue'," GL_WHERE "'object_attributes':{'action':'close','iid':23}}",
	  0, "kind=issue|action=closed" },
	{ "pipeline-failed", "Pipeline Hook",
	  "{'object_kind':'pipeline'," GL_WHERE "'object_attributes':{'id':31,'status':'failed',"
	  "'sha':'abc','ref':'feat'},'merge_request':{'iid':4,'target_branch':'main'}}",
	  0, "kind=ci|action=completed|run_id=31|conclusion=failed|ci_failed=1|head_sha=abc|"
	  "head_ref=feat|number=4|base_ref=main" },
	{ "pipeline-success", "Pipeline Hook",
	  "{'object_kind':'pipeline'," GL_WHERE "'object_attributes':{'id':31,'status':'success',"
	  "'sha':'abc','ref':'main'}}", 0, "action=completed|ci_failed=0|number=0" },
	{ "pipeline-running", "Pipeline Hook",
	  "{'object_kind':'pipeline'," GL_WHERE "'object_attributes':{'id':31,'status':'running'}}",
	  0, "kind=ci|action=other" },
	{ "pipeline-no-sha", "Pipeline Hook",
	  "{'object_kind':'pipeline'," GL_WHERE "'object_attributes':{'id':31,'status':'failed'}}",
	  FB_EINVAL, "msg~'object_attributes.sha'" },
	{ "job-failed", "Job Hook",
	  "{'object_kind':'build','build_id':1977,'pipeline_id':2366,'build_name':'test',"
	  "'build_status':'failed','build_failure_reason':'script_failure','sha':'abc','ref':'f',"
	  "'project_id':380,'user':{'username':'user1'}}",
	  0, "kind=ci|action=completed|job_id=1977|run_id=2366|conclusion=failed|ci_failed=1|"
	  "head_sha=abc|project_id=380|sender=user1|repo=(null)|title=test" },
	{ "job-canceled", "Job Hook",
	  "{'object_kind':'build','build_id':1,'pipeline_id':2,'build_status':'canceled','sha':'a',"
	  "'project_id':380,'user_username':'u2'}", 0, "ci_failed=0|action=completed|sender=u2" },
	{ "push", "Push Hook",
	  "{'object_kind':'push','before':'b0','after':'a1','ref':'refs/heads/main',"
	  "'user_username':'jsmith','project_id':15,'project':{'path_with_namespace':'m/d'}}",
	  0, "kind=push|head_sha=a1|base_sha=b0|head_ref=refs/heads/main|sender=jsmith|"
	  "project_id=15|repo=m/d" },
	{ "tag-push-ignored", "Tag Push Hook",
	  "{'object_kind':'tag_push','after':'a1','ref':'refs/tags/v1','project_id':15}", 0,
	  "kind=ignored" },
	{ "unknown-kind", "Deployment Hook", "{'object_kind':'deployment','status':'success'}", 0,
	  "kind=ignored|name=Deployment Hook" },
};

static void normalize_gitlab(struct test_ctx *t)
{
	run_norm(t, EVENT_SRC_GITLAB, gl_cases, sizeof gl_cases / sizeof gl_cases[0]);
}

/* ---- Alertmanager normalization ---- */

/* The notification captured from Alertmanager 0.25 (reference/webhooks.md). */
#define AM_BODY(version, alerts)                                                         \
	"{'receiver':'forgebot','status':'firing','alerts':" alerts ",'groupLabels':"      \
	"{'alertname':'HighErrorRate'},'externalURL':'http://am:9093'," version            \
	"'groupKey':'{}:{alertname=\\'HighErrorRate\\'}','truncatedAlerts':1}"
#define AM_ALERT1 "{'status':'resolved','labels':{'alertname':'HighErrorRate','service':'api'}," \
	"'startsAt':'2026-11-24T22:07:39Z','endsAt':'2026-11-24T22:07:39Z','fingerprint':"       \
	"'0df005333d9e37c9'}"
#define AM_ALERT2 "{'status':'firing','labels':{'alertname':'HighErrorRate','service':'web'},"  \
	"'startsAt':'2026-11-24T22:07:39.789069097Z','endsAt':'0001-01-01T00:00:00Z',"           \
	"'fingerprint':'d41df9aad0ec62f7'}"
#define AM_KEY "a48171c5a386afed53a58eb64a37a3b684aaeac6ab963835de4a224f8e364811"

static const struct norm_case am_cases[] = {
	{ "reference", NULL, AM_BODY("'version':'4',", "[" AM_ALERT1 "," AM_ALERT2 "]"), 0,
	  "kind=alert|action=none|repo=(null)|group_key={}:{alertname=\"HighErrorRate\"}|"
	  "alert_status=firing|alerts=2|firing=1|delivery_id=" AM_KEY },
	{ "order-independent", NULL, AM_BODY("'version':'4',", "[" AM_ALERT2 "," AM_ALERT1 "]"), 0,
	  "delivery_id=" AM_KEY },
	{ "version-missing", NULL, AM_BODY("", "[" AM_ALERT1 "," AM_ALERT2 "]"), 0,
	  "kind=alert|delivery_id=" AM_KEY },
	{ "no-fingerprint", NULL,
	  AM_BODY("", "[{'status':'firing','labels':{'b':'2','a':'1'},'startsAt':'t'}]"), 0,
	  "alerts=1|firing=1" },
	{ "version-3", NULL, AM_BODY("'version':'3',", "[]"), FB_EINVAL, "msg~version '3'" },
	{ "no-alerts", NULL, "{'status':'firing','version':'4'}", FB_EINVAL, "msg~'alerts'" },
	{ "alerts-not-array", NULL, "{'status':'firing','alerts':{}}", FB_EINVAL, "msg~'alerts'" },
};

static void normalize_alertmanager(struct test_ctx *t)
{
	run_norm(t, EVENT_SRC_ALERTMANAGER, am_cases, sizeof am_cases / sizeof am_cases[0]);
}

/* Any change in one alert's state is a new notification. */
static void alertmanager_keys(struct test_ctx *t)
{
	const char *bodies[] = {
		AM_BODY("", "[" AM_ALERT1 "," AM_ALERT2 "]"),
		AM_BODY("", "[" AM_ALERT1 "]"),
		AM_BODY("", "[{'status':'firing','labels':{'a':'1','b':'2'},'startsAt':'t'}]"),
		AM_BODY("", "[{'status':'resolved','labels':{'a':'1','b':'2'},'startsAt':'t'}]"),
		AM_BODY("", "[]"),
	};
	const char *same = AM_BODY("", "[{'labels':{'b':'2','a':'1'},'startsAt':'t',"
				       "'status':'firing'}]");
	char keys[5][65];
	struct event ev;
	struct fb_error err = { 0 };
	size_t i, j;

	for (i = 0; i < 5; i++) {
		char *b = json(bodies[i]);
		CHECK_INT(t, webhooks_normalize(&ev, EVENT_SRC_ALERTMANAGER, NULL, b, strlen(b), &err), 0);
		snprintf(keys[i], sizeof keys[i], "%s", ev.delivery_id ? ev.delivery_id : "");
		CHECK_INT(t, strlen(keys[i]), 64);
		event_release(&ev);
		free(b);
	}
	for (i = 0; i < 5; i++)
		for (j = i + 1; j < 5; j++)
			if (strcmp(keys[i], keys[j]) == 0)
				TEST_FAIL(t, "bodies %zu and %zu share a dedupe key", i, j);
	/* Labels are compared in a canonical order. */
	char *b = json(same);
	CHECK_INT(t, webhooks_normalize(&ev, EVENT_SRC_ALERTMANAGER, NULL, b, strlen(b), &err), 0);
	CHECK_STR(t, ev.delivery_id, keys[2]);
	event_release(&ev);
	free(b);
}

/* ---- webhooks_accept: authentication and decoding ---- */

struct accept_case {
	const char *name;
	enum event_source src;
	const char *sign_with;     /* GitHub: sign the body with this secret */
	const char *headers[12];   /* name, value pairs */
	const char *body;          /* single-quoted JSON, or a form body as is */
	bool raw;                  /* body is not JSON to convert */
	const struct webhooks_secrets *secrets;
	enum webhooks_verdict want;
	const char *msg;           /* substring of the message */
};

static const char *const rotation[] = { "old-secret", GH_SECRET };
static const char *const empty[] = { "" };
static const struct webhooks_secrets none = { 0 };
static const struct webhooks_secrets rotating = { rotation, 2, NULL, 0, NULL, 0 };
static const struct webhooks_secrets empty_secret = { empty, 1, empty, 1, empty, 1 };

#define JSON_CT "Content-Type", "application/json"
#define GH_PING JSON_CT, "X-GitHub-Event", "ping"
#define PING_BODY "{'zen':'z','hook_id':1}"
#define GL_MR_BODY GL_MR("'action':'open'")
#define AM_SHORT "{'status':'firing','alerts':[],'groupKey':'g','version':'4'}"
/* "Basic " + base64("alertmanager:" AM_TOKEN) and variants. */
#define AM_BASIC "Basic YWxlcnRtYW5hZ2VyOmFtLXRva2VuLWFiY2RlZg=="
#define AM_BASIC_BAD "Basic YWxlcnRtYW5hZ2VyOndyb25n"   /* alertmanager:wrong */
#define AM_BASIC_NOCOLON "Basic YW0tdG9rZW4tYWJjZGVm"   /* am-token-abcdef */

static const struct accept_case accept_cases[] = {
	{ "gh-good", EVENT_SRC_GITHUB, GH_SECRET, { GH_PING }, PING_BODY, false, &secrets,
	  WEBHOOKS_PING, "ping" },
	{ "gh-bad-signature", EVENT_SRC_GITHUB, "another secret", { GH_PING }, PING_BODY, false,
	  &secrets, WEBHOOKS_UNAUTHORIZED, "does not match" },
	{ "gh-missing-signature", EVENT_SRC_GITHUB, NULL, { GH_PING }, PING_BODY, false, &secrets,
	  WEBHOOKS_UNAUTHORIZED, "missing X-Hub-Signature-256" },
	{ "gh-sha1-prefix", EVENT_SRC_GITHUB, NULL,
	  { GH_PING, "X-Hub-Signature-256", "sha1=0123456789abcdef0123456789abcdef01234567" },
	  PING_BODY, false, &secrets, WEBHOOKS_UNAUTHORIZED, "'sha256='" },
	{ "gh-short-hex", EVENT_SRC_GITHUB, NULL, { GH_PING, "X-Hub-Signature-256", "sha256=abc" },
	  PING_BODY, false, &secrets, WEBHOOKS_UNAUTHORIZED, "64 hex" },
	{ "gh-rotation-new", EVENT_SRC_GITHUB, GH_SECRET, { GH_PING }, PING_BODY, false, &rotating,
	  WEBHOOKS_PING, "ping" },
	{ "gh-rotation-old", EVENT_SRC_GITHUB, "old-secret", { GH_PING }, PING_BODY, false,
	  &rotating, WEBHOOKS_PING, "ping" },
	{ "gh-no-secret", EVENT_SRC_GITHUB, GH_SECRET, { GH_PING }, PING_BODY, false, &none,
	  WEBHOOKS_UNAUTHORIZED, "FORGEBOT_GITHUB_WEBHOOK_SECRET" },
	{ "gh-empty-secret", EVENT_SRC_GITHUB, "", { GH_PING }, PING_BODY, false, &empty_secret,
	  WEBHOOKS_UNAUTHORIZED, "FORGEBOT_GITHUB_WEBHOOK_SECRET" },
	{ "gh-text-plain", EVENT_SRC_GITHUB, GH_SECRET,
	  { "Content-Type", "text/plain", "X-GitHub-Event", "ping" }, PING_BODY, false, &secrets,
	  WEBHOOKS_UNSUPPORTED, "Content-Type" },
	{ "gh-no-content-type", EVENT_SRC_GITHUB, GH_SECRET, { "X-GitHub-Event", "ping" },
	  PING_BODY, false, &secrets, WEBHOOKS_UNSUPPORTED, "Content-Type" },
	{ "gh-json-charset", EVENT_SRC_GITHUB, GH_SECRET,
	  { "Content-Type", "Application/JSON; charset=utf-8", "X-GitHub-Event", "ping" },
	  PING_BODY, false, &secrets, WEBHOOKS_PING, "ping" },
	{ "gh-no-event", EVENT_SRC_GITHUB, GH_SECRET, { JSON_CT }, PING_BODY, false, &secrets,
	  WEBHOOKS_BAD_REQUEST, "X-GitHub-Event" },
	{ "gh-not-json", EVENT_SRC_GITHUB, GH_SECRET, { GH_PING }, "zen=1", true, &secrets,
	  WEBHOOKS_BAD_REQUEST, "not JSON" },
	{ "gh-ignored", EVENT_SRC_GITHUB, GH_SECRET, { JSON_CT, "X-GitHub-Event", "star" },
	  "{'action':'created'}", false, &secrets, WEBHOOKS_IGNORE, "star 'created'" },
	{ "gl-good", EVENT_SRC_GITLAB, NULL,
	  { JSON_CT, "X-Gitlab-Event", "Merge Request Hook", "X-Gitlab-Token", GL_TOKEN },
	  GL_MR_BODY, false, &secrets, WEBHOOKS_STORE, "pull_request opened" },
	{ "gl-wrong-token", EVENT_SRC_GITLAB, NULL, { JSON_CT, "X-Gitlab-Token", GL_TOKEN "x" },
	  GL_MR_BODY, false, &secrets, WEBHOOKS_UNAUTHORIZED, "X-Gitlab-Token does not match" },
	{ "gl-missing-token", EVENT_SRC_GITLAB, NULL, { JSON_CT }, GL_MR_BODY, false, &secrets,
	  WEBHOOKS_UNAUTHORIZED, "missing X-Gitlab-Token" },
	{ "gl-no-token-configured", EVENT_SRC_GITLAB, NULL, { JSON_CT, "X-Gitlab-Token", "" },
	  GL_MR_BODY, false, &empty_secret, WEBHOOKS_UNAUTHORIZED,
	  "FORGEBOT_GITLAB_WEBHOOK_TOKEN" },
	{ "gl-form-415", EVENT_SRC_GITLAB, NULL,
	  { "Content-Type", "application/x-www-form-urlencoded", "X-Gitlab-Token", GL_TOKEN },
	  "payload=%7B%7D", true, &secrets, WEBHOOKS_UNSUPPORTED, "application/json" },
	{ "gl-approved-ignored", EVENT_SRC_GITLAB, NULL, { JSON_CT, "X-Gitlab-Token", GL_TOKEN },
	  GL_MR("'action':'approved'"), false, &secrets, WEBHOOKS_IGNORE, "'approved'" },
	{ "am-bearer", EVENT_SRC_ALERTMANAGER, NULL,
	  { JSON_CT, "Authorization", "Bearer " AM_TOKEN }, AM_SHORT, false, &secrets,
	  WEBHOOKS_STORE, "alert" },
	{ "am-bearer-lowercase", EVENT_SRC_ALERTMANAGER, NULL,
	  { JSON_CT, "Authorization", "bearer  " AM_TOKEN " " }, AM_SHORT, false, &secrets,
	  WEBHOOKS_STORE, "alert" },
	{ "am-bearer-wrong", EVENT_SRC_ALERTMANAGER, NULL,
	  { JSON_CT, "Authorization", "Bearer am-token" }, AM_SHORT, false, &secrets,
	  WEBHOOKS_UNAUTHORIZED, "Bearer token does not match" },
	{ "am-basic", EVENT_SRC_ALERTMANAGER, NULL, { JSON_CT, "Authorization", AM_BASIC },
	  AM_SHORT, false, &secrets, WEBHOOKS_STORE, "alert" },
	{ "am-basic-wrong", EVENT_SRC_ALERTMANAGER, NULL, { JSON_CT, "Authorization", AM_BASIC_BAD },
	  AM_SHORT, false, &secrets, WEBHOOKS_UNAUTHORIZED, "Basic password does not match" },
	{ "am-basic-no-colon", EVENT_SRC_ALERTMANAGER, NULL,
	  { JSON_CT, "Authorization", AM_BASIC_NOCOLON }, AM_SHORT, false, &secrets,
	  WEBHOOKS_UNAUTHORIZED, "user:password" },
	{ "am-basic-not-base64", EVENT_SRC_ALERTMANAGER, NULL,
	  { JSON_CT, "Authorization", "Basic ***" }, AM_SHORT, false, &secrets,
	  WEBHOOKS_UNAUTHORIZED, "not base64" },
	{ "am-digest", EVENT_SRC_ALERTMANAGER, NULL,
	  { JSON_CT, "Authorization", "Digest " AM_TOKEN }, AM_SHORT, false, &secrets,
	  WEBHOOKS_UNAUTHORIZED, "Bearer or Basic" },
	{ "am-missing", EVENT_SRC_ALERTMANAGER, NULL, { JSON_CT }, AM_SHORT, false, &secrets,
	  WEBHOOKS_UNAUTHORIZED, "missing Authorization" },
	{ "am-none-configured", EVENT_SRC_ALERTMANAGER, NULL,
	  { JSON_CT, "Authorization", "Bearer " AM_TOKEN }, AM_SHORT, false, &none,
	  WEBHOOKS_UNAUTHORIZED, "FORGEBOT_ALERTMANAGER_TOKEN" },
	{ "am-no-alerts", EVENT_SRC_ALERTMANAGER, NULL,
	  { JSON_CT, "Authorization", "Bearer " AM_TOKEN }, "{'status':'firing'}", false, &secrets,
	  WEBHOOKS_BAD_REQUEST, "'alerts'" },
};

/* No message may quote a secret, a token or a signature. */
static void check_no_secret(struct test_ctx *t, const char *name, const char *msg,
			    const struct req *r)
{
	const char *secret[] = { GH_SECRET, GL_TOKEN, AM_TOKEN, "old-secret", "another secret",
				 "YWxlcnRtYW5hZ2Vy" };

	for (size_t i = 0; i < sizeof secret / sizeof secret[0]; i++)
		if (strstr(msg, secret[i]))
			TEST_FAIL(t, "%s: message quotes a secret: %.200s", name, msg);
	if (r->sig[0] && strstr(msg, r->sig + 7))
		TEST_FAIL(t, "%s: message quotes the signature: %.200s", name, msg);
}

static void accept_table(struct test_ctx *t)
{
	for (size_t i = 0; i < sizeof accept_cases / sizeof accept_cases[0]; i++) {
		const struct accept_case *c = &accept_cases[i];
		struct webhooks_result r;
		struct req q = { c->headers, "" };
		char *body = c->raw ? strdup(c->body) : json(c->body);
		if (c->sign_with)
			sign(&q, c->sign_with, body, strlen(body));
		CHECK_INT(t, webhooks_accept(&r, c->src, lookup, &q, body, strlen(body), c->secrets), 0);
		if (r.verdict != c->want)
			TEST_FAIL(t, "%s: verdict %d, want %d (%.200s)", c->name, r.verdict, c->want,
				  r.message);
		else if (!strstr(r.message, c->msg))
			TEST_FAIL(t, "%s: message \"%.200s\" lacks \"%s\"", c->name, r.message, c->msg);
		check_no_secret(t, c->name, r.message, &q);
		if (r.verdict <= WEBHOOKS_PING && (!r.body_json || strcmp(r.body_json, body) != 0))
			TEST_FAIL(t, "%s: body_json is not the body", c->name);
		webhooks_result_release(&r);
		free(body);
	}
}

/* GitHub's form encoding: the signature covers the form bytes. */
static void form_body(struct test_ctx *t)
{
	static const char *const h[] = { "Content-Type", "application/x-www-form-urlencoded",
					 "X-GitHub-Event", "issues", "X-GitHub-Delivery", "d-1",
					 NULL };
	const char *form = "other=1&payload=%7B%22action%22%3A%22opened%22%2C%22issue%22%3A%7B"
			   "%22number%22%3A3%2C%22title%22%3A%22Add+a+thing%22%7D%2C%22repository"
			   "%22%3A%7B%22full_name%22%3A%22o%2Fr%22%7D%7D";
	const char *decoded = "{\"action\":\"opened\",\"issue\":{\"number\":3,\"title\":"
			      "\"Add a thing\"},\"repository\":{\"full_name\":\"o/r\"}}";
	const char *bad[] = { "payload=%7B%7", "payload=%zz", "other=%7B%7D", "" };
	struct webhooks_result r;
	struct req q = { h, "" };

	sign(&q, GH_SECRET, form, strlen(form));
	CHECK_INT(t, webhooks_accept(&r, EVENT_SRC_GITHUB, lookup, &q, form, strlen(form), &secrets),
		  0);
	CHECK_INT(t, r.verdict, WEBHOOKS_STORE);
	CHECK_STR(t, r.event.title, "Add a thing");
	CHECK_STR(t, r.event.repo, "o/r");
	CHECK_STR(t, r.body_json, decoded);
	CHECK_INT(t, r.body_json_len, strlen(decoded));
	webhooks_result_release(&r);

	/* Signed over the decoded JSON instead of the form bytes: refused. */
	sign(&q, GH_SECRET, decoded, strlen(decoded));
	CHECK_INT(t, webhooks_accept(&r, EVENT_SRC_GITHUB, lookup, &q, form, strlen(form), &secrets),
		  0);
	CHECK_INT(t, r.verdict, WEBHOOKS_UNAUTHORIZED);
	webhooks_result_release(&r);

	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		sign(&q, GH_SECRET, bad[i], strlen(bad[i]));
		CHECK_INT(t, webhooks_accept(&r, EVENT_SRC_GITHUB, lookup, &q, bad[i], strlen(bad[i]),
					     &secrets), 0);
		if (r.verdict != WEBHOOKS_BAD_REQUEST || r.body_json || r.event.name)
			TEST_FAIL(t, "form \"%s\": verdict %d (%.200s)", bad[i], r.verdict, r.message);
		webhooks_result_release(&r);
	}
}

/* ---- dedupe keys and headers copied into the event ---- */

struct key_case {
	const char *name;
	enum event_source src;
	const char *headers[12];
	const char *body; /* sent as is */
	enum webhooks_verdict verdict;
	const char *want; /* expectations as in the normalization tables */
};

#define EMPTY_SHA "44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a" /* {} */
#define GH_H JSON_CT, "X-GitHub-Event", "star"
#define GL_H JSON_CT, "X-Gitlab-Token", GL_TOKEN

static const struct key_case key_cases[] = {
	{ "gh-hook-and-delivery", EVENT_SRC_GITHUB,
	  { GH_H, "X-GitHub-Hook-ID", "123", "X-GitHub-Delivery", "72d3162e-cc78" }, "{}",
	  WEBHOOKS_IGNORE, "delivery_id=123:72d3162e-cc78" },
	{ "gh-delivery-only", EVENT_SRC_GITHUB, { GH_H, "X-GitHub-Delivery", "72d3162e-cc78" },
	  "{}", WEBHOOKS_IGNORE, "delivery_id=72d3162e-cc78" },
	{ "gh-no-delivery", EVENT_SRC_GITHUB, { GH_H, "X-GitHub-Hook-ID", "123" }, "{}",
	  WEBHOOKS_IGNORE, "delivery_id=" EMPTY_SHA },
	{ "gh-bad-delivery", EVENT_SRC_GITHUB, { GH_H, "X-GitHub-Delivery", "a b" }, "{}",
	  WEBHOOKS_BAD_REQUEST, "msg~X-GitHub-Delivery" },
	{ "gh-enterprise", EVENT_SRC_GITHUB, { GH_H, "X-GitHub-Enterprise-Host", "ghe.example.com" },
	  "{}", WEBHOOKS_IGNORE, "instance_url=https://ghe.example.com" },
	{ "gh-enterprise-bad", EVENT_SRC_GITHUB, { GH_H, "X-GitHub-Enterprise-Host", "a/b?c" },
	  "{}", WEBHOOKS_IGNORE, "instance_url=(null)" },
	{ "gl-idempotency", EVENT_SRC_GITLAB,
	  { GL_H, "Idempotency-Key", "idem-1", "X-Gitlab-Event-UUID", "uuid-1",
	    "X-Gitlab-Instance", "https://gitlab.example.com" },
	  "{}", WEBHOOKS_IGNORE, "delivery_id=idem-1|instance_url=https://gitlab.example.com" },
	{ "gl-event-uuid", EVENT_SRC_GITLAB, { GL_H, "X-Gitlab-Event-UUID", "uuid-1" }, "{}",
	  WEBHOOKS_IGNORE, "delivery_id=uuid-1|instance_url=(null)" },
	{ "gl-body-sha", EVENT_SRC_GITLAB, { GL_H, "X-Gitlab-Instance", "javascript:x" }, "{}",
	  WEBHOOKS_IGNORE, "delivery_id=" EMPTY_SHA "|instance_url=(null)" },
	{ "am-body-key", EVENT_SRC_ALERTMANAGER,
	  { JSON_CT, "Authorization", "Bearer " AM_TOKEN, "X-GitHub-Delivery", "ignored" },
	  "{\"alerts\":[]}", WEBHOOKS_STORE, "kind=alert|alerts=0" },
};

static void dedupe_keys(struct test_ctx *t)
{
	for (size_t i = 0; i < sizeof key_cases / sizeof key_cases[0]; i++) {
		const struct key_case *c = &key_cases[i];
		struct webhooks_result r;
		struct req q = { c->headers, "" };

		sign(&q, GH_SECRET, c->body, strlen(c->body));
		CHECK_INT(t, webhooks_accept(&r, c->src, lookup, &q, c->body, strlen(c->body),
					     &secrets), 0);
		if (r.verdict != c->verdict)
			TEST_FAIL(t, "%s: verdict %d, want %d (%.200s)", c->name, r.verdict, c->verdict,
				  r.message);
		else
			expect(t, c->name, &r.event, r.message, c->want);
		webhooks_result_release(&r);
	}
}

/* ---- small contracts ---- */

static void names_and_lifecycle(struct test_ctx *t)
{
	struct webhooks_result r;
	struct event ev;

	CHECK_STR(t, event_source_str(EVENT_SRC_GITLAB), "gitlab");
	CHECK_STR(t, event_kind_str(EVENT_CI), "ci");
	CHECK_STR(t, event_kind_str((enum event_kind)99), "unknown");
	CHECK_STR(t, event_action_str(EVENT_ACT_SYNCHRONIZED), "synchronized");
	CHECK_STR(t, event_action_str(EVENT_ACT_TO_DRAFT), "to_draft");
	event_init(&ev);
	event_release(&ev);
	event_release(&ev);
	event_release(NULL);
	webhooks_result_release(NULL);
	/* No lookup function, no secrets, no body: refused, not crashed. */
	CHECK_INT(t, webhooks_accept(&r, EVENT_SRC_GITHUB, NULL, NULL, NULL, 0, NULL), 0);
	CHECK_INT(t, r.verdict, WEBHOOKS_UNAUTHORIZED);
	webhooks_result_release(&r);
	webhooks_result_release(&r);
}

const struct test_case webhooks_tests[] = {
	{ "normalize_github", normalize_github },
	{ "normalize_gitlab", normalize_gitlab },
	{ "normalize_alertmanager", normalize_alertmanager },
	{ "alertmanager_keys", alertmanager_keys },
	{ "accept_table", accept_table },
	{ "form_body", form_body },
	{ "dedupe_keys", dedupe_keys },
	{ "names_and_lifecycle", names_and_lifecycle },
	{ NULL, NULL },
};
