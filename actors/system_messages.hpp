// Messages of the system domain: health of the backing services, for GET /health/.
#pragma once

#include <caf/allowed_unsafe_message_type.hpp>
#include <caf/atom.hpp>

namespace commerce::actors {

using health_atom = caf::atom_constant<caf::atom("health")>;

struct health_report {
  bool database = false;
  bool worker = false;       ///< the blocking pool ran the probe, and jobs can run (a live job worker)
  bool redis_checked = false;  ///< REDIS_URL is set
  bool redis = false;
  bool healthy() const { return database && worker && (!redis_checked || redis); }
};

}  // namespace commerce::actors

CAF_ALLOW_UNSAFE_MESSAGE_TYPE(commerce::actors::health_report)
