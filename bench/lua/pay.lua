-- POST /api/payments/process/ for orders the checkout run left unpaid, each paid once: the
-- owner's token, then the gateway (commerce-mock: create, then status check) and the
-- confirmation e-mail. bench/run writes the orders to $BENCH_ORDERS; the two wrk threads take
-- alternate entries.
dofile(os.getenv("BENCH_LUA") .. "/common.lua")
local orders = dofile(os.getenv("BENCH_ORDERS"))

local threads_started = 0
function setup(thread)
  thread:set("first", threads_started)
  threads_started = threads_started + 1
end

local taken = 0
request = function()
  local i = (first or 0) + 2 * taken + 1
  taken = taken + 1
  local order = orders[i] or orders[#orders]  -- exhausted: repeats answer 409, counted as non-2xx
  return wrk.format("POST", "/api/payments/process/", {
    ["Authorization"] = "Bearer " .. tokens[order[2]],
    ["Content-Type"] = "application/json",
  }, '{"order_id":' .. order[1] .. ',"payment_method":"card","payment_token":"tok_bench"}')
end
