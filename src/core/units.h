// Units users write in specs: durations, percentages, sizes, ports. Pure functions; thread-safe.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>

#include "core/result.h"

namespace gantry {

using Duration = std::chrono::milliseconds;

// "500ms", "30s", "2m", "1h30m", "1.5s", "0"; bare numbers are refused (the unit is required).
Result<Duration> parse_duration(std::string_view text);
// The shortest form that parses back to the same value: "1h30m", "500ms", "0s".
std::string format_duration(Duration d);

// "99%", "99.5%" -> 0.99, 0.995. Must end in %, 0..100.
Result<double> parse_percent(std::string_view text);
std::string format_percent(double fraction);

// "512Mi", "1Gi", "100M", "64k", "1024" (bytes).
Result<std::uint64_t> parse_size(std::string_view text);
std::string format_size(std::uint64_t bytes);

// 1..65535
Result<int> parse_port(std::string_view text);

// Wall-clock milliseconds since the Unix epoch: the unit every stored timestamp uses.
std::int64_t now_unix_ms();

}  // namespace gantry
