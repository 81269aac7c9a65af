// Formatting of locations and errors.
#include "core/result.h"

namespace gantry {

std::string Location::str() const {
  if (file.empty()) return {};
  std::string s = file;
  if (line > 0) {
    // append() rather than `s += ":" + ...`: g++ 12 -O3 warns (-Wrestrict) on the latter.
    s.append(":").append(std::to_string(line));
    if (column > 0) s.append(":").append(std::to_string(column));
  }
  return s;
}

std::string Error::str() const {
  std::string s;
  if (where.known()) s += where.str() + ": ";
  if (!key_path.empty()) s += key_path + ": ";
  s += message;
  return s;
}

Error make_error(ErrorCode code, std::string message, Location where, std::string key_path) {
  return Error{code, std::move(message), std::move(where), std::move(key_path)};
}

}  // namespace gantry
