// Key files on disk (internal to src/secrets): reading with the permission check, writing
// durably (0600, fsync, rename, directory fsync). Thread-safe (no shared state).
#pragma once

#include <string>

#include "secrets/secrets.h"

namespace gantry::secrets::detail {

// The key in a file; refuses a file that group or others may read ("chmod 600 FILE").
// A missing file is NotFound.
Result<MasterKey> read_key_file(const std::string& path);

// Writes key to path (replacing what is there) via a 0600 temp file, fsync, rename, and an
// fsync of the directory.
Status write_key_file(const std::string& path, const MasterKey& key);

// rename(from, to), then fsync of to's directory.
Status rename_durably(const std::string& from, const std::string& to);

// Creates path's missing parent directories with mode 0700.
Status make_private_dirs_for(const std::string& path);

}  // namespace gantry::secrets::detail
