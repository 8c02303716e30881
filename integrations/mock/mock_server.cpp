#include "integrations/mock/mock_server.hpp"

#include "integrations/mock/mock_control.hpp"

#include <pistache/endpoint.h>
#include <pistache/http.h>
#include <pistache/peer.h>

#include "common/url.hpp"
#include "http/pistache_compat.hpp"

#include <sys/socket.h>

#include <condition_variable>
#include <functional>
#include <map>
#include <queue>
#include <thread>

namespace commerce::mock {

namespace Http = Pistache::Http;

/// One timer thread for every delayed reply, so a `delay` never holds a Pistache thread.
class delayed_replies {
public:
  delayed_replies() : worker_([this] { run(); }) {}
  ~delayed_replies() { stop(); }
  /// Drops the pending replies and ends the timer thread; a reply running now finishes first.
  /// Called before Pistache stops, so no reply is sent through a transport that is gone.
  void stop() {
    {
      std::lock_guard<std::mutex> guard{mtx_};
      stopping_ = true;
      jobs_ = {};
    }
    wake_.notify_all();
    if (worker_.joinable())
      worker_.join();
  }
  void after(std::chrono::milliseconds delay, std::function<void()> fn) {
    {
      std::lock_guard<std::mutex> guard{mtx_};
      if (stopping_)
        return;
      jobs_.push({std::chrono::steady_clock::now() + delay, next_++, std::move(fn)});
    }
    wake_.notify_all();
  }

private:
  struct job {
    std::chrono::steady_clock::time_point due;
    uint64_t order;
    std::function<void()> fn;
    bool operator>(const job& o) const { return due != o.due ? due > o.due : order > o.order; }
  };
  void run() {
    std::unique_lock<std::mutex> guard{mtx_};
    while (!stopping_) {
      if (jobs_.empty()) {
        wake_.wait(guard);
        continue;
      }
      auto due = jobs_.top().due;
      if (wake_.wait_until(guard, due) == std::cv_status::timeout || std::chrono::steady_clock::now() >= due) {
        if (jobs_.empty() || jobs_.top().due > std::chrono::steady_clock::now())
          continue;
        auto fn = jobs_.top().fn;
        jobs_.pop();
        guard.unlock();
        fn();
        guard.lock();
      }
    }
  }
  std::mutex mtx_;
  std::condition_variable wake_;
  std::priority_queue<job, std::vector<job>, std::greater<job>> jobs_;
  uint64_t next_ = 0;
  bool stopping_ = false;
  std::thread worker_;
};

namespace {

using http::named_header;

void send_text(Http::ResponseWriter& rw, Http::Code code, const std::string& body, const char* type = "text/plain; charset=utf-8") {
  rw.send(code, body, Http::Mime::MediaType::fromString(type));
}

recorded_request record(const Http::Request& req) {
  recorded_request r;
  r.method = Http::methodString(req.method());
  r.path = common::percent_decode(req.resource(), false);
  // Pistache keeps one value per query name and per header name (a 0.0.5 limitation), so a
  // repeated parameter or header is recorded with the value Pistache kept.
  for (auto it = req.query().parameters_begin(); it != req.query().parameters_end(); ++it)
    r.query.emplace_back(common::percent_decode(it->first), std::vector<std::string>{common::percent_decode(it->second)});
  for (const auto& raw : req.headers().rawList())  // every header as received, typed ones included
    r.headers.emplace_back(raw.second.name(), std::vector<std::string>{raw.second.value()});
  r.body = req.body();
  return r;
}

/// A control request's body: bounded in nesting (parse_json), so nothing after it recurses deeply.
rapidjson::Document parse_control_body(const std::string& body, bool allow_empty, const std::string& what = "the body") {
  if (body.find_first_not_of(" \t\r\n") == std::string::npos) {
    if (!allow_empty)
      throw bad_request("a JSON body is required");
    return rapidjson::Document{};  // null
  }
  return parse_json(body, what);
}

std::string lower(std::string s) {
  for (auto& c : s)
    c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

class handler : public Http::Handler {
public:
  HTTP_PROTOTYPE(handler)
  handler(std::shared_ptr<mock_state> state, std::shared_ptr<delayed_replies> delays,
          std::shared_ptr<http::write_queue_waker> waker, uint16_t port)
    : state_(std::move(state)), delays_(std::move(delays)), waker_(std::move(waker)), port_(port) {}

  void onRequest(const Http::Request& req, Http::ResponseWriter rw) override {
    if (http::needs_keep_alive_fix(req))
      http::apply_keep_alive_fix(rw);
    auto path = req.resource();
    std::string control = path.rfind("/mockserver/", 0) == 0 ? path.substr(11) : path;
    static const std::vector<std::string> control_paths = {"/expectation", "/verify", "/verifySequence", "/retrieve",
                                                           "/clear", "/reset", "/status"};
    if (req.method() == Http::Method::Put &&
        std::find(control_paths.begin(), control_paths.end(), control) != control_paths.end()) {
      try {
        control_plane(control, req, rw);
      } catch (const bad_request& e) {
        send_text(rw, Http::Code::Bad_Request, std::string{"incorrect request format: "} + e.what());
      }
      return;
    }
    data_plane(req, std::move(rw));
  }

private:
  void control_plane(const std::string& what, const Http::Request& req, Http::ResponseWriter& rw) {
    if (what == "/expectation") {
      auto body = parse_control_body(req.body(), false);
      send_text(rw, Http::Code::Created, state_->upsert(parse_expectations(body)), "application/json; charset=utf-8");
    } else if (what == "/verify") {
      verdict(rw, state_->verify(parse_verification(parse_control_body(req.body(), false))));
    } else if (what == "/verifySequence") {
      verdict(rw, state_->verify_sequence(parse_verification_sequence(parse_control_body(req.body(), false))));
    } else if (what == "/retrieve") {
      auto type = parse_retrieve_type(req.query().get("type").value_or(""));
      auto format = req.query().get("format").value_or("");
      if (!format.empty() && lower(format) != "json")
        throw bad_request("format must be json (JAVA and LOG_ENTRIES are not supported)");
      auto filter = parse_filter(parse_control_body(req.body(), true));
      auto answer = state_->retrieve(type, filter);
      if (type == retrieve_type::logs)
        send_text(rw, Http::Code::Ok, answer, "text/plain; charset=utf-8");
      else
        send_text(rw, Http::Code::Ok, answer, "application/json; charset=utf-8");
    } else if (what == "/clear") {
      auto type = parse_clear_type(req.query().get("type").value_or(""));
      state_->clear(parse_clear_target(parse_control_body(req.body(), true)), type);
      rw.send(Http::Code::Ok);
    } else if (what == "/reset") {
      state_->reset();
      rw.send(Http::Code::Ok);
    } else {  // status
      send_text(rw, Http::Code::Ok, "{\"ports\":[" + std::to_string(port_) + "]}", "application/json; charset=utf-8");
    }
  }

  /// MockServer's verify answers: 202 when it holds, 406 with the failure text otherwise.
  static void verdict(Http::ResponseWriter& rw, const std::optional<std::string>& failure) {
    if (failure)
      send_text(rw, Http::Code::Not_Acceptable, *failure);
    else
      rw.send(Http::Code::Accepted);
  }

  void data_plane(const Http::Request& req, Http::ResponseWriter rw) {
    auto action = state_->handle(record(req));
    if (!action) {
      rw.send(Http::Code::Not_Found);  // MockServer's answer to an unmatched request: 404, empty body
      return;
    }
    auto writer = std::make_shared<Http::ResponseWriter>(std::move(rw));
    if (action->error) {
      auto drop = [writer] {
        if (auto peer = writer->getPeer())
          ::shutdown(peer->fd(), SHUT_RDWR);  // the client sees the connection drop, no response
      };
      action->error->delay.count() ? delays_->after(action->error->delay, drop) : drop();
      return;
    }
    auto response = *action->response;
    // A delayed reply is sent from the timer thread, where Pistache may strand it (write_queue_waker).
    auto send = [writer, response, wake = http::io_thread_wake{waker_, transport()}] {
      for (const auto& [name, values] : effective_headers(response)) {
        std::string joined;
        for (const auto& v : values)
          joined += (joined.empty() ? "" : ", ") + v;
        writer->headers().add(std::make_shared<named_header>(name, joined));
      }
      writer->send(static_cast<Http::Code>(response.status), response.body);
      wake.after_send();
    };
    response.delay.count() ? delays_->after(response.delay, send) : send();
  }

  std::shared_ptr<mock_state> state_;
  std::shared_ptr<delayed_replies> delays_;
  std::shared_ptr<http::write_queue_waker> waker_;
  uint16_t port_;
};

}  // namespace

mock_server::mock_server(std::string host, uint16_t port, int threads, mock_limits limits)
  : host_(std::move(host)),
    port_(port),
    threads_(threads),
    max_request_bytes_(limits.max_request_bytes),
    state_(std::make_shared<mock_state>(limits)),
    delays_(std::make_shared<delayed_replies>()) {}

mock_server::~mock_server() { stop(); }

void mock_server::load_stubs(const std::string& json_text) {
  state_->upsert(parse_expectations(parse_control_body(json_text, false, "the stubs file")));
}

void mock_server::start() {
  endpoint_ = std::make_unique<Http::Endpoint>(Pistache::Address{host_, Pistache::Port{port_}});
  endpoint_->init(Http::Endpoint::options()
                    .threads(threads_)
                    .flags(Pistache::Tcp::Options::ReuseAddr)
                    .maxRequestSize(max_request_bytes_)
                    .headerTimeout(std::chrono::seconds(120))
                    .bodyTimeout(std::chrono::seconds(120)));
  waker_ = std::make_shared<http::write_queue_waker>(threads_);
  endpoint_->setHandler(Http::make_handler<handler>(state_, delays_, waker_, port_));
  try {
    endpoint_->serveThreaded();
  } catch (const std::exception& e) {
    waker_->stop();
    endpoint_.reset();
    throw std::runtime_error("cannot listen on " + host_ + ":" + std::to_string(port_) + ": " + e.what());
  }
}

void mock_server::stop() {
  delays_->stop();
  if (endpoint_) {
    waker_->stop();  // it queues on the transports the endpoint is about to free
    endpoint_->shutdown();
    endpoint_.reset();
  }
}

}  // namespace commerce::mock
