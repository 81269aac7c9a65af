// `gantry diff`: what differs between two resolved specs (staging vs production), rendered as
// text or JSON. Secret values are never part of a diff. Pure; thread-safe.
#pragma once

#include <string>
#include <vector>

#include "spec/model.h"

namespace gantry::lint {

struct SpecChange {
  enum class Kind { Added, Removed, Changed };
  Kind kind = Kind::Changed;
  std::string path;    // "services.api.replicas", "services.api.env.LOG_LEVEL"
  std::string before;  // display text; empty for Added
  std::string after;   // display text; empty for Removed
  // A secret variable: before/after hold "<secret>" or a secret:// reference, never a value.
  bool redacted = false;
};

struct SpecDiff {
  std::string left;  // environment names as given ("staging"; "base" for no overlay)
  std::string right;
  std::vector<SpecChange> changes;  // services in the left spec's order, then new ones

  bool identical() const { return changes.empty(); }
};

// Compares service presence, command, port, replicas, env (values only for non-secret
// variables), env_schema, probes, restart policy, strategy, resources, hooks, and the
// environment's approval and promote_from.
SpecDiff diff_specs(const spec::Spec& left, const spec::Spec& right, std::string left_name,
                    std::string right_name);

// "--- staging\n+++ production\n~ services.api.replicas: 2 -> 5\n..." with an optional
// colour per line kind.
std::string format_diff_human(const SpecDiff& diff, bool color);
// {"left":..., "right":..., "identical":bool, "changes":[{"op","path","before","after",...}]}
std::string format_diff_json(const SpecDiff& diff);

}  // namespace gantry::lint
