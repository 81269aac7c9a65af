// Checking one variable's value against its env_schema entry; shared by the lint rule on
// spec values and by `gantry env check` on real environments. Pure; thread-safe.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "spec/model.h"

namespace gantry::lint {

// nullopt when value satisfies schema; otherwise what is wrong and what would be valid, in
// words that never repeat the value itself (it may be a secret):
// "must be an int from 5 to 50", "must be a url with scheme postgresql (got mysql)".
std::optional<std::string> validate_value(const spec::VarSchema& schema, std::string_view value);

// True when the variable's value must never be printed: schema.secret or a secret-like name.
bool is_secret_var(std::string_view name, const spec::VarSchema* schema);

// True when this value must not be printed: a secret var, or a value that holds a known
// credential format or a URL with an inline password whatever its name.
bool must_hide_value(std::string_view name, const spec::VarSchema* schema, std::string_view value);

}  // namespace gantry::lint
