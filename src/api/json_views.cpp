// JSON forms of service and replica snapshots, deployments, events and revisions (docs/api.md).
#include "api/json_views_impl.h"
#include "core/timestamp.h"

namespace gantry::api {

using nlohmann::json;

json parse_stored_json(const std::string& text) {
  json parsed = json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (parsed.is_discarded()) return text;
  return parsed;
}

json to_json(const daemon::ReplicaView& r) {
  return json{
      {"service", r.service},
      {"index", r.index},
      {"version", r.version},
      {"revision_id", r.revision_id},
      {"pid", r.pid},
      {"port", r.port > 0 ? json(r.port) : json(nullptr)},
      {"state", r.phase},
      {"readiness", r.readiness},
      {"liveness", r.liveness},
      {"deep", r.deep},
      {"last_probe", r.last_probe},
      {"restarts", r.restarts},
      {"cpu_percent", r.cpu_percent},
      {"rss_bytes", r.rss_bytes},
      {"uptime_ms", r.uptime_ms},
      {"last_exit", r.last_exit},
      {"failure", r.failure},
      {"adopted", r.adopted},
      {"routed", r.routed},
  };
}

json to_json(const daemon::ServiceView& s) {
  json replicas = json::array();
  int routed = 0;
  for (const auto& r : s.replicas) {
    replicas.push_back(to_json(r));
    routed += r.routed ? 1 : 0;
  }
  return json{
      {"name", s.name},
      {"version", s.version},
      {"revision_id", s.revision_id},
      {"port", s.port ? json(*s.port) : json(nullptr)},
      {"desired", s.desired},
      {"ready", s.ready},
      {"routed", s.port ? json(routed) : json(nullptr)},
      {"health", s.health},
      {"restarts", s.restarts},
      {"replicas", std::move(replicas)},
  };
}

json to_json(const store::Deployment& d) {
  json completed = nullptr;
  json duration = nullptr;
  if (d.completed_at_ms) {
    completed = format_timestamp(*d.completed_at_ms);
    duration = *d.completed_at_ms - d.started_at_ms;
  }
  return json{
      {"id", d.id},
      {"service", d.service},
      {"environment", d.environment},
      {"revision_id", d.revision_id},
      {"from_revision_id", d.from_revision_id},
      {"strategy", d.strategy},
      {"version", d.version},
      {"commit_sha", d.commit_sha},
      {"commit_time", d.commit_time_ms ? json(format_timestamp(*d.commit_time_ms)) : json(nullptr)},
      {"triggered_by", d.triggered_by},
      {"started_at", format_timestamp(d.started_at_ms)},
      {"completed_at", std::move(completed)},
      {"duration_ms", std::move(duration)},
      {"status", std::string(store::name_of(d.status))},
      {"health_score", d.health_score},
      {"error_count", d.error_count},
      {"rollback_reason", d.rollback_reason},
      {"metadata", parse_stored_json(d.metadata_json)},
  };
}

json to_json(const store::DeploymentEvent& e) {
  // The same object as the event stream's (telemetry::event_json); deployment_id is the name
  // this list used before the stream existed.
  return json{
      {"id", e.id},
      {"at", format_timestamp(e.at_ms)},
      {"type", e.type},
      {"deployment", e.deployment_id},
      {"deployment_id", e.deployment_id},
      {"service", e.service},
      {"environment", e.environment},
      {"version", e.version},
      {"data", parse_stored_json(e.data_json)},
  };
}

json to_json(const store::Revision& r) {
  return json{
      {"id", r.id},
      {"service", r.service},
      {"environment", r.environment},
      {"number", r.number},
      {"version", r.version},
      {"spec_hash", r.spec_hash},
      {"created_at", format_timestamp(r.created_at_ms)},
      {"spec", parse_stored_json(r.spec_json)},
      {"artifact_digest", r.artifact_digest},
  };
}

json to_json(const rollout::RolloutView& v) {
  return json{
      {"phase", v.phase},
      {"step", v.step},
      {"steps", v.steps},
      {"step_kind", v.step_kind},
      {"weights", v.weights},
      {"stable",
       {{"version", v.stable_version},
        {"revision_id", v.stable_revision},
        {"ready", v.stable_ready},
        {"desired", v.stable_desired}}},
      {"canary",
       {{"version", v.canary_version},
        {"revision_id", v.canary_revision},
        {"ready", v.canary_ready},
        {"desired", v.canary_desired}}},
      {"waiting_for", v.waiting_for},
      {"paused", v.paused},
      {"failures", v.failures},
      {"failure_limit", v.failure_limit},
  };
}

}  // namespace gantry::api
