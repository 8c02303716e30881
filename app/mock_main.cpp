// commerce-mock: a MockServer-compatible mock for the gateway tests (GATEWAYS.md §1).
//   commerce-mock --port N [--host ADDR] [--stubs FILE] [--threads N]
#include "integrations/mock/mock_server.hpp"

#include <csignal>
#include <fstream>
#include <iostream>
#include <sstream>

int main(int argc, char** argv) {
  std::string host = "0.0.0.0", stubs;
  int port = 1080, threads = 2;
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
        port = std::stoi(value());
      else if (arg == "--host")
        host = value();
      else if (arg == "--stubs")
        stubs = value();
      else if (arg == "--threads")
        threads = std::stoi(value());
      else if (arg == "--help" || arg == "-h") {
        std::cout << "Usage: commerce-mock --port N [--host ADDR] [--stubs FILE] [--threads N]\n"
                     "A MockServer-compatible mock: PUT /mockserver/{expectation,verify,verifySequence,retrieve,clear,reset,status}.\n";
        return 0;
      } else {
        std::cerr << "commerce-mock: unknown option '" << arg << "' (see --help)\n";
        return 2;
      }
    } catch (const std::exception&) {
      std::cerr << "commerce-mock: " << arg << " needs a number\n";
      return 2;
    }
  }
  if (port < 1 || port > 65535 || threads < 1) {
    std::cerr << "commerce-mock: --port must be 1..65535 and --threads positive\n";
    return 2;
  }
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGINT);
  sigaddset(&stop_signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);
  try {
    commerce::mock::mock_server server{host, static_cast<uint16_t>(port), threads};
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
