#include "common/url.hpp"

#include <curl/curl.h>

#include <climits>
#include <memory>
#include <stdexcept>

namespace commerce::common {

namespace {

struct curl_string_deleter {
  void operator()(char* s) const { curl_free(s); }
};
using curl_string = std::unique_ptr<char, curl_string_deleter>;

struct curl_url_deleter {
  void operator()(CURLU* u) const { curl_url_cleanup(u); }
};

/// A part of the URL, or nullopt when the URL has none (libcurl's CURLUE_NO_* codes).
std::optional<std::string> part_of(CURLU* url, CURLUPart part, unsigned int flags) {
  char* raw = nullptr;
  auto rc = curl_url_get(url, part, &raw, flags);
  curl_string value{raw};
  if (rc == CURLUE_OK)
    return std::string{value.get()};
  if (rc == CURLUE_NO_USER || rc == CURLUE_NO_PASSWORD || rc == CURLUE_NO_PORT || rc == CURLUE_NO_QUERY ||
      rc == CURLUE_NO_ZONEID || rc == CURLUE_NO_HOST)
    return std::nullopt;
  throw std::invalid_argument(curl_url_strerror(rc));
}

}  // namespace

std::string percent_encode(const std::string& text) {
  if (text.empty())
    return {};  // a length of 0 would make libcurl measure the text with strlen()
  if (text.size() > INT_MAX)
    throw std::length_error("percent_encode: text too long");
  // Since libcurl 7.82 the handle is ignored (Debian 12 has 7.88), so none is needed.
  curl_string encoded{curl_easy_escape(nullptr, text.data(), static_cast<int>(text.size()))};
  if (!encoded)  // out of memory, or over libcurl's 8 MB input limit
    throw std::length_error("percent_encode: libcurl could not encode the text");
  return encoded.get();
}

std::string percent_decode(std::string text, bool plus_is_space) {
  if (text.empty())
    return {};
  if (text.size() > INT_MAX)
    throw std::length_error("percent_decode: text too long");
  if (plus_is_space)  // before decoding, so that %2B stays a '+'
    for (auto& c : text)
      if (c == '+')
        c = ' ';
  int length = 0;
  curl_string decoded{curl_easy_unescape(nullptr, text.data(), static_cast<int>(text.size()), &length)};
  if (!decoded)
    throw std::bad_alloc();
  return {decoded.get(), static_cast<size_t>(length)};  // %00 decodes to a NUL inside the text
}

url_parts parse_url(const std::string& url) {
  std::unique_ptr<CURLU, curl_url_deleter> handle{curl_url()};
  if (!handle)
    throw std::bad_alloc();
  // Any scheme (redis://, postgresql://, ...): libcurl checks the syntax, not that it speaks it.
  if (auto rc = curl_url_set(handle.get(), CURLUPART_URL, url.c_str(), CURLU_NON_SUPPORT_SCHEME))
    throw std::invalid_argument(curl_url_strerror(rc));
  url_parts parts;
  auto* u = handle.get();
  parts.scheme = part_of(u, CURLUPART_SCHEME, 0).value_or("");
  parts.user = part_of(u, CURLUPART_USER, CURLU_URLDECODE).value_or("");
  parts.password = part_of(u, CURLUPART_PASSWORD, CURLU_URLDECODE);
  parts.host = part_of(u, CURLUPART_HOST, 0).value_or("");
  if (parts.host.size() >= 2 && parts.host.front() == '[' && parts.host.back() == ']') {
    parts.host = parts.host.substr(1, parts.host.size() - 2);
    if (auto zone = part_of(u, CURLUPART_ZONEID, 0))
      parts.host += "%" + *zone;
  }
  if (auto port = part_of(u, CURLUPART_PORT, 0))
    parts.port = std::stoi(*port);  // libcurl has checked it is a number within 0..65535
  parts.path = part_of(u, CURLUPART_PATH, CURLU_URLDECODE).value_or("/");
  parts.query = part_of(u, CURLUPART_QUERY, 0).value_or("");
  return parts;
}

}  // namespace commerce::common
