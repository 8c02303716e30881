#pragma once
// Text from category programs is arbitrary bytes; every report format needs it as valid UTF-8
// (JSON, XML 1.0, HTML), escaped for its format.
#include <string>

namespace integration_runner {

// Invalid UTF-8 sequences become U+FFFD; control characters other than \t \n \r are dropped
// (XML 1.0 cannot carry them at all).
std::string clean_utf8(const std::string& bytes);
std::string xml_escape(const std::string& text);  // also for HTML text and attribute values
// The last `max_bytes` of a text, cut at a line start, with a note when something was cut.
std::string tail(const std::string& text, std::size_t max_bytes);

}  // namespace integration_runner
