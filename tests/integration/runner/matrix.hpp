#pragma once
// config/integration_test_matrix.yml: the document's integration matrix as code. Each point has a
// key that tests name as a Boost.Test label: module.<id>, service.<id> or flow.<id>.
#include <stdexcept>
#include <string>
#include <vector>

namespace integration_runner {

struct matrix_point {
  std::string key;       // "service.stripe"
  std::string id;        // "stripe"
  std::string group;     // "external_services"
  std::string subgroup;  // "payment_gateways" (may be empty)
  std::string name;      // display name ("auth → products"); the id when the file gives none
};

struct integration_matrix {
  std::string source;
  std::vector<matrix_point> points;
  const matrix_point* find(const std::string& key) const;
};

struct matrix_error : std::runtime_error {
  using std::runtime_error::runtime_error;
};

// The label prefix of a matrix group ("module" for internal_modules), or "" for an unknown group.
std::string label_prefix_of(const std::string& group);
// True when the label is in a matrix namespace (module., service., flow.), whether or not the point exists.
bool is_matrix_label(const std::string& label);

integration_matrix parse_matrix(const std::string& yaml_text, const std::string& source);
integration_matrix load_matrix(const std::string& path);

}  // namespace integration_runner
