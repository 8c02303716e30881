// Path and query-string decoding as the front door does it: the route table's matching on the
// raw path (ids, trailing slashes, 405s), then each query parameter percent-decoded and checked
// as UTF-8 text, then the listing's readers (page, page_size, prices, search).
// Input: "<path>?<query>", as on the request line.
#include "actors/catalog_rules.hpp"
#include "common/url.hpp"
#include "http/json.hpp"
#include "http/pagination.hpp"
#include "http/pistache_compat.hpp"
#include "http/router.hpp"

#include <cstdint>
#include <map>
#include <string>

using namespace commerce;
using Pistache::Http::Method;

namespace {

http::router make_routes() {
  http::router r;
  for (const char* pattern :
       {"/health/", "/api/products/", "/api/orders/", "/api/cart/items/", "/api/payments/process/"}) {
    r.add(Method::Get, pattern, http::access::anyone, nullptr);
    r.add(Method::Post, pattern, http::access::user, nullptr);
  }
  for (const char* pattern : {"/api/products/{id}/", "/api/products/{id}/inventory/", "/api/cart/items/{id}/",
                              "/api/orders/{id}/", "/api/orders/{id}/cancel/", "/api/payments/{id}/",
                              "/api/shipping/tracking/{id}/", "/api/notifications/order/{id}/"}) {
    r.add(Method::Get, pattern, http::access::user, nullptr);
    r.add(Method::Put, pattern, http::access::staff, nullptr);
    r.add(Method::Delete, pattern, http::access::staff, nullptr);
  }
  return r;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const http::router routes = make_routes();
  std::string line{reinterpret_cast<const char*>(data), size};
  auto question = line.find('?');
  auto path = line.substr(0, question);
  auto query_text = question == std::string::npos ? std::string{} : line.substr(question + 1);

  for (auto method : {Method::Get, Method::Post, Method::Patch}) {
    auto m = routes.find(method, path);
    if (m.found)
      for (const auto& [name, value] : m.params)
        if (std::stoll(value) <= 0)  // what path_id() does with a captured id
          __builtin_trap();
  }

  std::map<std::string, std::string> query;
  size_t start = 0;
  while (start <= query_text.size()) {
    auto amp = query_text.find('&', start);
    auto pair = query_text.substr(start, amp == std::string::npos ? std::string::npos : amp - start);
    auto eq = pair.find('=');
    auto name = common::percent_decode(pair.substr(0, eq));
    auto value = eq == std::string::npos ? std::string{} : common::percent_decode(pair.substr(eq + 1));
    if (http::clean_text(name) && http::clean_text(value))
      query[name] = value;
    if (amp == std::string::npos)
      break;
    start = amp + 1;
  }
  actors::field_errors bad;
  auto page = http::read_page(query, bad);
  if (bad.empty() && (page.offset() < 0 || page.size < 1 || page.size > 100))
    __builtin_trap();
  persistence::product_query listing;
  listing.search = query["search"];
  actors::catalog_rules::check_listing(listing);
  http::json::parse_money_text(query["min_price"]);
  return 0;
}
