// What the fuzz targets share: reading a few choice bytes off the front of the input, and an HTTP
// exchange made from the rest (for the providers' answer readers).
#pragma once

#include "integrations/gateway_client.hpp"

#include <cstddef>
#include <cstdint>
#include <string>

namespace commerce::fuzz {

/// The input, consumed from the front.
class input {
public:
  input(const uint8_t* data, size_t size) : data_(data), size_(size) {}
  /// The next byte, 0 once the input is used up.
  uint8_t byte() {
    if (size_ == 0)
      return 0;
    --size_;
    return *data_++;
  }
  /// Everything not consumed yet.
  std::string rest() const { return {reinterpret_cast<const char*>(data_), size_}; }

private:
  const uint8_t* data_;
  size_t size_;
};

/// An exchange: mostly a 2xx whose body is the rest of the input, sometimes a 4xx/5xx with that
/// body, a timeout or a dropped connection.
inline integrations::outbound_response exchange(input& in) {
  static constexpr long statuses[] = {200, 201, 202, 200, 200, 400, 401, 402, 404, 409, 422, 500, 503};
  integrations::outbound_response r;
  auto pick = in.byte();
  if (pick == 0xFE) {
    r.failure = integrations::outbound_failure::timeout;
    r.error = "Timeout was reached";
  } else if (pick == 0xFF) {
    r.failure = integrations::outbound_failure::protocol;
    r.error = "Server returned nothing";
  } else {
    r.status = statuses[pick % (sizeof statuses / sizeof statuses[0])];
  }
  r.body = in.rest();
  r.attempts = 1;
  return r;
}

}  // namespace commerce::fuzz
