// The example app's switches: flags, or APP_* environment variables (flag --error-rate is
// APP_ERROR_RATE). Used by tests, the demo and benchmarks to inject faults on purpose.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

namespace example {

using Millis = std::chrono::milliseconds;

enum class HealthMode { Ok, Fail, Hang };
enum class DeepStatus { Healthy, Degraded, Unhealthy };

struct Options {
  int port = -1;  // --port, else $PORT; 0 picks a free port; unused with --worker
  std::string host = "127.0.0.1";
  std::string name = "app";    // --name, else $GANTRY_SERVICE
  std::string version = "v1";  // --version, else $GANTRY_VERSION
  std::string replica;         // $GANTRY_REPLICA
  bool worker = false;         // no listener: a loop that logs a heartbeat
  Millis heartbeat{1000};
  double error_rate = 0;   // share of 500 answers on ordinary requests, 0..1
  Millis latency{0};       // added to every ordinary request
  Millis tail_latency{0};  // added to a tail_share of requests
  double tail_share = 0.01;
  Millis crash_after{0};                   // exit(3) after this long (0: never)
  std::uint64_t crash_after_requests = 0;  // exit(3) after this many requests (0: never)
  Millis slow_start{0};                    // sleep before listening
  HealthMode health = HealthMode::Ok;      // /health and /health/ready and /health/live
  HealthMode readiness = HealthMode::Ok;   // /health/ready only
  HealthMode liveness = HealthMode::Ok;    // /health/live only
  DeepStatus deep = DeepStatus::Healthy;   // /health/deep
  bool ignore_sigterm = false;
  int threads = 1;
  // --log-env A,B: print NAME=value of these variables at start (gantry's log masking shows
  // as NAME=*** for a secret).
  std::vector<std::string> log_env;
};

// Parses argv over the APP_* environment. On error returns false with a message in error.
bool parse_options(int argc, char** argv, Options& out, std::string& error);
bool parse_millis(const std::string& text, Millis& out);
bool parse_health_mode(const std::string& text, HealthMode& out);
bool parse_deep_status(const std::string& text, DeepStatus& out);
const char* name_of(DeepStatus s);

extern const char* const kUsage;

}  // namespace example
