// Strategy rules: canary-never-full, canary-weight-decreases, canary-weight-range,
// analysis-without-config, approval-disabled.
#include <string>

#include "lint/rules_impl.h"

namespace gantry::lint::detail {
namespace {

using Kind = spec::CanaryStep::Kind;

void check_canary(Context& ctx, const spec::Service& s) {
  const std::string base = service_path(s);
  const std::string steps_path = ctx.pick_path(
      {base + ".strategy.canary.steps", base + ".strategy.canary", base + ".strategy"});
  const auto& steps = s.strategy.steps;
  auto step_path = [&](std::size_t i) {
    return ctx.pick_path({base + ".strategy.canary.steps." + std::to_string(i), steps_path});
  };
  const std::string shown_steps = base + ".strategy.canary.steps";

  if (steps.empty()) {
    ctx.add("canary-never-full", steps_path,
            shown_steps + ": a canary with no steps never moves traffic to the new version",
            "add steps ending in { weight: 100 }, e.g. [ {weight: 10}, {pause: 1m}, "
            "{weight: 100} ]");
    return;
  }
  int last_weight = -1;
  std::size_t last_index = 0;
  bool has_analysis = false, has_approval = false;
  std::size_t analysis_index = 0, approval_index = 0;
  for (std::size_t i = 0; i < steps.size(); ++i) {
    const auto& step = steps[i];
    if (step.kind == Kind::Analysis && !has_analysis) {
      has_analysis = true;
      analysis_index = i;
    }
    if (step.kind == Kind::Approval && !has_approval) {
      has_approval = true;
      approval_index = i;
    }
    if (step.kind != Kind::Weight) continue;
    const std::string path = base + ".strategy.canary.steps." + std::to_string(i);
    if (step.weight < 0 || step.weight > 100) {
      ctx.add("canary-weight-range", step_path(i),
              path + ": weight " + std::to_string(step.weight) + " is outside 0..100",
              "weights are percentages of traffic: 0 to 100");
    }
    if (last_weight >= 0 && step.weight < last_weight) {
      auto& f = ctx.add("canary-weight-decreases", step_path(i),
                        path + ": weight " + std::to_string(step.weight) +
                            " is lower than the step before it (" + std::to_string(last_weight) +
                            " at " + ctx.short_location(step_path(last_index)) + ")",
                        "order weight steps from low to high; to go back, roll back instead");
      f.related.push_back(ctx.where(step_path(last_index)));
    }
    last_weight = step.weight;
    last_index = i;
  }
  if (last_weight != 100) {
    const std::string what =
        last_weight < 0 ? "has no weight step" : "ends at weight " + std::to_string(last_weight);
    ctx.add("canary-never-full", last_weight < 0 ? steps_path : step_path(last_index),
            shown_steps + ": the canary " + what +
                ", so the new version never takes all "
                "traffic",
            "end the steps with { weight: 100 }");
  }
  if (has_analysis && !s.strategy.analysis) {
    ctx.add("analysis-without-config", step_path(analysis_index),
            base + ".strategy.canary.steps." + std::to_string(analysis_index) +
                ": an analysis step, but " + base +
                ".strategy.canary has no analysis: "
                "section to say what to measure",
            "add strategy.canary.analysis (success_rate, latency, failure_limit), or replace "
            "the step with a pause");
  }
  const auto* env = ctx.spec().find_environment(ctx.spec().environment);
  if (has_approval && env && env->approval == spec::Approval::Off) {
    ctx.add("approval-disabled", step_path(approval_index),
            base + ".strategy.canary.steps." + std::to_string(approval_index) +
                ": an approval step, but environment " + env->name +
                " sets approval: off, which contradicts it",
            "remove the approval step, or set environments." + env->name + ".approval to required");
  }
}

}  // namespace

void check_strategy(Context& ctx) {
  for (const auto& s : ctx.spec().services) {
    if (s.strategy.kind == spec::StrategyKind::Canary) check_canary(ctx, s);
  }
}

}  // namespace gantry::lint::detail
