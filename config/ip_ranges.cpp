#include "config/ip_ranges.hpp"

#include <arpa/inet.h>

#include <algorithm>
#include <charconv>

namespace commerce::config {

namespace {

std::string trimmed(const std::string& s) {
  auto first = s.find_first_not_of(" \t");
  if (first == std::string::npos)
    return "";
  return s.substr(first, s.find_last_not_of(" \t") - first + 1);
}

/// inet_pton for either family: IPv4 fills the first 4 bytes.
bool to_bytes(const std::string& text, bool& v6, std::array<uint8_t, 16>& bytes) {
  bytes.fill(0);
  if (inet_pton(AF_INET, text.c_str(), bytes.data()) == 1) {
    v6 = false;
    return true;
  }
  if (inet_pton(AF_INET6, text.c_str(), bytes.data()) == 1) {
    v6 = true;
    return true;
  }
  return false;
}

}  // namespace

std::optional<ip_ranges::range> ip_ranges::parse_range(const std::string& text) {
  range r;
  auto slash = text.find('/');
  if (!to_bytes(trimmed(text.substr(0, slash)), r.v6, r.bytes))
    return std::nullopt;
  int max = r.v6 ? 128 : 32;
  r.prefix = max;
  if (slash != std::string::npos) {
    auto digits = trimmed(text.substr(slash + 1));
    auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), r.prefix);
    if (ec != std::errc{} || end != digits.data() + digits.size() || digits.empty() || r.prefix < 0 || r.prefix > max)
      return std::nullopt;
  }
  return r;
}

std::optional<ip_ranges> ip_ranges::parse(const std::string& list, std::string& error) {
  ip_ranges out;
  size_t start = 0;
  while (start <= list.size()) {
    auto comma = list.find(',', start);
    auto item = trimmed(list.substr(start, comma == std::string::npos ? std::string::npos : comma - start));
    if (!item.empty()) {
      auto r = parse_range(item);
      if (!r) {
        error = "'" + item + "' is not an address or CIDR range";
        return std::nullopt;
      }
      out.ranges_.push_back(*r);
    }
    if (comma == std::string::npos)
      break;
    start = comma + 1;
  }
  return out;
}

bool ip_ranges::contains(const std::string& address) const {
  bool v6 = false;
  std::array<uint8_t, 16> bytes{};
  if (!to_bytes(address, v6, bytes))
    return false;
  for (const auto& r : ranges_) {
    if (r.v6 != v6)
      continue;
    int whole = r.prefix / 8, bits = r.prefix % 8;
    bool same = std::equal(bytes.begin(), bytes.begin() + whole, r.bytes.begin());
    if (same && bits > 0) {
      auto mask = static_cast<uint8_t>(0xFF << (8 - bits));
      same = (bytes[whole] & mask) == (r.bytes[whole] & mask);
    }
    if (same)
      return true;
  }
  return false;
}

}  // namespace commerce::config
