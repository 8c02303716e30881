// A request body as the handlers take it: parse_object (the bounded parse), the typed reads of
// json::reader on every member, the validators the values go to, and the canonical form that
// Idempotency-Key compares.
#include "actors/catalog_rules.hpp"
#include "actors/order_rules.hpp"
#include "actors/user_rules.hpp"
#include "http/json.hpp"

#include <cstddef>
#include <cstdint>
#include <string>

using namespace commerce;

namespace {

/// Reads `object` the way handlers do: every member as each type, nested objects as addresses.
void read_every_way(const rapidjson::Value& object, int depth) {
  http::json::reader in{object};
  actors::order_rules::address address;
  persistence::product_fields product;
  for (auto it = object.MemberBegin(); it != object.MemberEnd(); ++it) {
    std::string name{it->name.GetString(), it->name.GetStringLength()};
    if (name.find('\0') != std::string::npos)
      continue;  // the handlers only ever ask for fixed names
    const char* key = name.c_str();
    if (auto s = in.string(key, false)) {
      actors::rules::check_email(actors::rules::normalize_email(*s));
      actors::rules::check_password(*s, "buyer@example.com");
      actors::rules::check_phone(*s);
      actors::rules::check_name(*s);
      address.city = address.street = *s;
      product.name = product.sku = product.description = *s;
    }
    in.string_or_null(key);
    if (auto i = in.integer(key, false)) {
      actors::catalog_rules::check_stock_change(persistence::stock_operation::sale, *i);
      actors::catalog_rules::check_stock_change(persistence::stock_operation::set, *i);
      actors::field_errors line_errors;
      actors::order_rules::check_lines({{*i, static_cast<int32_t>(*i)}}, true, line_errors);
    }
    if (auto m = in.money(key, false))
      product.price_minor = *m;
    if (const auto* nested = in.object(key, false); nested && depth < 3)
      read_every_way(*nested, depth + 1);
    if (const auto* items = in.array(key, false))
      for (const auto& item : items->GetArray())
        if (item.IsObject() && depth < 3)
          read_every_way(item, depth + 1);
  }
  actors::field_errors bad;
  actors::order_rules::check_address(address, "shipping_address", bad);
  actors::order_rules::check_methods(address.city, address.street, bad);
  actors::catalog_rules::check_product(product, true);
  (void)in.problem();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string body{reinterpret_cast<const char*>(data), size};
  rapidjson::Document doc;
  if (http::json::parse_object(body, doc))
    return 0;  // refused: 400
  read_every_way(doc, 0);
  auto canonical = http::json::canonical(doc);
  // The canonical form is a JSON object again. (Not always byte-equal after a second round:
  // RapidJSON's default number parsing is not exact in the last digit of huge doubles.)
  rapidjson::Document again;
  if (http::json::parse_object(canonical, again) || again.MemberCount() != doc.MemberCount())
    __builtin_trap();
  http::json::parse_money_text(body);
  return 0;
}
