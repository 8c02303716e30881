dofile(os.getenv("BENCH_LUA") .. "/common.lua")
-- POST /api/analytics/track/ anonymously: the funnel's three kinds of event in rotation (small
-- bodies, as a shop front sends them). Each answer is 200 {status, id} at once; the writer
-- stores them in batches.
local bodies = {
  '{"type":"page_view","page":"/products/%d","user_agent":"wrk"}',
  '{"type":"add_to_cart","product_id":"%d","quantity":1}',
  '{"type":"purchase","order_id":"bench-%d","amount":"19.99"}',
}
request = function()
  counter = counter + 1
  return wrk.format("POST", "/api/analytics/track/", {["Content-Type"] = "application/json"},
    string.format(bodies[(counter % #bodies) + 1], random_product()))
end
