#include "http/router.hpp"

#include <algorithm>
#include <cctype>

namespace commerce::http {

namespace {

bool is_param(const std::string& segment) {
  return segment.size() > 2 && segment.front() == '{' && segment.back() == '}';
}

bool is_id(const std::string& s) {
  if (s.empty() || s.size() > 18 || s[0] == '0')
    return false;
  return std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

/// A UUID in its 8-4-4-4-12 hexadecimal form (task ids).
bool is_uuid(const std::string& s) {
  if (s.size() != 36)
    return false;
  for (size_t i = 0; i < s.size(); ++i) {
    bool dash = i == 8 || i == 13 || i == 18 || i == 23;
    if (dash ? s[i] != '-' : !std::isxdigit(static_cast<unsigned char>(s[i])))
      return false;
  }
  return true;
}

constexpr std::string_view uuid_suffix = ":uuid}";

bool is_uuid_param(const std::string& segment) {
  return segment.size() > uuid_suffix.size() + 1 &&
         segment.compare(segment.size() - uuid_suffix.size(), uuid_suffix.size(), uuid_suffix) == 0;
}

bool matches(const route& r, const std::vector<std::string>& parts, std::map<std::string, std::string>* params) {
  if (r.segments.size() != parts.size())
    return false;
  for (size_t i = 0; i < parts.size(); ++i) {
    const auto& seg = r.segments[i];
    if (is_param(seg)) {
      bool uuid = is_uuid_param(seg);
      if (uuid ? !is_uuid(parts[i]) : !is_id(parts[i]))
        return false;
      if (params)
        (*params)[seg.substr(1, seg.size() - (uuid ? uuid_suffix.size() : 1) - 1)] = parts[i];
    } else if (seg != parts[i]) {
      return false;
    }
  }
  return true;
}

}  // namespace

std::vector<std::string> split_path(std::string_view path) {
  std::vector<std::string> parts;
  size_t start = 0;
  while (start <= path.size()) {
    auto slash = path.find('/', start);
    auto end = slash == std::string_view::npos ? path.size() : slash;
    if (end > start)
      parts.emplace_back(path.substr(start, end - start));
    if (slash == std::string_view::npos)
      break;
    start = slash + 1;
  }
  return parts;
}

void router::add(Pistache::Http::Method method, const std::string& pattern, access who, handler fn,
                 bool provider_callback) {
  auto segments = split_path(pattern);
  std::string normalised;  // "/api/tasks/{task_id}/": what OpenAPI and the metrics' route label show
  for (const auto& s : segments)
    normalised += "/" + (is_uuid_param(s) ? s.substr(0, s.size() - uuid_suffix.size()) + "}" : s);
  normalised += "/";
  routes_.push_back(route{method, std::move(segments), who, std::move(fn), provider_callback, std::move(normalised),
                          routes_.size()});
}

router::match router::find(Pistache::Http::Method method, std::string_view path) const {
  match m;
  auto parts = split_path(path);
  for (const auto& r : routes_) {
    if (!matches(r, parts, nullptr))
      continue;
    if (r.method == method) {
      m.found = &r;
      matches(r, parts, &m.params);
      return m;
    }
    if (std::find(m.allowed.begin(), m.allowed.end(), r.method) == m.allowed.end())
      m.allowed.push_back(r.method);
  }
  return m;
}

}  // namespace commerce::http
