// The `generic` inventory feed (GATEWAYS.md §0, ours):
//   GET {base}/api/v1/inventory?page=N  ->  200 {"items":[{"sku":"A-1","quantity":12}, ...], "next_page": N+1 | null}
// `quantity` is what the warehouse physically holds of the SKU (units reserved by our open
// orders included); a number or a numeric string, a whole number in 0..1000000. A page has at
// most 1000 lines; next_page, when present, must be larger than N.
#include "integrations/inventory_gateway.hpp"
#include "integrations/provider_answers.hpp"
#include "integrations/provider_support.hpp"

#include <rapidjson/document.h>

#include <algorithm>
#include <cmath>

namespace commerce::integrations {

namespace {

/// The catalog's SKU alphabet (API.md §3.2): a line naming anything else cannot be ours, and
/// its text is never copied into a message as it came.
bool plausible_sku(const std::string& sku) {
  return !sku.empty() && sku.size() <= feed_limits::max_sku_length &&
         std::all_of(sku.begin(), sku.end(), [](unsigned char c) {
           return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' || c == '_' ||
                  c == '-';
         });
}

void reject(inventory_page& out, size_t line, const std::string& why) {
  ++out.rejected;
  if (out.rejections.size() < feed_limits::max_rejections_kept)
    out.rejections.push_back("line " + std::to_string(line) + ": " + why);
}

}  // namespace

inventory_page answers::generic_inventory_page(const outbound_response& r, int64_t number) {
  inventory_page out;
  rapidjson::Document d;
  if (!usable_answer(r, d, out.outcome, out.detail))
    return out;
  out.outcome = gateway_outcome::gateway_error;
  auto items = d.FindMember("items");
  if (items == d.MemberEnd() || !items->value.IsArray()) {
    out.detail = "feed page " + std::to_string(number) + " has no items array";
    return out;
  }
  auto next = d.FindMember("next_page");
  if (next != d.MemberEnd() && !next->value.IsNull()) {
    auto n = json_number(d, "next_page");
    if (!n || *n != std::floor(*n) || *n <= static_cast<double>(number)) {
      out.detail = "feed page " + std::to_string(number) + " names a next_page that is not a later page number";
      return out;
    }
    out.next_page = static_cast<int64_t>(*n);
  }
  out.outcome = gateway_outcome::succeeded;
  const auto& lines = items->value.GetArray();
  out.items.reserve(std::min<size_t>(lines.Size(), feed_limits::max_items_per_page));
  for (rapidjson::SizeType i = 0; i < lines.Size(); ++i) {
    const auto& line = lines[i];
    if (i >= feed_limits::max_items_per_page) {
      reject(out, i, "over the " + std::to_string(feed_limits::max_items_per_page) + " lines a page may hold");
      continue;
    }
    if (!line.IsObject()) {
      reject(out, i, "not an object");
      continue;
    }
    auto sku = line.FindMember("sku");
    if (sku == line.MemberEnd() || !sku->value.IsString() ||
        !plausible_sku(std::string{sku->value.GetString(), sku->value.GetStringLength()})) {
      reject(out, i, "sku is not 1 to 64 letters, digits, '.', '_' or '-'");
      continue;
    }
    std::string code{sku->value.GetString(), sku->value.GetStringLength()};
    auto quantity = json_number(line, "quantity");
    if (!quantity || *quantity != std::floor(*quantity) || *quantity < 0 || *quantity > feed_limits::max_quantity) {
      reject(out, i, "sku " + code + ": quantity is not a whole number in 0..1000000");
      continue;
    }
    out.items.push_back({std::move(code), static_cast<int32_t>(*quantity)});
  }
  return out;
}

namespace {

class generic_inventory final : public inventory_gateway {
public:
  generic_inventory(std::string base_url, std::shared_ptr<gateway_client> client)
    : base_(std::move(base_url)), client_(std::move(client)) {}

  const std::string& provider() const override { return name_; }

  inventory_page page(int64_t number) override {
    // A read changes nothing at the warehouse: safe to retry.
    auto r = client_->call({call_name_, "inventory_page", "GET", base_ + "/api/v1/inventory?page=" + std::to_string(number),
                            {"Accept: application/json"}, "", true});
    return answers::generic_inventory_page(r, number);
  }

private:
  std::string name_ = "generic";
  std::string call_name_ = feed_call_name(name_);
  std::string base_;
  std::shared_ptr<gateway_client> client_;
};

}  // namespace

std::unique_ptr<inventory_gateway> make_generic_inventory(std::string base_url, std::shared_ptr<gateway_client> client) {
  return std::make_unique<generic_inventory>(std::move(base_url), std::move(client));
}

std::unique_ptr<inventory_gateway> make_inventory_gateway(const std::string& provider, const std::string& base_url,
                                                          std::shared_ptr<gateway_client> client) {
  if (provider == "generic")
    return make_generic_inventory(base_url, std::move(client));
  throw std::invalid_argument("INVENTORY_PROVIDER '" + provider + "' is not available (available: generic)");
}

}  // namespace commerce::integrations
