// `gantry env check`: schema checks and example drift on a real environment. Pure apart from
// real_env_from_process (reads environ); thread-safe as long as nobody calls setenv meanwhile.
#include "lint/env_check.h"

#include <set>
#include <string>

#include "core/strings.h"
#include "fmt/format.h"
#include "lint/env_schema.h"

extern char** environ;  // NOLINT: POSIX

namespace gantry::lint {
namespace {

constexpr std::size_t kMaxShownValue = 60;

// A non-secret value as shown in a message: quoted, one line, shortened.
std::string show_value(std::string_view value) { return quote_for_display(value, kMaxShownValue); }

class EnvChecker {
 public:
  EnvChecker(const spec::Spec& spec, const spec::Service& service, const RealEnv& env,
             const EnvCheckOptions& options)
      : spec_(spec), service_(service), env_(env), options_(options) {
    if (!spec.environment.empty()) environments_.push_back(spec.environment);
    for (const auto& [name, schema] : service.env_schema) schema_names_.push_back(name);
  }

  std::vector<Finding> run() {
    for (const auto& [name, schema] : service_.env_schema) check_schema_var(name, schema);
    if (!options_.from_process) check_unknown();
    if (options_.example) check_drift(*options_.example);
    return std::move(findings_);
  }

 private:
  std::string schema_path(std::string_view name) const {
    return fmt::format("services.{}.env_schema.{}", service_.name, name);
  }
  Location schema_location(std::string_view name) const {
    return spec_.source.where(schema_path(name));
  }

  Finding& add(const char* rule, Severity severity, std::string message, Location where,
               std::string key_path, std::string hint) {
    Finding f;
    f.rule_id = rule;
    f.severity = severity;
    f.message = std::move(message);
    f.where = std::move(where);
    f.key_path = std::move(key_path);
    f.hint = std::move(hint);
    f.environments = environments_;
    findings_.push_back(std::move(f));
    return findings_.back();
  }

  // Provided by gantry from the spec's env: (and resolved), so the real env need not set it.
  bool set_by_spec(const std::string& name) const {
    const auto it = service_.env.find(name);
    return it != service_.env.end() && !it->second.unresolved;
  }

  void check_schema_var(const std::string& name, const spec::VarSchema& schema) {
    const bool secret = is_secret_var(name, &schema);
    const auto it = env_.find(name);
    if (it == env_.end()) {
      if (set_by_spec(name)) return;
      if (schema.default_value) {
        if (auto problem = validate_value(schema, *schema.default_value)) {
          add(kRuleEnvInvalid, Severity::Error,
              fmt::format("{} is not set and its schema default {}", name, *problem),
              schema_location(name), schema_path(name), "fix the default in env_schema");
        }
        return;
      }
      if (schema.required) {
        missing_.insert(name);
        std::string message = fmt::format("{} is required by {} but not set", name, service_.name);
        if (!schema.description.empty()) message += fmt::format(" ({})", schema.description);
        add(kRuleEnvMissing, Severity::Error, std::move(message), schema_location(name),
            schema_path(name),
            fmt::format("set {} in the environment, or give it a default in env_schema", name));
      }
      return;
    }
    const RealVar& var = it->second;
    auto problem = validate_value(schema, var.value);
    if (!problem) return;
    const bool hide = secret || must_hide_value(name, &schema, var.value);
    std::string message =
        hide ? fmt::format("{} (secret, value not shown) {}", name, *problem)
             : fmt::format("{} is {} but {}", name, show_value(var.value), *problem);
    const Location where = var.where.known() ? var.where : schema_location(name);
    Finding& f =
        add(kRuleEnvInvalid, Severity::Error, std::move(message), where, schema_path(name),
            schema.description.empty() ? fmt::format("give {} a value its env_schema accepts", name)
                                       : fmt::format("{}: {}", name, schema.description));
    if (var.where.known()) f.related.push_back(schema_location(name));
  }

  void check_unknown() {
    for (const auto& [name, var] : env_) {
      if (service_.env_schema.count(name)) continue;
      std::string message =
          fmt::format("{} is set but not declared in the env_schema of {}", name, service_.name);
      message += did_you_mean(name, schema_names_);
      add(kRuleEnvUnknown, Severity::Info, std::move(message),
          var.where.known() ? var.where : spec_.source.where("services." + service_.name),
          fmt::format("services.{}.env_schema", service_.name),
          "declare it in env_schema (type, required) or drop it if nothing reads it");
    }
  }

  void check_drift(const spec::Dotenv& example) {
    std::set<std::string, std::less<>> example_keys;
    for (const auto& entry : example.entries) {
      example_keys.insert(entry.key);
      if (env_.count(entry.key) || missing_.count(entry.key)) continue;
      add(kRuleEnvDriftMissing, Severity::Warning,
          fmt::format("{} is in {} but not in the real environment", entry.key, example.file),
          entry.where, entry.key,
          fmt::format("set {} (the example says the app expects it), or remove it from {}",
                      entry.key, example.file));
    }
    if (options_.from_process) return;
    for (const auto& [name, var] : env_) {
      if (example_keys.count(name)) continue;
      add(kRuleEnvDriftExtra, Severity::Warning,
          fmt::format("{} is set but missing from {}", name, example.file), var.where, name,
          fmt::format("add {} to {} so the next person knows to set it", name, example.file));
    }
  }

  const spec::Spec& spec_;
  const spec::Service& service_;
  const RealEnv& env_;
  const EnvCheckOptions& options_;
  std::vector<std::string> environments_;
  std::vector<std::string> schema_names_;
  std::set<std::string, std::less<>> missing_;
  std::vector<Finding> findings_;
};

}  // namespace

RealEnv real_env_from_dotenvs(const std::vector<spec::Dotenv>& files) {
  RealEnv env;
  for (const auto& file : files) {
    for (const auto& entry : file.entries) env[entry.key] = RealVar{entry.value, entry.where};
  }
  return env;
}

RealEnv real_env_from_process() {
  RealEnv env;
  for (char** p = environ; p && *p; ++p) {
    const std::string_view item(*p);
    const auto eq = item.find('=');
    if (eq == std::string_view::npos || eq == 0) continue;
    env[std::string(item.substr(0, eq))] = RealVar{std::string(item.substr(eq + 1)), {}};
  }
  return env;
}

std::vector<Finding> check_env(const spec::Spec& spec, const spec::Service& service,
                               const RealEnv& env, const EnvCheckOptions& options) {
  return EnvChecker(spec, service, env, options).run();
}

}  // namespace gantry::lint
