// Internals of src/notify: what a delivery says (the webhook's JSON, Slack's Block Kit), its
// signature, and the HTTP POST (libcurl). Payload functions are pure and thread-safe; an
// HttpClient is used by one thread at a time.
#pragma once

#include <atomic>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/units.h"
#include "store/store.h"

namespace gantry::notify::detail {

// What one notification is about: the event, and its deployment (as it is now) if it has one.
struct Subject {
  store::DeploymentEvent event;
  std::optional<store::Deployment> deployment;
};

// The generic webhook's body: {"delivery", "event", "deployment", "project"}.
std::string webhook_body(const std::string& delivery_id, const Subject& subject,
                         const std::string& project);

// One line for people: "✅ api v2 deployed to production", "⏪ api v3 rolled back".
std::string headline(const Subject& subject);

// A Slack incoming-webhook message: Block Kit (header, fields, context) with a text fallback;
// channel "" leaves the webhook's own.
std::string slack_body(const Subject& subject, const std::string& project,
                       const std::string& channel);

// Lowercase hex of HMAC-SHA256(key, timestamp + "." + body): X-Gantry-Signature's value after
// "sha256=".
std::string signature(std::string_view key, std::string_view timestamp, std::string_view body);

struct HttpRequest {
  std::string url;
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
  Duration timeout{std::chrono::seconds(10)};
};

struct HttpOutcome {
  int status = 0;                       // the HTTP status; 0 when no answer came
  std::string error;                    // why no answer came ("" when one did)
  std::string body_excerpt;             // the start of the answer's body, one line
  std::optional<Duration> retry_after;  // a Retry-After in seconds, when the answer had one
  bool cancelled = false;               // stopped by the caller's flag, not an attempt
  bool ok() const { return error.empty() && status >= 200 && status < 300; }
};

// A libcurl easy handle kept across requests (so a receiver's connection is reused). Never
// follows redirects; http and https only; no signals.
class HttpClient {
 public:
  HttpClient();
  ~HttpClient();
  HttpClient(const HttpClient&) = delete;
  HttpClient& operator=(const HttpClient&) = delete;

  // POSTs and waits for the answer, at most request.timeout; returns early (cancelled) once
  // cancel is set.
  HttpOutcome post(const HttpRequest& request, const std::atomic<bool>& cancel);

 private:
  void* curl_;  // CURL*
};

// libcurl's and libsodium's one-time set-up; safe to call from any thread, any number of times.
void init_libraries();

}  // namespace gantry::notify::detail
