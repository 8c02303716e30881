// The inventory feed's page reader (generic): any answer, any page number it was asked for.
#include "integrations/provider_answers.hpp"
#include "tests/fuzz/fuzz_support.hpp"

using namespace commerce;
using namespace commerce::integrations;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  fuzz::input in{data, size};
  int64_t page = 1 + in.byte();
  auto r = fuzz::exchange(in);
  auto read = answers::generic_inventory_page(r, page);
  // What the sync relies on, whatever came in: bounded lines, sane values, a next page that advances.
  if (read.items.size() > feed_limits::max_items_per_page || read.rejections.size() > feed_limits::max_rejections_kept)
    __builtin_trap();
  for (const auto& item : read.items)
    if (item.sku.empty() || item.sku.size() > feed_limits::max_sku_length || item.quantity < 0 ||
        item.quantity > feed_limits::max_quantity)
      __builtin_trap();
  if (read.next_page && *read.next_page <= page)
    __builtin_trap();
  return 0;
}
