"""peer_common.py - machinery shared by fake_github.py and fake_gitlab.py.

Purpose.  The two forge fakes are small stateful HTTP servers that forgebot's
integration tests talk to instead of api.github.com / gitlab.com.  They differ
in what they serve, but share everything around it, which lives here:

  * an HTTP/1.1 server (ThreadingHTTPServer, Content-Length bodies, keep-alive,
    chunked request bodies accepted) bound to 127.0.0.1 that writes its port
    to a file once it is listening;
  * the request log: every request that is not a control request is recorded
    in arrival order with redacted credentials, its parsed body, the status
    the fake answered and a contract verdict;
  * fault injection (answer with a given status, reset the connection with an
    RST, or delay) for the next N requests matching a method and path regex;
  * the control API under /__control/ (requests, reset, seed, fault, state);
  * a unified-diff parser used to decide which lines a comment may land on.

Design.  A fake is an "app" object with a few methods (see PeerApp); the
handler does the protocol work and calls into the app with a Request and gets
back a Response.  One lock (app.lock) guards the app state and the log; the
handlers hold it only while touching state, never while sleeping or while
talking to Prism.  Nothing here knows about GitHub or GitLab.
"""

import http.server
import json
import os
import re
import socket
import struct
import sys
import threading
import time
import urllib.parse

# ---------------------------------------------------------------------------
# Small helpers
# ---------------------------------------------------------------------------


def now_iso(offset=0):
    """UTC time as GitHub/GitLab print it: 2024-01-02T03:04:05Z."""
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(time.time() + offset))


class IdGen:
    """Thread-safe id counter.  Ids start above 2**31 on purpose so that a
    client which stores them in a 32-bit int breaks visibly in tests."""

    def __init__(self, start=2_200_000_001):
        self._next = start
        self._lock = threading.Lock()

    def __call__(self):
        with self._lock:
            v = self._next
            self._next += 1
            return v


class Response:
    """What a handler answers.  `body` is bytes; `headers` a list of pairs."""

    def __init__(self, status, body=b"", headers=None, content_type=None):
        self.status = status
        self.body = body if isinstance(body, bytes) else str(body).encode()
        self.headers = list(headers or [])
        if content_type:
            self.headers.append(("Content-Type", content_type))

    def header(self, name):
        for k, v in self.headers:
            if k.lower() == name.lower():
                return v
        return None

    def set_header(self, name, value):
        self.headers = [(k, v) for k, v in self.headers if k.lower() != name.lower()]
        self.headers.append((name, value))


def json_response(status, obj, headers=None, content_type="application/json; charset=utf-8"):
    return Response(status, json.dumps(obj).encode(), headers, content_type)


def text_response(status, text, headers=None):
    return Response(status, text.encode(), headers, "text/plain; charset=utf-8")


class Request:
    """One parsed request.  `raw_path` keeps percent-encoding exactly as sent
    (GitLab's `group%2Fproject` must stay one path segment)."""

    def __init__(self, method, target, headers, body, client):
        self.method = method
        self.target = target
        raw_path, _, query = target.partition("?")
        self.raw_path = raw_path
        self.query = query
        self.qs = urllib.parse.parse_qs(query, keep_blank_values=True)
        self.headers = headers           # email.message.Message, case-insensitive
        self.body = body                 # bytes
        self.client = client
        self.json = None                 # parsed body (JSON or form), or None
        self.json_error = None
        self.violations = []             # contract violations found while handling
        self.notes = []                  # free-text notes for the log (why a 4xx)
        self.entry = None                # the request-log entry
        ct = (headers.get("Content-Type") or "").lower()
        if body:
            if "application/x-www-form-urlencoded" in ct:
                form = urllib.parse.parse_qs(body.decode("utf-8", "replace"),
                                             keep_blank_values=True)
                self.json = {k: (v[0] if len(v) == 1 else v) for k, v in form.items()}
            else:
                try:
                    self.json = json.loads(body)
                except ValueError as e:
                    self.json_error = str(e)

    def q(self, name, default=None):
        """First value of a query parameter."""
        v = self.qs.get(name)
        return v[0] if v else default

    def header(self, name):
        return self.headers.get(name)

    def host(self):
        return self.headers.get("Host") or "127.0.0.1"

    def body_for_log(self):
        if not self.body:
            return None
        if self.json is not None:
            return self.json
        return self.body.decode("utf-8", "replace")


# ---------------------------------------------------------------------------
# Unified diff parsing
# ---------------------------------------------------------------------------

_HUNK_RE = re.compile(r"^@@ -(\d+)(?:,(\d+))? \+(\d+)(?:,(\d+))? @@(.*)$")


def _unquote_git_path(p):
    """git C-quotes unusual paths: "a/sp\\303\\251cial".  Undo that."""
    p = p.strip()
    if len(p) >= 2 and p[0] == '"' and p[-1] == '"':
        raw = p[1:-1].encode("latin-1", "backslashreplace").decode("unicode_escape")
        p = raw.encode("latin-1", "replace").decode("utf-8", "replace")
    return p


def _strip_prefix(p):
    if p == "/dev/null":
        return None
    if p.startswith(("a/", "b/")):
        return p[2:]
    return p


class Hunk:
    """One hunk; `lines` holds (kind, old_no, new_no, text) with kind one of
    ' ', '+', '-', '\\' (the "No newline at end of file" marker)."""

    def __init__(self, header, old_start, old_count, new_start, new_count):
        self.header = header
        self.old_start, self.old_count = old_start, old_count
        self.new_start, self.new_count = new_start, new_count
        self.lines = []


class FileDiff:
    """A file in a diff: paths, status, hunks and derived line maps."""

    def __init__(self):
        self.old_path = None
        self.new_path = None
        self.status = "modified"       # added|removed|modified|renamed|copied
        self.binary = False
        self.old_mode = self.new_mode = None
        self.hunks = []
        self.header_lines = []

    @property
    def path(self):
        return self.new_path if self.new_path is not None else self.old_path

    def finish(self):
        """Fill derived fields once parsing of this file is complete."""
        if self.status == "added" or self.old_path is None:
            self.old_path = self.new_path
        if self.status == "removed" or self.new_path is None:
            self.new_path = self.old_path
        self.additions = sum(1 for h in self.hunks for ln in h.lines if ln[0] == "+")
        self.deletions = sum(1 for h in self.hunks for ln in h.lines if ln[0] == "-")
        # new_lines / old_lines: line number -> (hunk index, kind).
        self.new_lines, self.old_lines = {}, {}
        for i, h in enumerate(self.hunks):
            for kind, o, n, _ in h.lines:
                if kind in " +" and n is not None:
                    self.new_lines[n] = (i, kind)
                if kind in " -" and o is not None:
                    self.old_lines[o] = (i, kind)

    def patch(self):
        """The hunks as GitHub's `patch` / GitLab's `diff` field: from the first
        @@ line, newline-separated, no trailing newline; None if no hunks."""
        if not self.hunks:
            return None
        out = []
        for h in self.hunks:
            out.append(h.header)
            for kind, _, _, text in h.lines:
                out.append(kind + text if kind != "\\" else "\\" + text)
        return "\n".join(out)

    def hunk_text_upto(self, side, line):
        """GitHub's diff_hunk: the hunk header and lines up to `line`."""
        table = self.new_lines if side == "RIGHT" else self.old_lines
        if line not in table:
            return None
        hi = table[line][0]
        h = self.hunks[hi]
        out = [h.header]
        for kind, o, n, text in h.lines:
            out.append(kind + text)
            if (side == "RIGHT" and n == line and kind in " +") or \
               (side == "LEFT" and o == line and kind in " -"):
                break
        return "\n".join(out)


def parse_unified_diff(text):
    """Parse `git diff` output (or plain unified diffs) into FileDiffs."""
    files = []
    cur = None
    lines = text.split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    i = 0

    def start_file():
        nonlocal cur
        if cur is not None:
            cur.finish()
            files.append(cur)
        cur = FileDiff()

    while i < len(lines):
        line = lines[i]
        if line.startswith("diff --git "):
            start_file()
            rest = line[len("diff --git "):]
            # "a/X b/X": split in the middle when both halves name the same file.
            if rest.startswith('"'):
                m = re.match(r'^("(?:[^"\\]|\\.)*")\s+(.*)$', rest)
                a, b = (m.group(1), m.group(2)) if m else (rest, rest)
            else:
                half = (len(rest) - 1) // 2
                if rest[half] == " " and rest[:half][2:] == rest[half + 1:][2:]:
                    a, b = rest[:half], rest[half + 1:]
                else:
                    a, _, b = rest.partition(" b/")
                    b = "b/" + b
            cur.old_path = _strip_prefix(_unquote_git_path(a))
            cur.new_path = _strip_prefix(_unquote_git_path(b))
            i += 1
            continue
        if line.startswith("--- ") and i + 1 < len(lines) and lines[i + 1].startswith("+++ "):
            if cur is None or cur.hunks:
                start_file()
            old = _strip_prefix(_unquote_git_path(line[4:].split("\t")[0]))
            new = _strip_prefix(_unquote_git_path(lines[i + 1][4:].split("\t")[0]))
            if old is None:
                cur.status = "added"
                cur.old_path = None
            elif cur.status not in ("renamed", "copied"):
                cur.old_path = old
            if new is None:
                cur.status = "removed"
                cur.new_path = None
            elif cur.status not in ("renamed", "copied"):
                cur.new_path = new
            i += 2
            continue
        if cur is None:
            i += 1
            continue
        m = _HUNK_RE.match(line)
        if m:
            o_start = int(m.group(1))
            o_cnt = int(m.group(2)) if m.group(2) is not None else 1
            n_start = int(m.group(3))
            n_cnt = int(m.group(4)) if m.group(4) is not None else 1
            h = Hunk(line, o_start, o_cnt, n_start, n_cnt)
            o, n = o_start, n_start
            o_left, n_left = o_cnt, n_cnt
            i += 1
            # Consume exactly the counted lines (plus "\ No newline" markers),
            # so hunk content can never be mistaken for a header.
            while i < len(lines) and (o_left > 0 or n_left > 0 or lines[i].startswith("\\")):
                ln = lines[i]
                kind = ln[:1] if ln else " "
                body = ln[1:]
                if kind == "\\":
                    h.lines.append(("\\", None, None, body))
                elif kind == "+":
                    h.lines.append(("+", None, n, body))
                    n += 1
                    n_left -= 1
                elif kind == "-":
                    h.lines.append(("-", o, None, body))
                    o += 1
                    o_left -= 1
                elif kind == " " or ln == "":
                    h.lines.append((" ", o, n, body))
                    o += 1
                    n += 1
                    o_left -= 1
                    n_left -= 1
                else:
                    break
                i += 1
            cur.hunks.append(h)
            continue
        if line.startswith("new file mode"):
            cur.status = "added"
            cur.new_mode = line.split()[-1]
        elif line.startswith("deleted file mode"):
            cur.status = "removed"
            cur.old_mode = line.split()[-1]
        elif line.startswith("rename from "):
            cur.status = "renamed"
            cur.old_path = _unquote_git_path(line[len("rename from "):])
        elif line.startswith("rename to "):
            cur.status = "renamed"
            cur.new_path = _unquote_git_path(line[len("rename to "):])
        elif line.startswith("copy from "):
            cur.status = "copied"
            cur.old_path = _unquote_git_path(line[len("copy from "):])
        elif line.startswith("copy to "):
            cur.status = "copied"
            cur.new_path = _unquote_git_path(line[len("copy to "):])
        elif line.startswith("old mode "):
            cur.old_mode = line.split()[-1]
        elif line.startswith("new mode "):
            cur.new_mode = line.split()[-1]
        elif line.startswith("Binary files ") or line.startswith("GIT binary patch"):
            cur.binary = True
        cur.header_lines.append(line)
        i += 1
    if cur is not None:
        cur.finish()
        files.append(cur)
    return files


# ---------------------------------------------------------------------------
# Faults
# ---------------------------------------------------------------------------


class Fault:
    """One injected fault; see PeerApp.add_fault for the JSON shape."""

    def __init__(self, spec):
        if not isinstance(spec, dict):
            raise ValueError("a fault is a JSON object")
        self.method = (spec.get("method") or "*").upper()
        self.path_re = re.compile(spec.get("path") or ".*")
        self.count = int(spec.get("count", 1))
        self.status = int(spec.get("status", 500))
        self.headers = dict(spec.get("headers") or {})
        self.body = spec.get("body", {"message": "injected fault"})
        self.action = spec.get("action", "respond")
        if self.action not in ("respond", "reset", "delay"):
            raise ValueError("action must be respond, reset or delay")
        self.delay_ms = int(spec.get("delay_ms", 1000))
        self.spec = spec

    def matches(self, req):
        return (self.count > 0
                and self.method in ("*", req.method)
                and self.path_re.search(req.raw_path) is not None)


# ---------------------------------------------------------------------------
# The app interface and the HTTP plumbing
# ---------------------------------------------------------------------------


class PeerApp:
    """Base for a fake forge.  Subclasses implement:

      redact_headers(req) -> dict       lower-cased headers, secrets replaced
      contract_before(req)              e.g. ask Prism; may append to req.violations
      handle(req) -> Response           the fake's own answer from its state
      common_headers(req) -> [(k, v)]   added to every API answer (rate limits)
      seed(obj)                         merge a seed document into the state
      reset_state()                     back to the start-up state
      dump_state() -> JSON-able
      default_contract                  "ok" or "unchecked" when nothing was found
    """

    default_contract = "unchecked"

    def __init__(self):
        self.lock = threading.RLock()
        self.requests = []
        self.faults = []
        self.seq = 0

    # -- faults ------------------------------------------------------------
    def add_fault(self, spec):
        specs = spec if isinstance(spec, list) else [spec]
        faults = [Fault(s) for s in specs]
        with self.lock:
            self.faults.extend(faults)

    def take_fault(self, req):
        with self.lock:
            for f in self.faults:
                if f.matches(req):
                    f.count -= 1
                    if f.count <= 0:
                        self.faults.remove(f)
                    return f
        return None

    # -- control API -------------------------------------------------------
    def control(self, req):
        """Answer /__control/*.  No authentication, not logged."""
        name = req.raw_path[len("/__control/"):].strip("/")
        # Control bodies are JSON whatever the Content-Type (curl -d sends form).
        try:
            req.json = json.loads(req.body) if req.body else None
        except ValueError as e:
            req.json, req.json_error = None, str(e)
        try:
            if name == "requests" and req.method == "GET":
                with self.lock:
                    return json_response(200, self.requests)
            if name == "state" and req.method == "GET":
                with self.lock:
                    return json_response(200, self.dump_state())
            if name == "reset" and req.method == "POST":
                with self.lock:
                    self.requests.clear()
                    self.faults.clear()
                    self.seq = 0
                    self.reset_state()
                return json_response(200, {"ok": True})
            if name == "seed" and req.method == "POST":
                if req.json is None:
                    return json_response(400, {"error": "seed body must be JSON: %s" % req.json_error})
                with self.lock:
                    self.seed(req.json)
                return json_response(200, {"ok": True})
            if name == "fault" and req.method == "POST":
                if req.json is None:
                    return json_response(400, {"error": "fault body must be JSON"})
                self.add_fault(req.json)
                return json_response(200, {"ok": True})
            if name == "fault" and req.method == "DELETE":
                with self.lock:
                    self.faults.clear()
                return json_response(200, {"ok": True})
        except (ValueError, KeyError, TypeError, re.error) as e:
            return json_response(400, {"error": "%s: %s" % (type(e).__name__, e)})
        return json_response(404, {"error": "unknown control endpoint %s %s" % (req.method, req.raw_path)})

    # -- request log -------------------------------------------------------
    def log_start(self, req):
        with self.lock:
            self.seq += 1
            entry = {
                "seq": self.seq,
                "time": now_iso(),
                "method": req.method,
                "path": req.raw_path,
                "query": req.query,
                "headers": self.redact_headers(req),
                "body": req.body_for_log(),
                "status": None,
                "contract": None,
            }
            self.requests.append(entry)
            req.entry = entry
        return entry

    def log_finish(self, req, status):
        with self.lock:
            req.entry["status"] = status
            req.entry["contract"] = "; ".join(req.violations) if req.violations else \
                (req.entry.get("contract_default") or self.default_contract)
            req.entry.pop("contract_default", None)
            if req.notes:
                req.entry["note"] = "; ".join(req.notes)


class PeerHandler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    # Headers and body go out in separate writes; without TCP_NODELAY the
    # second waits for the client's delayed ACK (~40 ms a request), which
    # would make every client look slow in benchmarks.
    disable_nagle_algorithm = True
    server_version = "forgebot-peer/1"
    sys_version = ""

    def version_string(self):
        return self.server_version

    def log_message(self, fmt, *args):  # one line per request on stderr
        sys.stderr.write("%s %s\n" % (self.log_date_time_string(), fmt % args))

    def _read_body(self):
        te = (self.headers.get("Transfer-Encoding") or "").lower()
        if "chunked" in te:
            chunks = []
            while True:
                size_line = self.rfile.readline()
                size = int(size_line.split(b";")[0].strip() or b"0", 16)
                if size == 0:
                    while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                        pass
                    break
                chunks.append(self.rfile.read(size))
                self.rfile.readline()
            return b"".join(chunks)
        n = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(n) if n > 0 else b""

    def _send(self, resp, head_only=False):
        self.send_response(resp.status)
        for k, v in resp.headers:
            self.send_header(k, v)
        self.send_header("Content-Length", str(len(resp.body)))
        self.end_headers()
        if not head_only and resp.body:
            self.wfile.write(resp.body)

    def _reset_connection(self):
        """Close with SO_LINGER 0 so the kernel sends RST, not FIN."""
        try:
            self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER,
                                       struct.pack("ii", 1, 0))
        except OSError:
            pass
        self.close_connection = True
        for f in (self.rfile, self.wfile):
            try:
                f.close()
            except OSError:
                pass
        try:
            self.connection.close()
        except OSError:
            pass

    def _dispatch(self):
        app = self.server.app
        try:
            body = self._read_body()
        except (ValueError, OSError):
            self.close_connection = True
            return
        req = Request(self.command, self.path, self.headers, body, self.client_address)
        if req.raw_path.startswith("/__control/"):
            self._send(app.control(req))
            return
        app.log_start(req)
        app.contract_before(req)
        fault = app.take_fault(req)
        if fault is not None:
            req.entry["fault"] = fault.spec
            if fault.action == "reset":
                app.log_finish(req, "reset")
                self._reset_connection()
                return
            if fault.action == "delay":
                time.sleep(fault.delay_ms / 1000.0)
            else:
                body = fault.body
                if isinstance(body, (dict, list)):
                    resp = json_response(fault.status, body)
                else:
                    resp = text_response(fault.status, "" if body is None else str(body))
                headers = app.common_headers(req)
                names = {k.lower() for k in fault.headers}
                resp.headers = [(k, v) for k, v in headers if k.lower() not in names] + \
                    [(k, str(v)) for k, v in fault.headers.items()] + resp.headers
                app.log_finish(req, resp.status)
                self._send(resp, self.command == "HEAD")
                return
        try:
            resp = app.handle(req)
        except Exception as e:  # a bug in the fake: say so loudly, keep serving
            import traceback
            traceback.print_exc()
            req.violations.append("fake crashed: %s: %s" % (type(e).__name__, e))
            resp = json_response(500, {"message": "fake server error: %s" % e})
        resp.headers = app.common_headers(req) + resp.headers
        app.log_finish(req, resp.status)
        self._send(resp, self.command == "HEAD")

    do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = do_HEAD = do_OPTIONS = _dispatch


class PeerServer(http.server.ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 128

    def __init__(self, port, app):
        self.app = app
        super().__init__(("127.0.0.1", port), PeerHandler)


def serve(app, port, port_file):
    """Bind, write the port file atomically, serve until killed."""
    srv = PeerServer(port, app)
    actual = srv.server_address[1]
    app.port = actual
    if port_file:
        tmp = port_file + ".tmp"
        with open(tmp, "w") as f:
            f.write("%d\n" % actual)
        os.replace(tmp, port_file)
    sys.stderr.write("listening on 127.0.0.1:%d\n" % actual)
    sys.stderr.flush()
    try:
        srv.serve_forever(poll_interval=0.2)
    except KeyboardInterrupt:
        pass


def load_json_file(path):
    with open(path, "rb") as f:
        return json.loads(f.read())

