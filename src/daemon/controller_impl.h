// The controller's insides (internal to src/daemon): per-service state and the one Controller
// implementation, split over controller.cpp (replicas, routing, restarts, shutdown) and
// deploy.cpp (deployments: the rollouts and the fleet they steer). Control-plane thread only.
#pragma once

#include <algorithm>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "daemon/controller.h"
#include "daemon/replica_unit.h"
#include "daemon/translate.h"
#include "rollout/rollout.h"

namespace gantry::daemon {

using Unit = std::shared_ptr<ReplicaUnit>;
class ControllerImpl;

// "d-000042": the store's next deployment sequence number.
Result<std::string> next_deployment_id(store::Store& store);
// An event of deployment d: its service, environment and version, at at_ms.
store::DeploymentEvent deployment_event(const store::Deployment& d, std::int64_t at_ms,
                                        std::string type, std::string data_json);

// The rollout's view of one service's replicas and route (deploy.cpp).
class ServiceFleet final : public rollout::Fleet {
 public:
  ServiceFleet(ControllerImpl& controller, std::string service)
      : controller_(controller), service_(std::move(service)) {}
  void scale(const store::Revision& revision, const spec::Service& spec, int replicas) override;
  rollout::VersionHealth health(const std::string& revision_id) override;
  void route(const std::map<std::string, int>& weights) override;
  proxy::StatsSnapshot numbers(const std::string& version) override;
  std::optional<rollout::PreviewTarget> preview(const std::string& version) override;
  void make_current(const store::Revision& revision, const spec::Service& spec) override;
  void finished(const store::Deployment& deployment) override;

 private:
  ControllerImpl& controller_;
  std::string service_;
};

// One service: its current revision and its live replicas (of any revision), sorted by index.
// An index is unique among the live replicas; a replica leaves the list once it is stopped.
struct ServiceState {
  // The current revision's spec: an entry of the controller's spec_, replaced in place when a
  // deployment makes another revision current (so the address stays valid).
  spec::Service* spec = nullptr;
  store::Revision revision;   // the current (stable) revision
  std::string deployment_id;  // the deployment `up` recorded for a new revision, until done
  std::vector<Unit> replicas;
  bool started = false;
  bool start_error = false;
  bool restarting = false;
  std::string error;
  // While a rollout runs: the weights it asked for by version ({} = all on `revision`).
  std::map<std::string, int> weights;
  std::unique_ptr<ServiceFleet> fleet;
  std::unique_ptr<rollout::Rollout> rollout;

  int ready_count() const {
    return static_cast<int>(std::count_if(replicas.begin(), replicas.end(), [this](const Unit& r) {
      return r->ready() && r->revision_id() == revision.id;
    }));
  }
  // Live replicas of one revision: started and not on their way out.
  int live_count(const std::string& revision_id) const {
    return static_cast<int>(std::count_if(replicas.begin(), replicas.end(), [&](const Unit& r) {
      return r->revision_id() == revision_id && !r->leaving();
    }));
  }
  // The lowest index no live replica has.
  int free_index() const {
    for (int i = 0;; ++i) {
      if (std::none_of(replicas.begin(), replicas.end(),
                       [i](const Unit& r) { return r->index() == i; })) {
        return i;
      }
    }
  }
  void add(Unit unit) {
    replicas.push_back(std::move(unit));
    std::sort(replicas.begin(), replicas.end(),
              [](const Unit& a, const Unit& b) { return a->index() < b->index(); });
  }
  void remove(const Unit& unit) {
    replicas.erase(std::remove(replicas.begin(), replicas.end(), unit), replicas.end());
  }
  bool has(const Unit& unit) const {
    return std::find(replicas.begin(), replicas.end(), unit) != replicas.end();
  }
  bool rolling_out() const { return rollout != nullptr; }
};

class ControllerImpl final : public Controller {
 public:
  ControllerImpl(boost::asio::io_context& io, const spec::Spec& spec,
                 std::unique_ptr<store::Store> store, ControllerOptions options)
      : io_(io),
        spec_(spec),
        store_(std::move(store)),
        events_(*store_),
        options_(std::move(options)) {
    if (!options_.secret_mask) options_.secret_mask = std::make_shared<SecretMask>();
    store_->set_secret_mask(options_.secret_mask);
  }

  Status init();

  std::vector<ServiceView> services() override;
  const spec::Spec& spec() const override { return spec_; }
  store::Store& store() override { return *store_; }
  telemetry::EventBus& events() override { return events_; }
  std::string log_path(const std::string& service, int index) const override {
    return options_.state_dir + "/logs/" + service + "-" + std::to_string(index) + ".log";
  }
  void restart_service(const std::string& service, std::function<void(Status)> done) override;
  void shutdown(std::function<void()> done) override;

  // deploy.cpp
  Result<DeployResult> deploy(const DeployRequest& request) override;
  Result<store::Deployment> rollback(const std::string& service, const std::string& to,
                                     const std::string& by) override;
  Result<store::Deployment> act(const std::string& service, RolloutAction action, bool full,
                                const std::string& by) override;
  std::optional<rollout::RolloutView> rollout_view(const std::string& deployment_id) override;
  const proxy::ProxyServer* proxy() const override { return options_.proxy; }

  // secrets.cpp
  Status reload_secrets() override;
  Result<RotationResult> secret_rotated(const std::string& name, const std::string& environment,
                                        int version, const std::string& by) override;
  const SecretMask& secret_mask() const override { return *options_.secret_mask; }

 private:
  friend class ServiceFleet;

  // The revision of this spec and version label ("" = rN): an existing one when the same was
  // recorded before, else a new one (not stored yet).
  Result<store::Revision> revision_for(const spec::Service& service,
                                       const std::string& version = "");
  ReplicaUnit::Context context();
  void adopt_or_clean(std::map<std::string, std::map<int, store::Replica>>& rows);
  void reconcile_soon();
  void reconcile();
  void start_service(ServiceState& s);
  bool all_ready(const ServiceState& s) const;
  void record_deployment_progress(ServiceState& s);
  void restart_next(std::string service, std::vector<Unit> olds, std::size_t i,
                    std::function<void(Status)> done);
  void replace_surging(const std::string& service, Unit old, std::function<void(Status)> next);
  void replace_in_place(const std::string& service, Unit old, std::function<void(Status)> next);
  void when_ready(const std::string& service, Unit unit, std::function<void(Status)> done);
  std::vector<std::string> start_order() const;
  void shutdown_next(std::vector<std::string> order, std::size_t i, std::function<void()> done);

  // Publishes the routing table when the set of routable replicas or the weights changed.
  void publish_routes();
  bool proxied(const ServiceState& s) const { return options_.proxy && s.spec->port; }
  // Takes the replicas out of the routing table, waits until the proxy has no request open to
  // any of them (at most proxy.drain_timeout), stops them, forgets them, then calls done.
  void drain_and_stop(const std::string& service, std::vector<Unit> units,
                      std::function<void()> done);

  // deploy.cpp: recovery of a rollout a killed daemon left, and the plan of a new one.
  // Returns true when the service's state was taken from its unfinished deployment.
  bool resume_from_store(ServiceState& s, const spec::Service& file_spec,
                         const std::vector<store::Replica>& rows);
  void start_resumed_rollouts();
  Result<rollout::RolloutPlan> plan_for(ServiceState& s, const store::Deployment& d,
                                        const store::Revision& candidate,
                                        const spec::Service& candidate_spec, bool fast);
  Result<spec::Service> spec_of(const store::Revision& revision);
  // The spec of a revision a replica of this service runs (current or candidate).
  const spec::Service* spec_for_revision(const ServiceState& s, const std::string& revision_id);

  boost::asio::io_context& io_;
  spec::Spec spec_;
  std::unique_ptr<store::Store> store_;
  telemetry::EventBus events_;
  ControllerOptions options_;
  std::map<std::string, ServiceState> services_;
  bool reconcile_posted_ = false;
  bool shutting_down_ = false;
  // What the proxy serves now: "service\nreplica id" of every routed replica, and the table's
  // contents as text (to publish only on a change).
  std::set<std::string> routed_;
  std::optional<std::string> published_;
  // Specs of the candidate revisions of running rollouts, by revision id (stable addresses).
  std::map<std::string, std::unique_ptr<spec::Service>> candidate_specs_;
  // Rollouts to resume once init() has adopted the replicas: service -> plan.
  std::map<std::string, rollout::RolloutPlan> to_resume_;
};

}  // namespace gantry::daemon
