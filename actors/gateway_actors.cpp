#include "actors/gateway_actors.hpp"

#include <caf/actor_pool.hpp>
#include <caf/actor_system.hpp>
#include <caf/event_based_actor.hpp>

#include <spdlog/spdlog.h>

namespace commerce::actors {

namespace {

using integrations::gateway_outcome;

/// A provider's exception becomes an error reply, never a dead worker.
template <class F>
auto guarded(const std::string& kind, F call) -> caf::result<decltype(call())> {
  try {
    return call();
  } catch (const std::exception& e) {
    spdlog::warn("{} gateway: call failed: {}", kind, e.what());
    return caf::make_error(caf::sec::runtime_error, std::string{e.what()});
  }
}

/// One-step charge: create, then the status check unless the answer is already final.
integrations::payment_result charge(integrations::payment_gateway& gateway, const integrations::charge_request& request) {
  auto created = gateway.create(request);
  if (created.outcome == gateway_outcome::succeeded || created.outcome == gateway_outcome::gateway_error ||
      created.outcome == gateway_outcome::timeout || created.provider_payment_id.empty())
    return created;
  auto fetched = gateway.fetch(created.provider_payment_id);
  if (fetched.outcome == gateway_outcome::gateway_error || fetched.outcome == gateway_outcome::timeout) {
    created.detail = "status check failed: " + fetched.detail;
    return created;  // the payment exists and is pending; a later check settles it
  }
  fetched.provider_payment_id = created.provider_payment_id;  // the mock's GET answers another id
  if (fetched.confirmation_url.empty())
    fetched.confirmation_url = created.confirmation_url;
  return fetched;
}

/// What every worker of a kind knows besides its provider: for the admin console.
struct status_source {
  status_source(std::string kind, std::string provider, std::shared_ptr<integrations::gateway_client> client,
                std::string calls_as = {})
    : kind(std::move(kind)), provider(std::move(provider)), client(std::move(client)), calls_as(std::move(calls_as)) {}
  std::string kind;
  std::string provider;
  std::shared_ptr<integrations::gateway_client> client;
  std::string calls_as;  ///< the provider name its calls carry (the breakers' key); empty: `provider`
  const std::string& call_name() const { return calls_as.empty() ? provider : calls_as; }
  gateway_status operator()(stats_atom) const {
    return {kind, provider, client->breakers(call_name()), client->call_stats(call_name()), 0};
  }
  /// The handler of breaker_command every worker includes.
  auto control() const {
    return [status = *this](const breaker_command& cmd) {
      auto changed = status.client->force_breakers(status.call_name(), cmd.open);
      spdlog::warn("{} gateway: an administrator {} {} breaker(s)", status.kind, cmd.open ? "tripped" : "reset", changed);
      auto out = status(stats_atom::value);
      out.breakers_changed = changed;
      return out;
    };
  }
};

caf::behavior payment_worker(caf::event_based_actor*, std::shared_ptr<integrations::payment_gateway> gateway,
                             status_source status) {
  return {
    status,
    status.control(),
    [gateway](const charge_payment& cmd) {
      return guarded("payment", [&] { return cmd.two_step ? gateway->create(cmd.request) : charge(*gateway, cmd.request); });
    },
    [gateway](const settle_charge& cmd) {
      return guarded("payment", [&] {
        if (auto found = gateway->find_by_order(cmd.request))
          return *found;
        return cmd.two_step ? gateway->create(cmd.request) : charge(*gateway, cmd.request);
      });
    },
    [gateway](const fetch_payment& cmd) {
      return guarded("payment", [&] {
        auto r = gateway->fetch(cmd.provider_payment_id);
        r.provider_payment_id = cmd.provider_payment_id;  // keep ours: the mock's GET answers another id
        return r;
      });
    },
    [gateway](const integrations::refund_request& request) {
      return guarded("payment", [&] { return gateway->refund(request); });
    },
    [gateway](const payment_webhook& hook) {
      return guarded("payment", [&] {
        webhook_verdict verdict;
        auto event = gateway->verify_webhook(hook.headers, hook.body, hook.received_at);
        verdict.valid = event.has_value();
        if (event)
          verdict.event = *event;
        verdict.ack = gateway->webhook_ack();
        return verdict;
      });
    },
  };
}

caf::behavior shipping_worker(caf::event_based_actor*, std::shared_ptr<integrations::shipping_gateway> carrier,
                              status_source status) {
  return {
    status,
    status.control(),
    [carrier](const integrations::quote_request& request) {
      return guarded("shipping", [&] { return carrier->quote(request); });
    },
    [carrier](const integrations::shipment_request& request) {
      return guarded("shipping", [&] { return carrier->create(request); });
    },
    [carrier](const integrations::tracking_request& request) {
      return guarded("shipping", [&] { return carrier->track(request); });
    },
  };
}

caf::behavior email_worker(caf::event_based_actor*, std::shared_ptr<integrations::email_gateway> mailer,
                           status_source status) {
  return {
    status,
    status.control(),
    [mailer](const integrations::email_message& message) {
      return guarded("email", [&] { return mailer->send(message); });
    },
  };
}

caf::behavior sms_worker(caf::event_based_actor*, std::shared_ptr<integrations::sms_gateway> sms, status_source status) {
  return {
    status,
    status.control(),
    [sms](const integrations::sms_message& message) {
      return guarded("sms", [&] { return integrations::send_result{sms->send(message), ""}; });
    },
  };
}

caf::behavior inventory_worker(caf::event_based_actor*, std::shared_ptr<integrations::inventory_gateway> feed,
                               status_source status) {
  return {
    status,
    status.control(),
    [feed](const fetch_inventory_page& cmd) { return guarded("inventory", [&] { return feed->page(cmd.page); }); },
  };
}

template <class Behavior, class Provider>
caf::actor spawn_pool(caf::actor_system& sys, size_t workers, Behavior behavior, std::shared_ptr<Provider> provider,
                      status_source status) {
  auto factory = [&sys, behavior, provider, status] { return sys.spawn<caf::detached>(behavior, provider, status); };
  return caf::actor_pool::make(sys.dummy_execution_unit(), workers, factory, caf::actor_pool::round_robin());
}

}  // namespace

std::vector<caf::actor> gateway_actors::all() const {
  std::vector<caf::actor> out{payments, shipping, email};
  if (sms)
    out.push_back(sms);
  if (inventory)
    out.push_back(inventory);
  return out;
}

gateway_actors spawn_gateway_actors(caf::actor_system& sys, const gateway_providers& providers, size_t workers,
                                    std::shared_ptr<integrations::gateway_client> client) {
  gateway_actors out;
  out.payment_provider = providers.payments->provider();
  out.payments = spawn_pool(sys, workers, payment_worker, providers.payments, {"payment", out.payment_provider, client});
  out.shipping_provider = providers.shipping->provider();
  out.shipping = spawn_pool(sys, workers, shipping_worker, providers.shipping, {"shipping", out.shipping_provider, client});
  out.email_provider = providers.email->provider();
  out.email = spawn_pool(sys, workers, email_worker, providers.email, {"email", out.email_provider, client});
  if (providers.sms) {
    out.sms_provider = providers.sms->provider();
    out.sms = spawn_pool(sys, workers, sms_worker, providers.sms, {"sms", out.sms_provider, client});
  }
  if (providers.inventory) {
    out.inventory_provider = providers.inventory->provider();
    out.inventory = spawn_pool(sys, workers, inventory_worker, providers.inventory,
                               {"inventory", out.inventory_provider, client,
                                integrations::feed_call_name(out.inventory_provider)});
  }
  return out;
}

}  // namespace commerce::actors
