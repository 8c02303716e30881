#include "boost_output.hpp"

#include <boost/property_tree/ptree.hpp>
#include <boost/property_tree/xml_parser.hpp>

#include <map>
#include <regex>
#include <sstream>

namespace integration_runner {
namespace {

// Boost.Test numbers test cases from 0x10000 and suites from 1 (test_unit_id ranges).
constexpr unsigned long first_test_case_id = 0x10000;

struct dot_node {
  std::string name;
  std::string file;
  int line = 0;
  std::vector<std::string> labels;
  bool enabled = true;
};

std::vector<std::string> split(const std::string& text, char separator) {
  std::vector<std::string> parts;
  std::string part;
  std::istringstream in(text);
  while (std::getline(in, part, separator)) parts.push_back(part);
  return parts;
}

dot_node parse_dot_label(const std::string& attributes, const std::string& label) {
  dot_node node;
  node.enabled = attributes.find("color=green") != std::string::npos;
  const auto fields = split(label, '|');
  if (fields.empty()) throw listing_error("a test unit without a name in --list_content=DOT");
  node.name = fields[0];
  for (std::size_t i = 1; i < fields.size(); ++i) {
    const std::string& field = fields[i];
    if (field.rfind("labels:", 0) == 0) {
      std::istringstream words(field.substr(7));
      std::string word;
      while (words >> word) node.labels.push_back(word[0] == '@' ? word.substr(1) : word);
    } else if (i == 1) {
      static const std::regex location(R"re(^(.*)\((\d+)\)$)re");
      std::smatch m;
      if (std::regex_match(field, m, location)) {
        node.file = m[1];
        node.line = std::stoi(m[2]);
      }
    }
  }
  return node;
}

std::string attribute(const boost::property_tree::ptree& node, const char* name) {
  return node.get<std::string>(std::string("<xmlattr>.") + name, "");
}

void read_xml_suite(const boost::property_tree::ptree& suite, std::vector<std::string>& suites,
                    std::vector<test_result>& out) {
  for (const auto& child : suite) {
    if (child.first == "TestSuite") {
      suites.push_back(attribute(child.second, "name"));
      read_xml_suite(child.second, suites, out);
      suites.pop_back();
    } else if (child.first == "TestCase") {
      const auto& node = child.second;
      test_result result;
      result.name = attribute(node, "name");
      std::string path, suite_path;
      for (std::size_t i = 0; i < suites.size(); ++i) {
        suite_path += (i ? "/" : "") + suites[i];
        if (i) path += suites[i] + "/";
      }
      result.path = path + result.name;
      result.suite_path = suite_path;
      result.file = attribute(node, "file");
      result.line = node.get<int>("<xmlattr>.line", 0);
      bool failed = false, threw = false;
      if (attribute(node, "skipped") == "yes") {
        result.status = test_status::skipped;
        result.skip_reason = attribute(node, "reason");
      }
      for (const auto& entry : node) {
        const std::string& tag = entry.first;
        if (tag == "TestingTime") {
          result.duration_seconds = entry.second.get_value<double>(0) / 1e6;
          continue;
        }
        std::string kind;
        if (tag == "Error") kind = "error", failed = true;
        else if (tag == "FatalError") kind = "fatal_error", failed = true;
        else if (tag == "Exception") kind = "exception", threw = true;
        else if (tag == "Message" || tag == "Warning") kind = "message";
        else continue;  // Info: passed checks, too many to keep
        test_message message;
        message.kind = kind;
        message.file = attribute(entry.second, "file");
        message.line = entry.second.get<int>("<xmlattr>.line", 0);
        message.text = entry.second.get_value<std::string>();
        if (const auto checkpoint = entry.second.get_child_optional("LastCheckpoint"))
          message.text += " (last checkpoint: " + attribute(*checkpoint, "file") + "(" +
                          attribute(*checkpoint, "line") + "): " + checkpoint->get_value<std::string>() + ")";
        result.messages.push_back(std::move(message));
      }
      if (result.status != test_status::skipped)
        result.status = threw ? test_status::error : failed ? test_status::failed : test_status::passed;
      out.push_back(std::move(result));
    }
  }
}

double hrf_seconds(const std::string& amount, const std::string& unit) {
  const double value = std::stod(amount);
  if (unit == "us") return value / 1e6;
  if (unit == "ms") return value / 1e3;
  return value;
}

}  // namespace

std::vector<listed_test> parse_dot_listing(const std::string& dot) {
  static const std::regex node_line(R"re(^tu(\d+)\[(.*)label="(.*)"\];\s*$)re");
  static const std::regex edge_line(R"re(^tu(\d+)\s*->\s*tu(\d+);\s*$)re");
  std::map<unsigned long, dot_node> nodes;
  std::map<unsigned long, unsigned long> parent_of;
  std::vector<unsigned long> order;
  bool saw_graph = false;
  std::istringstream in(dot);
  std::string line;
  while (std::getline(in, line)) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    std::smatch m;
    if (line.rfind("digraph", 0) == 0) saw_graph = true;
    if (std::regex_match(line, m, node_line)) {
      const auto id = std::stoul(m[1]);
      nodes[id] = parse_dot_label(m[2], m[3]);
      order.push_back(id);
    } else if (std::regex_match(line, m, edge_line)) {
      parent_of[std::stoul(m[2])] = std::stoul(m[1]);
    }
  }
  if (!saw_graph || nodes.empty()) throw listing_error("the program printed no --list_content=DOT test tree");
  std::vector<listed_test> tests;
  for (const auto id : order) {
    if (id < first_test_case_id) continue;
    const dot_node& node = nodes[id];
    std::vector<std::string> chain;
    bool enabled = node.enabled;
    for (auto it = parent_of.find(id); it != parent_of.end(); it = parent_of.find(it->second)) {
      chain.insert(chain.begin(), nodes[it->second].name);
      if (chain.size() > 256) throw listing_error("a cycle in the --list_content=DOT test tree");
    }
    listed_test test;
    test.name = node.name;
    test.file = node.file;
    test.line = node.line;
    test.labels = node.labels;
    test.enabled = enabled;
    for (std::size_t i = 0; i < chain.size(); ++i) {
      test.suite_path += (i ? "/" : "") + chain[i];
      if (i) test.path += chain[i] + "/";
    }
    test.path += node.name;
    tests.push_back(std::move(test));
  }
  return tests;
}

std::optional<std::vector<test_result>> parse_xml_log(const std::string& xml) {
  boost::property_tree::ptree tree;
  try {
    std::istringstream in(xml);
    boost::property_tree::read_xml(in, tree, boost::property_tree::xml_parser::no_comments);
  } catch (const boost::property_tree::xml_parser_error&) {
    return std::nullopt;
  }
  const auto log = tree.get_child_optional("TestLog");
  if (!log) return std::nullopt;
  std::vector<test_result> results;
  std::vector<std::string> suites;
  read_xml_suite(*log, suites, results);
  return results;
}

std::string hrf_progress::current_suite_path(bool with_master) const {
  std::string path;
  for (std::size_t i = with_master ? 0 : 1; i < suites_.size(); ++i) path += (path.empty() ? "" : "/") + suites_[i];
  return path;
}

void hrf_progress::feed_line(const std::string& raw) {
  static const std::regex entering_module(R"re(Entering test module \"([^\"]*)\"\s*$)re");
  static const std::regex entering_suite(R"re(: Entering test suite \"([^\"]*)\"\s*$)re");
  static const std::regex leaving_suite(R"re(: Leaving test suite \"([^\"]*)\")re");
  static const std::regex entering_case(R"re(^(.*)\((\d+)\): Entering test case \"([^\"]*)\"\s*$)re");
  static const std::regex leaving_case(
      R"re(: Leaving test case \"([^\"]*)\"(?:; testing time: ([0-9.]+)(us|ms|s))?)re");
  static const std::regex failure(R"re(^(.*)\((\d+)\): (error|fatal error): in \"([^\"]*)\": (.*)$)re");
  static const std::regex skipped(R"re(Test case \"?([^\" ]*)\"? is skipped because (.*)$)re");
  const std::string line = (!raw.empty() && raw.back() == '\r') ? raw.substr(0, raw.size() - 1) : raw;
  std::smatch m;
  if (std::regex_search(line, m, entering_module)) {
    suites_.assign(1, m[1]);
  } else if (std::regex_search(line, m, entering_suite)) {
    suites_.push_back(m[1]);
  } else if (std::regex_search(line, m, leaving_suite)) {
    if (suites_.size() > 1) suites_.pop_back();
  } else if (std::regex_search(line, m, entering_case)) {
    test_result result;
    result.name = m[3];
    result.file = m[1];
    result.line = std::stoi(m[2]);
    result.suite_path = current_suite_path(true);
    const std::string prefix = current_suite_path(false);
    result.path = prefix.empty() ? result.name : prefix + "/" + result.name;
    result.status = test_status::passed;
    running_ = std::move(result);
  } else if (running_ && std::regex_search(line, m, leaving_case)) {
    if (m[2].matched) running_->duration_seconds = hrf_seconds(m[2], m[3]);
    finished_.push_back(std::move(*running_));
    running_.reset();
    on_finished_(finished_.back());
  } else if (running_ && std::regex_match(line, m, failure)) {
    test_message message;
    message.kind = m[3] == "error" ? "error" : "fatal_error";
    message.file = m[1];
    message.line = std::stoi(m[2]);
    message.text = m[5];
    // "unknown location(0): fatal error" is how Boost reports an uncaught exception or a signal.
    if (message.file == "unknown location") message.kind = "exception";
    running_->status = message.kind == "exception" ? test_status::error : test_status::failed;
    running_->messages.push_back(std::move(message));
  } else if (std::regex_search(line, m, skipped)) {
    test_result result;
    // Boost names the case by its full path here (without the master suite).
    result.path = m[1];
    result.name = result.path.substr(result.path.rfind('/') + 1);
    result.suite_path = current_suite_path(true);
    result.status = test_status::skipped;
    result.skip_reason = m[2];
    finished_.push_back(std::move(result));
    on_finished_(finished_.back());
  }
}

}  // namespace integration_runner
