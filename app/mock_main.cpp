// commerce-mock: a MockServer-compatible mock for the gateway tests (GATEWAYS.md §1).
//   commerce-mock --port N [--host ADDR] [--stubs FILE] [--threads N] [--max-log-entries N]
//                 [--max-expectations N] [--max-request-bytes N]
#include "integrations/mock/mock_server.hpp"

#include <csignal>
#include <fstream>
#include <iostream>
#include <sstream>

namespace {

const char* const usage =
  "Usage: commerce-mock --port N [--host ADDR] [--stubs FILE] [--threads N]\n"
  "                     [--max-log-entries N] [--max-expectations N] [--max-request-bytes N]\n"
  "A MockServer-compatible mock: PUT /mockserver/{expectation,verify,verifySequence,retrieve,clear,reset,status}.\n"
  "  --port N               TCP port (default 1080)\n"
  "  --host ADDR            address to listen on (default 127.0.0.1; 0.0.0.0 for every interface)\n"
  "  --stubs FILE           expectations to load at start (one object or an array)\n"
  "  --threads N            Pistache threads (default 2)\n"
  "  --max-log-entries N    recorded requests kept for retrieve/verify, oldest dropped first (default 60000)\n"
  "  --max-expectations N   active expectations; a PUT past it gets 400 (default 10000)\n"
  "  --max-request-bytes N  request line, headers and body together; larger gets 413 (default 8388608)\n";

/// A whole decimal number, or std::invalid_argument.
long long whole_number(const std::string& text) {
  size_t used = 0;
  long long n = std::stoll(text, &used);
  if (used != text.size())
    throw std::invalid_argument(text);
  return n;
}

}  // namespace

int main(int argc, char** argv) {
  std::string host = "127.0.0.1", stubs;
  long long port = 1080, threads = 2;
  commerce::mock::mock_limits limits;
  long long max_log_entries = static_cast<long long>(limits.max_log_entries);
  long long max_expectations = static_cast<long long>(limits.max_expectations);
  long long max_request_bytes = static_cast<long long>(limits.max_request_bytes);
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    auto value = [&]() -> std::string {
      if (i + 1 >= argc) {
        std::cerr << "commerce-mock: " << arg << " needs a value\n";
        std::exit(2);
      }
      return argv[++i];
    };
    try {
      if (arg == "--port")
        port = whole_number(value());
      else if (arg == "--host")
        host = value();
      else if (arg == "--stubs")
        stubs = value();
      else if (arg == "--threads")
        threads = whole_number(value());
      else if (arg == "--max-log-entries")
        max_log_entries = whole_number(value());
      else if (arg == "--max-expectations")
        max_expectations = whole_number(value());
      else if (arg == "--max-request-bytes")
        max_request_bytes = whole_number(value());
      else if (arg == "--help" || arg == "-h") {
        std::cout << usage;
        return 0;
      } else {
        std::cerr << "commerce-mock: unknown option '" << arg << "' (see --help)\n";
        return 2;
      }
    } catch (const std::exception&) {
      std::cerr << "commerce-mock: " << arg << " needs a whole number\n";
      return 2;
    }
  }
  if (port < 1 || port > 65535 || threads < 1 || threads > 256) {
    std::cerr << "commerce-mock: --port must be 1..65535 and --threads 1..256\n";
    return 2;
  }
  if (max_log_entries < 1 || max_expectations < 1) {
    std::cerr << "commerce-mock: --max-log-entries and --max-expectations must be positive\n";
    return 2;
  }
  if (max_request_bytes < 1024 || max_request_bytes > (1LL << 30)) {
    std::cerr << "commerce-mock: --max-request-bytes must be 1024..1073741824\n";
    return 2;
  }
  limits.max_log_entries = static_cast<size_t>(max_log_entries);
  limits.max_expectations = static_cast<size_t>(max_expectations);
  limits.max_request_bytes = static_cast<size_t>(max_request_bytes);
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGINT);
  sigaddset(&stop_signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);
  try {
    commerce::mock::mock_server server{host, static_cast<uint16_t>(port), static_cast<int>(threads), limits};
    if (!stubs.empty()) {
      std::ifstream in{stubs};
      if (!in) {
        std::cerr << "commerce-mock: cannot read " << stubs << "\n";
        return 2;
      }
      std::stringstream text;
      text << in.rdbuf();
      server.load_stubs(text.str());
    }
    server.start();
    std::cout << "commerce-mock listening on " << host << ":" << port << std::endl;
    int sig = 0;
    sigwait(&stop_signals, &sig);
    server.stop();
  } catch (const commerce::mock::bad_request& e) {
    std::cerr << "commerce-mock: bad stubs file: " << e.what() << "\n";
    return 2;
  } catch (const std::exception& e) {
    std::cerr << "commerce-mock: " << e.what() << "\n";
    return 1;
  }
  return 0;
}
