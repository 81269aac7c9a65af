// The part of a rollout that survives a crash (internal to src/rollout): what phase and step it
// is in, the weights it published, the approvals it got, and why it is rolling back. Stored as
// JSON in the deployment's metadata under "rollout", written before every action. Plain value.
#pragma once

#include <cstdint>
#include <map>
#include <string>

#include "core/result.h"
#include "store/store.h"

namespace gantry::rollout::detail {

struct RolloutState {
  std::string stage;  // the sub-step within the phase ("", "scale", "smoke", "drain")
  int step = 0;       // canary: index of the current step
  std::int64_t step_started_ms = 0;    // wall clock: a resumed pause keeps its deadline
  std::int64_t paused_at_ms = 0;       // while paused
  std::map<std::string, int> weights;  // as published; {} = all on the stable revision
  int canary_weight = 0;
  bool approved = false;           // the environment's approval was given (or not needed)
  std::string waiting_for;         // "" | "approval" | "promote"
  int failures = 0;                // consecutive failed analysis intervals
  int intervals = 0;               // conclusive intervals judged
  int passed = 0;                  // of those, passed
  int step_passes = 0;             // passed intervals in the current analysis step
  int step_extensions = 0;         // times an analysis step was extended for lack of traffic
  std::int64_t warm_until_ms = 0;  // blue-green: the old side is kept until then
  std::string final_status;        // while rolling back: rolled_back | aborted | failed
  std::string rule;                // the rollback rule that fired
  std::string reason;              // ... and the numbers behind it
  std::string artifact_digest;
  std::int64_t error_count = 0;
};

std::string to_metadata(const RolloutState& state, const std::string& old_metadata);
// The stored state; an error when the metadata has none or it is malformed.
Result<RolloutState> from_metadata(const std::string& metadata);

}  // namespace gantry::rollout::detail
