// The catalog domain's protocol: products (one cached actor per product under the catalog
// supervisor) and their stock.
#pragma once

#include "actors/problem.hpp"
#include "actors/supervision_messages.hpp"
#include "persistence/catalog_repository.hpp"

#include <caf/allowed_unsafe_message_type.hpp>

#include <vector>

namespace commerce::actors {

struct create_product {
  persistence::product_fields fields;
};
/// Reads an active product (archived ones are not found).
struct get_product {
  int64_t id = 0;
};
struct update_product {
  int64_t id = 0;
  persistence::product_fields fields;
};
struct archive_product {
  int64_t id = 0;
};
struct change_stock {
  int64_t id = 0;
  persistence::stock_operation operation = persistence::stock_operation::sale;
  int32_t quantity = 0;
};
struct list_products {
  persistence::product_query query;
};
/// Stock or prices changed behind the product actors' backs (an order reserved stock): drop caches.
struct invalidate_products {
  std::vector<int64_t> ids;
};

struct product_reply {
  problem error;
  persistence::product_record product;
};
struct product_page_reply {
  problem error;
  persistence::product_page page;
};

/// The catalog supervisor's interface: listings are its own; the rest is served by the
/// product's actor.
using catalog_api = supervision_api::extend<caf::replies_to<create_product>::with<product_reply>,
                                            caf::replies_to<list_products>::with<product_page_reply>,
                                            caf::replies_to<get_product>::with<product_reply>,
                                            caf::replies_to<update_product>::with<product_reply>,
                                            caf::replies_to<archive_product>::with<product_reply>,
                                            caf::replies_to<change_stock>::with<product_reply>,
                                            caf::reacts_to<invalidate_products>>;

}  // namespace commerce::actors

CAF_ALLOW_UNSAFE_MESSAGE_TYPE(commerce::actors::create_product)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(commerce::actors::get_product)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(commerce::actors::update_product)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(commerce::actors::archive_product)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(commerce::actors::change_stock)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(commerce::actors::list_products)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(commerce::actors::invalidate_products)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(commerce::actors::product_reply)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(commerce::actors::product_page_reply)
