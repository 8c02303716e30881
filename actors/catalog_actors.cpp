#include "actors/catalog.hpp"

#include "actors/catalog_messages.hpp"
#include "actors/catalog_rules.hpp"
#include "actors/db_batcher.hpp"
#include "actors/listing_cache.hpp"

#include <caf/all.hpp>

#include <optional>
#include <unordered_map>

namespace commerce::actors {

/// What a listing's database job found: the page, and the query's match list when it read one.
struct listing_read {
  persistence::product_page page;
  std::optional<persistence::product_matches> matches;
};

}  // namespace commerce::actors

CAF_ALLOW_UNSAFE_MESSAGE_TYPE(commerce::actors::listing_read)

namespace commerce::actors {

namespace {

using invalidate_atom = caf::atom_constant<caf::atom("invalidate")>;
using clock = std::chrono::steady_clock;

problem product_not_found() { return problem::not_found("product not found"); }
problem sku_exists() {
  return problem{error_code::sku_exists, "a product with this sku already exists", {{"sku", {"is already in use"}}}};
}
product_reply failure(problem p) { return product_reply{std::move(p), {}}; }

// ---- one product ----------------------------------------------------------------------------

struct product_state {
  static inline const char* name = "product";
  std::optional<persistence::product_record> cached;
  clock::time_point fetched_at;
};
using product_ptr = caf::stateful_actor<product_state>*;

/// Keeps the row a write or read returned; forgets it when the product is gone.
void remember(product_ptr self, const product_reply& r) {
  if (r.error) {
    self->state.cached.reset();
    return;
  }
  self->state.cached = r.product;
  self->state.fetched_at = clock::now();
}

/// `reader`: the supervisor's batched reader of product rows.
caf::behavior product_actor(product_ptr self, caf::actor supervisor, int64_t id, catalog_deps d, caf::actor reader) {
  log_unhandled_exceptions(self, "product", id);
  // The database said there is no such product: no actor stays behind for an unknown id.
  auto if_missing_passivate = [self, supervisor, id](const product_reply& r) {
    if (r.error.code == error_code::not_found)
      passivate_missing(self, supervisor, id);
  };
  auto keep = [self, if_missing_passivate](product_reply& r) {
    remember(self, r);
    if_missing_passivate(r);
  };
  auto committed = [supervisor] { caf::anon_send(supervisor, listings_changed_atom::value); };
  return {
    [=](const get_product&) -> caf::result<product_reply> {
      auto& st = self->state;
      if (st.cached && clock::now() - st.fetched_at < d.cache_ttl)
        return st.cached->is_active ? product_reply{problem::none(), *st.cached} : failure(product_not_found());
      return reply_mapped<product_reply, product_found>(self, reader, d.db.timeout, product_lookup{id}, [keep](product_found& f) {
        auto r = f.product && f.product->is_active ? product_reply{problem::none(), *f.product} : failure(product_not_found());
        keep(r);
        return r;
      }, [] {}, true);
    },
    [=](update_product& cmd) -> caf::result<product_reply> {
      if (auto bad = catalog_rules::check_product(cmd.fields, false); !bad.empty())
        return failure(problem::validation(std::move(bad)));
      auto fields = cmd.fields;
      return reply_from_db_serialized<product_reply>(self, d.db, [id, fields](pg::connection& c) {
        try {
          auto p = persistence::update_product(c, id, fields);
          return p ? product_reply{problem::none(), *p} : failure(product_not_found());
        } catch (const persistence::sku_taken&) {
          return failure(sku_exists());
        }
      }, [self, if_missing_passivate, committed](product_reply& r) {
        if (!r.error)
          committed();
        if (r.error.code != error_code::sku_exists)
          remember(self, r);
        if_missing_passivate(r);
      });
    },
    [=](const archive_product&) -> caf::result<product_reply> {
      return reply_from_db_serialized<product_reply>(self, d.db, [id](pg::connection& c) {
        return persistence::archive_product(c, id) ? product_reply{} : failure(product_not_found());
      }, [self, if_missing_passivate, committed](product_reply& r) {
        if (!r.error)
          committed();
        self->state.cached.reset();
        if_missing_passivate(r);
      });
    },
    [=](const change_stock& cmd) -> caf::result<product_reply> {
      if (auto bad = catalog_rules::check_stock_change(cmd.operation, cmd.quantity); !bad.empty())
        return failure(problem::validation(std::move(bad)));
      auto op = cmd.operation;
      auto quantity = cmd.quantity;
      return reply_from_db_serialized<product_reply>(self, d.db, [id, op, quantity](pg::connection& c) {
        auto r = persistence::change_stock(c, id, op, quantity, catalog_rules::max_stock);
        switch (r.outcome) {
          case persistence::stock_outcome::changed:
            return product_reply{problem::none(), r.product};
          case persistence::stock_outcome::not_found:
            return failure(product_not_found());
          case persistence::stock_outcome::insufficient:
            return failure(problem{error_code::insufficient_stock, "not enough stock for this sale",
                                   {{"quantity", {"exceeds the stock on hand"}}}});
          case persistence::stock_outcome::above_limit:
            break;
        }
        return failure(problem::validation({{"quantity", {"the stock would exceed 1000000"}}}));
      }, [self, if_missing_passivate, committed](product_reply& r) {
        if (!r.error) {
          committed();
          remember(self, r);
        } else if (r.error.code == error_code::not_found)
          self->state.cached.reset();
        if_missing_passivate(r);
      });
    },
    [=](invalidate_atom) { self->state.cached.reset(); },
    [=](stop_atom) { self->quit(); },
    [=](crash_atom) { injected_crash("product", id); },
    [=](inspect_atom) {
      const auto& p = self->state.cached;
      return entity_probe{own_mailbox_size(self), p ? "product " + std::to_string(id) + " \"" + p->name + "\" cached"
                                                    : "product " + std::to_string(id) + ", not cached"};
    },
  };
}

// ---- the supervisor -----------------------------------------------------------------------

/// The listing caches (entries live `cache_ttl` at most and any write this node commits clears
/// them all) and the requests waiting for a query already running for their key: when a
/// popular page expires, one query refills it instead of every concurrent request querying
/// PostgreSQL at once. A query's match list serves its other pages: one statement finds a
/// term's matches, and each page after it reads only its own rows by id.
struct listing_state {
  listing_cache pages;
  match_cache matches;
  /// Under waiting_key(): a request joins only a read that started after the last clear().
  std::unordered_map<std::string, std::vector<caf::response_promise>> waiting;
  /// Counts clear()s: a read that started before one may have missed the write behind it, so
  /// it answers the requests that came before the clear but is not kept.
  uint64_t generation = 0;

  /// Everything but the page: the key of the query's match list.
  static std::string matches_key_of(const persistence::product_query& q) {
    auto opt = [](const std::optional<int64_t>& v) { return v ? std::to_string(*v) : std::string{"-"}; };
    return q.search + '\x1f' + opt(q.min_price_minor) + '\x1f' + opt(q.max_price_minor) + '\x1f' + q.order_by +
           '\x1f' + std::to_string(q.exact_count_limit);
  }
  static std::string key_of(const persistence::product_query& q) {
    return matches_key_of(q) + '\x1f' + std::to_string(q.limit) + '\x1f' + std::to_string(q.offset);
  }
  std::string waiting_key(const std::string& key) const { return key + '\x1f' + std::to_string(generation); }
  void clear() {
    pages.clear();
    matches.clear();
    ++generation;
  }
};

/// Bounds one read statement's id array.
constexpr size_t max_reads_per_batch = 64;

/// How the batched reader reads product rows: many ids in one statement.
db_batch_kind<product_lookup, product_found> product_reads() {
  return {[](pg::connection& c, const std::vector<product_lookup>& calls) {
            std::vector<int64_t> ids;
            ids.reserve(calls.size());
            for (const auto& call : calls)
              ids.push_back(call.id);
            std::vector<product_found> out;
            out.reserve(calls.size());
            for (auto& p : persistence::find_products(c, ids))
              out.push_back(product_found{std::move(p)});
            return out;
          },
          [](pg::connection& c, const product_lookup& call) { return product_found{persistence::find_product(c, call.id)}; },
          [](const product_lookup& call) { return call.id; }};
}

struct catalog_state {
  static inline const char* name = "catalog_supervisor";
  entity_registry products;
  listing_state listings;
};
using catalog_ptr = catalog_api::stateful_pointer<catalog_state>;

/// Reads the page of `query` (cached under `key`), answers the requests waiting under `waiting`
/// and keeps the page when no write committed meanwhile. A known match list that reaches the
/// page: only the page's rows are read. A page deeper than a match list goes, or any page when
/// nothing is cached, is read whole. Otherwise the match list is read first (and kept), and the
/// page is cut from it.
void refill_listing(catalog_ptr self, const catalog_deps& d, const persistence::product_query& query, const std::string& key,
                    const std::string& waiting) {
  auto& cache = self->state.listings;
  const bool caching = d.cache_ttl.count() > 0 && d.listing_cache_bytes > 0;
  bool deep = !caching || query.offset + query.limit > query.exact_count_limit;
  auto matches_key = listing_state::matches_key_of(query);
  std::optional<persistence::page_of_ids> known;
  if (auto m = cache.matches.find(matches_key, d.cache_ttl, clock::now())) {
    known = persistence::cut_page(*m, query);
    deep = !known;
  }
  auto answer_all = [self, waiting](const product_page_reply& r) {
    auto& cache = self->state.listings;
    auto it = cache.waiting.find(waiting);
    if (it == cache.waiting.end())
      return;
    auto waiters = std::move(it->second);
    cache.waiting.erase(it);
    for (auto& w : waiters)
      w.deliver(r);
  };
  self->request(d.db.workers, d.db.timeout, db_job(d.db.db, [query, known, deep](pg::connection& c) {
        if (known)
          return listing_read{persistence::read_page(c, *known), std::nullopt};
        if (deep)
          return listing_read{persistence::list_products(c, query), std::nullopt};
        auto matches = persistence::match_products(c, query);
        auto page = persistence::cut_page(matches, query);
        return listing_read{page ? persistence::read_page(c, *page) : persistence::list_products(c, query),
                            std::move(matches)};
      }))
    .then(
      [self, matches_key, key, answer_all, caching, generation = cache.generation](listing_read& r) {
        auto& cache = self->state.listings;
        auto page = std::make_shared<const persistence::product_page>(std::move(r.page));
        if (caching && generation == cache.generation) {
          auto now = clock::now();
          cache.pages.put(key, page, now);
          if (r.matches)
            cache.matches.put(matches_key, *r.matches, now);
        }
        answer_all(product_page_reply{problem::none(), std::move(page)});
      },
      [answer_all](caf::error&) { answer_all(unavailable_reply<product_page_reply>()); });
}

catalog_api::behavior_type catalog_supervisor(catalog_ptr self, catalog_deps d) {
  self->state.products = entity_registry{"product", d.restarts};
  self->state.listings.pages = listing_cache{static_cast<size_t>(d.listing_cache_bytes)};
  self->state.listings.matches = match_cache{static_cast<size_t>(d.listing_cache_bytes)};
  auto [idle, sweep, stats, crash, list, lookup] = supervise(self, [](catalog_ptr s) -> entity_registry& { return s->state.products; }, d.idle_timeout);
  // Its product actors' reads of their rows, many in one statement under load; it lives as
  // long as the supervisor (linked).
  auto reader = self->spawn<caf::linked>(db_batcher<product_lookup, product_found>, d.db, product_reads(),
                                         batches_in_flight(d.db), max_reads_per_batch, "product reads");
  auto product = [=](int64_t id) { return child_for(self, self->state.products, id, product_actor, d, reader); };
  /// Stock or prices of `ids` changed behind the product actors' backs: drop their cached rows.
  auto forget = [self](const std::vector<int64_t>& ids) {
    self->state.listings.clear();
    for (auto id : ids)
      if (auto child = self->state.products.find(id))
        caf::anon_send(child, invalidate_atom::value);  // typed actors send() only to typed ones
  };
  return {
    [=](create_product& cmd) -> caf::result<product_reply> {
      if (auto bad = catalog_rules::check_product(cmd.fields, true); !bad.empty())
        return failure(problem::validation(std::move(bad)));
      auto fields = cmd.fields;
      return reply_from_db<product_reply>(self, d.db, [fields](pg::connection& c) {
        try {
          return product_reply{problem::none(), persistence::insert_product(c, fields)};
        } catch (const persistence::sku_taken&) {
          return failure(sku_exists());
        }
      }, [self](product_reply&) { self->state.listings.clear(); });
    },
    [=](const list_products& cmd) -> caf::result<product_page_reply> {
      // Checked before the cache: a refused query is no key and no database work.
      if (auto bad = catalog_rules::check_listing(cmd.query); !bad.empty())
        return product_page_reply{problem::validation(std::move(bad), "invalid query parameters"), {}};
      auto key = listing_state::key_of(cmd.query);
      auto& cache = self->state.listings;
      if (auto hit = cache.pages.find(key, d.cache_ttl, clock::now()))
        return product_page_reply{problem::none(), *hit};
      auto rp = self->make_response_promise();
      auto waiting = cache.waiting_key(key);
      auto [in_flight, first] = cache.waiting.try_emplace(waiting);
      in_flight->second.push_back(rp);
      if (first)  // otherwise the same query is already on its way: share its answer
        refill_listing(self, d, cmd.query, key, waiting);
      return rp;
    },
    [=](const get_product& cmd) { return delegate_to<catalog_api>(self, product(cmd.id), cmd); },
    // The product actor clears the listings when its write has committed (listings_changed).
    [=](const update_product& cmd) { return delegate_to<catalog_api>(self, product(cmd.id), cmd); },
    [=](const archive_product& cmd) { return delegate_to<catalog_api>(self, product(cmd.id), cmd); },
    [=](const change_stock& cmd) { return delegate_to<catalog_api>(self, product(cmd.id), cmd); },
    [=](const invalidate_products& cmd) { forget(cmd.ids); },
    [=](listings_changed_atom) { self->state.listings.clear(); },
    // The sync's batches run on the database pool while the supervisor serves others; the
    // products whose stock moved drop their cached rows when the batch has committed.
    [=](const sync_stock_levels& cmd) -> caf::result<stock_sync_reply> {
      auto counts = cmd.counts;
      auto job_id = cmd.job_id;
      return reply_from_db<stock_sync_reply>(self, d.db, [counts, job_id](pg::connection& c) {
        return stock_sync_reply{problem::none(), persistence::apply_warehouse_counts(c, counts, job_id)};
      }, [forget](stock_sync_reply& r) { forget(r.batch.changed); });
    },
    [=](const reconcile_stock_levels& cmd) -> caf::result<reconcile_reply> {
      auto job = cmd;
      return reply_from_db<reconcile_reply>(self, d.db, [job](pg::connection& c) {
        return reconcile_reply{problem::none(), persistence::reconcile_stock(c, job.after_id, job.limit, job.job_id)};
      });
    },
    [=](const save_inventory_sync& cmd) -> caf::result<inventory_status_reply> {
      auto run = cmd;
      return reply_from_db<inventory_status_reply>(self, d.db, [run](pg::connection& c) {
        if (run.completed)
          persistence::record_inventory_sync(c, *run.completed);
        else
          persistence::record_inventory_sync_failure(c, run.job_id, run.failure);
        return inventory_status_reply{problem::none(), persistence::read_inventory_sync_status(c)};
      });
    },
    [=](const get_inventory_status&) -> caf::result<inventory_status_reply> {
      return reply_from_db<inventory_status_reply>(self, d.db, [](pg::connection& c) {
        return inventory_status_reply{problem::none(), persistence::read_inventory_sync_status(c)};
      });
    },
    idle,
    sweep,
    stats,
    crash,
    list,
    lookup,
  };
}

}  // namespace

catalog_api spawn_catalog_supervisor(caf::actor_system& sys, catalog_deps deps) {
  return sys.spawn(catalog_supervisor, std::move(deps));
}

}  // namespace commerce::actors
