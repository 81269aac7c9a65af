// The controller: revisions for what runs, start order by depends_on, adoption after a
// daemon restart, rolling restarts, shutdown in reverse order.
#include "daemon/controller.h"

#include <algorithm>
#include <chrono>
#include <map>
#include <set>

#include "core/asio.h"
#include "daemon/replica_unit.h"
#include "daemon/translate.h"
#include "runtime/process.h"
#include "spec/spec.h"

namespace gantry::daemon {
namespace {

namespace asio = boost::asio;

// One service: its revision and its replicas.
struct ServiceState {
  const spec::Service* spec = nullptr;
  store::Revision revision;
  std::string deployment_id;  // the deployment `up` recorded for a new revision, until done
  std::vector<std::shared_ptr<ReplicaUnit>> replicas;
  bool started = false;
  bool start_error = false;
  std::string error;
};

class ControllerImpl final : public Controller {
 public:
  ControllerImpl(asio::io_context& io, const spec::Spec& spec, std::unique_ptr<store::Store> store,
                 ControllerOptions options)
      : io_(io), spec_(spec), store_(std::move(store)), options_(std::move(options)) {}

  Status init();

  std::vector<ServiceView> services() override;
  const spec::Spec& spec() const override { return spec_; }
  store::Store& store() override { return *store_; }
  std::string log_path(const std::string& service, int index) const override {
    return options_.state_dir + "/logs/" + service + "-" + std::to_string(index) + ".log";
  }
  void restart_service(const std::string& service, std::function<void(Status)> done) override;
  void shutdown(std::function<void()> done) override;

 private:
  Result<store::Revision> revision_for(const spec::Service& service);
  ReplicaUnit::Context context() {
    return ReplicaUnit::Context{io_, *store_, options_, [this] { reconcile_soon(); }};
  }
  void adopt_or_clean(std::map<std::string, std::map<int, store::Replica>>& rows);
  void reconcile_soon();
  void reconcile();
  void start_service(ServiceState& s);
  bool all_ready(const ServiceState& s) const;
  void record_deployment_progress(ServiceState& s);
  void restart_next(std::string service, std::size_t i, std::function<void(Status)> done);
  std::vector<std::string> start_order() const;

  asio::io_context& io_;
  spec::Spec spec_;
  std::unique_ptr<store::Store> store_;
  ControllerOptions options_;
  std::map<std::string, ServiceState> services_;
  bool reconcile_posted_ = false;
  bool shutting_down_ = false;
};

std::vector<std::string> ControllerImpl::start_order() const {
  std::vector<std::string> order;
  std::set<std::string> done;
  // The parser refuses unknown dependencies; a cycle leaves the rest in file order.
  for (std::size_t round = 0; round <= spec_.services.size(); ++round) {
    for (const auto& s : spec_.services) {
      if (done.count(s.name)) continue;
      const bool ready = std::all_of(s.depends_on.begin(), s.depends_on.end(),
                                     [&](const std::string& d) { return done.count(d) > 0; });
      if (ready || round == spec_.services.size()) {
        order.push_back(s.name);
        done.insert(s.name);
      }
    }
  }
  return order;
}

Result<store::Revision> ControllerImpl::revision_for(const spec::Service& service) {
  spec::Spec one;
  one.project = spec_.project;
  one.environment = spec_.environment;
  one.services = {service};
  spec::RenderOptions render;
  render.redact_secrets = false;  // the digest must change when a value does
  const std::string json = spec::render_json(one, render);
  const std::string digest = spec_digest(json);
  auto existing = store_->find_revision_by_hash(service.name, digest);
  if (!existing) return existing.error();
  if (existing->has_value()) return **existing;
  auto number = store_->next_revision_number(service.name);
  if (!number) return number.error();
  store::Revision r;
  r.number = *number;
  r.id = service.name + "-r" + std::to_string(r.number);
  r.service = service.name;
  r.environment = spec_.environment;
  r.version = "r" + std::to_string(r.number);
  r.spec_json = json;
  r.spec_hash = digest;
  r.created_at_ms = now_unix_ms();
  return r;
}

Status ControllerImpl::init() {
  // Revisions first: the registry is true before any process starts.
  for (const auto& s : spec_.services) {
    auto rev = revision_for(s);
    if (!rev) return rev.error();
    ServiceState st;
    st.spec = &s;
    st.revision = *rev;
    auto existing = store_->get_revision(rev->id);
    if (!existing) return existing.error();
    if (!existing->has_value()) {
      auto seq = store_->next_deployment_sequence();
      if (!seq) return seq.error();
      char id[32];
      std::snprintf(id, sizeof id, "d-%06lld", static_cast<long long>(*seq));
      store::Deployment d;
      d.id = id;
      d.service = s.name;
      d.environment = spec_.environment;
      d.revision_id = rev->id;
      auto previous = store_->list_deployments({s.name, spec_.environment, 1});
      if (previous && !previous->empty()) d.from_revision_id = (*previous)[0].revision_id;
      d.strategy = "up";
      d.version = rev->version;
      d.triggered_by = "gantry up";
      d.started_at_ms = now_unix_ms();
      d.status = store::DeploymentStatus::Provisioning;
      auto st2 = store_->transaction([&]() -> Status {
        if (auto p = store_->put_revision(*rev); !p) return p;
        if (auto p = store_->put_deployment(d); !p) return p;
        auto e = store_->append_event(
            {0, d.id, d.started_at_ms, "deployment.started", "{\"strategy\":\"up\"}"});
        if (!e) return e.error();
        return {};
      });
      if (!st2) return st2;
      st.deployment_id = d.id;
    }
    services_.emplace(s.name, std::move(st));
  }
  auto rows = store_->list_replicas();
  if (!rows) return rows.error();
  std::map<std::string, std::map<int, store::Replica>> by_service;
  for (const auto& r : *rows) by_service[r.service][r.index] = r;
  adopt_or_clean(by_service);
  (void)store_->append_audit({0, now_unix_ms(), "daemon", "up", "project/" + spec_.project,
                              "{\"environment\":\"" + spec_.environment + "\"}"});
  reconcile();
  return {};
}

// Replicas an earlier daemon left: adopt those the spec still wants unchanged; stop the rest.
void ControllerImpl::adopt_or_clean(std::map<std::string, std::map<int, store::Replica>>& rows) {
  for (auto& [service, by_index] : rows) {
    auto it = services_.find(service);
    for (auto& [index, row] : by_index) {
      const bool wanted = it != services_.end() && index < it->second.spec->replicas &&
                          row.revision_id == it->second.revision.id;
      const runtime::ProcessId pid{row.pid, row.start_time, row.pgid};
      if (wanted && runtime::is_same_process(pid)) {
        auto unit =
            ReplicaUnit::create(context(), *it->second.spec, index, row.revision_id, row.version);
        if (unit->adopt(row)) {
          if (it->second.replicas.size() <= static_cast<std::size_t>(index)) {
            it->second.replicas.resize(static_cast<std::size_t>(index) + 1);
          }
          it->second.replicas[static_cast<std::size_t>(index)] = unit;
          continue;
        }
      }
      // Not wanted (or gone): a live process we started is stopped; the row goes.
      if (runtime::is_same_process(pid)) {
        runtime::signal_group(row.pgid, SIGTERM);
        auto timer = std::make_shared<asio::steady_timer>(io_, std::chrono::seconds(10));
        timer->async_wait([timer, pgid = row.pgid](boost::system::error_code) {
          if (runtime::group_alive(pgid)) runtime::signal_group(pgid, SIGKILL);
        });
      }
      (void)store_->remove_replica(service, index);
    }
  }
}

bool ControllerImpl::all_ready(const ServiceState& s) const {
  if (static_cast<int>(s.replicas.size()) < s.spec->replicas) return false;
  return std::all_of(s.replicas.begin(), s.replicas.end(),
                     [](const auto& r) { return r && r->ready(); });
}

void ControllerImpl::reconcile_soon() {
  if (reconcile_posted_ || shutting_down_) return;
  reconcile_posted_ = true;
  asio::post(io_, [this] {
    reconcile_posted_ = false;
    reconcile();
  });
}

// Starts each service whose dependencies are all ready; records deployment outcomes.
void ControllerImpl::reconcile() {
  if (shutting_down_) return;
  for (const auto& name : start_order()) {
    auto& s = services_.at(name);
    const bool deps_ready = std::all_of(
        s.spec->depends_on.begin(), s.spec->depends_on.end(),
        [&](const std::string& d) { return services_.count(d) && all_ready(services_.at(d)); });
    if (!s.started && deps_ready) start_service(s);
    record_deployment_progress(s);
  }
}

void ControllerImpl::start_service(ServiceState& s) {
  s.started = true;
  s.replicas.resize(static_cast<std::size_t>(s.spec->replicas));
  for (int i = 0; i < s.spec->replicas; ++i) {
    auto& slot = s.replicas[static_cast<std::size_t>(i)];
    if (slot) continue;  // adopted
    slot = ReplicaUnit::create(context(), *s.spec, i, s.revision.id, s.revision.version);
    if (auto st = slot->start(); !st) {
      s.start_error = true;
      s.error = st.error().message;
    }
  }
}

void ControllerImpl::record_deployment_progress(ServiceState& s) {
  if (s.deployment_id.empty()) return;
  const bool ready = all_ready(s);
  const bool failed = s.start_error || std::any_of(s.replicas.begin(), s.replicas.end(),
                                                   [](const auto& r) { return r && r->failed(); });
  if (!ready && !failed) return;
  auto d = store_->get_deployment(s.deployment_id);
  if (!d || !d->has_value()) return;
  store::Deployment dep = **d;
  dep.status = ready ? store::DeploymentStatus::Succeeded : store::DeploymentStatus::Failed;
  dep.completed_at_ms = now_unix_ms();
  dep.health_score = ready ? 1.0 : 0.0;
  if (!ready) dep.rollback_reason = s.error;
  (void)store_->transaction([&]() -> Status {
    if (auto p = store_->put_deployment(dep); !p) return p;
    auto e = store_->append_event({0, dep.id, *dep.completed_at_ms,
                                   ready ? "deployment.succeeded" : "deployment.failed", "{}"});
    if (!e) return e.error();
    return {};
  });
  s.deployment_id.clear();
}

std::vector<ServiceView> ControllerImpl::services() {
  std::vector<ServiceView> out;
  for (const auto& spec_service : spec_.services) {
    auto& s = services_.at(spec_service.name);
    ServiceView v;
    v.name = spec_service.name;
    v.version = s.revision.version;
    v.revision_id = s.revision.id;
    v.port = spec_service.port;
    v.desired = spec_service.replicas;
    int failed = 0, running = 0;
    for (auto& r : s.replicas) {
      if (!r) continue;
      auto rv = r->view();
      v.ready += r->ready() ? 1 : 0;
      failed += r->failed() ? 1 : 0;
      running += r->running() ? 1 : 0;
      v.restarts += rv.restarts;
      v.replicas.push_back(std::move(rv));
    }
    if (v.desired == 0)
      v.health = "stopped";
    else if (s.start_error || (failed > 0 && failed == v.desired))
      v.health = "failed";
    else if (v.ready == v.desired)
      v.health = "healthy";
    else if (v.ready > 0)
      v.health = "degraded";
    else if (running > 0 || !s.started)
      v.health = "starting";
    else
      v.health = "unhealthy";
    out.push_back(std::move(v));
  }
  return out;
}

void ControllerImpl::restart_service(const std::string& service, std::function<void(Status)> done) {
  if (!services_.count(service)) {
    done(make_error(ErrorCode::NotFound, "no service named '" + service + "'"));
    return;
  }
  restart_next(service, 0, std::move(done));
}

// Replaces replica i, waits until the new one is ready (or fails), then goes on to i+1.
void ControllerImpl::restart_next(std::string service, std::size_t i,
                                  std::function<void(Status)> done) {
  auto& s = services_.at(service);
  if (i >= s.replicas.size()) {
    done({});
    return;
  }
  auto old = s.replicas[i];
  auto replace = [this, service, i, done]() mutable {
    auto& st = services_.at(service);
    auto unit = ReplicaUnit::create(context(), *st.spec, static_cast<int>(i), st.revision.id,
                                    st.revision.version);
    st.replicas[i] = unit;
    if (auto started = unit->start(); !started) {
      done(started.error());
      return;
    }
    auto timer = std::make_shared<asio::steady_timer>(io_);
    auto deadline = std::chrono::steady_clock::now() + std::chrono::minutes(5);
    auto wait = std::make_shared<std::function<void()>>();
    *wait = [this, unit, timer, deadline, wait, service, i, done]() mutable {
      const bool ready = unit->ready();
      const bool gave_up =
          !ready && (unit->failed() || std::chrono::steady_clock::now() > deadline);
      if (ready || gave_up) {
        // Clearing *wait destroys this closure: move what is still needed out first.
        auto finish = std::move(done);
        auto self_unit = unit;
        auto svc = service;
        ControllerImpl* self = this;
        const std::size_t index = i;
        *wait = nullptr;  // no member of this closure may be touched after this line
        if (ready) {
          self->restart_next(svc, index + 1, std::move(finish));
        } else {
          const auto v = self_unit->view();
          finish(make_error(
              ErrorCode::Invalid,
              "replica " + svc + "/" + std::to_string(index) +
                  " did not become ready: " + (v.failure.empty() ? v.last_probe : v.failure)));
        }
        return;
      }
      timer->expires_after(std::chrono::milliseconds(50));
      timer->async_wait([wait](boost::system::error_code ec) {
        if (!ec && *wait) (*wait)();
      });
    };
    (*wait)();
  };
  if (!old) {
    replace();
    return;
  }
  old->stop(std::move(replace));
}

void ControllerImpl::shutdown(std::function<void()> done) {
  shutting_down_ = true;
  auto order = start_order();
  std::reverse(order.begin(), order.end());
  auto step = std::make_shared<std::function<void(std::size_t)>>();
  *step = [this, order, step, done](std::size_t i) {
    if (i >= order.size()) {
      auto finish = done;  // clearing *step destroys this closure and its captures
      *step = nullptr;
      finish();
      return;
    }
    auto& s = services_.at(order[i]);
    auto pending = std::make_shared<int>(0);
    for (auto& r : s.replicas) {
      if (r) ++*pending;
    }
    if (*pending == 0) {
      (*step)(i + 1);
      return;
    }
    for (auto& r : s.replicas) {
      if (!r) continue;
      r->stop([pending, step, i] {
        if (--*pending == 0 && *step) (*step)(i + 1);
      });
    }
  };
  (*step)(0);
}

}  // namespace

Result<std::unique_ptr<Controller>> start_controller(asio::io_context& io, const spec::Spec& spec,
                                                     std::unique_ptr<store::Store> store,
                                                     const ControllerOptions& options) {
  auto c = std::make_unique<ControllerImpl>(io, spec, std::move(store), options);
  if (auto st = c->init(); !st) return st.error();
  return std::unique_ptr<Controller>(std::move(c));
}

}  // namespace gantry::daemon
