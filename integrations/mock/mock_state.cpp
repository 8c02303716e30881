#include "integrations/mock/mock_state.hpp"

#include <rapidjson/prettywriter.h>

#include <algorithm>
#include <ctime>
#include <iterator>
#include <set>

namespace commerce::mock {

namespace {

using json_writer = rapidjson::Writer<rapidjson::StringBuffer>;

/// MockServer separates log messages in retrieve?type=LOGS with this line (the JS client's
/// retrieveLogMessages splits on it).
const std::string log_separator = "\n------------------------------------\n";

/// JSON text (ours, so it parses) pretty-printed the way MockServer's messages show it.
std::string pretty(const std::string& json) {
  rapidjson::Document d;
  if (parse_bounded_json(json, d) != json_parse_status::ok)
    return json;
  rapidjson::StringBuffer buf;
  rapidjson::PrettyWriter<rapidjson::StringBuffer> w{buf};
  w.SetIndent(' ', 2);
  d.Accept(w);  // bounded by the parse
  return {buf.GetString(), buf.GetSize()};
}

std::string request_json(const recorded_request& r) {
  rapidjson::StringBuffer buf;
  json_writer w{buf};
  write_request(w, r);
  return {buf.GetString(), buf.GetSize()};
}

std::string response_json(const response_action& r) {
  rapidjson::StringBuffer buf;
  json_writer w{buf};
  write_response(w, r);
  return {buf.GetString(), buf.GetSize()};
}

std::string requests_json(const std::vector<const recorded_request*>& requests) {
  rapidjson::StringBuffer buf;
  json_writer w{buf};
  w.StartArray();
  for (const auto* r : requests)
    write_request(w, *r);
  w.EndArray();
  return {buf.GetString(), buf.GetSize()};
}

/// MockServer's StringFormatter.formatLogMessage: each "{}" of `format` becomes its argument on
/// its own lines, indented by two spaces; the text after an argument starts on a new line.
std::string format_message(const std::string& format, const std::vector<std::string>& arguments) {
  std::vector<std::string> parts;
  for (size_t from = 0;;) {
    auto at = format.find("{}", from);
    parts.push_back(format.substr(from, at == std::string::npos ? std::string::npos : at - from));
    if (at == std::string::npos)
      break;
    from = at + 2;
  }
  while (parts.size() > 1 && parts.back().empty())  // as Java's String.split drops trailing empties
    parts.pop_back();
  std::string out;
  for (size_t i = 0; i < parts.size(); ++i) {
    out += parts[i];
    if (i < arguments.size()) {
      std::string indented = "  ";
      for (char c : arguments[i]) {
        indented += c;
        if (c == '\n')
          indented += "  ";
      }
      out += "\n\n" + indented + "\n";
    }
    if (i + 1 < parts.size()) {
      out += "\n";
      if (parts[i + 1].empty() || parts[i + 1][0] != ' ')
        out += " ";
    }
  }
  return out;
}

/// LogEntry.LOG_DATE_FORMAT: "yyyy-MM-dd HH:mm:ss.SSS", local time.
std::string log_timestamp(std::chrono::system_clock::time_point at) {
  auto seconds = std::chrono::system_clock::to_time_t(at);
  auto millis = std::chrono::duration_cast<std::chrono::milliseconds>(at.time_since_epoch()).count() % 1000;
  std::tm local{};
  localtime_r(&seconds, &local);
  char text[32];
  auto n = std::strftime(text, sizeof text, "%Y-%m-%d %H:%M:%S", &local);
  char ms[8];
  std::snprintf(ms, sizeof ms, ".%03d", static_cast<int>(millis));
  return std::string{text, n} + ms;
}

/// The filter selects an expectation when it would accept the expectation's request matcher taken
/// as a request (MockServer matches the filter against the expectation's request definition):
/// its method, path, headers, query parameters and body as written.
bool selects_expectation(const request_matcher& filter, const expectation& e) {
  const auto& m = e.request;
  recorded_request probe;
  probe.method = m.method ? m.method->value : "";
  probe.path = m.path ? m.path->value : "";
  auto values_of = [](const auto& entries) {
    multi_map out;
    for (const auto& [name, values] : entries) {
      std::vector<std::string> plain;
      for (const auto& v : values)
        plain.push_back(v.value);
      out.emplace_back(name.value, std::move(plain));
    }
    return out;
  };
  probe.headers = values_of(m.headers);
  probe.query = values_of(m.query);
  probe.body = m.body.json ? to_json(*m.body.json) : m.body.text;
  // Blank filter fields accept anything, so an expectation without a method or path is still
  // selected by a filter that names neither.
  return filter.matches(probe);
}

}  // namespace

std::string verification_times::describe() const {
  auto count = [](int64_t n) { return n == 1 ? std::string{"once"} : std::to_string(n) + " times"; };
  if (at_least == at_most)
    return "exactly " + count(at_most);
  if (at_most < 0)
    return "at least " + count(at_least);
  if (at_least < 0)
    return "at most " + count(at_most);
  return "between " + std::to_string(at_least) + " and " + std::to_string(at_most) + " times";
}

void mock_state::log(std::string format, std::vector<std::optional<std::string>> arguments,
                     std::shared_ptr<const recorded_request> request) {
  messages_.push_back(log_message{std::chrono::system_clock::now(), std::move(format), std::move(arguments), std::move(request)});
  while (messages_.size() > limits_.max_log_entries)
    messages_.pop_front();
}

std::string mock_state::upsert(std::vector<expectation> incoming) {
  std::lock_guard<std::mutex> guard{mtx_};
  drop_expired();
  std::map<std::string, size_t> index_of;  // active ids, so an upsert costs no linear scan each
  for (size_t i = 0; i < expectations_.size(); ++i)
    index_of.emplace(expectations_[i].id, i);
  std::set<std::string> new_ids;
  std::size_t added = 0;
  for (const auto& e : incoming)
    if (e.id.empty() || (!index_of.count(e.id) && new_ids.insert(e.id).second))
      ++added;
  if (expectations_.size() + added > limits_.max_expectations)
    throw bad_request("too many expectations: at most " + std::to_string(limits_.max_expectations) +
                      " can be active (commerce-mock --max-expectations); clear some first");
  std::string out = "[";
  for (auto& e : incoming) {
    if (e.id.empty())
      e.id = "commerce-mock-" + std::to_string(++next_id_);
    auto same = index_of.find(e.id);
    // An upsert keeps the replaced expectation's place among equal priorities, as MockServer
    // keeps its creation time.
    e.sequence = same != index_of.end() ? expectations_[same->second].sequence : next_sequence_++;
    auto rendered = render_expectation(e);
    out += (out.size() > 1 ? "," : "") + rendered;
    log(same != index_of.end() ? "updated expectation:{}with id:{}" : "creating expectation:{}with id:{}", {rendered, e.id});
    if (same != index_of.end()) {
      expectations_[same->second] = std::move(e);
    } else {
      index_of.emplace(e.id, expectations_.size());
      expectations_.push_back(std::move(e));
    }
  }
  return out + "]";
}

void mock_state::drop_expired() {
  auto now = std::chrono::steady_clock::now();
  expectations_.erase(std::remove_if(expectations_.begin(), expectations_.end(),
                                     [&](const expectation& e) {
                                       bool gone = (e.expires_at && *e.expires_at <= now) || (e.remaining && *e.remaining <= 0);
                                       if (gone)
                                         log("removed expectation:{}with id:{}", {render_expectation(e), e.id});
                                       return gone;
                                     }),
                      expectations_.end());
}

std::optional<mock_state::action> mock_state::handle(const recorded_request& r) {
  std::lock_guard<std::mutex> guard{mtx_};
  drop_expired();
  auto request = std::make_shared<const recorded_request>(r);
  log("received request:{}", {std::nullopt}, request);
  expectation* best = nullptr;
  for (auto& e : expectations_) {
    if (!e.request.matches(r))
      continue;
    if (!best || e.priority > best->priority || (e.priority == best->priority && e.sequence < best->sequence))
      best = &e;
  }
  exchange x{request, std::chrono::system_clock::now(), {}, std::nullopt};
  std::optional<action> result;
  if (!best) {
    x.response = response_action{};
    x.response->status = 404;  // MockServer's answer to an unmatched request
    log("no expectation for:{}returning response:{}", {std::nullopt, response_json(*x.response)}, request);
  } else {
    result = action{best->response, best->error};
    x.expectation_id = best->id;
    x.response = best->response;
    if (best->response) {
      auto sent = response_json(*best->response);
      log("returning response:{}for request:{}for action:{}from expectation:{}", {sent, std::nullopt, sent, best->id},
          request);
    } else {
      auto error = std::string{"{\"dropConnection\":"} + (best->error->drop_connection ? "true" : "false") + "}";
      log("returning error:{}for request:{}for action:{}from expectation:{}", {error, std::nullopt, error, best->id},
          request);
    }
    if (best->remaining)
      --*best->remaining;
    drop_expired();
  }
  journal_.push_back(std::move(x));
  while (journal_.size() > limits_.max_log_entries)
    journal_.pop_front();
  return result;
}

std::vector<const recorded_request*> mock_state::requests_seen(bool answered_by_expectations_only) const {
  std::vector<const recorded_request*> out;
  for (const auto& x : journal_)
    if (!answered_by_expectations_only || !x.expectation_id.empty())
      out.push_back(x.request.get());
  return out;
}

std::string mock_state::failure_list(const std::vector<const recorded_request*>& requests, std::size_t max_listed) const {
  if (requests.size() >= max_listed)
    return "> but was not found, found " + std::to_string(requests.size()) + " other requests";
  return "> but was:<" + pretty(requests.size() == 1 ? request_json(*requests.front()) : requests_json(requests)) + ">";
}

std::optional<std::string> mock_state::verify(const verification& v) {
  std::lock_guard<std::mutex> guard{mtx_};
  log("verifying requests that match:{}", {v.what.json});
  bool by_id = !v.what.matcher;
  int64_t seen = std::count_if(journal_.begin(), journal_.end(), [&](const exchange& x) {
    return by_id ? x.expectation_id == v.what.expectation_id : v.what.matcher->matches(*x.request);
  });
  if (v.times.matches(seen)) {
    log("request:{}found " + v.times.describe(), {v.what.json});
    return std::nullopt;
  }
  auto failure = "Request not found " + v.times.describe() + ", expected:<" + pretty(v.what.json) +
                 failure_list(requests_seen(by_id), v.max_listed);
  log("request not found " + v.times.describe() + ", expected:{}but was:{}", {v.what.json, requests_json(requests_seen(by_id))});
  return failure;
}

std::optional<std::string> mock_state::verify_sequence(const verification_sequence& s) {
  std::lock_guard<std::mutex> guard{mtx_};
  log("verifying sequence that match:{}", {s.json});
  bool by_id = !s.steps.empty() && !s.steps.front().matcher;
  // By id, MockServer walks the requests the named expectations answered; by matcher, all of them.
  std::vector<const exchange*> seen;
  for (const auto& x : journal_) {
    if (!by_id || std::any_of(s.steps.begin(), s.steps.end(),
                              [&](const request_selector& step) { return step.expectation_id == x.expectation_id; }))
      seen.push_back(&x);
  }
  size_t at = 0;
  bool found_all = true;
  for (const auto& step : s.steps) {
    bool found = false;
    for (; !found && at < seen.size(); ++at)
      found = step.matcher ? step.matcher->matches(*seen[at]->request) : seen[at]->expectation_id == step.expectation_id;
    if (!found) {
      found_all = false;
      break;
    }
  }
  if (found_all) {
    log("request sequence found:{}", {s.json});
    return std::nullopt;
  }
  std::vector<const recorded_request*> requests;
  for (const auto* x : seen)
    requests.push_back(x->request.get());
  log("request sequence not found, expected:{}but was:{}", {s.json, requests_json(requests)});
  return "Request sequence not found, expected:<" + pretty(s.json) + failure_list(requests, s.max_listed);
}

std::string mock_state::retrieve(retrieve_type type, const std::optional<request_matcher>& filter) {
  if (type == retrieve_type::active_expectations)
    return retrieve_expectations(filter);
  std::lock_guard<std::mutex> guard{mtx_};
  if (type == retrieve_type::logs)
    return retrieve_logs(filter);
  rapidjson::StringBuffer buf;
  json_writer w{buf};
  w.StartArray();
  uint64_t recorded = 0;
  for (const auto& x : journal_) {
    ++recorded;
    if (filter && !filter->matches(*x.request))
      continue;
    switch (type) {
      case retrieve_type::requests:
        write_request(w, *x.request);
        break;
      case retrieve_type::request_responses:
        // MockServer pairs the requests it answered and the 404s it gave; a dropped connection
        // has no response.
        if (!x.response)
          break;
        w.StartObject();
        w.Key("httpRequest");
        write_request(w, *x.request);
        w.Key("httpResponse");
        write_response(w, *x.response);
        w.Key("timestamp");
        {
          auto at = log_timestamp(x.received);
          w.String(at.c_str(), static_cast<rapidjson::SizeType>(at.size()));
        }
        w.EndObject();
        break;
      case retrieve_type::recorded_expectations: {
        // MockServer records the exchanges it proxied; commerce-mock does not proxy, so it records
        // the exchanges it answered from an expectation, each as an expectation that replays it.
        if (x.expectation_id.empty() || !x.response)
          break;
        auto id = "recorded-" + std::to_string(recorded);
        w.StartObject();
        w.Key("id");
        w.String(id.c_str(), static_cast<rapidjson::SizeType>(id.size()));
        w.Key("priority");
        w.Int(0);
        w.Key("httpRequest");
        write_request(w, *x.request);
        w.Key("httpResponse");
        write_response(w, *x.response);
        w.Key("times");
        w.StartObject();
        w.Key("remainingTimes");
        w.Int(1);
        w.EndObject();
        w.Key("timeToLive");
        w.StartObject();
        w.Key("unlimited");
        w.Bool(true);
        w.EndObject();
        w.EndObject();
        break;
      }
      default:
        break;
    }
  }
  w.EndArray();
  return {buf.GetString(), buf.GetSize()};
}

std::string mock_state::retrieve_expectations(const std::optional<request_matcher>& filter) {
  std::lock_guard<std::mutex> guard{mtx_};
  drop_expired();
  std::vector<const expectation*> active;
  for (const auto& e : expectations_)
    if (!filter || selects_expectation(*filter, e))
      active.push_back(&e);
  std::sort(active.begin(), active.end(), [](auto* a, auto* b) {
    return a->priority != b->priority ? a->priority > b->priority : a->sequence < b->sequence;
  });
  std::string out = "[";
  for (const auto* e : active)
    out += (out.size() > 1 ? "," : "") + render_expectation(*e);
  return out + "]";
}

std::string mock_state::retrieve_logs(const std::optional<request_matcher>& filter) const {
  std::string out;
  bool first = true;
  for (const auto& m : messages_) {
    if (filter && m.request && !filter->matches(*m.request))
      continue;
    std::vector<std::string> arguments;
    for (const auto& a : m.arguments)
      arguments.push_back(pretty(a ? *a : m.request ? request_json(*m.request) : std::string{"{}"}));
    out += (first ? "" : log_separator) + log_timestamp(m.at) + " - " + format_message(m.format, arguments);
    first = false;
  }
  return out + "\n";
}

void mock_state::clear(const clear_target& target, clear_type type) {
  std::lock_guard<std::mutex> guard{mtx_};
  std::optional<request_matcher> log_filter = target.filter;
  if (target.id) {
    // By id: MockServer resolves the id to the active expectation's request matcher and clears
    // the log entries it matches. An id that is not active clears nothing here.
    auto it = std::find_if(expectations_.begin(), expectations_.end(), [&](const expectation& e) { return e.id == *target.id; });
    if (it == expectations_.end())
      return;
    log_filter = it->request;
    if (type != clear_type::log) {
      log("cleared expectations that have id:{}", {*target.id});
      expectations_.erase(it);
    }
  } else if (type != clear_type::log) {
    expectations_.erase(std::remove_if(expectations_.begin(), expectations_.end(),
                                       [&](const expectation& e) { return !target.filter || selects_expectation(*target.filter, e); }),
                        expectations_.end());
  }
  if (type != clear_type::expectations) {
    journal_.erase(std::remove_if(journal_.begin(), journal_.end(),
                                  [&](const exchange& x) { return !log_filter || log_filter->matches(*x.request); }),
                   journal_.end());
    // As MockServer's log clear: messages about a matching request, and those about no request.
    messages_.erase(std::remove_if(messages_.begin(), messages_.end(),
                                   [&](const log_message& m) { return !log_filter || !m.request || log_filter->matches(*m.request); }),
                    messages_.end());
  }
}

void mock_state::reset() {
  std::lock_guard<std::mutex> guard{mtx_};
  expectations_.clear();
  journal_.clear();
  messages_.clear();
  log("resetting all expectations and request logs");
}

}  // namespace commerce::mock
