// Imports a Render Blueprint (render.yaml): services, envVars with their sources, env groups;
// databases and everything else gantry has no place for become notes. Thread-safe.
#include <map>
#include <set>

#include "core/strings.h"
#include "spec/import_impl.h"

namespace gantry::spec::import {
namespace {

// Render's default PORT for web services.
constexpr int kRenderDefaultPort = 10000;

struct PendingFromService {
  std::size_t service;
  std::string key;
  const Node* from;
  Location where;
};

class RenderImporter {
 public:
  explicit RenderImporter(const std::string& file) { out_.file = file; }

  Result<FileImport> run(const Node& root) {
    if (root.is_null()) {
      return make_error(ErrorCode::Invalid, "the file is empty; expected a Render Blueprint",
                        root.where);
    }
    if (!root.is_map()) return shape_error(root, "", "a map with services:");
    // Groups first: services refer to them.
    if (const Node* groups = root.get("envVarGroups")) {
      if (auto st = read_groups(*groups); !st) return st.error();
    }
    for (const auto& e : root.entries) {
      if (e.key == "services") {
        if (!e.value.is_seq()) return shape_error(e.value, "services", "a list of services");
        for (std::size_t k = 0; k < e.value.items.size(); ++k) {
          if (auto st = read_service(e.value.items[k], k); !st) return st.error();
        }
      } else if (e.key == "databases") {
        read_databases(e);
      } else if (e.key == "envVarGroups") {
        continue;
      } else {
        out_.not_imported(e, e.key);
      }
    }
    resolve_from_service();
    for (const auto& [name, group] : groups_) {
      if (!used_groups_.count(name)) {
        out_.note(group.where, "not imported: envVarGroups." + name + " (no service uses it)");
      }
    }
    return std::move(out_);
  }

 private:
  struct Group {
    Location where;
    const Node* vars = nullptr;
  };

  Status read_groups(const Node& groups) {
    if (!groups.is_seq()) return shape_error(groups, "envVarGroups", "a list of groups");
    for (const auto& g : groups.items) {
      if (!g.is_map()) return shape_error(g, "envVarGroups", "a map with name and envVars");
      const Node* name = g.get("name");
      if (!name) {
        return make_error(ErrorCode::Invalid, "an env group needs a name", g.where, "envVarGroups");
      }
      auto n = scalar_text(*name, "envVarGroups.name");
      if (!n) return n.error();
      Group group{name->where, g.get("envVars")};
      for (const auto& e : g.entries) {
        if (e.key != "name" && e.key != "envVars") {
          out_.not_imported(e, "envVarGroups." + *n + "." + e.key);
        }
      }
      groups_[*n] = group;
    }
    return {};
  }

  void read_databases(const Entry& e) {
    if (!e.value.is_seq()) {
      out_.not_imported(e, "databases");
      return;
    }
    for (const auto& db : e.value.items) {
      const Node* name = db.get("name");
      const std::string label = name && name->is_scalar() ? name->text : describe(db);
      out_.note(db.where, "not imported: databases." + label + "=" + describe(db) +
                              " (gantry does not run managed databases: run it yourself and "
                              "store its connection string as a secret)");
    }
  }

  Status read_service(const Node& item, std::size_t index) {
    const std::string at = "services[" + std::to_string(index) + "]";
    if (!item.is_map()) return shape_error(item, at, "a map describing a service");
    const Node* type_node = item.get("type");
    const Node* name_node = item.get("name");
    if (!type_node) {
      return make_error(ErrorCode::Invalid,
                        "a service needs a type (web, pserv, worker, cron, static)", item.where,
                        at);
    }
    if (!name_node) return make_error(ErrorCode::Invalid, "a service needs a name", item.where, at);
    auto type = scalar_text(*type_node, at + ".type");
    if (!type) return type.error();
    auto raw_name = scalar_text(*name_node, at + ".name");
    if (!raw_name) return raw_name.error();

    if (*type == "cron" || *type == "static" || *type == "redis" || *type == "keyvalue") {
      skip_service(item, *type, *raw_name);
      return {};
    }
    if (*type != "web" && *type != "pserv" && *type != "worker") {
      return make_error(ErrorCode::Invalid,
                        "unknown service type '" + *type +
                            "' (valid: web, pserv, worker, cron, static, keyvalue)",
                        type_node->where, at + ".type");
    }

    Service s;
    s.name = normalize_service_name(*raw_name);
    const std::string path = "services." + s.name;
    if (auto it = names_.find(s.name); it != names_.end()) {
      return make_error(
          ErrorCode::Conflict,
          "service '" + s.name + "' is defined twice (also at " + it->second.str() + ")",
          name_node->where, path);
    }
    names_[s.name] = name_node->where;
    out_.set(path, name_node->where);
    if (s.name != *raw_name) {
      out_.note(name_node->where, "service '" + *raw_name + "' is named '" + s.name +
                                      "' (gantry names use a-z, 0-9, '-' and '_')");
    }

    const Node* start = nullptr;
    const Entry* start_entry = nullptr;
    for (const auto& e : item.entries) {
      const std::string key_path = path + "." + e.key;
      if (e.key == "type" || e.key == "name") continue;
      if (e.key == "startCommand" || e.key == "dockerCommand") {
        if (e.key == "dockerCommand" && start) {
          out_.not_imported(e, key_path, "startCommand is used");
          continue;
        }
        auto t = scalar_text(e.value, key_path);
        if (!t) return t.error();
        const CommandLine c = command_from_text(*t);
        s.command = c.argv;
        s.shell = c.shell;
        start = &e.value;
        start_entry = &e;
        out_.set(path + ".command", e.value.where);
      } else if (e.key == "buildCommand") {
        auto t = scalar_text(e.value, key_path);
        if (!t) return t.error();
        const CommandLine c = command_from_text(*t);
        s.build = Build{};
        s.build->command = c.argv;
        s.build->shell = c.shell;
        out_.set(path + ".build", e.value.where);
      } else if (e.key == "preDeployCommand") {
        auto t = scalar_text(e.value, key_path);
        if (!t) return t.error();
        Hook h;
        h.run = hook_argv(*t);
        s.hooks.pre_rollout.push_back(std::move(h));
        out_.set(path + ".hooks.pre_rollout", e.value.where);
      } else if (e.key == "numInstances") {
        auto n = to_int(e.value, key_path, 0, 1000);
        if (!n) return n.error();
        s.replicas = *n;
        out_.set(path + ".replicas", e.value.where);
      } else if (e.key == "scaling") {
        if (auto st = read_scaling(s, e, path); !st) return st;
      } else if (e.key == "healthCheckPath") {
        auto t = scalar_text(e.value, key_path);
        if (!t) return t.error();
        Probe p;
        p.kind = ProbeKind::Http;
        p.path = *t;
        s.health.readiness = p;
        out_.set(path + ".health.readiness", e.value.where);
      } else if (e.key == "rootDir") {
        auto t = scalar_text(e.value, key_path);
        if (!t) return t.error();
        s.workdir = *t;
        out_.set(path + ".workdir", e.value.where);
      } else if (e.key == "maxShutdownDelaySeconds") {
        auto n = to_int(e.value, key_path, 1, 3600);
        if (!n) return n.error();
        s.stop_timeout = std::chrono::seconds(*n);
        out_.set(path + ".stop_timeout", e.value.where);
      } else if (e.key == "envVars") {
        if (auto st = read_env_vars(s, e.value, path, s.name); !st) return st;
      } else if (e.key == "runtime" || e.key == "env") {
        out_.not_imported(e, key_path,
                          "gantry runs the command on this host; install the "
                          "runtime there");
      } else {
        out_.not_imported(e, key_path);
      }
    }
    if (s.command.empty()) {
      out_.note(item.where, path + ": no startCommand; set command in gantry.yaml");
    }
    take_port(s, *type, path, start, start_entry, *type_node);
    out_.services.push_back(std::move(s));
    return {};
  }

  void take_port(Service& s, const std::string& type, const std::string& path, const Node* start,
                 const Entry* start_entry, const Node& type_node) {
    if (auto it = s.env.find("PORT"); it != s.env.end()) {
      if (auto p = to_int(scalar_node(it->second.value), "", 1, 65535)) {
        s.port = *p;
        const Location where = out_.source.where(path + ".env.PORT");
        out_.set(path + ".port", where);
        out_.note(where, path + ".port: " + std::to_string(*p) +
                             " from envVars PORT (gantry sets PORT for each replica itself, so it "
                             "is not kept in env)");
        s.env.erase(it);
        return;
      }
    }
    if (start && apply_port_from_command(out_, s, start->text, start_entry->value.where)) return;
    if (type == "web") {
      s.port = kRenderDefaultPort;
      out_.set(path + ".port", type_node.where);
      out_.note(type_node.where, path +
                                     ".port: 10000, Render's default PORT for web services "
                                     "(no PORT variable or --port in the start command)");
    } else if (type == "pserv") {
      out_.note(type_node.where,
                path + ": a private service with no port found; set port if it serves requests");
    }
  }

  Status read_scaling(Service& s, const Entry& e, const std::string& path) {
    if (!e.value.is_map()) return shape_error(e.value, path + ".scaling", "a map");
    for (const auto& x : e.value.entries) {
      if (x.key == "minInstances") {
        auto n = to_int(x.value, path + ".scaling.minInstances", 0, 1000);
        if (!n) return n.error();
        s.replicas = *n;
        out_.set(path + ".replicas", x.value.where);
      } else {
        out_.not_imported(x, path + ".scaling." + x.key, "gantry does not autoscale");
      }
    }
    return {};
  }

  Status read_env_vars(Service& s, const Node& list, const std::string& path,
                       const std::string& secret_prefix, bool in_group = false) {
    if (list.is_null()) return {};
    if (!list.is_seq()) return shape_error(list, path + ".envVars", "a list of {key, value}");
    for (const auto& item : list.items) {
      if (!item.is_map()) return shape_error(item, path + ".envVars", "a map with key and value");
      if (const Node* g = item.get("fromGroup")) {
        if (in_group) {
          // Render groups cannot include groups; following one could loop forever.
          out_.note(g->where, "not imported: fromGroup=" + describe(*g) +
                                  " inside an env group (groups cannot include groups)");
        } else if (auto st = read_from_group(s, *g, path); !st) {
          return st;
        }
        continue;
      }
      const Node* key_node = item.get("key");
      if (!key_node) {
        return make_error(ErrorCode::Invalid, "an env var needs a key", item.where,
                          path + ".envVars");
      }
      auto key = scalar_text(*key_node, path + ".envVars.key");
      if (!key) return key.error();
      if (auto st = read_env_var(s, item, *key, path, secret_prefix); !st) return st;
    }
    return {};
  }

  Status read_from_group(Service& s, const Node& g, const std::string& path) {
    auto name = scalar_text(g, path + ".envVars.fromGroup");
    if (!name) return name.error();
    auto it = groups_.find(*name);
    if (it == groups_.end()) {
      out_.note(g.where, "not imported: " + path + ".envVars.fromGroup=" + *name +
                             " (no envVarGroups entry with that name in this file)");
      return {};
    }
    used_groups_.insert(*name);
    if (!it->second.vars) return {};
    return read_env_vars(s, *it->second.vars, path, normalize_service_name(*name), true);
  }

  Status read_env_var(Service& s, const Node& item, const std::string& key, const std::string& path,
                      const std::string& secret_prefix) {
    const std::string env_path = path + ".env." + key;
    const auto secret = [&](const Location& where, const std::string& why) {
      const std::string name = secret_name(secret_prefix, key);
      s.env[key] = literal_env("secret://" + name);
      out_.set(env_path, where);
      out_.note(where, "set secret " + name + " (" + env_path + "): " + why);
    };
    bool mapped = false;
    for (const auto& e : item.entries) {
      const std::string key_path = env_path + "." + e.key;
      if (e.key == "key") continue;
      if (mapped) {
        out_.not_imported(e, key_path);
        continue;
      }
      mapped = true;
      if (e.key == "value") {
        if (!e.value.is_scalar()) return shape_error(e.value, key_path, "a single value");
        s.env[key] = literal_env(e.value.text);
        out_.set(env_path, e.value.where);
      } else if (e.key == "fromDatabase") {
        const Node* db = e.value.get("name");
        const Node* prop = e.value.get("property");
        secret(e.where, "Render filled it from database " + (db ? describe(*db) : "?") + "'s " +
                            (prop ? describe(*prop) : "connectionString"));
      } else if (e.key == "generateValue") {
        secret(e.where, "Render generated a random value; store one of your own");
      } else if (e.key == "sync") {
        secret(e.where, "sync: false, the value was entered in Render's dashboard");
      } else if (e.key == "fromService") {
        s.env[key] = literal_env("");
        pending_.push_back({out_.services.size(), key, &e.value, e.where});
        out_.set(env_path, e.where);
      } else {
        mapped = false;
        out_.not_imported(e, key_path);
      }
    }
    if (!mapped) {
      out_.note(item.where, "not imported: " + env_path +
                                " (no value, fromDatabase, fromService, "
                                "generateValue or sync)");
    }
    return {};
  }

  // fromService values: gantry serves every service on this host, so host and port are known.
  void resolve_from_service() {
    for (const auto& p : pending_) {
      Service& s = out_.services[p.service];
      const Node* name = p.from->get("name");
      const Node* prop = p.from->get("property");
      const Node* env_key = p.from->get("envVarKey");
      const std::string target_name =
          name && name->is_scalar() ? normalize_service_name(name->text) : "";
      const Service* target = nullptr;
      for (const auto& t : out_.services) {
        if (t.name == target_name) target = &t;
      }
      const std::string env_path = "services." + s.name + ".env." + p.key;
      std::string value;
      if (target && env_key && env_key->is_scalar()) {
        if (auto it = target->env.find(env_key->text); it != target->env.end()) {
          value = it->second.value;
        }
      } else if (target && target->port && prop && prop->is_scalar()) {
        const std::string port = std::to_string(*target->port);
        if (prop->text == "host")
          value = "localhost";
        else if (prop->text == "port")
          value = port;
        else if (prop->text == "hostport")
          value = "localhost:" + port;
      }
      if (value.empty()) {
        const std::string secret = secret_name(s.name, p.key);
        value = "secret://" + secret;
        out_.note(p.where, "set secret " + secret + " (" + env_path + "): Render filled it from " +
                               describe(*p.from));
      } else {
        out_.note(p.where, env_path + ": " + (value.starts_with("secret://") ? "" : value + ", ") +
                               "from " + describe(*p.from) + " (gantry serves services." +
                               target_name + " on this host)");
      }
      s.env[p.key] = literal_env(value);
    }
  }

  void skip_service(const Node& item, const std::string& type, const std::string& name) {
    std::string why;
    if (type == "cron") {
      const Node* schedule = item.get("schedule");
      const Node* cmd = item.get("startCommand");
      why = "a cron job" + (schedule ? " on schedule '" + describe(*schedule) + "'" : "") +
            (cmd ? " running '" + describe(*cmd) + "'" : "") +
            ": gantry runs long-lived services; run it from cron or a scheduler";
    } else if (type == "static") {
      why = "a static site: gantry does not serve static files; publish it elsewhere";
    } else {
      why = "a managed key-value store: run it yourself and store its URL as a secret";
    }
    out_.note(item.where, "not imported: services." + name + " (" + why + ")");
  }

  FileImport out_;
  std::map<std::string, Group> groups_;
  std::set<std::string> used_groups_;
  std::map<std::string, Location> names_;
  std::vector<PendingFromService> pending_;
};

}  // namespace

Result<FileImport> import_render(const Node& root, const std::string& file) {
  return RenderImporter(file).run(root);
}

}  // namespace gantry::spec::import
