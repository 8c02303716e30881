// The front door's request actors (http/request_actors.hpp): one actor keeps many tasks in
// flight, a task that throws fails alone, and a continuation that throws ends its actor (its
// other tasks are dropped, so their replies would answer 500) while a new one takes its place.
#include "http/request_actors.hpp"

#include <caf/all.hpp>

#include <boost/test/unit_test.hpp>

#include <functional>
#include <thread>

using commerce::http::request_actors;
using namespace std::chrono_literals;

namespace {

using open_atom = caf::atom_constant<caf::atom("open")>;
using waiting_atom = caf::atom_constant<caf::atom("waiting")>;

/// Holds every number it is asked for until told to open, so requests stay in flight together.
/// (Both test actors take an argument: CAF 0.17 dereferences a null tuple for argument-less
/// spawns, which UBSan flags.)
struct gate_state {
  std::vector<std::pair<caf::response_promise, int>> waiting;
};
caf::behavior gate(caf::stateful_actor<gate_state>* self, size_t expected) {
  self->state.waiting.reserve(expected);
  return {
    [self](int x) {
      auto rp = self->make_response_promise();
      self->state.waiting.emplace_back(rp, x);
      return rp;
    },
    [self](waiting_atom) { return static_cast<int>(self->state.waiting.size()); },
    [self](open_atom) {
      for (auto& [rp, x] : self->state.waiting)
        rp.deliver(x);
      self->state.waiting.clear();
    },
  };
}

/// Answers each number plus `offset` at once.
caf::behavior echo(caf::event_based_actor*, int offset) {
  return {[offset](int x) { return x + offset; }};
}

bool eventually(const std::function<bool()>& done) {
  for (auto until = std::chrono::steady_clock::now() + 10s; std::chrono::steady_clock::now() < until;) {
    if (done())
      return true;
    std::this_thread::sleep_for(5ms);
  }
  return done();
}

struct actor_world {
  caf::actor_system_config cfg;
  caf::actor_system sys{cfg};
  caf::actor gate_actor = sys.spawn(gate, size_t{64});
  caf::actor echo_actor = sys.spawn(echo, 0);
  int waiting_at_gate() {
    caf::scoped_actor self{sys};
    int n = -1;
    self->request(gate_actor, 5s, waiting_atom::value).receive([&](int w) { n = w; }, [](caf::error&) {});
    return n;
  }
  ~actor_world() {
    caf::anon_send_exit(gate_actor, caf::exit_reason::user_shutdown);
    caf::anon_send_exit(echo_actor, caf::exit_reason::user_shutdown);
  }
};

}  // namespace

BOOST_AUTO_TEST_SUITE(request_actor_pool)

BOOST_AUTO_TEST_CASE(one_actor_keeps_many_tasks_in_flight) {
  actor_world w;
  request_actors runners{w.sys, 1};
  std::atomic<int> answered{0};
  for (int i = 0; i < 50; ++i)
    runners.run([&, i](caf::event_based_actor* self) {
      self->request(w.gate_actor, 10s, i).then([&](int) { ++answered; });
    });
  BOOST_TEST(eventually([&] { return w.waiting_at_gate() == 50; }), "all 50 wait at the gate at once, on one actor");
  BOOST_TEST(answered.load() == 0);
  caf::anon_send(w.gate_actor, open_atom::value);
  BOOST_TEST(eventually([&] { return answered.load() == 50; }));
  BOOST_TEST(runners.replaced() == 0);
}

BOOST_AUTO_TEST_CASE(a_task_that_throws_fails_alone) {
  actor_world w;
  request_actors runners{w.sys, 1};
  std::atomic<int> answered{0};
  runners.run([](caf::event_based_actor*) { throw std::runtime_error("a bad request"); });
  for (int i = 0; i < 5; ++i)
    runners.run([&, i](caf::event_based_actor* self) {
      self->request(w.echo_actor, 10s, i).then([&](int) { ++answered; });
    });
  BOOST_TEST(eventually([&] { return answered.load() == 5; }));
  BOOST_TEST(runners.replaced() == 0, "the actor survived");
}

BOOST_AUTO_TEST_CASE(a_continuation_that_throws_ends_its_actor_and_a_new_one_takes_its_place) {
  actor_world w;
  request_actors runners{w.sys, 1};
  // A task in flight on the actor when it ends: its state goes (a request's reply would answer 500).
  auto sentinel = std::make_shared<int>(0);
  std::weak_ptr<int> in_flight = sentinel;
  runners.run([&w, sentinel = std::move(sentinel)](caf::event_based_actor* self) {
    self->request(w.gate_actor, 10s, 1).then([sentinel](int) { ++*sentinel; });
  });
  BOOST_TEST_REQUIRE(eventually([&] { return w.waiting_at_gate() == 1; }));
  runners.run([&w](caf::event_based_actor* self) {
    self->request(w.echo_actor, 10s, 2).then([](int) { throw std::runtime_error("a bug in a continuation"); });
  });
  BOOST_TEST(eventually([&] { return runners.replaced() == 1; }));
  BOOST_TEST(eventually([&] { return in_flight.expired(); }), "the ended actor's tasks in flight are dropped");
  std::atomic<int> answered{0};
  for (int i = 0; i < 10; ++i)
    runners.run([&, i](caf::event_based_actor* self) {
      self->request(w.echo_actor, 10s, i).then([&](int) { ++answered; });
    });
  BOOST_TEST(eventually([&] { return answered.load() == 10; }), "the new actor runs every later task");
  caf::anon_send(w.gate_actor, open_atom::value);
}

BOOST_AUTO_TEST_SUITE_END()
