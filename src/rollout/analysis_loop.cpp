// AnalysisLoop: windows of the proxy's numbers, early looks, interval verdicts, custom checks.
#include "rollout/analysis_loop.h"

#include <algorithm>

#include "core/asio.h"
#include "rollout/hooks.h"

namespace gantry::rollout {

using nlohmann::json;

analysis::Criteria to_criteria(const spec::Analysis& a) {
  analysis::Criteria c;
  c.success_rate_min = a.success_rate_min;
  c.error_rate_max = a.error_rate_max;
  c.error_rate_max_over_baseline = a.error_rate_max_over_baseline;
  for (const auto& rule : a.latency) {
    analysis::LatencyLimit l;
    l.quantile = std::atoi(rule.quantile.c_str() + (rule.quantile.empty() ? 0 : 1));
    if (rule.max) l.max_micros = static_cast<double>(rule.max->count()) * 1000.0;
    l.max_ratio_to_baseline = rule.max_ratio_to_baseline;
    c.latency.push_back(l);
  }
  c.statistical = a.judge == spec::Analysis::Judge::Statistical;
  c.confidence = a.confidence;
  c.min_requests = static_cast<std::uint64_t>(std::max(a.min_requests, 0));
  c.latency_tolerance = a.latency_tolerance;
  c.latency_min_shift_micros = static_cast<double>(
      std::chrono::duration_cast<std::chrono::microseconds>(a.latency_min_shift).count());
  return c;
}

analysis::Sample to_sample(const proxy::StatsSnapshot& w) {
  analysis::Sample s;
  s.requests = w.responses();
  s.errors = w.responses_of_class(5);
  s.timeouts = w.upstream_timeouts;
  const auto buckets = w.latency.buckets();
  for (std::size_t i = 0; i < buckets.size(); ++i) {
    if (buckets[i] == 0) continue;
    const double low = static_cast<double>(proxy::Histogram::bucket_low(i));
    const double high = static_cast<double>(proxy::Histogram::bucket_high(i));
    s.latency.push_back({(low + high) / 2.0, buckets[i]});
  }
  return s;
}

namespace {

// The first failed check of a verdict: its name and detail.
std::pair<std::string, std::string> first_failure(const analysis::Verdict& v) {
  for (const auto& c : v.checks) {
    if (!c.ok) return {c.name, c.detail};
  }
  return {"analysis", v.reason};
}

}  // namespace

AnalysisLoop::AnalysisLoop(boost::asio::io_context& io,
                           const std::optional<spec::Analysis>& analysis)
    : io_(io), config_(analysis) {
  if (config_) criteria_ = to_criteria(*config_);
}

void AnalysisLoop::start_checks(const VersionHealth& canary_health) {
  if (!config_ || config_->checks.empty() || canary_health.ports.empty()) return;
  auto results = std::make_shared<CheckResults>();
  checks_ = results;
  for (std::size_t i = 0; i < config_->checks.size(); ++i) {
    const spec::Hook& hook = config_->checks[i];
    const std::string name =
        "check[" + std::to_string(i) + "]" + (hook.name.empty() ? "" : " " + hook.name);
    for (int port : canary_health.ports) {
      HttpTarget target;
      target.port = port;
      ++results->pending;
      run_http_check(io_, hook, target, [results, name](HookResult r) {
        --results->pending;
        ++results->ran;
        if (!r.ok) results->failures.emplace_back(name, r.detail);
      });
    }
  }
}

AnalysisTick AnalysisLoop::tick(Fleet& fleet, const std::string& stable_version,
                                const std::string& canary_version,
                                const VersionHealth& canary_health, bool no_baseline,
                                std::chrono::milliseconds tick_period) {
  AnalysisTick out;
  if (!config_) return out;
  const auto now = std::chrono::steady_clock::now();
  const proxy::StatsSnapshot stable_now = no_baseline || stable_version.empty()
                                              ? proxy::StatsSnapshot{}
                                              : fleet.numbers(stable_version);
  const proxy::StatsSnapshot canary_now = fleet.numbers(canary_version);
  if (!window_) {
    window_ = Window{now, stable_now, canary_now, 0, ++interval_number_};
    start_checks(canary_health);
    return out;
  }
  const analysis::Sample stable =
      to_sample(proxy::window_between(window_->stable_start, stable_now));
  const analysis::Sample canary =
      to_sample(proxy::window_between(window_->canary_start, canary_now));
  out.new_errors = static_cast<std::int64_t>(canary.errors -
                                             std::min(canary.errors, window_->canary_errors_seen));
  window_->canary_errors_seen = canary.errors;

  const auto interval = std::chrono::duration_cast<std::chrono::milliseconds>(config_->interval);
  const bool ended = now - window_->started >= interval;
  if (!ended) {
    if (!config_->sequential) return out;
    const int looks = std::max(
        1, static_cast<int>(interval / std::max(tick_period, std::chrono::milliseconds(1))));
    const analysis::Verdict early = analysis::judge_early(criteria_, stable, canary, looks);
    if (early.outcome == analysis::Outcome::Fail) {
      auto [rule, detail] = first_failure(early);
      json data = json::parse(early.to_json(), nullptr, false);
      data["interval"] = window_->number;
      data["early"] = true;
      out.events.emplace_back("analysis.failed", std::move(data));
      out.fail_now = true;
      out.rule = rule;
      out.reason = "early look: " + detail;
    }
    return out;
  }

  analysis::Verdict v = analysis::judge(criteria_, stable, canary);
  // The new replicas' own word, and the custom checks, count like the proxy's numbers.
  if (canary_health.deep_degraded > 0) {
    v.checks.push_back(
        {"deep_health", false, static_cast<double>(canary_health.deep_degraded), 0,
         "deep health degraded on " + std::to_string(canary_health.deep_degraded) +
             " new replica(s)" +
             (canary_health.deep_detail.empty() ? "" : ": " + canary_health.deep_detail)});
  }
  if (canary.timeouts > 0) {
    v.checks.push_back({"timeouts", false, static_cast<double>(canary.timeouts), 0,
                        std::to_string(canary.timeouts) + " request(s) to the canary timed out"});
  }
  if (checks_) {
    for (const auto& [name, detail] : checks_->failures)
      v.checks.push_back({name, false, 0, 0, detail});
  }
  const bool extra_failed =
      std::any_of(v.checks.begin(), v.checks.end(), [](const analysis::Check& c) {
        return !c.ok &&
               (c.name == "deep_health" || c.name == "timeouts" || c.name.rfind("check[", 0) == 0);
      });
  if (extra_failed) {
    v.outcome = analysis::Outcome::Fail;
    if (v.reason.empty()) v.reason = first_failure(v).second;
  }
  json data = json::parse(v.to_json(), nullptr, false);
  if (!data.is_object()) data = json::object();
  data["interval"] = window_->number;
  data["outcome"] = std::string(analysis::name_of(v.outcome));
  if (v.outcome == analysis::Outcome::Fail) {
    auto [rule, detail] = first_failure(v);
    out.rule = rule;
    out.reason = detail;
    out.judged = true;
    out.failed = true;
    out.events.emplace_back("analysis.failed", std::move(data));
  } else if (v.outcome == analysis::Outcome::Pass) {
    out.judged = true;
    out.passed = true;
    out.events.emplace_back("analysis.sample", std::move(data));
  } else {
    out.reason = v.reason;
    out.events.emplace_back("analysis.sample", std::move(data));
  }
  // The next interval starts where this one ended.
  window_ = Window{now, stable_now, canary_now, 0, ++interval_number_};
  start_checks(canary_health);
  return out;
}

}  // namespace gantry::rollout
