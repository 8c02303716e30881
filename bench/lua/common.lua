-- Shared by the bench scripts: the tokens and product ids bench/run wrote, and a report of
-- latency percentiles and error counts in one parsable line.
local data = dofile(os.getenv("BENCH_DATA") or "bench-data.lua")
tokens = data.tokens
product_count = data.product_count
first_product = data.first_product
search_terms = data.search_terms

counter = 0
function next_token()
  counter = counter + 1
  return tokens[(counter % #tokens) + 1]
end

function random_product()
  return first_product + math.random(0, product_count - 1)
end

non2xx = 0
function response(status, headers, body)
  if status < 200 or status > 299 then
    non2xx = non2xx + 1
    if non2xx <= 3 then io.stderr:write("non-2xx " .. status .. ": " .. body .. "\n") end
  end
end

function done(summary, latency, requests)
  io.write(string.format("RESULT rps=%.0f p50_ms=%.2f p99_ms=%.2f requests=%d non2xx_first_thread=%d socket_errors=%d\n",
    summary.requests / (summary.duration / 1e6), latency:percentile(50) / 1000, latency:percentile(99) / 1000,
    summary.requests, non2xx, summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout))
  io.write(string.format("RESULT_STATUS non2xx=%d\n", summary.errors.status))
end
