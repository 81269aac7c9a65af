// Spec -> probe config, restart config, proxy route, replica environment and argv; spec
// digests.
#include "daemon/translate.h"

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <iterator>

#include "spec/interpolate.h"

namespace gantry::daemon {

probe::ProbeConfig to_probe_config(const spec::Probe& p, int replica_port, bool deep) {
  probe::ProbeConfig c;
  c.initial_delay = p.initial_delay;
  c.period = p.period;
  c.timeout = p.timeout;
  c.success_threshold = p.success_threshold;
  c.failure_threshold = p.failure_threshold;
  const int port = p.port > 0 ? p.port : replica_port;
  switch (p.kind) {
    case spec::ProbeKind::Http:
      c.kind = probe::ProbeKind::Http;
      c.http.method = p.method;
      c.http.path = p.path;
      c.http.headers = p.headers;
      c.http.status_min = p.status_min;
      c.http.status_max = p.status_max;
      c.http.port = port;
      c.http.deep_health = deep;
      break;
    case spec::ProbeKind::Tcp:
      c.kind = probe::ProbeKind::Tcp;
      c.tcp.port = port;
      break;
    case spec::ProbeKind::Exec:
      c.kind = probe::ProbeKind::Exec;
      c.exec.argv = p.command;
      break;
  }
  return c;
}

std::map<std::string, int> effective_weights(const std::map<std::string, int>& asked,
                                             const std::string& current_version,
                                             const std::set<std::string>& routable) {
  std::map<std::string, int> out;
  int lost = 0;
  for (const auto& [version, weight] : asked) {
    if (weight <= 0) continue;
    if (routable.count(version)) {
      out[version] = weight;
    } else {
      lost += weight;
    }
  }
  if (out.empty()) {
    const std::string& to =
        routable.count(current_version) || routable.empty() ? current_version : *routable.begin();
    return {{to, 100}};
  }
  auto largest = std::max_element(out.begin(), out.end(),
                                  [](const auto& a, const auto& b) { return a.second < b.second; });
  largest->second += lost;
  return out;
}

Result<proxy::ServiceRoute> to_service_route(const spec::Service& service,
                                             const spec::ProxySettings& settings,
                                             const std::map<std::string, int>& weights,
                                             const std::vector<RouteReplica>& replicas) {
  proxy::ServiceRouteSpec route;
  route.service = service.name;
  for (const auto& [version, weight] : weights) route.versions.push_back({version, weight, {}});
  for (const auto& r : replicas) {
    auto it = std::find_if(route.versions.begin(), route.versions.end(),
                           [&](const proxy::Version& v) { return v.name == r.version; });
    if (it == route.versions.end()) {
      route.versions.push_back({r.version, 0, {}});
      it = std::prev(route.versions.end());
    }
    it->replicas.push_back(r.replica);
  }
  if (const auto& sticky = service.strategy.sticky) {
    if (!sticky->cookie.empty()) {
      route.sticky = {proxy::StickyMode::Cookie, sticky->cookie};
    } else if (!sticky->header.empty()) {
      route.sticky = {proxy::StickyMode::Header, sticky->header};
    }
  }
  route.override_header.enabled = settings.override_header.enabled;
  route.override_header.name = settings.override_header.name;
  route.override_header.loopback_only = settings.override_header.loopback_only;
  return proxy::ServiceRoute::make(std::move(route));
}

runtime::RestartConfig to_restart_config(const spec::Restart& r) {
  runtime::RestartConfig c;
  switch (r.policy) {
    case spec::RestartPolicy::Never:
      c.mode = runtime::RestartConfig::Mode::Never;
      break;
    case spec::RestartPolicy::OnFailure:
      c.mode = runtime::RestartConfig::Mode::OnFailure;
      break;
    case spec::RestartPolicy::Always:
      c.mode = runtime::RestartConfig::Mode::Always;
      break;
  }
  c.max_retries = r.max_retries;
  c.initial = r.backoff.initial;
  c.max = r.backoff.max;
  c.multiplier = r.backoff.multiplier;
  c.jitter = r.backoff.jitter;
  return c;
}

std::vector<std::string> secret_references(const spec::Service& service) {
  std::set<std::string> names;
  for (const auto& [name, value] : service.env) {
    if (value.is_secret_ref())
      names.insert(value.value.substr(std::string_view("secret://").size()));
  }
  return {names.begin(), names.end()};
}

Result<EnvList> replica_env(const spec::Service& service, int index, int port,
                            const std::string& version, const SecretResolver& resolve) {
  EnvList env;
  for (const char* name : {"PATH", "HOME", "LANG", "LC_ALL", "TZ", "USER", "TMPDIR"}) {
    if (const char* v = std::getenv(name)) env.emplace_back(name, v);
  }
  if (!std::getenv("PATH")) env.emplace_back("PATH", "/usr/local/bin:/usr/bin:/bin");
  auto set = [&env](const std::string& k, const std::string& v) {
    for (auto& [key, value] : env) {
      if (key == k) {
        value = v;
        return;
      }
    }
    env.emplace_back(k, v);
  };
  for (const auto& [name, value] : service.env) {
    if (value.is_secret_ref()) {
      const std::string secret = value.value.substr(std::string_view("secret://").size());
      const std::string where = "services." + service.name + ".env." + name;
      if (!resolve) {
        return make_error(
            ErrorCode::Unsupported,
            where + ": " + value.value + " cannot be resolved: this daemon has no vault");
      }
      auto resolved = resolve(secret);
      if (!resolved) {
        return make_error(resolved.error().code,
                          where + ": " + value.value + ": " + resolved.error().message);
      }
      set(name, *resolved);
      continue;
    }
    if (value.unresolved) {
      return make_error(ErrorCode::Invalid, "services." + service.name + ".env." + name + ": " +
                                                value.raw + " could not be resolved");
    }
    set(name, value.value);
  }
  if (port > 0) set("PORT", std::to_string(port));
  set("GANTRY_SERVICE", service.name);
  set("GANTRY_REPLICA", std::to_string(index));
  set("GANTRY_VERSION", version);
  return env;
}

Result<std::vector<std::string>> replica_argv(const spec::Service& service, const EnvList& env) {
  if (service.shell) return std::vector<std::string>{"/bin/sh", "-c", service.command.at(0)};
  const spec::VarLookup lookup = [&env](std::string_view name) -> std::optional<std::string> {
    for (const auto& [k, v] : env) {
      if (k == name) return v;
    }
    return std::nullopt;
  };
  std::vector<std::string> argv;
  for (const auto& arg : service.command) {
    auto expanded = spec::interpolate(arg, lookup, false);
    if (!expanded) {
      return make_error(ErrorCode::Invalid,
                        "services." + service.name + ".command: " + expanded.error().message);
    }
    argv.push_back(expanded->text);
  }
  return argv;
}

std::string spec_digest(const std::string& text) {
  std::uint64_t h = 1469598103934665603ull;
  for (unsigned char c : text) {
    h ^= c;
    h *= 1099511628211ull;
  }
  char buf[17];
  std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(h));
  return buf;
}

}  // namespace gantry::daemon
