// Address ranges in CIDR notation (IPv4 and IPv6), as settings write them: "185.71.76.0/27,
// 77.75.156.11, 2a02:5180::/32". A bare address is a range of one.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace commerce::config {

class ip_ranges {
public:
  /// Comma-separated ranges; nullopt (and why in `error`) when one does not parse.
  static std::optional<ip_ranges> parse(const std::string& list, std::string& error);

  bool empty() const { return ranges_.empty(); }
  /// Whether `address` (textual IPv4 or IPv6) lies in one of the ranges; false if it does not parse.
  bool contains(const std::string& address) const;

private:
  struct range {
    bool v6 = false;
    std::array<uint8_t, 16> bytes{};
    int prefix = 0;
  };
  static std::optional<range> parse_range(const std::string& text);
  std::vector<range> ranges_;
};

}  // namespace commerce::config
