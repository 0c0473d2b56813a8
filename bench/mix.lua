-- wrk script: cycles through the request mix that bench/run.py writes to a file, one request per line as
-- METHOD<TAB>PATH<TAB>TOKEN<TAB>BODY (an empty body sends none), and prints one JSON line with throughput,
-- latency percentiles and the count of every status code seen.
--   wrk -t1 -c32 -d10s -s bench/mix.lua http://127.0.0.1:PORT -- MIXFILE

local threads = {}

function setup(thread)
  table.insert(threads, thread)
end

function init(args)
  requests, counts, next_index = {}, {}, 0
  for line in io.lines(args[1]) do
    local method, path, token, body = line:match("^([^\t]*)\t([^\t]*)\t([^\t]*)\t(.*)$")
    local headers = { ["Authorization"] = "Bearer " .. token }
    if body == "" then
      body = nil
    else
      headers["Content-Type"] = "application/json"
    end
    table.insert(requests, wrk.format(method, path, headers, body))
  end
end

function request()
  next_index = next_index % #requests + 1
  return requests[next_index]
end

function response(status, headers, body)
  counts[status] = (counts[status] or 0) + 1
end

function done(summary, latency, requests)
  local merged = {}
  for _, thread in ipairs(threads) do
    for status, n in pairs(thread:get("counts")) do
      merged[status] = (merged[status] or 0) + n
    end
  end
  local parts = {}
  for status, n in pairs(merged) do
    table.insert(parts, string.format('"%d":%d', status, n))
  end
  local errors = summary.errors
  io.write(string.format(
    'BENCH {"requests":%d,"duration_us":%d,"p50_us":%d,"p90_us":%d,"p99_us":%d,"max_us":%d,' ..
    '"socket_errors":%d,"timeouts":%d,"statuses":{%s}}\n',
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(90), latency:percentile(99),
    latency.max, errors.connect + errors.read + errors.write, errors.timeout, table.concat(parts, ",")))
end
