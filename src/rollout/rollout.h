// The deployment state machine: moves one service from its stable revision to a candidate by
// recreate, rolling, blue-green or canary, judges the candidate on live numbers, and promotes it
// or rolls it back on its own. Every transition is written to the store before it is acted on;
// a daemon restarted mid-rollout resumes from the stored state (or rolls back when that state
// cannot be trusted). Not thread-safe: the control-plane io_context thread only.
#pragma once

#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "core/result.h"
#include "proxy/stats.h"
#include "spec/model.h"
#include "store/store.h"
#include "telemetry/events.h"

namespace boost::asio {
class io_context;
}

namespace gantry::rollout {

using EnvList = std::vector<std::pair<std::string, std::string>>;

// One revision's replicas as the fleet sees them.
struct VersionHealth {
  int live = 0;          // started and not being stopped
  int ready = 0;         // ready and in the routing table
  bool crashed = false;  // a replica exited, crash-looped or spent its startup probe budget
  std::string crash_detail;
  int liveness_failing = 0;
  int deep_unhealthy = 0;
  int deep_degraded = 0;
  std::string deep_detail;
  std::vector<int> ports;  // the live replicas' own ports (custom analysis checks)
};

// Where a smoke test reaches one version: the service's proxy listener and the header that
// picks the version there.
struct PreviewTarget {
  std::string host;
  int port = 0;
  std::vector<std::pair<std::string, std::string>> headers;
};

// What a rollout needs from the daemon for its service (the daemon implements it).
class Fleet {
 public:
  virtual ~Fleet() = default;
  // Starts or drains-then-stops replicas of the revision until `replicas` are live.
  virtual void scale(const store::Revision& revision, const spec::Service& spec, int replicas) = 0;
  virtual VersionHealth health(const std::string& revision_id) = 0;
  // Sets the proxy's weights by version (summing to 100); {} = everything on the service's
  // current revision. The new table is published before this returns.
  virtual void route(const std::map<std::string, int>& weights) = 0;
  // The proxy's cumulative numbers for one version of the service (zero when none yet).
  virtual proxy::StatsSnapshot numbers(const std::string& version) = 0;
  // How to reach a version through the proxy; nullopt when the service has no port.
  virtual std::optional<PreviewTarget> preview(const std::string& version) = 0;
  // The candidate is the service's revision from now on (what runs, what `up` adopts).
  virtual void make_current(const store::Revision& revision, const spec::Service& spec) = 0;
  // The rollout ended (any terminal status); the daemon forgets it.
  virtual void finished(const store::Deployment& deployment) = 0;
};

// Everything a rollout starts from. The deployment row and both revisions are in the store.
struct RolloutPlan {
  store::Deployment deployment;
  std::optional<store::Revision> stable;  // none on a service's very first deployment
  spec::Service stable_spec;
  store::Revision candidate;
  spec::Service candidate_spec;
  spec::StrategyKind strategy = spec::StrategyKind::Rolling;
  bool fast = false;               // a rollback deployment: no build, hooks, steps or analysis
  bool approval_required = false;  // the environment wants a person before traffic moves
  std::string workdir;             // hooks and the build run here
  EnvList hook_env;                // the complete environment of hooks and the build
};

// One line of the rollout's state for the API and `gantry show`.
struct RolloutView {
  std::string phase;
  int step = 0;
  int steps = 0;
  std::string step_kind;
  std::map<std::string, int> weights;
  std::string stable_version, stable_revision, canary_version, canary_revision;
  int stable_ready = 0, stable_desired = 0, canary_ready = 0, canary_desired = 0;
  std::string waiting_for;  // "" | "approval" | "promote"
  bool paused = false;
  int failures = 0;
  int failure_limit = 0;
};

struct RolloutTiming {
  std::chrono::milliseconds tick{20};                // how often the state machine looks again
  std::chrono::milliseconds ready_deadline{300000};  // new replicas must be ready by then
};

class Rollout {
 public:
  virtual ~Rollout() = default;
  virtual const store::Deployment& deployment() const = 0;
  virtual RolloutView view() const = 0;
  // Moves past the current pause, analysis or approval (full: past every remaining step).
  virtual Status promote(bool full, const std::string& by) = 0;
  // Rolls back by hand; the deployment ends `aborted`.
  virtual Status abort(const std::string& by) = 0;
  virtual Status pause(const std::string& by) = 0;
  virtual Status resume(const std::string& by) = 0;
  // The daemon is stopping: stop ticking, leave the stored state as it is (resumed next time).
  virtual void detach() = 0;
  // Something changed in the fleet (a replica became ready, exited): look again now.
  virtual void poke() = 0;
  // The daemon stops every replica now: record the deployment as aborted for that reason and
  // stop ticking (nothing is rolled back: nothing will run).
  virtual void end(const std::string& reason) = 0;
};

// Starts a new rollout (its deployment is `pending` in the store).
std::unique_ptr<Rollout> start_rollout(boost::asio::io_context& io, telemetry::EventBus& events,
                                       Fleet& fleet, RolloutPlan plan, RolloutTiming timing = {});

// Resumes a rollout a killed daemon left, from the state in its deployment's metadata. A state
// that cannot be resumed safely (a build or hook under way, unreadable metadata) rolls back.
std::unique_ptr<Rollout> resume_rollout(boost::asio::io_context& io, telemetry::EventBus& events,
                                        Fleet& fleet, RolloutPlan plan, RolloutTiming timing = {});

// The weights a resumed rollout had published, from its deployment's metadata, so the daemon
// can route as before the crash until the rollout takes over; {} when unknown.
std::map<std::string, int> stored_weights(const store::Deployment& deployment);

}  // namespace gantry::rollout
