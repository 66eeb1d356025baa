-- wrk script: POST /invoke the way the platform does (application/octet-stream body,
-- an x-fc-request-id per request), and print one machine-readable result line.
--
-- Environment:
--   WRK_BODY          the body (default {"key": "value"})
--   WRK_BODY_BYTES    instead, a body of this many bytes of 'a' (payload echo rows)
--   WRK_FULL_HEADERS  1: also send every common x-fc-* header the platform sends

local body = os.getenv("WRK_BODY") or '{"key": "value"}'
local size = tonumber(os.getenv("WRK_BODY_BYTES") or "")
if size then
  body = string.rep("a", size)
end
local full = os.getenv("WRK_FULL_HEADERS") == "1"

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
  local count = (#body > 65536) and 1 or 256
  for k = 1, count do
    local headers = {
      ["Content-Type"] = "application/octet-stream",
      ["x-fc-request-id"] = string.format("bench-%d-%04d-5f0c-4e1b-9a7d-2c3e4f5a6b7c", tid or 0, k),
    }
    if full then
      headers["x-fc-access-key-id"] = "STS.bench-access-key-id"
      headers["x-fc-access-key-secret"] = "bench-access-key-secret"
      headers["x-fc-security-token"] = "bench-security-token"
      headers["x-fc-function-name"] = "hello"
      headers["x-fc-function-handler"] = "index.handler"
      headers["x-fc-function-memory"] = "512"
      headers["x-fc-function-timeout"] = "60"
      headers["x-fc-function-initializer"] = "index.init"
      headers["x-fc-initialization-timeout"] = "30"
      headers["x-fc-region"] = "cn-hangzhou"
      headers["x-fc-account-id"] = "1234567890123456"
      headers["x-fc-qualifier"] = "LATEST"
      headers["x-fc-version-id"] = "1"
      headers["x-fc-service-name"] = "bench"
      headers["x-fc-service-logproject"] = "bench-project"
      headers["x-fc-service-logstore"] = "bench-store"
      headers["x-fc-control-path"] = "/invoke"
      headers["x-fc-retry-count"] = "0"
      headers["x-fc-instance-lifecycle-pre-freeze-handler"] = "index.preFreeze"
      headers["x-fc-instance-lifecycle-pre-stop-handler"] = "index.preStop"
      headers["x-fc-tracing-opentracing-span-context"] = "124ed43254b54966:124ed43254b54966:0:1"
      -- base64 of {"key":"value"}
      headers["x-fc-tracing-opentracing-span-baggages"] = "eyJrZXkiOiJ2YWx1ZSJ9"
      headers["x-fc-tracing-jaeger-endpoint"] = "http://127.0.0.1:14268/api/traces"
    end
    prepared[k] = wrk.format("POST", "/invoke", headers, body)
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
