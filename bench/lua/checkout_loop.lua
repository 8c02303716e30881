-- The checkout loop from the cart: each connection adds a random product to its cart
-- (POST /api/cart/items/), then orders the cart (POST /api/orders/ with only shipping_address), and
-- again. Each connection must keep to a user of its own, or one connection orders another's cart
-- (cart_empty): wrk's Lua has no per-connection state, so bench/run runs it with one connection per
-- thread (-t64 -c64) and thread i takes token i of loop_tokens (64 users no other scenario
-- touches: cart_add leaves its users' carts full). done() checks no two threads shared a user and
-- reports orders/s (the 201s of the order step).
dofile(os.getenv("BENCH_LUA") .. "/common.lua")
local address = '{"first_name":"Bench","last_name":"User","street":"Tverskaya 1","city":"Moscow","postal_code":"101000"}'

step = "add"
orders_created = 0
orders_failed = 0
cart_empty = 0
function thread_init()
  user_index = (thread_index or 0) % #loop_tokens + 1
  token = loop_tokens[user_index]
end

request = function()
  local headers = { ["Authorization"] = "Bearer " .. token, ["Content-Type"] = "application/json" }
  if step == "add" then
    return wrk.format("POST", "/api/cart/items/", headers, '{"product_id":' .. random_product() .. ',"quantity":1}')
  end
  return wrk.format("POST", "/api/orders/", headers, '{"shipping_address":' .. address .. '}')
end

-- One connection per thread: each response answers this thread's last request, so the step
-- advances only on an answer (a request lost to a socket error is sent again).
response = function(status, headers, body)
  count_status(status, body)
  if step == "order" then
    if status == 201 then
      orders_created = orders_created + 1
    else
      orders_failed = orders_failed + 1
      if body:find("cart_empty", 1, true) then cart_empty = cart_empty + 1 end
    end
  end
  step = step == "add" and "order" or "add"
end

function report(summary)
  local orders, failed, empty, seen, shared = 0, 0, 0, {}, 0
  for _, t in ipairs(threads) do
    orders = orders + (t:get("orders_created") or 0)
    failed = failed + (t:get("orders_failed") or 0)
    empty = empty + (t:get("cart_empty") or 0)
    local u = t:get("user_index")
    if seen[u] then shared = shared + 1 end
    seen[u] = true
  end
  io.write(string.format("RESULT_ORDERS orders=%d orders_per_s=%.0f order_failures=%d cart_empty=%d threads=%d shared_users=%d\n",
    orders, orders / (summary.duration / 1e6), failed, empty, #threads, shared))
end
