// One supervised replica on the control-plane event loop: spawn (or adopt), notice its exit
// at once through a pidfd, restart it per policy with backoff, give up on a crash loop, stop
// it gracefully (SIGTERM to its group, SIGKILL after stop_timeout). Not thread-safe: every
// call and callback runs on the io_context's one thread.
#pragma once

#include <functional>
#include <memory>
#include <string>

#include "core/result.h"
#include "runtime/process.h"
#include "runtime/restart_policy.h"

namespace boost::asio {
class io_context;
}

namespace gantry::runtime {

struct ReplicaConfig {
  std::string service;
  int index = 0;
  std::string version;
  SpawnOptions spawn;
  RestartConfig restart;
  Duration stop_timeout{10000};
};

enum class ReplicaPhase {
  Running,     // the process is alive (readiness is the probes' business)
  BackingOff,  // exited; waiting to restart
  Stopping,    // SIGTERM sent
  Stopped,     // stopped by request, or exited and the policy says not to restart
  Failed,      // gave up: crash loop, or it cannot be started
};
std::string_view name_of(ReplicaPhase phase);

struct ReplicaStatus {
  ReplicaPhase phase = ReplicaPhase::Stopped;
  ProcessId process;
  int pump_pid = 0;
  bool adopted = false;  // not our child: started by an earlier daemon
  int restarts = 0;      // total restarts since this supervisor started
  ExitInfo last_exit;
  std::string failure;  // Failed: why, with the last log lines
  Clock::time_point started_at{};
};

// What the daemon hears. Each is called on the io_context thread.
struct ReplicaObserver {
  std::function<void(const ReplicaStatus&)> on_started;  // spawned (also after a restart)
  std::function<void(const ReplicaStatus&, const RestartDecision&)> on_exited;
  // Gave up; status.failure then holds the reason and the replica's last output lines.
  std::function<void(const ReplicaStatus&)> on_failed;
};

class ReplicaSupervisor : public std::enable_shared_from_this<ReplicaSupervisor> {
 public:
  static std::shared_ptr<ReplicaSupervisor> create(boost::asio::io_context& io,
                                                   ReplicaConfig config, ReplicaObserver observer);
  ~ReplicaSupervisor();

  // Spawns the replica. An error (command not found, bad workdir) marks it Failed.
  Status start();
  // Watches a process an earlier daemon started; fails when it is gone or its pid was reused.
  Status adopt(const ProcessId& process, int pump_pid);
  // Graceful stop; done runs once the whole process group is gone.
  void stop(std::function<void()> done);
  // Ends a running replica that went bad (liveness failed, startup budget spent): SIGTERM to
  // its group, SIGKILL after stop_timeout. Its exit then goes through the restart policy.
  void terminate();

  const ReplicaStatus& status() const { return status_; }
  const ReplicaConfig& config() const { return config_; }

 private:
  struct Impl;
  ReplicaSupervisor(boost::asio::io_context& io, ReplicaConfig config, ReplicaObserver observer);
  void watch_exit();
  void on_exit(ExitInfo exit);
  void kill_after_timeout();
  void finish_stop();
  std::string last_log_lines() const;
  void when_pump_done(std::function<void()> fn);
  void run_after_pump();

  ReplicaConfig config_;
  ReplicaObserver observer_;
  ReplicaStatus status_;
  RestartTracker tracker_;
  std::unique_ptr<Impl> impl_;
  std::function<void()> stop_done_;
};

}  // namespace gantry::runtime
