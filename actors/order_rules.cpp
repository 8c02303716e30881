#include "actors/order_rules.hpp"

namespace commerce::actors::order_rules {

namespace {

bool blank(const std::string& s) { return s.find_first_not_of(" \t\r\n") == std::string::npos; }

void required(const std::string& value, const std::string& field, field_errors& bad) {
  if (blank(value))
    bad[field].push_back("this field is required");
  else if (value.size() > 255)
    bad[field].push_back("must be at most 255 characters");
}

}  // namespace

void check_address(const address& a, const std::string& prefix, field_errors& bad) {
  required(a.first_name, prefix + ".first_name", bad);
  required(a.last_name, prefix + ".last_name", bad);
  required(a.street, prefix + ".street", bad);
  required(a.city, prefix + ".city", bad);
  required(a.postal_code, prefix + ".postal_code", bad);
  if (a.country.size() != 2 || !isupper(static_cast<unsigned char>(a.country[0])) ||
      !isupper(static_cast<unsigned char>(a.country[1])))
    bad[prefix + ".country"].push_back("must be a two-letter ISO 3166 code such as RU");
}

void check_lines(const std::vector<persistence::order_line_request>& lines, bool explicit_items, field_errors& bad) {
  if (!explicit_items)
    return;
  if (lines.empty() || lines.size() > max_lines)
    bad["items"].push_back("must hold 1 to 100 entries");
  for (size_t i = 0; i < lines.size(); ++i) {
    auto prefix = "items." + std::to_string(i);
    if (lines[i].product_id <= 0)
      bad[prefix + ".product_id"].push_back("must be a positive integer");
    if (lines[i].quantity < 1 || lines[i].quantity > max_line_quantity)
      bad[prefix + ".quantity"].push_back("must be between 1 and 999");
  }
}

void check_methods(const std::string& payment_method, const std::string& shipping_method, field_errors& bad) {
  if (payment_method != "card")
    bad["payment_method"].push_back("must be \"card\"");
  if (shipping_method != "standard" && shipping_method != "express")
    bad["shipping_method"].push_back("must be \"standard\" or \"express\"");
}

}  // namespace commerce::actors::order_rules
