// One replica as the controller sees it (internal to src/daemon): its supervisor, its probes
// (startup, then readiness and liveness, and deep health), and its row in the store, written
// on every change. Not thread-safe: the control-plane thread only.
#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "daemon/controller.h"
#include "probe/probe.h"
#include "runtime/supervisor.h"
#include "spec/model.h"
#include "store/store.h"

namespace gantry::daemon {

class ReplicaUnit : public std::enable_shared_from_this<ReplicaUnit> {
 public:
  struct Context {
    boost::asio::io_context& io;
    store::Store& store;
    const ControllerOptions& options;
    std::function<void()> on_change;  // readiness or phase changed: the controller reconciles
  };

  static std::shared_ptr<ReplicaUnit> create(Context context, const spec::Service& service,
                                             int index, std::string revision_id,
                                             std::string version);
  ~ReplicaUnit();

  Status start();
  // Takes over a replica an earlier daemon started; fails when it is gone or not ours.
  Status adopt(const store::Replica& row);
  // Stops the process, forgets the row, then calls done.
  void stop(std::function<void()> done);

  bool ready() const { return ready_ == Readiness::Ready; }
  bool failed() const;
  bool running() const;
  ReplicaView view();
  int index() const { return index_; }
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

  Context ctx_;
  spec::Service service_;
  int index_;
  std::string revision_id_;
  std::string version_;
  int port_ = 0;
  std::shared_ptr<runtime::ReplicaSupervisor> supervisor_;
  std::unique_ptr<probe::ProbeLoop> startup_, readiness_, liveness_, deep_;
  Readiness ready_ = Readiness::Unknown;
  std::optional<bool> live_;
  std::string deep_status_;
  std::string last_probe_;
  // cpu% between two views
  double last_cpu_seconds_ = 0;
  std::chrono::steady_clock::time_point last_cpu_at_{};
};

}  // namespace gantry::daemon
