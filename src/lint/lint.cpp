// The lint driver: the rule catalogue, lint_spec over one resolved spec, lint_file over the
// base spec and every environment (merging identical findings), ordering and exit codes.
#include <algorithm>
#include <map>
#include <tuple>

#include "lint/rules_impl.h"

namespace gantry::lint {

std::string_view name_of(Severity s) {
  switch (s) {
    case Severity::Info:
      return "info";
    case Severity::Warning:
      return "warning";
    case Severity::Error:
      return "error";
  }
  return "?";
}

Result<Severity> parse_severity(std::string_view text) {
  if (text == "info") return Severity::Info;
  if (text == "warning") return Severity::Warning;
  if (text == "error") return Severity::Error;
  return make_error(ErrorCode::Invalid, "unknown severity '" + std::string(text) +
                                            "' (expected info, warning or error)");
}

const std::vector<Rule>& rules() {
  static const std::vector<Rule> kRules = {
      {"port-conflict", Severity::Error, "Two services use the same port",
       "Give each service its own port: only one listener can bind a port, so the second "
       "service fails to start (or, behind a proxy, gets the other's traffic)."},
      {"port-privileged", Severity::Warning, "Port below 1024",
       "Ports below 1024 need root or CAP_NET_BIND_SERVICE. Use a port from 1024 up and put "
       "a load balancer in front for 80/443."},
      {"secret-in-spec", Severity::Error, "Credential written in the spec",
       "Move the value to the vault and reference it as "
       "secret://NAME; rotate it, since it is in the repository history."},
      {"env-schema", Severity::Error, "Environment variable breaks its env_schema",
       "Set every required variable and give each one a value its schema accepts (type, "
       "range, scheme, enum values, prefix, regex)."},
      {"env-unknown", Severity::Info, "Environment variable not declared in env_schema",
       "Declare every variable the service reads in env_schema, so typos and leftovers "
       "show up; remove variables nothing reads."},
      // gantry env check: a real environment against the schema and .env.example
      {"env-missing", Severity::Error, "Required variable missing from the real environment",
       "Set the variable in the environment (or the --env-file), or give it a default in "
       "env_schema."},
      {"env-invalid", Severity::Error, "Variable in the real environment breaks its env_schema",
       "Give the variable a value its schema accepts (type, range, scheme, enum values, "
       "prefix, regex)."},
      {"env-drift-missing", Severity::Warning, "Variable in the example file but not set",
       "Set it, or remove it from the example file if nothing reads it any more."},
      {"env-drift-extra", Severity::Warning, "Variable set but missing from the example file",
       "Add it to the example file so the next person knows to set it."},
      {"missing-readiness", Severity::Warning, "Service with a port but no readiness probe",
       "Add health.readiness so traffic reaches a replica only once it can serve it."},
      {"strategy-without-readiness", Severity::Error,
       "Rolling, blue-green or canary strategy without a readiness probe",
       "Progressive strategies move traffic when new replicas are ready; without "
       "health.readiness they move it blind. Add a readiness probe."},
      {"probe-timeout", Severity::Error, "Probe timeout not shorter than its period",
       "A probe's timeout must be shorter than its period, or probes overlap and a slow "
       "replica is probed again before the last probe has failed."},
      {"startup-budget", Severity::Warning, "Startup probe budget shorter than the restart backoff",
       "period x failure_threshold of the startup probe should be at least "
       "restart.backoff.max, or a slow start turns into a crash loop that spends most of "
       "its time waiting."},
      {"canary-never-full", Severity::Error, "Canary steps never reach 100% weight",
       "End the canary steps with { weight: 100 } so a successful canary takes all traffic."},
      {"canary-weight-decreases", Severity::Error, "Canary weight goes down",
       "Order weight steps from low to high; going back is a rollback, not a step."},
      {"canary-weight-range", Severity::Error, "Canary weight outside 0..100",
       "Weights are percentages of traffic, from 0 to 100."},
      {"analysis-without-config", Severity::Error, "Analysis step without analysis settings",
       "An analysis step needs strategy.canary.analysis (success_rate, latency, "
       "failure_limit) to know what to measure."},
      {"approval-disabled", Severity::Warning,
       "Approval step in an environment where approval is off",
       "Remove the approval step for that environment, or turn approval on."},
  };
  return kRules;
}

const Rule* find_rule(std::string_view id) {
  for (const auto& r : rules()) {
    if (r.id == id) return &r;
  }
  return nullptr;
}

namespace detail {

Finding& Context::add(std::string_view rule_id, const std::string& key_path, std::string message,
                      std::string hint) {
  const Rule* rule = find_rule(rule_id);
  Finding f;
  f.rule_id = std::string(rule_id);
  f.severity = rule ? rule->severity : Severity::Error;
  f.message = std::move(message);
  f.where = spec_.source.where(key_path);
  f.key_path = key_path;
  f.hint = std::move(hint);
  out_.push_back(std::move(f));
  return out_.back();
}

std::string Context::pick_path(std::initializer_list<std::string> candidates) const {
  for (const auto& c : candidates) {
    if (spec_.source.has(c)) return c;
  }
  return candidates.size() ? *candidates.begin() : std::string{};
}

std::string Context::short_location(std::string_view key_path) const {
  Location l = spec_.source.where(key_path);
  l.column = 0;
  const std::string s = l.str();
  return s.empty() ? std::string(key_path) : s;
}

std::string service_path(const spec::Service& service) { return "services." + service.name; }

std::string env_var_path(const Context& ctx, const spec::Service& service,
                         const std::string& name) {
  const std::string own = service_path(service) + ".env." + name;
  if (ctx.spec().source.has(own) || ctx.spec().environment.empty()) return own;
  const std::string& env = ctx.spec().environment;
  return ctx.pick_path({"environments." + env + ".services." + service.name + ".env." + name,
                        "environments." + env + ".vars." + name, own});
}

}  // namespace detail

std::vector<Finding> lint_spec(const spec::Spec& spec) {
  std::vector<Finding> findings;
  detail::Context ctx(spec, findings);
  detail::check_ports(ctx);
  detail::check_secrets(ctx);
  detail::check_env_schema(ctx);
  detail::check_health(ctx);
  detail::check_strategy(ctx);
  sort_findings(findings);
  return findings;
}

namespace {

constexpr const char* kBaseName = "(base)";

}  // namespace

Result<std::vector<Finding>> lint_file(const LintOptions& options) {
  spec::LoadOptions load = options.load;
  load.interpolation = spec::Interpolation::Lenient;

  std::vector<std::string> targets;
  if (!load.environment.empty()) {
    targets.push_back(load.environment);
  } else {
    auto envs = list_environments(load);
    if (!envs) return envs.error();
    targets.push_back("");
    targets.insert(targets.end(), envs->begin(), envs->end());
  }

  // Identical findings (rule, place, message) from several environments become one.
  std::vector<Finding> merged;
  std::map<std::tuple<std::string, std::string, int, int, std::string>, std::size_t> index;
  for (const auto& env : targets) {
    load.environment = env;
    auto spec = spec::load_spec(load);
    if (!spec) return spec.error();
    for (auto& f : lint_spec(*spec)) {
      auto key = std::make_tuple(f.rule_id, f.where.file, f.where.line, f.where.column, f.message);
      auto [it, inserted] = index.emplace(std::move(key), merged.size());
      if (inserted) merged.push_back(std::move(f));
      merged[it->second].environments.push_back(env.empty() ? kBaseName : env);
    }
  }
  // A finding in every linted spec applies everywhere: leave environments empty.
  for (auto& f : merged) {
    if (f.environments.size() == targets.size()) f.environments.clear();
  }
  sort_findings(merged);
  return merged;
}

void sort_findings(std::vector<Finding>& findings) {
  std::stable_sort(findings.begin(), findings.end(), [](const Finding& a, const Finding& b) {
    return std::tie(a.where.file, a.where.line, a.where.column, a.rule_id, a.message) <
           std::tie(b.where.file, b.where.line, b.where.column, b.rule_id, b.message);
  });
}

int exit_code_for(const std::vector<Finding>& findings, Severity fail_on) {
  for (const auto& f : findings) {
    if (f.severity >= fail_on) return 1;
  }
  return 0;
}

}  // namespace gantry::lint
