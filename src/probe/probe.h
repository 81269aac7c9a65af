// Health probes (HTTP, TCP connect, exec) run asynchronously on a caller's io_context, deep
// health parsing, and ProbeLoop (one probe repeated with thresholds). Not thread-safe: use
// run_probe, ProbeHandle and ProbeLoop only from the thread that runs their io_context.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/result.h"
#include "core/units.h"

namespace boost::asio {
class io_context;
}  // namespace boost::asio

namespace gantry::probe {

enum class ProbeKind { Http, Tcp, Exec };

struct HttpProbeConfig {
  std::string method = "GET";
  std::string path = "/health";  // request target, may carry a query string
  std::vector<std::pair<std::string, std::string>> headers;  // may override Host / User-Agent
  int status_min = 200;  // inclusive range of statuses that pass
  int status_max = 399;
  std::string host = "127.0.0.1";  // IP literal, or a name resolved per probe
  int port = 0;
  bool deep_health = false;  // parse the body as deep health JSON (see parse_deep_health)
  bool keep_body = false;    // return the response body in ProbeResult::body (up to 1 MiB)
};

struct TcpProbeConfig {
  std::string host = "127.0.0.1";
  int port = 0;
};

struct ExecProbeConfig {
  std::vector<std::string> argv;  // argv[0] is looked up in PATH; no shell is involved
};

struct ProbeConfig {
  ProbeKind kind = ProbeKind::Http;
  HttpProbeConfig http;
  TcpProbeConfig tcp;
  ExecProbeConfig exec;
  Duration initial_delay{0};                  // before the first probe of a ProbeLoop
  Duration period{std::chrono::seconds(10)};  // from one probe's start to the next
  Duration timeout{std::chrono::seconds(1)};  // one probe, connect to last byte / exit
  int success_threshold = 1;                  // consecutive successes to become passing
  int failure_threshold = 3;                  // consecutive failures to become failing
};

enum class Outcome { Success, Failure, Timeout };

enum class DeepStatus { Healthy, Degraded, Unhealthy };

struct DeepCheck {
  std::string name;
  DeepStatus status = DeepStatus::Unhealthy;
  std::string detail;  // the check's "detail" / "message" / "error" text, if any
};

struct DeepHealth {
  DeepStatus status = DeepStatus::Unhealthy;
  std::vector<DeepCheck> checks;  // in the order the endpoint sent them
};

struct ProbeResult {
  Outcome outcome = Outcome::Failure;
  std::string detail;   // one line: "HTTP 503", "connection refused", "timed out after 1s"
  int http_status = 0;  // 0 when no HTTP response was read
  int exit_code = -1;   // exec probes: the exit status, -1 when killed or not run
  Duration elapsed{0};
  std::optional<DeepHealth> deep;  // set when http.deep_health and the body parsed
  std::string body;                // the response body, when http.keep_body

  bool ok() const { return outcome == Outcome::Success; }
};

const char* to_string(ProbeKind kind);
const char* to_string(Outcome outcome);
const char* to_string(DeepStatus status);
// "healthy", "degraded", "unhealthy" and common synonyms (ok/up/pass, warn, fail/down/error),
// case-insensitive.
std::optional<DeepStatus> parse_deep_status(std::string_view text);

// Reads {"status": "healthy|degraded|unhealthy", "checks": {...}}. "checks" may be an object
// of name -> {"status": ..., "detail"|"message"|"error": ...} or name -> "status", or an array
// of {"name": ..., "status": ...}; it may be missing. A missing or unknown top-level status is an
// error; a check with an unknown status counts as unhealthy.
Result<DeepHealth> parse_deep_health(std::string_view json);

namespace detail {
class ProbeOp;
}  // namespace detail

// Refers to one in-flight probe. cancel() stops it without calling its callback (an exec
// probe's process group is still killed and reaped). Cheap to copy; harmless once finished.
class ProbeHandle {
 public:
  ProbeHandle() = default;
  explicit ProbeHandle(std::weak_ptr<detail::ProbeOp> op) : op_(std::move(op)) {}
  void cancel();
  bool active() const;

 private:
  std::weak_ptr<detail::ProbeOp> op_;
};

// Runs one probe asynchronously on `io`; `done` is called exactly once on the io thread (never
// from inside run_probe), unless the probe is cancelled. Nothing blocks and no thread is made;
// a probe that hangs ends with Outcome::Timeout after config.timeout.
ProbeHandle run_probe(boost::asio::io_context& io, const ProbeConfig& config,
                      std::function<void(ProbeResult)> done);

// Repeats one probe against one target: initial_delay, then every period. The state starts
// unknown; it becomes passing after success_threshold consecutive successes and failing after
// failure_threshold consecutive failures (timeouts are failures). Each change of state,
// including the first, is reported once to on_change.
class ProbeLoop {
 public:
  using ChangeHandler = std::function<void(bool passing, const ProbeResult& last)>;
  using ResultHandler = std::function<void(const ProbeResult& result)>;

  ProbeLoop(boost::asio::io_context& io, ProbeConfig config, ChangeHandler on_change);
  ~ProbeLoop();  // stops
  ProbeLoop(const ProbeLoop&) = delete;
  ProbeLoop& operator=(const ProbeLoop&) = delete;

  // Called after every probe, before on_change; set it before start().
  void on_result(ResultHandler handler);

  // Starts probing (after initial_delay). Counts and state are kept across stop()/start().
  void start();
  // Cancels the timer and any in-flight probe; no callback runs after stop() returns. Safe to
  // call from inside a callback, and to destroy the ProbeLoop from inside a callback.
  void stop();
  bool running() const;

  std::optional<bool> passing() const;  // nullopt until a threshold is first reached
  const std::optional<ProbeResult>& last_result() const;
  int consecutive_successes() const;
  int consecutive_failures() const;
  std::uint64_t probes_run() const;
  const ProbeConfig& config() const;

 private:
  struct State;
  std::shared_ptr<State> state_;
};

}  // namespace gantry::probe
