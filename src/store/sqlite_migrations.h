// The SQLite schema, as numbered migrations (internal to src/store). Append only: a released
// migration never changes; the next schema change is a new entry.
#pragma once

#include <string_view>
#include <vector>

namespace gantry::store {

struct Migration {
  int version;
  std::string_view sql;
};

const std::vector<Migration>& sqlite_migrations();

}  // namespace gantry::store
