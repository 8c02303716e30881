#include "app/bootstrap.hpp"

#include "actors/crypto.hpp"
#include "actors/user_rules.hpp"
#include "persistence/user_repository.hpp"

#include <spdlog/spdlog.h>

#include <sys/stat.h>

#include <filesystem>
#include <fstream>

namespace fs = std::filesystem;

namespace commerce::app {

std::string load_or_create_jwt_secret(const config::settings& s) {
  if (!s.jwt_secret.empty())
    return s.jwt_secret;
  fs::path file = fs::path{s.data_dir} / "jwt_secret";
  std::error_code ec;
  fs::create_directories(s.data_dir, ec);
  if (fs::exists(file)) {
    std::ifstream in{file};
    std::string secret;
    std::getline(in, secret);
    if (secret.size() < 32)
      throw config::config_error(file.string() + " holds no usable secret (fewer than 32 bytes); delete it or set JWT_SECRET");
    return secret;
  }
  if (!s.database_url.empty())
    spdlog::warn("JWT_SECRET is unset: using a secret generated into {}; every node behind a load balancer "
                 "needs the same JWT_SECRET",
                 file.string());
  auto secret = actors::crypto::random_token() + actors::crypto::random_token();
  {
    std::ofstream out{file, std::ios::trunc};
    if (!out)
      throw config::config_error("cannot write " + file.string() + "; set JWT_SECRET or fix DATA_DIR");
    out << secret << '\n';
  }
  fs::permissions(file, fs::perms::owner_read | fs::perms::owner_write);
  return secret;
}

void ensure_admin(pg::connection& c, const config::settings& s) {
  if (s.admin_email.empty())
    return;
  auto email = actors::rules::normalize_email(s.admin_email);
  if (auto why = actors::rules::check_email(email))
    throw config::config_error("ADMIN_EMAIL: " + *why);
  if (auto why = actors::rules::check_password(s.admin_password, email))
    throw config::config_error("ADMIN_PASSWORD " + *why);
  if (auto id = persistence::find_user_id_by_email(c, email)) {
    auto user = persistence::find_user(c, *id);
    if (user && user->is_staff && user->is_active && actors::crypto::verify_password(user->password_hash, s.admin_password)) {
      spdlog::info("staff user {} is up to date", *id);
      return;
    }
  }
  auto id = persistence::upsert_staff_user(c, email, actors::crypto::hash_password(s.admin_password));
  spdlog::info("staff user {} ensured from ADMIN_EMAIL", id);
}

}  // namespace commerce::app
