// URLs for every layer, through libcurl: percent-encoding (curl_easy_escape, curl_easy_unescape)
// and parsing (CURLU). A leaf below the layers: http/ (pagination links), integrations/ (form bodies),
// persistence/ (REDIS_URL) and config/ (DATABASE_URL) each need it, and may not use one another.
#pragma once

#include <optional>
#include <string>

namespace commerce::common {

/// Every byte but A-Z a-z 0-9 - . _ ~ as %XX with upper-case hex digits (a space is %20, never
/// '+'): right for query values and application/x-www-form-urlencoded fields alike.
std::string percent_encode(const std::string& text);

/// Decodes %XX escapes (a '%' not followed by two hex digits stays as it is) and, with
/// `plus_is_space` (query strings, form bodies), '+' as a space.
std::string percent_decode(std::string text, bool plus_is_space = true);

/// An absolute URL's parts as libcurl reads them; user, password and path percent-decoded.
struct url_parts {
  std::string scheme;
  std::string user;                     ///< empty when the URL names none
  std::optional<std::string> password;  ///< nullopt: no ':' in the user information
  std::string host;                     ///< an IPv6 literal without brackets (zone as "%zone")
  std::optional<int> port;              ///< nullopt: none in the URL
  std::string path;                     ///< "/" when the URL has none
  std::string query;                    ///< as written (not decoded); empty: none
};

/// Parses `url` with CURLU, any scheme; throws std::invalid_argument with libcurl's reason (never
/// the URL itself, which may hold a password).
url_parts parse_url(const std::string& url);

}  // namespace commerce::common
