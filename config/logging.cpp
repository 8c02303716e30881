#include "config/logging.hpp"

#include <spdlog/sinks/basic_file_sink.h>
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <filesystem>
#include <system_error>

namespace commerce::config {

std::shared_ptr<spdlog::logger> make_logger(const settings& s, const std::string& name) {
  auto console = std::make_shared<spdlog::sinks::stdout_color_sink_mt>();
  console->set_level(spdlog::level::from_str(s.log_level));
  std::vector<spdlog::sink_ptr> sinks{console};
  if (!s.log_file.empty()) {
    const std::filesystem::path file{s.log_file};
    std::error_code ec;
    if (file.has_parent_path())
      std::filesystem::create_directories(file.parent_path(), ec);
    if (ec)
      throw config_error("LOG_FILE: cannot create the directory of " + s.log_file + ": " + ec.message());
    try {
      auto to_file = std::make_shared<spdlog::sinks::basic_file_sink_mt>(s.log_file, /*truncate=*/false);
      to_file->set_level(spdlog::level::from_str(s.log_file_level));
      sinks.push_back(std::move(to_file));
    } catch (const spdlog::spdlog_ex& e) {
      throw config_error("LOG_FILE: cannot open " + s.log_file + ": " + e.what());
    }
  }
  auto logger = std::make_shared<spdlog::logger>(name, sinks.begin(), sinks.end());
  // The logger passes what the most verbose sink wants; each sink filters to its own level.
  auto lowest = spdlog::level::off;
  for (const auto& sink : sinks)
    lowest = std::min(lowest, sink->level());
  logger->set_level(lowest);
  logger->set_pattern("%Y-%m-%dT%H:%M:%S.%e %^%l%$ %v");
  logger->flush_on(spdlog::level::warn);
  return logger;
}

}  // namespace commerce::config
