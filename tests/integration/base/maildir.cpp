#include "tests/integration/base/maildir.hpp"

#include "tests/integration/base/async_tasks.hpp"
#include "tests/integration/base/integration_env.hpp"

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>

namespace integration {

namespace fs = std::filesystem;

namespace {

std::string lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return s;
}

/// The header block, with folded continuation lines joined (RFC 5322 §2.2.3).
std::vector<std::pair<std::string, std::string>> headers_of(const std::string& raw) {
  std::vector<std::pair<std::string, std::string>> out;
  std::istringstream in{raw};
  std::string line;
  while (std::getline(in, line)) {
    if (!line.empty() && line.back() == '\r')
      line.pop_back();
    if (line.empty())
      break;
    if ((line[0] == ' ' || line[0] == '\t') && !out.empty()) {
      out.back().second += " " + line.substr(line.find_first_not_of(" \t"));
      continue;
    }
    auto colon = line.find(':');
    if (colon == std::string::npos)
      continue;
    auto value = line.substr(colon + 1);
    value.erase(0, std::min(value.find_first_not_of(" \t"), value.size()));
    out.emplace_back(lower(line.substr(0, colon)), value);
  }
  return out;
}

}  // namespace

std::string mail_message::header(const std::string& name) const {
  auto wanted = lower(name);
  for (const auto& [key, value] : headers_of(raw))
    if (key == wanted)
      return value;
  return "";
}

bool mail_message::addressed_to(const std::string& address) const {
  auto wanted = lower(address);
  for (const auto& [key, value] : headers_of(raw))
    if ((key == "to" || key == "cc" || key == "delivered-to" || key == "x-rcptto" || key == "x-original-to") &&
        lower(value).find(wanted) != std::string::npos)
      return true;
  return false;
}

std::vector<mail_message> read_maildir(const std::string& maildir) {
  std::vector<std::pair<fs::file_time_type, fs::path>> files;
  bool any_subdir = false;
  for (const char* sub : {"new", "cur"}) {
    fs::path dir = fs::path{maildir} / sub;
    std::error_code ec;
    if (!fs::is_directory(dir, ec))
      continue;
    any_subdir = true;
    for (const auto& entry : fs::directory_iterator{dir, ec})
      if (entry.is_regular_file(ec))
        files.emplace_back(entry.last_write_time(ec), entry.path());
  }
  if (!any_subdir)
    throw std::runtime_error("SMTP_MAILDIR='" + maildir + "' is not a maildir (it has no new/ or cur/)");
  std::sort(files.begin(), files.end());
  std::vector<mail_message> out;
  for (const auto& [when, path] : files) {
    std::ifstream in{path, std::ios::binary};
    if (!in)
      continue;  // moved from new/ to cur/ in between: the next poll sees it
    std::ostringstream text;
    text << in.rdbuf();
    out.push_back({path.string(), text.str()});
  }
  return out;
}

std::optional<mail_message> wait_for_mail(const std::string& address, const std::string& text,
                                          std::chrono::milliseconds limit) {
  auto dir = smtp_maildir();
  std::optional<mail_message> found;
  eventually(
    [&] {
      for (auto& m : read_maildir(dir))
        if (m.addressed_to(address) && (text.empty() || m.raw.find(text) != std::string::npos)) {
          found = std::move(m);
          return true;
        }
      return false;
    },
    limit);
  return found;
}

}  // namespace integration
