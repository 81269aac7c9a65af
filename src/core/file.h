// Reading input files with the checks every command needs, and writing files atomically.
// Thread-safe (no shared state).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "core/result.h"

namespace gantry {

// Largest input file any offline command reads (specs, env files, imports).
constexpr std::uint64_t kMaxInputFileBytes = 10 * 1024 * 1024;

// Reads a text input file: errors (one line each) for a missing file, a directory, a file
// over max_bytes, or binary content.
Result<std::string> read_text_file(const std::string& path,
                                   std::uint64_t max_bytes = kMaxInputFileBytes);

// Writes via a temporary file in the same folder, fsync, then rename: readers see the old
// content or the new one, never a torn file. The file gets `mode`.
Status write_file_atomic(const std::string& path, std::string_view content, unsigned mode = 0644);

// Writes all of data to fd (retrying short writes and EINTR); false with errno set on failure.
bool write_all(int fd, std::string_view data);

}  // namespace gantry
