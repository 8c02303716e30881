#include "matrix.hpp"

#include <yaml-cpp/yaml.h>

#include <fstream>
#include <set>
#include <sstream>

namespace integration_runner {
namespace {

struct group_spec {
  const char* group;
  const char* prefix;
};
constexpr group_spec known_groups[] = {
    {"internal_modules", "module"}, {"external_services", "service"}, {"data_flows", "flow"}};

std::string where(const std::string& source, const YAML::Node& node) {
  const auto mark = node.Mark();
  if (mark.line < 0) return source;
  return source + ":" + std::to_string(mark.line + 1);
}

bool valid_id(const std::string& id) {
  if (id.empty() || id.size() > 64) return false;
  for (char c : id)
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_')) return false;
  return true;
}

class matrix_reader {
 public:
  explicit matrix_reader(std::string source) : source_(std::move(source)) {}

  void read_entries(const YAML::Node& list, const std::string& group, const std::string& prefix,
                    const std::string& subgroup) {
    if (!list.IsSequence())
      throw matrix_error(where(source_, list) + ": " + group + (subgroup.empty() ? "" : "." + subgroup) +
                         " must be a list of points");
    for (const auto& entry : list) {
      matrix_point point;
      point.group = group;
      point.subgroup = subgroup;
      if (entry.IsScalar()) {
        point.id = entry.as<std::string>();
      } else if (entry.IsMap()) {
        if (!entry["id"] || !entry["id"].IsScalar())
          throw matrix_error(where(source_, entry) + ": a point needs an `id`");
        point.id = entry["id"].as<std::string>();
        if (entry["name"]) {
          if (!entry["name"].IsScalar()) throw matrix_error(where(source_, entry) + ": `name` must be text");
          point.name = entry["name"].as<std::string>();
        }
      } else {
        throw matrix_error(where(source_, entry) + ": a point is an id or {id, name}");
      }
      if (!valid_id(point.id))
        throw matrix_error(where(source_, entry) + ": id `" + point.id +
                           "` must be 1-64 characters of a-z, 0-9 and _");
      if (point.name.empty()) point.name = point.id;
      point.key = prefix + "." + point.id;
      if (!keys_.insert(point.key).second)
        throw matrix_error(where(source_, entry) + ": point `" + point.key + "` is listed twice");
      matrix_.points.push_back(std::move(point));
    }
  }

  integration_matrix read(const YAML::Node& root) {
    matrix_.source = source_;
    if (!root.IsMap() || !root["integration_points"])
      throw matrix_error(source_ + ": no `integration_points` mapping at the top");
    const YAML::Node groups = root["integration_points"];
    if (!groups.IsMap()) throw matrix_error(where(source_, groups) + ": `integration_points` must be a mapping");
    for (const auto& item : groups) {
      const auto group = item.first.as<std::string>();
      std::string prefix = label_prefix_of(group);
      if (prefix.empty())
        throw matrix_error(where(source_, item.first) + ": unknown group `" + group +
                           "` (known: internal_modules, external_services, data_flows)");
      if (item.second.IsMap()) {
        for (const auto& sub : item.second) read_entries(sub.second, group, prefix, sub.first.as<std::string>());
      } else {
        read_entries(item.second, group, prefix, "");
      }
    }
    if (matrix_.points.empty()) throw matrix_error(source_ + ": the matrix has no points");
    return std::move(matrix_);
  }

 private:
  std::string source_;
  integration_matrix matrix_;
  std::set<std::string> keys_;
};

}  // namespace

const matrix_point* integration_matrix::find(const std::string& key) const {
  for (const auto& point : points)
    if (point.key == key) return &point;
  return nullptr;
}

std::string label_prefix_of(const std::string& group) {
  for (const auto& spec : known_groups)
    if (group == spec.group) return spec.prefix;
  return {};
}

bool is_matrix_label(const std::string& label) {
  for (const auto& spec : known_groups) {
    const std::string prefix = std::string(spec.prefix) + ".";
    if (label.compare(0, prefix.size(), prefix) == 0) return true;
  }
  return false;
}

integration_matrix parse_matrix(const std::string& yaml_text, const std::string& source) {
  YAML::Node root;
  try {
    root = YAML::Load(yaml_text);
  } catch (const YAML::Exception& e) {
    throw matrix_error(source + ":" + std::to_string(e.mark.line + 1) + ": not valid YAML: " + e.msg);
  }
  try {
    return matrix_reader(source).read(root);
  } catch (const YAML::Exception& e) {
    throw matrix_error(source + ":" + std::to_string(e.mark.line + 1) + ": " + e.msg);
  }
}

integration_matrix load_matrix(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw matrix_error(path + ": cannot read the matrix file");
  std::ostringstream text;
  text << in.rdbuf();
  return parse_matrix(text.str(), path);
}

}  // namespace integration_runner
