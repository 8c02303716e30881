#include "http/router.hpp"

#include <boost/test/unit_test.hpp>

using namespace commerce::http;
using Pistache::Http::Method;

namespace {

router sample() {
  router r;
  r.add(Method::Get, "/api/products/", access::anyone, nullptr);
  r.add(Method::Post, "/api/products/", access::staff, nullptr);
  r.add(Method::Get, "/api/products/{id}/", access::anyone, nullptr);
  r.add(Method::Put, "/api/products/{id}/inventory/", access::staff, nullptr);
  return r;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(routing)

BOOST_AUTO_TEST_CASE(trailing_slash_is_optional) {
  auto r = sample();
  BOOST_TEST(r.find(Method::Get, "/api/products/").found != nullptr);
  BOOST_TEST(r.find(Method::Get, "/api/products").found != nullptr);
  BOOST_TEST((r.find(Method::Post, "/api/products").found->who == access::staff));
}

BOOST_AUTO_TEST_CASE(uuid_segments_match_uuids_only) {
  router r;
  r.add(Method::Get, "/api/tasks/{task_id:uuid}/status/", access::user, nullptr);
  auto m = r.find(Method::Get, "/api/tasks/0f8fad5b-d9cb-469f-a165-70867728950e/status/");
  BOOST_TEST_REQUIRE(m.found != nullptr);
  BOOST_TEST(m.params.at("task_id") == "0f8fad5b-d9cb-469f-a165-70867728950e");
  for (const char* bad : {"/api/tasks/42/status/", "/api/tasks/not-a-uuid/status/",
                          "/api/tasks/0f8fad5b-d9cb-469f-a165-70867728950/status/",
                          "/api/tasks/0f8fad5b-d9cb-469f-a165-70867728950ex/status/",
                          "/api/tasks/0f8fad5bxd9cb-469f-a165-70867728950e/status/",
                          "/api/tasks/0f8fad5b-d9cb-469f-a165-70867728950g/status/"})
    BOOST_TEST(r.find(Method::Get, bad).found == nullptr, bad);
}

BOOST_AUTO_TEST_CASE(ids_are_positive_integers) {
  auto r = sample();
  auto m = r.find(Method::Get, "/api/products/42/");
  BOOST_TEST_REQUIRE(m.found != nullptr);
  BOOST_TEST(m.params.at("id") == "42");
  for (const char* bad : {"/api/products/abc/", "/api/products/0/", "/api/products/-1/", "/api/products/1.5/",
                          "/api/products/0042/", "/api/products/99999999999999999999/"}) {
    auto miss = r.find(Method::Get, bad);
    BOOST_TEST(miss.found == nullptr, bad);
    BOOST_TEST(miss.allowed.empty(), bad);
  }
}

BOOST_AUTO_TEST_CASE(known_path_with_wrong_method_lists_the_allowed_ones) {
  auto r = sample();
  auto m = r.find(Method::Delete, "/api/products/");
  BOOST_TEST(m.found == nullptr);
  BOOST_TEST(m.allowed.size() == 2u);
  auto none = r.find(Method::Get, "/api/nothing/");
  BOOST_TEST(none.found == nullptr);
  BOOST_TEST(none.allowed.empty());
}

BOOST_AUTO_TEST_CASE(split_path_ignores_empty_segments) {
  BOOST_TEST(split_path("/a//b/").size() == 2u);
  BOOST_TEST(split_path("/").empty());
}

BOOST_AUTO_TEST_SUITE_END()
