// One replica as the controller sees it (internal to src/daemon): its supervisor, its probes
// (startup, then readiness and liveness, and deep health), and its row in the store, written
// on every change. Not thread-safe: the control-plane thread only.
#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "daemon/controller.h"
#include "probe/probe.h"
#include "runtime/supervisor.h"
#include "spec/model.h"
#include "store/store.h"
#include "telemetry/events.h"

namespace gantry::daemon {

class ReplicaUnit : public std::enable_shared_from_this<ReplicaUnit> {
 public:
  struct Context {
    boost::asio::io_context& io;
    store::Store& store;
    const ControllerOptions& options;
    std::function<void()> on_change;        // readiness or phase changed: the controller reconciles
    telemetry::EventBus* events = nullptr;  // replica.started / exited / unhealthy go here
  };

  static std::shared_ptr<ReplicaUnit> create(Context context, const spec::Service& service,
                                             int index, std::string revision_id,
                                             std::string version);
  ~ReplicaUnit();

  Status start();
  // Takes over a replica an earlier daemon started; fails when it is gone or not ours.
  Status adopt(const store::Replica& row);
  // Stops the process, forgets the row, then calls done. A second call while the first is
  // under way waits for the same stop.
  void stop(std::function<void()> done);
  // Takes the replica out of traffic for good before it is stopped: it stops probing and
  // never counts as ready again, so the next routing table leaves it out.
  void hold_out();

  bool ready() const { return ready_ == Readiness::Ready && !held_out_; }
  // Running, ready and not held out: it belongs in the routing table.
  bool routable() const { return ready() && running(); }
  bool failed() const;
  bool running() const;
  // Will not run again by itself: failed (crash loop), or exited with no restart coming.
  bool gone() const;
  ReplicaView view();
  int index() const { return index_; }
  int port() const { return port_; }
  const std::string& version() const { return version_; }
  const std::string& revision_id() const { return revision_id_; }
  // Held out of traffic, stopping or stopped: no longer counts as one of its revision's replicas.
  bool leaving() const { return held_out_ || stopping_ || stopped_; }
  // The artifact digest the revision was built with: start() refuses a replica whose artifact
  // no longer matches it. "" = no check.
  void expect_artifact(std::string digest) { expected_artifact_ = std::move(digest); }
  // Why start() failed, as the controller recorded it ("" = it did not fail).
  void set_start_error(std::string why) { start_error_ = std::move(why); }
  const std::string& start_error() const { return start_error_; }
  // The replica's id in the proxy's routing table: SERVICE-INDEX (indexes are unique among a
  // service's live replicas).
  std::string route_id() const { return service_.name + "-" + std::to_string(index_); }
  int pid() const;

 private:
  enum class Readiness { Unknown, Ready, NotReady };
  ReplicaUnit(Context context, const spec::Service& service, int index, std::string revision_id,
              std::string version);
  runtime::ReplicaConfig replica_config(int port);
  void on_started(const runtime::ReplicaStatus& status);
  void on_exited(const runtime::ReplicaStatus& status);
  void start_probes();
  void start_running_probes();  // after startup passed (or when there is no startup probe)
  void stop_probes();
  void persist();
  void set_ready(Readiness r);
  // A replica.* event: this replica's service, version, index and revision, plus `data`.
  void emit(std::string type, std::string detail_key = {}, std::string detail = {});

  Context ctx_;
  spec::Service service_;
  int index_;
  std::string revision_id_;
  std::string version_;
  std::string expected_artifact_;
  std::string start_error_;
  int port_ = 0;
  std::shared_ptr<runtime::ReplicaSupervisor> supervisor_;
  std::unique_ptr<probe::ProbeLoop> startup_, readiness_, liveness_, deep_;
  Readiness ready_ = Readiness::Unknown;
  bool held_out_ = false;
  bool stopping_ = false;
  bool stopped_ = false;
  std::vector<std::function<void()>> stop_waiters_;
  std::optional<bool> live_;
  std::string deep_status_;
  std::string last_probe_;
  // cpu% between two views
  double last_cpu_seconds_ = 0;
  std::chrono::steady_clock::time_point last_cpu_at_{};
};

}  // namespace gantry::daemon
