// The admin desk's protocol (actors/admin_desk.hpp): the jobs view, an administrator's retry of
// a dead-lettered job, and the audit of administrators' actions.
#pragma once

#include "actors/job_workers.hpp"
#include "persistence/admin_repository.hpp"
#include "persistence/job_queue.hpp"

#include <caf/allowed_unsafe_message_type.hpp>
#include <caf/atom.hpp>

#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace commerce::actors {

using jobs_overview_atom = caf::atom_constant<caf::atom("jobsview")>;
/// Tells the desk this node's beat (it asks it whether it leads).
using beat_atom = caf::atom_constant<caf::atom("beat")>;
using audit_atom = caf::atom_constant<caf::atom("audit")>;

struct jobs_overview {
  std::string backend;  ///< redis or postgresql
  bool queue_reachable = true;
  std::string queue_error;
  persistence::job_queue_stats queue;
  std::vector<std::pair<std::string, int64_t>> pending_by_consumer;
  std::vector<persistence::failed_task_row> recent_failures;
  std::vector<persistence::beat_entry_row> beat;
  std::string beat_leader;  ///< Redis: the leader's node id; else empty (see beat_local_leads)
  std::optional<bool> beat_local_leads;  ///< this node's beat leads (no beat here: unset)
  bool workers_local = false;
  job_worker_stats workers;  ///< this node's workers, since start
};

/// Retry a dead-lettered job: its task back to PENDING, the job back on the queue.
struct retry_dead_job {
  std::string task_id;
};
struct retry_outcome {
  bool found = false;  ///< false: no such task, or it has not failed
  std::string type;
};

/// Records (audit_atom, entry) -> entry; lists (audit_atom, limit) -> vector<entry>.
using audit_list = std::vector<persistence::audit_entry>;

}  // namespace commerce::actors

CAF_ALLOW_UNSAFE_MESSAGE_TYPE(commerce::actors::jobs_overview)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(commerce::actors::retry_dead_job)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(commerce::actors::retry_outcome)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(commerce::persistence::audit_entry)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(commerce::actors::audit_list)
