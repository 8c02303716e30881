dofile(os.getenv("BENCH_LUA") .. "/common.lua")
request = function()
  local term = search_terms[math.random(1, #search_terms)]
  return wrk.format("GET", "/api/products/?search=" .. term)
end
