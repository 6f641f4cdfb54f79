/*
 * gitlab_repo.c - creating branches and merge requests on GitLab: what the
 * code-generation agent needs.  A draft is a title starting "Draft: ".
 */
#include "forge_priv.h"
#include "gitlab_priv.h"

#include <stdlib.h>
#include <string.h>

int gitlab_branch_create(struct forge *f, const char *name, const char *sha,
			 struct fb_error *err)
{
	struct forge_reply r;
	char *path = forge_strf("%s/repository/branches", f->repo_path);
	json_t *o = json_object();
	int rc;

	forge_reply_init(&r);
	if (path == NULL || o == NULL || json_object_set_new(o, "branch", forge_json_str(name)) < 0 ||
	    json_object_set_new(o, "ref", forge_json_str(sha)) < 0) {
		rc = forge_oom(err);
		goto out;
	}
	rc = forge_call(f, "POST", path, o, NULL, &r, err);
	/* GitLab answers 400 {"message": "Branch already exists"}. */
	if (rc == FB_EINVAL && strstr(buf_cstr(&r.http.body), "already exists"))
		rc = fb_error_set(err, FB_ECONFLICT, "GitLab: branch '%s' already exists", name);
out:
	forge_reply_release(&r);
	json_decref(o);
	free(path);
	return rc;
}

/* The title, with "Draft: " before it for a draft (GitLab has no draft
 * flag on create); NULL when out of memory. */
static char *mr_title(const struct forge_pr_new *req)
{
	const char *t = req->title ? req->title : "";
	bool marked = strncmp(t, "Draft:", 6) == 0 || strncmp(t, "[Draft]", 7) == 0;
	size_t n = strlen(t);
	char *s = malloc(n + 8);

	if (s)
		snprintf(s, n + 8, "%s%s", req->draft && !marked ? "Draft: " : "", t);
	return s;
}

static json_t *mr_new_json(const struct forge_pr_new *req)
{
	char *title = mr_title(req), *desc = req->body ? gitlab_defuse(req->body) : NULL;
	json_t *o = json_object();

	if (o == NULL || title == NULL || (req->body && desc == NULL) ||
	    json_object_set_new(o, "source_branch", forge_json_str(req->head)) < 0 ||
	    json_object_set_new(o, "target_branch", forge_json_str(req->base)) < 0 ||
	    json_object_set_new(o, "title", forge_json_str(title)) < 0 ||
	    (desc && json_object_set_new(o, "description", forge_json_str(desc)) < 0) ||
	    json_object_set_new(o, "remove_source_branch", json_true()) < 0) {
		json_decref(o);
		o = NULL;
	}
	free(title);
	free(desc);
	return o;
}

/* In dry-run mode out->number is 0 and out->draft what was asked. */
int gitlab_pr_create(struct forge *f, const struct forge_pr_new *req,
		     struct forge_pr_created *out, struct fb_error *err)
{
	struct forge_reply r;
	char *path = forge_strf("%s/merge_requests", f->repo_path);
	json_t *o = mr_new_json(req);
	int rc;

	memset(out, 0, sizeof *out);
	out->draft = req->draft;
	forge_reply_init(&r);
	if (path == NULL || o == NULL) {
		rc = forge_oom(err);
		goto out;
	}
	if ((rc = forge_call(f, "POST", path, o, NULL, &r, err)) < 0 || r.status == 0)
		goto out;
	out->number = (long)forge_jint(r.json, "iid");
	if (json_object_get(r.json, "draft") || json_object_get(r.json, "work_in_progress"))
		out->draft = forge_jbool(r.json, "draft") || forge_jbool(r.json, "work_in_progress");
	if (forge_dup_field(&out->web_url, r.json, "web_url") < 0)
		rc = forge_oom(err);
out:
	if (rc < 0)
		forge_pr_created_release(out);
	forge_reply_release(&r);
	json_decref(o);
	free(path);
	return rc;
}
