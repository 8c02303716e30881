#include "integrations/mock/mock_json.hpp"

#include <rapidjson/encodedstream.h>
#include <rapidjson/memorystream.h>
#include <rapidjson/reader.h>

#include <utility>
#include <vector>

namespace commerce::mock {

namespace {

/// Forwards RapidJSON's SAX events to the document being built, refusing to open a level past
/// the limit (returning false makes the reader stop with kParseErrorTermination).
class depth_limited_handler {
public:
  depth_limited_handler(rapidjson::Document& target, std::size_t max_depth) : target_(target), max_depth_(max_depth) {}

  bool Null() { return target_.Null(); }
  bool Bool(bool b) { return target_.Bool(b); }
  bool Int(int i) { return target_.Int(i); }
  bool Uint(unsigned u) { return target_.Uint(u); }
  bool Int64(int64_t i) { return target_.Int64(i); }
  bool Uint64(uint64_t u) { return target_.Uint64(u); }
  bool Double(double d) { return target_.Double(d); }
  bool RawNumber(const char* s, rapidjson::SizeType n, bool copy) { return target_.RawNumber(s, n, copy); }
  bool String(const char* s, rapidjson::SizeType n, bool copy) { return target_.String(s, n, copy); }
  bool Key(const char* s, rapidjson::SizeType n, bool copy) { return target_.Key(s, n, copy); }
  bool StartObject() { return open() && target_.StartObject(); }
  bool EndObject(rapidjson::SizeType members) {
    --depth_;
    return target_.EndObject(members);
  }
  bool StartArray() { return open() && target_.StartArray(); }
  bool EndArray(rapidjson::SizeType elements) {
    --depth_;
    return target_.EndArray(elements);
  }

  bool too_deep() const { return too_deep_; }

private:
  bool open() {
    if (++depth_ > max_depth_)
      too_deep_ = true;
    return !too_deep_;
  }
  rapidjson::Document& target_;
  std::size_t max_depth_;
  std::size_t depth_ = 0;
  bool too_deep_ = false;
};

}  // namespace

json_parse_status parse_bounded_json(std::string_view text, rapidjson::Document& out, std::size_t max_depth) {
  json_parse_status status = json_parse_status::ok;
  // Populate() hands the document to the generator as the SAX target and takes the finished
  // root from it only when the generator reports success.
  auto generate = [&](rapidjson::Document& target) {
    depth_limited_handler handler{target, max_depth};
    rapidjson::Reader reader;
    rapidjson::MemoryStream bytes{text.data(), text.size()};
    rapidjson::EncodedInputStream<rapidjson::UTF8<>, rapidjson::MemoryStream> stream{bytes};  // as Document::Parse
    reader.Parse<rapidjson::kParseIterativeFlag>(stream, handler);
    if (handler.too_deep())
      status = json_parse_status::too_deep;
    else if (reader.HasParseError())
      status = json_parse_status::invalid;
    return status == json_parse_status::ok;
  };
  out.SetNull();
  out.Populate(generate);
  if (status != json_parse_status::ok)
    out.SetNull();
  return status;
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
