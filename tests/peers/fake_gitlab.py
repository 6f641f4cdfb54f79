#!/usr/bin/python3
"""fake_gitlab.py - a stateful GitLab REST v4 fake, contract-checked against
python-gitlab's own route definitions.

Purpose.  forgebot's integration tests point the GitLab client at
http://127.0.0.1:PORT/api/v4 instead of gitlab.com/api/v4.  The fake keeps
real state (a project with merge requests seeded from a unified diff and a
list of diff versions, discussions and notes, commit statuses, branches,
issues, CI jobs and their traces) and validates what GitLab validates where
clients are known to go wrong: an inline discussion's `position` must carry
the SHAs of the MR's latest version and name a line the diff really has
(`new_line` alone = added line, `old_line` alone = removed line, both =
unchanged line), a status must use GitLab's state names and may not repeat
pending/running, and a job token may only read.

Contract check.  There is no OpenAPI description of GitLab's REST API to check
against, so the contract is taken from python-gitlab 3.12 (Debian's
python3-gitlab): at start-up every *Manager class in gitlab.v4.objects with a
`_path` becomes route templates, with the verbs its mixins allow (ListMixin /
GetMixin / GetWithoutIdMixin -> GET, CreateMixin -> POST with
`_create_attrs.required`, UpdateMixin -> PUT (POST when `_update_uses_post`)
with `_update_attrs.required`, DeleteMixin -> DELETE, SetMixin -> PUT), plus a
short allow-list of python-gitlab custom actions (CUSTOM_ACTIONS below, each
naming the python-gitlab method it mirrors).  A request outside that table is
answered 404 and logged with the reason as its contract verdict; a POST/PUT
missing a required attribute gets 400 `{"error":"<attr> is missing"}` and a
violation; a note body with a line starting with "/" (outside code fences)
is logged as "quick action in note body" (and still stored).  Paths are
matched on the raw request path, so `group%2Fproject` stays one segment.

Design.  peer_common.py does the HTTP, logging, faults and control API; this
file is the GitLab model.  Handlers are keyed by the python-gitlab template
they serve, so a route can only be served if python-gitlab knows it.  A route
python-gitlab knows but this fake does not implement answers 501 (never a
silent 404).  Responses start from go-gitlab's testdata fixtures when one
matches (get_merge_request.json, get_branch.json, get_user.json) with the
state's fields written over them.  Ids start above 2**31.  Run with
/usr/bin/python3 (stdlib + python3-gitlab).
"""

import argparse
import copy
import email.utils
import hashlib
import inspect
import json
import os
import re
import secrets
import sys
import time
import urllib.parse

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import peer_common as pc  # noqa: E402

import gitlab.base  # noqa: E402
import gitlab.mixins as mx  # noqa: E402
import gitlab.v4.objects as glo  # noqa: E402

API = "/api/v4"
GO_GITLAB_TESTDATA = "/usr/share/gocode/src/github.com/xanzy/go-gitlab/testdata"
RATE_LIMIT = 2000
STATUS_STATES = ("pending", "running", "success", "failed", "canceled")

# python-gitlab methods that build their own paths (not a manager's _path).
# Each entry: (verb, template, required attrs, the python-gitlab code it mirrors).
CUSTOM_ACTIONS = [
    # ProjectMergeRequest.changes(): http_get(f"{self.manager.path}/{self.encoded_id}/changes")
    ("GET", "/projects/{project_id}/merge_requests/{mr_iid}/changes", (),
     (glo.ProjectMergeRequest, "changes")),
    # ProjectJob.trace(): http_get(f"{self.manager.path}/{self.encoded_id}/trace")
    ("GET", "/projects/{project_id}/jobs/{job_id}/trace", (), (glo.ProjectJob, "trace")),
    # ProjectJob.retry(): http_post(f"{self.manager.path}/{self.encoded_id}/retry")
    ("POST", "/projects/{project_id}/jobs/{job_id}/retry", (), (glo.ProjectJob, "retry")),
    # ProjectPipeline.retry(): http_post(f"{self.manager.path}/{self.encoded_id}/retry")
    ("POST", "/projects/{project_id}/pipelines/{pipeline_id}/retry", (), (glo.ProjectPipeline, "retry")),
    # ProjectCommitStatusManager.create() posts to base_path
    # "/projects/{project_id}/statuses/{commit_id}", not to its _path.
    ("POST", "/projects/{project_id}/statuses/{commit_id}",
     glo.ProjectCommitStatusManager._create_attrs.required, (glo.ProjectCommitStatusManager, "create")),
]

# GETs a CI_JOB_TOKEN may make (everything else with a job token is 403).
JOB_TOKEN_READABLE = {
    "/projects/{id}",
    "/projects/{project_id}/merge_requests/{id}",
    "/projects/{project_id}/merge_requests/{mr_iid}/versions",
    "/projects/{project_id}/merge_requests/{mr_iid}/versions/{id}",
    "/projects/{project_id}/merge_requests/{mr_iid}/changes",
}

# Routes the mixins imply but python-gitlab never requests, so GitLab need not
# have them: ProjectCommitStatusManager.create() replaces its _path (above).
NOT_ROUTES = {
    ("POST", "/projects/{project_id}/repository/commits/{commit_id}/statuses"),
}

BAD_POSITION = "400 Bad request - Note {:line_code=>[\"can't be blank\", \"must be a valid line code\"]}"


# ---------------------------------------------------------------------------
# The route table, derived from python-gitlab
# ---------------------------------------------------------------------------


class Route:
    def __init__(self, method, template, required, source):
        self.method = method
        self.template = template
        self.required = tuple(required)
        self.source = source
        self.params = re.findall(r"\{(\w+)\}", template)
        rx = re.sub(r"\\\{(\w+)\\\}", "([^/]+)", re.escape(template))
        self.regex = re.compile("^" + rx + "/?$")
        self.literals = sum(1 for seg in template.split("/") if seg and not seg.startswith("{"))

    def match(self, path):
        m = self.regex.match(path)
        return dict(zip(self.params, m.groups())) if m else None


def build_routes():
    routes = []
    for name, cls in inspect.getmembers(glo, inspect.isclass):
        if not issubclass(cls, gitlab.base.RESTManager) or not getattr(cls, "_path", None):
            continue
        base = cls._path
        item = base + "/{id}"
        no_id = issubclass(cls, mx.GetWithoutIdMixin)

        def add(method, tmpl, required=(), why=""):
            routes.append(Route(method, tmpl, required, "%s (%s)" % (name, why)))
        if issubclass(cls, mx.ListMixin):
            add("GET", base, why="ListMixin")
        if issubclass(cls, mx.GetMixin):
            add("GET", item, why="GetMixin")
        if no_id:
            add("GET", base, why="GetWithoutIdMixin")
        if issubclass(cls, mx.CreateMixin):
            add("POST", base, cls._create_attrs.required, "CreateMixin")
        if issubclass(cls, mx.UpdateMixin):
            verb = "POST" if getattr(cls, "_update_uses_post", False) else "PUT"
            add(verb, base if no_id else item, cls._update_attrs.required, "UpdateMixin")
        if issubclass(cls, mx.DeleteMixin):
            add("DELETE", base if no_id else item, why="DeleteMixin")
        if issubclass(cls, mx.SetMixin):
            add("PUT", item, why="SetMixin")
    routes = [r for r in routes if (r.method, r.template) not in NOT_ROUTES]
    for method, tmpl, required, (owner, attr) in CUSTOM_ACTIONS:
        if not hasattr(owner, attr):  # python-gitlab changed under us: fail loudly
            raise SystemExit("python-gitlab has no %s.%s; update CUSTOM_ACTIONS" % (owner.__name__, attr))
        routes.append(Route(method, tmpl, required, "%s.%s (custom action)" % (owner.__name__, attr)))
    # HEAD is allowed wherever GET is (python-gitlab's HeadMixin).
    routes += [Route("HEAD", r.template, (), r.source) for r in routes if r.method == "GET"]
    return routes


# ---------------------------------------------------------------------------
# Helpers
# ---------------------------------------------------------------------------


def jr(status, obj, headers=None):
    """A JSON answer.  GitLab says exactly `application/json` (python-gitlab
    compares the header verbatim and treats anything else as raw bytes)."""
    return pc.json_response(status, obj, headers, content_type="application/json")


def gl_error(status, message):
    return jr(status, {"message": message})


def truthy(v):
    if isinstance(v, str):
        return v.lower() in ("true", "1", "yes", "on")
    return bool(v)


def as_int(v):
    if isinstance(v, bool):
        return None
    if isinstance(v, int):
        return v
    if isinstance(v, str) and re.fullmatch(r"-?\d+", v):
        return int(v)
    return None


def label_list(v):
    if v is None:
        return []
    if isinstance(v, list):
        return [str(x).strip() for x in v if str(x).strip()]
    return [x.strip() for x in str(v).split(",") if x.strip()]


def nest_form(d):
    """Form bodies spell nested objects as position[base_sha]=...: nest them."""
    if not isinstance(d, dict):
        return d
    out = {}
    for k, v in d.items():
        parts = re.findall(r"[^\[\]]+", k)
        if len(parts) <= 1:
            out[k] = v
            continue
        cur = out
        for p in parts[:-1]:
            cur = cur.setdefault(p, {})
        cur[parts[-1]] = v
    return out


def quick_action_lines(body):
    """Lines outside code fences that start with '/' (GitLab may run them)."""
    found, fence = [], None
    for line in (body or "").split("\n"):
        m = re.match(r"^\s*(`{3,}|~{3,})", line)
        if m:
            mark = m.group(1)
            if fence is None:
                fence = mark
            elif mark[0] == fence[0] and len(mark) >= len(fence):
                fence = None
            continue
        if fence is None and line.startswith("/"):
            found.append(line)
    return found


def fake_sha(*parts):
    return hashlib.sha1("\0".join(str(p) for p in parts).encode()).hexdigest()


# ---------------------------------------------------------------------------
# State
# ---------------------------------------------------------------------------


class MergeRequest:
    def __init__(self, project, iid, gid):
        self.iid, self.id = iid, gid
        self.project_id = project.id
        self.created_at = pc.now_iso()
        self.title, self.description = "Merge request !%d" % iid, ""
        self.state = "opened"
        self.source_branch, self.target_branch = "feature", project.default_branch
        self.draft = False
        self.author = "alice"
        self.labels = []
        self.source_project_id = self.target_project_id = project.id
        self.versions = []
        self.diff, self.files = "", []
        self.discussions = []

    def latest(self):
        return max(self.versions, key=lambda v: v["id"]) if self.versions else None

    def file(self, new_path):
        for fd in self.files:
            if fd.new_path == new_path:
                return fd
        return None


class Project:
    def __init__(self, pid, path):
        self.id = pid
        self.path_with_namespace = path
        self.default_branch = "main"
        self.mrs = {}
        self.issues = {}
        self.branches = {}
        self.commits = set()
        self.statuses = []
        self.jobs = {}
        self.retries = []

    def known_commit(self, sha):
        if sha in self.commits or sha in self.branches.values():
            return True
        return any(sha in (v["head_commit_sha"], v["base_commit_sha"], v["start_commit_sha"])
                   for mr in self.mrs.values() for v in mr.versions)


class GitLabApp(pc.PeerApp):
    default_contract = "ok"

    def __init__(self, args):
        super().__init__()
        self.args = args
        self.ids = pc.IdGen()
        self.routes = build_routes()
        self.fixtures = {}
        for name in ("get_merge_request", "get_branch", "get_user"):
            path = os.path.join(args.fixtures, name + ".json")
            if os.path.exists(path):
                self.fixtures[name] = pc.load_json_file(path)
        self.seed_file = args.seed
        self.handlers = {
            ("GET", "/user"): self.h_user,
            ("GET", "/projects/{id}"): self.h_project,
            ("GET", "/projects/{project_id}/merge_requests/{id}"): self.h_mr_get,
            ("PUT", "/projects/{project_id}/merge_requests/{id}"): self.h_mr_update,
            ("POST", "/projects/{project_id}/merge_requests"): self.h_mr_create,
            ("GET", "/projects/{project_id}/merge_requests/{mr_iid}/versions"): self.h_versions,
            ("GET", "/projects/{project_id}/merge_requests/{mr_iid}/versions/{id}"): self.h_version,
            ("GET", "/projects/{project_id}/merge_requests/{mr_iid}/changes"): self.h_changes,
            ("GET", "/projects/{project_id}/merge_requests/{mr_iid}/discussions"): self.h_discussions,
            ("GET", "/projects/{project_id}/merge_requests/{mr_iid}/discussions/{id}"): self.h_discussion_get,
            ("POST", "/projects/{project_id}/merge_requests/{mr_iid}/discussions"): self.h_discussion_create,
            ("PUT", "/projects/{project_id}/merge_requests/{mr_iid}/discussions/{id}"): self.h_discussion_update,
            ("POST", "/projects/{project_id}/merge_requests/{mr_iid}/discussions/{discussion_id}/notes"):
                self.h_discussion_note_create,
            ("GET", "/projects/{project_id}/merge_requests/{mr_iid}/discussions/{discussion_id}/notes/{id}"):
                self.h_discussion_note_get,
            ("PUT", "/projects/{project_id}/merge_requests/{mr_iid}/discussions/{discussion_id}/notes/{id}"):
                self.h_discussion_note_update,
            ("DELETE", "/projects/{project_id}/merge_requests/{mr_iid}/discussions/{discussion_id}/notes/{id}"):
                self.h_discussion_note_delete,
            ("GET", "/projects/{project_id}/merge_requests/{mr_iid}/notes"): self.h_notes,
            ("POST", "/projects/{project_id}/merge_requests/{mr_iid}/notes"): self.h_note_create,
            ("GET", "/projects/{project_id}/merge_requests/{mr_iid}/notes/{id}"): self.h_note_get,
            ("PUT", "/projects/{project_id}/merge_requests/{mr_iid}/notes/{id}"): self.h_note_update,
            ("DELETE", "/projects/{project_id}/merge_requests/{mr_iid}/notes/{id}"): self.h_note_delete,
            ("POST", "/projects/{project_id}/statuses/{commit_id}"): self.h_status_create,
            ("GET", "/projects/{project_id}/repository/commits/{commit_id}/statuses"): self.h_statuses,
            ("POST", "/projects/{project_id}/repository/branches"): self.h_branch_create,
            ("GET", "/projects/{project_id}/repository/branches/{id}"): self.h_branch_get,
            ("GET", "/projects/{project_id}/issues/{id}"): self.h_issue_get,
            ("PUT", "/projects/{project_id}/issues/{id}"): self.h_issue_update,
            ("GET", "/projects/{project_id}/jobs/{id}"): self.h_job_get,
            ("GET", "/projects/{project_id}/jobs/{job_id}/trace"): self.h_job_trace,
            ("POST", "/projects/{project_id}/jobs/{job_id}/retry"): self.h_job_retry,
            ("GET", "/projects/{project_id}/pipelines/{pipeline_id}/jobs"): self.h_pipeline_jobs,
            ("POST", "/projects/{project_id}/pipelines/{pipeline_id}/retry"): self.h_pipeline_retry,
        }
        known = {(r.method, r.template) for r in self.routes}
        for key in self.handlers:  # a handler python-gitlab cannot reach is a bug here
            assert key in known, "handler for a route python-gitlab does not have: %s %s" % key
        self.reset_state()

    # -- state ----------------------------------------------------------------
    def reset_state(self):
        self.projects = {}
        self.rate_used = 0
        self.rate_reset = int(time.time()) + 60
        if self.seed_file:
            self.seed(pc.load_json_file(self.seed_file))

    def seed(self, obj):
        for doc in (obj if isinstance(obj, list) else [obj]):
            self._seed_one(doc)

    def _seed_one(self, doc):
        pj = doc.get("project") or {}
        pid = int(pj.get("id", 42))
        prj = self.projects.get(pid)
        if prj is None:
            prj = self.projects[pid] = Project(pid, pj.get("path_with_namespace", "group/project"))
        prj.path_with_namespace = pj.get("path_with_namespace", prj.path_with_namespace)
        prj.default_branch = pj.get("default_branch", prj.default_branch)
        for spec in doc.get("merge_requests") or []:
            iid = int(spec["iid"])
            mr = prj.mrs.get(iid) or prj.mrs.setdefault(iid, MergeRequest(prj, iid, self.ids()))
            for f in ("title", "description", "source_branch", "target_branch", "author", "state"):
                if f in spec:
                    setattr(mr, f, spec[f])
            mr.draft = bool(spec.get("draft", mr.draft))
            mr.labels = list(spec.get("labels", mr.labels))
            mr.source_project_id = int(spec.get("source_project_id", mr.source_project_id))
            mr.target_project_id = int(spec.get("target_project_id", mr.target_project_id))
            if "versions" in spec:
                mr.versions = [dict(v, created_at=v.get("created_at", pc.now_iso())) for v in spec["versions"]]
            if not mr.versions:   # no versions given: one, from head_sha/base_sha/start_sha
                base = spec.get("base_sha") or fake_sha("base", pid, iid)
                mr.versions = [{"id": self.ids(), "created_at": pc.now_iso(),
                                "head_commit_sha": spec.get("head_sha") or fake_sha("head", pid, iid),
                                "base_commit_sha": base, "start_commit_sha": spec.get("start_sha") or base}]
            if "diff" in spec:
                mr.diff = spec["diff"]
                mr.files = pc.parse_unified_diff(mr.diff)
            v = mr.latest()
            if mr.source_project_id == prj.id:
                prj.branches[mr.source_branch] = v["head_commit_sha"]
            prj.branches.setdefault(mr.target_branch, v["start_commit_sha"])
            for d in spec.get("discussions") or []:
                mr.discussions.append(self._seed_discussion(prj, mr, d))
        for spec in doc.get("issues") or []:
            iid = int(spec["iid"])
            prj.issues[iid] = {"id": self.ids(), "iid": iid, "title": spec.get("title", "Issue #%d" % iid),
                               "description": spec.get("description", ""), "state": spec.get("state", "opened"),
                               "labels": list(spec.get("labels", []))}
        for name, sha in (doc.get("branches") or {}).items():
            prj.branches[name] = sha
        prj.commits.update(doc.get("commits") or [])
        for jid, j in (doc.get("jobs") or {}).items():
            prj.jobs[int(jid)] = dict({"name": "test", "status": "failed", "stage": "test", "trace": "",
                                       "pipeline_id": 1, "ref": prj.default_branch, "failure_reason": None,
                                       "retried": False}, **j, id=int(jid))

    def _seed_discussion(self, prj, mr, d):
        disc = {"id": d.get("id") or secrets.token_hex(20), "individual_note": bool(d.get("individual_note", False)),
                "notes": []}
        for n in d.get("notes") or []:
            note = self._new_note(prj, mr, disc, n.get("body", ""), n.get("author", "alice"),
                                  n.get("position"), system=bool(n.get("system", False)), nid=n.get("id"))
            if n.get("resolved"):
                note["resolved"], note["resolved_by"] = True, self.user_json(n.get("author", "alice"))
            disc["notes"].append(note)
        return disc

    def dump_state(self):
        out = {}
        for p in self.projects.values():
            out[p.path_with_namespace] = {
                "id": p.id,
                "merge_requests": [{
                    "iid": mr.iid, "title": mr.title, "draft": mr.draft, "state": mr.state,
                    "source_branch": mr.source_branch, "target_branch": mr.target_branch,
                    "labels": mr.labels, "versions": mr.versions, "discussions": mr.discussions}
                    for mr in sorted(p.mrs.values(), key=lambda m: m.iid)],
                "issues": list(p.issues.values()), "branches": p.branches, "statuses": p.statuses,
                "jobs": list(p.jobs.values()), "retries": p.retries}
        return {"projects": out}

    # -- auth and headers ------------------------------------------------------
    def classify(self, req):
        """Which credential the request carries: token|oauth|job|bad|none."""
        a = self.args
        if req.header("PRIVATE-TOKEN") is not None:
            return "token" if a.token and req.header("PRIVATE-TOKEN") == a.token else "bad"
        if req.header("JOB-TOKEN") is not None:
            return "job" if a.job_token and req.header("JOB-TOKEN") == a.job_token else "bad"
        auth = req.header("Authorization")
        if auth is not None:
            scheme, _, cred = auth.strip().partition(" ")
            if scheme.lower() == "bearer" and a.oauth_token and cred.strip() == a.oauth_token:
                return "oauth"
            return "bad"
        return "none"

    def redact_headers(self, req):
        """Lower-cased headers; each credential replaced by which one it is."""
        a, out = self.args, {}
        for k, v in req.headers.items():
            k = k.lower()
            if k == "private-token":
                v = "token" if a.token and v == a.token else "bad"
            elif k == "job-token":
                v = "job" if a.job_token and v == a.job_token else "bad"
            elif k == "authorization":
                scheme, _, cred = v.strip().partition(" ")
                ok = scheme.lower() == "bearer" and a.oauth_token and cred.strip() == a.oauth_token
                v = "%s %s" % (scheme, "oauth" if ok else "bad")
            out[k] = v
        return out

    def common_headers(self, req):
        with self.lock:
            now = time.time()
            if now > self.rate_reset:
                self.rate_used, self.rate_reset = 0, int(now) + 60
            self.rate_used += 1
            used = self.rate_used
        return [("RateLimit-Name", "throttle_authenticated_api"),
                ("RateLimit-Limit", str(RATE_LIMIT)),
                ("RateLimit-Observed", str(used)),
                ("RateLimit-Remaining", str(max(0, RATE_LIMIT - used))),
                ("RateLimit-Reset", str(self.rate_reset)),
                ("RateLimit-ResetTime", email.utils.formatdate(self.rate_reset, usegmt=True)),
                ("X-Request-Id", secrets.token_hex(13).upper()),
                ("X-Gitlab-Meta", json.dumps({"correlation_id": secrets.token_hex(16), "version": "1"}))]

    # -- contract: python-gitlab's route table ------------------------------------------
    def contract_before(self, req):
        req.route, req.params = None, {}
        if req.json is not None:
            req.json = nest_form(req.json)
        if not (req.raw_path == API or req.raw_path.startswith(API + "/")):
            req.violations.append("%s is not under %s" % (req.raw_path, API))
            return
        path = req.raw_path[len(API):] or "/"
        best, path_known = None, []
        for r in self.routes:
            params = r.match(path)
            if params is None:
                continue
            if r.method != req.method:
                path_known.append(r)
                continue
            if best is None or r.literals > best[0].literals:
                best = (r, params)
        if best is None:
            if path_known:
                verbs = sorted({r.method for r in path_known if r.method != "HEAD"})
                req.violations.append("%s %s: python-gitlab allows only %s here (%s)" % (
                    req.method, path, "/".join(verbs), path_known[0].source))
            else:
                req.violations.append("%s %s: no python-gitlab manager or custom action has this path" % (
                    req.method, path))
            return
        req.route, req.params = best
        if req.method in ("POST", "PUT"):
            data = dict(req.json) if isinstance(req.json, dict) else {}
            for k, v in req.qs.items():
                data.setdefault(k, v[0])
            missing = [a for a in req.route.required if a not in data and a not in req.route.params and a != "id"]
            if missing:
                req.missing = missing
                req.violations.append("%s %s: missing required attribute(s) %s (%s)" % (
                    req.method, req.route.template, ", ".join(missing), req.route.source))
        tmpl = req.route.template
        if req.method in ("POST", "PUT") and ("/notes" in tmpl or "/discussions" in tmpl) \
                and isinstance(req.json, dict) and isinstance(req.json.get("body"), str):
            lines = quick_action_lines(req.json["body"])
            if lines:
                req.violations.append("quick action in note body: %r" % lines[0][:80])

    # -- dispatch -------------------------------------------------------------------
    def handle(self, req):
        if req.route is None:
            req.notes.append("route not in python-gitlab's table")
            return gl_error(404, "404 Not found")
        which = self.classify(req)
        if which in ("none", "bad"):
            return gl_error(401, "401 Unauthorized")
        if which == "job" and not (req.method in ("GET", "HEAD") and req.route.template in JOB_TOKEN_READABLE):
            req.notes.append("a CI job token may not %s %s" % (req.method, req.route.template))
            return gl_error(403, "403 Forbidden")
        if getattr(req, "missing", None):
            return jr(400, {"error": ", ".join("%s is missing" % a for a in req.missing)})
        if req.body and req.json is None:
            return gl_error(400, "400 Bad request - body is not JSON: %s" % req.json_error)
        key = ("GET" if req.method == "HEAD" else req.method, req.route.template)
        h = self.handlers.get(key)
        if h is None:
            req.notes.append("python-gitlab knows %s %s but this fake does not implement it" % key)
            return gl_error(501, "501 Not Implemented by fake_gitlab: %s %s" % key)
        params = dict(req.params)
        if "project_id" in params:
            pkey = params.pop("project_id")
        elif req.route.template == "/projects/{id}":
            pkey = params.pop("id")
        else:
            pkey = None
        with self.lock:
            prj = self.project(pkey) if pkey is not None else None
            if pkey is not None and prj is None:
                return gl_error(404, "404 Project Not Found")
            b = req.json if isinstance(req.json, dict) else {}
            args = {k: urllib.parse.unquote(v) for k, v in params.items()}
            return h(req, prj, b, **args) if prj is not None else h(req, b, **args)

    def project(self, key):
        if re.fullmatch(r"\d+", key):
            return self.projects.get(int(key))
        path = urllib.parse.unquote(key).lower()
        for p in self.projects.values():
            if p.path_with_namespace.lower() == path:
                return p
        return None

    def paginate(self, req, items):
        """GitLab offset pagination: X-Page, X-Per-Page, X-Next-Page, X-Prev-Page,
        X-Total, X-Total-Pages and Link (rel next/prev/first/last)."""
        per_page = as_int(req.q("per_page")) or 20
        per_page = max(1, min(100, per_page))
        page = max(1, as_int(req.q("page")) or 1)
        total = len(items)
        pages = max(1, -(-total // per_page))
        chunk = items[(page - 1) * per_page: page * per_page]
        base = "http://%s%s" % (req.host(), req.raw_path)

        def url(pg):
            q = [(k, v) for k, v in urllib.parse.parse_qsl(req.query, keep_blank_values=True)
                 if k not in ("page", "per_page")]
            q += [("page", str(pg)), ("per_page", str(per_page))]
            return "%s?%s" % (base, urllib.parse.urlencode(q))
        links = []
        if page > 1:
            links.append('<%s>; rel="prev"' % url(page - 1))
        if page < pages:
            links.append('<%s>; rel="next"' % url(page + 1))
        links.append('<%s>; rel="first"' % url(1))
        links.append('<%s>; rel="last"' % url(pages))
        hdrs = [("X-Page", str(page)), ("X-Per-Page", str(per_page)),
                ("X-Next-Page", str(page + 1) if page < pages else ""),
                ("X-Prev-Page", str(page - 1) if page > 1 else ""),
                ("X-Total", str(total)), ("X-Total-Pages", str(pages)),
                ("Link", ", ".join(links))]
        return chunk, hdrs

    # -- JSON builders ----------------------------------------------------------
    def web_base(self):
        return "http://127.0.0.1:%d" % getattr(self, "port", 0)

    def user_json(self, username):
        uid = int(fake_sha("user", username)[:7], 16)
        return {"id": uid, "username": username, "name": username.title(), "state": "active",
                "avatar_url": None, "web_url": "%s/%s" % (self.web_base(), username)}

    def mr_json(self, prj, mr):
        j = copy.deepcopy(self.fixtures.get("get_merge_request", {}))
        v = mr.latest()
        j.update({
            "id": mr.id, "iid": mr.iid, "project_id": prj.id, "title": mr.title,
            "description": mr.description, "state": mr.state, "created_at": mr.created_at,
            "updated_at": mr.created_at, "target_branch": mr.target_branch,
            "source_branch": mr.source_branch, "source_project_id": mr.source_project_id,
            "target_project_id": mr.target_project_id, "labels": list(mr.labels),
            "draft": mr.draft, "work_in_progress": mr.draft, "author": self.user_json(mr.author),
            "sha": v["head_commit_sha"], "merge_commit_sha": None,
            "diff_refs": {"base_sha": v["base_commit_sha"], "head_sha": v["head_commit_sha"],
                          "start_sha": v["start_commit_sha"]},
            "reference": "!%d" % mr.iid,
            "references": {"short": "!%d" % mr.iid, "relative": "!%d" % mr.iid,
                           "full": "%s!%d" % (prj.path_with_namespace, mr.iid)},
            "web_url": "%s/%s/-/merge_requests/%d" % (self.web_base(), prj.path_with_namespace, mr.iid),
            "user_notes_count": sum(1 for d in mr.discussions for n in d["notes"] if not n["system"]),
            "changes_count": str(len(mr.files)), "has_conflicts": False,
            "merge_status": "can_be_merged", "detailed_merge_status": "mergeable",
            "assignee": None, "assignees": [], "reviewers": [], "milestone": None,
            "pipeline": None, "head_pipeline": None, "merged_by": None, "merged_at": None,
            "closed_by": None, "closed_at": None, "user": {"can_merge": True},
        })
        return j

    def version_json(self, mr, v, with_diffs=False):
        j = {"id": v["id"], "head_commit_sha": v["head_commit_sha"], "base_commit_sha": v["base_commit_sha"],
             "start_commit_sha": v["start_commit_sha"], "created_at": v["created_at"],
             "merge_request_id": mr.id, "state": "collected", "real_size": str(len(mr.files))}
        if with_diffs:
            j["diffs"] = self.changes_json(mr) if v is mr.latest() else []
        return j

    def changes_json(self, mr):
        out = []
        for fd in mr.files:
            out.append({"old_path": fd.old_path, "new_path": fd.new_path,
                        "a_mode": fd.old_mode or ("0" if fd.status == "added" else "100644"),
                        "b_mode": fd.new_mode or ("0" if fd.status == "removed" else "100644"),
                        "new_file": fd.status == "added", "renamed_file": fd.status == "renamed",
                        "deleted_file": fd.status == "removed", "generated_file": False,
                        "diff": (fd.patch() + "\n") if fd.patch() else ""})
        return out

    def _new_note(self, prj, mr, disc, body, author, position=None, system=False, nid=None):
        t = pc.now_iso()
        resolvable = not system and not disc["individual_note"]
        return {"id": int(nid) if nid else self.ids(),
                "type": "DiffNote" if position else (None if disc["individual_note"] else "DiscussionNote"),
                "body": body, "attachment": None, "author": self.user_json(author),
                "created_at": t, "updated_at": t, "system": system,
                "noteable_id": mr.id, "noteable_type": "MergeRequest", "noteable_iid": mr.iid,
                "project_id": prj.id, "commit_id": None, "position": position,
                "resolvable": resolvable, "resolved": False if resolvable else None,
                "resolved_by": None, "resolved_at": None,
                "confidential": False, "internal": False, "commands_changes": {}}

    # -- lookups -------------------------------------------------------------
    def _mr(self, prj, iid):
        i = as_int(iid)
        return prj.mrs.get(i) if i is not None else None

    @staticmethod
    def _disc(mr, did):
        for d in mr.discussions:
            if d["id"] == did:
                return d
        return None

    @staticmethod
    def _note(mr, nid):
        i = as_int(nid)
        for d in mr.discussions:
            for n in d["notes"]:
                if n["id"] == i:
                    return d, n
        return None, None

    # -- handlers: user, project, MR ------------------------------------------------
    def h_user(self, req, b):
        j = copy.deepcopy(self.fixtures.get("get_user", {}))
        j.update(self.user_json(self.args.bot_username))
        j["bot"] = True
        return jr(200, j)

    def h_project(self, req, prj, b):
        ns, _, name = prj.path_with_namespace.rpartition("/")
        return jr(200, {
            "id": prj.id, "name": name, "path": name, "path_with_namespace": prj.path_with_namespace,
            "name_with_namespace": prj.path_with_namespace.replace("/", " / "),
            "default_branch": prj.default_branch, "visibility": "private",
            "web_url": "%s/%s" % (self.web_base(), prj.path_with_namespace),
            "namespace": {"id": int(fake_sha("ns", ns)[:6], 16), "name": ns, "path": ns, "kind": "group",
                          "full_path": ns}})

    def h_mr_get(self, req, prj, b, id):
        mr = self._mr(prj, id)
        if not mr:
            return gl_error(404, "404 Not found")
        return jr(200, self.mr_json(prj, mr))

    def _apply_labels(self, labels, b):
        if "labels" in b:
            labels[:] = label_list(b["labels"])
        for x in label_list(b.get("add_labels")):
            if x not in labels:
                labels.append(x)
        for x in label_list(b.get("remove_labels")):
            if x in labels:
                labels.remove(x)

    def h_mr_update(self, req, prj, b, id):
        mr = self._mr(prj, id)
        if not mr:
            return gl_error(404, "404 Not found")
        self._apply_labels(mr.labels, b)
        for f in ("title", "description", "target_branch"):
            if f in b:
                setattr(mr, f, b[f])
        if "title" in b:
            mr.draft = bool(re.match(r"^\s*(\[draft\]|\(draft\)|draft:|draft\s)", mr.title, re.I))
        if b.get("state_event") in ("close", "reopen"):
            mr.state = "closed" if b["state_event"] == "close" else "opened"
        return jr(200, self.mr_json(prj, mr))

    def h_mr_create(self, req, prj, b):
        src, tgt = str(b["source_branch"]), str(b["target_branch"])
        if src not in prj.branches:
            return jr(400, {"message": ["Source branch \"%s\" does not exist" % src]})
        if tgt not in prj.branches:
            return jr(400, {"message": ["Target branch \"%s\" does not exist" % tgt]})
        for mr in prj.mrs.values():
            if mr.state == "opened" and mr.source_branch == src and mr.target_branch == tgt:
                return jr(409, {"message": [
                    "Another open merge request already exists for this source branch: !%d" % mr.iid]})
        iid = max(list(prj.mrs) + [0]) + 1
        mr = prj.mrs[iid] = MergeRequest(prj, iid, self.ids())
        mr.title, mr.description = str(b["title"]), b.get("description") or ""
        mr.draft = bool(re.match(r"^\s*(\[draft\]|\(draft\)|draft:|draft\s)", mr.title, re.I))
        mr.source_branch, mr.target_branch = src, tgt
        mr.author = self.args.bot_username
        mr.labels = label_list(b.get("labels"))
        mr.versions = [{"id": self.ids(), "created_at": pc.now_iso(), "head_commit_sha": prj.branches[src],
                        "base_commit_sha": prj.branches[tgt], "start_commit_sha": prj.branches[tgt]}]
        return jr(201, self.mr_json(prj, mr))

    def h_versions(self, req, prj, b, mr_iid):
        mr = self._mr(prj, mr_iid)
        if not mr:
            return gl_error(404, "404 Not found")
        items = [self.version_json(mr, v) for v in sorted(mr.versions, key=lambda v: -v["id"])]
        chunk, hdrs = self.paginate(req, items)
        return jr(200, chunk, hdrs)

    def h_version(self, req, prj, b, mr_iid, id):
        mr = self._mr(prj, mr_iid)
        v = mr and next((v for v in mr.versions if str(v["id"]) == id), None)
        if not v:
            return gl_error(404, "404 Not found")
        return jr(200, self.version_json(mr, v, with_diffs=True))

    def h_changes(self, req, prj, b, mr_iid):
        mr = self._mr(prj, mr_iid)
        if not mr:
            return gl_error(404, "404 Not found")
        j = self.mr_json(prj, mr)
        j["changes"] = self.changes_json(mr)
        j["overflow"] = False
        return jr(200, j)

    # -- handlers: discussions and notes ---------------------------------------------
    def _check_position(self, mr, pos):
        """None if GitLab could place `pos` on the MR's diff, else the reason."""
        if not isinstance(pos, dict):
            return "position must be an object"
        if pos.get("position_type") != "text":
            return "position_type must be \"text\", got %r" % pos.get("position_type")
        v = mr.latest()
        for mine, theirs in (("base_sha", "base_commit_sha"), ("start_sha", "start_commit_sha"),
                             ("head_sha", "head_commit_sha")):
            if pos.get(mine) != v[theirs]:
                return "%s %r is not the latest version's %s %s" % (mine, pos.get(mine), theirs, v[theirs])
        new_path, old_path = pos.get("new_path"), pos.get("old_path")
        fd = mr.file(new_path) if new_path else None
        if fd is None and old_path:
            fd = next((f for f in mr.files if f.old_path == old_path), None)
        if fd is None:
            return "no file %r / %r in the diff" % (new_path, old_path)
        if new_path and new_path != fd.new_path or old_path and old_path != fd.old_path:
            return "old_path/new_path %r/%r do not name one diff file (it is %r -> %r)" % (
                old_path, new_path, fd.old_path, fd.new_path)
        lr = pos.get("line_range")
        if lr is not None:
            if not isinstance(lr, dict) or not isinstance(lr.get("start"), dict) or not isinstance(lr.get("end"), dict):
                return "line_range needs start and end objects"
            for end in ("start", "end"):
                why = self._check_line(fd, lr[end].get("old_line"), lr[end].get("new_line"))
                if why:
                    return "line_range.%s: %s" % (end, why)
                lc = lr[end].get("line_code")
                if lc is not None:
                    want = "%s_%s_%s" % (hashlib.sha1(fd.new_path.encode()).hexdigest(),
                                         as_int(lr[end].get("old_line")) or 0, as_int(lr[end].get("new_line")) or 0)
                    if lc != want:
                        return "line_range.%s.line_code %r should be %r" % (end, lc, want)
        return self._check_line(fd, pos.get("old_line"), pos.get("new_line"))

    @staticmethod
    def _check_line(fd, old_line, new_line):
        o, n = as_int(old_line), as_int(new_line)
        if old_line is not None and o is None or new_line is not None and n is None:
            return "old_line/new_line must be integers"
        if n is not None and o is None:
            kind = fd.new_lines.get(n, (None, None))[1]
            return None if kind == "+" else "new_line %d alone must be an added line (it is %s)" % (
                n, {" ": "an unchanged line: send old_line too"}.get(kind, "not in the diff"))
        if o is not None and n is None:
            kind = fd.old_lines.get(o, (None, None))[1]
            return None if kind == "-" else "old_line %d alone must be a removed line (it is %s)" % (
                o, {" ": "an unchanged line: send new_line too"}.get(kind, "not in the diff"))
        if o is not None and n is not None:
            a, b = fd.old_lines.get(o), fd.new_lines.get(n)
            if not a or not b or a[1] != " " or b[1] != " ":
                return "old_line %d + new_line %d must be one unchanged line" % (o, n)
            for h in fd.hunks:
                for kind, lo, ln, _ in h.lines:
                    if kind == " " and lo == o:
                        return None if ln == n else "unchanged old line %d is new line %d, not %d" % (o, ln, n)
            return "old_line %d is not an unchanged line" % o
        return "position has neither new_line nor old_line"

    def h_discussions(self, req, prj, b, mr_iid):
        mr = self._mr(prj, mr_iid)
        if not mr:
            return gl_error(404, "404 Not found")
        chunk, hdrs = self.paginate(req, mr.discussions)
        return jr(200, chunk, hdrs)

    def h_discussion_get(self, req, prj, b, mr_iid, id):
        mr = self._mr(prj, mr_iid)
        d = mr and self._disc(mr, id)
        return jr(200, d) if d else gl_error(404, "404 Not found")

    def h_discussion_create(self, req, prj, b, mr_iid):
        mr = self._mr(prj, mr_iid)
        if not mr:
            return gl_error(404, "404 Not found")
        pos = b.get("position")
        if pos is not None:
            why = self._check_position(mr, pos)
            if why:
                req.notes.append("position rejected: " + why)
                return gl_error(400, BAD_POSITION)
            pos = dict(pos)
            for k in ("old_line", "new_line"):
                pos[k] = as_int(pos.get(k))
            pos.setdefault("old_path", mr.file(pos.get("new_path")).old_path if pos.get("new_path") else None)
            pos.setdefault("line_range", None)
        disc = {"id": secrets.token_hex(20), "individual_note": False, "notes": []}
        disc["notes"].append(self._new_note(prj, mr, disc, str(b["body"]), self.args.bot_username, pos))
        mr.discussions.append(disc)
        return jr(201, disc)

    def h_discussion_update(self, req, prj, b, mr_iid, id):
        mr = self._mr(prj, mr_iid)
        d = mr and self._disc(mr, id)
        if not d:
            return gl_error(404, "404 Not found")
        if not any(n["resolvable"] for n in d["notes"]):
            return gl_error(400, "400 Bad request - discussion is not resolvable")
        res = truthy(b.get("resolved"))
        for n in d["notes"]:
            if n["resolvable"]:
                n["resolved"] = res
                n["resolved_by"] = self.user_json(self.args.bot_username) if res else None
                n["resolved_at"] = pc.now_iso() if res else None
        return jr(200, d)

    def h_discussion_note_create(self, req, prj, b, mr_iid, discussion_id):
        mr = self._mr(prj, mr_iid)
        d = mr and self._disc(mr, discussion_id)
        if not d:
            return gl_error(404, "404 Not found")
        if d["individual_note"]:          # replying turns a single note into a thread
            d["individual_note"] = False
            for n in d["notes"]:
                if not n["system"]:
                    n["type"] = n["type"] or "DiscussionNote"
                    n["resolvable"], n["resolved"] = True, False
        first = d["notes"][0] if d["notes"] else None
        note = self._new_note(prj, mr, d, str(b["body"]), self.args.bot_username,
                              first["position"] if first else None)
        d["notes"].append(note)
        return jr(201, note)

    def h_discussion_note_get(self, req, prj, b, mr_iid, discussion_id, id):
        mr = self._mr(prj, mr_iid)
        d = mr and self._disc(mr, discussion_id)
        n = d and next((n for n in d["notes"] if str(n["id"]) == id), None)
        return jr(200, n) if n else gl_error(404, "404 Not found")

    def h_discussion_note_update(self, req, prj, b, mr_iid, discussion_id, id):
        mr = self._mr(prj, mr_iid)
        d = mr and self._disc(mr, discussion_id)
        n = d and next((n for n in d["notes"] if str(n["id"]) == id), None)
        if not n:
            return gl_error(404, "404 Not found")
        return self._update_note(n, b)

    def h_discussion_note_delete(self, req, prj, b, mr_iid, discussion_id, id):
        mr = self._mr(prj, mr_iid)
        d = mr and self._disc(mr, discussion_id)
        n = d and next((n for n in d["notes"] if str(n["id"]) == id), None)
        if not n:
            return gl_error(404, "404 Not found")
        return self._delete_note(mr, d, n)

    def _update_note(self, n, b):
        if "body" in b:
            n["body"], n["updated_at"] = str(b["body"]), pc.now_iso()
        if "resolved" in b and n["resolvable"]:
            n["resolved"] = truthy(b["resolved"])
        return jr(200, n)

    @staticmethod
    def _delete_note(mr, d, n):
        d["notes"].remove(n)
        if not d["notes"]:
            mr.discussions.remove(d)
        return pc.Response(204)

    def h_notes(self, req, prj, b, mr_iid):
        mr = self._mr(prj, mr_iid)
        if not mr:
            return gl_error(404, "404 Not found")
        notes = [n for d in mr.discussions for n in d["notes"]]
        key = "updated_at" if req.q("order_by") == "updated_at" else "created_at"
        notes.sort(key=lambda n: (n[key], n["id"]), reverse=req.q("sort", "desc") != "asc")
        chunk, hdrs = self.paginate(req, notes)
        return jr(200, chunk, hdrs)

    def h_note_create(self, req, prj, b, mr_iid):
        mr = self._mr(prj, mr_iid)
        if not mr:
            return gl_error(404, "404 Not found")
        disc = {"id": secrets.token_hex(20), "individual_note": True, "notes": []}
        note = self._new_note(prj, mr, disc, str(b["body"]), self.args.bot_username)
        disc["notes"].append(note)
        mr.discussions.append(disc)
        return jr(201, note)

    def h_note_get(self, req, prj, b, mr_iid, id):
        mr = self._mr(prj, mr_iid)
        _, n = self._note(mr, id) if mr else (None, None)
        return jr(200, n) if n else gl_error(404, "404 Not found")

    def h_note_update(self, req, prj, b, mr_iid, id):
        mr = self._mr(prj, mr_iid)
        _, n = self._note(mr, id) if mr else (None, None)
        if not n:
            return gl_error(404, "404 Not found")
        return self._update_note(n, b)

    def h_note_delete(self, req, prj, b, mr_iid, id):
        mr = self._mr(prj, mr_iid)
        d, n = self._note(mr, id) if mr else (None, None)
        if not n:
            return gl_error(404, "404 Not found")
        return self._delete_note(mr, d, n)

    # -- handlers: statuses, branches, issues --------------------------------------------
    def h_status_create(self, req, prj, b, commit_id):
        if not prj.known_commit(commit_id):
            return gl_error(404, "404 Commit Not Found")
        state = b.get("state")
        if state not in STATUS_STATES:
            return jr(400, {"error": "state does not have a valid value"})
        name = b.get("name") or b.get("context") or "default"
        ref = b.get("ref")
        prev = [s for s in prj.statuses if s["sha"] == commit_id and s["name"] == name
                and (ref is None or s["ref"] == ref)]
        if prev and prev[-1]["status"] == state and state in ("pending", "running"):
            ev = {"pending": "enqueue", "running": "run"}[state]
            return gl_error(400, "Cannot transition status via :%s from :%s "
                                 "(Reason(s): Status cannot transition via \"%s\")" % (ev, state, ev))
        if ref is None:
            ref = next((br for br, sha in prj.branches.items() if sha == commit_id), None)
        t = pc.now_iso()
        st = {"id": self.ids(), "sha": commit_id, "ref": ref, "status": state, "name": name,
              "target_url": b.get("target_url"), "description": b.get("description"),
              "coverage": b.get("coverage"), "pipeline_id": b.get("pipeline_id"), "created_at": t,
              "started_at": t if state != "pending" else None,
              "finished_at": t if state in ("success", "failed", "canceled") else None,
              "allow_failure": False, "author": self.user_json(self.args.bot_username)}
        prj.statuses.append(st)
        return jr(201, st)

    def h_statuses(self, req, prj, b, commit_id):
        items = [s for s in prj.statuses if s["sha"] == commit_id]
        chunk, hdrs = self.paginate(req, items)
        return jr(200, chunk, hdrs)

    def _branch_json(self, prj, name):
        j = copy.deepcopy(self.fixtures.get("get_branch", {"commit": {}}))
        sha = prj.branches[name]
        j.update({"name": name, "merged": False, "protected": name == prj.default_branch,
                  "default": name == prj.default_branch, "can_push": True,
                  "web_url": "%s/%s/-/tree/%s" % (self.web_base(), prj.path_with_namespace, name)})
        j["commit"] = dict(j.get("commit") or {}, id=sha, short_id=sha[:8], parent_ids=[])
        return j

    def h_branch_create(self, req, prj, b):
        name, ref = str(b["branch"]), str(b["ref"])
        if name in prj.branches:
            return gl_error(400, "Branch already exists")
        sha = prj.branches.get(ref) or (ref if re.fullmatch(r"[0-9a-f]{40}", ref) and prj.known_commit(ref) else None)
        if sha is None:
            return gl_error(400, "Invalid reference name: %s" % ref)
        prj.branches[name] = sha
        return jr(201, self._branch_json(prj, name))

    def h_branch_get(self, req, prj, b, id):
        if id not in prj.branches:
            return gl_error(404, "404 Branch Not Found")
        return jr(200, self._branch_json(prj, id))

    def _issue_json(self, prj, i):
        return dict(i, project_id=prj.id, author=self.user_json("alice"),
                    web_url="%s/%s/-/issues/%d" % (self.web_base(), prj.path_with_namespace, i["iid"]))

    def h_issue_get(self, req, prj, b, id):
        i = prj.issues.get(as_int(id))
        return jr(200, self._issue_json(prj, i)) if i else gl_error(404, "404 Not found")

    def h_issue_update(self, req, prj, b, id):
        i = prj.issues.get(as_int(id))
        if not i:
            return gl_error(404, "404 Not found")
        self._apply_labels(i["labels"], b)
        for f in ("title", "description"):
            if f in b:
                i[f] = b[f]
        if b.get("state_event") in ("close", "reopen"):
            i["state"] = "closed" if b["state_event"] == "close" else "opened"
        return jr(200, self._issue_json(prj, i))

    # -- handlers: CI jobs ---------------------------------------------------------------
    def _job_json(self, prj, j):
        return {"id": j["id"], "name": j["name"], "stage": j["stage"], "status": j["status"],
                "ref": j["ref"], "failure_reason": j.get("failure_reason"),
                "pipeline": {"id": j["pipeline_id"], "project_id": prj.id, "status": "failed"},
                "web_url": "%s/%s/-/jobs/%d" % (self.web_base(), prj.path_with_namespace, j["id"]),
                "created_at": pc.now_iso(-600), "started_at": pc.now_iso(-590), "finished_at": pc.now_iso(-60),
                "allow_failure": False, "retried": bool(j.get("retried"))}

    def h_job_get(self, req, prj, b, id):
        j = prj.jobs.get(as_int(id))
        return jr(200, self._job_json(prj, j)) if j else gl_error(404, "404 Not found")

    def h_job_trace(self, req, prj, b, job_id):
        j = prj.jobs.get(as_int(job_id))
        if not j:
            return gl_error(404, "404 Not found")
        return pc.text_response(200, j.get("trace", ""))

    def _retry(self, prj, j):
        j["retried"] = True
        nid = self.ids()
        prj.jobs[nid] = dict(j, id=nid, status="pending", retried=False, trace="")
        prj.retries.append({"job_id": j["id"], "new_job_id": nid, "time": pc.now_iso()})
        return prj.jobs[nid]

    def h_job_retry(self, req, prj, b, job_id):
        j = prj.jobs.get(as_int(job_id))
        if not j:
            return gl_error(404, "404 Not found")
        if j["status"] not in ("failed", "canceled", "success"):
            return gl_error(403, "403 Forbidden - Job is not retryable")
        return jr(201, self._job_json(prj, self._retry(prj, j)))

    def h_pipeline_jobs(self, req, prj, b, pipeline_id):
        pid = as_int(pipeline_id)
        jobs = [j for j in prj.jobs.values() if j["pipeline_id"] == pid]
        if not jobs:
            return gl_error(404, "404 Not found")
        scopes = req.qs.get("scope[]", []) + req.qs.get("scope", [])
        if scopes:
            jobs = [j for j in jobs if j["status"] in scopes]
        if not truthy(req.q("include_retried", "false")):
            jobs = [j for j in jobs if not j.get("retried")]
        chunk, hdrs = self.paginate(req, [self._job_json(prj, j) for j in sorted(jobs, key=lambda j: -j["id"])])
        return jr(200, chunk, hdrs)

    def h_pipeline_retry(self, req, prj, b, pipeline_id):
        pid = as_int(pipeline_id)
        jobs = [j for j in prj.jobs.values() if j["pipeline_id"] == pid]
        if not jobs:
            return gl_error(404, "404 Not found")
        for j in list(jobs):
            if j["status"] in ("failed", "canceled") and not j.get("retried"):
                self._retry(prj, j)
        return jr(201, {"id": pid, "project_id": prj.id, "status": "running",
                                      "ref": jobs[0]["ref"], "sha": prj.branches.get(jobs[0]["ref"]),
                                      "web_url": "%s/%s/-/pipelines/%d" % (
                                          self.web_base(), prj.path_with_namespace, pid)})


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--port-file", required=True, help="write the listening port here")
    ap.add_argument("--port", type=int, default=0, help="0 = pick a free port")
    ap.add_argument("--token", help="PRIVATE-TOKEN with full access")
    ap.add_argument("--job-token", help="CI_JOB_TOKEN (JOB-TOKEN header): a few GETs only")
    ap.add_argument("--oauth-token", help="OAuth token (Authorization: Bearer) with full access")
    ap.add_argument("--bot-username", default="forgebot", help="author of what the client posts")
    ap.add_argument("--fixtures", default=GO_GITLAB_TESTDATA, help="go-gitlab testdata directory")
    ap.add_argument("--seed", help="seed JSON file, loaded at start and after each reset")
    args = ap.parse_args()
    pc.serve(GitLabApp(args), args.port, args.port_file)


if __name__ == "__main__":
    main()
