// ReplicaUnit: process + probes + store row for one replica.
#include "daemon/replica_unit.h"

#include <chrono>
#include <iostream>
#include <nlohmann/json.hpp>

#include "core/asio.h"
#include "daemon/metrics.h"
#include "daemon/translate.h"
#include "rollout/artifact.h"

namespace gantry::daemon {
namespace {

namespace asio = boost::asio;

// A free loopback port for a replica's PORT (the replica binds it a moment later).
Result<int> pick_port(asio::io_context& io) {
  boost::system::error_code ec;
  asio::ip::tcp::acceptor a(io);
  a.open(asio::ip::tcp::v4(), ec);
  if (!ec) a.bind({asio::ip::make_address_v4("127.0.0.1"), 0}, ec);
  if (ec) return make_error(ErrorCode::Io, "cannot pick a port: " + ec.message());
  return static_cast<int>(a.local_endpoint().port());
}

}  // namespace

std::shared_ptr<ReplicaUnit> ReplicaUnit::create(Context context, const spec::Service& service,
                                                 int index, std::string revision_id,
                                                 std::string version) {
  return std::shared_ptr<ReplicaUnit>(
      new ReplicaUnit(context, service, index, std::move(revision_id), std::move(version)));
}

ReplicaUnit::ReplicaUnit(Context context, const spec::Service& service, int index,
                         std::string revision_id, std::string version)
    : ctx_(std::move(context)),
      service_(service),
      index_(index),
      revision_id_(std::move(revision_id)),
      version_(std::move(version)) {}

ReplicaUnit::~ReplicaUnit() { stop_probes(); }

runtime::ReplicaConfig ReplicaUnit::replica_config(int port) {
  runtime::ReplicaConfig c;
  c.service = service_.name;
  c.index = index_;
  c.version = version_;
  // Like compose: a service runs in the spec's folder unless its workdir says otherwise.
  const std::string& base = ctx_.options.base_dir;
  if (service_.workdir.empty())
    c.spawn.workdir = base;
  else if (service_.workdir[0] == '/' || base.empty())
    c.spawn.workdir = service_.workdir;
  else
    c.spawn.workdir = base + "/" + service_.workdir;
  c.spawn.log.path =
      ctx_.options.state_dir + "/logs/" + service_.name + "-" + std::to_string(index_) + ".log";
  c.spawn.log_pump = ctx_.options.log_pump;
  if (ctx_.options.secret_mask) c.spawn.log.mask = ctx_.options.secret_mask->forms();
  c.restart = to_restart_config(service_.restart);
  c.stop_timeout = service_.stop_timeout;
  (void)port;
  return c;
}

Status ReplicaUnit::start() {
  if (!expected_artifact_.empty() && service_.build && !service_.build->artifact.empty()) {
    // What runs must be what was built and recorded: a rebuilt or edited artifact would make
    // the revision a lie.
    const std::string base = replica_config(0).spawn.workdir;
    std::string dir = service_.build->workdir.empty() ? base
                      : service_.build->workdir.front() == '/'
                          ? service_.build->workdir
                          : base + "/" + service_.build->workdir;
    const std::string& a = service_.build->artifact;
    const std::string path = a.front() == '/' ? a : dir + "/" + a;
    auto digest = rollout::artifact_digest(path);
    if (!digest) return digest.error();
    if (*digest != expected_artifact_) {
      return make_error(ErrorCode::Invalid, "artifact " + path + " no longer matches revision " +
                                                revision_id_ + ": the revision was built as " +
                                                expected_artifact_ + ", the artifact is now " +
                                                *digest + "; deploy again to rebuild");
    }
  }
  if (service_.port) {
    auto port = pick_port(ctx_.io);
    if (!port) return port.error();
    port_ = *port;
  }
  auto env = replica_env(service_, index_, port_, version_, ctx_.options.resolve_secret);
  if (!env) return env.error();
  auto argv = replica_argv(service_, *env);
  if (!argv) return argv.error();
  auto config = replica_config(port_);
  config.spawn.env = std::move(*env);
  config.spawn.argv = std::move(*argv);
  runtime::ReplicaObserver obs;
  std::weak_ptr<ReplicaUnit> weak = weak_from_this();
  obs.on_started = [weak](const runtime::ReplicaStatus& s) {
    if (auto self = weak.lock()) self->on_started(s);
  };
  obs.on_exited = [weak](const runtime::ReplicaStatus& s, const runtime::RestartDecision&) {
    if (auto self = weak.lock()) self->on_exited(s);
  };
  obs.on_failed = [weak](const runtime::ReplicaStatus&) {
    if (auto self = weak.lock()) {
      self->persist();
      if (self->ctx_.on_change) self->ctx_.on_change();
    }
  };
  supervisor_ = runtime::ReplicaSupervisor::create(ctx_.io, std::move(config), std::move(obs));
  return supervisor_->start();
}

Status ReplicaUnit::adopt(const store::Replica& row) {
  port_ = row.port;
  auto config = replica_config(port_);
  runtime::ReplicaObserver obs;
  std::weak_ptr<ReplicaUnit> weak = weak_from_this();
  obs.on_exited = [weak](const runtime::ReplicaStatus& s, const runtime::RestartDecision& d) {
    auto self = weak.lock();
    if (!self) return;
    self->on_exited(s);
    // An adopted replica's restart would need its full spawn options: start a fresh one.
    if (d.action == runtime::RestartDecision::Action::Restart) {
      count_replica_restart(self->service_.name);
      self->supervisor_.reset();
      if (!self->start()) self->persist();
    }
  };
  supervisor_ = runtime::ReplicaSupervisor::create(ctx_.io, std::move(config), std::move(obs));
  auto st = supervisor_->adopt(runtime::ProcessId{row.pid, row.start_time, row.pgid}, 0);
  if (!st) return st;
  persist();
  start_probes();
  return {};
}

void ReplicaUnit::on_started(const runtime::ReplicaStatus& started) {
  if (started.restarts > 0) count_replica_restart(service_.name);  // a restart, not the first
  set_ready(Readiness::Unknown);
  persist();  // the pid is known only now: write it before anything else happens to it
  emit("replica.started");
  if (!held_out_) start_probes();
  if (ctx_.on_change) ctx_.on_change();
}

void ReplicaUnit::on_exited(const runtime::ReplicaStatus& status) {
  stop_probes();
  set_ready(Readiness::NotReady);
  persist();
  emit("replica.exited", "exit", status.last_exit.describe());
  if (ctx_.on_change) ctx_.on_change();
}

void ReplicaUnit::start_probes() {
  stop_probes();
  std::weak_ptr<ReplicaUnit> weak = weak_from_this();
  const auto& h = service_.health;
  if (h.startup) {
    startup_ = std::make_unique<probe::ProbeLoop>(
        ctx_.io, to_probe_config(*h.startup, port_, false),
        [weak](bool passing, const probe::ProbeResult& r) {
          auto self = weak.lock();
          if (!self) return;
          self->last_probe_ = "startup: " + r.detail;
          if (passing) {
            // Startup passed once: hand over to readiness and liveness.
            asio::post(self->ctx_.io, [weak] {
              if (auto s = weak.lock()) {
                if (s->startup_) s->startup_->stop();
                s->start_running_probes();
              }
            });
          } else if (self->supervisor_) {
            self->last_probe_ = "startup budget spent: " + r.detail;
            self->supervisor_->terminate();
          }
        });
    startup_->on_result([name = service_.name](const probe::ProbeResult& r) {
      if (!r.ok()) count_probe_failure(name, "startup");
    });
    startup_->start();
  } else {
    start_running_probes();
  }
}

void ReplicaUnit::start_running_probes() {
  std::weak_ptr<ReplicaUnit> weak = weak_from_this();
  const auto& h = service_.health;
  if (h.readiness) {
    readiness_ = std::make_unique<probe::ProbeLoop>(
        ctx_.io, to_probe_config(*h.readiness, port_, false),
        [weak](bool passing, const probe::ProbeResult& r) {
          auto self = weak.lock();
          if (!self) return;
          self->last_probe_ = "readiness: " + r.detail;
          const Readiness now = passing ? Readiness::Ready : Readiness::NotReady;
          const bool changed = now != self->ready_;
          if (changed && self->ready_ == Readiness::Ready && !self->held_out_) {
            self->emit("replica.unhealthy", "readiness", r.detail);
          }
          self->set_ready(now);
          self->persist();
          // Only a change matters to the controller (start order, routing table).
          if (changed && self->ctx_.on_change) self->ctx_.on_change();
        });
    readiness_->on_result([name = service_.name](const probe::ProbeResult& r) {
      if (!r.ok()) count_probe_failure(name, "readiness");
    });
    readiness_->start();
  } else {
    set_ready(Readiness::Ready);  // no readiness probe: running is ready
    persist();
    if (ctx_.on_change) asio::post(ctx_.io, ctx_.on_change);
  }
  if (h.liveness) {
    liveness_ = std::make_unique<probe::ProbeLoop>(
        ctx_.io, to_probe_config(*h.liveness, port_, false),
        [weak](bool passing, const probe::ProbeResult& r) {
          auto self = weak.lock();
          if (!self) return;
          self->live_ = passing;
          if (!passing && self->supervisor_) {
            self->last_probe_ = "liveness failed: " + r.detail;
            self->emit("replica.unhealthy", "liveness", r.detail);
            // Out of the routing table first, so no new request goes to a process being ended;
            // readiness stays off until the replica starts again (on_started).
            if (self->readiness_) self->readiness_->stop();
            self->set_ready(Readiness::NotReady);
            self->persist();
            if (self->ctx_.on_change) self->ctx_.on_change();
            self->supervisor_->terminate();  // the restart policy brings it back
          }
        });
    liveness_->on_result([name = service_.name](const probe::ProbeResult& r) {
      if (!r.ok()) count_probe_failure(name, "liveness");
    });
    liveness_->start();
  }
  if (h.deep) {
    deep_ = std::make_unique<probe::ProbeLoop>(ctx_.io, to_probe_config(*h.deep, port_, true),
                                               [](bool, const probe::ProbeResult&) {});
    deep_->on_result([weak](const probe::ProbeResult& r) {
      if (auto self = weak.lock()) {
        self->deep_status_ = r.deep ? probe::to_string(r.deep->status) : "unhealthy";
      }
    });
    deep_->start();
  }
}

void ReplicaUnit::stop_probes() {
  for (auto* loop : {&startup_, &readiness_, &liveness_, &deep_}) {
    if (*loop) (*loop)->stop();
    loop->reset();
  }
  live_.reset();
}

void ReplicaUnit::hold_out() {
  held_out_ = true;
  stop_probes();
  set_ready(Readiness::NotReady);
  persist();
}

void ReplicaUnit::stop(std::function<void()> done) {
  if (stopped_) {
    done();
    return;
  }
  stop_waiters_.push_back(std::move(done));
  if (stopping_) return;  // the stop under way calls every waiter
  stopping_ = true;
  held_out_ = true;
  stop_probes();
  set_ready(Readiness::NotReady);
  auto self = shared_from_this();
  auto finish = [self] {
    (void)self->ctx_.store.remove_replica(self->service_.name, self->index_);
    self->stopped_ = true;
    auto waiters = std::move(self->stop_waiters_);
    self->stop_waiters_.clear();
    for (auto& w : waiters) w();
  };
  if (!supervisor_) {
    finish();
    return;
  }
  supervisor_->stop(std::move(finish));
}

void ReplicaUnit::set_ready(Readiness r) { ready_ = r; }

void ReplicaUnit::emit(std::string type, std::string detail_key, std::string detail) {
  if (!ctx_.events) return;
  nlohmann::json data{
      {"index", index_}, {"revision_id", revision_id_}, {"pid", pid()}, {"port", port_}};
  if (supervisor_) data["restarts"] = supervisor_->status().restarts;
  if (!detail_key.empty()) data[detail_key] = std::move(detail);
  store::DeploymentEvent e;
  e.type = std::move(type);
  e.data_json = data.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  e.service = service_.name;
  e.environment = ctx_.options.environment;
  e.version = version_;
  if (auto r = ctx_.events->publish(std::move(e)); !r) {
    std::cerr << "gantry: " << route_id() << ": cannot record an event: " << r.error().message
              << std::endl;
  }
}

bool ReplicaUnit::failed() const {
  return supervisor_ && supervisor_->status().phase == runtime::ReplicaPhase::Failed;
}

bool ReplicaUnit::gone() const {
  if (!supervisor_) return true;
  const auto phase = supervisor_->status().phase;
  return phase == runtime::ReplicaPhase::Failed || phase == runtime::ReplicaPhase::Stopped;
}

bool ReplicaUnit::running() const {
  return supervisor_ && supervisor_->status().phase == runtime::ReplicaPhase::Running;
}

int ReplicaUnit::pid() const { return supervisor_ ? supervisor_->status().process.pid : 0; }

void ReplicaUnit::persist() {
  if (!supervisor_) return;
  const auto& s = supervisor_->status();
  store::Replica row;
  row.service = service_.name;
  row.index = index_;
  row.revision_id = revision_id_;
  row.version = version_;
  row.pid = s.process.pid;
  row.start_time = s.process.start_time;
  row.pgid = s.process.pgid;
  row.port = port_;
  row.state = s.phase != runtime::ReplicaPhase::Running ? std::string(runtime::name_of(s.phase))
              : held_out_                               ? "stopping"  // draining, then stopped
              : ready_ == Readiness::Ready              ? "ready"
                                                        : "starting";
  row.restarts = s.restarts;
  row.started_at_ms = now_unix_ms();
  (void)ctx_.store.put_replica(row);
}

ReplicaView ReplicaUnit::view() {
  ReplicaView v;
  v.service = service_.name;
  v.index = index_;
  v.version = version_;
  v.revision_id = revision_id_;
  v.port = port_;
  v.readiness = ready_ == Readiness::Ready      ? "ready"
                : ready_ == Readiness::NotReady ? "not_ready"
                                                : "unknown";
  v.liveness = !service_.health.liveness ? "none"
               : !live_                  ? "unknown"
               : *live_                  ? "passing"
                                         : "failing";
  v.deep = deep_status_;
  v.last_probe = last_probe_;
  if (!supervisor_) {
    v.phase = "stopped";
    return v;
  }
  const auto& s = supervisor_->status();
  v.pid = s.process.pid;
  v.phase = std::string(runtime::name_of(s.phase));
  if (held_out_ && s.phase == runtime::ReplicaPhase::Running) v.phase = "draining";
  v.restarts = s.restarts;
  v.adopted = s.adopted;
  v.failure = s.failure;
  if (s.last_exit.code != 0 || s.last_exit.signaled || !s.last_exit.known) {
    if (s.restarts > 0 || s.phase != runtime::ReplicaPhase::Running)
      v.last_exit = s.last_exit.describe();
  }
  if (s.phase == runtime::ReplicaPhase::Running) {
    const auto now = std::chrono::steady_clock::now();
    v.uptime_ms = std::chrono::duration_cast<std::chrono::milliseconds>(now - s.started_at).count();
    if (auto usage = runtime::read_usage(s.process.pid)) {
      v.rss_bytes = usage->rss_bytes;
      if (last_cpu_at_ != std::chrono::steady_clock::time_point{}) {
        const double wall = std::chrono::duration<double>(now - last_cpu_at_).count();
        if (wall > 0) v.cpu_percent = 100.0 * (usage->cpu_seconds - last_cpu_seconds_) / wall;
      }
      last_cpu_seconds_ = usage->cpu_seconds;
      last_cpu_at_ = now;
    }
  }
  return v;
}

}  // namespace gantry::daemon
