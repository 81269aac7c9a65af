// Hand-built specs for lint rule tests: services with source-map lines, as the parser
// would record them. Test-only helpers.
#pragma once

#include <string>

#include "lint/lint.h"
#include "spec/model.h"

namespace gantry::lint::testing {

inline spec::Spec make_spec(std::string environment = "") {
  spec::Spec s;
  s.file = "gantry.yaml";
  s.project = "shop";
  s.environment = std::move(environment);
  s.source.default_file = "gantry.yaml";
  return s;
}

// Records key_path at line (column 5) in the spec's file.
inline void at(spec::Spec& s, const std::string& key_path, int line, int column = 5) {
  s.source.set(key_path, Location{"gantry.yaml", line, column});
}

// A service with a readiness probe (so health rules stay quiet unless a test removes it).
inline spec::Service& add_service(spec::Spec& s, const std::string& name, int line,
                                  std::optional<int> port = std::nullopt) {
  spec::Service svc;
  svc.name = name;
  svc.command = {"./bin/" + name};
  svc.port = port;
  svc.health.readiness = spec::Probe{};
  svc.health.readiness->period = std::chrono::seconds(2);
  svc.health.readiness->timeout = std::chrono::seconds(1);
  s.services.push_back(svc);
  at(s, "services." + name, line, 3);
  if (port) at(s, "services." + name + ".port", line + 2);
  return s.services.back();
}

inline spec::EnvValue literal(std::string v) {
  spec::EnvValue e;
  e.raw = v;
  e.value = std::move(v);
  return e;
}

inline std::vector<Finding> of_rule(const std::vector<Finding>& all, std::string_view rule) {
  std::vector<Finding> out;
  for (const auto& f : all) {
    if (f.rule_id == rule) out.push_back(f);
  }
  return out;
}

inline std::vector<Finding> lint_rule(const spec::Spec& s, std::string_view rule) {
  return of_rule(lint_spec(s), rule);
}

}  // namespace gantry::lint::testing
