// The JSON views (http/views.*) and their field writer: exact bytes, since clients and the
// HTTP tests compare keys, their order and number formats.
#include "actors/gateway_messages.hpp"
#include "actors/supervision_messages.hpp"
#include "actors/user_messages.hpp"
#include "http/json.hpp"
#include "http/views.hpp"
#include "persistence/cart_repository.hpp"
#include "persistence/payment_repository.hpp"

#include <boost/test/unit_test.hpp>

using namespace commerce;

BOOST_AUTO_TEST_SUITE(views)

BOOST_AUTO_TEST_CASE(object_writer_writes_one_field_per_call) {
  rapidjson::StringBuffer buf;
  http::json::writer w{buf};
  {
    http::json::object_writer f{w};
    f("literal", "text");  // a string literal stays a string, never a bool
    f("small", int32_t{-3});
    f("large", int64_t{9'000'000'000});
    f("unsigned", uint64_t{7});
    f("flag", false);
    f("absent", std::optional<std::string>{});
    f("present", std::optional<std::string>{"x"});
    f.money("price", 1999);
    f.raw_object("address", R"({"city":"Moscow"})");
    f.key("list").StartArray();
    w.EndArray();
  }
  BOOST_TEST(std::string(buf.GetString()) ==
             R"({"literal":"text","small":-3,"large":9000000000,"unsigned":7,"flag":false,"absent":null,)"
             R"("present":"x","price":19.99,"address":{"city":"Moscow"},"list":[]})");
}

BOOST_AUTO_TEST_CASE(user_and_session) {
  actors::user_view u;
  u.id = 5;
  u.email = "a@example.com";
  u.first_name = "A";
  u.is_staff = true;
  u.date_joined = "2026-01-01T00:00:00Z";
  BOOST_TEST(http::views::user(u) ==
             R"({"id":5,"email":"a@example.com","first_name":"A","last_name":"","phone":null,"is_staff":true,)"
             R"("email_verified":false,"date_joined":"2026-01-01T00:00:00Z"})");
  http::views::tokens t{"acc", std::nullopt, 3600};
  BOOST_TEST(http::views::token_pair(t) ==
             R"({"access":"acc","access_token":"acc","token_type":"Bearer","expires_in":3600})");
  t.refresh = "ref";
  auto session = http::views::session(u, t, "password changed");
  BOOST_TEST(session.rfind(R"({"detail":"password changed","user":{"id":5,)", 0) == 0u);
  BOOST_TEST(session.find(R"(},"access":"acc","access_token":"acc","refresh":"ref","token_type":"Bearer",)") !=
             std::string::npos);
}

BOOST_AUTO_TEST_CASE(payments_in_flight_or_unknown_read_as_pending) {
  persistence::payment_record p;
  p.id = 1;
  p.order_id = 2;
  p.amount_minor = 150;
  p.currency = "RUB";
  p.payment_method = "card";
  p.created_at = "t";
  using domain::charge_status;
  for (auto status : {charge_status::processing, charge_status::unknown, charge_status::pending}) {
    p.status = status;
    BOOST_TEST(http::views::payment(p) ==
               R"({"id":1,"order_id":2,"status":"pending","amount":1.50,"currency":"RUB","payment_method":"card",)"
               R"("confirmation_url":null,"provider_payment_id":null,"created_at":"t"})");
  }
  p.status = charge_status::succeeded;
  BOOST_TEST(http::views::payment(p).find(R"("status":"succeeded")") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(cart_totals) {
  std::vector<persistence::cart_line> lines(2);
  lines[0] = {1, 10, "Tea", 250, 2};
  lines[1] = {2, 11, "Cup", 1000, 1};
  BOOST_TEST(http::views::cart(lines) ==
             R"({"items":[{"id":1,"product_id":10,"product_name":"Tea","unit_price":2.50,"quantity":2,)"
             R"("line_total":5.00},{"id":2,"product_id":11,"product_name":"Cup","unit_price":10.00,"quantity":1,)"
             R"("line_total":10.00}],"total_quantity":3,"total":15.00})");
}

BOOST_AUTO_TEST_CASE(actor_console) {
  actors::supervisor_stats s;
  s.active = 1;
  actors::gateway_status g;
  g.kind = "payment";
  g.provider = "generic";
  g.breakers.push_back({"http://localhost:1080", true, 3});
  BOOST_TEST(http::views::actor_console({{"orders", s}}, {g}, 2, 9) ==
             R"({"supervisors":{"orders":{"active":1,"activations":0,"passivations":0,"crashes":0,)"
             R"("restarts_in_window":0}},"gateways":[{"kind":"payment","provider":"generic","breakers":)"
             R"([{"origin":"http://localhost:1080","open":true,"consecutive_failures":3}]}],)"
             R"("in_flight_requests":2,"running_actors":9})");
}

BOOST_AUTO_TEST_SUITE_END()
