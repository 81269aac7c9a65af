// `gantry env check`: a real environment (dotenv files or the process environment) checked
// against one service's env_schema, and drift against an example file. Pure; thread-safe.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "core/result.h"
#include "lint/lint.h"
#include "spec/dotenv.h"
#include "spec/model.h"

namespace gantry::lint {

// One variable of a real environment; where is known when it was read from a file.
struct RealVar {
  std::string value;
  Location where;
};
using RealEnv = std::map<std::string, RealVar, std::less<>>;

// The merge of dotenv files, later files winning.
RealEnv real_env_from_dotenvs(const std::vector<spec::Dotenv>& files);
// The current process environment (no locations).
RealEnv real_env_from_process();

struct EnvCheckOptions {
  std::optional<spec::Dotenv> example;  // .env.example: its keys are compared both ways
  // The real environment is the process environment: variables outside the schema and the
  // example belong to the shell (PATH, HOME, ...) and are not reported as unknown or drift.
  bool from_process = false;
};

// Rule ids of the findings check_env returns.
inline constexpr const char* kRuleEnvMissing = "env-missing";             // error
inline constexpr const char* kRuleEnvInvalid = "env-invalid";             // error
inline constexpr const char* kRuleEnvUnknown = "env-unknown";             // info
inline constexpr const char* kRuleEnvDriftMissing = "env-drift-missing";  // warning
inline constexpr const char* kRuleEnvDriftExtra = "env-drift-extra";      // warning

// Checks env for `service` of a resolved spec: required variables that are missing, values
// that break the schema (defaults applied when absent), variables not in the schema, and
// drift against options.example. A schema variable the spec's own env: sets is provided by
// gantry, so it is not missing. Messages never hold a secret value.
std::vector<Finding> check_env(const spec::Spec& spec, const spec::Service& service,
                               const RealEnv& env, const EnvCheckOptions& options = {});

}  // namespace gantry::lint
