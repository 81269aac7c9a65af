// ${VAR} interpolation in spec values. Pure; thread-safe.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include "core/result.h"

namespace gantry::spec {

using VarLookup = std::function<std::optional<std::string>(std::string_view name)>;

struct Interpolated {
  std::string text;
  bool changed = false;     // there was at least one ${...}
  bool unresolved = false;  // lenient mode left an expression as written
};

// ${VAR}, ${VAR:-default} (unset or empty), ${VAR-default} (unset), ${VAR:?message},
// $$ for a literal $. secret://... values are never touched. Errors have no location: the
// caller adds it.
Result<Interpolated> interpolate(std::string_view text, const VarLookup& lookup, bool lenient);

}  // namespace gantry::spec
