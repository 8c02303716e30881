#include "actors/order_jobs.hpp"

#include "actors/order_messages.hpp"
#include "actors/payment_messages.hpp"
#include "actors/shipping_messages.hpp"
#include "domain/order_lifecycle.hpp"
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

using domain::order_status;

/// The job acts for the shop, not for a buyer: it may touch any order (the owner's right was
/// checked when the task was started).
const requester shop{0, true};

struct process_request {
  int64_t order_id = 0;
  std::string payment_token;
};

std::optional<process_request> read_payload(const std::string& payload) {
  rapidjson::Document doc;
  doc.Parse(payload.c_str(), payload.size());
  if (doc.HasParseError() || !doc.IsObject())
    return std::nullopt;
  auto id = doc.FindMember("order_id");
  if (id == doc.MemberEnd() || !id->value.IsInt64() || id->value.GetInt64() <= 0)
    return std::nullopt;
  process_request out{id->value.GetInt64(), {}};
  auto token = doc.FindMember("payment_token");
  if (token != doc.MemberEnd() && token->value.IsString())
    out.payment_token.assign(token->value.GetString(), token->value.GetStringLength());
  return out;
}

/// Whether a step's problem may pass if tried again later: the database or a gateway was
/// unavailable, or another charge or booking of the order is still under way.
bool transient(error_code code) {
  switch (code) {
    case error_code::service_unavailable:
    case error_code::internal_error:  // a step that threw: its transaction rolled back
    case error_code::gateway_timeout:
    case error_code::payment_gateway_error:
    case error_code::shipping_gateway_error:
    case error_code::payment_in_progress:
      return true;
    default:
      return false;
  }
}

/// A failed step's outcome; the task's error starts with the problem's code ("insufficient_stock: ...").
job_outcome outcome_of(const problem& p, const char* step) {
  auto why = std::string{to_string(p.code)} + ": " + step + ": " + p.message;
  return transient(p.code) ? job_outcome::retry_later(why) : job_outcome::failed(why);
}

/// One step: `msg` to the order supervisor, its reply; nullopt when none came in time.
template <class Reply, class Msg>
std::optional<Reply> ask(caf::scoped_actor& self, const order_job_deps& d, Msg msg) {
  std::optional<Reply> out;
  self->request(d.orders, d.step_timeout, std::move(msg))
    .receive([&](Reply& r) { out = std::move(r); },
             [&](caf::error& e) { spdlog::warn("order job: a step got no answer: {}", to_string(e)); });
  return out;
}

const problem no_answer = problem::unavailable();

/// The carrier's booking of `o`: its shipping method and address, the owner's name and phone.
integrations::shipment_request booking_of(const persistence::order_record& o, const std::string& phone) {
  integrations::shipment_request out;
  out.service = o.shipping_method.empty() ? "standard" : o.shipping_method;
  rapidjson::Document address;
  address.Parse(o.shipping_address_json.c_str(), o.shipping_address_json.size());
  auto text = [&](const char* name) {
    if (!address.IsObject())
      return std::string{};
    auto m = address.FindMember(name);
    return m != address.MemberEnd() && m->value.IsString() ? std::string{m->value.GetString(), m->value.GetStringLength()}
                                                         : std::string{};
  };
  out.recipient_name = text("first_name") + " " + text("last_name");
  out.recipient_phone = phone;
  if (auto country = text("country"); !country.empty())
    out.address.country = country;
  out.address.city = text("city");
  out.address.postal_code = text("postal_code");
  out.address.street = text("street");
  // The recipient as /api/shipping/create/ takes it: {name, phone, address{...}}.
  rapidjson::StringBuffer buf;
  rapidjson::Writer<rapidjson::StringBuffer> w{buf};
  w.StartObject();
  w.Key("name");
  w.String(out.recipient_name.c_str(), static_cast<rapidjson::SizeType>(out.recipient_name.size()));
  w.Key("phone");
  w.String(phone.c_str(), static_cast<rapidjson::SizeType>(phone.size()));
  w.Key("address");
  if (address.IsObject())
    address.Accept(w);
  else
    w.Null();
  w.EndObject();
  out.recipient_json = buf.GetString();
  return out;
}

std::string owner_phone(const order_job_deps& d, int64_t order_id) {
  auto lease = d.db->acquire();
  auto contact = persistence::order_owner_contact(*lease, order_id);
  return contact && contact->phone ? *contact->phone : std::string{};
}

std::optional<persistence::order_record> current(caf::scoped_actor& self, const order_job_deps& d, int64_t id,
                                                 problem& error) {
  auto r = ask<order_reply>(self, d, get_order{id, shop});
  if (!r) {
    error = no_answer;
    return std::nullopt;
  }
  if (r->error) {
    error = r->error;
    return std::nullopt;
  }
  return r->order;
}

job_outcome process_order(const order_job_deps& d, const job& j, caf::scoped_actor& self) {
  auto request = read_payload(j.payload);
  if (!request)
    return job_outcome::failed("validation_error: the payload names no order");
  auto id = request->order_id;

  // 1. The stock: reserved at checkout; reserved again if a release took it back.
  auto reserved = ask<order_reply>(self, d, ensure_reserved{id});
  if (!reserved)
    return outcome_of(no_answer, "reserving the stock");
  if (reserved->error)
    return outcome_of(reserved->error, "reserving the stock");
  auto order = reserved->order;
  if (order.status == order_status::processing)
    return job_outcome::ok(R"({"order_id":)" + std::to_string(id) + R"(,"status":"processing"})");
  if (!domain::can_process(order.status))
    return outcome_of(problem::invalid_order_state("the order is " + to_string(order.status)), "processing");

  // 2. The payment, as /api/payments/process/ takes it. A run that finds it paid (an earlier run
  // of this job, a redelivery, the buyer) charges nothing.
  if (!domain::is_paid(order.payment_status)) {
    process_payment pay;
    pay.order_id = id;
    pay.who = shop;
    pay.payment_method = order.payment_method.empty() ? "card" : order.payment_method;
    pay.payment_token = request->payment_token;
    auto paid = ask<payment_reply>(self, d, pay);
    if (!paid)
      return outcome_of(no_answer, "charging the order");
    if (paid->error && paid->error.code != error_code::order_already_paid)
      return outcome_of(paid->error, "charging the order");
    if (!paid->error) {
      switch (paid->payment.status) {
        case domain::charge_status::succeeded:
          break;
        case domain::charge_status::failed:
          return job_outcome::failed("payment_failed: the provider declined the charge of payment " +
                                     std::to_string(paid->payment.id) + "; the order stays unpaid");
        case domain::charge_status::pending:
        case domain::charge_status::processing:
        case domain::charge_status::unknown:
          return job_outcome::retry_later("payment_pending: payment " + std::to_string(paid->payment.id) +
                                          " awaits the provider's confirmation");
      }
    }
    problem error;
    auto now = current(self, d, id, error);
    if (!now)
      return outcome_of(error, "reading the order");
    order = *now;
    if (!domain::is_paid(order.payment_status))  // never processing without a succeeded payment
      return job_outcome::retry_later("payment_pending: the order is not paid yet");
  }

  // 3. The shipment, as /api/shipping/create/ books it; one per order.
  if (!order.shipping_created) {
    auto shipped = ask<shipment_reply>(self, d, create_shipment{id, shop, booking_of(order, owner_phone(d, id))});
    if (!shipped)
      return outcome_of(no_answer, "booking the shipment");
    if (shipped->error && shipped->error.code != error_code::shipment_exists)
      return outcome_of(shipped->error, "booking the shipment");
    if (shipped->error) {  // booked before (or being booked by another run): it counts once done
      problem error;
      auto now = current(self, d, id, error);
      if (!now)
        return outcome_of(error, "reading the order");
      if (!now->shipping_created)
        return job_outcome::retry_later("shipment_in_progress: the order's shipment is still being booked");
    }
  }

  // 4. Processing.
  auto moved = ask<order_reply>(self, d, advance_order{id, to_string(order_status::processing)});
  if (!moved)
    return outcome_of(no_answer, "moving the order to processing");
  if (moved->error) {
    problem error;
    auto now = current(self, d, id, error);
    if (!now || now->status != order_status::processing)
      return outcome_of(moved->error, "moving the order to processing");
  }
  spdlog::info("order {}: processed (task {}, attempt {})", id, j.id, j.attempt);
  return job_outcome::ok(R"({"order_id":)" + std::to_string(id) + R"(,"status":"processing"})");
}

}  // namespace

std::string process_order_payload(int64_t order_id, const std::string& payment_token) {
  rapidjson::StringBuffer buf;
  rapidjson::Writer<rapidjson::StringBuffer> w{buf};
  w.StartObject();
  w.Key("order_id");
  w.Int64(order_id);
  if (!payment_token.empty()) {
    w.Key("payment_token");
    w.String(payment_token.c_str(), static_cast<rapidjson::SizeType>(payment_token.size()));
  }
  w.EndObject();
  return buf.GetString();
}

void add_order_jobs(job_registry& registry, order_job_deps deps) {
  registry.add(job_types::process_order,
               [deps](const job& j, caf::scoped_actor& self) { return process_order(deps, j, self); });
}

}  // namespace commerce::actors
