-- wrk_signed.lua - signed GitHub deliveries for wrk (tests/bench/webhooks.sh).
--
--   wrk -t2 -c32 -d15s --latency -s wrk_signed.lua URL/webhooks/github -- POOL NONCE [RATE THREADS]
--
-- POOL is the file webhooks_peer.mjs `pool` writes: N real pull_request
-- bodies, each with its HMAC-SHA256 (wrk's Lua cannot compute one, so they
-- are computed up front).  Requests cycle through the pool (each wrk thread
-- from its own offset) and every request carries a fresh X-GitHub-Delivery,
-- a UUID made of NONCE (one per wrk run), the thread and a counter: GitHub
-- signs the body only, so the signature stays valid, and forgebot's
-- deduplication never sees a repeat -- every delivery is stored.
--
-- RATE (deliveries/s, all THREADS together; THREADS = wrk's -t): without
-- it wrk sends as fast as it can.  With it, each thread keeps an open-loop
-- schedule (one slot every THREADS/RATE s): a connection that is free asks
-- delay() for the next slot and sends then, so the rate holds as long as
-- one connection of the thread is idle; with many connections a slow answer
-- delays no other send.  A send that starts more than 1 ms after its slot
-- is counted as late (all connections were busy: the figure would
-- understate latency).
--
-- done() prints one line for the script that ran wrk:
--   BENCH requests=N seconds=S rps=R p50_ms=A p90_ms=B p99_ms=C max_ms=D
--         non2xx=E sockerr=F late=G
local ffi = require("ffi")
ffi.cdef [[
typedef struct { long tv_sec; long tv_nsec; } fb_timespec;
int clock_gettime(int clk, fb_timespec *ts);
]]
local ts = ffi.new("fb_timespec")
local function now_ms()
  ffi.C.clock_gettime(1, ts) -- CLOCK_MONOTONIC
  return tonumber(ts.tv_sec) * 1000 + tonumber(ts.tv_nsec) / 1e6
end

-- main thread: hand each thread its index
local threads = {}
local nthreads = 0
function setup(thread)
  nthreads = nthreads + 1
  thread:set("tid", nthreads)
  table.insert(threads, thread)
end

-- worker threads
local heads, tails = {}, {}
local n, i, count, nonce = 0, 0, 0, 0
local rate, period, next_slot = nil, 0, nil
late = 0 -- globals: done() reads them with thread:get()
tid = 1  -- set by setup()

function init(args)
  local path = args[1]
  nonce = tonumber(args[2]) or 0
  rate = tonumber(args[3])
  local f = assert(io.open(path, "rb"))
  while true do
    local line = f:read("*l")
    if not line or line == "" then break end
    local event, sig, len = line:match("^(%S+) (%x+) (%d+)$")
    assert(event, "bad pool line: " .. line)
    local body = f:read(tonumber(len))
    f:read(1) -- the newline after the body
    local req = wrk.format("POST", wrk.path, {
      ["Host"] = wrk.headers["Host"],
      ["Content-Type"] = "application/json",
      ["User-Agent"] = "GitHub-Hookshot/bench",
      ["X-GitHub-Event"] = event,
      ["X-GitHub-Hook-ID"] = "4242",
      ["X-Hub-Signature-256"] = "sha256=" .. sig,
      ["X-GitHub-Delivery"] = "@@DELIVERY@@",
    }, body)
    local a, b = req:find("@@DELIVERY@@", 1, true)
    n = n + 1
    heads[n] = req:sub(1, a - 1)
    tails[n] = req:sub(b + 1)
  end
  f:close()
  assert(n > 0, "empty pool " .. path)
  -- threads start at different places in the pool
  i = ((tid - 1) * 7919) % n
  if rate then period = (tonumber(args[4]) or 1) * 1000 / rate end
end

function delay()
  if not rate then return 0 end
  local t = now_ms()
  next_slot = next_slot or t
  local slot = next_slot
  next_slot = next_slot + period
  local d = slot - t
  if d < -1 then late = late + 1 end
  if d <= 0 then return 0 end
  return math.floor(d + 0.5)
end

function request()
  i = i % n + 1
  count = count + 1
  return heads[i] .. string.format("%08x-%04x-4000-8000-%012x", nonce, tid, count) .. tails[i]
end

function done(summary, latency, requests)
  local nlate = 0
  for _, t in ipairs(threads) do nlate = nlate + (tonumber(t:get("late")) or 0) end
  local s = summary.duration / 1e6
  local e = summary.errors
  io.write(string.format(
    "BENCH requests=%d seconds=%.2f rps=%.1f p50_ms=%.3f p90_ms=%.3f p99_ms=%.3f max_ms=%.3f " ..
    "non2xx=%d sockerr=%d late=%d\n",
    summary.requests, s, summary.requests / s,
    latency:percentile(50) / 1000, latency:percentile(90) / 1000,
    latency:percentile(99) / 1000, latency.max / 1000,
    e.status, e.connect + e.read + e.write + e.timeout, nlate))
end
