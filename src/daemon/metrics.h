// The daemon's Prometheus metrics (docs/metrics.md): deployments and rollbacks from the store,
// the proxy's per-version numbers, replicas by state, restarts and probe failures, the process.
// render_metrics runs on the control-plane thread (it reads the controller and the store); the
// count_* tallies may be called from any thread.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <string_view>

#include "core/result.h"
#include "daemon/controller.h"

namespace gantry::daemon {

struct MetricsOptions {
  std::string build_version;    // gantry_build_info{version}
  bool process_metrics = true;  // process_* of this process, from /proc/self
};

// The text of GET /metrics, Prometheus text format 0.0.4. Reads every deployment row of the
// store once (the cost of a scrape grows with the registry), the proxy's numbers and the
// replicas' views. An error when the store cannot be read.
Result<std::string> render_metrics(Controller& controller, const MetricsOptions& options);

// Counters whose source, a replica, does not outlive a deploy: tallied per service for the
// life of the daemon process, as Prometheus expects of a counter (it resets only when the
// process restarts). The replicas call these when a restart or a failed probe happens.
void count_replica_restart(const std::string& service);
void count_probe_failure(const std::string& service, std::string_view probe);  // startup|...

struct ReplicaTally {
  std::uint64_t restarts = 0;
  std::map<std::string, std::uint64_t> probe_failures;  // by probe kind
};
// A copy of the tallies so far, by service.
std::map<std::string, ReplicaTally> replica_tallies();

}  // namespace gantry::daemon
