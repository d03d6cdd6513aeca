-- wrk script for bench/reliability.sh: many clients spread over learners (BENCH_TOKENS, comma-separated) POST a
-- warehouse query (BENCH_SQL). Counts answers by status, and answers that are neither 200, 429 nor 503
-- warehouse-busy, or a 429/503 without Retry-After; done() prints "answers: <status>=<n> ... unexpected=<n>".
local tokens = {}
for token in string.gmatch(os.getenv("BENCH_TOKENS"), "[^,]+") do
  tokens[#tokens + 1] = token
end
local threads = {}

setup = function(thread)
  table.insert(threads, thread)
end

init = function()
  counts = {}
  unexpected = 0
  body = '{"sql":"' .. os.getenv("BENCH_SQL") .. '"}'
end

request = function()
  local headers = { ["Content-Type"] = "application/json",
                    ["Authorization"] = "Bearer " .. tokens[math.random(#tokens)] }
  return wrk.format("POST", "/api/v1/queries", headers, body)
end

response = function(status, headers, body)
  counts[status] = (counts[status] or 0) + 1
  local ok = status == 200
  if status == 429 then
    ok = headers["Retry-After"] ~= nil
  elseif status == 503 then
    ok = headers["Retry-After"] ~= nil and string.find(body, "warehouse-busy", 1, true) ~= nil
  end
  if not ok then unexpected = unexpected + 1 end
end

done = function(summary, latency, requests)
  local total, odd = {}, 0
  for _, thread in ipairs(threads) do
    for status, n in pairs(thread:get("counts")) do
      total[status] = (total[status] or 0) + n
    end
    odd = odd + thread:get("unexpected")
  end
  local line = "answers:"
  for status, n in pairs(total) do
    line = line .. " " .. status .. "=" .. n
  end
  print(line .. " unexpected=" .. odd .. " socket_errors=" .. (summary.errors.connect + summary.errors.read
    + summary.errors.write + summary.errors.timeout))
end
