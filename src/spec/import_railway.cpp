// Imports railway.json / railway.toml (config as code, one service per file): build and deploy
// settings; builder choices and platform settings become notes. Thread-safe.
#include <filesystem>

#include "core/strings.h"
#include "spec/import_impl.h"

namespace gantry::spec::import {
namespace {

class RailwayImporter {
 public:
  RailwayImporter(const std::string& file, const std::string& service_name) {
    out_.file = file;
    s_.name = normalize_service_name(service_name);
    path_ = "services." + s_.name;
  }

  Result<FileImport> run(const Node& root) {
    if (!root.is_map()) return shape_error(root, "", "a map with build and deploy");
    out_.set(path_, root.where);
    out_.note(root.where, path_ + ": named after " + out_.file +
                              " (railway config files do not name their service)");
    bool cron = false;
    for (const auto& e : root.entries) {
      if (e.key == "$schema") continue;  // editor metadata, not a setting
      if (e.key == "build") {
        if (auto st = read_build(e.value); !st) return st.error();
      } else if (e.key == "deploy") {
        if (auto st = read_deploy(e.value, cron); !st) return st.error();
      } else if (e.key == "environments") {
        out_.not_imported(e, e.key,
                          "per-environment overrides: add them under environments: in gantry.yaml");
      } else {
        out_.not_imported(e, e.key);
      }
    }
    if (cron) return std::move(out_);
    if (s_.command.empty()) {
      out_.note(root.where, path_ + ": no deploy.startCommand; set command in gantry.yaml");
    }
    if (!s_.port && !s_.command.empty()) {
      const PortHint hint = port_from_command_text(start_text_);
      out_.note(start_where_,
                path_ + (hint.uses_port_env ? ": the start command listens on $PORT; set port "
                                              "(where gantry's proxy serves it)"
                                            : ": no port in the start command; if it serves "
                                              "HTTP, set port"));
    }
    out_.services.push_back(std::move(s_));
    return std::move(out_);
  }

 private:
  Status read_build(const Node& build) {
    if (build.is_null()) return {};
    if (!build.is_map()) return shape_error(build, "build", "a map");
    for (const auto& e : build.entries) {
      const std::string key_path = "build." + e.key;
      if (e.key == "buildCommand") {
        auto t = scalar_text(e.value, key_path);
        if (!t) return t.error();
        const CommandLine c = command_from_text(*t);
        s_.build = Build{};
        s_.build->command = c.argv;
        s_.build->shell = c.shell;
        out_.set(path_ + ".build", e.value.where);
      } else if (e.key == "builder" || e.key == "dockerfilePath" || e.key == "nixpacksPlan" ||
                 e.key == "nixpacksConfigPath" || e.key == "nixpacksVersion") {
        out_.not_imported(e, key_path, "gantry runs commands, not images");
      } else {
        out_.not_imported(e, key_path);
      }
    }
    return {};
  }

  Status read_deploy(const Node& deploy, bool& cron) {
    if (deploy.is_null()) return {};
    if (!deploy.is_map()) return shape_error(deploy, "deploy", "a map");
    if (const Node* schedule = deploy.get("cronSchedule")) {
      cron = true;
      out_.note(schedule->where,
                "not imported: " + path_ + " (a cron job on schedule '" + describe(*schedule) +
                    "': gantry runs long-lived services; run it from cron or a scheduler)");
      out_.source = SourceMap{};
      return {};
    }
    const Node* health_path = deploy.get("healthcheckPath");
    for (const auto& e : deploy.entries) {
      const std::string key_path = "deploy." + e.key;
      if (e.key == "startCommand") {
        auto t = scalar_text(e.value, key_path);
        if (!t) return t.error();
        const CommandLine c = command_from_text(*t);
        s_.command = c.argv;
        s_.shell = c.shell;
        start_text_ = *t;
        start_where_ = e.value.where;
        out_.set(path_ + ".command", e.value.where);
        apply_port_from_command(out_, s_, *t, e.value.where);
      } else if (e.key == "healthcheckPath") {
        auto t = scalar_text(e.value, key_path);
        if (!t) return t.error();
        Probe p;
        p.path = *t;
        s_.health.readiness = p;
        out_.set(path_ + ".health.readiness", e.value.where);
      } else if (e.key == "healthcheckTimeout") {
        auto n = to_int(e.value, key_path, 1, 86400);
        if (!n) return n.error();
        if (!health_path) {
          out_.not_imported(e, key_path, "no healthcheckPath");
          continue;
        }
        // Railway waits this long for the first healthy answer: a startup probe's budget.
        Probe p;
        p.path = health_path->text;
        p.period = std::chrono::seconds(5);
        p.failure_threshold = std::max(1, (*n + 4) / 5);
        s_.health.startup = p;
        out_.set(path_ + ".health.startup", e.value.where);
      } else if (e.key == "restartPolicyType") {
        auto t = scalar_text(e.value, key_path);
        if (!t) return t.error();
        const std::string v = to_upper(*t);
        if (v == "ON_FAILURE")
          s_.restart.policy = RestartPolicy::OnFailure;
        else if (v == "ALWAYS")
          s_.restart.policy = RestartPolicy::Always;
        else if (v == "NEVER")
          s_.restart.policy = RestartPolicy::Never;
        else {
          return make_error(ErrorCode::Invalid,
                            "'" + *t + "' is not a restart policy (ON_FAILURE, ALWAYS, NEVER)",
                            e.value.where, key_path);
        }
        out_.set(path_ + ".restart", e.value.where);
      } else if (e.key == "restartPolicyMaxRetries") {
        auto n = to_int(e.value, key_path, 0, 1'000'000);
        if (!n) return n.error();
        s_.restart.max_retries = *n;
        out_.set(path_ + ".restart.max_retries", e.value.where);
      } else if (e.key == "numReplicas") {
        auto n = to_int(e.value, key_path, 0, 1000);
        if (!n) return n.error();
        s_.replicas = *n;
        out_.set(path_ + ".replicas", e.value.where);
      } else if (e.key == "drainingSeconds") {
        auto n = to_int(e.value, key_path, 1, 3600);
        if (!n) return n.error();
        s_.stop_timeout = std::chrono::seconds(*n);
        out_.set(path_ + ".stop_timeout", e.value.where);
      } else if (e.key == "preDeployCommand") {
        auto argv = to_string_list(e.value, key_path, false);
        std::vector<std::string> lines = argv ? *argv : std::vector<std::string>{};
        if (!argv) {
          auto t = scalar_text(e.value, key_path);
          if (!t) return t.error();
          lines = {*t};
        }
        for (const auto& line : lines) {
          Hook h;
          h.run = hook_argv(line);
          s_.hooks.pre_rollout.push_back(std::move(h));
        }
        out_.set(path_ + ".hooks.pre_rollout", e.value.where);
      } else {
        out_.not_imported(e, key_path);
      }
    }
    return {};
  }

  FileImport out_;
  Service s_;
  std::string path_;
  std::string start_text_;
  Location start_where_;
};

bool generic_folder(std::string_view name) {
  for (std::string_view g : {"", ".", "/", "config", "configs", "deploy", "deployment", "infra",
                             "ops", ".railway", "railway", "services"}) {
    if (name == g) return true;
  }
  return false;
}

}  // namespace

Result<FileImport> import_railway(const Node& root, const std::string& file,
                                  const std::string& service_name) {
  return RailwayImporter(file, service_name).run(root);
}

std::string railway_service_name(const std::string& path) {
  namespace fs = std::filesystem;
  std::error_code ec;
  fs::path p = fs::absolute(fs::path(path), ec);
  if (ec) p = fs::path(path);
  const std::string folder = p.parent_path().filename().string();
  std::string stem = p.filename().string();
  for (std::string_view ext : {".json", ".toml"}) {
    if (stem.ends_with(ext)) stem.resize(stem.size() - ext.size());
  }
  // "api.railway.json" -> "api"; a plain "railway.json" says nothing about the service.
  if (stem.ends_with(".railway")) stem.resize(stem.size() - 8);
  if (!generic_folder(folder) && (stem == "railway" || stem.empty())) {
    return normalize_service_name(folder);
  }
  if (stem != "railway" && !stem.empty()) return normalize_service_name(stem);
  return generic_folder(folder) ? "app" : normalize_service_name(folder);
}

}  // namespace gantry::spec::import
