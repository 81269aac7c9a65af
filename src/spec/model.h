// The spec model: what gantry.yaml says, resolved for one environment. Plain immutable value
// types (built once by the parser or an importer, then only read); safe to share read-only.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "core/result.h"
#include "core/units.h"

namespace gantry::spec {

using namespace std::chrono_literals;

// Where each key of the model came from, by key path ("services.api.health.readiness.period").
// Importers point entries at the original file (render.yaml:12:9), not the generated spec.
class SourceMap {
 public:
  void set(std::string path, Location where) { entries_[std::move(path)] = std::move(where); }
  // The location of path, or of its nearest ancestor that has one; file-only if none.
  Location where(std::string_view path) const;
  bool has(std::string_view path) const { return entries_.count(std::string(path)) > 0; }
  const std::map<std::string, Location>& entries() const { return entries_; }
  std::string default_file;

 private:
  std::map<std::string, Location> entries_;
};

// An environment variable value as written, and after ${VAR} interpolation.
struct EnvValue {
  std::string raw;            // the text in the file, before interpolation
  std::string value;          // after interpolation (== raw when there was nothing to do)
  bool interpolated = false;  // raw contains a ${...} expression
  bool unresolved = false;    // a lenient load left an expression it could not resolve

  bool is_secret_ref() const { return value.rfind("secret://", 0) == 0; }
  std::string secret_name() const { return is_secret_ref() ? value.substr(9) : std::string{}; }
};

enum class VarType { String, Int, Number, Bool, Url, Enum };

// One entry of env_schema.
struct VarSchema {
  VarType type = VarType::String;
  bool required = false;
  std::optional<std::string> default_value;
  std::vector<std::string> schemes;  // url: allowed schemes
  std::vector<std::string> values;   // enum: allowed values
  std::string regex;                 // ECMAScript, whole value must match
  std::string prefix;
  std::optional<double> min, max;                     // int/number
  std::optional<std::size_t> min_length, max_length;  // string length
  bool secret = false;  // never print the value (also implied by secret-like names)
  std::string description;
};

enum class ProbeKind { Http, Tcp, Exec };

struct Probe {
  ProbeKind kind = ProbeKind::Http;
  // http
  std::string path = "/";
  std::string method = "GET";
  std::vector<std::pair<std::string, std::string>> headers;
  int status_min = 200, status_max = 399;
  // http and tcp: 0 means the replica's own PORT
  int port = 0;
  // exec
  std::vector<std::string> command;
  Duration initial_delay{0};
  Duration period{10s};
  Duration timeout{1s};
  int success_threshold = 1;
  int failure_threshold = 3;
};

struct Health {
  std::optional<Probe> startup, readiness, liveness;
  std::optional<Probe> deep;  // http only: JSON {"status": healthy|degraded|unhealthy, "checks"}
};

enum class RestartPolicy { Never, OnFailure, Always };

struct Backoff {
  Duration initial{1s};
  Duration max{60s};
  double multiplier = 2.0;
  double jitter = 0.1;  // fraction of each delay, 0..1
};

struct Restart {
  RestartPolicy policy = RestartPolicy::OnFailure;
  int max_retries = 10;
  Backoff backoff;
};

// "1" replica or "25%" of them.
struct Amount {
  double value = 0;
  bool percent = false;
};

struct CanaryStep {
  enum class Kind { Weight, Pause, Analysis, Approval };
  Kind kind = Kind::Weight;
  int weight = 0;        // Weight: 0..100
  Duration duration{0};  // Pause / Analysis; a Pause of 0 waits for `gantry promote`
};

struct LatencyRule {
  std::string quantile;  // "p50", "p90", "p95", "p99"
  std::optional<Duration> max;
  std::optional<double> max_ratio_to_baseline;
};

// One hook: a command to run or an HTTP request to check.
struct Hook {
  std::string name;                  // optional label shown in events ("migrate"); "" = generated
  std::vector<std::string> run;      // argv; empty for an http hook
  std::vector<std::string> dry_run;  // run hooks: argv run first; its failure aborts (migrations)
  // run hooks: a backup. GANTRY_BACKUP_FILE names a new file in backup_dir for the command to
  // write; after success only the newest backup_keep files of this hook are kept.
  std::string backup_dir;
  int backup_keep = 0;      // 0 = not a backup hook
  std::string http_method;  // http hook: "GET"
  std::string http_path;    // http hook: "/health/deep"
  std::optional<int> expect_status;
  // JSON fields the response must hold: dotted path -> expected scalar, as text
  std::vector<std::pair<std::string, std::string>> expect_json;
  Duration timeout{60s};
};

struct Analysis {
  enum class Judge { Threshold, Statistical };
  // What an interval below min_requests does (yaml: on_low_traffic, or judge.on_inconclusive).
  enum class Inconclusive { Extend, Pass, Approval };
  Duration interval{5s};
  std::optional<double> success_rate_min;              // fraction 0..1
  std::optional<double> error_rate_max;                // fraction 0..1
  std::optional<double> error_rate_max_over_baseline;  // fraction 0..1: canary - stable
  std::vector<LatencyRule> latency;
  Judge judge = Judge::Threshold;
  double confidence = 0.99;
  int min_requests = 50;
  // Statistical judge: the canary's latency may exceed the baseline's by this fraction of the
  // baseline median (Hodges-Lehmann shift) before a significant difference fails (judge.tolerance).
  double latency_tolerance = 0.2;
  // ... but a shift below this is never a failure (judge.min_shift).
  Duration latency_min_shift{1ms};
  // Statistical judge: also test the interval so far on every tick and fail at once on
  // overwhelming evidence (judge.sequential), instead of waiting for the interval's end.
  bool sequential = true;
  Inconclusive on_inconclusive = Inconclusive::Extend;
  int failure_limit = 3;
  // Custom HTTP checks (analysis.checks), http hooks: sent to each new replica every interval;
  // a wrong status or JSON value fails that interval.
  std::vector<Hook> checks;
};

struct Sticky {
  std::string cookie;  // the proxy sets it when absent
  std::string header;  // or a client-supplied key (user id)
};

enum class StrategyKind { Recreate, Rolling, BlueGreen, Canary };

struct Strategy {
  StrategyKind kind = StrategyKind::Rolling;
  // rolling
  Amount max_surge{25, true};
  Amount max_unavailable{0, false};
  // blue_green
  bool auto_promote = false;
  Duration scale_down_delay{30s};
  std::optional<int> preview_port;
  // canary
  std::vector<CanaryStep> steps;
  std::optional<Sticky> sticky;
  // canary analysis steps, and blue-green pre-promotion analysis
  std::optional<Analysis> analysis;
};

struct Hooks {
  std::vector<Hook> pre_rollout, smoke, post_rollout, on_rollback;
};

struct Resources {
  std::optional<double> cpu;            // cores
  std::optional<std::uint64_t> memory;  // bytes
};

struct Build {
  std::vector<std::string> command;  // argv (a string form is run by /bin/sh -c)
  bool shell = false;
  std::string workdir;                     // "" = the service's workdir
  std::map<std::string, std::string> env;  // added to the build's environment
  Duration timeout{10min};
  std::string artifact;  // a file or directory the build produces; its digest is recorded
};

struct Service {
  std::string name;
  std::vector<std::string> command;  // argv; with shell=true one element run by /bin/sh -c
  bool shell = false;
  std::string workdir;
  std::optional<int> port;      // where gantry's proxy listens; replicas get their own PORT
  std::vector<int> host_ports;  // other host ports the service binds (imported containers)
  int replicas = 1;
  std::map<std::string, EnvValue> env;
  std::map<std::string, VarSchema> env_schema;  // base merged with the environment's section
  Health health;
  Restart restart;
  Strategy strategy;
  Hooks hooks;
  Resources resources;
  std::optional<Build> build;
  std::vector<std::string> depends_on;
  Duration stop_timeout{10s};
};

enum class Approval { Default, Required, Off };

struct Environment {
  std::string name;
  Approval approval = Approval::Default;
  std::string promote_from;
  std::map<std::string, EnvValue> vars;  // added to every service's env
};

// One notify: sink (docs/notifications.md).
struct NotifySink {
  enum class Kind { Webhook, Slack };
  Kind kind = Kind::Webhook;
  std::string name;                          // unique; default webhook, webhook-2, slack, ...
  EnvValue url;                              // often secret://...; Slack's incoming webhook
  EnvValue secret;                           // webhook: the HMAC-SHA256 key; "" = unsigned
  std::map<std::string, EnvValue> headers;   // webhook: extra request headers
  std::vector<std::string> events;           // patterns like rollback.*; empty = all
  std::vector<std::string> environments;     // empty = all
  std::string channel;                       // slack: instead of the webhook's; "" = its own
  Duration max_age{std::chrono::hours(24)};  // retried until this old, then given up
  Duration backoff_initial{std::chrono::seconds(1)};
  Duration backoff_max{std::chrono::minutes(5)};
  Duration timeout{std::chrono::seconds(10)};  // one delivery attempt
};

// A request header naming the version to use (smoke tests, blue-green previews).
struct OverrideHeaderSettings {
  bool enabled = true;
  std::string name = "X-Gantry-Version";
  bool loopback_only = false;  // honour it only from 127.0.0.0/8 and ::1
};

// The top-level proxy: section. Every service with a port gets a listener on address:port.
struct ProxySettings {
  int workers = 0;                  // 1..256; 0 = the number of cores (GANTRY_PROXY_WORKERS wins)
  std::string address = "0.0.0.0";  // an IPv4 or IPv6 literal
  Duration drain_timeout{30s};      // a replica taken out of the routing table is stopped at
                                    // the latest this long after (its streams are then closed)
  Duration hold_timeout{10s};       // a request that finds no ready replica waits this long
                                    // for one before its 503 (0 = none)
  OverrideHeaderSettings override_header;
};

// Where the daemon listens besides its unix socket (docs/api.md, docs/metrics.md).
struct ListenSettings {
  std::string api;      // "HOST:PORT": the API and the dashboard, with bearer tokens; "" = none
  std::string metrics;  // "HOST:PORT": GET /metrics only, no token; "" = none
};

// The JSON-lines event log (docs/events.md).
struct EventLogSettings {
  bool enabled = true;
  std::string file;  // "" = STATE_DIR/events.jsonl; relative = the spec's folder
  std::uint64_t max_size = 10 * 1024 * 1024;  // rotate past this many bytes
  int keep = 5;                               // rotated files kept: events.jsonl.1 .. .keep
};

struct Spec {
  std::string file;  // the spec file this came from (or the generated file's name)
  std::string project;
  std::string environment;  // the environment this spec is resolved for; "" = base
  std::vector<Environment> environments;
  std::vector<Service> services;  // in file order
  std::vector<NotifySink> notify;
  ProxySettings proxy;
  ListenSettings listen;
  EventLogSettings event_log;
  SourceMap source;

  const Service* find_service(std::string_view name) const;
  const Environment* find_environment(std::string_view name) const;
};

// Names for enums, as written in the spec.
std::string_view name_of(VarType t);
std::string_view name_of(ProbeKind k);
std::string_view name_of(RestartPolicy p);
std::string_view name_of(StrategyKind k);
std::string_view name_of(Approval a);
std::string_view name_of(CanaryStep::Kind k);

// True for names that usually hold credentials: *PASSWORD*, *SECRET*, *TOKEN*, *API_KEY*, ...
bool is_secret_like_name(std::string_view name);

}  // namespace gantry::spec
