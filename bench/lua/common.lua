-- Shared by the bench scripts: the tokens, product ids and search queries bench/run wrote, each
-- thread's own random sequence, and a report of latency percentiles and error counts in one
-- parsable line.
local data = dofile(os.getenv("BENCH_DATA") or "bench-data.lua")
tokens = data.tokens
loop_tokens = data.loop_tokens
product_count = data.product_count
first_product = data.first_product
search_terms = data.search_terms
search_queries = data.search_queries

-- setup() runs in wrk's main Lua state once per thread; each thread's own state gets its index.
-- The main state keeps the threads, so done() can read their counters.
threads = {}
function setup(thread)
  thread:set("thread_index", #threads)
  table.insert(threads, thread)
end

-- LuaJIT seeds every state alike: without a seed of its own per thread, both threads would ask
-- for the same "random" products in the same order (uniform, but in lockstep).
function init(args)
  math.randomseed(1000003 * ((thread_index or 0) + 1) + os.time())
  if thread_init then thread_init(args) end
end

counter = 0
function next_token()
  counter = counter + 1
  return tokens[(counter % #tokens) + 1]
end

-- Uniform over the seeded ids first_product .. first_product + product_count - 1.
function random_product()
  return first_product + math.random(0, product_count - 1)
end

non2xx = 0
function count_status(status, body)
  if status < 200 or status > 299 then
    non2xx = non2xx + 1
    if non2xx <= 3 then io.stderr:write("non-2xx " .. status .. ": " .. body .. "\n") end
  end
end
response = function(status, headers, body) count_status(status, body) end

function done(summary, latency, requests)
  io.write(string.format("RESULT rps=%.0f p50_ms=%.2f p99_ms=%.2f requests=%d non2xx_first_thread=%d socket_errors=%d\n",
    summary.requests / (summary.duration / 1e6), latency:percentile(50) / 1000, latency:percentile(99) / 1000,
    summary.requests, non2xx, summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout))
  io.write(string.format("RESULT_STATUS non2xx=%d\n", summary.errors.status))
  if report then report(summary) end
end
