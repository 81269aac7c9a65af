// Internals of the lint rules (only src/lint/*.cpp include this): the context each rule
// family writes findings into, and one entry point per family. Pure; thread-safe.
#pragma once

#include <initializer_list>
#include <string>
#include <string_view>
#include <vector>

#include "lint/lint.h"

namespace gantry::lint::detail {

// Collects the findings of one lint_spec run.
class Context {
 public:
  Context(const spec::Spec& spec, std::vector<Finding>& out) : spec_(spec), out_(out) {}

  const spec::Spec& spec() const { return spec_; }

  // A finding of rule (its default severity) at key_path's location.
  Finding& add(std::string_view rule_id, const std::string& key_path, std::string message,
               std::string hint);
  // The first of candidates the source map knows, else the first one; the returned path is
  // the one whose location is used.
  std::string pick_path(std::initializer_list<std::string> candidates) const;
  Location where(std::string_view key_path) const { return spec_.source.where(key_path); }
  // "gantry.yaml:22" (file:line) for naming the other side of a conflict.
  std::string short_location(std::string_view key_path) const;

 private:
  const spec::Spec& spec_;
  std::vector<Finding>& out_;
};

// "services.api"
std::string service_path(const spec::Service& service);
// Where an env var of a service was written: the service's env, else the environment's vars
// (which the resolved spec has merged into every service).
std::string env_var_path(const Context& ctx, const spec::Service& service, const std::string& name);

void check_ports(Context& ctx);
void check_secrets(Context& ctx);
void check_env_schema(Context& ctx);
void check_health(Context& ctx);
void check_strategy(Context& ctx);

}  // namespace gantry::lint::detail
