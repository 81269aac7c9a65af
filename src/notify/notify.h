// Notifications (docs/notifications.md): webhook and Slack sinks fed from the store's event
// stream through a persistent outbox, delivered at least once. A Notifier runs on its own thread
// with its own store connection; poke() and stop() are thread-safe, the free functions pure.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "core/mask.h"
#include "core/result.h"
#include "core/units.h"
#include "store/store.h"

namespace gantry::notify {

enum class SinkKind { Webhook, Slack };

struct Backoff {
  Duration initial{std::chrono::seconds(1)};
  Duration max{std::chrono::minutes(5)};
};

// One sink, as the daemon translates it from the spec's notify: list.
struct SinkConfig {
  std::string name;  // unique; the outbox remembers items by it
  SinkKind kind = SinkKind::Webhook;
  std::string url;     // may be secret://NAME
  std::string secret;  // webhook: HMAC key, may be secret://NAME; "" = unsigned
  std::map<std::string, std::string> headers;  // webhook: extra headers (values may be secret://)
  std::vector<std::string> events;           // type patterns (telemetry::type_matches); empty = all
  std::vector<std::string> environments;     // empty = all
  std::string channel;                       // slack: "" = the webhook's own channel
  Duration max_age{std::chrono::hours(24)};  // retried until this old, then given up
  Backoff backoff;
  Duration timeout{std::chrono::seconds(10)};  // one attempt, connect included
};

// Resolves the NAME of a secret://NAME reference to its value, or says why it cannot.
using SecretResolver = std::function<Result<std::string>(std::string_view name)>;

struct NotifierOptions {
  std::string db_path;  // the daemon's SQLite database (WAL lets two connections share it)
  std::string project;
  std::string environment;  // the daemon's: for an event that names none
  std::vector<SinkConfig> sinks;
  SecretResolver resolve_secret;  // unset: every secret:// reference fails
  // Live secret values the notifier's store connection hides (from payloads and errors).
  std::shared_ptr<const SecretMask> secret_mask;
  // Called on the notifier's thread after it appended an event (notification.failed).
  std::function<void(const store::DeploymentEvent&)> on_event_written;
  // New events are looked for this often even without a poke (a safety net, cheap).
  Duration poll_interval{std::chrono::seconds(2)};
  std::string user_agent = "gantry";  // "gantry/0.1.0"
  // One line per failed attempt or give-up; default: stderr. URLs appear as scheme://host only.
  std::function<void(const std::string&)> log;
};

class Notifier {
 public:
  // Opens its own store connection on db_path and starts the thread.
  static Result<std::unique_ptr<Notifier>> start(NotifierOptions options);
  virtual ~Notifier() = default;  // stops and joins

  // Wakes the thread: events were written. Thread-safe, never blocks.
  virtual void poke() = 0;
  // Stops the thread and joins it; an attempt in flight is abandoned and not counted (the item
  // stays due). Idempotent; thread-safe.
  virtual void stop() = 0;
};

// True when the sink wants the event: a type pattern matches, the environment is one of its
// environments (environment_of_event: the event's, else its deployment's), and it is not a
// notification.* event about this very sink.
bool sink_wants(const SinkConfig& sink, const store::DeploymentEvent& event,
                const std::string& environment_of_event);

// The wait before the next attempt after `attempts` failed ones (1, 2, ...): full jitter,
// unit_random * min(max, initial * 2^(attempts-1)), unit_random in [0, 1).
Duration backoff_delay(const Backoff& backoff, int attempts, double unit_random);

// "https://hooks.slack.com" for "https://hooks.slack.com/services/T0/B0/xyz": what a log may
// show of a URL (its path and query often are the credential).
std::string redact_url(std::string_view url);

}  // namespace gantry::notify
