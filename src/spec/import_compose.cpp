// Imports docker-compose.yml / compose.yaml: services with their commands, ports, environment,
// healthchecks, dependencies and replicas; container-only settings become notes. Thread-safe.
#include <algorithm>
#include <cctype>
#include <cstdlib>

#include "core/strings.h"
#include "core/units.h"
#include "spec/import_impl.h"

namespace gantry::spec::import {
namespace {

struct PublishedPort {
  int published = 0;
  int target = 0;
};

// "8080:80", "127.0.0.1:8080:80", "8080", "8000-8010:8000-8010", "53:53/udp".
std::optional<PublishedPort> parse_short_port(std::string_view text) {
  if (const auto slash = text.find('/'); slash != std::string_view::npos)
    text = text.substr(0, slash);
  const auto first_of_range = [](std::string_view s) -> std::optional<int> {
    s = s.substr(0, s.find('-'));
    auto p = parse_port(s);
    return p ? std::optional<int>(*p) : std::nullopt;
  };
  const auto colon = text.rfind(':');
  if (colon == std::string_view::npos) {
    auto t = first_of_range(text);
    if (!t) return std::nullopt;
    return PublishedPort{*t, *t};
  }
  auto target = first_of_range(text.substr(colon + 1));
  std::string_view host = text.substr(0, colon);
  if (const auto c2 = host.rfind(':'); c2 != std::string_view::npos) host = host.substr(c2 + 1);
  if (!target) return std::nullopt;
  if (host.empty()) return PublishedPort{*target, *target};
  auto published = first_of_range(host);
  if (!published) return std::nullopt;
  return PublishedPort{*published, *target};
}

class ComposeImporter {
 public:
  explicit ComposeImporter(const std::string& file) { out_.file = file; }

  Result<FileImport> run(const Node& root) {
    if (root.is_null()) {
      return make_error(ErrorCode::Invalid, "the file is empty; expected a compose file",
                        root.where);
    }
    if (!root.is_map()) return shape_error(root, "", "a map with services:");
    for (const auto& e : root.entries) {
      if (e.key == "services") {
        if (!e.value.is_map()) return shape_error(e.value, "services", "a map of services");
        for (const auto& svc : e.value.entries) {
          if (auto st = read_service(svc); !st) return st.error();
        }
      } else if (e.key.starts_with("x-")) {
        out_.note(e.where, "ignored: " + e.key + " (an extension field)");
      } else if (e.key == "version") {
        out_.note(e.where, "ignored: version=" + describe(e.value) + " (obsolete in compose)");
      } else {
        out_.not_imported(e, e.key);
      }
    }
    drop_missing_dependencies();
    return std::move(out_);
  }

 private:
  Status read_service(const Entry& svc) {
    const std::string raw = svc.key;
    Service s;
    s.name = normalize_service_name(raw);
    const std::string path = "services." + s.name;
    const Node& body = svc.value;
    if (!body.is_map()) return shape_error(body, path, "a map describing the service");

    const Node* image = body.get("image");
    if (!body.get("command") && !body.get("entrypoint") && image && !body.get("build")) {
      out_.note(svc.where, "not imported: " + path + " (image " + describe(*image) +
                               " with no command: gantry runs commands, not images; run it "
                               "yourself and point the other services at it)");
      return {};
    }
    out_.set(path, svc.where);
    if (s.name != raw) {
      out_.note(svc.where, "service '" + raw + "' is named '" + s.name +
                               "' (gantry names use a-z, 0-9, '-' and '_')");
    }

    std::vector<std::string> entrypoint, command;
    for (const auto& e : body.entries) {
      const std::string key_path = path + "." + e.key;
      if (e.key == "command" || e.key == "entrypoint") {
        auto words = to_string_list(e.value, key_path, true);
        if (!words) return words.error();
        (e.key == "command" ? command : entrypoint) = *words;
        out_.set(path + ".command", e.value.where);
      } else if (e.key == "ports") {
        if (auto st = read_ports(s, e.value, path); !st) return st;
      } else if (e.key == "environment") {
        if (auto st = read_environment(s, e.value, path); !st) return st;
      } else if (e.key == "healthcheck") {
        if (auto st = read_healthcheck(s, e, path); !st) return st;
      } else if (e.key == "depends_on") {
        if (auto st = read_depends_on(s, e.value, path); !st) return st;
      } else if (e.key == "deploy") {
        if (auto st = read_deploy(s, e.value, path); !st) return st;
      } else if (e.key == "restart") {
        if (auto st = read_restart(s, e.value, key_path); !st) return st;
        out_.set(path + ".restart", e.value.where);
      } else if (e.key == "working_dir") {
        auto t = scalar_text(e.value, key_path);
        if (!t) return t.error();
        s.workdir = *t;
        out_.set(path + ".workdir", e.value.where);
      } else if (e.key == "stop_grace_period") {
        auto t = scalar_text(e.value, key_path);
        if (!t) return t.error();
        auto d = parse_duration(*t);
        if (!d) return make_error(ErrorCode::Invalid, d.error().message, e.value.where, key_path);
        s.stop_timeout = *d;
        out_.set(path + ".stop_timeout", e.value.where);
      } else if (e.key == "image" || e.key == "build") {
        out_.not_imported(e, key_path, "gantry runs commands, not images");
      } else if (e.key == "env_file") {
        out_.not_imported(e, key_path,
                          "pass it with --env-file, or copy its keys into env and secrets");
      } else if (e.key.starts_with("x-")) {
        out_.note(e.where, "ignored: " + key_path + " (an extension field)");
      } else {
        out_.not_imported(e, key_path);
      }
    }
    s.command = entrypoint;
    s.command.insert(s.command.end(), command.begin(), command.end());
    if (s.command.empty()) {
      out_.note(svc.where, path +
                               ": no command (the image's default is not known here); set "
                               "command in gantry.yaml");
    }
    out_.services.push_back(std::move(s));
    return {};
  }

  // depends_on may name image-only services that were not imported (databases, caches).
  void drop_missing_dependencies() {
    for (auto& s : out_.services) {
      std::vector<std::string> kept;
      for (const auto& d : s.depends_on) {
        const bool imported = std::any_of(out_.services.begin(), out_.services.end(),
                                          [&](const Service& x) { return x.name == d; });
        if (imported) {
          kept.push_back(d);
        } else {
          out_.note(out_.source.where("services." + s.name + ".depends_on"),
                    "not imported: services." + s.name + ".depends_on " + d + " (services." + d +
                        " is not imported; start it before gantry)");
        }
      }
      s.depends_on = std::move(kept);
    }
  }

  Status read_ports(Service& s, const Node& ports, const std::string& path) {
    if (!ports.is_seq()) return shape_error(ports, path + ".ports", "a list of port mappings");
    for (const auto& item : ports.items) {
      std::optional<PublishedPort> p;
      if (item.is_scalar()) {
        p = parse_short_port(item.text);
        if (item.text.find('-') != std::string::npos) {
          out_.note(item.where,
                    path + ".ports: only the first port of the range " + item.text + " is used");
        }
      } else if (item.is_map()) {
        const Node* target = item.get("target");
        const Node* published = item.get("published");
        if (target && target->is_scalar()) {
          p = parse_short_port((published && published->is_scalar() ? published->text + ":" : "") +
                               target->text);
        }
      }
      if (!p) {
        return make_error(ErrorCode::Invalid,
                          "'" + describe(item) +
                              "' is not a port mapping (e.g. \"8080:80\", \"8080\", or "
                              "{target: 80, published: 8080})",
                          item.where, path + ".ports");
      }
      if (!s.port) {
        s.port = p->published;
        out_.set(path + ".port", item.where);
        out_.note(item.where,
                  path + ".port: " + std::to_string(p->published) + " from ports " +
                      describe(item) +
                      "; the app must listen on $PORT (gantry gives each replica its "
                      "own)" +
                      (p->target != p->published ? ", not on " + std::to_string(p->target)
                                                 : std::string{}));
      } else {
        s.host_ports.push_back(p->published);
        out_.set(path + ".host_ports", item.where);
      }
    }
    return {};
  }

  Status read_environment(Service& s, const Node& env, const std::string& path) {
    const auto add = [&](const std::string& key, const Node* value, const Location& where) {
      if (key.empty()) return;
      const std::string env_path = path + ".env." + key;
      if (!value || value->is_null()) {
        // "KEY" alone: compose passes the value from its own environment; gantry does the same
        // through ${KEY}.
        s.env[key] = literal_env("${" + key + "}");
        out_.note(where, env_path + ": ${" + key + "}, taken from the environment at load time");
      } else {
        s.env[key] = literal_env(value->text);
      }
      out_.set(env_path, where);
    };
    if (env.is_map()) {
      for (const auto& e : env.entries) {
        if (!e.value.is_null() && !e.value.is_scalar()) {
          return shape_error(e.value, path + ".environment." + e.key, "a single value");
        }
        add(e.key, &e.value, e.value.is_null() ? e.where : e.value.where);
      }
      return {};
    }
    if (!env.is_seq()) {
      return shape_error(env, path + ".environment", "a list of KEY=value or a map");
    }
    for (const auto& item : env.items) {
      if (!item.is_scalar()) return shape_error(item, path + ".environment", "KEY=value");
      const auto eq = item.text.find('=');
      if (eq == std::string::npos) {
        add(item.text, nullptr, item.where);
      } else {
        Node value = scalar_node(item.text.substr(eq + 1), item.where);
        add(item.text.substr(0, eq), &value, item.where);
      }
    }
    return {};
  }

  Result<Duration> duration(const Node& n, const std::string& key_path) {
    auto t = scalar_text(n, key_path);
    if (!t) return t.error();
    auto d = parse_duration(*t);
    if (!d) return make_error(ErrorCode::Invalid, d.error().message, n.where, key_path);
    return *d;
  }

  Status read_healthcheck(Service& s, const Entry& entry, const std::string& path) {
    const Node& hc = entry.value;
    const std::string hp = path + ".healthcheck";
    if (!hc.is_map()) return shape_error(hc, hp, "a map with test, interval, timeout, retries");
    Probe p;
    p.kind = ProbeKind::Exec;
    bool disabled = false;
    for (const auto& e : hc.entries) {
      const std::string key_path = hp + "." + e.key;
      if (e.key == "test") {
        auto words = to_string_list(e.value, key_path, false);
        if (e.value.is_scalar()) words = std::vector<std::string>{"CMD-SHELL", e.value.text};
        if (!words) return words.error();
        if (words->empty() || words->front() == "NONE") {
          disabled = true;
        } else if (words->front() == "CMD") {
          p.command.assign(words->begin() + 1, words->end());
        } else if (words->front() == "CMD-SHELL") {
          p.command = {"/bin/sh", "-c", join({words->begin() + 1, words->end()}, " ")};
        } else {
          return make_error(
              ErrorCode::Invalid,
              "a test starts with CMD, CMD-SHELL or NONE, got '" + words->front() + "'",
              e.value.where, key_path);
        }
      } else if (e.key == "interval" || e.key == "timeout" || e.key == "start_period") {
        auto d = duration(e.value, key_path);
        if (!d) return d.error();
        (e.key == "interval" ? p.period : e.key == "timeout" ? p.timeout : p.initial_delay) = *d;
      } else if (e.key == "retries") {
        auto n = to_int(e.value, key_path, 1, 1000);
        if (!n) return n.error();
        p.failure_threshold = *n;
      } else if (e.key == "disable") {
        auto b = to_bool(e.value, key_path);
        if (!b) return b.error();
        disabled = *b;
      } else {
        out_.not_imported(e, key_path);
      }
    }
    if (disabled) {
      out_.note(entry.where, "not imported: " + hp + " (disabled)");
      return {};
    }
    if (p.command.empty()) {
      return make_error(ErrorCode::Invalid, "a healthcheck needs a test", entry.where, hp);
    }
    as_http_probe(p, path, entry.where);
    s.health.readiness = p;
    out_.set(path + ".health.readiness", entry.where);
    return {};
  }

  // `curl -f http://localhost:8080/health` checks HTTP: gantry's http probe does it without
  // needing curl, against each replica's own port.
  void as_http_probe(Probe& p, const std::string& path, const Location& where) {
    std::vector<std::string> words = p.command;
    if (words.size() == 3 && words[0] == "/bin/sh") words = split_command_line(words[2]);
    if (words.empty() || (words[0] != "curl" && words[0] != "wget")) return;
    for (const auto& w : words) {
      if (w.find_first_of("|&;$") != std::string::npos) return;
    }
    for (const auto& w : words) {
      for (std::string_view prefix : {"http://localhost", "http://127.0.0.1", "http://0.0.0.0"}) {
        if (!w.starts_with(prefix)) continue;
        std::string rest = w.substr(prefix.size());
        if (!rest.empty() && rest[0] == ':') {
          const auto slash = rest.find('/');
          rest = slash == std::string::npos ? "/" : rest.substr(slash);
        }
        p.kind = ProbeKind::Http;
        p.path = rest.empty() ? "/" : rest;
        out_.note(where, path + ".health.readiness: http " + p.path + " (was '" +
                             join(p.command, " ") + "')");
        p.command.clear();
        return;
      }
    }
  }

  Status read_depends_on(Service& s, const Node& deps, const std::string& path) {
    const std::string key_path = path + ".depends_on";
    if (deps.is_seq()) {
      auto names = to_string_list(deps, key_path, false);
      if (!names) return names.error();
      for (const auto& n : *names) s.depends_on.push_back(normalize_service_name(n));
    } else if (deps.is_map()) {
      for (const auto& e : deps.entries) {
        s.depends_on.push_back(normalize_service_name(e.key));
        const Node* cond = e.value.get("condition");
        if (cond && cond->is_scalar() && cond->text == "service_completed_successfully") {
          out_.note(cond->where, key_path + "." + e.key +
                                     ": waits for a one-off job to finish; gantry starts it "
                                     "as a service");
        }
      }
    } else {
      return shape_error(deps, key_path, "a list of service names or a map");
    }
    out_.set(key_path, deps.where);
    return {};
  }

  Status read_deploy(Service& s, const Node& deploy, const std::string& path) {
    const std::string dp = path + ".deploy";
    if (!deploy.is_map()) return shape_error(deploy, dp, "a map");
    for (const auto& e : deploy.entries) {
      const std::string key_path = dp + "." + e.key;
      if (e.key == "replicas") {
        auto n = to_int(e.value, key_path, 0, 1000);
        if (!n) return n.error();
        s.replicas = *n;
        out_.set(path + ".replicas", e.value.where);
      } else if (e.key == "resources" && e.value.get("limits")) {
        for (const auto& r : e.value.entries) {
          if (r.key != "limits") {
            out_.not_imported(r, key_path + "." + r.key);
            continue;
          }
          if (auto st = read_limits(s, r.value, key_path + ".limits", path); !st) return st;
        }
      } else if (e.key == "restart_policy" && e.value.is_map()) {
        for (const auto& r : e.value.entries) {
          if (r.key == "condition" && r.value.is_scalar()) {
            const std::string& c = r.value.text;
            s.restart.policy = c == "none"         ? RestartPolicy::Never
                               : c == "on-failure" ? RestartPolicy::OnFailure
                                                   : RestartPolicy::Always;
            out_.set(path + ".restart", r.value.where);
          } else if (r.key == "max_attempts") {
            auto n = to_int(r.value, key_path + ".max_attempts", 0, 1'000'000);
            if (!n) return n.error();
            s.restart.max_retries = *n;
            out_.set(path + ".restart.max_retries", r.value.where);
          } else {
            out_.not_imported(r, key_path + "." + r.key);
          }
        }
      } else {
        out_.not_imported(e, key_path);
      }
    }
    return {};
  }

  Status read_limits(Service& s, const Node& limits, const std::string& key_path,
                     const std::string& path) {
    if (!limits.is_map()) return shape_error(limits, key_path, "a map with cpus and memory");
    for (const auto& l : limits.entries) {
      if (l.key == "cpus" && l.value.is_scalar()) {
        char* end = nullptr;
        const double cpu = std::strtod(l.value.text.c_str(), &end);
        if (end == l.value.text.c_str() || *end != '\0' || !(cpu > 0) || cpu > 1024) {
          return make_error(ErrorCode::Invalid, "'" + l.value.text + "' is not a CPU count",
                            l.value.where, key_path + ".cpus");
        }
        s.resources.cpu = cpu;
        out_.set(path + ".resources.cpu", l.value.where);
      } else if (l.key == "memory" && l.value.is_scalar()) {
        // compose sizes (512m, 1g, 256mb) are binary units.
        std::string m = to_lower(l.value.text);
        if (m.ends_with("b")) m.pop_back();
        if (!m.empty() && (m.back() == 'k' || m.back() == 'm' || m.back() == 'g')) {
          m.back() = static_cast<char>(std::toupper(static_cast<unsigned char>(m.back())));
          m += "i";
        }
        auto bytes = parse_size(m);
        if (!bytes) {
          return make_error(ErrorCode::Invalid, "'" + l.value.text + "' is not a memory size",
                            l.value.where, key_path + ".memory");
        }
        s.resources.memory = *bytes;
        out_.set(path + ".resources.memory", l.value.where);
      } else {
        out_.not_imported(l, key_path + "." + l.key);
      }
    }
    return {};
  }

  Status read_restart(Service& s, const Node& n, const std::string& key_path) {
    auto t = scalar_text(n, key_path);
    if (!t) return t.error();
    if (*t == "no") {
      s.restart.policy = RestartPolicy::Never;
    } else if (*t == "always" || *t == "unless-stopped") {
      s.restart.policy = RestartPolicy::Always;
    } else if (t->starts_with("on-failure")) {
      s.restart.policy = RestartPolicy::OnFailure;
      if (t->size() > 11 && (*t)[10] == ':') {
        const Node count = scalar_node(t->substr(11), n.where);
        auto r = to_int(count, key_path, 0, 1'000'000);
        if (!r) return r.error();
        s.restart.max_retries = *r;
      }
    } else {
      return make_error(ErrorCode::Invalid,
                        "'" + *t +
                            "' is not a restart policy (no, always, on-failure[:N], "
                            "unless-stopped)",
                        n.where, key_path);
    }
    return {};
  }

  FileImport out_;
};

}  // namespace

Result<FileImport> import_compose(const Node& root, const std::string& file) {
  return ComposeImporter(file).run(root);
}

}  // namespace gantry::spec::import
