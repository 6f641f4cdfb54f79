/*
 * github_repo.c - creating branches and (draft) pull requests on GitHub:
 * what the code-generation agent needs.  A draft refused (private
 * repositories on free plans) is retried once as a ready pull request.
 */
#include "forge_priv.h"
#include "github_priv.h"

#include <stdlib.h>
#include <string.h>

/* Whether GitHub's answer (its JSON message or the message forge_call
 * made of it) mentions `what`; GitHub puts 422 details in errors[]. */
static bool answer_mentions(const struct forge_reply *r, const struct fb_error *err,
			    const char *what)
{
	return strcasestr(buf_cstr(&r->http.body), what) != NULL ||
	       (err && strcasestr(err->msg, what) != NULL);
}

int github_branch_create(struct forge *f, const char *name, const char *sha,
			 struct fb_error *err)
{
	struct forge_reply r;
	char *ref = forge_strf("refs/heads/%s", name);
	char *path = forge_strf("%s/git/refs", f->repo_path);
	json_t *o = json_object();
	int rc;

	forge_reply_init(&r);
	if (ref == NULL || path == NULL || o == NULL ||
	    json_object_set_new(o, "ref", forge_json_str(ref)) < 0 ||
	    json_object_set_new(o, "sha", forge_json_str(sha)) < 0) {
		rc = forge_oom(err);
		goto out;
	}
	rc = forge_call(f, "POST", path, o, NULL, &r, err);
	if (rc == FB_EINVAL && answer_mentions(&r, err, "already exists"))
		rc = fb_error_set(err, FB_ECONFLICT, "GitHub: branch '%s' already exists", name);
out:
	forge_reply_release(&r);
	json_decref(o);
	free(path);
	free(ref);
	return rc;
}

static json_t *pr_new_json(const struct forge_pr_new *req, bool draft)
{
	json_t *o = json_object();

	if (o == NULL || json_object_set_new(o, "head", forge_json_str(req->head)) < 0 ||
	    json_object_set_new(o, "base", forge_json_str(req->base)) < 0 ||
	    json_object_set_new(o, "title", forge_json_str(req->title)) < 0 ||
	    (req->body && json_object_set_new(o, "body", forge_json_str(req->body)) < 0) ||
	    json_object_set_new(o, "draft", json_boolean(draft)) < 0) {
		json_decref(o);
		return NULL;
	}
	return o;
}

/* POST /pulls; `r` is released first, so it can be reused. */
static int pr_post(struct forge *f, const struct forge_pr_new *req, bool draft,
		   struct forge_reply *r, struct fb_error *err)
{
	json_t *o = pr_new_json(req, draft);
	char *path = forge_strf("%s/pulls", f->repo_path);
	int rc;

	forge_reply_release(r);
	forge_reply_init(r);
	if (o == NULL || path == NULL)
		rc = forge_oom(err);
	else
		rc = forge_call(f, "POST", path, o, NULL, r, err);
	json_decref(o);
	free(path);
	return rc;
}

/* A draft the repository cannot have (private on a free plan) is retried
 * once as a ready pull request, and out->draft says so. */
int github_pr_create(struct forge *f, const struct forge_pr_new *req,
		     struct forge_pr_created *out, struct fb_error *err)
{
	struct forge_reply r;
	int rc;

	memset(out, 0, sizeof *out);
	out->draft = req->draft;
	forge_reply_init(&r);
	rc = pr_post(f, req, req->draft, &r, err);
	if (rc == FB_EINVAL && req->draft && answer_mentions(&r, err, "draft")) {
		log_write(f->lg, LOG_WARN, "GitHub refused a draft pull request; opening it ready "
			  "for review", "head", req->head ? req->head : "", "reason", forge_emsg(err), NULL);
		out->draft = false;
		rc = pr_post(f, req, false, &r, err);
	}
	if (rc < 0)
		goto out;
	out->number = (long)forge_jint(r.json, "number");
	if (forge_dup_field(&out->web_url, r.json, "html_url") < 0)
		rc = forge_oom(err);
out:
	if (rc < 0)
		forge_pr_created_release(out);
	forge_reply_release(&r);
	return rc;
}
