#include "http/pagination.hpp"

#include "common/url.hpp"
#include "http/front_door.hpp"

#include <charconv>

namespace commerce::http {

namespace {

std::string page_url(const request_context& ctx, int64_t page) {
  std::string url = "http://" + (ctx.host.empty() ? std::string{"localhost"} : ctx.host) + ctx.path + "?";
  bool first = true;
  auto add = [&](const std::string& k, const std::string& v) {
    url += (first ? "" : "&") + common::percent_encode(k) + "=" + common::percent_encode(v);
    first = false;
  };
  for (const auto& [k, v] : ctx.query)
    if (k != "page")
      add(k, v);
  add("page", std::to_string(page));
  return url;
}

}  // namespace

bool clean_text(const std::string& s) {
  size_t i = 0;
  while (i < s.size()) {
    auto lead = static_cast<unsigned char>(s[i]);
    if (lead == 0)
      return false;
    size_t extra = 0;
    uint32_t cp = 0;
    if (lead < 0x80) {
      cp = lead;
    } else if (lead >= 0xC2 && lead <= 0xDF) {
      extra = 1, cp = lead & 0x1F;
    } else if (lead >= 0xE0 && lead <= 0xEF) {
      extra = 2, cp = lead & 0x0F;
    } else if (lead >= 0xF0 && lead <= 0xF4) {
      extra = 3, cp = lead & 0x07;
    } else {
      return false;
    }
    if (s.size() - i - 1 < extra)
      return false;
    for (size_t k = 1; k <= extra; ++k) {
      auto c = static_cast<unsigned char>(s[i + k]);
      if ((c & 0xC0) != 0x80)
        return false;
      cp = (cp << 6) | (c & 0x3F);
    }
    // Overlong forms, UTF-16 surrogates and code points past U+10FFFF are not UTF-8.
    if ((extra == 2 && cp < 0x800) || (extra == 3 && (cp < 0x10000 || cp > 0x10FFFF)) || (cp >= 0xD800 && cp <= 0xDFFF))
      return false;
    i += extra + 1;
  }
  return true;
}

page_request read_page(const std::map<std::string, std::string>& query, actors::field_errors& bad) {
  page_request p;
  auto positive = [&](const char* name, int64_t& out) {
    auto it = query.find(name);
    if (it == query.end())
      return;
    int64_t n = 0;
    const auto& text = it->second;
    auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), n);
    if (text.empty() || ec != std::errc{} || ptr != text.data() + text.size() || n < 1)
      bad[name].push_back("must be a positive integer");
    else
      out = n;
  };
  positive("page", p.page);
  positive("page_size", p.size);
  p.size = std::min<int64_t>(p.size, 100);
  if (p.page > 1'000'000'000)
    bad["page"].push_back("is too large");
  return p;
}

void write_page(json::writer& w, const request_context& ctx, const page_request& p, int64_t count, size_t rows,
                const std::function<void(size_t)>& write_item) {
  w.StartObject();
  w.Key("count");
  w.Int64(count);
  w.Key("next");
  if (p.offset() + p.size < count)
    w.String(page_url(ctx, p.page + 1));
  else
    w.Null();
  w.Key("previous");
  if (p.page > 1)
    w.String(page_url(ctx, p.page - 1));
  else
    w.Null();
  w.Key("results");
  w.StartArray();
  for (size_t i = 0; i < rows; ++i)
    write_item(i);
  w.EndArray();
  w.EndObject();
}

}  // namespace commerce::http
