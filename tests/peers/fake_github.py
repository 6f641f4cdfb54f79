#!/usr/bin/python3
"""fake_github.py - a stateful GitHub REST fake, contract-checked by Prism.

Purpose.  forgebot's integration tests point the GitHub client at this server
instead of api.github.com.  It keeps real state (pull requests seeded from a
unified diff, comments, reviews, statuses, check runs, SARIF uploads, labels,
refs, job logs), validates what GitHub validates where forgebot is likely to
get it wrong (review comment lines must lie in a diff hunk, commit ids must be
known, 50 annotations per request, SARIF must be gzip+base64 of SARIF 2.1.0,
GitHub App JWTs must be RS256-signed and short-lived), and records every
request so tests can assert on exactly what the client sent.

Contract check.  With --prism URL every API request is also replayed against a
Prism mock server loaded with GitHub's own OpenAPI description
(@octokit/openapi).  Prism's answer is never returned to the client; it only
yields the "contract" verdict in the request log: "ok", or the violation
messages when Prism reports the path or method unknown (404 NO_PATH_MATCHED,
405), answers 400/422, or lists request-side Error violations in its
`sl-violations` header.  Violations Prism reports about its *own* generated
response ("response" location) are ignored: they say nothing about the client.
Without --prism the verdict is "unchecked".

Design.  peer_common.py does the HTTP, logging, faults and control API; this
file is the GitHub model: a route table of (method, regex, handler, access),
per-repository state objects, and GitHub-shaped JSON builders.  The same
routes answer under an /api/v3 prefix (GitHub Enterprise Server).  Ids start
above 2**31 so 32-bit truncation in the client shows up.  Run with
/usr/bin/python3 (stdlib only); RSA verification shells out to `openssl`.
"""

import argparse
import base64
import gzip
import hashlib
import http.client
import json
import os
import re
import secrets
import subprocess
import sys
import tempfile
import time
import urllib.parse

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import peer_common as pc  # noqa: E402

DOCS = "https://docs.github.com/rest"
RATE_LIMIT = 5000
ALL_PERMISSIONS = {"actions": "write", "checks": "write", "contents": "write",
                   "issues": "write", "metadata": "read", "pull_requests": "write",
                   "security_events": "write", "statuses": "write"}


def fake_sha(*parts):
    return hashlib.sha1("\0".join(str(p) for p in parts).encode()).hexdigest()


def b64url_decode(s):
    s = s + "=" * (-len(s) % 4)
    return base64.urlsafe_b64decode(s.encode())


def gh_error(status, message, errors=None, doc=DOCS):
    body = {"message": message, "documentation_url": doc, "status": str(status)}
    if errors is not None:
        body["errors"] = errors
    return pc.json_response(status, body)


def unprocessable(errors, message="Unprocessable Entity"):
    return gh_error(422, message, errors)


def validation_failed(resource, field, code="invalid", message=None):
    err = {"resource": resource, "field": field, "code": code}
    if message:
        err["message"] = message
    return gh_error(422, "Validation Failed", [err])


def not_found():
    return gh_error(404, "Not Found")


# ---------------------------------------------------------------------------
# State
# ---------------------------------------------------------------------------


class Pull:
    """A pull request: metadata plus the parsed diff of every head it had."""

    def __init__(self, number):
        self.number = int(number)
        self.created_at = pc.now_iso()
        self.history = []             # earlier head shas, oldest first
        self.diffs = {}               # head sha -> (diff text, [FileDiff])
        self.head_sha = None

    def update(self, repo, spec, defaults):
        old_head = self.head_sha
        n = self.number
        self.title = spec.get("title", getattr(self, "title", "Pull request #%d" % n))
        self.body = spec.get("body", getattr(self, "body", ""))
        self.state = spec.get("state", getattr(self, "state", "open"))
        self.draft = bool(spec.get("draft", getattr(self, "draft", False)))
        self.user = spec.get("user", getattr(self, "user", "octocat"))
        self.head_sha = spec.get("head_sha") or self.head_sha or fake_sha("head", repo.full_name, n)
        self.base_sha = spec.get("base_sha") or getattr(self, "base_sha", None) or fake_sha("base", repo.full_name, n)
        self.head_ref = spec.get("head_ref", getattr(self, "head_ref", "feature"))
        self.base_ref = spec.get("base_ref", getattr(self, "base_ref", repo.default_branch))
        self.head_repo = spec["head_repo"] if "head_repo" in spec else getattr(self, "head_repo", repo.full_name)
        # Per-pull options fall back to the seed document's, then to before.
        for opt, empty in (("files_without_patch", ()), ("diff_too_large", False)):
            val = spec.get(opt, defaults.get(opt, getattr(self, opt, empty)))
            setattr(self, opt, set(val) if opt == "files_without_patch" else bool(val))
        if old_head and old_head != self.head_sha and old_head not in self.history:
            self.history.append(old_head)
        diff = spec.get("diff")
        if diff is None:
            diff = self.diffs.get(self.head_sha, ("", []))[0] if old_head == self.head_sha else ""
        self.diffs[self.head_sha] = (diff, pc.parse_unified_diff(diff))

    @property
    def diff(self):
        return self.diffs[self.head_sha][0]

    def files(self, sha=None):
        return self.diffs[sha or self.head_sha][1]

    def known_shas(self):
        return set(self.history) | {self.head_sha}


class Repo:
    def __init__(self, full_name, app):
        self.full_name = full_name
        self.owner, self.name = full_name.split("/", 1)
        self.default_branch = "main"
        self.drafts_allowed = True
        self.pulls = {}
        self.issues = {}              # number -> {title, body, state, user}
        self.labels = {}              # issue/pull number -> [names]
        self.issue_comments = []
        self.review_comments = []
        self.reviews = []
        self.statuses = []
        self.check_runs = {}
        self.sarifs = {}
        self.refs = {}                # "refs/heads/main" -> sha
        self.commits = set()          # extra known commit shas
        self.runs = {}                # run id -> [job dicts]
        self.reruns = []

    def known_commit(self, sha):
        if sha in self.commits or sha in self.refs.values():
            return True
        return any(sha in p.known_shas() or sha == p.base_sha for p in self.pulls.values())

    def issue_exists(self, n):
        return n in self.pulls or n in self.issues

    def next_number(self):
        return max(list(self.pulls) + list(self.issues) + [0]) + 1


# ---------------------------------------------------------------------------
# The application
# ---------------------------------------------------------------------------


class GitHubApp(pc.PeerApp):
    def __init__(self, args):
        super().__init__()
        self.args = args
        self.ids = pc.IdGen()
        self.started = time.time()
        self.seed_file = args.seed
        self.app_key = None
        if args.app_public_key:
            with open(args.app_public_key) as f:
                self.app_key = f.read()
        self.routes = self._routes()
        self.reset_state()

    # -- state ----------------------------------------------------------------
    def reset_state(self):
        self.repos = {}
        self.job_logs = {}            # job id (str) -> log text
        self.inst_tokens = {}         # token -> expiry epoch
        self.tokens_issued = 0
        self.log_fetches = []
        self.rate_used = 0
        self.rate_reset = int(time.time()) + 3600
        if self.seed_file:
            self.seed(pc.load_json_file(self.seed_file))

    def repo(self, owner, name, create=False):
        key = ("%s/%s" % (owner, name)).lower()
        r = self.repos.get(key)
        if r is None and create:
            r = self.repos[key] = Repo("%s/%s" % (owner, name), self)
        return r

    def seed(self, obj):
        docs = obj if isinstance(obj, list) else [obj]
        for doc in docs:
            self._seed_one(doc)

    def _seed_one(self, doc):
        for k, v in (doc.get("job_logs") or {}).items():
            self.job_logs[str(k)] = v
        if not doc.get("repo"):
            return
        owner, name = doc["repo"].split("/", 1)
        r = self.repo(owner, name, create=True)
        r.default_branch = doc.get("default_branch", r.default_branch)
        r.drafts_allowed = bool(doc.get("drafts_allowed", r.drafts_allowed))
        defaults = {k: doc[k] for k in ("files_without_patch", "diff_too_large") if k in doc}
        for spec in doc.get("pulls") or []:
            n = int(spec["number"])
            p = r.pulls.get(n) or r.pulls.setdefault(n, Pull(n))
            p.update(r, spec, defaults)
            r.refs.setdefault("refs/heads/" + p.base_ref, p.base_sha)
            if p.head_repo and p.head_repo.lower() == r.full_name.lower():
                r.refs["refs/heads/" + p.head_ref] = p.head_sha
            r.refs["refs/pull/%d/head" % n] = p.head_sha
            if "labels" in spec or n not in r.labels:
                r.labels[n] = list(spec.get("labels", []))
        for spec in doc.get("issues") or []:
            n = int(spec["number"])
            r.issues[n] = {"title": spec.get("title", "Issue #%d" % n), "body": spec.get("body", ""),
                           "state": spec.get("state", "open"), "user": spec.get("user", "octocat")}
            r.labels[n] = list(spec.get("labels", r.labels.get(n, [])))
        for ref, sha in (doc.get("refs") or {}).items():
            r.refs[ref if ref.startswith("refs/") else "refs/heads/" + ref] = sha
        r.commits.update(doc.get("commits") or [])
        for run_id, jobs in (doc.get("runs") or {}).items():
            r.runs[str(run_id)] = [dict(j, run_id=int(run_id)) for j in jobs]
        for c in doc.get("issue_comments") or []:
            r.issue_comments.append(self._new_issue_comment(r, int(c["issue"]), c["body"],
                                                            c.get("user", "octocat"), c.get("id")))
        for c in doc.get("review_comments") or []:
            p = r.pulls[int(c["pull"])]
            fd = self._file(p, p.head_sha, c["path"])
            r.review_comments.append(self._new_review_comment(
                r, p, c, fd, p.head_sha, None, c.get("user", "octocat"), c.get("id")))

    def dump_state(self):
        """Everything the fake holds; bookkeeping keys lose their underscore
        (`_pull` -> `pull`, a check run's `_annotations` -> `annotations`)."""
        def show(obj):
            if isinstance(obj, list):
                return [show(o) for o in obj]
            return {k.lstrip("_"): v for k, v in obj.items()}
        out = {"installation_tokens_issued": self.tokens_issued,
               "log_fetches": self.log_fetches, "job_logs": sorted(self.job_logs), "repos": {}}
        for r in self.repos.values():
            out["repos"][r.full_name] = {
                "pulls": [self.pull_json(None, r, p) for p in sorted(r.pulls.values(), key=lambda p: p.number)],
                "issues": {str(k): v for k, v in r.issues.items()},
                "labels": {str(k): v for k, v in r.labels.items() if v},
                "issue_comments": show(r.issue_comments),
                "review_comments": show(r.review_comments),
                "reviews": show(r.reviews),
                "statuses": r.statuses,
                "check_runs": show(list(r.check_runs.values())),
                "sarif_uploads": list(r.sarifs.values()),
                "refs": r.refs,
                "reruns": r.reruns,
            }
        return out

    # -- auth ---------------------------------------------------------------
    def classify(self, req):
        """(scheme, which, credential) for the Authorization header."""
        h = req.header("Authorization")
        if not h:
            return ("", "none", None)
        scheme, _, cred = h.strip().partition(" ")
        cred = cred.strip()
        if scheme.lower() not in ("bearer", "token") or not cred:
            return (scheme, "bad", None)
        a = self.args
        if a.token and cred == a.token:
            return (scheme, "token", cred)
        if a.readonly_token and cred == a.readonly_token:
            return (scheme, "readonly", cred)
        if cred in self.inst_tokens:
            if self.inst_tokens[cred] > time.time():
                return (scheme, "installation", cred)
            return (scheme, "bad", cred)
        if cred.count(".") == 2 and cred.startswith("eyJ"):
            return (scheme, "jwt", cred)
        return (scheme, "bad", cred)

    def redact_headers(self, req):
        out = {}
        for k, v in req.headers.items():
            k = k.lower()
            if k == "authorization":
                scheme, which, _ = self.classify(req)
                v = ("%s %s" % (scheme, which)).strip()
            out[k] = v
        return out

    def verify_jwt(self, jwt):
        """None if the JWT is acceptable for this app, else the reason."""
        if not self.app_key or not self.args.app_id:
            return "this fake has no GitHub App configured (--app-id/--app-public-key)"
        try:
            h64, p64, s64 = jwt.split(".")
            header = json.loads(b64url_decode(h64))
            claims = json.loads(b64url_decode(p64))
            sig = b64url_decode(s64)
        except (ValueError, TypeError) as e:
            return "A JSON web token could not be decoded (%s)" % e
        if header.get("alg") != "RS256":
            return "JWT alg must be RS256, got %r" % header.get("alg")
        if not self._rsa_verify((h64 + "." + p64).encode(), sig):
            return "JWT signature does not verify with the app's public key"
        now = time.time()
        if str(claims.get("iss")) != str(self.args.app_id):
            return "'Issuer' claim ('iss') must match the app id %s, got %r" % (self.args.app_id, claims.get("iss"))
        iat, exp = claims.get("iat"), claims.get("exp")
        if not isinstance(iat, (int, float)) or isinstance(iat, bool) or iat > now:
            return "'Issued at' claim ('iat') must be a number not in the future"
        if not isinstance(exp, (int, float)) or isinstance(exp, bool) or exp <= now:
            return "'Expiration time' claim ('exp') must be a number in the future"
        if exp - iat > 660:
            return "'Expiration time' claim ('exp') is too far in the future (exp - iat = %d > 660)" % (exp - iat)
        return None

    def _rsa_verify(self, data, sig):
        with tempfile.TemporaryDirectory() as d:
            key, sf, df = (os.path.join(d, n) for n in ("key.pem", "sig.bin", "data.bin"))
            with open(key, "w") as f:
                f.write(self.app_key)
            with open(sf, "wb") as f:
                f.write(sig)
            with open(df, "wb") as f:
                f.write(data)
            mode = "-prverify" if "PRIVATE KEY" in self.app_key else "-verify"
            r = subprocess.run(["openssl", "dgst", "-sha256", mode, key, "-signature", sf, df],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE)
            return r.returncode == 0

    # -- common headers -------------------------------------------------------
    def common_headers(self, req):
        if req.raw_path.startswith("/__logs/"):
            return []
        with self.lock:
            if time.time() > self.rate_reset:
                self.rate_used, self.rate_reset = 0, int(time.time()) + 3600
            if req.raw_path.rstrip("/") not in ("/rate_limit", "/api/v3/rate_limit"):
                self.rate_used += 1
            used = self.rate_used
        return [("x-ratelimit-limit", str(RATE_LIMIT)),
                ("x-ratelimit-remaining", str(max(0, RATE_LIMIT - used))),
                ("x-ratelimit-used", str(used)),
                ("x-ratelimit-reset", str(self.rate_reset)),
                ("x-ratelimit-resource", "core"),
                ("x-github-request-id", "%04X:%06X:%X:%X:%08X" % (
                    secrets.randbits(16), secrets.randbits(24), secrets.randbits(28),
                    secrets.randbits(28), int(time.time()))),
                ("x-github-api-version-selected", "2022-11-28")]

    # -- contract check via Prism ---------------------------------------------
    def contract_before(self, req):
        if req.raw_path.startswith("/__logs/"):
            req.entry["contract_default"] = "ok"
            if req.header("Authorization"):
                req.violations.append("Authorization header sent to the log storage host "
                                      "(a cross-host redirect must not carry the token)")
            return
        if not self.args.prism:
            return
        path = req.raw_path[len("/api/v3"):] if req.raw_path.startswith("/api/v3/") else req.raw_path
        u = urllib.parse.urlsplit(self.args.prism)
        headers = {"Authorization": "Bearer x"}
        for h in ("Content-Type", "Accept"):
            if req.header(h):
                headers[h] = req.header(h)
        try:
            conn = http.client.HTTPConnection(u.hostname, u.port or 80, timeout=30)
            conn.request(req.method, path + ("?" + req.query if req.query else ""),
                         body=req.body if req.body else None, headers=headers)
            r = conn.getresponse()
            data = r.read()
            viol_hdr = r.getheader("sl-violations")
            conn.close()
        except OSError as e:
            req.violations.append("contract check failed: Prism unreachable at %s: %s" % (self.args.prism, e))
            return
        req.entry["contract_default"] = "ok"
        msgs = []
        text = data.decode("utf-8", "replace")
        if r.status == 404 and "NO_PATH_MATCHED" in text:
            msgs.append("%s %s: no such path in GitHub's OpenAPI description" % (req.method, path))
        elif r.status == 405:
            msgs.append("%s %s: method not allowed for this path in GitHub's OpenAPI description" % (req.method, path))
        if viol_hdr:
            try:
                for v in json.loads(viol_hdr):
                    loc = v.get("location") or []
                    if v.get("severity") == "Error" and (not loc or loc[0] == "request"):
                        msgs.append(v.get("message", str(v)))
            except ValueError:
                msgs.append("unparseable sl-violations header: %s" % viol_hdr[:200])
        if r.status in (400, 422):
            try:
                body = json.loads(text)
            except ValueError:
                body = None
            if isinstance(body, dict):
                for v in body.get("validation") or []:
                    msgs.append(v.get("message", str(v)))
                if isinstance(body.get("error"), dict):
                    msgs.append(str(body["error"].get("message")))
            if not msgs:
                msgs.append("Prism answered %d: %s" % (r.status, text[:200]))
        req.violations.extend(dict.fromkeys(msgs))  # de-duplicated, ordered

    # -- dispatch ---------------------------------------------------------------
    def _routes(self):
        R = r"/repos/(?P<owner>[^/]+)/(?P<repo>[^/]+)"
        N = r"(?P<n>\d+)"
        ID = r"(?P<id>\d+)"
        rt = [
            # method, regex, handler, access: public|jwt|read|write
            ("GET", r"/rate_limit", self.h_rate_limit, "public"),
            ("GET", r"/user", self.h_user, "read"),
            ("GET", r"/app", self.h_app, "jwt"),
            ("POST", r"/app/installations/(?P<inst>\d+)/access_tokens", self.h_access_token, "jwt"),
            ("GET", R + r"/installation", self.h_repo_installation, "jwt"),
            ("GET", R, self.h_repo, "read"),
            ("GET", R + r"/pulls/" + N, self.h_pull, "read"),
            ("POST", R + r"/pulls", self.h_pull_create, "write"),
            ("GET", R + r"/pulls/" + N + r"/files", self.h_pull_files, "read"),
            ("GET", R + r"/pulls/" + N + r"/comments", self.h_review_comments_list, "read"),
            ("POST", R + r"/pulls/" + N + r"/comments", self.h_review_comment_create, "write"),
            ("POST", R + r"/pulls/" + N + r"/comments/" + ID + r"/replies", self.h_review_comment_reply, "write"),
            ("GET", R + r"/pulls/comments/" + ID, self.h_review_comment_get, "read"),
            ("PATCH", R + r"/pulls/comments/" + ID, self.h_review_comment_update, "write"),
            ("DELETE", R + r"/pulls/comments/" + ID, self.h_review_comment_delete, "write"),
            ("GET", R + r"/pulls/" + N + r"/reviews", self.h_reviews_list, "read"),
            ("POST", R + r"/pulls/" + N + r"/reviews", self.h_review_create, "write"),
            ("GET", R + r"/issues/" + N, self.h_issue, "read"),
            ("GET", R + r"/issues/" + N + r"/comments", self.h_issue_comments_list, "read"),
            ("POST", R + r"/issues/" + N + r"/comments", self.h_issue_comment_create, "write"),
            ("GET", R + r"/issues/comments/" + ID, self.h_issue_comment_get, "read"),
            ("PATCH", R + r"/issues/comments/" + ID, self.h_issue_comment_update, "write"),
            ("DELETE", R + r"/issues/comments/" + ID, self.h_issue_comment_delete, "write"),
            ("GET", R + r"/issues/" + N + r"/labels", self.h_labels_list, "read"),
            ("POST", R + r"/issues/" + N + r"/labels", self.h_labels_add, "write"),
            ("DELETE", R + r"/issues/" + N + r"/labels/(?P<name>[^/]+)", self.h_label_delete, "write"),
            ("POST", R + r"/statuses/(?P<sha>[^/]+)", self.h_status_create, "write"),
            ("POST", R + r"/check-runs", self.h_check_create, "write"),
            ("GET", R + r"/check-runs/" + ID, self.h_check_get, "read"),
            ("PATCH", R + r"/check-runs/" + ID, self.h_check_update, "write"),
            ("GET", R + r"/check-runs/" + ID + r"/annotations", self.h_check_annotations, "read"),
            ("POST", R + r"/code-scanning/sarifs", self.h_sarif_upload, "write"),
            ("GET", R + r"/code-scanning/sarifs/(?P<sid>[^/]+)", self.h_sarif_get, "read"),
            ("POST", R + r"/git/refs", self.h_ref_create, "write"),
            ("GET", R + r"/git/ref/(?P<ref>.+)", self.h_ref_get, "read"),
            ("PATCH", R + r"/git/refs/(?P<ref>.+)", self.h_ref_update, "write"),
            ("GET", R + r"/actions/runs/(?P<run>\d+)/jobs", self.h_run_jobs, "read"),
            ("GET", R + r"/actions/jobs/" + ID, self.h_job_get, "read"),
            ("GET", R + r"/actions/jobs/" + ID + r"/logs", self.h_job_logs, "read"),
            ("POST", R + r"/actions/jobs/" + ID + r"/rerun", self.h_job_rerun, "write"),
            ("GET", r"/__logs/(?P<job>[^/]+)", self.h_log_blob, "public"),
        ]
        return [(m, re.compile("^" + rx + "/?$"), h, acc) for m, rx, h, acc in rt]

    def handle(self, req):
        path = req.raw_path
        if path.startswith("/api/v3/") or path == "/api/v3":
            path = path[len("/api/v3"):] or "/"
        for method, rx, handler, access in self.routes:
            m = rx.match(path)
            if not m or (method != req.method and not (method == "GET" and req.method == "HEAD")):
                continue
            denied = self._check_access(req, access)
            if denied is not None:
                return denied
            if req.body and req.method in ("POST", "PATCH", "PUT"):
                # GitHub parses the body as JSON whatever the Content-Type says.
                try:
                    req.json = json.loads(req.body)
                except ValueError as e:
                    req.json, req.json_error = None, str(e)
            if req.body and req.json is None and req.method in ("POST", "PATCH", "PUT"):
                req.notes.append("body is not JSON: %s" % req.json_error)
                return gh_error(400, "Problems parsing JSON")
            params = {k: urllib.parse.unquote(v) for k, v in m.groupdict().items()}
            return handler(req, **params)
        # GitHub answers 404 for unknown paths and for unsupported methods alike.
        req.notes.append("no such endpoint in the fake")
        return not_found()

    def _check_access(self, req, access):
        if access == "public":
            return None
        scheme, which, cred = self.classify(req)
        if access == "jwt":
            if which != "jwt":
                req.notes.append("app endpoint needs a JWT, got %s" % which)
                return gh_error(401, "A JSON web token could not be decoded")
            why = self.verify_jwt(cred)
            if why:
                req.notes.append(why)
                return gh_error(401, why)
            return None
        if which in ("none", "bad"):
            return gh_error(401, "Bad credentials")
        if which == "jwt":
            req.notes.append("a JWT only works on /app endpoints; exchange it for an installation token")
            return gh_error(401, "Bad credentials")
        if which == "readonly" and access == "write":
            return gh_error(403, "Resource not accessible by integration",
                            doc="https://docs.github.com/rest/overview/permissions-required-for-github-apps")
        return None

    # -- JSON builders -----------------------------------------------------
    def api_base(self, req):
        host = req.host() if req is not None else "127.0.0.1:%d" % getattr(self, "port", 0)
        prefix = "/api/v3" if req is not None and req.raw_path.startswith("/api/v3/") else ""
        return "http://%s%s" % (host, prefix)

    def user_json(self, login, req=None):
        uid = int(fake_sha("user", login)[:7], 16)
        return {"login": login, "id": uid, "node_id": "U_%d" % uid,
                "avatar_url": "https://avatars.githubusercontent.com/u/%d" % uid,
                "url": "https://api.github.com/users/%s" % login,
                "html_url": "https://github.com/%s" % login.replace("[bot]", ""),
                "type": "Bot" if login.endswith("[bot]") else "User", "site_admin": False}

    def repo_json(self, req, full_name):
        if full_name is None:
            return None
        owner, name = full_name.split("/", 1)
        rid = int(fake_sha("repo", full_name.lower())[:7], 16)
        r = self.repo(owner, name)
        return {"id": rid, "node_id": "R_%d" % rid, "name": name, "full_name": full_name,
                "private": False, "owner": self.user_json(owner),
                "html_url": "https://github.com/%s" % full_name,
                "url": "%s/repos/%s" % (self.api_base(req), full_name),
                "fork": r is None, "default_branch": r.default_branch if r else "main",
                "archived": False, "disabled": False, "visibility": "public"}

    def pull_json(self, req, r, p):
        base = self.api_base(req)
        url = "%s/repos/%s/pulls/%d" % (base, r.full_name, p.number)
        files = p.files()
        head_repo = self.repo_json(req, p.head_repo)
        if head_repo and p.head_repo.lower() != r.full_name.lower():
            head_repo["fork"] = True
        head_owner = (p.head_repo or r.full_name).split("/")[0]
        return {
            "url": url, "id": int(fake_sha("pull", r.full_name, p.number)[:8], 16),
            "node_id": "PR_%d" % p.number, "number": p.number,
            "html_url": "https://github.com/%s/pull/%d" % (r.full_name, p.number),
            "diff_url": "https://github.com/%s/pull/%d.diff" % (r.full_name, p.number),
            "patch_url": "https://github.com/%s/pull/%d.patch" % (r.full_name, p.number),
            "issue_url": "%s/repos/%s/issues/%d" % (base, r.full_name, p.number),
            "state": p.state, "locked": False, "title": p.title, "body": p.body,
            "user": self.user_json(p.user), "draft": p.draft,
            "labels": [self.label_json(req, r, n) for n in r.labels.get(p.number, [])],
            "created_at": p.created_at, "updated_at": p.created_at,
            "closed_at": None, "merged_at": None, "merge_commit_sha": None,
            "head": {"label": "%s:%s" % (head_owner, p.head_ref), "ref": p.head_ref,
                     "sha": p.head_sha, "user": self.user_json(head_owner), "repo": head_repo},
            "base": {"label": "%s:%s" % (r.owner, p.base_ref), "ref": p.base_ref,
                     "sha": p.base_sha, "user": self.user_json(r.owner),
                     "repo": self.repo_json(req, r.full_name)},
            "author_association": "CONTRIBUTOR", "merged": False, "mergeable": None,
            "comments": sum(1 for c in r.issue_comments if c["_issue"] == p.number),
            "review_comments": sum(1 for c in r.review_comments if c["_pull"] == p.number),
            "commits": 1 + len(p.history), "additions": sum(f.additions for f in files),
            "deletions": sum(f.deletions for f in files), "changed_files": len(files),
        }

    def label_json(self, req, r, name):
        lid = int(fake_sha("label", name)[:7], 16)
        return {"id": lid, "node_id": "LA_%d" % lid, "name": name, "color": "ededed",
                "default": False, "description": None,
                "url": "%s/repos/%s/labels/%s" % (self.api_base(req), r.full_name,
                                                   urllib.parse.quote(name, safe=""))}

    def file_json(self, req, r, p, fd):
        patch = fd.patch()
        blob = fake_sha("blob", fd.path, patch or "")
        j = {"sha": blob, "filename": fd.path, "status": fd.status,
             "additions": fd.additions, "deletions": fd.deletions,
             "changes": fd.additions + fd.deletions,
             "blob_url": "https://github.com/%s/blob/%s/%s" % (r.full_name, p.head_sha, fd.path),
             "raw_url": "https://github.com/%s/raw/%s/%s" % (r.full_name, p.head_sha, fd.path),
             "contents_url": "%s/repos/%s/contents/%s?ref=%s" % (self.api_base(req), r.full_name,
                                                                 fd.path, p.head_sha)}
        if patch is not None and fd.path not in p.files_without_patch:
            j["patch"] = patch
        if fd.status in ("renamed", "copied"):
            j["previous_filename"] = fd.old_path
        return j

    def _new_issue_comment(self, r, n, body, login, cid=None, req=None):
        cid = int(cid) if cid else self.ids()
        base = self.api_base(req)
        t = pc.now_iso()
        return {"id": cid, "node_id": "IC_%d" % cid,
                "url": "%s/repos/%s/issues/comments/%d" % (base, r.full_name, cid),
                "html_url": "https://github.com/%s/pull/%d#issuecomment-%d" % (r.full_name, n, cid),
                "issue_url": "%s/repos/%s/issues/%d" % (base, r.full_name, n),
                "body": body, "user": self.user_json(login), "created_at": t, "updated_at": t,
                "author_association": "NONE", "_issue": n}

    def _new_review_comment(self, r, p, c, fd, commit_id, review_id, login, cid=None, req=None):
        cid = int(cid) if cid else self.ids()
        side = (c.get("side") or "RIGHT").upper()
        line = c.get("line")
        start_line = c.get("start_line")
        if line is None and c.get("position") is not None and fd is not None:
            line, side = self._position_to_line(fd, c["position"])
        base = self.api_base(req)
        t = pc.now_iso()
        hunk = fd.hunk_text_upto(side, line) if fd is not None and line is not None else None
        pos = self._line_to_position(fd, side, line) if fd is not None else None
        return {
            "id": cid, "node_id": "PRRC_%d" % cid, "pull_request_review_id": review_id,
            "url": "%s/repos/%s/pulls/comments/%d" % (base, r.full_name, cid),
            "html_url": "https://github.com/%s/pull/%d#discussion_r%d" % (r.full_name, p.number, cid),
            "pull_request_url": "%s/repos/%s/pulls/%d" % (base, r.full_name, p.number),
            "diff_hunk": hunk or "", "path": c.get("path"),
            "position": pos, "original_position": pos,
            "commit_id": commit_id, "original_commit_id": commit_id,
            "in_reply_to_id": c.get("in_reply_to"),
            "user": self.user_json(login), "body": c.get("body", ""),
            "created_at": t, "updated_at": t, "author_association": "NONE",
            "start_line": start_line, "original_start_line": start_line,
            "start_side": (c.get("start_side") or side).upper() if start_line is not None else None,
            "line": line, "original_line": line, "side": side,
            "subject_type": c.get("subject_type") or "line", "_pull": p.number,
        }

    @staticmethod
    def _positions(fd):
        """[(position, side, line)] over a file's patch, as GitHub counts them."""
        out, pos = [], 0
        for hi, h in enumerate(fd.hunks):
            if hi > 0:
                pos += 1       # later @@ headers count as positions too
            for kind, o, n, _ in h.lines:
                pos += 1
                if kind in " +":
                    out.append((pos, "RIGHT", n))
                elif kind == "-":
                    out.append((pos, "LEFT", o))
        return out

    def _line_to_position(self, fd, side, line):
        for pos, s, ln in self._positions(fd):
            if s == side and ln == line:
                return pos
        return None

    def _position_to_line(self, fd, position):
        for pos, s, ln in self._positions(fd):
            if pos == position:
                return ln, s
        return None, "RIGHT"

    @staticmethod
    def public(obj):
        """Drop the fake's private bookkeeping keys (leading underscore)."""
        if isinstance(obj, list):
            return [GitHubApp.public(o) for o in obj]
        return {k: v for k, v in obj.items() if not k.startswith("_")}

    def paginate(self, req, items, default=30, maximum=100):
        """Slice `items` by page/per_page; return (slice, headers with Link)."""
        try:
            per_page = int(req.q("per_page", default))
        except ValueError:
            per_page = default
        per_page = max(1, min(maximum, per_page))
        try:
            page = max(1, int(req.q("page", 1)))
        except ValueError:
            page = 1
        last = max(1, -(-len(items) // per_page))
        chunk = items[(page - 1) * per_page: page * per_page]
        if last == 1:
            return chunk, []
        base = "http://%s%s" % (req.host(), req.raw_path)

        def link(pg, rel):
            q = [(k, v) for k, v in urllib.parse.parse_qsl(req.query, keep_blank_values=True) if k != "page"]
            q.append(("page", str(pg)))
            return '<%s?%s>; rel="%s"' % (base, urllib.parse.urlencode(q), rel)
        links = []
        if page > 1:
            links.append(link(page - 1, "prev"))
        if page < last:
            links.append(link(page + 1, "next"))
            links.append(link(last, "last"))
        if page > 1:
            links.append(link(1, "first"))
        return chunk, [("Link", ", ".join(links))]

    # -- handlers: app --------------------------------------------------------
    def h_user(self, req):
        """The token's own user.  Integration tokens (Actions' GITHUB_TOKEN,
        App installation tokens) cannot ask, as on GitHub."""
        if self.classify(req)[1] in ("readonly", "installation"):
            return gh_error(403, "Resource not accessible by integration")
        return pc.json_response(200, self.user_json(self.args.bot_login))

    def h_rate_limit(self, req):
        with self.lock:
            used = self.rate_used
        core = {"limit": RATE_LIMIT, "used": used, "remaining": RATE_LIMIT - used, "reset": self.rate_reset}
        return pc.json_response(200, {"resources": {"core": core}, "rate": core})

    def h_app(self, req):
        return pc.json_response(200, {"id": int(self.args.app_id) if str(self.args.app_id).isdigit() else 1,
                                      "slug": "forgebot", "name": "forgebot",
                                      "owner": self.user_json("forgebot-org"),
                                      "permissions": ALL_PERMISSIONS, "events": ["pull_request"]})

    def h_access_token(self, req, inst):
        if int(inst) != self.args.installation_id:
            req.notes.append("unknown installation %s (have %s)" % (inst, self.args.installation_id))
            return not_found()
        tok = "ghs_" + "".join(secrets.choice("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789")
                               for _ in range(36))
        ttl = self.args.token_ttl
        with self.lock:
            self.inst_tokens[tok] = time.time() + ttl
            self.tokens_issued += 1
            req.entry["installation_token_number"] = self.tokens_issued
        body = req.json if isinstance(req.json, dict) else {}
        perms = body.get("permissions") or ALL_PERMISSIONS
        out = {"token": tok, "expires_at": pc.now_iso(ttl), "permissions": perms,
               "repository_selection": "selected" if body.get("repositories") or body.get("repository_ids") else "all"}
        return pc.json_response(201, out)

    def h_repo_installation(self, req, owner, repo):
        if self.repo(owner, repo) is None:
            return not_found()
        iid = self.args.installation_id
        base = self.api_base(req)
        return pc.json_response(200, {
            "id": iid, "app_id": int(self.args.app_id) if str(self.args.app_id).isdigit() else None,
            "app_slug": "forgebot", "target_type": "Organization", "account": self.user_json(owner),
            "access_tokens_url": "%s/app/installations/%d/access_tokens" % (base, iid),
            "repositories_url": "%s/installation/repositories" % base,
            "html_url": "https://github.com/settings/installations/%d" % iid,
            "permissions": ALL_PERMISSIONS, "events": ["pull_request"],
            "repository_selection": "all", "created_at": pc.now_iso(-86400), "updated_at": pc.now_iso(-86400)})

    # -- handlers: repos and pulls -------------------------------------------------
    def h_repo(self, req, owner, repo):
        with self.lock:
            r = self.repo(owner, repo)
            if r is None:
                return not_found()
            return pc.json_response(200, self.repo_json(req, r.full_name))

    def h_pull(self, req, owner, repo, n):
        with self.lock:
            r = self.repo(owner, repo)
            p = r and r.pulls.get(int(n))
            if not p:
                return not_found()
            accept = (req.header("Accept") or "").lower()
            if "diff" in accept and "vnd.github" in accept:
                if p.diff_too_large:
                    return gh_error(406, "Sorry, the diff exceeded the maximum number of lines (20000)",
                                    [{"resource": "PullRequest", "field": "diff", "code": "too_large"}],
                                    doc="https://docs.github.com/rest/pulls/pulls#get-a-pull-request")
                return pc.Response(200, p.diff.encode(), content_type="application/vnd.github.diff; charset=utf-8")
            return pc.json_response(200, self.pull_json(req, r, p))

    def h_pull_files(self, req, owner, repo, n):
        with self.lock:
            r = self.repo(owner, repo)
            p = r and r.pulls.get(int(n))
            if not p:
                return not_found()
            files = [self.file_json(req, r, p, fd) for fd in p.files()][:3000]
        chunk, hdrs = self.paginate(req, files)
        return pc.json_response(200, chunk, hdrs)

    def h_pull_create(self, req, owner, repo):
        b = req.json if isinstance(req.json, dict) else {}
        with self.lock:
            r = self.repo(owner, repo)
            if r is None:
                return not_found()
            for f in ("head", "base"):
                if not b.get(f):
                    return validation_failed("PullRequest", f, "missing_field")
            if not b.get("title") and not b.get("issue"):
                return validation_failed("PullRequest", "title", "missing_field")
            head = str(b["head"])
            head_owner, _, head_branch = head.rpartition(":")
            head_owner = head_owner or r.owner
            head_sha = r.refs.get("refs/heads/" + head_branch)
            if head_sha is None:
                req.notes.append("head branch %r not found in %s" % (head_branch, r.full_name))
                return validation_failed("PullRequest", "head", "invalid")
            base_sha = r.refs.get("refs/heads/" + str(b["base"]))
            if base_sha is None:
                req.notes.append("base branch %r not found" % b["base"])
                return validation_failed("PullRequest", "base", "invalid")
            for p in r.pulls.values():
                if p.state == "open" and p.head_ref == head_branch and p.base_ref == b["base"]:
                    return gh_error(422, "Validation Failed", [{
                        "resource": "PullRequest", "code": "custom",
                        "message": "A pull request already exists for %s:%s." % (head_owner, head_branch)}])
            if b.get("draft") and not r.drafts_allowed:
                return gh_error(422, "Validation Failed", [{
                    "resource": "PullRequest", "code": "custom",
                    "message": "Draft pull requests are not supported in this repository."}])
            n = r.next_number()
            spec = {"number": n, "title": b.get("title") or "Pull request #%d" % n,
                    "body": b.get("body") or "", "draft": bool(b.get("draft")),
                    "head_sha": head_sha, "base_sha": base_sha, "head_ref": head_branch,
                    "base_ref": b["base"], "user": self.args.bot_login,
                    "head_repo": "%s/%s" % (head_owner, r.name) if head_owner != r.owner else r.full_name,
                    "diff": ""}
            p = r.pulls[n] = Pull(n)
            p.update(r, spec, {})
            r.refs["refs/pull/%d/head" % n] = head_sha
            return pc.json_response(201, self.pull_json(req, r, p))

    def h_issue(self, req, owner, repo, n):
        with self.lock:
            r = self.repo(owner, repo)
            n = int(n)
            if r is None or not r.issue_exists(n):
                return not_found()
            base = self.api_base(req)
            if n in r.pulls:
                p = r.pulls[n]
                title, body, state, user = p.title, p.body, p.state, p.user
            else:
                i = r.issues[n]
                title, body, state, user = i["title"], i["body"], i["state"], i["user"]
            j = {"id": int(fake_sha("issue", r.full_name, n)[:8], 16), "number": n,
                 "url": "%s/repos/%s/issues/%d" % (base, r.full_name, n),
                 "html_url": "https://github.com/%s/issues/%d" % (r.full_name, n),
                 "title": title, "body": body, "state": state, "user": self.user_json(user),
                 "labels": [self.label_json(req, r, x) for x in r.labels.get(n, [])],
                 "comments": sum(1 for c in r.issue_comments if c["_issue"] == n),
                 "created_at": pc.now_iso(-3600), "updated_at": pc.now_iso(-3600), "locked": False}
            if n in r.pulls:
                j["pull_request"] = {"url": "%s/repos/%s/pulls/%d" % (base, r.full_name, n)}
            return pc.json_response(200, j)

    # -- handlers: conversation comments -----------------------------------------
    def h_issue_comments_list(self, req, owner, repo, n):
        with self.lock:
            r = self.repo(owner, repo)
            if r is None or not r.issue_exists(int(n)):
                return not_found()
            items = self.public([c for c in r.issue_comments if c["_issue"] == int(n)])
        chunk, hdrs = self.paginate(req, items)
        return pc.json_response(200, chunk, hdrs)

    def h_issue_comment_create(self, req, owner, repo, n):
        b = req.json if isinstance(req.json, dict) else {}
        with self.lock:
            r = self.repo(owner, repo)
            if r is None or not r.issue_exists(int(n)):
                return not_found()
            if not isinstance(b.get("body"), str):
                return validation_failed("IssueComment", "body", "missing_field")
            c = self._new_issue_comment(r, int(n), b["body"], self.args.bot_login, req=req)
            r.issue_comments.append(c)
            return pc.json_response(201, self.public(c))

    def _find(self, items, cid):
        for c in items:
            if c["id"] == cid:
                return c
        return None

    def h_issue_comment_get(self, req, owner, repo, id):
        with self.lock:
            r = self.repo(owner, repo)
            c = r and self._find(r.issue_comments, int(id))
            return pc.json_response(200, self.public(c)) if c else not_found()

    def h_issue_comment_update(self, req, owner, repo, id):
        b = req.json if isinstance(req.json, dict) else {}
        with self.lock:
            r = self.repo(owner, repo)
            c = r and self._find(r.issue_comments, int(id))
            if not c:
                return not_found()
            if not isinstance(b.get("body"), str):
                return validation_failed("IssueComment", "body", "missing_field")
            c["body"], c["updated_at"] = b["body"], pc.now_iso()
            return pc.json_response(200, self.public(c))

    def h_issue_comment_delete(self, req, owner, repo, id):
        with self.lock:
            r = self.repo(owner, repo)
            c = r and self._find(r.issue_comments, int(id))
            if not c:
                return not_found()
            r.issue_comments.remove(c)
            return pc.Response(204)

    # -- handlers: review comments and reviews ---------------------------------
    def _file(self, p, sha, path):
        for fd in p.files(sha):
            if fd.path == path:
                return fd
        return None

    def _resolve(self, p, sha, c):
        """None if review comment `c` can be placed on the diff of `sha`, else
        (error message for the client, detail for the log)."""
        path = c.get("path")
        if not isinstance(path, str) or not path:
            return ("Path could not be resolved", "comment has no path")
        fd = self._file(p, sha, path)
        if fd is None:
            return ("Path could not be resolved", "%s is not in the diff" % path)
        if (c.get("subject_type") or "line") == "file":
            return None
        commentable = fd.path not in p.files_without_patch
        line = c.get("line")
        if line is None and c.get("position") is not None:
            pos = c["position"]
            if not isinstance(pos, int) or isinstance(pos, bool) or not commentable or \
               self._position_to_line(fd, pos)[0] is None:
                return ("Line could not be resolved", "%s: position %r is not in the patch" % (path, pos))
            return None
        side = str(c.get("side") or "RIGHT").upper()
        if side not in ("RIGHT", "LEFT"):
            return ("Line could not be resolved", "side must be RIGHT or LEFT")
        table = fd.new_lines if side == "RIGHT" else fd.old_lines
        if not isinstance(line, int) or isinstance(line, bool) or not commentable or line not in table:
            return ("Line could not be resolved",
                    "%s: %s line %r is not an %s line inside a hunk" % (
                        path, side, line, "added or context" if side == "RIGHT" else "removed or context"))
        start = c.get("start_line")
        if start is not None:
            sside = str(c.get("start_side") or side).upper()
            stable = fd.new_lines if sside == "RIGHT" else fd.old_lines
            if not isinstance(start, int) or isinstance(start, bool) or start not in stable:
                return ("Line could not be resolved",
                        "%s: start_line %r (%s) is not inside a hunk" % (path, start, sside))
            if sside == side and start > line:
                return ("pull_request_review_thread.start_line must precede the end line.",
                        "start_line %d > line %d" % (start, line))
            if stable[start][0] != table[line][0]:
                return ("pull_request_review_thread.start_line must be part of the same hunk as the line.",
                        "start_line %d and line %d are in different hunks" % (start, line))
        return None

    def h_reviews_list(self, req, owner, repo, n):
        with self.lock:
            r = self.repo(owner, repo)
            if r is None or int(n) not in r.pulls:
                return not_found()
            items = self.public([v for v in r.reviews if v["_pull"] == int(n)])
        chunk, hdrs = self.paginate(req, items)
        return pc.json_response(200, chunk, hdrs)

    def h_review_create(self, req, owner, repo, n):
        b = req.json if isinstance(req.json, dict) else {}
        with self.lock:
            r = self.repo(owner, repo)
            p = r and r.pulls.get(int(n))
            if not p:
                return not_found()
            commit = b.get("commit_id") or p.head_sha
            if commit not in p.known_shas():
                req.notes.append("commit_id %s is neither the head nor an earlier head of #%s" % (commit, n))
                return unprocessable(["Commit could not be resolved: %s is not part of the pull request" % commit])
            event = b.get("event")
            if event is not None and event not in ("APPROVE", "REQUEST_CHANGES", "COMMENT"):
                return unprocessable(["Event must be one of APPROVE, REQUEST_CHANGES, COMMENT"])
            if event in ("COMMENT", "REQUEST_CHANGES") and not (isinstance(b.get("body"), str) and b["body"].strip()):
                return unprocessable(["Review body is required for %s events" % event])
            comments = b.get("comments") or []
            if not isinstance(comments, list):
                return unprocessable(["comments must be an array"])
            for i, c in enumerate(comments):
                if not isinstance(c, dict) or not isinstance(c.get("body"), str):
                    return unprocessable(["Comment body is missing"])
                bad = self._resolve(p, commit, c)
                if bad:
                    req.notes.append("comments[%d]: %s" % (i, bad[1]))
                    return unprocessable([bad[0]])
            rid = self.ids()
            state = {"APPROVE": "APPROVED", "REQUEST_CHANGES": "CHANGES_REQUESTED",
                     "COMMENT": "COMMENTED", None: "PENDING"}[event]
            html = "https://github.com/%s/pull/%d#pullrequestreview-%d" % (r.full_name, p.number, rid)
            pr_url = "%s/repos/%s/pulls/%d" % (self.api_base(req), r.full_name, p.number)
            review = {
                "id": rid, "node_id": "PRR_%d" % rid, "user": self.user_json(self.args.bot_login),
                "body": b.get("body") or "", "state": state, "commit_id": commit,
                "html_url": html, "pull_request_url": pr_url, "author_association": "NONE",
                "_links": {"html": {"href": html}, "pull_request": {"href": pr_url}},
                "submitted_at": pc.now_iso() if event else None, "_pull": p.number,
                "_comment_ids": [],
            }
            for c in comments:
                fd = self._file(p, commit, c["path"])
                rc = self._new_review_comment(r, p, c, fd, commit, rid, self.args.bot_login, req=req)
                r.review_comments.append(rc)
                review["_comment_ids"].append(rc["id"])
            r.reviews.append(review)
            return pc.json_response(200, self.public(review))

    def h_review_comments_list(self, req, owner, repo, n):
        with self.lock:
            r = self.repo(owner, repo)
            if r is None or int(n) not in r.pulls:
                return not_found()
            items = self.public([c for c in r.review_comments if c["_pull"] == int(n)])
        chunk, hdrs = self.paginate(req, items)
        return pc.json_response(200, chunk, hdrs)

    def _reply(self, req, r, p, parent, body):
        c = {"path": parent["path"], "line": parent["line"], "side": parent["side"],
             "start_line": parent["start_line"], "start_side": parent["start_side"],
             "body": body, "in_reply_to": parent["id"]}
        fd = self._file(p, parent["commit_id"], parent["path"])
        rc = self._new_review_comment(r, p, c, fd, parent["commit_id"], parent["pull_request_review_id"],
                                      self.args.bot_login, req=req)
        r.review_comments.append(rc)
        return pc.json_response(201, self.public(rc))

    def h_review_comment_create(self, req, owner, repo, n):
        b = req.json if isinstance(req.json, dict) else {}
        with self.lock:
            r = self.repo(owner, repo)
            p = r and r.pulls.get(int(n))
            if not p:
                return not_found()
            if not isinstance(b.get("body"), str):
                return validation_failed("PullRequestReviewComment", "body", "missing_field")
            if b.get("in_reply_to") is not None:
                parent = self._find(r.review_comments, b["in_reply_to"])
                if parent is None or parent["_pull"] != p.number:
                    return not_found()
                return self._reply(req, r, p, parent, b["body"])
            for f in ("commit_id", "path"):
                if not b.get(f):
                    return validation_failed("PullRequestReviewComment", f, "missing_field")
            if b["commit_id"] not in p.known_shas():
                return unprocessable(["Commit could not be resolved: %s is not part of the pull request"
                                      % b["commit_id"]])
            if b.get("line") is None and b.get("position") is None and b.get("subject_type") != "file":
                return validation_failed("PullRequestReviewComment", "line", "missing_field")
            bad = self._resolve(p, b["commit_id"], b)
            if bad:
                req.notes.append(bad[1])
                return unprocessable([bad[0]])
            fd = self._file(p, b["commit_id"], b["path"])
            rc = self._new_review_comment(r, p, b, fd, b["commit_id"], None, self.args.bot_login, req=req)
            rc["pull_request_review_id"] = self.ids()
            r.review_comments.append(rc)
            return pc.json_response(201, self.public(rc))

    def h_review_comment_reply(self, req, owner, repo, n, id):
        b = req.json if isinstance(req.json, dict) else {}
        with self.lock:
            r = self.repo(owner, repo)
            p = r and r.pulls.get(int(n))
            parent = p and self._find(r.review_comments, int(id))
            if not parent or parent["_pull"] != p.number:
                return not_found()
            if not isinstance(b.get("body"), str):
                return validation_failed("PullRequestReviewComment", "body", "missing_field")
            return self._reply(req, r, p, parent, b["body"])

    def h_review_comment_get(self, req, owner, repo, id):
        with self.lock:
            r = self.repo(owner, repo)
            c = r and self._find(r.review_comments, int(id))
            return pc.json_response(200, self.public(c)) if c else not_found()

    def h_review_comment_update(self, req, owner, repo, id):
        b = req.json if isinstance(req.json, dict) else {}
        with self.lock:
            r = self.repo(owner, repo)
            c = r and self._find(r.review_comments, int(id))
            if not c:
                return not_found()
            if not isinstance(b.get("body"), str):
                return validation_failed("PullRequestReviewComment", "body", "missing_field")
            c["body"], c["updated_at"] = b["body"], pc.now_iso()
            return pc.json_response(200, self.public(c))

    def h_review_comment_delete(self, req, owner, repo, id):
        with self.lock:
            r = self.repo(owner, repo)
            c = r and self._find(r.review_comments, int(id))
            if not c:
                return not_found()
            r.review_comments.remove(c)
            return pc.Response(204)

    # -- handlers: labels --------------------------------------------------------
    def h_labels_list(self, req, owner, repo, n):
        with self.lock:
            r = self.repo(owner, repo)
            if r is None or not r.issue_exists(int(n)):
                return not_found()
            return pc.json_response(200, [self.label_json(req, r, x) for x in r.labels.get(int(n), [])])

    def h_labels_add(self, req, owner, repo, n):
        b = req.json
        if isinstance(b, dict):
            b = b.get("labels")
        if not isinstance(b, list) or not b:
            return validation_failed("Label", "labels", "missing_field")
        names = [x.get("name") if isinstance(x, dict) else x for x in b]
        if not all(isinstance(x, str) and x for x in names):
            return validation_failed("Label", "labels", "invalid")
        with self.lock:
            r = self.repo(owner, repo)
            if r is None or not r.issue_exists(int(n)):
                return not_found()
            cur = r.labels.setdefault(int(n), [])
            for x in names:
                if x not in cur:
                    cur.append(x)
            return pc.json_response(200, [self.label_json(req, r, x) for x in cur])

    def h_label_delete(self, req, owner, repo, n, name):
        with self.lock:
            r = self.repo(owner, repo)
            if r is None or not r.issue_exists(int(n)):
                return not_found()
            cur = r.labels.setdefault(int(n), [])
            if name not in cur:
                return gh_error(404, "Label does not exist")
            cur.remove(name)
            return pc.json_response(200, [self.label_json(req, r, x) for x in cur])

    # -- handlers: statuses, checks, code scanning ---------------------------------
    def h_status_create(self, req, owner, repo, sha):
        b = req.json if isinstance(req.json, dict) else {}
        with self.lock:
            r = self.repo(owner, repo)
            if r is None:
                return not_found()
            if not r.known_commit(sha):
                return gh_error(422, "No commit found for SHA: %s" % sha)
            if b.get("state") not in ("error", "failure", "pending", "success"):
                return validation_failed("Status", "state", "custom", "state is not included in the list")
            if b.get("description") and len(b["description"]) > 140:
                return validation_failed("Status", "description", "custom",
                                         "description is too long (maximum is 140 characters)")
            sid = self.ids()
            t = pc.now_iso()
            st = {"id": sid, "node_id": "SC_%d" % sid, "sha": sha, "state": b["state"],
                  "description": b.get("description"), "target_url": b.get("target_url"),
                  "context": b.get("context") or "default", "created_at": t, "updated_at": t,
                  "url": "%s/repos/%s/statuses/%s" % (self.api_base(req), r.full_name, sha),
                  "avatar_url": None, "creator": self.user_json(self.args.bot_login)}
            r.statuses.append(st)
            return pc.json_response(201, st)

    def _check_validate(self, b, creating):
        """None or a 422 Response for a check-run create/update body."""
        if creating:
            for f in ("name", "head_sha"):
                if not b.get(f):
                    return validation_failed("CheckRun", f, "missing_field")
        if b.get("status") is not None and b["status"] not in ("queued", "in_progress", "completed",
                                                                "waiting", "requested", "pending"):
            return validation_failed("CheckRun", "status", "invalid")
        concl = b.get("conclusion")
        if concl is not None and concl not in ("action_required", "cancelled", "failure", "neutral",
                                               "success", "skipped", "stale", "timed_out"):
            return validation_failed("CheckRun", "conclusion", "invalid")
        if b.get("status") == "completed" and concl is None and creating:
            return gh_error(422, "Validation Failed", [{"resource": "CheckRun", "field": "conclusion",
                                                        "code": "missing_field",
                                                        "message": "conclusion is required when status is completed"}])
        out = b.get("output")
        if out is not None:
            if not isinstance(out, dict) or not out.get("title") or not out.get("summary"):
                return validation_failed("CheckRun", "output", "missing_field",
                                         "output needs title and summary")
            for f in ("title", "summary", "text"):
                if isinstance(out.get(f), str) and len(out[f]) > 65535:
                    return validation_failed("CheckRun", "output.%s" % f, "too_long")
            anns = out.get("annotations") or []
            if len(anns) > 50:
                return gh_error(422, "Validation Failed", [{
                    "resource": "CheckRun", "field": "output.annotations", "code": "too_many",
                    "message": "Only 50 annotations are allowed per request; got %d" % len(anns)}])
            for a in anns:
                for f in ("path", "start_line", "end_line", "annotation_level", "message"):
                    if a.get(f) in (None, ""):
                        return validation_failed("CheckRun", "annotations.%s" % f, "missing_field")
                if a["annotation_level"] not in ("notice", "warning", "failure"):
                    return validation_failed("CheckRun", "annotations.annotation_level", "invalid")
                if (a.get("start_column") is not None or a.get("end_column") is not None) and \
                   a["start_line"] != a["end_line"]:
                    return validation_failed("CheckRun", "annotations.start_column", "invalid",
                                             "columns are only allowed when start_line == end_line")
        return None

    def _check_json(self, req, r, cr):
        j = self.public(cr)
        j["output"] = dict(cr["output"], annotations_count=len(cr["_annotations"]),
                           annotations_url="%s/repos/%s/check-runs/%d/annotations" % (
                               self.api_base(req), r.full_name, cr["id"]))
        return j

    def _pat_refused(self, req):
        if self.args.pat_no_checks and self.classify(req)[1] == "token":
            return gh_error(403, "You must authenticate via a GitHub App.")
        return None

    def h_check_create(self, req, owner, repo):
        b = req.json if isinstance(req.json, dict) else {}
        refused = self._pat_refused(req)
        if refused:
            return refused
        with self.lock:
            r = self.repo(owner, repo)
            if r is None:
                return not_found()
            bad = self._check_validate(b, True)
            if bad:
                return bad
            if not r.known_commit(b["head_sha"]):
                return gh_error(422, "No commit found for SHA: %s" % b["head_sha"])
            cid = self.ids()
            t = pc.now_iso()
            out = dict(b.get("output") or {})
            anns = out.pop("annotations", None) or []
            status = "completed" if b.get("conclusion") else (b.get("status") or "queued")
            cr = {"id": cid, "node_id": "CR_%d" % cid, "name": b["name"], "head_sha": b["head_sha"],
                  "external_id": b.get("external_id"), "status": status,
                  "conclusion": b.get("conclusion"), "details_url": b.get("details_url"),
                  "started_at": b.get("started_at") or t,
                  "completed_at": b.get("completed_at") or (t if status == "completed" else None),
                  "url": "%s/repos/%s/check-runs/%d" % (self.api_base(req), r.full_name, cid),
                  "html_url": "https://github.com/%s/runs/%d" % (r.full_name, cid),
                  "output": {"title": out.get("title"), "summary": out.get("summary"), "text": out.get("text")},
                  "check_suite": {"id": self.ids()}, "app": {"id": 1, "slug": "forgebot"},
                  "pull_requests": [], "_annotations": list(anns), "_requests": 1}
            r.check_runs[cid] = cr
            return pc.json_response(201, self._check_json(req, r, cr))

    def h_check_update(self, req, owner, repo, id):
        b = req.json if isinstance(req.json, dict) else {}
        refused = self._pat_refused(req)
        if refused:
            return refused
        with self.lock:
            r = self.repo(owner, repo)
            cr = r and r.check_runs.get(int(id))
            if not cr:
                return not_found()
            bad = self._check_validate(b, False)
            if bad:
                return bad
            for f in ("name", "details_url", "external_id", "started_at", "status", "conclusion", "completed_at"):
                if f in b:
                    cr[f] = b[f]
            if b.get("conclusion"):
                cr["status"] = "completed"
                cr["completed_at"] = cr.get("completed_at") or pc.now_iso()
            out = dict(b.get("output") or {})
            cr["_annotations"].extend(out.pop("annotations", None) or [])
            for f in ("title", "summary", "text"):
                if f in out:
                    cr["output"][f] = out[f]
            cr["_requests"] += 1
            return pc.json_response(200, self._check_json(req, r, cr))

    def h_check_get(self, req, owner, repo, id):
        with self.lock:
            r = self.repo(owner, repo)
            cr = r and r.check_runs.get(int(id))
            return pc.json_response(200, self._check_json(req, r, cr)) if cr else not_found()

    def h_check_annotations(self, req, owner, repo, id):
        with self.lock:
            r = self.repo(owner, repo)
            cr = r and r.check_runs.get(int(id))
            if not cr:
                return not_found()
            blob = "https://github.com/%s/blob/%s/" % (r.full_name, cr["head_sha"])
            items = [dict(a, blob_href=blob + str(a.get("path"))) for a in cr["_annotations"]]
        chunk, hdrs = self.paginate(req, items)
        return pc.json_response(200, chunk, hdrs)

    def h_sarif_upload(self, req, owner, repo):
        b = req.json if isinstance(req.json, dict) else {}
        with self.lock:
            r = self.repo(owner, repo)
            if r is None:
                return not_found()
        for f in ("commit_sha", "ref", "sarif"):
            if not isinstance(b.get(f), str) or not b[f]:
                return validation_failed("CodeScanningSarif", f, "missing_field")
        if not re.fullmatch(r"[0-9a-f]{40}", b["commit_sha"]):
            return validation_failed("CodeScanningSarif", "commit_sha", "invalid")
        if not re.fullmatch(r"refs/(heads|tags|pull)/.+", b["ref"]):
            return validation_failed("CodeScanningSarif", "ref", "invalid")
        try:
            gz = base64.b64decode(b["sarif"], validate=True)
        except ValueError as e:
            return gh_error(400, "Invalid request: sarif is not valid base64 (%s)" % e)
        if len(gz) > 10 * 1024 * 1024:
            return gh_error(413, "Payload Too Large: the compressed SARIF exceeds 10 MB")
        try:
            raw = gzip.decompress(gz)
        except (OSError, EOFError) as e:
            return gh_error(400, "Invalid request: sarif is not gzip-compressed (%s)" % e)
        try:
            doc = json.loads(raw)
        except ValueError as e:
            return gh_error(400, "Invalid request: sarif is not JSON (%s)" % e)
        if not isinstance(doc, dict) or doc.get("version") != "2.1.0":
            return gh_error(400, "Invalid request: SARIF version must be \"2.1.0\", got %r" % (
                doc.get("version") if isinstance(doc, dict) else type(doc).__name__))
        if not isinstance(doc.get("runs"), list):
            return gh_error(400, "Invalid request: SARIF has no runs array")
        sid = "%08x-%04x-%04x-%04x-%012x" % tuple(secrets.randbits(n) for n in (32, 16, 16, 16, 48))
        with self.lock:
            url = "%s/repos/%s/code-scanning/sarifs/%s" % (self.api_base(req), r.full_name, sid)
            r.sarifs[sid] = {"id": sid, "url": url, "commit_sha": b["commit_sha"], "ref": b["ref"],
                             "tool_name": b.get("tool_name"), "checkout_uri": b.get("checkout_uri"),
                             "runs": len(doc["runs"]),
                             "results": sum(len(run.get("results") or []) for run in doc["runs"]
                                            if isinstance(run, dict)),
                             "sarif": doc}
        return pc.json_response(202, {"id": sid, "url": url})

    def h_sarif_get(self, req, owner, repo, sid):
        with self.lock:
            r = self.repo(owner, repo)
            s = r and r.sarifs.get(sid)
            if not s:
                return not_found()
            return pc.json_response(200, {"processing_status": "complete", "errors": None,
                                          "analyses_url": "%s/repos/%s/code-scanning/analyses?sarif_id=%s" % (
                                              self.api_base(req), r.full_name, sid)})

    # -- handlers: refs -------------------------------------------------------------
    def _ref_json(self, req, r, ref):
        sha = r.refs[ref]
        base = self.api_base(req)
        return {"ref": ref, "node_id": "REF_" + fake_sha(ref)[:12],
                "url": "%s/repos/%s/git/%s" % (base, r.full_name, ref),
                "object": {"type": "commit", "sha": sha,
                           "url": "%s/repos/%s/git/commits/%s" % (base, r.full_name, sha)}}

    def h_ref_create(self, req, owner, repo):
        b = req.json if isinstance(req.json, dict) else {}
        with self.lock:
            r = self.repo(owner, repo)
            if r is None:
                return not_found()
            ref, sha = b.get("ref"), b.get("sha")
            if not isinstance(ref, str) or not isinstance(sha, str):
                return validation_failed("Reference", "ref" if not isinstance(ref, str) else "sha", "missing_field")
            if not ref.startswith("refs/") or ref.count("/") < 2:
                return gh_error(422, "Reference name is invalid: it must start with 'refs/' "
                                     "and contain at least two slashes")
            if ref in r.refs:
                return gh_error(422, "Reference already exists")
            if not r.known_commit(sha):
                return gh_error(422, "Object does not exist")
            r.refs[ref] = sha
            return pc.json_response(201, self._ref_json(req, r, ref))

    def h_ref_get(self, req, owner, repo, ref):
        with self.lock:
            r = self.repo(owner, repo)
            full = "refs/" + ref
            if r is None or full not in r.refs:
                return not_found()
            return pc.json_response(200, self._ref_json(req, r, full))

    def h_ref_update(self, req, owner, repo, ref):
        b = req.json if isinstance(req.json, dict) else {}
        with self.lock:
            r = self.repo(owner, repo)
            full = "refs/" + ref
            if r is None or full not in r.refs:
                return not_found()
            if not isinstance(b.get("sha"), str):
                return validation_failed("Reference", "sha", "missing_field")
            if not r.known_commit(b["sha"]):
                return gh_error(422, "Object does not exist")
            r.refs[full] = b["sha"]
            return pc.json_response(200, self._ref_json(req, r, full))

    # -- handlers: actions --------------------------------------------------------
    def _job(self, r, job_id):
        for jobs in r.runs.values():
            for j in jobs:
                if str(j.get("id")) == str(job_id):
                    return j
        if str(job_id) in self.job_logs:
            return {"id": int(job_id), "name": "job %s" % job_id, "status": "completed", "conclusion": "failure"}
        return None

    def _job_json(self, req, r, j):
        base = self.api_base(req)
        out = {"id": int(j["id"]), "run_id": j.get("run_id"), "name": j.get("name", "job"),
               "status": j.get("status", "completed"), "conclusion": j.get("conclusion", "failure"),
               "head_sha": j.get("head_sha"), "started_at": pc.now_iso(-600), "completed_at": pc.now_iso(-60),
               "url": "%s/repos/%s/actions/jobs/%s" % (base, r.full_name, j["id"]),
               "html_url": "https://github.com/%s/actions/runs/%s/job/%s" % (r.full_name, j.get("run_id"), j["id"]),
               "steps": j.get("steps", []), "labels": ["ubuntu-latest"]}
        return out

    def h_run_jobs(self, req, owner, repo, run):
        with self.lock:
            r = self.repo(owner, repo)
            if r is None or run not in r.runs:
                return not_found()
            jobs = [self._job_json(req, r, j) for j in r.runs[run]]
        chunk, hdrs = self.paginate(req, jobs)
        return pc.json_response(200, {"total_count": len(jobs), "jobs": chunk}, hdrs)

    def h_job_get(self, req, owner, repo, id):
        with self.lock:
            r = self.repo(owner, repo)
            j = r and self._job(r, id)
            return pc.json_response(200, self._job_json(req, r, j)) if j else not_found()

    def h_job_logs(self, req, owner, repo, id):
        with self.lock:
            r = self.repo(owner, repo)
            if r is None or str(id) not in self.job_logs:
                return not_found()
        loc = "http://localhost:%d/__logs/%s" % (self.port, id)
        return pc.Response(302, b"", [("Location", loc)])

    def h_job_rerun(self, req, owner, repo, id):
        with self.lock:
            r = self.repo(owner, repo)
            if r is None or self._job(r, id) is None:
                return not_found()
            r.reruns.append({"job_id": int(id), "time": pc.now_iso()})
        return pc.json_response(201, {})

    def h_log_blob(self, req, job):
        with self.lock:
            had_auth = req.header("Authorization") is not None
            self.log_fetches.append({"job_id": job, "authorization_sent": had_auth})
            req.entry["authorization_present"] = had_auth
            text = self.job_logs.get(job)
        if text is None:
            return pc.text_response(404, "BlobNotFound")
        stamp = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d")
        t0 = time.time() - 600
        out = []
        for i, line in enumerate(text.splitlines()):
            if not stamp.match(line):
                ts = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(t0 + i))
                line = "%s.%07dZ %s" % (ts, i, line)
            out.append(line)
        return pc.text_response(200, "\n".join(out) + "\n")


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--port-file", required=True, help="write the listening port here")
    ap.add_argument("--port", type=int, default=0, help="0 = pick a free port")
    ap.add_argument("--prism", help="Prism mock URL for the contract check, e.g. http://127.0.0.1:4010")
    ap.add_argument("--token", help="token with full access (PAT / Actions token)")
    ap.add_argument("--readonly-token", help="token that may only read (fork PR's GITHUB_TOKEN)")
    ap.add_argument("--app-id", help="GitHub App id expected as the JWT iss")
    ap.add_argument("--app-public-key", help="PEM file with the app's RSA public (or private) key")
    ap.add_argument("--installation-id", type=int, default=1, help="the app's installation id")
    ap.add_argument("--token-ttl", type=int, default=3600, help="installation token lifetime, seconds")
    ap.add_argument("--bot-login", default="forgebot[bot]", help="author login of what the client posts")
    ap.add_argument("--pat-no-checks", action="store_true",
                    help="refuse check-run writes made with --token (GitHub: only Apps may write checks)")
    ap.add_argument("--seed", help="seed JSON file, loaded at start and after each reset")
    args = ap.parse_args()
    app = GitHubApp(args)
    pc.serve(app, args.port, args.port_file)


if __name__ == "__main__":
    main()
