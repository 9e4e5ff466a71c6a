-- wrk: POST /api/v1/appointments for prepared (patient, free slot, service)
-- triples, each thread booking its own share so no two requests race for a
-- slot by construction; a thread that runs out starts over (those then get 409).
-- Environment: BENCH_TOKEN, BENCH_TRIPLES ("cf slot_id service" a line),
-- BENCH_THREADS (wrk -t), BENCH_LUA (this folder), BENCH_OUT (JSON summary).
dofile(os.getenv("BENCH_LUA") .. "/summary.lua")

local triples = {}
for line in io.lines(os.getenv("BENCH_TRIPLES")) do
  local cf, slot, service = line:match("^(%S+) (%d+) (%S+)$")
  if cf then triples[#triples + 1] = {cf, slot, service} end
end
local nthreads = tonumber(os.getenv("BENCH_THREADS"))
local created = 0
local threads = {}

function setup(thread)
  thread:set("tid", created)
  created = created + 1
  table.insert(threads, thread)
end

function init(args)
  mine = {}
  for i = tid + 1, #triples, nthreads do
    local t = triples[i]
    mine[#mine + 1] = string.format(
      '{"patient_cf": "%s", "slot_id": %s, "service": "%s"}', t[1], t[2], t[3])
  end
  pos, wrapped, logged = 0, 0, 0
  c201, c409, c4xx, c5xx, cother = 0, 0, 0, 0, 0
  hdrs = {["Authorization"] = "Bearer " .. os.getenv("BENCH_TOKEN"),
          ["Content-Type"] = "application/json"}
end

function request()
  pos = pos + 1
  if pos > #mine then
    pos, wrapped = 1, wrapped + 1
  end
  return wrk.format("POST", "/api/v1/appointments", hdrs, mine[pos])
end

function response(status, headers, body)
  if status == 201 then c201 = c201 + 1
  elseif status == 409 then c409 = c409 + 1
  elseif status >= 500 then c5xx = c5xx + 1
  elseif status >= 400 then c4xx = c4xx + 1
  else cother = cother + 1 end
  if status ~= 201 and status ~= 409 and logged < 5 then
    logged = logged + 1
    io.stderr:write(string.format("status %d: %s\n", status, body))
  end
end

function done(summary, latency, requests)
  local n = {c201 = 0, c409 = 0, c4xx = 0, c5xx = 0, cother = 0, wrapped = 0}
  for _, thread in ipairs(threads) do
    for k, _ in pairs(n) do n[k] = n[k] + (thread:get(k) or 0) end
  end
  write_summary(summary, latency, {
    status = string.format('{"201": %d, "409": %d, "4xx": %d, "5xx": %d, "other": %d}',
                           n.c201, n.c409, n.c4xx, n.c5xx, n.cother),
    wrapped = n.wrapped, triples = #triples})
end
