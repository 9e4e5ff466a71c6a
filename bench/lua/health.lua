-- wrk: GET /api/v1/health, the server's own ceiling (no token, no database).
-- Environment: BENCH_LUA (this folder), BENCH_OUT (JSON summary).
dofile(os.getenv("BENCH_LUA") .. "/summary.lua")

function request()
  return wrk.format("GET", "/api/v1/health")
end

function done(summary, latency, requests)
  write_summary(summary, latency, {})
end
