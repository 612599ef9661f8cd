-- Shared by the bench scripts (loaded with dofile): counts response statuses per wrk thread and,
-- when the run ends, prints one machine-readable line for bench/_harness.py:
--   BENCH_JSON {"requests":..,"duration_us":..,"p50_us":..,"p90_us":..,"p95_us":..,"p99_us":..,
--               "max_us":..,"statuses":{"201":..},"errors":{"connect":..,"read":..,"write":..,"timeout":..}}
local threads = {}

function setup(thread)
   thread:set("id", #threads + 1)
   table.insert(threads, thread)
end

statuses = {}

function response(status, headers, body)
   statuses[status] = (statuses[status] or 0) + 1
end

-- Authorization header from the first script argument, if any (`wrk ... URL -- TOKEN`).
function bearer(args)
   if args[1] and args[1] ~= "" then
      wrk.headers["Authorization"] = "Bearer " .. args[1]
   end
end

function done(summary, latency, requests)
   local counts = {}
   for _, thread in ipairs(threads) do
      local seen = thread:get("statuses")
      if seen then
         for status, n in pairs(seen) do counts[status] = (counts[status] or 0) + n end
      end
   end
   local parts = {}
   for status, n in pairs(counts) do parts[#parts + 1] = string.format('"%d":%d', status, n) end
   local e = summary.errors
   io.write(string.format(
      'BENCH_JSON {"requests":%d,"duration_us":%d,"p50_us":%d,"p90_us":%d,"p95_us":%d,"p99_us":%d,' ..
      '"max_us":%d,"statuses":{%s},"errors":{"connect":%d,"read":%d,"write":%d,"timeout":%d,"status":%d}}\n',
      summary.requests, summary.duration,
      latency:percentile(50), latency:percentile(90), latency:percentile(95), latency:percentile(99),
      latency.max, table.concat(parts, ","), e.connect, e.read, e.write, e.timeout, e.status))
end
