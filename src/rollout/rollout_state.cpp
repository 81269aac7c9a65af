// RolloutState <-> the deployment's metadata JSON.
#include "rollout/rollout_state.h"

#include <nlohmann/json.hpp>

#include "rollout/rollout.h"

namespace gantry::rollout {
namespace detail {

using nlohmann::json;

std::string to_metadata(const RolloutState& s, const std::string& old_metadata) {
  json meta = json::parse(old_metadata, nullptr, false);
  if (!meta.is_object()) meta = json::object();
  meta["rollout"] = json{
      {"stage", s.stage},
      {"step", s.step},
      {"step_started_ms", s.step_started_ms},
      {"paused_at_ms", s.paused_at_ms},
      {"weights", s.weights},
      {"canary_weight", s.canary_weight},
      {"approved", s.approved},
      {"waiting_for", s.waiting_for},
      {"failures", s.failures},
      {"intervals", s.intervals},
      {"passed", s.passed},
      {"step_passes", s.step_passes},
      {"step_extensions", s.step_extensions},
      {"warm_until_ms", s.warm_until_ms},
      {"final_status", s.final_status},
      {"rule", s.rule},
      {"reason", s.reason},
      {"error_count", s.error_count},
  };
  if (!s.artifact_digest.empty()) meta["artifact_digest"] = s.artifact_digest;
  return meta.dump(-1, ' ', false, json::error_handler_t::replace);
}

Result<RolloutState> from_metadata(const std::string& metadata) {
  const json meta = json::parse(metadata, nullptr, false);
  if (!meta.is_object() || !meta.contains("rollout") || !meta["rollout"].is_object()) {
    return make_error(ErrorCode::Invalid, "the deployment has no stored rollout state");
  }
  try {
    const json& r = meta["rollout"];
    RolloutState s;
    s.stage = r.value("stage", "");
    s.step = r.value("step", 0);
    s.step_started_ms = r.value("step_started_ms", std::int64_t{0});
    s.paused_at_ms = r.value("paused_at_ms", std::int64_t{0});
    if (r.contains("weights")) s.weights = r["weights"].get<std::map<std::string, int>>();
    s.canary_weight = r.value("canary_weight", 0);
    s.approved = r.value("approved", false);
    s.waiting_for = r.value("waiting_for", "");
    s.failures = r.value("failures", 0);
    s.intervals = r.value("intervals", 0);
    s.passed = r.value("passed", 0);
    s.step_passes = r.value("step_passes", 0);
    s.step_extensions = r.value("step_extensions", 0);
    s.warm_until_ms = r.value("warm_until_ms", std::int64_t{0});
    s.final_status = r.value("final_status", "");
    s.rule = r.value("rule", "");
    s.reason = r.value("reason", "");
    s.error_count = r.value("error_count", std::int64_t{0});
    s.artifact_digest = meta.value("artifact_digest", "");
    return s;
  } catch (const json::exception& e) {
    return make_error(ErrorCode::Invalid,
                      std::string("the stored rollout state is malformed: ") + e.what());
  }
}

}  // namespace detail

std::map<std::string, int> stored_weights(const store::Deployment& deployment) {
  auto state = detail::from_metadata(deployment.metadata_json);
  if (!state) return {};
  return state->weights;
}

}  // namespace gantry::rollout
