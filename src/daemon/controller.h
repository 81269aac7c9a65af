// The controller: reconciles what runs with the spec. It owns the replica supervisors and
// probe loops of every service, persists every state change to the store before acting on it,
// and answers the API's questions with snapshots. Not thread-safe: every call runs on the
// control-plane io_context thread.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/mask.h"
#include "core/result.h"
#include "rollout/rollout.h"
#include "spec/model.h"
#include "store/store.h"
#include "telemetry/events.h"

namespace boost::asio {
class io_context;
}
namespace gantry::proxy {
class ProxyServer;
}

namespace gantry::daemon {

struct ReplicaView {
  std::string service;
  int index = 0;
  std::string version;
  std::string revision_id;
  int pid = 0;
  int port = 0;            // 0 for a service without a port
  std::string phase;       // running | draining | backing_off | stopping | stopped | failed
  std::string readiness;   // unknown | ready | not_ready  (ready when no readiness probe)
  std::string liveness;    // unknown | passing | failing | none
  std::string deep;        // "" | healthy | degraded | unhealthy
  std::string last_probe;  // the last probe's one-line detail
  int restarts = 0;
  double cpu_percent = 0;  // since the previous snapshot
  std::uint64_t rss_bytes = 0;
  std::int64_t uptime_ms = 0;
  std::string last_exit;  // "exited with status 3"
  std::string failure;    // why the replica gave up (crash loop), with last log lines
  bool adopted = false;   // started by an earlier daemon and adopted after its restart
  bool routed = false;    // in the routing table the proxy serves now
};

struct ServiceView {
  std::string name;
  std::string version;
  std::string revision_id;
  std::optional<int> port;
  int desired = 0;
  int ready = 0;
  std::string health;  // starting | healthy | degraded | unhealthy | failed | stopped
  int restarts = 0;
  std::vector<ReplicaView> replicas;
};

struct ControllerOptions {
  std::string state_dir;              // logs in state_dir/logs/SERVICE-INDEX.log
  std::vector<std::string> log_pump;  // {"/path/to/gantry", "__log-pump"}
  std::string environment;
  std::string base_dir;  // relative workdirs and commands resolve here: the spec's folder
  // The proxy whose routing table the controller keeps up to date, and through which it drains
  // a replica before stopping it. Listeners are the caller's business. nullptr = no proxy.
  proxy::ProxyServer* proxy = nullptr;
  // Reads the spec file again, as `gantry up` read it (file, environment, env files), and
  // refuses one with lint errors. `gantry deploy` calls it; unset = deploys are refused.
  std::function<Result<spec::Spec>()> load_spec;
  rollout::RolloutTiming rollout_timing;
  // secret://NAME: the value a replica (or a hook) gets in its environment, resolved at each
  // spawn. Unset = every reference is refused.
  std::function<Result<std::string>(std::string_view name)> resolve_secret;
  // A secret's current version (0 = none). A revision's digest holds the versions of the secrets
  // its service references, so a rotation makes a new revision, deployed as any other.
  std::function<int(std::string_view name)> secret_version;
  // Re-reads the vault (key, values, versions) after `gantry secrets` changed it.
  std::function<Status()> reload_secrets;
  // The live secret values to hide; the log pumps of new replicas get its forms.
  std::shared_ptr<SecretMask> secret_mask;
};

// What a secret's rotation did (POST /v1/secrets/rotated).
struct RotationResult {
  std::vector<store::Deployment> deployments;                // one per referencing service, started
  std::vector<std::pair<std::string, std::string>> skipped;  // service, why
};

// What `gantry deploy` asks for (POST /v1/deploy).
struct DeployRequest {
  std::string service;  // "" = every service whose spec changed
  std::string version;  // the user's label; "" = rN
  std::string commit;
  // When `commit` was made (ms since the epoch); unset = read from git when the spec's folder is
  // in a repository that has the commit, else unknown. The start of DORA's lead time.
  std::optional<std::int64_t> commit_time_ms;
  std::vector<std::pair<std::string, std::string>> set;  // env overrides
  std::string strategy;                                  // "" = the spec's
  std::string environment;                               // "" = the daemon's; another is refused
  std::string triggered_by;
};

struct DeployResult {
  std::vector<store::Deployment> deployments;  // started, one per service
  std::vector<std::string> unchanged;          // services whose spec did not change
};

enum class RolloutAction { Promote, Abort, Pause, Resume };

class Controller {
 public:
  virtual ~Controller() = default;

  virtual std::vector<ServiceView> services() = 0;
  virtual const spec::Spec& spec() const = 0;
  virtual store::Store& store() = 0;
  // Every event the daemon records goes through here (store first, then SSE and the notifier).
  virtual telemetry::EventBus& events() = 0;
  virtual std::string log_path(const std::string& service, int index) const = 0;

  // Replaces the service's replicas one at a time. A service with a port gets the new replica
  // first (on a new PORT); once it is ready and routed, the old one is drained and stopped, so
  // no request is lost. One without a port has the old replica stopped first. done gets the
  // outcome (an unknown service is ErrorCode::NotFound); a new replica that never becomes
  // ready is stopped and the old one keeps serving.
  virtual void restart_service(const std::string& service, std::function<void(Status)> done) = 0;

  // Stops every replica (reverse depends_on order), each drained through the proxy first,
  // then calls done. The caller closes the proxy's listeners before. A rollout under way is
  // ended as aborted.
  virtual void shutdown(std::function<void()> done) = 0;

  // Starts a deployment per service asked for: an immutable revision and a deployment row are
  // written, then the rollout runs on its own. Invalid: bad input or a spec with errors;
  // Conflict: a rollout of the service is under way, another environment, promote_from refused.
  virtual Result<DeployResult> deploy(const DeployRequest& request) = 0;
  // Deploys a past revision from its snapshot, fast (no steps, no analysis): `to` is a
  // revision id or a version label; "" = the last revision that succeeded before the current.
  virtual Result<store::Deployment> rollback(const std::string& service, const std::string& to,
                                             const std::string& by) = 0;
  // promote (full: past every remaining step), abort, pause or resume the service's rollout.
  virtual Result<store::Deployment> act(const std::string& service, RolloutAction action, bool full,
                                        const std::string& by) = 0;
  // The state of the deployment's rollout while it runs; nullopt once it ended (or unknown).
  virtual std::optional<rollout::RolloutView> rollout_view(const std::string& deployment_id) = 0;
  // The proxy whose numbers the daemon's metrics show (ControllerOptions::proxy); nullptr when
  // there is none.
  virtual const proxy::ProxyServer* proxy() const { return nullptr; }

  // The vault changed (`gantry secrets set/rm/rekey`): re-read it, so new spawns and masking
  // see the change. Running replicas keep the values they started with.
  virtual Status reload_secrets() = 0;
  // A secret got a new version: re-read the vault, then deploy every service that references
  // it (a new revision, rolled out with the service's strategy), and record secret.rotated.
  virtual Result<RotationResult> secret_rotated(const std::string& name,
                                                const std::string& environment, int version,
                                                const std::string& by) = 0;
  // The live secret values to hide from API output (never null; empty without a vault).
  virtual const SecretMask& secret_mask() const = 0;
};

// Starts the controller: adopts the replicas the store records (same pid and start time),
// stops those the spec no longer wants, starts the rest in depends_on order.
Result<std::unique_ptr<Controller>> start_controller(boost::asio::io_context& io,
                                                     const spec::Spec& spec,
                                                     std::unique_ptr<store::Store> store,
                                                     const ControllerOptions& options);

}  // namespace gantry::daemon
