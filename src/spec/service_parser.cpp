// Parsing one service (already merged with its environment overlay): command, env and
// env_schema, health probes, restart, hooks, resources, build. Strategy is in strategy_parser.
#include <algorithm>

#include "core/strings.h"
#include "spec/parser_impl.h"

namespace gantry::spec::detail {
namespace {

bool is_env_name(std::string_view name) {
  if (name.empty()) return false;
  for (std::size_t i = 0; i < name.size(); ++i) {
    const char c = name[i];
    const bool alpha = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c == '_';
    const bool digit = c >= '0' && c <= '9';
    if (!(alpha || (digit && i > 0))) return false;
  }
  return true;
}

const std::vector<std::string> kVarSchemaKeys = {
    "type", "required", "default",    "schemes",    "values", "regex",      "prefix",
    "min",  "max",      "min_length", "max_length", "secret", "description"};

// A lowercase key over a map of non-schema keys is a misspelt or undeclared environment
// section ("prodution: { STRIPE_KEY: ... }"), not a variable.
bool looks_like_environment_section(const MapEntry& e) {
  for (char c : e.key) {
    if (c >= 'A' && c <= 'Z') return false;
  }
  if (!e.value.is_map()) return false;
  for (const auto& inner : e.value.entries) {
    if (std::find(kVarSchemaKeys.begin(), kVarSchemaKeys.end(), inner.key) ==
        kVarSchemaKeys.end()) {
      return true;
    }
  }
  return false;
}

Result<std::map<std::string, EnvValue>> parse_env(Reader& r, const Node& node,
                                                  const std::string& path) {
  SPEC_TRY(r.map(node, path, std::vector<std::string>{}));
  std::map<std::string, EnvValue> env;
  for (const auto& e : node.entries) {
    const std::string key_path = join_path(path, e.key);
    if (!is_env_name(e.key)) {
      return r.fail(e, key_path,
                    "not a valid variable name: use letters, digits and _, not starting with a "
                    "digit");
    }
    SPEC_ASSIGN(env[e.key], r.env_value(e.value, key_path));
  }
  return env;
}

Result<VarSchema> parse_var_schema(Reader& r, const Node& node, const std::string& path) {
  SPEC_TRY(r.map(node, path, kVarSchemaKeys));
  VarSchema s;
  if (const Node* v = node.get("type")) {
    std::string type;
    SPEC_ASSIGN(type, r.choice(*v, join_path(path, "type"),
                               {"string", "int", "number", "bool", "url", "enum"}));
    for (VarType t : {VarType::String, VarType::Int, VarType::Number, VarType::Bool, VarType::Url,
                      VarType::Enum}) {
      if (name_of(t) == type) s.type = t;
    }
  }
  if (const Node* v = node.get("required")) {
    SPEC_ASSIGN(s.required, r.boolean(*v, join_path(path, "required")));
  }
  if (const Node* v = node.get("default")) {
    SPEC_ASSIGN(s.default_value, r.string(*v, join_path(path, "default")));
  }
  if (const Node* v = node.get("schemes")) {
    SPEC_ASSIGN(s.schemes, r.string_list(*v, join_path(path, "schemes")));
  }
  if (const Node* v = node.get("values")) {
    SPEC_ASSIGN(s.values, r.string_list(*v, join_path(path, "values")));
  }
  if (const Node* v = node.get("regex"))
    SPEC_ASSIGN(s.regex, r.string(*v, join_path(path, "regex")));
  if (const Node* v = node.get("prefix")) {
    SPEC_ASSIGN(s.prefix, r.string(*v, join_path(path, "prefix")));
  }
  if (const Node* v = node.get("min"))
    SPEC_ASSIGN(s.min, r.number(*v, join_path(path, "min"), -1e300, 1e300));
  if (const Node* v = node.get("max"))
    SPEC_ASSIGN(s.max, r.number(*v, join_path(path, "max"), -1e300, 1e300));
  if (const Node* v = node.get("min_length")) {
    SPEC_ASSIGN(s.min_length, r.integer(*v, join_path(path, "min_length"), 0, 1'000'000'000));
  }
  if (const Node* v = node.get("max_length")) {
    SPEC_ASSIGN(s.max_length, r.integer(*v, join_path(path, "max_length"), 0, 1'000'000'000));
  }
  if (const Node* v = node.get("secret"))
    SPEC_ASSIGN(s.secret, r.boolean(*v, join_path(path, "secret")));
  if (const Node* v = node.get("description")) {
    SPEC_ASSIGN(s.description, r.string(*v, join_path(path, "description")));
  }
  if (s.type == VarType::Enum && s.values.empty()) {
    const MapEntry* t = node.entry("type");
    return r.fail(*t, join_path(path, "type"),
                  "type enum needs values: the allowed values, like values: [debug, info]");
  }
  if (s.min && s.max && *s.min > *s.max) {
    return r.fail(*node.get("max"), join_path(path, "max"), "max is less than min");
  }
  return s;
}

// env_schema: variable entries, plus one section per declared environment whose entries are
// merged over the base ones (key by key) for that environment.
Result<std::map<std::string, VarSchema>> parse_env_schema(Reader& r, const Node& node,
                                                          const std::string& path,
                                                          const ServiceContext& context) {
  SPEC_TRY(r.map(node, path, std::vector<std::string>{}));
  auto is_environment = [&](const std::string& key) {
    for (const auto& e : context.declared_environments) {
      if (e == key) return true;
    }
    return false;
  };
  std::vector<const MapEntry*> base;
  const Node* section = nullptr;
  for (const auto& e : node.entries) {
    const std::string key_path = join_path(path, e.key);
    if (!is_environment(e.key)) {
      if (!is_env_name(e.key) || looks_like_environment_section(e)) {
        return r.fail(e, key_path,
                      "not a variable name nor a declared environment" +
                          did_you_mean(e.key, context.declared_environments));
      }
      base.push_back(&e);
      continue;
    }
    // An environment section: validate it whichever environment is being resolved.
    if (e.value.is_null()) continue;
    SPEC_TRY(r.map(e.value, key_path, std::vector<std::string>{}));
    for (const auto& v : e.value.entries) {
      const std::string var_path = join_path(key_path, v.key);
      if (!is_env_name(v.key)) return r.fail(v, var_path, "not a valid variable name");
      if (v.value.is_null()) continue;
      auto s = parse_var_schema(r, v.value, var_path);
      if (!s) return s.error();
    }
    if (e.key == context.environment) section = &e.value;
  }
  std::map<std::string, VarSchema> out;
  auto add = [&](const std::string& name, const Node& value) -> Status {
    const std::string var_path = join_path(path, name);
    if (value.is_null()) {
      out[name] = VarSchema{};
      return {};
    }
    SPEC_ASSIGN(out[name], parse_var_schema(r, value, var_path));
    return {};
  };
  for (const MapEntry* e : base) {
    const MapEntry* over = section ? section->entry(e->key) : nullptr;
    if (over) {
      MapEntry merged = *over;
      merged.value = merge_nodes(e->value, over->value);
      r.record(join_path(path, e->key), merged);
      SPEC_TRY(add(e->key, merged.value));
    } else {
      SPEC_TRY(add(e->key, e->value));
    }
  }
  if (section) {
    for (const auto& v : section->entries) {
      if (out.count(v.key)) continue;
      r.record(join_path(path, v.key), v);
      SPEC_TRY(add(v.key, v.value));
    }
  }
  return out;
}

Result<std::vector<std::string>> parse_exec(Reader& r, const Node& node, const std::string& path) {
  std::vector<std::string> argv;
  bool shell = false;
  SPEC_TRY(r.command(node, path, argv, shell));
  if (shell) argv = {"/bin/sh", "-c", argv[0]};
  return argv;
}

Status parse_status_range(Reader& r, const Node& node, const std::string& path, int& min,
                          int& max) {
  std::string text;
  SPEC_ASSIGN(text, r.string(node, path));
  const auto dash = text.find('-');
  auto one = [&](std::string_view part, int& out) {
    Node n = node;
    n.text = std::string(trim(part));
    auto v = r.integer(n, path, 100, 599);
    if (!v) {
      return Status(r.fail(
          node, path,
          "expected an HTTP status like 200 or a range like \"200-299\", got '" + text + "'"));
    }
    out = static_cast<int>(*v);
    return Status();
  };
  if (dash == std::string::npos) {
    SPEC_TRY(one(text, min));
    max = min;
    return {};
  }
  SPEC_TRY(one(std::string_view(text).substr(0, dash), min));
  SPEC_TRY(one(std::string_view(text).substr(dash + 1), max));
  if (min > max) return r.fail(node, path, "the status range is empty: write low-high");
  return {};
}

Status parse_http_probe(Reader& r, const Node& node, const std::string& path, Probe& p) {
  p.kind = ProbeKind::Http;
  if (node.is_scalar()) {
    SPEC_ASSIGN(p.path, r.string(node, path));
  } else {
    SPEC_TRY(r.map(node, path, {"path", "method", "port", "headers", "status"}));
    if (const Node* v = node.get("path"))
      SPEC_ASSIGN(p.path, r.string(*v, join_path(path, "path")));
    if (const Node* v = node.get("method")) {
      SPEC_ASSIGN(p.method, r.choice(*v, join_path(path, "method"),
                                     {"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"}));
    }
    if (const Node* v = node.get("port")) SPEC_ASSIGN(p.port, r.port(*v, join_path(path, "port")));
    if (const Node* v = node.get("headers")) {
      const std::string hp = join_path(path, "headers");
      SPEC_TRY(r.map(*v, hp, std::vector<std::string>{}));
      for (const auto& h : v->entries) {
        std::string value;
        SPEC_ASSIGN(value, r.string(h.value, join_path(hp, h.key)));
        p.headers.emplace_back(h.key, value);
      }
    }
    if (const Node* v = node.get("status")) {
      SPEC_TRY(parse_status_range(r, *v, join_path(path, "status"), p.status_min, p.status_max));
    }
    if (node.get("path") == nullptr) {
      return r.fail(node, path,
                    "missing required key 'path' (the URL path to request, like /health)");
    }
  }
  if (p.path.empty() || p.path[0] != '/') {
    return r.fail(node, path, "the probe path must start with /, like /health");
  }
  return {};
}

Result<Probe> parse_probe(Reader& r, const Node& node, const std::string& path, bool http_only) {
  SPEC_TRY(r.map(node, path,
                 {"http", "tcp", "exec", "initial_delay", "period", "timeout", "success_threshold",
                  "failure_threshold"}));
  Probe p;
  int kinds = 0;
  for (const char* k : {"http", "tcp", "exec"}) kinds += node.get(k) ? 1 : 0;
  if (kinds != 1) {
    return r.fail(node, path,
                  kinds == 0 ? "a probe needs one of http, tcp or exec"
                             : "a probe has exactly one of http, tcp or exec");
  }
  if (const Node* v = node.get("http"))
    SPEC_TRY(parse_http_probe(r, *v, join_path(path, "http"), p));
  if (const Node* v = node.get("tcp")) {
    p.kind = ProbeKind::Tcp;
    const std::string tp = join_path(path, "tcp");
    if (v->is_scalar() && to_lower(trim(v->text)) == "true") {
      p.port = 0;
    } else {
      auto port = r.port(*v, tp);
      if (!port) {
        return r.fail(*v, tp, "expected a port from 1 to 65535, or true for the replica's PORT");
      }
      p.port = *port;
    }
  }
  if (const Node* v = node.get("exec")) {
    p.kind = ProbeKind::Exec;
    SPEC_ASSIGN(p.command, parse_exec(r, *v, join_path(path, "exec")));
  }
  if (http_only && p.kind != ProbeKind::Http) {
    const char* k = p.kind == ProbeKind::Tcp ? "tcp" : "exec";
    return r.fail(*node.entry(k), join_path(path, k),
                  "the deep health check is http only: it reads a JSON status");
  }
  if (const Node* v = node.get("initial_delay")) {
    SPEC_ASSIGN(p.initial_delay, r.duration(*v, join_path(path, "initial_delay")));
  }
  if (const Node* v = node.get("period"))
    SPEC_ASSIGN(p.period, r.duration(*v, join_path(path, "period")));
  if (const Node* v = node.get("timeout"))
    SPEC_ASSIGN(p.timeout, r.duration(*v, join_path(path, "timeout")));
  if (const Node* v = node.get("success_threshold")) {
    SPEC_ASSIGN(p.success_threshold, r.integer(*v, join_path(path, "success_threshold"), 1, 1000));
  }
  if (const Node* v = node.get("failure_threshold")) {
    SPEC_ASSIGN(p.failure_threshold, r.integer(*v, join_path(path, "failure_threshold"), 1, 1000));
  }
  if (p.period.count() == 0) {
    return r.fail(*node.get("period"), join_path(path, "period"), "the period must be above 0");
  }
  return p;
}

Result<Health> parse_health(Reader& r, const Node& node, const std::string& path) {
  SPEC_TRY(r.map(node, path, {"startup", "readiness", "liveness", "deep"}));
  Health h;
  if (const Node* v = node.get("startup"))
    SPEC_ASSIGN(h.startup, parse_probe(r, *v, join_path(path, "startup"), false));
  if (const Node* v = node.get("readiness")) {
    SPEC_ASSIGN(h.readiness, parse_probe(r, *v, join_path(path, "readiness"), false));
  }
  if (const Node* v = node.get("liveness")) {
    SPEC_ASSIGN(h.liveness, parse_probe(r, *v, join_path(path, "liveness"), false));
  }
  if (const Node* v = node.get("deep"))
    SPEC_ASSIGN(h.deep, parse_probe(r, *v, join_path(path, "deep"), true));
  return h;
}

Result<Restart> parse_restart(Reader& r, const Node& node, const std::string& path) {
  SPEC_TRY(r.map(node, path, {"policy", "max_retries", "backoff"}));
  Restart out;
  if (const Node* v = node.get("policy")) {
    std::string policy;
    SPEC_ASSIGN(policy, r.choice(*v, join_path(path, "policy"), {"never", "on-failure", "always"}));
    for (RestartPolicy p :
         {RestartPolicy::Never, RestartPolicy::OnFailure, RestartPolicy::Always}) {
      if (name_of(p) == policy) out.policy = p;
    }
  }
  if (const Node* v = node.get("max_retries")) {
    SPEC_ASSIGN(out.max_retries, r.integer(*v, join_path(path, "max_retries"), 0, 1'000'000));
  }
  if (const Node* v = node.get("backoff")) {
    const std::string bp = join_path(path, "backoff");
    SPEC_TRY(r.map(*v, bp, {"initial", "max", "multiplier", "jitter"}));
    Backoff& b = out.backoff;
    if (const Node* x = v->get("initial"))
      SPEC_ASSIGN(b.initial, r.duration(*x, join_path(bp, "initial")));
    if (const Node* x = v->get("max")) SPEC_ASSIGN(b.max, r.duration(*x, join_path(bp, "max")));
    if (const Node* x = v->get("multiplier")) {
      SPEC_ASSIGN(b.multiplier, r.number(*x, join_path(bp, "multiplier"), 1, 100));
    }
    if (const Node* x = v->get("jitter"))
      SPEC_ASSIGN(b.jitter, r.number(*x, join_path(bp, "jitter"), 0, 1));
  }
  return out;
}

// "GET /path" or "/path" (GET).
Status parse_http_target(Reader& r, const Node& node, const std::string& path, Hook& h) {
  std::string text;
  SPEC_ASSIGN(text, r.string(node, path));
  const auto words = split_command_line(text);
  if (words.size() == 1 && !words[0].empty() && words[0][0] == '/') {
    h.http_method = "GET";
    h.http_path = words[0];
  } else if (words.size() == 2 && !words[1].empty() && words[1][0] == '/' &&
             to_upper(words[0]) == words[0] && !words[0].empty()) {
    h.http_method = words[0];
    h.http_path = words[1];
  } else {
    return r.fail(node, path, "expected \"METHOD /path\", like \"GET /health/deep\"");
  }
  return {};
}

// backup: { dir: PATH, keep: N }: both required, so how many backups survive is never a guess.
Status parse_backup(Reader& r, const Node& node, const std::string& path, Hook& h) {
  SPEC_TRY(r.map(node, path, {"dir", "keep"}));
  const Node* dir = node.get("dir");
  if (!dir) {
    return r.fail(node, path,
                  "missing required key 'dir' (the folder the backups are written to, like "
                  "/var/backups/shop)");
  }
  const std::string dp = join_path(path, "dir");
  SPEC_ASSIGN(h.backup_dir, r.string(*dir, dp));
  if (trim(h.backup_dir).empty()) return r.fail(*dir, dp, "the backup dir is empty");
  const Node* keep = node.get("keep");
  if (!keep) {
    return r.fail(node, path,
                  "missing required key 'keep' (how many backups to keep, from 1 to 1000)");
  }
  SPEC_ASSIGN(h.backup_keep, r.integer(*keep, join_path(path, "keep"), 1, 1000));
  return {};
}

}  // namespace

Result<Hook> parse_hook(Reader& r, const Node& node, const std::string& path) {
  SPEC_TRY(r.map(node, path, {"name", "run", "dry_run", "backup", "http", "expect", "timeout"}));
  Hook h;
  const Node* run = node.get("run");
  const Node* http = node.get("http");
  if ((run != nullptr) == (http != nullptr)) {
    return r.fail(node, path, "a hook has exactly one of run (a command) or http (\"GET /path\")");
  }
  if (const Node* v = node.get("name")) {
    const std::string np = join_path(path, "name");
    SPEC_ASSIGN(h.name, r.string(*v, np));
    if (trim(h.name).empty()) return r.fail(*v, np, "the hook name is empty");
  }
  if (run) SPEC_ASSIGN(h.run, parse_exec(r, *run, join_path(path, "run")));
  if (http) SPEC_TRY(parse_http_target(r, *http, join_path(path, "http"), h));
  for (const char* key : {"dry_run", "backup"}) {
    if (!run && node.get(key)) {
      return r.fail(*node.entry(key), join_path(path, key),
                    std::string(key) + " applies to run hooks only");
    }
  }
  if (const Node* v = node.get("dry_run"))
    SPEC_ASSIGN(h.dry_run, parse_exec(r, *v, join_path(path, "dry_run")));
  if (const Node* v = node.get("backup"))
    SPEC_TRY(parse_backup(r, *v, join_path(path, "backup"), h));
  if (const Node* v = node.get("expect")) {
    const std::string ep = join_path(path, "expect");
    if (!http) return r.fail(*node.entry("expect"), ep, "expect applies to http hooks only");
    SPEC_TRY(r.map(*v, ep, {"status", "json"}));
    if (const Node* s = v->get("status")) {
      SPEC_ASSIGN(h.expect_status, r.integer(*s, join_path(ep, "status"), 100, 599));
    }
    if (const Node* j = v->get("json")) {
      const std::string jp = join_path(ep, "json");
      SPEC_TRY(r.map(*j, jp, std::vector<std::string>{}));
      for (const auto& e : j->entries) {
        std::string value;
        if (!e.value.is_null()) SPEC_ASSIGN(value, r.string(e.value, join_path(jp, e.key)));
        h.expect_json.emplace_back(e.key, value);
      }
    }
  }
  if (const Node* v = node.get("timeout"))
    SPEC_ASSIGN(h.timeout, r.duration(*v, join_path(path, "timeout")));
  return h;
}

namespace {

Result<Hooks> parse_hooks(Reader& r, const Node& node, const std::string& path) {
  SPEC_TRY(r.map(node, path, {"pre_rollout", "smoke", "post_rollout", "on_rollback"}));
  Hooks out;
  const std::pair<const char*, std::vector<Hook>*> lists[] = {{"pre_rollout", &out.pre_rollout},
                                                              {"smoke", &out.smoke},
                                                              {"post_rollout", &out.post_rollout},
                                                              {"on_rollback", &out.on_rollback}};
  for (const auto& [key, list] : lists) {
    const Node* v = node.get(key);
    if (!v) continue;
    const std::string lp = join_path(path, key);
    SPEC_TRY(r.expect(*v, lp, Node::Kind::Sequence, "a list of hooks"));
    for (std::size_t i = 0; i < v->items.size(); ++i) {
      const std::string ip = join_path(lp, std::to_string(i));
      r.record(ip, v->items[i]);
      SPEC_ASSIGN(list->emplace_back(), parse_hook(r, v->items[i], ip));
    }
  }
  return out;
}

Result<Resources> parse_resources(Reader& r, const Node& node, const std::string& path) {
  SPEC_TRY(r.map(node, path, {"cpu", "memory"}));
  Resources out;
  if (const Node* v = node.get("cpu")) {
    double cpu = 0;
    SPEC_ASSIGN(cpu, r.number(*v, join_path(path, "cpu"), 0, 1024));
    if (cpu <= 0)
      return r.fail(*v, join_path(path, "cpu"), "cpu must be above 0 (cores, like 0.5)");
    out.cpu = cpu;
  }
  if (const Node* v = node.get("memory"))
    SPEC_ASSIGN(out.memory, r.size(*v, join_path(path, "memory")));
  return out;
}

Result<Build> parse_build(Reader& r, const Node& node, const std::string& path) {
  SPEC_TRY(r.map(node, path, {"command", "workdir", "env", "timeout", "artifact"}));
  Build out;
  const Node* command = node.get("command");
  if (!command) return r.fail(node, path, "missing required key 'command' (how to build)");
  SPEC_TRY(r.command(*command, join_path(path, "command"), out.command, out.shell));
  if (const Node* v = node.get("workdir"))
    SPEC_ASSIGN(out.workdir, r.string(*v, join_path(path, "workdir")));
  if (const Node* v = node.get("env")) {
    const std::string ep = join_path(path, "env");
    SPEC_TRY(r.map(*v, ep, std::vector<std::string>{}));
    for (const auto& e : v->entries) {
      const std::string key_path = join_path(ep, e.key);
      if (!is_env_name(e.key)) {
        return r.fail(e, key_path,
                      "not a valid variable name: use letters, digits and _, not starting with a "
                      "digit");
      }
      std::string& value = out.env[e.key];
      if (!e.value.is_null()) {  // `KEY:` with nothing: an empty value, as in a service's env
        if (!e.value.is_scalar()) {
          return r.fail(
              e.value, key_path,
              "expected a string, number or bool, got " + std::string(kind_name(e.value)));
        }
        SPEC_ASSIGN(value, r.string(e.value, key_path));
      }
    }
  }
  if (const Node* v = node.get("timeout")) {
    const std::string tp = join_path(path, "timeout");
    SPEC_ASSIGN(out.timeout, r.duration(*v, tp));
    if (out.timeout.count() <= 0) return r.fail(*v, tp, "the build timeout must be above 0");
  }
  if (const Node* v = node.get("artifact"))
    SPEC_ASSIGN(out.artifact, r.string(*v, join_path(path, "artifact")));
  return out;
}

}  // namespace

Result<Service> parse_service(Reader& r, const MapEntry& entry, const Node& node,
                              const ServiceContext& context) {
  const std::string path = join_path("services", entry.key);
  if (node.is_null()) return r.fail(entry, path, "missing required key 'command'");
  SPEC_TRY(
      r.map(node, path,
            {"command", "workdir", "port", "host_ports", "replicas", "env", "env_schema", "health",
             "restart", "strategy", "hooks", "resources", "build", "depends_on", "stop_timeout"}));
  Service s;
  s.name = entry.key;
  const Node* command = node.get("command");
  if (!command) {
    return r.fail(entry, path,
                  "missing required key 'command': the program to run, like "
                  "command: [\"./bin/api\"]");
  }
  SPEC_TRY(r.command(*command, join_path(path, "command"), s.command, s.shell));
  if (const Node* v = node.get("workdir"))
    SPEC_ASSIGN(s.workdir, r.string(*v, join_path(path, "workdir")));
  if (const Node* v = node.get("port")) SPEC_ASSIGN(s.port, r.port(*v, join_path(path, "port")));
  if (const Node* v = node.get("host_ports")) {
    const std::string hp = join_path(path, "host_ports");
    if (v->is_scalar()) {
      SPEC_ASSIGN(s.host_ports.emplace_back(), r.port(*v, hp));
    } else {
      SPEC_TRY(r.expect(*v, hp, Node::Kind::Sequence, "a list of ports"));
      for (std::size_t i = 0; i < v->items.size(); ++i) {
        const std::string ip = join_path(hp, std::to_string(i));
        r.record(ip, v->items[i]);
        SPEC_ASSIGN(s.host_ports.emplace_back(), r.port(v->items[i], ip));
      }
    }
  }
  if (const Node* v = node.get("replicas")) {
    const std::string rp = join_path(path, "replicas");
    long long n = 0;
    SPEC_ASSIGN(n, r.integer(*v, rp, -1'000'000, 10'000));
    if (n < 0) return r.fail(*v, rp, "replicas must be 0 or more");
    s.replicas = static_cast<int>(n);
  }
  if (const Node* v = node.get("env")) SPEC_ASSIGN(s.env, parse_env(r, *v, join_path(path, "env")));
  if (const Node* v = node.get("env_schema")) {
    SPEC_ASSIGN(s.env_schema, parse_env_schema(r, *v, join_path(path, "env_schema"), context));
  }
  if (const Node* v = node.get("health"))
    SPEC_ASSIGN(s.health, parse_health(r, *v, join_path(path, "health")));
  if (const Node* v = node.get("restart")) {
    SPEC_ASSIGN(s.restart, parse_restart(r, *v, join_path(path, "restart")));
  }
  if (const Node* v = node.get("strategy")) {
    SPEC_ASSIGN(s.strategy, parse_strategy(r, *v, join_path(path, "strategy")));
  }
  if (const Node* v = node.get("hooks"))
    SPEC_ASSIGN(s.hooks, parse_hooks(r, *v, join_path(path, "hooks")));
  if (const Node* v = node.get("resources")) {
    SPEC_ASSIGN(s.resources, parse_resources(r, *v, join_path(path, "resources")));
  }
  if (const Node* v = node.get("build"))
    SPEC_ASSIGN(s.build, parse_build(r, *v, join_path(path, "build")));
  if (const Node* v = node.get("depends_on")) {
    const std::string dp = join_path(path, "depends_on");
    SPEC_ASSIGN(s.depends_on, r.string_list(*v, dp));
    if (v->is_sequence()) {
      for (std::size_t i = 0; i < v->items.size(); ++i)
        r.record(join_path(dp, std::to_string(i)), v->items[i]);
    }
  }
  if (const Node* v = node.get("stop_timeout")) {
    SPEC_ASSIGN(s.stop_timeout, r.duration(*v, join_path(path, "stop_timeout")));
  }
  return s;
}

}  // namespace gantry::spec::detail
