// What /metrics costs a request when nobody scrapes: the recording the front door does per
// request (route_series::observe: one per-status counter and one latency histogram), timed in a
// tight loop on the real route table, from one thread and from two threads on the same route (the
// worst case: both cores bouncing the same cache lines). A figure in nanoseconds per request,
// stable on a noisy machine where an A/B of whole-server throughput is not.
//   build/bench/metrics-cost [observations per thread, default 20000000]
#include "http/front_door.hpp"
#include "http/metrics.hpp"
#include "http/router.hpp"

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <thread>
#include <vector>

using namespace commerce;
using clock_type = std::chrono::steady_clock;

namespace {

/// Nanoseconds per observation with `threads` threads each observing `n` requests of `series`.
double ns_per_observation(http::route_series& series, int threads, long n) {
  auto start = clock_type::now();
  std::vector<std::thread> workers;
  for (int t = 0; t < threads; ++t)
    workers.emplace_back([&series, n, t] {
      for (long i = 0; i < n; ++i)
        series.observe(i % 16 == 0 ? 404 : 200, 0.0005 * static_cast<double>((i + t) % 7));
    });
  for (auto& w : workers)
    w.join();
  auto elapsed = std::chrono::duration<double, std::nano>(clock_type::now() - start).count();
  // Per observation of one thread: the time each request's thread spends in it.
  return elapsed / static_cast<double>(n);
}

}  // namespace

int main(int argc, char** argv) {
  long n = argc > 1 ? std::atol(argv[1]) : 20'000'000;
  if (n <= 0) {
    std::fprintf(stderr, "usage: metrics-cost [observations per thread > 0]\n");
    return 2;
  }
  http::router routes;
  http::add_all_routes(routes, true);
  http::metrics m{routes};
  auto* series = m.route(0);
  ns_per_observation(*series, 1, n / 10);  // warm up: the per-status counters are created lazily
  std::printf("routes: %zu\n", routes.routes().size());
  std::printf("observe, 1 thread:              %6.1f ns per request\n", ns_per_observation(*series, 1, n));
  std::printf("observe, 2 threads, same route: %6.1f ns per request\n", ns_per_observation(*series, 2, n));
  auto start = clock_type::now();
  volatile long sink = 0;
  for (long i = 0; i < n; ++i)
    sink = sink + (clock_type::now() - start).count();
  std::printf("steady_clock::now():            %6.1f ns (the latency's clock read)\n",
              std::chrono::duration<double, std::nano>(clock_type::now() - start).count() / static_cast<double>(n));
  return 0;
}
