// Model helpers: source map lookups, enum names, secret-like names.
#include "spec/model.h"

#include "core/strings.h"

namespace gantry::spec {

Location SourceMap::where(std::string_view path) const {
  std::string p(path);
  while (true) {
    auto it = entries_.find(p);
    if (it != entries_.end()) return it->second;
    const auto dot = p.find_last_of('.');
    if (dot == std::string::npos) break;
    p.resize(dot);
  }
  return Location{default_file, 0, 0};
}

const Service* Spec::find_service(std::string_view name) const {
  for (const auto& s : services) {
    if (s.name == name) return &s;
  }
  return nullptr;
}

const Environment* Spec::find_environment(std::string_view name) const {
  for (const auto& e : environments) {
    if (e.name == name) return &e;
  }
  return nullptr;
}

std::string_view name_of(VarType t) {
  switch (t) {
    case VarType::String:
      return "string";
    case VarType::Int:
      return "int";
    case VarType::Number:
      return "number";
    case VarType::Bool:
      return "bool";
    case VarType::Url:
      return "url";
    case VarType::Enum:
      return "enum";
  }
  return "?";
}

std::string_view name_of(ProbeKind k) {
  switch (k) {
    case ProbeKind::Http:
      return "http";
    case ProbeKind::Tcp:
      return "tcp";
    case ProbeKind::Exec:
      return "exec";
  }
  return "?";
}

std::string_view name_of(RestartPolicy p) {
  switch (p) {
    case RestartPolicy::Never:
      return "never";
    case RestartPolicy::OnFailure:
      return "on-failure";
    case RestartPolicy::Always:
      return "always";
  }
  return "?";
}

std::string_view name_of(StrategyKind k) {
  switch (k) {
    case StrategyKind::Recreate:
      return "recreate";
    case StrategyKind::Rolling:
      return "rolling";
    case StrategyKind::BlueGreen:
      return "blue_green";
    case StrategyKind::Canary:
      return "canary";
  }
  return "?";
}

std::string_view name_of(Approval a) {
  switch (a) {
    case Approval::Default:
      return "default";
    case Approval::Required:
      return "required";
    case Approval::Off:
      return "off";
  }
  return "?";
}

std::string_view name_of(CanaryStep::Kind k) {
  switch (k) {
    case CanaryStep::Kind::Weight:
      return "weight";
    case CanaryStep::Kind::Pause:
      return "pause";
    case CanaryStep::Kind::Analysis:
      return "analysis";
    case CanaryStep::Kind::Approval:
      return "approval";
  }
  return "?";
}

bool is_secret_like_name(std::string_view name) {
  const std::string up = to_upper(name);
  static const char* const kWords[] = {
      "PASSWORD",       "PASSWD",      "PASS",        "SECRET",       "TOKEN",    "API_KEY",
      "APIKEY",         "PRIVATE_KEY", "ACCESS_KEY",  "CREDENTIAL",   "AUTH_KEY", "SIGNING_KEY",
      "ENCRYPTION_KEY", "DSN",         "WEBHOOK_URL", "CLIENT_SECRET"};
  for (const char* w : kWords) {
    const std::string_view word(w);
    const auto pos = up.find(word);
    if (pos == std::string::npos) continue;
    // PASS only as a whole word (PASS, DB_PASS), not PASSTHROUGH or COMPASS.
    if (word == "PASS") {
      const bool start_ok = pos == 0 || up[pos - 1] == '_';
      const bool end_ok = pos + 4 == up.size() || up[pos + 4] == '_';
      if (!(start_ok && end_ok)) continue;
    }
    if (word == "DSN" && !(pos + 3 == up.size() || up[pos + 3] == '_')) continue;
    return true;
  }
  return false;
}

}  // namespace gantry::spec
