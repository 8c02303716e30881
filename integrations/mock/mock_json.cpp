#include "integrations/mock/mock_json.hpp"

#include "integrations/untrusted_json.hpp"

#include <utility>
#include <vector>

namespace commerce::mock {

json_parse_status parse_bounded_json(std::string_view text, rapidjson::Document& out, std::size_t max_depth) {
  // The server's one bounded parse (iterative, UTF-8 checked, refused past the limit before it is
  // built): the mock sees the same outside data and must stop at the same place.
  auto result = integrations::parse_untrusted_json(text, out, static_cast<unsigned>(max_depth));
  if (result.ok())
    return json_parse_status::ok;
  return result.too_deep() ? json_parse_status::too_deep : json_parse_status::invalid;
}

bool nests_deeper_than(const rapidjson::Value& v, std::size_t max_depth) {
  std::vector<std::pair<const rapidjson::Value*, std::size_t>> pending{{&v, 1}};
  while (!pending.empty()) {
    auto [value, depth] = pending.back();
    pending.pop_back();
    if (!value->IsObject() && !value->IsArray())
      continue;
    if (depth > max_depth)
      return true;
    if (value->IsObject()) {
      for (auto it = value->MemberBegin(); it != value->MemberEnd(); ++it)
        pending.emplace_back(&it->value, depth + 1);
    } else {
      for (const auto& item : value->GetArray())
        pending.emplace_back(&item, depth + 1);
    }
  }
  return false;
}

}  // namespace commerce::mock
