#include "tests/integration/base/provider_stacks.hpp"

#include "tests/http/support/signing.hpp"

#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <mutex>
#include <stdexcept>

using namespace http_test;

namespace integration {

std::string matcher(const std::string& method, const std::string& path, const std::string& body_text) {
  return body_text.empty() ? request_matcher(method, path) : request_with_text(method, path, body_text);
}

std::string expectation(const std::string& method, const std::string& path, const std::string& body_text, int status,
                        const std::string& response_body, int times) {
  return answer(matcher(method, path, body_text), status, response_body, times);
}

std::string provider_stack::setting(const std::string& name) const {
  return optional_env((std::string{"PROVIDERS_"} + letter + "_" + name).c_str()).value_or("");
}

provider_stack stack(char letter) {
  provider_stack s;
  s.letter = letter;
  s.app_url = provider_stack_url(letter);
  // The settings come with the stack: config/integration-providers.env, exported as it is.
  required_env((std::string{"PROVIDERS_"} + letter + "_PAYMENT_PROVIDER").c_str());
  return s;
}

std::string unique_phone() {
  static std::atomic<unsigned> counter{0};
  auto ms = static_cast<unsigned long long>(
    std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch()).count());
  // Nine digits from the time, the process and a counter: unique within a run and across reruns.
  auto n = (ms * 7919ULL + static_cast<unsigned long long>(getpid()) * 104729ULL + ++counter) % 1000000000ULL;
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

int64_t unique_number() {
  static std::atomic<int64_t> counter{0};
  auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
              .count();
  return 100000000 + (ms * 31 + getpid() * 7 + ++counter) % 900000000;
}

session shared_staff_session(const std::string& base_url) {
  const auto url = base_url.empty() ? app_url() : base_url;
  // The tokens this program signed in with, per server (an access token lasts an hour, a run minutes).
  static std::mutex guard;
  static std::map<std::string, std::string> tokens;
  std::string token;
  {
    std::lock_guard<std::mutex> lock{guard};
    auto it = tokens.find(url);
    if (it == tokens.end())
      it = tokens.emplace(url, staff_session(url).user().access).first;
    token = it->second;
  }
  session s{url};
  s.use_token(token);
  return s;
}

shop::shop(const std::string& base_url, const std::string& tag, bool with_phone, const std::string& price)
  : staff(shared_staff_session(base_url)), buyer(base_url) {
  json_object extra;
  if (with_phone) {
    phone = unique_phone();
    extra.add("phone", phone);
  }
  buyer.sign_up(tag, extra);
  product = product_factory{staff}.create(tag, price, 100000);
}

int64_t shop::order(int quantity) { return order_factory{buyer}.create_id({{product.id, quantity}}); }

response shop::get_order(int64_t id) { return buyer.get("/api/orders/" + std::to_string(id) + "/"); }

response shop::notifications(int64_t id, size_t n) {
  const auto path = "/api/notifications/order/" + std::to_string(id) + "/";
  response last;
  eventually([&] {
    last = buyer.get(path);
    return last.status == 200 && last.is_json && last.json.IsArray() && last.json.Size() >= n;
  });
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

bool flag_of(const response& r, const char* key) {
  return r.json.IsObject() && r.json.HasMember(key) && r.json[key].IsBool() && r.json[key].GetBool();
}

}  // namespace integration
