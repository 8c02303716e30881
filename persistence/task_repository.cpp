#include "persistence/task_repository.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <map>
#include <vector>

namespace commerce::persistence {

namespace {

using domain::task_status;

// The columns every statement returns, in the order read_task reads them.
constexpr const char* task_columns =
  "id::text, type, owner_user_id, status, result::text, error, attempts, api_time(created_at), "
  "api_time(started_at), api_time(finished_at), api_time(updated_at), "
  "(extract(epoch FROM updated_at) * 1000000)::bigint";

stored_task read_task(const pg::result& r, int row = 0) {
  auto in = r.row(row);
  stored_task out;
  auto& t = out.task;
  t.id = in.str();
  t.type = in.str();
  t.owner_user_id = in.opt_int64();
  auto status = in.text();
  auto parsed = domain::parse_task_status(status);
  if (!parsed)
    throw pg::error("unexpected task status '" + std::string{status} + "' in a row", "");
  t.status = *parsed;
  t.result = in.opt_str();
  t.error = in.opt_str();
  t.attempts = in.int32();
  t.created_at = in.str();
  t.started_at = in.opt_str();
  t.finished_at = in.opt_str();
  t.updated_at = in.str();
  out.version = in.int64();
  return out;
}

std::optional<stored_task> first(const pg::result& r) {
  if (r.empty())
    return std::nullopt;
  return read_task(r);
}

/// `{SUCCESS,FAILURE}`, for `status <> ALL($n::text[])`.
std::string finished_statuses() {
  return std::string{"{"} + to_string(task_status::success) + "," + to_string(task_status::failure) + "}";
}

/// An UPDATE of one unfinished task, returning it; when nothing changed (finished or unknown),
/// the task as it is.
std::optional<stored_task> update_unfinished(pg::connection& c, const std::string& id, const std::string& set_clause,
                                             pg::params args) {
  args.insert(args.begin(), {id, finished_statuses()});
  auto r = c.exec("UPDATE tasks SET " + set_clause + ", updated_at = clock_timestamp() " +
                    "WHERE id = $1::uuid AND status <> ALL($2::text[]) RETURNING " + task_columns,
                  args);
  if (!r.empty())
    return read_task(r);
  return find_task(c, id);
}

}  // namespace

bool is_uuid(const std::string& text) {
  if (text.size() != 36)
    return false;
  for (size_t i = 0; i < text.size(); ++i) {
    bool dash = i == 8 || i == 13 || i == 18 || i == 23;
    if (dash ? text[i] != '-' : !std::isxdigit(static_cast<unsigned char>(text[i])))
      return false;
  }
  return true;
}

stored_task insert_task(pg::connection& c, const std::string& type, const std::string& payload_json,
                        std::optional<int64_t> owner_user_id) {
  auto r = c.exec(std::string{"INSERT INTO tasks (id, type, payload, owner_user_id, status) "
                              "VALUES (gen_random_uuid(), $1, $2::jsonb, $3::bigint, $4) RETURNING "} +
                    task_columns,
                  {type, payload_json, owner_user_id ? pg::param{std::to_string(*owner_user_id)} : std::nullopt,
                   std::string{to_string(task_status::pending)}});
  return read_task(r);
}

std::optional<stored_task> find_task(pg::connection& c, const std::string& id) {
  if (!is_uuid(id))
    return std::nullopt;
  return first(c.exec(std::string{"SELECT "} + task_columns + " FROM tasks WHERE id = $1::uuid", {id}));
}

std::optional<stored_task> mark_task_started(pg::connection& c, const std::string& id) {
  return update_unfinished(c, id, "status = $3, attempts = attempts + 1, started_at = coalesce(started_at, now())",
                           {std::string{to_string(task_status::started)}});
}

std::optional<stored_task> mark_task_retry(pg::connection& c, const std::string& id, const std::string& error) {
  return update_unfinished(c, id, "status = $3, error = $4", {std::string{to_string(task_status::retry)}, error});
}

std::optional<stored_task> mark_task_success(pg::connection& c, const std::string& id, const std::string& result_json) {
  return update_unfinished(c, id, "status = $3, result = $4::jsonb, error = NULL, finished_at = now()",
                           {std::string{to_string(task_status::success)}, result_json});
}

std::optional<stored_task> mark_task_failure(pg::connection& c, const std::string& id, const std::string& error) {
  return update_unfinished(c, id, "status = $3, error = $4, finished_at = now()",
                           {std::string{to_string(task_status::failure)}, error});
}

int64_t delete_finished_tasks(pg::connection& c, std::chrono::seconds keep) {
  return c
    .exec("DELETE FROM tasks WHERE finished_at < now() - make_interval(secs => $1::bigint) AND NOT queued",
          {std::to_string(keep.count())})
    .affected();
}

// ---- the Redis hash cache ----

namespace {

// Writes the hash unless it holds a newer version, atomically; the TTL restarts. ARGV: version,
// ttl in ms, then field/value pairs (absent optionals are absent fields, hence the DEL first).
constexpr const char* put_script = R"lua(
local current = redis.call('HGET', KEYS[1], 'version')
if current and tonumber(current) > tonumber(ARGV[1]) then return 0 end
redis.call('DEL', KEYS[1])
redis.call('HSET', KEYS[1], 'version', ARGV[1], unpack(ARGV, 3))
redis.call('PEXPIRE', KEYS[1], ARGV[2])
return 1
)lua";

std::string cache_key(const std::string& id) { return "task:" + id; }

constexpr std::chrono::seconds unfinished_ttl{30};

}  // namespace

task_cache::task_cache(const std::string& url, std::chrono::seconds ttl) : ttl_(ttl) {
  if (!url.empty())
    endpoint_ = parse_redis_url(url);
}
task_cache::task_cache(task_cache&&) noexcept = default;
task_cache& task_cache::operator=(task_cache&&) noexcept = default;
task_cache::~task_cache() = default;

void task_cache::failed() {
  redis_.reset();
  resting_until_ = std::chrono::steady_clock::now() + std::chrono::seconds(1);
}

redis_client* task_cache::connection() {
  if (redis_ && redis_->usable())
    return &*redis_;
  redis_.reset();
  if (std::chrono::steady_clock::now() < resting_until_)
    throw std::runtime_error("Redis was unreachable a moment ago");
  // A short connect timeout: with Redis down, each read falls back to PostgreSQL quickly.
  redis_.emplace(*endpoint_, std::chrono::milliseconds(300));
  return &*redis_;
}

void task_cache::put(const stored_task& s) {
  if (!endpoint_)
    return;
  const auto& t = s.task;
  // An unfinished state lives briefly: if the write of its successor is lost (Redis was
  // unreachable for a moment), the hash expires soon and PostgreSQL answers again.
  auto ttl = domain::finished(t.status) ? ttl_ : std::min(ttl_, unfinished_ttl);
  std::vector<std::string> args{std::to_string(s.version), std::to_string(ttl.count() * 1000),
                                "id", t.id, "type", t.type, "status", to_string(t.status),
                                "attempts", std::to_string(t.attempts), "created_at", t.created_at,
                                "updated_at", t.updated_at};
  auto optional_field = [&](const char* name, const std::optional<std::string>& v) {
    if (v) {
      args.emplace_back(name);
      args.push_back(*v);
    }
  };
  if (t.owner_user_id)
    optional_field("owner_user_id", std::to_string(*t.owner_user_id));
  optional_field("result", t.result);
  optional_field("error", t.error);
  optional_field("started_at", t.started_at);
  optional_field("finished_at", t.finished_at);
  try {
    connection()->eval(put_script, {cache_key(t.id)}, args);
  } catch (const std::exception& e) {
    bool known_down = std::chrono::steady_clock::now() < resting_until_;
    failed();
    if (!known_down)
      spdlog::warn("task cache: could not write task {}: {}; reads fall back to PostgreSQL", t.id, e.what());
  }
}

std::optional<domain::task_record> task_cache::get(const std::string& id) {
  if (!endpoint_ || !is_uuid(id))
    return std::nullopt;
  try {
    auto r = connection()->command({"HGETALL", cache_key(id)});
    if (!r.is_array() || r.elements.empty())
      return std::nullopt;
    std::map<std::string, std::string> f;
    for (size_t i = 0; i + 1 < r.elements.size(); i += 2)
      f[r.elements[i].text] = r.elements[i + 1].text;
    auto text = [&](const char* name) -> std::optional<std::string> {
      auto it = f.find(name);
      return it == f.end() ? std::nullopt : std::optional<std::string>{it->second};
    };
    auto status = domain::parse_task_status(text("status").value_or(""));
    if (!status || !text("id") || !text("type"))
      return std::nullopt;  // not a hash we wrote: PostgreSQL answers
    domain::task_record t;
    t.id = *text("id");
    t.type = *text("type");
    t.status = *status;
    if (auto owner = text("owner_user_id"))
      t.owner_user_id = std::stoll(*owner);
    t.result = text("result");
    t.error = text("error");
    t.attempts = std::stoi(text("attempts").value_or("0"));
    t.created_at = text("created_at").value_or("");
    t.started_at = text("started_at");
    t.finished_at = text("finished_at");
    t.updated_at = text("updated_at").value_or("");
    return t;
  } catch (const std::exception& e) {
    failed();
    spdlog::debug("task cache: could not read task {}: {}", id, e.what());
    return std::nullopt;
  }
}

}  // namespace commerce::persistence
