-- Shared by the benches/*.lua scripts: prints one machine-readable line that benches/load.sh
-- parses. Latencies are wrk's (microseconds, with wrk's own coordinated-omission correction);
-- "non2xx" is wrk's errors.status, which counts every status above 399.
function done(summary, latency, requests)
   local e = summary.errors
   io.write(string.format(
      "RESULT requests=%d seconds=%.3f rps=%.1f p50_ms=%.3f p99_ms=%.3f non2xx=%d socket_errors=%d\n",
      summary.requests, summary.duration / 1e6, summary.requests / (summary.duration / 1e6),
      latency:percentile(50) / 1000, latency:percentile(99) / 1000,
      e.status, e.connect + e.read + e.write + e.timeout))
end
