#include "integrations/untrusted_json.hpp"

#include <rapidjson/error/en.h>
#include <rapidjson/memorystream.h>
#include <rapidjson/reader.h>

#include <cmath>

namespace commerce::integrations {

namespace {

/// Forwards the reader's SAX events to the document that builds the DOM, counting open
/// containers; one too many stops the parse (returning false makes the reader stop with
/// kParseErrorTermination), so no deeper value is ever allocated.
class depth_limited_handler {
public:
  depth_limited_handler(rapidjson::Document& doc, unsigned max_depth) : doc_(doc), max_depth_(max_depth) {}

  bool Null() { return doc_.Null(); }
  bool Bool(bool b) { return doc_.Bool(b); }
  bool Int(int i) { return doc_.Int(i); }
  bool Uint(unsigned u) { return doc_.Uint(u); }
  bool Int64(int64_t i) { return doc_.Int64(i); }
  bool Uint64(uint64_t u) { return doc_.Uint64(u); }
  /// RapidJSON 1.1.0 turns some out-of-range numbers (777771e308) into infinity instead of
  /// refusing them; no JSON value is infinite, and nothing downstream can write one back.
  bool Double(double d) {
    if (std::isfinite(d))
      return doc_.Double(d);
    infinite_ = true;
    return false;
  }
  bool RawNumber(const char* s, rapidjson::SizeType n, bool copy) { return doc_.RawNumber(s, n, copy); }
  bool String(const char* s, rapidjson::SizeType n, bool copy) { return text_ok(s, n) && doc_.String(s, n, copy); }
  bool Key(const char* s, rapidjson::SizeType n, bool copy) { return text_ok(s, n) && doc_.Key(s, n, copy); }
  bool StartObject() { return enter() && doc_.StartObject(); }
  bool EndObject(rapidjson::SizeType members) {
    --depth_;
    return doc_.EndObject(members);
  }
  bool StartArray() { return enter() && doc_.StartArray(); }
  bool EndArray(rapidjson::SizeType elements) {
    --depth_;
    return doc_.EndArray(elements);
  }

  bool exceeded() const { return exceeded_; }
  bool infinite() const { return infinite_; }
  bool lone_surrogate() const { return lone_surrogate_; }

private:
  /// RapidJSON 1.1.0 validates the raw bytes, but decodes an escaped lone low surrogate
  /// ("\udc00") into ED B0 80, which is not UTF-8 (and PostgreSQL refuses it). Every other
  /// decoded text is valid UTF-8, so that sequence is the one to look for.
  bool text_ok(const char* s, rapidjson::SizeType n) {
    for (rapidjson::SizeType i = 0; i + 1 < n; ++i)
      if (static_cast<unsigned char>(s[i]) == 0xED && static_cast<unsigned char>(s[i + 1]) >= 0xA0) {
        lone_surrogate_ = true;
        return false;
      }
    return true;
  }

  bool enter() {
    if (++depth_ <= max_depth_)
      return true;
    exceeded_ = true;
    return false;
  }

  rapidjson::Document& doc_;
  unsigned max_depth_;
  unsigned depth_ = 0;
  bool exceeded_ = false;
  bool infinite_ = false;
  bool lone_surrogate_ = false;
};

constexpr unsigned parse_flags = rapidjson::kParseIterativeFlag | rapidjson::kParseValidateEncodingFlag;

}  // namespace

json_parse_result parse_untrusted_json(std::string_view text, rapidjson::Document& doc, unsigned max_depth) {
  json_parse_result result;
  rapidjson::ParseResult parsed;
  bool infinite = false;
  bool lone_surrogate = false;
  // Populate runs the reader against the document's own SAX interface (through the counting
  // wrapper), and takes the root value only when the generator reports success.
  auto generate = [&](rapidjson::Document& target) {
    depth_limited_handler handler{target, max_depth};
    rapidjson::MemoryStream stream{text.data(), text.size()};
    rapidjson::Reader reader;
    parsed = reader.Parse<parse_flags>(stream, handler);
    if (handler.exceeded())
      result.outcome = json_parse_result::status::too_deep;
    infinite = handler.infinite();
    lone_surrogate = handler.lone_surrogate();
    return !parsed.IsError();
  };
  doc.SetNull();
  doc.Populate(generate);
  if (result.too_deep()) {
    result.message = "the JSON nests deeper than " + std::to_string(max_depth) + " levels";
  } else if (infinite) {
    result.outcome = json_parse_result::status::syntax_error;
    result.message = std::string{"malformed JSON: "} + rapidjson::GetParseError_En(rapidjson::kParseErrorNumberTooBig) +
                     " at offset " + std::to_string(parsed.Offset());
  } else if (lone_surrogate) {
    result.outcome = json_parse_result::status::syntax_error;
    result.message = std::string{"malformed JSON: "} +
                     rapidjson::GetParseError_En(rapidjson::kParseErrorStringUnicodeSurrogateInvalid) + " at offset " +
                     std::to_string(parsed.Offset());
  } else if (parsed.IsError()) {
    result.outcome = json_parse_result::status::syntax_error;
    result.message = std::string{"malformed JSON: "} + rapidjson::GetParseError_En(parsed.Code()) + " at offset " +
                     std::to_string(parsed.Offset());
  }
  return result;
}

}  // namespace commerce::integrations
