// Flag and APP_* environment parsing for the example app.
#include "options.h"

#include <cstdlib>
#include <cstring>
#include <functional>
#include <map>

namespace example {

const char* const kUsage =
    "example-app: a small HTTP service with switches to misbehave on purpose.\n"
    "Usage: example-app [--port N] [--name NAME] [--version V] [options]\n"
    "  --port N                 listen port (default $PORT)\n"
    "  --host ADDR              listen address (default 127.0.0.1)\n"
    "  --worker                 no listener; log a heartbeat every --heartbeat\n"
    "  --error-rate F           share of 500 answers, 0..1\n"
    "  --latency D              added latency (e.g. 50ms)\n"
    "  --tail-latency D         extra latency for --tail-share of requests\n"
    "  --tail-share F           default 0.01\n"
    "  --crash-after D          exit 3 after D\n"
    "  --crash-after-requests N exit 3 after N requests\n"
    "  --slow-start D           wait D before listening\n"
    "  --health ok|fail|hang    all health endpoints\n"
    "  --readiness ok|fail|hang /health/ready\n"
    "  --liveness ok|fail|hang  /health/live\n"
    "  --deep healthy|degraded|unhealthy   /health/deep status\n"
    "  --ignore-sigterm         keep running on SIGTERM\n"
    "  --threads N              event loop threads (default 1)\n"
    "  --log-env A,B            print NAME=value of these env vars at start\n"
    "Every flag can also be set as APP_<FLAG> (APP_ERROR_RATE=0.5).\n"
    "Endpoints: / (hello), /health, /health/ready, /health/live, /health/deep, /echo (POST),\n"
    "/sse?n=N&interval=D, /ws (WebSocket echo), /admin/set?error_rate=&latency=&health=&deep=\n";

bool parse_millis(const std::string& text, Millis& out) {
  char* end = nullptr;
  const double n = std::strtod(text.c_str(), &end);
  if (end == text.c_str() || n < 0) return false;
  const std::string unit(end);
  double scale = 0;
  if (unit == "ms")
    scale = 1;
  else if (unit == "s")
    scale = 1000;
  else if (unit == "m")
    scale = 60000;
  else if (unit.empty() && n == 0)
    scale = 0;
  else
    return false;
  out = Millis(static_cast<long long>(n * scale));
  return true;
}

bool parse_health_mode(const std::string& text, HealthMode& out) {
  if (text == "ok")
    out = HealthMode::Ok;
  else if (text == "fail")
    out = HealthMode::Fail;
  else if (text == "hang")
    out = HealthMode::Hang;
  else
    return false;
  return true;
}

bool parse_deep_status(const std::string& text, DeepStatus& out) {
  if (text == "healthy")
    out = DeepStatus::Healthy;
  else if (text == "degraded")
    out = DeepStatus::Degraded;
  else if (text == "unhealthy")
    out = DeepStatus::Unhealthy;
  else
    return false;
  return true;
}

const char* name_of(DeepStatus s) {
  switch (s) {
    case DeepStatus::Healthy:
      return "healthy";
    case DeepStatus::Degraded:
      return "degraded";
    case DeepStatus::Unhealthy:
      return "unhealthy";
  }
  return "unhealthy";
}

namespace {

bool parse_fraction(const std::string& text, double& out) {
  char* end = nullptr;
  out = std::strtod(text.c_str(), &end);
  return end != text.c_str() && *end == '\0' && out >= 0 && out <= 1;
}

bool parse_count(const std::string& text, std::uint64_t& out) {
  char* end = nullptr;
  out = std::strtoull(text.c_str(), &end, 10);
  return end != text.c_str() && *end == '\0';
}

using Setter = std::function<bool(Options&, const std::string&)>;

const std::map<std::string, Setter>& setters() {
  static const std::map<std::string, Setter> m = {
      {"port",
       [](Options& o, const std::string& v) {
         std::uint64_t p = 0;
         if (!parse_count(v, p) || p > 65535) return false;
         o.port = static_cast<int>(p);
         return true;
       }},
      {"log-env",
       [](Options& o, const std::string& v) {
         o.log_env.clear();
         std::size_t from = 0;
         while (from <= v.size()) {
           const auto comma = v.find(',', from);
           const std::string name =
               v.substr(from, comma == std::string::npos ? std::string::npos : comma - from);
           if (name.empty()) return false;
           o.log_env.push_back(name);
           if (comma == std::string::npos) break;
           from = comma + 1;
         }
         return true;
       }},
      {"host",
       [](Options& o, const std::string& v) {
         o.host = v;
         return !v.empty();
       }},
      {"name",
       [](Options& o, const std::string& v) {
         o.name = v;
         return !v.empty();
       }},
      {"version",
       [](Options& o, const std::string& v) {
         o.version = v;
         return !v.empty();
       }},
      {"heartbeat", [](Options& o, const std::string& v) { return parse_millis(v, o.heartbeat); }},
      {"error-rate",
       [](Options& o, const std::string& v) { return parse_fraction(v, o.error_rate); }},
      {"latency", [](Options& o, const std::string& v) { return parse_millis(v, o.latency); }},
      {"tail-latency",
       [](Options& o, const std::string& v) { return parse_millis(v, o.tail_latency); }},
      {"tail-share",
       [](Options& o, const std::string& v) { return parse_fraction(v, o.tail_share); }},
      {"crash-after",
       [](Options& o, const std::string& v) { return parse_millis(v, o.crash_after); }},
      {"crash-after-requests",
       [](Options& o, const std::string& v) { return parse_count(v, o.crash_after_requests); }},
      {"slow-start",
       [](Options& o, const std::string& v) { return parse_millis(v, o.slow_start); }},
      {"health", [](Options& o, const std::string& v) { return parse_health_mode(v, o.health); }},
      {"readiness",
       [](Options& o, const std::string& v) { return parse_health_mode(v, o.readiness); }},
      {"liveness",
       [](Options& o, const std::string& v) { return parse_health_mode(v, o.liveness); }},
      {"deep", [](Options& o, const std::string& v) { return parse_deep_status(v, o.deep); }},
      {"threads",
       [](Options& o, const std::string& v) {
         std::uint64_t n = 0;
         if (!parse_count(v, n) || n < 1 || n > 64) return false;
         o.threads = static_cast<int>(n);
         return true;
       }},
  };
  return m;
}

std::string env_name(const std::string& flag) {
  std::string e = "APP_";
  for (char c : flag)
    e += c == '-' ? '_' : static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return e;
}

}  // namespace

bool parse_options(int argc, char** argv, Options& out, std::string& error) {
  if (const char* p = std::getenv("PORT")) setters().at("port")(out, p);
  if (const char* n = std::getenv("GANTRY_SERVICE")) out.name = n;
  if (const char* v = std::getenv("GANTRY_VERSION")) out.version = v;
  if (const char* r = std::getenv("GANTRY_REPLICA")) out.replica = r;
  for (const auto& [flag, set] : setters()) {
    if (const char* v = std::getenv(env_name(flag).c_str())) {
      if (!set(out, v)) {
        error = env_name(flag) + ": invalid value '" + v + "'";
        return false;
      }
    }
  }
  if (std::getenv("APP_WORKER")) out.worker = true;
  if (std::getenv("APP_IGNORE_SIGTERM")) out.ignore_sigterm = true;
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    if (arg == "--help" || arg == "-h") {
      error = "help";
      return false;
    }
    if (arg == "--worker") {
      out.worker = true;
      continue;
    }
    if (arg == "--ignore-sigterm") {
      out.ignore_sigterm = true;
      continue;
    }
    if (arg.rfind("--", 0) != 0) {
      error = "unexpected argument '" + arg + "'";
      return false;
    }
    std::string flag = arg.substr(2), value;
    if (auto eq = flag.find('='); eq != std::string::npos) {
      value = flag.substr(eq + 1);
      flag.resize(eq);
    } else if (i + 1 < argc) {
      value = argv[++i];
    } else {
      error = "--" + flag + " needs a value";
      return false;
    }
    auto it = setters().find(flag);
    if (it == setters().end()) {
      error = "unknown flag --" + flag;
      return false;
    }
    if (!it->second(out, value)) {
      error = "--" + flag + ": invalid value '" + value + "'";
      return false;
    }
  }
  if (!out.worker && out.port < 0) {
    error = "no port: pass --port N or set PORT";
    return false;
  }
  return true;
}

}  // namespace example
