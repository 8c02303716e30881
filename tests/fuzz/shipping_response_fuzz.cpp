// Every carrier's answer readers (generic, CDEK with its OAuth token, Boxberry, Russian Post:
// quotes, bookings and tracking), the first byte choosing which.
#include "integrations/provider_answers.hpp"
#include "tests/fuzz/fuzz_support.hpp"

using namespace commerce;
using namespace commerce::integrations;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  fuzz::input in{data, size};
  auto choice = in.byte() % 12;
  auto service = in.byte() % 2 ? "express" : "standard";
  auto r = fuzz::exchange(in);
  gateway_outcome outcome;
  std::string detail;
  switch (choice) {
    case 0: answers::generic_quote(r, service); break;
    case 1: answers::generic_shipment(r); break;
    case 2: answers::cdek_token_answer(r, outcome, detail); break;
    case 3: answers::cdek_quote(r, service); break;
    case 4: answers::cdek_shipment(r); break;
    case 5: answers::boxberry_quote(r); break;
    case 6: answers::boxberry_shipment(r); break;
    case 7: answers::russian_post_quote(r, service); break;
    case 8: answers::russian_post_shipment(r); break;
    case 9: answers::generic_tracking(r); break;
    case 10: answers::cdek_tracking(r); break;
    default: answers::boxberry_tracking(r); break;
  }
  return 0;
}
