// The integration actors: one per gateway kind (payment, shipping, e-mail, SMS, inventory feed), each wrapping the provider chosen by
// configuration. A gateway call blocks (libcurl), so each actor is a pool of detached workers
// with its own threads: a carrier that hangs until its timeouts occupies only the shipping
// workers, never the ones that take payments or send e-mail (a bulkhead per kind).
#pragma once

#include "actors/gateway_messages.hpp"

#include <caf/actor.hpp>
#include <caf/fwd.hpp>

#include <memory>
#include <string>
#include <vector>

namespace commerce::actors {

/// The providers the integration actors wrap.
struct gateway_providers {
  std::shared_ptr<integrations::payment_gateway> payments;
  std::shared_ptr<integrations::shipping_gateway> shipping;
  std::shared_ptr<integrations::email_gateway> email;
  std::shared_ptr<integrations::sms_gateway> sms;  ///< null: no SMS
  std::shared_ptr<integrations::inventory_gateway> inventory;  ///< null: no warehouse feed
};

/// The integration actors, with the names of their providers (recorded with what they did).
struct gateway_actors {
  caf::actor payments;
  caf::actor shipping;
  caf::actor email;
  caf::actor sms;  ///< invalid (default-constructed) when there is no SMS provider
  caf::actor inventory;  ///< the warehouse feed; invalid when there is none
  std::string payment_provider;
  std::string shipping_provider;
  std::string email_provider;
  std::string sms_provider;
  std::string inventory_provider;

  std::vector<caf::actor> all() const;
};

/// One actor per configured gateway kind, each with `workers` threads. `client` is the one the
/// providers call through: its breakers are reported to stats_atom.
gateway_actors spawn_gateway_actors(caf::actor_system& sys, const gateway_providers& providers, size_t workers,
                                    std::shared_ptr<integrations::gateway_client> client);

}  // namespace commerce::actors
