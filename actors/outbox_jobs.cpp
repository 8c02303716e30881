#include "actors/outbox_jobs.hpp"

#include "persistence/outbox_repository.hpp"
#include "persistence/pg_pool.hpp"

#include <caf/all.hpp>

#include <rapidjson/document.h>

#include <spdlog/spdlog.h>

#include <algorithm>
#include <map>

namespace commerce::actors {

namespace {

std::map<std::string, std::string> string_members(const std::string& json) {
  std::map<std::string, std::string> out;
  rapidjson::Document doc;
  doc.Parse(json.c_str(), json.size());
  if (doc.HasParseError() || !doc.IsObject())
    return out;
  for (const auto& m : doc.GetObject())
    if (m.value.IsString())
      out[m.name.GetString()] = std::string{m.value.GetString(), m.value.GetStringLength()};
  return out;
}

std::string subject_of(const std::string& template_name) {
  if (template_name == "verify_email")
    return "Confirm your e-mail address";
  return "A message from your shop";
}

int64_t backoff_seconds(const outbox_job_deps& d, int attempts) {
  int64_t wait = d.retry_base.count();
  for (int i = 1; i < attempts && wait < d.retry_max.count(); ++i)
    wait *= 2;
  return std::clamp<int64_t>(wait, 1, std::max<int64_t>(1, d.retry_max.count()));
}

job_outcome deliver_outbox(const outbox_job_deps& d, caf::scoped_actor& self) {
  // A claimed row is not due again until well after its send could have ended: a run that dies
  // mid-send leaves it to a later run, which sends it under the same key.
  const auto lease = std::chrono::duration_cast<std::chrono::seconds>(d.gateway_timeout).count() + 30;
  int64_t claimed = 0, sent = 0, refused = 0, failed = 0;
  for (int64_t round = 0; round < d.max_batches; ++round) {
    std::vector<persistence::outbox_email> rows;
    {
      auto c = d.db->acquire();
      rows = persistence::claim_outbox_emails(*c, d.batch, lease);
    }
    if (rows.empty())
      break;
    claimed += static_cast<int64_t>(rows.size());
    for (const auto& row : rows) {
      integrations::email_message message{row.recipient, row.template_name, subject_of(row.template_name),
                                          std::nullopt, string_members(row.payload),
                                          "outbox:" + std::to_string(row.id)};
      bool accepted = false;
      std::string why;
      self->request(d.gateways.email, d.gateway_timeout, std::move(message))
        .receive(
          [&](integrations::send_result& r) {
            accepted = r.accepted;
            why = r.detail;
          },
          [&](caf::error& e) { why = to_string(e); });
      // A database error on one row (thrown) ends the run: the job is retried and the row,
      // still leased, is taken again after its lease under the same key.
      auto c = d.db->acquire();
      if (accepted) {
        persistence::mark_outbox_sent(*c, row.id);
        ++sent;
        continue;
      }
      if (why.empty())
        why = "the e-mail gateway did not accept it";
      spdlog::warn("emails.deliver_outbox: e-mail {} ({}) not accepted, attempt {}: {}", row.id, row.template_name,
                   row.attempts, why);
      if (persistence::mark_outbox_attempt_failed(*c, row.id, why, d.max_attempts, backoff_seconds(d, row.attempts)))
        ++failed;
      else
        ++refused;
    }
    if (static_cast<int64_t>(rows.size()) < d.batch)
      break;
  }
  return job_outcome::ok("{\"claimed\":" + std::to_string(claimed) + ",\"sent\":" + std::to_string(sent) +
                         ",\"retry_later\":" + std::to_string(refused) + ",\"failed\":" + std::to_string(failed) + "}");
}

}  // namespace

void add_outbox_jobs(job_registry& registry, outbox_job_deps deps) {
  auto d = std::make_shared<const outbox_job_deps>(std::move(deps));
  registry.add(job_types::deliver_outbox, [d](const job&, caf::scoped_actor& self) { return deliver_outbox(*d, self); });
}

}  // namespace commerce::actors
