// JSON views of records (API.md §3): one function per kind of record, each the one place that
// decides its keys, their order and their formats. Handlers answer with one call, e.g.
// `ctx->out->json(200, views::order(r.order))`. Only declarations here: the records are
// forward-declared, so this header pulls in neither RapidJSON nor the record headers.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace commerce::persistence {
struct analytics_counts;
struct cart_line;
struct notification_record;
struct order_page;
struct order_record;
struct payment_record;
struct inventory_sync_status;
struct product_page;
struct product_record;
struct refund_record;
struct shipment_record;
}  // namespace commerce::persistence

namespace commerce::domain {
struct task_record;
}  // namespace commerce::domain

namespace commerce::integrations {
struct quote_result;
}  // namespace commerce::integrations

namespace commerce::actors {
struct gateway_status;
struct health_report;
struct supervisor_stats;
struct user_view;
}  // namespace commerce::actors

namespace commerce::http {

struct page_request;
struct request_context;

namespace views {

/// Signed tokens to hand out (the handler signs them; a view only writes them).
struct tokens {
  std::string access;                  ///< written as both access and access_token
  std::optional<std::string> refresh;  ///< only when one was issued
  int64_t expires_in = 0;              ///< seconds, of the access token
};

// Auth and profile (§3.1).
std::string user(const actors::user_view& u);
/// {access, access_token, [refresh,] token_type, expires_in}.
std::string token_pair(const tokens& t);
/// {[detail,] user, ...the tokens' fields}: what register, login and change-password answer.
std::string session(const actors::user_view& u, const tokens& t, const char* detail = nullptr);

// Catalog (§3.2).
std::string product(const persistence::product_record& p);
std::string product_page(const request_context& ctx, const page_request& page, const persistence::product_page& p);
/// The answer to an inventory change: {product_id, operation, quantity}.
std::string stock_change(const persistence::product_record& p, const std::string& operation);
/// GET /api/inventory/status/ (§3.7): {last_sync, products_synced, total_products, errors,
/// error_messages, source, last_attempt_at, last_attempt_ok}.
std::string inventory_status(const persistence::inventory_sync_status& s);

// Cart (§3.3).
std::string cart_line(const persistence::cart_line& l);
std::string cart(const std::vector<persistence::cart_line>& lines);

// Orders (§3.4).
std::string order(const persistence::order_record& o);
std::string order_page(const request_context& ctx, const page_request& page, const persistence::order_page& p);

// Payments and notifications (§3.5, §3.7).
std::string payment(const persistence::payment_record& p);
std::string refund(const persistence::refund_record& r);
std::string notifications(const std::vector<persistence::notification_record>& items);

// Shipping (§3.6).
std::string quote(const integrations::quote_result& q);
/// The booking's answer: with provider_shipment_id and created_at.
std::string shipment(const persistence::shipment_record& s);
/// The tracking answer: with the carrier's events (none recorded yet) instead.
std::string shipment_tracking(const persistence::shipment_record& s);

// Background tasks (§3.7): a task's status, and the 202 of an endpoint that queued one.
std::string task_status(const domain::task_record& t);
std::string task_accepted(const domain::task_record& t);
/// An order's task (/process/): with `order_id` too.
std::string task_accepted(const domain::task_record& t, int64_t order_id);

// Analytics (§3.7).
/// {status:"tracked", id}.
std::string tracked_event(int64_t id);
/// {page_views, add_to_cart, purchases, total_events, revenue, conversion_rate, funnel, from, to}:
/// the funnel is page_view -> add_to_cart -> purchase, each step's count and its rate against the
/// step before (the first step's rate is 1; 0 after an empty step).
std::string analytics_stats(const persistence::analytics_counts& c, const std::optional<std::string>& from,
                            const std::optional<std::string>& to);

// System: health and the admin console.
std::string health(const actors::health_report& h);
std::string actor_console(const std::vector<std::pair<std::string, actors::supervisor_stats>>& supervisors,
                          const std::vector<actors::gateway_status>& gateways, int64_t in_flight_requests,
                          uint64_t running_actors);

}  // namespace views
}  // namespace commerce::http
