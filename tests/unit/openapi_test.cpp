// The OpenAPI document (docs/openapi.json, compiled in) and the route table agree: every routed
// method and path is documented, and every documented operation is routed (issue 12).
#include "http/front_door.hpp"
#include "http/router.hpp"

#include <boost/test/unit_test.hpp>

#include <rapidjson/document.h>

#include <algorithm>
#include <set>

namespace commerce::http {
extern const char openapi_document[];
}

namespace {

using namespace commerce::http;

/// "/metrics" and "/metrics/" are the same route (paths work with or without the slash).
std::string with_slash(std::string p) { return p.back() == '/' ? p : p + "/"; }

std::string lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return std::tolower(c); });
  return s;
}

router full_table() {
  router r;
  add_all_routes(r, true);
  return r;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(openapi_checks)

BOOST_AUTO_TEST_CASE(route_table_and_document_agree) {
  rapidjson::Document doc;
  doc.Parse(openapi_document);
  BOOST_TEST_REQUIRE(!doc.HasParseError());
  BOOST_TEST_REQUIRE((doc.HasMember("paths") && doc["paths"].IsObject()));
  BOOST_TEST(std::string{doc["openapi"].GetString()}.rfind("3.", 0) == 0u);

  static const std::set<std::string> methods{"get", "put", "post", "delete", "patch", "head", "options"};
  std::set<std::string> documented;  // "get /api/orders/{id}/"
  for (auto& path : doc["paths"].GetObject())
    for (auto& m : path.value.GetObject())
      if (methods.count(m.name.GetString()))
        documented.insert(std::string{m.name.GetString()} + " " + with_slash(path.name.GetString()));

  std::set<std::string> routed;
  auto table = full_table();
  for (const auto& r : table.routes())
    routed.insert(lower(Pistache::Http::methodString(r.method)) + " " + r.pattern);

  for (const auto& op : routed)
    BOOST_TEST(documented.count(op) == 1u, "routed but not in docs/openapi.json: " << op);
  for (const auto& op : documented)
    BOOST_TEST(routed.count(op) == 1u, "in docs/openapi.json but not routed: " << op);
  BOOST_TEST(routed.size() > 40u);
}

BOOST_AUTO_TEST_CASE(every_operation_documents_its_responses_with_schemas) {
  rapidjson::Document doc;
  doc.Parse(openapi_document);
  BOOST_TEST_REQUIRE(!doc.HasParseError());
  for (auto& path : doc["paths"].GetObject())
    for (auto& m : path.value.GetObject()) {
      if (!m.value.IsObject() || !m.value.HasMember("responses"))
        continue;
      std::string op = std::string{m.name.GetString()} + " " + path.name.GetString();
      const auto& responses = m.value["responses"];
      BOOST_TEST(responses.MemberCount() > 0u, op);
      for (auto& r : responses.GetObject()) {
        if (!r.value.HasMember("content"))
          continue;  // 204 and such
        for (auto& media : r.value["content"].GetObject())
          BOOST_TEST(media.value.HasMember("schema"), op << " " << r.name.GetString() << " " << media.name.GetString());
      }
    }
}

BOOST_AUTO_TEST_SUITE_END()
