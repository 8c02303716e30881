dofile(os.getenv("BENCH_LUA") .. "/common.lua")
request = function()
  return wrk.format("GET", "/api/users/profile/", { ["Authorization"] = "Bearer " .. next_token() })
end
