-- wrk: GET /api/v1/availability, rotating through the prepared queries.
-- Environment: BENCH_TOKEN (bearer), BENCH_PATHS (one request path a line),
-- BENCH_THREADS (wrk -t), BENCH_LUA (this folder), BENCH_OUT (JSON summary).
dofile(os.getenv("BENCH_LUA") .. "/summary.lua")

local paths = {}
for line in io.lines(os.getenv("BENCH_PATHS")) do
  if #line > 0 then paths[#paths + 1] = line end
end
local nthreads = tonumber(os.getenv("BENCH_THREADS"))
local created = 0

function setup(thread)
  thread:set("tid", created)
  created = created + 1
end

function init(args)
  -- Each thread starts at its own share of the list, then walks it in order.
  pos = math.floor(tid * #paths / nthreads)
  hdrs = {["Authorization"] = "Bearer " .. os.getenv("BENCH_TOKEN")}
end

function request()
  pos = pos % #paths + 1
  return wrk.format("GET", paths[pos], hdrs)
end

function done(summary, latency, requests)
  write_summary(summary, latency, {queries = #paths})
end
