// commerce-admin: the admin API (/admin/api/...) from a terminal. Tables by default, the API's
// JSON with --json. Exit status: 0 done, 1 the server refused or could not be reached, 2 usage.
#include <CLI/CLI.hpp>

#include <curl/curl.h>

#include <rapidjson/document.h>
#include <rapidjson/prettywriter.h>
#include <rapidjson/stringbuffer.h>

#include <cstdlib>
#include <iostream>
#include <memory>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

namespace {

struct http_answer {
  long status = 0;
  std::string body;
};

struct curl_deleter {
  void operator()(CURL* c) const { curl_easy_cleanup(c); }
};
struct slist_deleter {
  void operator()(curl_slist* l) const { curl_slist_free_all(l); }
};

size_t collect(char* data, size_t size, size_t n, void* out) {
  static_cast<std::string*>(out)->append(data, size * n);
  return size * n;
}

/// One request to the server; throws std::runtime_error when it cannot be reached.
http_answer send_request(const std::string& method, const std::string& url, const std::string& token,
                         const std::optional<std::string>& body) {
  std::unique_ptr<CURL, curl_deleter> curl{curl_easy_init()};
  if (!curl)
    throw std::runtime_error("curl_easy_init failed");
  std::unique_ptr<curl_slist, slist_deleter> headers{curl_slist_append(nullptr, "Accept: application/json")};
  if (!token.empty())
    headers.reset(curl_slist_append(headers.release(), ("Authorization: Bearer " + token).c_str()));
  if (body)
    headers.reset(curl_slist_append(headers.release(), "Content-Type: application/json"));
  http_answer out;
  auto* c = curl.get();
  curl_easy_setopt(c, CURLOPT_URL, url.c_str());
  curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, method.c_str());
  curl_easy_setopt(c, CURLOPT_HTTPHEADER, headers.get());
  curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, 5000L);
  curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, 30000L);
  curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, &collect);
  curl_easy_setopt(c, CURLOPT_WRITEDATA, &out.body);
  if (body) {
    curl_easy_setopt(c, CURLOPT_POSTFIELDS, body->data());
    curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(body->size()));
  }
  auto rc = curl_easy_perform(c);
  if (rc != CURLE_OK)
    throw std::runtime_error(url + ": " + curl_easy_strerror(rc));
  curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &out.status);
  return out;
}

std::string pretty(const rapidjson::Value& v) {
  rapidjson::StringBuffer buf;
  rapidjson::PrettyWriter<rapidjson::StringBuffer> w{buf};
  v.Accept(w);
  return {buf.GetString(), buf.GetSize()};
}

/// `obj[key]`, or null when `obj` is not an object or has no such member (rapidjson's
/// operator[] would assert): an unexpected answer prints empty cells, never a crash.
const rapidjson::Value& member(const rapidjson::Value& obj, const char* key) {
  static const rapidjson::Value null_value;
  if (!obj.IsObject())
    return null_value;
  auto it = obj.FindMember(key);
  return it == obj.MemberEnd() ? null_value : it->value;
}

/// A JSON value as a table cell: strings bare, null empty, the rest as JSON.
std::string cell(const rapidjson::Value& obj, const char* key) {
  if (!obj.IsObject())
    return "";
  auto it = obj.FindMember(key);
  if (it == obj.MemberEnd() || it->value.IsNull())
    return "";
  const auto& v = it->value;
  if (v.IsString())
    return v.GetString();
  if (v.IsBool())
    return v.GetBool() ? "yes" : "no";
  if (v.IsInt64())
    return std::to_string(v.GetInt64());
  if (v.IsUint64())
    return std::to_string(v.GetUint64());
  rapidjson::StringBuffer buf;
  rapidjson::Writer<rapidjson::StringBuffer> w{buf};
  v.Accept(w);
  return buf.GetString();
}

class table {
public:
  explicit table(std::vector<std::string> header) { rows_.push_back(std::move(header)); }
  void add(std::vector<std::string> row) { rows_.push_back(std::move(row)); }
  void print(std::ostream& out) const {
    std::vector<size_t> width(rows_.front().size(), 0);
    for (const auto& r : rows_)
      for (size_t i = 0; i < r.size() && i < width.size(); ++i)
        width[i] = std::max(width[i], r[i].size());
    for (size_t n = 0; n < rows_.size(); ++n) {
      std::string line;
      for (size_t i = 0; i < width.size(); ++i) {
        auto text = i < rows_[n].size() ? rows_[n][i] : "";
        line += text + (i + 1 < width.size() ? std::string(width[i] - text.size() + 2, ' ') : "");
      }
      out << line << "\n";
      if (n == 0) {
        std::string rule;
        for (size_t i = 0; i < width.size(); ++i)
          rule += std::string(width[i], '-') + (i + 1 < width.size() ? "  " : "");
        out << rule << "\n";
      }
    }
  }

private:
  std::vector<std::vector<std::string>> rows_;
};

table rows_of(const rapidjson::Value& items, const std::vector<std::pair<std::string, const char*>>& columns) {
  std::vector<std::string> header;
  for (const auto& c : columns)
    header.push_back(c.first);
  table t{header};
  if (items.IsArray())
    for (const auto& item : items.GetArray()) {
      std::vector<std::string> row;
      for (const auto& c : columns)
        row.push_back(cell(item, c.second));
      t.add(row);
    }
  return t;
}

struct options {
  std::string url;
  std::string token;
  bool json = false;
};

/// Sends the request; prints the server's error and returns nullopt when it is not a 2xx.
std::optional<rapidjson::Document> call(const options& o, const std::string& method, const std::string& path,
                                        const std::optional<std::string>& body = std::nullopt) {
  auto base = o.url;
  while (!base.empty() && base.back() == '/')
    base.pop_back();
  auto answer = send_request(method, base + path, o.token, body);
  rapidjson::Document doc;
  doc.Parse(answer.body.c_str(), answer.body.size());
  if (answer.status < 200 || answer.status >= 300) {
    std::string why = answer.body;
    if (!doc.HasParseError() && doc.IsObject() && doc.HasMember("error") && doc["error"].IsObject())
      why = cell(doc["error"], "code") + ": " + cell(doc["error"], "message");
    std::cerr << "commerce-admin: " << method << " " << path << " -> HTTP " << answer.status << " " << why << "\n";
    if (answer.status == 401)
      std::cerr << "commerce-admin: give a staff access token with --token or COMMERCE_ADMIN_TOKEN\n";
    return std::nullopt;
  }
  if (doc.HasParseError()) {
    std::cerr << "commerce-admin: the server's answer is not JSON\n";
    return std::nullopt;
  }
  return doc;
}

std::string query_escape(const std::string& s) {
  std::string out;
  for (unsigned char ch : s) {
    if (std::isalnum(ch) || ch == '-' || ch == '_' || ch == '.' || ch == '~') {
      out += static_cast<char>(ch);
    } else {
      char buf[4];
      std::snprintf(buf, sizeof buf, "%%%02X", ch);
      out += buf;
    }
  }
  return out;
}

void print_actor_table(const rapidjson::Value& actors, bool probed) {
  std::vector<std::pair<std::string, const char*>> columns{
    {"ID", "id"},           {"KIND", "kind"},         {"ENTITY", "entity_id"}, {"MESSAGES", "messages_routed"},
    {"RESTARTS", "restarts"}, {"LAST ACTIVITY", "last_activity_at"}};
  if (probed) {
    columns.emplace_back("MAILBOX", "mailbox_size");
    columns.emplace_back("STATE", "state");
  }
  rows_of(actors, columns).print(std::cout);
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"commerce-admin: inspect and operate a running commerce-server through its admin API (staff token)"};
  app.require_subcommand(1);
  options o;
  const char* env_url = std::getenv("COMMERCE_ADMIN_URL");
  const char* env_token = std::getenv("COMMERCE_ADMIN_TOKEN");
  o.url = env_url && *env_url ? env_url : "http://127.0.0.1:8000";
  o.token = env_token ? env_token : "";
  app.add_option("--url", o.url, "the server's base URL (env COMMERCE_ADMIN_URL)")->capture_default_str();
  app.add_option("--token", o.token, "a staff access token (env COMMERCE_ADMIN_TOKEN)");
  app.add_flag("--json", o.json, "print the API's JSON instead of tables");

  auto* tree = app.add_subcommand("tree", "supervisors (live children, restart budget), gateways, requests in flight");
  std::string kind, supervisor, cursor;
  int limit = 50;
  bool probe = false;
  auto* actors = app.add_subcommand("actors", "live entity actors, one page");
  actors->add_option("--kind", kind, "user, product, cart or order");
  actors->add_option("--supervisor", supervisor, "users, products, carts or orders");
  actors->add_option("--limit", limit, "actors per page (1-1000)")->check(CLI::Range(1, 1000))->capture_default_str();
  actors->add_option("--cursor", cursor, "the next_cursor a previous page printed");
  actors->add_flag("--probe", probe, "ask each actor for its mailbox size and state");
  uint64_t actor_id = 0;
  auto* actor = app.add_subcommand("actor", "one live actor, probed");
  actor->add_option("ID", actor_id, "the actor's id (as `actors` lists it)")->required();
  auto* gateways = app.add_subcommand("gateways", "each gateway: provider, breaker, calls, errors, latency, last error");
  auto* jobs = app.add_subcommand("jobs", "queue depth, pending per consumer, recent failures, the beat");
  uint64_t passivate_id = 0;
  auto* passivate = app.add_subcommand("passivate", "passivate a live entity actor (audited)");
  passivate->add_option("ID", passivate_id, "the actor's id")->required();
  std::string job_id;
  auto* retry = app.add_subcommand("retry", "retry a dead-lettered job (audited)");
  retry->add_option("JOB", job_id, "the task id (a UUID)")->required();
  std::string breaker_kind, breaker_action;
  auto* breaker = app.add_subcommand("breaker", "trip or reset a gateway's circuit breaker (audited)");
  breaker->add_option("KIND", breaker_kind, "payment, shipping, email, sms or inventory")->required();
  breaker->add_option("ACTION", breaker_action, "trip or reset")->required()->check(CLI::IsMember({"trip", "reset"}));
  int audit_limit = 20;
  auto* audit = app.add_subcommand("audit", "the latest audited admin actions");
  audit->add_option("--limit", audit_limit, "entries (1-500)")->check(CLI::Range(1, 500))->capture_default_str();

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    auto code = app.exit(e);
    return code == 0 ? 0 : 2;
  }

  curl_global_init(CURL_GLOBAL_DEFAULT);
  struct curl_cleanup {
    ~curl_cleanup() { curl_global_cleanup(); }
  } cleanup;
  try {
    std::optional<rapidjson::Document> doc;
    if (tree->parsed()) {
      doc = call(o, "GET", "/admin/api/tree/");
      if (doc && !o.json) {
        rows_of(member(*doc, "supervisors"), {{"SUPERVISOR", "name"}, {"KIND", "kind"}, {"LIVE", "active"},
                                        {"ACTIVATIONS", "activations"}, {"PASSIVATIONS", "passivations"},
                                        {"CRASHES", "crashes"}, {"RESTART BUDGET", "restart_budget"},
                                        {"MAX", "max_restarts"}, {"WINDOW S", "window_seconds"}})
          .print(std::cout);
        std::cout << "\nrequests in flight: " << cell(member(*doc, "requests"), "in_flight")
                  << ", total: " << cell(member(*doc, "requests"), "total")
                  << "; running actors: " << cell(*doc, "running_actors") << "\n";
      }
    } else if (actors->parsed()) {
      std::string q = "limit=" + std::to_string(limit);
      if (!kind.empty())
        q += "&kind=" + query_escape(kind);
      if (!supervisor.empty())
        q += "&supervisor=" + query_escape(supervisor);
      if (!cursor.empty())
        q += "&cursor=" + query_escape(cursor);
      if (probe)
        q += "&probe=1";
      doc = call(o, "GET", "/admin/api/actors/?" + q);
      if (doc && !o.json) {
        print_actor_table(member(*doc, "actors"), probe);
        auto next = cell(*doc, "next_cursor");
        std::cout << "\n" << cell(*doc, "count") << " actor(s)" << (next.empty() ? "" : "; next page: --cursor " + next)
                  << "\n";
      }
    } else if (actor->parsed()) {
      doc = call(o, "GET", "/admin/api/actors/" + std::to_string(actor_id) + "/");
      if (doc && !o.json)
        for (const char* key : {"id", "kind", "supervisor", "entity_id", "state", "mailbox_size", "messages_routed",
                                "restarts", "activated_at", "last_activity_at"})
          std::cout << key << std::string(18 - std::string{key}.size(), ' ') << cell(*doc, key) << "\n";
    } else if (gateways->parsed()) {
      doc = call(o, "GET", "/admin/api/gateways/");
      if (doc && !o.json) {
        table t{{"KIND", "PROVIDER", "BREAKER", "CALLS", "ERRORS", "P50 MS", "P90 MS", "P99 MS", "LAST ERROR"}};
        const auto& list = member(*doc, "gateways");
        if (list.IsArray())
          for (const auto& g : list.GetArray())
          t.add({cell(g, "kind"), cell(g, "provider"), cell(g, "breaker"), cell(g, "calls"), cell(g, "errors"),
                 cell(member(g, "latency_ms"), "p50"), cell(member(g, "latency_ms"), "p90"), cell(member(g, "latency_ms"), "p99"),
                 cell(g, "last_error")});
        t.print(std::cout);
      }
    } else if (jobs->parsed()) {
      doc = call(o, "GET", "/admin/api/jobs/");
      if (doc && !o.json) {
        const auto& v = *doc;
        std::cout << "queue (" << cell(v, "backend") << "): waiting " << cell(member(v, "queue"), "waiting") << ", running "
                  << cell(member(v, "queue"), "running") << ", delayed " << cell(member(v, "queue"), "delayed") << ", dead letters "
                  << cell(member(v, "queue"), "dead_letters") << "\n";
        std::cout << "beat leader: " << (cell(member(v, "beat"), "leader").empty() ? "(not in Redis)" : cell(member(v, "beat"), "leader"))
                  << "; this node leads: " << (cell(member(v, "beat"), "this_node_leads").empty() ? "no beat here" : cell(member(v, "beat"), "this_node_leads"))
                  << "\n\n";
        rows_of(member(v, "pending_by_consumer"), {{"CONSUMER", "consumer"}, {"PENDING", "pending"}}).print(std::cout);
        std::cout << "\n";
        rows_of(member(member(v, "beat"), "schedule"), {{"BEAT ENTRY", "name"}, {"JOB", "job_type"}, {"SCHEDULE", "schedule"},
                                        {"LAST RUN", "last_run_at"}, {"NEXT RUN", "next_run_at"}})
          .print(std::cout);
        std::cout << "\n";
        rows_of(member(v, "recent_failures"), {{"TASK", "task_id"}, {"TYPE", "type"}, {"STATUS", "status"},
                                       {"ATTEMPTS", "attempts"}, {"ERROR", "error"}, {"AT", "at"}})
          .print(std::cout);
      }
    } else if (passivate->parsed()) {
      doc = call(o, "POST", "/admin/api/actors/" + std::to_string(passivate_id) + "/passivate/", std::string{"{}"});
      if (doc && !o.json)
        std::cout << "passivated actor " << passivate_id << " (" << cell(member(*doc, "actor"), "kind") << " "
                  << cell(member(*doc, "actor"), "entity_id") << ")\n";
    } else if (retry->parsed()) {
      doc = call(o, "POST", "/admin/api/jobs/" + query_escape(job_id) + "/retry/", std::string{"{}"});
      if (doc && !o.json)
        std::cout << "job " << job_id << " (" << cell(*doc, "type") << ") is queued again\n";
    } else if (breaker->parsed()) {
      doc = call(o, "POST", "/admin/api/gateways/" + query_escape(breaker_kind) + "/breaker/",
                 std::string{"{\"action\":\""} + breaker_action + "\"}");
      if (doc && !o.json)
        std::cout << breaker_kind << " breaker: " << cell(member(*doc, "gateway"), "breaker") << " ("
                  << cell(*doc, "breakers_changed") << " changed)\n";
    } else if (audit->parsed()) {
      doc = call(o, "GET", "/admin/api/audit/?limit=" + std::to_string(audit_limit));
      if (doc && !o.json)
        rows_of(member(*doc, "entries"), {{"AT", "at"}, {"WHO", "staff_email"}, {"ACTION", "action"}, {"TARGET", "target"},
                                    {"OUTCOME", "outcome"}, {"DETAIL", "detail"}})
          .print(std::cout);
    }
    if (!doc)
      return 1;
    if (o.json)
      std::cout << pretty(*doc) << "\n";
    return 0;
  } catch (const std::exception& e) {
    std::cerr << "commerce-admin: " << e.what() << "\n";
    return 1;
  }
}
