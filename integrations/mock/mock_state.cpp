#include "integrations/mock/mock_state.hpp"

#include <algorithm>
#include <iterator>
#include <set>

namespace commerce::mock {

namespace {

using json_writer = rapidjson::Writer<rapidjson::StringBuffer>;

/// The submitted expectation with its id (generated when absent).
std::string with_id(const std::string& json, const std::string& id) {
  rapidjson::Document d;
  parse_bounded_json(json, d);  // our own rendering of a checked expectation: it parses
  if (d.IsObject()) {
    d.RemoveMember("id");
    d.AddMember("id", rapidjson::Value(id.c_str(), d.GetAllocator()), d.GetAllocator());
  }
  return to_json(d);
}

std::string times_text(int64_t at_least, int64_t at_most) {
  if (at_least == at_most)
    return "exactly " + std::to_string(at_least) + " times";
  if (at_most < 0)
    return "at least " + std::to_string(at_least) + " times";
  if (at_least <= 0)
    return "at most " + std::to_string(at_most) + " times";
  return "between " + std::to_string(at_least) + " and " + std::to_string(at_most) + " times";
}

}  // namespace

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
    e.json = with_id(e.json, e.id);
    e.sequence = next_sequence_++;
    matchers_by_id_[e.id] = e.request;
    out += (out.size() > 1 ? "," : "") + e.json;
    auto same = index_of.find(e.id);
    if (same != index_of.end()) {
      expectations_[same->second] = std::move(e);
    } else {
      index_of.emplace(e.id, expectations_.size());
      expectations_.push_back(std::move(e));
    }
  }
  // verify-by-id remembers ids that are no longer active; past twice the cap, only active ones stay.
  if (matchers_by_id_.size() > 2 * limits_.max_expectations) {
    for (auto it = matchers_by_id_.begin(); it != matchers_by_id_.end();)
      it = index_of.count(it->first) ? std::next(it) : matchers_by_id_.erase(it);
  }
  return out + "]";
}

void mock_state::drop_expired() {
  auto now = std::chrono::steady_clock::now();
  expectations_.erase(std::remove_if(expectations_.begin(), expectations_.end(),
                                     [&](const expectation& e) {
                                       return (e.expires_at && *e.expires_at <= now) || (e.remaining && *e.remaining <= 0);
                                     }),
                      expectations_.end());
}

std::optional<mock_state::action> mock_state::handle(const recorded_request& r) {
  std::lock_guard<std::mutex> guard{mtx_};
  journal_.push_back(r);
  while (journal_.size() > limits_.max_log_entries)
    journal_.pop_front();
  drop_expired();
  expectation* best = nullptr;
  for (auto& e : expectations_) {
    if (!e.request.matches(r))
      continue;
    if (!best || e.priority > best->priority || (e.priority == best->priority && e.sequence < best->sequence))
      best = &e;
  }
  if (!best)
    return std::nullopt;
  action a{best->response, best->error};
  if (best->remaining)
    --*best->remaining;
  drop_expired();
  return a;
}

std::string mock_state::journal_json() const {
  rapidjson::StringBuffer buf;
  json_writer w{buf};
  w.StartArray();
  for (const auto& r : journal_)
    write_request(w, r);
  w.EndArray();
  return {buf.GetString(), buf.GetSize()};
}

std::optional<std::string> mock_state::verify(const request_matcher& matcher, const std::string& matcher_json,
                                              int64_t at_least, int64_t at_most) {
  std::lock_guard<std::mutex> guard{mtx_};
  int64_t seen = std::count_if(journal_.begin(), journal_.end(), [&](const recorded_request& r) { return matcher.matches(r); });
  if (seen >= at_least && (at_most < 0 || seen <= at_most))
    return std::nullopt;
  return "Request not found " + times_text(at_least, at_most) + ", expected:<" + matcher_json + "> but was found " +
         std::to_string(seen) + " time(s) among " + std::to_string(journal_.size()) + " total requests:<" +
         journal_json() + ">";
}

std::optional<std::string> mock_state::verify_sequence(const std::vector<request_matcher>& matchers,
                                                       const std::string& expected_json) {
  std::lock_guard<std::mutex> guard{mtx_};
  size_t next = 0;
  for (const auto& r : journal_)
    if (next < matchers.size() && matchers[next].matches(r))
      ++next;
  if (next == matchers.size())
    return std::nullopt;
  return "Request sequence not found, expected:<" + expected_json + "> but was:<" + journal_json() + ">";
}

std::string mock_state::retrieve_requests(const std::optional<request_matcher>& filter) {
  std::lock_guard<std::mutex> guard{mtx_};
  rapidjson::StringBuffer buf;
  json_writer w{buf};
  w.StartArray();
  for (const auto& r : journal_)
    if (!filter || filter->matches(r))
      write_request(w, r);
  w.EndArray();
  return {buf.GetString(), buf.GetSize()};
}

std::string mock_state::retrieve_expectations(const std::optional<request_matcher>& filter) {
  std::lock_guard<std::mutex> guard{mtx_};
  drop_expired();
  std::vector<const expectation*> active;
  for (const auto& e : expectations_)
    active.push_back(&e);
  std::sort(active.begin(), active.end(), [](auto* a, auto* b) {
    return a->priority != b->priority ? a->priority > b->priority : a->sequence < b->sequence;
  });
  std::string out = "[";
  for (const auto* e : active) {
    if (filter) {
      // An expectation is selected when the filter's path and method would accept its matcher's.
      recorded_request probe{e->request.method ? e->request.method->value : "", e->request.path ? e->request.path->value : "", {}, {}, ""};
      if ((filter->path && !filter->path->matches(probe.path)) || (filter->method && !filter->method->matches(probe.method)))
        continue;
    }
    out += (out.size() > 1 ? "," : "") + e->json;
  }
  return out + "]";
}

void mock_state::clear(const std::optional<request_matcher>& filter, const std::optional<std::string>& id,
                       bool expectations, bool log) {
  std::lock_guard<std::mutex> guard{mtx_};
  if (expectations) {
    expectations_.erase(std::remove_if(expectations_.begin(), expectations_.end(),
                                       [&](const expectation& e) {
                                         if (id)
                                           return e.id == *id;
                                         if (!filter)
                                           return true;
                                         recorded_request probe{e.request.method ? e.request.method->value : "",
                                                                e.request.path ? e.request.path->value : "", {}, {}, ""};
                                         return (!filter->path || filter->path->matches(probe.path)) &&
                                                (!filter->method || filter->method->matches(probe.method));
                                       }),
                        expectations_.end());
  }
  if (log && !id) {
    journal_.erase(std::remove_if(journal_.begin(), journal_.end(),
                                  [&](const recorded_request& r) { return !filter || filter->matches(r); }),
                   journal_.end());
  }
}

void mock_state::reset() {
  std::lock_guard<std::mutex> guard{mtx_};
  expectations_.clear();
  journal_.clear();
  matchers_by_id_.clear();
}

std::optional<request_matcher> mock_state::matcher_of(const std::string& id) {
  std::lock_guard<std::mutex> guard{mtx_};
  auto it = matchers_by_id_.find(id);
  if (it == matchers_by_id_.end())
    return std::nullopt;
  return it->second;
}

}  // namespace commerce::mock
