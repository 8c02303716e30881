// The admin console in headless Chromium: tests/js/admin_console_test.js (puppeteer-core on
// Debian's /usr/bin/chromium) against the shared server. It signs in as staff, expands the carts
// supervisor, passivates a known cart's actor, sees it gone and saves a screenshot to
// logs/admin-console.png. Needs `npm install --prefix tests/js` (scripts/setup does it).
#include "tests/http/support.hpp"

#include <boost/test/unit_test.hpp>

#include <filesystem>

using namespace http_test;
using namespace std::chrono_literals;

BOOST_AUTO_TEST_SUITE(admin_console_browser)

BOOST_AUTO_TEST_CASE(sign_in_expand_passivate_and_screenshot) {
  const std::filesystem::path source{COMMERCE_SOURCE_DIR};
  auto script = source / "tests/js/admin_console_test.js";
  BOOST_TEST_REQUIRE(std::filesystem::exists(source / "tests/js/node_modules/puppeteer-core"),
                     "puppeteer-core is not installed: run npm install --prefix tests/js --no-audit --no-fund");
  client c{shared_server().base_url()};
  auto staff = staff_account(c);
  auto buyer = new_account(c, "admin-browser");
  auto product = create_product(c, staff.access, "Admin browser " + unique_tag(), "3.00", 10);
  REQUIRE_STATUS(c.post("/api/cart/items/", R"({"product_id":)" + std::to_string(product) + R"(,"quantity":1})", buyer.access),
                 201);
  std::filesystem::create_directories(source / "logs");
  auto screenshot = source / "logs/admin-console.png";
  std::filesystem::remove(screenshot);
  auto r = run_to_exit("/usr/bin/node", {script.string()},
                       {{"PATH", "/usr/bin:/bin"},
                        {"HOME", std::filesystem::temp_directory_path().string()},
                        {"ADMIN_CONSOLE_URL", shared_server().base_url()},
                        {"ADMIN_EMAIL", admin_email},
                        {"ADMIN_PASSWORD", admin_password},
                        {"TARGET_CART_USER", std::to_string(buyer.id)},
                        {"SCREENSHOT", screenshot.string()}},
                       90s);
  BOOST_TEST((r.exit_code == std::optional<int>{0}), "node exited "
                                                          << (r.exit_code ? std::to_string(*r.exit_code) : "by a signal")
                                                          << "\nstdout:\n" << r.out << "\nstderr:\n" << r.err);
  BOOST_TEST(std::filesystem::exists(screenshot));
  BOOST_TEST(std::filesystem::file_size(screenshot) > 10000u);
  // The passivation went through the audited API.
  auto audit = c.get("/admin/api/audit/?limit=5", staff.access);
  BOOST_TEST(audit.body.find("passivate_actor") != std::string::npos, audit.describe());
  auto cart = c.get("/api/cart/", buyer.access);  // the cart itself stays
  REQUIRE_STATUS(cart, 200);
  BOOST_TEST(cart.json["items"].Size() == 1u);
}

BOOST_AUTO_TEST_SUITE_END()
