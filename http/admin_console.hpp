// The admin console: one static HTML page (inline CSS and JavaScript, no external assets, no
// build step) served at /admin/. It holds no data; it calls /admin/api with the operator's token.
#pragma once

#include <string>

namespace commerce::http {

const std::string& admin_console_html();

}  // namespace commerce::http
