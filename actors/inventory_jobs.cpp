#include "actors/inventory_jobs.hpp"

#include "actors/gateway_messages.hpp"

#include <caf/all.hpp>

#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <spdlog/spdlog.h>

#include <deque>
#include <set>

namespace commerce::actors {

namespace {

/// Every error is counted; only the last few messages are kept for the status page.
struct error_log {
  int64_t count = 0;
  std::deque<std::string> last;

  void add(std::string message) {
    ++count;
    last.push_back(std::move(message));
    if (last.size() > persistence::max_sync_messages)
      last.pop_front();
  }
  void add_all(std::vector<std::string> messages) {
    for (auto& m : messages)
      add(std::move(m));
  }
};

/// How one sync attempt went, before it is recorded.
struct sync_progress {
  std::string source;
  int64_t products = 0;
  int64_t pages = 0;
  error_log errors;
};

/// A transient failure: recorded for the status page (it shows the error while the job retries
/// and after it has given up), then retried by the worker.
job_outcome retry_recorded(const job& j, caf::scoped_actor& self, const inventory_job_deps& d, const std::string& why) {
  self->request(d.catalog, d.catalog_timeout, save_inventory_sync{j.id, std::nullopt, why})
    .receive([](inventory_status_reply&) {},
             [&](caf::error& e) { spdlog::warn("inventory sync {}: could not record its failure", j.id); });
  return job_outcome::retry_later(why);
}

/// Whether a catalog batch came back; `why` says what went wrong otherwise.
template <class Reply, class Msg>
bool ask_catalog(caf::scoped_actor& self, const inventory_job_deps& d, Msg msg, Reply& out, std::string& why) {
  bool ok = false;
  self->request(d.catalog, d.catalog_timeout, std::move(msg))
    .receive(
      [&](Reply& r) {
        if (r.error) {
          why = "catalog: " + r.error.message;
          return;
        }
        out = std::move(r);
        ok = true;
      },
      [&](caf::error& e) { why = "catalog did not answer: " + to_string(e); });
  return ok;
}

/// Pulls every page of the feed and applies it. Empty: done; else why it must be retried.
std::optional<job_outcome> pull_feed(const job& j, caf::scoped_actor& self, const inventory_job_deps& d,
                                     sync_progress& progress) {
  std::set<std::string> synced;  // a product counts once, however many pages name it
  std::optional<int64_t> page = 1;
  while (page) {
    if (progress.pages >= d.max_pages)
      return job_outcome::failed("the inventory feed has more than " + std::to_string(d.max_pages) +
                                 " pages; nothing past them was applied");
    integrations::inventory_page read;
    std::string why;
    self->request(d.feed, d.feed_timeout, fetch_inventory_page{*page})
      .receive([&](integrations::inventory_page& p) { read = std::move(p); },
               [&](caf::error& e) { read.detail = "the inventory feed actor did not answer: " + to_string(e); });
    if (read.outcome != integrations::gateway_outcome::succeeded) {
      auto detail = read.detail.empty() ? std::string{"no usable answer"} : read.detail;
      return retry_recorded(j, self, d, "inventory feed page " + std::to_string(*page) + ": " + detail);
    }
    ++progress.pages;
    progress.errors.count += read.rejected - static_cast<int64_t>(read.rejections.size());
    for (auto& why_rejected : read.rejections)
      progress.errors.add("page " + std::to_string(*page) + ", " + why_rejected);
    sync_stock_levels batch{j.id, {}};
    batch.counts.reserve(read.items.size());
    for (auto& item : read.items)
      batch.counts.push_back({std::move(item.sku), item.quantity});
    stock_sync_reply applied;
    if (!ask_catalog(self, d, std::move(batch), applied, why))
      return retry_recorded(j, self, d, "inventory feed page " + std::to_string(*page) + " not applied: " + why);
    synced.insert(applied.batch.skus.begin(), applied.batch.skus.end());
    progress.errors.add_all(std::move(applied.batch.errors));
    page = read.next_page;
  }
  progress.products = static_cast<int64_t>(synced.size());
  return std::nullopt;
}

/// Reconciles every active product, a batch at a time. Empty: done; else why it must be retried.
std::optional<job_outcome> reconcile(const job& j, caf::scoped_actor& self, const inventory_job_deps& d,
                                     sync_progress& progress) {
  std::optional<int64_t> after = 0;
  while (after) {
    reconcile_reply checked;
    std::string why;
    if (!ask_catalog(self, d, reconcile_stock_levels{j.id, *after, d.reconcile_batch}, checked, why))
      return retry_recorded(j, self, d, "stock reconciliation: " + why);
    progress.products += checked.batch.checked;
    progress.errors.add_all(std::move(checked.batch.errors));
    after = checked.batch.next_after_id;
  }
  return std::nullopt;
}

std::string result_json(const sync_progress& p, const persistence::inventory_sync_status& status) {
  rapidjson::StringBuffer buf;
  rapidjson::Writer<rapidjson::StringBuffer> w{buf};
  w.StartObject();
  w.Key("source");
  w.String(p.source.c_str());
  if (p.source == "feed") {
    w.Key("pages");
    w.Int64(p.pages);
  }
  w.Key("products_synced");
  w.Int64(p.products);
  w.Key("errors");
  w.Int64(p.errors.count);
  w.Key("last_sync");
  if (status.last_sync)
    w.String(status.last_sync->c_str());
  else
    w.Null();
  w.EndObject();
  return buf.GetString();
}

}  // namespace

job_outcome run_inventory_sync(const job& j, caf::scoped_actor& self, const inventory_job_deps& d) {
  sync_progress progress;
  progress.source = d.feed ? "feed" : "ledger";
  auto stopped = d.feed ? pull_feed(j, self, d, progress) : reconcile(j, self, d, progress);
  if (stopped) {
    if (stopped->what == job_outcome::kind::failure)
      retry_recorded(j, self, d, stopped->error);  // recorded for the status page; the outcome stays final
    return *stopped;
  }
  persistence::inventory_sync_run run;
  run.job_id = j.id;
  run.source = progress.source;
  run.products_synced = progress.products;
  run.errors = progress.errors.count;
  run.messages.assign(progress.errors.last.begin(), progress.errors.last.end());
  inventory_status_reply saved;
  std::string why;
  if (!ask_catalog(self, d, save_inventory_sync{j.id, run, {}}, saved, why))
    return job_outcome::retry_later("inventory sync applied but not recorded: " + why);
  spdlog::info("inventory sync {}: {} products from the {}, {} errors", j.id, progress.products,
               progress.source == "feed" ? "warehouse feed" : "ledger", progress.errors.count);
  return job_outcome::ok(result_json(progress, saved.status));
}

void add_inventory_jobs(job_registry& registry, inventory_job_deps deps) {
  registry.add(job_types::sync_inventory,
               [deps](const job& j, caf::scoped_actor& self) { return run_inventory_sync(j, self, deps); });
}

}  // namespace commerce::actors
