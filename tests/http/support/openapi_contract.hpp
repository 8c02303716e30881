// Test support: the responses of the server under test checked against docs/openapi.json (issue
// 12). Each documented operation's response schemas are compiled once with RapidJSON's JSON
// Schema validator (rapidjson/schema.h, draft 04: Debian's rapidjson-dev, no extra package); the
// document is written in the subset both OpenAPI 3.1 and draft 04 read alike (type, type arrays
// with "null", properties, required, items, enum, $ref to #/components/schemas; `format` is
// informative only).
#pragma once

#include <rapidjson/document.h>

#include <string>

namespace http_test {

/// Empty when `body` (the response of `method path`, `status`) matches the document, or when the
/// path is not one the document covers (a mock's, for instance); otherwise what is wrong:
/// a JSON body that breaks the operation's schema for that status, a 2xx the document does not
/// list, or an error status whose body is not the document's Error object.
std::string openapi_violation(const std::string& method, const std::string& path, long status, bool is_json,
                              const rapidjson::Document& body);

}  // namespace http_test
