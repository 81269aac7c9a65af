// The rollout state machine: one object per active deployment, ticking on the control-plane
// loop. Each tick reads the fleet, checks the at-once rollback rules, and moves the phase on;
// every transition is persisted (deployment row + event, one transaction) before it is acted
// on. Strategies differ only in how Provisioning, Progressing and Promoting move replicas and
// weights; rolling back is the same for all: stable weight at once, then the candidate drains.
#include "rollout/rollout.h"

#include <algorithm>
#include <cmath>
#include <iostream>
#include <nlohmann/json.hpp>

#include "core/asio.h"
#include "core/units.h"
#include "rollout/analysis_loop.h"
#include "rollout/build.h"
#include "rollout/hooks.h"
#include "rollout/rollout_state.h"

namespace gantry::rollout {
namespace {

namespace asio = boost::asio;
using nlohmann::json;
using Status_ = store::DeploymentStatus;
using detail::RolloutState;

int amount_of(const spec::Amount& a, int replicas, bool round_up) {
  if (!a.percent) return static_cast<int>(a.value);
  const double v = a.value * replicas / 100.0;
  return static_cast<int>(round_up ? std::ceil(v) : std::floor(v));
}

std::string step_kind_name(spec::CanaryStep::Kind k) { return std::string(spec::name_of(k)); }

class RolloutImpl final : public Rollout, public std::enable_shared_from_this<RolloutImpl> {
 public:
  RolloutImpl(asio::io_context& io, telemetry::EventBus& events, Fleet& fleet, RolloutPlan plan,
              RolloutTiming timing)
      : io_(io),
        events_(events),
        store_(events.store()),
        fleet_(fleet),
        plan_(std::move(plan)),
        timing_(timing),
        timer_(io),
        analysis_(io, plan_.candidate_spec.strategy.analysis) {}

  void begin() {
    state_.approved = !plan_.approval_required;
    schedule(std::chrono::milliseconds(0));
  }

  void resume_stored() {
    auto stored = detail::from_metadata(plan_.deployment.metadata_json);
    const Status_ phase = plan_.deployment.status;
    if (phase == Status_::Pending) {
      begin();
      return;
    }
    if (!stored) {
      begin_rollback("untrusted_state",
                     "the daemon restarted and the rollout's stored state is "
                     "unreadable (" +
                         stored.error().message + ")");
      schedule(std::chrono::milliseconds(0));
      return;
    }
    state_ = *stored;
    emit("rollout.resumed", {{"phase", std::string(store::name_of(phase))},
                             {"stage", state_.stage},
                             {"step", state_.step}});
    if (!state_.weights.empty()) fleet_.route(state_.weights);
    if (phase == Status_::Preflight) {
      // A build or pre-rollout hook was cut off half-way: nothing took traffic yet, but what
      // the hook did is unknown. Do not run it twice behind the user's back.
      state_.final_status = "failed";
      begin_rollback("untrusted_state",
                     "the daemon restarted during preflight (" +
                         (state_.stage.empty() ? std::string("build/hooks") : state_.stage) +
                         "); the deployment was not finished and nothing took traffic");
    } else if (phase == Status_::RollingBack && state_.stage == "hooks") {
      state_.stage = "done";  // on_rollback hooks are not run twice
    }
    schedule(std::chrono::milliseconds(0));
  }

  const store::Deployment& deployment() const override { return plan_.deployment; }
  RolloutView view() const override;
  Status promote(bool full, const std::string& by) override;
  Status abort(const std::string& by) override;
  Status pause(const std::string& by) override;
  Status resume(const std::string& by) override;
  void detach() override {
    detached_ = true;
    timer_.cancel();
  }
  void poke() override { schedule(std::chrono::milliseconds(0)); }
  void end(const std::string& reason) override {
    if (!active()) return;
    state_.rule = "shutdown";
    state_.reason = reason;
    finish(Status_::Aborted, reason);
  }

 private:
  Status_ phase() const { return plan_.deployment.status; }
  bool active() const { return !store::is_terminal(phase()) && !detached_; }
  int replicas() const { return std::max(plan_.candidate_spec.replicas, 0); }
  int stable_replicas() const { return std::max(plan_.stable_spec.replicas, 0); }
  const std::string& cand_version() const { return plan_.candidate.version; }
  std::string stable_version() const { return plan_.stable ? plan_.stable->version : ""; }

  void schedule(std::chrono::milliseconds after);
  void tick();
  void run_machine();
  // Returns true when the machine moved on and should look again at once.
  bool step_once();
  bool at_once_rules();

  bool do_preflight();
  bool do_provisioning();
  bool do_progressing();
  bool do_canary_step();
  bool do_rolling();
  bool do_promoting();
  bool do_rolling_back();

  bool wait_ready(const std::string& revision_id, int want, std::string_view what);
  void run_smoke(std::function<void(bool, std::string)> done);
  void run_hooks(const std::vector<spec::Hook>& hooks, std::string list, std::size_t i,
                 std::function<void(bool, std::string)> done);
  void set_weights(std::map<std::string, int> weights);
  // Waits for `gantry promote` ("approval" or "promote"), telling why once; returns false (the
  // machine does not move on).
  bool wait_for(const std::string& what, const std::string& reason);
  // Where smoke tests and http hooks reach the candidate: through the proxy with the override
  // header, else the first new replica's own port.
  HttpTarget candidate_target();
  void next_step();

  // Persistence: every change of phase or state goes through here before it is acted on.
  void persist(std::optional<Status_> to = std::nullopt, std::string reason = {});
  void emit(std::string type, json data);
  store::DeploymentEvent event_of(std::string type, const json& data) const;
  void begin_rollback(std::string rule, std::string reason);
  void finish(Status_ status, std::string reason);

  asio::io_context& io_;
  telemetry::EventBus& events_;
  store::Store& store_;
  Fleet& fleet_;
  RolloutPlan plan_;
  RolloutTiming timing_;
  asio::steady_timer timer_;
  bool timer_armed_ = false;
  bool detached_ = false;
  bool busy_ = false;  // an asynchronous build, hook or smoke test is under way
  RolloutState state_;
  AnalysisLoop analysis_;
  std::chrono::steady_clock::time_point wait_started_{};
  std::string waiting_on_;
  int last_ready_reported_ = -1;
};

void RolloutImpl::schedule(std::chrono::milliseconds after) {
  if (detached_ || store::is_terminal(phase())) return;
  if (timer_armed_ && after.count() > 0) return;
  if (timer_armed_) timer_.cancel();
  timer_armed_ = true;
  timer_.expires_after(after);
  std::weak_ptr<RolloutImpl> weak = weak_from_this();
  timer_.async_wait([weak](boost::system::error_code ec) {
    auto self = weak.lock();
    if (!self) return;
    if (ec == asio::error::operation_aborted) {
      // Re-armed for an earlier tick (poke) or detached: that tick runs instead.
      return;
    }
    self->timer_armed_ = false;
    self->tick();
  });
}

void RolloutImpl::tick() {
  if (!active()) return;
  run_machine();
  schedule(timing_.tick);
}

void RolloutImpl::run_machine() {
  // A few transitions in one go: each only looks at what is true now, so this is safe.
  for (int i = 0; i < 16 && active(); ++i) {
    if (at_once_rules()) continue;
    if (busy_ || !step_once()) break;
  }
}

bool RolloutImpl::at_once_rules() {
  const Status_ p = phase();
  const bool watching =
      p == Status_::Provisioning || p == Status_::Progressing || p == Status_::Paused ||
      (p == Status_::Promoting && state_.stage != "drain" && state_.stage != "hooks");
  if (!watching) return false;
  const VersionHealth h = fleet_.health(plan_.candidate.id);
  if (h.ready != last_ready_reported_ && (h.ready > 0 || last_ready_reported_ > 0)) {
    last_ready_reported_ = h.ready;
    emit("replica.ready", {{"version", cand_version()}, {"ready", h.ready}, {"live", h.live}});
  }
  if (h.crashed) {
    begin_rollback("crash", "a new replica crashed: " + h.crash_detail);
    return true;
  }
  if (h.deep_unhealthy > 0) {
    begin_rollback("deep_health", "deep health of a new replica is unhealthy" +
                                      (h.deep_detail.empty() ? "" : ": " + h.deep_detail));
    return true;
  }
  if (h.liveness_failing > 0) {
    begin_rollback("liveness", "liveness is failing on " + std::to_string(h.liveness_failing) +
                                   " new replica(s)");
    return true;
  }
  // Analysis: every tick while the candidate takes traffic.
  const bool judging =
      (p == Status_::Progressing || p == Status_::Paused ||
       (p == Status_::Promoting && plan_.strategy == spec::StrategyKind::BlueGreen &&
        state_.stage == "warm")) &&
      !plan_.fast && analysis_.configured() && state_.canary_weight > 0;
  if (!judging) {
    analysis_.reset();
    return false;
  }
  auto outcome = analysis_.tick(fleet_, stable_version(), cand_version(), h,
                                state_.canary_weight >= 100, timing_.tick);
  state_.error_count += outcome.new_errors;
  if (outcome.judged) {
    ++state_.intervals;
    if (outcome.passed) {
      ++state_.passed;
      ++state_.step_passes;
      state_.failures = 0;
    } else if (outcome.failed) {
      ++state_.failures;
    }
    persist();
  }
  for (auto& e : outcome.events) {
    e.second["failures"] = state_.failures;
    e.second["failure_limit"] = analysis_.failure_limit();
    emit(std::move(e.first), std::move(e.second));
  }
  if (outcome.fail_now) {
    begin_rollback(outcome.rule, outcome.reason);
    return true;
  }
  const int limit = analysis_.failure_limit();
  if (state_.failures >= limit) {
    begin_rollback(outcome.rule.empty() ? "analysis" : outcome.rule,
                   std::to_string(state_.failures) + " consecutive failed intervals (limit " +
                       std::to_string(limit) + "): " + outcome.reason);
    return true;
  }
  return false;
}

bool RolloutImpl::step_once() {
  switch (phase()) {
    case Status_::Pending:
      persist(Status_::Preflight);
      return true;
    case Status_::Preflight:
      return do_preflight();
    case Status_::Provisioning:
      return do_provisioning();
    case Status_::Progressing:
      return do_progressing();
    case Status_::Paused:
      return false;
    case Status_::Promoting:
      return do_promoting();
    case Status_::RollingBack:
      return do_rolling_back();
    default:
      return false;
  }
}

bool RolloutImpl::do_preflight() {
  if (plan_.fast) {
    persist(Status_::Provisioning);
    return true;
  }
  auto self = shared_from_this();
  if (state_.stage.empty()) {
    state_.stage = "build";
    persist();
  }
  if (state_.stage == "build") {
    if (!plan_.candidate_spec.build) {
      state_.stage = "pre_rollout";
      return true;
    }
    busy_ = true;
    BuildContext ctx;
    ctx.workdir = plan_.workdir;
    ctx.env = plan_.hook_env;
    emit("build.started", {{"command", plan_.candidate_spec.build->command}});
    run_build(
        io_, *plan_.candidate_spec.build, ctx,
        [self](const OutputLine& line) {
          self->emit("build.output", {{"stream", line.stream}, {"line", line.text}});
        },
        [self](BuildResult r) {
          self->busy_ = false;
          if (!self->active()) return;
          json data{{"ok", r.ok},
                    {"exit_code", r.exit_code},
                    {"detail", r.detail},
                    {"took_ms", r.took.count()},
                    {"last_lines", r.last_lines}};
          if (!r.artifact_digest.empty()) data["artifact_digest"] = r.artifact_digest;
          self->emit("build.finished", std::move(data));
          if (!r.ok) {
            std::string tail;
            for (const auto& l : r.last_lines) tail += "\n  " + l;
            self->finish(Status_::Failed, "build failed: " + r.detail + tail);
            return;
          }
          self->state_.artifact_digest = r.artifact_digest;
          if (!r.artifact_digest.empty()) {
            // The revision records what was built; replicas of it start only with that.
            if (auto st =
                    self->store_.set_revision_artifact(self->plan_.candidate.id, r.artifact_digest);
                !st) {
              self->finish(Status_::Failed, "cannot record the artifact: " + st.error().message);
              return;
            }
            self->plan_.candidate.artifact_digest = r.artifact_digest;
          }
          self->state_.stage = "pre_rollout";
          self->persist();
          self->poke();
        });
    return false;
  }
  if (state_.stage == "pre_rollout") {
    busy_ = true;
    run_hooks(plan_.candidate_spec.hooks.pre_rollout, "pre_rollout", 0,
              [self](bool ok, std::string why) {
                self->busy_ = false;
                if (!self->active()) return;
                if (!ok) {
                  self->finish(Status_::Failed, "pre_rollout hook failed: " + why);
                  return;
                }
                self->state_.stage = "";
                self->persist(Status_::Provisioning);
                self->poke();
              });
    return false;
  }
  state_.stage = "";
  persist(Status_::Provisioning);
  return true;
}

bool RolloutImpl::wait_ready(const std::string& revision_id, int want, std::string_view what) {
  const VersionHealth h = fleet_.health(revision_id);
  if (h.ready >= want) {
    waiting_on_.clear();
    return true;
  }
  const std::string key = revision_id + "/" + std::to_string(want);
  if (waiting_on_ != key) {
    waiting_on_ = key;
    wait_started_ = std::chrono::steady_clock::now();
  } else if (std::chrono::steady_clock::now() - wait_started_ > timing_.ready_deadline) {
    begin_rollback("not_ready", std::string(what) + ": " + std::to_string(h.ready) + " of " +
                                    std::to_string(want) + " replicas ready after " +
                                    format_duration(timing_.ready_deadline));
  }
  return false;
}

bool RolloutImpl::do_provisioning() {
  const auto kind = plan_.strategy;
  if (state_.stage.empty()) state_.stage = "scale";
  if (state_.stage == "scale") {
    int want = replicas();
    if (!plan_.fast && kind == spec::StrategyKind::Canary) {
      int first = 0;
      for (const auto& s : plan_.candidate_spec.strategy.steps) {
        if (s.kind == spec::CanaryStep::Kind::Weight && s.weight > 0) {
          first = s.weight;
          break;
        }
      }
      want = std::clamp(static_cast<int>(std::ceil(replicas() * std::max(first, 1) / 100.0)), 1,
                        std::max(replicas(), 1));
    } else if (!plan_.fast && kind == spec::StrategyKind::Rolling) {
      const int surge = amount_of(plan_.candidate_spec.strategy.max_surge, replicas(), true);
      want = std::clamp(surge > 0 ? surge : 1, 1, std::max(replicas(), 1));
      if (surge == 0 && plan_.stable) {
        // No room to surge: make room first, within max_unavailable.
        fleet_.scale(*plan_.stable, plan_.stable_spec, std::max(stable_replicas() - want, 0));
      }
    } else if (!plan_.fast && kind == spec::StrategyKind::Recreate && plan_.stable) {
      fleet_.scale(*plan_.stable, plan_.stable_spec, 0);
      if (fleet_.health(plan_.stable->id).live > 0) return false;
    }
    if (replicas() == 0) want = 0;
    fleet_.scale(plan_.candidate, plan_.candidate_spec, want);
    if (!wait_ready(plan_.candidate.id, want, "new replicas did not become ready")) return false;
    if (kind == spec::StrategyKind::Recreate || plan_.fast) {
      // Nothing else serves: the new side takes the traffic as soon as it is ready.
      set_weights({{cand_version(), 100}});
    } else if (kind == spec::StrategyKind::Rolling) {
      set_weights({});  // proportional to ready replicas, below
    }
    state_.stage = plan_.fast || plan_.candidate_spec.hooks.smoke.empty() ? "" : "smoke";
    if (state_.stage.empty()) {
      persist(Status_::Progressing);
      return true;
    }
    persist();
    return true;
  }
  if (state_.stage == "smoke") {
    busy_ = true;
    auto self = shared_from_this();
    run_smoke([self](bool ok, std::string why) {
      self->busy_ = false;
      if (!self->active()) return;
      if (!ok) {
        self->begin_rollback("smoke", "smoke test failed: " + why);
        self->poke();
        return;
      }
      self->state_.stage = "";
      self->persist(Status_::Progressing);
      self->poke();
    });
    return false;
  }
  state_.stage = "";
  persist(Status_::Progressing);
  return true;
}

bool RolloutImpl::do_progressing() {
  switch (plan_.fast ? spec::StrategyKind::Recreate : plan_.strategy) {
    case spec::StrategyKind::Canary:
      return do_canary_step();
    case spec::StrategyKind::Rolling:
      return do_rolling();
    case spec::StrategyKind::BlueGreen: {
      if (!state_.approved ||
          (!plan_.candidate_spec.strategy.auto_promote && state_.waiting_for != "done")) {
        const std::string want = !state_.approved ? "approval" : "promote";
        if (state_.waiting_for != want) {
          state_.waiting_for = want;
          emit("approval.required",
               {{"reason", want == "approval"
                               ? "the environment requires approval before traffic switches"
                               : "blue-green waits for 'gantry promote' before the switch "
                                 "(auto_promote is off)"},
                {"preview_header", "X-Gantry-Version: " + cand_version()}});
          persist();
        }
        return false;
      }
      state_.waiting_for.clear();
      set_weights({{cand_version(), 100}});
      state_.canary_weight = 100;
      state_.warm_until_ms = now_unix_ms() + std::chrono::duration_cast<std::chrono::milliseconds>(
                                                 plan_.candidate_spec.strategy.scale_down_delay)
                                                 .count();
      state_.stage = "warm";
      persist(Status_::Promoting);
      return true;
    }
    case spec::StrategyKind::Recreate:
      if (!state_.approved) {
        return wait_for("approval", "the environment requires approval");
      }
      set_weights({{cand_version(), 100}});
      state_.stage = "";
      persist(Status_::Promoting);
      return true;
  }
  return false;
}

void RolloutImpl::next_step() {
  ++state_.step;
  state_.stage = "";
  state_.waiting_for.clear();
  state_.step_passes = 0;
  state_.step_extensions = 0;
  persist();
}

bool RolloutImpl::do_canary_step() {
  const auto& steps = plan_.candidate_spec.strategy.steps;
  if (state_.step >= static_cast<int>(steps.size())) {
    state_.stage = "";
    persist(Status_::Promoting);
    return true;
  }
  const spec::CanaryStep& step = steps[static_cast<std::size_t>(state_.step)];
  if (state_.stage.empty()) {
    state_.stage = "run";
    state_.step_started_ms = now_unix_ms();
    json data{{"index", state_.step}, {"kind", step_kind_name(step.kind)}};
    if (step.kind == spec::CanaryStep::Kind::Weight) data["weight"] = step.weight;
    if (step.duration.count() > 0) data["duration_ms"] = step.duration.count();
    emit("step.started", std::move(data));
    persist();
  }
  const auto elapsed = now_unix_ms() - state_.step_started_ms;
  switch (step.kind) {
    case spec::CanaryStep::Kind::Weight: {
      if (step.weight > 0 && !state_.approved) {
        return wait_for("approval",
                        "the environment requires approval before production traffic moves");
      }
      if (step.weight >= 100) {
        state_.stage = "";
        persist(Status_::Promoting);
        return true;
      }
      const int want =
          std::clamp(static_cast<int>(std::ceil(replicas() * std::max(step.weight, 1) / 100.0)), 1,
                     std::max(replicas(), 1));
      fleet_.scale(plan_.candidate, plan_.candidate_spec, want);
      if (!wait_ready(plan_.candidate.id, want, "canary replicas did not become ready"))
        return false;
      set_weights({{stable_version(), 100 - step.weight}, {cand_version(), step.weight}});
      next_step();
      return true;
    }
    case spec::CanaryStep::Kind::Pause:
      if (step.duration.count() == 0) {
        return wait_for("promote", "paused until 'gantry promote'");
      }
      if (elapsed < step.duration.count()) return false;
      next_step();
      return true;
    case spec::CanaryStep::Kind::Analysis: {
      if (elapsed < step.duration.count() || state_.waiting_for == "approval") return false;
      if (state_.step_passes > 0 || !analysis_.configured()) {
        next_step();
        return true;
      }
      // No conclusive interval in the whole step: too little traffic to judge.
      switch (analysis_.on_low_traffic()) {
        case spec::Analysis::Inconclusive::Pass:
          emit("analysis.inconclusive", {{"reason", "too little traffic; on_low_traffic: pass"}});
          next_step();
          return true;
        case spec::Analysis::Inconclusive::Extend:
          if (state_.step_extensions < 3) {
            ++state_.step_extensions;
            state_.step_started_ms = now_unix_ms();
            emit("analysis.inconclusive",
                 {{"reason", "too little traffic to judge; the analysis step is extended"},
                  {"extension", state_.step_extensions}});
            persist();
            return false;
          }
          [[fallthrough]];
        case spec::Analysis::Inconclusive::Approval:
          state_.waiting_for = "approval";
          emit("approval.required",
               {{"reason", "too little traffic to judge the canary; promote or abort by hand"}});
          persist();
          return false;
      }
      return false;
    }
    case spec::CanaryStep::Kind::Approval:
      return wait_for("approval", "an approval step: 'gantry promote' to go on");
  }
  return false;
}

bool RolloutImpl::do_rolling() {
  if (!state_.approved) {
    return wait_for("approval", "the environment requires approval");
  }
  const int n = replicas();
  const int surge = std::max(amount_of(plan_.candidate_spec.strategy.max_surge, n, true), 0);
  const int unavailable =
      std::max(amount_of(plan_.candidate_spec.strategy.max_unavailable, n, false), 0);
  const int batch = std::max({surge, unavailable, 1});
  const VersionHealth cand = fleet_.health(plan_.candidate.id);
  const VersionHealth old = plan_.stable ? fleet_.health(plan_.stable->id) : VersionHealth{};
  // Weights follow the ready replicas, so each version gets its share of requests.
  const int total = cand.ready + old.ready;
  if (total > 0 && plan_.stable) {
    int w = static_cast<int>(std::lround(100.0 * cand.ready / total));
    if (cand.ready > 0) w = std::max(w, 1);
    if (old.ready > 0) w = std::min(w, 99);
    set_weights({{stable_version(), 100 - w}, {cand_version(), w}});
  }
  if (cand.ready < cand.live ||
      !wait_ready(plan_.candidate.id, std::min(cand.live, n), "new replicas did not become ready"))
    return false;
  if (cand.ready >= n) {
    set_weights({{cand_version(), 100}});
    persist(Status_::Promoting);
    return true;
  }
  // Old replicas may go while enough stay available: n - unavailable ready in all.
  const int old_target = std::max(n - cand.ready - (surge == 0 ? batch : 0), 0);
  if (plan_.stable && old.live > old_target) {
    fleet_.scale(*plan_.stable, plan_.stable_spec, old_target);
    return true;
  }
  fleet_.scale(plan_.candidate, plan_.candidate_spec, std::min(n, cand.live + batch));
  return false;
}

bool RolloutImpl::do_promoting() {
  if (state_.stage == "warm") {
    // Blue-green: the old side stays warm, so a rollback now is one switch back.
    if (now_unix_ms() < state_.warm_until_ms) return false;
    state_.stage = "";
    persist();
  }
  if (state_.stage.empty()) {
    fleet_.scale(plan_.candidate, plan_.candidate_spec, replicas());
    if (!wait_ready(plan_.candidate.id, replicas(), "new replicas did not become ready"))
      return false;
    set_weights({{cand_version(), 100}});
    state_.canary_weight = 100;
    state_.stage = "drain";
    persist();
    return true;
  }
  if (state_.stage == "drain") {
    if (plan_.stable && plan_.stable->id != plan_.candidate.id) {
      fleet_.scale(*plan_.stable, plan_.stable_spec, 0);
      if (fleet_.health(plan_.stable->id).live > 0) return false;
    }
    fleet_.make_current(plan_.candidate, plan_.candidate_spec);
    state_.weights.clear();
    fleet_.route({});
    state_.stage = "hooks";
    persist();
    busy_ = true;
    auto self = shared_from_this();
    run_hooks(plan_.fast ? std::vector<spec::Hook>{} : plan_.candidate_spec.hooks.post_rollout,
              "post_rollout", 0, [self](bool ok, std::string why) {
                self->busy_ = false;
                if (!self->active()) return;
                // The new version runs and serves: a failing post-rollout hook is reported, not
                // a reason to go back.
                self->finish(Status_::Succeeded, ok ? "" : "post_rollout hook failed: " + why);
              });
    return false;
  }
  return false;
}

void RolloutImpl::begin_rollback(std::string rule, std::string reason) {
  if (phase() == Status_::RollingBack || store::is_terminal(phase())) return;
  busy_ = false;  // a smoke test or hook still running reports into a rollback that ignores it
  state_.rule = rule;
  state_.reason = reason;
  if (state_.final_status.empty()) state_.final_status = "rolled_back";
  state_.stage = "route";
  state_.waiting_for.clear();
  plan_.deployment.rollback_reason = rule + ": " + reason;
  emit("rollback.started", {{"rule", rule}, {"reason", reason}});
  persist(Status_::RollingBack, reason);
}

bool RolloutImpl::do_rolling_back() {
  if (state_.stage == "route" || state_.stage.empty()) {
    if (plan_.stable && plan_.stable->id != plan_.candidate.id) {
      fleet_.scale(*plan_.stable, plan_.stable_spec, stable_replicas());
      const VersionHealth old = fleet_.health(plan_.stable->id);
      if (old.ready == 0 && stable_replicas() > 0) {
        // The stable side must be back before the candidate's share can move to it (rolling
        // and recreate scaled it down); until then the candidate keeps serving.
        if (!wait_ready(plan_.stable->id, 1, "the stable replicas did not come back")) {
          if (waiting_on_.empty()) state_.stage = "drain";  // gave up waiting
          return false;
        }
      }
    }
    state_.weights.clear();
    state_.canary_weight = 0;
    fleet_.route({});
    emit("weight.changed",
         {{"weights", json{{stable_version(), 100}, {cand_version(), 0}}}, {"rollback", true}});
    state_.stage = "drain";
    persist();
    return true;
  }
  if (state_.stage == "drain") {
    if (!plan_.stable || plan_.stable->id != plan_.candidate.id) {
      fleet_.scale(plan_.candidate, plan_.candidate_spec, 0);
      if (fleet_.health(plan_.candidate.id).live > 0) return false;
    }
    state_.stage = "hooks";
    persist();
    busy_ = true;
    auto self = shared_from_this();
    run_hooks(plan_.fast ? std::vector<spec::Hook>{} : plan_.candidate_spec.hooks.on_rollback,
              "on_rollback", 0, [self](bool ok, std::string why) {
                self->busy_ = false;
                if (!ok) self->emit("hook.failed", {{"list", "on_rollback"}, {"detail", why}});
                self->state_.stage = "done";
                self->poke();
              });
    return false;
  }
  if (state_.stage == "done") {
    const Status_ to = state_.final_status == "aborted"  ? Status_::Aborted
                       : state_.final_status == "failed" ? Status_::Failed
                                                         : Status_::RolledBack;
    finish(to, state_.rule + ": " + state_.reason);
  }
  return false;
}

void RolloutImpl::set_weights(std::map<std::string, int> weights) {
  // A version without a name (no stable revision) or at 0 is left out of the published map.
  for (auto it = weights.begin(); it != weights.end();) {
    if (it->first.empty()) {
      it = weights.erase(it);
    } else {
      ++it;
    }
  }
  if (weights == state_.weights) return;
  state_.weights = weights;
  auto c = weights.find(cand_version());
  state_.canary_weight = c == weights.end() ? 0 : c->second;
  persist();  // written before the proxy sees it
  fleet_.route(weights);
  emit("weight.changed", {{"weights", weights}});
}

bool RolloutImpl::wait_for(const std::string& what, const std::string& reason) {
  if (state_.waiting_for != what) {
    state_.waiting_for = what;
    emit("approval.required", {{"reason", reason}, {"waiting_for", what}});
    persist();
  }
  return false;
}

HttpTarget RolloutImpl::candidate_target() {
  HttpTarget t;
  if (auto target = fleet_.preview(cand_version())) {
    t.host = target->host;
    t.port = target->port;
    t.headers = target->headers;
  } else if (const auto h = fleet_.health(plan_.candidate.id); !h.ports.empty()) {
    t.port = h.ports.front();
  }
  return t;
}

void RolloutImpl::run_smoke(std::function<void(bool, std::string)> done) {
  const auto& hooks = plan_.candidate_spec.hooks.smoke;
  const HttpTarget t = candidate_target();
  if (t.port == 0) {
    done(true, "");  // no port anywhere: smoke tests have nothing to call
    return;
  }
  auto self = shared_from_this();
  auto next = std::make_shared<std::function<void(std::size_t)>>();
  *next = [self, hooks, t, done, next](std::size_t i) {
    if (i >= hooks.size()) {
      done(true, "");
      *next = nullptr;
      return;
    }
    const std::string label =
        "smoke[" + std::to_string(i) + "]" + (hooks[i].name.empty() ? "" : " " + hooks[i].name);
    self->emit("hook.started", {{"hook", label}, {"kind", "http"}});
    run_http_check(self->io_, hooks[i], t, [self, label, i, done, next](HookResult r) {
      self->emit(
          "hook.finished",
          {{"hook", label}, {"ok", r.ok}, {"detail", r.detail}, {"took_ms", r.took.count()}});
      if (!r.ok) {
        done(false, label + ": " + r.detail);
        *next = nullptr;
        return;
      }
      (*next)(i + 1);
    });
  };
  (*next)(0);
}

void RolloutImpl::run_hooks(const std::vector<spec::Hook>& hooks, std::string list, std::size_t i,
                            std::function<void(bool, std::string)> done) {
  if (i >= hooks.size()) {
    asio::post(io_, [done] { done(true, ""); });
    return;
  }
  const spec::Hook& hook = hooks[i];
  const std::string label =
      list + "[" + std::to_string(i) + "]" + (hook.name.empty() ? "" : " " + hook.name);
  auto self = shared_from_this();
  auto after = [self, hooks, list, i, label, done](HookResult r) {
    self->emit("hook.finished", {{"hook", label},
                                 {"ok", r.ok},
                                 {"detail", r.detail},
                                 {"took_ms", r.took.count()},
                                 {"last_lines", r.last_lines}});
    if (!r.ok) {
      done(false, label + ": " + r.detail);
      return;
    }
    self->run_hooks(hooks, list, i + 1, done);
  };
  if (hook.run.empty()) {
    self->emit("hook.started", {{"hook", label}, {"kind", "http"}});
    run_http_check(io_, hook, candidate_target(), after);
    return;
  }
  emit("hook.started", {{"hook", label}, {"kind", "command"}, {"run", hook.run}});
  CommandContext ctx;
  ctx.workdir = plan_.workdir;
  ctx.env = plan_.hook_env;
  ctx.service = plan_.deployment.service;
  ctx.deployment_id = plan_.deployment.id;
  ctx.version = cand_version();
  run_command_hook(
      io_, hook, ctx,
      [self, label](const OutputLine& line) {
        self->emit("hook.output", {{"hook", label}, {"stream", line.stream}, {"line", line.text}});
      },
      after);
}

void RolloutImpl::persist(std::optional<Status_> to, std::string reason) {
  store::Deployment& d = plan_.deployment;
  const Status_ from = d.status;
  if (to) d.status = *to;
  d.error_count = static_cast<int>(state_.error_count);
  d.health_score = state_.intervals == 0
                       ? 1.0
                       : static_cast<double>(state_.passed) / static_cast<double>(state_.intervals);
  d.metadata_json = detail::to_metadata(state_, d.metadata_json);
  auto st = store_.transaction([&]() -> Status {
    if (auto p = store_.put_deployment(d); !p) return p;
    if (to && *to != from) {
      json data{{"from", std::string(store::name_of(from))},
                {"to", std::string(store::name_of(*to))}};
      if (!reason.empty()) data["reason"] = reason;
      auto e = store_.append_event(event_of("phase.changed", data));
      if (!e) return e.error();
    }
    return {};
  });
  if (!st) {
    std::cerr << "gantry: " << d.id << ": cannot record the rollout's state: " << st.error().message
              << std::endl;
  }
  events_.catch_up();
}

store::DeploymentEvent RolloutImpl::event_of(std::string type, const json& data) const {
  const store::Deployment& d = plan_.deployment;
  store::DeploymentEvent e;
  e.deployment_id = d.id;
  e.at_ms = now_unix_ms();
  e.type = std::move(type);
  e.data_json = data.dump(-1, ' ', false, json::error_handler_t::replace);
  e.service = d.service;
  e.environment = d.environment;
  e.version = d.version;
  return e;
}

void RolloutImpl::emit(std::string type, json data) {
  auto e = events_.publish(event_of(std::move(type), data));
  if (!e) {
    std::cerr << "gantry: " << plan_.deployment.id
              << ": cannot record an event: " << e.error().message << std::endl;
  }
}

void RolloutImpl::finish(Status_ status, std::string reason) {
  store::Deployment& d = plan_.deployment;
  d.completed_at_ms = now_unix_ms();
  if (status != Status_::Succeeded && !reason.empty() && d.rollback_reason.empty()) {
    d.rollback_reason = reason;
  }
  state_.stage = "";
  state_.waiting_for.clear();
  persist(status, reason);
  const std::int64_t took = *d.completed_at_ms - d.started_at_ms;
  switch (status) {
    case Status_::Succeeded: {
      json data{{"took_ms", took}};
      if (!reason.empty()) data["warning"] = reason;
      emit("deployment.succeeded", std::move(data));
      break;
    }
    case Status_::RolledBack:
      emit("deployment.rolled_back",
           {{"rule", state_.rule}, {"reason", state_.reason}, {"took_ms", took}});
      break;
    case Status_::Aborted:
      emit("deployment.aborted", {{"by", state_.reason}, {"took_ms", took}});
      break;
    default:
      emit("deployment.failed", {{"reason", reason}, {"took_ms", took}});
      break;
  }
  timer_.cancel();
  fleet_.finished(d);
}

RolloutView RolloutImpl::view() const {
  RolloutView v;
  v.phase = std::string(store::name_of(phase()));
  v.step = state_.step;
  v.steps = static_cast<int>(plan_.candidate_spec.strategy.steps.size());
  if (plan_.strategy == spec::StrategyKind::Canary && state_.step < v.steps) {
    v.step_kind = step_kind_name(
        plan_.candidate_spec.strategy.steps[static_cast<std::size_t>(state_.step)].kind);
  }
  v.weights = state_.weights;
  if (v.weights.empty() && plan_.stable) v.weights[stable_version()] = 100;
  v.stable_version = stable_version();
  v.stable_revision = plan_.stable ? plan_.stable->id : "";
  v.canary_version = cand_version();
  v.canary_revision = plan_.candidate.id;
  if (plan_.stable) {
    v.stable_ready = fleet_.health(plan_.stable->id).ready;
    v.stable_desired = stable_replicas();
  }
  v.canary_ready = fleet_.health(plan_.candidate.id).ready;
  v.canary_desired = replicas();
  v.waiting_for = state_.waiting_for;
  v.paused = phase() == Status_::Paused;
  v.failures = state_.failures;
  v.failure_limit = analysis_.configured() ? analysis_.failure_limit() : 0;
  return v;
}

Status RolloutImpl::promote(bool full, const std::string& by) {
  if (!active() || phase() == Status_::RollingBack) {
    return make_error(ErrorCode::Conflict, "deployment " + plan_.deployment.id + " is " +
                                               std::string(store::name_of(phase())) +
                                               "; there is nothing to promote");
  }
  if (phase() == Status_::Paused) {
    return make_error(ErrorCode::Conflict,
                      "deployment " + plan_.deployment.id + " is paused; 'gantry resume' it first");
  }
  const bool was_waiting = !state_.waiting_for.empty();
  if (state_.waiting_for == "approval") state_.approved = true;
  emit("promoted", {{"by", by}, {"full", full}, {"step", state_.step}});
  if (full) {
    state_.approved = true;
    state_.waiting_for.clear();
    if (phase() == Status_::Progressing || phase() == Status_::Provisioning) {
      if (plan_.strategy == spec::StrategyKind::BlueGreen) {
        state_.waiting_for = "done";
      } else {
        state_.step = static_cast<int>(plan_.candidate_spec.strategy.steps.size());
        state_.stage = "";
        if (phase() == Status_::Progressing && plan_.strategy == spec::StrategyKind::Canary) {
          persist(Status_::Promoting);
          poke();
          return {};
        }
      }
    } else if (phase() == Status_::Promoting && state_.stage == "warm") {
      state_.warm_until_ms = 0;  // no need to keep the old side warm any longer
    }
    persist();
    poke();
    return {};
  }
  if (plan_.strategy == spec::StrategyKind::BlueGreen && phase() == Status_::Progressing) {
    state_.waiting_for = state_.approved ? "done" : "";
    if (!state_.approved) state_.approved = true;
    persist();
    poke();
    return {};
  }
  if (plan_.strategy == spec::StrategyKind::Canary && phase() == Status_::Progressing) {
    if (was_waiting && state_.waiting_for == "approval" &&
        state_.step < static_cast<int>(plan_.candidate_spec.strategy.steps.size()) &&
        plan_.candidate_spec.strategy.steps[static_cast<std::size_t>(state_.step)].kind ==
            spec::CanaryStep::Kind::Weight) {
      state_.waiting_for.clear();  // the environment's approval: the weight step goes on
      persist();
    } else {
      next_step();  // past the pause, analysis or approval step
    }
    poke();
    return {};
  }
  if (!was_waiting) {
    return make_error(ErrorCode::Conflict, "deployment " + plan_.deployment.id + " is " +
                                               std::string(store::name_of(phase())) +
                                               " and waits for nothing; use --full to skip "
                                               "the remaining steps");
  }
  state_.waiting_for.clear();
  persist();
  poke();
  return {};
}

Status RolloutImpl::abort(const std::string& by) {
  if (!active() || phase() == Status_::RollingBack) {
    return make_error(ErrorCode::Conflict, "deployment " + plan_.deployment.id + " is " +
                                               std::string(store::name_of(phase())) +
                                               "; there is nothing to abort");
  }
  if (phase() == Status_::Pending || (phase() == Status_::Preflight && !busy_)) {
    state_.final_status = "aborted";
    state_.rule = "abort";
    state_.reason = "aborted by " + by;
    finish(Status_::Aborted, "aborted by " + by);
    return {};
  }
  state_.final_status = "aborted";
  begin_rollback("abort", "aborted by " + by);
  poke();
  return {};
}

Status RolloutImpl::pause(const std::string& by) {
  if (phase() != Status_::Progressing) {
    return make_error(ErrorCode::Conflict, "deployment " + plan_.deployment.id + " is " +
                                               std::string(store::name_of(phase())) +
                                               "; only a progressing rollout can be paused");
  }
  state_.paused_at_ms = now_unix_ms();
  emit("paused", {{"by", by}});
  persist(Status_::Paused);
  return {};
}

Status RolloutImpl::resume(const std::string& by) {
  if (phase() != Status_::Paused) {
    return make_error(ErrorCode::Conflict, "deployment " + plan_.deployment.id + " is " +
                                               std::string(store::name_of(phase())) +
                                               ", not paused");
  }
  // The step's clock stood still while paused.
  if (state_.step_started_ms > 0) state_.step_started_ms += now_unix_ms() - state_.paused_at_ms;
  state_.paused_at_ms = 0;
  emit("resumed", {{"by", by}});
  persist(Status_::Progressing);
  poke();
  return {};
}

// What the daemon holds: the machine lives in a shared_ptr (its callbacks keep it alive while
// they are pending); dropping the handle detaches it.
class RolloutHandle final : public Rollout {
 public:
  explicit RolloutHandle(std::shared_ptr<RolloutImpl> impl) : impl_(std::move(impl)) {}
  ~RolloutHandle() override { impl_->detach(); }
  const store::Deployment& deployment() const override { return impl_->deployment(); }
  RolloutView view() const override { return impl_->view(); }
  Status promote(bool full, const std::string& by) override { return impl_->promote(full, by); }
  Status abort(const std::string& by) override { return impl_->abort(by); }
  Status pause(const std::string& by) override { return impl_->pause(by); }
  Status resume(const std::string& by) override { return impl_->resume(by); }
  void detach() override { impl_->detach(); }
  void poke() override { impl_->poke(); }
  void end(const std::string& reason) override { impl_->end(reason); }

 private:
  std::shared_ptr<RolloutImpl> impl_;
};

}  // namespace

std::unique_ptr<Rollout> start_rollout(asio::io_context& io, telemetry::EventBus& events,
                                       Fleet& fleet, RolloutPlan plan, RolloutTiming timing) {
  auto impl = std::make_shared<RolloutImpl>(io, events, fleet, std::move(plan), timing);
  impl->begin();
  return std::make_unique<RolloutHandle>(std::move(impl));
}

std::unique_ptr<Rollout> resume_rollout(asio::io_context& io, telemetry::EventBus& events,
                                        Fleet& fleet, RolloutPlan plan, RolloutTiming timing) {
  auto impl = std::make_shared<RolloutImpl>(io, events, fleet, std::move(plan), timing);
  impl->resume_stored();
  return std::make_unique<RolloutHandle>(std::move(impl));
}

}  // namespace gantry::rollout
