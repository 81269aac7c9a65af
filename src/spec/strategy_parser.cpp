// Parsing a service's strategy: recreate, rolling, blue_green, canary (steps, sticky) and
// the analysis block shared by canary and blue-green.
#include <cctype>
#include <cmath>
#include <cstdlib>

#include "core/strings.h"
#include "spec/parser_impl.h"

namespace gantry::spec::detail {
namespace {

const std::vector<std::string> kStrategyKinds = {"recreate", "rolling", "blue_green", "canary"};

// "1" replica or "25%" of them.
Result<Amount> parse_amount(Reader& r, const Node& node, const std::string& path) {
  std::string text;
  SPEC_ASSIGN(text, r.string(node, path));
  const std::string t(trim(text));
  Amount a;
  if (!t.empty() && t.back() == '%') {
    auto p = parse_percent(t);
    if (!p) return r.fail(node, path, p.error().message);
    a.value = *p * 100.0;
    a.percent = true;
    return a;
  }
  Node n = node;
  n.text = t;
  auto v = r.integer(n, path, 0, 100'000);
  if (!v) {
    return r.fail(
        node, path,
        "expected a number of replicas like 1 or a percentage like 25%, got '" + text + "'");
  }
  a.value = static_cast<double>(*v);
  return a;
}

Result<CanaryStep> parse_step(Reader& r, const Node& node, const std::string& path) {
  SPEC_TRY(r.map(node, path, {"weight", "pause", "analysis", "approval"}));
  if (node.entries.size() != 1) {
    return r.fail(node, path,
                  "a step has exactly one of weight: N, pause: DURATION, analysis: DURATION or "
                  "approval: true");
  }
  const MapEntry& e = node.entries.front();
  const std::string key_path = join_path(path, e.key);
  CanaryStep step;
  if (e.key == "weight") {
    step.kind = CanaryStep::Kind::Weight;
    Node n = e.value;
    if (n.is_scalar() && !n.text.empty() && n.text.back() == '%') n.text.pop_back();
    SPEC_ASSIGN(step.weight, r.integer(n, key_path, 0, 100));
  } else if (e.key == "pause") {
    step.kind = CanaryStep::Kind::Pause;
    // A pause without a duration waits for `gantry promote`.
    if (!e.value.is_null()) SPEC_ASSIGN(step.duration, r.duration(e.value, key_path));
  } else if (e.key == "analysis") {
    step.kind = CanaryStep::Kind::Analysis;
    if (e.value.is_null()) {
      return r.fail(e, key_path, "an analysis step needs a duration, like analysis: 60s");
    }
    SPEC_ASSIGN(step.duration, r.duration(e.value, key_path));
  } else {
    step.kind = CanaryStep::Kind::Approval;
    bool on = true;
    if (!e.value.is_null()) SPEC_ASSIGN(on, r.boolean(e.value, key_path));
    if (!on) return r.fail(e.value, key_path, "an approval step is written approval: true");
  }
  return step;
}

Result<LatencyRule> parse_latency(Reader& r, const Node& node, const std::string& path,
                                  std::string quantile) {
  SPEC_TRY(r.map(node, path, {"max", "max_ratio_to_baseline"}));
  LatencyRule rule;
  rule.quantile = std::move(quantile);
  if (const Node* v = node.get("max"))
    SPEC_ASSIGN(rule.max, r.duration(*v, join_path(path, "max")));
  if (const Node* v = node.get("max_ratio_to_baseline")) {
    SPEC_ASSIGN(rule.max_ratio_to_baseline,
                r.number(*v, join_path(path, "max_ratio_to_baseline"), 0, 1e6));
  }
  if (!rule.max && !rule.max_ratio_to_baseline) {
    return r.fail(node, path, "give max (a duration) and/or max_ratio_to_baseline (a number)");
  }
  return rule;
}

Result<Strategy> parse_kind(Reader& r, StrategyKind kind, const Node* node,
                            const std::string& path) {
  Strategy s;
  s.kind = kind;
  switch (kind) {
    case StrategyKind::Recreate:
      if (node) SPEC_TRY(r.expect(*node, path, Node::Kind::Map, "nothing or {}"));
      if (node && !node->entries.empty()) {
        return r.fail(node->entries.front(), join_path(path, node->entries.front().key),
                      "recreate takes no settings");
      }
      return s;
    case StrategyKind::Rolling:
      if (!node) return s;
      SPEC_TRY(r.map(*node, path, {"max_surge", "max_unavailable"}));
      if (const Node* v = node->get("max_surge")) {
        SPEC_ASSIGN(s.max_surge, parse_amount(r, *v, join_path(path, "max_surge")));
      }
      if (const Node* v = node->get("max_unavailable")) {
        SPEC_ASSIGN(s.max_unavailable, parse_amount(r, *v, join_path(path, "max_unavailable")));
      }
      if (s.max_surge.value == 0 && s.max_unavailable.value == 0) {
        return r.fail(*node, path,
                      "max_surge and max_unavailable are both 0: the rollout could never move");
      }
      return s;
    case StrategyKind::BlueGreen:
      if (!node) return s;
      SPEC_TRY(
          r.map(*node, path, {"auto_promote", "scale_down_delay", "preview_port", "analysis"}));
      if (const Node* v = node->get("auto_promote")) {
        SPEC_ASSIGN(s.auto_promote, r.boolean(*v, join_path(path, "auto_promote")));
      }
      if (const Node* v = node->get("scale_down_delay")) {
        SPEC_ASSIGN(s.scale_down_delay, r.duration(*v, join_path(path, "scale_down_delay")));
      }
      if (const Node* v = node->get("preview_port")) {
        SPEC_ASSIGN(s.preview_port, r.port(*v, join_path(path, "preview_port")));
      }
      if (const Node* v = node->get("analysis")) {
        SPEC_ASSIGN(s.analysis, parse_analysis(r, *v, join_path(path, "analysis")));
      }
      return s;
    case StrategyKind::Canary: {
      if (!node) return s;
      SPEC_TRY(r.map(*node, path, {"steps", "sticky", "analysis"}));
      if (const Node* v = node->get("steps")) {
        const std::string sp = join_path(path, "steps");
        SPEC_TRY(r.expect(*v, sp, Node::Kind::Sequence, "a list of steps"));
        for (std::size_t i = 0; i < v->items.size(); ++i) {
          const std::string ip = join_path(sp, std::to_string(i));
          r.record(ip, v->items[i]);
          SPEC_ASSIGN(s.steps.emplace_back(), parse_step(r, v->items[i], ip));
        }
      }
      if (const Node* v = node->get("sticky")) {
        const std::string sp = join_path(path, "sticky");
        SPEC_TRY(r.map(*v, sp, {"cookie", "header"}));
        Sticky sticky;
        if (const Node* c = v->get("cookie"))
          SPEC_ASSIGN(sticky.cookie, r.string(*c, join_path(sp, "cookie")));
        if (const Node* h = v->get("header"))
          SPEC_ASSIGN(sticky.header, r.string(*h, join_path(sp, "header")));
        if (sticky.cookie.empty() && sticky.header.empty()) {
          return r.fail(*v, sp, "sticky needs cookie (a cookie name) or header (a header name)");
        }
        s.sticky = sticky;
      }
      if (const Node* v = node->get("analysis")) {
        SPEC_ASSIGN(s.analysis, parse_analysis(r, *v, join_path(path, "analysis")));
      }
      return s;
    }
  }
  return s;
}

// judge.tolerance: a fraction (0.2) or a percentage (20%), 0 to 10 (1000%).
Result<double> parse_tolerance(Reader& r, const Node& node, const std::string& path) {
  std::string text;
  SPEC_ASSIGN(text, r.string(node, path));
  std::string t(trim(text));
  const bool percent = !t.empty() && t.back() == '%';
  if (percent) t.pop_back();
  char* end = nullptr;
  const double n = t.empty() ? 0 : std::strtod(t.c_str(), &end);
  const double value = percent ? n / 100.0 : n;
  const bool digits_only = !t.empty() && (std::isdigit(static_cast<unsigned char>(t[0])) ||
                                          (t[0] == '.' && t.size() > 1));
  if (!digits_only || end != t.c_str() + t.size() || !std::isfinite(n) || value < 0 || value > 10) {
    return r.fail(node, path,
                  "expected a fraction of the baseline from 0 to 10, like 0.2, or a percentage "
                  "like 20%, got '" +
                      text + "'");
  }
  return value;
}

Analysis::Inconclusive inconclusive_of(std::string_view what) {
  if (what == "extend") return Analysis::Inconclusive::Extend;
  if (what == "pass") return Analysis::Inconclusive::Pass;
  return Analysis::Inconclusive::Approval;  // approval, require_approval
}

// analysis.checks items: http hooks without the command-only keys.
Result<Hook> parse_check(Reader& r, const Node& node, const std::string& path) {
  if (const MapEntry* run = node.is_map() ? node.entry("run") : nullptr) {
    return r.fail(*run, join_path(path, "run"),
                  "analysis checks are http checks; use hooks for commands");
  }
  SPEC_TRY(r.map(node, path, {"name", "http", "expect", "timeout"}));
  if (!node.get("http")) {
    return r.fail(node, path,
                  "missing required key 'http' (the request to send, like \"GET /health/deep\")");
  }
  return parse_hook(r, node, path);
}

}  // namespace

Result<Strategy> parse_strategy(Reader& r, const Node& node, const std::string& path) {
  auto kind_of = [](const std::string& name) {
    StrategyKind kind = StrategyKind::Rolling;
    for (StrategyKind k : {StrategyKind::Recreate, StrategyKind::Rolling, StrategyKind::BlueGreen,
                           StrategyKind::Canary}) {
      if (name_of(k) == name) kind = k;
    }
    return kind;
  };
  if (node.is_scalar()) {  // strategy: canary
    std::string name;
    SPEC_ASSIGN(name, r.choice(node, path, kStrategyKinds));
    return parse_kind(r, kind_of(name), nullptr, path);
  }
  SPEC_TRY(r.map(node, path, kStrategyKinds));
  if (node.entries.size() != 1) {
    const std::string message = "choose exactly one of recreate, rolling, blue_green, canary";
    if (node.entries.empty()) return r.fail(node, path, message);
    const MapEntry& second = node.entries[1];
    return r.fail(second, join_path(path, second.key), message);
  }
  const MapEntry& e = node.entries.front();
  return parse_kind(r, kind_of(e.key), e.value.is_null() ? nullptr : &e.value,
                    join_path(path, e.key));
}

Result<Analysis> parse_analysis(Reader& r, const Node& node, const std::string& path) {
  SPEC_TRY(
      r.map(node, path,
            {"interval", "success_rate", "error_rate", "latency_p50", "latency_p90", "latency_p95",
             "latency_p99", "judge", "on_low_traffic", "checks", "failure_limit"}));
  Analysis a;
  if (const Node* v = node.get("interval"))
    SPEC_ASSIGN(a.interval, r.duration(*v, join_path(path, "interval")));
  if (a.interval.count() == 0) {
    return r.fail(*node.get("interval"), join_path(path, "interval"),
                  "the interval must be above 0");
  }
  if (const Node* v = node.get("success_rate")) {
    const std::string sp = join_path(path, "success_rate");
    SPEC_TRY(r.map(*v, sp, {"min"}));
    const Node* min = v->get("min");
    if (!min) return r.fail(*v, sp, "missing required key 'min' (a percentage, like 99%)");
    SPEC_ASSIGN(a.success_rate_min, r.percent(*min, join_path(sp, "min")));
  }
  if (const Node* v = node.get("error_rate")) {
    const std::string ep = join_path(path, "error_rate");
    SPEC_TRY(r.map(*v, ep, {"max", "max_over_baseline"}));
    if (const Node* max = v->get("max"))
      SPEC_ASSIGN(a.error_rate_max, r.percent(*max, join_path(ep, "max")));
    if (const Node* over = v->get("max_over_baseline")) {
      SPEC_ASSIGN(a.error_rate_max_over_baseline,
                  r.percent(*over, join_path(ep, "max_over_baseline")));
    }
    if (!a.error_rate_max && !a.error_rate_max_over_baseline) {
      return r.fail(*v, ep,
                    "give max (a percentage, like 1%) and/or max_over_baseline (how far the "
                    "canary's error rate may exceed the stable version's, like 0.5%)");
    }
  }
  for (const char* q : {"p50", "p90", "p95", "p99"}) {
    const std::string key = std::string("latency_") + q;
    if (const Node* v = node.get(key)) {
      SPEC_ASSIGN(a.latency.emplace_back(), parse_latency(r, *v, join_path(path, key), q));
    }
  }
  // judge.on_inconclusive and on_low_traffic set the same thing; when both are written they
  // must agree, and the error points at whichever comes later in the file.
  const Node* inconclusive = nullptr;
  std::string inconclusive_path;
  if (const Node* v = node.get("judge")) {
    const std::string jp = join_path(path, "judge");
    SPEC_TRY(r.map(*v, jp,
                   {"method", "confidence", "min_requests", "tolerance", "min_shift", "sequential",
                    "on_inconclusive"}));
    if (const Node* m = v->get("method")) {
      std::string method;
      SPEC_ASSIGN(method, r.choice(*m, join_path(jp, "method"), {"threshold", "statistical"}));
      a.judge = method == "threshold" ? Analysis::Judge::Threshold : Analysis::Judge::Statistical;
    }
    if (const Node* c = v->get("confidence")) {
      SPEC_ASSIGN(a.confidence, r.number(*c, join_path(jp, "confidence"), 0.5, 0.9999));
    }
    if (const Node* m = v->get("min_requests")) {
      SPEC_ASSIGN(a.min_requests, r.integer(*m, join_path(jp, "min_requests"), 0, 1'000'000'000));
    }
    if (const Node* t = v->get("tolerance")) {
      SPEC_ASSIGN(a.latency_tolerance, parse_tolerance(r, *t, join_path(jp, "tolerance")));
    }
    if (const Node* m = v->get("min_shift")) {
      SPEC_ASSIGN(a.latency_min_shift, r.duration(*m, join_path(jp, "min_shift")));
    }
    if (const Node* q = v->get("sequential")) {
      SPEC_ASSIGN(a.sequential, r.boolean(*q, join_path(jp, "sequential")));
    }
    if (const Node* o = v->get("on_inconclusive")) {
      inconclusive_path = join_path(jp, "on_inconclusive");
      std::string what;
      SPEC_ASSIGN(what, r.choice(*o, inconclusive_path, {"extend", "pass", "approval"}));
      a.on_inconclusive = inconclusive_of(what);
      inconclusive = o;
    }
  }
  if (const Node* v = node.get("on_low_traffic")) {
    const std::string lp = join_path(path, "on_low_traffic");
    std::string what;
    SPEC_ASSIGN(what, r.choice(*v, lp, {"extend", "pass", "require_approval"}));
    const Analysis::Inconclusive low = inconclusive_of(what);
    if (inconclusive && low != a.on_inconclusive) {
      const bool low_is_later = v->line > inconclusive->line ||
                                (v->line == inconclusive->line && v->column > inconclusive->column);
      const Node& later = low_is_later ? *v : *inconclusive;
      const Node& earlier = low_is_later ? *inconclusive : *v;
      const std::string& earlier_path = low_is_later ? inconclusive_path : lp;
      return r.fail(later, low_is_later ? lp : inconclusive_path,
                    "'" + later.text + "' disagrees with " + earlier_path + ": '" + earlier.text +
                        "' (line " + std::to_string(earlier.line) +
                        "); both say what a low-traffic interval does: keep one");
    }
    a.on_inconclusive = low;
  }
  if (const Node* v = node.get("checks")) {
    const std::string cp = join_path(path, "checks");
    SPEC_TRY(r.expect(*v, cp, Node::Kind::Sequence, "a list of http checks"));
    for (std::size_t i = 0; i < v->items.size(); ++i) {
      const std::string ip = join_path(cp, std::to_string(i));
      r.record(ip, v->items[i]);
      SPEC_ASSIGN(a.checks.emplace_back(), parse_check(r, v->items[i], ip));
    }
  }
  if (const Node* v = node.get("failure_limit")) {
    SPEC_ASSIGN(a.failure_limit, r.integer(*v, join_path(path, "failure_limit"), 1, 1000));
  }
  return a;
}

}  // namespace gantry::spec::detail
