#include "http/front_door.hpp"
#include "common/digest.hpp"
#include "common/url.hpp"

#include "http/errors.hpp"
#include "http/pagination.hpp"
#include "http/pistache_compat.hpp"

#include <caf/all.hpp>

#include <pistache/peer.h>

#include <sodium.h>
#include <spdlog/spdlog.h>

#include <sys/socket.h>

#include <algorithm>
#include <thread>

namespace commerce::http {

namespace Http = Pistache::Http;

namespace {

std::string make_request_id() {
  unsigned char bytes[8];
  randombytes_buf(bytes, sizeof bytes);
  return common::to_hex({reinterpret_cast<const char*>(bytes), sizeof bytes});
}

/// A client's X-Request-ID is echoed when it is short and harmless in a log line.
std::string request_id_of(const Http::Request& req) {
  if (auto raw = req.headers().tryGetRaw("X-Request-ID")) {
    auto v = raw->value();
    bool safe = !v.empty() && v.size() <= 128 && std::all_of(v.begin(), v.end(), [](char c) {
      return std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_' || c == '.';
    });
    if (safe)
      return v;
  }
  return make_request_id();
}

/// The client's address: the TCP peer, unless the peer is a trusted proxy; then the nearest
/// address in X-Forwarded-For (read from the right) that is not one of ours.
std::string client_address(const Http::Request& req, const config::ip_ranges& proxies) {
  auto peer = req.address().host();
  if (proxies.empty() || !proxies.contains(peer))
    return peer;
  auto forwarded = req.headers().tryGetRaw("X-Forwarded-For");
  if (!forwarded)
    return peer;
  const auto& list = forwarded->value();
  std::string nearest = peer;
  size_t end = list.size();
  while (end > 0) {
    auto comma = list.rfind(',', end - 1);
    auto start = comma == std::string::npos ? 0 : comma + 1;
    auto hop = list.substr(start, end - start);
    hop.erase(0, hop.find_first_not_of(" \t"));
    hop.erase(hop.find_last_not_of(" \t") + 1);
    if (!hop.empty()) {
      nearest = hop;
      if (!proxies.contains(hop))
        break;
    }
    if (comma == std::string::npos)
      break;
    end = comma;
  }
  return nearest;
}

bool is_json(const Http::Request& req) {
  auto ct = req.headers().tryGet<Http::Header::ContentType>();
  if (!ct)
    return false;
  const auto& mime = ct->mime();
  return mime.top() == Http::Mime::Type::Application && mime.sub() == Http::Mime::Subtype::Json;
}

std::string allow_header(const std::vector<Http::Method>& methods) {
  std::string out;
  for (auto m : methods)
    out += (out.empty() ? "" : ", ") + std::string{Http::methodString(m)};
  return out;
}

actors::problem request_line_too_long(const config::settings& s) {
  return actors::problem::of(error_code::uri_too_long, "the request line exceeds " + std::to_string(s.max_request_line_bytes) +
                                                 " bytes");
}

actors::problem headers_too_large(const config::settings& s) {
  return actors::problem::of(error_code::headers_too_large,
                             "the request headers exceed " + std::to_string(s.max_header_bytes) + " bytes");
}

/// Which limit of the request's head (request line, headers) a parsed request breaks, if any.
/// Pistache 0.0.5 has no such limits, only one buffer for the whole request (maxRequestSize),
/// and it keeps the raw bytes to itself: the sizes are measured from what it parsed. A header or
/// query parameter name sent several times is kept once, so repeats are bounded by maxRequestSize.
std::optional<actors::problem> head_over_limits(const Http::Request& req, const config::settings& s) {
  // "METHOD SP resource[?query] SP HTTP/1.x"; a query parameter named twice is kept once.
  auto line = std::char_traits<char>::length(Http::methodString(req.method())) + 1 + req.resource().size() + 9;
  for (auto it = req.query().parameters_begin(); it != req.query().parameters_end(); ++it)
    line += 1 + it->first.size() + 1 + it->second.size();  // "?name=value" or "&name=value"
  if (static_cast<int64_t>(line) > s.max_request_line_bytes)
    return request_line_too_long(s);
  size_t headers = 0;
  for (const auto& [name, raw] : req.headers().rawList())
    headers += name.size() + 2 + raw.value().size() + 2;  // "name: value\r\n"
  for (const auto& cookie : req.cookies())
    headers += cookie.name.size() + cookie.value.size() + 2;  // Cookie is not in rawList
  if (static_cast<int64_t>(headers) > s.max_header_bytes)
    return headers_too_large(s);
  return std::nullopt;
}

/// One client connection, for as long as Pistache keeps its peer: it lives in the peer's data
/// map, so it is released however the peer goes (Pistache closes timed-out peers without calling
/// onDisconnection). It counts the connection (MAX_CONNECTIONS) and the bytes of the request
/// head being received. Only the peer's reactor thread touches the byte count.
class connection_state {
public:
  static constexpr const char* key = "commerce.connection";

  explicit connection_state(std::shared_ptr<app_context> app) : app_(std::move(app)) {
    count_ = app_->open_connections.fetch_add(1) + 1;
  }
  ~connection_state() { app_->open_connections.fetch_sub(1); }
  connection_state(const connection_state&) = delete;
  connection_state& operator=(const connection_state&) = delete;
  bool over_limit() const { return count_ > app_->settings.max_connections; }

  size_t head_bytes = 0;  ///< received while the parser was still in a request line or headers
  bool closing = false;   ///< answered and shut down: ignore whatever else arrives

private:
  std::shared_ptr<app_context> app_;
  int64_t count_ = 0;
};

/// Writes one JSON error response straight to the socket and shuts the connection down, for
/// what happens before Pistache has a request to answer (a connection over the cap, a request
/// head too large to parse). Only on the peer's reactor thread, where the fd is surely still
/// this peer's; the reactor then sees the end of the stream and removes the peer as for any
/// client that left.
void answer_and_close(int fd, const char* status_line, const actors::problem& p, const char* extra_headers = "") {
  auto body = render_problem(p);
  auto response = std::string{"HTTP/1.1 "} + status_line +
                  "\r\nContent-Type: application/json; charset=utf-8\r\nConnection: close\r\n" + extra_headers +
                  "Content-Length: " + std::to_string(body.size()) + "\r\n\r\n" + body;
  // The send buffer takes this at once unless the client stopped reading; then it just sees the close.
  (void)::send(fd, response.data(), response.size(), MSG_NOSIGNAL | MSG_DONTWAIT);
  ::shutdown(fd, SHUT_RDWR);
}

/// A request's work on a request actor: authenticated, then its route's handler.
void run_handler(caf::event_based_actor* self, const route* r, std::shared_ptr<request_context> ctx) {
  if (!ctx->claims) {
    r->fn(self, ctx);
    return;
  }
  // The signature is good; the user's actor decides whether the token is still valid
  // (user active, issued for the current password).
  actors::authenticate who{ctx->claims->user_id, ctx->claims->version};
  self->request(ctx->app->users, ctx->timeout(), who)
    .then(
      [=](actors::user_reply& res) {
        if (res.error) {
          if (res.error.code == error_code::invalid_token)
            ctx->out->problem(actors::problem::invalid_token("token is invalid or has been revoked"));
          else
            ctx->out->problem(res.error);
          return;
        }
        if (r->who == access::staff && !res.user.is_staff) {
          ctx->out->problem(actors::problem::permission_denied("staff only"));
          return;
        }
        ctx->user = std::move(res.user);
        r->fn(self, ctx);
      },
      [=](caf::error&) { ctx->out->problem(actors::problem::unavailable()); });
}

class endpoint_handler : public Http::Handler {
public:
  HTTP_PROTOTYPE(endpoint_handler)

  endpoint_handler(std::shared_ptr<app_context> app, std::shared_ptr<const router> routes,
                   std::shared_ptr<request_actors> runners, std::shared_ptr<write_queue_waker> waker)
    : app_(std::move(app)), routes_(std::move(routes)), runners_(std::move(runners)), waker_(std::move(waker)) {}

  // Pistache 0.0.5 offers no connection limit, and Http::Handler::onConnection (private, one
  // line in src/common/http.cc: it gives the peer its request parser) is the only place that
  // sees every new connection. Overriding it means repeating that line, then counting the peer.
  void onConnection(const std::shared_ptr<Pistache::Tcp::Peer>& peer) override {
    peer->putData(ParserData, std::make_shared<Http::RequestParser>(getMaxRequestSize()));
    auto conn = std::make_shared<connection_state>(app_);
    peer->putData(connection_state::key, conn);
    if (conn->over_limit()) {
      auto refused = app_->refused_connections.fetch_add(1) + 1;
      if (refused == 1 || refused % 1000 == 0)  // a flood must not flood the log too
        spdlog::warn("connection from {} refused: {} connections open (MAX_CONNECTIONS); {} refused so far",
                     peer->address().host(), app_->open_connections.load(), refused);
      conn->closing = true;
      answer_and_close(peer->fd(), "503 Service Unavailable",
                       actors::problem::of(error_code::service_unavailable, "too many open connections; retry shortly"),
                       "Retry-After: 1\r\n");
    }
  }

  // Pistache 0.0.5's parser re-reads the request line and the headers from their first byte on
  // every read of at most 4 KiB (StreamCursor::Revert), so a head of n bytes costs O(n^2 / 4096):
  // measured, an 8 MiB request line held an I/O thread for 176 s and 4 MiB of headers for 24 s
  // before our 414/431. Stopping earlier needs the bytes before they reach the parser, and
  // Http::Handler::onInput is private: so this override is Pistache's own (src/common/http.cc,
  // tag 0.0.5), unchanged, behind a guard that cuts a head longer than our limits off.
  void onInput(const char* buffer, size_t len, const std::shared_ptr<Pistache::Tcp::Peer>& peer) override {
    auto conn = std::static_pointer_cast<connection_state>(peer->getData(connection_state::key));
    if (conn->closing)
      return;
    auto parser = getParser(peer);
    auto step = parser->step()->id();
    if (step == Http::Private::RequestLineStep::Id || step == Http::Private::HeadersStep::Id) {
      // Everything received before this read was head; this read may also hold the body's start.
      const auto& s = app_->settings;
      auto head_limit = static_cast<size_t>(s.max_request_line_bytes + s.max_header_bytes) + Pistache::Const::MaxBuffer;
      conn->head_bytes += len;
      if (conn->head_bytes > head_limit) {
        conn->closing = true;
        bool in_line = step == Http::Private::RequestLineStep::Id;
        answer_and_close(peer->fd(), in_line ? "414 Request-URI Too Long" : "431 Request Header Fields Too Large",
                         in_line ? request_line_too_long(s) : headers_too_large(s));
        return;
      }
    }
    // From here: Http::Handler::onInput of Pistache 0.0.5, plus the head count's reset.
    auto& request = parser->request;
    try {
      if (!parser->feed(buffer, len)) {
        parser->reset();
        conn->head_bytes = 0;
        throw Http::HttpError(Http::Code::Request_Entity_Too_Large, "Request exceeded maximum buffer size");
      }
      if (parser->parse() == Http::Private::State::Done) {
        conn->head_bytes = 0;
        Http::ResponseWriter response(request.version(), transport(), this, peer);
        request.copyAddress(peer->address());
        if (auto connection = request.headers().tryGet<Http::Header::Connection>())
          response.headers().add<Http::Header::Connection>(connection->control());
        else
          response.headers().add<Http::Header::Connection>(Http::ConnectionControl::Close);
        peer->setIdle(false);
        onRequest(request, std::move(response));
        parser->reset();
      }
    } catch (const Http::HttpError& err) {
      Http::ResponseWriter response(request.version(), transport(), this, peer);
      response.send(static_cast<Http::Code>(err.code()), err.reason());
      parser->reset();
      conn->head_bytes = 0;
    } catch (const std::exception& e) {
      Http::ResponseWriter response(request.version(), transport(), this, peer);
      response.send(Http::Code::Internal_Server_Error, e.what());
      parser->reset();
      conn->head_bytes = 0;
    }
  }

  void onRequest(const Http::Request& req, Http::ResponseWriter writer) override {
    auto app = app_;
    // From here on the wait is for our handler, not for the client: mark the connection idle,
    // so Pistache's header timer (HEADER_TIMEOUT_MS, meant for slow clients) does not cut off a
    // request still working (TECH-NOTES §3.5); the keep-alive timer bounds it instead.
    try {
      writer.peer()->setIdle(true);
    } catch (const std::exception&) {
      // the client is already gone; the reply below just fails to send
    }
    app->in_flight.fetch_add(1);
    app->requests_total.fetch_add(1, std::memory_order_relaxed);
    auto request_id = request_id_of(req);
    request_line line{std::string{Http::methodString(req.method())}, req.resource(), request_id,
                      needs_keep_alive_fix(req),
                      app->settings.access_log, app->logs, app->access_logger};
    // Most answers are sent from an actor's thread, where Pistache may strand them (write_queue_waker).
    auto out = std::make_shared<reply>(std::move(writer), std::move(line), [app] { app->in_flight.fetch_sub(1); },
                                       io_thread_wake{waker_, transport()});
    if (app->metrics)
      out->routed(nullptr, app->metrics->unmatched());

    if (app->draining.load()) {
      out->problem(actors::problem::of(error_code::service_unavailable, "the server is shutting down"));
      return;
    }
    if (auto too_big = head_over_limits(req, app->settings)) {
      out->problem(*too_big);
      return;
    }
    auto m = routes_->find(req.method(), req.resource());
    if (!m.found) {
      if (!m.allowed.empty())
        out->problem(actors::problem::of(error_code::method_not_allowed, "method not allowed on this path"), 405,
                     {{"Allow", allow_header(m.allowed)}});
      else
        out->problem(actors::problem::not_found("no such resource"));
      return;
    }
    const route* r = m.found;
    out->routed(&r->pattern, app->metrics ? app->metrics->route(r->index) : nullptr);
    if (static_cast<int64_t>(req.body().size()) > app->settings.max_body_bytes) {
      out->problem(actors::problem::of(error_code::payload_too_large, "the request body exceeds " +
                                                              std::to_string(app->settings.max_body_bytes) + " bytes"));
      return;
    }

    auto ctx = std::make_shared<request_context>();
    ctx->app = app;
    ctx->out = out;
    ctx->client_ip = client_address(req, app->trusted_proxies);
    if (r->provider_callback && !app->webhook_sources.empty() && !app->webhook_sources.contains(ctx->client_ip)) {
      spdlog::warn("{}: a provider callback from {} refused: not in PAYMENT_WEBHOOK_ALLOWED_IPS", request_id,
                   ctx->client_ip);
      out->problem(actors::problem::permission_denied("callbacks are not accepted from this address"));
      return;
    }
    // Authentication and roles come before any parsing (API.md §0).
    if (r->who != access::credentials) {
      auto auth = req.headers().tryGet<Http::Header::Authorization>();
      if (auth) {
        auto value = auth->value();
        std::string why;
        std::optional<token_claims> claims;
        if (value.rfind("Bearer ", 0) == 0)
          claims = app->jwt.verify(value.substr(7), "access", unix_now(), &why);
        else
          why = "not a Bearer token";
        if (!claims) {
          spdlog::debug("{}: token rejected: {}", request_id, why);
          out->problem(actors::problem::invalid_token("token is invalid or expired"));
          return;
        }
        ctx->claims = std::move(claims);
      } else if (r->who == access::user || r->who == access::staff) {
        out->problem(actors::problem::of(error_code::not_authenticated, "authentication credentials were not provided"));
        return;
      }
    }
    if (!r->provider_callback && req.body().find_first_not_of(" \t\r\n") != std::string::npos && !is_json(req)) {
      out->problem(actors::problem::of(error_code::unsupported_media_type, "request bodies must be application/json"));
      return;
    }

    ctx->path = req.resource();
    ctx->body = req.body();
    ctx->params = std::move(m.params);
    for (auto it = req.query().parameters_begin(); it != req.query().parameters_end(); ++it) {
      // Pistache 0.0.5 hands out query names and values still percent-encoded.
      auto name = common::percent_decode(it->first), value = common::percent_decode(it->second);
      if (!clean_text(name) || !clean_text(value)) {
        out->problem(actors::problem::validation({{name, {"query parameters must be UTF-8 text without NUL"}}},
                                                 "invalid query parameters"));
        return;
      }
      ctx->query[name] = value;
    }
    if (auto host = req.headers().tryGet<Http::Header::Host>())
      ctx->host = host->host() + (host->port().toString() == "80" ? "" : ":" + host->port().toString());
    if (auto key = req.headers().tryGetRaw("Idempotency-Key"))
      ctx->idempotency_key = key->value();
    if (r->provider_callback || r->reads_headers) {  // only where a handler reads them: not a map per request on the hot path
      for (const auto& [name, raw] : req.headers().rawList()) {
        auto lower = name;
        std::transform(lower.begin(), lower.end(), lower.begin(), [](unsigned char c) { return std::tolower(c); });
        ctx->raw_headers[lower] = raw.value();
      }
    }

    // A task that throws drops `ctx`, whose reply then answers 500.
    runners_->run([r, ctx = std::move(ctx)](caf::event_based_actor* self) { run_handler(self, r, ctx); });
  }

private:
  std::shared_ptr<app_context> app_;
  std::shared_ptr<const router> routes_;
  std::shared_ptr<request_actors> runners_;
  std::shared_ptr<write_queue_waker> waker_;
};

}  // namespace

app_context::app_context(caf::actor_system& sys, config::settings s, std::string jwt_secret)
  : system(sys), settings(std::move(s)), jwt(std::move(jwt_secret)) {
  auto ranges = [](const std::string& list) {
    std::string why;
    auto parsed = config::ip_ranges::parse(list, why);
    if (!parsed)  // config::load refuses such settings; never fail open
      throw std::invalid_argument(why);
    return *parsed;
  };
  trusted_proxies = ranges(settings.trusted_proxies);
  webhook_sources = ranges(settings.payment_webhook_allowed_ips);
}

front_door::front_door(std::shared_ptr<app_context> app, std::shared_ptr<const router> routes)
  : app_(std::move(app)), routes_(std::move(routes)) {}

front_door::~front_door() {
  if (endpoint_)
    stop(std::chrono::milliseconds(0));
}

void front_door::start() {
  const auto& s = app_->settings;
  Pistache::Address address{s.host, Pistache::Port{s.port}};
  endpoint_ = std::make_unique<Http::Endpoint>(address);
  // Pistache's timers: the header timer (also the request line) runs until a whole request has
  // arrived on a connection that is not idle; the body timer, while a body arrives; the keep-alive
  // timer, on an idle one. A request being handled counts as idle (see onRequest), so the
  // keep-alive timer must outlast the longest time an actor may take to answer.
  auto backend_limit =
    std::chrono::milliseconds(s.request_timeout_ms + 4 * s.gateway_timeout_ms) + std::chrono::seconds(30);
  // Pistache's buffer holds the whole request: room for 8 MiB bodies (so an over-limit body
  // still gets our JSON 413, API.md §0) plus a head at our limits (so it gets our 414 or 431).
  auto max_request = static_cast<size_t>((8 << 20) + s.max_request_line_bytes + s.max_header_bytes + 4096);
  auto opts = Http::Endpoint::options()
                .threads(s.http_threads)
                .flags(Pistache::Tcp::Options::ReuseAddr)
                .maxRequestSize(max_request)
                .maxResponseSize(static_cast<size_t>(16 << 20))
                // Until a whole request has arrived (on a new connection): slow clients are cut off.
                .headerTimeout(std::chrono::milliseconds(s.header_timeout_ms))
                .bodyTimeout(backend_limit)
                .keepaliveTimeout(std::max<std::chrono::milliseconds>(std::chrono::seconds(75), backend_limit));
  endpoint_->init(opts);
  // Two request actors per scheduler thread: each thread has one to run while the other's turn
  // ends, and a long handler holds up a quarter of the requests at most.
  runners_ = std::make_shared<request_actors>(app_->system, static_cast<size_t>(2 * s.actor_threads));
  waker_ = std::make_shared<write_queue_waker>(s.http_threads);
  endpoint_->setHandler(Http::make_handler<endpoint_handler>(app_, routes_, runners_, waker_));
  try {
    endpoint_->serveThreaded();
  } catch (const std::exception& e) {
    waker_->stop();
    endpoint_.reset();
    throw std::runtime_error("cannot listen on " + s.host + ":" + std::to_string(s.port) + ": " + e.what());
  }
}

void front_door::stop(std::chrono::milliseconds grace) {
  if (!endpoint_)
    return;
  app_->draining.store(true);
  auto deadline = std::chrono::steady_clock::now() + grace;
  while (app_->in_flight.load() > 0 && std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  if (app_->in_flight.load() > 0)
    spdlog::warn("closing with {} requests still in flight", app_->in_flight.load());
  waker_->stop();  // it queues on the transports the endpoint is about to free
  endpoint_->shutdown();
  endpoint_.reset();
  runners_.reset();  // after the endpoint, whose handler shares them
}

}  // namespace commerce::http
