// RFC 3339 UTC timestamps with milliseconds.
#include "core/timestamp.h"

#include <cstdio>
#include <ctime>

namespace gantry {

std::int64_t to_unix_ms(std::chrono::system_clock::time_point at) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(at.time_since_epoch()).count();
}

std::string format_timestamp(std::int64_t unix_ms) {
  std::int64_t secs = unix_ms / 1000;
  std::int64_t ms = unix_ms % 1000;
  if (ms < 0) {
    ms += 1000;
    secs -= 1;
  }
  const std::time_t t = static_cast<std::time_t>(secs);
  std::tm tm{};
  ::gmtime_r(&t, &tm);
  char buf[64];
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900,
                tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, static_cast<int>(ms));
  return buf;
}

std::string format_timestamp(std::chrono::system_clock::time_point at) {
  return format_timestamp(to_unix_ms(at));
}

Result<std::int64_t> parse_timestamp(std::string_view text) {
  auto bad = [&] {
    return make_error(ErrorCode::Invalid,
                      "'" + std::string(text) +
                          "' is not a timestamp; expected RFC 3339 in UTC such as "
                          "2026-11-25T13:45:01.123Z");
  };
  // YYYY-MM-DDTHH:MM:SS[.mmm]Z
  if (text.size() != 20 && text.size() != 24) return bad();
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    const bool digit = c >= '0' && c <= '9';
    switch (i) {
      case 4:
      case 7:
        if (c != '-') return bad();
        break;
      case 10:
        if (c != 'T') return bad();
        break;
      case 13:
      case 16:
        if (c != ':') return bad();
        break;
      case 19:
        if (text.size() == 20 ? c != 'Z' : c != '.') return bad();
        break;
      case 23:
        if (c != 'Z') return bad();
        break;
      default:
        if (!digit) return bad();
    }
  }
  auto num = [&](std::size_t pos, std::size_t len) {
    int v = 0;
    for (std::size_t i = pos; i < pos + len; ++i) v = v * 10 + (text[i] - '0');
    return v;
  };
  std::tm tm{};
  tm.tm_year = num(0, 4) - 1900;
  tm.tm_mon = num(5, 2) - 1;
  tm.tm_mday = num(8, 2);
  tm.tm_hour = num(11, 2);
  tm.tm_min = num(14, 2);
  tm.tm_sec = num(17, 2);
  if (tm.tm_mon > 11 || tm.tm_mday < 1 || tm.tm_mday > 31 || tm.tm_hour > 23 || tm.tm_min > 59 ||
      tm.tm_sec > 60) {
    return bad();
  }
  const int ms = text.size() == 24 ? num(20, 3) : 0;
  return static_cast<std::int64_t>(::timegm(&tm)) * 1000 + ms;
}

}  // namespace gantry
