// `gantry diff`: field-by-field comparison of two resolved specs and its renderers. Pure;
// thread-safe. Every shown value passes through a secret check first.
#include "lint/diff.h"

#include <nlohmann/json.hpp>
#include <optional>
#include <set>
#include <string>

#include "core/strings.h"
#include "core/units.h"
#include "fmt/format.h"
#include "lint/env_schema.h"
#include "scan/scan.h"

namespace gantry::lint {
namespace {

using Opt = std::optional<std::string>;

constexpr const char* kSecret = "<secret>";
constexpr const char* kRedacted = "<redacted>";

std::string num(double v) {
  if (v == static_cast<double>(static_cast<long long>(v))) {
    return std::to_string(static_cast<long long>(v));
  }
  return fmt::format("{}", v);
}

std::string quote_text(std::string_view s) { return quote_for_display(s); }

std::string words(const std::vector<std::string>& argv) {
  std::vector<std::string> parts;
  for (const auto& w : argv) parts.push_back(shell_quote(w));
  return join(parts, " ");
}

std::string list(const std::vector<std::string>& items) { return "[" + join(items, ", ") + "]"; }

std::string amount(const spec::Amount& a) { return num(a.value) + (a.percent ? "%" : ""); }

std::string command_text(const std::vector<std::string>& argv, bool shell) {
  if (shell && argv.size() == 1) return argv.front();
  return words(argv);
}

std::string probe_summary(const spec::Probe& p) {
  std::string target;
  switch (p.kind) {
    case spec::ProbeKind::Http:
      target = p.method + " " + p.path;
      break;
    case spec::ProbeKind::Tcp:
      target = p.port ? "port " + std::to_string(p.port) : "PORT";
      break;
    case spec::ProbeKind::Exec:
      target = words(p.command);
      break;
  }
  return fmt::format("{} {} period={} timeout={} failure_threshold={}", spec::name_of(p.kind),
                     target, format_duration(p.period), format_duration(p.timeout),
                     p.failure_threshold);
}

std::string step_text(const spec::CanaryStep& s) {
  switch (s.kind) {
    case spec::CanaryStep::Kind::Weight:
      return std::to_string(s.weight) + "%";
    case spec::CanaryStep::Kind::Pause:
      return s.duration.count() ? "pause " + format_duration(s.duration) : "pause";
    case spec::CanaryStep::Kind::Analysis:
      return "analysis " + format_duration(s.duration);
    case spec::CanaryStep::Kind::Approval:
      return "approval";
  }
  return {};
}

std::string_view judge_name(spec::Analysis::Judge j) {
  return j == spec::Analysis::Judge::Statistical ? "statistical" : "threshold";
}

std::string_view inconclusive_name(spec::Analysis::Inconclusive i) {
  switch (i) {
    case spec::Analysis::Inconclusive::Extend:
      return "extend";
    case spec::Analysis::Inconclusive::Pass:
      return "pass";
    case spec::Analysis::Inconclusive::Approval:
      return "approval";
  }
  return {};
}

std::string latency_text(const std::vector<spec::LatencyRule>& rules) {
  std::vector<std::string> parts;
  for (const auto& r : rules) {
    std::string s = r.quantile;
    if (r.max) s += " max=" + format_duration(*r.max);
    if (r.max_ratio_to_baseline) s += " max_ratio_to_baseline=" + num(*r.max_ratio_to_baseline);
    parts.push_back(std::move(s));
  }
  return list(parts);
}

std::string hook_text(const std::vector<spec::Hook>& hooks) {
  std::vector<std::string> parts;
  for (const auto& h : hooks) {
    std::string s = h.run.empty() ? h.http_method + " " + h.http_path : words(h.run);
    if (h.expect_status) s += fmt::format(" expect {}", *h.expect_status);
    for (const auto& [k, v] : h.expect_json) s += fmt::format(" {}={}", k, v);
    s += " timeout=" + format_duration(h.timeout);
    parts.push_back(std::move(s));
  }
  return list(parts);
}

std::string schema_text(std::string_view name, const spec::VarSchema& s) {
  std::vector<std::string> parts{std::string(spec::name_of(s.type))};
  if (s.required) parts.emplace_back("required");
  if (s.secret) parts.emplace_back("secret");
  if (s.default_value) {
    parts.push_back("default=" + (is_secret_var(name, &s) ? std::string(kSecret)
                                                          : quote_text(*s.default_value)));
  }
  if (!s.schemes.empty()) parts.push_back("schemes=" + list(s.schemes));
  if (!s.values.empty()) parts.push_back("values=" + list(s.values));
  if (!s.regex.empty()) parts.push_back("regex=" + s.regex);
  if (!s.prefix.empty()) parts.push_back("prefix=" + s.prefix);
  if (s.min) parts.push_back("min=" + num(*s.min));
  if (s.max) parts.push_back("max=" + num(*s.max));
  if (s.min_length) parts.push_back("min_length=" + std::to_string(*s.min_length));
  if (s.max_length) parts.push_back("max_length=" + std::to_string(*s.max_length));
  return join(parts, " ");
}

std::string service_summary(const spec::Service& s) {
  std::string out = s.port ? fmt::format("port {}, ", *s.port) : std::string{};
  return out + fmt::format("{} replica{}", s.replicas, s.replicas == 1 ? "" : "s");
}

const spec::Environment* resolved_environment(const spec::Spec& s) {
  return s.environment.empty() ? nullptr : s.find_environment(s.environment);
}

class Differ {
 public:
  std::vector<SpecChange> take() { return std::move(changes_); }

  // A field present on both sides.
  void field(const std::string& path, const std::string& a, const std::string& b) {
    opt(path, a, b);
  }

  // A field that may be absent on either side.
  void opt(const std::string& path, const Opt& a, const Opt& b) {
    if (a == b) return;
    SpecChange c;
    c.path = path;
    c.kind =
        !a ? SpecChange::Kind::Added : (!b ? SpecChange::Kind::Removed : SpecChange::Kind::Changed);
    c.before = a ? guard(*a, c.redacted) : std::string{};
    c.after = b ? guard(*b, c.redacted) : std::string{};
    changes_.push_back(std::move(c));
  }

  // Values already made safe by the caller (secret env values).
  void redacted(const std::string& path, const Opt& a, const Opt& b) {
    SpecChange c;
    c.path = path;
    c.kind =
        !a ? SpecChange::Kind::Added : (!b ? SpecChange::Kind::Removed : SpecChange::Kind::Changed);
    c.before = a.value_or("");
    c.after = b.value_or("");
    c.redacted = true;
    changes_.push_back(std::move(c));
  }

  void services(const spec::Spec& a, const spec::Spec& b) {
    for (const auto& sa : a.services) {
      const spec::Service* sb = b.find_service(sa.name);
      const std::string path = "services." + sa.name;
      if (!sb) {
        opt(path, service_summary(sa), std::nullopt);
      } else {
        service(path, sa, *sb);
      }
    }
    for (const auto& sb : b.services) {
      if (!a.find_service(sb.name)) opt("services." + sb.name, std::nullopt, service_summary(sb));
    }
  }

  void environment(const spec::Spec& a, const spec::Spec& b) {
    const auto* ea = resolved_environment(a);
    const auto* eb = resolved_environment(b);
    field("environment.approval",
          std::string(spec::name_of(ea ? ea->approval : spec::Approval::Default)),
          std::string(spec::name_of(eb ? eb->approval : spec::Approval::Default)));
    opt("environment.promote_from", ea && !ea->promote_from.empty() ? Opt(ea->promote_from) : Opt{},
        eb && !eb->promote_from.empty() ? Opt(eb->promote_from) : Opt{});
  }

 private:
  // Any text that holds a credential (a token in a command line, a URL password) is hidden.
  static std::string guard(const std::string& text, bool& redacted) {
    if (scan::find_url_password(text) || !scan::find_key_formats(text).empty()) {
      redacted = true;
      return kRedacted;
    }
    return text;
  }

  void service(const std::string& p, const spec::Service& a, const spec::Service& b) {
    field(p + ".command", command_text(a.command, a.shell), command_text(b.command, b.shell));
    opt(p + ".workdir", a.workdir.empty() ? Opt{} : Opt(a.workdir),
        b.workdir.empty() ? Opt{} : Opt(b.workdir));
    opt(p + ".port", a.port ? Opt(std::to_string(*a.port)) : Opt{},
        b.port ? Opt(std::to_string(*b.port)) : Opt{});
    auto ports = [](const std::vector<int>& v) {
      std::vector<std::string> s;
      for (int x : v) s.push_back(std::to_string(x));
      return list(s);
    };
    field(p + ".host_ports", ports(a.host_ports), ports(b.host_ports));
    field(p + ".replicas", std::to_string(a.replicas), std::to_string(b.replicas));
    env(p + ".env", a, b);
    env_schema(p + ".env_schema", a, b);
    health(p + ".health", a.health, b.health);
    restart(p + ".restart", a.restart, b.restart);
    strategy(p + ".strategy", a.strategy, b.strategy);
    opt(p + ".resources.cpu", a.resources.cpu ? Opt(num(*a.resources.cpu)) : Opt{},
        b.resources.cpu ? Opt(num(*b.resources.cpu)) : Opt{});
    opt(p + ".resources.memory", a.resources.memory ? Opt(format_size(*a.resources.memory)) : Opt{},
        b.resources.memory ? Opt(format_size(*b.resources.memory)) : Opt{});
    field(p + ".hooks.pre_rollout", hook_text(a.hooks.pre_rollout), hook_text(b.hooks.pre_rollout));
    field(p + ".hooks.smoke", hook_text(a.hooks.smoke), hook_text(b.hooks.smoke));
    field(p + ".hooks.post_rollout", hook_text(a.hooks.post_rollout),
          hook_text(b.hooks.post_rollout));
    field(p + ".hooks.on_rollback", hook_text(a.hooks.on_rollback), hook_text(b.hooks.on_rollback));
    field(p + ".depends_on", list(a.depends_on), list(b.depends_on));
    field(p + ".stop_timeout", format_duration(a.stop_timeout), format_duration(b.stop_timeout));
  }

  static const spec::VarSchema* schema_of(const spec::Service& s, const std::string& name) {
    const auto it = s.env_schema.find(name);
    return it == s.env_schema.end() ? nullptr : &it->second;
  }

  void env(const std::string& p, const spec::Service& a, const spec::Service& b) {
    std::set<std::string> names;
    for (const auto& [k, v] : a.env) names.insert(k);
    for (const auto& [k, v] : b.env) names.insert(k);
    for (const auto& name : names) {
      const auto ia = a.env.find(name);
      const auto ib = b.env.find(name);
      const spec::EnvValue* va = ia == a.env.end() ? nullptr : &ia->second;
      const spec::EnvValue* vb = ib == b.env.end() ? nullptr : &ib->second;
      if (va && vb && va->value == vb->value) continue;
      const bool secret = must_hide_value(name, schema_of(a, name), va ? va->value : "") ||
                          must_hide_value(name, schema_of(b, name), vb ? vb->value : "") ||
                          is_secret_var(name, schema_of(b, name)) ||
                          is_secret_var(name, schema_of(a, name));
      auto show = [&](const spec::EnvValue* v) -> Opt {
        if (!v) return std::nullopt;
        if (v->is_secret_ref()) return v->value;
        return secret ? std::string(kSecret) : quote_text(v->value);
      };
      if (secret) {
        redacted(p + "." + name, show(va), show(vb));
      } else {
        opt(p + "." + name, show(va), show(vb));
      }
    }
  }

  void env_schema(const std::string& p, const spec::Service& a, const spec::Service& b) {
    std::set<std::string> names;
    for (const auto& [k, v] : a.env_schema) names.insert(k);
    for (const auto& [k, v] : b.env_schema) names.insert(k);
    for (const auto& name : names) {
      const auto* sa = schema_of(a, name);
      const auto* sb = schema_of(b, name);
      opt(p + "." + name, sa ? Opt(schema_text(name, *sa)) : Opt{},
          sb ? Opt(schema_text(name, *sb)) : Opt{});
    }
  }

  void probe(const std::string& p, const std::optional<spec::Probe>& a,
             const std::optional<spec::Probe>& b) {
    if (!a || !b) {
      opt(p, a ? Opt(probe_summary(*a)) : Opt{}, b ? Opt(probe_summary(*b)) : Opt{});
      return;
    }
    field(p + ".kind", std::string(spec::name_of(a->kind)), std::string(spec::name_of(b->kind)));
    if (a->kind == spec::ProbeKind::Http || b->kind == spec::ProbeKind::Http) {
      field(p + ".method", a->method, b->method);
      field(p + ".path", a->path, b->path);
      field(p + ".status", fmt::format("{}-{}", a->status_min, a->status_max),
            fmt::format("{}-{}", b->status_min, b->status_max));
      header_values(p + ".headers", a->headers, b->headers);
    }
    if (a->kind == spec::ProbeKind::Exec || b->kind == spec::ProbeKind::Exec) {
      field(p + ".command", words(a->command), words(b->command));
    }
    field(p + ".port", a->port ? std::to_string(a->port) : "PORT",
          b->port ? std::to_string(b->port) : "PORT");
    field(p + ".initial_delay", format_duration(a->initial_delay),
          format_duration(b->initial_delay));
    field(p + ".period", format_duration(a->period), format_duration(b->period));
    field(p + ".timeout", format_duration(a->timeout), format_duration(b->timeout));
    field(p + ".success_threshold", std::to_string(a->success_threshold),
          std::to_string(b->success_threshold));
    field(p + ".failure_threshold", std::to_string(a->failure_threshold),
          std::to_string(b->failure_threshold));
  }

  // Header values often carry tokens: names are compared and shown, values only as changed.
  void header_values(const std::string& p,
                     const std::vector<std::pair<std::string, std::string>>& a,
                     const std::vector<std::pair<std::string, std::string>>& b) {
    auto find = [](const auto& headers, const std::string& name) -> const std::string* {
      for (const auto& [k, v] : headers) {
        if (to_lower(k) == to_lower(name)) return &v;
      }
      return nullptr;
    };
    std::set<std::string> names;
    for (const auto& [k, v] : a) names.insert(k);
    for (const auto& [k, v] : b) names.insert(k);
    for (const auto& name : names) {
      const std::string* va = find(a, name);
      const std::string* vb = find(b, name);
      if (va && vb && *va == *vb) continue;
      redacted(p + "." + name, va ? Opt(kSecret) : Opt{}, vb ? Opt(kSecret) : Opt{});
    }
  }

  void health(const std::string& p, const spec::Health& a, const spec::Health& b) {
    probe(p + ".startup", a.startup, b.startup);
    probe(p + ".readiness", a.readiness, b.readiness);
    probe(p + ".liveness", a.liveness, b.liveness);
    probe(p + ".deep", a.deep, b.deep);
  }

  void restart(const std::string& p, const spec::Restart& a, const spec::Restart& b) {
    field(p + ".policy", std::string(spec::name_of(a.policy)),
          std::string(spec::name_of(b.policy)));
    field(p + ".max_retries", std::to_string(a.max_retries), std::to_string(b.max_retries));
    field(p + ".backoff.initial", format_duration(a.backoff.initial),
          format_duration(b.backoff.initial));
    field(p + ".backoff.max", format_duration(a.backoff.max), format_duration(b.backoff.max));
    field(p + ".backoff.multiplier", num(a.backoff.multiplier), num(b.backoff.multiplier));
    field(p + ".backoff.jitter", num(a.backoff.jitter), num(b.backoff.jitter));
  }

  void strategy(const std::string& p, const spec::Strategy& a, const spec::Strategy& b) {
    using K = spec::StrategyKind;
    field(p + ".kind", std::string(spec::name_of(a.kind)), std::string(spec::name_of(b.kind)));
    auto either = [&](K k) { return a.kind == k || b.kind == k; };
    if (either(K::Rolling)) {
      field(p + ".max_surge", amount(a.max_surge), amount(b.max_surge));
      field(p + ".max_unavailable", amount(a.max_unavailable), amount(b.max_unavailable));
    }
    if (either(K::BlueGreen)) {
      field(p + ".auto_promote", a.auto_promote ? "true" : "false",
            b.auto_promote ? "true" : "false");
      field(p + ".scale_down_delay", format_duration(a.scale_down_delay),
            format_duration(b.scale_down_delay));
      opt(p + ".preview_port", a.preview_port ? Opt(std::to_string(*a.preview_port)) : Opt{},
          b.preview_port ? Opt(std::to_string(*b.preview_port)) : Opt{});
    }
    if (either(K::Canary)) {
      auto steps = [](const std::vector<spec::CanaryStep>& v) {
        std::vector<std::string> s;
        for (const auto& step : v) s.push_back(step_text(step));
        return list(s);
      };
      field(p + ".steps", steps(a.steps), steps(b.steps));
      auto sticky = [](const std::optional<spec::Sticky>& s) -> Opt {
        if (!s) return std::nullopt;
        return s->cookie.empty() ? "header " + s->header : "cookie " + s->cookie;
      };
      opt(p + ".sticky", sticky(a.sticky), sticky(b.sticky));
    }
    analysis(p + ".analysis", a.analysis, b.analysis);
  }

  void analysis(const std::string& p, const std::optional<spec::Analysis>& a,
                const std::optional<spec::Analysis>& b) {
    if (!a || !b) {
      opt(p, a ? Opt("configured") : Opt{}, b ? Opt("configured") : Opt{});
      return;
    }
    const spec::Analysis& x = *a;
    const spec::Analysis& y = *b;
    auto pct = [](const std::optional<double>& v) { return v ? Opt(format_percent(*v)) : Opt{}; };
    field(p + ".interval", format_duration(x.interval), format_duration(y.interval));
    opt(p + ".success_rate.min", pct(x.success_rate_min), pct(y.success_rate_min));
    opt(p + ".error_rate.max", pct(x.error_rate_max), pct(y.error_rate_max));
    field(p + ".latency", latency_text(x.latency), latency_text(y.latency));
    field(p + ".judge.method", std::string(judge_name(x.judge)), std::string(judge_name(y.judge)));
    field(p + ".judge.confidence", num(x.confidence), num(y.confidence));
    field(p + ".judge.min_requests", std::to_string(x.min_requests),
          std::to_string(y.min_requests));
    field(p + ".on_inconclusive", std::string(inconclusive_name(x.on_inconclusive)),
          std::string(inconclusive_name(y.on_inconclusive)));
    field(p + ".failure_limit", std::to_string(x.failure_limit), std::to_string(y.failure_limit));
  }

  std::vector<SpecChange> changes_;
};

std::string_view op_name(SpecChange::Kind k) {
  switch (k) {
    case SpecChange::Kind::Added:
      return "added";
    case SpecChange::Kind::Removed:
      return "removed";
    case SpecChange::Kind::Changed:
      return "changed";
  }
  return {};
}

}  // namespace

SpecDiff diff_specs(const spec::Spec& left, const spec::Spec& right, std::string left_name,
                    std::string right_name) {
  Differ d;
  d.environment(left, right);
  d.services(left, right);
  return SpecDiff{std::move(left_name), std::move(right_name), d.take()};
}

std::string format_diff_human(const SpecDiff& diff, bool color) {
  const char* red = color ? "\x1b[31m" : "";
  const char* green = color ? "\x1b[32m" : "";
  const char* yellow = color ? "\x1b[33m" : "";
  const char* bold = color ? "\x1b[1m" : "";
  const char* reset = color ? "\x1b[0m" : "";
  std::string out = fmt::format("{}--- {}\n+++ {}{}\n", bold, diff.left, diff.right, reset);
  for (const auto& c : diff.changes) {
    switch (c.kind) {
      case SpecChange::Kind::Added:
        out += fmt::format("{}+ {}: {}{}\n", green, c.path, c.after, reset);
        break;
      case SpecChange::Kind::Removed:
        out += fmt::format("{}- {}: {}{}\n", red, c.path, c.before, reset);
        break;
      case SpecChange::Kind::Changed:
        if (c.redacted && c.before == c.after) {
          out += fmt::format("{}~ {}: <changed>{}\n", yellow, c.path, reset);
        } else {
          out += fmt::format("{}~ {}: {} -> {}{}\n", yellow, c.path, c.before, c.after, reset);
        }
        break;
    }
  }
  if (diff.identical()) {
    out += fmt::format("no differences between {} and {}\n", diff.left, diff.right);
  } else {
    out +=
        fmt::format("{} difference{}\n", diff.changes.size(), diff.changes.size() == 1 ? "" : "s");
  }
  return out;
}

std::string format_diff_json(const SpecDiff& diff) {
  nlohmann::json changes = nlohmann::json::array();
  for (const auto& c : diff.changes) {
    nlohmann::json j{{"op", op_name(c.kind)}, {"path", c.path}};
    if (c.kind != SpecChange::Kind::Added) j["before"] = c.before;
    if (c.kind != SpecChange::Kind::Removed) j["after"] = c.after;
    if (c.redacted) j["redacted"] = true;
    changes.push_back(std::move(j));
  }
  nlohmann::json out{{"left", diff.left},
                     {"right", diff.right},
                     {"identical", diff.identical()},
                     {"changes", std::move(changes)}};
  return out.dump(2) + "\n";
}

}  // namespace gantry::lint
