dofile(os.getenv("BENCH_LUA") .. "/common.lua")
local address = '{"first_name":"Bench","last_name":"User","street":"Tverskaya 1","city":"Moscow","postal_code":"101000"}'
request = function()
  return wrk.format("POST", "/api/orders/", {
    ["Authorization"] = "Bearer " .. next_token(),
    ["Content-Type"] = "application/json",
  }, '{"items":[{"product_id":' .. random_product() .. ',"quantity":1}],"shipping_address":' .. address .. '}')
end
