#pragma once
// Runs one category program in its own process group, so that a timeout (or our own Ctrl-C) stops
// it and everything it started; its stdout is handed over line by line while it runs.
#include <chrono>
#include <functional>
#include <map>
#include <string>
#include <vector>

namespace integration_runner {

struct child_outcome {
  bool started = false;
  std::string start_error;  // why it could not start (exec failed, ...)
  int exit_code = -1;       // -1 when it did not exit by itself
  int signal = 0;           // the signal that ended it, when one did
  bool timed_out = false;
  bool interrupted = false;  // we got SIGINT/SIGTERM and stopped it
  std::string stdout_text;
  std::string stderr_text;
  double duration_seconds = 0;
};

struct child_spec {
  std::vector<std::string> argv;                 // argv[0] is the program's path
  std::map<std::string, std::string> env;        // the whole environment of the child
  std::chrono::milliseconds timeout{600000};
  std::function<void(const std::string&)> on_stdout_line;
};

// Blocks SIGINT and SIGTERM in the caller while a child runs and turns them into `interrupted`.
child_outcome run_child(const child_spec& spec);

// Output of a short command (for --list_content), with a time limit; both streams together.
child_outcome run_child_collecting(const std::vector<std::string>& argv, const std::map<std::string, std::string>& env,
                                   std::chrono::milliseconds timeout);

}  // namespace integration_runner
