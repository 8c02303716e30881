#include "tests/http/support/openapi_contract.hpp"

#include <rapidjson/schema.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <fstream>
#include <map>
#include <memory>
#include <sstream>
#include <stdexcept>
#include <vector>

namespace http_test {

namespace {

std::vector<std::string> segments_of(const std::string& path) {
  std::vector<std::string> out;
  std::string cur;
  for (char c : path.substr(0, path.find('?'))) {
    if (c == '/') {
      if (!cur.empty())
        out.push_back(cur);
      cur.clear();
    } else {
      cur += c;
    }
  }
  if (!cur.empty())
    out.push_back(cur);
  return out;
}

std::string lower(std::string s) {
  for (auto& c : s)
    c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

/// The document, read once; every (operation, status) schema compiled up front, so after
/// construction nothing changes and any thread may validate.
class contract {
public:
  contract() {
    std::ifstream in{COMMERCE_OPENAPI_PATH};
    std::stringstream text;
    text << in.rdbuf();
    doc_.Parse(text.str().c_str());
    if (doc_.HasParseError() || !doc_.IsObject() || !doc_.HasMember("paths"))
      throw std::runtime_error(std::string{"cannot read "} + COMMERCE_OPENAPI_PATH);
    error_schema_ = compile("#/components/schemas/Error");
    for (auto& path : doc_["paths"].GetObject()) {
      operation_set ops;
      ops.segments = segments_of(path.name.GetString());
      for (auto& m : path.value.GetObject()) {
        if (!m.value.IsObject() || !m.value.HasMember("responses"))
          continue;
        auto& op = ops.by_method[m.name.GetString()];
        for (auto& r : m.value["responses"].GetObject()) {
          auto& entry = op[r.name.GetString()];
          if (r.value.HasMember("content") && r.value["content"].HasMember("application/json")) {
            const auto& media = r.value["content"]["application/json"];
            if (media.HasMember("schema"))
              entry = compile_value(media["schema"]);
          }
          if (!entry)
            entry = std::shared_ptr<rapidjson::SchemaDocument>{};  // documented, no JSON body
        }
      }
      paths_.push_back(std::move(ops));
    }
  }

  std::string check(const std::string& method, const std::string& path, long status, bool is_json,
                    const rapidjson::Document& body) const {
    const auto* ops = find(segments_of(path));
    if (!ops || status == 0)
      return {};
    auto m = ops->by_method.find(lower(method));
    if (m == ops->by_method.end())  // a 405: the front door's generic error
      return status >= 400 && is_json ? validate(*error_schema_, body) : std::string{};
    auto r = m->second.find(std::to_string(status));
    if (r == m->second.end()) {
      if (status >= 200 && status < 300)
        return "status " + std::to_string(status) + " is not documented for " + method + " " + path;
      return is_json ? validate(*error_schema_, body) : std::string{};
    }
    if (!r->second || !is_json)
      return {};
    return validate(*r->second, body);
  }

private:
  struct operation_set {
    std::vector<std::string> segments;
    std::map<std::string, std::map<std::string, std::shared_ptr<rapidjson::SchemaDocument>>> by_method;
  };

  const operation_set* find(const std::vector<std::string>& parts) const {
    for (const auto& ops : paths_) {
      if (ops.segments.size() != parts.size())
        continue;
      bool same = true;
      for (size_t i = 0; i < parts.size() && same; ++i) {
        const auto& s = ops.segments[i];
        same = (s.size() > 2 && s.front() == '{' && s.back() == '}') || s == parts[i];
      }
      if (same)
        return &ops;
    }
    return nullptr;
  }

  /// A schema whose $refs resolve: {"allOf": [schema], "components": <the document's>}.
  std::shared_ptr<rapidjson::SchemaDocument> compile_value(const rapidjson::Value& schema) {
    rapidjson::Document wrapper;
    wrapper.SetObject();
    auto& a = wrapper.GetAllocator();
    rapidjson::Value all(rapidjson::kArrayType);
    all.PushBack(rapidjson::Value(schema, a), a);
    wrapper.AddMember("allOf", all, a);
    wrapper.AddMember("components", rapidjson::Value(doc_["components"], a), a);
    return std::make_shared<rapidjson::SchemaDocument>(wrapper);
  }

  std::shared_ptr<rapidjson::SchemaDocument> compile(const char* ref) {
    rapidjson::Document d;
    d.SetObject();
    d.AddMember("$ref", rapidjson::Value(ref, d.GetAllocator()), d.GetAllocator());
    return compile_value(d);
  }

  static std::string validate(const rapidjson::SchemaDocument& schema, const rapidjson::Document& body) {
    rapidjson::SchemaValidator v(schema);
    if (body.Accept(v))
      return {};
    rapidjson::StringBuffer where, rule;
    v.GetInvalidDocumentPointer().StringifyUriFragment(where);
    v.GetInvalidSchemaPointer().StringifyUriFragment(rule);
    return std::string{"breaks the OpenAPI schema at "} + where.GetString() + " (rule " + rule.GetString() +
           ", keyword " + v.GetInvalidSchemaKeyword() + ")";
  }

  rapidjson::Document doc_;
  std::shared_ptr<rapidjson::SchemaDocument> error_schema_;
  std::vector<operation_set> paths_;
};

}  // namespace

std::string openapi_violation(const std::string& method, const std::string& path, long status, bool is_json,
                              const rapidjson::Document& body) {
  static const contract the_document;  // immutable once built
  return the_document.check(method, path, status, is_json, body);
}

}  // namespace http_test
