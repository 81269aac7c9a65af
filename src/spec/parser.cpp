// load_spec / parse_spec: the top level of gantry.yaml (project, environments, services,
// notify, proxy), environment overlays, and the exception boundary. Pure; thread-safe.
#include <cstdlib>
#include <exception>
#include <map>
#include <memory>

#include "core/file.h"
#include "core/strings.h"
#include "spec/dotenv.h"
#include "spec/parser_impl.h"
#include "spec/spec.h"

namespace gantry::spec {
namespace {

using detail::join_path;
using detail::MapEntry;
using detail::Node;
using detail::Reader;

bool is_name(std::string_view name, bool allow_underscore) {
  if (name.empty()) return false;
  for (std::size_t i = 0; i < name.size(); ++i) {
    const char c = name[i];
    const bool ok = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
                    (i > 0 && (c == '-' || (allow_underscore && c == '_')));
    if (!ok) return false;
  }
  return true;
}

Result<VarLookup> make_lookup(const LoadOptions& options) {
  auto vars = std::make_shared<std::map<std::string, std::string, std::less<>>>();
  for (const auto& path : options.env_files) {
    auto dotenv = load_dotenv(path);
    if (!dotenv) return dotenv.error();
    for (const auto& e : dotenv->entries) (*vars)[e.key] = e.value;
  }
  const bool use_process_env = options.use_process_env;
  return VarLookup([vars, use_process_env](std::string_view name) -> std::optional<std::string> {
    if (use_process_env) {
      if (const char* v = std::getenv(std::string(name).c_str())) return std::string(v);
    }
    auto it = vars->find(name);
    if (it != vars->end()) return it->second;
    return std::nullopt;
  });
}

Result<std::map<std::string, EnvValue>> parse_vars(Reader& r, const Node& node,
                                                   const std::string& path) {
  SPEC_TRY(r.map(node, path, std::vector<std::string>{}));
  std::map<std::string, EnvValue> vars;
  for (const auto& e : node.entries) {
    SPEC_ASSIGN(vars[e.key], r.env_value(e.value, join_path(path, e.key)));
  }
  return vars;
}

struct Declared {
  Environment environment;
  const Node* overlays = nullptr;  // environments.<name>.services
};

Result<Declared> parse_environment(Reader& r, const MapEntry& entry,
                                   const std::vector<std::string>& environment_names,
                                   const std::vector<std::string>& service_names) {
  const std::string path = join_path("environments", entry.key);
  Declared d;
  d.environment.name = entry.key;
  if (!is_name(entry.key, true)) {
    return r.fail(entry, path,
                  "invalid environment name: use lowercase letters, digits, - and _, starting "
                  "with a letter or digit");
  }
  if (entry.value.is_null()) return d;
  const Node& node = entry.value;
  SPEC_TRY(r.map(node, path, {"approval", "promote_from", "vars", "services"}));
  if (const Node* v = node.get("approval")) {
    std::string approval;
    SPEC_ASSIGN(approval,
                r.choice(*v, join_path(path, "approval"), {"required", "off", "default"}));
    d.environment.approval = approval == "required" ? Approval::Required
                             : approval == "off"    ? Approval::Off
                                                    : Approval::Default;
  }
  if (const Node* v = node.get("promote_from")) {
    const std::string pp = join_path(path, "promote_from");
    SPEC_ASSIGN(d.environment.promote_from, r.string(*v, pp));
    const std::string& from = d.environment.promote_from;
    bool declared = false;
    for (const auto& n : environment_names) declared = declared || n == from;
    if (!declared || from == entry.key) {
      return r.fail(*v, pp,
                    "'" + from + "' is not another declared environment (declared: " +
                        join(environment_names, ", ") + ")" +
                        did_you_mean(from, environment_names));
    }
  }
  if (const Node* v = node.get("vars")) {
    SPEC_ASSIGN(d.environment.vars, parse_vars(r, *v, join_path(path, "vars")));
  }
  if (const Node* v = node.get("services")) {
    const std::string sp = join_path(path, "services");
    SPEC_TRY(r.map(*v, sp, std::vector<std::string>{}));
    for (const auto& e : v->entries) {
      bool known = false;
      for (const auto& n : service_names) known = known || n == e.key;
      if (!known) {
        return r.fail(e, join_path(sp, e.key),
                      "overlay for an unknown service (services: " + join(service_names, ", ") +
                          ")" + did_you_mean(e.key, service_names));
      }
      if (!e.value.is_null()) {
        SPEC_TRY(r.expect(e.value, join_path(sp, e.key), Node::Kind::Map,
                          "a map of service keys to override"));
      }
    }
    d.overlays = v;
  }
  return d;
}

Result<Spec> parse(std::string_view text, const LoadOptions& options) {
  Spec spec;
  spec.file = options.file;
  spec.source.default_file = options.file;
  spec.environment = options.environment;
  const Location start{options.file, 1, 1};
  const std::string kEmpty = "file is empty: expected a map with project: and services:";
  if (trim(text).empty()) return make_error(ErrorCode::Invalid, kEmpty, start);

  VarLookup lookup;
  SPEC_ASSIGN(lookup, make_lookup(options));
  Node root;
  SPEC_ASSIGN(root, detail::parse_yaml(text, options.file));
  if (root.is_null()) return make_error(ErrorCode::Invalid, kEmpty, start);
  Reader r(options.file, lookup, options.interpolation == Interpolation::Lenient, spec.source);
  if (!root.is_map()) {
    return r.fail(root, "",
                  "expected a map with project: and services: at the top level, got " +
                      std::string(detail::kind_name(root)));
  }
  SPEC_TRY(r.map(
      root, "",
      {"project", "environments", "services", "notify", "proxy", "api", "metrics", "events"}));
  if (const Node* v = root.get("project")) SPEC_ASSIGN(spec.project, r.string(*v, "project"));

  const Node* services = root.get("services");
  if (!services) {
    return make_error(ErrorCode::Invalid,
                      "missing required key 'services': the map of services to run", start,
                      "services");
  }
  SPEC_TRY(r.expect(*services, "services", Node::Kind::Map, "a map of service names to services"));
  SPEC_TRY(r.map(*services, "services", std::vector<std::string>{}));
  if (services->entries.empty()) {
    return r.fail(*services, "services", "no services: add at least one under services:");
  }
  std::vector<std::string> service_names;
  for (const auto& e : services->entries) {
    if (!is_name(e.key, false)) {
      return r.fail(e, join_path("services", e.key),
                    "invalid service name: use lowercase letters, digits and -, starting with a "
                    "letter or digit (like api or tts-worker)");
    }
    service_names.push_back(e.key);
  }

  // Environments: all are validated; the selected one's overlay is applied below.
  std::vector<std::string> environment_names;
  std::vector<Declared> declared;
  const MapEntry* environments_entry = root.entry("environments");
  if (const Node* v = root.get("environments")) {
    SPEC_TRY(r.map(*v, "environments", std::vector<std::string>{}));
    for (const auto& e : v->entries) environment_names.push_back(e.key);
    for (const auto& e : v->entries) {
      SPEC_ASSIGN(declared.emplace_back(),
                  parse_environment(r, e, environment_names, service_names));
      spec.environments.push_back(declared.back().environment);
    }
  }
  const Declared* selected = nullptr;
  if (!options.environment.empty()) {
    for (const auto& d : declared) {
      if (d.environment.name == options.environment) selected = &d;
    }
    if (!selected) {
      const Location where =
          environments_entry ? r.at(environments_entry->line, environments_entry->column) : start;
      const std::string names = environment_names.empty()
                                    ? "the spec declares none under environments:"
                                    : "declared: " + join(environment_names, ", ");
      return make_error(ErrorCode::NotFound,
                        "unknown environment '" + options.environment + "' (" + names + ")" +
                            did_you_mean(options.environment, environment_names),
                        where, "environments");
    }
  }

  detail::ServiceContext context{options.environment, environment_names};
  for (const auto& e : services->entries) {
    const MapEntry* overlay =
        selected && selected->overlays ? selected->overlays->entry(e.key) : nullptr;
    Node merged = overlay && !overlay->value.is_null()
                      ? detail::merge_nodes(e.value, overlay->value)
                      : e.value;
    Service service;
    SPEC_ASSIGN(service, detail::parse_service(r, e, merged, context));
    if (selected) {
      const std::string vars_path = join_path("environments", selected->environment.name) + ".vars";
      for (const auto& [key, value] : selected->environment.vars) {
        if (service.env.count(key)) continue;  // the service's own value wins
        service.env[key] = value;
        spec.source.set(join_path("services", e.key) + ".env." + key,
                        spec.source.where(join_path(vars_path, key)));
      }
    }
    spec.services.push_back(std::move(service));
  }

  for (const auto& s : spec.services) {
    for (std::size_t i = 0; i < s.depends_on.size(); ++i) {
      const std::string& dep = s.depends_on[i];
      const std::string path = join_path("services", s.name) + ".depends_on";
      const bool known = spec.find_service(dep) != nullptr;
      if (known && dep != s.name) continue;
      std::string item_path = join_path(path, std::to_string(i));
      const Location where =
          spec.source.has(item_path) ? spec.source.where(item_path) : spec.source.where(path);
      return make_error(ErrorCode::Invalid,
                        dep == s.name ? "a service cannot depend on itself"
                                      : "unknown service '" + dep +
                                            "' (services: " + join(service_names, ", ") + ")" +
                                            did_you_mean(dep, service_names),
                        where, path);
    }
  }

  if (const Node* v = root.get("notify"))
    SPEC_ASSIGN(spec.notify, detail::parse_notify(r, *v, environment_names));
  if (const Node* v = root.get("proxy")) SPEC_ASSIGN(spec.proxy, detail::parse_proxy(r, *v));
  if (const Node* v = root.get("api")) {
    SPEC_ASSIGN(spec.listen.api, detail::parse_listen_section(r, *v, "api"));
  }
  if (const Node* v = root.get("metrics")) {
    SPEC_ASSIGN(spec.listen.metrics, detail::parse_listen_section(r, *v, "metrics"));
  }
  if (const Node* v = root.get("events"))
    SPEC_ASSIGN(spec.event_log, detail::parse_event_log(r, *v));
  return spec;
}

}  // namespace

Result<Spec> parse_spec(std::string_view text, const LoadOptions& options) {
  // The exception boundary: yaml-cpp is caught inside parse_yaml; anything else (bad_alloc,
  // a bug) still must not escape to the caller as an exception.
  try {
    return parse(text, options);
  } catch (const std::exception& e) {
    return make_error(ErrorCode::Internal, std::string("cannot read the spec: ") + e.what(),
                      Location{options.file, 0, 0});
  } catch (...) {
    return make_error(ErrorCode::Internal, "cannot read the spec: unknown error",
                      Location{options.file, 0, 0});
  }
}

Result<Spec> load_spec(const LoadOptions& options) {
  auto text = read_text_file(options.file);
  if (!text) return text.error();
  return parse_spec(*text, options);
}

Result<std::vector<std::string>> list_environments(const LoadOptions& options) {
  LoadOptions base = options;
  base.environment.clear();
  auto spec = load_spec(base);
  if (!spec) return spec.error();
  std::vector<std::string> names;
  for (const auto& e : spec->environments) names.push_back(e.name);
  return names;
}

}  // namespace gantry::spec
