// Parsing and formatting of durations, percentages, sizes and ports.
#include "core/units.h"

#include <charconv>
#include <cmath>
#include <cstdio>
#include <limits>

namespace gantry {
namespace {

bool is_digit(char c) { return c >= '0' && c <= '9'; }

// Reads a non-negative decimal number ("12", "1.5") from the front of text.
bool read_number(std::string_view& text, double& out) {
  std::size_t i = 0;
  bool digits = false;
  while (i < text.size() && is_digit(text[i])) {
    ++i;
    digits = true;
  }
  if (i < text.size() && text[i] == '.') {
    ++i;
    while (i < text.size() && is_digit(text[i])) {
      ++i;
      digits = true;
    }
  }
  if (!digits) return false;
  out = std::strtod(std::string(text.substr(0, i)).c_str(), nullptr);
  text.remove_prefix(i);
  return true;
}

Error unit_error(std::string_view text, std::string_view what, std::string_view valid) {
  return make_error(ErrorCode::Invalid, "'" + std::string(text) + "' is not a valid " +
                                            std::string(what) + " (" + std::string(valid) + ")");
}

}  // namespace

Result<Duration> parse_duration(std::string_view text) {
  constexpr std::string_view kValid = "use a number with a unit: 500ms, 30s, 2m, 1h30m";
  if (text == "0") return Duration{0};
  if (text.empty()) return unit_error(text, "duration", kValid);
  std::string_view rest = text;
  double total_ms = 0;
  while (!rest.empty()) {
    double n = 0;
    if (!read_number(rest, n)) return unit_error(text, "duration", kValid);
    double scale = 0;
    if (rest.starts_with("ms")) {
      scale = 1;
      rest.remove_prefix(2);
    } else if (rest.starts_with("s")) {
      scale = 1000;
      rest.remove_prefix(1);
    } else if (rest.starts_with("m")) {
      scale = 60'000;
      rest.remove_prefix(1);
    } else if (rest.starts_with("h")) {
      scale = 3'600'000;
      rest.remove_prefix(1);
    } else if (rest.starts_with("d")) {
      scale = 86'400'000;
      rest.remove_prefix(1);
    } else
      return unit_error(text, "duration", kValid);
    total_ms += n * scale;
  }
  if (total_ms > 1e15) return unit_error(text, "duration", "too large");
  return Duration{static_cast<Duration::rep>(std::llround(total_ms))};
}

std::string format_duration(Duration d) {
  auto ms = d.count();
  if (ms == 0) return "0s";
  std::string out;
  if (ms < 0) {
    out = "-";
    ms = -ms;
  }
  if (ms % 1000 != 0) {
    if (ms < 1000) return out + std::to_string(ms) + "ms";
    char buf[32];
    std::snprintf(buf, sizeof buf, "%g", static_cast<double>(ms) / 1000.0);
    return out + buf + "s";
  }
  auto s = ms / 1000;
  const auto h = s / 3600;
  const auto m = (s % 3600) / 60;
  s %= 60;
  if (h) out += std::to_string(h) + "h";
  if (m) out += std::to_string(m) + "m";
  if (s) out += std::to_string(s) + "s";
  return out;
}

Result<double> parse_percent(std::string_view text) {
  constexpr std::string_view kValid = "use a percentage from 0% to 100%, like 99% or 99.5%";
  std::string_view rest = text;
  double n = 0;
  if (!read_number(rest, n) || rest != "%") return unit_error(text, "percentage", kValid);
  if (n > 100) return unit_error(text, "percentage", kValid);
  return n / 100.0;
}

std::string format_percent(double fraction) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%g%%", fraction * 100.0);
  return buf;
}

Result<std::uint64_t> parse_size(std::string_view text) {
  constexpr std::string_view kValid = "use bytes or a unit: 64k, 100M, 512Mi, 1Gi";
  std::string_view rest = text;
  double n = 0;
  if (!read_number(rest, n)) return unit_error(text, "size", kValid);
  double scale = 0;
  if (rest.empty() || rest == "B")
    scale = 1;
  else if (rest == "k" || rest == "K" || rest == "KB")
    scale = 1e3;
  else if (rest == "M" || rest == "MB")
    scale = 1e6;
  else if (rest == "G" || rest == "GB")
    scale = 1e9;
  else if (rest == "T" || rest == "TB")
    scale = 1e12;
  else if (rest == "Ki" || rest == "KiB")
    scale = 1024.0;
  else if (rest == "Mi" || rest == "MiB")
    scale = 1024.0 * 1024;
  else if (rest == "Gi" || rest == "GiB")
    scale = 1024.0 * 1024 * 1024;
  else if (rest == "Ti" || rest == "TiB")
    scale = 1024.0 * 1024 * 1024 * 1024;
  else
    return unit_error(text, "size", kValid);
  const double bytes = n * scale;
  if (bytes > 1.8e19) return unit_error(text, "size", "too large");
  return static_cast<std::uint64_t>(std::llround(bytes));
}

std::string format_size(std::uint64_t bytes) {
  constexpr std::uint64_t kKi = 1024;
  const std::pair<std::uint64_t, const char*> units[] = {
      {kKi * kKi * kKi * kKi, "Ti"}, {kKi * kKi * kKi, "Gi"}, {kKi * kKi, "Mi"}, {kKi, "Ki"}};
  for (const auto& [scale, name] : units) {
    if (bytes >= scale && bytes % scale == 0) return std::to_string(bytes / scale) + name;
  }
  return std::to_string(bytes);
}

Result<int> parse_port(std::string_view text) {
  int port = 0;
  auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), port);
  if (ec != std::errc{} || ptr != text.data() + text.size() || port < 1 || port > 65535) {
    return unit_error(text, "port", "use a number from 1 to 65535");
  }
  return port;
}

std::int64_t now_unix_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

}  // namespace gantry
