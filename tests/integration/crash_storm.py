#!/usr/bin/python3
"""crash_storm.py - signed deliveries into `forgebot serve` while it is
killed with SIGKILL at random moments and restarted; then the promises are
checked against the database itself:

  - every delivery that got a 2xx is stored;
  - it made exactly one job, and that job is done;
  - the job was finished (outcome 'done') exactly once.

Each delivery is a GitHub pull_request "opened" for its own pull request, so
no job supersedes another.  The server runs with the test build's echo agent
(FORGEBOT_TEST_ECHO_AGENT=1), which records each run in the audit log: how
often a job's work ran more than once (a worker killed between doing the
work and recording it) is reported, as at-least-once work is expected.

Prints PASS/FAIL lines and "N passed, N failed".
"""
import argparse
import hashlib
import hmac
import http.client
import json
import os
import random
import signal
import sqlite3
import subprocess
import sys
import threading
import time

PASSED = FAILED = 0


def result(ok, name, why=""):
    global PASSED, FAILED
    if ok:
        PASSED += 1
        print("PASS", name)
    else:
        FAILED += 1
        print("FAIL %s: %s" % (name, why))
    sys.stdout.flush()


class Server:
    def __init__(self, args, port):
        self.args, self.port, self.proc, self.starts = args, port, None, 0
        self.env = dict(os.environ, FORGEBOT_DATABASE_URL=args.db, FORGEBOT_GITHUB_WEBHOOK_SECRET=args.secret,
                        FORGEBOT_TEST_ECHO_AGENT="1", FORGEBOT_TEST_ECHO_MS="15", FORGEBOT_WORKERS="2",
                        FORGEBOT_JOB_LEASE_SECONDS="5", FORGEBOT_LOG_LEVEL="error",
                        ASAN_OPTIONS="detect_leaks=0:abort_on_error=0")
        self.log = open(args.log, "ab")

    def start(self):
        self.proc = subprocess.Popen([self.args.forgebot, "serve", "--listen", "127.0.0.1:%d" % self.port],
                                     env=self.env, stdout=self.log, stderr=self.log)
        self.starts += 1
        deadline = time.time() + 20
        while time.time() < deadline:
            try:
                c = http.client.HTTPConnection("127.0.0.1", self.port, timeout=1)
                c.request("GET", "/healthz")
                if c.getresponse().status == 200:
                    return True
            except OSError:
                pass
            if self.proc.poll() is not None:
                return False
            time.sleep(0.02)
        return False

    def kill(self):
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGKILL)
            self.proc.wait()

    def stop(self):
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            return self.proc.wait(timeout=60)
        return self.proc.returncode if self.proc else 0


def payload(n):
    return json.dumps({
        "action": "opened", "number": n,
        "pull_request": {"number": n, "draft": False, "title": "change %d" % n,
                         "head": {"sha": "%040x" % n, "ref": "f%d" % n, "repo": {"full_name": "acme/app"}},
                         "base": {"sha": "%040x" % (n + 10 ** 9), "ref": "main", "repo": {"full_name": "acme/app"}}},
        "repository": {"full_name": "acme/app", "clone_url": "http://127.0.0.1/none.git"},
        "sender": {"login": "alice", "type": "User"}}).encode()


def sender(args, port, ids, acked, lock, stop):
    conn = None
    while not stop.is_set():
        with lock:
            if not ids:
                return
            n = ids.pop()
        body = payload(n)
        sig = "sha256=" + hmac.new(args.secret.encode(), body, hashlib.sha256).hexdigest()
        headers = {"Content-Type": "application/json", "X-GitHub-Event": "pull_request",
                   "X-GitHub-Delivery": "storm-%d" % n, "X-Hub-Signature-256": sig}
        try:
            if conn is None:
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
            conn.request("POST", "/webhooks/github", body=body, headers=headers)
            r = conn.getresponse()
            r.read()
            if 200 <= r.status < 300:
                with lock:
                    acked.add(n)
        except (OSError, http.client.HTTPException):
            conn = None
            time.sleep(0.01)


def query(args, sql):
    if args.db.startswith("postgres"):
        out = subprocess.run([args.psql, "-X", "-At", "-F", "\t", args.db, "-c", sql], capture_output=True,
                             text=True, check=True).stdout
        return [tuple(line.split("\t")) for line in out.splitlines() if line]
    con = sqlite3.connect(args.db, timeout=30)
    rows = [tuple(str(c) for c in r) for r in con.execute(sql).fetchall()]
    con.close()
    return rows


def wait_all_done(args, timeout):
    deadline = time.time() + timeout
    while time.time() < deadline:
        left = int(query(args, "SELECT count(*) FROM jobs WHERE state IN ('queued','running')")[0][0])
        if left == 0:
            return True
        time.sleep(0.2)
    return False


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--forgebot", required=True)
    ap.add_argument("--db", required=True, help="SQLite path or postgresql:// URL")
    ap.add_argument("--psql", default="psql")
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--secret", default="storm-secret")
    ap.add_argument("--count", type=int, default=2000)
    ap.add_argument("--kills", type=int, default=8)
    ap.add_argument("--log", required=True)
    ap.add_argument("--name", default="storm")
    args = ap.parse_args()
    random.seed(args.count * 7919 + args.kills)
    srv = Server(args, args.port)
    if not srv.start():
        result(False, args.name + "-start", "the server did not start; see " + args.log)
        return 1
    ids = list(range(1, args.count + 1))
    random.shuffle(ids)
    acked, lock, stop = set(), threading.Lock(), threading.Event()
    threads = [threading.Thread(target=sender, args=(args, args.port, ids, acked, lock, stop)) for _ in range(4)]
    for t in threads:
        t.start()
    kills = 0
    while any(t.is_alive() for t in threads) and kills < args.kills:
        time.sleep(random.uniform(0.05, 0.35))
        srv.kill()
        kills += 1
        if not srv.start():
            stop.set()
            result(False, args.name + "-restart", "the server did not come back; see " + args.log)
            return 1
    for t in threads:
        t.join()
    result(kills >= 3, "%s-killed-%d-times" % (args.name, kills),
           "only %d kills before the deliveries ran out (raise --count)" % kills)
    result(len(acked) > args.count // 2, "%s-acknowledged %d of %d" % (args.name, len(acked), args.count),
           "too few acknowledged")
    done = wait_all_done(args, 120)
    code = srv.stop()
    result(done, args.name + "-all-jobs-finished", "jobs still queued or running after 120 s")
    result(code == 0, args.name + "-clean-exit", "exit %s" % code)
    stored = {int(r[0].split("-")[1]) for r in query(args, "SELECT delivery_id FROM deliveries")}
    missing = sorted(acked - stored)
    result(not missing, args.name + "-every-2xx-stored", "%d missing, e.g. %s" % (len(missing), missing[:5]))
    jobs = query(args, "SELECT d.delivery_id, count(j.id), min(j.state), max(j.state) FROM deliveries d "
                       "LEFT JOIN jobs j ON j.delivery_id = d.id GROUP BY d.delivery_id")
    bad = [r for r in jobs if int(r[0].split("-")[1]) in acked and (r[1] != "1" or r[2] != "done" or r[3] != "done")]
    result(not bad, args.name + "-one-done-job-per-delivery", "%d bad, e.g. %s" % (len(bad), bad[:3]))
    twice = query(args, "SELECT job_id, count(*) FROM job_attempts WHERE outcome = 'done' "
                        "GROUP BY job_id HAVING count(*) <> 1")
    result(not twice, args.name + "-finished-exactly-once", "%d jobs finished twice: %s" % (len(twice), twice[:3]))
    reran = query(args, "SELECT count(*) FROM (SELECT job_id FROM audit WHERE action = 'test.echo' "
                        "GROUP BY job_id HAVING count(*) > 1) x")[0][0]
    print("note: %s jobs' work ran more than once (a worker killed mid-job); %d server starts" % (reran, srv.starts))
    print("%d passed, %d failed" % (PASSED, FAILED))
    return 0 if FAILED == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
