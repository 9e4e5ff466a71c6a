-- Shared by the wrk scripts: writes the run's summary as JSON to $BENCH_OUT.
-- Latencies are wrk's own (HdrHistogram, microseconds), over every request.

function write_summary(summary, latency, extra)
  local e = summary.errors
  local parts = {
    string.format('"requests": %d', summary.requests),
    string.format('"duration_us": %d', summary.duration),
    string.format('"bytes": %d', summary.bytes),
    string.format('"errors": {"connect": %d, "read": %d, "write": %d, "status": %d, "timeout": %d}',
                  e.connect, e.read, e.write, e.status, e.timeout),
    string.format('"latency_us": {"p50": %d, "p90": %d, "p95": %d, "p99": %d, "mean": %.1f, "stdev": %.1f, "max": %d}',
                  latency:percentile(50), latency:percentile(90), latency:percentile(95),
                  latency:percentile(99), latency.mean, latency.stdev, latency.max),
  }
  for k, v in pairs(extra or {}) do
    parts[#parts + 1] = string.format('"%s": %s', k, v)
  end
  local f = assert(io.open(os.getenv("BENCH_OUT"), "w"))
  f:write("{" .. table.concat(parts, ", ") .. "}\n")
  f:close()
end
