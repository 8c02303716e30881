-- GET /api/products/?search=<term>&page=<1..3> over about 2,500 distinct queries (bench/run derives
-- the 3-5-letter terms from the seeded names and descriptions: whole words and fragments of words).
-- Each thread walks the same shuffled list from its own starting point, so a query comes back only
-- after all the others: as few repeats within CACHE_TTL_MS as the rate allows.
dofile(os.getenv("BENCH_LUA") .. "/common.lua")

local order = {}
function thread_init()
  for i = 1, #search_queries do order[i] = i end
  local seed = 12345
  for i = #order, 2, -1 do  -- Fisher-Yates with a fixed LCG: the same permutation in every thread
    seed = (seed * 1103515245 + 12345) % 2147483648
    local j = 1 + seed % i
    order[i], order[j] = order[j], order[i]
  end
  position = (thread_index or 0) * 1249
end

request = function()
  position = position + 1
  return wrk.format("GET", search_queries[order[(position % #order) + 1]])
end
