#include "http/views.hpp"

#include "actors/gateway_messages.hpp"
#include "actors/job_messages.hpp"
#include "actors/supervision_messages.hpp"
#include "actors/system_messages.hpp"
#include "actors/user_messages.hpp"
#include "domain/order_lifecycle.hpp"
#include "domain/task_status.hpp"
#include "http/json.hpp"
#include "http/pagination.hpp"
#include "persistence/analytics_repository.hpp"
#include "persistence/cart_repository.hpp"
#include "persistence/catalog_repository.hpp"
#include "persistence/inventory_repository.hpp"
#include "persistence/order_repository.hpp"
#include "persistence/payment_repository.hpp"
#include "persistence/shipment_repository.hpp"

namespace commerce::http::views {

namespace {

using json::object_writer;
using json::render;


void write_user(json::writer& w, const actors::user_view& u) {
  object_writer f{w};
  f("id", u.id);
  f("email", u.email);
  f("first_name", u.first_name);
  f("last_name", u.last_name);
  f("phone", u.phone);
  f("is_staff", u.is_staff);
  f("email_verified", u.email_verified);
  f("date_joined", u.date_joined);
}

void write_tokens(object_writer& f, const tokens& t) {
  f("access", t.access);
  f("access_token", t.access);
  if (t.refresh)
    f("refresh", *t.refresh);
  f("token_type", "Bearer");
  f("expires_in", t.expires_in);
}

void write_product(json::writer& w, const persistence::product_record& p) {
  object_writer f{w};
  f("id", p.id);
  f("name", p.name);
  f("description", p.description);
  f.money("price", p.price_minor);
  f("sku", p.sku);
  f("quantity", p.quantity);
  f("is_active", p.is_active);
  f("created_at", p.created_at);
  f("updated_at", p.updated_at);
}

void write_cart_line(json::writer& w, const persistence::cart_line& l) {
  object_writer f{w};
  f("id", l.item_id);
  f("product_id", l.product_id);
  f("product_name", l.product_name);
  f.money("unit_price", l.unit_price_minor);
  f("quantity", l.quantity);
  f.money("line_total", l.unit_price_minor * l.quantity);
}

void write_order_item(json::writer& w, const persistence::order_item_record& item) {
  object_writer f{w};
  f("product_id", item.product_id);
  f("product_name", item.product_name);
  f("sku", item.sku);
  f.money("unit_price", item.unit_price_minor);
  f("quantity", item.quantity);
  f.money("line_total", item.line_total_minor);
}

void write_order(json::writer& w, const persistence::order_record& o) {
  object_writer f{w};
  f("id", o.id);
  f("user_id", o.user_id);
  f("status", to_string(o.status));
  f("payment_status", to_string(o.payment_status));
  f.key("items").StartArray();
  for (const auto& item : o.items)
    write_order_item(w, item);
  w.EndArray();
  f.money("subtotal", o.subtotal_minor);
  f.money("shipping_cost", o.shipping_cost_minor);
  f.money("total", o.total_minor);
  f.money("refunded_amount", o.refunded_minor);
  f("currency", o.currency);
  f.raw_object("shipping_address", o.shipping_address_json);  // jsonb written by PostgreSQL: already valid JSON
  f.raw_object("billing_address", o.billing_address_json);
  f("payment_method", o.payment_method);
  f("shipping_method", o.shipping_method);
  f("inventory_reserved", o.inventory_reserved);
  f("payment_processed", o.payment_processed);
  f("shipping_created", o.shipping_created);
  f("created_at", o.created_at);
  f("updated_at", o.updated_at);
}

void write_notification(json::writer& w, const persistence::notification_record& n) {
  object_writer f{w};
  f("id", n.id);
  f("order_id", n.order_id);
  f("type", n.type);
  f("provider", n.provider);
  f("notification_type", n.notification_type);
  f("status", n.status);
  f("recipient", n.recipient);
  f("created_at", n.created_at);
}

void write_shipment(json::writer& w, const persistence::shipment_record& s, bool tracking) {
  object_writer f{w};
  f("id", s.id);
  f("order_id", s.order_id);
  f("service", s.service);
  f("tracking_number", s.tracking_number);
  f("status", s.status);
  if (tracking) {
    // Written by the tracking job (shipments.refresh_tracking) from the carrier's answer, as
    // [{status, time, location}]: our own JSON, so it goes out as it is stored.
    f.key("events").RawValue(s.events_json.c_str(), s.events_json.size(), rapidjson::kArrayType);
  } else {
    f("provider_shipment_id", s.provider_shipment_id);
    f("created_at", s.created_at);
  }
}

void write_stats(json::writer& w, const actors::supervisor_stats& s) {
  object_writer f{w};
  f("active", s.active);
  f("activations", s.activations);
  f("passivations", s.passivations);
  f("crashes", s.crashes);
  f("restarts_in_window", s.restarts_in_window);
}

void write_gateway(json::writer& w, const actors::gateway_status& g) {
  object_writer f{w};
  f("kind", g.kind);
  f("provider", g.provider);
  f.key("breakers").StartArray();
  for (const auto& b : g.breakers) {
    object_writer breaker{w};
    breaker("origin", b.origin);
    breaker("open", b.open);
    breaker("consecutive_failures", b.consecutive_failures);
  }
  w.EndArray();
}

}  // namespace

std::string user(const actors::user_view& u) {
  return render([&](json::writer& w) { write_user(w, u); });
}

std::string token_pair(const tokens& t) {
  return render([&](json::writer& w) {
    object_writer f{w};
    write_tokens(f, t);
  });
}

std::string session(const actors::user_view& u, const tokens& t, const char* detail) {
  return render([&](json::writer& w) {
    object_writer f{w};
    if (detail)
      f("detail", detail);
    f.key("user");
    write_user(w, u);
    write_tokens(f, t);
  });
}

std::string product(const persistence::product_record& p) {
  return render([&](json::writer& w) { write_product(w, p); });
}

std::string product_page(const request_context& ctx, const page_request& page, const persistence::product_page& p) {
  return render([&](json::writer& w) {
    write_page(w, ctx, page, p.count, p.rows.size(), [&](size_t i) { write_product(w, p.rows[i]); });
  });
}

std::string stock_change(const persistence::product_record& p, const std::string& operation) {
  return render([&](json::writer& w) {
    object_writer f{w};
    f("product_id", p.id);
    f("operation", operation);
    f("quantity", p.quantity);
  });
}

std::string inventory_status(const persistence::inventory_sync_status& s) {
  return render([&](json::writer& w) {
    object_writer f{w};
    f("last_sync", s.last_sync);
    f("products_synced", s.products_synced);
    f("total_products", s.total_products);
    f("errors", s.errors);
    f.key("error_messages");
    w.StartArray();
    for (const auto& m : s.error_messages)
      w.String(m.c_str(), static_cast<rapidjson::SizeType>(m.size()));
    w.EndArray();
    f("source", s.source);
    f("last_attempt_at", s.last_attempt_at);
    f.key("last_attempt_ok");
    if (s.last_attempt_ok)
      w.Bool(*s.last_attempt_ok);
    else
      w.Null();
  });
}

std::string tracked_event(int64_t id) {
  return render([&](json::writer& w) {
    object_writer f{w};
    f("status", "tracked");
    f("id", id);
  });
}

std::string analytics_stats(const persistence::analytics_counts& c, const std::optional<std::string>& from,
                            const std::optional<std::string>& to) {
  auto ratio = [](int64_t part, int64_t whole) { return whole > 0 ? static_cast<double>(part) / static_cast<double>(whole) : 0.0; };
  return render([&](json::writer& w) {
    object_writer f{w};
    f("page_views", c.page_views);
    f("add_to_cart", c.add_to_cart);
    f("purchases", c.purchases);
    f("total_events", c.total_events);
    f.money("revenue", c.revenue_minor);
    f.key("conversion_rate").Double(ratio(c.purchases, c.page_views));
    f.key("funnel").StartArray();
    struct step {
      const char* name;
      int64_t count;
      double rate;
    };
    for (const auto& s : {step{"page_view", c.page_views, 1.0}, step{"add_to_cart", c.add_to_cart, ratio(c.add_to_cart, c.page_views)},
                          step{"purchase", c.purchases, ratio(c.purchases, c.add_to_cart)}}) {
      object_writer g{w};
      g("step", s.name);
      g("count", s.count);
      g.key("rate").Double(s.rate);
    }
    w.EndArray();
    f("from", from);
    f("to", to);
  });
}

std::string cart_line(const persistence::cart_line& l) {
  return render([&](json::writer& w) { write_cart_line(w, l); });
}

std::string cart(const std::vector<persistence::cart_line>& lines) {
  return render([&](json::writer& w) {
    int64_t quantity = 0, total = 0;
    object_writer f{w};
    f.key("items").StartArray();
    for (const auto& l : lines) {
      write_cart_line(w, l);
      quantity += l.quantity;
      total += l.unit_price_minor * l.quantity;
    }
    w.EndArray();
    f("total_quantity", quantity);
    f.money("total", total);
  });
}

std::string order(const persistence::order_record& o) {
  return render([&](json::writer& w) { write_order(w, o); });
}

std::string order_page(const request_context& ctx, const page_request& page, const persistence::order_page& p) {
  return render([&](json::writer& w) {
    write_page(w, ctx, page, p.count, p.rows.size(), [&](size_t i) { write_order(w, p.rows[i]); });
  });
}

std::string payment(const persistence::payment_record& p) {
  return render([&](json::writer& w) {
    object_writer f{w};
    f("id", p.id);
    f("order_id", p.order_id);
    f("status", to_string(domain::as_reported(p.status)));  // processing, unknown: pending
    f.money("amount", p.amount_minor);
    f("currency", p.currency);
    f("payment_method", p.payment_method);
    f("confirmation_url", p.confirmation_url);
    f("provider_payment_id", p.provider_payment_id);
    f("created_at", p.created_at);
  });
}

std::string refund(const persistence::refund_record& r) {
  return render([&](json::writer& w) {
    object_writer f{w};
    f("id", r.id);
    f("order_id", r.order_id);
    f("payment_id", r.payment_id);
    f.money("amount", r.amount_minor);
    f("currency", r.currency);
    f("status", domain::refund_as_reported(r.status));
    f("reason", r.reason);
    f("created_at", r.created_at);
  });
}

std::string notifications(const std::vector<persistence::notification_record>& items) {
  return render([&](json::writer& w) {
    w.StartArray();
    for (const auto& n : items)
      write_notification(w, n);
    w.EndArray();
  });
}

std::string quote(const integrations::quote_result& q) {
  return render([&](json::writer& w) {
    object_writer f{w};
    f.money("cost", q.cost_minor);
    f("currency", "RUB");
    f("delivery_days", q.delivery_days);
    f("service", q.service);
  });
}

std::string shipment(const persistence::shipment_record& s) {
  return render([&](json::writer& w) { write_shipment(w, s, false); });
}

std::string shipment_tracking(const persistence::shipment_record& s) {
  return render([&](json::writer& w) { write_shipment(w, s, true); });
}

std::string task_status(const domain::task_record& t) {
  return render([&](json::writer& w) {
    object_writer f{w};
    f("task_id", t.id);
    f("status", to_string(t.status));
    if (t.result)
      f.raw_object("result", *t.result);
    else
      f.key("result").Null();
    f("error", t.error);
    f("type", t.type);
    f("attempts", static_cast<int32_t>(t.attempts));
    f("created_at", t.created_at);
    f("started_at", t.started_at);
    f("finished_at", t.finished_at);
  });
}

std::string task_accepted(const domain::task_record& t) {
  return render([&](json::writer& w) {
    object_writer f{w};
    f("task_id", t.id);
    f("status", to_string(t.status));
  });
}

std::string health(const actors::health_report& h) {
  return render([&](json::writer& w) {
    object_writer f{w};
    f("status", h.healthy() ? "ok" : "unavailable");
    f("database", h.database);
    f("worker", h.worker);
    if (h.redis_checked)
      f("redis", h.redis);
  });
}

std::string actor_console(const std::vector<std::pair<std::string, actors::supervisor_stats>>& supervisors,
                          const std::vector<actors::gateway_status>& gateways, int64_t in_flight_requests,
                          uint64_t running_actors) {
  return render([&](json::writer& w) {
    object_writer f{w};
    f.key("supervisors");
    {
      object_writer by_name{w};
      for (const auto& [name, stats] : supervisors) {
        by_name.key(name);
        write_stats(w, stats);
      }
    }
    f.key("gateways").StartArray();
    for (const auto& g : gateways)
      write_gateway(w, g);
    w.EndArray();
    f("in_flight_requests", in_flight_requests);
    f("running_actors", running_actors);  // every live actor, the short-lived per-request ones included
  });
}

std::string task_accepted(const domain::task_record& t, int64_t order_id) {
  return render([&](json::writer& w) {
    object_writer f{w};
    f("task_id", t.id);
    f("status", to_string(t.status));
    f("order_id", order_id);
  });
}

}  // namespace commerce::http::views
