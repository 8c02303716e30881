#include "tests/integration/base/provider_stacks.hpp"

#include "tests/http/support/json_read.hpp"
#include "tests/http/support/signing.hpp"
#include "tests/http/support/waiting.hpp"

#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>

namespace fs = std::filesystem;
using namespace http_test;

namespace integration {

std::chrono::milliseconds task_timeout() {
  const char* v = std::getenv("INTEGRATION_TASK_TIMEOUT_SECONDS");
  if (!v || !*v)
    return std::chrono::seconds(60);
  char* end = nullptr;
  long seconds = std::strtol(v, &end, 10);
  if (*end != '\0' || seconds < 1 || seconds > 3600)
    throw std::runtime_error(std::string{"INTEGRATION_TASK_TIMEOUT_SECONDS must be 1..3600 seconds, got '"} + v + "'");
  return std::chrono::seconds(seconds);
}

remote_mock::remote_mock(std::string base_url)
  : base_url_(std::move(base_url)), client_(std::make_unique<client>(base_url_)) {}

void remote_mock::expect(const std::string& expectation_json) {
  auto r = client_->put("/mockserver/expectation", expectation_json);
  if (r.status != 201)
    throw std::runtime_error("PUT " + base_url_ + "/mockserver/expectation -> " + r.describe() + "\nexpectation: " +
                             expectation_json);
}

response remote_mock::verify(const std::string& verification_json) {
  return client_->put("/mockserver/verify", verification_json);
}

rapidjson::Document remote_mock::recorded(const std::string& matcher_json) {
  auto r = client_->put("/mockserver/retrieve?type=REQUESTS&format=JSON", matcher_json);
  if (r.status != 200 || !r.is_json || !r.json.IsArray())
    throw std::runtime_error("PUT " + base_url_ + "/mockserver/retrieve -> " + r.describe());
  rapidjson::Document d;
  d.CopyFrom(r.json, d.GetAllocator());
  return d;
}

rapidjson::Document remote_mock::recorded_at_least(const std::string& matcher_json, size_t n,
                                                   std::chrono::milliseconds limit) {
  rapidjson::Document last;
  poll_until(
    [&] {
      last = recorded(matcher_json);
      return last.Size() >= n;
    },
    limit, std::chrono::milliseconds(100));
  return last;
}

namespace {
json_object request_matcher(const std::string& method, const std::string& path, const std::string& body_substring) {
  json_object m{{"method", method}, {"path", path}};
  if (!body_substring.empty())
    m.add("body", json_object{{"type", "STRING"}, {"string", body_substring}, {"subString", true}});
  return m;
}

json_object json_answer(int status, const std::string& response_body, const std::string& extra_headers_json) {
  json_object r{{"statusCode", status}};
  if (!extra_headers_json.empty())
    r.add("headers", json_raw(extra_headers_json));
  if (!response_body.empty())
    r.add("body", json_object{{"type", "JSON"}, {"json", json_raw(response_body)}});
  return r;
}
}  // namespace

std::string expectation(const std::string& method, const std::string& path, const std::string& body_substring,
                        int status, const std::string& response_body, int times,
                        const std::string& extra_headers_json) {
  json_object e{{"priority", 10},
                {"httpRequest", request_matcher(method, path, body_substring)},
                {"httpResponse", json_answer(status, response_body, extra_headers_json)}};
  if (times > 0)
    e.add("times", json_object{{"remainingTimes", times}, {"unlimited", false}});
  return e;
}

std::string shared_expectation(const std::string& id, const std::string& method, const std::string& path, int status,
                               const std::string& response_body) {
  return json_object{{"id", id},
                     {"priority", 5},
                     {"httpRequest", request_matcher(method, path, "")},
                     {"httpResponse", json_answer(status, response_body, "")}};
}

std::string matcher(const std::string& method, const std::string& path, const std::string& body_substring) {
  return request_matcher(method, path, body_substring);
}

std::string provider_stack::setting(const std::string& name) const {
  auto key = std::string{"PROVIDERS_"} + letter + "_" + name;
  const char* v = std::getenv(key.c_str());
  return v ? v : "";
}

provider_stack stack(char letter) {
  provider_stack s;
  s.letter = letter;
  s.app_url = required_env((std::string{"APP_URL_PROVIDERS_"} + letter).c_str());
  // The settings come with the stack (config/integration-providers.env exported as it is).
  required_env((std::string{"PROVIDERS_"} + letter + "_PAYMENT_PROVIDER").c_str());
  return s;
}

account staff(client& c) {
  auto email = required_env("ADMIN_EMAIL");
  auto password = required_env("ADMIN_PASSWORD");
  auto r = login(c, email, password);
  if (r.status != 200 || !r.json.IsObject() || !r.json.HasMember("user"))
    throw std::runtime_error("the staff login (ADMIN_EMAIL) at " + c.base_url() + " failed: " + r.describe());
  account a;
  a.email = email;
  a.password = password;
  a.access = r.str("access");
  a.refresh = r.str("refresh");
  a.id = int_of(r.json["user"], "id").value_or(0);
  return a;
}

std::string unique_phone() {
  static std::atomic<unsigned> counter{0};
  auto ms = static_cast<unsigned long long>(
    std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch()).count());
  // 9 digits from the time, the process and a counter: unique within a run and across quick reruns.
  unsigned long long n = (ms * 7919ULL + static_cast<unsigned long long>(getpid()) * 104729ULL + ++counter) % 1000000000ULL;
  auto digits = std::to_string(n);
  return "+79" + std::string(9 - digits.size(), '0') + digits;
}

std::string digits_of(const std::string& phone) {
  std::string d;
  for (char ch : phone)
    if (ch >= '0' && ch <= '9')
      d += ch;
  return d;
}

std::string form_encoded(const std::string& s) { return url_encode(s); }

std::string money_text(double amount) {
  char text[64];
  std::snprintf(text, sizeof text, "%.2f", amount);
  return text;
}

std::string basic_auth(const std::string& user, const std::string& password) {
  return "Basic " + b64_encode(user + ":" + password);
}

shop::shop(const std::string& app_url, const std::string& tag, bool with_phone, const std::string& price_text)
  : c(std::make_unique<client>(app_url)), price(price_text) {
  staff = integration::staff(*c);
  json_object extra;
  if (with_phone) {
    phone = unique_phone();
    extra.add("phone", phone);
  }
  buyer = new_account(*c, tag, extra);
  product = create_product(*c, staff.access, unique_tag(tag + " product "), price, 100000);
  sku = string_of(c->get("/api/products/" + std::to_string(product) + "/").json, "sku");
}

int64_t shop::order(int quantity) {
  auto r = c->post("/api/orders/", order_body({{product, quantity}}), buyer.access);
  BOOST_TEST_REQUIRE(r.status == 201, r.request << " -> " << r.describe());
  return int_of(r.json, "id").value_or(0);
}

response shop::get_order(int64_t id) { return c->get("/api/orders/" + std::to_string(id) + "/", buyer.access); }

response shop::notifications(int64_t id, size_t n) {
  const auto path = "/api/notifications/order/" + std::to_string(id) + "/";
  response last;
  poll_until(
    [&] {
      last = c->get(path, buyer.access);
      return last.status == 200 && last.is_json && last.json.IsArray() && last.json.Size() >= n;
    },
    task_timeout(), std::chrono::milliseconds(200));
  return last;
}

std::string notification_in(const response& list, const std::string& type, const std::string& notification_type) {
  if (!list.is_json || !list.json.IsArray())
    return "<not a list: " + list.describe() + ">";
  std::string found;
  int count = 0;
  for (const auto& n : list.json.GetArray())
    if (string_of(n, "type") == type && string_of(n, "notification_type") == notification_type) {
      ++count;
      found = string_of(n, "provider") + "/" + string_of(n, "status") + "/" + string_of(n, "recipient");
    }
  if (count == 0)
    return "<none>";
  if (count > 1)
    return "<" + std::to_string(count) + " of them>";
  return found;
}

std::vector<std::string> maildir_messages_with(const std::vector<std::string>& parts, std::chrono::milliseconds limit) {
  const fs::path dir = required_env("SMTP_MAILDIR");
  std::vector<std::string> found;
  poll_until(
    [&] {
      found.clear();
      for (const char* sub : {"new", "cur"}) {
        std::error_code ec;
        if (!fs::is_directory(dir / sub, ec))
          continue;
        for (const auto& entry : fs::directory_iterator(dir / sub, ec)) {
          std::ifstream in{entry.path(), std::ios::binary};
          std::ostringstream text;
          text << in.rdbuf();
          auto s = text.str();
          bool all = true;
          for (const auto& p : parts)
            all = all && s.find(p) != std::string::npos;
          if (all)
            found.push_back(s);
        }
      }
      return !found.empty();
    },
    limit, std::chrono::milliseconds(200));
  return found;
}

}  // namespace integration
