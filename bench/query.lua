-- wrk script: POST one warehouse query as a learner. Set by warehouse.sh through the environment.
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Authorization"] = "Bearer " .. os.getenv("BENCH_TOKEN")
wrk.body = '{"sql":"' .. os.getenv("BENCH_SQL") .. '","maxRows":1000}'

local non2xx = 0
response = function(status, headers, body)
  if status ~= 200 then non2xx = non2xx + 1 end
end
