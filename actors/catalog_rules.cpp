#include "actors/catalog_rules.hpp"

#include <algorithm>
#include <cctype>

namespace commerce::actors::catalog_rules {

namespace {

size_t utf8_length(const std::string& s) {
  return static_cast<size_t>(std::count_if(s.begin(), s.end(), [](char c) { return (c & 0xC0) != 0x80; }));
}

std::string trim(const std::string& s) {
  auto b = s.find_first_not_of(" \t\r\n");
  if (b == std::string::npos)
    return "";
  return s.substr(b, s.find_last_not_of(" \t\r\n") - b + 1);
}

}  // namespace

field_errors check_product(persistence::product_fields& f, bool creating) {
  field_errors bad;
  if (f.name) {
    f.name = trim(*f.name);
    if (f.name->empty())
      bad["name"].push_back("must not be blank");
    else if (utf8_length(*f.name) > max_name)
      bad["name"].push_back("must be at most 255 characters");
  } else if (creating) {
    bad["name"].push_back("this field is required");
  }
  if (f.description && utf8_length(*f.description) > max_description)
    bad["description"].push_back("must be at most 10000 characters");
  if (f.price_minor) {
    if (*f.price_minor < min_price_minor || *f.price_minor > max_price_minor)
      bad["price"].push_back("must be between 0.01 and 10000000.00");
  } else if (creating) {
    bad["price"].push_back("this field is required");
  }
  if (f.sku) {
    bool charset = std::all_of(f.sku->begin(), f.sku->end(), [](char c) {
      return std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '_' || c == '-';
    });
    if (f.sku->empty() || f.sku->size() > max_sku || !charset)
      bad["sku"].push_back("must be 1 to 64 characters of letters, digits, '.', '_' or '-'");
  } else if (creating) {
    bad["sku"].push_back("this field is required");
  }
  if (f.quantity && (*f.quantity < 0 || *f.quantity > max_stock))
    bad["quantity"].push_back("must be between 0 and 1000000");
  return bad;
}

field_errors check_listing(const persistence::product_query& q) {
  field_errors bad;
  if (utf8_length(q.search) > max_search)
    bad["search"].push_back("must be at most 200 characters");
  return bad;
}

field_errors check_stock_change(persistence::stock_operation op, int64_t quantity) {
  field_errors bad;
  int64_t low = op == persistence::stock_operation::set ? 0 : 1;
  if (quantity < low || quantity > max_stock)
    bad["quantity"].push_back("must be between " + std::to_string(low) + " and 1000000");
  return bad;
}

}  // namespace commerce::actors::catalog_rules
