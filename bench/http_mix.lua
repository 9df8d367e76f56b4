-- wrk script for bench/http.sh: 80% GET / 20% PUT over STORES stores and
-- KEYS keys per store (the book's load test), values of VALUE_BYTES bytes.
-- Prints status-code counts and latency percentiles (p50..p99.9) at the end.
local stores = tonumber(os.getenv("STORES") or "1000")
local keys = tonumber(os.getenv("KEYS") or "10")
local value = string.rep("v", tonumber(os.getenv("VALUE_BYTES") or "100"))
local threads = {}

function setup(thread)
  thread:set("id", #threads + 1)
  table.insert(threads, thread)
end

function init(args)
  math.randomseed(os.time() + id * 7919)
  codes = {}
end

function request()
  local path = string.format("/v1/stores/s%d/keys/k%d", math.random(0, stores - 1),
                             math.random(0, keys - 1))
  if math.random() < 0.8 then
    return wrk.format("GET", path)
  end
  return wrk.format("PUT", path, {["Content-Type"] = "application/octet-stream"}, value)
end

function response(status, headers, body)
  codes[status] = (codes[status] or 0) + 1
end

function done(summary, latency, requests)
  local total = {}
  for _, t in ipairs(threads) do
    local c = t:get("codes")
    for status, n in pairs(c) do total[status] = (total[status] or 0) + n end
  end
  local parts = {}
  for status, n in pairs(total) do table.insert(parts, status .. "=" .. n) end
  table.sort(parts)
  io.write(string.format("statuses: %s; socket errors: connect=%d read=%d write=%d timeout=%d\n",
                         table.concat(parts, " "), summary.errors.connect, summary.errors.read,
                         summary.errors.write, summary.errors.timeout))
  io.write(string.format("requests/s: %.0f\n", summary.requests / (summary.duration / 1e6)))
  for _, p in ipairs({50, 90, 99, 99.9}) do
    io.write(string.format("latency p%s: %.2f ms\n", p, latency:percentile(p) / 1000))
  end
  io.write(string.format("latency max: %.2f ms\n", latency.max / 1000))
end
