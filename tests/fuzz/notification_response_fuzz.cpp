// The notification providers' answer readers: the SMS providers (Twilio, SMS.ru, which parse
// their answers) and the mailers' send_result_of (generic, SendGrid and Mailgun read no body
// beyond it).
#include "integrations/provider_answers.hpp"
#include "integrations/provider_support.hpp"
#include "tests/fuzz/fuzz_support.hpp"

using namespace commerce;
using namespace commerce::integrations;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  fuzz::input in{data, size};
  auto choice = in.byte() % 3;
  auto r = fuzz::exchange(in);
  switch (choice) {
    case 0: answers::twilio_accepted(r); break;
    case 1: answers::sms_ru_accepted(r, "79001234567"); break;
    default: send_result_of(r); break;
  }
  return 0;
}
