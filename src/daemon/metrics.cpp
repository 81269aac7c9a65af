// render_metrics: the daemon's numbers as Prometheus families, and the replica tallies.
#include "daemon/metrics.h"

#include <algorithm>
#include <array>
#include <mutex>
#include <nlohmann/json.hpp>
#include <set>
#include <utility>
#include <vector>

#include "proxy/histogram.h"
#include "proxy/server.h"
#include "store/store.h"
#include "telemetry/prometheus.h"

namespace gantry::daemon {
namespace {

using telemetry::Exposition;
using telemetry::HistogramSample;
using telemetry::MetricType;
using Status_ = store::DeploymentStatus;

std::mutex tally_mutex;
std::map<std::string, ReplicaTally>& tallies() {
  static std::map<std::string, ReplicaTally> t;
  return t;
}

// Deployment durations: seconds (a recreate of a small service) to an hour (a long canary).
const std::vector<double> kDurationBounds = {1,   2,   5,   10,  15,   30,  60,
                                             120, 300, 600, 900, 1800, 3600};

// Request latency bounds in microseconds: 125 µs doubling up to 32.768 s. Each is an exact
// edge of the proxy histogram's bins (125·2^k = 2^k' · m with m in 64..127, the start of a
// sub-bucket), so every bucket counts exactly the requests faster than its bound;
// cumulate_bins refuses a bound that would split a bin.
const std::vector<std::uint64_t> kLatencyBoundsMicros = [] {
  std::vector<std::uint64_t> b;
  for (std::uint64_t v = 125; v <= 32'768'000; v *= 2) b.push_back(v);
  return b;
}();

// Every status a deployment can have, for the state-set gauge.
constexpr std::array kStatuses = {
    Status_::Pending,    Status_::Preflight, Status_::Provisioning, Status_::Progressing,
    Status_::Paused,     Status_::Promoting, Status_::Succeeded,    Status_::RollingBack,
    Status_::RolledBack, Status_::Failed,    Status_::Aborted,
};
// How a deployment can end: the status label of gantry_deployments_total.
constexpr std::array kFinished = {Status_::Succeeded, Status_::Failed, Status_::RolledBack,
                                  Status_::Aborted};
// Rollback reasons shown at 0 before they first happen, so that increase() sees the first one.
constexpr std::array kCommonRules = {"abort",     "crash", "deep_health",  "liveness",  "manual",
                                     "not_ready", "smoke", "success_rate", "error_rate"};
// Replica states (docs/metrics.md): every one is shown per service and version.
constexpr std::array kReplicaStates = {"ready",    "not_ready", "starting", "backing_off",
                                       "stopping", "stopped",   "failed"};

bool finished(Status_ s) {
  for (auto f : kFinished) {
    if (f == s) return true;
  }
  return false;
}

// The rollback rule of a deployment that rolled back (or is rolling back), or "" when it did
// not. begin_rollback writes rollback_reason as "RULE: numbers" before the rollback.started
// event and nothing replaces it afterwards; endings without a rollback (a failed build, an
// abort before anything ran, `gantry stop`) write a sentence there instead, never "word: ".
std::string rollback_rule(const store::Deployment& d) {
  if (d.status != Status_::RollingBack && d.status != Status_::RolledBack &&
      d.status != Status_::Aborted && d.status != Status_::Failed) {
    return "";
  }
  const auto colon = d.rollback_reason.find(": ");
  if (colon == std::string::npos || colon == 0) return "";
  const std::string rule = d.rollback_reason.substr(0, colon);
  for (char c : rule) {
    const bool ok =
        (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '[' || c == ']';
    if (!ok) return "";
  }
  // Only a rollout rolls back, and it keeps its state under "rollout" in the metadata; the
  // deployment `gantry up` records for a new revision has none, and its failure reason is a
  // start error that may look like "word: ...".
  const auto meta = nlohmann::json::parse(d.metadata_json, nullptr, false);
  if (!meta.is_object() || !meta.contains("rollout")) return "";
  return rule;
}

// A replica's state in gantry_replicas, from its phase and readiness.
std::string replica_state(const ReplicaView& r) {
  if (r.phase == "running") {
    if (r.readiness == "ready") return "ready";
    if (r.readiness == "not_ready") return "not_ready";
    return "starting";
  }
  if (r.phase == "draining" || r.phase == "stopping") return "stopping";
  if (r.phase == "backing_off") return "backing_off";
  if (r.phase == "failed") return "failed";
  return "stopped";
}

void declare_families(Exposition& e) {
  e.declare("gantry_build_info", MetricType::Gauge,
            "Always 1; the version label is the gantry version that serves these metrics.");
  e.declare("gantry_deployments_total", MetricType::Counter,
            "Finished deployments by environment, strategy and final status.");
  e.declare("gantry_deployment_duration_seconds", MetricType::Histogram,
            "Time from start to end of finished deployments.");
  e.declare("gantry_rollbacks_total", MetricType::Counter,
            "Rollbacks by environment and the rule that started them (manual = gantry "
            "rollback).");
  e.declare("gantry_deployment_status", MetricType::Gauge,
            "1 for the status of each service's newest deployment, 0 for the other statuses.");
  e.declare("gantry_proxy_requests_total", MetricType::Counter,
            "Responses the proxy sent, by service, version and status code.");
  e.declare("gantry_proxy_request_duration_seconds", MetricType::Histogram,
            "Proxy latency from the request head received to the response head sent.");
  e.declare("gantry_replicas", MetricType::Gauge, "Replicas by service, version and state.");
  e.declare("gantry_replica_restarts_total", MetricType::Counter,
            "Replica restarts by the restart policy since the daemon started.");
  e.declare("gantry_probe_failures_total", MetricType::Counter,
            "Failed probe attempts by service and probe since the daemon started.");
}

Status add_deployments(Exposition& e, store::Store& store) {
  store::DeploymentFilter all;
  all.limit = 0;
  auto list = store.list_deployments(all);  // newest first
  if (!list) return list.error();
  std::set<std::string> environments;
  std::set<std::pair<std::string, std::string>> newest_seen;  // (environment, service)
  // Counts and durations by (environment, strategy); the oldest first, so that the sums add up
  // the same way on every scrape.
  std::map<std::pair<std::string, std::string>, std::map<Status_, int>> counts;
  std::map<std::pair<std::string, std::string>, HistogramSample> durations;
  for (auto it = list->rbegin(); it != list->rend(); ++it) {
    const store::Deployment& d = *it;
    environments.insert(d.environment);
    const std::pair key{d.environment, d.strategy};
    auto& count = counts[key];
    auto& duration = durations.try_emplace(key, HistogramSample(kDurationBounds)).first->second;
    if (finished(d.status)) {
      ++count[d.status];
      if (d.completed_at_ms) {
        const std::int64_t ms = std::max<std::int64_t>(*d.completed_at_ms - d.started_at_ms, 0);
        duration.observe(static_cast<double>(ms) / 1000.0);
      }
    }
    if (d.strategy == "rollback") {  // `gantry rollback`: a person asked to go back
      e.add("gantry_rollbacks_total", {{"environment", d.environment}, {"reason", "manual"}}, 1);
    }
    if (const std::string rule = rollback_rule(d); !rule.empty()) {
      e.add("gantry_rollbacks_total", {{"environment", d.environment}, {"reason", rule}}, 1);
    }
  }
  for (const store::Deployment& d : *list) {  // newest first: the first one of a service counts
    if (!newest_seen.emplace(d.environment, d.service).second) continue;
    for (auto s : kStatuses) {
      e.set("gantry_deployment_status",
            {{"environment", d.environment},
             {"service", d.service},
             {"status", std::string(store::name_of(s))}},
            s == d.status ? 1 : 0);
    }
  }
  for (const auto& [key, by_status] : counts) {
    for (auto f : kFinished) {
      auto n = by_status.find(f);
      e.set("gantry_deployments_total",
            {{"environment", key.first},
             {"strategy", key.second},
             {"status", std::string(store::name_of(f))}},
            n == by_status.end() ? 0 : n->second);
    }
  }
  for (const std::string& env : environments) {
    for (const char* rule : kCommonRules) {
      e.add("gantry_rollbacks_total", {{"environment", env}, {"reason", rule}}, 0);
    }
  }
  for (auto& [key, h] : durations) {
    e.set_histogram("gantry_deployment_duration_seconds",
                    {{"environment", key.first}, {"strategy", key.second}}, std::move(h));
  }
  return {};
}

Status add_proxy(Exposition& e, const proxy::ProxyServer& proxy) {
  for (const proxy::VersionNumbers& n : proxy.numbers()) {
    const proxy::StatsSnapshot& s = n.stats;
    for (std::size_t i = 0; i < s.responses_by_code.size(); ++i) {
      if (s.responses_by_code[i] == 0) continue;
      e.set("gantry_proxy_requests_total",
            {{"service", n.service},
             {"version", n.version},
             {"code", std::to_string(proxy::StatsSnapshot::kFirstCode + static_cast<int>(i))}},
            static_cast<double>(s.responses_by_code[i]));
    }
    if (s.responses_other > 0) {
      e.set("gantry_proxy_requests_total",
            {{"service", n.service}, {"version", n.version}, {"code", "other"}},
            static_cast<double>(s.responses_other));
    }
    auto h = telemetry::cumulate_bins(
        kLatencyBoundsMicros, s.latency.buckets(),
        [](std::size_t i) { return proxy::Histogram::bucket_high(i); }, s.latency.sum_micros(),
        1e6);
    if (!h) return h.error();
    e.set_histogram("gantry_proxy_request_duration_seconds",
                    {{"service", n.service}, {"version", n.version}}, std::move(*h));
  }
  return {};
}

void add_replicas(Exposition& e, Controller& controller) {
  for (const ServiceView& sv : controller.services()) {
    std::map<std::string, std::map<std::string, int>> by_version;  // version -> state -> n
    by_version[sv.version];
    for (const ReplicaView& r : sv.replicas) ++by_version[r.version][replica_state(r)];
    for (const auto& [version, states] : by_version) {
      for (const char* state : kReplicaStates) {
        auto it = states.find(state);
        e.set("gantry_replicas", {{"service", sv.name}, {"version", version}, {"state", state}},
              it == states.end() ? 0 : it->second);
      }
    }
  }
  const auto counted = replica_tallies();
  for (const spec::Service& svc : controller.spec().services) {
    auto it = counted.find(svc.name);
    const ReplicaTally none;
    const ReplicaTally& t = it == counted.end() ? none : it->second;
    e.set("gantry_replica_restarts_total", {{"service", svc.name}},
          static_cast<double>(t.restarts));
    std::map<std::string, std::uint64_t> probes = t.probe_failures;
    if (svc.health.startup) probes.try_emplace("startup", 0);
    if (svc.health.readiness) probes.try_emplace("readiness", 0);
    if (svc.health.liveness) probes.try_emplace("liveness", 0);
    for (const auto& [probe, n] : probes) {
      e.set("gantry_probe_failures_total", {{"service", svc.name}, {"probe", probe}},
            static_cast<double>(n));
    }
  }
}

}  // namespace

Result<std::string> render_metrics(Controller& controller, const MetricsOptions& options) {
  Exposition e;
  declare_families(e);
  e.set("gantry_build_info", {{"version", options.build_version}}, 1);
  if (auto st = add_deployments(e, controller.store()); !st) return st.error();
  if (const proxy::ProxyServer* p = controller.proxy()) {
    if (auto st = add_proxy(e, *p); !st) return st.error();
  }
  add_replicas(e, controller);
  if (options.process_metrics) {
    // A process whose /proc cannot be read still gets its other metrics.
    if (auto p = telemetry::read_process_metrics()) telemetry::add_process_metrics(e, *p);
  }
  if (auto st = e.status(); !st) return st.error();
  return e.text();
}

void count_replica_restart(const std::string& service) {
  std::lock_guard lock(tally_mutex);
  ++tallies()[service].restarts;
}

void count_probe_failure(const std::string& service, std::string_view probe) {
  std::lock_guard lock(tally_mutex);
  ++tallies()[service].probe_failures[std::string(probe)];
}

std::map<std::string, ReplicaTally> replica_tallies() {
  std::lock_guard lock(tally_mutex);
  return tallies();
}

}  // namespace gantry::daemon
