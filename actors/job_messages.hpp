// Background work's protocol: a job, its task record, the job desk that stores and queues
// jobs and answers task reads, and what a job handler is. Workers run handlers on threads of
// their own (never on CAF's scheduler threads), so a handler may block: it asks actors through
// the scoped actor it is given and may use libpq, hiredis or a gateway directly.
#pragma once

#include "actors/order_messages.hpp"
#include "actors/problem.hpp"
#include "domain/task_status.hpp"

#include <caf/allowed_unsafe_message_type.hpp>
#include <caf/fwd.hpp>
#include <caf/replies_to.hpp>
#include <caf/typed_actor.hpp>

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>

namespace commerce::actors {

/// A unit of background work. `payload` is a JSON object's text; `attempt` is 1 on the first run.
struct job {
  std::string id;  ///< UUIDv4, also the task's id
  std::string type;
  std::string payload = "{}";
  int attempt = 1;
};

/// The job types this server runs (one name each; the job desk refuses others).
namespace job_types {
inline constexpr const char* noop = "noop";  ///< does nothing (benchmarks, the queue's own tests)
inline constexpr const char* process_order = "order.process";
inline constexpr const char* send_notification = "notification.send";
inline constexpr const char* sync_inventory = "inventory.sync";
inline constexpr const char* release_reservations = "reservations.release";
inline constexpr const char* reconcile_payments = "payments.reconcile";
inline constexpr const char* poll_pending_payments = "payments.poll_pending";
inline constexpr const char* refresh_tracking = "shipments.refresh_tracking";
inline constexpr const char* remind_abandoned_carts = "carts.remind_abandoned";
inline constexpr const char* deliver_outbox = "emails.deliver_outbox";  ///< the e-mail outbox (verify_email)
}  // namespace job_types

/// A task's state, as API.md §3.7 spells it, and its record (domain/task_status.hpp: the task
/// repository in persistence reads and writes the same types).
using domain::task_status;
using domain::to_string;
using domain::parse_task_status;

/// A task's durable record (PostgreSQL's `tasks`; a Redis hash with a TTL caches it).
using domain::task_record;

/// Stores a job as a PENDING task and queues it. `owner_user_id` may read it afterwards.
struct enqueue_job {
  std::string type;
  std::string payload = "{}";
  std::optional<int64_t> owner_user_id;
};
/// A task's record for `who`: not_found when it is unknown or `who` may not see it.
struct get_task {
  std::string task_id;
  requester who;
};
struct task_reply {
  problem error;
  task_record task;
};

/// How a handler's run ended.
struct job_outcome {
  enum class kind { success, retry, failure };
  kind what = kind::success;
  std::string result = "{}";  ///< success: a JSON object's text
  std::string error;          ///< retry, failure: why, for the task record (never a secret)

  static job_outcome ok(std::string result_json = "{}") { return {kind::success, std::move(result_json), {}}; }
  /// A transient failure (a gateway down, a timeout): retried with exponential backoff and
  /// jitter until JOB_MAX_ATTEMPTS, then FAILURE and the dead-letter stream.
  static job_outcome retry_later(std::string why) { return {kind::retry, "{}", std::move(why)}; }
  /// A final failure (a rule said no): FAILURE at once, no retry.
  static job_outcome failed(std::string why) { return {kind::failure, "{}", std::move(why)}; }
};

/// Runs one job on a worker thread; may block. Must be idempotent: a redelivered job (a worker
/// died, an ack was lost) has one effect. A thrown exception counts as retry_later(what()).
using job_handler = std::function<job_outcome(const job&, caf::scoped_actor& self)>;

/// The handlers by job type; filled at start-up, read-only afterwards.
class job_registry {
public:
  void add(std::string type, job_handler handler) { handlers_[std::move(type)] = std::move(handler); }
  const job_handler* find(const std::string& type) const {
    auto it = handlers_.find(type);
    return it == handlers_.end() ? nullptr : &it->second;
  }
  bool empty() const { return handlers_.empty(); }

private:
  std::map<std::string, job_handler> handlers_;
};

/// The job desk: stores and queues jobs, answers task reads (Redis hash first, then PostgreSQL).
/// Its replies come when the task row is durable and the job is queued; a full or unreachable
/// queue answers service_unavailable.
using job_desk_api = caf::typed_actor<caf::replies_to<enqueue_job>::with<task_reply>,
                                      caf::replies_to<get_task>::with<task_reply>>;

}  // namespace commerce::actors

CAF_ALLOW_UNSAFE_MESSAGE_TYPE(commerce::actors::enqueue_job)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(commerce::actors::get_task)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(commerce::actors::task_reply)
