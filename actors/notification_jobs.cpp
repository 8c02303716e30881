#include "actors/notification_jobs.hpp"

#include "persistence/payment_repository.hpp"
#include "persistence/pg_pool.hpp"

#include <caf/all.hpp>

#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <spdlog/spdlog.h>

#include <optional>

namespace commerce::actors {

namespace {

struct notification_request {
  int64_t order_id = 0;
  std::string type;
};

std::optional<notification_request> read_payload(const std::string& payload) {
  rapidjson::Document doc;
  doc.Parse(payload.c_str(), payload.size());
  if (doc.HasParseError() || !doc.IsObject())
    return std::nullopt;
  auto id = doc.FindMember("order_id");
  auto type = doc.FindMember("notification_type");
  if (id == doc.MemberEnd() || !id->value.IsInt64() || id->value.GetInt64() <= 0 || type == doc.MemberEnd() ||
      !type->value.IsString())
    return std::nullopt;
  notification_request out{id->value.GetInt64(), type->value.GetString()};
  if (!is_order_notification(out.type))
    return std::nullopt;
  return out;
}

std::string subject_of(const std::string& type, int64_t order_id) {
  auto order = "Order #" + std::to_string(order_id);
  if (type == "order_created")
    return order + " is received";
  if (type == "order_confirmation")
    return order + " is confirmed";
  if (type == "order_shipped")
    return order + " has shipped";
  return order + " has been refunded";
}

/// Sends `message` through `gateway` unless the task's notification on that channel was
/// accepted already (an earlier run); records the acceptance. Whether it stands accepted, and
/// why not.
template <class Message>
bool send_once(caf::scoped_actor& self, const notification_job_deps& d, const caf::actor& gateway,
               const std::string& task_id, const persistence::notification_record& n, int64_t user_id,
               const Message& message, std::string& why) {
  auto claimed = [&] {
    auto lease = d.db->acquire();
    return persistence::claim_task_notification(*lease, task_id, n, user_id);
  }();
  if (claimed.status == "sent")
    return true;
  bool accepted = false;
  self->request(gateway, d.gateway_timeout, message)
    .receive(
      [&](integrations::send_result& r) {
        accepted = r.accepted;
        why = r.detail;
      },
      [&](caf::error& e) { why = to_string(e); });
  if (!accepted) {
    spdlog::warn("order {}: the {} {} was not accepted by {} (task {})", n.order_id, n.notification_type, n.type,
                 n.provider, task_id);
    return false;
  }
  auto lease = d.db->acquire();
  persistence::mark_notification_sent(*lease, claimed.id);
  return true;
}

job_outcome send_notification(const notification_job_deps& d, const job& j, caf::scoped_actor& self) {
  auto request = read_payload(j.payload);
  if (!request)
    return job_outcome::failed("validation_error: the payload names no order or no known notification_type");
  auto order_id = request->order_id;
  auto contact = [&] {
    auto lease = d.db->acquire();
    return persistence::order_owner_contact(*lease, order_id);
  }();
  if (!contact)
    return job_outcome::failed("not_found: order " + std::to_string(order_id) + " does not exist");
  const auto& g = d.gateways;
  auto subject = subject_of(request->type, order_id);

  integrations::email_message email{contact->email, request->type, subject, order_id,
                                    {{"order_id", std::to_string(order_id)}}, j.id};
  std::string email_problem;
  bool emailed = send_once(self, d, g.email, j.id,
                           {0, order_id, "email", g.email_provider, request->type, "failed", contact->email, ""},
                           contact->user_id, email, email_problem);
  // The same news by SMS, as the notifier sends it; a failed SMS is recorded, and retried only
  // along with a failed e-mail.
  if (g.sms && contact->phone) {
    std::string sms_problem;
    send_once(self, d, g.sms, j.id, {0, order_id, "sms", g.sms_provider, request->type, "failed", *contact->phone, ""},
              contact->user_id, integrations::sms_message{*contact->phone, subject}, sms_problem);
  }
  if (!emailed)
    return job_outcome::retry_later("email_failed: the e-mail gateway did not accept the " + request->type +
                                    " e-mail" + (email_problem.empty() ? "" : " (" + email_problem + ")"));
  return job_outcome::ok(R"({"order_id":)" + std::to_string(order_id) + R"(,"notification_type":")" + request->type +
                         R"(","status":"sent"})");
}

}  // namespace

bool is_order_notification(const std::string& type) {
  for (const char* known : order_notification_types)
    if (type == known)
      return true;
  return false;
}

std::string send_notification_payload(int64_t order_id, const std::string& notification_type) {
  rapidjson::StringBuffer buf;
  rapidjson::Writer<rapidjson::StringBuffer> w{buf};
  w.StartObject();
  w.Key("order_id");
  w.Int64(order_id);
  w.Key("notification_type");
  w.String(notification_type.c_str(), static_cast<rapidjson::SizeType>(notification_type.size()));
  w.EndObject();
  return buf.GetString();
}

void add_notification_jobs(job_registry& registry, notification_job_deps deps) {
  registry.add(job_types::send_notification,
               [deps](const job& j, caf::scoped_actor& self) { return send_notification(deps, j, self); });
}

}  // namespace commerce::actors
