#include "http/jwt.hpp"

#include "common/digest.hpp"
#include "http/json.hpp"

#include <sodium.h>

#include <charconv>
#include <chrono>

namespace commerce::http {

namespace {

constexpr int b64_variant = sodium_base64_VARIANT_URLSAFE_NO_PADDING;

std::string b64url_encode(const unsigned char* data, size_t n) {
  std::string out(sodium_base64_ENCODED_LEN(n, b64_variant), '\0');
  sodium_bin2base64(out.data(), out.size(), data, n, b64_variant);
  out.resize(out.size() - 1);  // drop the terminating NUL sodium counts
  return out;
}

std::string b64url_encode(const std::string& s) {
  return b64url_encode(reinterpret_cast<const unsigned char*>(s.data()), s.size());
}

std::optional<std::string> b64url_decode(std::string_view s) {
  std::string out(s.size(), '\0');
  size_t len = 0;
  if (sodium_base642bin(reinterpret_cast<unsigned char*>(out.data()), out.size(), s.data(), s.size(), nullptr, &len,
                        nullptr, b64_variant) != 0)
    return std::nullopt;
  out.resize(len);
  return out;
}

std::optional<token_claims> reject(std::string* why, const char* reason) {
  if (why)
    *why = reason;
  return std::nullopt;
}

}  // namespace

int64_t unix_now() {
  return std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch())
    .count();
}

token_claims jwt_codec::claims_for(int64_t user_id, int32_t version, std::string type, int64_t ttl_seconds,
                                   int64_t now) const {
  unsigned char id[16];
  randombytes_buf(id, sizeof id);
  return token_claims{user_id, std::move(type), now, now + ttl_seconds, b64url_encode(id, sizeof id), version};
}

std::string jwt_codec::sign(const token_claims& c) const {
  static const std::string header = b64url_encode(std::string{R"({"alg":"HS256","typ":"JWT"})"});
  rapidjson::StringBuffer buf;
  json::writer w{buf};
  w.StartObject();
  w.Key("sub");
  w.String(std::to_string(c.user_id));
  w.Key("typ");
  w.String(c.type);
  w.Key("iat");
  w.Int64(c.issued_at);
  w.Key("exp");
  w.Int64(c.expires_at);
  w.Key("jti");
  w.String(c.jti);
  w.Key("ver");
  w.Int(c.version);
  w.EndObject();
  std::string signing_input = header + "." + b64url_encode(std::string{buf.GetString(), buf.GetSize()});
  return signing_input + "." + b64url_encode(common::hmac_sha256(secret_, signing_input));
}

std::optional<token_claims> jwt_codec::verify(std::string_view token, std::string_view expected_type, int64_t now,
                                              std::string* why) const {
  if (token.size() > max_token_bytes)
    return reject(why, "longer than max_token_bytes");
  auto first = token.find('.');
  auto second = first == std::string_view::npos ? first : token.find('.', first + 1);
  if (second == std::string_view::npos || token.find('.', second + 1) != std::string_view::npos)
    return reject(why, "not three segments");

  auto header = b64url_decode(token.substr(0, first));
  if (!header)
    return reject(why, "header is not base64url");
  rapidjson::Document h;
  if (!json::parse_untrusted(header->data(), header->size(), h) || !h.IsObject())
    return reject(why, "header is not JSON");
  auto alg = h.FindMember("alg");
  if (alg == h.MemberEnd() || !alg->value.IsString() || std::string_view{alg->value.GetString()} != "HS256")
    return reject(why, "algorithm is not HS256");

  auto signature = b64url_decode(token.substr(second + 1));
  auto expected = common::hmac_sha256(secret_, token.substr(0, second));
  if (!signature || !common::equal_in_constant_time(*signature, expected))
    return reject(why, "bad signature");

  auto payload = b64url_decode(token.substr(first + 1, second - first - 1));
  if (!payload)
    return reject(why, "payload is not base64url");
  rapidjson::Document p;
  if (!json::parse_untrusted(payload->data(), payload->size(), p) || !p.IsObject())
    return reject(why, "payload is not JSON");

  auto member = [&](const char* name) -> const rapidjson::Value* {
    auto it = p.FindMember(name);
    return it == p.MemberEnd() ? nullptr : &it->value;
  };
  const auto *sub = member("sub"), *typ = member("typ"), *iat = member("iat"), *exp = member("exp"),
             *jti = member("jti"), *ver = member("ver");
  if (!sub || !sub->IsString() || !typ || !typ->IsString() || !exp || !exp->IsInt64() || !ver || !ver->IsInt())
    return reject(why, "missing or mistyped claims");

  token_claims c;
  std::string_view sub_text{sub->GetString(), sub->GetStringLength()};
  auto [ptr, ec] = std::from_chars(sub_text.data(), sub_text.data() + sub_text.size(), c.user_id);
  if (ec != std::errc{} || ptr != sub_text.data() + sub_text.size() || c.user_id <= 0)
    return reject(why, "sub is not a user id");
  c.type = typ->GetString();
  if (c.type != expected_type)
    return reject(why, "wrong token type");
  c.expires_at = exp->GetInt64();
  if (c.expires_at + leeway_seconds <= now)
    return reject(why, "expired");
  c.issued_at = iat && iat->IsInt64() ? iat->GetInt64() : 0;
  c.jti = jti && jti->IsString() ? jti->GetString() : "";
  c.version = ver->GetInt();
  return c;
}

}  // namespace commerce::http
