// Printing a resolved Spec back as gantry.yaml or JSON. Both are built from one ordered JSON
// tree in spec keys, so each parses back (parse_spec) to the same Spec. Pure; thread-safe.
#include <yaml-cpp/yaml.h>

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <nlohmann/json.hpp>

#include "core/strings.h"
#include "spec/spec.h"

namespace gantry::spec {
namespace {

using Json = nlohmann::ordered_json;

constexpr std::string_view kRedacted = "<redacted>";

// Values are interpolated again when the output is read back: double each '$' that would
// start an expression ("${", "$$") so the text reads back as itself.
std::string text(std::string_view s) {
  if (s.starts_with("secret://")) return std::string(s);
  std::string out;
  out.reserve(s.size());
  for (std::size_t i = 0; i < s.size(); ++i) {
    out += s[i];
    if (s[i] == '$' && i + 1 < s.size() && (s[i + 1] == '{' || s[i + 1] == '$')) out += '$';
  }
  return out;
}

Json texts(const std::vector<std::string>& list) {
  Json out = Json::array();
  for (const auto& s : list) out.push_back(text(s));
  return out;
}

// The shortest fixed-point text of percent (a number of %) that read_back accepts: never
// "1e-05%", which the parser refuses, and not cut to format_percent's 6 digits.
template <typename ReadBack>
std::string shortest_percent(double percent, ReadBack read_back) {
  char buf[400];
  for (int decimals = 0; decimals <= 40; ++decimals) {
    std::snprintf(buf, sizeof buf, "%.*f", decimals, percent);
    if (read_back(std::strtod(buf, nullptr))) break;
  }
  return std::string(buf) + "%";
}

// A fraction as a percentage that parses (n / 100) back to the same fraction.
std::string percent_text(double fraction) {
  return shortest_percent(fraction * 100.0, [&](double n) { return n / 100.0 == fraction; });
}

// format_duration prints a fractional second with 6 digits ("1234.57s") and large ones with
// an exponent; fall back to milliseconds when its text would not read back as d.
std::string duration_text(Duration d) {
  std::string s = format_duration(d);
  auto back = parse_duration(s);
  if (back && *back == d) return s;
  return std::to_string(d.count()) + "ms";
}

Json argv_json(const std::vector<std::string>& argv) {  // commands are not interpolated
  Json out = Json::array();
  for (const auto& s : argv) out.push_back(s);
  return out;
}

Json command_json(const std::vector<std::string>& argv, bool shell) {
  if (shell && argv.size() == 1) return argv[0];
  return argv_json(argv);
}

Json env_json(const std::string& name, const EnvValue& v, bool secret, const RenderOptions& o) {
  if (v.unresolved) return v.raw;
  if (o.redact_secrets && !v.is_secret_ref() && !v.value.empty() &&
      (secret || (o.is_secret && o.is_secret(name, v.value)))) {
    return std::string(kRedacted);
  }
  return text(v.value);
}

// A build's env holds plain strings: redacted like a service's env (secret-like names, or
// values the caller calls secret), references shown.
Json build_env_json(const std::string& name, const std::string& value, const RenderOptions& o) {
  EnvValue v;
  v.raw = v.value = value;
  return env_json(name, v, is_secret_like_name(name), o);
}

Json percent_or_count(const Amount& a) {
  if (!a.percent) return static_cast<long long>(std::llround(a.value));
  // parse_amount keeps (n / 100) * 100
  return shortest_percent(a.value, [&](double n) { return n / 100.0 * 100.0 == a.value; });
}

Json probe_json(const Probe& p) {
  const Probe defaults;
  Json out = Json::object();
  switch (p.kind) {
    case ProbeKind::Http: {
      const bool simple = p.method == "GET" && p.headers.empty() && p.port == 0 &&
                          p.status_min == defaults.status_min &&
                          p.status_max == defaults.status_max;
      if (simple) {
        out["http"] = text(p.path);
        break;
      }
      Json http = Json::object();
      http["path"] = text(p.path);
      if (p.method != "GET") http["method"] = p.method;
      if (p.port != 0) http["port"] = p.port;
      if (!p.headers.empty()) {
        Json headers = Json::object();
        for (const auto& [k, v] : p.headers) headers[k] = text(v);
        http["headers"] = headers;
      }
      if (p.status_min == p.status_max) {
        http["status"] = p.status_min;
      } else if (p.status_min != defaults.status_min || p.status_max != defaults.status_max) {
        http["status"] = std::to_string(p.status_min) + "-" + std::to_string(p.status_max);
      }
      out["http"] = http;
      break;
    }
    case ProbeKind::Tcp:
      if (p.port == 0) {
        out["tcp"] = true;
      } else {
        out["tcp"] = p.port;
      }
      break;
    case ProbeKind::Exec:
      out["exec"] = argv_json(p.command);
      break;
  }
  if (p.initial_delay != defaults.initial_delay) {
    out["initial_delay"] = duration_text(p.initial_delay);
  }
  if (p.period != defaults.period) out["period"] = duration_text(p.period);
  if (p.timeout != defaults.timeout) out["timeout"] = duration_text(p.timeout);
  if (p.success_threshold != defaults.success_threshold) {
    out["success_threshold"] = p.success_threshold;
  }
  if (p.failure_threshold != defaults.failure_threshold) {
    out["failure_threshold"] = p.failure_threshold;
  }
  return out;
}

// The path of an http hook as one word of "METHOD /path": quoted when it holds a space or a
// quote, which the parser's word splitting would otherwise cut or drop.
std::string http_word(const std::string& path) {
  if (path.find_first_of(" \t\n'\"\\") == std::string::npos) return path;
  if (path.find('\'') == std::string::npos) return "'" + path + "'";
  std::string out = "\"";
  for (char c : path) {
    if (c == '"' || c == '\\' || c == '`') out += '\\';
    out += c;
  }
  return out + "\"";
}

Json hook_json(const Hook& h) {
  Json out = Json::object();
  if (!h.name.empty()) out["name"] = text(h.name);
  if (!h.run.empty()) {
    out["run"] = argv_json(h.run);
    if (!h.dry_run.empty()) out["dry_run"] = argv_json(h.dry_run);
    if (h.backup_keep > 0) out["backup"] = {{"dir", text(h.backup_dir)}, {"keep", h.backup_keep}};
  } else {
    out["http"] = h.http_method + " " + http_word(text(h.http_path));
    Json expect = Json::object();
    if (h.expect_status) expect["status"] = *h.expect_status;
    if (!h.expect_json.empty()) {
      Json fields = Json::object();
      for (const auto& [k, v] : h.expect_json) fields[k] = text(v);
      expect["json"] = fields;
    }
    if (!expect.empty()) out["expect"] = expect;
  }
  if (h.timeout != Hook{}.timeout) out["timeout"] = duration_text(h.timeout);
  return out;
}

std::string_view low_traffic_name(Analysis::Inconclusive what) {
  switch (what) {
    case Analysis::Inconclusive::Extend:
      return "extend";
    case Analysis::Inconclusive::Pass:
      return "pass";
    case Analysis::Inconclusive::Approval:
      return "require_approval";
  }
  return "extend";
}

Json analysis_json(const Analysis& a) {
  const Analysis defaults;
  Json out = Json::object();
  if (a.interval != defaults.interval) out["interval"] = duration_text(a.interval);
  if (a.success_rate_min) out["success_rate"] = {{"min", percent_text(*a.success_rate_min)}};
  if (a.error_rate_max || a.error_rate_max_over_baseline) {
    Json error_rate = Json::object();
    if (a.error_rate_max) error_rate["max"] = percent_text(*a.error_rate_max);
    if (a.error_rate_max_over_baseline) {
      error_rate["max_over_baseline"] = percent_text(*a.error_rate_max_over_baseline);
    }
    out["error_rate"] = error_rate;
  }
  for (const auto& rule : a.latency) {
    Json r = Json::object();
    if (rule.max) r["max"] = duration_text(*rule.max);
    if (rule.max_ratio_to_baseline) r["max_ratio_to_baseline"] = *rule.max_ratio_to_baseline;
    out["latency_" + rule.quantile] = r;
  }
  Json judge = Json::object();
  if (a.judge != defaults.judge) {
    judge["method"] = a.judge == Analysis::Judge::Threshold ? "threshold" : "statistical";
  }
  if (a.confidence != defaults.confidence) judge["confidence"] = a.confidence;
  if (a.min_requests != defaults.min_requests) judge["min_requests"] = a.min_requests;
  if (a.latency_tolerance != defaults.latency_tolerance) {
    judge["tolerance"] = percent_text(a.latency_tolerance);
  }
  if (a.latency_min_shift != defaults.latency_min_shift) {
    judge["min_shift"] = duration_text(a.latency_min_shift);
  }
  if (a.sequential != defaults.sequential) judge["sequential"] = a.sequential;
  if (!judge.empty()) out["judge"] = judge;
  // Printed under its analysis-level name; judge.on_inconclusive reads back the same.
  if (a.on_inconclusive != defaults.on_inconclusive) {
    out["on_low_traffic"] = std::string(low_traffic_name(a.on_inconclusive));
  }
  if (!a.checks.empty()) {
    Json checks = Json::array();
    for (const auto& c : a.checks) checks.push_back(hook_json(c));
    out["checks"] = checks;
  }
  if (a.failure_limit != defaults.failure_limit) out["failure_limit"] = a.failure_limit;
  return out;
}

Json strategy_json(const Strategy& s) {
  const Strategy defaults;
  Json body = Json::object();
  switch (s.kind) {
    case StrategyKind::Recreate:
      break;
    case StrategyKind::Rolling:
      if (s.max_surge.value != defaults.max_surge.value ||
          s.max_surge.percent != defaults.max_surge.percent) {
        body["max_surge"] = percent_or_count(s.max_surge);
      }
      if (s.max_unavailable.value != defaults.max_unavailable.value ||
          s.max_unavailable.percent != defaults.max_unavailable.percent) {
        body["max_unavailable"] = percent_or_count(s.max_unavailable);
      }
      break;
    case StrategyKind::BlueGreen:
      if (s.auto_promote) body["auto_promote"] = true;
      if (s.scale_down_delay != defaults.scale_down_delay) {
        body["scale_down_delay"] = duration_text(s.scale_down_delay);
      }
      if (s.preview_port) body["preview_port"] = *s.preview_port;
      if (s.analysis) body["analysis"] = analysis_json(*s.analysis);
      break;
    case StrategyKind::Canary: {
      Json steps = Json::array();
      for (const auto& step : s.steps) {
        switch (step.kind) {
          case CanaryStep::Kind::Weight:
            steps.push_back({{"weight", step.weight}});
            break;
          case CanaryStep::Kind::Pause:
            if (step.duration.count() == 0) {
              steps.push_back({{"pause", nullptr}});
            } else {
              steps.push_back({{"pause", duration_text(step.duration)}});
            }
            break;
          case CanaryStep::Kind::Analysis:
            steps.push_back({{"analysis", duration_text(step.duration)}});
            break;
          case CanaryStep::Kind::Approval:
            steps.push_back({{"approval", true}});
            break;
        }
      }
      if (!steps.empty()) body["steps"] = steps;
      if (s.sticky) {
        Json sticky = Json::object();
        if (!s.sticky->cookie.empty()) sticky["cookie"] = text(s.sticky->cookie);
        if (!s.sticky->header.empty()) sticky["header"] = text(s.sticky->header);
        body["sticky"] = sticky;
      }
      if (s.analysis) body["analysis"] = analysis_json(*s.analysis);
      break;
    }
  }
  Json out = Json::object();
  out[std::string(name_of(s.kind))] = body;
  return out;
}

Json var_schema_json(const VarSchema& v) {
  Json out = Json::object();
  if (v.type != VarType::String) out["type"] = std::string(name_of(v.type));
  if (v.required) out["required"] = true;
  if (v.default_value) out["default"] = text(*v.default_value);
  if (!v.schemes.empty()) out["schemes"] = texts(v.schemes);
  if (!v.values.empty()) out["values"] = texts(v.values);
  if (!v.regex.empty()) out["regex"] = text(v.regex);
  if (!v.prefix.empty()) out["prefix"] = text(v.prefix);
  if (v.min) out["min"] = *v.min;
  if (v.max) out["max"] = *v.max;
  if (v.min_length) out["min_length"] = *v.min_length;
  if (v.max_length) out["max_length"] = *v.max_length;
  if (v.secret) out["secret"] = true;
  if (!v.description.empty()) out["description"] = text(v.description);
  return out;
}

Json service_json(const Service& s, const RenderOptions& o) {
  const Service defaults;
  Json out = Json::object();
  out["command"] = command_json(s.command, s.shell);
  if (!s.workdir.empty()) out["workdir"] = text(s.workdir);
  if (s.port) out["port"] = *s.port;
  if (!s.host_ports.empty()) out["host_ports"] = s.host_ports;
  if (s.replicas != defaults.replicas) out["replicas"] = s.replicas;
  if (!s.env.empty()) {
    Json env = Json::object();
    for (const auto& [k, v] : s.env) {
      auto it = s.env_schema.find(k);
      const bool secret = is_secret_like_name(k) || (it != s.env_schema.end() && it->second.secret);
      env[k] = env_json(k, v, secret, o);
    }
    out["env"] = env;
  }
  if (!s.env_schema.empty()) {
    Json schema = Json::object();
    for (const auto& [k, v] : s.env_schema) schema[k] = var_schema_json(v);
    out["env_schema"] = schema;
  }
  Json health = Json::object();
  if (s.health.startup) health["startup"] = probe_json(*s.health.startup);
  if (s.health.readiness) health["readiness"] = probe_json(*s.health.readiness);
  if (s.health.liveness) health["liveness"] = probe_json(*s.health.liveness);
  if (s.health.deep) health["deep"] = probe_json(*s.health.deep);
  if (!health.empty()) out["health"] = health;

  const Restart& r = s.restart;
  const Restart rd;
  Json restart = Json::object();
  if (r.policy != rd.policy) restart["policy"] = std::string(name_of(r.policy));
  if (r.max_retries != rd.max_retries) restart["max_retries"] = r.max_retries;
  Json backoff = Json::object();
  if (r.backoff.initial != rd.backoff.initial)
    backoff["initial"] = duration_text(r.backoff.initial);
  if (r.backoff.max != rd.backoff.max) backoff["max"] = duration_text(r.backoff.max);
  if (r.backoff.multiplier != rd.backoff.multiplier) backoff["multiplier"] = r.backoff.multiplier;
  if (r.backoff.jitter != rd.backoff.jitter) backoff["jitter"] = r.backoff.jitter;
  if (!backoff.empty()) restart["backoff"] = backoff;
  if (!restart.empty()) out["restart"] = restart;

  Json strategy = strategy_json(s.strategy);
  if (strategy != strategy_json(defaults.strategy)) out["strategy"] = strategy;

  Json hooks = Json::object();
  const std::pair<const char*, const std::vector<Hook>*> lists[] = {
      {"pre_rollout", &s.hooks.pre_rollout},
      {"smoke", &s.hooks.smoke},
      {"post_rollout", &s.hooks.post_rollout},
      {"on_rollback", &s.hooks.on_rollback}};
  for (const auto& [key, list] : lists) {
    if (list->empty()) continue;
    Json items = Json::array();
    for (const auto& h : *list) items.push_back(hook_json(h));
    hooks[key] = items;
  }
  if (!hooks.empty()) out["hooks"] = hooks;

  Json resources = Json::object();
  if (s.resources.cpu) resources["cpu"] = *s.resources.cpu;
  if (s.resources.memory) resources["memory"] = format_size(*s.resources.memory);
  if (!resources.empty()) out["resources"] = resources;
  if (s.build) {
    Json build = Json::object();
    const Build& b = *s.build;
    build["command"] = command_json(b.command, b.shell);
    if (!b.workdir.empty()) build["workdir"] = text(b.workdir);
    if (!b.env.empty()) {
      Json env = Json::object();
      for (const auto& [k, v] : b.env) env[k] = build_env_json(k, v, o);
      build["env"] = env;
    }
    if (b.timeout != Build{}.timeout) build["timeout"] = duration_text(b.timeout);
    if (!b.artifact.empty()) build["artifact"] = text(b.artifact);
    out["build"] = build;
  }
  if (!s.depends_on.empty()) out["depends_on"] = texts(s.depends_on);
  if (s.stop_timeout != defaults.stop_timeout) out["stop_timeout"] = duration_text(s.stop_timeout);
  return out;
}

Json notify_json(const NotifySink& n, const std::string& default_name, const RenderOptions& o) {
  const bool slack = n.kind == NotifySink::Kind::Slack;
  const NotifySink defaults;
  const Json url = env_json("WEBHOOK_URL", n.url, true, o);
  Json body = Json::object();
  body[slack ? "webhook" : "url"] = url;
  // The signing key and header values are credentials: redacted like secret env values.
  if (!n.secret.raw.empty() || !n.secret.value.empty()) {
    body["secret"] = env_json("WEBHOOK_SECRET", n.secret, true, o);
  }
  if (!n.headers.empty()) {
    Json headers = Json::object();
    for (const auto& [name, value] : n.headers) headers[name] = env_json(name, value, true, o);
    body["headers"] = headers;
  }
  if (!n.events.empty()) body["events"] = texts(n.events);
  if (!n.environments.empty()) body["environments"] = texts(n.environments);
  if (!n.channel.empty()) body["channel"] = n.channel;
  if (n.max_age != defaults.max_age) body["max_age"] = duration_text(n.max_age);
  if (n.backoff_initial != defaults.backoff_initial || n.backoff_max != defaults.backoff_max) {
    body["backoff"] =
        Json{{"initial", duration_text(n.backoff_initial)}, {"max", duration_text(n.backoff_max)}};
  }
  if (n.timeout != defaults.timeout) body["timeout"] = duration_text(n.timeout);
  const bool named = !n.name.empty() && n.name != default_name;
  if (!slack && body.size() == 1 && !named) return {{"webhook", url}};
  Json out = Json::object();
  if (named) out["name"] = n.name;
  out[slack ? "slack" : "webhook"] = body;
  return out;
}

// Only what differs from the defaults, like the rest of the output.
Json proxy_json(const ProxySettings& p) {
  const ProxySettings defaults;
  Json out = Json::object();
  if (p.workers != defaults.workers) out["workers"] = p.workers;
  if (p.address != defaults.address) out["address"] = p.address;
  if (p.hold_timeout != defaults.hold_timeout) out["hold_timeout"] = duration_text(p.hold_timeout);
  if (p.drain_timeout != defaults.drain_timeout) {
    out["drain_timeout"] = duration_text(p.drain_timeout);
  }
  const OverrideHeaderSettings& h = p.override_header;
  const OverrideHeaderSettings& hd = defaults.override_header;
  Json header = Json::object();
  if (h.enabled != hd.enabled) header["enabled"] = h.enabled;
  if (h.name != hd.name) header["name"] = text(h.name);
  if (h.loopback_only != hd.loopback_only) header["loopback_only"] = h.loopback_only;
  if (!header.empty()) out["override_header"] = header;
  return out;
}

Json spec_json(const Spec& spec, const RenderOptions& o) {
  Json out = Json::object();
  if (!spec.project.empty()) out["project"] = text(spec.project);
  if (!spec.environments.empty()) {
    Json envs = Json::object();
    for (const auto& e : spec.environments) {
      Json env = Json::object();
      if (e.approval != Approval::Default) env["approval"] = std::string(name_of(e.approval));
      if (!e.promote_from.empty()) env["promote_from"] = text(e.promote_from);
      if (!e.vars.empty()) {
        Json vars = Json::object();
        for (const auto& [k, v] : e.vars) vars[k] = env_json(k, v, is_secret_like_name(k), o);
        env["vars"] = vars;
      }
      envs[e.name] = env;
    }
    out["environments"] = envs;
  }
  Json services = Json::object();
  for (const auto& s : spec.services) services[s.name] = service_json(s, o);
  out["services"] = services;
  if (!spec.notify.empty()) {
    Json notify = Json::array();
    // The names the parser gives unnamed sinks: webhook, webhook-2, slack, ...
    std::map<std::string, int> seen;
    for (const auto& n : spec.notify) {
      const std::string kind = n.kind == NotifySink::Kind::Slack ? "slack" : "webhook";
      const int count = ++seen[kind];
      notify.push_back(notify_json(n, count == 1 ? kind : kind + "-" + std::to_string(count), o));
    }
    out["notify"] = notify;
  }
  if (Json proxy = proxy_json(spec.proxy); !proxy.empty()) out["proxy"] = proxy;
  if (!spec.listen.api.empty()) out["api"] = Json{{"listen", spec.listen.api}};
  if (!spec.listen.metrics.empty()) out["metrics"] = Json{{"listen", spec.listen.metrics}};
  const EventLogSettings log_defaults;
  const EventLogSettings& log = spec.event_log;
  if (!log.enabled) {
    out["events"] = Json{{"log", false}};
  } else if (!log.file.empty() || log.max_size != log_defaults.max_size ||
             log.keep != log_defaults.keep) {
    Json l = Json::object();
    if (!log.file.empty()) l["file"] = log.file;
    if (log.max_size != log_defaults.max_size) l["max_size"] = static_cast<long long>(log.max_size);
    if (log.keep != log_defaults.keep) l["keep"] = log.keep;
    out["events"] = Json{{"log", l}};
  }
  return out;
}

// The shortest decimal text that reads back as the same double.
std::string format_double(double d) {
  char buf[40];
  if (d == std::floor(d) && std::fabs(d) < 1e15) {
    std::snprintf(buf, sizeof buf, "%.0f", d);
    return buf;
  }
  for (int precision = 1; precision <= 17; ++precision) {
    std::snprintf(buf, sizeof buf, "%.*g", precision, d);
    if (std::strtod(buf, nullptr) == d) break;
  }
  return buf;
}

// Strings another YAML reader would take for a number, bool or null are quoted.
bool needs_quotes(const std::string& s) {
  if (s.empty()) return true;
  static const char* const kWords[] = {"null", "~",  "true", "false", "yes",
                                       "no",   "on", "off",  "y",     "n"};
  const std::string lower = to_lower(s);
  for (const char* w : kWords) {
    if (lower == w) return true;
  }
  char* end = nullptr;
  std::strtod(s.c_str(), &end);
  return end == s.c_str() + s.size();
}

void emit(YAML::Emitter& out, const Json& j) {
  switch (j.type()) {
    case Json::value_t::object:
      out << YAML::BeginMap;
      for (const auto& [k, v] : j.items()) {
        out << YAML::Key << k << YAML::Value;
        emit(out, v);
      }
      out << YAML::EndMap;
      break;
    case Json::value_t::array: {
      bool scalars = true;
      for (const auto& v : j) scalars = scalars && !v.is_structured();
      const bool one_key_maps = [&] {
        for (const auto& v : j) {
          if (!v.is_object() || v.size() != 1 || v.begin()->is_structured()) return false;
        }
        return true;
      }();
      if (scalars) out << YAML::Flow;
      out << YAML::BeginSeq;
      for (const auto& v : j) {
        if (one_key_maps) out << YAML::Flow;
        emit(out, v);
      }
      out << YAML::EndSeq;
      break;
    }
    case Json::value_t::string: {
      const std::string& s = j.get_ref<const std::string&>();
      if (needs_quotes(s)) out << YAML::DoubleQuoted;
      out << s;
      break;
    }
    case Json::value_t::boolean:
      out << (j.get<bool>() ? "true" : "false");
      break;
    case Json::value_t::number_integer:
      out << j.get<long long>();
      break;
    case Json::value_t::number_unsigned:
      out << j.get<unsigned long long>();
      break;
    case Json::value_t::number_float:
      out << format_double(j.get<double>());
      break;
    case Json::value_t::null:
      out << YAML::Null;
      break;
    default:
      out << YAML::Null;
      break;
  }
}

}  // namespace

std::string render_yaml(const Spec& spec, const RenderOptions& options) {
  YAML::Emitter out;
  out.SetIndent(2);
  if (!spec.environment.empty()) {
    out << YAML::Comment("resolved for environment: " + spec.environment);
  }
  emit(out, spec_json(spec, options));
  return std::string(out.c_str()) + "\n";
}

std::string render_json(const Spec& spec, const RenderOptions& options) {
  // Values are bytes from the user's file: invalid UTF-8 is printed as U+FFFD, not thrown.
  return spec_json(spec, options).dump(2, ' ', false, Json::error_handler_t::replace) + "\n";
}

}  // namespace gantry::spec
