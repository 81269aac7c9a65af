// The controller: revisions for what runs, start order by depends_on, adoption after a
// daemon restart, the proxy's routing table, rolling restarts (surge, then drain), shutdown
// in reverse order.
#include "daemon/controller.h"

#include <algorithm>
#include <chrono>
#include <iostream>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <set>

#include "core/asio.h"
#include "daemon/controller_impl.h"
#include "daemon/replica_unit.h"
#include "daemon/translate.h"
#include "proxy/server.h"
#include "runtime/process.h"
#include "spec/spec.h"

namespace gantry::daemon {
namespace {

namespace asio = boost::asio;
using Clock = std::chrono::steady_clock;

// How often a drain or a restart looks again, and how long a drain may outlast the proxy's
// own drain time-out (after which the proxy has closed what was left).
constexpr std::chrono::milliseconds kDrainPoll{10};
constexpr std::chrono::milliseconds kDrainGrace{2000};
constexpr std::chrono::milliseconds kReadyPoll{50};
constexpr std::chrono::minutes kReadyDeadline{5};

// Checks pred every period on the io thread; done(true) as soon as it holds, done(false) once
// the deadline passed. The pending timer keeps the poll alive; nothing else owns it.
class Poll : public std::enable_shared_from_this<Poll> {
 public:
  static void start(asio::io_context& io, std::chrono::milliseconds period,
                    Clock::time_point deadline, std::function<bool()> pred,
                    std::function<void(bool)> done) {
    auto p =
        std::shared_ptr<Poll>(new Poll(io, period, deadline, std::move(pred), std::move(done)));
    p->check();
  }

 private:
  Poll(asio::io_context& io, std::chrono::milliseconds period, Clock::time_point deadline,
       std::function<bool()> pred, std::function<void(bool)> done)
      : timer_(io),
        period_(period),
        deadline_(deadline),
        pred_(std::move(pred)),
        done_(std::move(done)) {}

  void check() {
    const bool holds = pred_();
    if (holds || Clock::now() >= deadline_) {
      auto done = std::move(done_);
      done(holds);
      return;
    }
    timer_.expires_after(period_);
    timer_.async_wait([self = shared_from_this()](boost::system::error_code ec) {
      if (!ec) self->check();
    });
  }

  asio::steady_timer timer_;
  std::chrono::milliseconds period_;
  Clock::time_point deadline_;
  std::function<bool()> pred_;
  std::function<void(bool)> done_;
};

// A restart whose new replica cannot start failed in the daemon (500), not in the request.
Error not_started(const std::string& service, const ReplicaUnit& unit, const Error& why) {
  return make_error(ErrorCode::Internal, "replica " + service + "/" + std::to_string(unit.index()) +
                                             " could not start: " + why.message);
}

}  // namespace

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

ReplicaUnit::Context ControllerImpl::context() {
  // The routing table follows readiness at once; the rest of the reconcile can wait a turn.
  return ReplicaUnit::Context{io_, *store_, options_,
                              [this] {
                                publish_routes();
                                reconcile_soon();
                              },
                              &events_};
}

Result<store::Revision> ControllerImpl::revision_for(const spec::Service& service,
                                                     const std::string& version) {
  spec::Spec one;
  one.project = spec_.project;
  one.environment = spec_.environment;
  one.services = {service};
  spec::RenderOptions render;
  render.redact_secrets = false;  // the digest must change when a value does
  const std::string json = spec::render_json(one, render);
  // A label of the user's is part of what the revision is: the same spec as v2 and as v3 are
  // two revisions (each routable by its name).
  std::string identity = version.empty() ? json : json + "\nversion=" + version;
  // The versions of the secrets it references: a rotated secret is a new revision.
  if (options_.secret_version) {
    for (const auto& name : secret_references(service)) {
      identity += "\nsecret=" + name + "@" + std::to_string(options_.secret_version(name));
    }
  }
  const std::string digest = spec_digest(identity);
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
  r.version = version.empty() ? "r" + std::to_string(r.number) : version;
  r.spec_json = json;
  r.spec_hash = digest;
  r.created_at_ms = now_unix_ms();
  return r;
}

Status ControllerImpl::init() {
  auto rows = store_->list_replicas();
  if (!rows) return rows.error();
  // Revisions first: the registry is true before any process starts.
  for (auto& s : spec_.services) {
    ServiceState st;
    st.spec = &s;
    st.fleet = std::make_unique<ServiceFleet>(*this, s.name);
    // What a killed daemon left running (a finished or unfinished deployment) wins over the
    // file: the file changes what runs only through `gantry deploy`.
    if (resume_from_store(st, s, *rows)) {
      services_.emplace(s.name, std::move(st));
      continue;
    }
    auto rev = revision_for(s);
    if (!rev) return rev.error();
    st.revision = *rev;
    auto existing = store_->get_revision(rev->id);
    if (!existing) return existing.error();
    if (!existing->has_value()) {
      auto id = next_deployment_id(*store_);
      if (!id) return id.error();
      store::Deployment d;
      d.id = *id;
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
            deployment_event(d, d.started_at_ms, "deployment.started", R"({"strategy":"up"})"));
        if (!e) return e.error();
        return {};
      });
      if (!st2) return st2;
      events_.catch_up();
      st.deployment_id = d.id;
    }
    services_.emplace(s.name, std::move(st));
  }
  std::map<std::string, std::map<int, store::Replica>> by_service;
  for (const auto& r : *rows) by_service[r.service][r.index] = r;
  adopt_or_clean(by_service);
  (void)store_->append_audit({0, now_unix_ms(), "daemon", "up", "project/" + spec_.project,
                              "{\"environment\":\"" + spec_.environment + "\"}"});
  start_resumed_rollouts();
  reconcile();
  return {};
}

// Replicas an earlier daemon left: adopt those the spec still wants unchanged (up to its
// replica count, lowest indexes first); stop the rest.
void ControllerImpl::adopt_or_clean(std::map<std::string, std::map<int, store::Replica>>& rows) {
  for (auto& [service, by_index] : rows) {
    auto it = services_.find(service);
    for (auto& [index, row] : by_index) {
      const spec::Service* rspec =
          it == services_.end() ? nullptr : spec_for_revision(it->second, row.revision_id);
      const bool wanted =
          rspec && it->second.live_count(row.revision_id) < std::max(rspec->replicas, 1);
      const runtime::ProcessId pid{row.pid, row.start_time, row.pgid};
      if (wanted && runtime::is_same_process(pid)) {
        auto unit = ReplicaUnit::create(context(), *rspec, index, row.revision_id, row.version);
        if (unit->adopt(row)) {
          it->second.add(unit);
          continue;
        }
      }
      // Not wanted (or gone): a live process we started is stopped; the row goes. The proxy
      // is new and never routed to it, so there is nothing to drain.
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
  return s.ready_count() >= s.spec->replicas;
}

void ControllerImpl::reconcile_soon() {
  if (reconcile_posted_ || shutting_down_) return;
  reconcile_posted_ = true;
  asio::post(io_, [this] {
    reconcile_posted_ = false;
    reconcile();
  });
}

// Starts each service whose dependencies are all ready; records deployment outcomes; keeps
// the routing table up to date.
void ControllerImpl::reconcile() {
  if (shutting_down_) return;
  for (const auto& name : start_order()) {
    auto& s = services_.at(name);
    const bool deps_ready = std::all_of(
        s.spec->depends_on.begin(), s.spec->depends_on.end(),
        [&](const std::string& d) { return services_.count(d) && all_ready(services_.at(d)); });
    if (!s.started && deps_ready) start_service(s);
    record_deployment_progress(s);
    if (s.rollout) s.rollout->poke();
  }
  publish_routes();
}

void ControllerImpl::start_service(ServiceState& s) {
  s.started = true;
  // Some may be adopted; a rollout's candidate replicas are its own business.
  while (s.live_count(s.revision.id) < s.spec->replicas) {
    auto unit =
        ReplicaUnit::create(context(), *s.spec, s.free_index(), s.revision.id, s.revision.version);
    unit->expect_artifact(s.revision.artifact_digest);  // as in replace_surging
    s.add(unit);
    if (auto st = unit->start(); !st) {
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
    nlohmann::json data{{"took_ms", *dep.completed_at_ms - dep.started_at_ms}};
    if (!ready) data["reason"] = dep.rollback_reason;
    auto e = store_->append_event(
        deployment_event(dep, *dep.completed_at_ms,
                         ready ? "deployment.succeeded" : "deployment.failed", data.dump()));
    if (!e) return e.error();
    return {};
  });
  events_.catch_up();
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
      auto rv = r->view();
      rv.routed = routed_.count(spec_service.name + "\n" + r->route_id()) > 0;
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
    else if (v.ready >= v.desired)  // more while a restart's new replica joins
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

void ControllerImpl::publish_routes() {
  if (!options_.proxy) return;
  std::vector<proxy::ServiceRoute> routes;
  std::set<std::string> routed;
  std::string contents;
  for (const auto& spec_service : spec_.services) {
    auto it = services_.find(spec_service.name);
    if (!spec_service.port || it == services_.end()) continue;
    const ServiceState& s = it->second;
    std::vector<RouteReplica> replicas;
    for (const auto& r : s.replicas) {
      if (!r->routable()) continue;
      replicas.push_back({r->version(), {r->route_id(), "127.0.0.1", r->port()}});
      routed.insert(spec_service.name + "\n" + r->route_id());
      contents += spec_service.name + " " + r->version() + " " + r->route_id() + " " +
                  std::to_string(r->port()) + "\n";
    }
    std::set<std::string> versions;
    for (const auto& r : replicas) versions.insert(r.version);
    const auto weights = effective_weights(s.weights, s.revision.version, versions);
    for (const auto& [version, weight] : weights) {
      contents += spec_service.name + " =" + version + " " + std::to_string(weight) + "\n";
    }
    auto route = to_service_route(spec_service, spec_.proxy, weights, std::move(replicas));
    if (!route) {
      // The parser checks every name the route needs: this is a bug, not bad input.
      std::cerr << "gantry: no route for service " << spec_service.name << ": "
                << route.error().message << std::endl;
      continue;
    }
    contents += spec_service.name + " @" + s.revision.version + "\n";
    routes.push_back(std::move(*route));
  }
  if (published_ && contents == *published_) return;
  auto table = proxy::RoutingTable::make(std::move(routes));
  if (!table) {
    std::cerr << "gantry: cannot make the routing table: " << table.error().message << std::endl;
    return;
  }
  options_.proxy->publish(std::make_shared<const proxy::RoutingTable>(std::move(*table)));
  published_ = std::move(contents);
  routed_ = std::move(routed);
}

void ControllerImpl::drain_and_stop(const std::string& service, std::vector<Unit> units,
                                    std::function<void()> done) {
  for (auto& u : units) u->hold_out();
  publish_routes();
  auto stop_all = [this, service, units, done = std::move(done)](bool drained) {
    if (!drained) {
      for (const auto& u : units) {
        if (const auto open = options_.proxy->in_flight(service, u->route_id()); open > 0) {
          std::cerr << "gantry: " << u->route_id() << ": " << open
                    << " request(s) still open after proxy.drain_timeout; stopping it" << std::endl;
        }
      }
    }
    if (units.empty()) {
      done();
      return;
    }
    auto pending = std::make_shared<std::size_t>(units.size());
    for (const auto& u : units) {
      u->stop([this, service, u, pending, done] {
        if (auto it = services_.find(service); it != services_.end()) it->second.remove(u);
        if (--*pending == 0) done();
      });
    }
  };
  if (!proxied(services_.at(service))) {
    stop_all(true);
    return;
  }
  proxy::ProxyServer* proxy = options_.proxy;
  std::vector<std::string> ids;
  for (const auto& u : units) ids.push_back(u->route_id());
  Poll::start(
      io_, kDrainPoll, Clock::now() + spec_.proxy.drain_timeout + kDrainGrace,
      [proxy, service, ids] {
        return std::all_of(ids.begin(), ids.end(),
                           [&](const std::string& id) { return proxy->drained(service, id); });
      },
      std::move(stop_all));
}

void ControllerImpl::restart_service(const std::string& service, std::function<void(Status)> done) {
  auto it = services_.find(service);
  if (it == services_.end()) {
    done(make_error(ErrorCode::NotFound, "no service named '" + service + "'"));
    return;
  }
  if (it->second.restarting) {
    done(make_error(ErrorCode::Conflict, "a restart of '" + service + "' is under way"));
    return;
  }
  if (it->second.rollout) {
    done(make_error(ErrorCode::Conflict,
                    "deployment " + it->second.rollout->deployment().id + " of '" + service +
                        "' is under way; promote, abort or wait for it before a restart"));
    return;
  }
  if (shutting_down_) {
    done(make_error(ErrorCode::Conflict, "the daemon is stopping"));
    return;
  }
  it->second.restarting = true;
  auto finish = [this, service, done = std::move(done)](Status st) {
    services_.at(service).restarting = false;
    done(std::move(st));
  };
  restart_next(service, it->second.replicas, 0, std::move(finish));
}

// Replaces olds[i] (if it still runs), then goes on to i+1.
void ControllerImpl::restart_next(std::string service, std::vector<Unit> olds, std::size_t i,
                                  std::function<void(Status)> done) {
  if (shutting_down_) {
    done(make_error(ErrorCode::Conflict, "the daemon is stopping"));
    return;
  }
  auto& s = services_.at(service);
  while (i < olds.size() && !s.has(olds[i])) ++i;
  if (i >= olds.size()) {
    done({});
    return;
  }
  Unit old = olds[i];
  auto next = [this, service, olds = std::move(olds), i,
               done = std::move(done)](Status st) mutable {
    if (!st) {
      done(std::move(st));
      return;
    }
    restart_next(std::move(service), std::move(olds), i + 1, std::move(done));
  };
  if (proxied(s)) {
    replace_surging(service, std::move(old), std::move(next));
  } else {
    replace_in_place(service, std::move(old), std::move(next));
  }
}

// With a proxy in front: the new replica starts beside the old one (a new index and PORT) and
// takes traffic once ready; only then is the old one drained and stopped. If the new one never
// becomes ready, it goes and the old one keeps serving.
void ControllerImpl::replace_surging(const std::string& service, Unit old,
                                     std::function<void(Status)> next) {
  auto& s = services_.at(service);
  auto unit =
      ReplicaUnit::create(context(), *s.spec, s.free_index(), s.revision.id, s.revision.version);
  // A restart starts the revision's replicas anew: only from the artifact its build recorded
  // (as a rollout's do), so an artifact edited since is refused instead of run.
  unit->expect_artifact(s.revision.artifact_digest);
  s.add(unit);
  auto started = unit->start();
  if (!started) {
    drain_and_stop(service, {unit},
                   [next, e = not_started(service, *unit, started.error())] { next(e); });
    return;
  }
  when_ready(service, unit, [this, service, old, unit, next](Status ready) {
    if (!ready) {
      drain_and_stop(service, {unit}, [next, ready] { next(ready); });
      return;
    }
    drain_and_stop(service, {old}, [next] { next({}); });
  });
}

// Without a proxy (or a port) there is no traffic to hand over: stop, then start the same index.
void ControllerImpl::replace_in_place(const std::string& service, Unit old,
                                      std::function<void(Status)> next) {
  const int index = old->index();
  drain_and_stop(service, {old}, [this, service, index, next] {
    if (shutting_down_) {
      next(make_error(ErrorCode::Conflict, "the daemon is stopping"));
      return;
    }
    auto& s = services_.at(service);
    auto unit = ReplicaUnit::create(context(), *s.spec, index, s.revision.id, s.revision.version);
    unit->expect_artifact(s.revision.artifact_digest);  // as in replace_surging
    s.add(unit);
    if (auto started = unit->start(); !started) {
      next(not_started(service, *unit, started.error()));
      return;
    }
    when_ready(service, unit, next);
  });
}

void ControllerImpl::when_ready(const std::string& service, Unit unit,
                                std::function<void(Status)> done) {
  Poll::start(
      io_, kReadyPoll, Clock::now() + kReadyDeadline,
      [this, unit] { return unit->ready() || unit->gone() || shutting_down_; },
      [this, service, unit, done](bool) {
        if (shutting_down_) {
          done(make_error(ErrorCode::Conflict, "the daemon is stopping"));
        } else if (unit->ready()) {
          publish_routes();  // routed before anything else happens
          done({});
        } else {
          const auto v = unit->view();
          std::string why = !v.failure.empty()     ? v.failure
                            : !v.last_exit.empty() ? v.last_exit
                                                   : v.last_probe;
          if (why.empty()) why = "still not ready after 5m";
          done(make_error(ErrorCode::Internal, "replica " + service + "/" +
                                                   std::to_string(unit->index()) +
                                                   " did not become ready: " + why));
        }
      });
}

void ControllerImpl::shutdown(std::function<void()> done) {
  shutting_down_ = true;
  for (auto& [name, s] : services_) {
    // Every replica stops now: an unfinished rollout would resume on nothing. It ends here.
    if (s.rollout) s.rollout->end("the daemon stopped ('gantry stop') during the rollout");
  }
  auto order = start_order();
  std::reverse(order.begin(), order.end());
  shutdown_next(std::move(order), 0, std::move(done));
}

void ControllerImpl::shutdown_next(std::vector<std::string> order, std::size_t i,
                                   std::function<void()> done) {
  if (i >= order.size()) {
    done();
    return;
  }
  const std::string service = order[i];
  drain_and_stop(service, services_.at(service).replicas,
                 [this, order = std::move(order), i, done = std::move(done)]() mutable {
                   shutdown_next(std::move(order), i + 1, std::move(done));
                 });
}

Result<std::unique_ptr<Controller>> start_controller(asio::io_context& io, const spec::Spec& spec,
                                                     std::unique_ptr<store::Store> store,
                                                     const ControllerOptions& options) {
  auto c = std::make_unique<ControllerImpl>(io, spec, std::move(store), options);
  if (auto st = c->init(); !st) return st.error();
  return std::unique_ptr<Controller>(std::move(c));
}

}  // namespace gantry::daemon
