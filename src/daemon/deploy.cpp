// Deployments: `gantry deploy` (a new revision from the spec file), `gantry rollback` (a past
// revision from its snapshot), promote / abort / pause / resume, and picking an unfinished
// rollout back up after the daemon was killed. The rollout state machine (src/rollout) does the
// moving; this file gives it its plan and the fleet it steers.
#include <algorithm>
#include <cctype>
#include <cmath>
#include <iostream>
#include <nlohmann/json.hpp>

#include "core/asio.h"
#include "core/strings.h"
#include "core/timestamp.h"
#include "daemon/commit_time.h"
#include "daemon/controller_impl.h"
#include "daemon/translate.h"
#include "proxy/server.h"
#include "runtime/process.h"
#include "spec/spec.h"

namespace gantry::daemon {

namespace asio = boost::asio;
using nlohmann::json;

namespace {

std::string dump(const json& j) { return j.dump(-1, ' ', false, json::error_handler_t::replace); }

bool is_env_name(std::string_view name) {
  if (name.empty() || std::isdigit(static_cast<unsigned char>(name[0]))) return false;
  return std::all_of(name.begin(), name.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '_';
  });
}

std::optional<spec::StrategyKind> strategy_named(std::string_view name) {
  for (auto k : {spec::StrategyKind::Recreate, spec::StrategyKind::Rolling,
                 spec::StrategyKind::BlueGreen, spec::StrategyKind::Canary}) {
    if (spec::name_of(k) == name) return k;
  }
  return std::nullopt;
}

// The steps a canary takes when the spec gives none (a --strategy canary override).
std::vector<spec::CanaryStep> default_canary_steps() {
  using K = spec::CanaryStep::Kind;
  using namespace std::chrono_literals;
  return {{K::Weight, 20, {}}, {K::Pause, 0, 10s}, {K::Weight, 50, {}}, {K::Pause, 0, 10s}};
}

}  // namespace

store::DeploymentEvent deployment_event(const store::Deployment& d, std::int64_t at_ms,
                                        std::string type, std::string data_json) {
  store::DeploymentEvent e;
  e.deployment_id = d.id;
  e.at_ms = at_ms;
  e.type = std::move(type);
  e.data_json = std::move(data_json);
  e.service = d.service;
  e.environment = d.environment;
  e.version = d.version;
  return e;
}

Result<std::string> next_deployment_id(store::Store& store) {
  auto seq = store.next_deployment_sequence();
  if (!seq) return seq.error();
  char id[32];
  std::snprintf(id, sizeof id, "d-%06lld", static_cast<long long>(*seq));
  return std::string(id);
}

// --- the fleet a rollout steers -------------------------------------------------------------

void ServiceFleet::scale(const store::Revision& revision, const spec::Service& spec, int replicas) {
  ControllerImpl& c = controller_;
  auto it = c.services_.find(service_);
  if (it == c.services_.end() || c.shutting_down_) return;
  ServiceState& s = it->second;
  int live = s.live_count(revision.id);
  while (live < replicas) {
    const spec::Service* rspec = c.spec_for_revision(s, revision.id);
    auto unit = ReplicaUnit::create(c.context(), rspec ? *rspec : spec, s.free_index(), revision.id,
                                    revision.version);
    unit->expect_artifact(revision.artifact_digest);
    s.add(unit);
    if (auto st = unit->start(); !st) {
      std::cerr << "gantry: " << unit->route_id() << " (" << revision.id
                << ") could not start: " << st.error().message << std::endl;
      unit->set_start_error(st.error().message);
    }
    ++live;
  }
  if (live > replicas) {
    // The ones not ready yet go first, then the highest indexes.
    std::vector<Unit> mine;
    for (const auto& u : s.replicas) {
      if (u->revision_id() == revision.id && !u->leaving()) mine.push_back(u);
    }
    std::stable_sort(mine.begin(), mine.end(), [](const Unit& a, const Unit& b) {
      if (a->ready() != b->ready()) return !a->ready();
      return a->index() > b->index();
    });
    mine.resize(static_cast<std::size_t>(live - replicas));
    c.drain_and_stop(service_, mine, [] {});
  }
}

rollout::VersionHealth ServiceFleet::health(const std::string& revision_id) {
  rollout::VersionHealth h;
  auto it = controller_.services_.find(service_);
  if (it == controller_.services_.end()) return h;
  for (const auto& u : it->second.replicas) {
    if (u->revision_id() != revision_id || u->leaving()) continue;
    ++h.live;
    if (u->routable()) ++h.ready;
    const ReplicaView v = u->view();
    if (u->port() > 0) h.ports.push_back(u->port());
    const bool crashed =
        !u->start_error().empty() || u->failed() || v.restarts > 0 || (u->gone() && !u->leaving());
    if (crashed && !h.crashed) {
      h.crashed = true;
      std::string why = !u->start_error().empty() ? u->start_error()
                        : !v.failure.empty()      ? v.failure
                        : !v.last_exit.empty()    ? v.last_exit
                                                  : v.last_probe;
      if (v.last_probe.rfind("startup budget spent", 0) == 0) why = v.last_probe;
      h.crash_detail = u->route_id() + ": " + (why.empty() ? "exited" : why);
    }
    if (v.liveness == "failing") ++h.liveness_failing;
    if (v.deep == "unhealthy" || v.deep == "degraded") {
      (v.deep == "unhealthy" ? h.deep_unhealthy : h.deep_degraded) += 1;
      if (h.deep_detail.empty()) h.deep_detail = u->route_id() + ": " + v.deep;
    }
  }
  return h;
}

void ServiceFleet::route(const std::map<std::string, int>& weights) {
  auto it = controller_.services_.find(service_);
  if (it == controller_.services_.end()) return;
  it->second.weights = weights;
  controller_.publish_routes();
}

proxy::StatsSnapshot ServiceFleet::numbers(const std::string& version) {
  if (!controller_.options_.proxy) return {};
  for (auto& n : controller_.options_.proxy->numbers()) {
    if (n.service == service_ && n.version == version) return std::move(n.stats);
  }
  return {};
}

std::optional<rollout::PreviewTarget> ServiceFleet::preview(const std::string& version) {
  const auto& c = controller_;
  auto it = c.services_.find(service_);
  if (it == c.services_.end() || !c.options_.proxy || !it->second.spec->port ||
      !c.spec_.proxy.override_header.enabled) {
    return std::nullopt;
  }
  rollout::PreviewTarget t;
  const std::string& address = c.spec_.proxy.address;
  t.host = address == "0.0.0.0" ? "127.0.0.1" : address == "::" ? "::1" : address;
  t.port = *it->second.spec->port;
  t.headers.emplace_back(c.spec_.proxy.override_header.name, version);
  return t;
}

void ServiceFleet::make_current(const store::Revision& revision, const spec::Service& spec) {
  auto it = controller_.services_.find(service_);
  if (it == controller_.services_.end()) return;
  ServiceState& s = it->second;
  // The spec_ entry keeps its address: ServiceState::spec and the replicas' views stay valid.
  *s.spec = spec;
  s.revision = revision;
  controller_.candidate_specs_.erase(revision.id);
}

void ServiceFleet::finished(const store::Deployment& deployment) {
  ControllerImpl& c = controller_;
  const std::string service = service_;
  (void)c.store_->append_audit(
      {0, now_unix_ms(), "daemon", std::string(store::name_of(deployment.status)),
       "service/" + service,
       dump({{"deployment", deployment.id}, {"reason", deployment.rollback_reason}})});
  // The rollout is still on the stack: forget it on the next turn of the loop.
  asio::post(c.io_, [&c, service, id = deployment.id, rev = deployment.revision_id] {
    auto it = c.services_.find(service);
    if (it == c.services_.end()) return;
    if (it->second.rollout && it->second.rollout->deployment().id == id) {
      it->second.rollout.reset();
    }
    it->second.weights.clear();
    if (it->second.revision.id != rev) c.candidate_specs_.erase(rev);
    c.publish_routes();
  });
}

// --- specs of revisions -----------------------------------------------------------------------

Result<spec::Service> ControllerImpl::spec_of(const store::Revision& revision) {
  spec::LoadOptions load;
  load.file = "revision " + revision.id;
  load.use_process_env = false;
  load.interpolation = spec::Interpolation::Lenient;  // values were resolved when it was made
  auto parsed = spec::parse_spec(revision.spec_json, load);
  if (!parsed) return parsed.error();
  if (parsed->services.size() != 1 || parsed->services[0].name != revision.service) {
    return make_error(ErrorCode::Internal,
                      "revision " + revision.id + " does not hold the spec of " + revision.service);
  }
  return parsed->services[0];
}

const spec::Service* ControllerImpl::spec_for_revision(const ServiceState& s,
                                                       const std::string& revision_id) {
  if (revision_id == s.revision.id) return s.spec;
  auto it = candidate_specs_.find(revision_id);
  return it == candidate_specs_.end() ? nullptr : it->second.get();
}

Result<rollout::RolloutPlan> ControllerImpl::plan_for(ServiceState& s, const store::Deployment& d,
                                                      const store::Revision& candidate,
                                                      const spec::Service& candidate_spec,
                                                      bool fast) {
  rollout::RolloutPlan plan;
  plan.deployment = d;
  if (!s.revision.id.empty()) {
    plan.stable = s.revision;
    plan.stable_spec = *s.spec;
  }
  plan.candidate = candidate;
  plan.candidate_spec = candidate_spec;
  plan.strategy = candidate_spec.strategy.kind;
  plan.fast = fast;
  const spec::Environment* env = spec_.find_environment(spec_.environment);
  plan.approval_required = !fast && env && env->approval == spec::Approval::Required;
  const std::string& base = options_.base_dir;
  const std::string& wd = candidate_spec.workdir;
  plan.workdir = wd.empty() ? base : (wd[0] == '/' || base.empty()) ? wd : base + "/" + wd;
  auto env_list = replica_env(candidate_spec, 0, 0, candidate.version, options_.resolve_secret);
  if (!env_list) return env_list.error();
  for (auto& [k, v] : *env_list) {
    if (k != "PORT") plan.hook_env.emplace_back(std::move(k), std::move(v));
  }
  return plan;
}

// --- gantry deploy ----------------------------------------------------------------------------

Result<DeployResult> ControllerImpl::deploy(const DeployRequest& request) {
  if (shutting_down_) return make_error(ErrorCode::Conflict, "the daemon is stopping");
  if (!request.environment.empty() && request.environment != spec_.environment) {
    return make_error(ErrorCode::Conflict,
                      "this daemon runs environment '" +
                          (spec_.environment.empty() ? std::string("(base)") : spec_.environment) +
                          "', not '" + request.environment +
                          "'; deploy there through that environment's daemon (gantry up --env " +
                          request.environment + " --state-dir DIR)");
  }
  if (!options_.load_spec) {
    return make_error(ErrorCode::Unsupported, "this daemon cannot read its spec file again");
  }
  std::optional<spec::StrategyKind> strategy;
  if (!request.strategy.empty()) {
    strategy = strategy_named(request.strategy);
    if (!strategy) {
      return make_error(ErrorCode::Invalid, "strategy: '" + request.strategy +
                                                "' is not one of recreate, rolling, blue_green, "
                                                "canary");
    }
  }
  for (const auto& [k, v] : request.set) {
    if (!is_env_name(k)) {
      return make_error(ErrorCode::Invalid,
                        "set: '" + k +
                            "' is not an environment variable name (letters, digits and _, "
                            "not starting with a digit)");
    }
  }
  auto fresh = options_.load_spec();
  if (!fresh) return fresh.error();

  std::vector<std::string> names;
  if (!request.service.empty()) {
    if (!services_.count(request.service)) {
      std::vector<std::string> known;
      for (const auto& s : spec_.services) known.push_back(s.name);
      return make_error(ErrorCode::NotFound, "no service '" + request.service +
                                                 "' runs under this daemon" +
                                                 did_you_mean(request.service, known) +
                                                 " (services: " + join(known, ", ") + ")");
    }
    names.push_back(request.service);
  } else {
    for (const auto& s : spec_.services) names.push_back(s.name);
  }

  struct Planned {
    std::string name;
    spec::Service svc;
    store::Revision revision;
    bool new_revision = false;
  };
  std::vector<Planned> planned;
  DeployResult result;
  for (const auto& name : names) {
    ServiceState& s = services_.at(name);
    const spec::Service* from_file = fresh->find_service(name);
    if (!from_file) {
      if (!request.service.empty()) {
        return make_error(ErrorCode::Invalid, fresh->file + ": service '" + name +
                                                  "' is no longer in the spec; removing a "
                                                  "service needs 'gantry stop' and 'gantry up'");
      }
      continue;
    }
    spec::Service svc = *from_file;
    for (const auto& [k, v] : request.set) {
      spec::EnvValue value;
      value.raw = v;
      value.value = v;
      svc.env[k] = value;
    }
    if (strategy) {
      svc.strategy.kind = *strategy;
      if (*strategy == spec::StrategyKind::Canary && svc.strategy.steps.empty()) {
        svc.strategy.steps = default_canary_steps();
      }
    }
    if (svc.port != s.spec->port) {
      const std::string path = "services." + name + ".port";
      return make_error(ErrorCode::Invalid,
                        "the port of " + name +
                            " changed; gantry's proxy listens on the port "
                            "it started with: 'gantry stop' and 'gantry up' to move it",
                        fresh->source.where(path), path);
    }
    auto rev = revision_for(svc, request.version);
    if (!rev) return rev.error();
    if (rev->id == s.revision.id) {
      result.unchanged.push_back(name);
      continue;
    }
    if (!request.version.empty() && request.version == s.revision.version) {
      return make_error(ErrorCode::Conflict,
                        "version " + request.version + " of " + name + " already runs (revision " +
                            s.revision.id + ") with another spec; give this one a new --version");
    }
    if (s.rollout) {
      return make_error(ErrorCode::Conflict,
                        "deployment " + s.rollout->deployment().id + " of " + name + " is " +
                            std::string(store::name_of(s.rollout->deployment().status)) +
                            "; promote, abort or wait for it first");
    }
    if (s.restarting) {
      return make_error(ErrorCode::Conflict, "a restart of '" + name + "' is under way");
    }
    auto existing = store_->get_revision(rev->id);
    if (!existing) return existing.error();
    planned.push_back({name, std::move(svc), *rev, !existing->has_value()});
  }

  // promote_from: production takes only what succeeded in the environment before it.
  if (const spec::Environment* env = fresh->find_environment(spec_.environment);
      env && !env->promote_from.empty()) {
    for (const auto& p : planned) {
      if (request.version.empty()) {
        return make_error(ErrorCode::Conflict, "environment " + spec_.environment +
                                                   " takes only versions that "
                                                   "succeeded in " +
                                                   env->promote_from +
                                                   " (promote_from): name it with "
                                                   "--version, as deployed there");
      }
      auto there = store_->list_deployments({p.name, env->promote_from, 1000});
      if (!there) return there.error();
      const bool ok = std::any_of(there->begin(), there->end(), [&](const store::Deployment& d) {
        return d.status == store::DeploymentStatus::Succeeded && d.version == request.version &&
               (request.commit.empty() || d.commit_sha.empty() || d.commit_sha == request.commit);
      });
      if (!ok) {
        return make_error(ErrorCode::Conflict, "version " + request.version + " of " + p.name +
                                                   " has not succeeded in " + env->promote_from +
                                                   " (promote_from: " + env->promote_from +
                                                   "); deploy it there first");
      }
    }
  }

  // When the commit was made (DORA's lead time): as asked, else from git, else unknown.
  std::optional<std::int64_t> commit_time = request.commit_time_ms;
  std::string commit_time_note;
  if (!commit_time && !request.commit.empty() && !planned.empty()) {
    auto at = git_commit_time(options_.base_dir, request.commit);
    if (at) {
      commit_time = *at;
    } else {
      commit_time_note = "commit time unknown: " + at.error().message;
      std::cerr << "gantry: " << commit_time_note << std::endl;
    }
  }
  for (auto& p : planned) {
    ServiceState& s = services_.at(p.name);
    auto id = next_deployment_id(*store_);
    if (!id) return id.error();
    store::Deployment d;
    d.id = *id;
    d.service = p.name;
    d.environment = spec_.environment;
    d.revision_id = p.revision.id;
    d.from_revision_id = s.revision.id;
    d.strategy = std::string(spec::name_of(p.svc.strategy.kind));
    d.version = p.revision.version;
    d.commit_sha = request.commit;
    d.commit_time_ms = commit_time;
    d.triggered_by = request.triggered_by.empty() ? "api" : request.triggered_by;
    d.started_at_ms = now_unix_ms();
    d.status = store::DeploymentStatus::Pending;
    json set = json::object();
    for (const auto& [k, v] : request.set) {
      set[k] = spec::is_secret_like_name(k) ? std::string("<redacted>") : v;
    }
    d.metadata_json = dump({{"set", set}});
    auto plan = plan_for(s, d, p.revision, p.svc, false);
    if (!plan) return plan.error();
    auto st = store_->transaction([&]() -> Status {
      if (p.new_revision) {
        if (auto r = store_->put_revision(p.revision); !r) return r;
      }
      if (auto r = store_->put_deployment(d); !r) return r;
      json started = {{"strategy", d.strategy},
                      {"version", d.version},
                      {"revision_id", d.revision_id},
                      {"from_revision_id", d.from_revision_id},
                      {"commit_sha", d.commit_sha},
                      {"commit_time", commit_time ? json(format_timestamp(*commit_time)) : json()},
                      {"triggered_by", d.triggered_by}};
      if (!commit_time_note.empty()) started["commit_time_note"] = commit_time_note;
      auto e = store_->append_event(
          deployment_event(d, d.started_at_ms, "deployment.started", dump(started)));
      if (!e) return e.error();
      auto a =
          store_->append_audit({0, d.started_at_ms, d.triggered_by, "deploy", "service/" + p.name,
                                dump({{"deployment", d.id}, {"version", d.version}})});
      if (!a) return a.error();
      return {};
    });
    if (!st) return st.error();
    events_.catch_up();
    candidate_specs_[p.revision.id] = std::make_unique<spec::Service>(p.svc);
    s.rollout =
        rollout::start_rollout(io_, events_, *s.fleet, std::move(*plan), options_.rollout_timing);
    result.deployments.push_back(d);
  }
  return result;
}

// --- gantry rollback ----------------------------------------------------------------------------

Result<store::Deployment> ControllerImpl::rollback(const std::string& service,
                                                   const std::string& to, const std::string& by) {
  if (shutting_down_) return make_error(ErrorCode::Conflict, "the daemon is stopping");
  auto it = services_.find(service);
  if (it == services_.end()) {
    return make_error(ErrorCode::NotFound, "no service '" + service + "' in this project");
  }
  ServiceState& s = it->second;
  if (s.rollout) {
    return make_error(ErrorCode::Conflict, "deployment " + s.rollout->deployment().id + " of " +
                                               service + " is under way; 'gantry abort " + service +
                                               "' rolls it back");
  }
  std::optional<store::Revision> target;
  if (to.empty()) {
    auto list = store_->list_deployments({service, spec_.environment, 1000});
    if (!list) return list.error();
    for (const auto& d : *list) {
      if (d.status == store::DeploymentStatus::Succeeded && d.revision_id != s.revision.id) {
        auto r = store_->get_revision(d.revision_id);
        if (!r) return r.error();
        target = *r;
        break;
      }
    }
    if (!target) {
      return make_error(ErrorCode::NotFound, "no earlier revision of " + service +
                                                 " succeeded here; name one with --to "
                                                 "(see 'gantry history " +
                                                 service + " --revisions')");
    }
  } else {
    auto r = store_->get_revision(to);
    if (!r) return r.error();
    if (r->has_value() && (*r)->service == service) {
      target = **r;
    } else {
      auto list = store_->list_revisions(service, 1000);
      if (!list) return list.error();
      for (const auto& rev : *list) {
        if (rev.version == to) {
          target = rev;
          break;
        }
      }
    }
    if (!target) {
      return make_error(ErrorCode::NotFound, "no revision or version '" + to + "' of " + service +
                                                 " (see 'gantry history " + service +
                                                 " --revisions')");
    }
  }
  if (target->id == s.revision.id) {
    return make_error(ErrorCode::Conflict,
                      service + " runs " + target->id + " (" + target->version + ") already");
  }
  auto svc = spec_of(*target);
  if (!svc) return svc.error();
  auto id = next_deployment_id(*store_);
  if (!id) return id.error();
  store::Deployment d;
  d.id = *id;
  d.service = service;
  d.environment = spec_.environment;
  d.revision_id = target->id;
  d.from_revision_id = s.revision.id;
  d.strategy = "rollback";
  d.version = target->version;
  d.triggered_by = by.empty() ? "api" : by;
  d.started_at_ms = now_unix_ms();
  d.status = store::DeploymentStatus::Pending;
  d.metadata_json = dump({{"rollback_to", target->id}});
  auto plan = plan_for(s, d, *target, *svc, true);
  if (!plan) return plan.error();
  auto st = store_->transaction([&]() -> Status {
    if (auto r = store_->put_deployment(d); !r) return r;
    auto e = store_->append_event(deployment_event(d, d.started_at_ms, "deployment.started",
                                                   dump({{"strategy", "rollback"},
                                                         {"version", d.version},
                                                         {"revision_id", d.revision_id},
                                                         {"from_revision_id", d.from_revision_id},
                                                         {"triggered_by", d.triggered_by}})));
    if (!e) return e.error();
    auto a =
        store_->append_audit({0, d.started_at_ms, d.triggered_by, "rollback", "service/" + service,
                              dump({{"deployment", d.id}, {"to", target->id}})});
    if (!a) return a.error();
    return {};
  });
  if (!st) return st.error();
  events_.catch_up();
  candidate_specs_[target->id] = std::make_unique<spec::Service>(*svc);
  s.rollout =
      rollout::start_rollout(io_, events_, *s.fleet, std::move(*plan), options_.rollout_timing);
  return d;
}

// --- promote, abort, pause, resume --------------------------------------------------------------

Result<store::Deployment> ControllerImpl::act(const std::string& service, RolloutAction action,
                                              bool full, const std::string& by) {
  auto it = services_.find(service);
  if (it == services_.end()) {
    return make_error(ErrorCode::NotFound, "no service '" + service + "' in this project");
  }
  ServiceState& s = it->second;
  if (!s.rollout) {
    return make_error(ErrorCode::Conflict, "no deployment of " + service +
                                               " is under way ('gantry history " + service +
                                               "' lists the past ones)");
  }
  const std::string who = by.empty() ? "api" : by;
  Status st;
  switch (action) {
    case RolloutAction::Promote:
      st = s.rollout->promote(full, who);
      break;
    case RolloutAction::Abort:
      st = s.rollout->abort(who);
      break;
    case RolloutAction::Pause:
      st = s.rollout->pause(who);
      break;
    case RolloutAction::Resume:
      st = s.rollout->resume(who);
      break;
  }
  if (!st) return st.error();
  static constexpr const char* kNames[] = {"promote", "abort", "pause", "resume"};
  (void)store_->append_audit({0, now_unix_ms(), who, kNames[static_cast<int>(action)],
                              "service/" + service,
                              dump({{"deployment", s.rollout->deployment().id}, {"full", full}})});
  return s.rollout->deployment();
}

std::optional<rollout::RolloutView> ControllerImpl::rollout_view(const std::string& id) {
  for (auto& [name, s] : services_) {
    if (s.rollout && s.rollout->deployment().id == id) return s.rollout->view();
  }
  return std::nullopt;
}

// --- after a crash ------------------------------------------------------------------------------

bool ControllerImpl::resume_from_store(ServiceState& st, const spec::Service& file_spec,
                                       const std::vector<store::Replica>& rows) {
  auto latest = store_->list_deployments({file_spec.name, spec_.environment, 50});
  if (!latest || latest->empty()) return false;
  auto alive = [&](const std::string& revision_id) {
    return std::any_of(rows.begin(), rows.end(), [&](const store::Replica& r) {
      return r.service == file_spec.name && r.revision_id == revision_id &&
             runtime::is_same_process({r.pid, r.start_time, r.pgid});
    });
  };
  spec::Service& entry = *st.spec;
  store::Deployment d = (*latest)[0];
  if (!store::is_terminal(d.status) && d.strategy != "up") {
    std::string why;
    auto cand = store_->get_revision(d.revision_id);
    auto stable = store_->get_revision(d.from_revision_id);
    if (cand && stable && cand->has_value() && stable->has_value()) {
      auto cand_spec = spec_of(**cand);
      auto stable_spec = spec_of(**stable);
      if (cand_spec && stable_spec) {
        entry = *stable_spec;
        st.revision = **stable;
        candidate_specs_[(*cand)->id] = std::make_unique<spec::Service>(*cand_spec);
        auto plan = plan_for(st, d, **cand, *cand_spec, d.strategy == "rollback");
        if (plan) {
          st.weights = rollout::stored_weights(d);
          to_resume_.emplace(file_spec.name, std::move(*plan));
          std::cerr << "gantry: " << file_spec.name << ": resuming deployment " << d.id << " ("
                    << store::name_of(d.status) << ")" << std::endl;
          return true;
        }
        why = plan.error().message;
        candidate_specs_.erase((*cand)->id);
      } else {
        why = !cand_spec ? cand_spec.error().message : stable_spec.error().message;
      }
    } else {
      why = "its revisions are missing from the store";
    }
    // Nothing to resume from: say so in the registry; the file's spec runs.
    d.status = store::DeploymentStatus::Failed;
    d.completed_at_ms = now_unix_ms();
    d.rollback_reason = "the daemon restarted and could not resume the rollout: " + why;
    (void)store_->transaction([&]() -> Status {
      if (auto p = store_->put_deployment(d); !p) return p;
      auto e = store_->append_event(deployment_event(d, *d.completed_at_ms, "deployment.failed",
                                                     dump({{"reason", d.rollback_reason}})));
      if (!e) return e.error();
      return {};
    });
    events_.catch_up();
    return false;
  }
  // Finished: what the last successful deployment put in place keeps running if it still does.
  for (const auto& dep : *latest) {
    if (dep.status != store::DeploymentStatus::Succeeded) continue;
    if (!alive(dep.revision_id)) return false;
    auto rev = store_->get_revision(dep.revision_id);
    if (!rev || !rev->has_value()) return false;
    auto svc = spec_of(**rev);
    if (!svc) return false;
    entry = *svc;
    st.revision = **rev;
    return true;
  }
  return false;
}

void ControllerImpl::start_resumed_rollouts() {
  for (auto& [name, plan] : to_resume_) {
    ServiceState& s = services_.at(name);
    s.rollout =
        rollout::resume_rollout(io_, events_, *s.fleet, std::move(plan), options_.rollout_timing);
  }
  to_resume_.clear();
}

}  // namespace gantry::daemon
