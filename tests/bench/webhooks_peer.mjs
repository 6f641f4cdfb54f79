// webhooks_peer.mjs - the Node peer of the webhook intake benchmark
// (tests/bench/webhooks.sh), and the generator of its signed request pool.
//
//   node webhooks_peer.mjs serve SECRET
//       @octokit/webhooks on node:http: POST /webhooks/github is verified
//       (X-Hub-Signature-256) and parsed by webhooks.verifyAndReceive, then
//       answered 202; nothing is stored.  A bad signature gets 401, bad JSON
//       400.  GET /stats answers {"accepted":N,"rejected":N}.  Listens on
//       127.0.0.1, port $PORT (default 0: any), and prints
//       "listening on port N" once it does.
//
//   node webhooks_peer.mjs pool SECRET N OUT
//       Writes N signed requests to OUT for wrk_signed.lua: real bodies from
//       @octokit/webhooks-examples (pull_request opened, reopened,
//       synchronize, ready_for_review, cycled), each with its own pull
//       request number (1000 + i, in `number` and `pull_request.number`) so
//       the deliveries spread over N pull requests, and its HMAC-SHA256.
//       Format, per request: "EVENT SIGNATURE LENGTH\n" then LENGTH bytes of
//       body then "\n".  The X-GitHub-Delivery id is not signed (GitHub signs
//       the body only), so wrk_signed.lua gives every request a fresh one.
//
// Run from anywhere: the modules resolve from tests/tools/node_modules.
import { createRequire } from "node:module";
import { createHmac } from "node:crypto";
import { createServer } from "node:http";
import { writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { dirname, join } from "node:path";

const here = dirname(fileURLToPath(import.meta.url));
const tools = join(here, "..", "tools");
const require = createRequire(join(tools, "package.json"));

const [mode, secret, ...rest] = process.argv.slice(2);
if (!secret || (mode !== "serve" && mode !== "pool")) {
  console.error("usage: webhooks_peer.mjs serve SECRET | pool SECRET N OUT");
  process.exit(2);
}

if (mode === "pool") {
  const [nstr, out] = rest;
  const n = Number(nstr);
  const index = require("@octokit/webhooks-examples/api.github.com/index.json");
  const pr = index.find((e) => e.name === "pull_request");
  const want = ["opened", "reopened", "synchronize", "ready_for_review"];
  const templates = pr.examples.filter((x) => want.includes(x.action));
  if (!templates.length || !(n > 0)) {
    console.error("pool: no templates or bad N");
    process.exit(1);
  }
  const parts = [];
  for (let i = 0; i < n; i++) {
    const b = structuredClone(templates[i % templates.length]);
    b.number = 1000 + i;
    b.pull_request.number = 1000 + i;
    const body = Buffer.from(JSON.stringify(b));
    const sig = createHmac("sha256", secret).update(body).digest("hex");
    parts.push(Buffer.from(`pull_request ${sig} ${body.length}\n`), body, Buffer.from("\n"));
  }
  writeFileSync(out, Buffer.concat(parts));
  console.log(`pool: ${n} requests, ${templates.length} templates (${want.join(", ")})`);
  process.exit(0);
}

// serve
const { Webhooks } = await import(require.resolve("@octokit/webhooks"));
const webhooks = new Webhooks({ secret });
let accepted = 0;
let rejected = 0;

const server = createServer((req, res) => {
  if (req.method === "GET" && req.url === "/stats") {
    res.writeHead(200, { "content-type": "application/json" });
    res.end(JSON.stringify({ accepted, rejected }) + "\n");
    return;
  }
  if (req.method !== "POST" || req.url !== "/webhooks/github") {
    res.writeHead(404, { "content-type": "application/json" });
    res.end('{"error":"no such endpoint"}\n');
    return;
  }
  const chunks = [];
  req.on("data", (c) => chunks.push(c));
  req.on("end", () => {
    webhooks
      .verifyAndReceive({
        id: req.headers["x-github-delivery"],
        name: req.headers["x-github-event"],
        signature: req.headers["x-hub-signature-256"],
        payload: Buffer.concat(chunks).toString("utf8"),
      })
      .then(
        () => {
          accepted++;
          res.writeHead(202, { "content-type": "application/json" });
          res.end('{"status":"accepted"}\n');
        },
        (err) => {
          rejected++;
          const status = /signature/.test(String(err && err.message)) ? 401 : 400;
          res.writeHead(status, { "content-type": "application/json" });
          res.end(JSON.stringify({ error: String(err && err.message) }) + "\n");
        },
      );
  });
});
server.keepAliveTimeout = 30000;
server.listen(Number(process.env.PORT || 0), "127.0.0.1", () => {
  console.log(`listening on port ${server.address().port}`);
});
for (const sig of ["SIGTERM", "SIGINT"]) process.on(sig, () => {
    server.close(() => process.exit(0));
    setTimeout(() => process.exit(0), 1000).unref();
  });
