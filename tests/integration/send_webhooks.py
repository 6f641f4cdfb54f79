#!/usr/bin/python3
"""send_webhooks.py - replay real webhook payloads at forgebot serve.

GitHub: every example body in @octokit/webhooks-examples (api.github.com),
with its event name, a fresh X-GitHub-Delivery GUID (or a fixed one with
--delivery-prefix, for redelivery tests) and an X-Hub-Signature-256 made
with --secret (--sign good), with a wrong secret (--sign bad) or none
(--sign none).  GitLab: every payload in go-gitlab's testdata/webhooks, with
the X-Gitlab-Event header GitLab sends for its object_kind and --token.

Prints one line per request: "STATUS SOURCE EVENT ACTION", then a summary
line "sent N".  Exit status 0 unless a connection failed.
"""
import argparse
import glob
import hashlib
import hmac
import http.client
import json
import os
import sys
import urllib.parse
import uuid

EXAMPLES = "node_modules/@octokit/webhooks-examples/api.github.com/index.json"
GITLAB_DIR = "/usr/share/gocode/src/github.com/xanzy/go-gitlab/testdata/webhooks"
# object_kind -> X-Gitlab-Event, as GitLab sends it (go-gitlab event_parsing.go).
GITLAB_EVENTS = {
    "build": "Job Hook", "deployment": "Deployment Hook", "issue": "Issue Hook",
    "merge_request": "Merge Request Hook", "note": "Note Hook", "pipeline": "Pipeline Hook",
    "push": "Push Hook", "release": "Release Hook", "tag_push": "Tag Push Hook",
    "wiki_page": "Wiki Page Hook",
}


def github_requests(tools):
    with open(os.path.join(tools, EXAMPLES)) as f:
        events = json.load(f)
    for ev in events:
        for i, body in enumerate(ev["examples"]):
            yield ev["name"], body.get("action", "-"), i, json.dumps(body).encode()


def gitlab_requests():
    for path in sorted(glob.glob(os.path.join(GITLAB_DIR, "*.json"))):
        with open(path, "rb") as f:
            raw = f.read()
        kind = json.loads(raw).get("object_kind", "")
        if kind in GITLAB_EVENTS:
            yield GITLAB_EVENTS[kind], os.path.basename(path), raw


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--url", required=True, help="http://127.0.0.1:PORT")
    ap.add_argument("--source", choices=["github", "gitlab"], required=True)
    ap.add_argument("--secret", default="")
    ap.add_argument("--sign", choices=["good", "bad", "none"], default="good")
    ap.add_argument("--token", default="")
    ap.add_argument("--tools", default="tests/tools")
    ap.add_argument("--delivery-prefix", help="deterministic delivery ids: PREFIX-<n>")
    ap.add_argument("--form", action="store_true", help="GitHub: send payload= form bodies")
    ap.add_argument("--only", help="only this event name")
    args = ap.parse_args()
    u = urllib.parse.urlparse(args.url)
    conn = http.client.HTTPConnection(u.hostname, u.port, timeout=30)
    sent = 0
    if args.source == "github":
        for n, (event, action, i, body) in enumerate(github_requests(args.tools)):
            if args.only and event != args.only:
                continue
            ctype = "application/json"
            if args.form:
                body = ("payload=" + urllib.parse.quote_plus(body.decode())).encode()
                ctype = "application/x-www-form-urlencoded"
            delivery = "%s-%d" % (args.delivery_prefix, n) if args.delivery_prefix else str(uuid.uuid4())
            headers = {"Content-Type": ctype, "X-GitHub-Event": event,
                       "X-GitHub-Delivery": delivery, "User-Agent": "GitHub-Hookshot/test"}
            if args.sign != "none":
                key = (args.secret if args.sign == "good" else args.secret + "-wrong").encode()
                headers["X-Hub-Signature-256"] = "sha256=" + hmac.new(key, body, hashlib.sha256).hexdigest()
            conn.request("POST", "/webhooks/github", body=body, headers=headers)
            r = conn.getresponse()
            r.read()
            print(r.status, "github", event, action)
            sent += 1
    else:
        for event, name, body in gitlab_requests():
            headers = {"Content-Type": "application/json", "X-Gitlab-Event": event,
                       "X-Gitlab-Event-UUID": str(uuid.uuid4()), "User-Agent": "GitLab/15.0"}
            if args.sign != "none":
                headers["X-Gitlab-Token"] = args.token if args.sign == "good" else args.token + "-wrong"
            conn.request("POST", "/webhooks/gitlab", body=body, headers=headers)
            r = conn.getresponse()
            r.read()
            print(r.status, "gitlab", event.replace(" ", "_"), name)
            sent += 1
    print("sent", sent)


if __name__ == "__main__":
    sys.exit(main())
