// A domain error as a value: a machine code (API.md §1), a message a user can act on, and the
// offending fields. Actors reply with it; the front door maps the code to an HTTP status
// (http/errors.cpp, one switch the compiler checks for completeness).
#pragma once

#include <iosfwd>
#include <map>
#include <string>
#include <vector>

namespace commerce::actors {

/// Every error code of API.md §1, grouped by the HTTP status it maps to.
enum class error_code {
  none,  ///< no problem
  // 400
  invalid_json,
  validation_error,
  cart_empty,
  amount_mismatch,
  invalid_signature,
  refund_exceeds_paid,
  // 401
  not_authenticated,
  invalid_token,
  invalid_credentials,
  // 403, 404, 405
  permission_denied,
  not_found,
  method_not_allowed,
  // 409
  email_exists,
  sku_exists,
  insufficient_stock,
  invalid_order_state,
  order_already_paid,
  payment_in_progress,
  shipment_exists,
  idempotency_in_progress,
  // 413, 414, 415, 422, 429, 431
  payload_too_large,
  uri_too_long,
  unsupported_media_type,
  idempotency_key_reused,
  rate_limited,
  headers_too_large,
  // 5xx
  internal_error,
  payment_gateway_error,
  shipping_gateway_error,
  service_unavailable,
  gateway_timeout,
};

/// The code as API.md spells it ("not_found"); `none` is "".
const char* to_string(error_code code);
std::ostream& operator<<(std::ostream& out, error_code code);

using field_errors = std::map<std::string, std::vector<std::string>>;

struct problem {
  error_code code = error_code::none;
  std::string message;
  field_errors fields;

  bool ok() const { return code == error_code::none; }
  explicit operator bool() const { return !ok(); }

  static problem none() { return {}; }
  static problem of(error_code code, std::string msg) { return {code, std::move(msg), {}}; }
  static problem validation(field_errors f, std::string msg = "invalid input") {
    return {error_code::validation_error, std::move(msg), std::move(f)};
  }
  /// One field's complaint: `validation({{field, {msg}}})` spelled once.
  static problem invalid_field(const std::string& field, std::string msg) {
    return validation({{field, {std::move(msg)}}});
  }
  static problem not_found(std::string msg) { return of(error_code::not_found, std::move(msg)); }
  static problem invalid_order_state(std::string msg) { return of(error_code::invalid_order_state, std::move(msg)); }
  static problem invalid_token(std::string msg) { return of(error_code::invalid_token, std::move(msg)); }
  static problem permission_denied(std::string msg) { return of(error_code::permission_denied, std::move(msg)); }
  /// A dependency (database, worker pool) did not answer: the client may retry.
  static problem unavailable() {
    return of(error_code::service_unavailable, "a backing service is unavailable, retry later");
  }
  static problem internal() { return of(error_code::internal_error, "internal error"); }
};

}  // namespace commerce::actors
