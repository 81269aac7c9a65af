// Health rules: missing-readiness, strategy-without-readiness, probe-timeout, startup-budget.
#include <string>

#include "lint/rules_impl.h"

namespace gantry::lint::detail {
namespace {

bool is_progressive(spec::StrategyKind k) {
  return k == spec::StrategyKind::Rolling || k == spec::StrategyKind::Canary ||
         k == spec::StrategyKind::BlueGreen;
}

void check_timeout(Context& ctx, const std::string& base, const char* name,
                   const std::optional<spec::Probe>& probe) {
  if (!probe || probe->timeout < probe->period) return;
  const std::string path = base + ".health." + name;
  // Only a timeout the spec writes: the default (1s) against a short period is the
  // prober's to cap, not the user's mistake.
  if (!ctx.spec().source.has(path + ".timeout")) return;
  ctx.add("probe-timeout", path + ".timeout",
          path + ": timeout " + format_duration(probe->timeout) + " is not shorter than period " +
              format_duration(probe->period) + "; probes would overlap",
          "make the timeout shorter than the period (for example timeout: 1s, period: 5s)");
}

void check_service(Context& ctx, const spec::Service& s) {
  const std::string base = service_path(s);
  if (s.port && !s.health.readiness) {
    // A strategy written in the spec that moves traffic needs readiness to know when; the
    // default (rolling, not written) gets the milder missing-readiness instead of both.
    const bool explicit_strategy = ctx.spec().source.has(base + ".strategy");
    if (explicit_strategy && is_progressive(s.strategy.kind)) {
      const std::string kind(spec::name_of(s.strategy.kind));
      ctx.add("strategy-without-readiness", base + ".strategy",
              base + ".strategy: " + kind + " moves traffic to new replicas but " + base +
                  " has no readiness probe, so replicas get traffic before they can serve it",
              "add health.readiness (for example { http: /health/ready, period: 2s })");
    } else {
      ctx.add("missing-readiness", ctx.pick_path({base + ".health", base + ".port"}),
              base + " listens on port " + std::to_string(*s.port) +
                  " but has no readiness probe; replicas get traffic as soon as they start",
              "add health.readiness (for example { http: /health/ready, period: 2s })");
    }
  }
  check_timeout(ctx, base, "startup", s.health.startup);
  check_timeout(ctx, base, "readiness", s.health.readiness);
  check_timeout(ctx, base, "liveness", s.health.liveness);
  check_timeout(ctx, base, "deep", s.health.deep);

  // Compared with backoff.max: once restarts have backed off, a replica waits up to max
  // before each new attempt; if the startup probe gives it less time than that to come up,
  // a slow start (cold caches, migrations, loading a model) is killed and retried slower
  // than it can ever succeed, and the rollout stalls in backoff.
  const auto& startup = s.health.startup;
  if (startup && s.restart.policy != spec::RestartPolicy::Never) {
    const Duration budget = startup->initial_delay + startup->period * startup->failure_threshold;
    if (budget < s.restart.backoff.max) {
      const std::string path = base + ".health.startup";
      ctx.add("startup-budget", path,
              path + ": startup budget " + format_duration(budget) + " (period " +
                  format_duration(startup->period) + " x failure_threshold " +
                  std::to_string(startup->failure_threshold) +
                  ") is shorter than restart.backoff.max " + format_duration(s.restart.backoff.max),
              "raise startup.failure_threshold (or period) so a slow start fits, or lower "
              "restart.backoff.max");
    }
  }
}

}  // namespace

void check_health(Context& ctx) {
  for (const auto& s : ctx.spec().services) check_service(ctx, s);
}

}  // namespace gantry::lint::detail
