-- wrk script: POST /invoke the way the platform does (application/octet-stream body,
-- an x-fc-request-id per request), and print one machine-readable result line.
--
-- Environment:
--   WRK_METHOD, WRK_PATH  instead, this request (default POST /invoke); a GET has no body
--   WRK_BODY          the body (default {"key": "value"})
--   WRK_BODY_BYTES    instead, a body of this many bytes of 'a' (payload echo rows)
--   WRK_HEADERS       a file of extra `name: value` header lines to send (bench/full-headers.txt)

local method = os.getenv("WRK_METHOD") or "POST"
local path = os.getenv("WRK_PATH") or "/invoke"
local body = os.getenv("WRK_BODY") or '{"key": "value"}'
if method == "GET" then
  body = nil
end
local size = tonumber(os.getenv("WRK_BODY_BYTES") or "")
if size then
  body = string.rep("a", size)
end
local extra = {}
local header_file = os.getenv("WRK_HEADERS")
if header_file and header_file ~= "" then
  for line in io.lines(header_file) do
    local name, value = line:match("^([^#:%s][^:]*):%s*(.-)%s*$")
    if name then
      table.insert(extra, { name, value })
    end
  end
end

local threads = {}
local counter = 0

function setup(thread)
  counter = counter + 1
  thread:set("tid", counter)
  table.insert(threads, thread)
end

local prepared = {}
local n = 0
local i = 0

function init(args)
  -- Distinct request ids, prepared once: building a request per call would make wrk
  -- the bottleneck. A big body is prepared once only.
  local count = (body and #body > 65536) and 1 or 256
  for k = 1, count do
    local headers = {
      ["x-fc-request-id"] = string.format("bench-%d-%04d-5f0c-4e1b-9a7d-2c3e4f5a6b7c", tid or 0, k),
    }
    if body then
      headers["Content-Type"] = "application/octet-stream"
    end
    for _, pair in ipairs(extra) do
      headers[pair[1]] = pair[2]
    end
    prepared[k] = wrk.format(method, path, headers, body)
  end
  n = count
end

function request()
  i = i % n + 1
  return prepared[i]
end

function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    "WRK_RESULT requests=%d duration_us=%d bytes=%d connect=%d read=%d write=%d status=%d timeout=%d " ..
    "mean_us=%.2f stdev_us=%.2f p50_us=%d p90_us=%d p99_us=%d max_us=%d\n",
    summary.requests, summary.duration, summary.bytes, e.connect, e.read, e.write, e.status, e.timeout,
    latency.mean, latency.stdev, latency:percentile(50), latency:percentile(90), latency:percentile(99), latency.max))
end
