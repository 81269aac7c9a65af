// RFC 3339 timestamps with milliseconds in UTC ("2026-11-25T13:45:01.123Z"), as the API and the
// log files write them. Pure functions; thread-safe.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>

#include "core/result.h"

namespace gantry {

// Milliseconds since the Unix epoch -> "2026-11-25T13:45:01.123Z".
std::string format_timestamp(std::int64_t unix_ms);
std::string format_timestamp(std::chrono::system_clock::time_point at);

// "2026-11-25T13:45:01.123Z" (milliseconds optional, "Z" required) -> ms since the epoch.
Result<std::int64_t> parse_timestamp(std::string_view text);

std::int64_t to_unix_ms(std::chrono::system_clock::time_point at);

}  // namespace gantry
