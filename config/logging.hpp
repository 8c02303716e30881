// The server's logger: the console at LOG_LEVEL and, with LOG_FILE, a file at LOG_FILE_LEVEL (the
// integration profile's file at DEBUG beside an INFO console, like the document's LOGGING).
#pragma once

#include "config/settings.hpp"

#include <memory>
#include <string>

#include <spdlog/logger.h>

namespace commerce::config {

/// A logger named `name` writing to stdout at `s.log_level` and, when `s.log_file` is set, appending
/// to that file (its directory created) at `s.log_file_level`; the file is flushed on every warning
/// and at least once a second by the caller's spdlog::flush_every. An unopenable file throws
/// config_error naming LOG_FILE and the reason.
std::shared_ptr<spdlog::logger> make_logger(const settings& s, const std::string& name = "commerce");

}  // namespace commerce::config
