// The notifier: sends the e-mails the domain asks for (order_confirmation after a payment, ...)
// through the e-mail gateway, and the same by SMS when the owner has a phone and an SMS
// provider is configured, and records each as a notification, sent or failed. A failed
// e-mail never fails the request that caused it (API.md §6).
#pragma once

#include "actors/db_calls.hpp"
#include "actors/gateway_actors.hpp"

#include <caf/fwd.hpp>

#include <memory>

namespace commerce::actors {

struct notifier_deps {
  db_access db;
  gateway_actors gateways;  ///< e-mail and (when configured) SMS are sent through these
  std::chrono::milliseconds gateway_timeout{30000};  ///< a whole gateway job, retries included
};

caf::actor spawn_notifier(caf::actor_system& sys, notifier_deps deps);

}  // namespace commerce::actors
